"""The host's screen (being built): the running order in large text."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header

from studio_console.ui.widgets.status_bar import StatusBar

__all__ = ["HostScreen"]


class HostScreen(Screen[None]):
    """On air: approved items in running order, masked numbers."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield StatusBar(id="status")
        yield Footer()
