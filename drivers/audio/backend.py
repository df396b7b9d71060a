"""Loading ``sounddevice`` (PortAudio) and ``soundfile`` (libsndfile) when they are needed.

Nothing in the driver imports them at module level, so the console starts and
runs without a sound library; the first call that needs one gets a
:class:`~drivers.audio.errors.NoLibraryError` instead.

``STUDIO_AUDIO_PORTAUDIO`` (environment) names the PortAudio shared library to
load instead of the system's ``libportaudio.so.2`` (a private build, a library
in a non-standard folder). Pointing it at a file that does not exist is how the
tests run the console without PortAudio on a machine that has it.
"""

from __future__ import annotations

import os
import threading
from types import ModuleType

from drivers.audio.errors import NoLibraryError

__all__ = [
    "PORTAUDIO_ENV",
    "load_sounddevice",
    "load_soundfile",
    "portaudio_version",
    "refresh_devices",
    "stream_closed",
    "stream_opened",
]

PORTAUDIO_ENV = "STUDIO_AUDIO_PORTAUDIO"

_lock = threading.Lock()
_streams_lock = threading.RLock()
_open_streams = 0


def stream_opened() -> None:
    """Count a stream this package opened (PortAudio must not be re-initialised under it)."""
    global _open_streams
    with _streams_lock:
        _open_streams += 1


def stream_closed() -> None:
    """Count a stream closed."""
    global _open_streams
    with _streams_lock:
        _open_streams = max(0, _open_streams - 1)


def refresh_devices(sd: ModuleType) -> bool:
    """Re-initialise PortAudio so its device list is current; only when no stream is open.

    PortAudio lists devices once, when it is initialised: a device plugged in later
    shows only after a re-initialisation, which would kill any open stream. Returns
    True when the list was refreshed.
    """
    with _streams_lock:
        if _open_streams or getattr(sd, "_initialized", 0) != 1:
            return False
        try:
            sd._terminate()
            sd._initialize()
        except Exception:
            return False
        return True


def load_sounddevice() -> ModuleType:
    """The ``sounddevice`` module, PortAudio loaded.

    Raises:
        NoLibraryError: sounddevice is not installed or PortAudio cannot be loaded.
    """
    import sys

    module = sys.modules.get("sounddevice")
    if module is not None:
        return module
    with _lock:
        override = os.environ.get(PORTAUDIO_ENV)
        import ctypes.util

        original = ctypes.util.find_library
        if override:
            # sounddevice asks find_library("portaudio"); answer with the chosen file.
            def find_library(name: str) -> str | None:
                return override if name == "portaudio" else original(name)

            ctypes.util.find_library = find_library
        try:
            import sounddevice
        except ImportError as exc:  # the Python package itself
            raise NoLibraryError(f"Python package sounddevice: {exc}") from None
        except OSError as exc:  # the shared library
            raise NoLibraryError(str(exc).splitlines()[0] if str(exc) else "") from None
        finally:
            ctypes.util.find_library = original
        return sounddevice


def load_soundfile() -> ModuleType:
    """The ``soundfile`` module (libsndfile; its wheel bundles the library).

    Raises:
        NoLibraryError: soundfile or libsndfile cannot be loaded.
    """
    try:
        import soundfile
    except (ImportError, OSError) as exc:
        raise NoLibraryError(f"soundfile/libsndfile: {exc}") from None
    return soundfile


def portaudio_version() -> str:
    """PortAudio's version text, e.g. ``PortAudio V19.6.0-devel``."""
    sd = load_sounddevice()
    return str(sd.get_portaudio_version()[1])
