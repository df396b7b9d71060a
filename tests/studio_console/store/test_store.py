"""The store on real SQLite files: migrations, durability settings, idempotent ingest, multipart."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from drivers.gsm.pdu import decode, encode_deliver, encode_status_report
from studio_console.store import Store, StoreError, open_database
from studio_console.store.schema import MIGRATIONS, SCHEMA_VERSION


class FakeClock:
    """A settable clock (real time is not needed to test waiting rules)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "studio.sqlite3", durable=True, clock=clock, flood_max_messages=3,
               flood_window=300) as s:
        yield s


def put(store: Store, sender: str, text: str, **kw) -> list:
    return [store.store_part(decode(pdu), pdu, storage="SM", slot=i)
            for i, pdu in enumerate(encode_deliver(sender, text, **kw))]


# --------------------------------------------------------------------------- migrations
def seed(conn: sqlite3.Connection, version: int) -> None:
    """Rows a database of ``version`` could hold, written with that version's columns."""
    if version >= 1:
        conn.execute("INSERT INTO senders (key, raw, kind, masked, first_seen, last_seen, name) "
                     "VALUES ('+6281234567890', '081234567890', 'mobile', '0812****7890', 't', 't',"
                     " 'Pak Darto')")
        conn.execute("INSERT INTO messages (sender_id, sender_raw, text, received_at) "
                     "VALUES (1, '081234567890', 'jalan berlubang di Kalitidu', 't')")


@pytest.mark.parametrize("start", range(SCHEMA_VERSION + 1))
def test_migrates_from_every_earlier_version_keeping_data(tmp_path, start):
    path = tmp_path / "old.sqlite3"
    db = open_database(path, migrate_to=start)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == start
    seed(db.conn, start)
    db.conn.close()
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        if start >= 1:
            (row,) = store.messages(search="berlubang")
            assert row.text == "jalan berlubang di Kalitidu"
            assert [r.id for r in store.messages(search="darto")] == [row.id]
        assert "outbox" in store.db.table_names()


def test_a_newer_database_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this program"):
        Store(path)


