"""Building complaints from aired items, completing them, and marking them ready for the outbox.

Marking ready and writing the outbox rows happen in one transaction: either the complaint
is ``siap_kirim`` with one outbox row per transport, or nothing changed.

Recordings: a complaint drafted from items whose call was recorded gets those recordings
as ``lampiran`` (their file paths) and linked in ``complaint_recordings`` (which keeps
them from the disk limit). The ``lampiran`` list and the links are kept in step: a save
that changes ``lampiran`` attaches and detaches the recordings accordingly, and a merge
moves them to the surviving complaint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from studio_console.complaints.model import (
    CLASSIFICATIONS,
    JUDUL_MAX,
    TRACKED_STATUSES,
    Complaint,
    Lokasi,
    Pelapor,
    Sumber,
    from_data,
    missing_fields,
    to_data,
)
from studio_console.phone import parse_number
from studio_console.store import Store, transaction
from studio_console.store import recordings as rec_store

__all__ = [
    "ITEM_SOURCES",
    "ComplaintError",
    "check_choices",
    "draft_from_items",
    "idempotency_key",
    "item_ids",
    "load",
    "mark_ready",
    "merge",
    "queue_outbox",
    "recording_candidates",
    "reopen",
    "set_tracking",
    "update",
]

Clock = Callable[[], datetime]
_CHANNEL_BY_KIND = {"sms": "SMS", "call": "telepon", "manual": "langsung"}
ITEM_SOURCES = """items i
    LEFT JOIN messages m ON m.id = i.message_id
    LEFT JOIN senders ms ON ms.id = m.sender_id
    LEFT JOIN calls c ON c.id = i.call_id
    LEFT JOIN senders cs ON cs.id = c.sender_id
    LEFT JOIN shows sh ON sh.id = i.aired_show_id"""
"""``FROM`` fragment: items (``i``) with their SMS (``m``) and its sender (``ms``), their call
(``c``) and its caller (``cs``), and the show they aired in (``sh``)."""
# Fields the producer completes in the complaint screen (id, status, tracking are not among them).
EDITABLE = frozenset(
    {
        "judul",
        "isi",
        "klasifikasi",
        "kategori",
        "instansi",
        "lokasi",
        "tanggal_kejadian",
        "pelapor",
        "anonim",
        "rahasia",
        "sumber",
        "dijawab_oleh",
        "jawaban",
        "lampiran",
    }
)


class ComplaintError(Exception):
    """A complaint operation was refused; the message says why, for the producer."""


def _now(clock: Clock | None, store: Store) -> str:
    return (clock or store.clock)().astimezone(UTC).isoformat()


def _first(values: Iterable[Any]) -> Any:
    return next((v for v in values if v not in (None, "")), None)


def _kecamatan_of(desa_code: str | None) -> str | None:
    """``35.22.01.2001`` -> ``35.22.01``."""
    if not desa_code or desa_code.count(".") < 3:
        return None
    return desa_code.rsplit(".", 1)[0]


def _reporters_of(row: tuple[Any, ...]) -> list[Pelapor]:
    """An item's reporter(s): its number with the name the producer gave the item, and the
    sender's stored name when that differs (both are scrubbed when anonim); the first is
    the item's pelapor."""
    number = row[18]
    if number is None and row[19]:
        number = parse_number(row[19]).e164
    names = list(dict.fromkeys(n.strip() for n in (row[8], row[20]) if n and n.strip()))
    if not names:
        return [Pelapor(None, number)] if number else []
    return [Pelapor(name, number) for name in names]


def _union(*groups: Iterable[Pelapor | None]) -> tuple[Pelapor, ...]:
    """Reporters in order, each once, without empty ones."""
    found = [p for group in groups for p in group if p is not None and (p.name or p.e164)]
    return tuple(dict.fromkeys(found))


