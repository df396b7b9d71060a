"""LAPOR!'s reply SMS matched back to its complaint: on a real store, and end to end through
the real ingest service, the real modem driver and the virtual modem answering as 1708 does.

The only test double is ``BrokenMatcher`` (a matcher that fails), standing for a bug in the
matcher: ingest must survive it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from drivers.gsm.modem import Modem
from drivers.gsm.pdu import decode, encode_deliver
from drivers.gsm.virtual import LAPOR_REPLY, VirtualModem
from studio_console.complaints.builder import draft_from_items, load, mark_ready, set_tracking, update
from studio_console.complaints.lapor_reply import REPLY_WINDOW, LaporReplyMatcher, same_short_number
from studio_console.complaints.model import to_payload
from studio_console.complaints.outbox import OutboxWorker, claim, due, get, record_deferral, rows_for
from studio_console.complaints.transports.citizen_reply import (
    CATCH_UP,
    CitizenReplyTransport,
    queue_missing,
    start_hook,
)
from studio_console.complaints.transports.sms1708 import Sms1708Transport, delivery_state, fit_message
from studio_console.config import ExportSettings
from studio_console.ingest import IngestService
from studio_console.store import Store
from studio_console.store.inbox import InboxFilter, inbox_ids
from tests.studio_console.complaints.test_builder import STATION, aired_sms, complete
from tests.studio_console.ingest_helpers import wait_until

NUMBER = "+6281234567890"
REPLY = "Terima kasih, laporan Anda telah diterima dengan nomor #{n}. Pantau di www.lapor.go.id"
LUWIHAJI = {"kecamatan_code": "35.22.01", "desa_code": "35.22.01.2001", "detail": "RT 02"}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 6, 5, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    with Store(tmp_path / "studio.sqlite3", clock=clock) as s:
        yield s


def ready(store: Store, isi: str = "Jalan rusak parah", sender: str = NUMBER) -> int:
    """A complete complaint from an aired SMS, marked ready for sms1708."""
    item = aired_sms(store, isi, sender)
    cid = draft_from_items(store, [item], station=STATION)
    complete(store, cid)
    mark_ready(store, cid, ["sms1708"])
    return cid


def sent_to_lapor(store: Store, cid: int, reference: int, number: str = "1708") -> int:
    """What the SMS transport records when the modem took the complaint's SMS."""
    sent_id = store.begin_sent(
        number, f"BJN complaint {cid}", purpose="lapor", related_id=cid, idempotency_key=f"k{cid}"
    )
    store.finish_sent(sent_id, [reference])
    return sent_id


def receive(store: Store, text: str, sender: str = "1708") -> int:
    """An SMS arrives, stored as ingest stores it; returns the message id."""
    pdu = encode_deliver(sender, text)[0]
    return store.store_part(decode(pdu), pdu).message_id


def item_state(store: Store, message_id: int) -> str:
    return store.conn.execute("SELECT state FROM items WHERE message_id = ?", (message_id,)).fetchone()[0]


# ---------------------------------------------------------------- on a real store
@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("1708", "1708", True),
        ("+1708", "1708", True),
        ("621708", "1708", True),
        ("+62 1708", "1708", True),
        ("01708", "1708", True),
        ("17080", "1708", False),
        ("11708", "1708", False),
        ("+6281234567890", "1708", False),
        ("LAPOR", "1708", False),
        ("", "1708", False),
        (None, "1708", False),
    ],
)
def test_the_lapor_number_is_recognised_in_its_written_forms(a, b, same):
    assert same_short_number(a, b) is same


def test_each_reply_goes_to_the_sms_sent_one_at_a_time_before_it(store, clock):
    first, second = ready(store, "Jalan rusak"), ready(store, "Lampu mati")
    sent_to_lapor(store, first, 1)
    clock.advance(30)
    matcher = LaporReplyMatcher()
    one = receive(store, REPLY.format(n=1916449))
    assert matcher.match(store, one) == first
    clock.advance(5)
    sent_to_lapor(store, second, 2)  # the transport sends the next one after the reply
    clock.advance(30)
    two = receive(store, REPLY.format(n=1916450))
    assert matcher.match(store, two) == second
    assert (load(store, first).tracking_id, load(store, first).status) == ("1916449", "terkirim")
    assert (load(store, second).tracking_id, load(store, second).status) == ("1916450", "terkirim")
    audit = store.conn.execute(
        "SELECT actor_role, actor, from_state, to_state, detail FROM audit "
        "WHERE entity = 'complaint' AND entity_id = ? AND action = 'tracking'",
        (first,),
    ).fetchall()
    assert audit == [("system", "lapor_reply", "siap_kirim", "terkirim", "1916449")]


