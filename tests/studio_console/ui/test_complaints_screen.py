"""The complaint screen, driven with the Pilot on a real database and a fixed clock.

Aired items become complaints (one item or several), drafts merge, the form saves what
the producer completes (checked with ``builder.load``), the studio's lists are enforced,
missing fields are named and block sending, marking ready writes the outbox rows for the
chosen transports, the 1708 preview shows the fitted text, a failed row shows its error
and is retried, tracking is set by hand, other connections' writes show up, English
works, hostile listener text stays inert, and the layout works at 80×24 and 160×50.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

from textual.widgets import Checkbox, Input, Select, TextArea

from drivers.gsm.pdu import decode, encode_deliver
from studio_console.complaints import outbox
from studio_console.complaints.builder import draft_from_items, item_ids, load, mark_ready, update
from studio_console.complaints.model import TRACKED_STATUSES, to_payload
from studio_console.complaints.queries import outbox_of
from studio_console.config import ExportSettings, Settings, StudioSettings
from studio_console.i18n import CATALOGUE
from studio_console.store import Store
from studio_console.ui.app import StudioApp
from studio_console.ui.dialogs.complaint_ready import ComplaintReadyDialog
from studio_console.ui.dialogs.confirm import ConfirmDialog
from studio_console.ui.dialogs.desa_picker import DesaPicker
from studio_console.ui.dialogs.outbox_attempts import AttemptsDialog
from studio_console.ui.dialogs.tracking import TrackingDialog
from studio_console.ui.screens.complaints import ComplaintsScreen, localize_error
from studio_console.ui.screens.producer import ProducerScreen
from studio_console.ui.widgets.aired_list import AiredList
from studio_console.ui.widgets.complaint_form import ComplaintForm
from studio_console.ui.widgets.complaint_list import ComplaintList
from studio_console.ui.widgets.outbox_panel import OutboxPanel
from tests.hostile import HOSTILE_TEXTS
from tests.studio_console.complaints.test_builder import air, aired_sms, sms

FIXED = datetime(2026, 3, 6, 5, 0, tzinfo=UTC)  # Friday 12:00 WIB
NUMBER = "+6281234567890"
OTHER = "+6285712345678"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CATEGORIES = ["Infrastruktur", "Kesehatan", "Bantuan sosial"]
AGENCIES = ["Dinas Pekerjaan Umum", "Dinas Kesehatan", "Dinas Sosial"]
STATION = "Radio Malowopati 95.8 FM"


def settings(language: str = "id", transports: list[str] | None = None) -> Settings:
    return Settings(
        studio=StudioSettings(language=language, station=STATION),
        export=ExportSettings(
            categories=CATEGORIES, agencies=AGENCIES, transports=transports or ["file", "sms1708"]
        ),
    )


def open_store(db) -> Store:
    return Store(db, clock=lambda: FIXED, flood_max_messages=1000)


def aired(db, *texts: str, sender: str = NUMBER, **fields: Any) -> list[int]:
    """Aired SMS items (through ingest, screening and the host), one per text."""
    with open_store(db) as store:
        return [aired_sms(store, text, sender, **fields) for text in texts]


def aired_long(store: Store, text: str, sender: str) -> int:
    """Like ``aired_sms``, for texts of several parts (every part stored)."""
    if store.current_show() is None:
        store.start_show("SAPA BUPATI")
    message_id = None
    for pdu in encode_deliver(sender, text):
        message_id = store.store_part(decode(pdu), pdu).message_id
    item = store.conn.execute("SELECT id FROM items WHERE message_id = ?", (message_id,)).fetchone()[0]
    return air(store, item)


def complete(db, complaint_id: int, **extra: Any) -> None:
    """Fill every required field of a draft (from another connection)."""
    fields = dict(
        judul="Jalan rusak di Pejok",
        isi="Jalan desa berlubang sejak banjir.",
        klasifikasi="pengaduan",
        kategori="Infrastruktur",
        instansi="Dinas Pekerjaan Umum",
        lokasi={"kecamatan_code": "35.22.09", "desa_code": "35.22.09.2001", "detail": "RT 02"},
    )
    fields.update(extra)
    with open_store(db) as store:
        update(store, complaint_id, actor="test", **fields)


def make_app(db, language: str = "id", **kw: Any) -> tuple[StudioApp, list[tuple[str, str]]]:
    """The producer's console and a list recording every notification (text, severity)."""
    app = StudioApp(settings(language, **kw), db, role="producer", operator="Rina", clock=lambda: FIXED)
    app.animation_level = "none"
    seen: list[tuple[str, str]] = []
    original = app.notify

    def notify(message: str, **kwargs: Any) -> None:
        seen.append((message, kwargs.get("severity", "information")))
        original(message, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return app, seen


async def wait_until(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


def rendered(app: StudioApp) -> list[str]:
    """The text of every segment on screen."""
    return ["".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips()]


def screen_text(app: StudioApp) -> str:
    return "\n".join(rendered(app))


async def open_complaints(pilot) -> ComplaintsScreen:
    """From the producer's screen, open the complaint screen with its key."""
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ProducerScreen))
    await pilot.pause()
    await pilot.press("f4")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ComplaintsScreen))
    await pilot.pause()
    return pilot.app.screen  # type: ignore[return-value]


async def dialog(pilot, kind: type) -> Any:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind))
    await pilot.pause()
    return pilot.app.screen


async def back_to(pilot, kind: type) -> Any:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind))
    await pilot.pause()
    return pilot.app.screen


def complaint_ids(app: StudioApp) -> list[int]:
    return [r[0] for r in app.store.conn.execute("SELECT id FROM complaints ORDER BY id")]


def errors(seen: list[tuple[str, str]]) -> list[str]:
    return [text for text, severity in seen if severity == "error"]


# --------------------------------------------------------------------------- bindings
def test_every_action_is_a_binding_with_an_id_and_catalogue_words_in_both_languages():
    bindings = [
        *ComplaintsScreen.BINDINGS,
        *AiredList.BINDINGS,
        *ComplaintReadyDialog.BINDINGS,
        *TrackingDialog.BINDINGS,
        *AttemptsDialog.BINDINGS,
    ]
    ids = [b.id for b in ComplaintsScreen.BINDINGS]
    assert len(set(ids)) == len(ids)
    assert len({b.key for b in ComplaintsScreen.BINDINGS}) == len(ComplaintsScreen.BINDINGS)
    for b in bindings:
        assert b.id and b.id.startswith("complaints."), b
        entry = CATALOGUE[f"key.{b.id}"]
        assert entry["id"] and entry["en"]
    producer = {b.id: b.key for b in ProducerScreen.BINDINGS}
    assert producer["producer.complaints"] == "f4" and producer["producer.complaint_from_item"] == "c"


