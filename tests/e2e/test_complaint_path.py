"""The whole complaint path, end to end, with real components — from the TUI and from the CLI.

A listener's SMS reaches a real :class:`~drivers.gsm.virtual.VirtualModem` on a pty, the
real ingest service stores it, it is screened and aired, drafted into a complaint,
completed and marked ready; the real outbox worker sends it through all three transports
— the file package into a tmp folder, the SMS to 1708 through the same modem (which
answers as LAPOR! does), the HTTP push to the fake SIAP LAPOR! server on 127.0.0.1
(``tests/studio_console/complaints/lapor_server.py``) — and the receipts come back: the
server's tracking ID, LAPOR!'s reply SMS matched to the complaint, and the citizen told
the number by SMS.

Nothing is mocked. What a test does on behalf of a person who is not at this console:
the host's part (on air, read on air) goes through :class:`ScreeningService` acting as
the host on a second store connection, because the producer's console cannot mark items
aired (only the host does) and the CLI has no screening commands.

Which tracking ID wins
----------------------
Two transports bring a tracking ID: the HTTP server answers with its own
(``BJN-000001``), and LAPOR! answers the SMS to 1708 with ``#1916449``. Whichever reaches
the console FIRST becomes the complaint's tracking ID and is never replaced by the other
(``outbox.mark_sent`` keeps an existing ID; ``LaporReplyMatcher`` files a reply for a
complaint that already has one as a second ID). The other one is not lost: it is in the
audit log (action ``tracking_other``, the ID as the detail, its source as the actor:
``http`` or ``lapor_reply``) and, for HTTP, in the outbox row's receipt. A person can still replace it by hand
(``set-tracking``). The citizen's reply SMS is queued when the complaint gets its ID,
from either source, and tells them that ID. Which one arrives first is a race (the modem
takes longer than the loopback server), so the tests accept either and check that
everything agrees with the one that won.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, Input, Select

from drivers.gsm.modem import Modem
from drivers.gsm.pdu import decode, encode_deliver
from drivers.gsm.virtual import LAPOR_REPLY, VirtualModem
from studio_console.complaints.builder import draft_from_items, load, mark_ready
from studio_console.complaints.lapor_reply import LaporReplyMatcher
from studio_console.complaints.model import to_payload
from studio_console.complaints.outbox import Receipt, mark_sent, rows_for
from studio_console.complaints.transports.citizen_reply import after_sent_hook
from studio_console.complaints.transports.file_package import verify_package
from studio_console.complaints.transports.sms1708 import fit_message
from studio_console.config import ExportSettings, IngestSettings, Settings, StudioSettings
from studio_console.screening import Actor, ScreeningService
from studio_console.services import StudioServices
from studio_console.store import Store
from studio_console.ui.app import StudioApp
from studio_console.ui.dialogs.complaint_ready import ComplaintReadyDialog
from studio_console.ui.dialogs.desa_picker import DesaPicker
from studio_console.ui.dialogs.text_prompt import TextPrompt
from studio_console.ui.screens.complaints import ComplaintsScreen
from studio_console.ui.screens.producer import ProducerScreen
from studio_console.ui.widgets.aired_list import AiredList
from studio_console.ui.widgets.complaint_list import ComplaintList
from studio_console.ui.widgets.outbox_panel import OutboxPanel
from tests.studio_console.complaints.lapor_server import TOKEN, LaporServer
from tests.studio_console.complaints.test_builder import aired_sms, complete
from tests.studio_console.ingest_helpers import CLI, DaemonProcess, problems, process_env, query

STATION = "Radio Malowopati 95.8 FM"
LISTENER = "+6281234567890"
TOKEN_ENV = "STUDIO_CONSOLE_HTTP_TOKEN"
SMS_TEXT = "Jalan desa Luwihaji rusak parah, berlubang sejak banjir. Mohon segera diperbaiki Pak."
HOST = Actor("host", "Mas Bayu")
KATEGORI = "Infrastruktur"
INSTANSI = "Dinas Pekerjaan Umum Bina Marga dan Penataan Ruang"
WAIT = 40.0  # seconds: generous, only ever reached when something is broken


def export_settings(folder: Path, url: str, **changes: Any) -> ExportSettings:
    """All three transports, the citizen reply on."""
    return ExportSettings(
        folder=str(folder),
        http_url=url,
        http_token_env=TOKEN_ENV,
        http_timeout=10.0,
        transports=["file", "sms1708", "http"],
        citizen_reply=True,
        **changes,
    )


def citizen_text(tracking: str) -> str:
    return f"Aduan Anda telah diteruskan ke LAPOR!, nomor {tracking}. Terima kasih. {STATION}"


def digits(number: str | None) -> str:
    return "".join(ch for ch in number or "" if ch.isdigit())


def sent_to(vm: VirtualModem, number: str) -> list[Any]:
    """The SMS-SUBMITs the modem was given for ``number`` (compared by digits)."""
    return [s for s in vm.sent if digits(s.recipient) == digits(number)]


def packages(folder: Path) -> list[Path]:
    """The finished export packages in ``folder`` (temp folders are hidden, dot-named)."""
    return sorted(p for p in folder.glob("aduan-*") if p.is_dir()) if folder.exists() else []


def package_has(folder: Path, complaint_id: int, key: str) -> Path | None:
    """The verified package holding the complaint under ``key``, if any."""
    for path in packages(folder):
        if not verify_package(path):
            continue
        doc = json.loads((path / "complaints.json").read_text(encoding="utf-8"))
        rows = doc.get("complaints", doc) if isinstance(doc, dict) else doc
        if any(r.get("id") == complaint_id and r.get("idempotency_key") == key for r in rows):
            return path
    return None


def tracking_audit(store: Store, complaint_id: int) -> list[tuple[Any, ...]]:
    """(role, actor, action, to_state, detail) of every tracking audit row of a complaint."""
    return store.conn.execute(
        "SELECT actor_role, actor, action, to_state, detail FROM audit WHERE entity = 'complaint' "
        "AND entity_id = ? AND action IN ('tracking', 'tracking_other') ORDER BY id",
        (complaint_id,),
    ).fetchall()


def check_tracking(store: Store, complaint_id: int, http_tracking: str, lapor_tracking: str) -> str:
    """The rule of the module docstring: the first ID won, the other is audited; returns the winner."""
    complaint = load(store, complaint_id)
    assert complaint.status == "terkirim"
    source = {http_tracking: "http", lapor_tracking: "lapor_reply"}
    assert complaint.tracking_id in source
    loser = lapor_tracking if complaint.tracking_id == http_tracking else http_tracking
    # One row set it (the first to arrive), the other was recorded beside it; each names its source.
    assert [
        (role, actor, action, detail)
        for role, actor, action, _, detail in tracking_audit(store, complaint_id)
    ] == [
        ("system", source[complaint.tracking_id], "tracking", complaint.tracking_id),
        ("system", source[loser], "tracking_other", loser),
    ]
    return complaint.tracking_id


async def wait_for(
    pilot: Any,
    condition: Callable[[], Any],
    what: str,
    timeout: float = WAIT,
    state: Callable[[], Any] | None = None,
) -> Any:
    """Poll ``condition`` while the app runs; its value once truthy (fails naming ``what``,
    and ``state()`` to say where things stand)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout:g} s waiting for {what}: {state() if state else ''}"
            )
        await pilot.pause(0.05)


