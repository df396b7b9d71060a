"""The virtual modem, driven through pyserial on its real pseudo-terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import serial

from drivers.gsm import pdu
from drivers.gsm.virtual import StorageFull, VirtualModem
from drivers.gsm.virtual_control import control_request
from drivers.gsm.vmodem_cli import main as vmodem_main
from drivers.gsm.vmodem_cli import run_ctl, run_vmodem

ROOT = Path(__file__).resolve().parents[3]
FINAL = re.compile(r"\r\n(OK|ERROR|NO CARRIER|COMMAND NOT SUPPORT|\+CM[ES] ERROR: [^\r\n]*)\r\n")
FINAL_B = re.compile(FINAL.pattern.encode())


class Client:
    """A minimal AT client over pyserial (the test's own, independent of drivers.gsm.at)."""

    def __init__(self, port: str) -> None:
        self.ser = serial.Serial(port, 115200, timeout=0.05, exclusive=True)
        self.buf = b""

    def close(self) -> None:
        self.ser.close()

    def read_until(self, pattern: bytes | re.Pattern[bytes], timeout: float = 3.0) -> bytes:
        """Read until ``pattern`` is in the buffer; return everything up to its end."""
        deadline = time.monotonic() + timeout
        while True:
            m = (
                re.search(pattern, self.buf)
                if isinstance(pattern, re.Pattern)
                else re.search(re.escape(pattern), self.buf)
            )
            if m:
                out, self.buf = self.buf[: m.end()], self.buf[m.end() :]
                return out
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {pattern!r}; got {self.buf[-400:]!r}")
            self.buf += self.ser.read(self.ser.in_waiting or 1)

    def send(self, data: bytes) -> None:
        self.ser.write(data)

    def cmd(self, line: str, timeout: float = 3.0) -> str:
        """Send a command; return the response text up to and including its final code."""
        self.send(line.encode("latin-1") + b"\r")
        return self.read_until(FINAL_B, timeout).decode("latin-1")

    def lines(self, line: str) -> list[str]:
        """The non-empty response lines without the echo."""
        out = self.cmd(line)
        got = [x for x in re.split(r"\r\n|\r", out) if x]
        return got[1:] if got and got[0] == line else got


@pytest.fixture
def client(vmodem: VirtualModem):
    c = Client(vmodem.port)
    yield c
    c.close()


def open_client(vm: VirtualModem) -> Client:
    return Client(vm.port)


# ---------------------------------------------------------------- basic AT behaviour


def test_identity_commands_report_the_configured_modem(make_vmodem):
    vm = make_vmodem(
        manufacturer="SIMCOM_Ltd",
        model="SIM800L",
        revision="1418B04",
        imei="867857031234563",
        imsi="510109876543210",
    )
    c = open_client(vm)
    try:
        assert c.lines("AT") == ["OK"]
        assert c.lines("AT+CGMI") == ["SIMCOM_Ltd", "OK"]
        assert c.lines("AT+GMM") == ["SIM800L", "OK"]
        assert c.lines("AT+CGMR") == ["1418B04", "OK"]
        assert c.lines("AT+CGSN") == ["867857031234563", "OK"]
        assert c.lines("AT+CIMI") == ["510109876543210", "OK"]
        info = c.lines("ATI")
        assert "Model: SIM800L" in info and "IMEI: 867857031234563" in info
    finally:
        c.close()


def test_echo_is_on_by_default_and_follows_ate(client):
    assert client.cmd("AT").startswith("AT\r")
    assert client.cmd("ATE0") == "ATE0\r\r\nOK\r\n"
    assert client.cmd("AT") == "\r\nOK\r\n"
    assert client.cmd("ATE1") == "\r\nOK\r\n"
    assert client.cmd("AT") == "AT\r\r\nOK\r\n"


@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n"])
def test_commands_end_with_cr_crlf_or_lf(client, ending):
    client.cmd("ATE0")
    client.send(b"AT+CSQ" + ending)
    out = client.read_until(b"OK\r\n")
    assert out == b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"
    client.send(b"AT" + ending)
    assert client.read_until(b"OK\r\n") == b"\r\nOK\r\n"
    assert client.ser.read(64) == b""  # the LF of CRLF starts no second command


def test_several_commands_on_one_line_share_one_final_code(client):
    client.cmd("ATE0")
    assert client.lines("ATE0V1+CMEE=1;+CSQ;+CMGF?") == ["+CSQ: 20,99", "+CMGF: 0", "OK"]
    # the first failing command ends the line
    assert client.lines("AT+CMEE=1;+CMGR=999;+CSQ") == ["+CMS ERROR: 321"]


def test_escape_and_empty_lines_get_no_answer(client):
    client.send(b"\x1b\r\r\n")
    assert client.ser.read(64) == b""
    assert client.lines("AT") == ["OK"]


def test_unknown_command_is_error(client):
    assert client.lines("AT+FOOBAR") == ["ERROR"]
    assert client.lines("AT+CMEE=2") == ["OK"]
    assert client.lines("AT+FOOBAR=1") == ["ERROR"]


def test_huawei_e1752_answers_command_not_support(make_vmodem):
    c = open_client(make_vmodem(profile="huawei-e1752"))
    try:
        assert c.lines("AT+CLAC") == ["COMMAND NOT SUPPORT"]
        assert c.lines("AT^CURC=0") == ["OK"]
    finally:
        c.close()


def test_cmee_chooses_plain_numeric_or_text_errors(make_vmodem):
    c = open_client(make_vmodem(pin="1234"))
    try:
        assert c.lines("AT+CMGL=4") == ["ERROR"]
        assert c.lines("AT+CMEE=1") == ["OK"]
        assert c.lines("AT+CMGL=4") == ["+CME ERROR: 11"]
        assert c.lines("AT+CMEE=2") == ["OK"]
        assert c.lines("AT+CMGL=4") == ["+CME ERROR: SIM PIN required"]
        assert c.lines("AT+CMEE?") == ["+CMEE: 2", "OK"]
    finally:
        c.close()


def test_gammu_probe_commands_are_accepted(client):
    for line in (
        "AT+CFUN=1",
        "AT+CHUP=?",
        "AT+CMGF=0",
        'AT+CSCS="GSM"',
        "AT+CLIP=1",
        "AT+CRC=1",
        "AT+CNMA",
        "AT+CSMP=17,167,0,0",
        "AT+COPS=3,0",
        "AT+CREG=2",
    ):
        assert client.lines(line)[-1] == "OK", line
    assert client.lines("AT+CFUN?") == ["+CFUN: 1", "OK"]
    assert client.lines("AT+COPS?") == ['+COPS: 0,0,"TELKOMSEL",2', "OK"]
    assert client.lines("AT+CREG?") == ['+CREG: 2,1,"4CA","81DE445"', "OK"]
    assert client.lines("AT+CSCA?") == ['+CSCA: "+6281100000",145', "OK"]
    assert client.lines("AT+CBC") == ["ERROR"]


# ---------------------------------------------------------------- SMS storage


def test_injected_sms_is_listed_read_and_deleted(vmodem, client):
    [(storage, index)] = vmodem.inject_sms("+6281234567890", "Lampu PJU mati")
    assert (storage, index) == ("SM", 1)
    client.read_until(b'+CMTI: "SM",1\r\n')
    client.cmd("ATE0")

    listing = client.lines("AT+CMGL=4")
    assert listing[0] == f"+CMGL: 1,0,,{pdu.decode(listing[1]).tpdu_length}"
    assert pdu.decode(listing[1]).text == "Lampu PJU mati"
    assert listing[2] == "OK"

    # the listing marked it read: +CMGR shows stat 1, and "unread" lists nothing now
    read = client.lines("AT+CMGR=1")
    assert read[0].startswith("+CMGR: 1,,")
    assert read[1] == vmodem.stored("SM")[1]
    assert client.lines("AT+CMGL=0") == ["OK"]

    assert client.lines("AT+CMGD=1") == ["OK"]
    assert vmodem.stored("SM") == {}
    assert client.lines("AT+CMGL=4") == ["OK"]


def test_cmgr_of_an_empty_slot_is_ok_and_out_of_range_is_321(client):
    client.cmd("AT+CMEE=1")
    assert client.lines("AT+CMGR=5") == ["OK"]
    assert client.lines("AT+CMGR=31") == ["+CMS ERROR: 321"]
    assert client.lines("AT+CMGR=0") == ["+CMS ERROR: 321"]
    assert client.lines("AT+CMGD=31") == ["+CMS ERROR: 321"]


def test_cmgd_flags_delete_by_status(vmodem, client):
    for n in range(4):
        vmodem.inject_sms("+6281234567890", f"pesan {n}")
    client.cmd("ATE0")
    client.cmd("AT+CMGR=1")
    client.cmd("AT+CMGR=2")  # 1 and 2 are now read, 3 and 4 unread
    assert client.lines("AT+CMGD=1,1") == ["OK"]
    assert sorted(vmodem.stored("SM")) == [3, 4]
    assert client.lines("AT+CMGD=0,4") == ["OK"]
    assert vmodem.stored("SM") == {}


def test_cmti_is_emitted_for_each_arrival(vmodem, client):
    vmodem.inject_sms("+6281234567890", "satu")
    vmodem.inject_sms("+6285731112233", "dua")
    client.read_until(b'+CMTI: "SM",1\r\n')
    client.read_until(b'+CMTI: "SM",2\r\n')


def test_cnmi_mt2_delivers_directly_as_cmt(vmodem, client):
    assert client.lines("AT+CNMI=2,2,0,0,0") == ["OK"]
    assert vmodem.inject_sms("+6281234567890", "langsung") == []
    out = client.read_until(re.compile(rb"\+CMT: ,(\d+)\r\n([0-9A-F]+)\r\n"))
    m = re.search(rb"\+CMT: ,(\d+)\r\n([0-9A-F]+)\r\n", out)
    sms = pdu.decode(m.group(2).decode())
    assert sms.text == "langsung" and int(m.group(1)) == sms.tpdu_length
    assert vmodem.stored("SM") == {}
    assert vmodem.delivered == [m.group(2).decode()]


def test_route_direct_bypasses_storage(vmodem, client):
    assert vmodem.inject_sms("+6281234567890", "tanpa simpan", route="direct") == []
    client.read_until(b"+CMT: ,")
    assert vmodem.stored("SM") == {}


def test_multipart_parts_decode_back_to_the_injected_text(vmodem):
    text = "Jalan poros desa rusak berat sejak musim hujan, mohon diperbaiki. " * 6
    for ref_bits in (8, 16):
        parts = vmodem.inject_sms("+6281358889900", text, ref_bits=ref_bits)
        assert len(parts) == 3
        decoded = [pdu.decode(vmodem.stored(s)[i]) for s, i in parts]
        assert {d.concat.ref_bits for d in decoded} == {ref_bits}
        assert len({d.concat.ref for d in decoded}) == 1
        assert [d.concat.seq for d in decoded] == [1, 2, 3]
        assert "".join(d.text for d in decoded) == text


def test_ucs2_with_emoji_from_an_alphanumeric_sender(vmodem):
    text = "Pupuk subsidi kosong 😭🙏 Привет"
    [(s, i)] = vmodem.inject_sms("Radio FM", text)
    sms = pdu.decode(vmodem.stored(s)[i])
    assert (sms.text, sms.sender, sms.encoding) == (text, "Radio FM", "ucs2")


def test_raw_pdu_is_stored_as_given_even_when_malformed(vmodem, client):
    assert vmodem.inject_pdu("07 91 26 18") == ("SM", 1)
    client.cmd("ATE0")
    assert client.lines("AT+CMGR=1") == ["+CMGR: 0,,0", "07912618", "OK"]


def test_location_base_zero_numbers_slots_from_zero(make_vmodem):
    vm = make_vmodem(location_base=0, sm_capacity=3)
    assert vm.inject_sms("+6281234567890", "nol") == [("SM", 0)]
    c = open_client(vm)
    try:
        assert c.lines("AT+CMGR=0")[0].startswith("+CMGR: 0,,")
        c.cmd("AT+CMEE=1")
        assert c.lines("AT+CMGR=3") == ["+CMS ERROR: 321"]
    finally:
        c.close()


def test_sm_full_spills_to_me_then_everything_full_is_refused(make_vmodem):
    vm = make_vmodem(sm_capacity=2, me_capacity=1)
    c = open_client(vm)
    try:
        assert vm.inject_sms("+628111", "a") == [("SM", 1)]
        assert vm.inject_sms("+628111", "b") == [("SM", 2)]
        assert vm.inject_sms("+628111", "c") == [("ME", 1)]
        c.read_until(b'+CMTI: "ME",1\r\n')
        with pytest.raises(StorageFull) as exc:
            vm.inject_sms("+628111", "d")
        assert exc.value.storage == "SM" and exc.value.stored == []
        c.read_until(b'^SMMEMFULL: "SM"\r\n')
        assert len(vm.stored("SM")) == 2 and len(vm.stored("ME")) == 1
        c.cmd("ATE0")
        assert c.lines("AT+CPMS?") == ['+CPMS: "SM",2,2,"SM",2,2,"SM",2,2', "OK"]
        c.cmd("AT+CMEE=1")
        assert c.lines("AT+CMGW=18") == ["+CMS ERROR: 322"]
    finally:
        c.close()


def test_forced_full_refuses_injection_and_cmgw(vmodem, client):
    vmodem.set_storage_full(True)
    with pytest.raises(StorageFull):
        vmodem.inject_sms("+628111", "x")
    client.read_until(b"^SMMEMFULL")
    client.cmd("AT+CMEE=1")
    assert client.lines("AT+CMGW=18") == ["+CMS ERROR: 322"]
    vmodem.set_storage_full(False)
    assert vmodem.inject_sms("+628111", "x") == [("SM", 1)]


def test_receive_storage_follows_the_third_cpms_parameter(vmodem, client):
    client.cmd("ATE0")
    assert client.lines('AT+CPMS="ME","ME","ME"') == ["+CPMS: 0,100,0,100,0,100", "OK"]
    assert vmodem.inject_sms("+628111", "ke ME") == [("ME", 1)]
    client.read_until(b'+CMTI: "ME",1')
    assert client.lines("AT+CMGL=4")[0].startswith("+CMGL: 1,0,,")


def test_cpms_with_one_or_two_parameters_is_refused_by_e3372(make_vmodem):
    c = open_client(make_vmodem(profile="e3372"))
    try:
        c.cmd("ATE0")
        assert c.lines("AT+CPMS=?") == ['+CPMS: ("SM","ME"),("SM","ME"),("SM","ME")', "OK"]
        assert c.lines('AT+CPMS="SM"') == ["ERROR"]
        assert c.lines('AT+CPMS="SM","SM"') == ["ERROR"]
        assert c.lines('AT+CPMS="SM","SM","SM"') == ["+CPMS: 0,30,0,30,0,30", "OK"]
    finally:
        c.close()


def test_cpms_accepts_one_two_and_three_parameters_on_generic(client):
    client.cmd("ATE0")
    assert client.lines('AT+CPMS="ME"') == ["+CPMS: 0,100,0,30,0,30", "OK"]
    assert client.lines('AT+CPMS="SM","ME"') == ["+CPMS: 0,30,0,100,0,30", "OK"]
    assert client.lines("AT+CPMS?") == ['+CPMS: "SM",0,30,"ME",0,100,"SM",0,30', "OK"]
    client.cmd("AT+CMEE=1")
    assert client.lines('AT+CPMS="XX"') == ["+CMS ERROR: 302"]


def test_cnmi_ds2_is_rejected_by_sim800(make_vmodem):
    c = open_client(make_vmodem(profile="sim800"))
    try:
        c.cmd("ATE0")
        assert c.lines("AT+CNMI=?") == ["+CNMI: (0-3),(0-3),(0,2),(0,1),(0,1)", "OK"]
        assert c.lines("AT+CNMI=2,1,0,2,0") == ["ERROR"]
        assert c.lines("AT+CNMI=2,1,0,1,0") == ["OK"]
    finally:
        c.close()


def test_status_reports_follow_cnmi_ds(vmodem, client):
    client.cmd("ATE0")
    assert vmodem.inject_status_report(7) is None  # ds=0: dropped
    client.cmd("AT+CNMI=2,1,0,1,0")
    vmodem.inject_status_report(7, recipient="+6281299990000")
    out = client.read_until(re.compile(rb"\+CDS: (\d+)\r\n([0-9A-F]+)\r\n"))
    report = pdu.decode(re.search(rb"\r\n([0-9A-F]+)\r\n$", out).group(1).decode())
    assert (report.kind, report.reference, report.recipient) == (
        "status-report",
        7,
        "+6281299990000",
    )
    client.cmd("AT+CNMI=2,1,0,2,0")
    assert vmodem.inject_status_report(8) == ("SR", 1)
    client.read_until(b'+CDSI: "SR",1\r\n')
    assert client.lines('AT+CPMS="SR"')[-1] == "OK"
    listing = client.lines("AT+CMGL=4")
    assert pdu.decode(listing[1]).reference == 8


# ---------------------------------------------------------------- PIN


def test_pin_unlocks_and_three_wrong_pins_need_the_puk(make_vmodem):
    vm = make_vmodem(pin="1234", puk="87654321")
    c = open_client(vm)
    try:
        c.cmd("ATE0")
        c.cmd("AT+CMEE=1")
        assert c.lines("AT+CPIN?") == ["+CPIN: SIM PIN", "OK"]
        assert c.lines("AT+CMGR=1") == ["+CME ERROR: 11"]
        assert c.lines("AT+CIMI") == ["+CME ERROR: 11"]
        for _ in range(3):
            assert c.lines('AT+CPIN="0000"') == ["+CME ERROR: 16"]
        assert c.lines("AT+CPIN?") == ["+CPIN: SIM PUK", "OK"]
        assert c.lines('AT+CPIN="1234"') == ["+CME ERROR: 12"]  # the PIN no longer helps
        assert c.lines('AT+CPIN="11111111","4321"') == ["+CME ERROR: 16"]
        assert c.lines('AT+CPIN="87654321","4321"') == ["OK"]
        assert c.lines("AT+CPIN?") == ["+CPIN: READY", "OK"]
        assert c.lines("AT+CMGL=4") == ["OK"]
    finally:
        c.close()
    vm.unplug()
    vm.replug()  # power cycle: the new PIN is asked again
    c = open_client(vm)
    try:
        c.cmd("ATE0")
        assert c.lines("AT+CPIN?") == ["+CPIN: SIM PIN", "OK"]
        assert c.lines('AT+CPIN="4321"') == ["OK"]
    finally:
        c.close()


# ---------------------------------------------------------------- sending


def test_cmgs_decodes_the_submit_and_answers_a_reference(vmodem, client):
    client.cmd("ATE0")
    [sub] = pdu.encode_submit("+6281299990000", "Terima kasih 😀", request_status_report=True)
    client.send(f"AT+CMGS={sub.tpdu_length}\r".encode())
    client.read_until(b"\r\n> ")
    client.send(sub.hex.encode() + b"\x1a")
    out = client.read_until(b"OK\r\n").decode()
    mr = int(re.search(r"\+CMGS: (\d+)", out).group(1))
    [sent] = vmodem.sent
    assert (sent.recipient, sent.text, sent.status_report_requested) == (
        "+6281299990000",
        "Terima kasih 😀",
        True,
    )
    [sub2] = pdu.encode_submit("+6281299990000", "lagi")
    client.send(f"AT+CMGS={sub2.tpdu_length}\r".encode())
    client.read_until(b"> ")
    client.send(sub2.hex.encode() + b"\x1a")
    out = client.read_until(b"OK\r\n").decode()
    assert int(re.search(r"\+CMGS: (\d+)", out).group(1)) != mr


def test_escape_at_the_prompt_cancels_the_send(vmodem, client):
    client.cmd("ATE0")
    client.send(b"AT+CMGS=20\r")
    client.read_until(b"> ")
    client.send(b"0011000B\x1b")
    assert client.read_until(b"OK\r\n") == b"\r\nOK\r\n"
    assert vmodem.sent == []
    assert client.lines("AT") == ["OK"]


def test_cmgs_with_a_wrong_length_is_refused(vmodem, client):
    client.cmd("ATE0;+CMEE=1")
    [sub] = pdu.encode_submit("+6281299990000", "x")
    client.send(f"AT+CMGS={sub.tpdu_length + 1}\r".encode())
    client.read_until(b"> ")
    client.send(sub.hex.encode() + b"\x1a")
    assert client.read_until(FINAL_B).endswith(b"+CMS ERROR: 304\r\n")
    assert vmodem.sent == []


def test_auto_status_report_follows_a_send_that_asked_for_one(make_vmodem):
    vm = make_vmodem(auto_status_reports=True, status_report_delay=0.05)
    c = open_client(vm)
    try:
        c.cmd("ATE0;+CNMI=2,1,0,1,0")
        [sub] = pdu.encode_submit("+6281299990000", "lapor", request_status_report=True)
        c.send(f"AT+CMGS={sub.tpdu_length}\r".encode())
        c.read_until(b"> ")
        c.send(sub.hex.encode() + b"\x1a")
        mr = int(re.search(rb"\+CMGS: (\d+)", c.read_until(b"OK\r\n")).group(1))
        out = c.read_until(re.compile(rb"\+CDS: \d+\r\n([0-9A-F]+)\r\n"))
        report = pdu.decode(re.search(rb"\r\n([0-9A-F]+)\r\n$", out).group(1).decode())
        assert (report.reference, report.recipient, report.delivered) == (
            mr,
            "+6281299990000",
            True,
        )
    finally:
        c.close()


def test_cmgw_stores_a_message_in_the_write_storage(vmodem, client):
    client.cmd("ATE0")
    [sub] = pdu.encode_submit("+6281299990000", "draf")
    client.send(f"AT+CMGW={sub.tpdu_length}\r".encode())
    client.read_until(b"> ")
    client.send(sub.hex.encode() + b"\x1a")
    assert b"+CMGW: 1\r\n" in client.read_until(b"OK\r\n")
    assert pdu.decode(vmodem.stored("SM")[1]).text == "draf"
    assert client.lines("AT+CMGL=2")[0] == f"+CMGL: 1,2,,{sub.tpdu_length}"


def test_text_mode_lists_and_sends_plain_text(vmodem, client):
    vmodem.inject_sms("+6281234567890", "Halo teks mode")
    client.cmd("ATE0;+CMGF=1")
    listing = client.lines('AT+CMGL="ALL"')
    assert re.fullmatch(r'\+CMGL: 1,"REC UNREAD","\+6281234567890",,"[0-9/,:]+[+-]\d\d"', listing[0])
    assert listing[1:] == ["Halo teks mode", "OK"]
    client.send(b'AT+CMGS="+6281299990000"\r')
    client.read_until(b"> ")
    client.send(b"halo balik\x1a")
    assert re.search(rb"\+CMGS: \d+\r\n\r\nOK\r\n$", client.read_until(b"OK\r\n"))
    assert (vmodem.sent[-1].recipient, vmodem.sent[-1].text) == ("+6281299990000", "halo balik")


# ---------------------------------------------------------------- calls, USSD, URCs


def test_incoming_call_rings_with_caller_id_and_ata_answers(vmodem, client):
    client.cmd("ATE0;+CLIP=1")
    vmodem.call("+6282140506070", rings=5, interval=0.05)
    client.read_until(b'\r\nRING\r\n\r\n+CLIP: "+6282140506070",145,,,,0\r\n')
    assert client.lines("ATA") == ["OK"]
    assert vmodem.call_state == "active"
    assert client.lines("ATH") == ["OK"]
    assert vmodem.call_state == "idle"


def test_crc_rings_as_cring_and_a_withheld_number_has_no_digits(vmodem, client):
    client.cmd("ATE0;+CLIP=1;+CRC=1")
    vmodem.call("", rings=1, interval=0.05)
    client.read_until(b'+CRING: VOICE\r\n\r\n+CLIP: "",128,,,,1\r\n')


def test_remote_hangup_emits_no_carrier_and_unanswered_calls_just_stop(vmodem, client):
    client.cmd("ATE0")
    vmodem.call("+6282140506070", rings=50, interval=0.05)
    client.read_until(b"RING\r\n")
    assert vmodem.remote_hangup() is True
    client.read_until(b"\r\nNO CARRIER\r\n")
    vmodem.call("081234", rings=2, interval=0.02)
    client.read_until(b"RING\r\n")
    client.read_until(b"RING\r\n")
    deadline = time.monotonic() + 3
    while vmodem.call_state != "idle" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert vmodem.call_state == "idle"
    assert client.lines("ATA") == ["NO CARRIER"]
    assert client.lines("AT+CHUP") == ["OK"]


def test_ussd_answers_ok_then_a_cusd_urc(client):
    client.cmd("ATE0")
    assert client.lines('AT+CUSD=1,"*888#",15') == ["OK"]
    client.read_until(re.compile(rb'\+CUSD: 0,"Sisa pulsa[^"]*",15\r\n'))


def test_creg_is_reported_unsolicited_when_enabled(vmodem, client):
    client.cmd("ATE0;+CREG=1")
    vmodem.set_registration(2)
    client.read_until(b"\r\n+CREG: 2\r\n")
    assert client.lines("AT+CREG?") == ["+CREG: 1,2", "OK"]


def test_urc_injected_mid_response_sits_before_the_final_code(vmodem, client):
    vmodem.inject_sms("+6281234567890", "satu")
    client.read_until(b"+CMTI")
    client.cmd("ATE0")
    vmodem.inject_urc_mid_response('+CMTI: "SM",2')
    out = client.cmd("AT+CMGR=1")
    assert re.fullmatch(r'\r\n\+CMGR: 0,,\d+\r\n[0-9A-F]+\r\n\r\n\+CMTI: "SM",2\r\n\r\nOK\r\n', out)


def test_interleaved_sms_indications_arrive_inside_the_next_response(make_vmodem):
    vm = make_vmodem(interleave_urcs=True)
    c = open_client(vm)
    try:
        c.cmd("ATE0")
        vm.inject_sms("+6281234567890", "selipan")
        out = c.cmd("AT+CSQ")
        assert out == '\r\n+CSQ: 20,99\r\n\r\n+CMTI: "SM",1\r\n\r\nOK\r\n'
    finally:
        c.close()


def test_cmti_nowhere_points_at_an_empty_slot(vmodem, client):
    vmodem.cmti_nowhere("SM", 7)
    client.read_until(b'+CMTI: "SM",7\r\n')
    assert client.lines("AT+CMGR=7")[-1] == "OK"


def test_noise_sends_huawei_status_urcs(vmodem, client):
    vmodem.set_noise(True, interval=0.01)
    client.read_until(b"^RSSI:17\r\n")
    client.read_until(b"^BOOT:")
    client.read_until(b"^MODE:5,4")
    vmodem.set_noise(False)
    assert client.lines("ATE0")[-1] == "OK"


def test_garbage_reaches_the_client_byte_for_byte(vmodem, client):
    sent = vmodem.send_garbage(64)
    assert len(sent) == 64 and {0, 13, 0xFF} <= set(sent)
    assert client.read_until(sent) == sent
    fixed = vmodem.send_garbage(b"\x00\xfe\r\x80OK")
    assert client.read_until(fixed) == fixed


def test_reply_delay_holds_the_response_but_not_the_echo(vmodem, client):
    vmodem.set_reply_delay(0.8)
    client.send(b"AT+CSQ\r")
    assert client.read_until(b"AT+CSQ\r") == b"AT+CSQ\r"
    assert client.ser.read(64) == b""  # echoed at once, answered only 0.8 s later
    assert client.read_until(b"OK\r\n") == b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"
    vmodem.set_reply_delay(0)
    assert client.lines("AT") == ["OK"]


def test_commands_are_recorded_and_can_be_awaited(vmodem, client):
    client.cmd("AT+CMGF=0")
    assert vmodem.wait_for_command("at+cmgf", timeout=1) == "AT+CMGF=0"
    assert vmodem.wait_for_command("AT+CMGD", timeout=0.05) is None
    start = len(vmodem.commands)
    client.cmd("AT+CSQ")
    assert vmodem.wait_for_command("AT", timeout=1, start=start) == "AT+CSQ"


# ---------------------------------------------------------------- unplug, replug, reopen


def test_unplug_breaks_the_client_and_removes_the_link(vmodem):
    c = open_client(vmodem)
    try:
        assert c.lines("AT")[-1] == "OK"
        vmodem.unplug()
        assert not os.path.lexists(vmodem.port)
        with pytest.raises(serial.SerialException):
            c.ser.write(b"AT\r")
            c.ser.read(10)
            c.ser.read(10)
    finally:
        c.close()
    with pytest.raises(serial.SerialException):
        serial.Serial(vmodem.port, 115200)


def test_replug_restores_the_same_path_with_power_on_settings(vmodem):
    path = vmodem.port
    first = os.readlink(path)
    c = open_client(vmodem)
    c.cmd("ATE0")
    vmodem.unplug()
    c.close()
    vmodem.inject_sms("+628111", "saat dicabut")  # kept on the SIM, no one to tell
    vmodem.replug()
    assert vmodem.port == path and os.path.islink(path)
    assert os.readlink(path) != first or os.path.exists(path)
    c = open_client(vmodem)
    try:
        assert c.cmd("AT") == "AT\r\r\nOK\r\n"  # echo is back on after the power cycle
        c.cmd("ATE0")
        assert c.lines("AT+CMGL=4")[0].startswith("+CMGL: 1,0,,")
    finally:
        c.close()


def test_a_reopened_port_gets_no_stale_bytes(vmodem):
    c = open_client(vmodem)
    c.close()
    vmodem.inject_sms("+628111", "tidak ada yang dengar")
    vmodem.send_garbage(32)
    time.sleep(0.1)  # give the I/O thread time to (not) deliver them
    c = open_client(vmodem)
    try:
        assert c.ser.read(256) == b""
        assert c.lines("AT")[-1] == "OK"
    finally:
        c.close()


# ---------------------------------------------------------------- lifecycle


def _fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def test_stop_leaks_no_fds_or_threads(tmp_path):
    time.sleep(0.05)
    fds_before, threads_before = _fds(), set(threading.enumerate())
    for _ in range(3):
        with VirtualModem() as vm:
            c = open_client(vm)
            vm.set_noise(True, interval=0.01)
            vm.call("+628111", rings=100, interval=0.01)
            assert c.lines("AT")[-1] == "OK"
            vm.unplug()
            vm.replug()
            c.close()
            link_dir = os.path.dirname(vm.port)
        assert not os.path.exists(link_dir)
    vm = VirtualModem(link=str(tmp_path / "tty"))
    vm.start()
    vm.stop()
    vm.stop()  # idempotent
    assert not os.path.lexists(tmp_path / "tty")
    assert _fds() == fds_before
    assert set(threading.enumerate()) == threads_before


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="profile"):
        VirtualModem(profile="nokia")