def draft_from_items(
    store: Store, item_ids: list[int], *, station: str, clock: Clock | None = None, actor: str | None = None
) -> int:
    """Draft one complaint from one or several aired items; returns its id.

    Fields are prefilled from the items (topic, text, OPD, category, place, flags, answer,
    show, reporter); the producer completes the rest. ``anonim`` is on unless every item
    says otherwise; ``rahasia`` is on when any item has it.

    The pelapor's name and number come from ONE item (the first, by air time, that has
    either), never a name from one item paired with another's number. Every item's
    reporter is kept in ``reporters`` so that anonim scrubs them all from the payload.

    The recordings of the items' calls are attached (``lampiran``) only when the complaint
    is not anonim: a recording carries the caller's voice. For an anonim complaint they
    stay candidates (:func:`recording_candidates`), offered unticked in the form.

    Raises:
        ComplaintError: no items, an item does not exist, is not aired, or is already part
            of another complaint.
    """
    ids = list(dict.fromkeys(int(i) for i in item_ids))
    if not ids:
        raise ComplaintError("a complaint needs at least one aired item")
    now = _now(clock, store)
    conn = store.conn
    marks = ",".join("?" * len(ids))
    with transaction(conn):
        rows = conn.execute(
            f"""SELECT i.id, i.kind, i.state, i.topic, i.opd, i.category, i.anonim, i.rahasia,
                       i.reporter_name, i.kecamatan_code, i.desa_code, i.air_text, i.manual_text,
                       i.aired_at, i.answered_by, i.answer, sh.name, m.text,
                       coalesce(ms.e164, cs.e164), coalesce(ms.raw, cs.raw), coalesce(ms.name, cs.name)
                FROM {ITEM_SOURCES}
                WHERE i.id IN ({marks})""",
            ids,
        ).fetchall()
        found = {r[0] for r in rows}
        absent = [i for i in ids if i not in found]
        if absent:
            raise ComplaintError(f"no such item: {', '.join(map(str, absent))}")
        not_aired = [f"{r[0]} ({r[2]})" for r in rows if r[2] != "aired"]
        if not_aired:
            raise ComplaintError("only aired items become complaints; not aired: " + ", ".join(not_aired))
        taken = conn.execute(
            f"SELECT item_id, complaint_id FROM complaint_items WHERE item_id IN ({marks})", ids
        ).fetchall()
        if taken:
            raise ComplaintError(
                "already in a complaint: " + ", ".join(f"item {i} (complaint {c})" for i, c in taken)
            )
        rows.sort(key=lambda r: (r[13] or "", r[0]))
        recordings = conn.execute(
            f"""SELECT DISTINCT r.id, r.path, r.started_at FROM recordings r
                JOIN items i ON i.call_id = r.call_id
                WHERE i.id IN ({marks}) AND r.deleted_at IS NULL ORDER BY r.started_at, r.id""",
            ids,
        ).fetchall()
        originals = tuple(r[17] if r[17] is not None else (r[12] or "") for r in rows)
        edits = [r[11] or original for r, original in zip(rows, originals, strict=True)]
        topic = _first(r[3] for r in rows) or _first(e.strip().splitlines()[0] for e in edits if e.strip())
        desa = _first(r[10] for r in rows)
        reporters = [_reporters_of(r) for r in rows]
        pelapor = next((found[0] for found in reporters if found), None)
        anonim = not all(r[6] == 0 for r in rows)
        if anonim:
            recordings = []  # the caller's voice: offered in the form, not attached
        complaint = Complaint(
            judul=topic[:JUDUL_MAX].strip() if topic else None,
            isi="\n\n".join(e.strip() for e in edits if e.strip()) or None,
            originals=originals,
            kategori=_first(r[5] for r in rows),
            instansi=_first(r[4] for r in rows),
            lokasi=Lokasi(_first(r[9] for r in rows) or _kecamatan_of(desa), desa, None),
            pelapor=pelapor,
            reporters=_union(*reporters),
            anonim=anonim,
            rahasia=any(r[7] for r in rows),
            sumber=Sumber(
                programme=rows[0][16],
                station=station,
                channel=_CHANNEL_BY_KIND.get(rows[0][1]),
                aired_at=rows[0][13],
            ),
            dijawab_oleh=_first(r[14] for r in rows),
            jawaban=_first(r[15] for r in rows),
            lampiran=tuple(r[1] for r in recordings),
            uid=uuid.uuid4().hex,
        )
        cur = conn.execute(
            "INSERT INTO complaints (created_at, updated_at, status, data) VALUES (?, ?, 'draft', ?)",
            (now, now, json.dumps(to_data(complaint), ensure_ascii=False)),
        )
        complaint_id = int(cur.lastrowid)
        conn.executemany(
            "INSERT INTO complaint_items (complaint_id, item_id) VALUES (?, ?)",
            [(complaint_id, r[0]) for r in rows],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO complaint_recordings (complaint_id, recording_id) VALUES (?, ?)",
            [(complaint_id, r[0]) for r in recordings],
        )
        store.audit(
            "producer",
            actor,
            "complaint",
            complaint_id,
            "created",
            None,
            "draft",
            "items " + ", ".join(str(r[0]) for r in rows),
            now,
        )
    return complaint_id


