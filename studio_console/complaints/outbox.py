"""The outbox: complaints waiting for their transports, every attempt recorded.

A row is ``pending`` until a worker claims it (``sending``, with a lease), then ``sent``
or, after :data:`MAX_ATTEMPTS` transient failures or one permanent failure,
``gagal_kirim`` for a person to act on (:func:`retry`). A worker that dies while a row
is ``sending`` leaves it to be claimed again when the lease runs out, with the SAME
idempotency key, so the destination sees one complaint however often it is sent.

The claim is a token: the lease's end, written to ``next_attempt_at`` when the row is
claimed. The worker records its outcome only while the row is still ``sending`` with its
token; a worker whose lease ran out (slow network, a stalled modem) and whose row another
worker claimed since finds 0 rows to change, and its late result is dropped (logged),
never overwriting the other worker's.

A transport may ask to wait without failing (:class:`Deferred`: the SMS to 1708 waits for
LAPOR!'s reply to the previous one): the row is rescheduled, the attempt is recorded as
``deferred`` and the attempt count does not change.
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
from studio_console.complaints.export_payload import payload_for_export
from studio_console.complaints.model import to_payload
from studio_console.store import Store, transaction

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "LEASE_SECONDS",
    "MAX_ATTEMPTS",
    "BatchTransport",
    "Deferred",
    "OutboxRow",
    "OutboxWorker",
    "PermanentError",
    "Receipt",
    "TransientError",
    "Transport",
    "UncertainSmsError",
    "backoff_delay",
    "claim",
    "due",
    "mark_permanent_failure",
    "mark_sent",
    "parse_time",
    "record_attempt",
    "record_deferral",
    "resume_deferred",
    "retry",
    "send_batch",
    "send_one",
    "uncertain_sms",
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


class Deferred(Exception):
    """The transport cannot send this row yet and says until when (not a failure).

    The row goes back to ``pending`` with ``next_attempt_at = until``; the attempt is
    recorded as ``deferred`` with ``reason`` and does not count towards :data:`MAX_ATTEMPTS`.

    Attributes:
        until: when to try again (timezone-aware).
        reason: why it waits, for the attempt history (a stable code first, e.g.
            ``sms_awaiting_reply: …``).
    """

    def __init__(self, until: datetime, reason: str) -> None:
        super().__init__(reason)
        self.until = until
        self.reason = reason


class UncertainSmsError(ComplaintError):
    """A retry was refused: the row's SMS was begun and may already have gone.

    The send was cut short (the console stopped, the modem failed mid-send) and its intent
    is still ``sending``. A person checks LAPOR!'s reply SMS or lapor.go.id first, then
    either sets the tracking ID by hand or retries with ``resend_uncertain=True`` (CLI:
    ``--resend-uncertain``), accepting a possible duplicate.

    Attributes:
        outbox_id: the outbox row.
        idempotency_key: the row's key (the ``sent_sms`` intent's).
        begun_at: when the SMS was handed over for sending (ISO 8601, UTC).
    """

    def __init__(self, outbox_id: int, idempotency_key: str, begun_at: str) -> None:
        super().__init__(
            f"outbox row {outbox_id}: its SMS was begun at {begun_at} and may already have gone; "
            "check LAPOR!'s reply or lapor.go.id, then set the tracking ID or resend it on purpose"
        )
        self.outbox_id = outbox_id
        self.idempotency_key = idempotency_key
        self.begun_at = begun_at


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


def parse_time(text: str | None) -> datetime | None:
    """A stored ISO 8601 time as an aware datetime (naive ones are UTC); None when absent
    or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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


def claim(store: Store, outbox_id: int, now: datetime, lease: float = LEASE_SECONDS) -> str | None:
    """Take a due row for sending; returns the claim token (the lease's end, as stored in
    ``next_attempt_at``), or None when another worker has it or it is no longer due.

    Pass the token to :func:`record_attempt`, :func:`mark_sent`,
    :func:`mark_permanent_failure` or :func:`record_deferral`: they then change the row only
    while this claim holds.
    """
    token = _iso(now + timedelta(seconds=lease))
    with transaction(store.conn):
        cur = store.conn.execute(
            "UPDATE outbox SET state = 'sending', next_attempt_at = ? WHERE id = ? "
            "AND state IN ('pending', 'sending') AND (next_attempt_at IS NULL OR next_attempt_at <= ?)",
            (token, outbox_id, _iso(now)),
        )
        return token if cur.rowcount == 1 else None


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


