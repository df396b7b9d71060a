"""One owner per port: the claim names its owner and dies with it, even on SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from studio_console.ownership import PortBusy, PortLock

HOLDER = ("import sys; from studio_console.ownership import PortLock; "
          "PortLock(sys.argv[1]).acquire(); print('held', flush=True); sys.stdin.read()")


@pytest.fixture(autouse=True)
def lock_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_CONSOLE_LOCK_DIR", str(tmp_path))


def test_second_claim_names_the_owner_process(tmp_path):
    port = str(tmp_path / "ttyGSM0")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, port], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(PortBusy) as busy:
            PortLock(port).acquire()
        assert busy.value.pid == holder.pid
        assert "studio_console.ownership" in busy.value.command
        assert f"owned by pid {holder.pid}" in str(busy.value)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        with PortLock(port) as lock:  # the kernel released the dead owner's claim
            assert lock.held
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_claims_on_different_ports_are_independent(tmp_path):
    with PortLock(str(tmp_path / "ttyUSB0")), PortLock(str(tmp_path / "ttyUSB2")) as second:
        assert second.held


def test_release_lets_another_claim(tmp_path):
    port = str(tmp_path / "ttyACM0")
    first = PortLock(port)
    first.acquire()
    first.release()
    with PortLock(port) as second:
        assert second.held
