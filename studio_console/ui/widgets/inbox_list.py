"""The producer's live inbox: every item in the store, one line each, newest at the end.

A Line-API ``ScrollView`` (as toolong does for multi-GB logs): it holds only the
ids of the items matching the filter, in a compact ``array('q')`` (8 bytes an
item), loaded by a thread worker with its own connection — first the newest
page (so the list paints at once), then every id. Rows are read from the store in
windows of :data:`WINDOW` around what is on screen and kept in an LRU cache by
item id; rendered lines are cached too. Nothing in it grows with the store but
the id array.

Live updates: :meth:`InboxList.refresh_data` (on ``StoreChanged``) fetches the
matching ids above the last one seen — the filter applies to new arrivals too —
and re-reads the rows on screen, so state changes show. The cursor follows new
arrivals only when it is already on the last row; otherwise the list leaves the
reader alone and counts them ("N baru"); ``End`` jumps to the newest.

Listener text is shown only through :func:`studio_console.text.one_line` in
plain ``Segment`` s: never markup, never a control character.
"""

from __future__ import annotations

import sqlite3
import threading
from array import array
from bisect import bisect_left
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from studio_console.item_rules import ITEM_STATES
from studio_console.store.inbox import ITEM_KINDS, InboxFilter, InboxRow, inbox_ids, inbox_rows
from studio_console.text import one_line
from studio_console.ui.bindings import localize_bindings

__all__ = ["WINDOW", "InboxList"]

WIB = ZoneInfo("Asia/Jakarta")
WINDOW = 200  # rows read from the store at once
HEAD = 200  # the newest ids loaded first, so the list paints before the full id list is in
_SENDER_WIDTH = 16
_STATE_CLASS = {
    "new": "new",
    "throttled": "held",
    "spam": "dropped",
    "rejected": "dropped",
    "approved": "approved",
    "queued": "queued",
    "on_air": "queued",
    "aired": "aired",
}


def _format_count(count: int, language: str) -> str:
    text = f"{count:,}"
    return text.replace(",", ".") if language == "id" else text


