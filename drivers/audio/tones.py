"""Cue sounds: a short, distinct tone per studio event, generated or loaded from a file.

Events (the names the console and ``config.toml`` use):

- ``sms_approved``: a new SMS approved for the host: two rising notes, "ding-ding".
- ``call_ringing``: a call is ringing: a fast trill, like a telephone, twice.
- ``call_hold``: a caller has waited on hold too long: two falling low notes.

A cue is ``tone`` (generated here), a built-in sound shipped with the package
(``chime``, ``kerchunk``: small WAV files in ``drivers/audio/sounds/``), a path
to a WAV/FLAC/OGG file, or ``off``. Every sound is mono float32 at the playing
rate, scaled by the cue volume, with 5 ms fades so it never clicks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drivers.audio.backend import load_soundfile
from drivers.audio.errors import AudioError

__all__ = [
    "BUILTIN_SOUNDS",
    "EVENTS",
    "SOUNDS_DIR",
    "Tone",
    "generate",
    "load_file",
    "resolve_cue",
    "sine",
]

EVENTS = ("sms_approved", "call_ringing", "call_hold")
"""The studio events that have a cue sound."""

SOUNDS_DIR = Path(__file__).with_name("sounds")
BUILTIN_SOUNDS = ("chime", "kerchunk")
"""Sounds shipped as ``sounds/NAME.wav``."""

_FADE_S = 0.005


@dataclass(frozen=True)
class Tone:
    """A ready-to-play mono sound."""

    name: str
    samples: np.ndarray  # float32, 1-D
    samplerate: int

    @property
    def seconds(self) -> float:
        """Its length in seconds."""
        return len(self.samples) / self.samplerate


def sine(freq: float, seconds: float, samplerate: int, amplitude: float = 1.0) -> np.ndarray:
    """A plain sine wave (float32), the building block of the cue tones and of tests."""
    t = np.arange(round(seconds * samplerate), dtype=np.float64) / samplerate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _fade(x: np.ndarray, samplerate: int) -> np.ndarray:
    n = min(int(_FADE_S * samplerate), len(x) // 2)
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


def _note(freq: float, seconds: float, samplerate: int) -> np.ndarray:
    return _fade(sine(freq, seconds, samplerate), samplerate)


def _gap(seconds: float, samplerate: int) -> np.ndarray:
    return np.zeros(round(seconds * samplerate), dtype=np.float32)


def _pattern(event: str, sr: int) -> np.ndarray:
    if event == "sms_approved":  # ding-ding, rising a fifth
        parts = [_note(880, 0.09, sr), _gap(0.03, sr), _note(1320, 0.14, sr)]
    elif event == "call_ringing":  # 20 Hz trill of 1000/1250 Hz, two bursts
        burst = np.concatenate([sine(1000 if i % 2 == 0 else 1250, 0.025, sr) for i in range(12)])
        burst = _fade(burst, sr)
        parts = [burst, _gap(0.12, sr), burst.copy()]
    elif event == "call_hold":  # two falling low notes
        parts = [_note(660, 0.18, sr), _gap(0.05, sr), _note(440, 0.28, sr)]
    else:
        raise ValueError(f"unknown cue event {event!r}; use one of {', '.join(EVENTS)}")
    return np.concatenate(parts)


def generate(event: str, samplerate: int = 48000, volume: float = 0.5) -> Tone:
    """The generated tone for ``event`` at ``volume`` (0..1 of full scale).

    Raises:
        ValueError: an unknown event.
    """
    samples = _pattern(event, samplerate) * np.float32(_clamp(volume))
    return Tone(event, samples.astype(np.float32), samplerate)


def _clamp(volume: float) -> float:
    return min(max(float(volume), 0.0), 1.0)


def _resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Linear-interpolation resampling: good enough for a short cue sound."""
    if src == dst or len(x) == 0:
        return x
    n = round(len(x) * dst / src)
    pos = np.arange(n, dtype=np.float64) * (src / dst)
    return np.interp(pos, np.arange(len(x), dtype=np.float64), x).astype(np.float32)


def load_file(
    path: str | Path, samplerate: int = 48000, volume: float = 0.5, name: str | None = None
) -> Tone:
    """A sound file as a cue: mixed to mono, resampled, scaled, faded, at most 5 s.

    Raises:
        AudioError: the file is missing or not a sound file libsndfile reads.
        NoLibraryError: soundfile cannot be loaded.
    """
    sf = load_soundfile()
    p = Path(path)
    try:
        data, rate = sf.read(str(p), dtype="float32", always_2d=True, frames=-1)
    except (OSError, RuntimeError, sf.LibsndfileError) as exc:
        raise AudioError(
            f"The cue sound {str(p)!r} cannot be read ({exc}).",
            'Give the path of a WAV or FLAC file, or use "tone".',
        ) from None
    mono = data.mean(axis=1).astype(np.float32)[: int(rate * 5)]
    mono = _resample(mono, int(rate), samplerate)
    mono = _fade(mono.copy(), samplerate) * np.float32(_clamp(volume))
    return Tone(name or p.stem, mono.astype(np.float32), samplerate)


def resolve_cue(
    choice: str, event: str, samplerate: int = 48000, volume: float = 0.5, base: Path | None = None
) -> Tone | None:
    """The sound for one configured cue choice; None for ``off``.

    Args:
        choice: ``tone``, ``off``, a built-in name (:data:`BUILTIN_SOUNDS`) or a file path.
        event: the event, for ``tone``.
        base: folder that a relative path is taken from (the config file's).

    Raises:
        AudioError: the file cannot be read.
    """
    c = choice.strip()
    if c in ("", "off"):
        return None
    if c == "tone":
        return generate(event, samplerate, volume)
    if c in BUILTIN_SOUNDS:
        return load_file(SOUNDS_DIR / f"{c}.wav", samplerate, volume, name=c)
    p = Path(c).expanduser()
    if not p.is_absolute() and base is not None:
        p = base / p
    return load_file(p, samplerate, volume)
