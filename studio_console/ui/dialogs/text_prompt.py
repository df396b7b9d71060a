"""A dialog asking for one line (name, topic, reason, show) or a longer text (the edit for air)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static, TextArea

from studio_console.text import display_safe
from studio_console.ui.bindings import localize_bindings
from studio_console.ui.dialogs.base import SaveCancelDialog

__all__ = ["TextPrompt"]


class TextPrompt(SaveCancelDialog[str | None]):
    """Ask for text; dismisses with the text (stripped) or None when cancelled.

    Args:
        title: the question (a catalogue string).
        value: the text to start from.
        multiline: a text area (``ctrl+s`` saves) instead of one line (Enter saves).
        reference: listener text shown read-only above the editor (the original SMS).
        reference_label: the caption of ``reference``.
        placeholder: shown in an empty one-line input.
        max_length: at most this many characters (one line only; 0 = no limit).
    """

    DEFAULT_CSS = """
    TextPrompt { align: center middle; }
    TextPrompt > #dialog { width: 90%; max-width: 100; height: auto; max-height: 90%;
                           border: round $primary; background: $surface; padding: 0 1; }
    TextPrompt #title { text-style: bold; width: 1fr; margin-bottom: 1; }
    TextPrompt #reference-box { height: auto; max-height: 8; border-left: outer $secondary;
                                padding-left: 1; margin-bottom: 1; }
    TextPrompt #reference-label { color: $text-muted; }
    TextPrompt TextArea { height: 8; }
    TextPrompt #buttons { height: auto; align-horizontal: right; margin-top: 1; }
    TextPrompt #buttons Button { margin-left: 1; min-width: 10; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "cancel", id="producer.dialog.cancel"),
        Binding("ctrl+s", "save", "save", id="producer.dialog.save"),
    ]

    def __init__(
        self,
        title: str,
        value: str = "",
        *,
        multiline: bool = False,
        reference: str | None = None,
        reference_label: str = "",
        placeholder: str = "",
        max_length: int = 0,
    ) -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._multiline = multiline
        self._reference = reference
        self._reference_label = reference_label
        self._placeholder = placeholder
        self._max_length = max_length

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        with Vertical(id="dialog"):
            yield Label(Text(self._title), id="title")
            if self._reference is not None:
                with VerticalScroll(id="reference-box"):
                    yield Static(Text(self._reference_label), id="reference-label")
                    yield Static(Text(display_safe(self._reference)), id="reference")
            if self._multiline:
                yield TextArea(display_safe(self._value), soft_wrap=True, id="editor")
            else:
                yield Input(
                    display_safe(self._value, keep_newlines=False),
                    placeholder=self._placeholder,
                    max_length=self._max_length,
                    id="editor",
                )
            with Horizontal(id="buttons"):
                yield Button(t("producer.dialog.save"), variant="primary", id="save")
                yield Button(t("producer.dialog.cancel"), id="cancel")

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]
        self.query_one("#editor").focus()

    @property
    def text(self) -> str:
        """The text as edited so far."""
        editor = self.query_one("#editor")
        return editor.text if isinstance(editor, TextArea) else editor.value  # type: ignore[attr-defined]

    def action_save(self) -> None:
        """Close with the text."""
        self.dismiss(self.text.strip())

    @on(Input.Submitted, "#editor")
    def _submitted(self) -> None:
        self.action_save()
