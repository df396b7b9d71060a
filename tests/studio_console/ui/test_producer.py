"""The producer's screen, driven with the Pilot on a real database and a fixed clock.

Every single-key action changes the database as the screening rules say; refusals
are shown; the dialogs (reason, edit for air, name, desa, topic, OPD, category,
manual item, show) work by keyboard; listener text in the detail pane is inert;
the screen works at 80×24 and 160×50.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

from textual.widgets import Input, OptionList, TextArea

from drivers.gsm.pdu import decode, encode_deliver
from studio_console.config import ExportSettings, Settings, ShowSchedule
from studio_console.i18n import CATALOGUE
from studio_console.screening import Actor, ScreeningService
from studio_console.store import Store
from studio_console.ui.app import StudioApp
from studio_console.ui.dialogs.choice_picker import ChoicePicker
from studio_console.ui.dialogs.confirm import ConfirmDialog
from studio_console.ui.dialogs.desa_picker import DesaPicker
from studio_console.ui.dialogs.manual_item import ManualItemDialog
from studio_console.ui.dialogs.text_prompt import TextPrompt
from studio_console.ui.screens.producer import ProducerScreen, default_show_name
from studio_console.ui.widgets.detail_pane import DetailPane
from tests.hostile import HOSTILE_TEXTS

FIXED = datetime(2025, 6, 6, 5, 0, tzinfo=UTC)  # Friday 12:00 WIB
NUMBER = "+6281234567890"
OTHER = "+6285712345678"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
AGENCIES = ["Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas Kesehatan", "Dinas Sosial"]
CATEGORIES = ["Infrastruktur", "Kesehatan", "Bantuan sosial"]
SHOWS = [
    ShowSchedule("Dialog Pagi", days=["mon"], start="07:00", end="08:00"),
    ShowSchedule("SAPA BUPATI", days=["fri"], start="11:00", end="13:00"),
]


def settings(language: str = "id") -> Settings:
    from studio_console.config import StudioSettings

    return Settings(
        studio=StudioSettings(language=language),
        shows=SHOWS,
        export=ExportSettings(agencies=AGENCIES, categories=CATEGORIES),
    )


def add_sms(db, text: str, sender: str = NUMBER) -> int:
    """Store one SMS through the ingest path; returns its item id."""
    with Store(db, clock=lambda: FIXED, flood_max_messages=1000) as store:
        message_id = None
        for pdu in encode_deliver(sender, text):
            message_id = store.store_part(decode(pdu), pdu).message_id
        return store.conn.execute("SELECT id FROM items WHERE message_id = ?", (message_id,)).fetchone()[0]


def row(app: StudioApp, item_id: int, *columns: str) -> tuple[Any, ...]:
    return app.store.conn.execute(
        f"SELECT {', '.join(columns)} FROM items WHERE id = ?", (item_id,)
    ).fetchone()


def sender_row(app: StudioApp, key: str, *columns: str) -> tuple[Any, ...]:
    return app.store.conn.execute(
        f"SELECT {', '.join(columns)} FROM senders WHERE key = ?", (key,)
    ).fetchone()


async def wait_until(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


def make_app(db, language: str = "id") -> tuple[StudioApp, list[tuple[str, str]]]:
    """The producer's console and a list that records every notification (text, severity)."""
    app = StudioApp(settings(language), db, role="producer", operator="Rina", clock=lambda: FIXED)
    app.animation_level = "none"  # nothing to wait for between keys
    seen: list[tuple[str, str]] = []
    original = app.notify

    def notify(message: str, **kw: Any) -> None:
        seen.append((message, kw.get("severity", "information")))
        original(message, **kw)

    app.notify = notify  # type: ignore[method-assign]
    return app, seen


async def ready(pilot, item_id: int | None = None) -> ProducerScreen:
    """Wait for the producer screen and its inbox; select ``item_id``."""
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, ProducerScreen))
    screen = app.screen
    inbox = screen.query_one("#inbox")
    await wait_until(pilot, lambda: getattr(inbox, "loaded", True))
    if item_id is not None:
        screen.select_item(item_id)
        await wait_until(pilot, lambda: getattr(inbox, "cursor_item_id", item_id) == item_id)
        await pilot.pause()
        assert screen.item_id == item_id
    return screen