def test_builder_refusals_are_put_in_the_console_language():
    from studio_console.i18n import Translator

    t = Translator("id")
    assert localize_error(t, Exception("fill in before sending: judul, lokasi.kecamatan")) == (
        "Isi dulu sebelum dikirim: Judul, Lokasi (kecamatan)."
    )
    said = localize_error(
        Translator("en"), Exception("kategori 'Jalan' is not in the list in config.toml: A, B")
    )
    assert said.startswith("Category \u201cJalan\u201d is not in the list")
    assert localize_error(t, Exception("something new")) == "Gagal: something new"


def test_transport_errors_are_put_in_the_console_language_and_unknown_ones_say_so():
    from studio_console.i18n import Translator
    from studio_console.ui.widgets.outbox_panel import error_label

    t = Translator("id")
    for error, said in (
        ("sms_uncertain: the SMS to 1708 may already have gone: the console stopped", "SMS mungkin sudah"),
        (
            "TransientError: the modem is not ready (absent); the SMS to 1708 waits",
            "modem belum siap (absent)",
        ),
        ("TransientError: the modem refused the SMS to 1708: +CMS ERROR 500", "modem menolak SMS"),
        ("HTTP 422 from lapor.example:443: kategori tidak dikenal", "server menolak aduan (HTTP 422)"),
        (
            "HTTP 401 from h:443: the bearer token in LAPOR_TOKEN was refused: x",
            "variabel lingkungan LAPOR_TOKEN",
        ),
        ("TransientError: HTTP 503 from h:443: sibuk", "server sedang bermasalah (HTTP 503)"),
        ("TransientError: no answer from h:443 within 15 s", "server tidak menjawab tepat waktu"),
        ("TransientError: connection to h:443 refused", "koneksi ke server gagal"),
        ("TransientError: cannot write the package in /srv/x: No space left", "berkas tidak bisa ditulis"),
        ("sms_awaiting_reply: waiting for LAPOR!'s reply", "menunggu balasan LAPOR!"),
    ):
        assert error_label(t, error) == (error_label(t, error)[0], True) and said in error_label(t, error)[0]
    assert error_label(t, "[b]sesuatu yang baru") == ("galat lain (teks asli di bawah)", False)
    assert error_label(Translator("en"), "HTTP 422 from h:1: x")[0].startswith("the server refused")
    assert localize_error(t, Exception("a rahasia complaint cannot go by SMS to 1708: no flag")) == (
        "Aduan rahasia tidak dikirim lewat SMS 1708."
    )
    assert localize_error(t, Exception("complaint 4 cannot go back to draft: its http row is sent, so")) == (
        "Aduan #4 tidak bisa kembali ke draf: pengiriman HTTP (SIAP LAPOR!) terkirim, jadi tujuan "
        "mungkin sudah menerimanya. Isi no. lacak/status saja (F8)."
    )


# --------------------------------------------------------------------------- drafting
async def test_the_producer_opens_the_screen_and_drafts_from_one_aired_item(tmp_path):
    db = tmp_path / "studio.sqlite3"
    (item,) = aired(db, "Lampu PJU di jalan Veteran mati", topic="PJU mati")
    app, seen = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        aired_list = screen.query_one(AiredList)
        assert aired_list.ids == [item] and aired_list.has_focus
        assert "PJU mati" in screen_text(app) and "SMS" in screen_text(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: len(complaint_ids(app)) == 1)
        (cid,) = complaint_ids(app)
        assert item_ids(app.store, cid) == [item]
        c = load(app.store, cid)
        assert c.judul == "PJU mati" and c.sumber.station == STATION and c.anonim
        await wait_until(pilot, lambda: screen.form.complaint_id == cid)
        assert aired_list.ids == []
        assert screen.query_one(ComplaintList).ids == [cid]
        assert f"Aduan #{cid} dibuat dari 1 item." in [s[0] for s in seen]
        text = screen_text(app)
        assert "Belum diisi: Klasifikasi, Kategori, Instansi tujuan, Lokasi (kecamatan)" in text
        from studio_console.ui.screens.complaints import ComplaintCommands

        found = [hit.text async for hit in ComplaintCommands(screen).discover()]
        assert "Buat aduan" in found and "Siap kirim" in found and "Kirim ulang" in found
        assert "Kembali ke draf" in found
        hits = [hit async for hit in ComplaintCommands(screen).search("siap kirim")]
        await hits[0].command()  # the palette runs the action: missing fields are named
        await pilot.pause()
        assert errors(seen) == [
            "Isi dulu sebelum dikirim: Klasifikasi, Kategori, Instansi tujuan, Lokasi (kecamatan)."
        ]
        await pilot.press("escape")
        await back_to(pilot, ProducerScreen)


async def test_several_marked_items_make_one_complaint(tmp_path):
    db = tmp_path / "studio.sqlite3"
    first, second, third = aired(db, "Jalan rusak di Pejok", "Jalan Pejok berlubang", "Lain hal")
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        aired_list = screen.query_one(AiredList)
        assert set(aired_list.ids) == {first, second, third}
        for item in (first, second):
            aired_list.highlight_id(item)
            await pilot.press("space")
        assert sorted(aired_list.marked) == [first, second]
        await pilot.press("n")
        await wait_until(pilot, lambda: len(complaint_ids(app)) == 1)
        (cid,) = complaint_ids(app)
        assert item_ids(app.store, cid) == [first, second]
        assert load(app.store, cid).originals == ("Jalan rusak di Pejok", "Jalan Pejok berlubang")
        await wait_until(pilot, lambda: aired_list.ids == [third])
        assert aired_list.marked == []


