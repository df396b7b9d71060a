"""What the host's screen may see: the running order, ready calls and the show, numbers masked.

The host (penyiar) reads items on air, so nothing this module returns carries a
listener's full number: senders appear as their remembered name (unless the
item is *anonim*) or as the masked form (``0812****7890``). The full forms are
read here only to scrub them out of every string a row carries — a listener who
writes their own number in the SMS, a producer who typed it as a name, a call
summary that quotes it — and never leave this module. Any other Indonesian
mobile number in the text (a neighbour's, one typed into a manual item) is
masked the same way.

Rows are frozen dataclasses with no I/O; the queries take a
:class:`~studio_console.store.Store` so the screens and tests hand in real ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from studio_console.phone import mask, parse_number
from studio_console.store.store import Store

__all__ = [
    "HostItem",
    "ReadyCall",
    "ShowInfo",
    "host_item",
    "host_queue",
    "ready_calls",
    "recently_aired",
    "show_info",
]


@dataclass(frozen=True)
class HostItem:
    """One item as the host sees it (no full number in any field).

    Attributes:
        item_id: the item's row.
        kind: ``"sms"``, ``"call"`` or ``"manual"``.
        state: ``"queued"``, ``"on_air"`` or ``"aired"`` (or ``"approved"`` once removed).
        position: 1-based place in the running order (None outside the queue).
        is_next: the producer picked this item as the next one.
        text_for_air: the producer's edit for air, else the original (or manual) text.
        sender_label: the remembered name unless anonim, else the masked number ("" if none).
        kecamatan: the kecamatan's name (or code when the name is unknown), if set.
        desa: the desa's name (or code), if set.
        topic: the one-line topic ("pokok").
        opd: the agency the item is addressed to.
        priority: the producer's priority (higher first in their eyes; display only).
        anonim: the identity is not to be given out.
        rahasia: confidential item.
        received_at: when it arrived (UTC ISO); for manual items when it was written.
        aired_at: when the host marked it read on air (UTC ISO), if aired.
        answered_by: the official / OPD who answered on air.
        answer: the one-line answer.
    """

    item_id: int
    kind: str
    state: str
    position: int | None
    is_next: bool
    text_for_air: str
    sender_label: str
    kecamatan: str | None
    desa: str | None
    topic: str | None
    opd: str | None
    priority: int
    anonim: bool
    rahasia: bool
    received_at: str
    aired_at: str | None
    answered_by: str | None
    answer: str | None


@dataclass(frozen=True)
class ReadyCall:
    """A call screened and ready for air, as the host sees it.

    Attributes:
        call_id: the call's row.
        caller_masked: the masked number ("" when the caller ID was hidden).
        caller_name: the remembered name, if any.
        notes: the screener's notes (scrubbed of the caller's number).
        ready_at: when the screener marked it ready (UTC ISO).
        hold_seconds: how long the caller has been waiting (since hold, else ready).
    """

    call_id: int
    caller_masked: str
    caller_name: str | None
    notes: str | None
    ready_at: str | None
    hold_seconds: int


@dataclass(frozen=True)
class ShowInfo:
    """The show on air."""

    show_id: int
    name: str
    started_at: str


# ------------------------------------------------------------------ scrubbing
# A run of digits with short separators between them, as people write numbers:
# 081234567890, +62 812-3456-7890, (0812) 3456.7890.
_DIGIT_RUN = re.compile(r"\+?\(?\d(?:[ .\-/()]{0,2}\d)*")


class _Scrubber:
    """Replaces a sender's full number, however written, by its masked form."""

    def __init__(self, raw: str | None, e164: str | None, masked: str) -> None:
        self.masked = masked
        self.literals: list[str] = []
        self.cores: list[str] = []
        number = parse_number(raw) if raw else None
        secret = e164 is not None or (
            number is not None and number.kind in ("mobile", "fixed", "foreign", "unknown")
        )
        if not secret:
            return
        forms = {
            f.strip()
            for f in (raw, e164, number.national if number else None, number.e164 if number else None)
            if f and f.strip()
        }
        self.literals = sorted(forms, key=len, reverse=True)
        for form in forms:
            digits = re.sub(r"\D", "", form)
            if number is not None and number.national and digits == number.national:
                digits = digits[1:]  # trunk 0: 81234567890 is the subscriber part
            elif digits.startswith("62") and len(digits) > 9:
                digits = digits[2:]
            elif len(digits) > 8:
                digits = digits[-8:]  # foreign or unknown: the last eight digits identify it
            if len(digits) >= 5:
                self.cores.append(digits)

    def __call__(self, text: str | None) -> str | None:
        if text is None or not (self.literals or self.cores):
            return text
        for literal in self.literals:
            text = text.replace(literal, self.masked)

        def redact(match: re.Match[str]) -> str:
            digits = re.sub(r"\D", "", match.group(0))
            return self.masked if any(core in digits for core in self.cores) else match.group(0)

        return _DIGIT_RUN.sub(redact, text)


