"""Events the modem driver hands to its ``on_event`` callback.

All are frozen dataclasses with plain values (no references to the modem), so a
service can queue them, log them or post them to a UI thread as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CallEnded",
    "IncomingCall",
    "MessagesWaiting",
    "ModemEvent",
    "RegistrationChanged",
    "SignalChanged",
    "SmsReceived",
    "SmsStored",
    "StateChanged",
    "StatusReportReceived",
    "StatusReportStored",
    "StorageFull",
    "Ussd",
]


@dataclass(frozen=True, slots=True)
class SmsStored:
    """A message was stored on the modem (``+CMTI: "SM",3``); read it, then delete it.

    Attributes:
        storage: ``"SM"``, ``"ME"``, ``"MT"`` …
        index: The slot (Huawei counts from 0).
    """

    storage: str
    index: int


@dataclass(frozen=True, slots=True)
class SmsReceived:
    """A message was delivered directly (``+CMT``), not stored on the modem.

    Attributes:
        pdu_hex: The PDU with its SMSC field, as received.
    """

    pdu_hex: str


@dataclass(frozen=True, slots=True)
class StatusReportStored:
    """A status report was stored on the modem (``+CDSI: "SR",8``).

    Attributes:
        storage: Usually ``"SR"``.
        index: The slot.
    """

    storage: str
    index: int


@dataclass(frozen=True, slots=True)
class StatusReportReceived:
    """A status report was delivered directly (``+CDS``).

    Attributes:
        pdu_hex: The status-report PDU (with SMSC field on most modems).
    """

    pdu_hex: str


@dataclass(frozen=True, slots=True)
class IncomingCall:
    """The phone rings, or the caller's number became known.

    The driver emits this once when a call starts (``RING``/``+CRING``, number
    possibly None) and once more when ``+CLIP`` brings the number; both carry the
    same ``call_id`` so the service can merge them.

    Attributes:
        number: The caller's number, or None until ``+CLIP`` (or when withheld).
        number_type: The TON/NPI byte from ``+CLIP`` (145 international, 129 other).
        validity: CLI validity from ``+CLIP`` (0 valid, 1 withheld, 2 unavailable).
        call_id: Identifies the call within this driver instance.
    """

    number: str | None
    number_type: int | None = None
    validity: int | None = None
    call_id: int = 0


@dataclass(frozen=True, slots=True)
class CallEnded:
    """The current call ended.

    Attributes:
        reason: ``"remote hang-up"``, ``"local hang-up"``, ``"missed"``, ``"modem disconnected"``.
        call_id: The ``call_id`` of the :class:`IncomingCall`.
    """

    reason: str
    call_id: int = 0


@dataclass(frozen=True, slots=True)
class StateChanged:
    """The driver's connection state changed.

    Attributes:
        state: ``"stopped"``, ``"connecting"``, ``"ready"``, ``"reconnecting"``, ``"failed"``.
        reason: Why, in one sentence (empty when obvious).
    """

    state: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class StorageFull:
    """A message storage is full; new messages may be refused until slots are freed.

    Attributes:
        storage: ``"SM"``, ``"ME"`` …
    """

    storage: str


@dataclass(frozen=True, slots=True)
class MessagesWaiting:
    """Polling found messages in a storage (a ``+CMTI`` may have been missed): sweep it.

    Attributes:
        storage: The storage holding messages.
        used: How many slots are in use.
    """

    storage: str
    used: int


@dataclass(frozen=True, slots=True)
class Ussd:
    """A USSD message from the network (``+CUSD``).

    Attributes:
        status: 0 no further action, 1 further action required, 2 terminated, …
        text: The decoded text ('' when there is none); the raw string when it could
            not be decoded.
        dcs: The data coding scheme, when given.
        raw: The URC line as received.
    """

    status: int | None
    text: str
    dcs: int | None = None
    raw: str = ""


@dataclass(frozen=True, slots=True)
class SignalChanged:
    """The signal strength changed.

    Attributes:
        dbm: Received signal strength in dBm, or None when unknown (CSQ 99).
        csq: The raw ``+CSQ`` rssi (0..31, 99), when known.
    """

    dbm: int | None
    csq: int | None = None


@dataclass(frozen=True, slots=True)
class RegistrationChanged:
    """Network registration changed (``+CREG`` URC).

    Attributes:
        registration: ``"home"``, ``"roaming"``, ``"searching"``, ``"denied"``,
            ``"unregistered"`` or ``"unknown"``.
    """

    registration: str


ModemEvent = (
    SmsStored
    | SmsReceived
    | StatusReportStored
    | StatusReportReceived
    | IncomingCall
    | CallEnded
    | StateChanged
    | StorageFull
    | MessagesWaiting
    | Ussd
    | SignalChanged
    | RegistrationChanged
)
