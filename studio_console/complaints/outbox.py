"""The outbox: complaints waiting for their transports, every attempt recorded.

A row is ``pending`` until a worker claims it (``sending``, with a lease), then ``sent``
or, after :data:`MAX_ATTEMPTS` transient failures or one permanent failure,
``gagal_kirim`` for a person to act on (:func:`retry`). A worker that dies while a row
is ``sending`` leaves it to be claimed again when the lease runs out, with the SAME
idempotency key, so the destination sees one complaint however often it is sent.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from studio_console.complaints.builder import ComplaintError, load
from studio_console.complaints.model import to_payload
from studio_console.store import Store, transaction

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "LEASE_SECONDS",
    "MAX_ATTEMPTS",
    "BatchTransport",
    "OutboxRow",
    "OutboxWorker",
    "PermanentError",
    "Receipt",
    "TransientError",
    "Transport",
    "backoff_delay",
    "claim",
    "due",
    "mark_permanent_failure",
    "mark_sent",
    "record_attempt",
    "retry",
    "send_batch",
]

log = logging.getLogger(__name__)

BACKOFF_BASE = 30.0  # seconds before the second attempt
BACKOFF_CAP = 3600.0  # never wait longer than an hour between attempts
MAX_ATTEMPTS = 8  # then gagal_kirim
LEASE_SECONDS = 120.0  # a claimed row is taken again after this (its worker died)

Clock = Callable[[], datetime]


class TransientError(Exception):
    """The destination could not take it now (network, 5xx, modem busy): try again later."""


class PermanentError(Exception):
    """The destination refused it (4xx, invalid): retrying will not help; a person must look."""


@dataclass(frozen=True)
class Receipt:
    """What a transport got back: the tracking ID when the destination gives one, and details."""

    tracking_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class Transport(Protocol):
    """A way out of the studio. ``send`` must pass ``idempotency_key`` on, so that the
    destination can drop a repeat; it returns a :class:`Receipt` or raises
    :class:`TransientError` / :class:`PermanentError`."""

    name: str

    def send(self, payload: dict[str, Any], idempotency_key: str) -> Receipt: ...


class BatchTransport(Transport, Protocol):
    """A transport that sends many rows as one unit (the file package: one folder per run).

    ``send_batch`` gets ``(payload, idempotency_key)`` pairs and the batch id, and returns
    one :class:`Receipt` per pair. The rows of a batch are tagged with its id before it is
    sent, so a batch cut short is sent again with the same rows and the same id: the
    transport must treat a repeated batch id as already done when it is.
    """

    def send_batch(self, items: list[tuple[dict[str, Any], str]], batch_id: str) -> list[Receipt]: ...


@dataclass(frozen=True)
class OutboxRow:
    """One complaint waiting for one transport."""

    id: int
    complaint_id: int
    transport: str
    idempotency_key: str
    state: str
    attempts: int
    next_attempt_at: str | None
    created_at: str
    sent_at: str | None
    receipt: str | None
    last_error: str | None
    batch: str | None = None


_COLUMNS = (
    "id, complaint_id, transport, idempotency_key, state, attempts, next_attempt_at, "
    "created_at, sent_at, receipt, last_error, batch"
)


def _iso(moment: datetime) -> str:
    # A fixed width keeps the text comparable in SQL (isoformat drops zero microseconds).
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def get(store: Store, outbox_id: int) -> OutboxRow:
    """One outbox row."""
    row = store.conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (outbox_id,)).fetchone()
    if row is None:
        raise ComplaintError(f"no such outbox row: {outbox_id}")
    return OutboxRow(*row)


def rows_for(store: Store, complaint_id: int) -> list[OutboxRow]:
    """A complaint's outbox rows."""
    return [
        OutboxRow(*r)
        for r in store.conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE complaint_id = ? ORDER BY id", (complaint_id,)
        )
    ]


def due(store: Store, now: datetime, limit: int = 20, transports: list[str] | None = None) -> list[OutboxRow]:
    """Rows to try now: pending ones whose time has come, and claimed ones whose lease ran out."""
    sql = (
        f"SELECT {_COLUMNS} FROM outbox WHERE state IN ('pending', 'sending') "
        "AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
    )
    args: list[Any] = [_iso(now)]
    if transports is not None:
        sql += f" AND transport IN ({','.join('?' * len(transports))})"
        args += transports
    sql += " ORDER BY next_attempt_at, id LIMIT ?"
    return [OutboxRow(*r) for r in store.conn.execute(sql, [*args, limit])]


