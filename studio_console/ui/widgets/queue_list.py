"""The host's running order: queued items in order, *next* and *on air* marked.

A small Line-API list (two lines per item: the position, marks and sender,
then the text) over :class:`~studio_console.store.host_view.HostItem` rows.
The queue is bounded (a show's running order), so the rows are held in memory
and re-rendered on demand; listener text reaches the terminal only as
``rich.text.Text`` built from :func:`~studio_console.text.one_line`.

Moving the cursor is a preview: it posts :class:`QueueList.Highlighted` and
changes nothing in the database.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from studio_console.store.host_view import HostItem
from studio_console.text import one_line

__all__ = ["QueueList"]

ROW_HEIGHT = 2
"""Lines per item: marks and sender, then the text."""


class QueueList(ScrollView, can_focus=True, inherit_bindings=False):
    """The running order with a cursor; *next* and *on air* items stand out.

    The list has no keys of its own (not even the scroll keys it would inherit):
    the host screen binds next/previous item to :meth:`action_cursor`, so they
    work wherever the focus is and show in the footer and the help screen.
    """

    BINDINGS = []

    COMPONENT_CLASSES = {
        "queue-list--cursor",
        "queue-list--on-air",
        "queue-list--next",
        "queue-list--text",
        "queue-list--empty",
    }

    DEFAULT_CSS = """
    QueueList {
        height: 1fr;
        background: $surface;
        scrollbar-size-vertical: 1;
        & > .queue-list--cursor { background: $boost; text-style: bold; }
        &:focus > .queue-list--cursor { background: $accent 50%; }
        & > .queue-list--on-air { color: $error; text-style: bold; }
        & > .queue-list--next { color: $success; text-style: bold; }
        & > .queue-list--text { color: $text-muted; }
        & > .queue-list--empty { color: $text-muted; text-style: italic; }
    }
    """

    class Highlighted(Message):
        """The cursor moved to another item (or to none)."""

        def __init__(self, item_id: int | None) -> None:
            self.item_id = item_id
            super().__init__()

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._items: list[HostItem] = []
        self._cursor = 0
        self._last_posted: int | None = None

    # ------------------------------------------------------------------ data
    @property
    def items(self) -> list[HostItem]:
        """The rows shown, in running order."""
        return list(self._items)

    @property
    def cursor_index(self) -> int | None:
        """The cursor's row, or None when the queue is empty."""
        return self._cursor if self._items else None

    @property
    def cursor_item(self) -> HostItem | None:
        """The item under the cursor (the preview), or None."""
        return self._items[self._cursor] if self._items else None

    @property
    def cursor_item_id(self) -> int | None:
        """The id of the item under the cursor, or None."""
        item = self.cursor_item
        return item.item_id if item else None

    def set_items(self, items: Sequence[HostItem]) -> None:
        """Show ``items``; the cursor stays on its item, else on the same row."""
        current = self.cursor_item_id
        self._items = list(items)
        ids = [item.item_id for item in self._items]
        if current in ids:
            self._cursor = ids.index(current)
        else:
            self._cursor = max(0, min(self._cursor, len(self._items) - 1))
        self.virtual_size = Size(self.size.width, max(1, len(self._items)) * ROW_HEIGHT)
        self.refresh()
        self._scroll_to_cursor()
        self._post_if_moved()

    def select_item(self, item_id: int) -> bool:
        """Put the cursor on ``item_id``; False when it is not in the list."""
        for index, item in enumerate(self._items):
            if item.item_id == item_id:
                self._move_to(index)
                return True
        return False

    def action_cursor(self, delta: int) -> None:
        """Move the cursor ``delta`` rows (a preview: nothing is written)."""
        if self._items:
            self._move_to(max(0, min(len(self._items) - 1, self._cursor + delta)))

    def _move_to(self, index: int) -> None:
        if index != self._cursor:
            self._cursor = index
            self.refresh()
        self._scroll_to_cursor()
        self._post_if_moved()

    def _post_if_moved(self) -> None:
        item_id = self.cursor_item_id
        if item_id != self._last_posted:
            self._last_posted = item_id
            self.post_message(self.Highlighted(item_id))

    def _scroll_to_cursor(self) -> None:
        if self._items and self.size.height:
            self.scroll_to_region(
                Region(0, self._cursor * ROW_HEIGHT, 1, ROW_HEIGHT), animate=False, force=True
            )

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, max(1, len(self._items)) * ROW_HEIGHT)
        self._scroll_to_cursor()

    def on_click(self, event: events.Click) -> None:
        index = (event.y + int(self.scroll_offset.y)) // ROW_HEIGHT
        if 0 <= index < len(self._items):
            self._move_to(index)

    # ------------------------------------------------------------- rendering
    def render_line(self, y: int) -> Strip:
        """One line of the list (Line API); ``y`` is relative to the visible region."""
        width = self.size.width
        base = self.rich_style
        line = y + int(self.scroll_offset.y)
        if not self._items:
            if line != 0:
                return Strip.blank(width, base)
            style = base + self.get_component_rich_style("queue-list--empty")
            return self._strip(Text(self.app.t("host.queue_empty")), width, style)  # type: ignore[attr-defined]
        index, part = divmod(line, ROW_HEIGHT)
        if index >= len(self._items):
            return Strip.blank(width, base)
        item = self._items[index]
        style = base
        if index == self._cursor:
            style = style + self.get_component_rich_style("queue-list--cursor")
        cursor = index == self._cursor
        text = self._head(item, cursor) if part == 0 else self._body(item)
        return self._strip(text, width, style)

    def _head(self, item: HostItem, cursor: bool) -> Text:
        t = self.app.t  # type: ignore[attr-defined]
        text = Text(f"{'›' if cursor else ' '}{item.position or '':>2} ")
        if item.state == "on_air":
            text.append(
                f"● {t('host.mark_on_air')} ",
                self.get_component_rich_style("queue-list--on-air", partial=True),
            )
        elif item.is_next:
            text.append(
                f"▶ {t('host.mark_next')} ", self.get_component_rich_style("queue-list--next", partial=True)
            )
        text.append(one_line(item.sender_label or t(f"host.kind.{item.kind}"), 60))
        if item.topic:
            text.append(" · ")
            text.append(one_line(item.topic, 60))
        return text

    def _body(self, item: HostItem) -> Text:
        text = Text("    ")
        text.append(
            one_line(item.text_for_air, 400), self.get_component_rich_style("queue-list--text", partial=True)
        )
        return text

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        text.no_wrap = True
        text.truncate(width, overflow="ellipsis", pad=True)
        text.style = style
        segments = list(text.render(self.app.console))
        return Strip(segments, text.cell_len).crop_extend(0, width, style)
