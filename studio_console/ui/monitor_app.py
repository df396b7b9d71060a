"""A live view of one modem: incoming SMS and calls, and the modem's state.

This is the console's first screen: what `studio-console demo` shows on a
virtual modem. It reads from the modem driver only (the durable store and the
producer/host screens come on top of it). Listener text is rendered through
:func:`studio_console.text.display_safe` as ``Text`` objects, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Footer, Header, RichLog, Static

from drivers.gsm import events as ev
from drivers.gsm.pdu import PduError, decode
from studio_console.i18n import Translator
from studio_console.text import display_safe, one_line
from studio_console.ui.bindings import localize_bindings

__all__ = ["ModemMonitorApp"]

WIB = ZoneInfo("Asia/Jakarta")


@dataclass
class _Multipart:
    parts: dict[int, str] = field(default_factory=dict)
    total: int = 0


class ModemMonitorApp(App[None]):
    """Shows what a modem receives, as it arrives."""

    CSS_PATH = "monitor_app.tcss"
    AUTO_FOCUS = None

    class ModemEvent(Message):
        """An event from the modem driver, posted from its thread."""

        def __init__(self, event: object) -> None:
            super().__init__()
            self.event = event

    class SmsRead(Message):
        """A stored SMS was read and decoded by a worker."""

        def __init__(self, storage: str, index: int, pdu_hex: str) -> None:
            super().__init__()
            self.storage = storage
            self.index = index
            self.pdu_hex = pdu_hex

    def __init__(self, modem_factory: Callable[[Callable[[object], None]], object], *,
                 language: str = "id", clock: Callable[[], datetime] | None = None) -> None:
        """Create the app.

        Args:
            modem_factory: builds the modem given the event callback; the app
                starts it on mount and stops it on exit.
            language: "id" or "en".
            clock: source of the current time (UTC, timezone-aware).
        """
        self.t = Translator(language)
        super().__init__()
        self.title = self.t("demo.title")
        self._clock = clock or (lambda: datetime.now(UTC))
        self.modem = modem_factory(self.post_event)
        self._seen: set[tuple[str, int]] = set()
        self._multipart: dict[tuple[str, int, int], _Multipart] = {}
        self._call_number: str | None = None
        self._call_active = False
        self.shown_sms: list[tuple[str, str]] = []  # (sender, text): what the feed shows
        localize_bindings(self, self.t)

    BINDINGS = [
        Binding("a", "answer", "answer", id="monitor.answer"),
        Binding("h", "hangup", "hangup", id="monitor.hangup"),
        Binding("q", "quit", "quit", id="monitor.quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(id="status")
        yield RichLog(id="feed", markup=False, highlight=False, wrap=True, auto_scroll=True)
        yield Footer()

    # --- lifecycle ------------------------------------------------------------
    def on_mount(self) -> None:
        self.query_one("#feed", RichLog).write(Text(self.t("demo.waiting"), style="dim"))
        self._refresh_status()
        self.set_interval(1.0, self._refresh_status)
        self.modem.start()

    def on_unmount(self) -> None:
        self.modem.stop()

    def post_event(self, event: object) -> None:
        """Thread-safe entry point for the modem's event callback."""
        self.post_message(self.ModemEvent(event))

    # --- events ---------------------------------------------------------------
    def on_modem_monitor_app_modem_event(self, message: ModemEvent) -> None:
        event = message.event
        if isinstance(event, ev.SmsStored):
            self._read_later(event.storage, event.index)
        elif isinstance(event, ev.SmsReceived):
            self._show_pdu(event.pdu_hex)
        elif isinstance(event, ev.StateChanged) and event.state == "ready":
            self.run_worker(self._sweep, thread=True, name="monitor-sweep", group="modem")
        elif isinstance(event, ev.IncomingCall):
            self._on_call(event.number)
        elif isinstance(event, ev.CallEnded):
            self._on_call_ended()
        self._refresh_status()

    def _read_later(self, storage: str, index: int) -> None:
        def read() -> None:
            stored = self.modem.read_message(storage, index)
            if stored is not None:
                self.post_message(self.SmsRead(storage, index, stored.pdu_hex))

        self.run_worker(read, thread=True, name=f"monitor-read-{storage}-{index}", group="modem")

    def _sweep(self) -> None:
        for stored in self.modem.list_messages():
            self.post_message(self.SmsRead(stored.storage, stored.index, stored.pdu_hex))

    def on_modem_monitor_app_sms_read(self, message: SmsRead) -> None:
        key = (message.storage, message.index)
        if key in self._seen:
            return
        self._seen.add(key)
        self._show_pdu(message.pdu_hex)

    def _show_pdu(self, pdu_hex: str) -> None:
        feed = self.query_one("#feed", RichLog)
        try:
            sms = decode(pdu_hex)
        except PduError as exc:
            feed.write(Text(self.t("demo.quarantined", reason=one_line(str(exc)),
                                   raw=one_line(pdu_hex, 60)), style="bold red"))
            return
        if sms.kind != "deliver":
            return
        text, parts = sms.text, 1
        if sms.concat is not None:
            key = (sms.sender or "", sms.concat.ref, sms.concat.parts)
            group = self._multipart.setdefault(key, _Multipart(total=sms.concat.parts))
            group.parts[sms.concat.seq] = sms.text
            if len(group.parts) < group.total:
                return
            del self._multipart[key]
            text = "".join(group.parts[i] for i in sorted(group.parts))
            parts = group.total
        when = (sms.timestamp or self._clock()).astimezone(WIB).strftime("%H:%M:%S")
        header = self.t("demo.sms_header", sender=one_line(sms.sender or "?"), time=when,
                        parts=self.t("demo.parts", parts=parts) if parts > 1 else "")
        feed.write(Text(header, style="bold"))
        feed.write(Text(display_safe(text) or " ", style=""))
        self.shown_sms.append((sms.sender or "", text))

    def _on_call(self, number: str | None) -> None:
        if self._call_active and (number is None or number == self._call_number):
            return
        if number is None:
            # RING before +CLIP: wait a moment for the caller ID.
            self._call_active = True
            self.set_timer(1.5, self._announce_hidden)
            return
        self._call_active = True
        self._call_number = number
        self._announce_call(number)

    def _announce_hidden(self) -> None:
        if self._call_active and self._call_number is None:
            self._call_number = ""
            self._announce_call("")

    def _announce_call(self, number: str) -> None:
        caller = one_line(number) if number else self.t("demo.caller_hidden")
        when = self._clock().astimezone(WIB).strftime("%H:%M:%S")
        self.query_one("#feed", RichLog).write(
            Text(self.t("demo.call_ringing", caller=caller, time=when), style="bold yellow"))

    def _on_call_ended(self) -> None:
        if not self._call_active:
            return
        if self._call_number is None:
            self._announce_hidden()
        self._call_active = False
        self._call_number = None
        when = self._clock().astimezone(WIB).strftime("%H:%M:%S")
        self.query_one("#feed", RichLog).write(
            Text(self.t("demo.call_ended", time=when), style="yellow"))

    # --- status -----------------------------------------------------------------
    def _refresh_status(self) -> None:
        st = self.modem.status()
        used, total = 0, 0
        for u, tot in (st.storages or {}).values():
            used, total = used + u, total + tot
        text = self.t("demo.status", state=self.t(f"state.{st.state}"),
                      operator=one_line(st.operator or "-"),
                      dbm=st.signal_dbm if st.signal_dbm is not None else "-",
                      used=used, total=total,
                      clock=self._clock().astimezone(WIB).strftime("%H:%M:%S"))
        self.query_one("#status", Static).update(Text(text))

    # --- actions ------------------------------------------------------------------
    def action_answer(self) -> None:
        self.run_worker(self.modem.answer, thread=True, name="monitor-answer", group="modem")

    def action_hangup(self) -> None:
        self.run_worker(self.modem.hangup, thread=True, name="monitor-hangup", group="modem")