def test_a_matched_reply_leaves_the_screening_view_with_a_reason(store, clock):
    cid = ready(store)
    sent_to_lapor(store, cid, 1)
    clock.advance(10)
    message = receive(store, REPLY.format(n=1916449))
    to_screen = InboxFilter(states=("new", "throttled"))
    reply_item = store.conn.execute("SELECT id FROM items WHERE message_id = ?", (message,)).fetchone()[0]
    assert reply_item in inbox_ids(store, to_screen)
    LaporReplyMatcher().match(store, message)
    assert item_state(store, message) == "rejected"
    assert reply_item not in inbox_ids(store, to_screen)
    [why] = store.conn.execute(
        "SELECT actor_role, from_state, to_state, detail FROM audit WHERE entity = 'item' AND entity_id = ? "
        "AND action = 'lapor_reply'",
        (reply_item,),
    ).fetchall()
    assert why == ("system", "new", "rejected", f"LAPOR! reply #1916449 for complaint {cid}")
    assert store.message(message).text == REPLY.format(n=1916449)  # the reply itself is kept


def test_a_reply_without_an_id_or_without_a_waiting_complaint_stays_for_a_person(store, clock):
    matcher = LaporReplyMatcher()
    orphan = receive(store, REPLY.format(n=1916449))  # nothing was sent to 1708
    assert matcher.match(store, orphan) is None
    cid = ready(store)
    sent_to_lapor(store, cid, 1)
    clock.advance(10)
    no_id = receive(store, "Format salah. Ketik: BJN (spasi) isi laporan, kirim ke 1708")
    assert matcher.match(store, no_id) is None
    assert item_state(store, orphan) == item_state(store, no_id) == "new"
    assert load(store, cid).tracking_id is None and load(store, cid).status == "siap_kirim"


def test_a_message_from_another_number_is_never_a_reply(store, clock):
    cid = ready(store)
    sent_to_lapor(store, cid, 1)
    clock.advance(10)
    fake = receive(store, REPLY.format(n=1916449), sender="+6285712345678")
    assert LaporReplyMatcher().match(store, fake) is None
    assert load(store, cid).tracking_id is None and item_state(store, fake) == "new"


def test_a_reply_that_arrived_before_the_send_matches_nothing(store, clock):
    early = receive(store, REPLY.format(n=1916449))
    clock.advance(10)
    cid = ready(store)
    sent_to_lapor(store, cid, 1)
    assert LaporReplyMatcher().match(store, early) is None
    assert load(store, cid).tracking_id is None


def test_a_repeated_reply_files_its_id_once(store, clock):
    first, second = ready(store), ready(store, "Lampu mati")
    sent_to_lapor(store, first, 1)
    clock.advance(10)
    matcher = LaporReplyMatcher()
    assert matcher.match(store, receive(store, REPLY.format(n=1916449))) == first
    clock.advance(5)
    sent_to_lapor(store, second, 2)
    clock.advance(55)
    again = receive(store, REPLY.format(n=1916449))  # LAPOR! sends it a second time
    assert matcher.match(store, again) == first
    assert load(store, second).tracking_id is None
    assert item_state(store, again) == "rejected"


def test_a_complaint_tracked_by_hand_is_not_a_candidate(store, clock):
    tracked = ready(store)
    sent_to_lapor(store, tracked, 1)
    store.conn.execute("UPDATE complaints SET tracking_id = '555555' WHERE id = ?", (tracked,))
    clock.advance(10)
    assert LaporReplyMatcher().match(store, receive(store, REPLY.format(n=1916449))) is None
    assert load(store, tracked).tracking_id == "555555"


