"""GSM 03.38 / 3GPP TS 23.038 7-bit default alphabet: character tables and septet packing.

The default alphabet maps 128 septet values to characters; the extension table is reached
with the escape septet ``0x1B`` (``€ { } [ ] ~ \\ | ^`` and form feed).  This module turns
text into septet values and back, and packs septets into octets (least significant bit
first, as SMS user data and alphanumeric addresses carry them) and back.

It is the only place in the project that knows the tables; :mod:`drivers.gsm.pdu` builds on it.
Everything here is pure and fast: decoding goes through ``str.translate`` and big-integer
arithmetic rather than a Python loop per septet.
"""

from __future__ import annotations

import codecs
import re

__all__ = [
    "DEFAULT_ALPHABET",
    "ESCAPE",
    "EXTENSION_TABLE",
    "Gsm7EncodeError",
    "can_encode",
    "decode",
    "encode",
    "pack",
    "septet_length",
    "unpack",
]

ESCAPE = 0x1B
"""The septet that switches the next septet to the extension table."""

DEFAULT_ALPHABET = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
"""The 128 characters of the default alphabet, indexed by septet value (0x1B is the escape)."""

EXTENSION_TABLE: dict[int, str] = {
    0x0A: "\x0c",  # form feed (page break)
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}
"""Characters reached by ``ESC`` + septet value."""

assert len(DEFAULT_ALPHABET) == 128


class Gsm7EncodeError(ValueError):
    """The text holds a character that neither GSM 7-bit table can represent."""


# --- decoding tables -------------------------------------------------------------------

# septet value -> default-alphabet character for codecs.charmap_decode (a C loop);
# values 0x80-0xFF are undefined ("\ufffe") so that they raise instead of decoding.
_DECODE_TABLE = DEFAULT_ALPHABET + "\ufffe" * 128

# After translation, an escape pair is "\x1b" + the *default* character of the second
# septet; this maps that default character to the extension character.  A second
# septet that the extension table does not define is shown as its default character
# (3GPP TS 23.038 §6.2.1.1); ESC ESC (the escape to a further table) is shown as a space.
_EXTENSION_BY_DEFAULT_CHAR = {DEFAULT_ALPHABET[code]: char for code, char in EXTENSION_TABLE.items()}
_EXTENSION_BY_DEFAULT_CHAR["\x1b"] = " "
_charmap_decode = codecs.charmap_decode
_ESCAPE_PAIR = re.compile("\x1b(.?)", re.DOTALL)


def _replace_escape(match: re.Match[str]) -> str:
    follower = match.group(1)
    if not follower:  # a lone escape at the very end: nothing to show
        return ""
    return _EXTENSION_BY_DEFAULT_CHAR.get(follower, follower)


# --- encoding tables -------------------------------------------------------------------


class _EncodeTable(dict):
    """``str.translate`` table: character ordinal -> septet(s) as latin-1 text."""

    def __missing__(self, ordinal: int) -> str:
        raise Gsm7EncodeError(f"character {chr(ordinal)!r} (U+{ordinal:04X}) is not in GSM 7-bit")


_ENCODE_TABLE = _EncodeTable()
for _code, _char in enumerate(DEFAULT_ALPHABET):
    if _code != ESCAPE:
        _ENCODE_TABLE[ord(_char)] = chr(_code)
for _code, _char in EXTENSION_TABLE.items():
    _ENCODE_TABLE[ord(_char)] = chr(ESCAPE) + chr(_code)
del _code, _char

_ONE_SEPTET = frozenset(ch for i, ch in enumerate(DEFAULT_ALPHABET) if i != ESCAPE)
_ENCODABLE = _ONE_SEPTET | frozenset(EXTENSION_TABLE.values())


def can_encode(text: str) -> bool:
    """Tell whether every character of ``text`` is in the default or extension table.

    Args:
        text: Any text.

    Returns:
        True when :func:`encode` would succeed.
    """
    return _ENCODABLE.issuperset(text)


def septet_length(text: str) -> int:
    """Count the septets ``text`` needs (extension characters take two).

    Args:
        text: Text that :func:`can_encode`.

    Returns:
        The number of septets.

    Raises:
        Gsm7EncodeError: A character is in neither table.
    """
    return len(encode(text))


def encode(text: str) -> bytes:
    """Convert text to septet values, one per byte (extension characters as ``ESC`` + code).

    Args:
        text: The text to convert.

    Returns:
        The septet values (each < 0x80).

    Raises:
        Gsm7EncodeError: A character is in neither table (the message names it).
    """
    return text.translate(_ENCODE_TABLE).encode("latin-1")