def claim(store: Store, outbox_id: int, now: datetime, lease: float = LEASE_SECONDS) -> bool:
    """Take a due row for sending; False when another worker has it or it is no longer due."""
    with transaction(store.conn):
        cur = store.conn.execute(
            "UPDATE outbox SET state = 'sending', next_attempt_at = ? WHERE id = ? "
            "AND state IN ('pending', 'sending') AND (next_attempt_at IS NULL OR next_attempt_at <= ?)",
            (_iso(now + timedelta(seconds=lease)), outbox_id, _iso(now)),
        )
        return cur.rowcount == 1


def backoff_delay(
    attempts: int, rng: random.Random | None = None, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP
) -> float:
    """Seconds to wait after ``attempts`` failed attempts: exponential, capped, with jitter.

    "Equal jitter": half the capped exponential step is fixed, the other half random, so
    the wait grows, never exceeds ``cap``, and workers that failed together spread out.
    """
    step = min(cap, base * 2 ** max(attempts - 1, 0))
    return step / 2 + (rng or random).uniform(0, step / 2)


def _fail_complaint(store: Store, complaint_id: int, error: str | None, now: str) -> None:
    before = store.conn.execute("SELECT status FROM complaints WHERE id = ?", (complaint_id,)).fetchone()[0]
    if before in ("siap_kirim", "gagal_kirim"):
        store.conn.execute(
            "UPDATE complaints SET status = 'gagal_kirim', updated_at = ? WHERE id = ?", (now, complaint_id)
        )
        if before != "gagal_kirim":
            store.audit(
                "system", None, "complaint", complaint_id, "send_failed", before, "gagal_kirim", error, now
            )


def record_attempt(
    store: Store,
    outbox_id: int,
    result: str,
    error: str | None,
    now: datetime,
    *,
    rng: random.Random | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    backoff: tuple[float, float] = (BACKOFF_BASE, BACKOFF_CAP),
) -> OutboxRow:
    """Record a failed attempt (``result`` e.g. ``"transient"``) and schedule the next one.

    After ``max_attempts`` attempts the row and its complaint become ``gagal_kirim``.
    """
    at = _iso(now)
    with transaction(store.conn):
        row = get(store, outbox_id)
        attempts = row.attempts + 1
        store.conn.execute(
            "INSERT INTO outbox_attempts (outbox_id, at, result, error) VALUES (?, ?, ?, ?)",
            (outbox_id, at, result, error),
        )
        if attempts >= max_attempts:
            store.conn.execute(
                "UPDATE outbox SET state = 'gagal_kirim', attempts = ?, "
                "next_attempt_at = NULL, last_error = ? WHERE id = ?",
                (attempts, error, outbox_id),
            )
            store.audit(
                "system",
                None,
                "outbox",
                outbox_id,
                "gave_up",
                row.state,
                "gagal_kirim",
                f"after {attempts} attempts: {error}",
                at,
            )
            _fail_complaint(store, row.complaint_id, error, at)
        else:
            wait = backoff_delay(attempts, rng, base=backoff[0], cap=backoff[1])
            store.conn.execute(
                "UPDATE outbox SET state = 'pending', attempts = ?, "
                "next_attempt_at = ?, last_error = ? WHERE id = ?",
                (attempts, _iso(now + timedelta(seconds=wait)), error, outbox_id),
            )
    return get(store, outbox_id)


