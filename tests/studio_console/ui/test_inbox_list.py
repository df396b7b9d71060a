"""The live inbox list and its filter bar, driven with the Pilot in a small app on a real store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Select

from studio_console.i18n import Translator
from studio_console.screening import Actor, ScreeningService
from studio_console.store import Store
from studio_console.store.inbox import InboxFilter
from studio_console.ui.widgets.inbox_filter_bar import InboxFilterBar
from studio_console.ui.widgets.inbox_list import InboxList
from tests.hostile import HOSTILE_TEXTS
from tests.studio_console.store.test_inbox import FixedClock, sms

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class InboxApp(App[None]):
    """The inbox list and filter bar, with what StudioApp gives its widgets."""

    def __init__(
        self, db_path: Path, clock: FixedClock, *, flt: InboxFilter | None = None, language: str = "id"
    ) -> None:
        self.t = Translator(language)
        super().__init__()
        self.clock = clock
        self.db_path = db_path
        self.store = Store(db_path, clock=clock, flood_max_messages=1000)
        self.flt = flt
        self.events: list[tuple[str, int | None]] = []

    def compose(self) -> ComposeResult:
        yield InboxFilterBar(id="inbox-filter")
        yield InboxList(self.flt, id="inbox")

    def on_mount(self) -> None:
        self.query_one(InboxList).focus()

    def on_unmount(self) -> None:
        self.store.close()

    def on_inbox_list_highlighted(self, message: InboxList.Highlighted) -> None:
        self.events.append(("highlighted", message.item_id))

    def on_inbox_list_selected(self, message: InboxList.Selected) -> None:
        self.events.append(("selected", message.item_id))

    def on_inbox_filter_bar_changed(self, message: InboxFilterBar.Changed) -> None:
        self.query_one(InboxList).set_filter(message.filter)


async def settle(pilot, app: InboxApp) -> InboxList:
    """Wait until the list's loader is done and its messages are handled."""
    inbox = app.query_one(InboxList)
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if inbox.loaded and not any(w.is_running for w in app.workers):
            return inbox
    raise AssertionError("the inbox did not load")


def lines(inbox: InboxList) -> list[str]:
    """The text of the visible lines, as rendered."""
    return [
        "".join(s.text for s in inbox.render_line(y)) for y in range(inbox.scrollable_content_region.height)
    ]


@pytest.fixture
def clock():
    return FixedClock()


@pytest.fixture
def db(tmp_path, clock):
    path = tmp_path / "studio.sqlite3"
    with Store(path, clock=clock, flood_max_messages=1000) as store:
        for n in range(60):
            clock.advance(60)
            sms(
                store,
                f"pesan nomor {n} jalan" if n % 3 == 0 else f"pesan nomor {n} lampu",
                sender=f"+62812{n % 7:08d}",
            )
    return path


def add(path: Path, clock: FixedClock, text: str, sender: str = "+6285700000001") -> int:
    """A new SMS arriving from another connection (like the ingest service)."""
    with Store(path, clock=clock, flood_max_messages=1000) as other:
        clock.advance(30)
        return sms(other, text, sender=sender)


async def test_opens_at_the_newest_item_with_the_cursor_on_it(db, clock):
    app = InboxApp(db, clock)
    async with app.run_test(size=(100, 20)) as pilot:
        inbox = await settle(pilot, app)
        assert len(inbox.item_ids) == 60 and inbox.cursor_item_id == 60
        shown = lines(inbox)
        assert "pesan nomor 59 lampu" in shown[-1]
        # 06:00 UTC + 60 min = 14:00 WIB; state, kind, the full number
        assert re.match(r"14:00 BARU +SMS +081200000003 +pesan nomor 59", shown[-1])
        assert ("highlighted", 60) in app.events
        assert "60 item" in str(inbox.border_title)


