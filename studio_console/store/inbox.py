"""The producer's inbox: items (SMS, calls, manual notes) by id, filtered, searched, paged.

Items are the unit: an ``sms`` item joins its message and sender, a ``call``
item its call and caller, a ``manual`` item carries its own text. Every query
here stays fast on a million items because each one is driven by exactly one
index and stops after ``limit`` rows:

* no filter: the ``items`` rowid, newest first;
* a state filter: ``items_state (state, id)``, one ``LIMIT``-ed branch per state,
  merged;
* a show: ``items_show (show_id, id)``;
* calls and manual items only: the ``message_id`` unique index (their
  ``message_id`` is NULL, and NULL entries sit together, in rowid order);
* a search: FTS5 on ``messages_fts`` in rowid order (message ids rise with
  item ids: an SMS item is created in the same transaction as its message);
* a date range: turned into an item-id range by a binary search on
  ``created_at`` (items are created in time order), so it bounds any driver.

The other conditions are written with a unary ``+`` so SQLite never switches to
an index that would read far more rows. Nothing here ever uses ``OFFSET`` or
counts the whole table.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from studio_console.store.search import fts_query

if TYPE_CHECKING:
    from studio_console.store.store import Store

__all__ = [
    "ITEM_KINDS",
    "InboxFilter",
    "InboxRow",
    "inbox_count_after",
    "inbox_ids",
    "inbox_page",
    "inbox_row",
    "inbox_rows",
]

ITEM_KINDS = ("sms", "call", "manual")
_FTS_CHUNK = 512  # search hits read per round when other filters drop some of them
_RARE_STATE = 5000  # fewer items than this in the filtered states: the state index drives a search


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows. Empty tuples and None mean "no restriction".

    Attributes:
        states: item states (``new``, ``approved``, …).
        kinds: ``sms``, ``call``, ``manual``.
        show_id: items attached to this show.
        date_from, date_to: ISO 8601 instants; items created at or after
            ``date_from`` and before ``date_to``.
        search: words to find in SMS text and sender names (never FTS syntax).
    """

    states: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    show_id: int | None = None
    date_from: str | None = None
    date_to: str | None = None
    search: str = ""

    def with_search(self, search: str) -> InboxFilter:
        """This filter with other search words."""
        return replace(self, search=search)


@dataclass(frozen=True)
class InboxRow:
    """One inbox item with what the list and the detail pane show.

    ``sender`` is the full number (producer screens only); the host's views
    use ``sender_masked``. ``text`` is the citizen's original (or the manual
    text / call summary); ``air_text`` is the producer's edit for air.
    """

    item_id: int
    kind: str
    state: str
    message_id: int | None
    call_id: int | None
    sender_key: str
    sender: str
    sender_masked: str
    sender_name: str | None
    operator: str | None
    blocked: bool
    warning: str | None
    text: str
    air_text: str | None
    received_at: str
    parts: int
    parts_received: int
    complete: bool
    is_next: bool
    position: float | None
    show_id: int | None
    priority: int
    anonim: bool
    rahasia: bool
    topic: str | None
    opd: str | None
    category: str | None
    reporter_name: str | None
    kecamatan_code: str | None
    desa_code: str | None


_ROW_SQL = """
SELECT i.id, i.kind, i.state, i.message_id, i.call_id,
       coalesce(s.key, ''), coalesce(s.e164, s.raw, m.sender_raw, c.number_raw, ''),
       coalesce(s.masked, ''), s.name, s.operator, coalesce(s.blocked, 0), s.warning,
       coalesce(m.text, i.manual_text, c.notes, ''), i.air_text,
       coalesce(m.received_at, c.ringing_at, i.created_at),
       coalesce(m.parts_expected, 1), coalesce(m.parts_received, 1), coalesce(m.complete, 1),
       i.is_next, i.position, i.show_id, i.priority, i.anonim, i.rahasia, i.topic, i.opd,
       i.category, i.reporter_name, i.kecamatan_code, i.desa_code
FROM items i
LEFT JOIN messages m ON m.id = i.message_id
LEFT JOIN calls c ON c.id = i.call_id
LEFT JOIN senders s ON s.id = coalesce(m.sender_id, c.sender_id)
"""


def _row(r: Sequence[Any]) -> InboxRow:
    return InboxRow(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        r[6],
        r[7],
        r[8],
        r[9],
        bool(r[10]),
        r[11],
        r[12],
        r[13],
        r[14],
        int(r[15]),
        int(r[16]),
        bool(r[17]),
        bool(r[18]),
        r[19],
        r[20],
        r[21],
        bool(r[22]),
        bool(r[23]),
        r[24],
        r[25],
        r[26],
        r[27],
        r[28],
        r[29],
    )


