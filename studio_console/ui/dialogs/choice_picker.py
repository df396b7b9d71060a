"""Pick one of a configured list (OPD, category), optionally typing a value not on it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from studio_console.text import one_line
from studio_console.ui.bindings import localize_bindings
from studio_console.ui.dialogs.base import FilterPickerDialog

__all__ = ["ChoicePicker"]

CLEAR = "\x00clear"
FREE = "\x00free"


class ChoicePicker(FilterPickerDialog[str | None]):
    """Type to filter the list; Enter takes the highlighted entry.

    Dismisses with the chosen text, ``""`` for "clear the field", or None when
    cancelled.

    Args:
        title: the question (a catalogue string).
        choices: the configured values, in their configured order.
        current: the field's value now (highlighted when on the list).
        allow_free: offer the typed text itself when it is not on the list.
        allow_clear: offer an entry that empties the field.
    """

    DEFAULT_CSS = """
    ChoicePicker { align: center middle; }
    ChoicePicker > #dialog { width: 90%; max-width: 80; height: 80%; max-height: 30;
                             border: round $primary; background: $surface; padding: 0 1; }
    ChoicePicker #title { text-style: bold; margin-bottom: 1; }
    ChoicePicker OptionList { height: 1fr; }
    """

    def __init__(
        self,
        title: str,
        choices: list[str],
        *,
        current: str | None = None,
        allow_free: bool = False,
        allow_clear: bool = True,
    ) -> None:
        super().__init__()
        self._title = title
        self._choices = [c for c in choices if c.strip()]
        self._current = current
        self._allow_free = allow_free
        self._allow_clear = allow_clear
        self._typed: str | None = None

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        hint = "producer.dialog.type_or_pick" if self._allow_free else "producer.dialog.type_filter"
        with Vertical(id="dialog"):
            yield Label(Text(self._title), id="title")
            yield Input(placeholder=t(hint), id="filter")
            yield OptionList(id="choices")

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]
        self._fill("")
        self.query_one("#filter", Input).focus()

    def _fill(self, typed: str) -> None:
        self._typed = typed
        t = self.app.t  # type: ignore[attr-defined]
        options = self.query_one("#choices", OptionList)
        options.clear_options()
        needle = typed.strip().casefold()
        entries = [
            Option(Text(one_line(c, 80)), id=f"choice:{i}")
            for i, c in enumerate(self._choices)
            if needle in c.casefold()
        ]
        exact = any(c.casefold() == needle for c in self._choices)
        if self._allow_free and needle and not exact:
            entries.append(
                Option(Text(t("producer.dialog.use_typed", text=one_line(typed.strip(), 60))), id=FREE)
            )
        if self._allow_clear and not needle:
            entries.append(Option(Text(t("producer.dialog.clear"), style="italic"), id=CLEAR))
        options.add_options(entries)
        if entries:
            ids = [e.id for e in entries]
            wanted = (
                f"choice:{self._choices.index(self._current)}" if self._current in self._choices else None
            )
            options.highlighted = ids.index(wanted) if wanted in ids else 0

    def _choose(self, option_id: str | None) -> None:
        if option_id == CLEAR:
            self.dismiss("")
        elif option_id == FREE:
            self.dismiss(self.query_one("#filter", Input).value.strip())
        elif option_id and option_id.startswith("choice:"):
            self.dismiss(self._choices[int(option_id.split(":", 1)[1])])
