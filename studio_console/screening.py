"""Item states and the rules that move them.

An SMS item starts ``new`` — or ``spam`` when its sender is blocked, or
``throttled`` when its sender floods the line. Then::

    new | spam | throttled | rejected  --producer-->  approved | rejected | spam
    approved  --producer-->  queued (in the host's running order; one item is *next*)
    queued    --host-->      on_air  --host-->  aired (read on air: time, show, host)
    queued | on_air  --either-->  approved   (taken out of the queue: not aired)

Only the host marks ``on_air`` and ``aired``; the producer cannot. Every
transition is one transaction that also appends to the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from studio_console.item_rules import INITIAL_STATES, ITEM_STATES, initial_state
from studio_console.store import Store, transaction

__all__ = [
    "EDITABLE_FIELDS",
    "INITIAL_STATES",
    "ITEM_STATES",
    "Actor",
    "ScreeningError",
    "ScreeningService",
    "initial_state",
]

# (from states, to state, roles allowed)
_TRANSITIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "approved": (("new", "spam", "throttled", "rejected", "queued", "on_air"),
                 ("producer", "host")),
    "rejected": (("new", "spam", "throttled", "approved"), ("producer",)),
    "spam": (("new", "throttled", "approved", "rejected"), ("producer",)),
    "new": (("spam", "throttled", "rejected"), ("producer",)),
    "queued": (("approved",), ("producer",)),
    "on_air": (("queued",), ("host",)),
    "aired": (("queued", "on_air"), ("host",)),
}

# Fields the producer fills in while screening (column -> kind).
EDITABLE_FIELDS: dict[str, type] = {
    "air_text": str, "topic": str, "opd": str, "category": str, "priority": int,
    "anonim": bool, "rahasia": bool, "reporter_name": str, "kecamatan_code": str,
    "desa_code": str,
}


def _storable(text: str) -> str:
    """Lone surrogates (broken UCS2 input, a pasted half emoji) cannot be stored as UTF-8:
    they become U+FFFD, so the rest of the text is kept."""
    return re.sub(r"[\ud800-\udfff]", "\ufffd", text)


class ScreeningError(Exception):
    """A transition or edit that the rules do not allow.

    ``str(exc)`` is an English sentence (logs, CLI); screens show
    :meth:`localized`, the catalogue's ``screening.<key>`` in their language.
    """

    def __init__(self, key: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.values = values

    def localized(self, t: Callable[..., str]) -> str:
        """The reason in the console's language."""
        try:
            return t(f"screening.{self.key}", **self.values)
        except KeyError:
            return str(self)


@dataclass(frozen=True)
class Actor:
    """Who acts: a role and, when known, the person's name."""

    role: str
    name: str | None = None


