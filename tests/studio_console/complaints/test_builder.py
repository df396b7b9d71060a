"""Complaints drafted from aired items on a real store: prefill, merge, checks, anonim, outbox rows."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sqlite3
from datetime import UTC, date, datetime

import pytest

from drivers.gsm.pdu import decode, encode_deliver
from studio_console.complaints.builder import (
    ComplaintError,
    draft_from_items,
    idempotency_key,
    item_ids,
    load,
    mark_ready,
    merge,
    set_tracking,
    update,
)
from studio_console.complaints.model import (
    Complaint,
    Pelapor,
    missing_fields,
    review_colour,
    to_payload,
    working_days_between,
)
from studio_console.screening import Actor, ScreeningService
from studio_console.store import Store

NUMBER = "+6281234567890"
NUMBER_FORMS = (
    "+6281234567890",
    "6281234567890",
    "081234567890",
    "81234567890",
    "0812-3456-7890",
    "0812 3456 7890",
)
STATION = "Radio Malowopati"


def clock() -> datetime:
    return datetime(2026, 3, 6, 5, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "studio.sqlite3", clock=clock) as s:
        yield s


def sms(store: Store, text: str, sender: str = NUMBER) -> int:
    """An SMS item, as ingest stores it."""
    pdu = encode_deliver(sender, text)[0]
    message_id = store.store_part(decode(pdu), pdu).message_id
    return store.conn.execute("SELECT id FROM items WHERE message_id = ?", (message_id,)).fetchone()[0]


def air(store: Store, item: int, **fields: object) -> int:
    """Screen, queue and air an item in the show on air, with the producer's fields."""
    producer = ScreeningService(store, Actor("producer", "Rina"))
    host = ScreeningService(store, Actor("host", "Mas Bayu"))
    if fields:
        producer.edit(item, **fields)
    producer.move(item, "approved")
    producer.move(item, "queued")
    host.move(item, "on_air")
    host.move(item, "aired")
    return item


def aired_sms(store: Store, text: str, sender: str = NUMBER, **fields: object) -> int:
    if store.current_show() is None:
        store.start_show("SAPA BUPATI")
    return air(store, sms(store, text, sender), **fields)


def complete(store: Store, complaint_id: int) -> None:
    update(
        store,
        complaint_id,
        klasifikasi="pengaduan",
        kategori="Infrastruktur",
        instansi="Dinas PU",
        lokasi={"kecamatan_code": "35.22.01", "desa_code": None, "detail": "RT 02"},
    )


def test_an_aired_sms_drafts_a_complaint_with_its_fields_prefilled(store):
    item = aired_sms(
        store,
        "Lampu PJU di Luwihaji mati sudah seminggu. Budi",
        topic="PJU mati di Luwihaji",
        opd="Dinas PU",
        category="Infrastruktur",
        desa_code="35.22.01.2001",
        reporter_name="Budi",
        air_text="Lampu PJU mati",
    )
    ScreeningService(store, Actor("host", "Mas Bayu")).answered(item, "Kadis PU", "Diperbaiki Senin")
    cid = draft_from_items(store, [item], station=STATION, clock=clock)
    c = load(store, cid)
    assert c.status == "draft" and c.id == cid and item_ids(store, cid) == [item]
    assert c.judul == "PJU mati di Luwihaji"
    assert c.isi == "Lampu PJU mati"
    assert c.originals == ("Lampu PJU di Luwihaji mati sudah seminggu. Budi",)
    assert (c.instansi, c.kategori) == ("Dinas PU", "Infrastruktur")
    assert (c.lokasi.kecamatan_code, c.lokasi.desa_code) == ("35.22.01", "35.22.01.2001")
    assert c.pelapor == Pelapor("Budi", NUMBER)
    assert c.anonim is True and c.rahasia is False
    assert (c.sumber.programme, c.sumber.station, c.sumber.channel) == ("SAPA BUPATI", STATION, "SMS")
    assert c.sumber.aired_at
    assert (c.dijawab_oleh, c.jawaban) == ("Kadis PU", "Diperbaiki Senin")
    audit = store.conn.execute(
        "SELECT action, to_state FROM audit WHERE entity = 'complaint' AND entity_id = ?", (cid,)
    ).fetchall()
    assert audit == [("created", "draft")]