async def test_marked_drafts_merge_into_the_oldest(tmp_path):
    db = tmp_path / "studio.sqlite3"
    items = aired(db, "Banyu PDAM mati", "PDAM Ledok Kulon mati telung dina")
    with open_store(db) as store:
        drafts = [draft_from_items(store, [i], station=STATION) for i in items]
    app, seen = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        listing = screen.query_one(ComplaintList)
        listing.focus()
        await pilot.press("g")  # nothing marked: refused with a hint
        assert any("Tandai paling sedikit dua draf" in s[0] for s in seen)
        for cid in drafts:
            listing.highlight_id(cid)
            await pilot.press("space")
        await pilot.press("g")
        await wait_until(pilot, lambda: complaint_ids(app) == [drafts[0]])
        assert item_ids(app.store, drafts[0]) == items
        merged = load(app.store, drafts[0])
        assert merged.originals == ("Banyu PDAM mati", "PDAM Ledok Kulon mati telung dina")
        await wait_until(pilot, lambda: listing.ids == [drafts[0]] and screen.form.complaint_id == drafts[0])


# --------------------------------------------------------------------------- the form
async def test_edited_fields_are_saved_and_persisted(tmp_path):
    db = tmp_path / "studio.sqlite3"
    (item,) = aired(db, "Jembatan putus", reporter_name="Pak Darmo")
    with open_store(db) as store:
        cid = draft_from_items(store, [item], station=STATION)
    app, seen = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        form = screen.form
        assert form.complaint_id == cid and not form.dirty
        assert f"Nomor: {NUMBER}" in screen_text(app)  # the producer sees the number
        judul = form.query_one("#f-judul", Input)
        judul.focus()
        judul.value = ""
        await pilot.press(*"Jembatan Kedungadem putus")
        form.query_one("#f-isi", TextArea).load_text("Jembatan penghubung desa putus sejak banjir.")
        form.query_one("#f-klasifikasi", Select).value = "pengaduan"
        form.query_one("#f-kategori", Select).value = "Infrastruktur"
        form.query_one("#f-instansi", Select).value = "Dinas Pekerjaan Umum"
        form.query_one("#f-lokasi-detail", Input).value = "Dusun Krajan RT 03"
        form.query_one("#f-tanggal", Input).value = "2026-03-01"
        form.query_one("#f-pelapor", Input).value = "Darmo"
        form.query_one("#f-anonim", Checkbox).value = False
        form.query_one("#f-rahasia", Checkbox).value = True
        form.query_one("#f-dijawab", Input).value = "Kepala Dinas PU"
        form.query_one("#f-jawaban", Input).value = "Diperbaiki minggu depan"
        await pilot.pause()
        assert form.dirty and "belum disimpan" in screen_text(app)
        await pilot.press("f2")
        picker = await dialog(pilot, DesaPicker)
        picker.query_one(Input).value = "pejok kepohbaru"
        await pilot.pause()
        await pilot.press("enter")
        await back_to(pilot, ComplaintsScreen)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not form.dirty)
        assert not errors(seen), seen
        c = load(app.store, cid)
        assert c.judul == "Jembatan Kedungadem putus"
        assert c.isi == "Jembatan penghubung desa putus sejak banjir."
        assert c.originals == ("Jembatan putus",)  # the verbatim original is never edited
        assert (c.klasifikasi, c.kategori, c.instansi) == (
            "pengaduan",
            "Infrastruktur",
            "Dinas Pekerjaan Umum",
        )
        assert c.lokasi.desa_code.endswith(".2001") and c.lokasi.kecamatan_code == c.lokasi.desa_code[:8]
        assert c.lokasi.detail == "Dusun Krajan RT 03"
        assert c.tanggal_kejadian.isoformat() == "2026-03-01"
        assert c.pelapor.name == "Darmo" and c.pelapor.e164 == NUMBER
        assert (c.anonim, c.rahasia) == (False, True)
        assert (c.dijawab_oleh, c.jawaban) == ("Kepala Dinas PU", "Diperbaiki minggu depan")
        assert "Pejok" in screen_text(app)
        audit = app.store.conn.execute(
            "SELECT actor FROM audit WHERE entity = 'complaint' AND action = 'edit'"
        ).fetchall()
        assert audit == [("Rina",)]


async def test_a_bad_incident_date_is_refused_with_a_clear_message(tmp_path):
    db = tmp_path / "studio.sqlite3"
    (item,) = aired(db, "Pupuk kosong")
    with open_store(db) as store:
        cid = draft_from_items(store, [item], station=STATION)
    app, seen = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        tanggal = screen.form.query_one("#f-tanggal", Input)
        for typed, words in (
            ("6/3/2026", "harus ditulis TTTT-BB-HH"),
            ("2026-02-30", "tidak ada di kalender"),
            ("2026-12-01", "belum terjadi"),
        ):
            tanggal.value = typed
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert any(words in e for e in errors(seen)), (typed, seen)
            assert words in screen_text(app)
            assert load(app.store, cid).tanggal_kejadian is None


async def test_the_configured_lists_are_enforced(tmp_path):
    db = tmp_path / "studio.sqlite3"
    (item,) = aired(db, "Sampah menumpuk", category="Kebersihan", opd="Dinas Lingkungan Hidup")
    with open_store(db) as store:
        cid = draft_from_items(store, [item], station=STATION)
    complete(db, cid, kategori=None, instansi=None)
    with open_store(db) as store:  # prefilled from the item, off the lists
        store.conn.execute(
            "UPDATE complaints SET data = json_set(data, '$.kategori', 'Kebersihan', "
            "'$.instansi', 'Dinas Lingkungan Hidup') WHERE id = ?",
            (cid,),
        )
    app, seen = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        form = screen.form
        assert "Kebersihan (tidak ada di daftar)" in screen_text(app)
        await pilot.press("f5")  # marking ready is refused
        await pilot.pause()
        assert isinstance(app.screen, ComplaintsScreen)
        assert any("Kategori \u201cKebersihan\u201d tidak ada di daftar" in e for e in errors(seen)), seen
        assert outbox_of(app.store, cid) == []
        form.query_one("#f-judul", Input).value = "Sampah menumpuk di pasar"
        await pilot.press("ctrl+s")  # so is saving, even another field
        await pilot.pause()
        assert load(app.store, cid).judul == "Jalan rusak di Pejok"
        options = [value for _, value in form.query_one("#f-kategori", Select)._options]
        assert [o for o in options if o in CATEGORIES] == CATEGORIES  # the list, in order
        form.query_one("#f-kategori", Select).value = "Infrastruktur"
        form.query_one("#f-instansi", Select).value = "Dinas Sosial"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: load(app.store, cid).kategori == "Infrastruktur")
        c = load(app.store, cid)
        assert (c.judul, c.instansi) == ("Sampah menumpuk di pasar", "Dinas Sosial")


