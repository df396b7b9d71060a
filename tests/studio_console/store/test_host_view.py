"""The host's view of the store: running order, aired items, ready calls — never a full number."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from drivers.gsm.pdu import decode, encode_deliver
from studio_console.screening import Actor, ScreeningService
from studio_console.store import Store
from studio_console.store.host_view import (
    host_item,
    host_queue,
    ready_calls,
    recently_aired,
    show_info,
)

T0 = datetime(2025, 3, 4, 2, 0, 0, tzinfo=UTC)  # 09:00 WIB

NUMBER_FORMS = (
    "+6281234567890",
    "6281234567890",
    "081234567890",
    "81234567890",
    "0812-3456-7890",
    "0812 3456 7890",
    "+62 812 3456 7890",
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "studio.sqlite3", clock=clock) as s:
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
    return store.conn.execute("SELECT id FROM items WHERE message_id = ?", (message_id,)).fetchone()[0]


def queue(producer: ScreeningService, *item_ids: int) -> None:
    for item_id in item_ids:
        producer.move(item_id, "approved")
        producer.move(item_id, "queued")


def all_strings(obj: object) -> list[str]:
    return [v for v in dataclasses.asdict(obj).values() if isinstance(v, str)]  # type: ignore[arg-type]


def test_queue_holds_only_queued_and_on_air_items_in_running_order(store, producer, host):
    new = sms(store, "baru")
    approved = sms(store, "disetujui saja")
    a, b, c = (sms(store, f"antre {n}", f"+62812000000{n}") for n in range(3))
    aired = sms(store, "sudah dibacakan")
    producer.move(approved, "approved")
    queue(producer, a, b, c, aired)
    host.move(aired, "aired")
    producer.reorder(c, -2)
    producer.set_next(a)
    host.move(b, "on_air")
    rows = host_queue(store)
    assert [r.item_id for r in rows] == [c, a, b]
    assert [r.position for r in rows] == [1, 2, 3]
    assert [r.is_next for r in rows] == [False, True, False]
    assert [r.state for r in rows] == ["queued", "queued", "on_air"]
    assert new not in {r.item_id for r in rows} and approved not in {r.item_id for r in rows}


def test_text_for_air_is_the_edit_when_there_is_one(store, producer):
    item = sms(store, "Teks asli yang panjang sekali")
    queue(producer, item)
    assert host_queue(store)[0].text_for_air == "Teks asli yang panjang sekali"
    producer.edit(item, air_text="Teks untuk siaran")
    assert host_queue(store)[0].text_for_air == "Teks untuk siaran"


def test_sender_is_the_name_unless_anonim_else_the_masked_number(store, producer):
    item = sms(store, "halo")
    queue(producer, item)
    assert host_queue(store)[0].sender_label == "0812****7890"  # anonim by default
    store.set_sender_name("+6281234567890", "Bu Sri")
    assert host_queue(store)[0].sender_label == "0812****7890"
    producer.edit(item, anonim=False)
    assert host_queue(store)[0].sender_label == "Bu Sri"
    producer.edit(item, reporter_name="Sri Wahyuni")
    assert host_queue(store)[0].sender_label == "Sri Wahyuni"
    producer.edit(item, anonim=True)
    assert host_queue(store)[0].sender_label == "0812****7890"


def test_places_are_named_from_their_codes(store, producer):
    item = sms(store, "jalan rusak")
    queue(producer, item)
    producer.edit(item, kecamatan_code="35.22.01", desa_code="35.22.01.2001")
    row = host_queue(store)[0]
    assert (row.kecamatan, row.desa) == ("Ngraho", "Luwihaji")
    producer.edit(item, kecamatan_code=None, desa_code="35.22.01.2001")
    assert host_queue(store)[0].kecamatan == "Ngraho"
    producer.edit(item, kecamatan_code="99.99.99", desa_code=None)
    assert (host_queue(store)[0].kecamatan, host_queue(store)[0].desa) == ("99.99.99", None)


def test_no_row_ever_carries_the_full_number(store, producer, host, clock):
    """SMS, manual and call items, aired items and ready calls: masked everywhere."""
    show = store.start_show("SAPA BUPATI")
    text = "Nomor saya " + " / ".join(NUMBER_FORMS) + " tolong telepon balik"
    international = sms(store, text)
    national = sms(store, "dari nomor nasional 081234567890", "081234567890")
    call_id = store.call_ringing("+6281234567890")
    store.conn.execute(
        "UPDATE calls SET notes = ? WHERE id = ?", ("minta ditelepon ke 0812 3456 7890", call_id)
    )
    store.call_set_state(call_id, "hold")
    store.call_set_state(call_id, "ready")
    call_item = producer.add_manual("Penelepon 081234567890 tanya KTP", call_id=call_id)
    manual = producer.add_manual("Warga datang ke Pendopo, +6281234567890", reporter_name="Pak 081234567890")
    store.set_sender_name("+6281234567890", "Budi 0812-3456-7890")
    for item in (international, national, call_item, manual):
        queue(producer, item)
        producer.edit(
            item,
            anonim=False,
            topic="hubungi 6281234567890",
            air_text=None if item != manual else "Siaran: 081234567890",
        )
    host.answered(national, "Dinas 081234567890", "ditelepon ke +6281234567890")
    host.move(national, "aired")
    rows = [
        *host_queue(store),
        *recently_aired(store, show),
        *recently_aired(store, None),
        *ready_calls(store),
        host_item(store, international),
        host_item(store, national),
    ]
    assert len(rows) == 3 + 1 + 1 + 1 + 2
    for row in rows:
        for value in all_strings(row):
            for form in NUMBER_FORMS:
                assert form not in value, (row, form)
    by_id = {r.item_id: r for r in host_queue(store)}
    assert by_id[international].text_for_air.startswith("Nomor saya 0812****7890")
    assert by_id[international].sender_label == "Budi 0812****7890"
    assert by_id[manual].sender_label == "Pak 0812****7890"
    assert by_id[manual].text_for_air == "Siaran: 0812****7890"  # a typed number, masked too
    assert ready_calls(store)[0].caller_masked == "0812****7890"


def test_a_short_code_or_a_name_sender_is_shown_as_it_is(store, producer):
    item = sms(store, "Info promo 1708", "TELKOMSEL")
    queue(producer, item)
    assert host_queue(store)[0].sender_label == "TELKOMSEL"
    assert host_queue(store)[0].text_for_air == "Info promo 1708"


def test_recently_aired_newest_first_per_show(store, producer, host, clock):
    first = store.start_show("PAGI")
    old = sms(store, "acara pagi")
    queue(producer, old)
    host.move(old, "aired")
    second = store.start_show("SAPA BUPATI")
    items = [sms(store, f"pesan {n}", f"+62812000001{n}") for n in range(3)]
    queue(producer, *items)
    for item in items:
        clock.now += timedelta(minutes=1)
        host.move(item, "aired")
    aired = recently_aired(store, second, limit=2)
    assert [r.item_id for r in aired] == [items[2], items[1]]
    assert all(r.state == "aired" and r.position is None for r in aired)
    assert aired[0].aired_at == (T0 + timedelta(minutes=3)).isoformat()
    assert [r.item_id for r in recently_aired(store, first)] == [old]
    assert len(recently_aired(store, None, limit=10)) == 4


def test_ready_calls_show_masked_callers_and_hold_time(store, clock):
    waiting = store.call_ringing("+6281234567890")
    store.call_set_state(waiting, "hold")
    clock.now += timedelta(seconds=30)
    store.call_set_state(waiting, "ready")
    later = store.call_ringing("+6285731112233")
    clock.now += timedelta(seconds=15)
    store.call_set_state(later, "ready")
    store.call_ringing("+6281399887766")  # still ringing: not for the host
    clock.now += timedelta(seconds=45)
    calls = ready_calls(store)
    assert [c.call_id for c in calls] == [waiting, later]
    assert [c.caller_masked for c in calls] == ["0812****7890", "0857****2233"]
    assert [c.hold_seconds for c in calls] == [90, 45]


def test_show_info_names_the_show_on_air(store, clock):
    assert show_info(store) is None
    show = store.start_show("SAPA BUPATI")
    info = show_info(store)
    assert (info.show_id, info.name, info.started_at) == (show, "SAPA BUPATI", T0.isoformat())
    store.stop_show()
    assert show_info(store) is None


def test_host_item_gives_position_in_queue_or_none(store, producer):
    a, b = sms(store, "satu"), sms(store, "dua", "+6285731112233")
    queue(producer, a, b)
    assert host_item(store, b).position == 2
    producer.move(b, "approved")
    assert host_item(store, b).position is None and host_item(store, b).state == "approved"
    assert host_item(store, 9999) is None
