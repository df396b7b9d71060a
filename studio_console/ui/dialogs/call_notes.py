"""The call-notes dialog: the screener's notes on a call, or its summary for air.

Returns the text typed (``str``) when saved, ``None`` when cancelled. What was
said on a call is untrusted text: the caller in the title is shown through
:func:`~studio_console.text.one_line`, and the prefilled text is made
display-safe before it reaches the editor.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static, TextArea

from studio_console.text import display_safe, one_line
from studio_console.ui.bindings import localize_bindings
from studio_console.ui.dialogs.base import SaveCancelDialog

__all__ = ["CallNotes"]


class CallNotes(SaveCancelDialog[str | None]):
    """Edit a call's notes (or a summary prefilled from them).

    Args:
        title_key: the catalogue key of the title (``calls.notes_title`` or
            ``calls.summary_title``); it receives ``caller``.
        caller: how the caller is named (number or remembered name; untrusted).
        text: the text to start from (untrusted).
    """

    DEFAULT_CSS = """
    CallNotes { align: center middle; }
    CallNotes > Vertical { width: 80%; max-width: 100; height: auto; max-height: 90%;
                           border: round $primary; background: $surface; padding: 0 1; }
    CallNotes #call-notes-title { text-style: bold; height: 1; }
    CallNotes TextArea { height: 10; }
    CallNotes #call-notes-hint { color: $text-muted; height: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "save", id="calls.notes_save", priority=True),
        Binding("escape", "cancel", "cancel", id="calls.notes_cancel"),
    ]

    def __init__(self, title_key: str, caller: str, text: str | None = None) -> None:
        super().__init__()
        self._title_key = title_key
        self._caller = caller
        self._text = display_safe(text or "")

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        with Vertical():
            yield Static(
                Text(
                    t(self._title_key, caller=one_line(self._caller, 60)), no_wrap=True, overflow="ellipsis"
                ),
                id="call-notes-title",
            )
            yield TextArea(self._text, soft_wrap=True, id="call-notes-text")
            yield Static(id="call-notes-hint")

    def on_mount(self) -> None:
        t = self.app.t  # type: ignore[attr-defined]
        localize_bindings(self, t)
        keys = {
            b.action: self.app.get_key_display(b)
            for bindings in self._bindings.key_to_bindings.values()
            for b in bindings
        }
        self.query_one("#call-notes-hint", Static).update(
            Text(t("calls.dialog_hint", save=keys.get("save", ""), cancel=keys.get("cancel", "")))
        )
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        """Close with the text typed."""
        self.dismiss(self.query_one(TextArea).text)