def mark_sent(
    store: Store,
    outbox_id: int,
    receipt: Receipt | dict[str, Any] | str | None,
    tracking_id: str | None = None,
    *,
    now: datetime | None = None,
) -> OutboxRow:
    """The destination has it: store the receipt; with a tracking ID the complaint is ``terkirim``.

    The first tracking ID a complaint gets (from any transport, or LAPOR!'s reply SMS) is
    its tracking ID: a different one from a later transport does not replace it (only a
    person does, ``builder.set_tracking``); it stays in this row's receipt and is audited
    as ``tracking_other`` (actor: the transport). The ``tracking`` audit row names the
    transport that set the ID.
    """
    if isinstance(receipt, Receipt):
        tracking_id = tracking_id or receipt.tracking_id
        text = json.dumps(
            {"tracking_id": receipt.tracking_id, **receipt.detail}, ensure_ascii=False, default=str
        )
    elif isinstance(receipt, dict):
        text = json.dumps(receipt, ensure_ascii=False, default=str)
    else:
        text = receipt
    at = _iso(now or store.clock())
    with transaction(store.conn):
        row = get(store, outbox_id)
        store.conn.execute(
            "INSERT INTO outbox_attempts (outbox_id, at, result, error) VALUES (?, ?, 'sent', NULL)",
            (outbox_id, at),
        )
        store.conn.execute(
            "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?, "
            "next_attempt_at = NULL, receipt = ?, last_error = NULL WHERE id = ?",
            (at, text, outbox_id),
        )
        store.audit("system", None, "outbox", outbox_id, "sent", row.state, "sent", tracking_id, at)
        if tracking_id:
            before, current = store.conn.execute(
                "SELECT status, tracking_id FROM complaints WHERE id = ?", (row.complaint_id,)
            ).fetchone()
            to = "terkirim" if before in ("siap_kirim", "gagal_kirim", "terkirim") else before
            if current and current != tracking_id:
                # The first tracking ID stays (the citizen may have been told it already); this
                # destination's own ID is kept in the receipt and in the audit log.
                store.conn.execute(
                    "UPDATE complaints SET status = ?, updated_at = ? WHERE id = ?",
                    (to, at, row.complaint_id),
                )
                store.audit(
                    "system",
                    row.transport,
                    "complaint",
                    row.complaint_id,
                    "tracking_other",
                    before,
                    to,
                    tracking_id,
                    at,
                )
            else:
                store.conn.execute(
                    "UPDATE complaints SET tracking_id = ?, status = ?, updated_at = ? WHERE id = ?",
                    (tracking_id, to, at, row.complaint_id),
                )
                store.audit(
                    "system",
                    row.transport,
                    "complaint",
                    row.complaint_id,
                    "tracking",
                    before,
                    to,
                    tracking_id,
                    at,
                )
    return get(store, outbox_id)


def mark_permanent_failure(
    store: Store, outbox_id: int, error: str, *, now: datetime | None = None
) -> OutboxRow:
    """The destination refused it for good: ``gagal_kirim`` at once, with its reason kept."""
    at = _iso(now or store.clock())
    with transaction(store.conn):
        row = get(store, outbox_id)
        store.conn.execute(
            "INSERT INTO outbox_attempts (outbox_id, at, result, error) VALUES (?, ?, 'permanent', ?)",
            (outbox_id, at, error),
        )
        store.conn.execute(
            "UPDATE outbox SET state = 'gagal_kirim', attempts = attempts + 1, "
            "next_attempt_at = NULL, last_error = ? WHERE id = ?",
            (error, outbox_id),
        )
        store.audit("system", None, "outbox", outbox_id, "refused", row.state, "gagal_kirim", error, at)
        _fail_complaint(store, row.complaint_id, error, at)
    return get(store, outbox_id)