def _load(conn: sqlite3.Connection, complaint_id: int) -> Complaint:
    row = conn.execute(
        "SELECT id, status, tracking_id, data, created_at, updated_at FROM complaints WHERE id = ?",
        (complaint_id,),
    ).fetchone()
    if row is None:
        raise ComplaintError(f"no such complaint: {complaint_id}")
    return from_data(
        json.loads(row[3]), id=row[0], status=row[1], tracking_id=row[2], created_at=row[4], updated_at=row[5]
    )


def _sync_recordings(conn: sqlite3.Connection, complaint_id: int, lampiran: Iterable[str]) -> None:
    """Link exactly the recordings whose paths are in ``lampiran`` to the complaint."""
    paths = list(dict.fromkeys(lampiran))
    conn.execute("DELETE FROM complaint_recordings WHERE complaint_id = ?", (complaint_id,))
    if paths:
        conn.execute(
            "INSERT OR IGNORE INTO complaint_recordings (complaint_id, recording_id) "
            f"SELECT ?, id FROM recordings WHERE path IN ({','.join('?' * len(paths))})",
            (complaint_id, *paths),
        )


def recording_candidates(store: Store, complaint_id: int) -> list[rec_store.RecordingRow]:
    """The recordings a complaint may carry as lampiran, oldest first: those of the calls of
    its items (files still kept) and those already attached to it."""
    ids = [
        r[0]
        for r in store.conn.execute(
            """SELECT r.id FROM recordings r JOIN items i ON i.call_id = r.call_id
               JOIN complaint_items ci ON ci.item_id = i.id
               WHERE ci.complaint_id = ? AND r.deleted_at IS NULL
               UNION SELECT recording_id FROM complaint_recordings WHERE complaint_id = ?""",
            (complaint_id, complaint_id),
        )
    ]
    rows = [row for row in (rec_store.get(store, i) for i in ids) if row is not None]
    return sorted(rows, key=lambda r: (r.started_at, r.id))


def load(store: Store, complaint_id: int) -> Complaint:
    """The complaint with this id."""
    return _load(store.conn, complaint_id)


def item_ids(store: Store, complaint_id: int) -> list[int]:
    """The items a complaint was built from."""
    return [
        r[0]
        for r in store.conn.execute(
            "SELECT item_id FROM complaint_items WHERE complaint_id = ? ORDER BY item_id", (complaint_id,)
        )
    ]


def _coerce(name: str, value: Any) -> Any:
    """Accept the screen's plain values (dicts, lists, ISO dates) as well as the dataclasses."""
    if name == "lokasi" and isinstance(value, dict):
        return Lokasi(**value)
    if name == "pelapor" and isinstance(value, dict):
        return Pelapor(**value)
    if name == "sumber" and isinstance(value, dict):
        return Sumber(**value)
    if name == "tanggal_kejadian" and isinstance(value, str):
        return date.fromisoformat(value) if value.strip() else None
    if name in ("originals", "lampiran"):
        return tuple(value or ())
    if name in ("anonim", "rahasia"):
        return bool(value)
    if isinstance(value, str):
        return value.strip() or None
    return value