async def test_missing_fields_are_named_and_block_sending(tmp_path):
    db = tmp_path / "studio.sqlite3"
    (item,) = aired(db, "Jalan rusak")
    with open_store(db) as store:
        cid = draft_from_items(store, [item], station=STATION)
    for language, named in (
        ("id", "Isi dulu sebelum dikirim: Klasifikasi, Kategori, Instansi tujuan, Lokasi (kecamatan)."),
        ("en", "Fill in before sending: Classification, Category, Target agency, Location (kecamatan)."),
    ):
        app, seen = make_app(db, language)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await open_complaints(pilot)
            screen.query_one(ComplaintList).focus()
            await pilot.press("f5")
            await pilot.pause()
            assert isinstance(app.screen, ComplaintsScreen)  # no transport dialog
            assert errors(seen) == [named]
            assert load(app.store, cid).status == "draft" and outbox_of(app.store, cid) == []


# --------------------------------------------------------------------------- sending
async def test_mark_ready_with_the_chosen_transports_writes_the_outbox(tmp_path):
    db = tmp_path / "studio.sqlite3"
    (item,) = aired(db, "Jalan desa berlubang")
    with open_store(db) as store:
        cid = draft_from_items(store, [item], station=STATION)
    complete(db, cid)
    app, seen = make_app(db, transports=["file", "sms1708", "http"])
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        assert "Belum masuk outbox" in screen_text(app)
        await pilot.press("f5")
        ready = await dialog(pilot, ComplaintReadyDialog)
        assert ready.chosen == ["file", "sms1708", "http"]  # all ticked at first
        ready.query_one("#tr-http", Checkbox).value = False
        await pilot.pause()
        await pilot.press("ctrl+s")
        await back_to(pilot, ComplaintsScreen)
        rows = outbox_of(app.store, cid)
        assert [(r.transport, r.state) for r in rows] == [("file", "pending"), ("sms1708", "pending")]
        assert load(app.store, cid).status == "siap_kirim"
        assert any("siap kirim lewat" in s[0] for s in seen)
        panel = screen.query_one(OutboxPanel)
        await wait_until(pilot, lambda: [r.transport for r in panel.rows] == ["file", "sms1708"])
        text = screen_text(app)
        assert "SMS 1708" in text and "menunggu" in text
        assert screen.form.query_one("#form-fields").disabled  # no longer a draft: read-only
        await pilot.press("f5")  # not twice
        await pilot.pause()
        assert any("hanya draf" in e for e in errors(seen))


async def test_the_1708_preview_shows_the_exact_fitted_text(tmp_path):
    from studio_console.complaints.transports.sms1708 import fit_message

    db = tmp_path / "studio.sqlite3"
    (item,) = aired(db, "Jalan rusak")
    with open_store(db) as store:
        cid = draft_from_items(store, [item], station=STATION)
    long_isi = "Jalan penghubung antar desa rusak parah dan berlubang dalam sejak banjir bulan lalu. " * 3
    complete(db, cid, isi=long_isi)
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        await open_complaints(pilot)
        await pilot.press("f5")
        ready = await dialog(pilot, ComplaintReadyDialog)
        expected = fit_message("BJN", to_payload(load(app.store, cid)))
        assert expected.shortened and ready.fitted == expected
        preview = str(ready.query_one("#sms-preview").render())
        assert expected.text in preview
        assert f"GSM 7-bit, {expected.length}/160 karakter" in preview
        assert "Dipendekkan agar muat satu SMS" in preview and "isi dipotong di akhir" in preview
        ready.query_one("#tr-sms1708", Checkbox).value = False  # the preview goes with the tick
        await pilot.pause()
        assert not ready.query_one("#sms-preview-box").display
        await pilot.press("escape")
        await back_to(pilot, ComplaintsScreen)
        assert outbox_of(app.store, cid) == []


async def test_a_failed_row_shows_its_error_history_and_is_retried(tmp_path):
    db = tmp_path / "studio.sqlite3"
    (item,) = aired(db, "Jalan rusak")
    with open_store(db) as store:
        cid = draft_from_items(store, [item], station=STATION)
    complete(db, cid)
    with open_store(db) as store:
        file_row, sms_row = mark_ready(store, cid, ["file", "sms1708"], actor="Rina")
        outbox.mark_sent(store, file_row, {"folder": "exports/x"})
    app, seen = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        panel = screen.query_one(OutboxPanel)
        with open_store(db) as other:  # the daemon's worker gives up on the SMS
            outbox.mark_permanent_failure(
                other, sms_row, "ditolak operator: nomor 1708 [b]tidak aktif\x1b[2J"
            )
        await wait_until(pilot, lambda: any(r.state == "gagal_kirim" for r in panel.rows))
        await pilot.pause()
        text = screen_text(app)
        assert "GAGAL KIRIM" in text and "Gagal kirim !" in text
        panel.query_one("#outbox-table").move_cursor(row=1)
        await pilot.pause()
        assert "nomor 1708 [b]tidak aktif" in screen_text(app)
        assert not any(CONTROL.search(line) for line in rendered(app))
        await pilot.press("h")
        history = await dialog(pilot, AttemptsDialog)
        assert "ditolak" in screen_text(app) and "tidak aktif" in screen_text(app)
        await pilot.press("escape")
        await back_to(pilot, ComplaintsScreen)
        assert history is not app.screen
        await pilot.press("f9")
        await wait_until(pilot, lambda: outbox_of(app.store, cid)[1].state == "pending")
        assert [r.state for r in outbox_of(app.store, cid)] == ["sent", "pending"]
        assert load(app.store, cid).status == "siap_kirim"
        assert app.store.conn.execute(
            "SELECT actor FROM audit WHERE entity = 'outbox' AND action = 'retry'"
        ).fetchall() == [("Rina",)]
        await wait_until(pilot, lambda: "GAGAL KIRIM" not in screen_text(app))
        await pilot.press("f9")
        await pilot.pause()
        assert any("Tidak ada pengiriman yang gagal" in s[0] for s in seen)


