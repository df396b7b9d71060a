"""Port discovery: who holds a port, ModemManager, permissions — on real processes and ptys."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from drivers.gsm import ports

HOLD_PTY = """
import os, sys, ctypes
name = sys.argv[2].encode()
ctypes.CDLL(None).prctl(15, name, 0, 0, 0)   # PR_SET_NAME: what /proc/PID/comm shows
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
print("ready", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def pty_path():
    master, slave = os.openpty()
    path = os.ttyname(slave)
    yield path
    os.close(slave)
    os.close(master)


def hold(path: str, name: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_PTY, path, name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def release(proc: subprocess.Popen[str]) -> None:
    proc.stdin.close()  # type: ignore[union-attr]
    proc.wait(timeout=10)


def test_port_holders_names_the_process_holding_a_port(pty_path):
    proc = hold(pty_path, "gammu-smsd")
    try:
        holders = ports.port_holders(pty_path)
        assert [(h.pid, h.name) for h in holders] == [(proc.pid, "gammu-smsd")]
    finally:
        release(proc)
    assert ports.port_holders(pty_path) == []


def test_port_holders_follows_symlinks(pty_path, tmp_path):
    link = tmp_path / "ttyGSM0"
    link.symlink_to(pty_path)
    proc = hold(pty_path, "minicom")
    try:
        assert [h.pid for h in ports.port_holders(str(link))] == [proc.pid]
    finally:
        release(proc)


def test_modemmanager_is_noticed_by_its_process_name(pty_path):
    before = ports.modemmanager_pids()
    proc = hold(pty_path, "ModemManager")
    try:
        deadline = time.monotonic() + 5
        while proc.pid not in ports.modemmanager_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.pid in ports.modemmanager_pids()
    finally:
        release(proc)
    assert proc.pid not in ports.modemmanager_pids()
    assert set(ports.modemmanager_pids()) <= set(before) | {proc.pid}


def test_missing_port_is_explained(tmp_path):
    problem = ports.access_problem(str(tmp_path / "ttyUSB9"))
    assert problem is not None and "does not exist" in problem and "ttyUSB9" in problem


def test_dangling_link_is_explained_as_unplugged(tmp_path):
    link = tmp_path / "by-id-modem"
    link.symlink_to(tmp_path / "gone")
    problem = ports.access_problem(str(link))
    assert problem is not None and "unplugged" in problem


def test_accessible_port_has_no_problem(pty_path):
    assert ports.access_problem(pty_path) is None


@pytest.fixture
def open_dir():
    """A folder every user may enter (pytest's tmp_path is closed to other users)."""
    import shutil
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="ports-test-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_permission_problem_names_group_and_fix(open_dir):
    """Root may open anything, so the check runs in a child that drops to 'nobody' first."""
    path = open_dir / "ttyFAKE"
    path.write_text("")
    path.chmod(0o660)
    code = (
        "import os; from drivers.gsm import ports; "
        "os.geteuid() == 0 and (os.setgid(65534), os.setuid(65534)); "
        f"print(ports.access_problem({str(path)!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert "may not open" in out.stdout and "sudo usermod -aG" in out.stdout, out.stderr
    assert str(path) in out.stdout


def test_closed_folder_is_not_reported_as_missing(tmp_path):
    path = tmp_path / "closed" / "ttyFAKE"
    path.parent.mkdir()
    path.write_text("")
    path.parent.chmod(0o700)
    code = (
        "import os; from drivers.gsm import ports; "
        "os.geteuid() == 0 and (os.setgid(65534), os.setuid(65534)); "
        f"print(ports.access_problem({str(path)!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    if os.geteuid() != 0:
        assert out.stdout.strip() == "None"  # the owner may enter its own folder
    else:
        assert "may not even look at" in out.stdout, out.stderr


def test_list_serial_ports_returns_port_infos():
    found = ports.list_serial_ports()
    assert all(isinstance(p, ports.SerialPortInfo) for p in found)
    assert [p.device for p in found] == sorted(p.device for p in found)