def check_choices(
    values: dict[str, Any], categories: Iterable[str] | None, agencies: Iterable[str] | None
) -> None:
    """Refuse a kategori or instansi that is not in the studio's lists (``export.categories``,
    ``export.agencies`` in ``config.toml``); an empty or absent list allows anything."""
    for name, allowed in (("kategori", categories), ("instansi", agencies)):
        choices = list(allowed or ())
        value = values.get(name)
        if choices and value is not None and value not in choices:
            raise ComplaintError(f"{name} {value!r} is not in the list in config.toml: {', '.join(choices)}")


def update(
    store: Store,
    complaint_id: int,
    *,
    actor: str | None = None,
    clock: Clock | None = None,
    categories: Iterable[str] | None = None,
    agencies: Iterable[str] | None = None,
    **fields: Any,
) -> Complaint:
    """Change fields of a draft complaint; returns it as stored.

    ``categories`` and ``agencies`` are the studio's lists (config ``export``); when given,
    kategori and instansi must be one of them.

    Raises:
        ComplaintError: unknown field, bad value, or the complaint is no longer a draft.
    """
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ComplaintError(f"unknown complaint field(s): {', '.join(sorted(unknown))}")
    values = {name: _coerce(name, value) for name, value in fields.items()}
    check_choices(values, categories, agencies)
    if values.get("judul") and len(values["judul"]) > JUDUL_MAX:
        raise ComplaintError(f"judul is {len(values['judul'])} characters; at most {JUDUL_MAX}")
    if values.get("klasifikasi") is not None and values["klasifikasi"] not in CLASSIFICATIONS:
        raise ComplaintError(f"klasifikasi must be one of {', '.join(CLASSIFICATIONS)}")
    now = _now(clock, store)
    with transaction(store.conn):
        current = _load(store.conn, complaint_id)
        if current.status != "draft":
            raise ComplaintError(f"complaint {complaint_id} is {current.status}; only drafts are edited")
        changed = dataclasses.replace(current, **values)
        store.conn.execute(
            "UPDATE complaints SET data = ?, updated_at = ? WHERE id = ?",
            (json.dumps(to_data(changed), ensure_ascii=False), now, complaint_id),
        )
        if "lampiran" in values:
            _sync_recordings(store.conn, complaint_id, changed.lampiran)
        store.audit(
            "producer", actor, "complaint", complaint_id, "edit", None, None, ", ".join(sorted(fields)), now
        )
    return load(store, complaint_id)


def idempotency_key(complaint: Complaint, transport: str) -> str:
    """``<complaint id>-<transport>-<hash>``: the same for a complaint, transport and revision, always.

    The hash is of the complaint's random ``uid`` (stored with it when drafted), so two
    databases whose complaint ids coincide never share a key at the other end. A complaint
    reopened after a refusal (:func:`reopen`, ``revision`` > 0) is a new submission and gets
    new keys; revision 0 keeps the keys it always had.
    """
    seed = f"{complaint.uid or complaint.created_at}:{complaint.id}:{transport}"
    if complaint.revision > 0:
        seed += f":r{complaint.revision}"
    return f"{complaint.id}-{transport}-{hashlib.sha256(seed.encode()).hexdigest()[:20]}"


def queue_outbox(
    store: Store, complaint_id: int, transport: str, key: str, at: str, role: str, actor: str | None
) -> int:
    """Insert a pending outbox row due at ``at`` and audit it, inside the caller's transaction;
    returns the row's id."""
    cur = store.conn.execute(
        "INSERT INTO outbox (complaint_id, transport, idempotency_key, state, attempts, "
        "next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', 0, ?, ?)",
        (complaint_id, transport, key, at, at),
    )
    outbox_id = int(cur.lastrowid)
    store.audit(
        role,
        actor,
        "outbox",
        outbox_id,
        "queued",
        None,
        "pending",
        f"complaint {complaint_id} via {transport}",
        at,
    )
    return outbox_id