def _conn(store: Store | sqlite3.Connection) -> sqlite3.Connection:
    """The connection of a Store (or a bare connection, e.g. a worker's read-only one)."""
    return store if isinstance(store, sqlite3.Connection) else store.conn


def _utc_text(value: str) -> str:
    """An ISO instant in the store's form (UTC, ``+00:00``), comparable as text."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _id_range(conn: sqlite3.Connection) -> tuple[int | None, int | None]:
    """The smallest and largest item ids (two queries: SQLite optimises a lone min or max)."""
    first = conn.execute("SELECT min(id) FROM items").fetchone()[0]
    last = conn.execute("SELECT max(id) FROM items").fetchone()[0]
    return first, last


def _first_item_at(conn: sqlite3.Connection, when: str) -> int:
    """The smallest item id created at or after ``when`` (max id + 1 when none).

    A binary search over ids with rowid lookups (about 20 for a million items):
    ``created_at`` has no index, but items are created in time order.
    """
    first, last = _id_range(conn)
    if first is None or last is None:
        return 1
    lo, hi = first, last + 1
    while lo < hi:
        mid = (lo + hi) // 2
        row = conn.execute(
            "SELECT id, created_at FROM items WHERE id >= ? ORDER BY id LIMIT 1", (mid,)
        ).fetchone()
        if row is None or row[1] >= when:
            hi = mid
        else:
            lo = row[0] + 1
    return lo


@dataclass(frozen=True)
class _Plan:
    """A filter turned into id bounds and SQL conditions for one driver."""

    lo: int | None  # id > lo
    hi: int | None  # id < hi
    where: tuple[str, ...]  # conditions on ``items i`` that never drive the scan
    args: tuple[Any, ...]
    fts: str | None  # the MATCH expression when searching
    empty: bool = False


def _plan(conn: sqlite3.Connection, flt: InboxFilter, before_id: int | None, after_id: int | None) -> _Plan:
    lo, hi = after_id, before_id
    if flt.date_from:
        first = _first_item_at(conn, _utc_text(flt.date_from))
        lo = max(lo if lo is not None else 0, first - 1)
    if flt.date_to:
        first = _first_item_at(conn, _utc_text(flt.date_to))
        hi = first if hi is None else min(hi, first)
    where: list[str] = []
    args: list[Any] = []
    kinds = tuple(k for k in flt.kinds if k in ITEM_KINDS)
    if flt.kinds and not kinds:
        return _Plan(lo, hi, (), (), None, empty=True)
    if kinds and set(kinds) != set(ITEM_KINDS):
        where.append(f"+i.kind IN ({','.join('?' * len(kinds))})")
        args += kinds
    if flt.show_id is not None:
        where.append("+i.show_id = ?")
        args.append(flt.show_id)
    if flt.states:
        where.append(f"+i.state IN ({','.join('?' * len(flt.states))})")
        args += flt.states
    if flt.date_from:
        where.append("+i.created_at >= ?")
        args.append(_utc_text(flt.date_from))
    if flt.date_to:
        where.append("+i.created_at < ?")
        args.append(_utc_text(flt.date_to))
    fts = None
    if flt.search.strip():
        fts = fts_query(flt.search)
        if fts is None:
            return _Plan(lo, hi, (), (), None, empty=True)
        if kinds and "sms" not in kinds:
            return _Plan(lo, hi, (), (), None, empty=True)
    if lo is not None and hi is not None and hi <= lo + 1:
        return _Plan(lo, hi, (), (), None, empty=True)
    return _Plan(lo, hi, tuple(where), tuple(args), fts)


def _bounds(plan: _Plan, column: str = "i.id") -> tuple[list[str], list[Any]]:
    where, args = [], []
    if plan.lo is not None:
        where.append(f"{column} > ?")
        args.append(plan.lo)
    if plan.hi is not None:
        where.append(f"{column} < ?")
        args.append(plan.hi)
    return where, args


def _id_query(flt: InboxFilter, plan: _Plan, newest_first: bool, limit: int | None) -> tuple[str, list[Any]]:
    """SQL selecting matching item ids (no search), driven by one index."""
    order = "DESC" if newest_first else "ASC"
    bounds, bound_args = _bounds(plan)
    tail = f" ORDER BY i.id {order}" + (" LIMIT ?" if limit is not None else "")
    tail_args: list[Any] = [limit] if limit is not None else []
    kinds = set(flt.kinds)
    few_kinds = bool(kinds) and "sms" not in kinds and kinds <= set(ITEM_KINDS)
    if flt.states and flt.show_id is None and not few_kinds:
        # one LIMIT-ed branch per state on items_state (state, id), merged by id
        branches, args = [], []
        other = [w for w in plan.where if not w.startswith("+i.state")]
        other_args = _drop_args(plan, "+i.state")
        for state in dict.fromkeys(flt.states):
            conds = ["i.state = ?", *bounds, *other]
            branches.append(f"SELECT id FROM (SELECT i.id FROM items i WHERE {' AND '.join(conds)}{tail})")
            args += [state, *bound_args, *other_args, *tail_args]
        sql = " UNION ALL ".join(branches)
        if len(branches) > 1:
            sql = f"SELECT id FROM ({sql}) i ORDER BY id {order}" + (" LIMIT ?" if limit is not None else "")
            args += tail_args
        return sql, args
    conds = list(bounds)
    args = list(bound_args)
    if few_kinds:
        conds.append("i.message_id IS NULL")  # calls and manual items: few, one index range
        conds += plan.where
        args += plan.args
    elif flt.show_id is not None:
        conds.append("i.show_id = ?")  # items_show (show_id, id) drives
        args.append(flt.show_id)
        conds += [w for w in plan.where if not w.startswith("+i.show_id")]
        args += _drop_args(plan, "+i.show_id")
    else:
        conds += plan.where
        args += plan.args
    sql = "SELECT i.id FROM items i" + (f" WHERE {' AND '.join(conds)}" if conds else "") + tail
    return sql, args + tail_args


def _drop_args(plan: _Plan, prefix: str) -> list[Any]:
    """``plan.args`` without those of the conditions starting with ``prefix`` (the driver's)."""
    args: list[Any] = []
    index = 0
    for cond in plan.where:
        count = cond.count("?")
        if not cond.startswith(prefix):
            args += plan.args[index : index + count]
        index += count
    return args


def _message_bound(conn: sqlite3.Connection, item_id: int) -> int:
    """The id of the newest message whose item id is at most ``item_id`` (0 when none)."""
    row = conn.execute(
        "SELECT message_id FROM items WHERE id <= ? AND message_id IS NOT NULL ORDER BY id DESC LIMIT 1",
        (item_id,),
    ).fetchone()
    return row[0] if row else 0


def _search_ids(conn: sqlite3.Connection, plan: _Plan, newest_first: bool, limit: int | None) -> list[int]:
    """Matching item ids of a search: FTS5 in rowid order, other filters applied per chunk."""
    order = "DESC" if newest_first else "ASC"
    # item-id bounds -> message-id bounds (message ids rise with item ids)
    m_lo = _message_bound(conn, plan.lo) if plan.lo is not None else None
    m_hi = _message_bound(conn, plan.hi - 1) + 1 if plan.hi is not None else None
    bounds, bound_args = _bounds(plan)
    conds = ["i.message_id = f.rowid", *bounds, *plan.where]
    found: list[int] = []
    chunk = _FTS_CHUNK if limit is None else max(limit, 16)
    while True:
        fts_where = ["messages_fts MATCH ?"]
        fts_args: list[Any] = [plan.fts]
        if m_lo is not None:
            fts_where.append("rowid > ?")
            fts_args.append(m_lo)
        if m_hi is not None:
            fts_where.append("rowid < ?")
            fts_args.append(m_hi)
        sql = (
            f"SELECT f.rowid, i.id FROM (SELECT rowid FROM messages_fts WHERE "
            f"{' AND '.join(fts_where)} ORDER BY rowid {order}"
            + (" LIMIT ?" if limit is not None else "")
            + ") f "
            f"LEFT JOIN items i ON {' AND '.join(conds)} ORDER BY f.rowid {order}"
        )
        args = fts_args + ([chunk] if limit is not None else []) + bound_args + list(plan.args)
        if limit is None:
            found = _all(conn, sql.replace("SELECT f.rowid, i.id", "SELECT i.id AS id", 1), args)
            break
        rows = conn.execute(sql, args).fetchall()
        found += [item for _, item in rows if item is not None]
        if len(rows) < chunk or len(found) >= limit:
            break
        last = rows[-1][0]
        if newest_first:
            m_hi = last
        else:
            m_lo = last
        chunk = min(chunk * 2, 65536)
    found.sort(reverse=newest_first)
    return found if limit is None else found[:limit]


def _all(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> list[int]:
    """Every id a query selects (column ``id``), sorted; one row back, not one per id."""
    text = conn.execute(f"SELECT group_concat(id) FROM ({sql})", list(args)).fetchone()[0]
    if not text:
        return []
    ids = [int(x) for x in text.split(",")]
    ids.sort()  # group_concat's order is not guaranteed (already sorted: linear)
    return ids


def _dense(conn: sqlite3.Connection, plan: _Plan) -> list[int] | None:
    """All ids without any filter, when the ids have no gaps (items are never deleted)."""
    count = conn.execute("SELECT count(*) FROM items").fetchone()[0]  # the smallest index
    first, last = _id_range(conn)
    if first is None or last is None:
        return []
    if last - first + 1 != count:  # a gap, or a row arrived between the two reads
        return None
    lo = max(first, (plan.lo or 0) + 1)
    hi = last if plan.hi is None else min(last, plan.hi - 1)
    return list(range(lo, hi + 1))


def _few_in_states(conn: sqlite3.Connection, flt: InboxFilter) -> bool:
    """The state filter selects few items (the FTS hits of a common word would be many more)."""
    if not flt.states or flt.show_id is not None:
        return False
    marks = ",".join("?" * len(flt.states))
    count = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM items WHERE state IN ({marks}) LIMIT {_RARE_STATE})", flt.states
    ).fetchone()[0]
    return count < _RARE_STATE


