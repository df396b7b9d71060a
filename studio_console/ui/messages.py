"""Messages the app posts to its screens."""

from __future__ import annotations

from textual.message import Message

__all__ = ["StoreChanged"]


class StoreChanged(Message):
    """Another connection (or this app's own ingest) committed to the database.

    The app checks ``PRAGMA data_version`` a few times a second and posts this to
    the active screen; widgets then fetch only what is new (``id > last``).
    """