async def dialog(pilot, kind: type) -> Any:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind))
    await pilot.pause()
    return pilot.app.screen


async def answer(pilot, kind: type, text: str) -> None:
    """Type ``text`` into a one-line prompt or picker and press Enter."""
    screen = await dialog(pilot, kind)
    screen.query_one(Input).value = text
    await pilot.pause()
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, kind))
    await pilot.pause()


def rendered(app: StudioApp) -> list[str]:
    """The text of every segment on screen."""
    return ["".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips()]


# --------------------------------------------------------------------------- bindings
def test_every_action_is_a_binding_with_an_id_and_catalogue_words():
    ids = [b.id for b in ProducerScreen.BINDINGS]
    assert all(i and i.startswith("producer.") for i in ids)
    assert len(set(ids)) == len(ids)
    for i in ids:
        assert f"key.{i}" in CATALOGUE, i
    keys = [b.key for b in ProducerScreen.BINDINGS]
    assert len(set(keys)) == len(keys)


def test_the_default_show_follows_the_schedule():
    assert default_show_name(SHOWS, FIXED) == "SAPA BUPATI"
    monday_7 = datetime(2025, 6, 9, 0, 30, tzinfo=UTC)
    assert default_show_name(SHOWS, monday_7) == "Dialog Pagi"
    assert default_show_name(SHOWS, datetime(2025, 6, 7, 3, 0, tzinfo=UTC)) == "Dialog Pagi"
    assert default_show_name([], FIXED) == ""
    late = [ShowSchedule("Malam", days=[], start="22:00", end="02:00")]
    assert default_show_name(late, datetime(2025, 6, 6, 17, 30, tzinfo=UTC)) == "Malam"


# ---------------------------------------------------------------------------- states
async def test_approve_reject_and_spam_keys_move_the_item(tmp_path):
    db = tmp_path / "studio.sqlite3"
    item = add_sms(db, "Lampu PJU mati di Jalan Veteran")
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot, item)
        for key, state in (("a", "approved"), ("r", "rejected"), ("s", "spam"), ("a", "approved")):
            await pilot.press(key)
            await pilot.pause()
            assert row(app, item, "state") == (state,)
        audit = app.store.conn.execute(
            "SELECT actor_role, actor, to_state FROM audit WHERE entity = 'item' AND actor_role = 'producer'"
        ).fetchall()
        assert audit == [("producer", "Rina", s) for s in ("approved", "rejected", "spam", "approved")]


async def test_queue_set_next_and_reorder(tmp_path):
    db = tmp_path / "studio.sqlite3"
    items = [add_sms(db, f"pesan {i}", sender=f"+62812345678{i}") for i in range(3)]
    app, seen = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(pilot)
        for item in items:
            await ready(pilot, item)
            await pilot.press("a", "q")
            await pilot.pause()
            assert row(app, item, "state") == ("queued",)
        screen.select_item(items[1])
        await pilot.press("x")
        await pilot.pause()
        assert [r["id"] for r in app.screening.queue() if r["is_next"]] == [items[1]]
        screen.select_item(items[2])
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert [r["id"] for r in app.screening.queue()] == [items[0], items[2], items[1]]
        screen.select_item(items[0])
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert [r["id"] for r in app.screening.queue()] == [items[2], items[0], items[1]]
        assert not [s for s in seen if s[1] == "error"]