class ScreeningService:
    """Screening and running-order operations on items.

    Args:
        store: the store (one connection; use one service per thread).
        actor: the role and operator acting through this service.
    """

    def __init__(self, store: Store, actor: Actor) -> None:
        if actor.role not in ("producer", "host"):
            raise ScreeningError("role_unknown", f"unknown role {actor.role!r}", role=actor.role)
        self.store = store
        self.actor = actor

    def _now(self) -> str:
        return self.store.clock().astimezone(UTC).isoformat()

    def _state(self, item_id: int) -> str:
        row = self.store.conn.execute("SELECT state FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise ScreeningError("no_item", f"item {item_id} does not exist", item=item_id)
        return row[0]

    def move(self, item_id: int, to: str, *, detail: str | None = None) -> str:
        """Move an item to state ``to``; returns the state it had.

        Raises:
            ScreeningError: the role may not make this move, or not from this state.
        """
        if to not in _TRANSITIONS:
            raise ScreeningError("bad_target", f"no item can be moved to {to!r}", to=to)
        sources, roles = _TRANSITIONS[to]
        if self.actor.role not in roles:
            raise ScreeningError("role_may_not", f"the {self.actor.role} may not mark an item {to}",
                                 role=self.actor.role, to=to)
        now = self._now()
        conn = self.store.conn
        with transaction(conn):
            before = self._state(item_id)
            if before not in sources:
                raise ScreeningError("cannot_become", f"item {item_id} is {before}; it cannot become {to}",
                                     item=item_id, state=before, to=to)
            extra = ""
            args: list[Any] = [to, now]
            if to == "queued":
                top = conn.execute("SELECT coalesce(max(position), 0) FROM items "
                                   "WHERE state IN ('queued', 'on_air')").fetchone()[0]
                extra = ", position = ?"
                args.append(top + 1)
            elif to == "approved" and before in ("queued", "on_air"):
                extra = ", position = NULL, is_next = 0"
            elif to == "aired":
                extra = ", aired_at = ?, aired_show_id = ?, aired_by = ?, is_next = 0"
                args += [now, self.store.current_show(), self.actor.name or self.actor.role]
            elif to == "on_air":
                conn.execute("UPDATE items SET state = 'queued' WHERE state = 'on_air' AND id != ?",
                             (item_id,))
                extra = ", is_next = 0"
            conn.execute(f"UPDATE items SET state = ?, updated_at = ?{extra} WHERE id = ?",
                         [*args, item_id])
            self.store.audit(self.actor.role, self.actor.name, "item", item_id, to, before, to,
                              detail, now)
        return before

    def edit(self, item_id: int, **fields: Any) -> None:
        """Set screening fields (air text, topic, OPD, category, priority, flags, place, name).

        The citizen's original text is never changed: ``air_text`` is the edit for air.
        """
        if self.actor.role != "producer":
            raise ScreeningError("producer_only", "only the producer edits items")
        unknown = set(fields) - set(EDITABLE_FIELDS)
        if unknown:
            raise ScreeningError("unknown_field", f"unknown item field(s): {', '.join(sorted(unknown))}",
                                 fields=", ".join(sorted(unknown)))
        now = self._now()
        values = []
        for name, value in fields.items():
            kind = EDITABLE_FIELDS[name]
            if value is not None and kind is bool:
                value = int(bool(value))
            elif value is not None and kind is int:
                value = int(value)
            elif value is not None:
                value = _storable(str(value)).strip() or None
            values.append(value)
        sets = ", ".join(f"{name} = ?" for name in fields)
        with transaction(self.store.conn):
            self._state(item_id)
            self.store.conn.execute(f"UPDATE items SET {sets}, updated_at = ? WHERE id = ?",
                                    [*values, now, item_id])
            self.store.audit(self.actor.role, self.actor.name, "item", item_id, "edit", None, None,
                              ", ".join(sorted(fields)), now)

    def set_next(self, item_id: int) -> None:
        """Mark a queued item as the one the host reads next (one at a time)."""
        if self.actor.role != "producer":
            raise ScreeningError("producer_only", "only the producer picks the next item")
        now = self._now()
        with transaction(self.store.conn):
            if self._state(item_id) != "queued":
                raise ScreeningError("not_queued", f"item {item_id} is not in the queue", item=item_id)
            self.store.conn.execute("UPDATE items SET is_next = (id = ?) WHERE state = 'queued' "
                                    "OR is_next = 1", (item_id,))
            self.store.audit(self.actor.role, self.actor.name, "item", item_id, "next", None,
                              None, None, now)

    def reorder(self, item_id: int, offset: int) -> None:
        """Move a queued item ``offset`` places up (negative) or down the running order."""
        if self.actor.role != "producer":
            raise ScreeningError("producer_only", "only the producer reorders the queue")
        now = self._now()
        conn = self.store.conn
        with transaction(conn):
            order = [r[0] for r in conn.execute(
                "SELECT id FROM items WHERE state IN ('queued', 'on_air') ORDER BY position, id")]
            if item_id not in order:
                raise ScreeningError("not_queued", f"item {item_id} is not in the queue", item=item_id)
            old = order.index(item_id)
            new = max(0, min(len(order) - 1, old + offset))
            order.insert(new, order.pop(old))
            conn.executemany("UPDATE items SET position = ? WHERE id = ?",
                             [(i + 1, iid) for i, iid in enumerate(order)])
            self.store.audit(self.actor.role, self.actor.name, "item", item_id, "reorder", None,
                              None, f"{old + 1} -> {new + 1}", now)

    def answered(self, item_id: int, by: str, answer: str) -> None:
        """Record who answered an item on air and the one-line answer (the host)."""
        now = self._now()
        with transaction(self.store.conn):
            self._state(item_id)
            self.store.conn.execute(
                "UPDATE items SET answered_by = ?, answer = ?, updated_at = ? WHERE id = ?",
                (by.strip() or None, answer.strip() or None, now, item_id))
            self.store.audit(self.actor.role, self.actor.name, "item", item_id, "answered", None,
                              None, by, now)

    def add_manual(self, text: str, *, reporter_name: str | None = None,
                   call_id: int | None = None) -> int:
        """Add a manual item (a walk-in speaker, a call summarised by the screener); returns its id."""
        if self.actor.role != "producer":
            raise ScreeningError("producer_only", "only the producer adds items")
        if not text.strip():
            raise ScreeningError("needs_text", "a manual item needs text")
        text = _storable(text)
        reporter_name = _storable(reporter_name) if reporter_name is not None else None
        now = self._now()
        kind = "call" if call_id is not None else "manual"
        with transaction(self.store.conn):
            cur = self.store.conn.execute(
                "INSERT INTO items (kind, call_id, show_id, state, created_at, updated_at, "
                "manual_text, reporter_name) VALUES (?, ?, ?, 'new', ?, ?, ?, ?)",
                (kind, call_id, self.store.current_show(), now, now, text.strip(), reporter_name))
            item_id = int(cur.lastrowid)
            self.store.audit(self.actor.role, self.actor.name, "item", item_id, "created", None,
                              "new", kind, now)
        return item_id

    def queue(self) -> list[dict[str, Any]]:
        """The running order (queued and on-air items), each a dict, ``is_next`` marked."""
        return list(self.store.db.query(
            "SELECT * FROM items WHERE state IN ('queued', 'on_air') ORDER BY position, id"))
