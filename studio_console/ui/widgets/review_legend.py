"""The weekly-review colours (red / yellow / blue) and what they mean."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from studio_console.ui.widgets.complaint_list import review_mark

__all__ = ["ReviewLegend"]


class ReviewLegend(Static):
    """One line per colour, in the console's language; the marks match the complaint list."""

    def on_mount(self) -> None:
        t = self.app.t  # type: ignore[attr-defined]
        text = Text(t("complaints.legend.title") + "\n", "bold", end="")
        for colour in ("red", "yellow", "blue"):
            text.append_text(review_mark(colour))
            text.append(" " + t(f"complaints.legend.{colour}") + "\n")
        text.append_text(review_mark(""))
        text.append(" " + t("complaints.legend.draft"))
        self.update(text)
