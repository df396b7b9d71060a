"""Sound in the console: cues, quiet mode, the line meter, call recording into complaints.

The live tests (marked ``audio``) run the real app with a real
:class:`~studio_console.audio.AudioService` on the virtual cable (``. .ci/audio-up``):
the cue device plays into the cable and the line input records from it, so a cue
is heard on the meter and in the recording. They fail under ``CI_AUDIO=1`` when the
cable is missing and skip locally. The absence tests need no sound at all.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest

from studio_console.audio import AudioService
from studio_console.complaints.builder import draft_from_items, load, update
from studio_console.complaints.model import to_payload
from studio_console.complaints.transports import build_transports
from studio_console.complaints.transports.file_package import verify_package
from studio_console.config import AudioSettings, Settings
from studio_console.screening import Actor, ScreeningService
from studio_console.store import Store
from studio_console.store import recordings as rec_store
from studio_console.ui.app import StudioApp
from studio_console.ui.screens.complaints import ComplaintsScreen
from studio_console.ui.widgets.complaint_form import ComplaintForm
from studio_console.ui.widgets.line_meter import LineMeter
from studio_console.ui.widgets.status_bar import StatusBar
from tests.audio_live import require_cable

CALLER = "+6281234567890"


def make_settings(tmp_path: Path, **audio: object) -> Settings:
    base = dataclasses.replace(AudioSettings(), recordings_folder=str(tmp_path / "rec"), **audio)
    settings = Settings()
    return dataclasses.replace(
        settings,
        audio=base,
        export=dataclasses.replace(settings.export, folder=str(tmp_path / "export"), transports=("file",)),
    )


def status_text(app: StudioApp) -> str:
    bar = app.screen.query_one(StatusBar)
    bar.refresh_status()
    return str(bar.render())


async def wait_until(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


def queued_item(db: Path, text: str) -> int:
    """A manual item moved into the host's running order by the producer (another connection)."""
    with Store(db) as store:
        producer = ScreeningService(store, Actor("producer", "Rina"))
        item_id = producer.add_manual(text)
        producer.move(item_id, "approved")
        producer.move(item_id, "queued")
    return item_id


# --------------------------------------------------------------------------- live: host
@pytest.mark.audio
async def test_host_cue_on_a_new_item_quiet_mode_and_the_meter(tmp_path):
    require_cable()
    db = tmp_path / "studio.sqlite3"
    queued_item(db, "Sudah di antrean sebelum konsol dibuka")
    settings = make_settings(tmp_path)
    service = AudioService(settings, db_path=db)
    app = StudioApp(settings, db, role="host", operator="Mas Bayu", audio=service)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, app.audio_started.is_set)
        assert service.status().ok, service.status()
        await pilot.pause(0.3)
        assert list(service.cued) == []  # what was queued before the screen opened: no cue

        queued_item(db, "Jalan rusak di Kepohbaru")
        await wait_until(pilot, lambda: list(service.cued) == ["sms_approved"])

        # The cue went into the cable: the line meter shows its level (-120 = silence).
        meter = app.screen.query_one(LineMeter)
        assert meter.display
        await wait_until(pilot, lambda: meter.reading is not None and meter.reading.peak_dbfs > -30)
        assert "█" in str(meter.render())
        assert "—" not in str(meter.render())

        # Quiet mode (the microphone is open): no cue, and the status bar says so.
        await pilot.press("f6")
        assert service.quiet
        assert "SENYAP" in status_text(app)
        queued_item(db, "Lampu PJU mati")
        await pilot.pause(0.8)  # the change poll runs 4x/s
        assert app.screen.queue.items and len(app.screen.queue.items) == 3
        assert list(service.cued) == ["sms_approved"]
        await pilot.press("f6")
        assert not service.quiet and "SENYAP" not in status_text(app)