def test_items_not_aired_are_refused_with_their_state_named(store):
    store.start_show("SAPA BUPATI")
    fresh = sms(store, "belum dibacakan")
    with pytest.raises(ComplaintError, match=rf"not aired: {fresh} \(new\)"):
        draft_from_items(store, [fresh], station=STATION, clock=clock)
    with pytest.raises(ComplaintError, match="no such item: 999"):
        draft_from_items(store, [999], station=STATION, clock=clock)
    assert store.conn.execute("SELECT count(*) FROM complaints").fetchone()[0] == 0


def test_an_item_already_in_a_complaint_is_not_drafted_twice(store):
    item = aired_sms(store, "Jalan rusak")
    first = draft_from_items(store, [item], station=STATION, clock=clock)
    with pytest.raises(ComplaintError, match=f"complaint {first}"):
        draft_from_items(store, [item], station=STATION, clock=clock)


def test_two_items_about_one_matter_merge_into_one_complaint_keeping_both_originals(store):
    a = aired_sms(store, "Jembatan Kedungadem retak", topic="Jembatan retak", anonim=False)
    b = aired_sms(
        store, "Jembatan itu bahaya buat anak sekolah", sender="+6285712345678", rahasia=True, anonim=False
    )
    cid = draft_from_items(store, [b, a], station=STATION, clock=clock)
    c = load(store, cid)
    assert item_ids(store, cid) == sorted([a, b])
    assert c.originals == ("Jembatan Kedungadem retak", "Jembatan itu bahaya buat anak sekolah")
    assert "Jembatan Kedungadem retak" in c.isi and "anak sekolah" in c.isi
    assert c.judul == "Jembatan retak"
    assert c.rahasia is True and c.anonim is False


def test_a_long_first_line_becomes_a_judul_of_at_most_100_characters(store):
    item = aired_sms(store, "x" * 150)
    assert len(load(store, draft_from_items(store, [item], station=STATION, clock=clock)).judul) == 100


def test_missing_required_fields_are_named_and_block_marking_ready(store):
    item = aired_sms(store, "Sampah menumpuk")
    cid = draft_from_items(store, [item], station=STATION, clock=clock)
    assert missing_fields(load(store, cid)) == ["klasifikasi", "kategori", "instansi", "lokasi.kecamatan"]
    with pytest.raises(ComplaintError, match=r"klasifikasi, kategori, instansi, lokasi\.kecamatan"):
        mark_ready(store, cid, ["http"], "Rina")
    assert missing_fields(Complaint()) == [
        "judul",
        "isi",
        "klasifikasi",
        "kategori",
        "instansi",
        "lokasi.kecamatan",
    ]
    assert load(store, cid).status == "draft"
    assert store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


def test_update_checks_values_and_only_touches_drafts(store):
    cid = draft_from_items(store, [aired_sms(store, "Banjir")], station=STATION, clock=clock)
    with pytest.raises(ComplaintError, match="at most 100"):
        update(store, cid, judul="j" * 101)
    with pytest.raises(ComplaintError, match="klasifikasi"):
        update(store, cid, klasifikasi="keluhan")
    with pytest.raises(ComplaintError, match="unknown"):
        update(store, cid, status="selesai")
    c = update(store, cid, tanggal_kejadian="2026-03-01", lampiran=["rekaman.ogg"])
    assert c.tanggal_kejadian == date(2026, 3, 1) and c.lampiran == ("rekaman.ogg",)
    complete(store, cid)
    mark_ready(store, cid, ["file"], "Rina")
    with pytest.raises(ComplaintError, match="only drafts"):
        update(store, cid, judul="lain")


def all_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *all_strings(v)]]
    if isinstance(value, list | tuple):
        return [s for v in value for s in all_strings(v)]
    return [str(value)]