async def test_refusals_are_shown_and_change_nothing(tmp_path):
    db = tmp_path / "studio.sqlite3"
    item = add_sms(db, "belum disaring")
    app, seen = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(pilot, item)
        await pilot.press("q")
        await pilot.pause()
        assert row(app, item, "state") == ("new",)
        assert seen[-1][1] == "error" and "tidak bisa menjadi queued" in seen[-1][0]
        await pilot.press("x")
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert [s[1] for s in seen[-2:]] == ["error", "error"]
        assert "tidak ada di antrean" in seen[-1][0]
        assert row(app, item, "is_next", "position") == (0, None)
        screen.select_item(None)  # nothing highlighted: the producer is told to pick one
        seen.clear()
        for key in ("a", "e", "d", "p"):
            await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, ProducerScreen)
        assert seen == [(CATALOGUE["producer.no_item"]["id"], "warning")] * 4
        assert row(app, item, "state", "priority") == ("new", 0)


# ----------------------------------------------------------------------- the sender
async def test_block_asks_a_reason_and_unblock_reopens(tmp_path):
    db = tmp_path / "studio.sqlite3"
    item = add_sms(db, "PROMO pulsa murah hubungi kami")
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(pilot, item)
        await pilot.press("b")
        await answer(pilot, TextPrompt, "promo pulsa")
        assert sender_row(app, NUMBER, "blocked", "blocked_reason") == (1, "promo pulsa")
        detail = screen.query_one(DetailPane)
        assert detail.has_class("-blocked")
        assert any("DIBLOKIR" in line for line in rendered(app))
        await pilot.press("b")
        await pilot.pause()
        assert sender_row(app, NUMBER, "blocked") == (0,)
        assert not detail.has_class("-blocked")
        actions = app.store.conn.execute(
            "SELECT action, actor FROM audit WHERE entity = 'sender' ORDER BY id"
        ).fetchall()
        assert actions == [("block", "Rina"), ("unblock", "Rina")]


async def test_cancelling_a_dialog_changes_nothing(tmp_path):
    db = tmp_path / "studio.sqlite3"
    item = add_sms(db, "halo")
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot, item)
        # (ChoicePicker and the name prompt are cancelled in their own tests)
        for key, kind in (
            ("b", TextPrompt),
            ("e", TextPrompt),
            ("d", DesaPicker),
            ("m", ManualItemDialog),
            ("f2", TextPrompt),
        ):
            await pilot.press(key)
            await dialog(pilot, kind)
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, ProducerScreen))
        assert sender_row(app, NUMBER, "blocked", "desa_code") == (0, None)
        assert row(app, item, "air_text", "desa_code") == (None, None)
        assert app.store.conn.execute("SELECT count(*) FROM items").fetchone()[0] == 1
        assert app.store.show_on_air() is None


async def test_name_is_set_on_the_item_and_remembered_for_the_number(tmp_path):
    db = tmp_path / "studio.sqlite3"
    item = add_sms(db, "Saya Bu Sri dari Pejok")
    later = add_sms(db, "Ini Bu Sri lagi")
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(pilot, item)
        await pilot.press("n")
        await answer(pilot, TextPrompt, "Bu Sri")
        assert row(app, item, "reporter_name") == ("Bu Sri",)
        assert sender_row(app, NUMBER, "name") == ("Bu Sri",)
        screen.select_item(later)
        await pilot.pause()
        await pilot.press("n")
        prompt = await dialog(pilot, TextPrompt)
        assert prompt.query_one(Input).value == "Bu Sri"  # remembered for the number
        await pilot.press("escape")