def retry(
    store: Store, outbox_id: int, *, actor: str | None = None, now: datetime | None = None
) -> OutboxRow:
    """Send a ``gagal_kirim`` row again now (by hand), with the same idempotency key.

    The attempt count restarts (the history stays in ``outbox_attempts``); the complaint
    returns to ``siap_kirim`` when none of its rows is failed any more. An SMS intent left
    ``sending`` by a send that was cut short is released (``abandoned``, audited): the
    person retrying has checked that LAPOR! did not get it.
    """
    at = _iso(now or store.clock())
    if get(store, outbox_id).state == "gagal_kirim":
        # An SMS whose send was cut short is left 'sending' for a person to check; asking
        # for a retry is that check: release it so the transport sends again.
        store.abandon_sent(get(store, outbox_id).idempotency_key, role="operator", actor=actor)
    with transaction(store.conn):
        row = get(store, outbox_id)
        if row.state != "gagal_kirim":
            raise ComplaintError(f"outbox row {outbox_id} is {row.state}; only failed rows are retried")
        store.conn.execute(
            "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ?",
            (at, outbox_id),
        )
        # A batch row leaves its failed batch: it goes out with the next one.
        store.conn.execute("UPDATE outbox SET batch = NULL WHERE id = ?", (outbox_id,))
        store.audit("operator", actor, "outbox", outbox_id, "retry", "gagal_kirim", "pending", None, at)
        failed = store.conn.execute(
            "SELECT count(*) FROM outbox WHERE complaint_id = ? AND state = 'gagal_kirim'",
            (row.complaint_id,),
        ).fetchone()[0]
        status = store.conn.execute(
            "SELECT status FROM complaints WHERE id = ?", (row.complaint_id,)
        ).fetchone()[0]
        if not failed and status == "gagal_kirim":
            store.conn.execute(
                "UPDATE complaints SET status = 'siap_kirim', updated_at = ? WHERE id = ?",
                (at, row.complaint_id),
            )
            store.audit(
                "operator",
                actor,
                "complaint",
                row.complaint_id,
                "retry",
                "gagal_kirim",
                "siap_kirim",
                None,
                at,
            )
    return get(store, outbox_id)


def send_one(
    store: Store,
    row: OutboxRow,
    transport: Transport,
    now: datetime,
    *,
    rng: random.Random | None = None,
    lease: float = LEASE_SECONDS,
    backoff: tuple[float, float] = (BACKOFF_BASE, BACKOFF_CAP),
) -> str | None:
    """Claim, send and record one row; returns the outbox state, or None if not claimed."""
    if not claim(store, row.id, now, lease):
        return None
    try:
        payload = to_payload(load(store, row.complaint_id))
        receipt = transport.send(payload, row.idempotency_key)
    except PermanentError as exc:
        return mark_permanent_failure(store, row.id, str(exc) or type(exc).__name__, now=store.clock()).state
    except Exception as exc:
        result = "transient" if isinstance(exc, TransientError) else "error"
        return record_attempt(
            store, row.id, result, f"{type(exc).__name__}: {exc}", store.clock(), rng=rng, backoff=backoff
        ).state
    return mark_sent(store, row.id, receipt, now=store.clock()).state


def _claim_batch(
    store: Store, transport: str, now: datetime, lease: float, limit: int
) -> tuple[str, list[OutboxRow]] | None:
    """Take one batch of due rows of a batch transport: an earlier batch cut short first
    (all its unsent rows, whichever of them is due), else a new batch of pending rows."""
    at, until = _iso(now), _iso(now + timedelta(seconds=lease))
    with transaction(store.conn):
        old = store.conn.execute(
            "SELECT batch FROM outbox WHERE transport = ? AND batch IS NOT NULL "
            "AND state IN ('pending', 'sending') AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
            "ORDER BY id LIMIT 1",
            (transport, at),
        ).fetchone()
        if old is not None:
            batch = old[0]
        else:
            ids = [
                r[0]
                for r in store.conn.execute(
                    "SELECT id FROM outbox WHERE transport = ? AND batch IS NULL AND state IN "
                    "('pending', 'sending') AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
                    "ORDER BY id LIMIT ?",
                    (transport, at, limit),
                )
            ]
            if not ids:
                return None
            batch = f"{now.astimezone(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
            store.conn.execute(
                f"UPDATE outbox SET batch = ? WHERE id IN ({','.join('?' * len(ids))})", [batch, *ids]
            )
        store.conn.execute(
            "UPDATE outbox SET state = 'sending', next_attempt_at = ? "
            "WHERE batch = ? AND state IN ('pending', 'sending')",
            (until, batch),
        )
        rows = [
            OutboxRow(*r)
            for r in store.conn.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE batch = ? AND state = 'sending' ORDER BY id", (batch,)
            )
        ]
    return batch, rows