def test_anonim_removes_name_and_number_from_every_value_of_the_payload(store):
    text = "Saya Budi Santoso, hubungi 0812-3456-7890 atau +6281234567890 / 6281234567890"
    item = aired_sms(store, text, reporter_name="Budi Santoso", air_text="Budi Santoso 081234567890")
    cid = draft_from_items(store, [item], station=STATION, clock=clock)
    payload = to_payload(load(store, cid))
    assert "pelapor" not in payload
    dumped = json.dumps(payload, ensure_ascii=False)
    digits_only = re.sub(r"\D", "", dumped)
    for value in all_strings(payload):
        for form in NUMBER_FORMS:
            assert form not in value
        assert "budi santoso" not in value.lower()
    assert "81234567890" not in digits_only
    assert "[disamarkan]" in payload["originals"][0]
    # Not anonim: the reporter travels, text untouched.
    update(store, cid, anonim=False)
    named = to_payload(load(store, cid))
    assert named["pelapor"] == {"nama": "Budi Santoso", "nomor": NUMBER}
    assert named["originals"] == [text]


def test_rahasia_travels_in_the_payload(store):
    cid = draft_from_items(store, [aired_sms(store, "x", rahasia=True)], station=STATION, clock=clock)
    assert to_payload(load(store, cid))["rahasia"] is True


def test_mark_ready_writes_one_outbox_row_per_transport_with_stable_keys(store):
    cid = draft_from_items(store, [aired_sms(store, "Jalan rusak")], station=STATION, clock=clock)
    complete(store, cid)
    ids = mark_ready(store, cid, ["file", "sms1708", "http"], "Rina")
    rows = store.conn.execute(
        "SELECT id, transport, idempotency_key, state FROM outbox ORDER BY id"
    ).fetchall()
    assert [r[0] for r in rows] == ids
    assert [r[1] for r in rows] == ["file", "sms1708", "http"]
    assert all(r[3] == "pending" for r in rows)
    for _, transport, key, _ in rows:
        assert re.fullmatch(rf"{cid}-{transport}-[0-9a-f]{{20}}", key)
    assert len({r[2] for r in rows}) == 3
    assert load(store, cid).status == "siap_kirim"
    reloaded = load(store, cid)
    assert [idempotency_key(reloaded, r[1]) for r in rows] == [r[2] for r in rows]
    actions = [
        r[0]
        for r in store.conn.execute(
            "SELECT action FROM audit WHERE entity IN ('complaint', 'outbox') ORDER BY id"
        )
    ]
    assert actions == ["created", "edit", "ready", "queued", "queued", "queued"]
    with pytest.raises(ComplaintError, match="not a draft"):
        mark_ready(store, cid, ["http"], "Rina")


def test_keys_differ_between_databases_whose_complaint_ids_coincide(tmp_path):
    keys = []
    for name in ("a.sqlite3", "b.sqlite3"):
        with Store(tmp_path / name, clock=clock) as s:
            cid = draft_from_items(s, [aired_sms(s, "Jalan")], station=STATION, clock=clock)
            complete(s, cid)
            mark_ready(s, cid, ["http"], "Rina")
            keys.append(s.conn.execute("SELECT idempotency_key FROM outbox").fetchone()[0])
    assert keys[0].startswith("1-http-") and keys[1].startswith("1-http-") and keys[0] != keys[1]


def test_a_failure_half_way_through_mark_ready_leaves_nothing_behind(store):
    cid = draft_from_items(store, [aired_sms(store, "Jalan rusak")], station=STATION, clock=clock)
    complete(store, cid)
    # A real failure inside SQLite after the status and the first outbox row are written.
    store.conn.execute(
        "CREATE TEMP TRIGGER fail_second BEFORE INSERT ON main.outbox "
        "WHEN new.transport = 'http' BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
    )
    with pytest.raises(sqlite3.DatabaseError, match="disk says no"):
        mark_ready(store, cid, ["file", "http"], "Rina")
    assert load(store, cid).status == "draft"
    assert store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert (
        store.conn.execute(
            "SELECT count(*) FROM audit WHERE entity IN ('complaint', 'outbox') "
            "AND action IN ('ready', 'queued')"
        ).fetchone()[0]
        == 0
    )
    store.conn.execute("DROP TRIGGER temp.fail_second")
    assert len(mark_ready(store, cid, ["file", "http"], "Rina")) == 2


