"""The outbox on real SQLite files: attempts, backoff, giving up, receipts, and the worker thread.

The transport here is ``FakeRemote``, an in-memory test double standing in for the remote
complaint system (SIAP LAPOR!): like the real endpoint it keeps one complaint per
idempotency key. The real transports are tested against real servers and the virtual modem
in their own test files.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from studio_console.complaints.builder import ComplaintError, draft_from_items, load, mark_ready
from studio_console.complaints.model import to_payload
from studio_console.complaints.outbox import (
    BACKOFF_CAP,
    LEASE_SECONDS,
    MAX_ATTEMPTS,
    Deferred,
    OutboxWorker,
    PermanentError,
    Receipt,
    TransientError,
    backoff_delay,
    claim,
    due,
    get,
    mark_permanent_failure,
    mark_sent,
    record_attempt,
    resume_deferred,
    retry,
    send_one,
)
from studio_console.store import Store
from tests.studio_console.complaints.test_builder import STATION, aired_sms, complete

START = datetime(2026, 3, 6, 5, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand (shared by the test and the worker thread)."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeRemote:
    """Test double for the remote complaint system: one complaint per idempotency key."""

    def __init__(self, name: str = "http", fail_first: int = 0, refuse: bool = False) -> None:
        self.name = name
        self.fail_first = fail_first
        self.refuse = refuse
        self.calls: list[str] = []
        self.created: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.gate: threading.Event | None = None

    def send(self, payload: dict[str, Any], idempotency_key: str) -> Receipt:
        if self.gate is not None:
            self.gate.wait(10)
        with self.lock:
            self.calls.append(idempotency_key)
            if self.refuse:
                raise PermanentError("400: kategori tidak dikenal")
            if len(self.calls) <= self.fail_first:
                raise TransientError("503 Service Unavailable")
            self.created.setdefault(idempotency_key, payload)
            number = list(self.created).index(idempotency_key) + 1
        return Receipt(tracking_id=f"LPR-{number:04d}", detail={"http": 201})


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "studio.sqlite3", clock=clock) as s:
        yield s


def ready(store: Store, text: str = "Jalan rusak", transports: tuple[str, ...] = ("http",)) -> int:
    cid = draft_from_items(store, [aired_sms(store, text)], station=STATION, clock=store.clock)
    complete(store, cid)
    mark_ready(store, cid, list(transports), "Rina")
    return cid


def wait_for(condition, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def attempts(store: Store, outbox_id: int) -> list[str]:
    return [
        r[0]
        for r in store.conn.execute(
            "SELECT result FROM outbox_attempts WHERE outbox_id = ? ORDER BY id", (outbox_id,)
        )
    ]


def test_backoff_grows_exponentially_with_jitter_and_never_exceeds_the_cap():
    rng = random.Random(7)
    delays = [backoff_delay(n, rng) for n in range(1, 15)]
    for n, delay in enumerate(delays, start=1):
        step = min(BACKOFF_CAP, 30 * 2 ** (n - 1))
        assert step / 2 <= delay <= step
    assert delays[0] < 31 and max(delays) <= BACKOFF_CAP
    assert min(delays[7:]) >= BACKOFF_CAP / 2
    assert len({round(d, 6) for d in delays[8:]}) > 1  # jitter: capped waits still differ


def test_each_transient_failure_is_recorded_and_pushes_the_next_attempt_further(store, clock):
    ready(store)
    row = due(store, clock())[0]
    gaps = []
    for _ in range(4):
        after = record_attempt(store, row.id, "transient", "timeout", clock(), rng=random.Random(1))
        gaps.append(datetime.fromisoformat(after.next_attempt_at) - clock())
        assert after.state == "pending" and after.last_error == "timeout"
        assert due(store, clock()) == []
    assert gaps == sorted(gaps) and gaps[-1] > gaps[0] * 4
    assert get(store, row.id).attempts == 4
    assert attempts(store, row.id) == ["transient"] * 4
    clock.advance(gaps[-1].total_seconds())
    assert [r.id for r in due(store, clock())] == [row.id]


def test_after_max_attempts_the_row_and_complaint_are_gagal_kirim_until_retried_by_hand(store, clock):
    cid = ready(store)
    row = due(store, clock())[0]
    for _ in range(MAX_ATTEMPTS):
        last = record_attempt(store, row.id, "transient", "503", clock())
    assert last.state == "gagal_kirim" and last.attempts == MAX_ATTEMPTS
    assert load(store, cid).status == "gagal_kirim"
    clock.advance(10 * 86400)
    assert due(store, clock()) == []  # stays visible for a person, not retried alone
    again = retry(store, row.id, actor="Operator")
    assert (again.state, again.attempts, again.idempotency_key) == ("pending", 0, row.idempotency_key)
    assert load(store, cid).status == "siap_kirim"
    assert len(attempts(store, row.id)) == MAX_ATTEMPTS
    with pytest.raises(ComplaintError, match="only failed rows"):
        retry(store, row.id)


def test_a_permanent_refusal_fails_at_once_with_the_reason_kept(store, clock):
    cid = ready(store)
    row = due(store, clock())[0]
    failed = mark_permanent_failure(store, row.id, "400: kategori tidak dikenal")
    assert (failed.state, failed.last_error) == ("gagal_kirim", "400: kategori tidak dikenal")
    assert load(store, cid).status == "gagal_kirim"
    assert attempts(store, row.id) == ["permanent"]


def test_a_receipt_with_a_tracking_id_makes_the_complaint_terkirim(store, clock):
    cid = ready(store, transports=("file", "http"))
    file_row, http_row = due(store, clock())
    mark_sent(store, file_row.id, {"folder": "export-1"})
    assert load(store, cid).status == "siap_kirim"  # a file package returns no tracking id
    sent = mark_sent(store, http_row.id, Receipt("LPR-0042", {"http": 201}))
    assert sent.state == "sent" and "LPR-0042" in sent.receipt
    c = load(store, cid)
    assert (c.status, c.tracking_id) == ("terkirim", "LPR-0042")
    assert due(store, clock() + timedelta(days=1)) == []


def test_the_worker_drains_every_row_once_with_receipts(tmp_path, store, clock):
    remote, files = FakeRemote("http"), FakeRemote("file")
    ids = [ready(store, f"Keluhan {n}", ("http", "file")) for n in range(5)]
    with OutboxWorker(store.path, [remote, files], clock, poll=0.05):
        wait_for(
            lambda: (
                store.conn.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()[0] == 10
            ),
            "all rows sent",
        )
    keys = [
        r[0]
        for r in store.conn.execute("SELECT idempotency_key FROM outbox WHERE transport = 'http' ORDER BY id")
    ]
    assert sorted(remote.calls) == sorted(keys) and len(remote.created) == 5
    for cid in ids:
        c = load(store, cid)
        assert c.status == "terkirim" and c.tracking_id.startswith("LPR-")
        assert remote.created[next(k for k in keys if k.startswith(f"{cid}-"))] == to_payload(c) | {
            "status": "siap_kirim",
            "tracking_id": None,
        }
    assert not any(t.name == "outbox-worker" for t in threading.enumerate())


def test_the_worker_retries_transient_failures_after_their_backoff(store, clock):
    remote = FakeRemote("http", fail_first=2)
    cid = ready(store)
    with OutboxWorker(store.path, [remote], clock, poll=0.05, rng=random.Random(3)) as worker:
        wait_for(lambda: len(remote.calls) == 1, "first attempt")
        row = store.conn.execute("SELECT id FROM outbox").fetchone()[0]
        wait_for(lambda: attempts(store, row) == ["transient"], "the failure recorded")
        for _ in range(2):
            clock.advance(BACKOFF_CAP)
            worker.wake()
            before = len(remote.calls)
            wait_for(lambda before=before: len(remote.calls) > before, "another attempt")
        wait_for(lambda: load(store, cid).status == "terkirim", "sent")
    assert attempts(store, row) == ["transient", "transient", "sent"]
    assert len(set(remote.calls)) == 1


def test_a_permanent_refusal_in_the_worker_leaves_the_row_gagal_kirim(store, clock):
    cid = ready(store)
    with OutboxWorker(store.path, [FakeRemote("http", refuse=True)], clock, poll=0.05):
        wait_for(lambda: load(store, cid).status == "gagal_kirim", "gagal_kirim")
    assert "kategori tidak dikenal" in store.conn.execute("SELECT last_error FROM outbox").fetchone()[0]


def test_screens_mark_ready_while_the_worker_is_stuck_in_a_send(store, clock):
    remote = FakeRemote("http")
    remote.gate = threading.Event()
    ready(store, "pertama")
    with OutboxWorker(store.path, [remote], clock, poll=0.05):
        wait_for(
            lambda: store.conn.execute("SELECT state FROM outbox").fetchone()[0] == "sending",
            "the worker to claim the row",
        )
        second = ready(store, "kedua")  # returns although the send hangs
        assert load(store, second).status == "siap_kirim"
        remote.gate.set()
        wait_for(lambda: len(remote.created) == 2, "both sent")


def test_rows_of_transports_the_worker_lacks_are_left_alone(store, clock):
    cid = ready(store, transports=("sms1708",))
    worker = OutboxWorker(store.path, [FakeRemote("http")], clock)
    assert worker.drain_once(store) == 0
    assert load(store, cid).status == "siap_kirim"


def test_after_a_crash_mid_send_the_next_worker_resends_with_the_same_key(tmp_path, store, clock):
    remote = FakeRemote("http")
    cid = ready(store)
    row = due(store, clock())[0]
    # The worker that crashed: it claimed the row and the remote took the complaint, but
    # the process died before the receipt was written.
    assert claim(store, row.id, clock())
    remote.send(to_payload(load(store, cid)), row.idempotency_key)
    assert get(store, row.id).state == "sending"
    # A restarted worker inside the lease leaves the row alone ...
    clock.advance(1)
    early = OutboxWorker(store.path, [remote], clock)
    assert early.drain_once(store) == 0
    # ... and takes it once the lease has run out, with the same key.
    clock.advance(LEASE_SECONDS)
    with OutboxWorker(store.path, [remote], clock, poll=0.05):
        wait_for(lambda: get(store, row.id).state == "sent", "resent")
    assert remote.calls == [row.idempotency_key, row.idempotency_key]
    assert len(remote.created) == 1
    assert load(store, cid).tracking_id == "LPR-0001"


def test_a_stopped_worker_leaves_pending_rows_for_the_next_start(store, clock):
    remote = FakeRemote("http", fail_first=1)
    cid = ready(store)
    with OutboxWorker(store.path, [remote], clock, poll=0.05):
        wait_for(
            lambda: store.conn.execute("SELECT attempts FROM outbox").fetchone()[0] == 1, "one failed attempt"
        )
    assert load(store, cid).status == "siap_kirim"
    clock.advance(BACKOFF_CAP)
    with OutboxWorker(store.path, [remote], clock, poll=0.05):
        wait_for(lambda: load(store, cid).status == "terkirim", "sent after the restart")
    assert len(set(remote.calls)) == 1


# ---------------------------------------------------------------- the claim is a token
class StalledRemote(FakeRemote):
    """Test double: a remote whose answer comes after the lease ran out; meanwhile another
    worker (a second connection) claims the row and sends it. ``outcome`` is what the slow
    send finally ends with."""

    def __init__(self, store_path, clock: Clock, outcome: str) -> None:
        super().__init__()
        self.store_path = store_path
        self.clock = clock
        self.outcome = outcome

    def send(self, payload: dict[str, Any], idempotency_key: str) -> Receipt:
        self.clock.advance(LEASE_SECONDS + 1)
        with Store(self.store_path, clock=self.clock) as other:
            [row] = due(other, self.clock())
            assert send_one(other, row, FakeRemote(), self.clock()) == "sent"
        if self.outcome == "transient":
            raise TransientError("timed out")
        if self.outcome == "permanent":
            raise PermanentError("422 too late")
        return Receipt(tracking_id="LPR-LATE")


@pytest.mark.parametrize("outcome", ["transient", "permanent", "sent"])
def test_a_worker_whose_lease_ran_out_cannot_overwrite_the_row_another_worker_finished(store, clock, outcome):
    cid = ready(store)
    [row] = due(store, clock())
    assert send_one(store, row, StalledRemote(store.path, clock, outcome), clock()) is None  # dropped
    after = get(store, row.id)
    assert (after.state, after.attempts, after.last_error, after.next_attempt_at) == ("sent", 1, None, None)
    assert attempts(store, row.id) == ["sent"]  # one attempt on record: the other worker's
    complaint = load(store, cid)
    assert (complaint.status, complaint.tracking_id) == ("terkirim", "LPR-0001")
    assert store.conn.execute(
        "SELECT count(*) FROM audit WHERE action IN ('gave_up', 'refused', 'send_failed', 'tracking_other')"
    ).fetchone() == (0,)


def test_the_claim_token_is_the_lease_and_a_late_holder_changes_nothing(store, clock):
    ready(store)
    [row] = due(store, clock())
    first = claim(store, row.id, clock())
    assert first is not None and get(store, row.id).next_attempt_at == first
    assert claim(store, row.id, clock()) is None  # held
    clock.advance(LEASE_SECONDS + 1)
    second = claim(store, row.id, clock())
    assert second is not None and second != first
    # While the second worker holds it, the first one's late results are dropped ...
    assert record_attempt(store, row.id, "transient", "late", clock(), token=first) is None
    assert mark_sent(store, row.id, Receipt("LPR-A"), token=first) is None
    assert mark_permanent_failure(store, row.id, "late", token=first) is None
    assert (get(store, row.id).state, get(store, row.id).next_attempt_at) == ("sending", second)
    # ... and the holder's own result is recorded.
    failed = record_attempt(store, row.id, "transient", "503", clock(), token=second)
    assert failed is not None and (failed.state, failed.attempts) == ("pending", 1)
    assert attempts(store, row.id) == ["transient"]


class Waiting(FakeRemote):
    """Test double: a transport that asks to wait (as the SMS to 1708 does for LAPOR!'s reply)."""

    def __init__(self, until: datetime) -> None:
        super().__init__()
        self.until = until

    def send(self, payload: dict[str, Any], idempotency_key: str) -> Receipt:
        raise Deferred(self.until, "sms_awaiting_reply: waiting for the previous reply")


def test_a_deferred_row_waits_without_counting_an_attempt_and_shows_why(store, clock):
    cid = ready(store)
    [row] = due(store, clock())
    until = clock() + timedelta(minutes=10)
    worker = OutboxWorker(store.path, [Waiting(until)], clock)
    assert worker.drain_once(store) == 1
    assert (worker.deferred, worker.failed_attempts, worker.sent) == (1, 0, 0)
    after = get(store, row.id)
    assert (after.state, after.attempts, after.last_error) == ("pending", 0, None)
    assert datetime.fromisoformat(after.next_attempt_at) == until
    assert store.conn.execute(
        "SELECT result, error FROM outbox_attempts WHERE outbox_id = ?", (row.id,)
    ).fetchall() == [("deferred", "sms_awaiting_reply: waiting for the previous reply")]
    assert worker.drain_once(store) == 0  # not due before `until`
    assert resume_deferred(store, "http", clock()) == 1  # what it waited for happened
    assert OutboxWorker(store.path, [FakeRemote()], clock).drain_once(store) == 1
    assert load(store, cid).status == "terkirim" and get(store, row.id).attempts == 1
