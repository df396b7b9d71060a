"""A sender's history for the producer's detail pane, and what the console remembers about a sender.

Given an item, :func:`item_sender` finds who sent it (the SMS's sender or the
caller); :func:`sender_history` gathers what the producer should see before
deciding: the remembered name and desa, blocked flag and reason, warning,
notes, counts, the previous messages (newest first), calls and complaints.
:func:`remember_sender_place` stores the desa the producer picked on the
sender, so the next message from that number arrives with it.

The queries use the ``(sender_id, id)`` indexes of ``messages`` and ``calls``
and a limit, so a sender with a hundred thousand messages costs the same as one
with ten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from studio_console.store.database import transaction
from studio_console.store.store import Store

__all__ = [
    "STATE_WINDOW",
    "HistoryCall",
    "HistoryComplaint",
    "HistoryMessage",
    "SenderHistory",
    "SenderRef",
    "item_sender",
    "remember_sender_place",
    "sender_history",
]

STATE_WINDOW = 1000
"""How many of a sender's latest messages the state counts look at."""


@dataclass(frozen=True)
class SenderRef:
    """Who an item came from.

    Attributes:
        sender_id: the ``senders`` row.
        key: the stable identity (E.164, ``short:1708``, ``alpha:NAME``, ``hidden:``).
        number: the number to hand to ``Store.set_blocked`` / ``Store.set_sender_name``
            (E.164 when known, else the raw string as first received).
        blocked: the sender is blocked now.
        name: the remembered name, if any.
        desa_code: the remembered desa, if any.
    """

    sender_id: int
    key: str
    number: str
    blocked: bool
    name: str | None
    desa_code: str | None = None


@dataclass(frozen=True)
class HistoryMessage:
    """One earlier message of the sender."""

    message_id: int
    item_id: int | None
    state: str
    text: str
    received_at: str
    parts: int
    parts_received: int
    complete: bool


@dataclass(frozen=True)
class HistoryCall:
    """One call of the sender."""

    call_id: int
    state: str
    ringing_at: str
    ended_at: str | None
    notes: str | None


@dataclass(frozen=True)
class HistoryComplaint:
    """One complaint that holds an item of the sender."""

    complaint_id: int
    status: str
    tracking_id: str | None
    created_at: str
    title: str | None


@dataclass(frozen=True)
class SenderHistory:
    """What the console knows about one sender.

    Attributes:
        key, number, masked, kind, operator: identity (``number`` is the full
            number: producer only).
        name, kecamatan_code, desa_code: remembered by the producer.
        blocked, blocked_reason, blocked_at, warning, notes: the sender's flags.
        first_seen, last_seen: first and latest contact (UTC, ISO).
        message_count, call_count: totals since the first contact.
        item_states: how many of the sender's latest :data:`STATE_WINDOW` SMS items are in
            each state (a flooding number costs no more than a quiet one).
        messages: earlier messages, newest first (the current one left out).
        calls: calls, newest first.
        complaints: complaints holding one of the sender's items, newest first.
    """

    sender_id: int
    key: str
    number: str
    masked: str
    kind: str
    operator: str | None
    name: str | None
    kecamatan_code: str | None
    desa_code: str | None
    blocked: bool
    blocked_reason: str | None
    blocked_at: str | None
    warning: str | None
    notes: str | None
    first_seen: str
    last_seen: str
    message_count: int
    call_count: int
    item_states: dict[str, int]
    messages: tuple[HistoryMessage, ...]
    calls: tuple[HistoryCall, ...]
    complaints: tuple[HistoryComplaint, ...]


def item_sender(store: Store, item_id: int) -> SenderRef | None:
    """The sender of an item (SMS sender or caller); None for a manual item or an unknown id."""
    row = store.conn.execute(
        "SELECT s.id, s.key, coalesce(s.e164, s.raw), s.blocked, s.name, s.desa_code FROM items i "
        "LEFT JOIN messages m ON m.id = i.message_id LEFT JOIN calls c ON c.id = i.call_id "
        "JOIN senders s ON s.id = coalesce(m.sender_id, c.sender_id) WHERE i.id = ?",
        (item_id,),
    ).fetchone()
    if row is None:
        return None
    return SenderRef(row[0], row[1], row[2], bool(row[3]), row[4], row[5])