async def test_desa_picker_stores_codes_and_remembers_them_on_the_sender(tmp_path):
    db = tmp_path / "studio.sqlite3"
    item = add_sms(db, "Jalan di Pejok Kepohbaru rusak")
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(pilot, item)
        await pilot.press("d")
        await answer(pilot, DesaPicker, "pejok kepohbaru")
        assert row(app, item, "kecamatan_code", "desa_code") == ("35.22.09", "35.22.09.2001")
        assert sender_row(app, NUMBER, "kecamatan_code", "desa_code") == ("35.22.09", "35.22.09.2001")
        assert any("Pejok, Kec. Kepohbaru" in line for line in rendered(app))
        await pilot.press("d")
        picker = await dialog(pilot, DesaPicker)
        assert picker.query_one(Input).value == "Pejok"
        assert picker.query_one(OptionList).highlighted == 1  # the Pejok set now
        await pilot.press("up", "enter")  # the other Pejok
        await wait_until(pilot, lambda: isinstance(app.screen, ProducerScreen))
        assert row(app, item, "kecamatan_code", "desa_code") == ("35.22.08", "35.22.08.2002")
        later = add_sms(db, "Saya lagi, dari Pejok")
        inbox = screen.query_one("#inbox")  # the new SMS reaches the console
        await wait_until(pilot, lambda: later in getattr(inbox, "item_ids", [later]))
        screen.select_item(later)
        await pilot.pause()
        await pilot.press("d")  # the picker starts at the desa remembered for the number
        picker = await dialog(pilot, DesaPicker)
        assert picker.query_one(Input).value == "Pejok"
        assert picker.results[picker.query_one(OptionList).highlighted].desa_code == "35.22.08.2002"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ProducerScreen))
        assert row(app, later, "desa_code") == ("35.22.08.2002",)


async def test_desa_picker_finds_the_spelling_traps_and_tells_repeated_names_apart(tmp_path):
    app, _ = make_app(tmp_path / "studio.sqlite3")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        chosen: list[Any] = []
        app.push_screen(DesaPicker(), chosen.append)
        picker = await dialog(pilot, DesaPicker)
        field = picker.query_one(Input)
        options = picker.query_one(OptionList)

        async def search(text: str) -> list[str]:
            field.value = text
            await pilot.pause()
            return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]

        lines = await search("Sumberrejo")
        assert picker.results[0].desa_code == "35.22.12.2006"
        assert lines[0].startswith("Sumberrejo") and "Kec. Sumberrejo" in lines[0]
        await search("Kepohbaru")
        assert {p.kecamatan_name for p in picker.results} == {"Kepohbaru"}
        assert len(picker.results) == 25
        await search("kedung adem")
        assert picker.results[0].desa_code == "35.22.08.2010"
        lines = await search("Pejok")
        assert "Kec. Kedungadem" in lines[0] and "Kec. Kepohbaru" in lines[1]
        assert "35.22.08.2002" in lines[0] and "35.22.09.2001" in lines[1]
        await search("pejok kedungadem")
        assert [p.desa_code for p in picker.results] == ["35.22.08.2002"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(chosen))
        assert chosen[0].desa_code == "35.22.08.2002"


# -------------------------------------------------------------------- screening fields
async def test_edit_for_air_keeps_the_original_on_record_and_on_screen(tmp_path):
    db = tmp_path / "studio.sqlite3"
    original = "Pak tolong jalan di desa kami rusak parah sekali mohon segera diperbaiki ya"
    item = add_sms(db, original)
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot, item)
        await pilot.press("e")
        prompt = await dialog(pilot, TextPrompt)
        editor = prompt.query_one(TextArea)
        assert editor.text == original
        assert any(original[:40] in line for line in rendered(app))  # the original stays visible
        editor.load_text("Jalan desa rusak parah, mohon diperbaiki.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ProducerScreen))
        await pilot.pause()
        assert row(app, item, "air_text") == ("Jalan desa rusak parah, mohon diperbaiki.",)
        assert next(app.store.messages()).text == original
        screen_text = "\n".join(rendered(app))
        assert "Jalan desa rusak parah" in screen_text and original[:40] in screen_text
        assert app.screen.query_one(DetailPane).has_class("-edited")


async def test_topic_opd_and_category(tmp_path):
    db = tmp_path / "studio.sqlite3"
    item = add_sms(db, "Puskesmas tutup siang hari")
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot, item)
        await pilot.press("t")
        await answer(pilot, TextPrompt, "Puskesmas tutup siang")
        assert row(app, item, "topic") == ("Puskesmas tutup siang",)
        await pilot.press("o")
        await answer(pilot, ChoicePicker, "kesehatan")
        assert row(app, item, "opd") == ("Dinas Kesehatan",)
        await pilot.press("o")
        await answer(pilot, ChoicePicker, "RSUD Sosodoro")  # not on the list: typed in
        assert row(app, item, "opd") == ("RSUD Sosodoro",)
        await pilot.press("k")
        await answer(pilot, ChoicePicker, "sehat")
        assert row(app, item, "category") == ("Kesehatan",)
        await pilot.press("k")
        picker = await dialog(pilot, ChoicePicker)
        assert picker.query_one(OptionList).highlighted == 1  # the current category
        await pilot.press("end")  # the cursor stays in the filter; go to "(clear)"
        for _ in range(len(CATEGORIES)):
            await pilot.press("down")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ProducerScreen))
        assert row(app, item, "category") == (None,)
        await pilot.press("k")  # a category not on the list cannot be typed in
        picker = await dialog(pilot, ChoicePicker)
        picker.query_one(Input).value = "Olahraga"
        await pilot.pause()
        assert picker.query_one(OptionList).option_count == 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoicePicker)
        await pilot.press("escape")
        assert row(app, item, "category") == (None,)


