"""Pick a desa/kelurahan by name from the 430 of Bojonegoro; the item stores the codes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from studio_console.places import Place, Places, load_places
from studio_console.ui.bindings import localize_bindings
from studio_console.ui.dialogs.base import FilterPickerDialog

__all__ = ["DesaPicker"]

MAX_RESULTS = 50


class DesaPicker(FilterPickerDialog[Place | None]):
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

    def _choose(self, code: str | None) -> None:
        place = self._places.desa(code)
        if place is not None:
            self.dismiss(place)
