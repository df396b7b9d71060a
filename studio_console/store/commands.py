"""Requests from the screens to the modem: answer and hang up, through the database.

The screens never talk to the modem. A screen calls :func:`request`, which
inserts a ``pending`` row in ``modem_commands``; the ingest service that owns
the modem (in the same process or in the daemon) notices the commit with
``PRAGMA data_version``, reads :func:`pending`, carries each command out and
marks it with :func:`complete`. A command older than :data:`STALE_SECONDS`
when it is seen is failed as stale instead: a hang-up must not happen minutes
after it was asked for.

Every row is kept: the table is also the record of who answered or hung up
which call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from studio_console.store.database import transaction
from studio_console.store.store import Store

__all__ = [
    "COMMANDS",
    "ERROR_NOT_CURRENT",
    "ERROR_STALE",
    "STALE_SECONDS",
    "ModemCommand",
    "Requester",
    "complete",
    "expire_stale",
    "get",
    "pending",
    "request",
]

COMMANDS = ("answer", "hangup")
STALE_SECONDS = 30.0
ERROR_STALE = "stale"
"""The error of a command nobody carried out within :data:`STALE_SECONDS`."""
ERROR_NOT_CURRENT = "not-current-call"
"""The error of a command for a call that is no longer the modem's current call."""


class Requester(Protocol):
    """Who asks (``studio_console.screening.Actor`` fits): a role and a name."""

    @property
    def role(self) -> str: ...

    @property
    def name(self) -> str | None: ...


@dataclass(frozen=True)
class ModemCommand:
    """One row of ``modem_commands``.

    Attributes:
        id: the row id.
        created_at: when it was requested (UTC, ISO 8601).
        command: ``"answer"`` or ``"hangup"``.
        args: the command's arguments (``{"call_id": 7}``).
        requested_role: ``producer``, ``host`` or ``system``.
        requested_by: the operator's name, when known.
        state: ``pending``, ``done`` or ``failed``.
        done_at: when it was carried out or failed.
        error: why it failed (:data:`ERROR_STALE`, :data:`ERROR_NOT_CURRENT`, or the modem's reason).
    """

    id: int
    created_at: str
    command: str
    args: dict[str, Any]
    requested_role: str
    requested_by: str | None
    state: str
    done_at: str | None
    error: str | None

    @property
    def call_id(self) -> int | None:
        """The call the command is about, when it names one."""
        value = self.args.get("call_id")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def age(self, now: datetime) -> float:
        """Seconds since the command was requested (``inf`` when the time is unreadable)."""
        try:
            return (now - datetime.fromisoformat(self.created_at)).total_seconds()
        except (TypeError, ValueError):
            return float("inf")

    def stale(self, now: datetime, max_age: float = STALE_SECONDS) -> bool:
        """True when the command is too old to carry out."""
        return self.age(now) > max_age


_COLUMNS = "id, created_at, command, args, requested_role, requested_by, state, done_at, error"


def _row(row: tuple[Any, ...]) -> ModemCommand:
    try:
        args = json.loads(row[3] or "{}")
    except ValueError:
        args = {}
    if not isinstance(args, dict):
        args = {}
    return ModemCommand(row[0], row[1], row[2], args, row[4], row[5], row[6], row[7], row[8])


def _now(store: Store) -> str:
    return store.clock().astimezone(UTC).isoformat()


def request(
    store: Store, command: str, args: dict[str, Any] | None = None, actor: Requester | None = None
) -> int:
    """Ask the ingest service to do ``command`` on the modem; returns the command id.

    Args:
        store: the requesting screen's store.
        command: one of :data:`COMMANDS`.
        args: JSON-serialisable arguments (``{"call_id": 7}``).
        actor: who asks (role and name); the system when None.

    Raises:
        ValueError: an unknown command.
    """
    if command not in COMMANDS:
        raise ValueError(f"unknown modem command {command!r}; use one of {COMMANDS}")
    role = actor.role if actor is not None else "system"
    name = actor.name if actor is not None else None
    with transaction(store.conn):
        cur = store.conn.execute(
            "INSERT INTO modem_commands (created_at, command, args, requested_role, requested_by)"
            " VALUES (?, ?, ?, ?, ?)",
            (_now(store), command, json.dumps(args or {}, sort_keys=True), role, name),
        )
        return int(cur.lastrowid)


def pending(store: Store) -> list[ModemCommand]:
    """The commands waiting to be carried out, oldest first."""
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM modem_commands WHERE state = 'pending' ORDER BY id"
    ).fetchall()
    return [_row(r) for r in rows]


def get(store: Store, command_id: int) -> ModemCommand | None:
    """One command, or None."""
    row = store.conn.execute(f"SELECT {_COLUMNS} FROM modem_commands WHERE id = ?", (command_id,)).fetchone()
    return _row(row) if row else None


def complete(store: Store, command_id: int, ok: bool, error: str | None = None) -> bool:
    """Mark a pending command done (``ok``) or failed with ``error``.

    Returns:
        True when the command was pending and is now marked; False when it was
        already done or failed (nothing changes: the first word stands).
    """
    with transaction(store.conn):
        cur = store.conn.execute(
            "UPDATE modem_commands SET state = ?, done_at = ?, error = ? WHERE id = ? AND state = 'pending'",
            ("done" if ok else "failed", _now(store), None if ok else (error or "failed"), command_id),
        )
        return cur.rowcount > 0


def expire_stale(store: Store, max_age: float = STALE_SECONDS) -> list[int]:
    """Fail every pending command older than ``max_age`` seconds; returns their ids."""
    now = store.clock()
    expired = [c.id for c in pending(store) if c.stale(now, max_age)]
    return [cid for cid in expired if complete(store, cid, False, ERROR_STALE)]