async def test_priority_cycles_and_flags_toggle(tmp_path):
    db = tmp_path / "studio.sqlite3"
    item = add_sms(db, "halo")
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot, item)
        seen = []
        for _ in range(4):
            await pilot.press("p")
            await pilot.pause()
            seen.append(row(app, item, "priority")[0])
        assert seen == [1, 2, 3, 0]
        assert row(app, item, "anonim", "rahasia") == (1, 0)
        await pilot.press("i", "h")
        await pilot.pause()
        assert row(app, item, "anonim", "rahasia") == (0, 1)
        await pilot.press("i", "h")
        await pilot.pause()
        assert row(app, item, "anonim", "rahasia") == (1, 0)


async def test_manual_item_is_added_and_selected(tmp_path):
    db = tmp_path / "studio.sqlite3"
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(pilot)
        await pilot.press("m")
        dlg = await dialog(pilot, ManualItemDialog)
        await pilot.press("ctrl+s")  # empty text is refused
        await pilot.pause()
        assert isinstance(app.screen, ManualItemDialog)
        dlg.query_one(TextArea).load_text("Warga di Pendopo: bantuan sembako belum merata")
        dlg.query_one(Input).value = "Pak RT"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ProducerScreen))
        (made,) = app.store.conn.execute(
            "SELECT id, kind, state, manual_text, reporter_name FROM items"
        ).fetchall()
        assert made[1:] == ("manual", "new", "Warga di Pendopo: bantuan sembako belum merata", "Pak RT")
        assert screen.item_id == made[0]


async def test_start_and_stop_the_show(tmp_path):
    db = tmp_path / "studio.sqlite3"
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        await pilot.press("f2")
        prompt = await dialog(pilot, TextPrompt)
        assert prompt.query_one(Input).value == "SAPA BUPATI"  # Friday noon in the schedule
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ProducerScreen))
        show = app.store.show_on_air()
        assert show["name"] == "SAPA BUPATI"
        assert any("SIARAN: SAPA BUPATI" in line for line in rendered(app))
        await pilot.press("f2")
        await dialog(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, ProducerScreen))
        assert app.store.show_on_air() is None
        ended = app.store.conn.execute("SELECT ended_by FROM shows").fetchone()
        assert ended == ("Rina",)


async def test_actions_are_in_the_command_palette(tmp_path):
    db = tmp_path / "studio.sqlite3"
    item = add_sms(db, "halo")
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(pilot, item)
        from studio_console.ui.screens.producer import ProducerCommands

        provider = ProducerCommands(screen)
        found = [hit.text async for hit in provider.discover()]
        assert "Setujui" in found and "Antrekan" in found and len(found) == len(screen.BINDINGS)
        hits = [hit async for hit in provider.search("setujui")]
        await hits[0].command()
        await pilot.pause()
        assert row(app, item, "state") == ("approved",)
        assert any("Setujui" in line for line in rendered(app)[-2:])  # and in the footer


