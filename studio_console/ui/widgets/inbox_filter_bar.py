"""The inbox's filter bar: search words (applied as you type) and quick filters.

One line: a search box — FTS words, never query syntax
(:func:`studio_console.store.search.fts_query`), applied after a short pause in
typing — then compact selects for state, type, show and date. Every change posts
:class:`InboxFilterBar.Changed` with the complete :class:`InboxFilter`; the screen
hands it to the :class:`~studio_console.ui.widgets.inbox_list.InboxList`, which
applies it to new arrivals too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Select

from studio_console.item_rules import ITEM_STATES
from studio_console.store.inbox import ITEM_KINDS, InboxFilter
from studio_console.ui.bindings import localize_bindings

__all__ = ["DEBOUNCE_SECONDS", "InboxFilterBar"]

WIB = ZoneInfo("Asia/Jakarta")
DEBOUNCE_SECONDS = 0.15
"""Pause in typing after which the search is applied."""

_TO_SCREEN = ("new", "throttled")


class InboxFilterBar(Horizontal):
    """Search box and quick filters for the inbox.

    Args:
        filter: the filter to start from.
        name, id, classes: as for any widget.
    """

    BINDINGS = [
        Binding("escape", "clear_search", "clear", id="inbox.clear_filters"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | escape | Clear the search (a second escape leaves the bar). |
    """

    DEFAULT_CSS = """
    InboxFilterBar {
        height: 1;
        width: 1fr;
        & > Input { width: 2fr; min-width: 12; max-width: 48; }
        & > Select { width: 1fr; max-width: 22; margin-left: 1; }
    }
    """

    class Changed(Message):
        """The producer changed the search or a filter."""

        def __init__(self, filter: InboxFilter) -> None:
            super().__init__()
            self.filter = filter

    def __init__(
        self,
        filter: InboxFilter | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._filter = filter or InboxFilter()
        self._debounce: Timer | None = None

    @property
    def filter(self) -> InboxFilter:
        """The filter as the bar shows it."""
        return self._filter

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        yield Input(
            value=self._filter.search,
            placeholder=t("inbox.search.placeholder"),
            id="inbox-search",
            compact=True,
        )
        states: list[tuple[Any, str]] = [
            (Text(t("inbox.filter.state")), "all"),
            (Text(t("inbox.filter.to_screen")), "to_screen"),
        ]
        states += [(Text(t(f"inbox.state.{s}")), s) for s in ITEM_STATES]
        yield Select(
            states,
            value=self._state_value(),
            allow_blank=False,
            compact=True,
            id="inbox-state",
            tooltip=t("inbox.filter.state"),
        )
        kinds: list[tuple[Any, str]] = [(Text(t("inbox.filter.kind")), "all")]
        kinds += [(Text(t(f"inbox.kind.{k}")), k) for k in ITEM_KINDS]
        kind = self._filter.kinds[0] if len(self._filter.kinds) == 1 else "all"
        yield Select(
            kinds,
            value=kind,
            allow_blank=False,
            compact=True,
            id="inbox-kind",
            tooltip=t("inbox.filter.kind"),
        )
        shows = [(Text(t("inbox.filter.show")), "all"), (Text(t("inbox.filter.this_show")), "this")]
        yield Select(
            shows,
            value="all" if self._filter.show_id is None else "this",
            allow_blank=False,
            compact=True,
            id="inbox-show",
            tooltip=t("inbox.filter.show"),
        )
        dates = [
            (Text(t("inbox.filter.date")), "any"),
            (Text(t("inbox.filter.today")), "today"),
            (Text(t("inbox.filter.week")), "week"),
        ]
        yield Select(
            dates,
            value="any",
            allow_blank=False,
            compact=True,
            id="inbox-date",
            tooltip=t("inbox.filter.date"),
        )

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]

    def focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.query_one("#inbox-search", Input).focus()

    def _state_value(self) -> str:
        states = self._filter.states
        if not states:
            return "all"
        if tuple(sorted(states)) == tuple(sorted(_TO_SCREEN)):
            return "to_screen"
        return states[0] if len(states) == 1 and states[0] in ITEM_STATES else "all"

    # ----------------------------------------------------------------- events
    @on(Input.Changed, "#inbox-search")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._apply)

    @on(Input.Submitted, "#inbox-search")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._apply()

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        event.stop()
        self._apply()

    def action_clear_search(self) -> None:
        """Clear the search; when it is already empty, leave the bar."""
        search = self.query_one("#inbox-search", Input)
        if search.value:
            search.value = ""
            self._apply()
        else:
            self.screen.focus_next()

    def _apply(self) -> None:
        """Build the filter from the controls and post it when it changed."""
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        flt = self._read()
        if flt != self._filter:
            self._filter = flt
            self.post_message(self.Changed(flt))

    def _read(self) -> InboxFilter:
        search = self.query_one("#inbox-search", Input).value
        state = self.query_one("#inbox-state", Select).value
        kind = self.query_one("#inbox-kind", Select).value
        show = self.query_one("#inbox-show", Select).value
        date = self.query_one("#inbox-date", Select).value
        states: tuple[str, ...] = ()
        if state == "to_screen":
            states = _TO_SCREEN
        elif state in ITEM_STATES:
            states = (str(state),)
        kinds = (str(kind),) if kind in ITEM_KINDS else ()
        show_id = self._show_id() if show == "this" else None
        date_from = None
        if date in ("today", "week"):
            now = self.app.clock().astimezone(WIB)  # type: ignore[attr-defined]
            midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
            if date == "week":
                midnight -= timedelta(days=6)
            date_from = midnight.isoformat()
        return InboxFilter(states=states, kinds=kinds, show_id=show_id, date_from=date_from, search=search)

    def _show_id(self) -> int | None:
        """The show on air, else the latest one (None when there has never been one)."""
        store = self.app.store  # type: ignore[attr-defined]
        current = store.current_show()
        if current is not None:
            return current
        row = store.conn.execute("SELECT max(id) FROM shows").fetchone()
        return row[0] if row else None