def decode(septets: bytes) -> str:
    """Convert septet values (one per byte, each < 0x80) to text.

    Escape pairs become extension characters; an escape followed by a septet the
    extension table does not define shows that septet's default character, and a
    trailing lone escape is dropped.

    Args:
        septets: Septet values, e.g. from :func:`unpack`.

    Returns:
        The text.

    Raises:
        ValueError: A value is 0x80 or above (not a septet).
    """
    text = _charmap_decode(septets, "strict", _DECODE_TABLE)[0]
    if "\x1b" in text:
        text = _ESCAPE_PAIR.sub(_replace_escape, text)
    return text


# --- packing ---------------------------------------------------------------------------


def pack(septets: bytes, fill_bits: int = 0) -> bytes:
    """Pack septet values into octets, least significant bit first.

    Args:
        septets: Septet values (each < 0x80).
        fill_bits: Zero bits to put before the first septet (0-6), as after a user
            data header so that the text starts on a septet boundary.

    Returns:
        ``ceil((7 * len(septets) + fill_bits) / 8)`` octets.
    """
    value = 0
    shift = fill_bits
    # 8 septets make 7 octets; build the integer in 56-bit groups to keep it quick.
    for start in range(0, len(septets), 8):
        group = septets[start : start + 8]
        chunk = 0
        for i, septet in enumerate(group):
            chunk |= (septet & 0x7F) << (7 * i)
        value |= chunk << shift
        shift += 7 * len(group)
    return value.to_bytes((shift + 7) // 8, "little")


def _slot_mask(slot: int, low: int, high: int) -> int:
    """Bits ``low``..``high - 1`` of every ``slot``-bit slot, over ``_MAX_BITS`` bits."""
    unit = ((1 << (high - low)) - 1) << low
    mask = 0
    for offset in range(0, _MAX_BITS, slot):
        mask |= unit << offset
    return mask


# Unpacking spreads the packed bits with divide-and-conquer big-integer arithmetic: first
# every 56-bit group of 8 septets moves into its own 64-bit slot (log2(groups) steps),
# then each slot splits 56 -> 2x28 -> 4x14 -> 8x7 bits, one septet per octet.  A step
# moves the high half of every slot up by ``d`` bits: ``x += (x & high) * (2**d - 1)``.
_MAX_GROUPS = 32  # 256 septets per round
_MAX_BITS = 64 * _MAX_GROUPS
_GROUP_STEPS = {
    level: (_slot_mask(64 << level, 56 << (level - 1), 56 << level), (1 << (8 << (level - 1))) - 1)
    for level in range(1, 6)
}
_SEPTET_STEPS = (
    (_slot_mask(64, 28, 56), (1 << 4) - 1),
    (_slot_mask(32, 14, 28), (1 << 2) - 1),
    (_slot_mask(16, 7, 14), (1 << 1) - 1),
)


def unpack(data: bytes, count: int, fill_bits: int = 0) -> bytes:
    """Unpack ``count`` septets from octets packed least significant bit first.

    Args:
        data: The packed octets; must hold at least ``ceil((7 * count + fill_bits) / 8)``.
        count: How many septets to take.
        fill_bits: Bits to skip before the first septet.

    Returns:
        The septet values, one per byte.

    Raises:
        ValueError: ``data`` is too short for ``count`` septets.
    """
    needed = (7 * count + fill_bits + 7) >> 3
    if len(data) < needed:
        raise ValueError(f"{count} septets need {needed} octets, only {len(data)} present")
    value = int.from_bytes(data[:needed], "little") >> fill_bits
    if count > 8 * _MAX_GROUPS:
        block = 7 * _MAX_GROUPS  # octets of 256 septets
        packed = value.to_bytes(needed, "little")
        return b"".join(
            unpack(packed[i : i + block], min(8 * _MAX_GROUPS, count - 8 * i // 7))
            for i in range(0, (7 * count + 7) >> 3, block)
        )
    groups = (count + 7) >> 3
    level = (groups - 1).bit_length()
    while level:
        high, multiplier = _GROUP_STEPS[level]
        value += (value & high) * multiplier
        level -= 1
    for high, multiplier in _SEPTET_STEPS:
        value += (value & high) * multiplier
    return value.to_bytes(8 * groups + 1, "little")[:count]