async def test_tracking_id_and_status_are_set_by_hand(tmp_path):
    db = tmp_path / "studio.sqlite3"
    (item,) = aired(db, "Jalan rusak")
    with open_store(db) as store:
        cid = draft_from_items(store, [item], station=STATION)
    complete(db, cid)
    with open_store(db) as store:
        mark_ready(store, cid, ["file"], actor="Rina")
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        await pilot.press("f8")
        tracking = await dialog(pilot, TrackingDialog)
        select = tracking.query_one(Select)
        assert select.value == Select.NULL  # siap_kirim is not set by hand
        offered = [value for _, value in select._options if value != Select.NULL]
        assert offered == list(TRACKED_STATUSES)
        assert not {"draft", "siap_kirim", "gagal_kirim"} & set(offered)
        await pilot.press("ctrl+s")  # no status chosen: stays open
        await pilot.pause()
        assert app.screen is tracking
        tracking.query_one("#tracking", Input).value = "4021773"
        tracking.query_one(Select).value = "diverifikasi"
        await pilot.press("ctrl+s")
        await back_to(pilot, ComplaintsScreen)
        c = load(app.store, cid)
        assert (c.tracking_id, c.status) == ("4021773", "diverifikasi")
        await wait_until(pilot, lambda: "No. lacak: 4021773" in screen_text(app))
        assert "Diverifikasi" in screen_text(app)
        listing = screen.query_one(ComplaintList)
        assert "4021773" in str(listing.get_option_at_index(0).prompt)


# --------------------------------------------------------------------------- live
async def test_the_lists_follow_other_connections(tmp_path):
    db = tmp_path / "studio.sqlite3"
    (first,) = aired(db, "Jalan rusak")
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        aired_list, listing = screen.query_one(AiredList), screen.query_one(ComplaintList)
        assert aired_list.ids == [first] and listing.ids == []
        (second,) = aired(db, "Lampu mati", sender=OTHER)  # the host airs another item
        await wait_until(pilot, lambda: set(aired_list.ids) == {first, second})
        with open_store(db) as other:  # another producer drafts it
            cid = draft_from_items(other, [second], station=STATION, actor="Dewi")
        await wait_until(pilot, lambda: listing.ids == [cid] and aired_list.ids == [first])
        await wait_until(pilot, lambda: screen.form.complaint_id == cid)
        complete(db, cid)
        await wait_until(pilot, lambda: "Jalan rusak di Pejok" in screen_text(app))
        with open_store(db) as other:
            (row,) = mark_ready(other, cid, ["file"], actor="Dewi")
        panel = screen.query_one(OutboxPanel)
        await wait_until(pilot, lambda: [r.state for r in panel.rows] == ["pending"])
        with open_store(db) as worker:  # the outbox worker's receipt, with a tracking ID
            outbox.mark_sent(worker, row, outbox.Receipt("7700123", {}))
        await wait_until(pilot, lambda: [r.state for r in panel.rows] == ["sent"])
        await wait_until(pilot, lambda: "7700123" in screen_text(app))


async def test_unsaved_changes_are_not_lost_to_a_refresh_or_a_key(tmp_path):
    db = tmp_path / "studio.sqlite3"
    items = aired(db, "Satu", "Dua")
    with open_store(db) as store:
        first, second = (draft_from_items(store, [i], station=STATION) for i in items)
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        screen.select_complaint(first)
        await pilot.pause()
        screen.form.query_one("#f-judul", Input).value = "Diketik belum disimpan"
        await pilot.pause()
        (third,) = aired(db, "Tiga")  # a refresh does not overwrite typing
        await wait_until(pilot, lambda: third in screen.query_one(AiredList).ids)
        assert screen.form.query_one("#f-judul", Input).value == "Diketik belum disimpan"
        screen.query_one(ComplaintList).focus()
        screen.query_one(ComplaintList).highlight_id(second)  # moving away asks
        await dialog(pilot, ConfirmDialog)
        await pilot.press("n")
        await back_to(pilot, ComplaintsScreen)
        assert screen.form.complaint_id == first and screen.form.dirty
        await pilot.press("escape")  # leaving asks too
        await dialog(pilot, ConfirmDialog)
        await pilot.press("y")
        await back_to(pilot, ProducerScreen)
        assert load(app.store, first).judul == "Satu"


async def test_c_on_an_aired_item_in_the_producer_screen_drafts_it(tmp_path):
    db = tmp_path / "studio.sqlite3"
    (item,) = aired(db, "Jalan rusak", topic="Jalan rusak di Pejok")
    with open_store(db) as store:
        fresh = sms(store, "baru, belum disiarkan")
    app, seen = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        producer = await back_to(pilot, ProducerScreen)
        producer.select_item(fresh)
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ProducerScreen) and complaint_ids(app) == []
        assert any("Hanya item yang sudah disiarkan" in s[0] for s in seen)
        producer.select_item(item)
        await pilot.pause()
        await pilot.press("c")
        screen = await back_to(pilot, ComplaintsScreen)
        (cid,) = complaint_ids(app)
        await wait_until(pilot, lambda: screen.form.complaint_id == cid)
        assert item_ids(app.store, cid) == [item]


# --------------------------------------------------------------------------- language, size
async def test_english_renders_its_strings(tmp_path):
    db = tmp_path / "studio.sqlite3"
    (item,) = aired(db, "Jalan rusak")
    with open_store(db) as store:
        draft_from_items(store, [item], station=STATION)
    app, _ = make_app(db, "en")
    async with app.run_test(size=(160, 50)) as pilot:
        await open_complaints(pilot)
        text = screen_text(app)
        for words in (
            "Complaints",
            "Still missing: Classification",
            "Original text",
            "Target agency",
            "Weekly review colours",
            "Draft complaint",
            "Ready to send",
        ):
            assert words in text, words
        assert "Belum diisi" not in text


