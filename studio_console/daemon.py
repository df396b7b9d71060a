"""`studio-console daemon`: the ingest service and the complaint outbox worker, for a systemd unit.

It claims the modem's port (see :mod:`studio_console.ownership`). When another
process owns it, the daemon says which one and waits in standby — checking the
claim, never touching the port — and takes over when the owner exits.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from drivers.gsm.modem import Modem
from studio_console.config import Settings
from studio_console.ownership import PortBusy, PortLock
from studio_console.services import StudioServices

__all__ = ["make_modem_factory", "run_daemon"]

log = logging.getLogger("studio_console.daemon")


def make_modem_factory(settings: Settings) -> Callable[[Callable[[Any], None]], Modem]:
    """A factory building the modem driver from the settings."""
    m = settings.modem

    def factory(on_event: Callable[[Any], None]) -> Modem:
        return Modem(
            port=m.port,
            baudrate=m.baudrate,
            pin=m.pin or None,
            smsc=m.smsc or None,
            on_event=on_event,
            command_timeout=m.command_timeout,
            poll_interval=m.poll_interval,
            reconnect_min=m.reconnect_min,
            reconnect_max=m.reconnect_max,
        )

    return factory


def run_daemon(
    settings: Settings,
    *,
    stop: threading.Event | None = None,
    standby_interval: float = 5.0,
    install_signals: bool = True,
) -> int:
    """Run the ingest service and the outbox worker until SIGTERM/SIGINT (or ``stop`` is set)."""
    stop = stop or threading.Event()
    if install_signals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    port = settings.modem.port
    db_path = settings.resolve(settings.database.path)
    lock = PortLock(port)
    announced = None
    while not stop.is_set():
        try:
            lock.acquire()
            break
        except PortBusy as busy:
            if str(busy) != announced:
                announced = str(busy)
                log.warning("%s: running as a screen only; taking over when it exits", busy)
            stop.wait(standby_interval)
    if not lock.held:
        return 0
    log.info("owning %s; database %s", port, db_path)
    service = StudioServices(settings, db_path, make_modem_factory(settings))
    service.start()
    try:
        stop.wait()
    finally:
        log.info("stopping")
        service.stop()
        lock.release()
    return 0