def describe(store: Store, complaint_id: int, vm: VirtualModem) -> str:
    """Where a complaint stands: its outbox rows, status, messages and what the modem sent."""
    complaint = load(store, complaint_id)
    rows = [(r.transport, r.state, r.last_error) for r in rows_for(store, complaint_id)]
    messages = [(m.sender, m.state, m.text[:40]) for m in store.messages()]
    return (
        f"status {complaint.status}, tracking {complaint.tracking_id}; outbox {rows}; "
        f"messages {messages}; sent {[(s.recipient, s.text) for s in vm.sent]}"
    )


def wait_sync(condition: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def rendered_text(app: StudioApp) -> str:
    """Every character on screen."""
    return "\n".join("".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips())


@pytest.fixture
def lapor() -> Iterator[LaporServer]:
    with LaporServer() as server:
        yield server


# ============================================================================ the TUI
async def test_from_the_tui_an_aired_sms_leaves_by_every_transport_and_every_receipt_returns(
    tmp_path: Path, lapor: LaporServer
):
    db = tmp_path / "studio.sqlite3"
    exports = tmp_path / "exports"
    vm = VirtualModem(link=tmp_path / "ttyGSM0")
    vm.set_auto_reply("1708", delay=0.2)
    vm.start()
    settings = Settings(
        studio=StudioSettings(station=STATION),
        ingest=IngestSettings(sweep_interval=5),
        export=export_settings(exports, lapor.url),
    )

    def modem(on_event: Callable[[Any], None]) -> Modem:
        return Modem(
            port=vm.port,
            on_event=on_event,
            command_timeout=3.0,
            poll_interval=0.5,
            reconnect_min=0.05,
            reconnect_max=0.5,
        )

    services = StudioServices(settings, db, modem, environ={TOKEN_ENV: TOKEN}, outbox_poll=0.2)
    app = StudioApp(settings, db, role="producer", operator="Rina", ingest=services)
    app.animation_level = "none"
    host_store = Store(db)
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, ProducerScreen), "the producer screen")
            producer = app.screen
            assert await asyncio.to_thread(services.modem.wait_ready, 20), services.modem.status()

            # The listener's SMS arrives through the modem and shows in the inbox.
            vm.inject_sms(LISTENER, SMS_TEXT)
            inbox = producer.query_one("#inbox")
            item = await wait_for(
                pilot,
                lambda: next(
                    (
                        r[0]
                        for r in app.store.conn.execute(
                            "SELECT i.id FROM items i JOIN messages m ON m.id = i.message_id "
                            "WHERE m.text = ?",
                            (SMS_TEXT,),
                        )
                        if r[0] in inbox.item_ids
                    ),
                    None,
                ),
                "the SMS in the inbox",
            )
            await wait_for(pilot, lambda: inbox.cursor_item_id == item, "the cursor on it")
            await pilot.pause()

            # The producer starts the show (F2), approves (a) and queues (q) the SMS.
            await pilot.press("f2")
            await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt), "the show prompt")
            app.screen.query_one(Input).value = "SAPA BUPATI"
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.store.show_on_air() is not None, "the show on air")
            await wait_for(pilot, lambda: app.screen is producer, "back in the inbox")
            inbox.focus()
            await pilot.press("a")
            await wait_for(pilot, lambda: producer.current_row().state == "approved", "approved")
            await pilot.press("q")
            await wait_for(pilot, lambda: producer.current_row().state == "queued", "queued")

            # The host reads it on air (the host's console, here its service on its own connection).
            host = ScreeningService(host_store, HOST)
            host.move(item, "on_air")
            host.move(item, "aired")

            # The complaint screen (F4): draft from the aired item, complete it, save.
            await pilot.press("f4")
            screen = await wait_for(
                pilot, lambda: isinstance(app.screen, ComplaintsScreen) and app.screen, "the complaint screen"
            )
            aired = screen.query_one(AiredList)
            await wait_for(pilot, lambda: aired.ids == [item], "the aired item listed")
            aired.focus()
            await pilot.press("n")
            cid = await wait_for(pilot, lambda: screen.form.complaint_id, "the draft in the form")
            form = screen.form
            assert load(app.store, cid).originals == (SMS_TEXT,)
            judul = form.query_one("#f-judul", Input)
            judul.focus()
            judul.value = ""
            await pilot.press(*"Jalan rusak di Luwihaji")
            form.query_one("#f-klasifikasi", Select).value = "pengaduan"
            form.query_one("#f-kategori", Select).value = KATEGORI
            form.query_one("#f-instansi", Select).value = INSTANSI
            form.query_one("#f-lokasi-detail", Input).value = "depan balai desa"
            await pilot.pause()
            await pilot.press("f2")
            picker = await wait_for(pilot, lambda: isinstance(app.screen, DesaPicker) and app.screen, "desa")
            picker.query_one(Input).value = "luwihaji ngraho"
            await pilot.pause()
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is screen, "back from the desa picker")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: not form.dirty, "the form saved")
            saved = load(app.store, cid)
            assert (saved.judul, saved.kategori, saved.instansi) == (
                "Jalan rusak di Luwihaji",
                KATEGORI,
                INSTANSI,
            )
            assert (saved.lokasi.kecamatan_code, saved.lokasi.desa_code) == ("35.22.01", "35.22.01.2001")
            assert saved.anonim  # on-air items are anonim by default: no name or number leaves

            # Mark ready (F5): all three transports ticked, the exact 1708 text shown.
            await pilot.press("f5")
            ready = await wait_for(
                pilot, lambda: isinstance(app.screen, ComplaintReadyDialog) and app.screen, "the ready dialog"
            )
            assert ready.chosen == ["file", "sms1708", "http"]
            assert all(box.value for box in ready.query(Checkbox))
            expected_sms = fit_message("BJN", to_payload(load(app.store, cid)))
            assert ready.fitted == expected_sms and not expected_sms.shortened
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.screen is screen, "back from the ready dialog")
            rows = {r.transport: r for r in rows_for(app.store, cid)}
            # (the worker may be quick enough to have queued the citizen's reply already)
            assert list(rows)[:3] == ["file", "sms1708", "http"]

            # Now only wait: the worker sends, the receipts come back.
            http_key = rows["http"].idempotency_key
            await wait_for(
                pilot,
                lambda: (
                    all(r.state == "sent" for r in rows_for(app.store, cid))
                    and len(rows_for(app.store, cid)) == 4
                ),
                "every outbox row sent (file, sms1708, http, then the citizen's reply)",
                state=lambda: describe(app.store, cid, vm),
            )
            await wait_for(pilot, lambda: len(vm.auto_replies) == 1, "LAPOR!'s reply")
            reply_message = await wait_for(
                pilot,
                lambda: next((m for m in app.store.messages() if digits(m.sender) == "1708"), None),
                "LAPOR!'s reply stored",
            )
            await wait_for(
                pilot,
                lambda: len(tracking_audit(app.store, cid)) == 2,
                "both tracking IDs recorded",
            )

            # File package: exists, verifies, holds the complaint.
            package = package_has(exports, cid, rows["file"].idempotency_key)
            assert package is not None, packages(exports)
            assert len(packages(exports)) == 1
            # HTTP: created exactly once, with the http row's key; the row holds the server's ID.
            assert list(lapor.created) == [http_key]
            created = [r for r in lapor.requests if r.created]
            assert len(created) == 1 and created[0].header("Idempotency-Key") == http_key
            http_tracking = lapor.tracking_for(http_key)
            http_row = next(r for r in rows_for(app.store, cid) if r.transport == "http")
            assert json.loads(http_row.receipt)["tracking_id"] == http_tracking
            # SMS to 1708: one SMS-SUBMIT, the fitted text.
            [submit] = sent_to(vm, "1708")
            payload = to_payload(load(app.store, cid))
            assert submit.text == fit_message("BJN", payload).text == expected_sms.text
            assert LISTENER[3:] not in submit.text  # anonim: the number never leaves
            # LAPOR!'s reply arrived and was matched (moved out of the producer's way).
            lapor_tracking = vm.auto_replies[0][1].split("#")[1].split(".")[0]
            assert vm.auto_replies[0][1] == LAPOR_REPLY.replace("{n}", lapor_tracking)
            assert reply_message.state == "rejected"
            # The complaint: terkirim, with the ID that arrived first; the other audited.
            tracking = check_tracking(app.store, cid, http_tracking, lapor_tracking)
            # The citizen was told that ID, once.
            assert [s.text for s in sent_to(vm, LISTENER)] == [citizen_text(tracking)]
            assert len(vm.sent) == 2

            # The screen shows it.
            listing = screen.query_one(ComplaintList)
            await wait_for(
                pilot,
                lambda: (
                    "Terkirim" in str(listing.get_option_at_index(0).prompt)
                    and tracking in str(listing.get_option_at_index(0).prompt)
                ),
                "the list line terkirim with the tracking ID",
            )
            await wait_for(
                pilot,
                lambda: "Terkirim" in rendered_text(app) and tracking in rendered_text(app),
                "the status and tracking ID on screen",
            )
            panel = screen.query_one(OutboxPanel)
            await wait_for(
                pilot,
                lambda: (
                    [(r.transport, r.state) for r in panel.rows]
                    == [("file", "sent"), ("sms1708", "sent"), ("http", "sent"), ("balasan", "sent")]
                ),
                "the outbox panel all sent",
            )
    finally:
        host_store.close()
        vm.stop()