# --------------------------------------------------------------------------- live: producer
@pytest.mark.audio
async def test_a_call_on_air_is_recorded_and_reaches_the_complaint_package(tmp_path):
    require_cable()
    db = tmp_path / "studio.sqlite3"
    settings = make_settings(tmp_path)
    service = AudioService(settings, db_path=db)
    with Store(db) as store:
        show_id = store.start_show("SAPA BUPATI", by="Rina")
    app = StudioApp(settings, db, role="producer", operator="Rina", audio=service)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_until(pilot, app.audio_started.is_set)
        assert service.status().ok, service.status()
        with Store(db) as store:
            call_id = store.call_ringing(CALLER)
        await wait_until(pilot, lambda: "call_ringing" in service.cued)
        with Store(db) as store:
            store.call_set_state(call_id, "screening")
            store.call_set_state(call_id, "on_air")
        await wait_until(pilot, lambda: service.recording is not None)
        assert service.recording.call_id == call_id and service.recording.show_id == show_id
        assert "REKAM 00:0" in status_text(app)
        service.cue("call_hold")  # something to hear in the recording
        await wait_until(pilot, lambda: (service.meter() or None) and service.meter().peak_dbfs > -30)
        await pilot.pause(0.3)
        with Store(db) as store:
            store.call_set_state(call_id, "ended", reason="local hang-up")
        await wait_until(pilot, lambda: service.recording is None)

        rows = service.recordings_for_call(call_id)
        assert len(rows) == 1 and rows[0].ended_at is not None and rows[0].end_reason == "stop"
        path = Path(rows[0].path)
        assert path.is_file() and f"_call{call_id}." in path.name and path.parent == tmp_path / "rec"

        # The call told as an item, aired, drafted into a complaint: the recording is its lampiran.
        with Store(db) as store:
            producer = ScreeningService(store, Actor("producer", "Rina"))
            host = ScreeningService(store, Actor("host", "Mas Bayu"))
            item_id = producer.add_manual("Penelpon: jembatan Desa Sumberrejo retak", call_id=call_id)
            producer.edit(item_id, anonim=False)  # named caller: the recording is attached by default
            producer.move(item_id, "approved")
            producer.move(item_id, "queued")
            host.move(item_id, "on_air")
            host.move(item_id, "aired")
            complaint_id = draft_from_items(store, [item_id], station="Radio Malowopati", actor="Rina")
            complaint = load(store, complaint_id)
            assert complaint.lampiran == (str(path),)
            assert [r.id for r in rec_store.for_complaint(store, complaint_id)] == [rows[0].id]

        app.push_screen(ComplaintsScreen(select=complaint_id))
        await pilot.pause(0.5)
        form = app.screen.query_one(ComplaintForm)
        boxes = list(form.query(".f-rec"))
        assert len(boxes) == 1 and boxes[0].value and path.name in str(boxes[0].label)

    # The file package carries the recording itself, hashed in the manifest.
    with Store(db) as store:
        payload = to_payload(load(store, complaint_id))
    transport = build_transports(settings, db, only=["file"])["file"]
    transport.send(payload, f"{complaint_id}-file-test")
    [package] = (tmp_path / "export").glob("aduan-*")
    assert verify_package(package)
    copied = package / f"lampiran-{complaint_id}-{path.name}"
    assert copied.read_bytes() == path.read_bytes()
    manifest = json.loads((package / "manifest.json").read_text())
    assert copied.name in {f["name"] for f in manifest["files"]}
    assert copied.name in (package / f"aduan-{complaint_id}.html").read_text()