async def test_cursor_keys_move_and_scroll_and_enter_selects(db, clock):
    app = InboxApp(db, clock)
    async with app.run_test(size=(100, 20)) as pilot:
        inbox = await settle(pilot, app)
        await pilot.press("up", "up")
        assert inbox.cursor_item_id == 58
        await pilot.press("enter")
        assert app.events[-1] == ("selected", 58)
        await pilot.press("home")
        assert inbox.cursor_item_id == 1 and inbox.scroll_offset.y == 0
        assert "pesan nomor 0 jalan" in lines(inbox)[0]
        await pilot.press("pagedown")
        height = inbox.scrollable_content_region.height
        assert inbox.cursor == height and inbox.scroll_offset.y == height
        await pilot.press("pageup")
        assert inbox.cursor == 0
        await pilot.press("end")
        assert inbox.cursor_item_id == 60
        assert inbox.scroll_offset.y == 60 - height
        await pilot.click(InboxList, offset=(10, 2))  # the border, then the second row
        assert inbox.cursor == inbox.scroll_offset.y + 1


async def test_new_arrivals_are_followed_when_the_cursor_is_on_the_last_row(db, clock):
    app = InboxApp(db, clock)
    async with app.run_test(size=(100, 20)) as pilot:
        inbox = await settle(pilot, app)
        new = add(db, clock, "baru masuk")
        inbox.refresh_data()
        await pilot.pause()
        assert inbox.cursor_item_id == new and inbox.pending == 0
        assert "baru masuk" in lines(inbox)[-1]


async def test_new_arrivals_are_counted_when_reading_elsewhere(db, clock):
    app = InboxApp(db, clock)
    async with app.run_test(size=(100, 20)) as pilot:
        inbox = await settle(pilot, app)
        await pilot.press("up", "up", "up")
        before = inbox.cursor_item_id
        top = inbox.scroll_offset.y
        add(db, clock, "satu")
        add(db, clock, "dua")
        inbox.refresh_data()
        await pilot.pause()
        assert inbox.cursor_item_id == before and inbox.scroll_offset.y == top
        assert inbox.pending == 2
        assert "2 baru" in str(inbox.border_subtitle)
        await pilot.press("end")
        assert inbox.pending == 0 and inbox.border_subtitle is None
        assert "dua" in lines(inbox)[-1]
        await pilot.press("up")
        add(db, clock, "tiga")
        inbox.refresh_data()
        await pilot.pause()
        assert inbox.pending == 1
        inbox.set_filter(InboxFilter(search="tiga"))
        inbox = await settle(pilot, app)
        assert inbox.pending == 0 and len(inbox.item_ids) == 1


async def test_filters_and_search_apply_to_new_arrivals(db, clock):
    app = InboxApp(db, clock, flt=InboxFilter(search="jalan"))
    async with app.run_test(size=(100, 20)) as pilot:
        inbox = await settle(pilot, app)
        assert len(inbox.item_ids) == 20
        add(db, clock, "lampu mati lagi")
        match = add(db, clock, "jalan berlubang")
        inbox.refresh_data()
        await pilot.pause()
        assert inbox.item_ids[-1] == match and len(inbox.item_ids) == 21
        assert inbox.cursor_item_id == match


async def test_typing_in_the_filter_bar_searches_and_selects_filter(db, clock):
    app = InboxApp(db, clock, language="en")
    async with app.run_test(size=(120, 20)) as pilot:
        inbox = await settle(pilot, app)
        await pilot.press("slash")
        assert isinstance(app.focused, Input) and app.focused.id == "inbox-search"
        await pilot.press(*"jal")
        await pilot.pause(0.3)
        inbox = await settle(pilot, app)
        assert inbox.filter.search == "jal" and len(inbox.item_ids) == 20
        assert all("jalan" in line for line in lines(inbox) if line.strip())
        await pilot.press("escape")
        inbox = await settle(pilot, app)
        assert inbox.filter.search == "" and len(inbox.item_ids) == 60
        producer = ScreeningService(app.store, Actor("producer"))
        producer.move(5, "approved")
        app.query_one("#inbox-state", Select).value = "approved"
        await pilot.pause()
        inbox = await settle(pilot, app)
        assert list(inbox.item_ids) == [5]
        assert "OK" in lines(inbox)[0]


