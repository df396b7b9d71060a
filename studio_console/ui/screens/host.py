"""The host's screen (penyiar): the running order, the item to read in large text, the clock.

Everything shown comes from :mod:`studio_console.store.host_view`, whose rows
carry masked numbers only. Moving through the running order is a preview;
one key marks the selected item on air, one marks it read on air (dibacakan:
time, show and host recorded), one records who answered and the answer, and
one takes it out of the queue without airing it. The producer's changes (from
another process) arrive as :class:`~studio_console.ui.messages.StoreChanged`.

Sound (when the app has a sound service): an item that enters the running order
after the screen opened plays the ``sms_approved`` cue in the host's headphones,
and the line meter sits under the clock.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from studio_console.screening import ScreeningError
from studio_console.store import host_view
from studio_console.store.host_view import HostItem
from studio_console.text import one_line
from studio_console.ui.bindings import localize_bindings
from studio_console.ui.dialogs.answer import AnswerDialog
from studio_console.ui.messages import StoreChanged
from studio_console.ui.widgets.big_item import BigItem, wib_time
from studio_console.ui.widgets.line_meter import LineMeter
from studio_console.ui.widgets.on_air_clock import OnAirClock, format_elapsed
from studio_console.ui.widgets.queue_list import QueueList
from studio_console.ui.widgets.status_bar import StatusBar

__all__ = ["HostScreen"]

AIRED_SHOWN = 8
"""How many items read on air the wide layout lists."""


class HostScreen(Screen[None]):
    """On air: approved items in running order, the selected one large, numbers masked."""

    CSS_PATH = "host.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-tiny"), (22, "-short"), (36, "-tall")]

    BINDINGS = [
        Binding("down", "cursor(1)", "next item", id="host.next_item"),
        Binding("up", "cursor(-1)", "previous item", id="host.previous_item"),
        Binding("o", "on_air", "on air", id="host.on_air"),
        Binding("d", "aired", "read on air", id="host.aired"),
        Binding("a", "answer", "answered by", id="host.answer"),
        Binding("x", "remove", "remove", id="host.remove"),
        Binding("n", "jump_next", "go to next", id="host.jump_next"),
    ]

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._first = True
        self._known: set[int] | None = None  # item ids in the running order at the last refresh

    def compose(self) -> ComposeResult:
        yield Header()
        yield StatusBar(id="status")
        with Horizontal(id="host-body"):
            with Vertical(id="host-side"):
                yield OnAirClock(id="clock")
                yield LineMeter(id="line-meter")
                yield Static(id="queue-title", markup=False)
                yield QueueList(id="queue")
                yield Static(id="ready-calls", markup=False)
            with Vertical(id="host-main"):
                yield BigItem(id="big")
                yield Static(id="aired", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]
        self.refresh_data()
        self.query_one(QueueList).focus()
        self.set_interval(1.0, self._refresh_ready_calls)

    # ----------------------------------------------------------------- data
    @property
    def queue(self) -> QueueList:
        """The running order widget."""
        return self.query_one("#queue", QueueList)

    @property
    def big(self) -> BigItem:
        """The large view of the selected item."""
        return self.query_one("#big", BigItem)

    def refresh_data(self) -> None:
        """Re-read the running order, the show, ready calls and aired items."""
        store = self.app.store  # type: ignore[attr-defined]
        t = self.app.t  # type: ignore[attr-defined]
        items = host_view.host_queue(store)
        ids = {i.item_id for i in items}
        if self._known is not None and ids - self._known and getattr(self.app, "audio", None) is not None:
            self.app.audio_call("cue", "sms_approved")  # type: ignore[attr-defined]
        self._known = ids
        queue = self.queue
        queue.set_items(items)
        if self._first and items:
            self._first = False
            start = next((i for i in items if i.state == "on_air"), None) or next(
                (i for i in items if i.is_next), None
            )
            if start is not None:
                queue.select_item(start.item_id)
        self.query_one("#queue-title", Static).update(
            Text(t("host.queue_count", count=len(items)), style="bold")
        )
        self._show_cursor_item()
        show = host_view.show_info(store)
        self.query_one(OnAirClock).show = show
        self._refresh_ready_calls()
        self._refresh_aired(show.show_id if show else None)

    def _show_cursor_item(self) -> None:
        big = self.big
        shown = big.item
        current = self.queue.cursor_item
        gone = current is None and shown is not None
        big.show(current, gone=gone)

    def _refresh_ready_calls(self) -> None:
        t = self.app.t  # type: ignore[attr-defined]
        calls = host_view.ready_calls(self.app.store, self.app.clock())  # type: ignore[attr-defined]
        text = Text(
            t("host.ready_title", count=len(calls)) if calls else t("host.ready_none"),
            style="bold" if calls else "italic",
        )
        for call in calls:
            text.append("\n")
            text.append(
                t(
                    "host.ready_line",
                    caller=call.caller_masked or t("host.hidden_caller"),
                    hold=format_elapsed(call.hold_seconds),
                )
            )
            about = " — ".join(one_line(s, 200) for s in (call.caller_name, call.notes) if s)
            if about:
                text.append("\n  ")
                text.append(about, "italic")
        self.query_one("#ready-calls", Static).update(text)
        self.query_one("#ready-calls", Static).set_class(bool(calls), "-has-calls")

    def _refresh_aired(self, show_id: int | None) -> None:
        t = self.app.t  # type: ignore[attr-defined]
        aired = host_view.recently_aired(self.app.store, show_id, AIRED_SHOWN)  # type: ignore[attr-defined]
        text = Text(t("host.aired_title"), style="bold")
        if not aired:
            text.append("\n")
            text.append(t("host.aired_none"), "italic")
        for item in aired:
            text.append("\n")
            text.append(wib_time(item.aired_at) + " ", "bold")
            text.append(one_line(item.sender_label or t(f"host.kind.{item.kind}"), 30) + ": ")
            text.append(one_line(item.text_for_air, 200))
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.query_one("#aired", Static).update(text)

    @on(StoreChanged)
    def _store_changed(self, event: StoreChanged) -> None:
        self.refresh_data()

    @on(QueueList.Highlighted)
    def _highlighted(self, event: QueueList.Highlighted) -> None:
        self._show_cursor_item()

    # -------------------------------------------------------------- actions
    def _selected(self) -> HostItem | None:
        item = self.queue.cursor_item
        if item is None:
            self.notify(
                self.app.t("host.nothing_selected"),
                severity="warning",  # type: ignore[attr-defined]
                markup=False,
            )
        return item

    def _move(self, to: str) -> None:
        item = self._selected()
        if item is None:
            return
        try:
            self.app.screening.move(item.item_id, to)  # type: ignore[attr-defined]
        except ScreeningError as exc:
            self.notify(exc.localized(self.app.t), severity="error", markup=False)
            return
        self._after_write()

    def _after_write(self) -> None:
        self.refresh_data()
        self.app.notify_changed()  # type: ignore[attr-defined]

    def action_on_air(self) -> None:
        """Mark the selected item on air (the one on air before goes back to the queue)."""
        self._move("on_air")

    def action_aired(self) -> None:
        """Mark the selected item read on air (dibacakan): time, show and host are recorded."""
        self._move("aired")

    def action_remove(self) -> None:
        """Take the selected item out of the queue (back to approved; it is not aired)."""
        self._move("approved")

    def action_cursor(self, delta: int) -> None:
        """Move through the running order (a preview: nothing is written)."""
        self.queue.action_cursor(delta)

    def action_jump_next(self) -> None:
        """Put the cursor on the item the producer marked *next* (a preview)."""
        target = next((i for i in self.queue.items if i.is_next), None)
        if target is not None:
            self.queue.select_item(target.item_id)

    def action_answer(self) -> None:
        """Ask who answered the selected item and the one-line answer, then store them."""
        item = self._selected()
        if item is None:
            return
        agencies = self.app.settings.export.agencies  # type: ignore[attr-defined]
        dialog = AnswerDialog(item.answered_by or "", item.answer or "", agencies=agencies)
        item_id = item.item_id

        def store_answer(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            try:
                self.app.screening.answered(item_id, *result)  # type: ignore[attr-defined]
            except ScreeningError as exc:
                self.notify(exc.localized(self.app.t), severity="error", markup=False)
                return
            self._after_write()

        self.app.push_screen(dialog, store_answer)
