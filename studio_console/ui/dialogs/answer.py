"""Who answered an item on air (dijawab oleh) and the one-line answer."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static

from studio_console.ui.bindings import localize_bindings

__all__ = ["AnswerDialog"]


class AnswerDialog(ModalScreen[tuple[str, str] | None]):
    """Asks for "answered by" and a one-line answer; dismisses with ``(by, answer)`` or None.

    Args:
        answered_by: the value already stored, to edit.
        answer: the answer already stored, to edit.
        agencies: names offered as completions for "answered by" (``export.agencies``).
    """

    DEFAULT_CSS = """
    AnswerDialog { align: center middle; }
    AnswerDialog > Vertical {
        width: 80%; max-width: 100; height: auto;
        border: round $primary; background: $surface; padding: 1 2;
    }
    AnswerDialog #answer-title { text-style: bold; }
    AnswerDialog #answer-hint { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "cancel", id="host.answer_cancel"),
        Binding("ctrl+s", "save", "save", id="host.answer_save"),
    ]

    def __init__(self, answered_by: str = "", answer: str = "", *, agencies: Sequence[str] = ()) -> None:
        super().__init__()
        self._by = answered_by
        self._answer = answer
        self._agencies = list(agencies)

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        suggester = SuggestFromList(self._agencies, case_sensitive=False) if self._agencies else None
        with Vertical():
            yield Static(Text(t("host.answer_title")), id="answer-title")
            yield Label(Text(t("host.answer_by")), markup=False)
            yield Input(self._by, id="answer-by", suggester=suggester, placeholder=t("host.answer_by"))
            yield Label(Text(t("host.answer_text")), markup=False)
            yield Input(self._answer, id="answer-text", placeholder=t("host.answer_text"))
            yield Static(Text(t("host.answer_hint")), id="answer-hint")

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]
        self.query_one("#answer-by", Input).focus()

    @on(Input.Submitted, "#answer-by")
    def _next_field(self) -> None:
        self.query_one("#answer-text", Input).focus()

    @on(Input.Submitted, "#answer-text")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        """Close with the two values (whitespace trimmed, one line each)."""
        by = " ".join(self.query_one("#answer-by", Input).value.split())
        answer = " ".join(self.query_one("#answer-text", Input).value.split())
        self.dismiss((by, answer))

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