def mark_ready(
    store: Store,
    complaint_id: int,
    transports: list[str],
    actor: str | None = None,
    *,
    clock: Clock | None = None,
) -> list[int]:
    """Mark a draft ``siap_kirim`` and put it in the outbox, one row per transport, atomically.

    Returns the outbox row ids.

    Raises:
        ComplaintError: required fields are missing (they are named), no transport or an
            unknown one was given, ``sms1708`` was chosen for a rahasia complaint (an SMS to
            1708 cannot carry the flag), ``http`` was chosen and fields do not fit its
            schema (they are named), or the complaint is not a draft.
    """
    from studio_console.config import EXPORT_TRANSPORTS

    names = list(dict.fromkeys(t.strip() for t in transports if t and t.strip()))
    if not names:
        raise ComplaintError("choose at least one transport to send the complaint with")
    unknown = [n for n in names if n not in EXPORT_TRANSPORTS]
    if unknown:
        raise ComplaintError(
            f"unknown transport {', '.join(unknown)}; choose from {', '.join(EXPORT_TRANSPORTS)}"
        )
    now = _now(clock, store)
    conn = store.conn
    with transaction(conn):
        complaint = _load(conn, complaint_id)
        if complaint.status != "draft":
            raise ComplaintError(f"complaint {complaint_id} is {complaint.status}, not a draft")
        missing = missing_fields(complaint)
        if missing:
            raise ComplaintError("fill in before sending: " + ", ".join(missing))
        if complaint.rahasia and "sms1708" in names:
            raise ComplaintError(
                "a rahasia complaint cannot go by SMS to 1708: the SMS cannot carry the "
                "confidential flag; choose file or http"
            )
        if "http" in names:
            _check_http(complaint)
        conn.execute(
            "UPDATE complaints SET status = 'siap_kirim', updated_at = ? WHERE id = ?", (now, complaint_id)
        )
        store.audit(
            "producer",
            actor,
            "complaint",
            complaint_id,
            "ready",
            "draft",
            "siap_kirim",
            ", ".join(names),
            now,
        )
        outbox_ids = [
            queue_outbox(store, complaint_id, name, idempotency_key(complaint, name), now, "producer", actor)
            for name in names
        ]
    return outbox_ids


def _check_http(complaint: Complaint) -> None:
    """Refuse a complaint the HTTP push would be refused for, naming the fields."""
    from studio_console.complaints.model import to_payload
    from studio_console.complaints.transports.http_push import validate_payload

    problems = validate_payload(to_payload(complaint))
    if problems:
        fields = dict.fromkeys(
            p.split(":", 1)[0].removeprefix("payload").lstrip(".") or "payload" for p in problems
        )
        raise ComplaintError("http cannot carry these fields as they are: " + ", ".join(fields))


def set_tracking(
    store: Store,
    complaint_id: int,
    tracking_id: str | None,
    status: str,
    *,
    actor: str | None = None,
    role: str = "operator",
    clock: Clock | None = None,
    replace: bool = False,
    force: bool = False,
) -> None:
    """Record a tracking ID and status by hand (from LAPOR!'s reply or its web page).

    An empty ``tracking_id`` changes only the status. A complaint's tracking ID is not
    replaced by a different one unless ``replace`` is given (the old one is audited as
    ``tracking_replaced``); an ID that is already another complaint's is refused unless
    ``force`` is given.

    Raises:
        ComplaintError: unknown status, no such complaint, a different ID without
            ``replace``, or an ID of another complaint without ``force``.
    """
    if status not in TRACKED_STATUSES:
        # draft / siap_kirim / gagal_kirim belong to the studio's own flow (reopen, mark_ready, retry).
        raise ComplaintError(f"status {status!r} cannot be set by hand; one of {', '.join(TRACKED_STATUSES)}")
    tracking = (tracking_id or "").strip() or None
    now = _now(clock, store)
    with transaction(store.conn):
        before = _load(store.conn, complaint_id)
        old = before.tracking_id
        if tracking and old and tracking != old and not replace:
            raise ComplaintError(
                f"complaint {complaint_id} already has tracking ID {old}; replace it explicitly"
            )
        if tracking and tracking != old and not force:
            other = store.conn.execute(
                "SELECT id FROM complaints WHERE tracking_id = ? AND id != ? ORDER BY id LIMIT 1",
                (tracking, complaint_id),
            ).fetchone()
            if other is not None:
                raise ComplaintError(f"tracking ID {tracking} is already complaint {other[0]}'s")
        store.conn.execute(
            "UPDATE complaints SET tracking_id = coalesce(?, tracking_id), "
            "status = ?, updated_at = ? WHERE id = ?",
            (tracking, status, now, complaint_id),
        )
        if tracking and old and tracking != old:
            store.audit(role, actor, "complaint", complaint_id, "tracking_replaced", None, None, old, now)
        store.audit(role, actor, "complaint", complaint_id, "tracking", before.status, status, tracking, now)


