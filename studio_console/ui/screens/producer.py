"""The producer's screen (being built): inbox, detail, calls."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header

from studio_console.ui.widgets.status_bar import StatusBar

__all__ = ["ProducerScreen"]


class ProducerScreen(Screen[None]):
    """Screening: the inbox, the selected item's detail, the calls panel."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield StatusBar(id="status")
        yield Footer()
