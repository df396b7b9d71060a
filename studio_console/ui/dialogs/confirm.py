"""A yes/no question (stopping the show)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from studio_console.ui.bindings import localize_bindings

__all__ = ["ConfirmDialog"]


class ConfirmDialog(ModalScreen[bool]):
    """Ask a question; dismisses with True (yes) or False (no / escape).

    Args:
        question: the question, already filled in (it is shown as plain text).
    """

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > #dialog { width: auto; min-width: 40; max-width: 90%; height: auto;
                              border: round $warning; background: $surface; padding: 0 1; }
    ConfirmDialog #question { width: auto; max-width: 100%; margin-bottom: 1; }
    ConfirmDialog #buttons { height: auto; width: auto; }
    ConfirmDialog #buttons Button { margin-right: 1; min-width: 8; }
    """
    BINDINGS = [
        Binding("y,enter", "answer(True)", "yes", id="producer.dialog.yes"),
        Binding("n,escape", "answer(False)", "no", id="producer.dialog.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        with Vertical(id="dialog"):
            yield Label(Text(self._question), id="question")
            with Horizontal(id="buttons"):
                yield Button(t("producer.dialog.yes_button"), variant="warning", id="yes")
                yield Button(t("producer.dialog.no_button"), id="no")

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")