# ------------------------------------------------------------------------ the detail
async def test_detail_pane_shows_number_parts_history_and_a_warned_sender(tmp_path):
    db = tmp_path / "studio.sqlite3"
    earlier = add_sms(db, "Terima kasih Pak Bupati")
    with Store(db, clock=lambda: FIXED) as store:
        pdus = encode_deliver(NUMBER, "Jembatan di desa kami putus sejak banjir kemarin. " * 9)
        assert len(pdus) >= 3
        for pdu in pdus[:2]:
            store.store_part(decode(pdu), pdu)
        (message_id,) = store.release_stale_parts(0)
        waiting = store.conn.execute("SELECT id FROM items WHERE message_id = ?", (message_id,)).fetchone()[0]
        call = store.call_ringing(NUMBER)
        store.conn.execute("UPDATE calls SET notes = 'tanya bantuan' WHERE id = ?", (call,))
        store.conn.execute(
            "UPDATE senders SET warning = 'pernah marah-marah di udara' WHERE key = ?", (NUMBER,)
        )
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(pilot, waiting)
        detail = screen.query_one(DetailPane)
        text = "\n".join(rendered(app))
        assert f"2/{len(pdus)} bagian, menunggu" in text
        assert "Nomor: +6281234567890" in text and "Operator: Telkomsel" in text
        assert "PERINGATAN: pernah marah-marah di udara" in text
        assert detail.has_class("-warning") and not detail.has_class("-blocked")
        assert "2 SMS · 1 telepon" in text
        assert "Terima kasih Pak Bupati" in text and "tanya bantuan" in text
        screen.select_item(earlier)
        await pilot.pause()
        assert "bagian" not in "\n".join(rendered(app))


# ------------------------------------------------------------------ live and hostile
async def test_another_console_s_change_reaches_the_detail_pane(tmp_path):
    db = tmp_path / "studio.sqlite3"
    item = add_sms(db, "halo")
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot, item)
        with Store(db, clock=lambda: FIXED) as other:
            ScreeningService(other, Actor("producer", "Dewi")).edit(item, topic="Dari konsol lain")
        await wait_until(pilot, lambda: any("Dari konsol lain" in line for line in rendered(app)))


async def test_hostile_listener_text_is_inert_in_the_detail_pane(tmp_path):
    db = tmp_path / "studio.sqlite3"
    items = [
        add_sms(db, text or " ", sender=NUMBER if i % 2 else OTHER) for i, text in enumerate(HOSTILE_TEXTS)
    ]
    with Store(db, clock=lambda: FIXED) as store:
        service = ScreeningService(store, Actor("producer", "Rina"))
        storable = [t for t in HOSTILE_TEXTS if t.strip() and not re.search("[\ud800-\udfff]", t)]
        for i, item in enumerate(items):
            hostile = storable[(i + 3) % len(storable)]
            service.edit(
                item, air_text=hostile, topic=hostile[:100], opd=hostile[:50], reporter_name=hostile[:80]
            )
        store.set_blocked(NUMBER, True, "[/b]\x1b]0;x\x07 [@click=app.quit]")
        store.conn.execute(
            "UPDATE senders SET warning = ?, notes = ?, name = ? WHERE key = ?",
            ("\x9b31m[red]", "\u202eabc[link=x]", "[@click=app.quit]q", OTHER),
        )
        call = store.call_ringing(OTHER)
        store.conn.execute("UPDATE calls SET notes = ? WHERE id = ?", ("\x1b[2J[/]", call))
    app, _ = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        detail = screen.query_one(DetailPane)
        for size, count in (((80, 24), len(items)), ((160, 50), 12)):
            await pilot.resize_terminal(*size)
            for i, item in enumerate(items[:count]):
                screen.select_item(item)
                await pilot.pause()
                assert detail.item_id == item
                for line in rendered(app):
                    assert not CONTROL.search(line), repr(line)
                if "@click" in HOSTILE_TEXTS[i]:
                    await pilot.click(DetailPane)
                    await pilot.click(DetailPane, offset=(3, 5))
        for text in ("\x1b]0;judul jendela\x07", "[@click=app.quit]klik[/]"):  # the edit dialog
            screen.select_item(items[HOSTILE_TEXTS.index(text)])
            await pilot.press("e")
            prompt = await dialog(pilot, TextPrompt)
            assert not CONTROL.search(prompt.query_one(TextArea).text)
            for line in rendered(app):
                assert not CONTROL.search(line), repr(line)
            await pilot.press("escape")
        assert app.is_running and app.return_code is None


