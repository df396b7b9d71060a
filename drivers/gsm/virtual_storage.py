"""Message storages of the virtual modem: SIM ("SM"), phone ("ME") and status reports ("SR").

A storage is a fixed number of numbered slots, each empty or holding one PDU
(hex, stored exactly as given, so malformed PDUs survive) with its ``<stat>``
as AT+CMGL/AT+CMGR report it. The numbering starts at ``base`` (1 on most
modems, 0 on Huawei sticks). No I/O and no locking: the virtual modem owns the
lock around these objects.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "REC_READ",
    "REC_UNREAD",
    "STAT_NAMES",
    "STO_SENT",
    "STO_UNSENT",
    "MessageStorage",
    "Slot",
    "tpdu_length",
]

REC_UNREAD = 0
REC_READ = 1
STO_UNSENT = 2
STO_SENT = 3

STAT_NAMES = {
    REC_UNREAD: "REC UNREAD",
    REC_READ: "REC READ",
    STO_UNSENT: "STO UNSENT",
    STO_SENT: "STO SENT",
}

# AT+CMGD=<index>,<flag>: which stats each delete flag removes (3GPP TS 27.005 §3.5.4).
_DELETE_FLAG_STATS = {
    1: {REC_READ},
    2: {REC_READ, STO_SENT},
    3: {REC_READ, STO_SENT, STO_UNSENT},
    4: {REC_UNREAD, REC_READ, STO_SENT, STO_UNSENT},
}


@dataclass(frozen=True)
class Slot:
    """One occupied storage slot."""

    stat: int
    pdu: str


def tpdu_length(pdu_hex: str) -> int:
    """Length in octets of the TPDU in ``pdu_hex`` (which starts with the SMSC field).

    This is the ``<length>`` of +CMGL/+CMGR/+CMT. Arithmetic only, no decoding:
    for a malformed PDU the result is clamped to the octets present.
    """
    octets = len(pdu_hex) // 2
    try:
        smsc_len = int(pdu_hex[:2], 16)
    except ValueError:
        return octets
    return max(0, octets - 1 - smsc_len)


class MessageStorage:
    """A fixed-capacity message storage with numbered slots.

    Args:
        name: the AT name, "SM", "ME" or "SR".
        capacity: number of slots.
        base: number of the first slot (1, or 0 for Huawei).
    """

    def __init__(self, name: str, capacity: int, base: int = 1) -> None:
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self.name = name
        self.capacity = capacity
        self.base = base
        self._slots: dict[int, Slot] = {}

    @property
    def used(self) -> int:
        """Number of occupied slots."""
        return len(self._slots)

    @property
    def full(self) -> bool:
        """True when every slot is occupied."""
        return len(self._slots) >= self.capacity

    def valid(self, index: int) -> bool:
        """True when ``index`` names a slot of this storage (occupied or not)."""
        return self.base <= index < self.base + self.capacity

    def store(self, pdu: str, stat: int = REC_UNREAD) -> int | None:
        """Put ``pdu`` in the lowest free slot; returns its index, or None when full."""
        for index in range(self.base, self.base + self.capacity):
            if index not in self._slots:
                self._slots[index] = Slot(stat, pdu)
                return index
        return None

    def get(self, index: int) -> Slot | None:
        """The slot at ``index``, or None when it is empty."""
        return self._slots.get(index)

    def mark_read(self, index: int) -> None:
        """Turn REC UNREAD into REC READ (what reading a message does)."""
        slot = self._slots.get(index)
        if slot is not None and slot.stat == REC_UNREAD:
            self._slots[index] = Slot(REC_READ, slot.pdu)

    def delete(self, index: int) -> None:
        """Empty the slot at ``index`` (no error when it is already empty)."""
        self._slots.pop(index, None)

    def delete_by_flag(self, flag: int) -> None:
        """AT+CMGD=<i>,<flag> with flag 1..4: delete every message of the flagged stats."""
        stats = _DELETE_FLAG_STATS[flag]
        for index in [i for i, s in self._slots.items() if s.stat in stats]:
            del self._slots[index]

    def items(self) -> list[tuple[int, Slot]]:
        """Occupied slots in index order."""
        return sorted(self._slots.items())

    def clear(self) -> None:
        """Empty every slot."""
        self._slots.clear()