async def test_the_screen_works_small_and_large(tmp_path):
    db = tmp_path / "studio.sqlite3"
    items = aired(db, *(f"Keluhan nomor {i} tentang jalan" for i in range(6)))
    with open_store(db) as store:
        for i in items[:3]:
            draft_from_items(store, [i], station=STATION)
    app, _ = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_complaints(pilot)
        for size in ((80, 24), (160, 50), (120, 40), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            narrow = size[0] < 120
            assert screen.has_class("-narrow") == narrow
            aired_region = screen.query_one(AiredList).region
            complaints_region = screen.query_one(ComplaintList).region
            detail = screen.query_one("#detail").region
            assert aired_region.height >= 3 and complaints_region.height >= 3 and detail.height >= 8
            if narrow:  # the lists side by side above the detail
                assert complaints_region.x > aired_region.x and detail.y > aired_region.y
            else:
                assert detail.x > aired_region.x and complaints_region.y > aired_region.y
            lines = rendered(app)
            assert len(lines) == size[1]
            assert "Buat aduan" in lines[-1]
        await pilot.press("n")  # still works small
        await wait_until(pilot, lambda: len(complaint_ids(app)) == 4)


# --------------------------------------------------------------------------- hostile
async def test_hostile_listener_text_is_inert_in_the_lists_and_the_form(tmp_path):
    db = tmp_path / "studio.sqlite3"
    storable = [t for t in HOSTILE_TEXTS if not re.search("[\ud800-\udfff]", t)]
    with open_store(db) as store:
        items = [
            aired_long(store, text if text.strip() else f"kosong {i}", NUMBER if i % 2 else OTHER)
            for i, text in enumerate(storable)
        ]
        drafted = []
        for i in range(12):
            cid = draft_from_items(store, [items[i]], station=STATION)
            hostile = storable[(i + 3) % len(storable)]
            update(
                store,
                cid,
                judul=hostile[:100],
                isi=hostile,
                pelapor={"name": hostile[:80], "e164": NUMBER},
                dijawab_oleh=hostile[:100],
                lampiran=[hostile[:200]],
                lokasi={"kecamatan_code": None, "desa_code": None, "detail": hostile[:200]},
            )
            drafted.append(cid)
        store.conn.execute(  # the show's name is listener-adjacent too (typed by a person)
            "UPDATE shows SET name = ?", ("[@click=app.quit]SAPA \x1b]0;x\x07",)
        )
    app, _ = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_complaints(pilot)
        for size, count in (((80, 24), len(drafted)), ((160, 50), 4)):
            await pilot.resize_terminal(*size)
            for i, cid in enumerate(drafted[:count]):
                screen.select_complaint(cid)
                await pilot.pause()
                assert screen.form.complaint_id == cid
                for line in rendered(app):
                    assert not CONTROL.search(line), repr(line)
                for selector in ("#f-judul", "#f-pelapor", "#f-dijawab", "#f-lokasi-detail"):
                    assert not CONTROL.search(screen.form.query_one(selector, Input).value)
                assert not CONTROL.search(screen.form.query_one("#f-isi", TextArea).text)
                if "@click" in storable[(i + 3) % len(storable)]:
                    await pilot.click(ComplaintForm, offset=(5, 3))
                    await pilot.click(ComplaintList, offset=(12, 1))
            aired_list = screen.query_one(AiredList)
            for index in range(0, len(aired_list.ids), 4):
                aired_list.highlighted = index
                await pilot.pause()
                for line in rendered(app):
                    assert not CONTROL.search(line), repr(line)
            await pilot.click(AiredList, offset=(10, 1))
        assert app.is_running and app.return_code is None
        assert any("[@click=app.quit]" in line for line in rendered(app))  # shown, not run


# --------------------------------------------------------------------------- the look
def seed_for_snapshot(db) -> None:
    """Complaints in every colour, a failed transport, and aired items waiting; fixed times."""
    from datetime import timedelta

    from studio_console.complaints.builder import set_tracking

    class Clock:
        now = FIXED - timedelta(days=4)  # Monday

        def __call__(self) -> datetime:
            return self.now

    clock = Clock()
    with Store(db, clock=clock, flood_max_messages=1000) as store:
        old, done, failed = (
            aired_sms(store, text, sender, topic=topic)
            for text, sender, topic in (
                (
                    "Jalan poros Kepohbaru berlubang dalam, sudah 3 motor jatuh.",
                    NUMBER,
                    "Jalan poros berlubang",
                ),
                ("Lampu PJU jalan Veteran depan pasar mati 2 minggu.", OTHER, "PJU Veteran mati"),
                ("Banyu PDAM ing Ledok Kulon mati telung dina [b]tulung[/b]", "+6289612345678", None),
            )
        )
        ids = []
        for item in (old, done, failed):
            cid = draft_from_items(store, [item], station=STATION, actor="Rina")
            update(
                store,
                cid,
                klasifikasi="pengaduan",
                kategori="Infrastruktur",
                instansi="Dinas Pekerjaan Umum",
                lokasi={"kecamatan_code": "35.22.09", "desa_code": "35.22.09.2001", "detail": "RT 02"},
            )
            ids.append(cid)
        update(store, ids[2], judul="PDAM Ledok Kulon mati tiga hari")
        for cid in ids:
            (file_row, *rest) = mark_ready(store, cid, ["file", "sms1708"], actor="Rina")
            outbox.mark_sent(store, file_row, {"folder": "exports/20260302"})
            if cid != ids[2]:
                outbox.mark_sent(store, rest[0], outbox.Receipt(f"40217{cid:02d}", {}))
        set_tracking(store, ids[1], None, "selesai", actor="Rina")
        clock.now = FIXED - timedelta(minutes=30)
        outbox.mark_permanent_failure(store, rest[0], "modem: +CMS ERROR 500 (nomor 1708 menolak)")
        aired_sms(store, "Pupuk subsidi di kios Desa Kedungadem kosong terus", "+6281311223344")
        clock.now = FIXED - timedelta(minutes=10)
        aired_sms(
            store, "Pelayanan KTP-el di kecamatan antre dari subuh", "+6281999000111", topic="Antre KTP-el"
        )
        draft_from_items(
            store, [aired_sms(store, "Jembatan Desa Pejok putus", "+6282140506070")], station=STATION
        )


def test_complaints_screen_snapshot(snap_compare, tmp_path):
    db = tmp_path / "studio.sqlite3"
    seed_for_snapshot(db)
    app = StudioApp(settings(), db, role="producer", operator="Rina", clock=lambda: FIXED)

    async def open_it(pilot) -> None:
        await open_complaints(pilot)
        screen = pilot.app.screen
        screen.select_complaint(screen.query_one(ComplaintList).ids[1])  # the failed one
        await pilot.pause()

    assert snap_compare(app, run_before=open_it, terminal_size=(120, 40))


# --------------------------------------------------------------------------- review fixes
def ready_complaint(
    db, transports: list[str], text: str = "Jalan rusak", **extra: Any
) -> tuple[int, list[int]]:
    """A complete complaint marked ready for ``transports``; returns (id, outbox row ids)."""
    (item,) = aired(db, text)
    with open_store(db) as store:
        cid = draft_from_items(store, [item], station=STATION)
    complete(db, cid, **extra)
    with open_store(db) as store:
        return cid, mark_ready(store, cid, transports, actor="Rina")


def begin_sms(db, outbox_id: int, complaint_id: int, purpose: str = "lapor") -> int:
    """The SMS transport's intent for a row, as ``send_once`` writes it before the modem is asked."""
    with open_store(db) as store:
        key = outbox.get(store, outbox_id).idempotency_key
        return store.begin_sent(
            "1708", "BJN Jalan rusak", purpose=purpose, related_id=complaint_id, idempotency_key=key
        )


async def test_a_refused_complaint_goes_back_to_draft_and_is_sent_again(tmp_path):
    db = tmp_path / "studio.sqlite3"
    cid, (_file_row, http_row) = ready_complaint(db, ["file", "http"])
    with open_store(db) as store:
        outbox.mark_permanent_failure(
            store, http_row, 'HTTP 422 from 127.0.0.1:8443: kategori "Jalan" tidak dikenal [b]x'
        )
    app, seen = make_app(db, transports=["file", "http"])
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        text = screen_text(app)
        assert "server menolak aduan (HTTP 422)" in text  # the reason in Indonesian…
        assert (
            'teks asli: HTTP 422 from 127.0.0.1:8443: kategori "Jalan" tidak dikenal [b]x' in text
        )  # …and inert
        await pilot.press("d")
        confirm = await dialog(pilot, ConfirmDialog)
        assert f"Kembalikan aduan #{cid} ke draf?" in screen_text(app)
        await pilot.press("n")  # asked first: no changes nothing
        await back_to(pilot, ComplaintsScreen)
        assert confirm is not app.screen and load(app.store, cid).status == "gagal_kirim"
        await pilot.press("d")
        await dialog(pilot, ConfirmDialog)
        await pilot.press("y")
        await back_to(pilot, ComplaintsScreen)
        await wait_until(pilot, lambda: screen.form.editable)
        c = load(app.store, cid)
        assert (c.status, c.revision) == ("draft", 1)
        assert [r.state for r in outbox_of(app.store, cid)] == ["dibatalkan", "dibatalkan"]
        assert f"Aduan #{cid} kembali jadi draf. Perbaiki, lalu tandai siap kirim lagi (F5)." in [
            s[0] for s in seen
        ]
        assert "dibatalkan" in screen_text(app)
        screen.form.query_one("#f-kategori", Select).value = "Kesehatan"  # the fix
        await pilot.press("f5")
        await dialog(pilot, ComplaintReadyDialog)
        await pilot.press("ctrl+s")
        await back_to(pilot, ComplaintsScreen)
        rows = outbox_of(app.store, cid)
        assert [r.state for r in rows] == ["dibatalkan", "dibatalkan", "pending", "pending"]
        assert load(app.store, cid).kategori == "Kesehatan"
        await pilot.press("d")  # nothing sent yet: may go back again; once sent, refused
        await dialog(pilot, ConfirmDialog)
        await pilot.press("n")
        await back_to(pilot, ComplaintsScreen)
        with open_store(db) as store:
            outbox.mark_sent(store, rows[2].id, {"package": "x"})
        await pilot.press("d")
        await dialog(pilot, ConfirmDialog)
        await pilot.press("y")
        await back_to(pilot, ComplaintsScreen)
        await pilot.pause()
        assert load(app.store, cid).status == "siap_kirim"
        assert any(
            "tidak bisa kembali ke draf: pengiriman Berkas (operator Kominfo) terkirim" in e
            for e in errors(seen)
        )


async def test_f9_asks_before_resending_an_sms_that_may_have_gone(tmp_path):
    db = tmp_path / "studio.sqlite3"
    cid, (sms_row,) = ready_complaint(db, ["sms1708"])
    begin_sms(db, sms_row, cid)  # the console stopped while the modem was sending it
    with open_store(db) as store:
        outbox.mark_permanent_failure(
            store, sms_row, "sms_uncertain: the SMS to 1708 may already have gone: the console stopped"
        )
    app, seen = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        text = screen_text(app)
        assert "SMS mungkin sudah sampai ke LAPOR!" in text and "mungkin terkirim: periksa" in text
        await pilot.press("f9")
        await dialog(pilot, ConfirmDialog)
        assert (
            "SMS ini mungkin sudah sampai ke LAPOR! 1708. Periksa balasan LAPOR! atau lapor.go.id dulu. "
            "Kirim ulang?"
        ) in " ".join(screen_text(app).split())
        await pilot.press("n")
        await back_to(pilot, ComplaintsScreen)
        assert outbox_of(app.store, cid)[0].state == "gagal_kirim"
        assert app.store.sent_by_key(outbox.get(app.store, sms_row).idempotency_key).state == "sending"
        await pilot.press("f9")
        await dialog(pilot, ConfirmDialog)
        await pilot.press("y")
        await back_to(pilot, ComplaintsScreen)
        await wait_until(pilot, lambda: outbox_of(app.store, cid)[0].state == "pending")
        assert app.store.sent_by_key(outbox.get(app.store, sms_row).idempotency_key).state == "abandoned"
        assert any(s[0] == "Dikirim ulang: SMS ke 1708 (LAPOR!)." for s in seen)
        assert screen.form.complaint_id == cid


async def test_f9_retries_only_the_highlighted_failed_row(tmp_path):
    db = tmp_path / "studio.sqlite3"
    cid, (file_row, sms_row, http_row) = ready_complaint(db, ["file", "sms1708", "http"])
    with open_store(db) as store:
        outbox.mark_sent(store, file_row, {"package": "x"})
        outbox.mark_permanent_failure(
            store, sms_row, "TransientError: the modem is not ready (absent); waits"
        )
        outbox.mark_permanent_failure(store, http_row, "HTTP 503 from 127.0.0.1:8443: sibuk")
    app, seen = make_app(db, transports=["file", "sms1708", "http"])
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        text = screen_text(app)
        assert "modem belum siap (absent)" in text
        assert "server sedang bermasalah (HTTP 503)" in text
        panel = screen.query_one(OutboxPanel)
        panel.query_one("#outbox-table").move_cursor(row=0)  # the sent file row
        await pilot.press("f9")
        await pilot.pause()
        assert any("Sorot baris yang gagal" in s[0] and s[1] == "warning" for s in seen)
        assert [r.state for r in outbox_of(app.store, cid)] == ["sent", "gagal_kirim", "gagal_kirim"]
        panel.query_one("#outbox-table").move_cursor(row=2)
        await pilot.press("f9")
        await wait_until(pilot, lambda: outbox_of(app.store, cid)[2].state == "pending")
        assert [r.state for r in outbox_of(app.store, cid)] == ["sent", "gagal_kirim", "pending"]


async def test_sms_delivery_file_only_and_a_skipped_reply_are_shown_as_they_are(tmp_path):
    from drivers.gsm.pdu import encode_status_report

    db = tmp_path / "studio.sqlite3"
    file_only, (file_row,) = ready_complaint(db, ["file"], text="Lampu mati")
    by_sms, (sms_row,) = ready_complaint(db, ["sms1708"], text="Jalan rusak")
    with open_store(db) as store:
        outbox.mark_sent(store, file_row, {"package": "exports/x"})
        sent_id = begin_sms(db, sms_row, by_sms)
        store.finish_sent(sent_id, [42])
        outbox.mark_sent(store, sms_row, outbox.Receipt(None, {"sent_sms_id": sent_id, "references": [42]}))
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        listing = screen.query_one(ComplaintList)
        lines = {cid: str(listing.get_option_at_index(i).prompt) for i, cid in enumerate(listing.ids)}
        assert "Terkirim ke operator, menunggu no. lacak" in lines[file_only]
        assert "Terkirim ke 1708, menunggu balasan LAPOR!" in lines[by_sms]
        screen.select_complaint(by_sms)
        await pilot.pause()
        text = screen_text(app)
        assert "terkirim ke 1708" in text and "menunggu laporan" in text
        with open_store(db) as store:  # the network's delivery report arrives
            pdu = encode_status_report("1708", 42, status=0)
            store.store_status_report(decode(pdu), pdu)
        await wait_until(pilot, lambda: "SMS 1708: laporan kirim sampai" in screen_text(app))
        with open_store(db) as store:  # LAPOR! answered: the citizen's reply is skipped (no mobile)
            outbox.mark_sent(store, sms_row, outbox.Receipt("1916449", {}))
        with open_store(db) as store:
            cur = store.conn.execute(
                "INSERT INTO outbox (complaint_id, transport, idempotency_key, state, attempts, created_at) "
                "VALUES (?, 'balasan', 'k-balasan', 'pending', 0, '2026-03-06T05:00:00+00:00')",
                (by_sms,),
            )
            reply = cur.lastrowid
        with open_store(db) as store:
            outbox.mark_sent(store, reply, outbox.Receipt(None, {"skipped": "no_number"}))
        await wait_until(
            pilot, lambda: "Balasan: tidak dikirim: warga tak punya nomor HP" in screen_text(app)
        )
        assert "terkirim ke warga" not in screen_text(app)


async def test_a_rahasia_complaint_is_not_offered_to_1708(tmp_path):
    db = tmp_path / "studio.sqlite3"
    (item,) = aired(db, "Guru memukul murid", rahasia=True)
    with open_store(db) as store:
        cid = draft_from_items(store, [item], station=STATION)
    complete(db, cid)
    app, _ = make_app(db, transports=["file", "sms1708", "http"])
    async with app.run_test(size=(160, 50)) as pilot:
        await open_complaints(pilot)
        await pilot.press("f5")
        ready = await dialog(pilot, ComplaintReadyDialog)
        box = ready.query_one("#tr-sms1708", Checkbox)
        assert box.disabled and not box.value
        assert ready.chosen == ["file", "http"] and ready.fitted is None
        assert "SMS 1708 tidak dipakai untuk aduan rahasia" in " ".join(screen_text(app).split())
        await pilot.press("ctrl+s")
        await back_to(pilot, ComplaintsScreen)
        assert [r.transport for r in outbox_of(app.store, cid)] == ["file", "http"]


async def test_an_anonim_complaint_says_why_its_recording_is_not_attached(tmp_path):
    from studio_console.screening import Actor, ScreeningService
    from studio_console.store import recordings as rec_store

    db = tmp_path / "studio.sqlite3"
    with open_store(db) as store:
        store.start_show("SAPA BUPATI")
        call_id = store.call_ringing(NUMBER)
        path = tmp_path / "rec_call1.flac"
        path.write_bytes(b"fLaC" + bytes(64))
        rec_store.add(
            store, str(path), started_at="2026-03-06T04:00:00+00:00", samplerate=48000, channels=1,
            fmt="flac", call_id=call_id,
        )  # fmt: skip
        item = ScreeningService(store, Actor("producer", "Rina")).add_manual(
            "Penelpon: jalan", call_id=call_id
        )
        cid = draft_from_items(store, [air(store, item)], station=STATION)
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        [box] = screen.form.query(".f-rec")
        assert not box.value  # offered, not ticked
        words = " ".join(screen_text(app).split())
        assert "Aduan anonim: rekaman tidak dilampirkan otomatis" in words
        screen.form.query_one("#f-anonim", Checkbox).value = False
        await pilot.pause()
        assert "Aduan anonim: rekaman" not in " ".join(screen_text(app).split())
        assert load(app.store, cid).lampiran == ()


async def test_screening_elsewhere_does_not_reload_the_complaint_lists(tmp_path):
    """The lists (three queries per complaint) are re-read only when the complaint tables
    move; a screening action elsewhere costs the few look-ups of the signature and the
    complaint on show."""
    from studio_console.screening import Actor, ScreeningService

    db = tmp_path / "studio.sqlite3"
    items = aired(db, *(f"Keluhan {i} tentang jalan" for i in range(12)))
    with open_store(db) as store:
        for item in items[:10]:
            draft_from_items(store, [item], station=STATION)
        fresh = sms(store, "SMS baru masuk")
    app, _ = make_app(db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_complaints(pilot)
        statements: list[str] = []
        app.store.conn.set_trace_callback(statements.append)
        try:
            with open_store(db) as other:  # the producer approves an SMS on another console
                ScreeningService(other, Actor("producer", "Dewi")).move(fresh, "approved")
            screen.refresh_data()
            quiet = list(statements)
            statements.clear()
            with open_store(db) as other:  # a complaint is drafted: the lists follow
                draft_from_items(other, [items[10]], station=STATION)
            screen.refresh_data()
            moved = list(statements)
        finally:
            app.store.conn.set_trace_callback(None)
        assert len(quiet) <= 8, quiet
        assert not any("FROM complaints ORDER BY id DESC" in q or "ORDER BY i.aired_at" in q for q in quiet)
        assert len(moved) > 30  # every complaint of the list re-read
        await wait_until(pilot, lambda: len(screen.query_one(ComplaintList).ids) == 11)