def test_two_processes_opening_a_new_file_at_once_migrate_it_once(tmp_path):
    path = tmp_path / "race.sqlite3"
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            open_database(path).conn.close()
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_wal_busy_timeout_and_full_sync_for_ingest(store, tmp_path):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 10_000
    with Store(tmp_path / "studio.sqlite3") as screen:
        assert screen.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_the_audit_log_is_append_only(store):
    store.set_blocked("081234567890", True, "spam berulang")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("UPDATE audit SET actor = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("DELETE FROM audit")


# ------------------------------------------------------------------------------ ingest
def test_reading_the_same_pdu_twice_stores_it_once(store):
    pdu = encode_deliver("+6281234567890", "Lampu PJU mati")[0]
    first = store.store_part(decode(pdu), pdu, storage="SM", slot=3)
    again = store.store_part(decode(pdu), pdu, storage="ME", slot=9)
    assert not first.duplicate and again.duplicate and again.part_id == first.part_id
    assert store.counts()["messages"] == 1 and store.counts()["parts"] == 1


def test_part_keeps_raw_pdu_and_network_timestamp_with_offset(store):
    ts = datetime(2026, 11, 27, 13, 5, 7, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Jakarta"))
    pdu = encode_deliver("081234567890", "halo", timestamp=ts)[0]
    store.store_part(decode(pdu), pdu)
    row = store.conn.execute("SELECT pdu_hex, sent_at FROM parts").fetchone()
    assert row[0] == pdu.upper()
    assert row[1] == "2026-11-27T20:05:07+07:00"
    (msg,) = store.messages()
    assert msg.sent_at == "2026-11-27T20:05:07+07:00"
    assert msg.sender == "081234567890" and msg.sender_key == "+6281234567890"


def test_multipart_out_of_order_assembles_once_all_parts_are_in(store):
    text = "Banjir di Desa Ngraho sudah setinggi lutut, mohon bantuan perahu. " * 5
    pdus = encode_deliver("+6285731112233", text)
    assert len(pdus) == 3
    outcomes = [store.store_part(decode(pdus[i]), pdus[i]) for i in (2, 0, 1)]
    assert [o.complete for o in outcomes] == [False, False, True]
    (msg,) = store.messages()
    assert msg.text == text and msg.parts == 3 and msg.complete


def test_incomplete_multipart_is_shown_after_the_wait_and_completed_later(store, clock):
    text = "Pelayanan puskesmas Kedungadem lambat sekali, antrean dari jam enam pagi. " * 5
    pdus = encode_deliver("+6289612345678", text)
    store.store_part(decode(pdus[0]), pdus[0])
    store.store_part(decode(pdus[2]), pdus[2])
    assert store.release_stale_parts(600) == []  # not yet
    clock.advance(601)
    (message_id,) = store.release_stale_parts(600)
    (msg,) = store.messages()
    assert msg.id == message_id and not msg.complete and (msg.parts_received, msg.parts) == (2, 3)
    assert "\u2026" in msg.text
    clock.advance(3 * 3600)  # hours later
    outcome = store.store_part(decode(pdus[1]), pdus[1])
    assert outcome.message_id == message_id and outcome.complete
    (msg,) = store.messages()
    assert msg.text == text and msg.complete and store.counts()["messages"] == 1


def test_reused_concat_reference_from_the_same_sender_makes_two_messages(store):
    a = encode_deliver("+6281311223344", "satu " * 40, concat_ref=7)
    b = encode_deliver("+6281311223344", "dua " * 50, concat_ref=7)
    for pdu in a + b:
        store.store_part(decode(pdu), pdu)
    assert sorted(m.text for m in store.messages()) == sorted(["dua " * 50, "satu " * 40])


def test_blocked_sender_lands_as_spam_and_is_kept(store):
    store.set_blocked("+6287855554444", True, "promosi undian")
    put(store, "087855554444", "SELAMAT! Anda menang undian")
    (msg,) = store.messages()
    assert msg.state == "spam"
    assert store.sender("+6287855554444")["blocked_reason"] == "promosi undian"


def test_flooding_sender_lands_as_throttled_still_stored(store, clock):
    for i in range(5):
        put(store, "+6281999000111", f"pesan ke-{i}")
        clock.advance(10)
    assert [m.state for m in store.messages()] == ["new", "new", "new", "throttled", "throttled"]
    clock.advance(400)
    put(store, "+6281999000111", "setelah jeda")
    assert list(store.messages())[-1].state == "new"


def test_show_on_air_claims_messages_and_calls(store):
    put(store, "+6281234567890", "sebelum siaran")
    show = store.start_show("SAPA BUPATI", by="Rina")
    put(store, "+6281234567890", "saat siaran")
    call = store.call_ringing("+6282140506070")
    store.stop_show(by="Rina")
    put(store, "+6281234567890", "sesudah siaran")
    assert [m.show_id for m in store.messages()] == [None, show, None]
    assert store.call(call)["show_id"] == show


def test_only_one_show_is_on_air(store):
    first = store.start_show("Pagi")
    second = store.start_show("Siang")
    assert store.current_show() == second != first
    assert store.conn.execute("SELECT ended_at IS NOT NULL FROM shows WHERE id = ?",
                              (first,)).fetchone()[0] == 1


def test_delivery_report_matches_the_sent_part_by_reference_and_recipient(store):
    sent = store.record_sent("+6281234567890", "Aduan Anda diteruskan", [41, 42], purpose="reply")
    store.record_sent("+6285700000000", "lain", [41])
    report = encode_status_report("081234567890", 42, status=0)
    matched, duplicate = store.store_status_report(decode(report), report)
    assert not duplicate and matched is not None
    row = store.conn.execute("SELECT sent_id, seq, delivered, status FROM sent_parts WHERE id = ?",
                             (matched,)).fetchone()
    assert row == (sent, 2, 1, 0)
    assert store.store_status_report(decode(report), report) == (None, True)


def test_call_phases_are_timestamped(store, clock):
    call = store.call_ringing(None)
    clock.advance(2)
    store.call_identified(call, "+6282140506070")
    clock.advance(5)
    store.call_set_state(call, "screening")
    clock.advance(30)
    store.call_set_state(call, "ended", reason="remote hang-up")
    row = store.call(call)
    assert row["number_raw"] == "+6282140506070" and row["state"] == "ended"
    assert row["ringing_at"] < row["clip_at"] < row["screening_at"] < row["ended_at"]
    assert store.sender("+6282140506070")["call_count"] == 1


def test_blocked_caller_is_recorded_as_blocked(store):
    store.set_blocked("+6287855554444", True, "teror")
    call = store.call_ringing("+6287855554444")
    assert store.call(call)["state"] == "blocked"


def test_quarantine_keeps_raw_hex_and_reason_once(store):
    first = store.quarantine("07916210", "truncated", storage="SM", slot=4)
    again = store.quarantine("07916210", "truncated", storage="SM", slot=4)
    assert not first[1] and again == (first[0], True)
    assert store.conn.execute("SELECT pdu_hex, reason FROM quarantine").fetchall() == [
        ("07916210", "truncated")]


def test_status_is_published_for_other_processes(store, tmp_path):
    store.publish_status({"state": "ready", "operator": "TELKOMSEL", "signal_dbm": -73})
    with Store(tmp_path / "studio.sqlite3") as screen:
        status = screen.read_status()
    assert status["operator"] == "TELKOMSEL" and status["pid"] > 0


def test_change_watcher_sees_other_connections_commits_only(store, tmp_path):
    with Store(tmp_path / "studio.sqlite3") as screen:
        watcher = screen.watcher()
        assert not watcher.changed()
        put(store, "+6281234567890", "baru")
        assert watcher.changed()
        assert not watcher.changed()


def test_paging_by_id_and_state_filter(store):
    for i in range(12):
        put(store, f"+62812345678{i:02d}", f"pesan {i}")
    newest = list(store.messages(limit=5, newest_first=True))
    assert [m.text for m in newest] == [f"pesan {i}" for i in range(11, 6, -1)]
    older = list(store.messages(before_id=newest[-1].id, limit=5, newest_first=True))
    assert [m.text for m in older] == [f"pesan {i}" for i in range(6, 1, -1)]
    assert list(store.messages(state="spam")) == []


def test_delivery_report_arriving_before_the_send_is_recorded_still_matches(store):
    report = encode_status_report("+6281234567890", 77, status=0)
    assert store.store_status_report(decode(report), report) == (None, False)
    sent = store.record_sent("081234567890", "Aduan Anda diteruskan", [77])
    row = store.conn.execute("SELECT delivered, status FROM sent_parts WHERE sent_id = ?",
                             (sent,)).fetchone()
    assert row == (1, 0)
    assert store.conn.execute("SELECT sent_part_id IS NOT NULL FROM status_reports").fetchone()[0]