def _ids(
    conn: sqlite3.Connection,
    flt: InboxFilter,
    *,
    before_id: int | None,
    after_id: int | None,
    limit: int | None,
    newest_first: bool,
) -> list[int]:
    plan = _plan(conn, flt, before_id, after_id)
    if plan.empty or (limit is not None and limit <= 0):
        return []
    if plan.fts is not None:
        if not _few_in_states(conn, flt):
            return _search_ids(conn, plan, newest_first, limit)
        # a rare state: its few items drive, each checked against the search hits
        plan = replace(
            plan,
            fts=None,
            where=(
                *plan.where,
                "i.message_id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)",
            ),
            args=(*plan.args, plan.fts),
        )
    if (
        limit is None
        and after_id is None
        and plan.fts is None
        and not plan.where
        and not flt.states
        and flt.show_id is None
    ):
        ids = _dense(conn, plan)
        if ids is not None:
            if newest_first:
                ids.reverse()
            return ids
    sql, args = _id_query(flt, plan, newest_first, limit)
    if limit is None:
        ids = _all(conn, sql, args)
        if newest_first:
            ids.reverse()
        return ids
    return [r[0] for r in conn.execute(sql, args)]


def inbox_rows(store: Store | sqlite3.Connection, item_ids: Iterable[int]) -> dict[int, InboxRow]:
    """The rows of these items, by id (missing ids are left out). One query per 500 ids."""
    conn = _conn(store)
    ids = list(item_ids)
    rows: dict[int, InboxRow] = {}
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        sql = f"{_ROW_SQL} WHERE i.id IN ({','.join('?' * len(batch))})"
        for r in conn.execute(sql, batch):
            rows[r[0]] = _row(r)
    return rows


