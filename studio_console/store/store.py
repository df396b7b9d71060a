"""The console's store: what the ingest service writes and what the screens and CLI read.

One :class:`Store` wraps one connection (one per thread or process). Writes are
short ``BEGIN IMMEDIATE`` transactions; the ingest connection is opened
``durable`` (``synchronous=FULL``), because the SIM copy of a message is deleted
right after its commit returns.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from studio_console.item_rules import initial_state
from studio_console.phone import parse_number
from studio_console.store.database import ChangeWatcher, open_database, transaction
from studio_console.store.search import fts_query

__all__ = ["MessageRow", "PartOutcome", "SentSms", "Store", "dedupe_key", "iso"]

Clock = Callable[[], datetime]
MISSING_PART = "\u2026"  # shown where a part of an incomplete message has not arrived


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 text for a timezone-aware instant (kept with its own offset)."""
    return None if moment is None else moment.isoformat()


def _utc(clock: Clock) -> str:
    return clock().astimezone(UTC).isoformat()


def dedupe_key(pdu_hex: str, *, has_smsc: bool = True) -> str:
    """A storage- and slot-independent fingerprint of a received PDU.

    The SMSC field is left out (the same message read from SM or ME, or
    re-read after a crash, gives the same key); the whole TPDU is hashed, so
    sender, network timestamp, concatenation header and text all count.
    """
    text = "".join(pdu_hex.split()).upper()
    if has_smsc:
        try:
            smsc_len = int(text[:2], 16)
            text = text[2 + 2 * smsc_len:] or text
        except ValueError:
            pass
    return hashlib.sha256(text.encode("ascii", "replace")).hexdigest()[:40]


@dataclass(frozen=True)
class PartOutcome:
    """What storing one received part did.

    Attributes:
        part_id: the part's row (also for a duplicate: the existing row).
        duplicate: the part was already stored (re-read after a crash, or the
            network delivered it twice); nothing was written.
        message_id: the message the part completed or joined, if any.
        complete: that message is now complete.
    """

    part_id: int
    duplicate: bool
    message_id: int | None
    complete: bool


@dataclass(frozen=True)
class SentSms:
    """An SMS the console sent or means to send (``sent_sms``).

    Attributes:
        state: ``sending`` (intent written, outcome unknown), ``sent``, ``failed`` (the
            modem refused: nothing went) or ``abandoned`` (a person released an intent
            left ``sending``).
        references: the TP-MR of each part, once sent.
    """

    id: int
    recipient: str
    text: str
    created_at: str
    purpose: str
    related_id: int | None
    idempotency_key: str | None
    state: str
    references: tuple[int, ...] = ()


@dataclass(frozen=True)
class MessageRow:
    """One message as the CLI and the screens list it."""

    id: int
    sender: str
    sender_key: str
    sender_masked: str
    sender_name: str | None
    text: str
    received_at: str
    sent_at: str | None
    parts: int
    parts_received: int
    complete: bool
    state: str
    show_id: int | None

    def as_json(self) -> dict[str, Any]:
        """The fields of ``studio-console messages --json``."""
        return {
            "id": self.id, "sender": self.sender, "sender_masked": self.sender_masked,
            "sender_name": self.sender_name, "text": self.text, "received_at": self.received_at,
            "sent_at": self.sent_at, "parts": self.parts, "parts_received": self.parts_received,
            "complete": self.complete, "state": self.state, "show_id": self.show_id,
        }


_MESSAGE_COLUMNS = """
    m.id, m.sender_raw, s.key, s.masked, s.name, m.text, m.received_at, m.sent_at,
    m.parts_expected, m.parts_received, m.complete, coalesce(i.state, 'new'), m.show_id
"""
_MESSAGE_FROM = """
    FROM messages m JOIN senders s ON s.id = m.sender_id LEFT JOIN items i ON i.message_id = m.id
"""