def sender_history(
    store: Store, sender_key: str, *, exclude_message_id: int | None = None, limit: int = 10
) -> SenderHistory | None:
    """The history of the sender with this key, or None when the key is unknown.

    Args:
        store: the store.
        sender_key: ``senders.key`` (``InboxRow.sender_key``).
        exclude_message_id: leave this message out of ``messages`` (the one on screen).
        limit: at most this many messages, calls and complaints each.
    """
    if not sender_key:
        return None
    rows = list(store.db.query("SELECT * FROM senders WHERE key = ?", [sender_key]))
    if not rows:
        return None
    s = rows[0]
    sid = s["id"]
    conn = store.conn
    messages = tuple(
        HistoryMessage(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]))
        for r in conn.execute(
            "SELECT m.id, i.id, coalesce(i.state, 'new'), m.text, m.received_at, m.parts_expected,"
            " m.parts_received, m.complete FROM messages m LEFT JOIN items i ON i.message_id = m.id"
            " WHERE m.sender_id = ? AND m.id != ? ORDER BY m.id DESC LIMIT ?",
            (sid, exclude_message_id if exclude_message_id is not None else -1, limit),
        )
    )
    calls = tuple(
        HistoryCall(*r)
        for r in conn.execute(
            "SELECT id, state, ringing_at, ended_at, notes FROM calls WHERE sender_id = ? "
            "ORDER BY id DESC LIMIT ?",
            (sid, limit),
        )
    )
    states = dict(
        conn.execute(
            "SELECT i.state, count(*) FROM (SELECT id FROM messages WHERE sender_id = ? "
            "ORDER BY id DESC LIMIT ?) m JOIN items i ON i.message_id = m.id GROUP BY i.state",
            (sid, STATE_WINDOW),
        ).fetchall()
    )
    complaints = tuple(
        HistoryComplaint(r[0], r[1], r[2], r[3], _title(r[4]))
        for r in conn.execute(
            "SELECT DISTINCT c.id, c.status, c.tracking_id, c.created_at, c.data FROM complaints c "
            "JOIN complaint_items ci ON ci.complaint_id = c.id JOIN items i ON i.id = ci.item_id "
            "LEFT JOIN messages m ON m.id = i.message_id LEFT JOIN calls k ON k.id = i.call_id "
            "WHERE m.sender_id = ? OR k.sender_id = ? ORDER BY c.id DESC LIMIT ?",
            (sid, sid, limit),
        )
    )
    return SenderHistory(
        sender_id=sid,
        key=s["key"],
        number=s["e164"] or s["raw"],
        masked=s["masked"],
        kind=s["kind"],
        operator=s["operator"],
        name=s["name"],
        kecamatan_code=s["kecamatan_code"],
        desa_code=s["desa_code"],
        blocked=bool(s["blocked"]),
        blocked_reason=s["blocked_reason"],
        blocked_at=s["blocked_at"],
        warning=s["warning"],
        notes=s["notes"],
        first_seen=s["first_seen"],
        last_seen=s["last_seen"],
        message_count=s["message_count"],
        call_count=s["call_count"],
        item_states=states,
        messages=messages,
        calls=calls,
        complaints=complaints,
    )


def remember_sender_place(
    store: Store,
    sender_key: str,
    kecamatan_code: str | None,
    desa_code: str | None,
    *,
    role: str = "producer",
    actor: str | None = None,
) -> bool:
    """Remember a sender's kecamatan and desa (codes); returns False when the key is unknown.

    Audited like the other changes to a sender.
    """
    now = store.clock().astimezone(UTC).isoformat()
    with transaction(store.conn):
        row = store.conn.execute("SELECT id FROM senders WHERE key = ?", (sender_key,)).fetchone()
        if row is None:
            return False
        store.conn.execute(
            "UPDATE senders SET kecamatan_code = ?, desa_code = ? WHERE id = ?",
            (kecamatan_code or None, desa_code or None, row[0]),
        )
        store.audit(role, actor, "sender", row[0], "place", None, None, desa_code, now)
    return True


def _title(data: Any) -> str | None:
    """The complaint's ``judul`` from its JSON data, if readable."""
    try:
        value = json.loads(data or "{}").get("judul")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value.strip() else None