# ============================================================================ the rule, both orders
@pytest.mark.parametrize("first", ["http", "lapor"])
def test_the_first_tracking_id_stays_whichever_way_it_came(tmp_path: Path, first: str):
    """The race of the two tests above, played in both orders on a real store: the real
    ``mark_sent`` (HTTP receipt), the real matcher (LAPOR!'s reply SMS as ingest stores it)
    and the worker's citizen-reply hook. A repeated reply never lands on another complaint."""
    moment = [datetime(2026, 3, 6, 5, 0, tzinfo=UTC)]

    def clock() -> datetime:
        moment[0] += timedelta(seconds=1)
        return moment[0]

    export = export_settings(tmp_path / "exports", "http://127.0.0.1:9/api/aduan")
    matcher = LaporReplyMatcher.from_settings(export)
    hook = after_sent_hook(export, clock=clock)
    assert hook is not None and after_sent_hook(ExportSettings()) is None  # off by default
    with Store(tmp_path / "studio.sqlite3", clock=clock) as store:
        cids = []
        for text, sender in ((SMS_TEXT, LISTENER), (SECOND_TEXT, SECOND)):
            cid = draft_from_items(store, [aired_sms(store, text, sender)], station=STATION)
            complete(store, cid)
            mark_ready(store, cid, ["sms1708", "http"])
            cids.append(cid)
        cid, waiting = cids
        for c in cids:  # both SMS went to 1708 (what the SMS transport records)
            sms_row = next(r for r in rows_for(store, c) if r.transport == "sms1708")
            sent = store.begin_sent(
                "1708", "BJN ...", purpose="lapor", related_id=c, idempotency_key=sms_row.idempotency_key
            )
            store.finish_sent(sent, [c])
        http_row = next(r for r in rows_for(store, cid) if r.transport == "http")

        def http_receipt() -> None:
            hook(store, mark_sent(store, http_row.id, Receipt("BJN-000001", {"http_status": 201})))

        def lapor_reply() -> int:
            pdu = encode_deliver("1708", LAPOR_REPLY.replace("{n}", "1916449"))[0]
            message = store.store_part(decode(pdu), pdu).message_id
            assert matcher.match(store, message) == cid
            return message

        if first == "http":
            http_receipt()
            reply = lapor_reply()
        else:
            reply = lapor_reply()
            http_receipt()
        winner = "BJN-000001" if first == "http" else "1916449"
        assert check_tracking(store, cid, "BJN-000001", "1916449") == winner
        assert json.loads(rows_for(store, cid)[1].receipt)["tracking_id"] == "BJN-000001"  # kept there
        # The citizen's reply is queued once, for the ID that stays.
        assert [r.transport for r in rows_for(store, cid)] == ["sms1708", "http", "balasan"]
        assert load(store, cid).tracking_id == winner
        # The reply SMS is out of the producer's way; LAPOR! repeating it changes nothing,
        # and it is never taken for the other complaint still waiting for its own reply.
        assert store.conn.execute("SELECT state FROM items WHERE message_id = ?", (reply,)).fetchone() == (
            "rejected",
        )
        assert lapor_reply() != waiting
        assert load(store, waiting).tracking_id is None and load(store, waiting).status == "siap_kirim"
        assert len(tracking_audit(store, cid)) == 2


