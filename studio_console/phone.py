"""Phone numbers of listeners: E.164, the masked form for air, the operator for display.

Indonesian numbers arrive as ``08…``, ``62…`` or ``+62…``; they are normalised
to E.164 with ``phonenumbers`` while the raw form is kept by the caller. Short
codes (1708) and alphanumeric senders ("TELKOMSEL") are kept as they are and
labelled. The masked form (``0812****7890``) is what the host screen, the air
and anonymous exports show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

__all__ = ["PhoneNumber", "mask", "parse_number"]

# Operator by mobile prefix, for display only (numbers are portable in principle).
_OPERATORS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("0811", "0812", "0813", "0821", "0822", "0823", "0851", "0852", "0853"), "Telkomsel"),
    (("0814", "0815", "0816", "0855", "0856", "0857", "0858"), "Indosat Ooredoo Hutchison"),
    (("0895", "0896", "0897", "0898", "0899"), "Indosat Ooredoo Hutchison (Tri)"),
    (("0817", "0818", "0819", "0859", "0877", "0878"), "XLSMART"),
    (("0831", "0832", "0833", "0838"), "XLSMART (Axis)"),
    (("0881", "0882", "0883", "0884", "0885", "0886", "0887", "0888", "0889"),
     "XLSMART (Smartfren)"),
)
_PREFIX_TO_OPERATOR = {prefix: name for prefixes, name in _OPERATORS for prefix in prefixes}


@dataclass(frozen=True)
class PhoneNumber:
    """A sender or caller identity.

    Attributes:
        raw: the string as received.
        key: the stable identity used to join a sender's history: the E.164 form for
            phone numbers, ``"short:1708"`` for short codes, ``"alpha:TELKOMSEL"`` for
            alphanumeric senders, ``"raw:…"`` otherwise.
        e164: ``+6281234567890``, or None when not a phone number.
        kind: ``"mobile"``, ``"fixed"``, ``"short_code"``, ``"alphanumeric"``, ``"foreign"``,
            ``"hidden"`` or ``"unknown"``.
        national: ``081234567890`` for Indonesian numbers.
        masked: what may be shown on air: ``0812****7890``.
        operator: the mobile operator by prefix, for display; None when unknown.
    """

    raw: str
    key: str
    e164: str | None
    kind: str
    national: str | None
    masked: str
    operator: str | None


def mask(digits: str) -> str:
    """Mask the middle of a number: ``081234567890`` -> ``0812****7890``."""
    if len(digits) <= 6:
        return digits[:1] + "*" * max(len(digits) - 1, 0)
    if len(digits) <= 8:
        return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]
    return digits[:4] + "****" + digits[-4:]


def _short_code(digits: str) -> str | None:
    """A service short code (1708, 3934, 888) in any form a network shows it: ``1708``,
    ``+1708``, ``621708``, ``+621708``, ``01708``; None for anything longer."""
    for prefix in ("62", "0"):
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and 3 <= len(rest) <= 5:
            return rest
    return digits if len(digits) <= 6 else None


def parse_number(raw: str | None) -> PhoneNumber:
    """Classify and normalise a number as received from the network or typed by a producer."""
    raw = raw or ""
    text = raw.strip()
    if not text:
        return PhoneNumber(raw, "hidden:", None, "hidden", None, "", None)
    compact = re.sub(r"[\s\-().]", "", text)
    if not re.fullmatch(r"\+?\d+", compact):
        return PhoneNumber(raw, f"alpha:{text}", None, "alphanumeric", None, text, None)
    digits = compact.lstrip("+")
    short = _short_code(digits)
    if short is not None:
        return PhoneNumber(raw, f"short:{short}", None, "short_code", short, short, None)
    candidate = compact
    if compact.startswith("62") and len(compact) >= 10:
        candidate = "+" + compact
    try:
        number = phonenumbers.parse(candidate, "ID")
    except phonenumbers.NumberParseException:
        return PhoneNumber(raw, f"raw:{compact}", None, "unknown", None, mask(digits), None)
    if not phonenumbers.is_possible_number(number):
        return PhoneNumber(raw, f"raw:{compact}", None, "unknown", None, mask(digits), None)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.country_code != 62:
        return PhoneNumber(raw, e164, e164, "foreign", None, "+" + mask(e164.lstrip("+")), None)
    national = "0" + str(number.national_number)
    kind = "mobile" if national.startswith("08") else "fixed"
    operator = _PREFIX_TO_OPERATOR.get(national[:4]) if kind == "mobile" else None
    return PhoneNumber(raw, e164, e164, kind, national, mask(national), operator)
