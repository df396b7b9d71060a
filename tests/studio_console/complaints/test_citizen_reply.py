"""The optional reply SMS to the citizen: queued only when on, sent once through the real
modem driver on the virtual modem, to the reporter's number even when the complaint is
anonim, rate-limited per number, fitted into one segment."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from drivers.gsm.pdu import encode_submit
from studio_console.complaints.builder import idempotency_key, load, set_tracking, update
from studio_console.complaints.model import to_payload
from studio_console.complaints.outbox import PermanentError, TransientError, get, rows_for, send_one
from studio_console.complaints.transports.citizen_reply import CitizenReplyTransport, queue_citizen_reply
from studio_console.complaints.transports.sms1708 import delivery_state, release_uncertain
from studio_console.config import ExportSettings
from studio_console.store import Store
from tests.studio_console.complaints.test_builder import STATION
from tests.studio_console.complaints.test_lapor_reply import Clock, ready
from tests.studio_console.complaints.test_sms1708 import ModemRig

NUMBER = "+6281234567890"
OTHER = "+6285712345678"
ON = dataclasses.replace(ExportSettings(), citizen_reply=True)
TEMPLATE = ExportSettings().citizen_reply_text


def tracked(store: Store, sender: str = NUMBER, tracking: str = "1916449", isi: str = "Jalan rusak") -> int:
    """A complaint sent to LAPOR! whose tracking ID came back."""
    cid = ready(store, isi, sender)
    set_tracking(store, cid, tracking, "terkirim", role="system")
    return cid


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "studio.sqlite3", clock=Clock()) as s:
        yield s


# ---------------------------------------------------------------- queueing
def test_nothing_is_queued_while_the_reply_is_off_which_is_the_default(store):
    cid = tracked(store)
    assert ExportSettings().citizen_reply is False
    assert queue_citizen_reply(store, cid, ExportSettings()) is None
    assert [r.transport for r in rows_for(store, cid)] == ["sms1708"]


def test_one_row_is_queued_once_with_the_builders_key(store):
    cid = tracked(store)
    outbox_id = queue_citizen_reply(store, cid, ON)
    assert outbox_id is not None
    row = get(store, outbox_id)
    assert (row.transport, row.state, row.attempts) == ("balasan", "pending", 0)
    assert row.idempotency_key == idempotency_key(load(store, cid), "balasan")
    assert queue_citizen_reply(store, cid, ON) is None
    assert [r.transport for r in rows_for(store, cid)] == ["sms1708", "balasan"]
    audit = store.conn.execute(
        "SELECT actor_role, action, to_state FROM audit WHERE entity = 'outbox' AND entity_id = ?",
        (outbox_id,),
    ).fetchall()
    assert audit == [("system", "queued", "pending")]


def test_a_complaint_without_a_tracking_id_queues_nothing(store):
    cid = ready(store)
    assert queue_citizen_reply(store, cid, ON) is None


# ---------------------------------------------------------------- sending
@pytest.fixture
def rig(tmp_path: Path) -> Iterator[ModemRig]:
    r = ModemRig(tmp_path)
    r.store.clock = Clock()
    try:
        yield r
    finally:
        r.stop()


def transport(rig: ModemRig, **kwargs: Any) -> CitizenReplyTransport:
    args: dict[str, Any] = {"template": TEMPLATE, "station": STATION, "interval_hours": 24.0}
    args.update(kwargs)
    return CitizenReplyTransport(rig.db, rig.modem, clock=rig.store.clock, **args)


def send(rig: ModemRig, t: CitizenReplyTransport, cid: int) -> Any:
    key = idempotency_key(load(rig.store, cid), "balasan")
    return t.send(to_payload(load(rig.store, cid)), key)


def test_the_reply_goes_to_the_reporter_of_an_anonim_complaint_once(rig):
    cid = tracked(rig.store)
    payload = to_payload(load(rig.store, cid))
    assert load(rig.store, cid).anonim and "pelapor" not in payload
    t = transport(rig)
    receipt = send(rig, t, cid)
    [sms] = rig.vm.sent
    expected = f"Aduan Anda telah diteruskan ke LAPOR!, nomor 1916449. Terima kasih. {STATION}"
    assert (sms.kind, sms.recipient, sms.text, sms.encoding) == ("submit", NUMBER, expected, "gsm7")
    assert sms.status_report_requested and len(encode_submit(NUMBER, sms.text)) == 1
    assert receipt.detail["text"] == expected and receipt.tracking_id is None
    assert NUMBER not in str(receipt.detail)  # the outbox receipt does not copy the number
    again = send(rig, t, cid)
    assert len(rig.vm.sent) == 1 and again.detail["sent_sms_id"] == receipt.detail["sent_sms_id"]
    state = delivery_state(rig.store, cid, "reply")
    assert state is not None and (state.state, state.recipient) == ("pending", NUMBER)


def test_a_complaint_with_no_mobile_number_is_skipped(rig):
    cid = tracked(rig.store)
    update_pelapor(rig.store, cid, None)
    assert send(rig, transport(rig), cid).detail == {"skipped": "no_number"}
    update_pelapor(rig.store, cid, {"name": "Pak RT", "e164": "+62353881234"})  # a fixed line
    assert send(rig, transport(rig), cid).detail == {"skipped": "no_number"}
    assert rig.vm.sent == []


def update_pelapor(store: Store, cid: int, pelapor: dict[str, Any] | None) -> None:
    store.conn.execute("UPDATE complaints SET status = 'draft' WHERE id = ?", (cid,))
    update(store, cid, pelapor=pelapor)
    store.conn.execute("UPDATE complaints SET status = 'terkirim' WHERE id = ?", (cid,))


def test_one_reply_per_number_per_interval(rig):
    first = tracked(rig.store, tracking="1916449")
    second = tracked(rig.store, tracking="1916450", isi="Lampu mati")
    elsewhere = tracked(rig.store, sender=OTHER, tracking="1916451", isi="Sampah")
    t = transport(rig, interval_hours=24.0)
    send(rig, t, first)
    assert send(rig, t, second).detail == {"skipped": "rate_limited"}
    send(rig, t, elsewhere)
    assert [s.recipient for s in rig.vm.sent] == [NUMBER, OTHER]
    rig.store.clock.advance(timedelta(hours=24, seconds=1).total_seconds())
    send(rig, t, second)
    assert [s.recipient for s in rig.vm.sent] == [NUMBER, OTHER, NUMBER]
    assert "1916450" in rig.vm.sent[-1].text


def test_a_long_station_name_is_cut_to_one_segment_and_ucs2_when_needed(rig):
    cid = tracked(rig.store, tracking="1916449")
    t = transport(rig, station="Radio Malowopati 95.8 FM " * 8)
    send(rig, t, cid)
    [sms] = rig.vm.sent
    assert sms.concat is None and sms.text.endswith("..") and "1916449" in sms.text
    other = tracked(rig.store, sender=OTHER, tracking="1916450", isi="Lampu mati")
    send(rig, transport(rig, template="ꦱꦸꦩꦼꦂ {tracking} — {station}"), other)
    assert rig.vm.sent[-1].encoding == "ucs2"
    assert rig.vm.sent[-1].text == f"ꦱꦸꦩꦼꦂ 1916450 - {STATION}"


def test_the_template_may_use_only_tracking_and_station(rig):
    with pytest.raises(ValueError, match="tracking"):
        transport(rig, template="Nomor {tracking} untuk {name}")
    with pytest.raises(ValueError):
        transport(rig, template="Nomor {tracking")


def test_the_same_exactly_once_rule_as_the_sms_to_1708(rig):
    cid = tracked(rig.store)
    key = idempotency_key(load(rig.store, cid), "balasan")
    rig.store.begin_sent(NUMBER, "x", purpose="reply", related_id=cid, idempotency_key=key)  # then a crash
    t = transport(rig)
    with pytest.raises(PermanentError, match="may already have gone"):
        send(rig, t, cid)
    assert release_uncertain(rig.store, key)
    send(rig, t, cid)
    assert len(rig.vm.sent) == 1
    with pytest.raises(TransientError, match="not ready"):
        other = tracked(rig.store, OTHER, tracking="1916450")
        CitizenReplyTransport(rig.db, None).send(to_payload(load(rig.store, other)), "k")


def test_through_the_outbox_the_balasan_row_is_sent(rig):
    cid = tracked(rig.store)
    outbox_id = queue_citizen_reply(rig.store, cid, ON)
    t = CitizenReplyTransport.from_settings(ON, rig.db, rig.modem, station=STATION)
    assert t.name == "balasan"
    assert send_one(rig.store, get(rig.store, outbox_id), t, rig.store.clock()) == "sent"
    assert [s.recipient for s in rig.vm.sent] == [NUMBER]
    assert load(rig.store, cid).status == "terkirim"
