"""LAPOR!'s reply SMS matched back to the complaint it answers: the tracking ID.

After a complaint goes to 1708, LAPOR! answers from the same number with something like
"Terima kasih, laporan Anda telah diterima dengan nomor #1916449 …". The ingest service
hands every new complete message to :meth:`LaporReplyMatcher.match`. A message from the
LAPOR! number (compared by digits: ``1708``, ``+1708``, ``621708`` are the same) whose text
holds a tracking ID (``export.sms_tracking_pattern``, its first group) is matched to the
OLDEST complaint whose SMS to 1708 went out (``sent_sms`` purpose ``lapor``, state
``sent``) before the reply arrived and that is still waiting for LAPOR!'s answer: no
reply was filed for it yet, and it has no tracking ID or only one a transport's receipt
gave it (the HTTP push can answer first; an ID a person set means they dealt with it).
A complaint without a tracking ID gets the reply's and becomes ``terkirim`` (audited,
``tracking``, role ``system``, actor ``lapor_reply``); one that has an ID keeps it — the
first ID is the complaint's, the citizen may have been told it — and the reply's ID is
audited beside it (``tracking_other``, the ID as the detail). When the citizen reply is on,
its reply SMS is queued (:func:`~.transports.citizen_reply.queue_citizen_reply`).

Why ``sent_sms`` and not the outbox row: LAPOR! can answer within seconds, before the
outbox worker has recorded its receipt; the transport's own record (state ``sent``,
written as soon as the modem gave the TP-MR) is the first durable proof that it went.

The matched reply is not a listener's message, so its inbox item is moved from ``new``
(or ``throttled``) to ``rejected``, with an audit row saying why. That is the least
invasive correct way: ``rejected`` is an existing item state, out of the producer's
"to screen" view (``new``, ``throttled``) and off the host's queue, still findable (and
reversible) under "all"; no row is deleted and no new state is invented. A reply without
an ID, or with no complaint to match, stays ``new`` so a person can act on it.

Ingest calls this in its worker; nothing here may stop ingest, so the ingest hook
catches and logs any error (a failed match leaves the reply visible).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from studio_console.store import Store, transaction

__all__ = ["TRACKING_MAX", "LaporReplyMatcher", "same_short_number"]

log = logging.getLogger(__name__)

TRACKING_MAX = 64
"""Longer "IDs" are not taken from an SMS."""
_MATCHED_STATUSES = ("siap_kirim", "gagal_kirim")


def _digits(number: str | None) -> str:
    return re.sub(r"\D", "", number or "")


def same_short_number(a: str | None, b: str | None) -> bool:
    """True when two forms name the same (short) number: ``1708``, ``+1708``, ``621708``,
    ``+62 1708``, ``01708`` all do."""
    da, db = _digits(a), _digits(b)
    if not da or not db:
        return False
    if da == db:
        return True
    short, long_ = sorted((da, db), key=len)
    return long_.endswith(short) and long_[: -len(short)] in ("62", "0", "620")


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class LaporReplyMatcher:
    """Finds LAPOR!'s replies among incoming messages and files their tracking IDs.

    Args:
        number: ``export.sms_number`` (``1708``).
        pattern: ``export.sms_tracking_pattern``; its first group (else the whole match)
            is the tracking ID.
        export_settings: the ``export`` settings, for the citizen reply
            (``citizen_reply`` …); None: no citizen reply is queued.

    Raises:
        ValueError: the pattern is not a valid regular expression.
    """

    def __init__(
        self,
        number: str = "1708",
        pattern: str = r"#\s?(\d{5,12})\b",
        *,
        export_settings: Any = None,
    ) -> None:
        try:
            self.pattern = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"export.sms_tracking_pattern is not a valid regular expression: {exc}") from exc
        self.number = str(number).strip()
        self.export_settings = export_settings

    @classmethod
    def from_settings(cls, export_settings: Any) -> LaporReplyMatcher:
        """The matcher ``config.toml`` describes (``export.sms_number``, ``sms_tracking_pattern``,
        and the citizen reply settings)."""
        return cls(
            export_settings.sms_number,
            export_settings.sms_tracking_pattern,
            export_settings=export_settings,
        )

    def is_lapor(self, sender: str | None) -> bool:
        """The message comes from the LAPOR! number."""
        return same_short_number(sender, self.number)

    def tracking_in(self, text: str) -> str | None:
        """The tracking ID in a reply's text, or None."""
        found = self.pattern.search(text or "")
        if found is None:
            return None
        value = found.group(1) if self.pattern.groups else found.group(0)
        value = (value or "").strip()
        if not value or len(value) > TRACKING_MAX or not value.isprintable():
            return None
        return value

    def match(
        self, store: Store, message_id: int, *, clock: Callable[[], datetime] | None = None
    ) -> int | None:
        """File the tracking ID of LAPOR!'s reply ``message_id``; returns the complaint id.

        None when the message is not a complete reply from LAPOR!, holds no ID, or no
        complaint waits for one (the message then stays in the inbox). A repeated reply
        with an ID already filed returns that complaint again and changes nothing but
        the reply's inbox state.
        """
        row = store.conn.execute(
            "SELECT m.sender_raw, m.text, m.received_at, m.complete FROM messages m WHERE m.id = ?",
            (message_id,),
        ).fetchone()
        if row is None or not row[3] or not self.is_lapor(row[0]):
            return None
        tracking = self.tracking_in(row[1])
        if tracking is None:
            log.info("a message from %s without a tracking ID (message %s)", self.number, message_id)
            return None
        received = _when(row[2])
        now = (clock or store.clock)().astimezone(UTC).isoformat()
        with transaction(store.conn):
            known = store.conn.execute(
                "SELECT id FROM complaints WHERE tracking_id = ? UNION ALL "
                "SELECT entity_id FROM audit WHERE entity = 'complaint' AND action = 'tracking_other' "
                "AND actor = 'lapor_reply' AND detail = ? LIMIT 1",
                (tracking, tracking),
            ).fetchone()
            if known is not None:
                self._hide(store, message_id, int(known[0]), tracking, now)
                return int(known[0])
            complaint_id = self._oldest_waiting(store, received)
            if complaint_id is None:
                log.info("LAPOR! reply #%s (message %s) matches no complaint", tracking, message_id)
                return None
            before, current = store.conn.execute(
                "SELECT status, tracking_id FROM complaints WHERE id = ?", (complaint_id,)
            ).fetchone()
            to = "terkirim" if before in _MATCHED_STATUSES else before
            if current:
                # Another transport's receipt gave it an ID first: that one stays.
                store.conn.execute(
                    "UPDATE complaints SET status = ?, updated_at = ? WHERE id = ?", (to, now, complaint_id)
                )
                action = "tracking_other"
            else:
                store.conn.execute(
                    "UPDATE complaints SET tracking_id = ?, status = ?, updated_at = ? WHERE id = ?",
                    (tracking, to, now, complaint_id),
                )
                action = "tracking"
            store.audit("system", "lapor_reply", "complaint", complaint_id, action, before, to, tracking, now)
            self._hide(store, message_id, complaint_id, tracking, now)
        if self.export_settings is not None:
            from studio_console.complaints.transports.citizen_reply import queue_citizen_reply

            queue_citizen_reply(store, complaint_id, self.export_settings, clock=clock)
        return complaint_id

    def _oldest_waiting(self, store: Store, received: datetime | None) -> int | None:
        """The complaint whose SMS to LAPOR! went first, before ``received``, still waiting
        for LAPOR!'s answer (see the module docstring)."""
        rows = store.conn.execute(
            "SELECT s.related_id, s.recipient, s.created_at FROM sent_sms s "
            "JOIN complaints c ON c.id = s.related_id "
            "WHERE s.purpose = 'lapor' AND s.state = 'sent' "
            # no reply filed for it yet
            "AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.entity = 'complaint' AND a.entity_id = c.id "
            "AND a.actor_role = 'system' AND a.actor = 'lapor_reply' "
            "AND a.action IN ('tracking', 'tracking_other')) "
            # no ID, or the ID a transport's receipt gave (the last one filed, by the system)
            "AND (c.tracking_id IS NULL OR (SELECT a.actor_role = 'system' AND a.detail = c.tracking_id "
            "FROM audit a WHERE a.entity = 'complaint' AND a.entity_id = c.id AND a.action = 'tracking' "
            "ORDER BY a.id DESC LIMIT 1)) "
            "ORDER BY s.id"
        ).fetchall()
        waiting = []
        for complaint_id, recipient, created_at in rows:
            sent = _when(created_at)
            if not self.is_lapor(recipient) or sent is None:
                continue
            if received is not None and sent > received:
                continue
            waiting.append((sent, complaint_id))
        return min(waiting)[1] if waiting else None

    @staticmethod
    def _hide(store: Store, message_id: int, complaint_id: int, tracking: str, now: str) -> None:
        """Move the reply's inbox item out of the producer's way (inside the transaction)."""
        item = store.conn.execute(
            "SELECT id, state FROM items WHERE message_id = ?", (message_id,)
        ).fetchone()
        if item is None or item[1] not in ("new", "throttled"):
            return
        store.conn.execute("UPDATE items SET state = 'rejected', updated_at = ? WHERE id = ?", (now, item[0]))
        store.audit(
            "system",
            "lapor_reply",
            "item",
            item[0],
            "lapor_reply",
            item[1],
            "rejected",
            f"LAPOR! reply #{tracking} for complaint {complaint_id}",
            now,
        )
