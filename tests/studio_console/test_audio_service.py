"""The console's sound service without a sound device: disk limit, retention, config, absence."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from drivers.audio.backend import PORTAUDIO_ENV
from studio_console.audio import AudioService
from studio_console.config import AudioSettings, ConfigError, Settings, load_settings
from studio_console.store import Store
from studio_console.store import recordings as rec_store
from tests.audio_live import ROOT, run_python

T0 = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def settings_with(**audio) -> Settings:
    return dataclasses.replace(Settings(), audio=dataclasses.replace(AudioSettings(), **audio))


def add_file(store: Store, folder, minutes: int, size: int, call_id: int | None = None) -> int:
    path = folder / f"rec{minutes:03d}.flac"
    path.write_bytes(b"\0" * size)
    rid = rec_store.add(
        store,
        str(path),
        started_at=(T0 + timedelta(minutes=minutes)).isoformat(),
        samplerate=48000,
        channels=1,
        fmt="flac",
        call_id=call_id,
    )
    rec_store.finish(
        store,
        rid,
        ended_at=(T0 + timedelta(minutes=minutes, seconds=30)).isoformat(),
        seconds=30.0,
        size=size,
        end_reason="stop",
    )
    return rid


def new_complaint(store: Store) -> int:
    cur = store.conn.execute(
        "INSERT INTO complaints (created_at, updated_at, data) VALUES (?, ?, '{}')",
        (T0.isoformat(), T0.isoformat()),
    )
    store.conn.commit()
    return int(cur.lastrowid)


def test_disk_limit_removes_the_oldest_unattached_recordings_first(tmp_path):
    db = tmp_path / "studio.sqlite3"
    folder = tmp_path / "rec"
    folder.mkdir()
    with Store(db) as store:
        ids = [add_file(store, folder, m, 400_000) for m in range(5)]  # 2.0 MB in all
        complaint = new_complaint(store)
        rec_store.attach(store, ids[0], complaint)  # the oldest is evidence
    service = AudioService(settings_with(max_disk_mb=1), db_path=db)  # limit 1 MB
    removed = service.enforce_disk_limit()
    assert removed == [ids[1], ids[2], ids[3]]  # oldest unattached first, down to 0.8 MB
    assert (folder / "rec000.flac").exists() and (folder / "rec004.flac").exists()
    assert not (folder / "rec001.flac").exists()
    with Store(db) as store:
        assert rec_store.get(store, ids[1]).deleted_at is not None  # the row stays, marked
        assert [r.id for r in rec_store.for_complaint(store, complaint)] == [ids[0]]
    r = service.retention()
    assert (r.count, r.bytes, r.attached_count, r.removed_total) == (2, 800_000, 1, 3)
    assert r.limit_bytes == 1_000_000 and not r.over_limit
    assert r.oldest_started_at == T0.isoformat()


def test_attached_recordings_are_kept_even_over_the_limit_and_that_is_reported(tmp_path):
    db = tmp_path / "studio.sqlite3"
    folder = tmp_path / "rec"
    folder.mkdir()
    with Store(db) as store:
        ids = [add_file(store, folder, m, 700_000) for m in range(2)]
        complaint = new_complaint(store)
        for rid in ids:
            rec_store.attach(store, rid, complaint)
    service = AudioService(settings_with(max_disk_mb=1), db_path=db)
    assert service.enforce_disk_limit() == []
    assert service.retention().over_limit


def test_no_limit_removes_nothing(tmp_path):
    db = tmp_path / "studio.sqlite3"
    with Store(db) as store:
        add_file(store, tmp_path, 0, 10_000)
    assert AudioService(settings_with(max_disk_mb=0), db_path=db).enforce_disk_limit() == []


def test_recordings_of_a_call_are_offered_oldest_first(tmp_path):
    db = tmp_path / "studio.sqlite3"
    with Store(db) as store:
        call = store.call_ringing("+6281234567890")
        later = add_file(store, tmp_path, 5, 10, call_id=call)
        first = add_file(store, tmp_path, 1, 10, call_id=call)
        add_file(store, tmp_path, 2, 10)
    service = AudioService(Settings(), db_path=db)
    assert [r.id for r in service.recordings_for_call(call)] == [first, later]


@pytest.mark.parametrize(
    "text, key",
    [
        ('format = "mp3"', "audio.format"),
        ("cue_volume = 1.5", "audio.cue_volume"),
        ("samplerate = 12345", "audio.samplerate"),
        ("hold_warning_seconds = 0", "audio.hold_warning_seconds"),
        ("max_disk_mb = -1", "audio.max_disk_mb"),
        ("line_channels = 3", "audio.line_channels"),
        ("cue_device = 3", "audio.cue_device"),
    ],
)
def test_bad_audio_settings_name_the_key_and_line(tmp_path, text, key):
    path = tmp_path / "config.toml"
    path.write_text(f"[audio]\nenabled = true\n{text}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.key == key and info.value.line == 3 and str(path) in str(info.value)


def test_an_unknown_cue_key_is_refused_with_a_suggestion(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[audio.cues]\nsms_aproved = "off"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"did you mean 'audio\.cues\.sms_approved'"):
        load_settings(path)


def test_sound_off_is_a_status_not_an_error(tmp_path):
    service = AudioService(settings_with(enabled=False), db_path=tmp_path / "db.sqlite3")
    status = service.start()
    assert status.state == "off" and "audio.enabled" in status.message
    assert service.cue("sms_approved") is False
    assert service.meter() is None and service.start_recording(call_id=1) is None
    service.close()


SERVICE_WITHOUT_LIBRARY = textwrap.dedent("""
    import json
    from studio_console.audio import AudioService
    from studio_console.config import Settings
    s = AudioService(Settings())
    st = s.start()
    print(json.dumps({"state": st.state, "message": st.message, "cue": s.cue("call_ringing"),
                      "meter": s.meter() is None, "rec": s.start_recording(call_id=3) is None,
                      "poll": s.poll().state}))
    s.close()