# --------------------------------------------------------------------------- absence
async def test_sound_switched_off_the_console_runs_and_says_so(tmp_path):
    db = tmp_path / "studio.sqlite3"
    settings = make_settings(tmp_path, enabled=False)
    service = AudioService(settings, db_path=db)
    app = StudioApp(settings, db, role="producer", operator="Rina", audio=service)
    async with app.run_test(size=(200, 45)) as pilot:
        await wait_until(pilot, app.audio_started.is_set)
        assert "Suara mati (audio.enabled = false di config.toml)" in status_text(app)
        meter = app.screen.query_one(LineMeter)
        await pilot.pause(0.2)
        assert meter.display and "Line —" in str(meter.render())
        await pilot.press("f7")  # record: refused with the reason, no crash
        await pilot.press("f6")
        assert service.quiet
        await pilot.press("a")  # the console still works: a refusal as a notification
        assert app.is_running


async def test_without_the_device_or_portaudio_the_status_bar_names_the_fix(tmp_path):
    """No device of that name (or no PortAudio at all on this machine): the console runs on."""
    db = tmp_path / "studio.sqlite3"
    settings = make_settings(tmp_path, line_device="Behringer UCA202", cue_device="Behringer UCA202")
    service = AudioService(settings, db_path=db)
    app = StudioApp(settings, db, role="host", operator="Mas Bayu", audio=service)
    async with app.run_test(size=(250, 36)) as pilot:
        await wait_until(pilot, app.audio_started.is_set)
        state = service.status().state
        assert state in ("no_library", "no_device"), state
        text = status_text(app)
        assert service.status().message in text
        assert ("libportaudio2" in text) if state == "no_library" else ("audio.line_device" in text)
        assert "Line —" in str(app.screen.query_one(LineMeter).render())
        queued_item(db, "Tetap jalan tanpa suara")
        await wait_until(pilot, lambda: len(app.screen.queue.items) == 1)
        assert list(service.cued) == []


async def test_without_a_sound_service_nothing_about_sound_is_shown(tmp_path):
    db = tmp_path / "studio.sqlite3"
    app = StudioApp(make_settings(tmp_path), db, role="producer", operator="Rina")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.2)
        assert not app.screen.query_one(LineMeter).display
        keys = {b.binding.key for b in app.screen.active_bindings.values()}
        assert "f6" not in keys and "f7" not in keys
        assert "Suara" not in status_text(app)


# --------------------------------------------------------------------------- lampiran
def recorded_call_item(store: Store, folder: Path, name: str = "20261127-130000_show1_call1.flac") -> tuple:
    """A call with a recording file (bytes standing in for audio) whose item was aired."""
    call_id = store.call_ringing(CALLER)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"fLaC" + bytes(range(256)) * 40)
    rid = rec_store.add(store, str(path), started_at="2026-11-27T06:00:00+00:00", samplerate=48000,
                        channels=1, fmt="flac", call_id=call_id)  # fmt: skip
    rec_store.finish(
        store, rid, ended_at="2026-11-27T06:01:00+00:00", seconds=60, size=10244, end_reason="stop"
    )
    store.start_show("SAPA BUPATI", by="Rina")
    producer = ScreeningService(store, Actor("producer", "Rina"))
    host = ScreeningService(store, Actor("host", "Mas Bayu"))
    item_id = producer.add_manual("Laporan lewat telepon", call_id=call_id)
    producer.edit(item_id, anonim=False)  # the caller agreed to be named: the recording is attached
    for to, who in (("approved", producer), ("queued", producer), ("on_air", host), ("aired", host)):
        who.move(item_id, to)
    return item_id, rid, path


async def test_the_form_detaches_and_attaches_a_recording(tmp_path):
    db = tmp_path / "studio.sqlite3"
    with Store(db) as store:
        item_id, rid, path = recorded_call_item(store, tmp_path / "rec")
        complaint_id = draft_from_items(store, [item_id], station="Radio Malowopati")
    app = StudioApp(make_settings(tmp_path), db, role="producer", operator="Rina")
    async with app.run_test(size=(160, 45)) as pilot:
        app.push_screen(ComplaintsScreen(select=complaint_id))
        await pilot.pause(0.3)
        [box] = app.screen.query_one(ComplaintForm).query(".f-rec")
        assert box.value and path.name in str(box.label)
        box.value = False
        await pilot.pause()
        assert app.screen.query_one(ComplaintForm).changes()["lampiran"] == ()
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        with Store(db) as store:
            assert load(store, complaint_id).lampiran == ()
            assert rec_store.for_complaint(store, complaint_id) == []
        [box] = app.screen.query_one(ComplaintForm).query(".f-rec")
        assert not box.value  # still offered after the save, unticked
        box.value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        with Store(db) as store:
            assert load(store, complaint_id).lampiran == (str(path),)
            assert [r.id for r in rec_store.for_complaint(store, complaint_id)] == [rid]


