"""The line meter: the level of the line input (the caller on the hybrid) as a one-line bar.

It reads :meth:`studio_console.audio.AudioService.meter` about 20 times a second
(a copy of a few floats published by the audio callback: no database, no I/O) and
draws the RMS as the bar, the held peak as its tip, both in dBFS, and a CLIP light.
With ``show_recording`` it also shows ``REKAM mm:ss`` while a recording runs.

Without a sound service in the app (``app.audio`` is None) the widget is hidden;
with one but no line input (no device, device lost) it shows "Line —".
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from studio_console.ui.widgets.status_bar import mm_ss

__all__ = ["FLOOR_DBFS", "METER_HZ", "LineMeter", "meter_text"]

METER_HZ = 20
"""Redraws per second."""
FLOOR_DBFS = -60.0
"""The bar's left end; 0 dBFS is its right end."""
BAR_WIDTH = 30
"""Cells of the bar."""
_ZONES = ((-18.0, "green"), (-6.0, "yellow"), (0.0, "red"))


def _cells(dbfs: float, width: int) -> int:
    return round(width * (min(max(dbfs, FLOOR_DBFS), 0.0) - FLOOR_DBFS) / -FLOOR_DBFS)


def _zone(cell: int, width: int) -> str:
    level = FLOOR_DBFS + (cell + 1) * -FLOOR_DBFS / width
    return next(style for top, style in _ZONES if level <= top + 1e-9)


def meter_text(
    t: Any,
    reading: Any,
    recording_seconds: float | None = None,
    width: int = BAR_WIDTH,
    fit: int | None = None,
) -> Text:
    """The meter's line for ``reading`` (a ``MeterReading`` or None = no line input).

    ``fit``: the cells available; the bar then shrinks or grows (8..40 cells) to fit.
    """
    if fit is not None and reading is not None:
        fixed = meter_text(t, reading, recording_seconds, width=0).cell_len
        width = max(8, min(40, fit - fixed))
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    if recording_seconds is not None:
        rec = t("audio.status.recording", seconds=mm_ss(recording_seconds))
        text.append(f" {rec} ", "bold white on red")
        text.append(" ")
    if reading is None:
        text.append(t("audio.meter.none"), "dim")
        return text
    text.append(t("audio.meter.label") + " ", "bold")
    rms_cells = _cells(reading.rms_dbfs, width)
    peak_cell = _cells(reading.peak_dbfs, width) - 1
    for cell in range(width):
        if cell < rms_cells:
            text.append("█", _zone(cell, width))
        elif cell == peak_cell:
            text.append("▌", _zone(cell, width))
        else:
            text.append("·", "dim")
    peak = "-∞" if reading.peak_dbfs <= -120 else f"{reading.peak_dbfs:.0f}"
    rms = "-∞" if reading.rms_dbfs <= -120 else f"{reading.rms_dbfs:.0f}"
    text.append(" " + t("audio.meter.levels", peak=peak, rms=rms))
    if reading.clip:
        text.append(" ")
        text.append(" " + t("audio.meter.clip") + " ", "bold white on red")
    return text


class LineMeter(Static):
    """Peak and RMS of the line input in dBFS with a clip light, redrawn ~20 Hz.

    Args:
        show_recording: also show ``REKAM mm:ss`` while a recording runs (the producer).
    """

    DEFAULT_CSS = """
    LineMeter { height: 1; padding: 0 1; }
    """

    def __init__(
        self, *, show_recording: bool = False, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes, markup=False)
        self.show_recording = show_recording
        self.reading: Any = None
        """The last reading drawn (None: no line input)."""
        self._key: object = ()

    def on_mount(self) -> None:
        self.display = getattr(self.app, "audio", None) is not None
        if not self.display:
            return
        self.sample()
        self.set_interval(1 / METER_HZ, self.sample)

    def sample(self) -> None:
        """Read the meter and redraw when what is shown changed."""
        app = self.app
        reading = app.audio_call("meter")  # type: ignore[attr-defined]
        status = app.audio_call("status") if self.show_recording else None  # type: ignore[attr-defined]
        recording = status.recording if status is not None else None
        seconds = recording.seconds if recording is not None else None
        self.reading = reading
        key = (
            None if reading is None else (round(reading.rms_dbfs), round(reading.peak_dbfs), reading.clip),
            None if seconds is None else int(seconds),
        )
        key = (key, self.content_size.width)
        if key == self._key:
            return
        self._key = key
        fit = self.content_size.width or None
        self.update(meter_text(app.t, reading, seconds, fit=fit))  # type: ignore[attr-defined]
