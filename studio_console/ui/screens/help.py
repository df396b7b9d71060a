"""The help screen: every key of the current screen and the app, with what it does."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["HelpScreen"]


class HelpScreen(ModalScreen[None]):
    """Lists the active bindings (after the user keymap) of the screen below and the app."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Static { width: auto; max-width: 90%; height: auto; max-height: 90%;
                          border: round $primary; background: $surface; padding: 1 2; }
    """
    BINDINGS = [Binding("escape,f1,question_mark,q", "dismiss", "close", id="help.close")]

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        table = Table(title=t("help.title"), show_header=True, box=None, padding=(0, 2))
        table.add_column(t("help.key"), style="bold")
        table.add_column(t("help.action"))
        below = next((s for s in reversed(self.app.screen_stack) if s is not self), None)
        seen: set[tuple[str, str]] = set()
        # The focused widget's, the screen's and the app's bindings, as they are in force.
        active = below.active_bindings.values() if below is not None else ()
        for entry in active:
            b = entry.binding
            if not b.description or (b.key, b.action) in seen:
                continue
            seen.add((b.key, b.action))
            table.add_row(Text(self.app.get_key_display(b)), Text(b.description))
        yield Static(table)
