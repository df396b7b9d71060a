"""The optional reply SMS to the citizen: "Aduan Anda telah diteruskan ke LAPOR!, nomor …".

Off by default (``export.citizen_reply``). When a complaint gets its tracking ID (from
LAPOR!'s reply, :mod:`~studio_console.complaints.lapor_reply`, or from a transport's receipt,
through the outbox worker's :func:`after_sent_hook`), :func:`queue_citizen_reply`
puts one ``balasan`` row in the outbox; :class:`CitizenReplyTransport` sends
``export.citizen_reply_text`` (``{tracking}`` and ``{station}`` filled in, fitted into one
segment by the same rule as the SMS to 1708) to the reporter's number, read from the store:
the payload has no number when the complaint is anonim, and anonim concerns what leaves the
studio, not a message back to the citizen who sent it.

At most one reply per number per ``export.citizen_reply_interval`` hours (every
``sent_sms`` of purpose ``reply`` counts); a later one is skipped, as is a complaint with
no mobile number: the receipt says ``skipped`` (``rate_limited``, ``no_number``,
``no_tracking``) and the row is done. Sending follows the same exactly-once rule as the
SMS to 1708 (:func:`~.sms1708.send_once`).

Queuing is idempotent (one ``balasan`` row per complaint, however often it is asked) and
the LAPOR! reply matcher queues it in the same transaction that files the tracking ID. A
crash between a transport's receipt and the worker's hook is caught up when the worker
starts (:func:`start_hook`, :func:`queue_missing`): every complaint whose tracking ID the
system filed in the last :data:`CATCH_UP` and that has no ``balasan`` row gets one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from studio_console.complaints.builder import ComplaintError, idempotency_key, load, queue_outbox
from studio_console.complaints.outbox import PermanentError, Receipt, parse_time
from studio_console.complaints.transports.sms1708 import FittedSms, SmsModem, fit_text, send_once
from studio_console.phone import parse_number
from studio_console.store import Store, transaction

__all__ = [
    "CATCH_UP",
    "NAME",
    "CitizenReplyTransport",
    "after_sent_hook",
    "queue_citizen_reply",
    "queue_in_transaction",
    "queue_missing",
    "start_hook",
]

NAME = "balasan"
DEFAULT_TEMPLATE = "Aduan Anda telah diteruskan ke LAPOR!, nomor {tracking}. Terima kasih. {station}"
CATCH_UP = timedelta(hours=24)
"""How far back :func:`queue_missing` looks for tracking IDs whose reply was never queued
(older ones are left alone: the citizen would be told days late)."""
Clock = Callable[[], datetime]


class CitizenReplyTransport:
    """Tells the citizen their complaint's tracking ID by SMS, once, rate-limited per number.

    Args:
        db_path: the console's database.
        modem: the modem driver (``send_sms`` and ``state``), or None.
        template: ``export.citizen_reply_text``; ``{tracking}`` and ``{station}`` only.
        station: the station's name (``studio.station``).
        interval_hours: ``export.citizen_reply_interval``.
        clock: source of the current time.

    Raises:
        ValueError: the template uses other fields or is malformed.
    """

    name = NAME

    def __init__(
        self,
        db_path: str | Path,
        modem: SmsModem | None,
        template: str = DEFAULT_TEMPLATE,
        station: str = "",
        interval_hours: float = 24.0,
        *,
        clock: Clock | None = None,
    ) -> None:
        try:
            template.format(tracking="1", station="x")
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            raise ValueError(
                f"export.citizen_reply_text may only use {{tracking}} and {{station}}: {exc!r}"
            ) from exc
        self.db_path = Path(db_path)
        self.modem = modem
        self.template = template
        self.station = station
        self.interval = timedelta(hours=float(interval_hours))
        self.clock: Clock = clock or (lambda: datetime.now(UTC))

    @classmethod
    def from_settings(
        cls, export_settings: Any, db_path: str | Path, modem: SmsModem | None, *, station: str = ""
    ) -> CitizenReplyTransport:
        """The transport ``config.toml`` describes."""
        return cls(
            db_path,
            modem,
            export_settings.citizen_reply_text,
            station,
            export_settings.citizen_reply_interval,
        )

    def reply_text(self, tracking: str) -> FittedSms:
        """The reply for ``tracking``, fitted into one segment."""
        return fit_text(self.template.format(tracking=tracking, station=self.station))

    def _recent_reply(self, store: Store, recipient: str, key: str) -> bool:
        """A reply went (or may have gone) to this number within the interval."""
        since = self.clock() - self.interval
        wanted = parse_number(recipient).key
        for other, created_at, other_key in store.conn.execute(
            "SELECT recipient, created_at, idempotency_key FROM sent_sms "
            "WHERE purpose = 'reply' AND state IN ('sent', 'sending')"
        ):
            if other_key == key or parse_number(other).key != wanted:
                continue
            moment = parse_time(created_at)
            if moment is not None and moment >= since:
                return True
        return False

    def send(self, payload: dict[str, Any], idempotency_key: str) -> Receipt:
        """Send the reply once (or skip it, with the reason in the receipt's detail)."""
        complaint_id = payload.get("id")
        with Store(self.db_path, durable=True, clock=self.clock) as store:
            existing = store.sent_by_key(idempotency_key)
            if existing is None or existing.state not in ("sent", "sending"):
                try:
                    complaint = load(store, int(complaint_id))  # type: ignore[arg-type]
                except (ComplaintError, TypeError, ValueError) as exc:
                    raise PermanentError(f"the reply cannot be sent: {exc}") from exc
                tracking = complaint.tracking_id or payload.get("tracking_id")
                if not tracking:
                    return Receipt(None, {"skipped": "no_tracking"})
                number = parse_number(complaint.pelapor.e164 if complaint.pelapor else None)
                if number.e164 is None or number.kind != "mobile":
                    return Receipt(None, {"skipped": "no_number"})
                if self._recent_reply(store, number.e164, idempotency_key):
                    return Receipt(None, {"skipped": "rate_limited"})
                text = self.reply_text(str(tracking)).text
                recipient = number.e164
            else:
                text, recipient = existing.text, existing.recipient
            return send_once(
                store,
                self.modem,
                recipient,
                text,
                purpose="reply",
                related_id=complaint_id,
                idempotency_key=idempotency_key,
                what="reply SMS to the citizen",
            )


def queue_in_transaction(
    store: Store, complaint_id: int, export_settings: Any, *, clock: Clock | None = None
) -> int | None:
    """:func:`queue_citizen_reply` inside the caller's transaction (the matcher files the
    tracking ID and queues the reply atomically)."""
    if not getattr(export_settings, "citizen_reply", False):
        return None
    complaint = load(store, complaint_id)
    if not complaint.tracking_id:
        return None
    key = idempotency_key(complaint, NAME)
    if store.conn.execute(
        "SELECT 1 FROM outbox WHERE (complaint_id = ? AND transport = ?) OR idempotency_key = ?",
        (complaint_id, NAME, key),
    ).fetchone():
        return None
    at = (clock or store.clock)().astimezone(UTC).isoformat(timespec="microseconds")
    return queue_outbox(store, complaint_id, NAME, key, at, "system", None)


def queue_citizen_reply(
    store: Store, complaint_id: int, export_settings: Any, *, clock: Clock | None = None
) -> int | None:
    """Queue the citizen's reply SMS for a complaint, in its own transaction; idempotent.

    Only when ``export_settings.citizen_reply`` is on, the complaint has a tracking ID
    and it has no ``balasan`` outbox row yet. Returns the new outbox row's id, else None
    (also when it was queued before).
    """
    if not getattr(export_settings, "citizen_reply", False):
        return None
    with transaction(store.conn):
        return queue_in_transaction(store, complaint_id, export_settings, clock=clock)


def queue_missing(store: Store, export_settings: Any, *, clock: Clock | None = None) -> list[int]:
    """Queue the reply for every complaint that got its tracking ID from the system (a
    transport's receipt, LAPOR!'s reply) within :data:`CATCH_UP` and has no ``balasan``
    row (a crash came between filing the ID and queuing); returns the new rows' ids."""
    if not getattr(export_settings, "citizen_reply", False):
        return []
    since = (clock or store.clock)() - CATCH_UP
    rows = store.conn.execute(
        "SELECT c.id, a.at FROM complaints c JOIN audit a ON a.entity = 'complaint' "
        "AND a.entity_id = c.id AND a.action = 'tracking' AND a.actor_role = 'system' "
        "AND a.detail = c.tracking_id "
        "WHERE c.tracking_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM outbox o WHERE o.complaint_id = c.id AND o.transport = ?) ORDER BY c.id",
        (NAME,),
    ).fetchall()
    queued: list[int] = []
    for complaint_id in dict.fromkeys(cid for cid, at in rows if (t := parse_time(at)) and t >= since):
        outbox_id = queue_citizen_reply(store, complaint_id, export_settings, clock=clock)
        if outbox_id is not None:
            queued.append(outbox_id)
    return queued


def after_sent_hook(
    export_settings: Any, *, clock: Clock | None = None
) -> Callable[[Store, Any], None] | None:
    """The outbox worker's ``on_sent``: queue the citizen's reply once a transport's receipt
    gave the complaint its tracking ID (None when ``export.citizen_reply`` is off)."""
    if not getattr(export_settings, "citizen_reply", False):
        return None

    def queue(store: Store, row: Any) -> None:
        if row.transport != NAME:
            queue_citizen_reply(store, row.complaint_id, export_settings, clock=clock)

    return queue


def start_hook(export_settings: Any, *, clock: Clock | None = None) -> Callable[[Store], Any] | None:
    """The outbox worker's ``on_start``: :func:`queue_missing` (None when
    ``export.citizen_reply`` is off)."""
    if not getattr(export_settings, "citizen_reply", False):
        return None

    def catch_up(store: Store) -> list[int]:
        return queue_missing(store, export_settings, clock=clock)

    return catch_up