def test_a_reply_can_beat_the_record_of_its_send(store, clock):
    # The modem took the SMS and LAPOR! answered before the transport recorded the send
    # (the intent is still 'sending'): the reply is its answer, and shows that it went.
    in_flight = ready(store, "Lampu mati")
    store.begin_sent("1708", "x", purpose="lapor", related_id=in_flight, idempotency_key="in-flight")
    clock.advance(2)
    assert LaporReplyMatcher().match(store, receive(store, REPLY.format(n=1916449))) == in_flight
    assert load(store, in_flight).tracking_id == "1916449"


def test_the_pattern_and_number_come_from_the_settings(store, clock):
    export = ExportSettings(sms_number="1708", sms_tracking_pattern=r"nomor laporan (\w+)")
    matcher = LaporReplyMatcher.from_settings(export)
    assert matcher.tracking_in("nomor laporan ABC123 diterima") == "ABC123"
    assert matcher.tracking_in(REPLY.format(n=1)) is None
    cid = ready(store)
    sent_to_lapor(store, cid, 1, number="+1708")
    clock.advance(5)
    assert matcher.match(store, receive(store, "Terima kasih, nomor laporan X9 diterima")) == cid
    assert load(store, cid).tracking_id == "X9"
    with pytest.raises(ValueError, match="sms_tracking_pattern"):
        LaporReplyMatcher(pattern="(unclosed")


def test_the_citizen_reply_is_queued_only_when_it_is_on(store, clock):
    off, on = ready(store), ready(store, "Lampu mati")
    sent_to_lapor(store, off, 1)
    clock.advance(5)
    LaporReplyMatcher.from_settings(ExportSettings()).match(store, receive(store, REPLY.format(n=11111)))
    assert [r.transport for r in rows_for(store, off)] == ["sms1708"]
    sent_to_lapor(store, on, 2)
    clock.advance(5)
    export = dataclasses.replace(ExportSettings(), citizen_reply=True)
    LaporReplyMatcher.from_settings(export).match(store, receive(store, REPLY.format(n=22222)))
    assert [(r.transport, r.state) for r in rows_for(store, on)] == [
        ("sms1708", "pending"),
        ("balasan", "pending"),
    ]


def test_a_never_answered_sms_does_not_shift_later_replies(store, clock):
    silent, answered, third = ready(store), ready(store, "Lampu mati"), ready(store, "Banjir")
    matcher = LaporReplyMatcher()
    sent_to_lapor(store, silent, 1)  # LAPOR! never answers this one
    clock.advance(REPLY_WINDOW.total_seconds() + 60)  # the transport waited out the window
    sent_to_lapor(store, answered, 2)
    clock.advance(20)
    assert matcher.match(store, receive(store, REPLY.format(n=1916450))) == answered
    clock.advance(10)
    sent_to_lapor(store, third, 3)
    clock.advance(20)
    assert matcher.match(store, receive(store, REPLY.format(n=1916451))) == third
    assert load(store, silent).tracking_id is None and load(store, silent).status == "siap_kirim"
    assert (load(store, answered).tracking_id, load(store, third).tracking_id) == ("1916450", "1916451")


def test_a_late_reply_stays_in_the_inbox_for_a_person(store, clock):
    cid = ready(store)
    sent_to_lapor(store, cid, 1)
    clock.advance(REPLY_WINDOW.total_seconds() + 1)
    late = receive(store, REPLY.format(n=1916449))
    assert LaporReplyMatcher().match(store, late) is None
    assert item_state(store, late) == "new"
    assert load(store, cid).tracking_id is None and load(store, cid).status == "siap_kirim"


def test_an_sms_whose_delivery_failed_is_skipped(store, clock):
    undelivered, delivered = ready(store), ready(store, "Lampu mati")
    sent = sent_to_lapor(store, undelivered, 1)
    store.conn.execute("UPDATE sent_parts SET status = 65 WHERE sent_id = ?", (sent,))  # 0x41: rejected
    clock.advance(5)
    sent_to_lapor(store, delivered, 2)
    clock.advance(20)
    assert LaporReplyMatcher().match(store, receive(store, REPLY.format(n=1916449))) == delivered
    assert load(store, undelivered).tracking_id is None