def merge(
    store: Store,
    target_id: int,
    other_ids: Iterable[int],
    *,
    actor: str | None = None,
    clock: Clock | None = None,
) -> Complaint:
    """Merge other draft complaints (about the same matter) into ``target_id``.

    The target keeps its fields; the others' items join it, their verbatim originals are
    appended, their edited text follows the target's ``isi``, and empty fields of the
    target are filled from them. The merged drafts are deleted (the audit keeps the record).

    The reporters of all of them are kept (``reporters``), so an anonim result scrubs every
    one. When the result is anonim, recordings a non-anonim draft carried (attached by
    default) are not carried over: they stay candidates, unticked in the form.

    Raises:
        ComplaintError: a complaint does not exist or is not a draft, or nothing to merge.
    """
    others = [i for i in dict.fromkeys(int(i) for i in other_ids) if i != target_id]
    if not others:
        raise ComplaintError("choose at least one other draft to merge")
    now = _now(clock, store)
    conn = store.conn
    with transaction(conn):
        target = _load(conn, target_id)
        merged = [_load(conn, i) for i in others]
        for c in (target, *merged):
            if c.status != "draft":
                raise ComplaintError(f"complaint {c.id} is {c.status}; only drafts are merged")
        anonim = any(c.anonim for c in (target, *merged))
        result = dataclasses.replace(
            target,
            lampiran=_lampiran_for(conn, target, anonim),
            reporters=_union(target.reporters, [target.pelapor]),
        )
        for other in merged:
            fill = {
                name: getattr(other, name)
                for name in (
                    "judul",
                    "klasifikasi",
                    "kategori",
                    "instansi",
                    "tanggal_kejadian",
                    "pelapor",
                    "dijawab_oleh",
                    "jawaban",
                )
                if getattr(result, name) in (None, "") and getattr(other, name) not in (None, "")
            }
            lokasi = result.lokasi
            if not (lokasi.kecamatan_code or lokasi.desa_code or lokasi.detail):
                lokasi = other.lokasi
            texts = [t for t in (result.isi, other.isi) if t and t.strip()]
            result = dataclasses.replace(
                result,
                **fill,
                lokasi=lokasi,
                isi="\n\n".join(texts) or None,
                originals=result.originals + other.originals,
                lampiran=tuple(dict.fromkeys(result.lampiran + _lampiran_for(conn, other, anonim))),
                reporters=_union(result.reporters, other.reporters, [other.pelapor]),
                anonim=anonim,
                rahasia=result.rahasia or other.rahasia,
            )
            conn.execute(
                "UPDATE complaint_items SET complaint_id = ? WHERE complaint_id = ?", (target_id, other.id)
            )
            conn.execute("DELETE FROM complaint_recordings WHERE complaint_id = ?", (other.id,))
            conn.execute("DELETE FROM complaints WHERE id = ?", (other.id,))
            store.audit(
                "producer", actor, "complaint", other.id, "merged", "draft", None, f"into {target_id}", now
            )
        conn.execute(
            "UPDATE complaints SET data = ?, updated_at = ? WHERE id = ?",
            (json.dumps(to_data(result), ensure_ascii=False), now, target_id),
        )
        _sync_recordings(conn, target_id, result.lampiran)
        store.audit(
            "producer",
            actor,
            "complaint",
            target_id,
            "merge",
            None,
            None,
            "from " + ", ".join(map(str, others)),
            now,
        )
    return load(store, target_id)


