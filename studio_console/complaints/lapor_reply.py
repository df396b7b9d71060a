"""LAPOR!'s reply SMS matched back to the complaint it answers: the tracking ID.

After a complaint goes to 1708, LAPOR! answers from the same number with something like
"Terima kasih, laporan Anda telah diterima dengan nomor #1916449 …". The reply names no
complaint, so the correlation is by time, made unambiguous by sending ONE complaint at a
time: :class:`~.transports.sms1708.Sms1708Transport` defers the next SMS to 1708 while an
earlier one, sent less than :data:`REPLY_WINDOW` ago, still waits for its reply
(:func:`awaiting_reply`). The ingest service hands every new complete message to
:meth:`LaporReplyMatcher.match`. A message from the LAPOR! number (compared by digits:
``1708``, ``+1708``, ``621708`` are the same) whose text holds a tracking ID
(``export.sms_tracking_pattern``, its first group) goes to the SMS to 1708 (``sent_sms``
purpose ``lapor``, state ``sent``) that was sent within :data:`REPLY_WINDOW` before the
reply arrived, has had no reply yet, whose delivery report did not fail, and whose
complaint still waits for LAPOR!'s answer: no ID yet, or only one a transport's receipt
gave it (the HTTP push can answer first; an ID a person set means they dealt with it).
Serial sending leaves at most one such SMS; should there be more (sent around this rule),
the oldest is taken and a warning logged.

A complaint without a tracking ID gets the reply's and becomes ``terkirim`` (audited,
``tracking``, role ``system``, actor ``lapor_reply``); one that has an ID keeps it — the
first ID is the complaint's, the citizen may have been told it — and the reply's ID is
audited beside it (``tracking_other``, the ID as the detail). When the citizen reply is on,
its reply SMS is queued in the same transaction
(:func:`~.transports.citizen_reply.queue_in_transaction`), and SMS to 1708 deferred behind
this one are made due (:func:`~.outbox.resume_deferred`).

A reply stays in the inbox (``new``) for a person, who files it with ``set-tracking``, when:
it holds no ID; it arrived later than :data:`REPLY_WINDOW` after every waiting SMS (a late
reply: it cannot be told apart from the reply to a later one); or its ID is already another
complaint's. LAPOR! repeating a reply it sent before (an ID this matcher filed) changes
nothing but the repeat's inbox state.

Why ``sent_sms`` and not the outbox row: LAPOR! can answer within seconds, before the
outbox worker has recorded its receipt; the transport's own record (state ``sent``,
written as soon as the modem gave the TP-MR) is the first durable proof that it went.

The matched reply is not a listener's message, so its inbox item is moved from ``new``
(or ``throttled``) to ``rejected``, with an audit row saying why. That is the least
invasive correct way: ``rejected`` is an existing item state, out of the producer's
"to screen" view (``new``, ``throttled``) and off the host's queue, still findable (and
reversible) under "all"; no row is deleted and no new state is invented.

Ingest calls this in its worker; nothing here may stop ingest, so the ingest hook
catches and logs any error (a failed match leaves the reply visible).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from studio_console.complaints.outbox import parse_time, resume_deferred
from studio_console.store import Store, transaction

__all__ = [
    "REPLY_WINDOW",
    "TRACKING_MAX",
    "LaporIntent",
    "LaporReplyMatcher",
    "awaiting_reply",
    "same_short_number",
]

log = logging.getLogger(__name__)

TRACKING_MAX = 64
"""Longer "IDs" are not taken from an SMS."""
REPLY_WINDOW = timedelta(minutes=15)
"""How long after an SMS to 1708 its reply is expected. The next SMS to 1708 waits this
long (or until the reply came); a reply later than this stays in the inbox for a person."""
_MATCHED_STATUSES = ("siap_kirim", "gagal_kirim")
_DELIVERY_FAILED = 0x40  # TP-ST from here on: the SMS centre gave up (3GPP TS 23.040 9.2.3.15)


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


@dataclass(frozen=True)
class LaporIntent:
    """An SMS to LAPOR! that may still get its reply (see :func:`awaiting_reply`).

    Attributes:
        sent_sms_id: the ``sent_sms`` row.
        complaint_id: the complaint it carries.
        state: ``sent``, or ``sending`` (cut short: it may have gone).
        sent_at: when it was handed to the modem (the intent's time).
        idempotency_key: its outbox row's key.
    """

    sent_sms_id: int
    complaint_id: int
    state: str
    sent_at: datetime
    idempotency_key: str | None


def awaiting_reply(
    store: Store, until: datetime, *, number: str = "1708", window: timedelta = REPLY_WINDOW
) -> list[LaporIntent]:
    """The SMS to LAPOR! ``number`` sent less than ``window`` before ``until`` (and not after
    it) that have had no reply filed since and whose delivery report did not fail; oldest
    first.

    Both ``sent`` ones and ``sending`` ones (cut short: they may have gone, and their reply
    may come) are listed.
    """
    since = until - window
    rows = store.conn.execute(
        "SELECT s.id, s.related_id, s.state, s.created_at, s.idempotency_key, s.recipient FROM sent_sms s "
        "WHERE s.purpose = 'lapor' AND s.state IN ('sent', 'sending') AND s.related_id IS NOT NULL "
        "AND s.created_at >= ? "
        "AND NOT EXISTS (SELECT 1 FROM sent_parts p WHERE p.sent_id = s.id AND p.status >= ?) "
        "ORDER BY s.id",
        # The text bound is a coarse filter (stored times vary in precision); the exact one follows.
        ((since - timedelta(seconds=1)).astimezone(UTC).isoformat(), _DELIVERY_FAILED),
    ).fetchall()
    found = []
    for sent_id, complaint_id, state, created_at, key, recipient in rows:
        sent_at = parse_time(created_at)
        if sent_at is None or not since < sent_at <= until or not same_short_number(recipient, number):
            continue
        if _replied_since(store, int(complaint_id), sent_at):
            continue
        found.append(LaporIntent(int(sent_id), int(complaint_id), state, sent_at, key))
    return sorted(found, key=lambda i: (i.sent_at, i.sent_sms_id))


def _replied_since(store: Store, complaint_id: int, moment: datetime) -> bool:
    """A LAPOR! reply was filed for the complaint at or after ``moment``."""
    for (at,) in store.conn.execute(
        "SELECT at FROM audit WHERE entity = 'complaint' AND entity_id = ? AND actor_role = 'system' "
        "AND actor = 'lapor_reply' AND action IN ('tracking', 'tracking_other')",
        (complaint_id,),
    ):
        when = parse_time(at)
        if when is not None and when >= moment:
            return True
    return False


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

        None when the message is not a complete reply from LAPOR!, holds no ID, came
        outside the reply window of every waiting SMS, or its ID is already another
        complaint's (the message then stays in the inbox). A repeated reply with an ID
        this matcher filed before returns that complaint again and changes nothing but
        the reply's inbox state (and queues the citizen reply if it is missing).
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
        moment = (clock or store.clock)().astimezone(UTC)
        now = moment.isoformat()
        received = parse_time(row[2]) or moment
        with transaction(store.conn):
            filed = store.conn.execute(
                "SELECT entity_id FROM audit WHERE entity = 'complaint' AND actor_role = 'system' "
                "AND actor = 'lapor_reply' AND action IN ('tracking', 'tracking_other') AND detail = ? "
                "ORDER BY id LIMIT 1",
                (tracking,),
            ).fetchone()
            if filed is not None:  # LAPOR! repeated a reply
                complaint_id = int(filed[0])
                self._hide(store, message_id, complaint_id, tracking, now)
                self._queue_reply(store, complaint_id, clock)
                return complaint_id
            waiting = self._waiting(store, received)
            if not waiting:
                log.info(
                    "LAPOR! reply #%s (message %s) answers no SMS to %s sent in the %d minutes before "
                    "it; left in the inbox for a person",
                    tracking,
                    message_id,
                    self.number,
                    REPLY_WINDOW.total_seconds() // 60,
                )
                return None
            if len(waiting) > 1:
                log.warning(
                    "LAPOR! reply #%s (message %s): %d SMS to %s wait for a reply (complaints %s); "
                    "taking the oldest",
                    tracking,
                    message_id,
                    len(waiting),
                    self.number,
                    ", ".join(map(str, waiting)),
                )
            complaint_id = waiting[0]
            owner = store.conn.execute(
                "SELECT id FROM complaints WHERE tracking_id = ? AND id != ? UNION ALL "
                "SELECT entity_id FROM audit WHERE entity = 'complaint' AND action = 'tracking_other' "
                "AND detail = ? AND entity_id != ? LIMIT 1",
                (tracking, complaint_id, tracking, complaint_id),
            ).fetchone()
            if owner is not None:
                log.info(
                    "LAPOR! reply #%s (message %s): that ID is already complaint %s's; "
                    "left in the inbox for a person",
                    tracking,
                    message_id,
                    owner[0],
                )
                return None
            before, current = store.conn.execute(
                "SELECT status, tracking_id FROM complaints WHERE id = ?", (complaint_id,)
            ).fetchone()
            to = "terkirim" if before in _MATCHED_STATUSES else before
            if current and current != tracking:
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
            self._queue_reply(store, complaint_id, clock)
            resume_deferred(store, "sms1708", moment)  # the next SMS to 1708 may go now
        return complaint_id

    def _queue_reply(self, store: Store, complaint_id: int, clock: Callable[[], datetime] | None) -> None:
        """Queue the citizen's reply in the caller's transaction (idempotent)."""
        if self.export_settings is None:
            return
        from studio_console.complaints.transports.citizen_reply import queue_in_transaction

        queue_in_transaction(store, complaint_id, self.export_settings, clock=clock)

    def _waiting(self, store: Store, received: datetime) -> list[int]:
        """The complaints whose SMS to LAPOR! may be the one this reply answers, oldest first
        (see the module docstring)."""
        # A 'sending' intent counts too: the modem took it and LAPOR! can answer before the
        # transport has recorded the send (and a reply to one cut short shows that it went).
        intents = awaiting_reply(store, received, number=self.number)
        if not intents:
            return []
        # no ID, or the ID a transport's receipt gave (the last one filed, by the system)
        eligible = {
            r[0]
            for r in store.conn.execute(
                "SELECT c.id FROM complaints c WHERE c.id IN "
                f"({','.join('?' * len(intents))}) AND (c.tracking_id IS NULL OR "
                "(SELECT a.actor_role = 'system' AND a.detail = c.tracking_id FROM audit a "
                "WHERE a.entity = 'complaint' AND a.entity_id = c.id AND a.action = 'tracking' "
                "ORDER BY a.id DESC LIMIT 1))",
                [i.complaint_id for i in intents],
            )
        }
        return list(dict.fromkeys(i.complaint_id for i in intents if i.complaint_id in eligible))

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
