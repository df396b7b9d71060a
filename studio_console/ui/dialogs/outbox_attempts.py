"""Every attempt to send one outbox row: time (WIB), result and error, oldest first.

Errors are put in the console's language where they are known ones
(:func:`~studio_console.ui.widgets.outbox_panel.error_label`), the transport's own words
kept below each, as inert text.
"""

from __future__ import annotations

from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from studio_console.i18n import CATALOGUE
from studio_console.text import display_safe
from studio_console.ui.bindings import localize_bindings
from studio_console.ui.widgets.marked_list import short_time
from studio_console.ui.widgets.outbox_panel import error_label

__all__ = ["AttemptsDialog"]


class AttemptsDialog(ModalScreen[None]):
    """Read-only history of one outbox row; escape closes it.

    Args:
        title: who and what (already filled in from the catalogue).
        attempts: ``(at, result, error)`` rows from ``queries.attempts_of``.
        now: the current time (dates other than today are shown).
    """

    DEFAULT_CSS = """
    AttemptsDialog { align: center middle; }
    AttemptsDialog > #dialog { width: 90%; max-width: 110; height: auto; max-height: 90%;
                               border: round $primary; background: $surface; padding: 0 1; }
    AttemptsDialog #title { text-style: bold; margin-bottom: 1; }
    AttemptsDialog VerticalScroll { height: auto; max-height: 30; }
    """
    BINDINGS = [Binding("escape,enter", "close", "close", id="complaints.dialog_close")]

    def __init__(self, title: str, attempts: list[tuple[str, str, str | None]], now: datetime) -> None:
        super().__init__()
        self._title = title
        self._attempts = attempts
        self._now = now

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        with Vertical(id="dialog"):
            yield Label(Text(self._title), id="title")
            with VerticalScroll():
                if not self._attempts:
                    yield Static(Text(t("complaints.attempts_none"), "dim"))
                    return
                table = Table(box=None, padding=(0, 1), expand=True)
                table.add_column(Text(t("complaints.attempts_at")), no_wrap=True)
                table.add_column(Text(t("complaints.attempts_result")), no_wrap=True)
                table.add_column(Text(t("complaints.attempts_error")), ratio=1)
                for at, result, error in self._attempts:
                    table.add_row(
                        Text(short_time(at, self._now)),
                        Text(
                            self._result(result),
                            "green" if result == "sent" else "red" if result == "permanent" else "",
                        ),
                        self._error(error),
                    )
                yield Static(table)

    def _error(self, error: str | None) -> Text:
        if not error:
            return Text("-")
        t = self.app.t  # type: ignore[attr-defined]
        text = Text(error_label(t, error)[0] + "\n", end="")
        text.append(t("complaints.err.original", text=display_safe(error)), "dim")
        return text

    def _result(self, result: str | None) -> str:
        key = f"complaints.attempt.{result}"
        if key in CATALOGUE:
            return self.app.t(key)  # type: ignore[attr-defined]
        return display_safe(result or "", keep_newlines=False)

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]

    def action_close(self) -> None:
        """Close the history."""
        self.dismiss(None)
