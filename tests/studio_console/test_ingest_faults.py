"""The ingest service under faults: unplug storms, a full SIM, line noise, bad PDUs,
phantom indications, duplicate deliveries, late and shuffled multipart parts — and
what it files besides SMS: spam, floods, shows, calls, delivery reports, status.

These run the :class:`~studio_console.ingest.IngestService` in the test process,
on the real driver over the virtual modem's real pty and a real SQLite file. In
process, not as a daemon, because the point of the unplug storm is that the
service's own threads and file descriptors come back to where they were — which
only the test's own ``/proc/self/fd`` and ``threading.enumerate()`` can show — and
because the other tests look at the service's counters and drive calls
(``answer_call``) directly. The daemon process is put under SIGKILL in
``test_ingest_kill.py`` and shares its database with a reader process in
``test_two_processes.py``.
"""

from __future__ import annotations

import gc
import os
import random
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from drivers.gsm import pdu as pdu_codec
from drivers.gsm.modem import Modem
from drivers.gsm.virtual import StorageFull, VirtualModem
from studio_console import ingest as ingest_module
from studio_console.ingest import IngestService
from studio_console.store import Store
from tests.studio_console.ingest_helpers import (
    CLI,
    WIB,
    Network,
    Sms,
    cli_messages,
    describe_difference,
    interleave,
    make_sms,
    make_traffic,
    multiset,
    query,
    sim_contents,
    wait_ingest_quiet,
    wait_until,
)

T0 = datetime(2026, 3, 6, 20, 0, tzinfo=WIB)
LISTENER = "+6281234567890"


class Rig:
    """A virtual modem, an ingest service on a temporary database, and ways to look."""

    def __init__(self, tmp_path: Path, vm_options: dict[str, Any], service_options: dict[str, Any]) -> None:
        self.db = tmp_path / "studio.sqlite3"
        self.vm = VirtualModem(link=tmp_path / "ttyGSM0", **vm_options)
        self.vm.start()
        self.events: list[Any] = []
        options = {"multipart_wait": 600, "sweep_interval": 1, "flood_max_messages": 1000}
        options.update(service_options)
        self.service = IngestService(self.db, self._modem, **options)
        self._moment = T0

    def _modem(self, on_event: Callable[[Any], None]) -> Modem:
        def both(event: Any) -> None:
            self.events.append(event)
            on_event(event)

        return Modem(
            port=self.vm.port,
            on_event=both,
            command_timeout=3.0,
            poll_interval=0.3,
            reconnect_min=0.05,
            reconnect_max=0.5,
            ring_timeout=1.0,
        )

    def start(self) -> Rig:
        self.service.start()
        assert self.service.modem.wait_ready(15), self.service.modem.status()
        return self

    def stop(self) -> None:
        self.service.stop()
        self.vm.stop()

    def sms(self, text: str, sender: str = LISTENER, **options: Any) -> Sms:
        """A message with its own network time stamp (one second after the last)."""
        self._moment += timedelta(seconds=1)
        return make_sms(sender, text, moment=self._moment, **options)

    def send(self, message: Sms, storage: str | None = None) -> Sms:
        """The network delivers every part of ``message`` now."""
        for pdu in message.pdus:
            self.vm.inject_pdu(pdu, storage)
        return message

    def store(self) -> Store:
        """A reader's own connection (close it)."""
        return Store(self.db)

    def messages(self) -> list[dict[str, Any]]:
        with self.store() as store:
            return [row.as_json() for row in store.messages()]

    def wait_messages(self, count: int, timeout: float = 30) -> list[dict[str, Any]]:
        """Wait until ``count`` messages are stored and the SIM is empty."""
        wait_until(
            lambda: len(self.messages()) >= count and not sim_contents(self.vm),
            timeout,
            what=f"{count} messages and an empty SIM",
        )
        return self.messages()

    def calls(self) -> list[dict[str, Any]]:
        with self.store() as store:
            return list(store.db.query("SELECT * FROM calls ORDER BY id"))


