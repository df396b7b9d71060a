"""Add a manual item: a walk-in speaker at the Pendopo, a letter, a call told in writing."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, TextArea

from studio_console.ui.bindings import localize_bindings
from studio_console.ui.dialogs.base import SaveCancelDialog

__all__ = ["ManualItem", "ManualItemDialog"]


@dataclass(frozen=True)
class ManualItem:
    """What the producer typed: the text and, if given, the speaker's name."""

    text: str
    reporter_name: str | None


class ManualItemDialog(SaveCancelDialog[ManualItem | None]):
    """Text (required) and a name (optional); ``ctrl+s`` saves, escape cancels."""

    DEFAULT_CSS = """
    ManualItemDialog { align: center middle; }
    ManualItemDialog > #dialog { width: 90%; max-width: 100; height: auto; max-height: 90%;
                                 border: round $primary; background: $surface; padding: 0 1; }
    ManualItemDialog .caption { text-style: bold; margin-top: 1; }
    ManualItemDialog TextArea { height: 7; }
    ManualItemDialog #error { color: $error; }
    ManualItemDialog #buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ManualItemDialog #buttons Button { margin-left: 1; min-width: 10; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "cancel", id="producer.dialog.cancel"),
        Binding("ctrl+s", "save", "save", id="producer.dialog.save"),
    ]

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        with Vertical(id="dialog"):
            yield Label(Text(t("producer.manual.title")), classes="caption")
            yield Label(Text(t("producer.manual.text")), classes="caption")
            yield TextArea(soft_wrap=True, id="text")
            yield Label(Text(t("producer.manual.name")), classes="caption")
            yield Input(placeholder=t("producer.manual.name_placeholder"), max_length=80, id="name")
            yield Label(id="error")
            with Horizontal(id="buttons"):
                yield Button(t("producer.dialog.save"), variant="primary", id="save")
                yield Button(t("producer.dialog.cancel"), id="cancel")

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]
        self.query_one("#text", TextArea).focus()

    def action_save(self) -> None:
        """Close with the item, unless the text is empty."""
        text = self.query_one("#text", TextArea).text.strip()
        if not text:
            self.query_one("#error", Label).update(Text(self.app.t("producer.manual.needs_text")))  # type: ignore[attr-defined]
            return
        name = self.query_one("#name", Input).value.strip() or None
        self.dismiss(ManualItem(text, name))

    @on(Input.Submitted, "#name")
    def _submitted(self) -> None:
        self.action_save()
