"""`studio-console doctor` against the virtual modem on a real pty, and through the CLI."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from drivers.gsm.virtual import VirtualModem
from studio_console.config import Settings
from studio_console.doctor import run_doctor


def doctor(settings: Settings, port: str, **kw) -> tuple[int, str]:
    out = io.StringIO()
    code = run_doctor(settings, port=port, open_port=True, out=out, ready_timeout=10, **kw)
    return code, out.getvalue()


def test_healthy_modem_reports_identity_signal_network_smsc_and_storage(tmp_path):
    with VirtualModem(link=str(tmp_path / "ttyGSM0"), manufacturer="huawei", model="E173",
                      imei="861234567890123", operator="TELKOMSEL", signal_csq=20) as vm:
        vm.inject_sms("+6281234567890", "tes")
        code, text = doctor(Settings(), vm.port)
    assert code == 0, text
    assert "E173" in text and "861234567890123" in text
    assert "-73 dBm" in text  # CSQ 20 -> -113 + 2*20
    assert "TELKOMSEL" in text
    assert "+6281100000" in text
    assert "SM: 1/30" in text
    assert "Semua baik" in text


def test_english_report(tmp_path):
    from dataclasses import replace

    settings = Settings()
    settings = replace(settings, studio=replace(settings.studio, language="en"))
    with VirtualModem(link=str(tmp_path / "ttyGSM0")) as vm:
        code, text = doctor(settings, vm.port)
    assert code == 0 and "All good" in text and "Signal:" in text


def test_sim_asking_for_pin_without_a_configured_pin_is_explained(tmp_path):
    with VirtualModem(link=str(tmp_path / "ttyGSM0"), pin="1234") as vm:
        code, text = doctor(Settings(), vm.port)
        assert not any(c.startswith("AT+CPIN=") for c in vm.commands)
    assert code == 1
    assert "modem.pin" in text


def test_full_storage_is_a_problem_with_its_fix(tmp_path):
    with VirtualModem(link=str(tmp_path / "ttyGSM0"), sm_capacity=2, me_capacity=0) as vm:
        vm.inject_sms("+6281234567890", "satu")
        vm.inject_sms("+6281234567890", "dua")
        code, text = doctor(Settings(), vm.port)
    assert code == 1 and "SM: 2/2" in text and "penuh" in text


def test_missing_port_is_one_sentence_with_a_fix(tmp_path):
    code, text = doctor(Settings(), str(tmp_path / "ttyUSB7"))
    assert code == 1 and "ttyUSB7 does not exist" in text


def test_port_held_by_another_process_names_it(tmp_path):
    with VirtualModem(link=str(tmp_path / "ttyGSM0")) as vm:
        holder = subprocess.Popen(
            [sys.executable, "-c", "import os,sys; fd=os.open(sys.argv[1], os.O_RDWR|os.O_NOCTTY);"
             " print('ready', flush=True); sys.stdin.read()", vm.port],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "ready"
            code, text = doctor(Settings(), vm.port)
        finally:
            holder.stdin.close()
            holder.wait(timeout=10)
    assert code == 1 and f"pid {holder.pid}" in text


def test_doctor_cli_runs_against_a_virtual_modem(tmp_path):
    with VirtualModem(link=str(tmp_path / "ttyGSM0")) as vm:
        env = {**os.environ, "PYTHONPATH": os.getcwd()}
        out = subprocess.run([sys.executable, "-m", "studio_console.cli", "doctor", "--port",
                              vm.port], capture_output=True, text=True, timeout=60, env=env,
                             cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Semua baik" in out.stdout
