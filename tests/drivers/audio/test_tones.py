"""Cue sounds: distinct generated tones, shipped files, sound files of the user."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from drivers.audio.errors import AudioError
from drivers.audio.tones import BUILTIN_SOUNDS, EVENTS, generate, load_file, resolve_cue, sine
from tests.audio_live import peak_frequency


def test_each_event_has_a_short_distinct_tone_without_clicks():
    tones = {e: generate(e, 48000, 0.5) for e in EVENTS}
    for tone in tones.values():
        assert 0.1 < tone.seconds < 1.0
        assert tone.samples.dtype == np.float32
        assert abs(tone.samples[0]) < 0.01 and abs(tone.samples[-1]) < 0.01  # faded
        assert np.max(np.abs(tone.samples)) <= 0.5 + 1e-6
    assert peak_frequency(tones["sms_approved"].samples, 48000) == pytest.approx(1320, abs=15)
    assert peak_frequency(tones["call_hold"].samples, 48000) == pytest.approx(440, abs=15)
    ring = peak_frequency(tones["call_ringing"].samples, 48000)
    assert ring == pytest.approx(1000, abs=30) or ring == pytest.approx(1250, abs=30)
    lengths = {round(t.seconds, 3) for t in tones.values()}
    assert len(lengths) == 3


def test_volume_scales_the_tone():
    loud, soft = generate("call_hold", 48000, 1.0), generate("call_hold", 48000, 0.25)
    assert np.max(np.abs(soft.samples)) == pytest.approx(0.25 * np.max(np.abs(loud.samples)), rel=1e-4)


def test_off_is_silence_and_unknown_events_are_refused():
    assert resolve_cue("off", "sms_approved") is None
    with pytest.raises(ValueError, match="unknown cue event"):
        generate("doorbell")


@pytest.mark.parametrize("name", BUILTIN_SOUNDS)
def test_shipped_sounds_load_at_the_playing_rate(name):
    tone = resolve_cue(name, "sms_approved", 48000, 0.5)
    assert tone is not None and tone.samplerate == 48000 and 0.05 < tone.seconds < 1.0
    assert np.max(np.abs(tone.samples)) <= 0.5 + 1e-3


def test_a_user_file_is_mixed_to_mono_and_resampled(tmp_path):
    path = tmp_path / "bell.wav"
    stereo = np.stack([sine(600, 0.5, 22050, 0.8), sine(600, 0.5, 22050, 0.8)], axis=1)
    sf.write(str(path), stereo, 22050)
    tone = resolve_cue("bell.wav", "call_ringing", 48000, 1.0, base=tmp_path)
    assert tone is not None and tone.samples.ndim == 1
    assert tone.seconds == pytest.approx(0.5, abs=0.01)
    assert peak_frequency(tone.samples, 48000) == pytest.approx(600, abs=5)


def test_an_unreadable_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "not-audio.wav"
    bad.write_text("hello")
    with pytest.raises(AudioError, match="cannot be read"):
        load_file(bad)
