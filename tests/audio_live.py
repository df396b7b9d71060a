"""The live sound device for tests: present, or fail under CI, or skip locally.

`.ci/run` sources `.ci/audio-up` (a private PipeWire graph with a virtual cable,
shared/docs/audio-ci.md) and sets ``CI_AUDIO=1``: then a missing device FAILS the
tests that need it. Run locally with ``. .ci/audio-up`` first; without it those
tests skip and say why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def cable_problem() -> str | None:
    """Why the virtual cable cannot be used, or None when it can."""
    rt = os.environ.get("XDG_RUNTIME_DIR")
    if not rt:
        return "XDG_RUNTIME_DIR is not set"
    pid_file = Path(rt) / "pw-loopback.pid"
    try:
        os.kill(int(pid_file.read_text().strip()), 0)
    except (OSError, ValueError):
        return f"no pw-loopback running (no live {pid_file})"
    from drivers.audio import AudioError, list_devices

    try:
        devices = list_devices()
    except AudioError as exc:
        return str(exc)
    if not any(d.default_input for d in devices) or not any(d.default_output for d in devices):
        return "PortAudio has no default input and output device"
    return None


def require_cable() -> None:
    """Fail (CI_AUDIO=1) or skip when the virtual cable is not running."""
    problem = cable_problem()
    if problem is None:
        return
    if os.environ.get("CI_AUDIO") == "1":
        pytest.fail(f"CI_AUDIO=1 but the virtual sound device is missing: {problem}")
    pytest.skip(f"no virtual sound device ({problem}); start one with `. .ci/audio-up`")


def peak_frequency(x: np.ndarray, samplerate: int) -> float:
    """The frequency of the strongest FFT bin (Hann window)."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / samplerate)[int(np.argmax(spectrum))])


def rms(x: np.ndarray) -> float:
    """Root mean square."""
    x = np.asarray(x, dtype=np.float64)
    return float(np.sqrt(np.mean(x * x))) if x.size else 0.0


def active_part(x: np.ndarray, threshold: float = 0.02, trim: int = 480) -> np.ndarray:
    """The samples between the first and last above ``threshold``, less ``trim`` at each end."""
    x = np.asarray(x).reshape(-1)
    loud = np.flatnonzero(np.abs(x) > threshold)
    if loud.size == 0:
        return x[:0]
    return x[loud[0] + trim : loud[-1] - trim]


class PrivateGraph:
    """A second PipeWire graph of this test alone (``AUDIO_RT`` = its own folder).

    Started and stopped with the project's own .ci/audio-up and .ci/audio-down
    (stopped by PID files), so a test may kill its sound server without harming
    the shared one.
    """

    def __init__(self) -> None:
        # A short path: the PipeWire socket's path must fit a unix socket address.
        self.rt = Path(tempfile.mkdtemp(prefix="art", dir="/tmp"))
        self.env = {
            **os.environ,
            "AUDIO_RT": str(self.rt),
            "XDG_RUNTIME_DIR": str(self.rt),
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={self.rt}/bus",
        }

    def __enter__(self) -> PrivateGraph:
        out = subprocess.run(
            ["bash", "-c", ". .ci/audio-up"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        if out.returncode != 0:
            self.__exit__()
            raise RuntimeError(f"private audio graph did not start: {out.stderr}")
        return self

    def pid(self, name: str) -> int:
        return int((self.rt / f"{name}.pid").read_text().strip())

    def __exit__(self, *exc: object) -> None:
        subprocess.run(
            ["bash", ".ci/audio-down"],
            cwd=ROOT,
            env=self.env,
            timeout=60,
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )


def run_python(
    code: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (PortAudio initialised anew) from the repo root."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
