"""The calls panel's data: calls ringing or in progress, and the latest finished ones.

A call moves ``ringing -> screening -> hold -> ready -> on_air -> ended`` (or
ends ``missed``, ``rejected`` or ``blocked``), every phase stamped in the
``calls`` row. Each :class:`CallRow` carries what the producer needs *before*
answering: the full number, the remembered name, how often this number called
and wrote before, and whether it is blocked or carries a warning. Phase
durations (waiting to be answered, waiting on hold) are computed against a
clock the caller passes, so the panel can tick without querying.

This is producer data (full numbers); the host screen reads ``host_view``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from studio_console.store.database import transaction
from studio_console.store.store import Store

__all__ = [
    "ACTIVE_STATES",
    "END_STATES",
    "PRODUCER_MOVES",
    "CallRow",
    "CallsView",
    "active_calls",
    "call_row",
    "calls_view",
    "producer_may",
    "recent_calls",
    "set_notes",
]

ACTIVE_STATES = ("ringing", "screening", "hold", "ready", "on_air")
END_STATES = ("ended", "missed", "rejected", "blocked")

PRODUCER_MOVES: dict[str, tuple[str, ...]] = {
    "hold": ("screening", "ready"),
    "ready": ("screening", "hold"),
}
"""The states the screener moves a call to by hand, and from where. Answering
(-> screening) goes through the modem; on air is the host's."""

HANGUP_FROM = ("ringing", "screening", "hold", "ready")
"""The producer may hang up these calls (never the one on air: that is the host's)."""


def producer_may(state: str, to: str, *, ringing: bool = False) -> bool:
    """True when the screener may move a call in ``state`` to ``to``.

    Args:
        state: the call's state.
        to: ``"hold"``, ``"ready"``, ``"answer"`` or ``"hangup"``.
        ringing: the call is still ringing (a blocked caller's row says ``blocked``).
    """
    if to == "answer":
        return ringing
    if to == "hangup":
        return ringing or state in HANGUP_FROM
    return state in PRODUCER_MOVES.get(to, ())


def _seconds(start: str | None, end: str | None, now: datetime) -> float | None:
    if not start:
        return None
    try:
        begin = datetime.fromisoformat(start)
        finish = datetime.fromisoformat(end) if end else now
    except ValueError:
        return None
    return max(0.0, (finish - begin).total_seconds())


@dataclass(frozen=True)
class CallRow:
    """One call as the producer's panel shows it.

    Attributes:
        id: the call.
        state: ringing screening hold ready on_air ended missed rejected blocked.
        number: the number as the network gave it (full: producer only); "" when withheld.
        number_masked: ``0812****7890``.
        hidden: the caller withheld the number (no history can be known).
        sender_name: the name remembered for this number.
        operator: the mobile operator by prefix.
        blocked, blocked_reason, warning: the number's flags.
        previous_calls: calls from this number before this one.
        messages: messages ever received from this number.
        ringing_at … ended_at: the phase stamps (UTC, ISO 8601).
        end_reason: why it ended (``missed``, ``local hang-up``, …).
        notes: the screener's notes.
        item_id: the item this call was summarised into, if any.
    """

    id: int
    state: str
    number: str
    number_masked: str
    hidden: bool
    sender_name: str | None
    operator: str | None
    blocked: bool
    blocked_reason: str | None
    warning: str | None
    previous_calls: int
    messages: int
    ringing_at: str
    screening_at: str | None
    hold_at: str | None
    ready_at: str | None
    on_air_at: str | None
    ended_at: str | None
    end_reason: str | None
    notes: str | None
    item_id: int | None

    @property
    def active(self) -> bool:
        """The call is not over."""
        return self.ended_at is None and self.state not in ("ended", "missed", "rejected")

    @property
    def ringing(self) -> bool:
        """Nobody has answered yet (a blocked caller rings with state ``blocked``)."""
        return self.active and self.state in ("ringing", "blocked")

    def wait_seconds(self, now: datetime) -> float | None:
        """How long the caller rang before being answered (or has rung so far, or in all)."""
        return _seconds(self.ringing_at, self.screening_at or self.ended_at, now)

    def hold_seconds(self, now: datetime) -> float | None:
        """How long the caller has waited on hold (hold and ready) — None when never held."""
        return _seconds(self.hold_at or self.ready_at, self.on_air_at or self.ended_at, now)

    def total_seconds(self, now: datetime) -> float | None:
        """Time since the call started ringing (until it ended)."""
        return _seconds(self.ringing_at, self.ended_at, now)


