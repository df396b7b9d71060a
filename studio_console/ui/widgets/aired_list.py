"""Aired items not yet in a complaint: kind, aired time (WIB), show and the text on one line."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from studio_console.complaints.queries import AiredItem
from studio_console.text import one_line
from studio_console.ui.widgets.marked_list import MarkedList, short_time

__all__ = ["AiredList"]

TEXT_MAX = 200
KINDS = ("sms", "call", "manual")


class AiredList(MarkedList):
    """Mark one or several aired items (space), then draft one complaint from them."""

    def show_items(self, items: list[AiredItem], now: datetime) -> bool:
        """List ``items`` (newest aired first); returns whether the list changed."""
        return self.set_rows([(item.id, self.line(item, now)) for item in items])

    def line(self, item: AiredItem, now: datetime) -> Text:
        """One row: every listener-derived part is display-safe ``Text``, never markup."""
        t = self.app.t  # type: ignore[attr-defined]
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        kind = t(f"complaints.kind.{item.kind}") if item.kind in KINDS else one_line(item.kind, 7)
        text.append(f"{kind:<7} ", "bold")
        text.append(f"{short_time(item.aired_at, now)} ", "dim")
        if item.show:
            text.append(one_line(item.show, 24), "italic")
            text.append(" · ")
        text.append(one_line(item.topic or item.text or "", TEXT_MAX))
        return text
