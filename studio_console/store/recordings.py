"""Recordings of the line input: rows, links to complaints, and the disk limit's choice.

A row is added when a recording starts (:func:`add`) and completed when its
file is closed (:func:`finish`). Files removed for the disk limit keep their
row, marked with ``deleted_at``. A recording attached to a complaint
(:func:`attach`, the complaint's ``lampiran``) is never chosen for removal by
:func:`removal_candidates`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from studio_console.store.database import transaction
from studio_console.store.store import Store

__all__ = [
    "RecordingRow",
    "Usage",
    "add",
    "attach",
    "by_path",
    "detach",
    "finish",
    "for_call",
    "for_complaint",
    "get",
    "live",
    "mark_deleted",
    "removal_candidates",
    "usage",
]

_COLUMNS = (
    "r.id, r.path, r.call_id, r.show_id, r.label, r.started_at, r.ended_at, r.seconds, "
    "r.bytes, r.samplerate, r.channels, r.format, r.end_reason, r.deleted_at, "
    "(SELECT count(*) FROM complaint_recordings c WHERE c.recording_id = r.id)"
)


@dataclass(frozen=True)
class RecordingRow:
    """One recording as stored."""

    id: int
    path: str
    call_id: int | None
    show_id: int | None
    label: str | None
    started_at: str
    ended_at: str | None
    seconds: float
    bytes: int
    samplerate: int
    channels: int
    format: str
    end_reason: str | None
    deleted_at: str | None
    complaints: int
    """How many complaints it is attached to."""

    @property
    def attached(self) -> bool:
        """True when a complaint holds it as lampiran."""
        return self.complaints > 0

    @property
    def in_progress(self) -> bool:
        """True while its file is still being written."""
        return self.ended_at is None and self.deleted_at is None


@dataclass(frozen=True)
class Usage:
    """What the kept recordings add up to."""

    count: int
    bytes: int
    attached_count: int
    attached_bytes: int
    oldest_started_at: str | None
    deleted_count: int


def _row(r: tuple) -> RecordingRow:
    return RecordingRow(*r)


def _now(store: Store) -> str:
    return store.clock().astimezone(UTC).isoformat()


def add(
    store: Store,
    path: str,
    *,
    started_at: str,
    samplerate: int,
    channels: int,
    fmt: str,
    call_id: int | None = None,
    show_id: int | None = None,
    label: str | None = None,
) -> int:
    """Record that a recording started; returns its id."""
    with transaction(store.conn):
        cur = store.conn.execute(
            "INSERT INTO recordings (path, call_id, show_id, label, started_at, samplerate, channels,"
            " format) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (path, call_id, show_id, label, started_at, samplerate, channels, fmt),
        )
        return int(cur.lastrowid)


def finish(
    store: Store, recording_id: int, *, ended_at: str, seconds: float, size: int, end_reason: str
) -> None:
    """Complete a recording's row when its file is closed."""
    with transaction(store.conn):
        store.conn.execute(
            "UPDATE recordings SET ended_at = ?, seconds = ?, bytes = ?, end_reason = ? WHERE id = ?",
            (ended_at, float(seconds), int(size), end_reason, recording_id),
        )


def get(store: Store, recording_id: int) -> RecordingRow | None:
    """One recording, or None."""
    r = store.conn.execute(f"SELECT {_COLUMNS} FROM recordings r WHERE r.id = ?", (recording_id,)).fetchone()
    return _row(r) if r else None


def by_path(store: Store, path: str) -> RecordingRow | None:
    """The recording stored at ``path``, or None."""
    r = store.conn.execute(f"SELECT {_COLUMNS} FROM recordings r WHERE r.path = ?", (path,)).fetchone()
    return _row(r) if r else None


def for_call(store: Store, call_id: int) -> list[RecordingRow]:
    """The kept recordings of a call, oldest first (offered as lampiran)."""
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM recordings r WHERE r.call_id = ? AND r.deleted_at IS NULL "
        "ORDER BY r.started_at, r.id",
        (call_id,),
    ).fetchall()
    return [_row(r) for r in rows]


def for_complaint(store: Store, complaint_id: int) -> list[RecordingRow]:
    """The recordings attached to a complaint, oldest first (deleted ones included)."""
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM recordings r JOIN complaint_recordings cr ON cr.recording_id = r.id"
        " WHERE cr.complaint_id = ? ORDER BY r.started_at, r.id",
        (complaint_id,),
    ).fetchall()
    return [_row(r) for r in rows]


def attach(store: Store, recording_id: int, complaint_id: int) -> None:
    """Attach a recording to a complaint (idempotent)."""
    with transaction(store.conn):
        store.conn.execute(
            "INSERT OR IGNORE INTO complaint_recordings (complaint_id, recording_id) VALUES (?, ?)",
            (complaint_id, recording_id),
        )


def detach(store: Store, recording_id: int, complaint_id: int) -> None:
    """Remove a recording from a complaint's lampiran."""
    with transaction(store.conn):
        store.conn.execute(
            "DELETE FROM complaint_recordings WHERE complaint_id = ? AND recording_id = ?",
            (complaint_id, recording_id),
        )


def live(store: Store) -> list[RecordingRow]:
    """Every recording whose file is kept, oldest first."""
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM recordings r WHERE r.deleted_at IS NULL ORDER BY r.started_at, r.id"
    ).fetchall()
    return [_row(r) for r in rows]


def mark_deleted(store: Store, recording_id: int, at: str | None = None) -> None:
    """Record that a recording's file was removed."""
    with transaction(store.conn):
        store.conn.execute(
            "UPDATE recordings SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
            (at or _now(store), recording_id),
        )


def usage(store: Store) -> Usage:
    """Count and size of the kept recordings, and of those attached to complaints."""
    rows = live(store)
    attached = [r for r in rows if r.attached]
    deleted = store.conn.execute("SELECT count(*) FROM recordings WHERE deleted_at IS NOT NULL").fetchone()[0]
    return Usage(
        count=len(rows),
        bytes=sum(r.bytes for r in rows),
        attached_count=len(attached),
        attached_bytes=sum(r.bytes for r in attached),
        oldest_started_at=rows[0].started_at if rows else None,
        deleted_count=int(deleted),
    )


def removal_candidates(store: Store, limit_bytes: int) -> list[RecordingRow]:
    """The recordings to remove to get under ``limit_bytes``: oldest unattached first.

    Recordings attached to a complaint and recordings in progress are never chosen;
    when removing every other one is not enough, all of those are returned and the
    kept total stays over the limit (the caller reports it).
    """
    rows = live(store)
    total = sum(r.bytes for r in rows)
    chosen: list[RecordingRow] = []
    for r in rows:
        if total <= limit_bytes:
            break
        if r.attached or r.in_progress:
            continue
        chosen.append(r)
        total -= r.bytes
    return chosen