def send_batch(
    store: Store,
    transport: BatchTransport,
    now: datetime,
    *,
    rng: random.Random | None = None,
    lease: float = LEASE_SECONDS,
    limit: int = 200,
    backoff: tuple[float, float] = (BACKOFF_BASE, BACKOFF_CAP),
) -> list[str]:
    """Claim, send and record one batch of a batch transport; returns the rows' new states."""
    taken = _claim_batch(store, transport.name, now, lease, limit)
    if taken is None:
        return []
    batch, rows = taken
    try:
        items = [
            (
                {**to_payload(load(store, row.complaint_id)), "idempotency_key": row.idempotency_key},
                row.idempotency_key,
            )
            for row in rows
        ]
        receipts = transport.send_batch(items, batch)
    except PermanentError as exc:
        error = str(exc) or type(exc).__name__
        return [mark_permanent_failure(store, r.id, error, now=store.clock()).state for r in rows]
    except Exception as exc:
        result = "transient" if isinstance(exc, TransientError) else "error"
        error = f"{type(exc).__name__}: {exc}"
        return [
            record_attempt(store, r.id, result, error, store.clock(), rng=rng, backoff=backoff).state
            for r in rows
        ]
    return [
        mark_sent(store, r.id, receipt, now=store.clock()).state
        for r, receipt in zip(rows, receipts, strict=True)
    ]


class OutboxWorker:
    """Drains the outbox in a background thread with its own database connection.

    Screens only write outbox rows (:func:`~studio_console.complaints.builder.mark_ready`)
    and never wait for it; :meth:`wake` asks it to look now rather than at the next poll.
    Rows of transports it does not have are left for a worker that does.

    Args:
        db_path: the console's database.
        transports: the transports by name (``Transport.name``), or a list of them.
        clock: source of the current time.
        poll: seconds between looks when idle.
        lease: seconds a claimed row is held before another worker may take it.
        batch: rows taken per look.
        rng: randomness of the backoff jitter.
        backoff: (first wait, longest wait) in seconds after transient failures.
        on_sent: called with the worker's store and the row after a row of a single
            (not batch) transport is sent, e.g. to queue the citizen's reply SMS once the
            complaint has its tracking ID; its errors are logged, never raised.
    """

    def __init__(
        self,
        db_path: str | Path,
        transports: Mapping[str, Transport] | list[Transport],
        clock: Clock | None = None,
        *,
        poll: float = 1.0,
        lease: float = LEASE_SECONDS,
        batch: int = 20,
        rng: random.Random | None = None,
        backoff: tuple[float, float] = (BACKOFF_BASE, BACKOFF_CAP),
        on_sent: Callable[[Store, OutboxRow], None] | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.backoff = backoff
        self.on_sent = on_sent
        self.transports = (
            dict(transports) if isinstance(transports, Mapping) else {t.name: t for t in transports}
        )
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.poll = poll
        self.lease = lease
        self.batch = batch
        self.rng = rng or random.Random()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.failed_attempts = 0
        self.last_error: str | None = None

    def start(self) -> OutboxWorker:
        """Start the thread (returns self)."""
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        """Look for due rows now."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the row in hand and close the connection."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> OutboxWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def drain_once(self, store: Store) -> int:
        """Try every row due now, once; returns how many were tried."""
        tried = 0
        single = {}
        for name, transport in self.transports.items():
            if hasattr(transport, "send_batch"):
                for state in send_batch(
                    store, transport, self.clock(), rng=self.rng, lease=self.lease, backoff=self.backoff
                ):
                    tried += 1
                    if state == "sent":
                        self.sent += 1
                    else:
                        self.failed_attempts += 1
            else:
                single[name] = transport
        rows = due(store, self.clock(), self.batch, list(single)) if single else []
        for row in rows:
            if self._stop.is_set():
                break
            state = send_one(
                store,
                row,
                self.transports[row.transport],
                self.clock(),
                rng=self.rng,
                lease=self.lease,
                backoff=self.backoff,
            )
            if state is None:
                continue
            tried += 1
            if state == "sent":
                self.sent += 1
                self._after_sent(store, row)
            else:
                self.failed_attempts += 1
        return tried

    def _after_sent(self, store: Store, row: OutboxRow) -> None:
        if self.on_sent is None:
            return
        try:
            self.on_sent(store, row)
        except Exception:
            log.exception("after sending outbox row %s", row.id)

    def _run(self) -> None:
        store = Store(self.db_path, clock=self.clock)
        try:
            while not self._stop.is_set():
                try:
                    busy = self.drain_once(store)
                except Exception as exc:
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.exception("outbox worker")
                    busy = 0
                if not busy:
                    self._wake.wait(self.poll)
                    self._wake.clear()
        finally:
            store.close()
