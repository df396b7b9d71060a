"""Serial-port discovery: which ports exist, who holds them, may we open them.

Used by ``studio-console doctor`` and by the console when it cannot open the
modem, so that the person at the desk reads *why* in one sentence: the port is
missing, another process (often ModemManager) holds it, or the user lacks the
``dialout`` group.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PortHolder",
    "SerialPortInfo",
    "access_problem",
    "list_serial_ports",
    "modemmanager_pids",
    "port_holders",
    "udev_ignores_modemmanager",
]


@dataclass(frozen=True)
class SerialPortInfo:
    """One serial port as the system sees it."""

    device: str
    description: str
    vid: int | None
    pid: int | None
    manufacturer: str | None
    product: str | None
    serial_number: str | None
    interface: str | None
    by_id: str | None

    @property
    def usb_id(self) -> str | None:
        """``vvvv:pppp`` for USB devices, else None."""
        if self.vid is None or self.pid is None:
            return None
        return f"{self.vid:04x}:{self.pid:04x}"


@dataclass(frozen=True)
class PortHolder:
    """A process that has a port open."""

    pid: int
    name: str
    cmdline: str


def _by_id_links() -> dict[str, str]:
    links: dict[str, str] = {}
    folder = Path("/dev/serial/by-id")
    if folder.is_dir():
        for link in folder.iterdir():
            try:
                links[os.path.realpath(link)] = str(link)
            except OSError:
                continue
    return links


def list_serial_ports() -> list[SerialPortInfo]:
    """Serial ports with their USB identity (ttyUSB*, ttyACM*, …), sorted by device."""
    from serial.tools import list_ports

    links = _by_id_links()
    ports = []
    for p in list_ports.comports():
        ports.append(SerialPortInfo(
            device=p.device, description=p.description or "", vid=p.vid, pid=p.pid,
            manufacturer=p.manufacturer, product=p.product, serial_number=p.serial_number,
            interface=p.interface, by_id=links.get(os.path.realpath(p.device)),
        ))
    return sorted(ports, key=lambda p: p.device)


def _proc_name(pid: str) -> tuple[str, str]:
    try:
        name = Path(f"/proc/{pid}/comm").read_text(errors="replace").strip()
    except OSError:
        name = "?"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            "utf-8", "replace").strip()
    except OSError:
        cmd = ""
    return name, cmd


def port_holders(device: str, *, exclude_self: bool = True) -> list[PortHolder]:
    """Processes that have ``device`` open (read from /proc; needs permission to see them).

    Args:
        device: the port path; symlinks are resolved.
        exclude_self: leave out this process.
    """
    try:
        target = os.path.realpath(device)
    except OSError:
        return []
    holders = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or (exclude_self and int(entry) == me):
            continue
        fd_dir = f"/proc/{entry}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"{fd_dir}/{fd}") == target:
                    name, cmd = _proc_name(entry)
                    holders.append(PortHolder(int(entry), name, cmd))
                    break
            except OSError:
                continue
    return holders


def modemmanager_pids() -> list[int]:
    """PIDs of running ModemManager processes."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            name, _ = _proc_name(entry)
            if name == "ModemManager":
                pids.append(int(entry))
    return pids


def udev_ignores_modemmanager(device: str) -> bool | None:
    """Whether udev tags the device with ``ID_MM_DEVICE_IGNORE=1`` (None when unknown)."""
    try:
        st = os.stat(device)
    except OSError:
        return None
    if not stat.S_ISCHR(st.st_mode):
        return None
    data = Path(f"/run/udev/data/c{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}")
    try:
        text = data.read_text(errors="replace")
    except OSError:
        return None
    return "E:ID_MM_DEVICE_IGNORE=1" in text.splitlines()


def access_problem(device: str) -> str | None:
    """Why this user cannot open ``device`` read-write, in one sentence with its fix; None if it can."""
    user = pwd.getpwuid(os.getuid()).pw_name
    try:
        st = os.stat(device)
    except PermissionError:
        return (f"{user} may not even look at {device}: a folder on its path is closed to this "
                "user; use the port under /dev (e.g. /dev/serial/by-id/...).")
    except OSError:
        if os.path.islink(device):
            return f"{device} is a link to a device that is gone (unplugged?): plug the modem in."
        return (f"{device} does not exist: is the modem plugged in? `studio-console doctor` "
                "lists the ports.")
    if os.access(device, os.R_OK | os.W_OK):
        return None
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = "dialout"
    return (f"{user} may not open {device} (group {group}): run `sudo usermod -aG {group} {user}`, "
            "then log out and in again.")