class Store:
    """Reads and writes of the console's database.

    Args:
        path: the database file (created and migrated when needed).
        durable: open with ``synchronous=FULL`` (the ingest service).
        clock: source of the current time (timezone-aware).
        flood_max_messages, flood_window: the flood rule for new messages.
    """

    def __init__(self, path: str | Path, *, durable: bool = False, clock: Clock | None = None,
                 flood_max_messages: int = 10, flood_window: float = 300) -> None:
        self.path = Path(path)
        self.db = open_database(self.path, durable=durable)
        self.conn = self.db.conn
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.flood_max_messages = flood_max_messages
        self.flood_window = flood_window

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def watcher(self) -> ChangeWatcher:
        """A cheap detector of other connections' commits."""
        return ChangeWatcher(self.conn)

    # ------------------------------------------------------------------ senders
    def _sender(self, raw: str | None, now: str) -> tuple[int, bool]:
        """Find or create the sender of ``raw``; returns (id, blocked). Call inside a transaction."""
        number = parse_number(raw)
        row = self.conn.execute("SELECT id, blocked FROM senders WHERE key = ?",
                                (number.key,)).fetchone()
        if row:
            self.conn.execute("UPDATE senders SET last_seen = ? WHERE id = ?", (now, row[0]))
            return row[0], bool(row[1])
        cur = self.conn.execute(
            "INSERT INTO senders (key, e164, raw, kind, masked, operator, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (number.key, number.e164, number.raw, number.kind, number.masked, number.operator,
             now, now))
        return int(cur.lastrowid), False

    def set_blocked(self, number: str, blocked: bool, reason: str = "", *, role: str = "producer",
                    actor: str | None = None) -> int:
        """Block or unblock a number (its messages are still kept, as spam); returns the sender id."""
        now = _utc(self.clock)
        with transaction(self.conn):
            sender_id, was = self._sender(number, now)
            self.conn.execute(
                "UPDATE senders SET blocked = ?, blocked_reason = ?, blocked_at = ? WHERE id = ?",
                (int(blocked), reason or None, now if blocked else None, sender_id))
            self.audit(role, actor, "sender", sender_id, "block" if blocked else "unblock",
                        "blocked" if was else "open", "blocked" if blocked else "open", reason, now)
        return sender_id

    def set_sender_name(self, number: str, name: str | None) -> None:
        """Remember a sender's name (searchable with their messages)."""
        now = _utc(self.clock)
        with transaction(self.conn):
            sender_id, _ = self._sender(number, now)
            self.conn.execute("UPDATE senders SET name = ? WHERE id = ?", (name, sender_id))

    def sender(self, number: str) -> dict[str, Any] | None:
        """The sender row for a number, as a dict, or None."""
        key = parse_number(number).key
        rows = list(self.db.query("SELECT * FROM senders WHERE key = ?", [key]))
        return rows[0] if rows else None

    # ------------------------------------------------------------------- shows
    def current_show(self) -> int | None:
        """The id of the show on air, or None."""
        row = self.conn.execute("SELECT id FROM shows WHERE ended_at IS NULL").fetchone()
        return row[0] if row else None

    def show_on_air(self) -> dict[str, Any] | None:
        """The show on air (id, name, started_at, started_by), or None."""
        rows = list(self.db.query("SELECT id, name, started_at, started_by FROM shows "
                                  "WHERE ended_at IS NULL"))
        return rows[0] if rows else None

    def outbox_backlog(self) -> tuple[int, int]:
        """Outbox rows not yet delivered: (waiting to be sent, failed and waiting for a person)."""
        waiting, failed = self.conn.execute(
            "SELECT count(*) FILTER (WHERE state IN ('pending', 'sending')), "
            "count(*) FILTER (WHERE state = 'gagal_kirim') FROM outbox").fetchone()
        return waiting, failed

    def start_show(self, name: str, *, by: str | None = None) -> int:
        """Put a show on air (ending the one on air, if any); returns its id."""
        now = _utc(self.clock)
        with transaction(self.conn):
            self.conn.execute("UPDATE shows SET ended_at = ?, ended_by = ? WHERE ended_at IS NULL",
                              (now, by))
            cur = self.conn.execute(
                "INSERT INTO shows (name, started_at, started_by) VALUES (?, ?, ?)", (name, now, by))
            show_id = int(cur.lastrowid)
            self.audit("producer", by, "show", show_id, "start", None, "on_air", name, now)
        return show_id

    def stop_show(self, *, by: str | None = None) -> int | None:
        """End the show on air; returns its id (None when none was on air)."""
        now = _utc(self.clock)
        with transaction(self.conn):
            show_id = self.current_show()
            if show_id is not None:
                self.conn.execute("UPDATE shows SET ended_at = ?, ended_by = ? WHERE id = ?",
                                  (now, by, show_id))
                self.audit("producer", by, "show", show_id, "stop", "on_air", "ended", None, now)
        return show_id

    # ------------------------------------------------------------------- ingest
    def store_part(self, sms: Any, pdu_hex: str, *, storage: str | None = None,
                   slot: int | None = None) -> PartOutcome:
        """Store one received SMS-DELIVER part durably, assembling its message when complete.

        Idempotent: a part whose fingerprint is already stored writes nothing.

        Args:
            sms: the decoded PDU (``drivers.gsm.pdu.Sms`` of kind "deliver").
            pdu_hex: the raw PDU as read from the modem.
            storage, slot: where it was read from (for the record).
        """
        key = dedupe_key(pdu_hex)
        now = _utc(self.clock)
        with transaction(self.conn):
            row = self.conn.execute("SELECT id, message_id FROM parts WHERE dedupe_key = ?",
                                    (key,)).fetchone()
            if row:
                return PartOutcome(row[0], True, row[1], False)
            sender_id, blocked = self._sender(sms.sender, now)
            concat = sms.concat
            cur = self.conn.execute(
                "INSERT INTO parts (dedupe_key, received_at, storage, slot, pdu_hex, smsc, "
                "sender_id, sender_raw, sent_at, text, encoding, concat_ref, concat_parts, "
                "concat_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, now, storage, slot, pdu_hex.strip().upper(), sms.smsc, sender_id,
                 sms.sender or "", iso(sms.timestamp), sms.text, sms.encoding,
                 concat.ref if concat else None, concat.parts if concat else None,
                 concat.seq if concat else None))
            part_id = int(cur.lastrowid)
            if concat is None or concat.parts <= 1:
                message_id = self._new_message(sender_id, blocked, [part_id], 1, now)
                return PartOutcome(part_id, False, message_id, True)
            message_id, complete = self._join_multipart(sender_id, blocked, concat, part_id, now)
            return PartOutcome(part_id, False, message_id, complete)

    def _join_multipart(self, sender_id: int, blocked: bool, concat: Any, part_id: int,
                        now: str) -> tuple[int | None, bool]:
        # A part of a message already shown as incomplete joins it.
        row = self.conn.execute(
            "SELECT m.id FROM messages m WHERE m.sender_id = ? AND m.concat_ref = ? "
            "AND m.parts_expected = ? AND m.complete = 0 AND NOT EXISTS (SELECT 1 FROM parts p "
            "WHERE p.message_id = m.id AND p.concat_seq = ?) ORDER BY m.id LIMIT 1",
            (sender_id, concat.ref, concat.parts, concat.seq)).fetchone()
        if row:
            self.conn.execute("UPDATE parts SET message_id = ? WHERE id = ?", (row[0], part_id))
            complete = self._refresh_message(row[0])
            return row[0], complete
        pending = self.conn.execute(
            "SELECT id, concat_seq FROM parts WHERE message_id IS NULL AND sender_id = ? "
            "AND concat_ref = ? AND concat_parts = ? ORDER BY id",
            (sender_id, concat.ref, concat.parts)).fetchall()
        by_seq: dict[int, int] = {}
        for pid, seq in pending:
            by_seq.setdefault(seq, pid)  # the oldest part of each sequence number
        if len(by_seq) < concat.parts or set(by_seq) != set(range(1, concat.parts + 1)):
            return None, False
        ids = [by_seq[seq] for seq in sorted(by_seq)]
        return self._new_message(sender_id, blocked, ids, concat.parts, now), True

    def _new_message(self, sender_id: int, blocked: bool, part_ids: list[int], expected: int,
                     now: str) -> int:
        """Create a message (and its screening item) from parts. Inside a transaction."""
        marks = ",".join("?" * len(part_ids))
        parts = self.conn.execute(
            f"SELECT id, received_at, sender_raw, sent_at, encoding, concat_ref, concat_seq "
            f"FROM parts WHERE id IN ({marks}) ORDER BY coalesce(concat_seq, 0), id",
            part_ids).fetchall()
        first = parts[0]
        received = min(p[1] for p in parts)
        since = (datetime.fromisoformat(now) - timedelta(seconds=self.flood_window)).isoformat()
        recent = self.conn.execute(
            "SELECT count(*) FROM messages WHERE sender_id = ? AND received_at >= ?",
            (sender_id, since)).fetchone()[0]
        state = initial_state(blocked=blocked, recent_messages=recent,
                              flood_max_messages=self.flood_max_messages)
        show_id = self.current_show()
        cur = self.conn.execute(
            "INSERT INTO messages (sender_id, sender_raw, text, received_at, sent_at, "
            "parts_expected, parts_received, complete, concat_ref, encoding, show_id) "
            "VALUES (?, ?, '', ?, ?, ?, 0, 0, ?, ?, ?)",
            (sender_id, first[2], received, first[3], expected,
             first[5] if expected > 1 else None, first[4], show_id))
        message_id = int(cur.lastrowid)
        self.conn.execute(f"UPDATE parts SET message_id = ? WHERE id IN ({marks})",
                          [message_id, *part_ids])
        self._refresh_message(message_id)
        self.conn.execute(
            "UPDATE senders SET message_count = message_count + 1 WHERE id = ?", (sender_id,))
        cur = self.conn.execute(
            "INSERT INTO items (kind, message_id, show_id, state, created_at, updated_at) "
            "VALUES ('sms', ?, ?, ?, ?, ?)", (message_id, show_id, state, now, now))
        self.audit("system", "ingest", "item", int(cur.lastrowid), "received", None, state, None,
                    now)
        return message_id

    def _refresh_message(self, message_id: int) -> bool:
        """Recompute a message's text and completeness from its parts; returns complete."""
        expected = self.conn.execute("SELECT parts_expected FROM messages WHERE id = ?",
                                     (message_id,)).fetchone()[0]
        rows = self.conn.execute(
            "SELECT concat_seq, text, sent_at FROM parts WHERE message_id = ? "
            "ORDER BY coalesce(concat_seq, 0), id", (message_id,)).fetchall()
        texts = {seq or 1: text for seq, text, _ in rows}
        complete = len(texts) >= expected
        if expected > 1:
            text = "".join(texts.get(i, MISSING_PART) for i in range(1, expected + 1))
        else:
            text = rows[0][1]
        sent_at = next((s for seq, _, s in rows if (seq or 1) == 1 and s), rows[0][2])
        self.conn.execute(
            "UPDATE messages SET text = ?, parts_received = ?, complete = ?, sent_at = ? "
            "WHERE id = ?", (text, len(texts), int(complete), sent_at, message_id))
        return complete

    def release_stale_parts(self, wait_seconds: float) -> list[int]:
        """Show multipart messages still missing parts after ``wait_seconds`` as incomplete.

        Returns the ids of the messages created. Parts that arrive later join them.
        """
        now = _utc(self.clock)
        cutoff = (datetime.fromisoformat(now) - timedelta(seconds=wait_seconds)).isoformat()
        created = []
        with transaction(self.conn):
            groups = self.conn.execute(
                "SELECT sender_id, concat_ref, concat_parts, min(received_at) FROM parts "
                "WHERE message_id IS NULL AND concat_parts > 1 "
                "GROUP BY sender_id, concat_ref, concat_parts HAVING min(received_at) <= ?",
                (cutoff,)).fetchall()
            for sender_id, ref, total, _ in groups:
                rows = self.conn.execute(
                    "SELECT id, concat_seq FROM parts WHERE message_id IS NULL AND sender_id = ? "
                    "AND concat_ref = ? AND concat_parts = ? ORDER BY id",
                    (sender_id, ref, total)).fetchall()
                by_seq: dict[int, int] = {}
                for pid, seq in rows:
                    by_seq.setdefault(seq, pid)
                blocked = bool(self.conn.execute("SELECT blocked FROM senders WHERE id = ?",
                                                 (sender_id,)).fetchone()[0])
                created.append(self._new_message(sender_id, blocked, list(by_seq.values()),
                                                 total, now))
        return created

    def quarantine(self, pdu_hex: str, reason: str, *, storage: str | None = None,
                   slot: int | None = None) -> tuple[int, bool]:
        """Keep an undecodable PDU verbatim with the reason; returns (id, duplicate)."""
        key = dedupe_key(pdu_hex, has_smsc=False)
        now = _utc(self.clock)
        with transaction(self.conn):
            row = self.conn.execute("SELECT id FROM quarantine WHERE dedupe_key = ?",
                                    (key,)).fetchone()
            if row:
                return row[0], True
            cur = self.conn.execute(
                "INSERT INTO quarantine (dedupe_key, received_at, storage, slot, pdu_hex, reason)"
                " VALUES (?, ?, ?, ?, ?, ?)", (key, now, storage, slot, pdu_hex, reason))
            return int(cur.lastrowid), False

    # --------------------------------------------------------- delivery reports
    def record_sent(self, recipient: str, text: str, references: list[int], *,
                    purpose: str = "manual", related_id: int | None = None) -> int:
        """Record an SMS the console sent (one TP-MR per part); returns its id."""
        now = _utc(self.clock)
        with transaction(self.conn):
            cur = self.conn.execute(
                "INSERT INTO sent_sms (recipient, text, created_at, purpose, related_id) "
                "VALUES (?, ?, ?, ?, ?)", (recipient, text, now, purpose, related_id))
            sent_id = int(cur.lastrowid)
            self._insert_sent_parts(sent_id, recipient, references, now)
        return sent_id

    def _insert_sent_parts(self, sent_id: int, recipient: str, references: list[int],
                           now: str) -> None:
        """One ``sent_parts`` row per TP-MR, each matched to a report that came first."""
        wanted = parse_number(recipient).key
        for seq, reference in enumerate(references, start=1):
            cur = self.conn.execute(
                "INSERT INTO sent_parts (sent_id, seq, reference, sent_at) VALUES (?, ?, ?, ?)",
                (sent_id, seq, reference, now))
            self._attach_early_report(int(cur.lastrowid), reference, wanted)

    # Sends that must happen once (complaint transports): the intent is written, durably,
    # BEFORE the modem is asked, so a crash in between is seen as "may have gone".
    def begin_sent(self, recipient: str, text: str, *, purpose: str, related_id: int | None,
                   idempotency_key: str) -> int:
        """Write the intent to send (state ``sending``) under ``idempotency_key``; returns its id.

        A ``failed`` or ``abandoned`` intent with the same key is taken up again (same row,
        new text and time); its history is in the audit log and the outbox attempts.

        Raises:
            ValueError: an intent with this key is already ``sending`` or ``sent``.
        """
        now = _utc(self.clock)
        with transaction(self.conn):
            row = self.conn.execute("SELECT id, state FROM sent_sms WHERE idempotency_key = ?",
                                    (idempotency_key,)).fetchone()
            if row is None:
                cur = self.conn.execute(
                    "INSERT INTO sent_sms (recipient, text, created_at, purpose, related_id, "
                    "idempotency_key, state) VALUES (?, ?, ?, ?, ?, ?, 'sending')",
                    (recipient, text, now, purpose, related_id, idempotency_key))
                return int(cur.lastrowid)
            if row[1] in ("sending", "sent"):
                raise ValueError(f"the SMS with key {idempotency_key} is already {row[1]}")
            self.conn.execute(
                "UPDATE sent_sms SET recipient = ?, text = ?, created_at = ?, purpose = ?, "
                "related_id = ?, state = 'sending' WHERE id = ?",
                (recipient, text, now, purpose, related_id, row[0]))
            return int(row[0])

    def finish_sent(self, sent_id: int, references: list[int]) -> None:
        """The modem took the intent ``sent_id``: record its TP-MRs and mark it ``sent``."""
        now = _utc(self.clock)
        with transaction(self.conn):
            row = self.conn.execute("SELECT recipient FROM sent_sms WHERE id = ?",
                                    (sent_id,)).fetchone()
            if row is None:
                raise ValueError(f"no such sent SMS: {sent_id}")
            self.conn.execute("UPDATE sent_sms SET state = 'sent' WHERE id = ?", (sent_id,))
            self._insert_sent_parts(sent_id, row[0], references, now)

    def fail_sent(self, sent_id: int) -> None:
        """The modem refused the intent ``sent_id`` (it proves nothing went): ``failed``."""
        with transaction(self.conn):
            self.conn.execute(
                "UPDATE sent_sms SET state = 'failed' WHERE id = ? AND state = 'sending'",
                (sent_id,))

    def abandon_sent(self, idempotency_key: str, *, role: str = "operator",
                     actor: str | None = None) -> int | None:
        """A person checked an intent left ``sending``: mark it ``abandoned`` (audited) so it
        may be sent again. Returns its id, or None when no intent with this key was ``sending``."""
        now = _utc(self.clock)
        with transaction(self.conn):
            row = self.conn.execute(
                "SELECT id FROM sent_sms WHERE idempotency_key = ? AND state = 'sending'",
                (idempotency_key,)).fetchone()
            if row is None:
                return None
            self.conn.execute("UPDATE sent_sms SET state = 'abandoned' WHERE id = ?", (row[0],))
            self.audit(role, actor, "sent_sms", row[0], "released", "sending", "abandoned",
                       idempotency_key, now)
            return int(row[0])

    def sent_by_key(self, idempotency_key: str) -> SentSms | None:
        """The SMS sent (or meant to be sent) under ``idempotency_key``, with its TP-MRs."""
        row = self.conn.execute(
            "SELECT id, recipient, text, created_at, purpose, related_id, idempotency_key, state "
            "FROM sent_sms WHERE idempotency_key = ?", (idempotency_key,)).fetchone()
        if row is None:
            return None
        references = [r[0] for r in self.conn.execute(
            "SELECT reference FROM sent_parts WHERE sent_id = ? ORDER BY seq", (row[0],))]
        return SentSms(*row, references=tuple(references))

    def _attach_early_report(self, part_id: int, reference: int, recipient_key: str) -> None:
        """A delivery report can beat ``record_sent`` (multipart sends take seconds): match it now."""
        for report_id, recipient, status, text, delivered, discharge_at in self.conn.execute(
                "SELECT id, recipient, status, status_text, delivered, discharge_at "
                "FROM status_reports WHERE reference = ? AND sent_part_id IS NULL "
                "ORDER BY id DESC LIMIT 20", (reference,)).fetchall():
            if parse_number(recipient).key != recipient_key:
                continue
            self.conn.execute("UPDATE status_reports SET sent_part_id = ? WHERE id = ?",
                              (part_id, report_id))
            self.conn.execute(
                "UPDATE sent_parts SET status = ?, status_text = ?, delivered = ?, status_at = ?, "
                "discharge_at = ? WHERE id = ?",
                (status, text, delivered, _utc(self.clock), discharge_at, part_id))
            return

    def store_status_report(self, report: Any, pdu_hex: str) -> tuple[int | None, bool]:
        """Store a delivery report and match it to the sent part (same TP-MR and recipient).

        Returns (matched sent_parts id or None, duplicate).
        """
        key = dedupe_key(pdu_hex)
        now = _utc(self.clock)
        with transaction(self.conn):
            if self.conn.execute("SELECT 1 FROM status_reports WHERE dedupe_key = ?",
                                 (key,)).fetchone():
                return None, True
            wanted = parse_number(report.recipient).key
            match = None
            for part_id, recipient in self.conn.execute(
                    "SELECT sp.id, s.recipient FROM sent_parts sp JOIN sent_sms s "
                    "ON s.id = sp.sent_id WHERE sp.reference = ? ORDER BY sp.id DESC LIMIT 20",
                    (report.reference,)):
                if parse_number(recipient).key == wanted:
                    match = part_id
                    break
            self.conn.execute(
                "INSERT INTO status_reports (dedupe_key, received_at, pdu_hex, recipient, "
                "reference, status, sent_part_id, status_text, delivered, discharge_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, now, pdu_hex, report.recipient, report.reference, report.status, match,
                 report.status_text, None if report.delivered is None else int(report.delivered),
                 iso(report.discharge_time)))
            if match is not None:
                self.conn.execute(
                    "UPDATE sent_parts SET status = ?, status_text = ?, delivered = ?, "
                    "status_at = ?, discharge_at = ? WHERE id = ?",
                    (report.status, report.status_text, None if report.delivered is None
                     else int(report.delivered), now, iso(report.discharge_time), match))
            return match, False

    # -------------------------------------------------------------------- calls
    def call_ringing(self, number: str | None) -> int:
        """A call starts ringing; returns the call id."""
        now = _utc(self.clock)
        with transaction(self.conn):
            sender_id, blocked = self._sender(number, now)
            state = "blocked" if blocked else "ringing"
            cur = self.conn.execute(
                "INSERT INTO calls (sender_id, number_raw, state, show_id, ringing_at, clip_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (sender_id, number or "", state, self.current_show(), now,
                 now if number else None))
            self.conn.execute("UPDATE senders SET call_count = call_count + 1 WHERE id = ?",
                              (sender_id,))
            return int(cur.lastrowid)

    def call_identified(self, call_id: int, number: str) -> None:
        """Caller ID (+CLIP) arrived for a ringing call."""
        now = _utc(self.clock)
        with transaction(self.conn):
            row = self.conn.execute("SELECT sender_id, number_raw FROM calls WHERE id = ?",
                                    (call_id,)).fetchone()
            if row is None or row[1] == number:
                return
            sender_id, blocked = self._sender(number, now)
            self.conn.execute("UPDATE senders SET call_count = max(call_count - 1, 0) "
                              "WHERE id = ?", (row[0],))
            self.conn.execute("UPDATE senders SET call_count = call_count + 1 WHERE id = ?",
                              (sender_id,))
            self.conn.execute(
                "UPDATE calls SET sender_id = ?, number_raw = ?, clip_at = ?, "
                "state = CASE WHEN ? THEN 'blocked' ELSE state END WHERE id = ?",
                (sender_id, number, now, int(blocked), call_id))

    def call_set_state(self, call_id: int, state: str, *, reason: str | None = None,
                       role: str = "system", actor: str | None = None) -> None:
        """Move a call to ``state``, stamping that phase's time."""
        now = _utc(self.clock)
        column = {"screening": "screening_at", "hold": "hold_at", "ready": "ready_at",
                  "on_air": "on_air_at"}.get(state)
        with transaction(self.conn):
            row = self.conn.execute("SELECT state FROM calls WHERE id = ?", (call_id,)).fetchone()
            if row is None:
                return
            if state in ("ended", "missed", "rejected", "blocked"):
                self.conn.execute(
                    "UPDATE calls SET state = ?, ended_at = coalesce(ended_at, ?), "
                    "end_reason = coalesce(?, end_reason) WHERE id = ?",
                    (state, now, reason, call_id))
            else:
                self.conn.execute(f"UPDATE calls SET state = ?, {column} = ? WHERE id = ?",
                                  (state, now, call_id))
            self.audit(role, actor, "call", call_id, state, row[0], state, reason, now)

    def call(self, call_id: int) -> dict[str, Any] | None:
        """One call row as a dict."""
        rows = list(self.db.query("SELECT * FROM calls WHERE id = ?", [call_id]))
        return rows[0] if rows else None

    # -------------------------------------------------------------------- audit
    def audit(self, role: str, actor: str | None, entity: str, entity_id: int | None,
              action: str, from_state: str | None, to_state: str | None, detail: str | None,
              now: str) -> None:
        """Append one row to the audit log (call inside the transaction it records)."""
        self.conn.execute(
            "INSERT INTO audit (at, actor_role, actor, entity, entity_id, action, from_state, "
            "to_state, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (now, role, actor, entity, entity_id, action, from_state, to_state, detail))

    # ------------------------------------------------------------------- status
    def publish_status(self, data: dict[str, Any]) -> None:
        """Publish the ingest service's status (modem, counters) for every screen."""
        now = _utc(self.clock)
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO service_status (id, pid, host, updated_at, data) VALUES (1, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, "
                "updated_at = excluded.updated_at, data = excluded.data",
                (os.getpid(), socket.gethostname(), now, json.dumps(data, default=str)))

    def read_status(self) -> dict[str, Any] | None:
        """The last published service status (with ``pid`` and ``updated_at``), or None."""
        row = self.conn.execute(
            "SELECT pid, host, updated_at, data FROM service_status WHERE id = 1").fetchone()
        if row is None:
            return None
        data = json.loads(row[3])
        data.update(pid=row[0], host=row[1], updated_at=row[2])
        return data

    # ------------------------------------------------------------------ queries
    def messages(self, *, since: str | None = None, search: str | None = None,
                 state: str | None = None, after_id: int | None = None,
                 before_id: int | None = None, limit: int | None = None,
                 newest_first: bool = False) -> Iterator[MessageRow]:
        """Messages matching the filters, in id order (or newest first).

        Args:
            since: ISO 8601 instant; messages received at or after it.
            search: words to find (FTS5, never raw query syntax).
            state: the item state ("new", "approved", "spam", …).
            after_id, before_id: page by id.
            limit: at most this many.
        """
        # Three shapes, each walking an index in id order so a page stops early:
        # search -> the FTS index by rowid; state -> items (state, message_id); else messages.
        where, args = [], []
        if search is not None:
            query = fts_query(search)
            if query is None:
                return
            key = "f.rowid"
            source = ("FROM messages_fts f JOIN messages m ON m.id = f.rowid "
                      "JOIN senders s ON s.id = m.sender_id "
                      "LEFT JOIN items i ON i.message_id = m.id")
            where.append("messages_fts MATCH ?")
            args.append(query)
            if state:
                where.append("coalesce(i.state, 'new') = ?")
                args.append(state)
        elif state:
            key = "i.message_id"
            source = ("FROM items i JOIN messages m ON m.id = i.message_id "
                      "JOIN senders s ON s.id = m.sender_id")
            where.append("i.state = ?")
            args.append(state)
        else:
            key = "m.id"
            source = _MESSAGE_FROM
        if since:
            where.append("m.received_at >= ?")
            args.append(since)
        if after_id is not None:
            where.append(f"{key} > ?")
            args.append(after_id)
        if before_id is not None:
            where.append(f"{key} < ?")
            args.append(before_id)
        sql = f"SELECT {_MESSAGE_COLUMNS} {source}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {key}" + (" DESC" if newest_first else "")
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        for r in self.conn.execute(sql, args):
            yield MessageRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                             bool(r[10]), r[11], r[12])

    def message(self, message_id: int) -> MessageRow | None:
        """One message by id."""
        return next(self.messages(after_id=message_id - 1, before_id=message_id + 1), None)

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables (status and tests)."""
        tables = ("messages", "parts", "quarantine", "calls", "senders", "status_reports")
        return {t: self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
