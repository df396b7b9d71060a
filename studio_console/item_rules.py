"""The states an item can be in and the state a new SMS lands in (no I/O, no imports).

Kept apart from :mod:`studio_console.screening` so the store can apply the
landing rule inside its ingest transaction without importing the service.
"""

from __future__ import annotations

__all__ = ["INITIAL_STATES", "ITEM_STATES", "initial_state"]

ITEM_STATES = ("new", "approved", "rejected", "spam", "throttled", "queued", "on_air", "aired")
INITIAL_STATES = ("new", "spam", "throttled")


def initial_state(*, blocked: bool, recent_messages: int, flood_max_messages: int) -> str:
    """The state a newly received SMS lands in.

    Args:
        blocked: the sender is blocked (its messages are kept, as spam).
        recent_messages: messages from the same sender within the flood window,
            this one excluded.
        flood_max_messages: this many or more within the window is a flood.
    """
    if blocked:
        return "spam"
    if recent_messages >= flood_max_messages:
        return "throttled"
    return "new"
