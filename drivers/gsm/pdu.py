"""SMS PDU codec (3GPP TS 23.040 transfer layer, TS 23.038 data coding).

Decodes SMS-DELIVER, SMS-SUBMIT and SMS-STATUS-REPORT PDUs as modems report them in
PDU mode (``+CMGL``, ``+CMGR``, ``+CMT``, ``+CDS``), and encodes SMS-SUBMIT (to send),
SMS-DELIVER and SMS-STATUS-REPORT (for the virtual modem).

Decoding is strict about structure and tolerant where real modems are sloppy: every
malformed input raises :class:`PduError` with a reason a person can read, and nothing
else escapes; octets after the user data (some modems append garbage) are ignored.
The decoder is tuned for throughput (precomputed tables, ``codecs.charmap_decode``,
big-integer septet unpacking, cached addresses, no generated ``__init__`` per message)
because a full SIM is read in one sweep; ``benchmarks/pdu_decode.py`` measures it.

Example::

    sms = decode("0791448720003023240DD0E474D81C0EBB010000111011315214000BE474D81C0EBB5DE3771B")
    sms.sender, sms.sender_type, sms.text   # 'diafaan', 'alphanumeric', 'diafaan.com'
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from drivers.gsm import gsm7

__all__ = [
    "Concat",
    "PduEncodeError",
    "PduError",
    "Sms",
    "SubmitPdu",
    "decode",
    "encode_deliver",
    "encode_status_report",
    "encode_submit",
    "status_text",
]


class PduError(Exception):
    """A PDU could not be decoded; the message says why (in English, for logs and quarantine)."""


class PduEncodeError(PduError, ValueError):
    """The encoders were given something they cannot encode (bad number, text, argument).

    It is both a :class:`PduError` and a :class:`ValueError`, so either ``except`` works.
    """


@dataclass(frozen=True)
class Concat:
    """The concatenation information element of one part of a long message.

    Attributes:
        ref: Reference shared by all parts of the message.
        parts: Total number of parts (1-255).
        seq: This part's number, 1-based.
        ref_bits: 8 (IEI 0x00) or 16 (IEI 0x08).
    """

    ref: int
    parts: int
    seq: int
    ref_bits: int = 8


@dataclass(frozen=True, slots=True)
class SubmitPdu:
    """One encoded SMS-SUBMIT, ready for ``AT+CMGS=<tpdu_length>``.

    Attributes:
        hex: The PDU in upper-case hex, including the SMSC field (``00`` = the modem's default).
        tpdu_length: Octets after the SMSC field (the number ``AT+CMGS`` wants).
    """

    hex: str
    tpdu_length: int


@dataclass(frozen=True)
class Sms:
    """A decoded PDU.  Fields that do not apply to a kind are ``None`` (or empty).

    Attributes:
        kind: ``"deliver"``, ``"submit"`` or ``"status-report"``.
        smsc: Service centre address (``"+6281100000"``), None when absent or empty.
        sender: Originating address of a deliver (``"+62812…"``, ``"0812…"``, ``"TELKOMSEL"``).
        sender_type: ``"international"``, ``"national"``, ``"unknown"``, ``"alphanumeric"``,
            ``"network-specific"``, ``"subscriber"`` or ``"abbreviated"``.
        recipient: Destination (submit) or recipient (status report) address.
        recipient_type: Type of ``recipient``, same values as ``sender_type``.
        text: The message text; for 8-bit data ``data.decode("latin-1")``.
        data: User data after the header: septet values (one per byte) for GSM 7-bit,
            UTF-16-BE octets for UCS2, raw octets for 8-bit.
        timestamp: Service-centre time stamp (deliver, status report), timezone-aware.
        concat: Concatenation info, None for a single-part message.
        encoding: ``"gsm7"``, ``"ucs2"`` or ``"8bit"``.
        message_class: None or 0-3.
        flash: True for class 0 (show immediately, do not store).
        udh: Every information element of the user data header as ``(iei, data)``.
        reference: TP-MR (submit, status report).
        status: TP-ST of a status report.
        status_text: Human description of ``status``.
        status_category: ``"delivered"``, ``"pending"`` (SC still trying) or ``"failed"``.
        delivered: True when ``status`` is in 0x00-0x1F.
        discharge_time: Status report: when the SC delivered (or gave up).
        status_report_requested: Submit: TP-SRR; deliver: TP-SRI; status report: TP-SRQ.
        validity: Submit: relative validity as timedelta, absolute as datetime, or None.
        more_messages: Deliver / status report: TP-MMS says more messages are waiting.
        pid: TP-PID.
        dcs: TP-DCS.
        tpdu_length: Octets of the TPDU (without the SMSC field and without trailing junk).
    """

    kind: str
    smsc: str | None = None
    sender: str | None = None
    sender_type: str | None = None
    recipient: str | None = None
    recipient_type: str | None = None
    text: str = ""
    data: bytes = b""
    timestamp: datetime | None = None
    concat: Concat | None = None
    encoding: str = "gsm7"
    message_class: int | None = None
    flash: bool = False
    udh: list[tuple[int, bytes]] = field(default_factory=list)
    reference: int | None = None
    status: int | None = None
    status_text: str | None = None
    status_category: str | None = None
    delivered: bool | None = None
    discharge_time: datetime | None = None
    status_report_requested: bool = False
    validity: timedelta | datetime | None = None
    more_messages: bool = False
    pid: int = 0
    dcs: int = 0
    tpdu_length: int = 0


_object_new = object.__new__


def _make(cls: type, fields: dict) -> Any:
    """Build a frozen dataclass instance without its generated ``__init__``.

    A frozen dataclass sets each field through ``object.__setattr__``, which costs more
    than the whole rest of decoding a short PDU; filling ``__dict__`` at once is ~15x
    quicker.  Fields left out take the class defaults (every ``Sms`` path passes ``udh``).
    """
    obj = _object_new(cls)
    obj.__dict__.update(fields)
    return obj


# --------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------

_TON_NAMES = (
    "unknown",
    "international",
    "national",
    "network-specific",
    "subscriber",
    "alphanumeric",
    "abbreviated",
    "reserved",
)

# octet -> the same octet with its nibbles swapped (semi-octet order -> reading order)
_SWAP = bytes(((i & 0x0F) << 4) | (i >> 4) for i in range(256))
# semi-octet digits beyond 9 (TS 23.040 §9.1.2.3): a=*, b=#, c/d/e = a/b/c
_EXTENDED_DIGITS = str.maketrans("abcde", "*#abc")
_DIGITS = frozenset("0123456789")
# octet of a time stamp -> decimal value (low nibble is the tens digit), -1 if not BCD
_BCD = tuple(((i & 0x0F) * 10 + (i >> 4)) if (i & 0x0F) < 10 and (i >> 4) < 10 else -1 for i in range(256))
# time-zone octet -> timezone.  Bit 3 is the sign, bits 0-2 the tens digit, bits 4-7 the
# units digit of the offset in quarter hours.  Some networks put a units nibble above 9
# in it (babca/python-gsmmodem#15: 0xC2 where +08 was meant); it is read as tens*10+units.
_TZ = tuple(
    timezone(timedelta(minutes=(-15 if i & 0x08 else 15) * ((i & 0x07) * 10 + (i >> 4)))) for i in range(256)
)

_STATUS_TEXT = {
    0x00: "received by the recipient",
    0x01: "forwarded to the recipient, delivery not confirmed",
    0x02: "replaced by the service centre",
    0x20: "congestion, still trying",
    0x21: "recipient busy, still trying",
    0x22: "no response from recipient, still trying",
    0x23: "service rejected, still trying",
    0x24: "quality of service not available, still trying",
    0x25: "error in recipient, still trying",
    0x40: "remote procedure error",
    0x41: "incompatible destination",
    0x42: "connection rejected by recipient",
    0x43: "not obtainable",
    0x44: "quality of service not available",
    0x45: "no interworking available",
    0x46: "validity period expired",
    0x47: "deleted by the sender",
    0x48: "deleted by the service centre",
    0x49: "message does not exist",
    0x60: "congestion, gave up",
    0x61: "recipient busy, gave up",
    0x62: "no response from recipient, gave up",
    0x63: "service rejected, gave up",
    0x64: "quality of service not available, gave up",
    0x65: "error in recipient, gave up",
}


def status_text(status: int) -> str:
    """Describe a TP-Status value (TS 23.040 §9.2.3.15) in plain English.

    Args:
        status: The TP-ST octet.

    Returns:
        A short description; reserved and SC-specific values say so.
    """
    text = _STATUS_TEXT.get(status)
    if text is not None:
        return text
    if status < 0x20:
        kind = "delivered"
    elif status < 0x40:
        kind = "temporary error, still trying"
    elif status < 0x60:
        kind = "permanent error"
    elif status < 0x80:
        kind = "temporary error, gave up"
    else:
        return f"reserved status 0x{status:02X} (treated as failed)"
    specific = "service-centre specific" if status & 0x10 else "reserved"
    return f"{kind} ({specific} status 0x{status:02X})"


def _status_category(status: int) -> str:
    if status < 0x20:
        return "delivered"
    if status < 0x40:
        return "pending"
    return "failed"


# DCS octet -> (encoding, message_class) or an error text; computed once for all 256 values
def _dcs_entry(dcs: int) -> tuple[str, int | None] | str:
    group = dcs >> 4
    if group < 0x8:  # 00xx general data coding, 01xx the same marked for automatic deletion
        if dcs & 0x20:
            return f"DCS 0x{dcs:02X} announces compressed text, which is not supported"
        alphabet = (dcs >> 2) & 0x03
        if alphabet == 3:
            return f"DCS 0x{dcs:02X} uses the reserved alphabet value"
        cls = dcs & 0x03 if dcs & 0x10 else None
        return (("gsm7", "8bit", "ucs2")[alphabet], cls)
    if group < 0xC:
        return f"DCS 0x{dcs:02X} is in a reserved coding group"
    if group in (0xC, 0xD):  # message waiting indication, discard / store, GSM 7-bit
        return ("gsm7", None)
    if group == 0xE:  # message waiting indication, store, UCS2
        return ("ucs2", None)
    return ("8bit" if dcs & 0x04 else "gsm7", dcs & 0x03)  # 1111: data coding / class


_DCS = tuple(_dcs_entry(i) for i in range(256))


# --------------------------------------------------------------------------------------
# decoding
# --------------------------------------------------------------------------------------

_HEX_ERROR = re.compile(r"[^0-9A-Fa-f \t\n\r\f\v]")


def decode(hex_str: str, smsc: bool = True) -> Sms:
    """Decode one PDU given as hex.

    Args:
        hex_str: The PDU as hex digits (either case; whitespace around it or between
            octets is fine).
        smsc: True when the PDU starts with the SMSC address field (as ``+CMGL``,
            ``+CMGR`` and ``+CMT`` give it on most modems); False for a bare TPDU.

    Returns:
        The decoded message.

    Raises:
        PduError: The input is not a well-formed SMS-DELIVER, SMS-SUBMIT or
            SMS-STATUS-REPORT; the message says what is wrong.
    """
    if not isinstance(hex_str, str):
        raise PduError(f"expected the PDU as a str of hex digits, got {type(hex_str).__name__}")
    try:
        raw = bytes.fromhex(hex_str)
    except ValueError:
        raise PduError(_hex_problem(hex_str)) from None
    try:
        return _decode(raw, smsc)
    except PduError:
        raise
    except IndexError:
        raise PduError(f"PDU is truncated ({len(raw)} octets)") from None
    except (ValueError, OverflowError, KeyError, TypeError, ArithmeticError) as exc:
        raise PduError(f"malformed PDU: {exc}") from None


def _hex_problem(hex_str: str) -> str:
    bad = _HEX_ERROR.search(hex_str)
    if bad:
        return f"PDU is not hex: {bad.group()!r} at position {bad.start()}"
    digits = sum(1 for c in hex_str if not c.isspace())
    if digits % 2:
        return f"PDU has an odd number of hex digits ({digits})"
    return "PDU is not hex: whitespace splits an octet"


def _decode(raw: bytes, has_smsc: bool) -> Sms:
    size = len(raw)
    if size == 0:
        raise PduError("PDU is empty")
    smsc = None
    pos = 0
    if has_smsc:
        length = raw[0]
        if length > 11:
            raise PduError(f"SMSC address length {length} is over the maximum of 11 octets")
        pos = 1 + length
        if pos > size:
            raise PduError(f"PDU is truncated inside the SMSC address ({size} octets)")
        if length > 1:
            key = raw[:pos]
            smsc = _SMSC_CACHE.get(key)
            if smsc is None:
                digits = raw[2:pos].translate(_SWAP).hex()
                if digits[-1] == "f":
                    digits = digits[:-1]
                if not _DIGITS.issuperset(digits):
                    digits = _digits_extended(digits)
                smsc = "+" + digits if (raw[1] & 0x70) == 0x10 else digits
                _remember(_SMSC_CACHE, key, smsc)
    if pos >= size:
        raise PduError("PDU ends after the SMSC address: no TPDU")
    start = pos
    first = raw[pos]
    mti = first & 0x03
    if mti == 0:
        return _decode_deliver(raw, start, first, smsc)
    if mti == 1:
        return _decode_submit(raw, start, first, smsc)
    if mti == 2:
        return _decode_status_report(raw, start, first, smsc)
    raise PduError(f"reserved message type (first TPDU octet 0x{first:02X})")


def _digits_extended(digits: str) -> str:
    if "f" in digits:
        raise PduError(f"address digits {digits!r} hold a filler nibble F before the end")
    return digits.translate(_EXTENDED_DIGITS)


# Decoded addresses by their raw field: a SIM full of messages repeats a few SMSCs and
# senders.  Bounded; a race between threads can only cost a recomputation.
_SMSC_CACHE: dict[bytes, str] = {}
_ADDRESS_CACHE: dict[bytes, tuple[str, str]] = {}
_CACHE_LIMIT = 2048


def _remember(cache: dict, key: bytes, value: object) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


def _address(raw: bytes, pos: int, what: str) -> tuple[str, str, int]:
    """Decode an address field at ``pos``: (value, type name, position after it)."""
    length = raw[pos]
    end = pos + 2 + ((length + 1) >> 1)
    key = raw[pos:end]
    hit = _ADDRESS_CACHE.get(key)  # a truncated field never equals a stored (whole) one
    if hit is not None:
        return hit[0], hit[1], end
    value, kind = _address_value(raw, pos, length, end, what)
    _remember(_ADDRESS_CACHE, key, (value, kind))
    return value, kind, end


def _address_value(raw: bytes, pos: int, length: int, end: int, what: str) -> tuple[str, str]:
    if length > 20:
        raise PduError(f"{what} address length {length} is over the maximum of 20 digits")
    toa = raw[pos + 1]
    if end > len(raw):
        raise PduError(f"PDU is truncated inside the {what} address")
    ton = (toa >> 4) & 0x07
    if ton == 5:
        count = (length * 4) // 7
        septets = gsm7.unpack(raw[pos + 2 : end], count)
        if count and count % 8 == 0 and septets[-1] == 0:
            # length given as whole octets: the 7 padding bits read as a trailing '@'
            septets = septets[:-1]
        return gsm7.decode(septets), "alphanumeric"
    if ton == 7:
        raise PduError(f"{what} address uses the reserved type of number (0x{toa:02X})")
    digits = raw[pos + 2 : end].translate(_SWAP).hex()
    if length & 1:
        digits = digits[:-1]
    if not _DIGITS.issuperset(digits):
        digits = _digits_extended(digits)
    if ton == 1:
        return "+" + digits, "international"
    return digits, _TON_NAMES[ton]


def _timestamp(raw: bytes, pos: int, what: str) -> datetime:
    stamp = raw[pos : pos + 7]
    if len(stamp) < 7:
        raise PduError(f"PDU is truncated inside the {what}")
    year, month, day, hour, minute, second = (
        _BCD[stamp[0]],
        _BCD[stamp[1]],
        _BCD[stamp[2]],
        _BCD[stamp[3]],
        _BCD[stamp[4]],
        _BCD[stamp[5]],
    )
    if min(year, month, day, hour, minute, second) < 0:
        raise PduError(f"{what} {stamp.hex().upper()} holds a non-decimal digit")
    try:
        return datetime(
            year + (1900 if year >= 69 else 2000),
            month,
            day,
            hour,
            minute,
            second,
            tzinfo=_TZ[stamp[6]],
        )
    except ValueError:
        raise PduError(
            f"{what} {stamp.hex().upper()} is an impossible date "
            f"({year:02d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d})"
        ) from None


def _dcs(dcs: int) -> tuple[str, int | None]:
    entry = _DCS[dcs]
    if type(entry) is str:
        raise PduError(entry)
    return entry  # type: ignore[return-value]


def _user_data(
    raw: bytes, pos: int, encoding: str, has_udh: bool
) -> tuple[str, bytes, list[tuple[int, bytes]], Concat | None, int]:
    """Decode TP-UDL + TP-UD at ``pos``: (text, data, udh, concat, position after)."""
    udl = raw[pos]
    pos += 1
    if encoding == "gsm7":
        if udl > 160:
            raise PduError(f"user data length {udl} septets is over the maximum of 160")
        octets = (udl * 7 + 7) >> 3
    else:
        if udl > 140:
            raise PduError(f"user data length {udl} octets is over the maximum of 140")
        octets = udl
    end = pos + octets
    if end > len(raw):
        raise PduError(f"user data length {udl} needs {octets} octets but only {len(raw) - pos} are present")
    udh: list[tuple[int, bytes]] = []
    concat = None
    if has_udh:
        if octets == 0:
            raise PduError("user data header announced but the user data is empty")
        udhl = raw[pos]
        header_end = pos + 1 + udhl
        if header_end > end:
            raise PduError(f"user data header length {udhl} overruns the user data ({octets} octets)")
        i = pos + 1
        while i < header_end:
            if i + 2 > header_end:
                raise PduError("user data header ends inside an information element")
            iei = raw[i]
            ie_len = raw[i + 1]
            j = i + 2 + ie_len
            if j > header_end:
                raise PduError(f"information element 0x{iei:02X} of length {ie_len} overruns the header")
            ie = raw[i + 2 : j]
            udh.append((iei, ie))
            if iei == 0x00 and ie_len == 3:
                if ie[1] and 0 < ie[2] <= ie[1]:
                    concat = _make(Concat, {"ref": ie[0], "parts": ie[1], "seq": ie[2], "ref_bits": 8})
            elif iei == 0x08 and ie_len == 4:
                if ie[2] and 0 < ie[3] <= ie[2]:
                    concat = _make(
                        Concat,
                        {"ref": (ie[0] << 8) | ie[1], "parts": ie[2], "seq": ie[3], "ref_bits": 16},
                    )
            elif iei in (0x00, 0x08):
                raise PduError(
                    f"concatenation element 0x{iei:02X} has length {ie_len} (expected {3 if iei == 0 else 4})"
                )
            i = j
        if encoding == "gsm7":
            skip = ((udhl + 1) * 8 + 6) // 7  # header septets, fill bits included
            if skip > udl:
                raise PduError(
                    f"user data header ({udhl + 1} octets) is longer than the "
                    f"user data length of {udl} septets"
                )
            septets = gsm7.unpack(raw[pos:end], udl)[skip:]
            return gsm7.decode(septets), septets, udh, concat, end
        data = raw[header_end:end]
    elif encoding == "gsm7":
        septets = gsm7.unpack(raw[pos:end], udl)
        return gsm7.decode(septets), septets, udh, concat, end
    else:
        data = raw[pos:end]
    if encoding == "ucs2":
        return data.decode("utf-16-be", "replace"), data, udh, concat, end
    return data.decode("latin-1"), data, udh, concat, end


def _decode_deliver(raw: bytes, start: int, first: int, smsc: str | None) -> Sms:
    sender, sender_type, pos = _address(raw, start + 1, "sender")
    pid = raw[pos]
    dcs = raw[pos + 1]
    encoding, cls = _dcs(dcs)
    timestamp = _timestamp(raw, pos + 2, "service-centre time stamp")
    text, data, udh, concat, end = _user_data(raw, pos + 9, encoding, bool(first & 0x40))
    return _make(
        Sms,
        {
            "kind": "deliver",
            "smsc": smsc,
            "sender": sender,
            "sender_type": sender_type,
            "text": text,
            "data": data,
            "timestamp": timestamp,
            "concat": concat,
            "encoding": encoding,
            "message_class": cls,
            "flash": cls == 0,
            "udh": udh,
            "status_report_requested": bool(first & 0x20),
            "more_messages": not first & 0x04,
            "pid": pid,
            "dcs": dcs,
            "tpdu_length": end - start,
        },
    )


def _decode_submit(raw: bytes, start: int, first: int, smsc: str | None) -> Sms:
    reference = raw[start + 1]
    recipient, recipient_type, pos = _address(raw, start + 2, "destination")
    pid = raw[pos]
    dcs = raw[pos + 1]
    encoding, cls = _dcs(dcs)
    pos += 2
    vpf = (first >> 3) & 0x03
    validity: timedelta | datetime | None = None
    if vpf == 2:
        validity = _relative_validity(raw[pos])
        pos += 1
    elif vpf == 3:
        validity = _timestamp(raw, pos, "absolute validity period")
        pos += 7
    elif vpf == 1:
        validity = _enhanced_validity(raw, pos)
        pos += 7
    text, data, udh, concat, end = _user_data(raw, pos, encoding, bool(first & 0x40))
    return _make(
        Sms,
        {
            "kind": "submit",
            "smsc": smsc,
            "recipient": recipient,
            "recipient_type": recipient_type,
            "text": text,
            "data": data,
            "concat": concat,
            "encoding": encoding,
            "message_class": cls,
            "flash": cls == 0,
            "udh": udh,
            "reference": reference,
            "status_report_requested": bool(first & 0x20),
            "validity": validity,
            "pid": pid,
            "dcs": dcs,
            "tpdu_length": end - start,
        },
    )


def _relative_validity(value: int) -> timedelta:
    """TP-VP relative format (TS 23.040 §9.2.3.12.1)."""
    if value <= 143:
        return timedelta(minutes=5 * (value + 1))
    if value <= 167:
        return timedelta(hours=12, minutes=30 * (value - 143))
    if value <= 196:
        return timedelta(days=value - 166)
    return timedelta(weeks=value - 192)


def _enhanced_validity(raw: bytes, pos: int) -> timedelta | None:
    """TP-VP enhanced format (TS 23.040 §9.2.3.12.3); 7 octets, value best effort."""
    field_ = raw[pos : pos + 7]
    if len(field_) < 7:
        raise PduError("PDU is truncated inside the enhanced validity period")
    kind = field_[0] & 0x07
    if kind == 1:
        return _relative_validity(field_[1])
    if kind == 2:
        return timedelta(seconds=field_[1])
    if kind == 3:
        hours, minutes, seconds = _BCD[field_[1]], _BCD[field_[2]], _BCD[field_[3]]
        if min(hours, minutes, seconds) < 0:
            raise PduError("enhanced validity period holds a non-decimal digit")
        return timedelta(hours=hours, minutes=minutes, seconds=seconds)
    return None


def _decode_status_report(raw: bytes, start: int, first: int, smsc: str | None) -> Sms:
    reference = raw[start + 1]
    recipient, recipient_type, pos = _address(raw, start + 2, "recipient")
    timestamp = _timestamp(raw, pos, "service-centre time stamp")
    discharge = _timestamp(raw, pos + 7, "discharge time")
    pos += 14
    if pos >= len(raw):
        raise PduError("PDU is truncated before the status octet")
    status = raw[pos]
    pos += 1
    pid = dcs = 0
    encoding, cls = "gsm7", None
    text, data, udh, concat = "", b"", [], None
    if pos < len(raw):
        # Optional TP-PI and the fields it announces (TS 23.040 §9.2.3.27).
        indicator = raw[pos]
        pos += 1
        extension = indicator
        while extension & 0x80:
            if pos >= len(raw):
                raise PduError("PDU is truncated inside the parameter indicator")
            extension = raw[pos]
            pos += 1
        if indicator & 0x01:
            if pos >= len(raw):
                raise PduError("parameter indicator announces a PID that is missing")
            pid = raw[pos]
            pos += 1
        if indicator & 0x02:
            if pos >= len(raw):
                raise PduError("parameter indicator announces a DCS that is missing")
            dcs = raw[pos]
            pos += 1
            encoding, cls = _dcs(dcs)
        if indicator & 0x04:
            if pos >= len(raw):
                raise PduError("parameter indicator announces user data that is missing")
            text, data, udh, concat, pos = _user_data(raw, pos, encoding, bool(first & 0x40))
    return _make(
        Sms,
        {
            "kind": "status-report",
            "smsc": smsc,
            "recipient": recipient,
            "recipient_type": recipient_type,
            "text": text,
            "data": data,
            "timestamp": timestamp,
            "concat": concat,
            "encoding": encoding,
            "message_class": cls,
            "flash": cls == 0,
            "udh": udh,
            "reference": reference,
            "status": status,
            "status_text": status_text(status),
            "status_category": _status_category(status),
            "delivered": status < 0x20,
            "discharge_time": discharge,
            "status_report_requested": bool(first & 0x20),
            "more_messages": not first & 0x04,
            "pid": pid,
            "dcs": dcs,
            "tpdu_length": pos - start,
        },
    )


# --------------------------------------------------------------------------------------
# encoding
# --------------------------------------------------------------------------------------

WIB = timezone(timedelta(hours=7), "WIB")
"""Western Indonesia Time, the default zone of encoded time stamps."""

_concat_counter = itertools.count(random.randrange(256))
_NUMBER = re.compile(r"\+?[0-9*#abc]{1,20}")
_SINGLE_LIMIT = {"gsm7": 160, "ucs2": 140, "8bit": 140}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _next_concat_ref(bits: int) -> int:
    return next(_concat_counter) % (1 << bits)


def _encode_number(number: str) -> bytes:
    """Address field for a phone number: '+…' international, '0…' national, else unknown."""
    if not isinstance(number, str) or not _NUMBER.fullmatch(number):
        raise PduEncodeError(f"not a phone number: {number!r}")
    if number.startswith("+"):
        toa, digits = 0x91, number[1:]
    elif number.startswith("0"):
        toa, digits = 0xA1, number
    else:
        toa, digits = 0x81, number
    return bytes((len(digits), toa)) + _semi_octets(digits)


def _semi_octets(digits: str) -> bytes:
    nibbles = digits.translate(str.maketrans("*#abc", "abcde"))
    if len(nibbles) & 1:
        nibbles += "f"
    return bytes.fromhex(nibbles).translate(_SWAP)


def _encode_sender(sender: str) -> bytes:
    """Originating address: a number, or alphanumeric (TON 5, GSM 7-bit packed, max 11 chars)."""
    if _NUMBER.fullmatch(sender):
        return _encode_number(sender)
    if not sender or len(sender) > 11:
        raise PduEncodeError(f"alphanumeric sender must be 1-11 characters: {sender!r}")
    try:
        septets = gsm7.encode(sender)
    except gsm7.Gsm7EncodeError as exc:
        raise PduEncodeError(f"alphanumeric sender {sender!r}: {exc}") from None
    if len(septets) > 11:
        raise PduEncodeError(f"alphanumeric sender {sender!r} needs more than 11 septets")
    packed = gsm7.pack(septets)
    return bytes(((len(septets) * 7 + 3) // 4, 0xD0)) + packed


def _encode_smsc(smsc: str | None) -> bytes:
    if not smsc:
        return b"\x00"
    field_ = _encode_number(smsc)
    if len(field_) - 1 > 11:
        raise PduEncodeError(f"SMSC number too long: {smsc!r}")
    return bytes((len(field_) - 1,)) + field_[1:]


def _encode_timestamp(when: datetime | None) -> bytes:
    if when is None:
        when = datetime.now(WIB)
    elif when.tzinfo is None:
        when = when.replace(tzinfo=WIB)
    offset = when.utcoffset() or timedelta(0)
    quarters, rest = divmod(abs(int(offset.total_seconds())), 900)
    if rest or quarters > 79:
        raise PduEncodeError(f"time-zone offset {offset} is not a whole number of quarter hours")
    if not 1969 <= when.year <= 2068:
        raise PduEncodeError(f"year {when.year} cannot be encoded in two digits")
    digits = f"{when.year % 100:02d}{when.month:02d}{when.day:02d}"
    digits += f"{when.hour:02d}{when.minute:02d}{when.second:02d}{quarters:02d}"
    octets = bytearray(bytes.fromhex(digits).translate(_SWAP))
    if offset < timedelta(0):
        octets[6] |= 0x08
    return bytes(octets)


def _relative_validity_octet(validity: timedelta) -> int:
    seconds = validity.total_seconds()
    if seconds <= 0:
        raise PduEncodeError(f"validity must be positive: {validity}")
    minutes = seconds / 60
    if minutes <= 720:
        return max(0, int(-(-minutes // 5)) - 1)
    if minutes <= 1440:
        return 143 + int(-(-(minutes - 720) // 30))
    days = -(-seconds // 86400)
    if days <= 30:
        return int(166 + days)
    weeks = -(-seconds // (7 * 86400))
    return int(min(255, 192 + max(weeks, 5)))


def _choose_encoding(text: str, encoding: str | None) -> str:
    if encoding is None:
        return "gsm7" if gsm7.can_encode(text) else "ucs2"
    if encoding not in _SINGLE_LIMIT:
        raise PduEncodeError(f"unknown encoding {encoding!r} (use 'gsm7', 'ucs2' or '8bit')")
    return encoding


def _payload(text: str, encoding: str) -> bytes:
    if encoding == "gsm7":
        try:
            return gsm7.encode(text)
        except gsm7.Gsm7EncodeError as exc:
            raise PduEncodeError(str(exc)) from None
    if encoding == "ucs2":
        data = text.encode("utf-16-be", "surrogatepass")
        if _SURROGATE.search(text):
            # A str may hold surrogate code points: two that form a pair are sent as that
            # pair, a lone one as U+FFFD (what the decoder would make of it anyway).
            data = data.decode("utf-16-be", "replace").encode("utf-16-be")
        return data
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        raise PduEncodeError("8-bit data text must be latin-1 (one character per octet)") from None


def _split(payload: bytes, encoding: str, header_octets: int) -> list[bytes]:
    """Cut the payload into parts that fit beside a UDH of ``header_octets`` (incl. UDHL)."""
    if encoding == "gsm7":
        size = (140 * 8 - header_octets * 8) // 7  # whole septets after header + fill bits
    else:
        size = 140 - header_octets
        if encoding == "ucs2":
            size &= ~1
    parts: list[bytes] = []
    start = 0
    total = len(payload)
    while start < total:
        end = min(start + size, total)
        if end < total:
            if encoding == "gsm7" and payload[end - 1] == gsm7.ESCAPE:
                end -= 1  # never split an escape pair
            elif encoding == "ucs2" and 0xD8 <= payload[end - 2] <= 0xDB:
                end -= 2  # never split a surrogate pair
        parts.append(payload[start:end])
        start = end
    return parts


def _user_data_parts(
    text: str, encoding: str, concat_ref: int | None, ref_bits: int
) -> tuple[list[tuple[int, bytes]], bool]:
    """Encode the text as (TP-UDL, TP-UD) pairs; the flag says whether a UDH is present."""
    if ref_bits not in (8, 16):
        raise PduEncodeError(f"ref_bits must be 8 or 16, not {ref_bits!r}")
    payload = _payload(text, encoding)
    if len(payload) <= _SINGLE_LIMIT[encoding]:
        if encoding == "gsm7":
            return [(len(payload), gsm7.pack(payload))], False
        return [(len(payload), payload)], False
    header_octets = 6 if ref_bits == 8 else 7
    chunks = _split(payload, encoding, header_octets)
    if len(chunks) > 255:
        raise PduEncodeError(f"text needs {len(chunks)} parts; at most 255 are possible")
    ref = _next_concat_ref(ref_bits) if concat_ref is None else concat_ref
    if not 0 <= ref < (1 << ref_bits):
        raise PduEncodeError(f"concat_ref {ref} does not fit in {ref_bits} bits")
    out = []
    for seq, chunk in enumerate(chunks, 1):
        if ref_bits == 8:
            udh = bytes((5, 0x00, 3, ref, len(chunks), seq))
        else:
            udh = bytes((6, 0x08, 4, ref >> 8, ref & 0xFF, len(chunks), seq))
        if encoding == "gsm7":
            header_septets = (header_octets * 8 + 6) // 7
            fill = header_septets * 7 - header_octets * 8
            out.append((header_septets + len(chunk), udh + gsm7.pack(chunk, fill)))
        else:
            out.append((header_octets + len(chunk), udh + chunk))
    return out, True


_DCS_CODE = {"gsm7": 0x00, "8bit": 0x04, "ucs2": 0x08}


def _dcs_octet(encoding: str, flash: bool) -> int:
    return _DCS_CODE[encoding] | (0x10 if flash else 0)


def encode_submit(
    number: str,
    text: str,
    *,
    smsc: str | None = None,
    request_status_report: bool = False,
    reference: int = 0,
    encoding: str | None = None,
    concat_ref: int | None = None,
    validity: timedelta | datetime | int | None = None,
    flash: bool = False,
) -> list[SubmitPdu]:
    """Encode a text as one or more SMS-SUBMIT PDUs.

    Args:
        number: Destination, ``"+6281234567890"`` (international) or digits
            (``"081234567890"`` national, ``"1708"`` unknown).
        text: The message; GSM 7-bit is used when every character is in the default and
            extension tables, UCS2 otherwise.
        smsc: Service centre number, or None for the modem's default (``00``).
        request_status_report: Set TP-SRR.
        reference: TP-MR of the first part (following parts count up; modems usually
            assign their own).
        encoding: Force ``"gsm7"``, ``"ucs2"`` or ``"8bit"`` (latin-1 text as octets).
        concat_ref: Reference for a multipart message (8 bits); default from a counter.
        validity: Relative period as timedelta (default 24 hours), an absolute
            timezone-aware datetime, or a raw TP-VP octet (int).
        flash: Send as class 0 (shown at once, not stored).

    Returns:
        One :class:`SubmitPdu` per part, in order.

    Raises:
        PduEncodeError: Bad number, encoding, reference or validity, or more than 255 parts.
    """
    encoding = _choose_encoding(text, encoding)
    destination = _encode_number(number)
    smsc_field = _encode_smsc(smsc)
    first = 0x01
    if validity is None:
        vp = b"\xa7"
        first |= 0x10
    elif isinstance(validity, datetime):
        vp = _encode_timestamp(validity)
        first |= 0x18
    elif isinstance(validity, timedelta):
        vp = bytes((_relative_validity_octet(validity),))
        first |= 0x10
    elif isinstance(validity, int) and 0 <= validity <= 255:
        vp = bytes((validity,))
        first |= 0x10
    else:
        raise PduEncodeError(f"validity must be a timedelta, datetime or 0-255, not {validity!r}")
    if request_status_report:
        first |= 0x20
    parts, has_udh = _user_data_parts(text, encoding, concat_ref, 8)
    if has_udh:
        first |= 0x40
    if not 0 <= reference <= 255:
        raise PduEncodeError(f"reference must be 0-255, not {reference!r}")
    dcs = _dcs_octet(encoding, flash)
    result = []
    for index, (udl, ud) in enumerate(parts):
        tpdu = (
            bytes((first, (reference + index) & 0xFF))
            + destination
            + bytes((0x00, dcs))
            + vp
            + bytes((udl,))
            + ud
        )
        result.append(SubmitPdu((smsc_field + tpdu).hex().upper(), len(tpdu)))
    return result


def encode_deliver(
    sender: str,
    text: str,
    *,
    smsc: str | None = "+6281100000",
    timestamp: datetime | None = None,
    encoding: str | None = None,
    concat_ref: int | None = None,
    flash: bool = False,
    request_status_report: bool = False,
    ref_bits: int = 8,
) -> list[str]:
    """Encode a text as the SMS-DELIVER PDU(s) a network would hand to a modem.

    Args:
        sender: ``"+62…"`` (international), ``"0812…"`` (national), ``"1708"`` (unknown)
            or alphanumeric up to 11 GSM characters (``"TELKOMSEL"``, ``"Radio FM"``).
        text: The message (GSM 7-bit when possible, else UCS2).
        smsc: Service centre number written in the SMSC field.
        timestamp: Service-centre time stamp; default now in WIB (+07:00); a naive
            datetime is taken as WIB.
        encoding: Force ``"gsm7"``, ``"ucs2"`` or ``"8bit"``.
        concat_ref: Reference for a multipart message; default from a counter.
        flash: Class 0 message.
        request_status_report: Set TP-SRI (a report will go back to the sender).
        ref_bits: 8 or 16-bit concatenation reference.

    Returns:
        The PDUs in upper-case hex, SMSC field included, one per part in order.
        TP-MMS says "more messages waiting" on every part but the last.

    Raises:
        PduEncodeError: Bad sender, encoding, time stamp, reference or too many parts.
    """
    encoding = _choose_encoding(text, encoding)
    origin = _encode_sender(sender)
    smsc_field = _encode_smsc(smsc)
    scts = _encode_timestamp(timestamp)
    parts, has_udh = _user_data_parts(text, encoding, concat_ref, ref_bits)
    first = 0x00
    if request_status_report:
        first |= 0x20
    if has_udh:
        first |= 0x40
    dcs = _dcs_octet(encoding, flash)
    result = []
    last = len(parts) - 1
    for index, (udl, ud) in enumerate(parts):
        mms = 0x04 if index == last else 0x00
        tpdu = bytes((first | mms,)) + origin + bytes((0x00, dcs)) + scts + bytes((udl,)) + ud
        result.append((smsc_field + tpdu).hex().upper())
    return result


def encode_status_report(
    recipient: str,
    reference: int,
    status: int = 0,
    *,
    smsc: str | None = "+6281100000",
    timestamp: datetime | None = None,
    discharge_time: datetime | None = None,
) -> str:
    """Encode an SMS-STATUS-REPORT as a network would send it for a submitted message.

    Args:
        recipient: The number the original message went to.
        reference: TP-MR of the original SMS-SUBMIT (0-255).
        status: TP-ST (0 = delivered; 0x20-0x3F still trying; 0x40 and up failed).
        smsc: Service centre number written in the SMSC field.
        timestamp: When the SC received the original; default now in WIB.
        discharge_time: When it was delivered or given up; default ``timestamp``.

    Returns:
        The PDU in upper-case hex with the SMSC field.

    Raises:
        PduEncodeError: Bad number, reference, status or time stamp.
    """
    if not 0 <= reference <= 255:
        raise PduEncodeError(f"reference must be 0-255, not {reference!r}")
    if not 0 <= status <= 255:
        raise PduEncodeError(f"status must be 0-255, not {status!r}")
    if timestamp is None:
        timestamp = datetime.now(WIB)
    scts = _encode_timestamp(timestamp)
    dt = _encode_timestamp(discharge_time if discharge_time is not None else timestamp)
    tpdu = bytes((0x06, reference)) + _encode_number(recipient) + scts + dt + bytes((status,))
    return (_encode_smsc(smsc) + tpdu).hex().upper()
