"""Who owns the modem: one ingest process per port, the others run as screens.

The owner holds an advisory ``flock`` on a lock file named after the port (in
``$XDG_RUNTIME_DIR`` or ``/tmp``), with its pid written inside. A second process
learns the owner from the file without ever opening the serial port, so it
never disturbs the owner's line (opening a tty can toggle DTR). The kernel
releases the lock when the owner dies, even by SIGKILL.
"""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path

__all__ = ["PortBusy", "PortLock", "lock_path"]


class PortBusy(Exception):
    """Another process owns the port."""

    def __init__(self, port: str, pid: int | None, command: str) -> None:
        super().__init__(port, pid, command)
        self.port = port
        self.pid = pid
        self.command = command

    def __str__(self) -> str:
        who = f"pid {self.pid}" if self.pid else "another process"
        if self.command:
            who += f" ({self.command})"
        return f"{self.port} is owned by {who}"


def lock_path(port: str) -> Path:
    """The lock file of ``port``."""
    folder = Path(os.environ.get("XDG_RUNTIME_DIR") or "/tmp") / "studio-console"
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", os.path.abspath(port)).strip("_")
    return folder / f"{name}.lock"


def _command_of(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()


class PortLock:
    """An exclusive claim on a port, held until :meth:`release` or process exit."""

    def __init__(self, port: str) -> None:
        self.port = port
        self.path = lock_path(port)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Claim the port.

        Raises:
            PortBusy: another live process holds the claim (named, with its command).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                pid = int(os.pread(fd, 32, 0).split()[0])
            except (ValueError, IndexError):
                pid = None
            os.close(fd)
            raise PortBusy(self.port, pid, _command_of(pid) if pid else "") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    @property
    def held(self) -> bool:
        """Whether this object holds the claim."""
        return self._fd is not None

    def release(self) -> None:
        """Give the claim up."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> PortLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