# ---------------------------------------------------------------- control socket and CLI


def _serve_in_thread(tmp_path, *extra):
    from studio_console.cli import build_parser  # the console's CLI wires our subcommands

    link, sock = tmp_path / "ttyV", tmp_path / "c.sock"
    parser = build_parser()
    args = parser.parse_args(["vmodem", "--link", str(link), "--control", str(sock), *extra])
    assert args.func is run_vmodem
    stop = threading.Event()
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(run_vmodem(args, stop=stop)))
    thread.start()
    deadline = time.monotonic() + 5
    while not sock.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return parser, link, sock, stop, thread, codes


def test_control_socket_drives_the_modem_end_to_end(tmp_path, capsys):
    parser, link, sock, stop, thread, codes = _serve_in_thread(
        tmp_path, "--sm-capacity", "3", "--me-capacity", "0"
    )
    try:

        def ctl(*argv):
            capsys.readouterr()
            code = run_ctl(parser.parse_args(["vmodem-ctl", "--control", str(sock), *argv]))
            return code, capsys.readouterr()

        c = Client(str(link))
        try:
            code, out = ctl("sms", "+6281234567890", "halo dari ctl", "--count", "2")
            assert code == 0 and out.out.strip() == '[["SM", 1], ["SM", 2]]'
            c.read_until(b'+CMTI: "SM",2\r\n')
            assert pdu.decode(c.lines("AT+CMGR=2")[1]).text == "halo dari ctl"

            code, out = ctl("sms", "+6281234567890", "penuh", "--count", "5")
            assert code == 1 and "full" in out.err

            assert ctl("call", "+6282140506070", "--rings", "1", "--interval", "0.05")[0] == 0
            c.read_until(b"RING\r\n")
            assert ctl("garbage", "--hex", "00ff0d")[0] == 0
            c.read_until(b"\x00\xff\r")

            code, out = ctl("status")
            import json

            status = json.loads(out.out)
            assert status["storages"]["SM"] == {"used": 3, "capacity": 3}
            assert status["plugged"] is True

            assert ctl("unplug")[0] == 0
            assert not link.exists()
        finally:
            c.close()
        assert ctl("replug")[0] == 0
        assert link.exists()
        reply = control_request(sock, {"action": "nope"})
        assert reply["ok"] is False and "unknown" in reply["error"]
        reply = control_request(sock, {"action": "delay"})
        assert reply == {"ok": False, "error": "missing argument 'seconds'"}
    finally:
        stop.set()
        thread.join(10)
    assert codes == [0]
    assert not sock.exists() and not link.exists()


def test_ctl_reports_an_unreachable_socket(tmp_path, capsys):
    code = vmodem_main(["vmodem-ctl", "--control", str(tmp_path / "none.sock"), "status"])
    assert code == 2 and "cannot reach" in capsys.readouterr().err


def test_python_m_entry_serves_until_sigterm(tmp_path):
    link, sock = tmp_path / "ttyP", tmp_path / "p.sock"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "drivers.gsm.vmodem_cli",
            "vmodem",
            "--link",
            str(link),
            "--control",
            str(sock),
            "--profile",
            "sim800",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not sock.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert control_request(sock, {"action": "status"})["result"]["profile"] == "sim800"
        proc.terminate()
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert not link.exists() and not sock.exists()