async def test_the_screen_works_small_and_large(tmp_path):
    db = tmp_path / "studio.sqlite3"
    items = [add_sms(db, f"pesan nomor {i} " * 8, sender=f"+6281234567{i:03d}") for i in range(30)]
    app, seen = make_app(db, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, items[-1])
        calls = screen.query("#calls")
        for size, key in (((80, 24), "a"), ((160, 50), "p"), ((80, 24), "i")):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            narrow = size[0] < 120
            assert screen.has_class("-narrow") == narrow
            inbox = screen.query_one("#inbox").region
            detail = screen.query_one(DetailPane).region
            assert inbox.height >= 3 and detail.height >= 8 and inbox.width >= 45
            if narrow:
                assert detail.y > inbox.y and detail.x == inbox.x  # stacked
            else:
                assert detail.x > inbox.x and detail.y == inbox.y  # side by side
            lines = rendered(app)
            assert len(lines) == size[1]
            assert "Approve" in lines[-1]  # the English footer
            if calls:
                assert calls.first().display == (not narrow or screen.has_class("-calls-open"))
            await pilot.press(key)
            await pilot.pause()
        assert row(app, items[-1], "state", "priority", "anonim") == ("approved", 1, 0)
        if calls:  # f3 opens the calls panel on a small terminal
            await pilot.press("f3")
            await pilot.pause()
            assert calls.first().display and calls.first().region.height > 0
        bar = screen.query("#inbox-filter")
        if bar:  # the filter bar's choice reaches the inbox
            from studio_console.store.inbox import InboxFilter

            bar.first().post_message(type(bar.first()).Changed(InboxFilter(states=("approved",))))
            inbox = screen.query_one("#inbox")
            await wait_until(pilot, lambda: inbox.filter.states == ("approved",))
            await wait_until(pilot, lambda: list(inbox.item_ids) == [items[-1]])
        assert not [s for s in seen if s[1] == "error"]


async def test_the_status_bar_counts_the_outbox_and_flags_failed_sends(tmp_path):
    from studio_console.complaints import outbox
    from studio_console.complaints.builder import draft_from_items, mark_ready, update
    from studio_console.ui.widgets.status_bar import StatusBar
    from tests.studio_console.complaints.test_builder import aired_sms

    db = tmp_path / "studio.sqlite3"
    with Store(db, clock=lambda: FIXED) as store:
        cid = draft_from_items(store, [aired_sms(store, "Jalan rusak")], station="Radio")
        update(store, cid, klasifikasi="pengaduan", kategori="Infrastruktur", instansi="Dinas PU",
               lokasi={"kecamatan_code": "35.22.01"})
        rows = mark_ready(store, cid, ["file", "http"], "Rina")
        store.publish_status({"state": "ready", "operator": "TELKOMSEL", "signal_dbm": -71, "storages": {}})
    app, _ = make_app(db)
    async with app.run_test(size=(160, 40)) as pilot:
        await ready(pilot)
        bar = app.screen.query_one(StatusBar)
        await wait_until(pilot, lambda: "Kotak keluar 2" in str(bar.render()))
        assert "gagal" not in str(bar.render()) and not bar.has_class("-problem")
        with Store(db) as other:
            outbox.mark_permanent_failure(other, rows[1], "422 kategori tidak dikenal")
        bar.refresh_status()
        await pilot.pause()
        assert "Kotak keluar 1 (1 gagal kirim)" in str(bar.render())
        assert bar.has_class("-problem")
