"""Sound devices: what PortAudio sees, and finding the configured one robustly.

A device is configured by name or by index. Indexes change when a USB sound
card is replugged or another one appears, so a name is the durable choice:
:func:`match_device` finds it again whatever its new index is. ALSA names carry
the card number (``USB Audio CODEC: - (hw:2,0)``), which also changes after a
replug; the match ignores that ``(hw:N,M)`` part when the full name is not found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from drivers.audio.backend import load_sounddevice, refresh_devices
from drivers.audio.errors import AudioError, NoDeviceError

__all__ = ["Device", "Kind", "find_device", "list_devices", "match_device", "normalise_name"]

Kind = Literal["input", "output"]

_HW_SUFFIX = re.compile(r"\s*\((?:hw|plughw):\d+,\d+\)\s*$")


@dataclass(frozen=True)
class Device:
    """One PortAudio device as listed at one moment."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    default_input: bool = False
    default_output: bool = False

    def has(self, kind: Kind) -> bool:
        """True when the device can record (``input``) or play (``output``)."""
        return (self.max_input_channels if kind == "input" else self.max_output_channels) > 0

    def describe(self) -> str:
        """One line for lists: index, name, channels, rate, defaults."""
        marks = "".join(m for m, on in ((" <in", self.default_input), (" >out", self.default_output)) if on)
        return (
            f"{self.index:>3}  {self.name}  [{self.hostapi}] in {self.max_input_channels}, "
            f"out {self.max_output_channels}, {self.default_samplerate:g} Hz{marks}"
        )


def normalise_name(name: str) -> str:
    """A device name without case, surrounding blanks and the ALSA ``(hw:N,M)`` suffix."""
    return _HW_SUFFIX.sub("", name).strip().casefold()


def _from_sounddevice(
    entries: Iterable[dict[str, Any]], hostapis: Sequence[dict[str, Any]], default: Sequence[int]
) -> list[Device]:
    out = []
    for info in entries:
        index = int(info["index"])
        api = hostapis[info["hostapi"]]["name"] if info["hostapi"] < len(hostapis) else "?"
        out.append(
            Device(
                index=index,
                name=str(info["name"]),
                hostapi=str(api),
                max_input_channels=int(info["max_input_channels"]),
                max_output_channels=int(info["max_output_channels"]),
                default_samplerate=float(info["default_samplerate"]),
                default_input=index == default[0],
                default_output=index == default[1],
            )
        )
    return out


def list_devices() -> list[Device]:
    """Every device PortAudio sees now (PortAudio is asked afresh, so replugs show).

    Raises:
        NoLibraryError: PortAudio cannot be loaded.
        AudioError: PortAudio failed to list its devices.
    """
    sd = load_sounddevice()
    try:
        refresh_devices(sd)
        entries = sd.query_devices()
        hostapis = sd.query_hostapis()
        default = _default_indexes(sd)
    except sd.PortAudioError as exc:
        raise AudioError(
            f"PortAudio cannot list the sound devices ({exc}).",
            "Check that the sound server is running (see `studio-console doctor`).",
        ) from None
    return _from_sounddevice(entries, hostapis, default)


def _default_indexes(sd: Any) -> tuple[int, int]:
    """PortAudio's default input and output device indexes (-1 = none)."""
    try:
        lib = sd._lib
        return int(lib.Pa_GetDefaultInputDevice()), int(lib.Pa_GetDefaultOutputDevice())
    except Exception:
        return -1, -1


def match_device(
    devices: Sequence[Device], spec: str | int | None, kind: Kind, *, setting: str = ""
) -> Device:
    """The device that ``spec`` names, for recording (``input``) or playing (``output``).

    Args:
        devices: what :func:`list_devices` returned.
        spec: an index (int or digits), a name, or empty/None for the system default.
            A name matches exactly (ignoring case), then without the ALSA ``(hw:N,M)``
            suffix, then as a unique part of one device's name.
        kind: ``input`` or ``output``; devices without such channels never match.
        setting: the config key, named in the error.

    Raises:
        NoDeviceError: nothing (or more than one device, for a part of a name) matches.
    """
    usable = [d for d in devices if d.has(kind)]
    names = [d.name for d in usable]
    text = "" if spec is None else str(spec).strip()
    if not text:
        chosen = [d for d in usable if (d.default_input if kind == "input" else d.default_output)]
        if chosen:
            return chosen[0]
        for fallback in ("default", "pipewire", "pulse"):
            chosen = [d for d in usable if d.name == fallback]
            if chosen:
                return chosen[0]
        raise NoDeviceError("", kind, names, setting)
    if text.isdigit():
        for d in usable:
            if d.index == int(text):
                return d
        raise NoDeviceError(text, kind, names, setting)
    folded = text.casefold()
    for test in (
        lambda d: d.name.casefold() == folded,
        lambda d: normalise_name(d.name) == normalise_name(text),
    ):
        found = [d for d in usable if test(d)]
        if found:
            return found[0]
    part = [d for d in usable if folded in d.name.casefold()]
    if len(part) == 1:
        return part[0]
    raise NoDeviceError(text, kind, names, setting)


def find_device(spec: str | int | None, kind: Kind, *, setting: str = "") -> Device:
    """:func:`match_device` against the devices PortAudio sees now."""
    return match_device(list_devices(), spec, kind, setting=setting)
