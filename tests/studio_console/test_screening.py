"""Screening rules on a real store: who may move an item where, the running order, the audit."""

from __future__ import annotations

import pytest

from drivers.gsm.pdu import decode, encode_deliver
from studio_console.screening import Actor, ScreeningError, ScreeningService
from studio_console.store import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "studio.sqlite3") as s:
        yield s


@pytest.fixture
def producer(store):
    return ScreeningService(store, Actor("producer", "Rina"))


@pytest.fixture
def host(store):
    return ScreeningService(store, Actor("host", "Mas Bayu"))


def sms(store: Store, text: str, sender: str = "+6281234567890") -> int:
    pdu = encode_deliver(sender, text)[0]
    message_id = store.store_part(decode(pdu), pdu).message_id
    return store.conn.execute("SELECT id FROM items WHERE message_id = ?",
                              (message_id,)).fetchone()[0]


def state(store: Store, item_id: int) -> str:
    return store.conn.execute("SELECT state FROM items WHERE id = ?", (item_id,)).fetchone()[0]


def test_full_path_from_new_to_aired_with_time_show_and_host(store, producer, host):
    item = sms(store, "Lampu PJU mati")
    show = store.start_show("SAPA BUPATI")
    producer.move(item, "approved")
    producer.move(item, "queued")
    host.move(item, "on_air")
    host.move(item, "aired")
    row = store.conn.execute("SELECT state, aired_at, aired_show_id, aired_by FROM items "
                             "WHERE id = ?", (item,)).fetchone()
    assert row[0] == "aired" and row[1] and row[2] == show and row[3] == "Mas Bayu"
    trail = store.conn.execute("SELECT actor_role, from_state, to_state FROM audit "
                               "WHERE entity = 'item' AND entity_id = ? ORDER BY id",
                               (item,)).fetchall()
    assert trail == [("system", None, "new"), ("producer", "new", "approved"),
                     ("producer", "approved", "queued"), ("host", "queued", "on_air"),
                     ("host", "on_air", "aired")]


def test_only_the_host_marks_on_air_and_aired(store, producer):
    item = sms(store, "halo")
    producer.move(item, "approved")
    producer.move(item, "queued")
    for to in ("on_air", "aired"):
        with pytest.raises(ScreeningError, match=f"producer may not mark an item {to}"):
            producer.move(item, to)
    assert state(store, item) == "queued"


def test_host_cannot_screen(store, host):
    item = sms(store, "halo")
    with pytest.raises(ScreeningError, match="host may not mark an item rejected"):
        host.move(item, "rejected")


def test_removing_from_the_queue_is_not_airing(store, producer, host):
    item = sms(store, "halo")
    producer.move(item, "approved")
    producer.move(item, "queued")
    host.move(item, "approved")
    row = store.conn.execute("SELECT state, aired_at, position FROM items WHERE id = ?",
                             (item,)).fetchone()
    assert row == ("approved", None, None)


def test_unapproved_items_cannot_be_queued_or_aired(store, producer, host):
    item = sms(store, "halo")
    with pytest.raises(ScreeningError, match="is new; it cannot become queued"):
        producer.move(item, "queued")
    with pytest.raises(ScreeningError, match="cannot become aired"):
        host.move(item, "aired")


def test_spam_can_be_rescued(store, producer):
    store.set_blocked("+6287855554444", True, "promo")
    item = sms(store, "bukan promo kali ini", sender="+6287855554444")
    assert state(store, item) == "spam"
    producer.move(item, "approved")
    assert state(store, item) == "approved"


def test_running_order_next_and_reorder(store, producer):
    items = [sms(store, f"pesan {i}") for i in range(4)]
    for item in items:
        producer.move(item, "approved")
        producer.move(item, "queued")
    producer.reorder(items[3], -2)
    assert [r["id"] for r in producer.queue()] == [items[0], items[3], items[1], items[2]]
    producer.set_next(items[1])
    producer.set_next(items[2])
    assert [r["id"] for r in producer.queue() if r["is_next"]] == [items[2]]
    producer.reorder(items[0], +10)
    assert [r["id"] for r in producer.queue()][-1] == items[0]


def test_one_item_on_air_at_a_time(store, producer, host):
    a, b = sms(store, "a"), sms(store, "b")
    for item in (a, b):
        producer.move(item, "approved")
        producer.move(item, "queued")
    host.move(a, "on_air")
    host.move(b, "on_air")
    assert (state(store, a), state(store, b)) == ("queued", "on_air")


def test_edit_for_air_keeps_the_original(store, producer):
    item = sms(store, "Pak tolong jalan di desa kami rusak parah sekali mohon diperbaiki")
    producer.edit(item, air_text="Jalan desa rusak parah, mohon diperbaiki.", topic="Jalan rusak",
                  opd="Dinas PU", category="Infrastruktur", priority=2, anonim=False,
                  rahasia=True, reporter_name="Bu Sri", kecamatan_code="35.22.11",
                  desa_code="35.22.11.2003")
    row = store.conn.execute("SELECT air_text, topic, priority, anonim, rahasia FROM items "
                             "WHERE id = ?", (item,)).fetchone()
    assert row == ("Jalan desa rusak parah, mohon diperbaiki.", "Jalan rusak", 2, 0, 1)
    (msg,) = store.messages()
    assert msg.text == "Pak tolong jalan di desa kami rusak parah sekali mohon diperbaiki"


def test_edit_rejects_unknown_fields_and_hosts(store, producer, host):
    item = sms(store, "halo")
    with pytest.raises(ScreeningError, match="unknown item field"):
        producer.edit(item, text="ganti")
    with pytest.raises(ScreeningError, match="only the producer"):
        host.edit(item, topic="x")


def test_manual_item_and_answer(store, producer, host):
    item = producer.add_manual("Warga Pendopo: bantuan sembako belum merata", reporter_name="Pak RT")
    assert state(store, item) == "new"
    producer.move(item, "approved")
    producer.move(item, "queued")
    host.move(item, "aired")
    host.answered(item, "Kepala Dinas Sosial", "Didata ulang minggu depan")
    row = store.conn.execute("SELECT kind, answered_by, answer FROM items WHERE id = ?",
                             (item,)).fetchone()
    assert row == ("manual", "Kepala Dinas Sosial", "Didata ulang minggu depan")
    with pytest.raises(ScreeningError, match="needs text"):
        producer.add_manual("   ")


def test_a_manual_item_with_half_an_emoji_is_kept_with_a_replacement_mark(store, producer):
    item = producer.add_manual("Jalan rusak \ud83d di Dander", reporter_name="Bu \udc4d Sri")
    row = store.conn.execute("SELECT manual_text, reporter_name FROM items WHERE id = ?", (item,)).fetchone()
    assert row == ("Jalan rusak \ufffd di Dander", "Bu \ufffd Sri")
