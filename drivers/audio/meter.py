"""Line level meter: peak and RMS in dBFS with a clip indicator, fed by an audio callback.

:meth:`LevelMeter.process` runs inside the PortAudio callback. It allocates no
array, takes no lock and does no I/O: the block's peak comes from
``max``/``min`` and its energy from one ``dot`` over the callback's own buffer,
and the results go into a preallocated array. The figures are published under
a sequence counter (a seqlock): the writer makes the counter odd while it
writes and even when done; :meth:`LevelMeter.read` (a screen at ~20 Hz, any
thread) retries until it sees the same even counter before and after its copy,
so it never gets half an update. (CPython still makes a few small scalar
objects per call; nothing grows with the block size.)

Ballistics: the peak holds the highest sample and falls at ``peak_release``
dB per second; the RMS is an exponential average over ``rms_window`` seconds
(300 ms, like a VU meter); the clip light stays on for ``clip_hold`` seconds
after a sample reaches ``clip_level``. Full-scale square wave = 0 dBFS RMS, so
a full-scale sine reads -3.01 dBFS RMS and 0 dBFS peak.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["FLOOR_DBFS", "LevelMeter", "MeterReading", "dbfs"]

FLOOR_DBFS = -120.0
"""What silence reads (instead of minus infinity)."""

# Slots of the published state.
_SEQ, _FRAMES, _PEAK_BLOCK, _MS_BLOCK, _PEAK_HOLD, _MS_AVG, _LAST_CLIP, _CLIPS, _OVERFLOWS, _BLOCKS = range(
    10
)
_SLOTS = 10


def dbfs(amplitude: float) -> float:
    """``20·log10(amplitude)``, floored at :data:`FLOOR_DBFS`."""
    if amplitude <= 0.0:
        return FLOOR_DBFS
    return max(FLOOR_DBFS, 20.0 * math.log10(amplitude))


@dataclass(frozen=True)
class MeterReading:
    """What a screen shows: levels in dBFS, the clip light, counters."""

    peak_dbfs: float
    """Peak with hold and release (the bar's tip)."""
    rms_dbfs: float
    """RMS averaged over the meter's window (the bar)."""
    block_peak_dbfs: float
    """Peak of the last callback block alone."""
    block_rms_dbfs: float
    """RMS of the last callback block alone."""
    clip: bool
    """A sample reached the clip level within the last ``clip_hold`` seconds."""
    clip_count: int
    """Blocks that clipped since the meter started."""
    overflows: int
    """Input overflows PortAudio reported (samples lost before we saw them)."""
    frames: int
    """Frames measured since the meter started (0 = no sound has arrived yet)."""
    blocks: int
    """Callback blocks measured."""

    @property
    def live(self) -> bool:
        """True once any sound has been measured."""
        return self.frames > 0


class LevelMeter:
    """Peak/RMS/clip meter for one input stream.

    Args:
        samplerate: frames per second of the stream.
        rms_window: seconds of the RMS average (time constant).
        peak_release: dB per second the held peak falls.
        clip_level: a sample at or above this magnitude (of 1.0 full scale) is a clip.
        clip_hold: seconds the clip light stays on.
    """

    def __init__(
        self,
        samplerate: int,
        *,
        rms_window: float = 0.3,
        peak_release: float = 20.0,
        clip_level: float = 0.999,
        clip_hold: float = 1.0,
    ) -> None:
        self.samplerate = int(samplerate)
        self.rms_window = float(rms_window)
        self.peak_release = float(peak_release)
        self.clip_level = float(clip_level)
        self.clip_hold_frames = float(clip_hold) * self.samplerate
        self._state = np.zeros(_SLOTS, dtype=np.float64)
        self._state[_LAST_CLIP] = -1e18

    def reset(self) -> None:
        """Forget everything measured (a new stream)."""
        s = self._state
        s[_SEQ] += 1
        s[1:] = 0.0
        s[_LAST_CLIP] = -1e18
        s[_SEQ] += 1

    def process(self, block: np.ndarray, overflow: bool = False) -> None:
        """Measure one block of samples (frames × channels, or 1-D), in the audio callback.

        No array is allocated, no lock taken, no I/O done.
        """
        flat = block.reshape(-1)
        n = flat.shape[0]
        if n == 0:
            return
        hi = float(flat.max())
        lo = -float(flat.min())
        peak = hi if hi > lo else lo
        ms = float(np.dot(flat, flat)) / n
        frames = n // (block.shape[1] if block.ndim == 2 and block.shape[1] else 1)
        s = self._state
        s[_SEQ] += 1  # odd: writing
        total = s[_FRAMES] + frames
        # Peak hold with a release of peak_release dB/s.
        held = s[_PEAK_HOLD] * 10.0 ** (-self.peak_release * frames / self.samplerate / 20.0)
        s[_PEAK_HOLD] = peak if peak > held else held
        # Exponential RMS average; the first block starts it at its own value.
        if s[_FRAMES] == 0:
            s[_MS_AVG] = ms
        else:
            a = 1.0 - math.exp(-frames / (self.rms_window * self.samplerate))
            s[_MS_AVG] += a * (ms - s[_MS_AVG])
        s[_PEAK_BLOCK] = peak
        s[_MS_BLOCK] = ms
        if peak >= self.clip_level:
            s[_LAST_CLIP] = total
            s[_CLIPS] += 1
        if overflow:
            s[_OVERFLOWS] += 1
        s[_FRAMES] = total
        s[_BLOCKS] += 1
        s[_SEQ] += 1  # even: done

    def callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        """A ready-made ``sounddevice.InputStream`` callback that only meters."""
        self.process(indata, bool(status.input_overflow) if status else False)

    def snapshot(self) -> np.ndarray:
        """A consistent copy of the published state (for :meth:`read`)."""
        s = self._state
        for _ in range(1000):
            before = s[_SEQ]
            if before % 2 == 0:
                copy = s.copy()
                if s[_SEQ] == before:
                    return copy
        return s.copy()  # a writer that never finishes cannot happen; be safe anyway

    def read(self) -> MeterReading:
        """The current levels; safe from any thread, at any rate."""
        c = self.snapshot()
        clip = c[_FRAMES] - c[_LAST_CLIP] <= self.clip_hold_frames
        return MeterReading(
            peak_dbfs=dbfs(c[_PEAK_HOLD]),
            rms_dbfs=dbfs(math.sqrt(max(c[_MS_AVG], 0.0))),
            block_peak_dbfs=dbfs(c[_PEAK_BLOCK]),
            block_rms_dbfs=dbfs(math.sqrt(max(c[_MS_BLOCK], 0.0))),
            clip=bool(clip),
            clip_count=int(c[_CLIPS]),
            overflows=int(c[_OVERFLOWS]),
            frames=int(c[_FRAMES]),
            blocks=int(c[_BLOCKS]),
        )
