"""Who owns the modem: one ingest process per port, the others run as screens.

The owner holds an advisory ``flock`` on a lock file named after the port (in
``/run/lock``, shared by every user, else the temp folder), with its pid written
inside. A second process
learns the owner from the file without ever opening the serial port, so it
never disturbs the owner's line (opening a tty can toggle DTR). The kernel
releases the lock when the owner dies, even by SIGKILL.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
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
    """The lock file of ``port`` (``STUDIO_CONSOLE_LOCK_DIR`` overrides the folder)."""
    folder = os.environ.get("STUDIO_CONSOLE_LOCK_DIR")
    if not folder:
        shared = Path("/run/lock")
        folder = str(shared if os.access(shared, os.W_OK | os.X_OK) else tempfile.gettempdir())
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", os.path.abspath(port)).strip("_")
    return Path(folder) / f"studio-console-{name}.lock"


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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        writable = True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except PermissionError:  # another user's lock file: reading is enough to lock it
            fd = os.open(self.path, os.O_RDONLY)
            writable = False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                pid = int(os.pread(fd, 32, 0).split()[0])
            except (ValueError, IndexError):
                pid = None
            os.close(fd)
            raise PortBusy(self.port, pid, _command_of(pid) if pid else "") from None
        if writable:
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
