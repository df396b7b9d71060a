"""Cue playback: non-blocking, on the cue device, with a quiet mode.

:meth:`CuePlayer.play` returns at once; a worker thread opens an output stream
on the cue device for each sound, plays it from a callback and closes it. The
device is looked up by its name (or index) each time, so a cue device that was
replugged and changed index is found again. While a sound plays, the next one
waits (at most ``max_pending`` wait; more are dropped: three ringing calls do not
need nine rings). In quiet mode (the microphone is open) nothing is played.
Errors never reach the caller: they are kept in :attr:`CuePlayer.last_error`
and passed to ``on_error``.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from drivers.audio.backend import load_sounddevice, stream_closed, stream_opened
from drivers.audio.devices import Device, find_device
from drivers.audio.errors import AudioError, DeviceBusyError
from drivers.audio.tones import Tone

__all__ = ["TAIL_SECONDS", "CuePlayer"]

TAIL_SECONDS = 0.15
"""Silence played after each sound so that its end is heard."""


class CuePlayer:
    """Plays cue sounds on one device without blocking.

    Args:
        device: the cue device's name or index ("" = the system default output).
        setting: the config key of ``device``, named in errors.
        channels: output channels (the mono cue goes to each).
        on_error: called from the worker thread with an :class:`AudioError`.
        on_played: called from the worker thread with each tone that finished.
        max_pending: sounds allowed to wait while one plays.
    """

    def __init__(
        self,
        device: str | int | None = "",
        *,
        setting: str = "audio.cue_device",
        channels: int = 2,
        on_error: Callable[[AudioError], None] | None = None,
        on_played: Callable[[Tone], None] | None = None,
        max_pending: int = 2,
    ) -> None:
        self.device = device
        self.setting = setting
        self.channels = channels
        self.on_error = on_error
        self.on_played = on_played
        self.quiet = False
        self.last_error: AudioError | None = None
        self.played = 0
        self.underflows = 0
        self._queue: queue.Queue[Tone | None] = queue.Queue(maxsize=max_pending)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()

    def play(self, tone: Tone | None) -> bool:
        """Queue ``tone``; returns False when it is not played (quiet, None, queue full)."""
        if tone is None or self.quiet or len(tone.samples) == 0:
            return False
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audio-cue", daemon=True)
                self._thread.start()
            try:
                self._queue.put_nowait(tone)
            except queue.Full:
                return False
            self._idle.clear()
        return True

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every queued sound has played (tests, the CLI); True when idle."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        """Stop the worker after the sounds already queued."""
        with self._lock:
            thread = self._thread
            self._thread = None
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(5.0)

    def resolve(self) -> Device:
        """The cue device as PortAudio lists it now."""
        return find_device(self.device, "output", setting=self.setting)

    def _run(self) -> None:
        while True:
            try:
                tone = self._queue.get(timeout=30.0)
            except queue.Empty:
                with self._lock:  # idle for a while: let the thread go
                    if self._queue.empty():
                        self._thread = None
                        self._idle.set()
                        return
                continue
            if tone is None:
                self._idle.set()
                return
            try:
                self._play_now(tone)
                self.last_error = None
                self.played += 1
                if self.on_played is not None:
                    self.on_played(tone)
            except AudioError as exc:
                self.last_error = exc
                if self.on_error is not None:
                    try:
                        self.on_error(exc)
                    except Exception:
                        pass
            except Exception as exc:  # never let the worker die silently
                self.last_error = AudioError(f"A cue sound failed ({exc}).", "")
            with self._lock:
                if self._queue.empty():
                    self._idle.set()

    def _play_now(self, tone: Tone) -> None:
        sd = load_sounddevice()
        device = self.resolve()
        channels = max(1, min(self.channels, device.max_output_channels))
        # Silence after the sound: the last buffers of a stream that stops are not always
        # played out (PipeWire drops ~35 ms), so the sound itself must end before them.
        samples = np.concatenate(
            [tone.samples, np.zeros(int(TAIL_SECONDS * tone.samplerate), dtype=np.float32)]
        )
        done = threading.Event()
        pos = [0]

        def callback(outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
            if status and status.output_underflow:
                self.underflows += 1
            start = pos[0]
            n = min(frames, len(samples) - start)
            if n > 0:
                outdata[:n] = samples[start : start + n, None]
            if n < frames:
                outdata[max(n, 0) :] = 0.0
                raise sd.CallbackStop
            pos[0] = start + n

        stream_opened()
        try:
            stream = sd.OutputStream(
                device=device.index,
                samplerate=tone.samplerate,
                channels=channels,
                dtype="float32",
                callback=callback,
                finished_callback=done.set,
            )
        except (sd.PortAudioError, ValueError) as exc:
            stream_closed()
            raise DeviceBusyError(device.name, str(exc)) from None
        try:
            with stream:
                if not done.wait(tone.seconds + TAIL_SECONDS + 2.0):
                    stream.abort()
        finally:
            stream_closed()
