"""Pick a desa/kelurahan by name from the 430 of Bojonegoro; the item stores the codes."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from studio_console.places import Place, Places, load_places
from studio_console.ui.bindings import localize_bindings

__all__ = ["DesaPicker"]

MAX_RESULTS = 50


class DesaPicker(ModalScreen[Place | None]):
    """Type a desa (or kecamatan) name; each result shows its kecamatan and code.

    Desa names repeat across kecamatan (Pejok is in Kedungadem and in
    Kepohbaru), so every line names the kecamatan; typing both narrows it
    ("pejok kepohbaru"). Dismisses with the :class:`~studio_console.places.Place`
    or None when cancelled.

    Args:
        query: text to start with (e.g. the name of the desa already set).
        current: the desa code already set (highlighted when listed).
        places: the place list (the bundled Kepmendagri list by default).
    """

    DEFAULT_CSS = """
    DesaPicker { align: center middle; }
    DesaPicker > #dialog { width: 90%; max-width: 90; height: 90%; max-height: 32;
                           border: round $primary; background: $surface; padding: 0 1; }
    DesaPicker #title { text-style: bold; }
    DesaPicker #count { color: $text-muted; }
    DesaPicker OptionList { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "cancel", id="producer.dialog.cancel"),
        Binding("down", "move(1)", "down", id="producer.dialog.down", show=False),
        Binding("up", "move(-1)", "up", id="producer.dialog.up", show=False),
    ]

    def __init__(self, query: str = "", *, current: str | None = None, places: Places | None = None) -> None:
        super().__init__()
        self._query = query
        self._current = current
        self._places = places or load_places()
        self._results: list[Place] = []
        self._typed: str | None = None

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        with Vertical(id="dialog"):
            yield Label(Text(t("producer.desa.title")), id="title")
            yield Input(self._query, placeholder=t("producer.desa.placeholder"), id="filter")
            yield Label(id="count")
            yield OptionList(id="results")

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]
        self._fill(self._query)
        self.query_one("#filter", Input).focus()

    @property
    def results(self) -> list[Place]:
        """The places listed now, best first."""
        return list(self._results)

    def _fill(self, typed: str) -> None:
        t = self.app.t  # type: ignore[attr-defined]
        self._typed = typed
        self._results = self._places.search(typed, limit=MAX_RESULTS)
        options = self.query_one("#results", OptionList)
        options.clear_options()
        options.add_options([Option(self._line(p), id=p.desa_code) for p in self._results])
        if self._results:
            codes = [p.desa_code for p in self._results]
            options.highlighted = codes.index(self._current) if self._current in codes else 0
        count = (
            t("producer.desa.hint", total=len(self._places))
            if not typed.strip()
            else t("producer.desa.count", count=len(self._results))
        )
        self.query_one("#count", Label).update(Text(count))

    def _line(self, p: Place) -> Text:
        t = self.app.t  # type: ignore[attr-defined]
        kind = t("producer.desa.kelurahan") if p.is_kelurahan else t("producer.desa.desa")
        text = Text()
        text.append(p.desa_name, "bold")
        text.append(f"  {kind} · ")
        text.append(t("producer.desa.kecamatan", name=p.kecamatan_name))
        text.append(f"  {p.desa_code}", "dim")
        return text

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if event.value != self._typed:
            self._fill(event.value)

    def action_move(self, step: int) -> None:
        """Move the highlight in the results (the cursor stays in the filter)."""
        options = self.query_one("#results", OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -step
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_cancel(self) -> None:
        """Close without a result."""
        self.dismiss(None)

    def _choose(self, code: str | None) -> None:
        place = self._places.desa(code)
        if place is not None:
            self.dismiss(place)

    @on(Input.Submitted, "#filter")
    def _submitted(self) -> None:
        options = self.query_one("#results", OptionList)
        if options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)