MakeRig = Callable[..., Rig]


@pytest.fixture
def make_rig(tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    """``make_rig(vm={...}, service={...}, start=True)``: a rig, stopped after the test."""
    rigs: list[Rig] = []

    def make(
        vm: dict[str, Any] | None = None, service: dict[str, Any] | None = None, start: bool = True
    ) -> Rig:
        rig = Rig(tmp_path, vm or {}, service or {})
        rigs.append(rig)
        return rig.start() if start else rig

    yield make
    for rig in rigs:
        rig.stop()


def _fds() -> set[str]:
    """Open file descriptors of this process, as 'fd -> target'."""
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            out.add(f"{fd} -> {os.readlink(f'/proc/self/fd/{fd}')}")
        except FileNotFoundError:  # the fd listdir itself used
            pass
    return out


# --------------------------------------------------------------------------- storms and noise


def test_fifty_unplugs_during_ingest_lose_nothing_double_nothing_and_leak_nothing(tmp_path: Path) -> None:
    rng = random.Random(50)
    traffic = make_traffic(rng, 300)
    expected = multiset(m.key for m in traffic)
    gc.collect()  # connections other tests dropped unclosed must not close during the count
    threads_before = {t.name for t in threading.enumerate()}
    fds_before = _fds()
    rig = Rig(tmp_path, {}, {})
    network = Network(rig.vm, interleave(rng, traffic), pace=0.01)
    try:
        rig.start()
        network.start()
        for _ in range(50):
            time.sleep(rng.uniform(0.05, 0.3))
            rig.vm.unplug()
            time.sleep(rng.uniform(0.01, 0.15))
            rig.vm.replug()
        wait_until(
            lambda: network.done and not sim_contents(rig.vm),
            60,
            what="the network to deliver everything and the SIM to empty",
        )
        wait_ingest_quiet(rig.db, quiet=1.0, timeout=60)
        reconnects = rig.service.counters.reconnects
    finally:
        network.stop()
        rig.stop()
    assert network.error is None
    got = multiset((m["sender"], m["text"]) for m in rig.messages())
    assert got == expected, describe_difference(expected, got)
    assert all(m["complete"] for m in rig.messages())
    assert query(rig.db, "SELECT count(*) FROM parts")[0][0] == sum(len(m.pdus) for m in traffic)
    assert reconnects >= 5  # the storm was felt: the modem reconnected again and again

    wait_until(
        lambda: {t.name for t in threading.enumerate()} <= threads_before,
        10,
        what="the service's threads to end",
    )
    assert _fds() == fds_before


def test_messages_refused_by_a_full_sim_arrive_once_the_network_retries(make_rig: MakeRig) -> None:
    rig = make_rig(vm={"sm_capacity": 5, "me_capacity": 5}, start=False)
    # While the console is off the SIM and the phone memory fill up.
    waiting = [rig.sms(f"antre #{i} di puskesmas Dander") for i in range(14)]
    accepted, refused = [], []
    for message in waiting:
        try:
            rig.send(message)
            accepted.append(message)
        except StorageFull:
            refused.append(message)
    assert len(accepted) == 10 and len(refused) == 4
    # A firmware that claims to be full even with room: everything is refused.
    rig.vm.set_storage_full(True)
    for message in refused:
        with pytest.raises(StorageFull):
            rig.send(message)
    rig.vm.set_storage_full(False)

    rig.start()
    network = Network(rig.vm, [p for m in refused for p in m.pdus], retry=0.05)
    network.start()
    try:
        rows = rig.wait_messages(14)
        wait_until(lambda: network.done, 10, what="the refused messages to be delivered")
    finally:
        network.stop()
    rows = rig.wait_messages(14)
    assert sorted(r["text"] for r in rows) == sorted(m.text for m in waiting)
    assert not sim_contents(rig.vm)


def test_line_noise_in_the_middle_of_ingest_corrupts_nothing(make_rig: MakeRig) -> None:
    rig = make_rig()
    rig.vm.set_noise(True, interval=0.05)  # ^RSSI, ^BOOT, ^MODE, ^DSFLOWRPT chatter
    rng = random.Random(7)
    traffic = make_traffic(rng, 120)
    network = Network(rig.vm, interleave(rng, traffic), pace=0.01)
    stop = threading.Event()

    def garbage() -> None:
        while not stop.wait(0.02):
            rig.vm.send_garbage(rng.randrange(1, 80))

    noise = threading.Thread(target=garbage, name="test-garbage")
    network.start()
    noise.start()
    try:
        wait_until(lambda: network.done, 60, what="the network to deliver everything")
        stop.set()
        noise.join()
        rows = rig.wait_messages(len(traffic), timeout=60)
    finally:
        stop.set()
        noise.join()
        network.stop()
    wait_ingest_quiet(rig.db, quiet=0.5, timeout=30)
    got = multiset((r["sender"], r["text"]) for r in rig.messages())
    assert got == multiset(m.key for m in traffic), describe_difference(multiset(m.key for m in traffic), got)
    assert len(rows) == len(traffic)
    assert query(rig.db, "SELECT count(*) FROM quarantine") == [(0,)]


# --------------------------------------------------------------------------- bad and odd PDUs


def _malformed(good: str) -> dict[str, str]:
    """Malformed variants of a valid SMS-DELIVER PDU (SMSC field first)."""
    smsc_octets = int(good[:2], 16)
    tpdu = good[2 + 2 * smsc_octets :]
    smsc = good[: 2 + 2 * smsc_octets]
    return {
        "truncated in the middle": good[: len(good) // 2],
        "odd number of hex digits": good[:-1],
        "user data shorter than its length": good[:-6],
        "reserved message type": smsc + "03" + tpdu[2:],
        "address longer than the PDU": smsc + tpdu[:2] + "FF" + tpdu[4:12],
    }


def test_undecodable_pdus_are_quarantined_with_raw_hex_and_reason_and_the_rest_flows(
    make_rig: MakeRig,
) -> None:
    rig = make_rig()
    good = rig.sms("Air PDAM keruh sejak kemarin").pdus[0]
    bad = _malformed(good)
    for hex_ in bad.values():  # each one really is undecodable
        with pytest.raises(pdu_codec.PduError):
            pdu_codec.decode(hex_)
    before = rig.send(rig.sms("sebelum"))
    for hex_ in bad.values():
        rig.vm.inject_pdu(hex_)
    after = rig.send(rig.sms("sesudah, pesan panjang " * 10))
    rows = rig.wait_messages(2)
    wait_ingest_quiet(rig.db, quiet=0.3, timeout=30)
    assert sorted(r["text"] for r in rows) == sorted([before.text, after.text])
    quarantined = query(rig.db, "SELECT pdu_hex, reason, storage, slot FROM quarantine")
    assert sorted(q[0].upper() for q in quarantined) == sorted(h.upper() for h in bad.values())
    assert all(reason.strip() for _, reason, _, _ in quarantined)
    assert all(storage == "SM" and slot is not None for _, _, storage, slot in quarantined)
    assert rig.service.counters.quarantined == len(bad)
    assert not sim_contents(rig.vm)


def test_an_undecodable_pdu_leaves_the_sim_only_after_its_quarantine_row_is_committed(
    make_rig: MakeRig,
) -> None:
    rig = make_rig()
    bad = _malformed(rig.sms("x").pdus[0])["truncated in the middle"]
    rig.vm.set_reply_delay(0.8)  # time to lock the database while the read is answered
    blocker = sqlite3.connect(rig.db, isolation_level=None, timeout=30)
    try:
        storage, index = rig.vm.inject_pdu(bad)
        mark = len(rig.vm.commands)
        # The service reads the slot (AT+CMGR, or AT+CMGL when a poll saw it first) ...
        assert rig.vm.wait_for_command("AT+CMG", timeout=5, start=mark)
        blocker.execute("BEGIN IMMEDIATE")  # ... and now cannot commit what it read.
        time.sleep(2.0)
        assert rig.vm.stored(storage) == {index: bad}
        assert not any(c.startswith("AT+CMGD") for c in rig.vm.commands[mark:])
    finally:
        if blocker.in_transaction:
            blocker.execute("ROLLBACK")
        blocker.close()
    rig.vm.set_reply_delay(0)
    wait_until(lambda: not sim_contents(rig.vm), 30, what="the slot to be deleted")
    assert query(rig.db, "SELECT pdu_hex FROM quarantine") == [(bad.upper(),)]


def test_an_indication_for_an_empty_slot_harms_nothing(make_rig: MakeRig) -> None:
    rig = make_rig()
    mark = len(rig.vm.commands)
    rig.vm.cmti_nowhere("SM", 7)  # an empty slot
    rig.vm.cmti_nowhere("SM", 99)  # not even a slot of this SIM (+CMS ERROR: 321)
    rig.vm.cmti_nowhere("ME", 3)
    wait_until(
        lambda: sum(c.startswith("AT+CMGR") for c in rig.vm.commands[mark:]) >= 3,
        10,
        what="the three phantom slots to be read",
    )
    real = rig.send(rig.sms("pesan sungguhan setelah +CMTI palsu"))
    rows = rig.wait_messages(1)
    wait_ingest_quiet(rig.db, quiet=0.3, timeout=30)
    assert [r["text"] for r in rig.messages()] == [real.text]
    assert rows[0]["complete"]
    assert rig.service.modem.state == "ready"
    assert query(rig.db, "SELECT count(*) FROM quarantine") == [(0,)]
    assert rig.service.counters.store_errors == 0


def test_the_same_pdu_delivered_twice_into_different_slots_is_stored_once(make_rig: MakeRig) -> None:
    rig = make_rig()
    message = rig.sms("Jalan Kapas-Dander rusak parah")
    pdu = message.pdus[0]
    via_other_smsc = pdu_codec.encode_deliver(  # same TPDU, another service centre
        message.sender, message.text, smsc="+6281100099", timestamp=pdu_codec.decode(pdu).timestamp
    )[0]
    assert via_other_smsc != pdu
    rig.vm.inject_pdu(pdu, "SM")
    rig.vm.inject_pdu(pdu, "ME")
    rig.vm.inject_pdu(via_other_smsc, "SM")
    rows = rig.wait_messages(1)
    wait_until(lambda: rig.service.counters.duplicates == 2, 10, what="two duplicates counted")
    wait_ingest_quiet(rig.db, quiet=0.3, timeout=30)
    assert [(r["sender"], r["text"]) for r in rig.messages()] == [message.key]
    assert rows[0]["parts"] == 1
    assert query(rig.db, "SELECT count(*) FROM parts") == [(1,)]
    assert not sim_contents(rig.vm)


def test_a_multipart_whose_parts_arrive_out_of_order_is_assembled_in_order(make_rig: MakeRig) -> None:
    rig = make_rig()
    eight = rig.sms("Bagian pertama. " * 25, ref_bits=8)
    sixteen = rig.sms("Kalimat 🙏 panjang. " * 12, sender="+6285712345678", ref_bits=16)
    assert len(eight.pdus) == 3 and len(sixteen.pdus) >= 3
    for message in (eight, sixteen):
        for pdu in reversed(message.pdus):
            rig.vm.inject_pdu(pdu)
    rows = rig.wait_messages(2)
    assert sorted((r["sender"], r["text"]) for r in rows) == sorted([eight.key, sixteen.key])
    assert all(r["complete"] and r["parts_received"] == r["parts"] for r in rows)


def test_a_multipart_missing_its_last_part_shows_as_incomplete_then_completes(
    make_rig: MakeRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The service checks for stale parts every STALE_CHECK_INTERVAL (10 s); look more often.
    monkeypatch.setattr(ingest_module, "STALE_CHECK_INTERVAL", 0.2)
    rig = make_rig(service={"multipart_wait": 1})
    message = rig.sms("Mohon perbaikan saluran irigasi di Desa Sumberrejo. " * 8)
    assert len(message.pdus) == 3
    rig.vm.inject_pdu(message.pdus[0])
    rig.vm.inject_pdu(message.pdus[1])
    rows = rig.wait_messages(1, timeout=15)
    (row,) = rows
    assert (row["parts"], row["parts_received"], row["complete"]) == (3, 2, False)
    first_two = "".join(pdu_codec.decode(p).text for p in message.pdus[:2])
    assert row["text"].startswith(first_two) and row["text"] != message.text
    listing = subprocess.run(
        [CLI, "messages", "--db", str(rig.db)], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "[2/3]" in listing

    rig.vm.inject_pdu(message.pdus[2])
    wait_until(lambda: rig.messages()[0]["complete"], 15, what="the late part to complete it")
    (done,) = cli_messages(rig.db)
    assert done["id"] == row["id"]
    assert (done["text"], done["parts_received"], done["complete"]) == (message.text, 3, True)
    assert query(rig.db, "SELECT count(*) FROM parts WHERE message_id IS NULL") == [(0,)]


# --------------------------------------------------------------------------- what gets filed


def test_a_blocked_senders_messages_are_kept_as_spam(make_rig: MakeRig) -> None:
    rig = make_rig()
    with rig.store() as store:
        store.set_blocked("081299990000", True, "promosi pinjol")
    spam = rig.send(rig.sms("Pinjaman cepat cair tanpa agunan!", sender="+6281299990000"))
    fine = rig.send(rig.sms("Selamat malam studio"))
    rows = {r["text"]: r for r in rig.wait_messages(2)}
    assert rows[spam.text]["state"] == "spam"
    assert rows[fine.text]["state"] == "new"


def test_a_flooding_sender_is_throttled_but_every_message_is_stored(make_rig: MakeRig) -> None:
    rig = make_rig(service={"flood_max_messages": 3, "flood_window": 300})
    flood = [rig.send(rig.sms(f"pilih saya! #{i}", sender="+6287812345678")) for i in range(7)]
    calm = rig.send(rig.sms("Satu pesan saja"))
    rows = rig.wait_messages(8)
    states = sorted(r["state"] for r in rows if r["sender"] == "+6287812345678")
    assert states == ["new"] * 3 + ["throttled"] * 4
    assert sorted(r["text"] for r in rows) == sorted(m.text for m in (*flood, calm))
    assert [r["state"] for r in rows if r["text"] == calm.text] == ["new"]


def test_a_show_on_air_claims_the_messages_and_calls_that_arrive_during_it(make_rig: MakeRig) -> None:
    rig = make_rig()
    before = rig.send(rig.sms("sebelum siaran"))
    rig.wait_messages(1)
    with rig.store() as store:
        show = store.start_show("Dialog Publik", by="produser")
    during = rig.send(rig.sms("selama siaran"))
    rig.vm.call("+6281377778888", rings=1, interval=0.2)
    wait_until(lambda: rig.calls(), 10, what="the call to be recorded")
    rig.wait_messages(2)
    with rig.store() as store:
        store.stop_show(by="produser")
    after = rig.send(rig.sms("sesudah siaran"))
    rows = {r["text"]: r["show_id"] for r in rig.wait_messages(3)}
    assert rows == {before.text: None, during.text: show, after.text: None}
    assert [c["show_id"] for c in rig.calls()] == [show]


def test_an_incoming_call_is_recorded_with_number_and_times_and_a_missed_one_as_missed(
    make_rig: MakeRig,
) -> None:
    rig = make_rig()
    rig.vm.call("+6281377778888", rings=2, interval=0.3)
    (ringing,) = wait_until(lambda: rig.calls(), 10, what="the call row")
    assert ringing["number_raw"] == "+6281377778888"
    assert ringing["ringing_at"] and ringing["clip_at"]
    (missed,) = wait_until(
        lambda: [c for c in rig.calls() if c["state"] == "missed"],
        15,
        what="the unanswered call to end as missed",
    )
    assert missed["ended_at"] >= missed["ringing_at"]
    assert missed["end_reason"] == "missed"

    rig.vm.call("+6285233334444", rings=20, interval=0.3)
    wait_until(lambda: len(rig.calls()) == 2, 10, what="the second call")
    rig.service.answer_call()
    wait_until(lambda: rig.calls()[1]["state"] == "screening", 10, what="the answered call")
    rig.vm.remote_hangup()
    answered = wait_until(
        lambda: (c := rig.calls()[1])["state"] == "ended" and c, 10, what="the answered call to end"
    )
    assert answered["number_raw"] == "+6285233334444"
    assert answered["screening_at"] and answered["ended_at"] >= answered["screening_at"]
    assert answered["end_reason"] == "remote hang-up"

    rig.vm.call("", clip=False, rings=1, interval=0.2)  # number withheld
    withheld = wait_until(
        lambda: len(rig.calls()) == 3 and rig.calls()[2]["state"] == "missed" and rig.calls()[2],
        15,
        what="the withheld call to be missed",
    )
    assert withheld["number_raw"] == ""
    assert rig.service.counters.calls == 3


def test_delivery_reports_are_matched_to_the_sent_message(make_rig: MakeRig) -> None:
    rig = make_rig(vm={"auto_status_reports": True, "status_report_delay": 0.5})
    with rig.store() as store:
        # Sent earlier by hand; its report arrives now.
        manual = store.record_sent("+6281234567890", "Terima kasih, sudah kami teruskan", [42])
    rig.vm.inject_status_report(42, status=0, recipient="+6281234567890")

    text = "Laporan Anda diteruskan ke Dinas PU. " * 6  # two parts
    refs = rig.service.modem.send_sms("+6285712345678", text, request_status_report=True)
    assert len(refs) == 2
    with rig.store() as store:
        sent = store.record_sent("+6285712345678", text, refs, purpose="reply")

    def delivered() -> list[tuple[Any, ...]]:
        return query(
            rig.db,
            "SELECT sent_id, seq, status, delivered FROM sent_parts "
            "WHERE delivered IS NOT NULL ORDER BY sent_id, seq",
        )

    wait_until(lambda: len(delivered()) == 3, 15, what="three matched reports")
    assert delivered() == [(manual, 1, 0, 1), (sent, 1, 0, 1), (sent, 2, 0, 1)]
    assert query(rig.db, "SELECT count(*) FROM status_reports WHERE sent_part_id IS NULL") == [(0,)]
    assert not sim_contents(rig.vm)  # the reports left the "SR" storage too
    assert rig.service.counters.status_reports == 3


def test_the_published_status_shows_the_modem_and_the_counters(make_rig: MakeRig) -> None:
    rig = make_rig()
    for i in range(3):
        rig.send(rig.sms(f"pesan {i}"))
    rig.vm.inject_pdu("0791261801000000FF")
    rig.wait_messages(3)

    def settled() -> dict[str, Any] | None:
        with rig.store() as store:
            status = store.read_status()
        ok = status and status["counters"]["received"] == 3 and status["counters"]["quarantined"]
        return status if ok else None

    status = wait_until(settled, 10, what="the status to show the counters")
    assert status["pid"] == os.getpid()
    assert status["state"] == "ready"
    assert status["operator"] == "TELKOMSEL"
    assert status["signal_dbm"] == -73  # AT+CSQ 20
    assert status["registration"] == "home"
    assert status["storages"]["SM"][1] == 30 and status["storages"]["ME"][1] == 100
    assert status["counters"]["quarantined"] == 1
    assert status["counters"]["sweeps"] >= 1
    assert status["last_message_at"]
    assert (status["manufacturer"], status["model"]) == ("huawei", "E173")
    age = datetime.now(WIB) - datetime.fromisoformat(status["updated_at"])
    assert age < timedelta(minutes=1)