""")


def test_without_portaudio_the_service_reports_one_sentence_and_keeps_going():
    """PortAudio made unloadable in a fresh interpreter (STUDIO_AUDIO_PORTAUDIO = a missing file)."""
    import json

    out = run_python(
        SERVICE_WITHOUT_LIBRARY, env={**os.environ, PORTAUDIO_ENV: "/nonexistent/libportaudio.so"}
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["state"] == "no_library" and got["poll"] == "no_library"
    assert got["message"].startswith("Pustaka suara PortAudio tidak bisa dimuat")
    assert "apt-get install libportaudio2" in got["message"]
    assert got["cue"] is False and got["meter"] and got["rec"]


def test_cli_and_doctor_without_portaudio_say_what_is_missing(tmp_path):
    env = {**os.environ, PORTAUDIO_ENV: "/nonexistent/libportaudio.so"}
    cfg = tmp_path / "config.toml"
    cfg.write_text('[studio]\nlanguage = "en"\n', encoding="utf-8")
    cli = [sys.executable, "-m", "studio_console.cli"]
    out = subprocess.run(
        [*cli, "audio", "devices", "--config", str(cfg)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert "The PortAudio sound library cannot be loaded" in out.stdout
    doctor = subprocess.run(
        [*cli, "doctor", "--config", str(cfg), "--port", str(tmp_path / "ttyNone"), "--no-open"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Sound:" in doctor.stdout and "libportaudio2" in doctor.stdout
    assert "the console still runs without sound" in doctor.stdout


def test_a_missing_device_is_a_status_naming_the_setting(tmp_path):
    """Runs with or without a sound server: no device has this name either way."""
    service = AudioService(
        settings_with(line_device="Behringer UCA202", cue_device="Focusrite"), db_path=tmp_path / "db.sqlite3"
    )
    status = service.start()
    try:
        if status.state == "no_library":
            pytest.skip("PortAudio is not installed here")
        assert status.state == "no_device"
        assert "Behringer UCA202" in status.message and "audio.line_device" in status.message
        assert any("Focusrite" in p and "audio.cue_device" in p for p in status.problems)
        assert service.cue("sms_approved") is False and service.meter() is None
    finally:
        service.close()


def test_audio_recordings_lists_what_is_kept_and_states_the_retention(tmp_path, capsys):
    from studio_console.cli import main

    db = tmp_path / "studio.sqlite3"
    folder = tmp_path / "rec"
    folder.mkdir()
    with Store(db) as store:
        ids = [add_file(store, folder, m, 400_000, call_id=None) for m in range(3)]
        rec_store.attach(store, ids[0], new_complaint(store))
    config = tmp_path / "config.toml"
    config.write_text('[studio]\nlanguage = "en"\n[audio]\nmax_disk_mb = 1\n', encoding="utf-8")
    AudioService(load_settings(config), db_path=db).enforce_disk_limit()
    assert main(["audio", "recordings", "--config", str(config), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert f"#{ids[0]}" in out and "in 1 complaint(s)" in out and f"#{ids[2]}" in out
    assert f"#{ids[1]} " not in out  # removed by the limit: no longer listed
    assert "2 recordings, 0.8 MB of 1 MB (1 attached to complaints, 0.4 MB)" in out
    assert "1 removed so far" in out
    assert main(["audio", "recordings", "--config", str(config), "--db", str(tmp_path / "none.db")]) == 2
