"""What the process that owns the modem runs: the ingest service and the outbox worker.

The daemon, or a console that owns the port, starts one :class:`StudioServices`. The
ingest service moves what the modem receives into the store; the outbox worker drains
ready complaints through the configured transports — the SMS ones through this same
modem, which is why the worker lives with the modem's owner. Screens in other
processes only write rows (a complaint marked ready, a retry) and the worker notices.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from studio_console.complaints.lapor_reply import LaporReplyMatcher
from studio_console.complaints.outbox import OutboxWorker
from studio_console.complaints.transports import build_transports
from studio_console.complaints.transports.citizen_reply import after_sent_hook, start_hook
from studio_console.config import Settings
from studio_console.ingest import IngestService

__all__ = ["StudioServices"]

log = logging.getLogger(__name__)


class StudioServices:
    """Ingest + outbox worker, started and stopped together.

    Args:
        settings: the studio's settings.
        db_path: the database file.
        modem_factory: builds the modem driver given the event callback.
        clock: wall clock (timezone-aware), for tests.
        environ: where the HTTP token is read (default ``os.environ``).
        outbox_poll: seconds between the worker's looks when idle.
    """

    def __init__(
        self,
        settings: Settings,
        db_path: str | Path,
        modem_factory: Callable[[Callable[[Any], None]], Any],
        *,
        clock: Callable[[], datetime] | None = None,
        environ: Mapping[str, str] | None = None,
        outbox_poll: float = 1.0,
    ) -> None:
        self.settings = settings
        self.db_path = Path(db_path)
        self.clock = clock
        self.environ = environ
        self.outbox_poll = outbox_poll
        ingest = settings.ingest
        self.ingest = IngestService(
            self.db_path,
            modem_factory,
            multipart_wait=ingest.multipart_wait,
            sweep_interval=ingest.sweep_interval,
            flood_max_messages=ingest.flood_max_messages,
            flood_window=ingest.flood_window,
            clock=clock,
            lapor_reply=LaporReplyMatcher.from_settings(settings.export),  # its reply SMS, matched as stored
        )
        self.worker: OutboxWorker | None = None
        self.transport_errors: dict[str, str] = {}

    @property
    def modem(self) -> Any:
        """The modem driver."""
        return self.ingest.modem

    def start(self) -> None:
        """Start the ingest service, then the outbox worker with the configured transports."""
        self.ingest.start()
        self.transport_errors = {}
        transports = build_transports(
            self.settings,
            self.db_path,
            modem=self.ingest.modem,
            environ=self.environ,
            errors=self.transport_errors,
        )
        for name, error in self.transport_errors.items():
            log.error(
                "complaint transport %s cannot start: %s (its complaints wait in the outbox)", name, error
            )
        log.info("outbox transports: %s", ", ".join(transports) or "none")
        self.worker = OutboxWorker(
            self.db_path,
            transports,
            self.clock,
            poll=self.outbox_poll,
            on_sent=after_sent_hook(self.settings.export, clock=self.clock),
            on_start=start_hook(self.settings.export, clock=self.clock),
        ).start()

    def stop(self) -> None:
        """Stop the worker (after the row in hand), then the ingest service."""
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        self.ingest.stop()
