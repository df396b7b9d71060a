"""The driver against a real PortAudio device: the PipeWire virtual cable of .ci/audio-up.

What is played to the cue device comes back on the line input (a real loopback in
real time). The cable does not keep absolute levels (mono is up-mixed, about +3 dB:
audio-ci.md), so levels are checked relative to each other; frequencies exactly.
"""

from __future__ import annotations

import json
import os
import textwrap
import time

import numpy as np
import pytest
import soundfile as sf

from drivers.audio import CuePlayer, LineInput, find_device
from drivers.audio.backend import PORTAUDIO_ENV
from drivers.audio.tones import Tone, sine
from tests.audio_live import PrivateGraph, active_part, peak_frequency, require_cable, rms, run_python

SR = 48000
pytestmark = pytest.mark.audio


@pytest.fixture
def line():
    require_cable()
    line = LineInput(find_device("", "input"), SR, 1)
    line.start()
    yield line
    line.close()


@pytest.fixture
def player():
    require_cable()
    p = CuePlayer("")
    yield p
    p.close()


def record_while_playing(line: LineInput, player: CuePlayer, tone: Tone, path) -> tuple[np.ndarray, object]:
    time.sleep(0.1)  # the capture runs before the sound starts
    line.start_recording(path, "wav")
    assert player.play(tone)
    assert player.wait_idle(tone.seconds + 5)
    time.sleep(0.2)  # the tail through the cable
    result = line.stop_recording()
    data, rate = sf.read(str(path), dtype="float32")
    assert rate == SR
    return data, result


def test_a_tone_played_on_the_cue_device_comes_back_with_its_frequency(line, player, tmp_path):
    tone = Tone("test", sine(1000, 1.0, SR, 0.5), SR)
    data, result = record_while_playing(line, player, tone, tmp_path / "loop.wav")
    seg = active_part(data)
    assert peak_frequency(seg, SR) == pytest.approx(1000, abs=2)
    assert len(seg) / SR == pytest.approx(1.0, abs=0.05)
    assert result.end_reason == "stop" and result.dropped_frames == 0
    assert player.last_error is None and player.played == 1


def test_relative_levels_survive_the_loopback(line, player, tmp_path):
    levels = []
    for i, amplitude in enumerate((0.4, 0.1)):
        tone = Tone("test", sine(700, 0.6, SR, amplitude), SR)
        data, _ = record_while_playing(line, player, tone, tmp_path / f"level{i}.wav")
        levels.append(20 * np.log10(rms(active_part(data, threshold=amplitude / 4))))
    assert levels[0] - levels[1] == pytest.approx(20 * np.log10(4), abs=0.5)  # 12.04 dB


def test_a_recording_of_a_known_signal_has_its_duration_rate_and_content(line, player, tmp_path):
    path = tmp_path / "known.flac"
    line.start_recording(path, "flac")
    time.sleep(0.1)
    player.play(Tone("a", sine(440, 0.8, SR, 0.3), SR))
    player.wait_idle(5)
    time.sleep(0.3)
    result = line.stop_recording()
    info = sf.info(str(path))
    assert info.samplerate == SR and info.channels == 1 and info.format == "FLAC"
    assert info.frames == result.frames and result.seconds == pytest.approx(info.duration)
    assert result.seconds > 1.0 and result.bytes == path.stat().st_size
    data, _ = sf.read(str(path), dtype="float32")
    seg = active_part(data)
    assert len(seg) / SR == pytest.approx(0.8, abs=0.05)
    assert peak_frequency(seg, SR) == pytest.approx(440, abs=2)


def test_the_live_meter_tracks_relative_levels(line, player):
    readings = []
    for amplitude in (0.5, 0.25):
        player.play(Tone("m", sine(1000, 1.6, SR, amplitude), SR))
        time.sleep(1.3)  # inside the tone, > 3 time constants of the 300 ms RMS average
        readings.append(line.meter.read())
        player.wait_idle(5)
    assert readings[0].rms_dbfs - readings[1].rms_dbfs == pytest.approx(6.02, abs=0.5)
    assert readings[0].peak_dbfs - readings[1].peak_dbfs == pytest.approx(6.02, abs=0.5)
    assert not readings[0].clip and readings[1].overflows == 0


GONE = textwrap.dedent("""
    import json, os, signal, sys, time
    import soundfile as sf
    from drivers.audio import LineInput, find_device
    line = LineInput(find_device("", "input"), 48000, 1, stall_timeout=2.0)
    line.start()
    rec = line.start_recording(sys.argv[1] if len(sys.argv) > 1 else "%s", "wav")
    time.sleep(1.0)
    os.kill(int(open("%s").read()), signal.SIGTERM)   # the sound server goes away
    finished = rec.done.wait(10)
    r = rec.result
    line.close()
    data, rate = sf.read(str(r.path))
    print(json.dumps({"finished": finished, "reason": r.end_reason, "frames": r.frames,
                      "file_frames": len(data), "rate": rate, "lost": str(line.lost)}))
""")


def test_a_device_lost_mid_recording_leaves_a_closed_readable_file(tmp_path):
    """The whole sound server of a private graph is stopped by its PID file while recording.

    (Stopping only pw-loopback is not a loss to PortAudio: PipeWire moves the stream
    to another source and it goes on recording silence.)
    """
    require_cable()
    path = tmp_path / "cut.wav"
    with PrivateGraph() as graph:
        out = run_python(GONE % (path, graph.rt / "pipewire.pid"), env=graph.env)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["finished"] and got["reason"] == "device_lost", got
    assert got["rate"] == SR and got["frames"] == got["file_frames"] > SR // 2
    assert "stopped working" in got["lost"]


NO_LIBRARY = textwrap.dedent("""
    from drivers.audio import NoLibraryError, list_devices
    try:
        list_devices()
    except NoLibraryError as exc:
        print(exc)
""")


def test_without_portaudio_the_error_is_one_sentence_with_the_fix():
    """PortAudio is made unloadable: STUDIO_AUDIO_PORTAUDIO points at a file that does not exist.

    sounddevice's own import then fails exactly as on a machine without libportaudio2.
    """
    env = {**os.environ, PORTAUDIO_ENV: "/nonexistent/libportaudio.so.2"}
    out = run_python(NO_LIBRARY, env=env)
    assert out.returncode == 0, out.stderr
    text = out.stdout.strip()
    assert text.startswith("The PortAudio sound library cannot be loaded")
    assert "apt-get install libportaudio2" in text and len(text.splitlines()) == 1


def test_a_device_name_that_does_not_exist_is_refused_clearly():
    require_cable()
    from drivers.audio import NoDeviceError

    with pytest.raises(NoDeviceError, match="Focusrite"):
        find_device("Focusrite Scarlett", "input", setting="audio.line_device")
    p = CuePlayer("Focusrite Scarlett")
    try:
        assert p.play(Tone("x", sine(1000, 0.1, SR), SR))  # queued: never raises to the caller
        p.wait_idle(5)
        assert p.last_error is not None and p.last_error.code == "no_device"
    finally:
        p.close()