def _finish(store: Store, outbox_id: int, token: str | None, sets: str, args: tuple[Any, ...]) -> bool:
    """``UPDATE outbox SET <sets>`` of one row, inside the caller's transaction; with a claim
    token only while the claim holds. False (nothing changed, logged) when it no longer does."""
    sql = f"UPDATE outbox SET {sets} WHERE id = ?"
    params: tuple[Any, ...] = (*args, outbox_id)
    if token is not None:
        sql += " AND state = 'sending' AND next_attempt_at = ?"
        params = (*params, token)
    if store.conn.execute(sql, params).rowcount == 1:
        return True
    log.info(
        "outbox row %s: result dropped, the claim ran out and the row is another worker's now", outbox_id
    )
    return False


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
    token: str | None = None,
) -> OutboxRow | None:
    """Record a failed attempt (``result`` e.g. ``"transient"``) and schedule the next one.

    After ``max_attempts`` attempts the row and its complaint become ``gagal_kirim``.
    With ``token`` (from :func:`claim`) nothing is recorded once the claim no longer holds:
    then None is returned.
    """
    at = _iso(now)
    with transaction(store.conn):
        row = get(store, outbox_id)
        attempts = row.attempts + 1
        if attempts >= max_attempts:
            if not _finish(
                store,
                outbox_id,
                token,
                "state = 'gagal_kirim', attempts = ?, next_attempt_at = NULL, last_error = ?",
                (attempts, error),
            ):
                return None
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
            if not _finish(
                store,
                outbox_id,
                token,
                "state = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?",
                (attempts, _iso(now + timedelta(seconds=wait)), error),
            ):
                return None
        store.conn.execute(
            "INSERT INTO outbox_attempts (outbox_id, at, result, error) VALUES (?, ?, ?, ?)",
            (outbox_id, at, result, error),
        )
    return get(store, outbox_id)


def record_deferral(
    store: Store, outbox_id: int, until: datetime, reason: str, now: datetime, *, token: str | None = None
) -> OutboxRow | None:
    """The transport asked to wait (:class:`Deferred`): ``pending`` again at ``until``, the
    attempt recorded as ``deferred`` with ``reason``, the attempt count unchanged.

    With ``token`` nothing is recorded once the claim no longer holds (returns None).
    """
    at = _iso(now)
    with transaction(store.conn):
        get(store, outbox_id)
        if not _finish(store, outbox_id, token, "state = 'pending', next_attempt_at = ?", (_iso(until),)):
            return None
        store.conn.execute(
            "INSERT INTO outbox_attempts (outbox_id, at, result, error) VALUES (?, ?, 'deferred', ?)",
            (outbox_id, at, reason),
        )
    return get(store, outbox_id)


def resume_deferred(store: Store, transport: str, now: datetime) -> int:
    """Make the deferred rows of ``transport`` due now (what they waited for has happened,
    e.g. LAPOR! answered); returns how many. Call it inside a transaction or outside one."""
    sql = (
        "UPDATE outbox SET next_attempt_at = ? WHERE transport = ? AND state = 'pending' "
        "AND next_attempt_at > ? AND (SELECT a.result FROM outbox_attempts a "
        "WHERE a.outbox_id = outbox.id ORDER BY a.id DESC LIMIT 1) = 'deferred'"
    )
    args = (_iso(now), transport, _iso(now))
    if store.conn.in_transaction:
        return store.conn.execute(sql, args).rowcount
    with transaction(store.conn):
        return store.conn.execute(sql, args).rowcount