def test_tracking_id_and_status_can_be_set_by_hand(store):
    cid = draft_from_items(store, [aired_sms(store, "Jalan")], station=STATION, clock=clock)
    set_tracking(store, cid, "LAPOR-123", "diverifikasi", actor="Operator")
    c = load(store, cid)
    assert (c.tracking_id, c.status) == ("LAPOR-123", "diverifikasi")
    with pytest.raises(ComplaintError, match="cannot be set by hand"):
        set_tracking(store, cid, "X", "hilang")
    for studio_state in ("draft", "siap_kirim", "gagal_kirim"):  # the studio's own flow, not a person's
        with pytest.raises(ComplaintError, match="cannot be set by hand"):
            set_tracking(store, cid, None, studio_state)


def test_working_days_skip_weekends():
    friday, monday = date(2026, 3, 6), date(2026, 3, 9)
    assert working_days_between(friday, monday) == 1
    assert working_days_between(friday, date(2026, 3, 8)) == 0  # Saturday, Sunday
    assert working_days_between(friday, date(2026, 3, 13)) == 5  # next Friday
    assert working_days_between(friday, date(2026, 3, 20)) == 10
    assert working_days_between(monday, friday) == 0


def test_review_colours_follow_status_and_age_in_working_days():
    friday = date(2026, 3, 6)
    assert review_colour("selesai", friday, date(2026, 4, 1)) == "blue"
    assert review_colour("ditindaklanjuti", friday, date(2026, 4, 1)) == "yellow"
    # Sent on Friday; three working days is Wednesday: still yellow; Thursday red.
    assert review_colour("terkirim", friday, date(2026, 3, 11)) == "yellow"
    assert review_colour("terkirim", friday, date(2026, 3, 12)) == "red"
    # The weekend does not count: after two calendar days it is not late.
    assert review_colour("terkirim", friday, date(2026, 3, 8)) == "yellow"
    # Disposed to the agency: 3 + 5 working days.
    assert review_colour("didisposisikan", friday, date(2026, 3, 18)) == "yellow"
    assert review_colour("didisposisikan", friday, date(2026, 3, 19)) == "red"


def test_a_walk_in_speaker_drafts_a_complaint_heard_directly_without_a_number(store):
    store.start_show("SAPA BUPATI")
    producer = ScreeningService(store, Actor("producer", "Rina"))
    item = air(store, producer.add_manual("Warga Sumberrejo: irigasi kering", reporter_name="Pak Darto"))
    c = load(store, draft_from_items(store, [item], station=STATION, clock=clock))
    assert c.sumber.channel == "langsung"
    assert c.originals == ("Warga Sumberrejo: irigasi kering",)
    assert c.pelapor == Pelapor("Pak Darto", None)


def test_merging_drafts_moves_items_and_originals_into_one_and_deletes_the_rest(store):
    first = draft_from_items(
        store, [aired_sms(store, "Jalan rusak di Kalitidu")], station=STATION, clock=clock
    )
    second = draft_from_items(
        store, [aired_sms(store, "Jalan Kalitidu berlubang", "081211112222")], station=STATION, clock=clock
    )
    complete(store, second)
    merged = merge(store, first, [second], actor="Rina", clock=clock)
    assert merged.originals == ("Jalan rusak di Kalitidu", "Jalan Kalitidu berlubang")
    assert "Jalan rusak di Kalitidu" in merged.isi and "Jalan Kalitidu berlubang" in merged.isi
    assert merged.kategori == "Infrastruktur"  # an empty field filled from the merged draft
    assert len(item_ids(store, first)) == 2
    with pytest.raises(ComplaintError):
        load(store, second)
    assert (
        store.conn.execute(
            "SELECT count(*) FROM audit WHERE entity = 'complaint' AND action = 'merged' AND entity_id = ?",
            (second,),
        ).fetchone()[0]
        == 1
    )
    mark_ready(store, first, ["file"], "Rina")
    with pytest.raises(ComplaintError, match="only drafts"):
        merge(store, first, [draft_from_items(store, [aired_sms(store, "Lain")], station=STATION)])


def test_kategori_and_instansi_outside_the_configured_lists_are_refused(store):
    cid = draft_from_items(store, [aired_sms(store, "Sampah menumpuk")], station=STATION, clock=clock)
    lists = {"categories": ["Lingkungan"], "agencies": ["Dinas Lingkungan Hidup"]}
    with pytest.raises(ComplaintError, match="kategori 'Sampah'"):
        update(store, cid, kategori="Sampah", **lists)
    with pytest.raises(ComplaintError, match="instansi"):
        update(store, cid, instansi="Dinas Entah", **lists)
    assert (
        update(store, cid, kategori="Lingkungan", instansi="Dinas Lingkungan Hidup", **lists).kategori
        == "Lingkungan"
    )


