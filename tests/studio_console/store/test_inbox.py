"""The inbox queries on a real store: items of every kind, filters, paging, search, new arrivals."""

from __future__ import annotations

import random
import re
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from drivers.gsm.pdu import decode, encode_deliver
from studio_console.screening import Actor, ScreeningService
from studio_console.store import Store
from studio_console.store.inbox import (
    InboxFilter,
    inbox_count_after,
    inbox_ids,
    inbox_page,
    inbox_row,
    inbox_rows,
)
from tests.hostile import HOSTILE_TEXTS


class FixedClock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def sms(store: Store, text: str, sender: str = "+6281234567890", **kw) -> int:
    """Receive an SMS through the real ingest path; returns its item id."""
    pdus = encode_deliver(sender, text, **kw)
    message_id = None
    for slot, pdu in enumerate(pdus):
        message_id = store.store_part(decode(pdu), pdu, storage="SM", slot=slot).message_id
    return store.conn.execute("SELECT id FROM items WHERE message_id = ?", (message_id,)).fetchone()[0]


def mixed_store(store: Store, clock: FixedClock, count: int = 120, seed: int = 7) -> dict[int, dict]:
    """``count`` items of all kinds, states and two shows; returns what each should be."""
    rng = random.Random(seed)
    producer = ScreeningService(store, Actor("producer", "Rina"))
    words = ["jalan", "rusak", "lampu", "mati", "banjir", "sampah", "pupuk", "salam", "lagu"]
    truth: dict[int, dict] = {}
    show = None
    for n in range(count):
        clock.advance(600)
        if n == count // 3:
            show = store.start_show("Halo Bojonegoro")
        if n == 2 * count // 3:
            show = store.start_show("Malam Campursari")
        roll = rng.random()
        text = " ".join(rng.choices(words, k=4)) + f" nomor{n}"
        if roll < 0.08:
            item = producer.add_manual(text, reporter_name="Bu Sri")
            kind = "manual"
        elif roll < 0.15:
            call = store.call_ringing(f"+62813{n:08d}")
            item = producer.add_manual(text, call_id=call)
            kind = "call"
        else:
            item = sms(store, text, sender=f"+62812{n % 17:08d}")
            kind = "sms"
        state = "new"
        pick = rng.random()
        if pick < 0.3:
            producer.move(item, "approved")
            state = "approved"
        elif pick < 0.45:
            producer.move(item, "rejected")
            state = "rejected"
        elif pick < 0.5:
            producer.move(item, "approved")
            producer.move(item, "queued")
            state = "queued"
        truth[item] = {
            "kind": kind,
            "state": state,
            "text": text,
            "show": show,
            "created": clock.now.isoformat(),
        }
    return truth


@pytest.fixture
def clock():
    return FixedClock()


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "studio.sqlite3", clock=clock, flood_max_messages=1000) as s:
        yield s


@pytest.fixture(scope="module")
def mixed_db(tmp_path_factory):
    """A store with a mixed history, built once per module (tests use a copy)."""
    path = tmp_path_factory.mktemp("mixed") / "studio.sqlite3"
    clock = FixedClock()
    with Store(path, clock=clock, flood_max_messages=1000) as built:
        truth = mixed_store(built, clock)
    return path, truth, clock.now


@pytest.fixture
def mixed(mixed_db):
    """What each item of the mixed history should be (by item id)."""
    return mixed_db[1]


@pytest.fixture
def mixed_store_copy(mixed_db, tmp_path):
    """A writable copy of the mixed history."""
    path, _, now = mixed_db
    copy = tmp_path / "mixed.sqlite3"
    shutil.copyfile(path, copy)
    clock = FixedClock()
    clock.now = now
    with Store(copy, clock=clock, flood_max_messages=1000) as s:
        yield s


# ------------------------------------------------------------------------- rows
def test_an_sms_item_joins_its_message_and_sender(store):
    store.set_sender_name("+6281234567890", "Pak Darto")
    item = sms(store, "Lampu PJU mati di Kalitidu")
    row = inbox_row(store, item)
    assert row is not None
    assert (row.kind, row.state, row.text) == ("sms", "new", "Lampu PJU mati di Kalitidu")
    assert row.sender == "+6281234567890" and row.sender_masked == "0812****7890"
    assert row.sender_key == "+6281234567890" and row.sender_name == "Pak Darto"
    assert row.operator == "Telkomsel" and not row.blocked and row.complete
    assert (row.parts, row.parts_received) == (1, 1)
    assert row.message_id is not None and row.call_id is None
    assert row.received_at.endswith("+00:00")


