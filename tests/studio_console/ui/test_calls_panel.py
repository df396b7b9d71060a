"""The producer's calls panel in the real app, on calls rows in a temporary database.

The panel runs in :class:`~studio_console.ui.app.StudioApp` (role producer) on a
screen of its own that forwards ``StoreChanged`` like the producer screen does;
the clock is fixed, so the waiting and hold times are exact.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.app import ComposeResult
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Footer, TextArea

from drivers.gsm.modem import Modem
from drivers.gsm.virtual import VirtualModem
from studio_console.config import Settings
from studio_console.ingest import IngestService
from studio_console.store import Store, commands
from studio_console.ui.app import StudioApp
from studio_console.ui.dialogs.call_notes import CallNotes
from studio_console.ui.messages import StoreChanged
from studio_console.ui.widgets.calls_panel import CallLine, CallsPanel
from tests.hostile import HOSTILE_TEXTS

CALLER = "+6281234567890"
BLOCKED = "+6281999000111"
WARNED = "+6285233334444"


class FakeClock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class CallsScreen(Screen[None]):
    """Just the calls panel (and the footer), refreshed on every database change."""

    def compose(self) -> ComposeResult:
        yield CallsPanel(id="calls")
        yield Footer()

    def on_store_changed(self, message: StoreChanged) -> None:
        self.query_one(CallsPanel).refresh_data()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "studio.sqlite3"


@pytest.fixture
def seed(db: Path, clock: FakeClock) -> Store:
    with Store(db, clock=clock) as store:
        yield store


def make_app(db: Path, clock: FakeClock, **kw: Any) -> StudioApp:
    return StudioApp(Settings(), db, role="producer", operator="Sari", clock=clock, **kw)


async def open_panel(app: StudioApp, pilot: Any) -> CallsPanel:
    await app.push_screen(CallsScreen())
    await pilot.pause()
    panel = app.screen.query_one(CallsPanel)
    panel.focus()
    await pilot.pause()
    return panel


async def settle(app: StudioApp, pilot: Any) -> None:
    app.notify_changed()
    await pilot.pause()
    await pilot.pause()


def shown(panel: CallsPanel) -> str:
    return "\n".join(str(line.content) for line in panel.query(CallLine))


def line_of(panel: CallsPanel, call_id: int) -> CallLine:
    return panel.query_one(f"#call-{call_id}", CallLine)


def painted(widget: CallLine) -> str:
    """The characters the widget sends to the terminal."""
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "".join(seg.text for strip in strips for seg in strip)


def ringing_with_history(store: Store) -> int:
    """A caller who wrote twice and called once before, now ringing."""
    from drivers.gsm.pdu import decode, encode_deliver

    for text in ("jalan rusak di Kalitidu", "lampu PJU mati"):
        for pdu in encode_deliver(CALLER, text):
            store.store_part(decode(pdu), pdu)
    store.set_sender_name(CALLER, "Pak Darto")
    store.call_set_state(store.call_ringing(CALLER), "missed")
    return store.call_ringing(CALLER)


async def test_the_ringing_caller_is_shown_with_history_before_anyone_answers(db, clock, seed):
    call_id = ringing_with_history(seed)
    clock.advance(14)
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        panel = await open_panel(app, pilot)
        line = line_of(panel, call_id)
        text = str(line.content)
        assert CALLER in text and "Pak Darto" in text and "BERDERING" in text
        assert "1 telepon dan 2 SMS sebelumnya" in text
        assert "tunggu 0:14" in text
        assert line.has_class("-ringing") and line.has_class("-selected")
        assert panel.selected_call_id == call_id
        # The missed call is listed under "recent", not selected.
        assert len(panel.rows) == 2 and not panel.rows[1].active


async def test_blocked_and_warned_callers_stand_out(db, clock, seed):
    seed.set_blocked(BLOCKED, True, "teror berulang")
    seed.call_ringing(WARNED)
    seed.conn.execute("UPDATE senders SET warning = 'suka memaki' WHERE key = ?", (WARNED,))
    warned = seed.conn.execute("SELECT max(id) FROM calls").fetchone()[0]
    blocked = seed.call_ringing(BLOCKED)
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        panel = await open_panel(app, pilot)
        assert line_of(panel, blocked).has_class("-blocked")
        assert "DIBLOKIR: teror berulang" in str(line_of(panel, blocked).content)
        assert line_of(panel, warned).has_class("-warning")
        assert "PERHATIAN: suka memaki" in str(line_of(panel, warned).content)
        assert not line_of(panel, warned).has_class("-blocked")


async def test_answer_asks_the_modem_and_the_panel_follows_the_outcome(db, clock, seed):
    call_id = seed.call_ringing(CALLER)
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        panel = await open_panel(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        (command,) = commands.pending(seed)
        assert (command.command, command.call_id, command.requested_role, command.requested_by) == (
            "answer",
            call_id,
            "producer",
            "Sari",
        )
        # The ingest service cannot: the screen is told why, in its language.
        commands.complete(seed, command.id, False, commands.ERROR_NOT_CURRENT)
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("telepon itu sudah tidak tersambung" in m for m in messages), messages
        # Answering a call that is no longer ringing is refused before asking anyone.
        seed.call_set_state(call_id, "screening")
        await settle(app, pilot)
        await pilot.press("a")
        assert commands.pending(seed) == []
        assert "DISARING" in shown(panel)


async def test_hang_up_rejects_a_ringing_call_and_ends_an_answered_one(db, clock, seed):
    ringing = seed.call_ringing(CALLER)
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_panel(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        assert seed.call(ringing)["state"] == "rejected"
        (hangup,) = commands.pending(seed)
        assert (hangup.command, hangup.call_id) == ("hangup", ringing)

        answered = seed.call_ringing(WARNED)
        seed.call_set_state(answered, "screening")
        await settle(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        assert seed.call(answered)["state"] == "ended"


async def test_hold_and_ready_move_the_call_and_the_hold_time_ticks(db, clock, seed):
    call_id = seed.call_ringing(CALLER)
    clock.advance(5)
    seed.call_set_state(call_id, "screening")
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        panel = await open_panel(app, pilot)
        await pilot.press("h")
        await settle(app, pilot)
        assert seed.call(call_id)["state"] == "hold"
        clock.advance(45)
        panel.tick()
        assert "ditahan 0:45" in str(line_of(panel, call_id).content)
        assert line_of(panel, call_id).has_class("-hold")
        await pilot.press("r")
        await settle(app, pilot)
        row = seed.call(call_id)
        assert row["state"] == "ready" and row["ready_at"] == clock.now.isoformat()
        clock.advance(75)
        panel.tick()
        assert "ditahan 2:00" in str(line_of(panel, call_id).content)
        assert line_of(panel, call_id).has_class("-ready")
        audit = seed.conn.execute(
            "SELECT actor_role, actor, to_state FROM audit WHERE entity = 'call' AND actor = 'Sari'"
        ).fetchall()
        assert audit == [("producer", "Sari", "hold"), ("producer", "Sari", "ready")]
        # Hold while ringing is refused.
        other = seed.call_ringing(WARNED)
        await settle(app, pilot)
        await pilot.press("down")
        assert panel.selected_call_id == other
        await pilot.press("h")
        assert seed.call(other)["state"] == "ringing"


async def test_notes_are_written_in_a_dialog_and_summarised_into_an_item(db, clock, seed):
    call_id = seed.call_ringing(CALLER)
    seed.set_sender_name(CALLER, "Bu Sri")
    seed.call_set_state(call_id, "screening")
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        panel = await open_panel(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, CallNotes)
        await pilot.press(*"jalan Dander berlubang")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert seed.call(call_id)["notes"] == "jalan Dander berlubang"
        assert "Catatan: jalan Dander berlubang" in str(line_of(panel, call_id).content)

        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*" parah")
        await pilot.press("escape")  # cancelled: nothing changes
        await settle(app, pilot)
        assert seed.call(call_id)["notes"] == "jalan Dander berlubang"

        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CallNotes)
        assert dialog.query_one(TextArea).text == "jalan Dander berlubang"  # prefilled
        await pilot.press(*", sejak Senin")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        item = seed.conn.execute(
            "SELECT id, kind, call_id, manual_text, reporter_name, state FROM items"
        ).fetchone()
        assert item[1:] == ("call", call_id, "jalan Dander berlubang, sejak Senin", "Bu Sri", "new")
        assert f"item #{item[0]}" in str(line_of(panel, call_id).content)


async def test_an_empty_summary_is_refused_with_a_message(db, clock, seed):
    seed.call_ringing(CALLER)
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_panel(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert seed.conn.execute("SELECT count(*) FROM items").fetchone()[0] == 0
        assert any("perlu teks" in n.message for n in app._notifications)


async def test_hostile_numbers_names_and_notes_are_inert(db, clock, seed):
    texts = [t for t in HOSTILE_TEXTS if "\ud83d" not in t]
    for i, text in enumerate(texts):
        call_id = seed.call_ringing(text or None)
        seed.conn.execute("UPDATE calls SET notes = ? WHERE id = ?", (text, call_id))
        if i % 2:
            seed.call_set_state(call_id, "ended")
    seed.conn.execute("UPDATE senders SET name = key, warning = key")
    app = make_app(db, clock)
    async with app.run_test(size=(120, 60)) as pilot:
        await app.push_screen(CallsScreen())
        await pilot.pause()
        panel = app.screen.query_one(CallsPanel)
        panel.recent = len(texts)
        panel.refresh_data()
        await pilot.pause()
        lines = list(panel.query(CallLine))
        assert len(lines) == len(texts)
        for line in lines:
            line.styles.height = 4  # every line painted, scrolled into view or not
        await pilot.pause()
        for line in lines:
            out = painted(line)
            assert not any(c in out for c in "\x1b\x9b\x90\x9c\x07\x08\u202e\u2066"), repr(out)
        assert "[@click=app.quit]" in shown(panel) and "[/b]" in shown(panel)
        # Clicking a call (and its "link") only chooses it; the app is still running.
        await pilot.click(f"#call-{lines[1].row.id}")
        assert app.is_running and panel.selected_call_id == lines[1].row.id
        # The notes dialog over a hostile call opens and shows the text inert.
        panel.focus()
        await pilot.press("down")
        assert panel.selected_call_id == lines[2].row.id
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, CallNotes)
        assert "\x1b" not in app.screen.query_one(TextArea).text
        await pilot.press("escape")
        assert app.is_running


async def test_answering_in_the_app_reaches_the_modem_through_the_ingest_service(tmp_path, db):
    vm = VirtualModem(link=str(tmp_path / "ttyGSM0"))
    vm.start()

    def modem(on_event: Callable[[Any], None]) -> Modem:
        return Modem(
            port=vm.port,
            on_event=on_event,
            command_timeout=3.0,
            poll_interval=0.3,
            reconnect_min=0.05,
            reconnect_max=0.5,
            ring_timeout=2.0,
        )

    ingest = IngestService(db, modem, sweep_interval=5)
    app = StudioApp(Settings(), db, role="producer", operator="Sari", ingest=ingest)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            panel = await open_panel(app, pilot)
            assert await asyncio.to_thread(ingest.modem.wait_ready, 15)
            vm.call(CALLER, rings=200, interval=0.3)
            for _ in range(200):
                await pilot.pause(0.05)
                if panel.rows and panel.rows[0].ringing:
                    break
            assert panel.rows[0].number == CALLER
            start = len(vm.commands)
            await pilot.press("a")
            assert await asyncio.to_thread(vm.wait_for_command, "ATA", 10, start=start) == "ATA"
            for _ in range(200):
                await pilot.pause(0.05)
                if panel.rows[0].state == "screening":
                    break
            assert panel.rows[0].state == "screening"
            await pilot.press("x")
            assert await asyncio.to_thread(vm.wait_for_command, "AT+CHUP", 10, start=start) == "AT+CHUP"
    finally:
        vm.stop()
