"""The line input: one PortAudio input stream that feeds the level meter and the recorder.

One stream serves both because many sound cards refuse a second open of the
same capture device. The callback meters the block and, while a recording
runs, copies it into a preallocated ring buffer (no allocation, no I/O, no
lock). A writer thread drains the ring into the file every 50 ms through
``soundfile`` (FLAC or WAV) and syncs it every second.

A recording ends in one of three ways, always with the file closed and
readable and holding what was captured:

- ``stop``: :meth:`LineInput.stop_recording` (or :meth:`LineInput.close`);
- ``device_lost``: the stream ended by itself (PortAudio aborted it: device
  unplugged, sound server gone) or delivered nothing for ``stall_timeout``;
- ``error``: the file could not be written (disk full): what was written stays.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from drivers.audio.backend import load_sounddevice, load_soundfile, stream_closed, stream_opened
from drivers.audio.devices import Device
from drivers.audio.errors import AudioError, DeviceBusyError, DeviceLostError
from drivers.audio.meter import LevelMeter

__all__ = ["FORMATS", "LineInput", "Recording", "RecordingResult", "recording_name"]

FORMATS = {"flac": ("FLAC", "PCM_16"), "wav": ("WAV", "PCM_16")}
"""File format name -> (libsndfile format, subtype)."""


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:40]


def recording_name(
    started: datetime,
    *,
    call_id: int | None = None,
    show_id: int | None = None,
    label: str | None = None,
    fmt: str = "flac",
) -> str:
    """The file name of a recording: time first (so names sort by time), then show/call/label.

    ``20261127-131502_show3_call42.flac``, ``20261127-140000_show3_segment-opening.wav``.
    The time is the one given (the console passes studio local time).
    """
    parts = [started.strftime("%Y%m%d-%H%M%S")]
    if show_id is not None:
        parts.append(f"show{int(show_id)}")
    if call_id is not None:
        parts.append(f"call{int(call_id)}")
    if label:
        parts.append(_safe(label) or "segment")
    elif call_id is None:
        parts.append("segment")
    return "_".join(parts) + "." + fmt


@dataclass
class RecordingResult:
    """A finished recording."""

    path: Path
    started_at: datetime
    ended_at: datetime
    frames: int
    samplerate: int
    channels: int
    format: str
    bytes: int
    end_reason: str  # stop device_lost error
    error: str = ""
    dropped_frames: int = 0

    @property
    def seconds(self) -> float:
        """Length of what was captured."""
        return self.frames / self.samplerate if self.samplerate else 0.0


@dataclass
class Recording:
    """A recording in progress (read its counters from any thread)."""

    path: Path
    started_at: datetime
    samplerate: int
    channels: int
    format: str
    frames: int = 0
    dropped_frames: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    result: RecordingResult | None = None

    @property
    def seconds(self) -> float:
        """Seconds written so far."""
        return self.frames / self.samplerate


class LineInput:
    """The line-in stream: meter always, recorder on demand.

    Args:
        device: the resolved input device.
        samplerate: frames per second.
        channels: channels to capture (1 for a telephone hybrid).
        meter: the meter to feed (a new one when None).
        blocksize: frames per callback (1024 = 21 ms at 48 kHz: smooth for a 20 Hz meter,
            a third of the CPU of PortAudio's own choice; 0 = PortAudio's choice).
        ring_seconds: capacity of the buffer between the callback and the file.
        stall_timeout: seconds without any audio before the device counts as lost.
        on_lost: called (from the writer thread) with the error when the device is lost.
        on_finished: called (from the writer thread) with each finished recording.
    """

    def __init__(
        self,
        device: Device,
        samplerate: int = 48000,
        channels: int = 1,
        *,
        meter: LevelMeter | None = None,
        blocksize: int = 1024,
        ring_seconds: float = 10.0,
        stall_timeout: float = 2.0,
        on_lost: Callable[[DeviceLostError], None] | None = None,
        on_finished: Callable[[RecordingResult], None] | None = None,
    ) -> None:
        self.device = device
        self.samplerate = int(samplerate)
        self.channels = int(channels)
        self.meter = meter or LevelMeter(self.samplerate)
        self.blocksize = int(blocksize)
        self.stall_timeout = float(stall_timeout)
        self.on_lost = on_lost
        self.on_finished = on_finished
        self._ring = np.zeros(
            (max(int(ring_seconds * self.samplerate), 4096), self.channels), dtype=np.float32
        )
        # Callback-written counters (single writer): total frames into the ring, dropped frames.
        self._written = 0
        self._dropped = 0
        self._recording_on = False  # read by the callback
        self._read = 0  # writer-thread side
        self._stream: Any = None
        self._stopping = False
        self._lost: DeviceLostError | None = None
        self._lock = threading.Lock()  # never taken by the callback
        self._recording: Recording | None = None
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self.callbacks = 0
        self.overflows = 0

    # --- the audio callback ------------------------------------------------------------
    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        overflow = bool(status.input_overflow) if status else False
        if overflow:
            self.overflows += 1
        self.meter.process(indata, overflow)
        self.callbacks += 1
        if not self._recording_on:
            return
        ring = self._ring
        size = ring.shape[0]
        w = self._written
        if w + frames - self._read > size:
            self._dropped += frames  # the writer fell behind: count, never block
            return
        start = w % size
        first = min(frames, size - start)
        ring[start : start + first] = indata[:first]
        if first < frames:
            ring[: frames - first] = indata[first:]
        self._written = w + frames

    def _finished(self) -> None:
        if not self._stopping and self._lost is None:
            self._lost = DeviceLostError(self.device.name, "the stream ended by itself")
            self._wake.set()

    # --- stream ------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """True while the stream runs and the device has not been lost."""
        return self._stream is not None and self._lost is None

    @property
    def lost(self) -> DeviceLostError | None:
        """Why the device was lost, or None."""
        return self._lost

    def start(self) -> None:
        """Open and start the stream (the meter starts reading).

        Raises:
            DeviceBusyError: the device cannot be opened with these settings.
            NoLibraryError: PortAudio cannot be loaded.
        """
        sd = load_sounddevice()
        with self._lock:
            if self._stream is not None:
                return
            self.meter.reset()
            self._lost = None
            self._stopping = False
            stream_opened()
            try:
                stream = sd.InputStream(
                    device=self.device.index,
                    samplerate=self.samplerate,
                    channels=self.channels,
                    dtype="float32",
                    blocksize=self.blocksize,
                    callback=self._callback,
                    finished_callback=self._finished,
                )
                stream.start()
            except (sd.PortAudioError, ValueError) as exc:
                stream_closed()
                raise DeviceBusyError(self.device.name, str(exc)) from None
            self._stream = stream
            self._thread = threading.Thread(target=self._writer, name="audio-line-writer", daemon=True)
            self._thread.start()

    def close(self) -> RecordingResult | None:
        """Stop the stream; a recording in progress is finished first. Idempotent."""
        result = self.stop_recording()
        with self._lock:
            stream, self._stream = self._stream, None
            thread, self._thread = self._thread, None
            self._stopping = True
        self._wake.set()
        if thread is not None:
            thread.join(5.0)
        if stream is not None:
            try:
                stream.abort() if self._lost else stream.stop()
            except Exception:
                pass
            try:
                stream.close()
            except Exception:
                pass
            stream_closed()
        return result

    # --- recording ---------------------------------------------------------------------
    @property
    def recording(self) -> Recording | None:
        """The recording in progress, or None."""
        rec = self._recording
        return rec if rec is not None and rec.result is None else None

    def start_recording(
        self, path: str | Path, fmt: str = "flac", started_at: datetime | None = None
    ) -> Recording:
        """Start writing the line input to ``path`` (its folder is created).

        Raises:
            AudioError: a recording already runs, the stream is not running, or the
                file cannot be created.
            ValueError: an unknown format.
        """
        if fmt not in FORMATS:
            raise ValueError(f"unknown recording format {fmt!r}; use flac or wav")
        sf = load_soundfile()
        with self._lock:
            if self._stream is None or self._lost is not None:
                raise self._lost or AudioError(
                    "The line input is not running.", "Start the sound service first."
                )
            if self.recording is not None:
                raise AudioError("A recording is already running.", "Stop it first.")
            p = Path(path)
            fmt_name, subtype = FORMATS[fmt]
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
                handle = sf.SoundFile(
                    str(p),
                    mode="x",
                    samplerate=self.samplerate,
                    channels=self.channels,
                    format=fmt_name,
                    subtype=subtype,
                )
            except (OSError, RuntimeError, sf.LibsndfileError) as exc:
                raise AudioError(
                    f"The recording file {str(p)!r} cannot be created ({exc}).",
                    "Check audio.recordings_folder: it must be writable.",
                ) from None
            rec = Recording(
                path=p,
                started_at=started_at or datetime.now(UTC),
                samplerate=self.samplerate,
                channels=self.channels,
                format=fmt,
            )
            self._file = handle
            self._read = self._written  # start from now
            self._dropped = 0
            self._recording = rec
            self._stop_requested = False
            self._recording_on = True
        self._wake.set()
        return rec

    def stop_recording(self, timeout: float = 5.0) -> RecordingResult | None:
        """Finish the recording (everything captured so far is written); None if none ran."""
        rec = self._recording
        if rec is None:
            return None
        self._stop_requested = True
        self._wake.set()
        if not rec.done.wait(timeout) and self._thread is None:
            self._finish_recording("stop")
        return rec.result

    # --- the writer thread -------------------------------------------------------------
    def _drain(self) -> int:
        """Write what the callback put in the ring; returns frames written."""
        w = self._written
        n = w - self._read
        if n <= 0:
            return 0
        size = self._ring.shape[0]
        start = self._read % size
        first = min(n, size - start)
        self._file.write(self._ring[start : start + first])
        if first < n:
            self._file.write(self._ring[: n - first])
        self._read = w
        rec = self._recording
        if rec is not None:
            rec.frames += n
        return n

    def _finish_recording(self, reason: str, error: str = "") -> None:
        with self._lock:
            rec = self._recording
            if rec is None or rec.done.is_set() or rec.result is not None:
                return
            self._recording_on = False
            try:
                if reason != "error":
                    self._drain()
            except Exception as exc:
                reason, error = "error", str(exc)
            try:
                self._file.close()
            except Exception as exc:
                reason, error = "error", error or str(exc)
            rec.dropped_frames = self._dropped
            size = rec.path.stat().st_size if rec.path.exists() else 0
            rec.result = RecordingResult(
                path=rec.path,
                started_at=rec.started_at,
                ended_at=datetime.now(UTC),
                frames=rec.frames,
                samplerate=rec.samplerate,
                channels=rec.channels,
                format=rec.format,
                bytes=size,
                end_reason=reason,
                error=error,
                dropped_frames=rec.dropped_frames,
            )
        if self.on_finished is not None:  # before done: a waiting stop sees its effects
            try:
                self.on_finished(rec.result)
            except Exception:
                pass
        rec.done.set()

    def _writer(self) -> None:
        last_sync = time.monotonic()
        last_count = -1
        last_change = time.monotonic()
        reported = False
        while True:
            self._wake.wait(0.05)
            self._wake.clear()
            now = time.monotonic()
            # Stall watchdog: a running stream that delivers nothing is a lost device.
            if self.callbacks != last_count:
                last_count, last_change = self.callbacks, now
            elif self._lost is None and not self._stopping and now - last_change > self.stall_timeout:
                self._lost = DeviceLostError(self.device.name, f"no sound for {self.stall_timeout:g} s")
            rec = self._recording
            if rec is not None and rec.result is None:
                if self._lost is not None:
                    self._finish_recording("device_lost", str(self._lost))
                elif self._stop_requested or self._stopping:
                    self._finish_recording("stop")
                else:
                    try:
                        self._drain()
                        if now - last_sync >= 1.0:
                            self._file.flush()
                            last_sync = now
                    except Exception as exc:
                        self._finish_recording("error", str(exc))
            if self._lost is not None and not reported:
                reported = True
                if self.on_lost is not None:
                    try:
                        self.on_lost(self._lost)
                    except Exception:
                        pass
            if self._stopping or (self._lost is not None and self.recording is None):
                return
