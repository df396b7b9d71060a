"""Debian's gammu, an independent AT client, accepts the virtual modem as a real one.

gammu needs ~3-4 s per invocation (its own probe), so each test runs it once.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from drivers.gsm.virtual import VirtualModem

pytestmark = [
    pytest.mark.gammu,
    pytest.mark.skipif(shutil.which("gammu") is None, reason="Debian's gammu is not installed"),
]

GAMMU_TIMEOUT = 90

# one message in `gammu getallsms/geteachsms` output: the sender, header lines, a blank line,
# the text, a blank line (linked multipart messages come out joined)
MESSAGE = re.compile(
    r'Remote number\s*: "(?P<sender>[^"]*)"\n(?:[^\n]+\n)*?\n(?P<text>.*?)\n\n'
    r"(?=Location |\n|\Z)",
    re.DOTALL,
)


def gammu(vm: VirtualModem, tmp_path: Path, *argv: str) -> str:
    rc = tmp_path / "gammurc"
    rc.write_text(
        f"[gammu]\ndevice = {vm.port}\nconnection = at115200\n"
        f"logfile = {tmp_path / 'gammu.log'}\nlogformat = textall\n"
    )
    proc = subprocess.run(
        ["gammu", "-c", str(rc), *argv],
        capture_output=True,
        text=True,
        timeout=GAMMU_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, (
        f"gammu {' '.join(argv)} failed ({proc.returncode}): {proc.stdout}{proc.stderr}\n"
        f"log tail: {(tmp_path / 'gammu.log').read_text(errors='replace')[-3000:]}"
    )
    return proc.stdout


def test_gammu_identify_reports_the_configured_modem(make_vmodem, tmp_path):
    vm = make_vmodem(
        manufacturer="huawei",
        model="E3531",
        revision="22.521.23.00.00",
        imei="867857031234563",
        imsi="510109876543210",
    )
    out = gammu(vm, tmp_path, "identify")
    fields = dict(re.findall(r"^(\w[\w ]*?)\s*: (.*)$", out, re.MULTILINE))
    assert fields["Manufacturer"].lower() == "huawei"
    assert fields["Model"].startswith("E3531")
    assert fields["Firmware"] == "22.521.23.00.00"
    assert fields["IMEI"] == "867857031234563"
    assert fields["SIM IMSI"] == "510109876543210"


def test_gammu_reads_back_exactly_the_injected_messages(vmodem, tmp_path):
    injected = [
        ("+6281234567890", "Lampu PJU mati € 2 minggu {Jl. Veteran} [pasar] ~^|\\", 8),
        ("Radio FM", "Ça va ? Привет 😀 matur nuwun 🙏", 8),
        ("+6285731112233", "Banyu PDAM ing Ledok Kulon mati wis telung dina. " * 7, 8),
        ("081358889900", "Pelayanan KTP-el suwe banget, antri saka subuh; " * 8, 16),
    ]
    stored = {}
    for sender, text, ref_bits in injected:
        stored[text] = vmodem.inject_sms(sender, text, ref_bits=ref_bits)
    assert [len(stored[text]) for _, text, _ in injected] == [1, 1, 3, 3]

    out = gammu(vmodem, tmp_path, "geteachsms")
    got = sorted((m["sender"], m["text"]) for m in MESSAGE.finditer(out))
    assert got == sorted((sender, text) for sender, text, _ in injected)
    assert "8 SMS parts in 4 SMS sequences" in out
    assert "ID (8 bit)" in out and "ID (16 bit)" in out
    # gammu only read: everything is still stored
    assert len(vmodem.stored("SM")) == 8


def test_gammu_sendsms_is_decoded_by_the_modem(vmodem, tmp_path):
    text = "Réponse dari studio 😀"
    out = gammu(vmodem, tmp_path, "sendsms", "TEXT", "+6281299990000", "-unicode", "-text", text)
    assert "OK, message reference=" in out
    [sent] = vmodem.sent
    assert (sent.recipient, sent.text, sent.encoding) == ("+6281299990000", text, "ucs2")