_MOBILE = re.compile(r"(?:62|0)(8\d{7,11})")


def _mask_mobiles(text: str | None) -> str | None:
    """Mask any Indonesian mobile number in ``text`` (anyone's, not only the sender's)."""
    if not text:
        return text

    def redact(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        mobile = _MOBILE.fullmatch(digits)
        return mask("0" + mobile.group(1)) if mobile else match.group(0)

    return _DIGIT_RUN.sub(redact, text)


# --------------------------------------------------------------------- places
def _place_names(kecamatan_code: str | None, desa_code: str | None) -> tuple[str | None, str | None]:
    """(kecamatan, desa) names for the codes; a code stands in for an unknown name."""
    if not kecamatan_code and not desa_code:
        return None, None
    kecamatan = desa = None
    try:
        from studio_console.places import load_places

        places: Any = load_places()
    except (ImportError, OSError, KeyError, ValueError):
        places = None
    if places is not None:
        place = places.desa(desa_code) if desa_code else None
        if place is not None:
            desa = place.desa_name
            kecamatan = places.kecamatan_name(kecamatan_code) or place.kecamatan_name
        elif kecamatan_code:
            kecamatan = places.kecamatan_name(kecamatan_code)
    return kecamatan or kecamatan_code or None, desa or desa_code or None


# -------------------------------------------------------------------- queries
# Every column a HostItem needs, plus the sender's full forms used only to scrub.
_ITEM_SELECT = """
SELECT i.id, i.kind, i.state, i.position, i.is_next, i.air_text,
       coalesce(m.text, i.manual_text, '') AS original,
       i.reporter_name, coalesce(s.name, '') AS sender_name, coalesce(s.masked, '') AS masked,
       s.raw AS sender_raw, s.e164 AS sender_e164,
       coalesce(i.kecamatan_code, s.kecamatan_code) AS kecamatan_code,
       coalesce(i.desa_code, s.desa_code) AS desa_code,
       i.topic, i.opd, i.priority, i.anonim, i.rahasia,
       coalesce(m.received_at, c.ringing_at, i.created_at) AS received_at,
       i.aired_at, i.answered_by, i.answer,
       m.sender_raw AS message_raw, c.number_raw AS call_raw
FROM items i
LEFT JOIN messages m ON m.id = i.message_id
LEFT JOIN calls c ON c.id = i.call_id
LEFT JOIN senders s ON s.id = coalesce(m.sender_id, c.sender_id)
"""


def _host_item(row: dict[str, Any], position: int | None) -> HostItem:
    scrub = _scrubber_for(
        row["sender_raw"], row["sender_e164"], row["masked"], (row["message_raw"], row["call_raw"])
    )
    anonim = bool(row["anonim"])
    name = (row["reporter_name"] or row["sender_name"] or "").strip()
    label = row["masked"] if anonim or not name else name
    text = row["air_text"] if row["air_text"] else row["original"]
    kecamatan, desa = _place_names(row["kecamatan_code"], row["desa_code"])
    return HostItem(
        item_id=row["id"],
        kind=row["kind"],
        state=row["state"],
        position=position,
        is_next=bool(row["is_next"]),
        text_for_air=scrub(text) or "",
        sender_label=scrub(label) or "",
        kecamatan=scrub(kecamatan),
        desa=scrub(desa),
        topic=scrub(row["topic"]),
        opd=scrub(row["opd"]),
        priority=int(row["priority"] or 0),
        anonim=anonim,
        rahasia=bool(row["rahasia"]),
        received_at=row["received_at"],
        aired_at=row["aired_at"],
        answered_by=scrub(row["answered_by"]),
        answer=scrub(row["answer"]),
    )


def _scrubber_for(
    raw: str | None, e164: str | None, masked: str, extra_raws: Iterable[str | None]
) -> Callable[[str | None], str | None]:
    scrubbers = [_Scrubber(r, e164, masked) for r in {raw, *extra_raws} if r]

    def scrub(text: str | None) -> str | None:
        for s in scrubbers:
            text = s(text)
        return _mask_mobiles(text)

    return scrub


def host_queue(store: Store) -> list[HostItem]:
    """The running order: queued and on-air items, in order, positions numbered from 1."""
    rows = store.db.query(_ITEM_SELECT + "WHERE i.state IN ('queued', 'on_air') ORDER BY i.position, i.id")
    return [_host_item(row, n) for n, row in enumerate(rows, start=1)]


def host_item(store: Store, item_id: int) -> HostItem | None:
    """One item as the host sees it (its position counted when it is in the queue)."""
    rows = list(store.db.query(_ITEM_SELECT + "WHERE i.id = ?", [item_id]))
    if not rows:
        return None
    position = next((item.position for item in host_queue(store) if item.item_id == item_id), None)
    return _host_item(rows[0], position)


def recently_aired(store: Store, show_id: int | None, limit: int = 10) -> list[HostItem]:
    """Items read on air, newest first: in show ``show_id``, or in any show when None."""
    where = "WHERE i.state = 'aired'" + (" AND i.aired_show_id = ?" if show_id is not None else "")
    args = [show_id] if show_id is not None else []
    rows = store.db.query(
        _ITEM_SELECT + where + " ORDER BY i.aired_at DESC, i.id DESC LIMIT ?", [*args, int(limit)]
    )
    return [_host_item(row, None) for row in rows]


def ready_calls(store: Store, now: datetime | None = None) -> list[ReadyCall]:
    """Calls screened and ready for air, longest waiting first, callers masked."""
    now = (now or store.clock()).astimezone(UTC)
    rows = store.db.query(
        "SELECT c.id, c.number_raw, c.ready_at, c.hold_at, c.notes, s.raw AS sender_raw, "
        "s.e164, coalesce(s.masked, '') AS masked, s.name FROM calls c "
        "JOIN senders s ON s.id = c.sender_id WHERE c.state = 'ready' "
        "ORDER BY coalesce(c.hold_at, c.ready_at), c.id"
    )
    calls = []
    for row in rows:
        scrub = _scrubber_for(row["sender_raw"], row["e164"], row["masked"], (row["number_raw"],))
        since = row["hold_at"] or row["ready_at"]
        calls.append(
            ReadyCall(
                call_id=row["id"],
                caller_masked=row["masked"],
                caller_name=scrub((row["name"] or "").strip() or None),
                notes=scrub(row["notes"]),
                ready_at=row["ready_at"],
                hold_seconds=_seconds_since(since, now),
            )
        )
    return calls


def show_info(store: Store) -> ShowInfo | None:
    """The show on air (name and start), or None."""
    show = store.show_on_air()
    if show is None:
        return None
    return ShowInfo(show_id=show["id"], name=show["name"], started_at=show["started_at"])


def _seconds_since(when: str | None, now: datetime) -> int:
    if not when:
        return 0
    try:
        return max(0, int((now - datetime.fromisoformat(when)).total_seconds()))
    except ValueError:
        return 0