def test_a_reply_with_an_id_another_complaint_has_stays_in_the_inbox(store, clock):
    owner, waiting = ready(store), ready(store, "Lampu mati")
    set_tracking(store, owner, "1916449", "terkirim", actor="Rina")
    sent_to_lapor(store, waiting, 1)
    clock.advance(20)
    reply = receive(store, REPLY.format(n=1916449))
    assert LaporReplyMatcher().match(store, reply) is None
    assert item_state(store, reply) == "new"
    assert load(store, waiting).tracking_id is None and load(store, waiting).status == "siap_kirim"


def test_the_reply_makes_the_deferred_sms_to_1708_due_at_once(store, clock):
    first, second = ready(store), ready(store, "Lampu mati")
    sent_to_lapor(store, first, 1)
    [row] = rows_for(store, second)
    token = claim(store, row.id, clock())
    record_deferral(store, row.id, clock() + REPLY_WINDOW, "sms_awaiting_reply: test", clock(), token=token)
    assert row.id not in [r.id for r in due(store, clock(), transports=["sms1708"])]
    clock.advance(40)
    assert LaporReplyMatcher().match(store, receive(store, REPLY.format(n=1916449))) == first
    assert [r.id for r in due(store, clock(), transports=["sms1708"]) if r.complaint_id == second] == [row.id]


def test_a_reply_filed_before_its_citizen_reply_was_queued_queues_it_when_repeated(store, clock):
    """A crash after filing the ID and before queuing the citizen's reply (the old order;
    now both happen in one transaction) is caught up by LAPOR!'s repeat and by the sweep."""
    cid = ready(store)
    sent_to_lapor(store, cid, 1)
    clock.advance(10)
    assert LaporReplyMatcher().match(store, receive(store, REPLY.format(n=1916449))) == cid  # reply off
    assert [r.transport for r in rows_for(store, cid)] == ["sms1708"]
    on = dataclasses.replace(ExportSettings(), citizen_reply=True)
    clock.advance(60)
    assert LaporReplyMatcher.from_settings(on).match(store, receive(store, REPLY.format(n=1916449))) == cid
    assert [r.transport for r in rows_for(store, cid)] == ["sms1708", "balasan"]
    assert LaporReplyMatcher.from_settings(on).match(store, receive(store, REPLY.format(n=1916449))) == cid
    assert [r.transport for r in rows_for(store, cid)] == ["sms1708", "balasan"]  # once


def test_the_sweep_queues_missing_citizen_replies_of_recent_system_ids_only(store, clock):
    on = dataclasses.replace(ExportSettings(), citizen_reply=True)
    old, by_hand, recent = ready(store), ready(store, "Lampu mati"), ready(store, "Banjir")
    for cid, n in ((old, 1), (recent, 2)):
        sent_to_lapor(store, cid, n)
        clock.advance(10)
        LaporReplyMatcher().match(store, receive(store, REPLY.format(n=1916440 + n)))
        clock.advance(REPLY_WINDOW.total_seconds())
        if cid == old:
            clock.advance(CATCH_UP.total_seconds())
    set_tracking(store, by_hand, "1916449", "terkirim", actor="Rina")
    assert queue_missing(store, ExportSettings()) == []  # off
    [queued] = queue_missing(store, on)
    assert get(store, queued).complaint_id == recent
    assert queue_missing(store, on) == []
    assert start_hook(ExportSettings()) is None and start_hook(on)(store) == []