# ---------------------------------------------------------------- every reporter, every transport
OTHER = "+6285712345678"
OTHER_FORMS = ("+6285712345678", "6285712345678", "085712345678", "0857-1234-5678", "0857 1234 5678")
NAMES = ("budi santoso", "siti aminah")


def two_senders(store: Store, place: str = "Kalitidu") -> tuple[int, int]:
    """Two aired SMS about one matter from two listeners, each signing with name and number."""
    a = aired_sms(
        store,
        f"Jalan {place} rusak parah. Budi Santoso 0812-3456-7890",
        reporter_name="Budi Santoso",
        topic="Jalan Kalitidu rusak",
    )
    b = aired_sms(store, f"Betul jalan {place} berlubang, Siti Aminah 085712345678", OTHER)
    store.set_sender_name(OTHER, "Siti Aminah")  # the producer named this sender earlier
    return a, b


def assert_no_reporter(text: str, where: str) -> None:
    """Neither listener's name nor any written form of either number is in ``text``."""
    lowered = text.lower()
    for name in NAMES:
        assert name not in lowered, (where, name)
    for form in (*NUMBER_FORMS, *OTHER_FORMS):
        assert form not in text, (where, form)
    digits = re.sub(r"\D", "", text)
    assert "81234567890" not in digits and "85712345678" not in digits, where


def test_the_pelapor_name_and_number_come_from_the_same_item(store):
    a = aired_sms(store, "Jalan rusak", reporter_name=None)  # a number, no name
    b = aired_sms(store, "Jalan berlubang", OTHER, reporter_name="Siti Aminah")
    c = load(store, draft_from_items(store, [a, b], station=STATION, clock=clock))
    assert c.pelapor == Pelapor(None, NUMBER)  # never Siti's name with the first number
    assert set(c.reporters) == {Pelapor(None, NUMBER), Pelapor("Siti Aminah", OTHER)}
    payload = to_payload(dataclasses.replace(c, anonim=False))
    assert "reporters" not in payload and "revision" not in payload and "uid" not in payload


def test_anonim_scrubs_every_reporter_of_items_drafted_together_or_merged(store):
    a, b = two_senders(store)
    together = load(store, draft_from_items(store, [a, b], station=STATION, clock=clock))
    assert together.pelapor == Pelapor("Budi Santoso", NUMBER)
    assert {Pelapor("Budi Santoso", NUMBER), Pelapor("Siti Aminah", OTHER)} <= set(together.reporters)
    c, d = two_senders(store, "Ngraho")
    first = draft_from_items(store, [c], station=STATION, clock=clock)
    second = draft_from_items(store, [d], station=STATION, clock=clock)
    merged = merge(store, first, [second], actor="Rina", clock=clock)
    assert merged.pelapor == Pelapor("Budi Santoso", NUMBER)
    assert {Pelapor("Budi Santoso", NUMBER), Pelapor("Siti Aminah", OTHER)} <= set(merged.reporters)
    for complaint in (together, merged):
        payload = to_payload(complaint)
        assert "pelapor" not in payload and "reporters" not in payload
        assert_no_reporter(json.dumps(payload, ensure_ascii=False), f"payload {complaint.id}")
        assert payload["originals"][1].count("[disamarkan]") == 2
    # The producer still sees both, and unticking anonim sends only the pelapor.
    named = to_payload(dataclasses.replace(merged, anonim=False))
    assert named["pelapor"] == {"nama": "Budi Santoso", "nomor": NUMBER} and "reporters" not in named