def test_lampiran_and_links_stay_in_step_detach_and_merge(tmp_path):
    with Store(tmp_path / "studio.sqlite3") as store:
        item_a, rid_a, path_a = recorded_call_item(store, tmp_path / "rec", "a_call1.flac")
        item_b, rid_b, path_b = recorded_call_item(store, tmp_path / "rec", "b_call2.flac")
        a = draft_from_items(store, [item_a], station="Radio Malowopati")
        b = draft_from_items(store, [item_b], station="Radio Malowopati")
        assert load(store, a).lampiran == (str(path_a),)
        update(store, a, lampiran=())  # unticked in the form
        assert load(store, a).lampiran == () and rec_store.for_complaint(store, a) == []
        assert not rec_store.get(store, rid_a).attached
        update(store, a, lampiran=[str(path_a)])
        from studio_console.complaints.builder import merge, recording_candidates

        assert [r.id for r in recording_candidates(store, a)] == [rid_a]
        merge(store, a, [b])
        assert set(load(store, a).lampiran) == {str(path_a), str(path_b)}
        assert {r.id for r in rec_store.for_complaint(store, a)} == {rid_a, rid_b}


def test_file_package_copies_found_recordings_and_names_the_others(tmp_path):
    from studio_console.complaints.transports.file_package import write_package

    rec = tmp_path / "rec"
    rec.mkdir()
    (rec / "20261127-130000_show1_call7.wav").write_bytes(b"RIFF" + b"\0" * 5000)
    (tmp_path / "secret.txt").write_text("not for export")
    payload = {
        "id": 7,
        "judul": "Jembatan retak",
        "anonim": True,
        "lampiran": [
            str(rec / "20261127-130000_show1_call7.wav"),
            str(rec / "20261127-140000_show1_call8.wav"),  # removed since
            str(tmp_path / "secret.txt"),  # outside the recordings folder
            "../secret.txt",
        ],
    }
    from datetime import UTC, datetime

    package = write_package(
        [payload], tmp_path / "out", run_id="r1", now=datetime.now(UTC), attachments_folder=rec
    )
    assert verify_package(package)
    names = sorted(p.name for p in package.iterdir())
    assert "lampiran-7-20261127-130000_show1_call7.wav" in names
    assert not any("secret" in n or "call8" in n for n in names)
    sheet = (package / "aduan-7.html").read_text()
    assert "call8.wav — berkas tidak ditemukan" in sheet
    assert sheet.count("di luar folder rekaman") == 2
    # A changed copy no longer verifies.
    (package / "lampiran-7-20261127-130000_show1_call7.wav").write_bytes(b"RIFF" + b"\1" * 5000)
    assert not verify_package(package)


def test_http_body_carries_lampiran_as_file_names_only():
    """A real server on 127.0.0.1 receives names, never the studio's paths or the audio."""
    from tests.studio_console.complaints.lapor_server import LaporServer
    from tests.studio_console.complaints.test_http_push import sample, transport

    lampiran = ["/srv/studio/recordings/20261127-130000_show1_call3.flac", "rekaman.ogg"]
    with LaporServer() as server:
        transport(server).send(sample(lampiran=lampiran), "3-http-abc")
        [request] = server.requests
    assert request.json()["lampiran"] == ["20261127-130000_show1_call3.flac", "rekaman.ogg"]
