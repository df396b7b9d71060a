"""The console's SQLite store: schema, migrations, queries."""

from studio_console.store.database import ChangeWatcher, StoreError, open_database, transaction
from studio_console.store.store import MessageRow, PartOutcome, Store, dedupe_key

__all__ = ["ChangeWatcher", "MessageRow", "PartOutcome", "Store", "StoreError", "dedupe_key",
           "open_database", "transaction"]