class InboxList(ScrollView, can_focus=True):
    """The inbox: items matching a filter, oldest at the top, newest at the end.

    Args:
        filter: what to show (default: everything).
        name, id, classes: as for any widget.
    """

    BINDINGS = [
        Binding("up", "cursor_up", "up", show=False, id="inbox.up"),
        Binding("down", "cursor_down", "down", show=False, id="inbox.down"),
        Binding("pageup", "cursor_page_up", "page up", show=False, id="inbox.page_up"),
        Binding("pagedown", "cursor_page_down", "page down", show=False, id="inbox.page_down"),
        Binding("home", "cursor_home", "oldest", show=False, id="inbox.home"),
        Binding("end", "cursor_end", "newest", id="inbox.end"),
        Binding("enter", "select_cursor", "open", id="inbox.select"),
        Binding("slash", "app.focus('inbox-search')", "search", id="inbox.search"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | up / down | Move the cursor one item. |
    | pageup / pagedown | Move the cursor one screen. |
    | home / end | The oldest / the newest item (End also clears "N baru"). |
    | enter | Open the item (posts `Selected`). |
    | / | Go to the search box of the filter bar (``#inbox-search``). |
    """

    COMPONENT_CLASSES = {
        "inbox-list--cursor",
        "inbox-list--meta",
        "inbox-list--sender",
        "inbox-list--alert",
        "inbox-list--warn",
        "inbox-list--state-new",
        "inbox-list--state-held",
        "inbox-list--state-dropped",
        "inbox-list--state-approved",
        "inbox-list--state-queued",
        "inbox-list--state-aired",
    }
    """Styles of the parts of a row: the cursor, time and parts, the sender, blocked
    (alert) and warning marks, and one per group of states."""

    DEFAULT_CSS = """
    InboxList {
        height: 1fr;
        overflow-x: hidden;
        border: round $panel;
        border-title-align: left;
        border-subtitle-align: right;
        border-subtitle-color: $warning;
        border-subtitle-style: bold;
        &:focus { border: round $accent; }
        & > .inbox-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
        &:blur > .inbox-list--cursor { background: $block-cursor-blurred-background; }
        & > .inbox-list--meta { color: $text-muted; }
        & > .inbox-list--sender { color: $text; text-style: bold; }
        & > .inbox-list--alert { color: $error; text-style: bold; }
        & > .inbox-list--warn { color: $warning; text-style: bold; }
        & > .inbox-list--state-new { color: $accent; text-style: bold; }
        & > .inbox-list--state-held { color: $warning; }
        & > .inbox-list--state-dropped { color: $text-disabled; }
        & > .inbox-list--state-approved { color: $success; }
        & > .inbox-list--state-queued { color: $primary; text-style: bold; }
        & > .inbox-list--state-aired { color: $secondary; }
    }
    """

    cursor: reactive[int] = reactive(-1, repaint=False, init=False)
    """Index of the highlighted row in the id list (-1: empty list)."""

    pending: reactive[int] = reactive(0, init=False)
    """Items that arrived while the cursor was not on the last row ("N baru")."""

    class Highlighted(Message):
        """The cursor moved to another item (None: the list is empty)."""

        def __init__(self, item_id: int | None) -> None:
            super().__init__()
            self.item_id = item_id

    class Selected(Message):
        """The producer opened an item (Enter)."""

        def __init__(self, item_id: int) -> None:
            super().__init__()
            self.item_id = item_id

    class _Loaded(Message):
        """Ids from the loader thread (the newest page first, then all)."""

        def __init__(self, generation: int, ids: array[int], high_water: int, complete: bool) -> None:
            super().__init__()
            self.generation = generation
            self.ids = ids
            self.high_water = high_water
            self.complete = complete

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
        self._ids: array[int] = array("q")
        self._high_water = 0  # every item id up to here has been looked at
        self._complete = False  # the full id list of the current filter is in
        self._generation = 0
        self._shown_generation = 0  # the load whose ids are shown
        self._loader_conn: sqlite3.Connection | None = None
        self._loader_lock = threading.Lock()
        self._rows: LRUCache[int, InboxRow] = LRUCache(4 * WINDOW * 4)
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._wanted_item: int | None = None
        self._last_highlighted: int | None = -1
        self._widths: dict[str, int] = {}
        self._styles: dict[str, Style] = {}  # resolved styles; cleared when the CSS changes

    # ------------------------------------------------------------------ public
    @property
    def filter(self) -> InboxFilter:
        """The filter in force."""
        return self._filter

    @property
    def item_ids(self) -> array[int]:
        """The ids of the items listed, oldest first (do not modify)."""
        return self._ids

    @property
    def loaded(self) -> bool:
        """Every id of the current filter is in (not only the newest page)."""
        return self._complete

    @property
    def cursor_item_id(self) -> int | None:
        """The id of the highlighted item, or None."""
        if 0 <= self.cursor < len(self._ids):
            return self._ids[self.cursor]
        return None

    def set_filter(self, flt: InboxFilter) -> None:
        """Show the items matching ``flt`` (the newest at once, the rest as they load)."""
        if flt == self._filter and self._generation:
            return
        self._filter = flt
        if self.is_mounted:
            self._start_load()

    def refresh_data(self) -> None:
        """The store changed: add matching new arrivals and re-read the rows on screen."""
        if self._complete:
            self._fetch_new()
        self._rows.clear()
        self._strips.clear()
        self.refresh()

    def select_item(self, item_id: int) -> bool:
        """Put the cursor on ``item_id``; False when it is not in the list (yet)."""
        index = self._index_of(item_id)
        if index is None:
            if not self._complete:
                self._wanted_item = item_id
            return False
        self._wanted_item = None
        self.cursor = index
        self._center(index)
        return True

    # --------------------------------------------------------------- lifecycle
    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]
        self._update_titles()
        self._start_load()

    def on_unmount(self) -> None:
        self._interrupt_loader()

    def notify_style_update(self) -> None:
        """Styles changed (theme, focus): drop the resolved styles and rendered lines."""
        super().notify_style_update()
        self._styles = {}
        self._strips.clear()

    def _style(self, name: str) -> Style:
        """A component style ("" for the widget's own), resolved once."""
        style = self._styles.get(name)
        if style is None:
            style = self.rich_style if not name else self.get_component_rich_style(name)
            self._styles[name] = style
        return style

    def on_resize(self) -> None:
        self._strips.clear()
        if self.cursor >= 0:
            self._scroll_to_cursor(self.cursor)

    # ----------------------------------------------------------------- loading
    def _start_load(self) -> None:
        self._generation += 1
        self._complete = False
        self.pending = 0
        self._rows.clear()
        self._strips.clear()
        self._interrupt_loader()
        self._update_titles()
        self._load(self._generation, self._filter, str(self.app.store.path))  # type: ignore[attr-defined]

    def _interrupt_loader(self) -> None:
        with self._loader_lock:
            if self._loader_conn is not None:
                self._loader_conn.interrupt()

    @work(
        thread=True, exclusive=True, group="inbox-load", exit_on_error=False, description="Loading inbox ids"
    )
    def _load(self, generation: int, flt: InboxFilter, path: str) -> None:
        """Read the ids of ``flt`` (thread worker, own connection); post them in two steps."""
        conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
        with self._loader_lock:
            self._loader_conn = conn
        try:
            conn.execute("PRAGMA query_only = 1")
            if generation != self._generation:
                return
            high = conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]
            head = inbox_ids(conn, flt, before_id=high + 1, limit=HEAD, newest_first=True)
            head.reverse()
            self.post_message(self._Loaded(generation, head, high, len(head) < HEAD))
            if len(head) < HEAD or generation != self._generation:
                return
            ids = inbox_ids(conn, flt, before_id=high + 1)
            if generation == self._generation:
                self.post_message(self._Loaded(generation, ids, high, True))
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc):
                raise
        finally:
            with self._loader_lock:
                if self._loader_conn is conn:
                    self._loader_conn = None
            conn.close()

    def on_inbox_list__loaded(self, event: _Loaded) -> None:
        event.stop()
        if event.generation != self._generation:
            return
        old_item = self.cursor_item_id
        at_end = self.cursor < 0 or self.cursor >= len(self._ids) - 1
        screen_row = self.cursor - self.scroll_offset.y if self.cursor >= 0 else 0
        ids = event.ids  # arrivals beyond the loader's high-water mark: _fetch_new below
        self._ids = ids
        self._shown_generation = event.generation
        self._high_water = max(event.high_water, ids[-1] if ids else 0)
        self._complete = event.complete
        self._strips.clear()
        self.virtual_size = Size(0, len(ids))
        if not ids:
            self.pending = 0
            self._set_cursor_quietly(-1)
        elif self._wanted_item is not None and self._index_of(self._wanted_item) is not None:
            self.select_item(self._wanted_item)
        elif at_end or old_item is None:
            self._set_cursor_quietly(len(ids) - 1)
            self.scroll_to(y=max(0, len(ids) - self._page_height()), animate=False, force=True)
        else:
            index = self._index_of(old_item, nearest=True)
            self._set_cursor_quietly(index)
            self.scroll_to(y=max(0, index - screen_row), animate=False, force=True)
        self._post_highlight()
        self._update_titles()
        self.refresh()
        if event.complete:
            self._wanted_item = None
            self._fetch_new()

    def _fetch_new(self) -> None:
        """Append the matching items above the high-water mark (the filter applies to them)."""
        conn = self.app.store.conn  # type: ignore[attr-defined]
        high = conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]
        if high <= self._high_water:
            return
        last = self._ids[-1] if self._ids else 0
        new = inbox_ids(conn, self._filter, after_id=max(self._high_water, last), before_id=high + 1)
        self._high_water = high
        if not len(new):
            return
        following = self.cursor >= len(self._ids) - 1
        self._ids.extend(new)
        self.virtual_size = Size(0, len(self._ids))
        if following:
            self.cursor = len(self._ids) - 1
            self.scroll_to(y=max(0, len(self._ids) - self._page_height()), animate=False, force=True)
        else:
            self.pending += len(new)
        self._update_titles()

    # ------------------------------------------------------------------ cursor
    def _index_of(self, item_id: int, *, nearest: bool = False) -> int | None:
        index = bisect_left(self._ids, item_id)
        if index < len(self._ids) and self._ids[index] == item_id:
            return index
        if nearest and self._ids:
            return min(index, len(self._ids) - 1)
        return None

    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _set_cursor_quietly(self, index: int) -> None:
        self.set_reactive(InboxList.cursor, index)
        if index >= len(self._ids) - 1:
            self.pending = 0

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self._scroll_to_cursor(new)
        if new >= len(self._ids) - 1:
            self.pending = 0
        self._post_highlight()

    def watch_pending(self) -> None:
        self._update_titles()

    def _post_highlight(self) -> None:
        item = self.cursor_item_id
        if item != self._last_highlighted:
            self._last_highlighted = item
            self.post_message(self.Highlighted(item))

    def _scroll_to_cursor(self, index: int) -> None:
        top, height = self.scroll_offset.y, self._page_height()
        if index < top:
            self.scroll_to(y=index, animate=False, force=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, force=True)

    def _center(self, index: int) -> None:
        self.scroll_to(y=max(0, index - self._page_height() // 2), animate=False, force=True)

    def _move(self, delta: int) -> None:
        if not self._ids:
            return
        self.cursor = max(0, min(len(self._ids) - 1, self.cursor + delta))

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on the row under the mouse."""
        offset = event.get_content_offset(self)
        if offset is not None and self._ids:
            index = self.scroll_offset.y + offset.y
            if 0 <= index < len(self._ids):
                self.cursor = index

    def action_cursor_up(self) -> None:
        """One item up (older)."""
        self._move(-1)

    def action_cursor_down(self) -> None:
        """One item down (newer)."""
        self._move(1)

    def action_cursor_page_up(self) -> None:
        """One screen up, keeping the cursor at the same place on screen."""
        step = self._page_height()
        self.scroll_to(y=max(0, self.scroll_offset.y - step), animate=False, force=True)
        self._move(-step)

    def action_cursor_page_down(self) -> None:
        """One screen down."""
        step = self._page_height()
        self.scroll_to(y=self.scroll_offset.y + step, animate=False, force=True)
        self._move(step)

    def action_cursor_home(self) -> None:
        """The oldest item."""
        if self._ids:
            self.cursor = 0

    def action_cursor_end(self) -> None:
        """The newest item (clears the "N baru" counter)."""
        if self._ids:
            self.cursor = len(self._ids) - 1
        self.pending = 0

    def action_select_cursor(self) -> None:
        """Open the highlighted item."""
        item = self.cursor_item_id
        if item is not None:
            self.post_message(self.Selected(item))

    # ---------------------------------------------------------------- titles
    def _update_titles(self) -> None:
        if not self.is_mounted:
            return
        t = self.app.t  # type: ignore[attr-defined]
        title = t("inbox.title")
        if self._complete:
            count = t("inbox.count", count=_format_count(len(self._ids), t.language))
            title = f"{title} · {count}"
        else:
            title = f"{title} · {t('inbox.loading')}"
        self.border_title = Content(title)
        self.border_subtitle = Content(t("inbox.pending", count=self.pending)) if self.pending else None

    # ------------------------------------------------------------------ render
    def _row_at(self, index: int) -> InboxRow | None:
        item_id = self._ids[index]
        row = self._rows.get(item_id)
        if row is None:
            start = max(0, index - WINDOW // 2)
            window = [i for i in self._ids[start : start + WINDOW] if i not in self._rows]
            for key, value in inbox_rows(self.app.store, window).items():  # type: ignore[attr-defined]
                self._rows[key] = value
            row = self._rows.get(item_id)
        return row

    def render_line(self, y: int) -> Strip:
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self._style("")
        if index >= len(self._ids) or index < 0:
            if index == 0 and self._complete:
                text = self.app.t("inbox.empty")  # type: ignore[attr-defined]
                meta = self._style("inbox-list--meta")
                return Strip([Segment(text, meta)]).crop_extend(0, width, base)
            return Strip.blank(width, base)
        row = self._row_at(index)
        is_cursor = index == self.cursor
        key = (row, width, is_cursor)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(row, width, base, is_cursor)
            self._strips[key] = strip
        return strip

    def _label_width(self, prefix: str, keys: tuple[str, ...]) -> int:
        width = self._widths.get(prefix)
        if width is None:
            t = self.app.t  # type: ignore[attr-defined]
            width = self._widths[prefix] = max(len(t(f"{prefix}.{k}")) for k in keys)
        return width

    def _render_row(self, row: InboxRow | None, width: int, base: Style, is_cursor: bool) -> Strip:
        style = self._style
        if row is None:  # vanished between the id load and the row read
            return Strip.blank(width, base)
        t = self.app.t  # type: ignore[attr-defined]
        meta = style("inbox-list--meta")
        try:
            clock = datetime.fromisoformat(row.received_at).astimezone(WIB).strftime("%H:%M")
        except ValueError:
            clock = "--:--"
        state_w = self._label_width("inbox.state", ITEM_STATES)
        kind_w = self._label_width("inbox.kind", ITEM_KINDS)
        state_style = style(f"inbox-list--state-{_STATE_CLASS.get(row.state, 'new')}")
        state_key = f"inbox.state.{row.state}"
        state_text = t(state_key) if row.state in ITEM_STATES else one_line(row.state, state_w)
        kind_text = t(f"inbox.kind.{row.kind}") if row.kind in ITEM_KINDS else "?"
        segments = [
            Segment(clock + " ", meta),
            Segment(state_text.ljust(state_w) + " ", state_style),
            Segment(kind_text.ljust(kind_w) + " ", meta),
        ]
        if row.sender_name:
            sender = one_line(row.sender_name[:64], _SENDER_WIDTH)
        elif row.sender:
            number = row.sender
            sender = one_line("0" + number[3:] if number.startswith("+62") else number, _SENDER_WIDTH)
        elif row.reporter_name:
            sender = one_line(row.reporter_name[:64], _SENDER_WIDTH)
        else:
            sender = t("inbox.no_number")[:_SENDER_WIDTH]
        segments.append(Segment(sender.ljust(_SENDER_WIDTH) + " ", style("inbox-list--sender")))
        if row.blocked:
            segments.append(Segment(t("inbox.mark.blocked") + " ", style("inbox-list--alert")))
        if row.warning:
            segments.append(Segment(t("inbox.mark.warning") + " ", style("inbox-list--warn")))
        if row.is_next:
            segments.append(Segment(t("inbox.mark.next") + " ", style("inbox-list--state-queued")))
        if not row.complete:
            parts = t("inbox.parts", received=row.parts_received, expected=row.parts)
            segments.append(Segment(parts + " ", style("inbox-list--warn")))
        used = sum(len(s.text) for s in segments)
        room = max(1, width - used)
        segments.append(Segment(one_line(row.text[: room * 2 + 8], room)))
        strip = Strip(segments).crop_extend(0, width, base)
        if is_cursor:
            strip = strip.apply_style(style("inbox-list--cursor"))
        return strip