def test_call_and_manual_items_carry_their_own_text(store):
    producer = ScreeningService(store, Actor("producer"))
    call = store.call_ringing("081398765432")
    call_item = producer.add_manual("penelepon: jembatan ambles", call_id=call)
    manual = producer.add_manual("tamu di pendopo", reporter_name="Bu Sri")
    by_id = {r.item_id: r for r in inbox_page(store, InboxFilter())}
    assert by_id[call_item].kind == "call" and by_id[call_item].text == "penelepon: jembatan ambles"
    assert by_id[call_item].sender == "+6281398765432" and by_id[call_item].call_id == call
    assert by_id[manual].kind == "manual" and by_id[manual].sender == ""
    assert by_id[manual].reporter_name == "Bu Sri" and by_id[manual].text == "tamu di pendopo"


def test_an_incomplete_multipart_message_shows_its_parts(store, clock):
    pdus = encode_deliver("+6285731112233", "Jalan rusak parah di Sumberrejo. " * 8, concat_ref=9)
    store.store_part(decode(pdus[0]), pdus[0])
    clock.advance(3600)
    (message_id,) = store.release_stale_parts(600)
    (row,) = inbox_page(store, InboxFilter())
    assert row.message_id == message_id
    assert (row.parts, row.parts_received, row.complete) == (len(pdus), 1, False)


def test_blocked_senders_are_marked(store):
    store.set_blocked("+6281111111111", True, "penipuan")
    item = sms(store, "menang undian", sender="+6281111111111")
    row = inbox_row(store, item)
    assert row is not None and row.blocked and row.state == "spam"
    assert inbox_row(store, 999_999) is None


# ----------------------------------------------------------------------- paging
def test_pages_newest_first_cover_everything_once(mixed_store_copy, mixed):
    store = mixed_store_copy
    seen: list[int] = []
    before = None
    while True:
        page = inbox_page(store, InboxFilter(), before_id=before, limit=25)
        if not page:
            break
        seen += [r.item_id for r in page]
        before = page[-1].item_id
    assert seen == sorted(mixed, reverse=True)


def test_pages_oldest_first_after_an_id(mixed_store_copy, mixed):
    store = mixed_store_copy
    ids = sorted(mixed)
    page = inbox_page(store, InboxFilter(), after_id=ids[9], limit=5, newest_first=False)
    assert [r.item_id for r in page] == ids[10:15]
    both = inbox_page(store, InboxFilter(), after_id=ids[9], before_id=ids[12], limit=50)
    assert [r.item_id for r in both] == [ids[11], ids[10]]


def test_ids_of_everything_and_with_a_gap(mixed_store_copy, mixed):
    store = mixed_store_copy
    assert list(inbox_ids(store, InboxFilter())) == sorted(mixed)
    gone = sorted(mixed)[5]
    store.conn.execute("DELETE FROM items WHERE id = ?", (gone,))
    assert list(inbox_ids(store, InboxFilter())) == [i for i in sorted(mixed) if i != gone]


def test_rows_are_read_in_batches_and_unknown_ids_left_out(mixed_store_copy, mixed):
    store = mixed_store_copy
    ids = sorted(mixed)
    rows = inbox_rows(store, [*ids, 10_000_000])
    assert sorted(rows) == ids


# ---------------------------------------------------------------------- filters
def _utc(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).isoformat()


def _expected(mixed: dict[int, dict], flt: InboxFilter) -> list[int]:
    out = []
    for item, info in sorted(mixed.items()):
        if flt.states and info["state"] not in flt.states:
            continue
        if flt.kinds and info["kind"] not in flt.kinds:
            continue
        if flt.show_id is not None and info["show"] != flt.show_id:
            continue
        if flt.date_from and info["created"] < _utc(flt.date_from):
            continue
        if flt.date_to and info["created"] >= _utc(flt.date_to):
            continue
        if flt.search and not (
            info["kind"] == "sms" and all(w in info["text"].split() for w in flt.search.split())
        ):
            continue
        out.append(item)
    return out