def _lampiran_for(conn: sqlite3.Connection, c: Complaint, anonim: bool) -> tuple[str, ...]:
    """``c``'s lampiran as it joins an anonim (or not) merge: a non-anonim draft's recordings
    were attached by default, and do not follow it into an anonim complaint."""
    if not anonim or c.anonim or not c.lampiran:
        return c.lampiran
    paths = list(dict.fromkeys(c.lampiran))
    recorded = {
        r[0]
        for r in conn.execute(
            f"SELECT path FROM recordings WHERE path IN ({','.join('?' * len(paths))})", paths
        )
    }
    return tuple(p for p in c.lampiran if p not in recorded)


REOPENABLE = ("siap_kirim", "gagal_kirim")
"""The statuses :func:`reopen` takes back to draft (nothing has reached anyone yet)."""


def reopen(store: Store, complaint_id: int, *, actor: str | None, clock: Clock | None = None) -> Complaint:
    """Take a complaint that was refused (``gagal_kirim``) or not sent yet (``siap_kirim``)
    back to draft, so the producer can fix it and mark it ready again; returns it.

    Its unsent outbox rows (``pending``, ``gagal_kirim``) are cancelled (``dibatalkan``,
    audited; the worker never picks that state), and its ``revision`` goes up, so marking it
    ready again writes rows with new idempotency keys: the fixed complaint is a new
    submission. Refused while anything may have reached a destination.

    Raises:
        ComplaintError: no such complaint; it is not ``siap_kirim`` or ``gagal_kirim``; one
            of its outbox rows is ``sent`` or ``sending``; or one of its SMS was begun and
            may already have gone.
    """
    now = _now(clock, store)
    conn = store.conn
    with transaction(conn):
        complaint = _load(conn, complaint_id)
        if complaint.status not in REOPENABLE:
            raise ComplaintError(
                f"complaint {complaint_id} is {complaint.status}; only a complaint that is "
                "siap_kirim or gagal_kirim goes back to draft"
            )
        rows = conn.execute(
            "SELECT id, transport, state, idempotency_key FROM outbox WHERE complaint_id = ? ORDER BY id",
            (complaint_id,),
        ).fetchall()
        out = [(transport, state) for _, transport, state, _ in rows if state in ("sent", "sending")]
        if out:
            transport, state = out[0]
            raise ComplaintError(
                f"complaint {complaint_id} cannot go back to draft: its {transport} row is {state}, "
                "so the destination may have it already; set the tracking ID or status instead"
            )
        keys = [key for _, _, state, key in rows if state in ("pending", "gagal_kirim")]
        if keys:
            begun = conn.execute(
                f"SELECT idempotency_key, state FROM sent_sms WHERE idempotency_key IN "
                f"({','.join('?' * len(keys))}) AND state IN ('sending', 'sent') ORDER BY id LIMIT 1",
                keys,
            ).fetchone()
            if begun is not None:
                transport = next(t for _, t, _, key in rows if key == begun[0])
                raise ComplaintError(
                    f"complaint {complaint_id} cannot go back to draft: its {transport} SMS was begun "
                    "and may already have gone; check LAPOR!'s reply or lapor.go.id first"
                )
        for outbox_id, _transport, state, _ in rows:
            if state not in ("pending", "gagal_kirim"):
                continue
            conn.execute(
                "UPDATE outbox SET state = 'dibatalkan', next_attempt_at = NULL WHERE id = ?", (outbox_id,)
            )
            store.audit(
                "producer",
                actor,
                "outbox",
                outbox_id,
                "cancelled",
                state,
                "dibatalkan",
                f"complaint {complaint_id} back to draft",
                now,
            )
        reopened = dataclasses.replace(complaint, revision=complaint.revision + 1)
        conn.execute(
            "UPDATE complaints SET status = 'draft', data = ?, updated_at = ? WHERE id = ?",
            (json.dumps(to_data(reopened), ensure_ascii=False), now, complaint_id),
        )
        store.audit(
            "producer",
            actor,
            "complaint",
            complaint_id,
            "reopened",
            complaint.status,
            "draft",
            f"revision {reopened.revision}",
            now,
        )
    return load(store, complaint_id)