# ============================================================================ the CLI and the daemon
SECOND = "+6285712345678"
SECOND_TEXT = "Lampu PJU di jalan raya Ngraho mati sudah dua minggu, gelap sekali kalau malam."


def write_config(tmp_path: Path, port: str, db: Path, exports: Path, url: str) -> Path:
    """A config.toml for the daemon and the CLI: the virtual modem, every transport, short intervals."""
    path = tmp_path / "config.toml"
    path.write_text(
        f"[studio]\nstation = {json.dumps(STATION)}\n"
        f"\n[modem]\nport = {json.dumps(port)}\npoll_interval = 0.3\ncommand_timeout = 3.0\n"
        "reconnect_min = 0.05\nreconnect_max = 0.5\n"
        f"\n[database]\npath = {json.dumps(str(db))}\n"
        "\n[ingest]\nsweep_interval = 1\n"
        f"\n[export]\nfolder = {json.dumps(str(exports))}\nhttp_url = {json.dumps(url)}\n"
        f'http_token_env = "{TOKEN_ENV}"\nhttp_timeout = 10.0\n'
        'transports = ["file", "sms1708", "http"]\ncitizen_reply = true\n',
        encoding="utf-8",
    )
    return path


class Cli:
    """``studio-console complaints …`` as a subprocess, with the test's config."""

    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.config = config
        self.env = env

    def run(self, *args: str) -> str:
        """Run one command; its stdout (fails on a non-zero exit or anything on stderr)."""
        done = subprocess.run(
            [CLI, "complaints", *args, "--config", str(self.config), "--operator", "Rina"],
            capture_output=True,
            text=True,
            timeout=60,
            env=self.env,
        )
        assert done.returncode == 0 and done.stderr == "", (args, done.returncode, done.stderr)
        return done.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json"))

    def lines(self, *args: str) -> list[Any]:
        return [json.loads(line) for line in self.run(*args, "--json").splitlines() if line.strip()]

    def show(self, complaint_id: int) -> dict[str, Any]:
        return self.json("show", str(complaint_id), "--payload")

    def wait_show(
        self, complaint_id: int, condition: Callable[[dict[str, Any]], bool], what: str
    ) -> dict[str, Any]:
        """Poll ``complaints show --json`` until ``condition`` holds for it."""
        last: list[dict[str, Any]] = []

        def check() -> dict[str, Any] | None:
            last[:] = [self.show(complaint_id)]
            return last[0] if condition(last[0]) else None

        try:
            return wait_sync(check, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last: {json.dumps(last, ensure_ascii=False)[:3000]}") from None


def outbox_row(doc: dict[str, Any], transport: str) -> dict[str, Any]:
    [row] = [r for r in doc["outbox"] if r["transport"] == transport]
    return row


def air_by_hand(store: Store, item: int) -> None:
    """The producer's and the host's screening (the CLI has none): approve, queue, on air, read."""
    if store.current_show() is None:
        store.start_show("SAPA BUPATI", by="Rina")
    producer = ScreeningService(store, Actor("producer", "Rina"))
    host = ScreeningService(store, HOST)
    producer.move(item, "approved")
    producer.move(item, "queued")
    host.move(item, "on_air")
    host.move(item, "aired")


def item_of(db: Path, text: str) -> int | None:
    """The item of the stored SMS with this text, once ingest has it."""
    if not db.exists():
        return None
    try:
        rows = query(
            db, "SELECT i.id FROM items i JOIN messages m ON m.id = i.message_id WHERE m.text = ?", (text,)
        )
    except Exception:  # the daemon is still creating the database
        return None
    return rows[0][0] if rows else None


def test_from_the_cli_with_the_daemon_a_complaint_is_sent_and_a_refused_one_is_retried(
    tmp_path: Path, lapor: LaporServer
):
    db = tmp_path / "studio.sqlite3"
    exports = tmp_path / "exports"
    # The modem: a real virtual modem on a pty in this process (its sent log is read below);
    # the daemon opens its link as modem.port, exactly as it opens a USB stick.
    vm = VirtualModem(link=tmp_path / "ttyGSM0")
    vm.set_auto_reply("1708", delay=0.2)
    vm.start()
    config = write_config(tmp_path, vm.port, db, exports, lapor.url)
    env = process_env(tmp_path / "run")
    env[TOKEN_ENV] = TOKEN  # only the daemon sends; the token never is in the config
    daemon = DaemonProcess(config, vm.port, db, tmp_path / "daemon.log", env)
    cli = Cli(config, {k: v for k, v in env.items() if k != TOKEN_ENV})
    store: Store | None = None
    try:
        daemon.start()
        vm.inject_sms(LISTENER, SMS_TEXT)
        item = wait_sync(lambda: item_of(db, SMS_TEXT), "the daemon to store the SMS")
        store = Store(db)
        air_by_hand(store, item)

        # The operator, with the CLI only.
        aired = cli.lines("aired")
        assert [(a["id"], a["kind"], a["text"]) for a in aired] == [(item, "sms", SMS_TEXT)]
        cid = int(cli.run("new", "--item", str(item)).strip())
        out = cli.run(
            "edit",
            str(cid),
            "--set",
            "judul=Jalan rusak di Luwihaji",
            "--set",
            "klasifikasi=pengaduan",
            "--set",
            f"kategori={KATEGORI}",
            "--set",
            f"instansi={INSTANSI}",
            "--set",
            "lokasi.desa=Luwihaji",
            "--set",
            "lokasi.detail=depan balai desa",
        )
        assert "nothing missing" in out
        draft = cli.show(cid)
        assert draft["status"] == "draft" and draft["missing"] == [] and draft["outbox"] == []
        assert draft["lokasi"]["desa"] == "Luwihaji" and draft["lokasi"]["kecamatan"] == "Ngraho"
        assert "siap_kirim" in cli.run("ready", str(cid))

        done = cli.wait_show(
            cid,
            lambda d: (
                d["status"] == "terkirim"
                and len(d["outbox"]) == 4
                and all(r["state"] == "sent" for r in d["outbox"])
            ),
            "the complaint terkirim and all four outbox rows sent",
        )
        tracking = done["tracking_id"]
        http = outbox_row(done, "http")
        http_tracking = lapor.tracking_for(http["idempotency_key"])
        assert list(lapor.created) == [http["idempotency_key"]]
        assert [r.header("Idempotency-Key") for r in lapor.requests if r.created] == [http["idempotency_key"]]
        assert http["receipt"]["tracking_id"] == http_tracking
        assert package_has(exports, cid, outbox_row(done, "file")["idempotency_key"]) is not None
        [submit] = sent_to(vm, "1708")
        assert submit.text == fit_message("BJN", done["payload"]).text
        replies = wait_sync(lambda: len(vm.auto_replies) == 1 and vm.auto_replies, "LAPOR!'s reply")
        lapor_tracking = replies[0][1].split("#")[1].split(".")[0]
        wait_sync(lambda: len(tracking_audit(store, cid)) == 2, "both tracking IDs on record")
        assert check_tracking(store, cid, http_tracking, lapor_tracking) == tracking
        assert [s.text for s in sent_to(vm, LISTENER)] == [citizen_text(tracking)]
        assert outbox_row(done, "sms1708")["delivery"]["recipient"] == "1708"

        # A complaint the server refuses (4xx) is gagal_kirim with the server's reason ...
        lapor.set_mode("reject", status=422, reason="instansi tidak terdaftar di SIAP LAPOR!")
        vm.inject_sms(SECOND, SECOND_TEXT)
        second_item = wait_sync(lambda: item_of(db, SECOND_TEXT), "the second SMS")
        air_by_hand(store, second_item)
        second = int(cli.run("new", "--item", str(second_item)).strip())
        cli.run(
            "edit",
            str(second),
            "--set",
            "judul=PJU mati di Ngraho",
            "--set",
            "klasifikasi=pengaduan",
            "--set",
            f"kategori={KATEGORI}",
            "--set",
            f"instansi={INSTANSI}",
            "--set",
            "lokasi.desa=Luwihaji",
        )
        cli.run("ready", str(second), "--transport", "http")
        failed = cli.wait_show(
            second,
            lambda d: d["status"] == "gagal_kirim" and outbox_row(d, "http")["state"] == "gagal_kirim",
            "the refused complaint gagal_kirim",
        )
        key = outbox_row(failed, "http")["idempotency_key"]
        assert "instansi tidak terdaftar di SIAP LAPOR!" in outbox_row(failed, "http")["last_error"]
        assert [h["result"] for h in outbox_row(failed, "http")["history"]] == ["permanent"]
        assert key not in lapor.created and failed["tracking_id"] is None
        assert [c["id"] for c in cli.lines("list", "--failed")] == [second]

        # ... and `complaints retry` sends it again, with the same key, once the server takes it.
        lapor.set_mode("created")
        assert "queued again" in cli.run("retry", str(second))
        sent = cli.wait_show(
            second,
            lambda d: d["status"] == "terkirim" and outbox_row(d, "http")["state"] == "sent",
            "the retried complaint terkirim",
        )
        assert sent["tracking_id"] == lapor.tracking_for(key)
        assert [(r.key, r.status, r.created) for r in lapor.requests if r.key == key] == [
            (key, 422, False),
            (key, 201, True),
        ]
        assert len(lapor.created) == 2  # one per complaint, ever
        assert [h["result"] for h in outbox_row(sent, "http")["history"]] == ["permanent", "sent"]
        # The tracking ID came from the HTTP receipt: the citizen is told it too.
        wait_sync(lambda: sent_to(vm, SECOND), "the reply SMS to the second listener")
        assert [s.text for s in sent_to(vm, SECOND)] == [citizen_text(sent["tracking_id"])]
        assert len(sent_to(vm, "1708")) == 1  # the second complaint went by HTTP only
        assert daemon.alive()
    finally:
        if store is not None:
            store.close()
        try:
            if daemon.alive():
                daemon.terminate()
        finally:
            daemon.cleanup()
            vm.stop()
    assert problems(daemon.output()) == [], daemon.output()[-3000:]
