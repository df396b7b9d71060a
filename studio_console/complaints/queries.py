"""What the complaint screen and the ``complaints`` CLI list: complaints with their outbox
state and review colour, and aired items still waiting to become complaints.

Read-only queries over the store; every change goes through :mod:`.builder` and
:mod:`.outbox`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from studio_console.complaints.builder import ITEM_SOURCES, item_ids, load
from studio_console.complaints.model import Complaint, missing_fields, review_colour
from studio_console.store import Store

__all__ = [
    "AiredItem",
    "ComplaintSummary",
    "OutboxView",
    "aired_without_complaint",
    "attempts_of",
    "list_complaints",
    "outbox_of",
    "since_date",
    "summary",
]


@dataclass(frozen=True)
class OutboxView:
    """One transport's row for a complaint, as people read it."""

    id: int
    transport: str
    state: str  # pending, sending, sent, gagal_kirim
    attempts: int
    next_attempt_at: str | None
    sent_at: str | None
    last_error: str | None
    receipt: dict[str, Any] | None


@dataclass(frozen=True)
class ComplaintSummary:
    """A line of the complaint list."""

    id: int
    status: str
    judul: str | None
    tracking_id: str | None
    created_at: str
    updated_at: str
    kategori: str | None
    instansi: str | None
    anonim: bool
    rahasia: bool
    colour: str  # red / yellow / blue (weekly review); "" for drafts
    missing: tuple[str, ...]
    outbox: tuple[OutboxView, ...]
    item_ids: tuple[int, ...]

    @property
    def failed(self) -> bool:
        """Some transport gave up (``gagal_kirim``): a person must act."""
        return any(o.state == "gagal_kirim" for o in self.outbox)


@dataclass(frozen=True)
class AiredItem:
    """An aired item not yet in a complaint."""

    id: int
    kind: str  # sms, call, manual
    aired_at: str | None
    show: str | None
    topic: str | None
    text: str
    sender: str | None  # E.164 or raw number; None for walk-ins


def since_date(stamp: str | None, fallback: date) -> date:
    """The date of an ISO timestamp (the review clock starts when a complaint leaves the studio)."""
    if not stamp:
        return fallback
    try:
        return datetime.fromisoformat(stamp).date()
    except ValueError:
        return fallback


def _receipt(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


def outbox_of(store: Store, complaint_id: int) -> list[OutboxView]:
    """A complaint's outbox rows, one per transport."""
    return [
        OutboxView(r[0], r[1], r[2], r[3], r[4], r[5], r[6], _receipt(r[7]))
        for r in store.conn.execute(
            "SELECT id, transport, state, attempts, next_attempt_at, sent_at, last_error, receipt "
            "FROM outbox WHERE complaint_id = ? ORDER BY id",
            (complaint_id,),
        )
    ]


def attempts_of(store: Store, outbox_id: int) -> list[tuple[str, str, str | None]]:
    """Every attempt of one outbox row: (time, result, error), oldest first."""
    return [
        (r[0], r[1], r[2])
        for r in store.conn.execute(
            "SELECT at, result, error FROM outbox_attempts WHERE outbox_id = ? ORDER BY id", (outbox_id,)
        )
    ]


def _summary(store: Store, complaint: Complaint, today: date) -> ComplaintSummary:
    assert complaint.id is not None
    rows = outbox_of(store, complaint.id)
    sent = [o.sent_at for o in rows if o.sent_at]
    created = complaint.created_at or ""
    fallback = since_date(created, today)
    colour = (
        ""
        if complaint.status == "draft"
        else review_colour(
            complaint.status, since_date(min(sent) if sent else complaint.updated_at, fallback), today
        )
    )
    items = tuple(item_ids(store, complaint.id))
    return ComplaintSummary(
        id=complaint.id,
        status=complaint.status,
        judul=complaint.judul,
        tracking_id=complaint.tracking_id,
        created_at=created,
        updated_at=complaint.updated_at or created,
        kategori=complaint.kategori,
        instansi=complaint.instansi,
        anonim=complaint.anonim,
        rahasia=complaint.rahasia,
        colour=colour,
        missing=tuple(missing_fields(complaint)) if complaint.status == "draft" else (),
        outbox=tuple(rows),
        item_ids=items,
    )


def list_complaints(
    store: Store,
    *,
    statuses: list[str] | None = None,
    limit: int = 500,
    today: date | None = None,
) -> list[ComplaintSummary]:
    """Complaints, newest first, optionally only those in ``statuses``."""
    today = today or store.clock().date()
    sql = "SELECT id FROM complaints"
    args: list[Any] = []
    if statuses:
        sql += f" WHERE status IN ({','.join('?' * len(statuses))})"
        args += statuses
    sql += " ORDER BY id DESC LIMIT ?"
    ids = [r[0] for r in store.conn.execute(sql, [*args, limit])]
    return [_summary(store, load(store, i), today) for i in ids]


def summary(store: Store, complaint_id: int, *, today: date | None = None) -> ComplaintSummary:
    """One complaint's list line."""
    return _summary(store, load(store, complaint_id), today or store.clock().date())


def aired_without_complaint(store: Store, *, limit: int = 200) -> list[AiredItem]:
    """Aired items not yet part of any complaint, most recently aired first."""
    rows = store.conn.execute(
        f"""SELECT i.id, i.kind, i.aired_at, sh.name, i.topic,
                  coalesce(i.air_text, i.manual_text, m.text, ''),
                  coalesce(ms.e164, ms.raw, cs.e164, cs.raw)
           FROM {ITEM_SOURCES}
           WHERE i.state = 'aired'
             AND NOT EXISTS (SELECT 1 FROM complaint_items ci WHERE ci.item_id = i.id)
           ORDER BY i.aired_at DESC, i.id DESC
           LIMIT ?""",
        (limit,),
    )
    return [AiredItem(*r) for r in rows]
