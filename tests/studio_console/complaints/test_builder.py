"""Complaints drafted from aired items on a real store: prefill, merge, checks, anonim, outbox rows."""

from __future__ import annotations

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
    with pytest.raises(ComplaintError, match="unknown status"):
        set_tracking(store, cid, "X", "hilang")


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