# ---------------------------------------------------------------- end to end
class Rig:
    """Virtual modem answering as LAPOR! 1708, the ingest service with the matcher, the
    outbox worker with the SMS transports on the ingest's modem, and a screen's store."""

    def __init__(self, tmp_path: Path, export: ExportSettings, matcher: Any = None) -> None:
        self.db = tmp_path / "studio.sqlite3"
        self.export = export
        self.vm = VirtualModem(link=str(tmp_path / "ttyGSM0"))
        self.vm.set_auto_reply("1708", REPLY, delay=0.3)
        self.vm.start()
        self.service = IngestService(
            self.db,
            self._modem,
            sweep_interval=5,
            lapor_reply=matcher or LaporReplyMatcher.from_settings(export),
        )
        self.screen = Store(self.db)
        self.worker: OutboxWorker | None = None

    def _modem(self, on_event: Callable[[Any], None]) -> Modem:
        return Modem(
            port=self.vm.port,
            on_event=on_event,
            command_timeout=3.0,
            poll_interval=0.3,
            reconnect_min=0.05,
            reconnect_max=0.5,
        )

    def start(self) -> Rig:
        self.service.start()
        assert self.service.modem.wait_ready(15), self.service.modem.status()
        transports = [Sms1708Transport.from_settings(self.export, self.db, self.service.modem)]
        if self.export.citizen_reply:
            transports.append(
                CitizenReplyTransport.from_settings(self.export, self.db, self.service.modem, station=STATION)
            )
        self.worker = OutboxWorker(self.db, transports, poll=0.1).start()
        return self

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.service.stop()
        self.vm.stop()
        self.screen.close()

    def complaint(self, isi: str) -> int:
        """A listener's SMS arrives through the modem, is aired and made a complaint for 1708."""
        self.vm.inject_sms(NUMBER, isi)
        message = wait_until(
            lambda: next(iter(self.screen.messages(search=isi.split()[0])), None), 15, what="the SMS"
        )
        item = self.screen.conn.execute(
            "SELECT id FROM items WHERE message_id = ?", (message.id,)
        ).fetchone()[0]
        if self.screen.current_show() is None:
            self.screen.start_show("SAPA BUPATI")
        from tests.studio_console.complaints.test_builder import air

        air(self.screen, item, desa_code="35.22.01.2001")
        cid = draft_from_items(self.screen, [item], station=STATION)
        complete(self.screen, cid)
        update(self.screen, cid, lokasi=LUWIHAJI)
        return cid