def inbox_page(
    store: Store | sqlite3.Connection,
    flt: InboxFilter,
    *,
    before_id: int | None = None,
    after_id: int | None = None,
    limit: int = 200,
    newest_first: bool = True,
) -> list[InboxRow]:
    """One page of the inbox.

    Args:
        store: the store (or a bare connection).
        flt: what to show.
        before_id, after_id: only items with ids strictly between these.
        limit: at most this many rows.
        newest_first: the ``limit`` newest matching items, newest first;
            otherwise the ``limit`` oldest, oldest first (new arrivals:
            ``after_id=last, newest_first=False``).
    """
    conn = _conn(store)
    ids = _ids(conn, flt, before_id=before_id, after_id=after_id, limit=limit, newest_first=newest_first)
    rows = inbox_rows(conn, ids)
    return [rows[i] for i in ids if i in rows]


def inbox_ids(
    store: Store | sqlite3.Connection,
    flt: InboxFilter,
    *,
    after_id: int | None = None,
    before_id: int | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> array[int]:
    """The ids of every matching item (oldest first), as a compact ``array('q')``.

    8 bytes per item: a million ids are 8 MB. Meant for a list's scroll model,
    loaded in a worker thread with its own connection.
    """
    ids = _ids(
        _conn(store), flt, before_id=before_id, after_id=after_id, limit=limit, newest_first=newest_first
    )
    return array("q", ids)


def inbox_row(store: Store | sqlite3.Connection, item_id: int) -> InboxRow | None:
    """One item by id, or None."""
    return inbox_rows(store, [item_id]).get(item_id)


def inbox_count_after(store: Store | sqlite3.Connection, flt: InboxFilter, item_id: int) -> int:
    """How many items matching ``flt`` have an id above ``item_id`` (the "N baru" counter)."""
    conn = _conn(store)
    return len(_ids(conn, flt, before_id=None, after_id=item_id, limit=None, newest_first=False))
