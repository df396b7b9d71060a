"""What every save/cancel dialog shares: Esc and the Cancel button close it empty,
the Save button calls the dialog's own ``action_save``."""

from __future__ import annotations

from typing import TypeVar

from textual import on
from textual.screen import ModalScreen
from textual.widgets import Button

__all__ = ["SaveCancelDialog"]

T = TypeVar("T")


class SaveCancelDialog(ModalScreen[T]):
    """A modal dialog with ``#save`` and ``#cancel`` buttons; subclasses define ``action_save``."""

    def action_save(self) -> None:
        """Close with the dialog's result (subclasses)."""
        raise NotImplementedError

    def action_cancel(self) -> None:
        """Close without a result."""
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