@pytest.fixture
def make_rig(tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    rigs: list[Rig] = []

    def make(export: ExportSettings | None = None, matcher: Any = None) -> Rig:
        rigs.append(Rig(tmp_path, export or ExportSettings(), matcher).start())
        return rigs[-1]

    yield make
    for r in rigs:
        r.stop()


def test_a_complaint_goes_to_1708_and_lapor_s_reply_files_its_tracking_id(make_rig):
    rig = make_rig()
    cid = rig.complaint("Jalan di depan balai desa Luwihaji rusak parah, mohon segera diperbaiki")
    fitted = fit_message("BJN", to_payload(load(rig.screen, cid)))
    mark_ready(rig.screen, cid, ["sms1708"])
    rig.worker.wake()

    done = wait_until(
        lambda: (c := load(rig.screen, cid)).tracking_id and c, 20, what="the tracking ID from LAPOR!'s reply"
    )
    assert (done.tracking_id, done.status) == ("1916449", "terkirim")
    [submit] = [s for s in rig.vm.sent if s.recipient == "1708"]
    assert (submit.kind, submit.text, submit.encoding) == ("submit", fitted.text, "gsm7")
    assert submit.status_report_requested and submit.concat is None
    assert "Luwihaji" in submit.text and NUMBER[3:] not in submit.text
    state = wait_until(
        lambda: (d := delivery_state(rig.screen, cid)) and d.state == "delivered" and d,
        15,
        what="the delivery report",
    )
    assert state.recipient == "1708" and state.references
    [row] = rows_for(rig.screen, cid)
    assert (row.transport, row.state) == ("sms1708", "sent")
    reply = next(m for m in rig.screen.messages() if m.sender == "1708")
    assert reply.text == REPLY.format(n=1916449) and reply.state == "rejected"
    assert len(rig.vm.sent) == 1  # citizen reply off by default: nothing to the listener


def test_with_the_citizen_reply_on_the_listener_is_told_the_tracking_id_once(make_rig):
    export = dataclasses.replace(ExportSettings(), citizen_reply=True)
    rig = make_rig(export)
    cid = rig.complaint("Lampu PJU mati sudah seminggu di jalan desa")
    mark_ready(rig.screen, cid, ["sms1708"])
    rig.worker.wake()
    rows = wait_until(
        lambda: (r := rows_for(rig.screen, cid)) and len(r) == 2 and all(x.state == "sent" for x in r) and r,
        25,
        what="both outbox rows sent",
    )
    assert [r.transport for r in rows] == ["sms1708", "balasan"]
    to_citizen = [s for s in rig.vm.sent if s.recipient == NUMBER]
    assert [s.text for s in to_citizen] == [
        f"Aduan Anda telah diteruskan ke LAPOR!, nomor 1916449. Terima kasih. {STATION}"
    ]
    assert len([s for s in rig.vm.sent if s.recipient == "1708"]) == 1
    assert load(rig.screen, cid).status == "terkirim"


def test_two_complaints_ready_at_once_go_to_1708_one_after_the_others_reply(make_rig):
    rig = make_rig()
    first = rig.complaint("Jalan di depan balai desa Luwihaji rusak parah")
    second = rig.complaint("Lampu PJU mati sudah seminggu di jalan desa")
    mark_ready(rig.screen, first, ["sms1708"])
    mark_ready(rig.screen, second, ["sms1708"])
    rig.worker.wake()
    done = wait_until(
        lambda: (
            (a := load(rig.screen, first)).tracking_id
            and (b := load(rig.screen, second)).tracking_id
            and (a, b)
        ),
        25,
        what="both tracking IDs from LAPOR!'s replies",
    )
    assert (done[0].tracking_id, done[1].tracking_id) == ("1916449", "1916450")
    assert [s.text.split()[1] for s in rig.vm.sent if s.recipient == "1708"] == ["Jalan", "Lampu"]
    [row] = rows_for(rig.screen, second)
    history = [
        r[0]
        for r in rig.screen.conn.execute(
            "SELECT result FROM outbox_attempts WHERE outbox_id = ? ORDER BY id", (row.id,)
        )
    ]
    assert history[0] == "deferred" and history[-1] == "sent" and "transient" not in history
    assert row.attempts == 1  # the wait was not an attempt


class BrokenMatcher:
    """Test double: a matcher with a bug."""

    def match(self, store: Store, message_id: int) -> int | None:
        raise RuntimeError("bug in the matcher")


def test_a_failing_matcher_never_stops_ingest(make_rig):
    rig = make_rig(matcher=BrokenMatcher())
    rig.vm.inject_sms("1708", REPLY.format(n=1916449))
    rig.vm.inject_sms(NUMBER, "Halo studio, salam untuk semua pendengar")
    messages = wait_until(
        lambda: (m := list(rig.screen.messages())) and len(m) == 2 and m, 15, what="both SMS"
    )
    assert [m.state for m in messages] == ["new", "new"]
    assert rig.vm.stored("SM") == {}  # both deleted from the SIM: stored safely


def test_the_virtual_modem_answers_as_lapor_with_increasing_numbers(tmp_path):
    vm = VirtualModem(link=str(tmp_path / "tty"))
    vm.set_auto_reply("1708", delay=0.05, first_number=100)
    vm.start()
    modem = Modem(port=vm.port, command_timeout=3.0, poll_interval=5.0)
    try:
        modem.start()
        assert modem.wait_ready(15)
        modem.send_sms("1708", "BJN satu")
        modem.send_sms("+6281234567890", "bukan untuk LAPOR!")
        modem.send_sms("+1708", "BJN dua")
        replies = wait_until(lambda: len(vm.auto_replies) == 2 and vm.auto_replies, 10, what="two replies")
        assert replies == [
            ("1708", LAPOR_REPLY.replace("{n}", "100")),
            ("+1708", LAPOR_REPLY.replace("{n}", "101")),
        ]
        assert vm.status()["auto_reply"] == "1708"
        vm.set_auto_reply(None)
        modem.send_sms("1708", "BJN tiga")
        assert len(vm.sent) == 4 and len(vm.auto_replies) == 2
    finally:
        modem.stop()
        vm.stop()


def test_the_auto_responder_is_switched_over_the_control_socket_protocol(tmp_path):
    from drivers.gsm.virtual_control import handle_request

    vm = VirtualModem(link=str(tmp_path / "tty"))
    reply = handle_request(vm, {"action": "auto-reply", "number": "1708", "delay": 0.1, "first": 7})
    assert reply == {"ok": True, "result": None} and vm.status()["auto_reply"] == "1708"
    assert handle_request(vm, {"action": "auto-reply", "number": "off"})["ok"]
    assert vm.status()["auto_reply"] is None
    assert not handle_request(vm, {"action": "auto-reply", "number": "LAPOR"})["ok"]