def mark_sent(
    store: Store,
    outbox_id: int,
    receipt: Receipt | dict[str, Any] | str | None,
    tracking_id: str | None = None,
    *,
    now: datetime | None = None,
    token: str | None = None,
) -> OutboxRow | None:
    """The destination has it: store the receipt; with a tracking ID the complaint is ``terkirim``.

    The first tracking ID a complaint gets (from any transport, or LAPOR!'s reply SMS) is
    its tracking ID: a different one from a later transport does not replace it (only a
    person does, ``builder.set_tracking``); it stays in this row's receipt and is audited
    as ``tracking_other`` (actor: the transport). The ``tracking`` audit row names the
    transport that set the ID.

    With ``token`` (from :func:`claim`) nothing is recorded once the claim no longer holds
    (another worker has the row): then None is returned.
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
        if not _finish(
            store,
            outbox_id,
            token,
            "state = 'sent', attempts = attempts + 1, sent_at = ?, next_attempt_at = NULL, "
            "receipt = ?, last_error = NULL",
            (at, text),
        ):
            return None
        store.conn.execute(
            "INSERT INTO outbox_attempts (outbox_id, at, result, error) VALUES (?, ?, 'sent', NULL)",
            (outbox_id, at),
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
    store: Store, outbox_id: int, error: str, *, now: datetime | None = None, token: str | None = None
) -> OutboxRow | None:
    """The destination refused it for good: ``gagal_kirim`` at once, with its reason kept.

    With ``token`` (from :func:`claim`) nothing is recorded once the claim no longer holds:
    then None is returned.
    """
    at = _iso(now or store.clock())
    with transaction(store.conn):
        row = get(store, outbox_id)
        if not _finish(
            store,
            outbox_id,
            token,
            "state = 'gagal_kirim', attempts = attempts + 1, next_attempt_at = NULL, last_error = ?",
            (error,),
        ):
            return None
        store.conn.execute(
            "INSERT INTO outbox_attempts (outbox_id, at, result, error) VALUES (?, ?, 'permanent', ?)",
            (outbox_id, at, error),
        )
        store.audit("system", None, "outbox", outbox_id, "refused", row.state, "gagal_kirim", error, at)
        _fail_complaint(store, row.complaint_id, error, at)
    return get(store, outbox_id)


def uncertain_sms(store: Store, outbox_id: int) -> UncertainSmsError | None:
    """The refusal :func:`retry` would raise for this row (its SMS intent is still
    ``sending``: it may have gone), or None when a retry is safe."""
    row = get(store, outbox_id)
    intent = store.sent_by_key(row.idempotency_key)
    if intent is None or intent.state != "sending":
        return None
    return UncertainSmsError(outbox_id, row.idempotency_key, intent.created_at)


def retry(
    store: Store,
    outbox_id: int,
    *,
    actor: str | None = None,
    now: datetime | None = None,
    resend_uncertain: bool = False,
) -> OutboxRow:
    """Send a ``gagal_kirim`` row again now (by hand), with the same idempotency key.

    The attempt count restarts (the history stays in ``outbox_attempts``); the complaint
    returns to ``siap_kirim`` when none of its rows is failed any more.

    An SMS whose send was cut short (its intent still ``sending``) may already have gone:
    without ``resend_uncertain`` the retry is refused with :class:`UncertainSmsError` and
    nothing changes. With it, the person says they checked (or accept a duplicate): the
    intent is released (``sms1708.release_uncertain``: ``abandoned``, audited) and the row
    is queued again.

    Raises:
        ComplaintError: no such row, or it is not ``gagal_kirim``.
        UncertainSmsError: the row's SMS may already have gone and ``resend_uncertain`` is False.
    """
    at = _iso(now or store.clock())
    current = get(store, outbox_id)
    if current.state != "gagal_kirim":
        raise ComplaintError(f"outbox row {outbox_id} is {current.state}; only failed rows are retried")
    uncertain = uncertain_sms(store, outbox_id)
    if uncertain is not None:
        if not resend_uncertain:
            raise uncertain
        from studio_console.complaints.transports.sms1708 import release_uncertain

        release_uncertain(store, current.idempotency_key, actor=actor)
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


def _state(row: OutboxRow | None) -> str | None:
    return row.state if row is not None else None


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
    """Claim, send and record one row.

    Returns the row's new state; ``"deferred"`` when the transport asked to wait
    (:class:`Deferred`); None when it was not claimed (another worker has it, or it is not
    due) or when the claim ran out meanwhile and the result was dropped.
    """
    token = claim(store, row.id, now, lease)
    if token is None:
        return None
    try:
        payload = to_payload(load(store, row.complaint_id))
        receipt = transport.send(payload, row.idempotency_key)
    except Deferred as exc:
        done = record_deferral(store, row.id, exc.until, exc.reason, store.clock(), token=token)
        return "deferred" if done is not None else None
    except PermanentError as exc:
        error = str(exc) or type(exc).__name__
        return _state(mark_permanent_failure(store, row.id, error, now=store.clock(), token=token))
    except Exception as exc:
        result = "transient" if isinstance(exc, TransientError) else "error"
        return _state(
            record_attempt(
                store,
                row.id,
                result,
                f"{type(exc).__name__}: {exc}",
                store.clock(),
                rng=rng,
                backoff=backoff,
                token=token,
            )
        )
    return _state(mark_sent(store, row.id, receipt, now=store.clock(), token=token))


def _claim_batch(
    store: Store, transport: str, now: datetime, lease: float, limit: int
) -> tuple[str, list[OutboxRow], str] | None:
    """Take one batch of due rows of a batch transport: an earlier batch cut short first
    (all its unsent rows, whichever of them is due), else a new batch of pending rows.

    Returns (batch id, rows, claim token)."""
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
    return batch, rows, until


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
    """Claim, send and record one batch of a batch transport; returns the rows' new states
    (rows whose claim ran out meanwhile are left to the other worker and not listed).

    Each payload is :func:`~.export_payload.payload_for_export` (place names added) with
    the row's ``idempotency_key``.
    """
    taken = _claim_batch(store, transport.name, now, lease, limit)
    if taken is None:
        return []
    batch, rows, token = taken
    try:
        items = [
            (
                {**payload_for_export(load(store, row.complaint_id)), "idempotency_key": row.idempotency_key},
                row.idempotency_key,
            )
            for row in rows
        ]
        receipts = transport.send_batch(items, batch)
    except Deferred as exc:
        done = [record_deferral(store, r.id, exc.until, exc.reason, store.clock(), token=token) for r in rows]
        return ["deferred" for d in done if d is not None]
    except PermanentError as exc:
        error = str(exc) or type(exc).__name__
        states = [
            _state(mark_permanent_failure(store, r.id, error, now=store.clock(), token=token)) for r in rows
        ]
    except Exception as exc:
        result = "transient" if isinstance(exc, TransientError) else "error"
        error = f"{type(exc).__name__}: {exc}"
        states = [
            _state(
                record_attempt(
                    store, r.id, result, error, store.clock(), rng=rng, backoff=backoff, token=token
                )
            )
            for r in rows
        ]
    else:
        states = [
            _state(mark_sent(store, r.id, receipt, now=store.clock(), token=token))
            for r, receipt in zip(rows, receipts, strict=True)
        ]
    return [s for s in states if s is not None]


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
        on_start: called once with the worker's store when its thread starts (before the
            first look), e.g. to queue citizen replies a crash left unqueued; its errors are
            logged, never raised.

    Counters: ``sent`` rows sent, ``failed_attempts`` failed attempts, ``deferred`` rows a
    transport asked to wait (not failures).
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
        on_start: Callable[[Store], Any] | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.backoff = backoff
        self.on_sent = on_sent
        self.on_start = on_start
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
        self.deferred = 0
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
                    self._count(state)
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
            self._count(state)
            if state == "sent":
                self._after_sent(store, row)
        return tried

    def _count(self, state: str) -> None:
        if state == "sent":
            self.sent += 1
        elif state == "deferred":
            self.deferred += 1
        else:
            self.failed_attempts += 1

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
            if self.on_start is not None:
                try:
                    self.on_start(store)
                except Exception:
                    log.exception("outbox worker start hook")
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
