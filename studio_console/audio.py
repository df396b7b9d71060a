"""Studio sound for the console: cue tones, the line meter, call recording, retention.

One :class:`AudioService` per console process, built from ``[audio]`` in
config.toml. The screens use five things (docs/audio.md):

- :meth:`AudioService.cue` ``(event)``: play the cue of ``sms_approved``,
  ``call_ringing`` or ``call_hold``; honours the per-event choice and quiet mode;
  returns at once.
- :meth:`AudioService.meter`: the line level (peak/RMS dBFS, clip) to draw at ~20 Hz.
- :meth:`AudioService.start_recording` / :meth:`AudioService.stop_recording` (and
  :meth:`AudioService.on_call_state` for automatic recording while a call is on air).
- :meth:`AudioService.status`: one state and one translated sentence for the status bar.
- :meth:`AudioService.poll`: call about once a second from the UI's timer: it
  completes what finished in the background, warns about callers held too long
  (through :meth:`AudioService.hold_check`), and reopens a device that came back.

Nothing here raises into the UI: a missing library, a missing device or a device
unplugged mid-recording becomes a status with a one-sentence reason and fix.
Database writes open their own short-lived connection (they may happen on the
audio writer thread when a device is lost).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from drivers.audio import tones as tone_lib
from drivers.audio.backend import load_sounddevice, load_soundfile, portaudio_version
from drivers.audio.devices import Device, list_devices, match_device
from drivers.audio.errors import AudioError, NoDeviceError
from drivers.audio.meter import MeterReading
from drivers.audio.player import CuePlayer
from drivers.audio.recorder import LineInput, RecordingResult, recording_name
from studio_console.config import Settings
from studio_console.i18n import Translator
from studio_console.store import Store
from studio_console.store import recordings as rec_store

__all__ = [
    "EVENTS",
    "AudioService",
    "AudioStatus",
    "RecordingInfo",
    "Retention",
    "check_audio",
    "describe_error",
]

log = logging.getLogger(__name__)

EVENTS = tone_lib.EVENTS
"""Cue events: ``sms_approved``, ``call_ringing``, ``call_hold``."""

REOPEN_INTERVAL = 5.0
"""Seconds between tries to reopen a line device that is missing or was lost."""


def describe_error(error: AudioError, t: Translator) -> str:
    """The translated one-sentence reason and fix of a driver error."""
    d = error.details
    if error.code == "no_library":
        return t("audio.err.no_library", detail=d.get("detail") or "-")
    if error.code == "no_device":
        names = ", ".join(d.get("available") or []) or t("audio.none")
        setting = d.get("setting") or "audio"
        if d.get("spec"):
            return t("audio.err.no_device", spec=d["spec"], names=names, setting=setting)
        return t("audio.err.no_default", names=names, setting=setting)
    if error.code == "busy":
        return t("audio.err.busy", device=d.get("device", "?"), detail=d.get("detail") or "-")
    if error.code == "lost":
        return t("audio.err.lost", device=d.get("device", "?"))
    return t("audio.err.other", detail=str(error))


@dataclass(frozen=True)
class RecordingInfo:
    """A recording, as the screens show it."""

    id: int | None
    path: Path
    call_id: int | None
    show_id: int | None
    label: str | None
    started_at: datetime
    seconds: float
    end_reason: str | None = None
    """None while it runs; ``stop``, ``device_lost`` or ``error`` after."""


@dataclass(frozen=True)
class AudioStatus:
    """What the status bar says about sound."""

    state: str
    """``off``, ``ok``, ``no_library``, ``no_device``, ``busy``, ``lost`` or ``error``."""
    message: str
    """One translated sentence: what is missing and how to fix it ("" when ok)."""
    quiet: bool = False
    cue_device: str | None = None
    line_device: str | None = None
    recording: RecordingInfo | None = None
    problems: tuple[str, ...] = ()
    """Every problem sentence (``message`` is the first)."""

    @property
    def ok(self) -> bool:
        """True when cues, meter and recording all work."""
        return self.state == "ok"


@dataclass(frozen=True)
class Retention:
    """The recordings kept on disk against the limit."""

    count: int
    bytes: int
    limit_bytes: int
    """0 = no limit."""
    attached_count: int
    attached_bytes: int
    oldest_started_at: str | None
    removed_total: int
    """Recordings whose files were removed (ever)."""

    @property
    def over_limit(self) -> bool:
        """True when even after removals the kept files exceed the limit (attached ones)."""
        return bool(self.limit_bytes) and self.bytes > self.limit_bytes


@dataclass
class _Problems:
    line: str = ""
    cue: str = ""
    state: str = "ok"
    extra: list[str] = field(default_factory=list)


class AudioService:
    """The console's sound: see the module docstring.

    Args:
        settings: the studio's settings (``[audio]``, ``[studio]`` for language and time zone).
        db_path: the database for the recordings table; None = recordings are not recorded
            in a database (the CLI's test).
        language: screen language (default ``studio.language``).
        clock: wall clock, timezone-aware (tests).
        stall_timeout: seconds of silence from the driver before the line counts as lost.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        db_path: str | Path | None = None,
        language: str | None = None,
        clock: Callable[[], datetime] | None = None,
        stall_timeout: float = 2.0,
    ) -> None:
        self.settings = settings
        self.audio = settings.audio
        self.db_path = Path(db_path) if db_path is not None else None
        self.t = Translator(language or settings.studio.language)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.stall_timeout = stall_timeout
        self.folder = settings.resolve(self.audio.recordings_folder)
        self._tz = ZoneInfo(settings.studio.timezone)
        self._quiet = self.audio.quiet
        self._lock = threading.RLock()  # the UI side: start/stop, devices
        self._done_lock = threading.Lock()  # what the writer thread hands over
        self._line: LineInput | None = None
        self._player: CuePlayer | None = None
        self._tones: dict[str, tone_lib.Tone | None] = {}
        self._problems = _Problems(state="off" if not self.audio.enabled else "ok")
        self._cue_device: Device | None = None
        self._line_device: Device | None = None
        self._current: RecordingInfo | None = None
        self._current_id: int | None = None
        self._finished: list[RecordingInfo] = []
        self._last_try = -1e9
        self._started = False
        self._hold_warned: set[tuple[int, str]] = set()
        self.cued: deque[str] = deque(maxlen=100)
        """The events whose cue was queued to play, oldest first (the last 100; tests, UI)."""

    @classmethod
    def from_settings(
        cls, settings: Settings, db_path: str | Path | None = None, **kwargs: object
    ) -> AudioService:
        """The service for ``settings`` (not started)."""
        return cls(settings, db_path=db_path, **kwargs)  # type: ignore[arg-type]

    # --- life cycle ---------------------------------------------------------------------
    def start(self) -> AudioStatus:
        """Find the devices, prepare the cue sounds and open the line meter. Never raises."""
        with self._lock:
            self._started = True
            self._last_try = time.monotonic()
            if not self.audio.enabled:
                self._problems = _Problems(state="off")
                return self.status()
            problems = _Problems()
            try:
                load_sounddevice()
                load_soundfile()
                devices = list_devices()
            except AudioError as exc:
                problems.state = exc.code
                problems.line = describe_error(exc, self.t)
                self._problems = problems
                return self.status()
            self._prepare_cues(devices, problems)
            self._open_line(devices, problems)
            self._problems = problems
        self.enforce_disk_limit()
        return self.status()

    def _prepare_cues(self, devices: list[Device], problems: _Problems) -> None:
        a = self.audio
        try:
            self._cue_device = match_device(devices, a.cue_device, "output", setting="audio.cue_device")
        except NoDeviceError as exc:
            self._cue_device = None
            problems.cue = describe_error(exc, self.t)
            problems.state = "no_device"
        base = self.settings.source.parent if self.settings.source else None
        self._tones = {}
        for event in EVENTS:
            choice = getattr(a.cues, event)
            try:
                self._tones[event] = tone_lib.resolve_cue(choice, event, a.samplerate, a.cue_volume, base)
            except AudioError as exc:  # an unreadable file: the generated tone instead
                problems.extra.append(self.t("audio.err.cue_file", event=event, detail=exc.reason))
                self._tones[event] = tone_lib.generate(event, a.samplerate, a.cue_volume)
        if self._player is None:
            self._player = CuePlayer(a.cue_device, setting="audio.cue_device", on_error=self._cue_failed)
        self._player.quiet = self._quiet

    def _open_line(self, devices: list[Device], problems: _Problems) -> None:
        a = self.audio
        try:
            device = match_device(devices, a.line_device, "input", setting="audio.line_device")
            line = LineInput(
                device,
                a.samplerate,
                a.line_channels,
                stall_timeout=self.stall_timeout,
                on_finished=self._recording_finished,
            )
            line.start()
        except AudioError as exc:
            self._line = None
            problems.line = describe_error(exc, self.t)
            problems.state = exc.code
            return
        self._line_device = device
        self._line = line

    def close(self) -> None:
        """Finish a recording, close the streams (the console is quitting)."""
        with self._lock:
            line, self._line = self._line, None
            player, self._player = self._player, None
        if line is not None:
            line.close()
        if player is not None:
            player.close()
        self._collect_finished()

    def __enter__(self) -> AudioService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- status -------------------------------------------------------------------------
    @property
    def quiet(self) -> bool:
        """Quiet mode: no cue sounds (the microphone is open)."""
        return self._quiet

    def set_quiet(self, quiet: bool) -> bool:
        """Turn quiet mode on or off; returns the new state."""
        self._quiet = bool(quiet)
        if self._player is not None:
            self._player.quiet = self._quiet
        return self._quiet

    def toggle_quiet(self) -> bool:
        """Flip quiet mode; returns the new state."""
        return self.set_quiet(not self._quiet)

    def status(self) -> AudioStatus:
        """The state for the status bar (cheap; call it as often as you draw)."""
        p = self._problems
        state = p.state
        line = self._line
        sentences = [s for s in (p.line, p.cue, *p.extra) if s]
        if line is not None and line.lost is not None:
            state = "lost"
            sentences.insert(0, describe_error(line.lost, self.t))
        if state == "off":
            sentences = [self.t("audio.status.off")]
        elif state == "ok" and sentences:
            state = "error"
        return AudioStatus(
            state=state,
            message=sentences[0] if sentences else "",
            quiet=self._quiet,
            cue_device=self._cue_device.name if self._cue_device else None,
            line_device=self._line_device.name if (self._line_device and line) else None,
            recording=self.recording,
            problems=tuple(sentences),
        )

    def poll(self) -> AudioStatus:
        """Housekeeping from the UI timer (~1 s): completed recordings, reopen, status."""
        self._collect_finished()
        line = self._line
        needs_reopen = self.audio.enabled and self._started and (line is None or line.lost is not None)
        if needs_reopen and time.monotonic() - self._last_try >= REOPEN_INTERVAL:
            if line is not None:
                line.close()
                self._line = None
            self.start()
        return self.status()

    # --- cues ---------------------------------------------------------------------------
    def cue(self, event: str) -> bool:
        """Play the cue of ``event``; returns True when a sound was queued. Never blocks or raises.

        Nothing plays in quiet mode, for an event set to "off", or without a cue device.
        """
        if event not in EVENTS:
            log.warning("unknown cue event %r", event)
            return False
        player = self._player
        if player is None or self._quiet or self._cue_device is None:
            return False
        queued = player.play(self._tones.get(event))
        if queued:
            self.cued.append(event)
        return queued

    def hold_check(self, call_id: int, hold_since: datetime, now: datetime | None = None) -> bool:
        """Play ``call_hold`` once when a call has been on hold ``hold_warning_seconds``.

        Call it for every call on hold (the calls panel's refresh); a new hold period
        (another ``hold_since``) warns again. Returns True when it warned now.
        """
        now = now or self.clock()
        key = (int(call_id), hold_since.isoformat())
        if key in self._hold_warned:
            return False
        if (now - hold_since).total_seconds() < self.audio.hold_warning_seconds:
            return False
        self._hold_warned.add(key)
        self.cue("call_hold")
        return True

    def _cue_failed(self, error: AudioError) -> None:
        self._problems.cue = describe_error(error, self.t)

    # --- meter --------------------------------------------------------------------------
    def meter(self) -> MeterReading | None:
        """The line level now, or None when there is no line input."""
        line = self._line
        if line is None or line.lost is not None:
            return None
        return line.meter.read()

    # --- recording ----------------------------------------------------------------------
    @property
    def recording(self) -> RecordingInfo | None:
        """The recording in progress (with its length so far), or None."""
        cur = self._current
        line = self._line
        if cur is None or line is None or line.recording is None:
            return None
        return RecordingInfo(
            cur.id, cur.path, cur.call_id, cur.show_id, cur.label, cur.started_at, line.recording.seconds
        )

    def start_recording(
        self, call_id: int | None = None, show_id: int | None = None, label: str | None = None
    ) -> RecordingInfo | None:
        """Record the line input now, for a call or as a segment; None when it cannot.

        A recording already running is finished first. The reason of a failure is
        in :meth:`status`.
        """
        if self.recording is not None:
            self.stop_recording()
        with self._lock:
            line = self._line
            if line is None or line.lost is not None:
                return None
            now = self.clock()
            name = recording_name(
                now.astimezone(self._tz), call_id=call_id, show_id=show_id, label=label, fmt=self.audio.format
            )
            path = (self.folder / name).resolve()
            try:
                line.start_recording(path, self.audio.format, started_at=now)
            except AudioError as exc:
                self._problems.extra = [describe_error(exc, self.t)]
                return None
            self._problems.extra = []
            rid = None
            if self.db_path is not None:
                try:
                    with Store(self.db_path) as store:
                        rid = rec_store.add(
                            store,
                            str(path),
                            started_at=now.astimezone(UTC).isoformat(),
                            samplerate=line.samplerate,
                            channels=line.channels,
                            fmt=self.audio.format,
                            call_id=call_id,
                            show_id=show_id,
                            label=label,
                        )
                except Exception as exc:  # the file is recorded anyway
                    log.warning("recording %s not stored in the database: %s", path, exc)
            self._current_id = rid
            self._current = RecordingInfo(rid, path, call_id, show_id, label, now, 0.0)
            return self._current

    def stop_recording(self) -> RecordingInfo | None:
        """Finish the recording in progress; returns it as stored, or None."""
        line = self._line
        cur = self._current
        if line is None or cur is None:
            return None
        line.stop_recording()  # the writer thread hands the result to _recording_finished
        return self._collect_finished(cur.path)

    def on_call_state(self, call_id: int, state: str, show_id: int | None = None) -> None:
        """Automatic recording (``audio.record_calls``): start when a call goes on air,
        stop when it leaves the air. Call it on every call state change."""
        if not self.audio.record_calls:
            return
        cur = self.recording
        if state == "on_air":
            if cur is None or cur.call_id != call_id:
                self.start_recording(call_id=call_id, show_id=show_id)
        elif cur is not None and cur.call_id == call_id:
            self.stop_recording()

    def _recording_finished(self, result: RecordingResult) -> None:
        """From the writer thread: complete the row, note the end (device lost, error)."""
        cur = self._current
        rid = self._current_id if cur is not None and cur.path == result.path else None
        if rid is not None and self.db_path is not None:
            try:
                with Store(self.db_path) as store:
                    rec_store.finish(
                        store,
                        rid,
                        ended_at=result.ended_at.isoformat(),
                        seconds=result.seconds,
                        size=result.bytes,
                        end_reason=result.end_reason,
                    )
            except Exception as exc:
                log.warning("recording %s not completed in the database: %s", result.path, exc)
        info = RecordingInfo(
            rid,
            result.path,
            cur.call_id if cur else None,
            cur.show_id if cur else None,
            cur.label if cur else None,
            result.started_at,
            result.seconds,
            result.end_reason,
        )
        with self._done_lock:
            self._finished.append(info)
            if cur is not None and cur.path == result.path:
                self._current = None
                self._current_id = None

    def _collect_finished(self, path: Path | None = None) -> RecordingInfo | None:
        with self._done_lock:
            done, self._finished = self._finished, []
        if done:
            self.enforce_disk_limit()
        for info in done:
            if info.end_reason == "error":
                self._problems.extra = [self.t("audio.err.write", path=str(info.path))]
        return next((i for i in done if i.path == path), None) if path is not None else None

    def recordings_for_call(self, call_id: int) -> list[rec_store.RecordingRow]:
        """The kept recordings of a call (the complaint's lampiran candidates)."""
        if self.db_path is None:
            return []
        with Store(self.db_path) as store:
            return rec_store.for_call(store, call_id)

    # --- disk limit ---------------------------------------------------------------------
    def enforce_disk_limit(self) -> list[int]:
        """Remove the oldest recordings not attached to a complaint until under the limit.

        Returns the ids removed. Attached recordings and the one in progress are kept.
        """
        limit = self.audio.max_disk_mb * 1_000_000
        if not limit or self.db_path is None:
            return []
        removed = []
        try:
            with Store(self.db_path, clock=self.clock) as store:
                for row in rec_store.removal_candidates(store, limit):
                    try:
                        Path(row.path).unlink(missing_ok=True)
                    except OSError as exc:
                        log.warning("cannot remove recording %s: %s", row.path, exc)
                        continue
                    rec_store.mark_deleted(store, row.id)
                    removed.append(row.id)
        except Exception as exc:
            log.warning("disk limit not enforced: %s", exc)
        return removed

    def retention(self) -> Retention | None:
        """What the recordings take on disk against ``audio.max_disk_mb``; None without a database."""
        if self.db_path is None:
            return None
        with Store(self.db_path) as store:
            u = rec_store.usage(store)
        return Retention(
            count=u.count,
            bytes=u.bytes,
            limit_bytes=self.audio.max_disk_mb * 1_000_000,
            attached_count=u.attached_count,
            attached_bytes=u.attached_bytes,
            oldest_started_at=u.oldest_started_at,
            removed_total=u.deleted_count,
        )


