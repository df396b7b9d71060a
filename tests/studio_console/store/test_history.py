"""A sender's history on a real store: messages, calls, counts, flags, remembered facts, complaints."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from drivers.gsm.pdu import decode, encode_deliver
from studio_console.screening import Actor, ScreeningService
from studio_console.store import Store
from studio_console.store.history import (
    item_sender,
    remember_sender_place,
    sender_history,
)

NUMBER = "+6281234567890"


class Clock:
    """A fixed clock that the test moves forward."""

    def __init__(self) -> None:
        self.now = datetime(2025, 6, 6, 5, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 60) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "studio.sqlite3", clock=clock, flood_max_messages=1000) as s:
        yield s


def sms(store: Store, text: str, sender: str = NUMBER) -> tuple[int, int]:
    """Store one SMS; returns (message id, item id)."""
    message_id = None
    for pdu in encode_deliver(sender, text):
        message_id = store.store_part(decode(pdu), pdu).message_id
    item_id = store.conn.execute("SELECT id FROM items WHERE message_id = ?", (message_id,)).fetchone()[0]
    return message_id, item_id


def test_item_sender_for_sms_call_and_manual_items(store):
    _, item = sms(store, "halo")
    sender = item_sender(store, item)
    assert (sender.key, sender.number, sender.blocked, sender.name) == (NUMBER, NUMBER, False, None)
    call = store.call_ringing("081234567891")
    service = ScreeningService(store, Actor("producer", "Rina"))
    call_item = service.add_manual("Penelepon: jembatan putus", call_id=call)
    assert item_sender(store, call_item).key == "+6281234567891"
    assert item_sender(store, service.add_manual("Tamu Pendopo")) is None
    assert item_sender(store, 999) is None


def test_history_lists_earlier_messages_newest_first_without_the_current_one(store, clock):
    ids = []
    for i in range(5):
        ids.append(sms(store, f"pesan {i}")[0])
        clock.tick()
    sms(store, "dari orang lain", sender="+6285712345678")
    history = sender_history(store, NUMBER, exclude_message_id=ids[-1], limit=3)
    assert [m.text for m in history.messages] == ["pesan 3", "pesan 2", "pesan 1"]
    assert all(m.state == "new" and m.complete for m in history.messages)
    assert history.message_count == 5
    assert history.item_states == {"new": 5}
    assert history.first_seen < history.last_seen


def test_history_counts_states_and_calls(store, clock):
    service = ScreeningService(store, Actor("producer", "Rina"))
    _, a = sms(store, "satu")
    _, b = sms(store, "dua")
    service.move(a, "approved")
    service.move(b, "spam")
    first = store.call_ringing(NUMBER)
    store.call_set_state(first, "missed")
    clock.tick()
    second = store.call_ringing(NUMBER)
    store.conn.execute("UPDATE calls SET notes = 'tanya jalan' WHERE id = ?", (second,))
    history = sender_history(store, NUMBER)
    assert history.item_states == {"approved": 1, "spam": 1}
    assert history.call_count == 2
    assert [(c.call_id, c.state, c.notes) for c in history.calls] == [
        (second, "ringing", "tanya jalan"),
        (first, "missed", None),
    ]


def test_blocked_flag_reason_warning_notes_and_remembered_name(store):
    sms(store, "promo pulsa murah")
    store.set_blocked(NUMBER, True, "promo pulsa")
    store.set_sender_name(NUMBER, "Pak Darmo")
    store.conn.execute(
        "UPDATE senders SET warning = 'pernah mengancam', notes = 'sering telepon' WHERE key = ?", (NUMBER,)
    )
    history = sender_history(store, NUMBER)
    assert history.blocked and history.blocked_reason == "promo pulsa" and history.blocked_at
    assert (history.warning, history.notes, history.name) == (
        "pernah mengancam",
        "sering telepon",
        "Pak Darmo",
    )
    assert history.masked == "0812****7890" and history.operator == "Telkomsel"
    store.set_blocked(NUMBER, False)
    assert not sender_history(store, NUMBER).blocked


def test_remember_sender_place_is_stored_and_audited(store):
    sms(store, "halo")
    assert remember_sender_place(store, NUMBER, "35.22.09", "35.22.09.2001", actor="Rina")
    history = sender_history(store, NUMBER)
    assert (history.kecamatan_code, history.desa_code) == ("35.22.09", "35.22.09.2001")
    audit = store.conn.execute(
        "SELECT actor_role, actor, entity, action, detail FROM audit WHERE entity = 'sender'"
    ).fetchall()
    assert audit == [("producer", "Rina", "sender", "place", "35.22.09.2001")]
    assert not remember_sender_place(store, "+6289999999999", "35.22.09", "35.22.09.2001")


def test_complaints_holding_the_senders_items(store):
    assert sender_history(store, NUMBER) is None
    _, item = sms(store, "jalan rusak")
    assert sender_history(store, NUMBER).complaints == ()
    now = store.clock().isoformat()
    for data, tracking in ((json.dumps({"judul": "Jalan rusak di Pejok"}), "LAPOR-1"), ("not json", None)):
        cur = store.conn.execute(
            "INSERT INTO complaints (created_at, updated_at, status, "
            "tracking_id, data) VALUES (?, ?, 'terkirim', ?, ?)",
            (now, now, tracking, data),
        )
        store.conn.execute("INSERT INTO complaint_items VALUES (?, ?)", (cur.lastrowid, item))
    complaints = sender_history(store, NUMBER).complaints
    assert [(c.status, c.tracking_id, c.title) for c in complaints] == [
        ("terkirim", None, None),
        ("terkirim", "LAPOR-1", "Jalan rusak di Pejok"),
    ]


def test_unknown_and_empty_keys_have_no_history(store):
    assert sender_history(store, "") is None
    assert sender_history(store, "+6280000000000") is None


def test_multipart_status_in_history(store):
    pdus = encode_deliver(NUMBER, "panjang " * 40)
    assert len(pdus) > 1
    store.store_part(decode(pdus[0]), pdus[0])
    store.release_stale_parts(0)
    (message,) = sender_history(store, NUMBER).messages
    assert (message.parts, message.parts_received, message.complete) == (len(pdus), 1, False)


def test_state_counts_look_at_the_latest_messages_only(store, monkeypatch):
    import studio_console.store.history as history_module

    service = ScreeningService(store, Actor("producer", "Rina"))
    for i in range(4):
        _, item = sms(store, f"promo {i}")
        if i < 2:
            service.move(item, "spam")
    monkeypatch.setattr(history_module, "STATE_WINDOW", 2)
    assert sender_history(store, NUMBER).item_states == {"new": 2}
    assert sender_history(store, NUMBER).message_count == 4