def test_anonim_with_two_senders_reaches_no_transport_output(tmp_path):
    """The real outbox worker drains a two-sender anonim complaint to the file package and to
    the fake SIAP LAPOR! server on 127.0.0.1; the 1708 text is the transport's own fit."""
    from studio_console.complaints.outbox import OutboxWorker
    from studio_console.complaints.transports.file_package import FilePackageTransport
    from studio_console.complaints.transports.http_push import HttpTransport
    from studio_console.complaints.transports.sms1708 import Sms1708Transport
    from tests.studio_console.complaints.lapor_server import TOKEN, LaporServer

    db = tmp_path / "studio.sqlite3"
    with Store(db, clock=clock) as store, LaporServer() as server:
        a, b = two_senders(store)
        cid = draft_from_items(store, [a, b], station=STATION, clock=clock)
        complete(store, cid)
        update(store, cid, judul="Jalan Kalitidu rusak, kata Budi Santoso")
        mark_ready(store, cid, ["file", "http"], "Rina")
        http = HttpTransport(server.url, environ={"STUDIO_CONSOLE_HTTP_TOKEN": TOKEN}, timeout=5.0)
        package_folder = tmp_path / "export"
        worker = OutboxWorker(
            db, {"file": FilePackageTransport(package_folder, clock=clock), "http": http}, clock=clock
        )
        assert worker.drain_once(store) == 2
        assert {r[0] for r in store.conn.execute("SELECT state FROM outbox")} == {"sent"}
        (package,) = package_folder.glob("aduan-*")
        outputs = {f.name: f.read_text(encoding="utf-8-sig") for f in package.iterdir() if f.is_file()}
        assert {"complaints.json", "complaints.csv"} <= set(outputs)
        assert any(name.endswith(".html") for name in outputs)
        (request,) = server.requests
        outputs["http body"] = request.body.decode("utf-8")
        payload = to_payload(load(store, cid))
        outputs["sms1708"] = Sms1708Transport(db, None).fit(payload).text
        for where, text in outputs.items():
            assert_no_reporter(text, where)
        assert "[disamarkan]" in outputs["complaints.json"] and "[disamarkan]" in outputs["http body"]


# ---------------------------------------------------------------- recordings and anonim
def call_item(store: Store, folder, anonim: bool, name: str = "rec_call1.flac") -> tuple[int, str]:
    """A recorded call told as an item and aired; returns (item id, recording path)."""
    from studio_console.store import recordings as rec_store

    call_id = store.call_ringing(NUMBER)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"fLaC" + bytes(64))
    rec_store.add(
        store, str(path), started_at="2026-03-06T04:00:00+00:00", samplerate=48000, channels=1,
        fmt="flac", call_id=call_id,
    )  # fmt: skip
    if store.current_show() is None:
        store.start_show("SAPA BUPATI")
    producer = ScreeningService(store, Actor("producer", "Rina"))
    item = producer.add_manual("Penelpon: jembatan retak", call_id=call_id)
    return air(store, item, anonim=anonim), str(path)


def test_an_anonim_complaint_offers_the_call_recording_but_does_not_attach_it(store, tmp_path):
    from studio_console.complaints.builder import recording_candidates
    from studio_console.store import recordings as rec_store

    item, path = call_item(store, tmp_path / "rec", anonim=True)
    cid = draft_from_items(store, [item], station=STATION, clock=clock)
    c = load(store, cid)
    assert c.anonim and c.lampiran == () and rec_store.for_complaint(store, cid) == []
    assert [r.path for r in recording_candidates(store, cid)] == [path]  # offered, unticked
    assert update(store, cid, lampiran=[path]).lampiran == (path,)  # ticked on purpose
    named, named_path = call_item(store, tmp_path / "rec", anonim=False, name="rec_call2.flac")
    other = draft_from_items(store, [named], station=STATION, clock=clock)
    assert load(store, other).lampiran == (named_path,)  # not anonim: attached as before
    # Merged into an anonim complaint, the default attachment does not follow.
    merged = merge(store, cid, [other], actor="Rina", clock=clock)
    assert merged.anonim and merged.lampiran == (path,)
    assert [r.path for r in rec_store.for_complaint(store, cid)] == [path]
    assert {r.path for r in recording_candidates(store, cid)} == {path, named_path}


# ---------------------------------------------------------------- back to draft
def refused(store: Store, text: str = "Jalan rusak") -> tuple[int, list[int]]:
    """A complaint whose HTTP push was refused for its content, its file row still waiting."""
    from studio_console.complaints import outbox

    cid = draft_from_items(store, [aired_sms(store, text)], station=STATION, clock=clock)
    complete(store, cid)
    rows = mark_ready(store, cid, ["file", "http"], "Rina")
    outbox.mark_permanent_failure(store, rows[1], "http_rejected: 422 kategori tidak dikenal")
    return cid, rows