async def test_state_changes_show_after_refresh(db, clock):
    app = InboxApp(db, clock, language="en")
    async with app.run_test(size=(100, 20)) as pilot:
        inbox = await settle(pilot, app)
        assert " NEW " in lines(inbox)[-1]
        ScreeningService(app.store, Actor("producer")).move(60, "rejected")
        inbox.refresh_data()
        await pilot.pause()
        assert " REJECT " in lines(inbox)[-1]


async def test_select_item_moves_the_cursor_and_centres_it(db, clock):
    app = InboxApp(db, clock)
    async with app.run_test(size=(100, 20)) as pilot:
        inbox = await settle(pilot, app)
        assert inbox.select_item(10)
        await pilot.pause()
        assert inbox.cursor_item_id == 10
        assert "pesan nomor 9 " in "".join(lines(inbox))
        assert not inbox.select_item(10_000)


async def test_an_empty_result_says_so(db, clock):
    app = InboxApp(db, clock, flt=InboxFilter(search="tidakadakata"))
    async with app.run_test(size=(100, 20)) as pilot:
        inbox = await settle(pilot, app)
        assert inbox.cursor_item_id is None
        assert lines(inbox)[0].startswith("Tidak ada item")
        await pilot.press("down", "enter", "end")
        assert ("selected", None) not in app.events


async def test_calls_manual_items_blocked_senders_and_parts_are_shown(tmp_path, clock):
    path = tmp_path / "studio.sqlite3"
    with Store(path, clock=clock) as store:
        producer = ScreeningService(store, Actor("producer"))
        store.set_blocked("+6281111111111", True, "penipuan")
        sms(store, "menang undian", sender="+6281111111111")
        call = store.call_ringing("+6281398765432")
        producer.add_manual("penelepon soal jembatan", call_id=call)
        producer.add_manual("tamu pendopo", reporter_name="Bu Sri")
        store.set_sender_name("+6285700000009", "Pak Darto")
        sms(store, "salam", sender="+6285700000009")
    app = InboxApp(path, clock, language="en")
    async with app.run_test(size=(110, 20)) as pilot:
        inbox = await settle(pilot, app)
        shown = [line for line in lines(inbox) if line.strip()]
        assert "SPAM" in shown[0] and "081111111111" in shown[0] and "BLOCKED" in shown[0]
        assert "CALL" in shown[1] and "081398765432" in shown[1]
        assert "NOTE" in shown[2] and "Bu Sri" in shown[2]
        assert "Pak Darto" in shown[3]


async def test_the_hostile_corpus_is_rendered_inert(tmp_path, clock):
    path = tmp_path / "studio.sqlite3"
    with Store(path, clock=clock, flood_max_messages=1000) as store:
        for n, text in enumerate(HOSTILE_TEXTS):
            sms(store, text, sender=f"+62812{n:08d}")
        ScreeningService(store, Actor("producer")).add_manual(
            "[/b] \x1b[2J catatan", reporter_name="[@click=app.quit]x[/]\x9b31m"
        )
        store.set_sender_name("+6281200000002", "[@click=app.quit]Pak[/]\x1b]0;x\x07")
    app = InboxApp(path, clock)
    async with app.run_test(size=(100, len(HOSTILE_TEXTS) + 4)) as pilot:
        inbox = await settle(pilot, app)
        for y in range(inbox.scrollable_content_region.height):
            for segment in inbox.render_line(y):
                assert not _UNSAFE.search(segment.text), repr(segment.text)
        text = "\n".join(lines(inbox))
        assert "[@click=app.quit]klik[/]" in text and "[/b]" in text
        for _ in range(len(HOSTILE_TEXTS)):
            await pilot.press("up")
        await pilot.click(InboxList, offset=(30, 3))
        await pilot.press("enter")
        assert app.is_running
        assert app.events[-1][0] == "selected"
