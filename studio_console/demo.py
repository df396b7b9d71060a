"""The demo rig: a virtual modem with sample traffic, and `studio-console monitor`.

No hardware and no set-up: a virtual modem is started on a pseudo-terminal in
a folder, the real modem driver talks to it through pyserial, and a traffic
player injects Indonesian and Javanese SMS and calls at a human pace.
`studio-console demo` (see :mod:`studio_console.console`) runs the whole
console on it; `studio-console monitor --virtual` shows the raw modem view.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from drivers.gsm.modem import Modem
from drivers.gsm.virtual import VirtualModem
from studio_console.demo_traffic import DEMO_SCRIPT, TrafficPlayer

__all__ = ["DemoRig", "run_monitor"]


LAPOR_NUMBER = "1708"
"""The demo's virtual LAPOR!: complaints sent by SMS get a tracking ID back."""


class DemoRig:
    """A virtual modem, a driver factory for it and the traffic player, started and stopped together.

    Args:
        folder: where the virtual modem's port link lives.
        traffic: play the demo script.
        pace: speed factor of the script.
        loop: start the script again when it ends.
    """

    def __init__(self, folder: Path, *, traffic: bool = True, pace: float = 1.0,
                 loop: bool = True) -> None:
        self.vmodem = VirtualModem(link=str(folder / "ttyGSM0"), sm_capacity=50,
                                   me_capacity=200)
        self.player = TrafficPlayer(
            DEMO_SCRIPT, sms=self._sms, call=self._call, hangup=self.vmodem.remote_hangup,
            pace=pace, loop=loop) if traffic else None

    def _sms(self, sender: str, text: str) -> None:
        self.vmodem.inject_sms(sender, text)

    def _call(self, number: str) -> None:
        self.vmodem.call(number, clip=bool(number), rings=6, interval=1.0)

    def modem_factory(self, on_event: Callable[[object], None]) -> Modem:
        """Build the driver for the virtual modem (the app starts and stops it)."""
        return Modem(port=self.vmodem.port, on_event=on_event, command_timeout=5.0,
                     poll_interval=5.0, reconnect_min=0.2, reconnect_max=2.0)

    def start(self) -> None:
        """Start the virtual modem (answering SMS to 1708 as LAPOR! does) and the traffic."""
        self.vmodem.start()
        self.vmodem.set_auto_reply(LAPOR_NUMBER, delay=3.0)
        if self.player:
            self.player.start()

    def stop(self) -> None:
        """Stop the traffic and the virtual modem."""
        if self.player:
            self.player.stop()
        self.vmodem.stop()


def run_monitor(*, port: str | None, language: str = "id", pace: float = 1.0) -> int:
    """The live modem view: a real port, or (``port=None``) a virtual modem with traffic."""
    from studio_console.ui.monitor_app import ModemMonitorApp

    if port is not None:
        def factory(on_event: Callable[[object], None]) -> Modem:
            return Modem(port=port, on_event=on_event, poll_interval=10.0)

        ModemMonitorApp(factory, language=language).run()
        return 0
    with tempfile.TemporaryDirectory(prefix="studio-console-monitor-") as tmp:
        rig = DemoRig(Path(tmp), pace=pace)
        rig.start()
        try:
            ModemMonitorApp(rig.modem_factory, language=language).run()
        finally:
            rig.stop()
    return 0