def check_audio(settings: Settings, t: Translator) -> list[tuple[bool, str]]:
    """The doctor's sound findings: ``(ok, sentence)``; nothing is opened or played."""
    a = settings.audio
    if not a.enabled:
        return [(True, t("audio.status.off"))]
    out: list[tuple[bool, str]] = []
    try:
        load_sounddevice()
        out.append((True, t("audio.doctor.portaudio", version=portaudio_version())))
    except AudioError as exc:
        return [(False, describe_error(exc, t))]
    try:
        sf = load_soundfile()
        out.append((True, t("audio.doctor.soundfile", version=sf.__libsndfile_version__)))
    except AudioError as exc:
        out.append((False, describe_error(exc, t)))
    try:
        devices = list_devices()
    except AudioError as exc:
        return [*out, (False, describe_error(exc, t))]
    if not devices:
        out.append((False, t("audio.doctor.no_devices")))
        return out
    for spec, kind, key in (
        (a.cue_device, "output", "audio.cue_device"),
        (a.line_device, "input", "audio.line_device"),
    ):
        try:
            d = match_device(devices, spec, kind, setting=key)  # type: ignore[arg-type]
            out.append((True, t(f"audio.doctor.{kind}", name=d.name, index=d.index)))
        except AudioError as exc:
            out.append((False, describe_error(exc, t)))
    folder = settings.resolve(a.recordings_folder)
    probe = folder if folder.exists() else folder.parent
    import os

    if probe.exists() and os.access(probe, os.W_OK):
        out.append((True, t("audio.doctor.folder", folder=str(folder))))
    else:
        out.append((False, t("audio.doctor.folder_bad", folder=str(folder))))
    return out
