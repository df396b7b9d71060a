"""The studio clock (WIB) and how long the show has been on air.

The time comes from the app's clock (fixed in tests); the show is set by the
screen (attributes down) from :func:`~studio_console.store.host_view.show_info`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits, Static

from studio_console.store.host_view import ShowInfo
from studio_console.text import one_line

__all__ = ["OnAirClock", "format_elapsed"]

WIB = ZoneInfo("Asia/Jakarta")


def format_elapsed(seconds: float) -> str:
    """``H:MM:SS`` (or ``MM:SS`` under an hour) for a duration; negative counts as zero."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class OnAirClock(Vertical):
    """Large WIB clock and the show on air with its elapsed time."""

    DEFAULT_CSS = """
    OnAirClock {
        height: auto;
        background: $panel;
        padding: 0 1;
        & > #clock-digits { width: auto; color: $text; }
        & > #clock-show { color: $text-muted; }
        &.-on-air > #clock-show { color: $error; text-style: bold; }
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._show: ShowInfo | None = None
        self._line = ""

    def compose(self) -> ComposeResult:
        yield Digits("", id="clock-digits")
        yield Static(id="clock-show", markup=False)

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1.0, self.tick)

    @property
    def show(self) -> ShowInfo | None:
        """The show on air (None: none)."""
        return self._show

    @show.setter
    def show(self, show: ShowInfo | None) -> None:
        self._show = show
        if self.is_mounted:
            self.tick()

    def tick(self) -> None:
        """Redraw the clock and the elapsed time from the app's clock."""
        t = self.app.t  # type: ignore[attr-defined]
        now: datetime = self.app.clock()  # type: ignore[attr-defined]
        self.query_one("#clock-digits", Digits).update(now.astimezone(WIB).strftime("%H:%M:%S"))
        show = self._show
        self.set_class(show is not None, "-on-air")
        if show is None:
            line = t("host.no_show")
        else:
            try:
                elapsed = (now - datetime.fromisoformat(show.started_at)).total_seconds()
            except ValueError:
                elapsed = 0
            line = t("host.show_elapsed", name=one_line(show.name, 40), elapsed=format_elapsed(elapsed))
        self._line = line
        self.query_one("#clock-show", Static).update(Text(line, no_wrap=True, overflow="ellipsis"))

    @property
    def show_line(self) -> str:
        """What the show line says now: the show's name and its elapsed time."""
        return self._line