FILTERS = [
    InboxFilter(states=("new",)),
    InboxFilter(states=("approved", "queued")),
    InboxFilter(states=("queued",)),
    InboxFilter(kinds=("sms",)),
    InboxFilter(kinds=("call",)),
    InboxFilter(kinds=("call", "manual")),
    InboxFilter(kinds=("manual",), states=("new",)),
    InboxFilter(show_id=1),
    InboxFilter(show_id=2, states=("new",)),
    InboxFilter(date_from="2026-11-27T12:00:00+00:00"),
    InboxFilter(date_from="2026-11-27T19:00:00+07:00", date_to="2026-11-27T16:00:00+00:00"),
    InboxFilter(search="jalan"),
    InboxFilter(search="jalan rusak"),
    InboxFilter(search="lampu", states=("approved",)),
    InboxFilter(search="lampu", states=("new",), show_id=1),
    InboxFilter(search="banjir", kinds=("sms",), date_from="2026-11-27T10:00:00+00:00"),
    InboxFilter(search="salam", kinds=("call",)),
    InboxFilter(kinds=("fax",)),
]


@pytest.mark.parametrize("flt", FILTERS, ids=repr)
def test_filters_select_exactly_the_matching_items(mixed_store_copy, mixed, flt):
    store = mixed_store_copy
    expected = _expected(mixed, flt)
    assert list(inbox_ids(store, flt)) == expected
    assert [r.item_id for r in inbox_page(store, flt, limit=7)] == expected[::-1][:7]
    assert [r.item_id for r in inbox_page(store, flt, limit=7, newest_first=False)] == expected[:7]
    if expected:
        middle = expected[len(expected) // 2]
        assert [r.item_id for r in inbox_page(store, flt, before_id=middle, limit=1000)] == [
            i for i in expected if i < middle
        ][::-1]
        assert inbox_count_after(store, flt, middle) == len([i for i in expected if i > middle])


def test_search_finds_sender_names_and_prefixes(store):
    store.set_sender_name("+6281234567890", "Pak Darto")
    first = sms(store, "lampu mati")
    sms(store, "salam", sender="+6285700000000")
    assert [r.item_id for r in inbox_page(store, InboxFilter(search="darto"))] == [first]
    assert [r.item_id for r in inbox_page(store, InboxFilter(search="lam"))] != []
    assert [r.item_id for r in inbox_page(store, InboxFilter(search="lampu ma"))] == [first]


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=range(len(HOSTILE_TEXTS)))
def test_hostile_searches_are_words_or_nothing(store, text):
    item = sms(store, "jalan OR rusak NEAR lampu")
    rows = inbox_page(store, InboxFilter(search=text))
    assert all(r.item_id == item for r in rows)
    assert inbox_count_after(store, InboxFilter(search=text), 0) == len(
        inbox_ids(store, InboxFilter(search=text))
    )


def test_a_query_without_words_matches_nothing(store):
    sms(store, "jalan rusak")
    assert inbox_page(store, InboxFilter(search="!!! ()")) == []
    assert len(inbox_ids(store, InboxFilter(search='" *'))) == 0
    assert len(inbox_page(store, InboxFilter(search="   "))) == 1  # blank: no search at all


# ------------------------------------------------------------------ new arrivals
def test_new_arrivals_after_the_last_id_respect_the_filter(mixed_store_copy, mixed):
    store = mixed_store_copy
    last = max(mixed)
    new = sms(store, "banjir lagi di Kanor")
    other = sms(store, "salam untuk keluarga")
    flt = InboxFilter(search="banjir")
    assert list(inbox_ids(store, flt, after_id=last)) == [new]
    assert inbox_count_after(store, flt, last) == 1
    assert inbox_count_after(store, InboxFilter(), last) == 2
    assert [r.item_id for r in inbox_page(store, InboxFilter(), after_id=last, newest_first=False)] == [
        new,
        other,
    ]


# ------------------------------------------------------------------ query plans
def _plans(store: Store, call) -> list[str]:
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        call()
    finally:
        store.conn.set_trace_callback(None)
    plans = []
    probe = sqlite3.connect(store.path)
    for sql in statements:
        if sql.lstrip().upper().startswith("SELECT"):
            rows = probe.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
            plans.append(" | ".join(r[3] for r in rows))
    probe.close()
    return plans


@pytest.mark.parametrize(
    ("flt", "index"),
    [
        (InboxFilter(states=("new",)), "items_state"),
        (InboxFilter(show_id=1), "items_show"),
        (InboxFilter(kinds=("call",)), "message_id"),
        (InboxFilter(search="jalan"), "VIRTUAL TABLE"),
    ],
)
def test_each_filter_is_driven_by_an_index(mixed_store_copy, mixed, flt, index):
    store = mixed_store_copy
    plans = _plans(store, lambda: inbox_page(store, flt, limit=5))
    assert any(index in plan for plan in plans), plans
    assert not any(re.search(r"\bSCAN (i|items)\b", line) for plan in plans for line in plan.split(" | ")), (
        plans
    )
