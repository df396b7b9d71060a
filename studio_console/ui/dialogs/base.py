"""What the dialogs share.

:class:`SaveCancelDialog`: Esc and the Cancel button close it empty, the Save button
calls the dialog's own ``action_save``. :class:`FilterPickerDialog`: a ``#filter``
input over an option list; up/down move the highlight, Enter or a click chooses.
"""

from __future__ import annotations

from typing import TypeVar

from textual import on
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList

__all__ = ["FilterPickerDialog", "SaveCancelDialog"]

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


class FilterPickerDialog(ModalScreen[T]):
    """Type in ``#filter`` to refill the one option list; subclasses define ``_fill`` and ``_choose``."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel", id="producer.dialog.cancel"),
        Binding("down", "move(1)", "down", id="producer.dialog.down", show=False),
        Binding("up", "move(-1)", "up", id="producer.dialog.up", show=False),
    ]

    _typed: str | None = None
    """The filter text the list was last filled for."""

    def _fill(self, typed: str) -> None:
        """Refill the list for ``typed`` (subclasses)."""
        raise NotImplementedError

    def _choose(self, option_id: str | None) -> None:
        """Close with the option chosen (subclasses)."""
        raise NotImplementedError

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if event.value != self._typed:
            self._fill(event.value)

    def action_move(self, step: int) -> None:
        """Move the highlight in the list (the cursor stays in the filter)."""
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -step
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_cancel(self) -> None:
        """Close without a result."""
        self.dismiss(None)

    @on(Input.Submitted, "#filter")
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)