@dataclass(frozen=True)
class CallsView:
    """What the calls panel shows: calls in progress (oldest first) and recent ones (newest first)."""

    active: tuple[CallRow, ...]
    recent: tuple[CallRow, ...]


_SELECT = """
SELECT c.id, c.state, c.number_raw, s.masked, s.kind, s.name, s.operator, s.blocked,
       s.blocked_reason, s.warning,
       (SELECT count(*) FROM calls p WHERE p.sender_id = c.sender_id AND p.id < c.id),
       s.message_count, c.ringing_at, c.screening_at, c.hold_at, c.ready_at, c.on_air_at,
       c.ended_at, c.end_reason, c.notes,
       (SELECT max(i.id) FROM items i WHERE i.call_id = c.id)
FROM calls c JOIN senders s ON s.id = c.sender_id
"""


def _row(r: tuple[Any, ...]) -> CallRow:
    hidden = r[4] == "hidden"
    return CallRow(
        id=r[0],
        state=r[1],
        number=r[2] or "",
        number_masked=r[3] or "",
        hidden=hidden,
        sender_name=r[5],
        operator=r[6],
        blocked=bool(r[7]),
        blocked_reason=r[8],
        warning=r[9],
        previous_calls=0 if hidden else int(r[10]),
        messages=0 if hidden else int(r[11] or 0),
        ringing_at=r[12],
        screening_at=r[13],
        hold_at=r[14],
        ready_at=r[15],
        on_air_at=r[16],
        ended_at=r[17],
        end_reason=r[18],
        notes=r[19],
        item_id=r[20],
    )


def active_calls(store: Store) -> list[CallRow]:
    """Calls ringing or in progress, oldest first."""
    rows = store.conn.execute(
        _SELECT + " WHERE c.state IN ('ringing', 'blocked', 'screening', 'hold', 'ready', 'on_air')"
        " AND c.ended_at IS NULL ORDER BY c.id"
    ).fetchall()
    return [_row(r) for r in rows]


def recent_calls(store: Store, limit: int = 8) -> list[CallRow]:
    """The latest finished calls, newest first."""
    rows = store.conn.execute(
        _SELECT + " WHERE c.ended_at IS NOT NULL OR c.state IN ('ended', 'missed', 'rejected')"
        " ORDER BY c.id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [_row(r) for r in rows]


def calls_view(store: Store, *, recent: int = 8) -> CallsView:
    """The active and recent calls in one read."""
    return CallsView(tuple(active_calls(store)), tuple(recent_calls(store, recent)))


def call_row(store: Store, call_id: int) -> CallRow | None:
    """One call, or None."""
    row = store.conn.execute(_SELECT + " WHERE c.id = ?", (call_id,)).fetchone()
    return _row(row) if row else None


def set_notes(
    store: Store, call_id: int, notes: str | None, *, role: str = "producer", actor: str | None = None
) -> bool:
    """Save the screener's notes on a call (audited); returns False when there is no such call."""
    now = store.clock().astimezone(UTC).isoformat()
    text = (notes or "").strip() or None
    with transaction(store.conn):
        cur = store.conn.execute("UPDATE calls SET notes = ? WHERE id = ?", (text, call_id))
        if cur.rowcount == 0:
            return False
        store.audit(role, actor, "call", call_id, "notes", None, None, None, now)
    return True