def test_a_refused_complaint_goes_back_to_draft_and_is_sent_again_under_new_keys(store):
    from studio_console.complaints import outbox
    from studio_console.complaints.builder import reopen

    cid, rows = refused(store)
    before = load(store, cid)
    assert before.status == "gagal_kirim" and before.revision == 0
    old_keys = [outbox.get(store, r).idempotency_key for r in rows]
    assert old_keys == [idempotency_key(before, "file"), idempotency_key(before, "http")]
    seed = f"{before.uid}:{cid}:http".encode()  # revision 0: the keys it always had
    assert old_keys[1] == f"{cid}-http-{hashlib.sha256(seed).hexdigest()[:20]}"
    c = reopen(store, cid, actor="Rina", clock=clock)
    assert (c.status, c.revision) == ("draft", 1)
    assert [outbox.get(store, r).state for r in rows] == ["dibatalkan", "dibatalkan"]
    assert outbox.due(store, datetime(2030, 1, 1, tzinfo=UTC)) == []  # the worker never picks them
    with pytest.raises(ComplaintError, match="only failed rows"):
        outbox.retry(store, rows[1], actor="Rina")
    audit = store.conn.execute(
        "SELECT entity, action, from_state, to_state, actor FROM audit "
        "WHERE action IN ('cancelled', 'reopened') ORDER BY id"
    ).fetchall()
    assert audit == [
        ("outbox", "cancelled", "pending", "dibatalkan", "Rina"),
        ("outbox", "cancelled", "gagal_kirim", "dibatalkan", "Rina"),
        ("complaint", "reopened", "gagal_kirim", "draft", "Rina"),
    ]
    update(store, cid, kategori="Jalan dan jembatan")  # the fix
    new_rows = mark_ready(store, cid, ["file", "http"], "Rina")  # no UNIQUE clash
    new_keys = [outbox.get(store, r).idempotency_key for r in new_rows]
    assert not set(new_keys) & set(old_keys)
    assert new_keys == [idempotency_key(load(store, cid), t) for t in ("file", "http")]
    assert all(re.fullmatch(rf"{cid}-(file|http)-[0-9a-f]{{20}}", k) for k in new_keys)
    assert [r.id for r in outbox.due(store, datetime(2030, 1, 1, tzinfo=UTC))] == new_rows
    assert "revision" not in to_payload(load(store, cid))


def test_back_to_draft_is_refused_once_anything_may_have_reached_a_destination(store):
    from studio_console.complaints import outbox
    from studio_console.complaints.builder import reopen

    cid, rows = refused(store)
    outbox.claim(store, rows[0], datetime(2030, 1, 1, tzinfo=UTC))  # the file row is being written
    with pytest.raises(ComplaintError, match="file row is sending"):
        reopen(store, cid, actor="Rina")
    outbox.mark_sent(store, rows[0], {"package": "x"})
    with pytest.raises(ComplaintError, match="file row is sent"):
        reopen(store, cid, actor="Rina")
    assert load(store, cid).status == "gagal_kirim" and outbox.get(store, rows[1]).state == "gagal_kirim"
    # An SMS begun (it may have gone) blocks it too, even with its row failed.
    other = draft_from_items(store, [aired_sms(store, "Lampu mati")], station=STATION, clock=clock)
    complete(store, other)
    (sms_row,) = mark_ready(store, other, ["sms1708"], "Rina")
    store.begin_sent(
        "1708", "BJN Lampu mati", purpose="lapor", related_id=other,
        idempotency_key=outbox.get(store, sms_row).idempotency_key,
    )  # fmt: skip
    outbox.mark_permanent_failure(store, sms_row, "sms_uncertain: the SMS may already have gone")
    with pytest.raises(ComplaintError, match="sms1708 SMS was begun"):
        reopen(store, other, actor="Rina")
    draft = draft_from_items(store, [aired_sms(store, "Sampah")], station=STATION, clock=clock)
    with pytest.raises(ComplaintError, match="is draft"):
        reopen(store, draft, actor="Rina")
    set_tracking(store, cid, "LAPOR-1", "terkirim", actor="Rina")
    with pytest.raises(ComplaintError, match="is terkirim"):
        reopen(store, cid, actor="Rina")
