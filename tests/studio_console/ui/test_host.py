"""The host's screen driven with the Pilot on a real database and a fixed clock."""

from __future__ import annotations

import dataclasses
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import Digits, Input

from drivers.gsm.pdu import decode, encode_deliver
from studio_console.config import Settings
from studio_console.screening import Actor, ScreeningService
from studio_console.store import Store
from studio_console.ui.app import StudioApp
from studio_console.ui.dialogs.answer import AnswerDialog
from studio_console.ui.messages import StoreChanged
from studio_console.ui.screens.host import HostScreen
from studio_console.ui.widgets.big_item import BigItem
from studio_console.ui.widgets.on_air_clock import OnAirClock
from studio_console.ui.widgets.queue_list import QueueList
from tests.hostile import HOSTILE_TEXTS

T0 = datetime(2025, 3, 4, 2, 0, 0, tzinfo=UTC)  # 09:00 WIB
NOW = T0 + timedelta(minutes=42)
FULL_FORMS = ("+6281234567890", "6281234567890", "081234567890", "81234567890")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def db(tmp_path):
    return tmp_path / "studio.sqlite3"


@pytest.fixture
def producer_store(db):
    with Store(db, clock=lambda: T0) as s:
        yield s


@pytest.fixture
def producer(producer_store):
    return ScreeningService(producer_store, Actor("producer", "Rina"))


def sms(store: Store, text: str, sender: str = "+6281234567890") -> int:
    for pdu in encode_deliver(sender, text):
        message_id = store.store_part(decode(pdu), pdu).message_id
    return store.conn.execute("SELECT id FROM items WHERE message_id = ?", (message_id,)).fetchone()[0]


def queue(producer: ScreeningService, *item_ids: int) -> None:
    for item_id in item_ids:
        producer.move(item_id, "approved")
        producer.move(item_id, "queued")


def host_app(db, clock: Clock | None = None) -> StudioApp:
    return StudioApp(Settings(), db, role="host", operator="Mas Bayu", clock=clock or Clock())


def item_row(store: Store, item_id: int) -> dict:
    return next(iter(store.db.query("SELECT * FROM items WHERE id = ?", [item_id])))


