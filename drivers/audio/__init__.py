"""Studio sound on PortAudio (``sounddevice``) and libsndfile (``soundfile``).

- :mod:`~drivers.audio.devices`: list devices, find one by name or index.
- :mod:`~drivers.audio.tones`: the cue sound of each event, generated or from a file.
- :mod:`~drivers.audio.player`: non-blocking cue playback with a quiet mode.
- :mod:`~drivers.audio.meter`: peak/RMS dBFS and clip from an audio callback.
- :mod:`~drivers.audio.recorder`: the line input stream; records it to FLAC/WAV.
- :mod:`~drivers.audio.errors`: one-sentence reasons with their fix.

PortAudio is loaded on first use (:mod:`~drivers.audio.backend`), so importing
this package works on a machine without it. This package knows nothing of the
studio (no ``studio_console`` import).
"""

from drivers.audio.devices import Device, find_device, list_devices, match_device
from drivers.audio.errors import (
    AudioError,
    DeviceBusyError,
    DeviceLostError,
    NoDeviceError,
    NoLibraryError,
)
from drivers.audio.meter import LevelMeter, MeterReading
from drivers.audio.player import CuePlayer
from drivers.audio.recorder import LineInput, Recording, RecordingResult, recording_name
from drivers.audio.tones import EVENTS, Tone, generate, resolve_cue

__all__ = [
    "EVENTS",
    "AudioError",
    "CuePlayer",
    "Device",
    "DeviceBusyError",
    "DeviceLostError",
    "LevelMeter",
    "LineInput",
    "MeterReading",
    "NoDeviceError",
    "NoLibraryError",
    "Recording",
    "RecordingResult",
    "Tone",
    "find_device",
    "generate",
    "list_devices",
    "match_device",
    "recording_name",
    "resolve_cue",
]
