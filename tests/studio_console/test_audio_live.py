"""The console's sound service on the virtual cable: cues, meter, recordings in the database."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import soundfile as sf

from studio_console.audio import AudioService
from studio_console.config import AudioCueSettings, AudioSettings, Settings
from studio_console.store import Store
from studio_console.store import recordings as rec_store
from tests.audio_live import ROOT, active_part, peak_frequency, require_cable

pytestmark = pytest.mark.audio


def make_settings(tmp_path, **audio) -> Settings:
    base = dataclasses.replace(AudioSettings(), recordings_folder=str(tmp_path / "rec"), **audio)
    return dataclasses.replace(Settings(), audio=base)


@pytest.fixture
def service(tmp_path):
    require_cable()
    s = AudioService(make_settings(tmp_path), db_path=tmp_path / "studio.sqlite3")
    status = s.start()
    assert status.ok, status
    yield s
    s.close()


def wait_for(predicate, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_a_cue_is_heard_on_the_line_and_quiet_mode_silences_it(service):
    assert service.status().line_device and service.status().cue_device
    assert service.meter() is not None
    assert wait_for(lambda: service.meter().live)  # the first block arrived
    assert service.cue("sms_approved")
    assert wait_for(lambda: service.meter().peak_dbfs > -20.0)
    service._player.wait_idle(5)
    service.set_quiet(True)
    assert service.status().quiet
    assert service.cue("sms_approved") is False and service.cue("call_ringing") is False
    service.toggle_quiet()
    assert service.cue("no_such_event") is False


def test_an_event_set_to_off_plays_nothing(tmp_path):
    require_cable()
    settings = make_settings(tmp_path, cues=AudioCueSettings(call_ringing="off", call_hold="chime"))
    with AudioService(settings) as s:
        assert s.status().ok
        assert s.cue("call_ringing") is False
        assert s.cue("call_hold") is True


def test_a_call_recording_is_named_stored_and_completed(service, tmp_path):
    db = tmp_path / "studio.sqlite3"
    with Store(db) as store:
        show = store.start_show("SAPA BUPATI")
        call = store.call_ringing("+6281234567890")
    info = service.start_recording(call_id=call, show_id=show)
    assert info is not None and info.id is not None
    assert f"_show{show}_call{call}.flac" in info.path.name and info.path.parent == tmp_path / "rec"
    time.sleep(0.1)
    service.cue("call_hold")  # 440 Hz then 660 Hz into the recording
    service._player.wait_idle(5)
    assert service.recording is not None and service.status().recording is not None
    done = service.stop_recording()
    assert done is not None and done.end_reason == "stop" and service.recording is None
    data, rate = sf.read(str(info.path), dtype="float32")
    assert rate == 48000 and len(data) / rate == pytest.approx(done.seconds, abs=1e-6)
    assert peak_frequency(active_part(data)[-int(0.2 * rate) :], rate) == pytest.approx(440, abs=5)
    with Store(db) as store:
        row = rec_store.get(store, info.id)
        assert row.call_id == call and row.show_id == show and row.format == "flac"
        assert row.ended_at and row.seconds == pytest.approx(done.seconds)
        assert row.bytes == info.path.stat().st_size and row.end_reason == "stop"
        assert [r.id for r in rec_store.for_call(store, call)] == [info.id]


def test_calls_on_air_are_recorded_automatically(service, tmp_path):
    with Store(tmp_path / "studio.sqlite3") as store:
        call = store.call_ringing("+6281234567890")
    service.on_call_state(call, "screening")
    assert service.recording is None
    service.on_call_state(call, "on_air")
    assert service.recording is not None and service.recording.call_id == call
    time.sleep(0.3)
    service.on_call_state(call, "ended")
    assert service.recording is None
    assert len(service.recordings_for_call(call)) == 1
    seg = service.start_recording(label="opening talk")
    assert seg is not None and seg.call_id is None and seg.path.name.endswith("_opening-talk.flac")
    service.stop_recording()


def test_a_caller_held_too_long_is_warned_once_per_hold(service):
    held = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    limit = service.audio.hold_warning_seconds
    assert not service.hold_check(7, held, held + timedelta(seconds=limit - 1))
    assert service.hold_check(7, held, held + timedelta(seconds=limit))
    assert not service.hold_check(7, held, held + timedelta(seconds=limit + 30))
    again = held + timedelta(minutes=10)  # put on hold again later
    assert service.hold_check(7, again, again + timedelta(seconds=limit))


def test_cli_lists_devices_and_tests_cue_and_level(tmp_path):
    require_cable()
    cfg = tmp_path / "config.toml"
    cfg.write_text('[studio]\nlanguage = "en"\n[audio]\nrecordings_folder = "rec"\n', encoding="utf-8")
    cli = [sys.executable, "-m", "studio_console.cli", "audio"]
    out = subprocess.run(
        [*cli, "devices", "--config", str(cfg)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "default" in out.stdout and "cue -> default" in out.stdout
    out = subprocess.run(
        [*cli, "test", "--config", str(cfg), "--seconds", "1"],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Playing the sms_approved cue" in out.stdout and "Sound test done." in out.stdout
    assert "peak" in out.stdout and "No signal" not in out.stdout