def screen_lines(app: StudioApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_segments(app: StudioApp):
    for strip in app.screen._compositor.render_strips():
        yield from strip


async def wait_until(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


async def test_only_queued_items_appear_in_running_order_with_next_marked(producer_store, producer, db):
    sms(producer_store, "belum disaring", "+6285700000001")
    approved = sms(producer_store, "disetujui tapi tidak antre", "+6285700000002")
    producer.move(approved, "approved")
    a, b, c = (sms(producer_store, f"antrean {n}", f"+62812000000{n}") for n in range(3))
    queue(producer, a, b, c)
    producer.reorder(c, -2)
    producer.set_next(b)
    app = host_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HostScreen)
        q = app.screen.query_one(QueueList)
        assert [i.item_id for i in q.items] == [c, a, b]
        assert q.cursor_item_id == b  # the cursor starts on *next*
        text = "\n".join(screen_lines(app))
        assert "BERIKUTNYA" in text
        assert any("› 3 ▶ BERIKUTNYA" in line for line in screen_lines(app))
        assert "belum disaring" not in text and "tidak antre" not in text
        assert "antrean 0" in text and "antrean 2" in text
        assert app.screen.query_one(BigItem).item.item_id == b


async def test_preview_changes_nothing_in_the_database(producer_store, producer, db):
    items = [sms(producer_store, f"pesan {n}", f"+62812000000{n}") for n in range(3)]
    queue(producer, *items)
    before = list(producer_store.db.query("SELECT * FROM items ORDER BY id"))
    audit = producer_store.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    app = host_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        big = app.screen.query_one(BigItem)
        assert big.item.item_id == items[0]
        await pilot.press("down", "down")
        assert big.item.item_id == items[2]
        assert big.item.text_for_air == "pesan 2"
        await pilot.press("up")
        assert big.item.item_id == items[1]
        await pilot.press("n")  # no *next*: nothing happens
    assert list(producer_store.db.query("SELECT * FROM items ORDER BY id")) == before
    assert producer_store.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == audit


async def test_on_air_then_read_on_air_records_time_show_and_host(producer_store, producer, db):
    show = producer_store.start_show("SAPA BUPATI")
    first, second = sms(producer_store, "satu"), sms(producer_store, "dua", "+6285731112233")
    queue(producer, first, second)
    clock = Clock()
    app = host_app(db, clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        assert item_row(producer_store, first)["state"] == "on_air"
        assert "DI UDARA" in "\n".join(screen_lines(app))
        assert app.screen.query_one(BigItem).has_class("-on-air")
        clock.now = NOW + timedelta(minutes=3)
        await pilot.press("d")
        row = item_row(producer_store, first)
        assert row["state"] == "aired"
        assert row["aired_at"] == (NOW + timedelta(minutes=3)).isoformat()
        assert row["aired_show_id"] == show and row["aired_by"] == "Mas Bayu"
        q = app.screen.query_one(QueueList)
        assert [i.item_id for i in q.items] == [second]
        assert q.cursor_item_id == second  # the cursor moves on to the following item
        await pilot.pause()
        aired_panel = "\n".join(screen_lines(app))
        assert "Sudah dibacakan" in aired_panel and "09:45 0812****7890: satu" in aired_panel
        await pilot.press("d")  # straight from the queue to aired is allowed too
        assert item_row(producer_store, second)["state"] == "aired"


async def test_marking_another_item_on_air_returns_the_first_to_the_queue(producer_store, producer, db):
    first, second = sms(producer_store, "satu"), sms(producer_store, "dua", "+6285731112233")
    queue(producer, first, second)
    app = host_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("o", "down", "o")
        assert item_row(producer_store, first)["state"] == "queued"
        assert item_row(producer_store, second)["state"] == "on_air"


async def test_answer_dialog_stores_answered_by_and_answer(producer_store, producer, db):
    item = sms(producer_store, "kapan jalan diperbaiki?")
    queue(producer, item)
    app = host_app(db)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        assert isinstance(app.screen, AnswerDialog)
        await pilot.press("escape")  # cancel: nothing stored
        assert isinstance(app.screen, HostScreen)
        assert item_row(producer_store, item)["answered_by"] is None
        await pilot.press("a")
        app.screen.query_one("#answer-by", Input).value = "Kepala Dinas PU"
        await pilot.press("enter")  # to the answer field
        app.screen.query_one("#answer-text", Input).value = "Diperbaiki   bulan depan"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HostScreen)
        row = item_row(producer_store, item)
        assert (row["answered_by"], row["answer"]) == ("Kepala Dinas PU", "Diperbaiki bulan depan")
        assert row["state"] == "queued"
        assert "Dijawab oleh Kepala Dinas PU: Diperbaiki bulan depan" in "\n".join(screen_lines(app))
        await pilot.press("a")  # the dialog opens with the stored values, to edit
        assert app.screen.query_one("#answer-by", Input).value == "Kepala Dinas PU"


async def test_remove_from_queue_returns_to_approved_without_airing(producer_store, producer, db):
    item = sms(producer_store, "keluarkan saya")
    queue(producer, item)
    app = host_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("o", "x")
        row = item_row(producer_store, item)
        assert (row["state"], row["aired_at"], row["position"]) == ("approved", None, None)
        assert app.screen.query_one(QueueList).items == []
        assert app.screen.query_one(BigItem).item is None
        assert "Antrean kosong" in "\n".join(screen_lines(app))


async def test_producer_change_from_another_connection_appears_after_store_changed(
    producer_store, producer, db
):
    first = sms(producer_store, "sudah antre")
    queue(producer, first)
    app = host_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        q = app.screen.query_one(QueueList)
        assert [i.item_id for i in q.items] == [first]
        new = sms(producer_store, "baru disetujui produser", "+6285731112233")
        queue(producer, new)
        producer.set_next(new)
        app.screen.post_message(StoreChanged())
        await pilot.pause()
        assert [i.item_id for i in q.items] == [first, new]
        assert q.items[1].is_next
        await pilot.press("n")
        assert q.cursor_item_id == new
        # The app's own change polling notices the next commit by itself.
        producer.reorder(new, -1)
        await wait_until(pilot, lambda: [i.item_id for i in q.items] == [new, first])


async def test_a_stale_item_gives_an_error_not_a_crash(producer_store, producer, db):
    item = sms(producer_store, "halo")
    queue(producer, item)
    app = host_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        producer.move(item, "approved")  # the producer took it out; the host has not refreshed
        producer.move(item, "rejected")
        app._watcher.changed()  # swallow the change so only the keypress acts
        await pilot.press("o")
        assert item_row(producer_store, item)["state"] == "rejected"
        assert app.is_running


async def test_keys_with_an_empty_queue_do_nothing_harmful(db):
    app = host_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("o", "d", "x", "a", "n", "down", "up")
        assert isinstance(app.screen, HostScreen) and app.is_running


async def test_clock_elapsed_time_and_ready_calls(producer_store, db):
    producer_store.start_show("SAPA BUPATI")
    call = producer_store.call_ringing("+6281234567890")
    producer_store.call_set_state(call, "ready")
    producer_store.set_sender_name("+6281234567890", "Pak Darmo")
    clock = Clock()
    app = host_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        on_air = app.screen.query_one(OnAirClock)
        assert app.screen.query_one("#clock-digits", Digits).value == "09:42:00"
        assert on_air.show_line == "SAPA BUPATI · 42:00"
        text = "\n".join(screen_lines(app))
        assert "Telepon siap (1)" in text
        assert "0812****7890 · tunggu 42:00" in text and "Pak Darmo" in text
        clock.now = NOW + timedelta(hours=1, seconds=5)
        on_air.tick()
        assert on_air.show_line == "SAPA BUPATI · 1:42:05"


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_the_screen_fits_small_and_uses_a_large_screen(producer_store, producer, db, size):
    producer_store.start_show("SAPA BUPATI")
    items = [sms(producer_store, f"pesan nomor {n} " * 8, f"+62812000000{n}") for n in range(6)]
    queue(producer, *items)
    app = host_app(db)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        for selector in ("#status", "#clock", "#queue", "#big", "#ready-calls"):
            region = screen.query_one(selector).region
            assert region.width > 0 and region.height > 0, selector
            assert region.right <= size[0] and region.bottom <= size[1], selector
        assert screen.query_one("#aired").display == (size[0] >= 120)
        big = screen.query_one(BigItem).region
        assert big.width >= size[0] // 2  # the item to read takes the larger share


async def test_hostile_text_is_inert_in_the_queue_and_the_big_item(producer_store, producer, db):
    items = []
    for n, text in enumerate(HOSTILE_TEXTS):
        if not text.strip():
            item = producer.add_manual("x", reporter_name=text or None)
            producer.edit(item, air_text=text or None, anonim=False)
        else:
            item = sms(producer_store, text, f"+6281200001{n:03d}")
            typed = text.encode("utf-8", "replace").decode("utf-8")  # SQLite refuses lone surrogates
            producer.edit(item, topic=typed[:80], reporter_name=typed[:40], anonim=False, opd=typed[:40])
        queue(producer, item)
        items.append(item)
    host = ScreeningService(producer_store, Actor("host", "Mas Bayu"))
    host.answered(items[2], "[@click=app.quit]", "[/b] \x1b[2J")
    app = host_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        q = app.screen.query_one(QueueList)
        assert len(q.items) == len(HOSTILE_TEXTS)
        for n in range(len(HOSTILE_TEXTS)):
            await pilot.pause()
            assert q.cursor_index == n
            assert app.screen.query_one(BigItem).item.item_id == items[n]
            for segment in screen_segments(app):
                assert not CONTROL.search(segment.text), (n, segment.text)
                meta = segment.style.meta if segment.style else {}
                assert "@click" not in meta, n
            if "@click" in HOSTILE_TEXTS[n]:  # a click on listener text is no action
                row_y = n * 2 - int(q.scroll_offset.y)
                await pilot.click(QueueList, offset=(8, row_y + 1))
                await pilot.click(BigItem, offset=(6, 4))
                assert q.cursor_index == n
            await pilot.press("down")
        assert app.is_running and app.return_code is None


async def test_the_screen_never_shows_the_full_number(producer_store, producer, db):
    producer_store.start_show("SAPA BUPATI")
    producer_store.set_sender_name("+6281234567890", "Budi 081234567890")
    texts = ["Hubungi saya 081234567890", "nomor +62 812 3456 7890 ya", "WA 6281234567890"]
    items = [sms(producer_store, t) for t in texts]
    call = producer_store.call_ringing("+6281234567890")
    producer_store.conn.execute("UPDATE calls SET notes = 'telp balik 081234567890' WHERE id = ?", (call,))
    producer_store.call_set_state(call, "ready")
    items.append(producer.add_manual("Penelepon +6281234567890 tanya", call_id=call))
    items.append(producer.add_manual("Tamu di Pendopo, 0812-3456-7890", reporter_name="081234567890"))
    queue(producer, *items)
    for item in items:
        producer.edit(item, anonim=False, topic="nomor 081234567890")
    host = ScreeningService(producer_store, Actor("host", "Mas Bayu"))
    host.answered(items[0], "081234567890", "+6281234567890")
    host.move(items[0], "aired")
    for size in ((80, 24), (160, 45)):
        app = host_app(db)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for _ in range(len(items)):
                shot = app.export_screenshot()
                lines = "\n".join(screen_lines(app))
                compact = re.sub(r"[\s\-.]", "", lines)
                for form in FULL_FORMS:
                    assert form not in shot and form not in lines and form not in compact, form
                await pilot.press("down")
            assert "0812****7890" in "\n".join(screen_lines(app))


async def test_every_host_key_is_in_the_help_screen_in_the_chosen_language(db):
    settings = Settings()
    settings = dataclasses.replace(settings, studio=dataclasses.replace(settings.studio, language="en"))
    app = StudioApp(settings, db, role="host", operator="Mas Bayu", clock=Clock())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        text = "\n".join(screen_lines(app))
        for words in (
            "Next item",
            "Previous item",
            "On air",
            "Read on air",
            "Answered by",
            "Remove",
            "Go to NEXT",
        ):
            assert words in text, words
