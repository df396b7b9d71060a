"""Why sound does not work, in one sentence each, with the fix.

Every error the audio driver raises is an :class:`AudioError` with a stable
``code`` (for a translated message in the console), a ``reason`` and a
``fix``; ``str(error)`` is the two sentences together.
"""

from __future__ import annotations

__all__ = [
    "AudioError",
    "DeviceBusyError",
    "DeviceLostError",
    "NoDeviceError",
    "NoLibraryError",
]


class AudioError(Exception):
    """A sound problem: what is wrong (``reason``) and what to do (``fix``)."""

    code = "error"

    def __init__(self, reason: str, fix: str = "", **details: object) -> None:
        super().__init__(f"{reason} {fix}".strip())
        self.reason = reason
        self.fix = fix
        self.details = details


class NoLibraryError(AudioError):
    """The PortAudio library (or sounddevice/soundfile) cannot be loaded."""

    code = "no_library"

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "The PortAudio sound library cannot be loaded" + (f" ({detail})." if detail else "."),
            "Install it with `sudo apt-get install libportaudio2`.",
            detail=detail,
        )


class NoDeviceError(AudioError):
    """No device matches the configured name or index."""

    code = "no_device"

    def __init__(self, spec: str, kind: str, available: list[str] | None = None, setting: str = "") -> None:
        names = ", ".join(available or []) or "none"
        what = f"{kind} device matching {spec!r}" if spec else f"default {kind} device"
        where = setting or "the device setting"
        super().__init__(
            f"There is no {what} (PortAudio sees: {names}).",
            f"Plug it in, or set {where} to a name from `studio-console audio devices`.",
            spec=spec,
            kind=kind,
            available=available or [],
            setting=setting,
        )


class DeviceBusyError(AudioError):
    """The device exists but cannot be opened: in use, unplugged or refused the settings."""

    code = "busy"

    def __init__(self, device: str, detail: str = "") -> None:
        super().__init__(
            f"The sound device {device!r} cannot be opened" + (f" ({detail})." if detail else "."),
            "Close the program that uses it, check that it is plugged in, "
            "or choose another device or sample rate.",
            device=device,
            detail=detail,
        )


class DeviceLostError(AudioError):
    """A device stopped delivering sound while in use (unplugged, sound server gone)."""

    code = "lost"

    def __init__(self, device: str, detail: str = "") -> None:
        super().__init__(
            f"The sound device {device!r} stopped working" + (f" ({detail})." if detail else "."),
            "Check its cable and the sound server; the console reopens it when you start again.",
            device=device,
            detail=detail,
        )
