"""A short list of rows by id where space marks several rows (aired items, complaints).

Bounded lists (a few hundred rows at most) built on :class:`~textual.widgets.SelectionList`:
every prompt is a ``rich.text.Text`` built by the caller from display-safe text, and
markup is off. Refreshing with the same rows does nothing; refreshing with new rows keeps
the marks and the highlighted row (by id) where they still exist.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.binding import Binding
from textual.widgets import SelectionList
from textual.widgets.selection_list import Selection

from studio_console.ui.bindings import localize_bindings

__all__ = ["WIB", "MarkedList", "short_time"]

WIB = ZoneInfo("Asia/Jakarta")


def short_time(stamp: str | None, now: datetime) -> str:
    """An ISO instant as WIB ``HH:MM``, with ``DD/MM`` in front when it is not today (WIB)."""
    if not stamp:
        return "--:--"
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return "--:--"
    if moment.tzinfo is None:
        return moment.strftime("%d/%m %H:%M")
    local = moment.astimezone(WIB)
    if local.date() == now.astimezone(WIB).date():
        return local.strftime("%H:%M")
    return local.strftime("%d/%m %H:%M")


class MarkedList(SelectionList[int]):
    """Rows ``(id, prompt)``; space marks the highlighted row.

    Messages: the standard ``SelectionList.SelectionHighlighted`` (the cursor moved) and
    ``SelectionList.SelectedChanged`` (the marks changed).
    """

    BINDINGS = [Binding("space", "select", "mark", id="complaints.mark")]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._markup = False  # prompts are Text objects; never parse a str as markup
        self._rows: list[tuple[int, Text]] = []

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]

    @property
    def ids(self) -> list[int]:
        """The ids listed, in order."""
        return [i for i, _ in self._rows]

    @property
    def marked(self) -> list[int]:
        """The marked ids, in list order."""
        chosen = set(self.selected)
        return [i for i in self.ids if i in chosen]

    @property
    def highlighted_id(self) -> int | None:
        """The id of the highlighted row, or None when the list is empty."""
        if self.highlighted is None or not 0 <= self.highlighted < len(self._rows):
            return None
        return self._rows[self.highlighted][0]

    def highlight_id(self, row_id: int) -> bool:
        """Move the cursor to ``row_id``; returns whether it is listed."""
        ids = self.ids
        if row_id not in ids:
            return False
        self.highlighted = ids.index(row_id)
        return True

    def set_rows(self, rows: list[tuple[int, Text]]) -> bool:
        """Show ``rows``; returns whether anything changed on screen."""
        if rows == self._rows:
            return False
        current = self.highlighted_id
        index = self.highlighted or 0
        marked = set(self.selected)
        self._rows = list(rows)
        self.clear_options()
        self.add_options([Selection(prompt, row_id, row_id in marked) for row_id, prompt in rows])
        if rows:
            ids = self.ids
            self.highlighted = ids.index(current) if current in ids else min(index, len(rows) - 1)
        return True
