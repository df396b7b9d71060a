"""The no-loss ingest service: modem -> store.

Order for every message: read the PDU -> decode (failure -> quarantine, raw
kept) -> insert with the dedupe key and COMMIT (``synchronous=FULL``) -> only
then delete it from the SIM. Re-reading a slot after a crash stores nothing
twice. The service is driven by ``+CMTI``/``+CMT``/``+CDS(I)`` and by sweeps of
every storage at start-up, after every reconnect, when polling finds waiting
messages, and periodically as a safety net.

One worker thread does all modem reads/deletes and all database writes, in
order, so a slow database or modem never blocks the modem's reader thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.gsm import events as ev
from drivers.gsm.pdu import PduError, decode
from studio_console.store import Store
from studio_console.store import commands as modem_commands

if TYPE_CHECKING:
    from studio_console.complaints.lapor_reply import LaporReplyMatcher

__all__ = ["IngestCounters", "IngestService"]

log = logging.getLogger(__name__)

STATUS_INTERVAL = 2.0  # seconds between status heartbeats (and at every change)
STALE_CHECK_INTERVAL = 10.0
COMMAND_POLL_INTERVAL = 0.2  # seconds between PRAGMA data_version checks for screens' commands


@dataclass
class IngestCounters:
    """What the service has done since it started (published in the status)."""

    received: int = 0
    duplicates: int = 0
    quarantined: int = 0
    status_reports: int = 0
    calls: int = 0
    read_errors: int = 0
    delete_errors: int = 0
    store_errors: int = 0
    sweeps: int = 0
    reconnects: int = 0


@dataclass
class _CallTrack:
    db_id: int
    modem_id: int
    number: str | None
    answered: bool = False


@dataclass
class _Job:
    kind: str
    args: tuple[Any, ...] = field(default_factory=tuple)


class IngestService:
    """Moves everything the modem receives into the store, once.

    Args:
        db_path: the database file.
        modem_factory: builds the modem driver given the event callback
            (``lambda on_event: Modem(port=…, on_event=on_event)``).
        multipart_wait: seconds before an incomplete multipart message is shown as such.
        sweep_interval: seconds between safety-net sweeps of every storage.
        flood_max_messages, flood_window: the flood rule.
        clock: wall clock for the store (timezone-aware).
        on_stored: called (from the worker) with each new message id — screens in
            the same process can refresh without polling.
        lapor_reply: files the tracking ID of LAPOR!'s reply SMS (messages from
            ``export.sms_number``) as each complete message is stored; None: off.
    """

    def __init__(self, db_path: str | Path, modem_factory: Callable[[Callable[[Any], None]], Any],
                 *, multipart_wait: float = 600, sweep_interval: float = 60,
                 flood_max_messages: int = 10, flood_window: float = 300,
                 clock: Callable[[], datetime] | None = None,
                 on_stored: Callable[[int], None] | None = None,
                 lapor_reply: LaporReplyMatcher | None = None) -> None:
        self.db_path = Path(db_path)
        self.multipart_wait = multipart_wait
        self.sweep_interval = sweep_interval
        self.flood_max_messages = flood_max_messages
        self.flood_window = flood_window
        self.clock = clock or (lambda: datetime.now(UTC))
        self.on_stored = on_stored
        self.lapor_reply = lapor_reply
        self.counters = IngestCounters()
        self.last_message_at: str | None = None
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        self._call: _CallTrack | None = None
        self._status_dirty = True
        self._command_watcher: Any = None
        self._commands_deferred = False
        self._sweep_queued = False
        self.modem = modem_factory(self._on_event)

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Open the store, start the worker and the modem."""
        self._stop.clear()
        self._store = Store(self.db_path, durable=True, clock=self.clock,
                            flood_max_messages=self.flood_max_messages,
                            flood_window=self.flood_window)
        self._thread = threading.Thread(target=self._run, name="ingest-worker", daemon=True)
        self._thread.start()
        self.modem.start()

    def stop(self) -> None:
        """Stop the worker (finishing the message in hand), then the modem; close the store."""
        self._stop.set()
        self._jobs.put(_Job("wake"))
        if self._thread is not None:
            self._thread.join(30)
        self.modem.stop()
        if self._store is not None:
            try:
                self._publish_status()
            except Exception:
                log.debug("final status not published", exc_info=True)
            self._store.close()
            self._store = None

    def sweep_now(self) -> None:
        """Ask for a sweep of every storage (requests made while one waits are merged)."""
        if not self._sweep_queued:
            self._sweep_queued = True
            self._jobs.put(_Job("sweep"))

    def idle(self) -> bool:
        """True when no job is waiting (tests and benchmarks wait on it)."""
        return self._jobs.unfinished_tasks == 0

    # -------------------------------------------------------------- modem events
    def _on_event(self, event: Any) -> None:
        """Modem callback (on the driver's dispatcher thread): queue, never block."""
        if isinstance(event, (ev.SmsStored, ev.StatusReportStored)):
            self._jobs.put(_Job("read", (event.storage, event.index)))
        elif isinstance(event, ev.SmsReceived | ev.StatusReportReceived):
            self._jobs.put(_Job("direct", (event.pdu_hex,)))
        elif isinstance(event, ev.MessagesWaiting | ev.StorageFull):
            self.sweep_now()
        elif isinstance(event, ev.StateChanged):
            if event.state == "ready":
                self.sweep_now()
            elif event.state == "reconnecting":
                self.counters.reconnects += 1
            self._jobs.put(_Job("call-reset") if event.state != "ready" else _Job("wake"))
            self._status_dirty = True
        elif isinstance(event, ev.IncomingCall):
            self._jobs.put(_Job("ring", (event.call_id, event.number)))
        elif isinstance(event, ev.CallEnded):
            self._jobs.put(_Job("call-end", (event.call_id, event.reason)))
        else:
            self._status_dirty = True

    # -------------------------------------------------------------------- worker
    def _run(self) -> None:
        next_sweep = time.monotonic() + self.sweep_interval
        next_stale = time.monotonic()
        next_status = time.monotonic()
        next_commands = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            timeout = max(0.0, min(next_sweep, next_stale, next_status, next_commands) - now)
            try:
                job = self._jobs.get(timeout=timeout)
            except queue.Empty:
                job = None
            try:
                if job is not None:
                    self._do(job)
                now = time.monotonic()
                if now >= next_sweep:
                    next_sweep = now + self.sweep_interval
                    self._do(_Job("sweep"))
                if now >= next_stale:
                    next_stale = now + min(STALE_CHECK_INTERVAL, self.multipart_wait / 4)
                    self._release_stale()
                if now >= next_commands:
                    next_commands = now + COMMAND_POLL_INTERVAL
                    self._poll_commands()
                # Publish at the heartbeat, or on a change once the queue is drained: a
                # burst of messages must not pay one status transaction each.
                if (self._status_dirty and self._jobs.unfinished_tasks <= 1) or now >= next_status:
                    next_status = now + STATUS_INTERVAL
                    self._publish_status()
            except Exception:
                self.counters.store_errors += 1
                log.exception("ingest job %s failed; it will be retried by the next sweep", job)
            finally:
                if job is not None:
                    self._jobs.task_done()

    def _do(self, job: _Job) -> None:
        if job.kind == "read":
            self._read_slot(*job.args)
        elif job.kind == "sweep":
            self._sweep()
        elif job.kind == "direct":
            if self._ingest_pdu(job.args[0], None, None):
                self.modem.acknowledge_direct()
        elif job.kind == "ring":
            self._ring(*job.args)
        elif job.kind == "call-end":
            self._call_end(*job.args)
        elif job.kind == "call-reset" and self._call is not None:
            self._call_end(None, "modem disconnected")

    def _sweep(self) -> None:
        self._sweep_queued = False
        if self.modem.state != "ready":
            return
        try:
            stored = self.modem.list_messages()
        except Exception as exc:
            self.counters.read_errors += 1
            log.warning("sweep failed: %s", exc)
            return
        self.counters.sweeps += 1
        for msg in stored:
            if self._stop.is_set():
                break
            if msg.stat in (2, 3):  # stored outgoing drafts, not received messages
                continue
            self._ingest_stored(msg.storage, msg.index, msg.pdu_hex)
        self._status_dirty = True

    def _read_slot(self, storage: str, index: int) -> None:
        if self.modem.state != "ready":
            return  # announced during start-up: the sweep on "ready" takes it
        try:
            msg = self.modem.read_message(storage, index)
        except Exception as exc:
            self.counters.read_errors += 1
            log.warning("reading %s/%s failed: %s", storage, index, exc)
            return
        if msg is None:  # +CMTI for an empty slot: nothing there
            log.info("%s/%s is empty (a +CMTI to nowhere, or already taken)", storage, index)
            return
        if msg.stat in (2, 3):
            return
        self._ingest_stored(storage, index, msg.pdu_hex)

    def _ingest_stored(self, storage: str, index: int, pdu_hex: str) -> None:
        if self._ingest_pdu(pdu_hex, storage, index):
            try:
                self.modem.delete_message(storage, index)
            except Exception as exc:
                self.counters.delete_errors += 1
                log.warning("deleting %s/%s failed (kept in the database): %s", storage, index,
                            exc)

    def _ingest_pdu(self, pdu_hex: str, storage: str | None, index: int | None) -> bool:
        """Decode and commit one PDU; True when it is durably stored (safe to delete)."""
        store = self._require_store()
        try:
            sms = decode(pdu_hex)
        except PduError as exc:
            _, duplicate = store.quarantine(pdu_hex, str(exc), storage=storage, slot=index)
            if not duplicate:
                self.counters.quarantined += 1
                log.warning("quarantined undecodable PDU from %s/%s: %s", storage, index, exc)
            return True
        if sms.kind == "status-report":
            _, duplicate = store.store_status_report(sms, pdu_hex)
            self.counters.status_reports += not duplicate
            return True
        if sms.kind != "deliver":
            store.quarantine(pdu_hex, f"unexpected {sms.kind} PDU in the inbox", storage=storage,
                             slot=index)
            return True
        outcome = store.store_part(sms, pdu_hex, storage=storage, slot=index)
        if outcome.duplicate:
            self.counters.duplicates += 1
            return True
        self.counters.received += 1
        self.last_message_at = self.clock().astimezone(UTC).isoformat()
        self._status_dirty = True
        if outcome.message_id is not None and outcome.complete and self.lapor_reply is not None:
            self._match_lapor_reply(store, outcome.message_id)
        if outcome.message_id is not None and self.on_stored is not None:
            self.on_stored(outcome.message_id)
        return True

    def _match_lapor_reply(self, store: Store, message_id: int) -> None:
        """Hand a stored message to the LAPOR! reply matcher; its failure never stops ingest."""
        assert self.lapor_reply is not None
        try:
            self.lapor_reply.match(store, message_id)
        except Exception:
            log.exception("matching message %s to a complaint failed; it stays in the inbox",
                          message_id)

    def _release_stale(self) -> None:
        created = self._require_store().release_stale_parts(self.multipart_wait)
        if created and self.on_stored is not None:
            for message_id in created:
                self.on_stored(message_id)

    # --------------------------------------------------------------------- calls
    def _ring(self, call_id: int, number: str | None) -> None:
        store = self._require_store()
        track = self._call
        if track is not None and track.modem_id == call_id:
            if number and number != track.number:
                store.call_identified(track.db_id, number)
                track.number = number
            return
        if track is not None:  # a new call while the old one was never ended
            self._call_end(track.modem_id, "superseded")
        self._call = _CallTrack(store.call_ringing(number), call_id, number)
        self.counters.calls += 1
        self._status_dirty = True

    def _call_end(self, call_id: int | None, reason: str) -> None:
        track = self._call
        if track is None:
            return
        self._call = None
        state = "missed" if reason == "missed" and not track.answered else "ended"
        self._require_store().call_set_state(track.db_id, state, reason=reason)
        self._status_dirty = True

    def answer_call(self, actor: Any = None) -> int:
        """Answer the ringing call: the same modem command a screen writes; returns its id."""
        with Store(self.db_path, clock=self.clock) as store:
            return modem_commands.request(store, "answer", None, actor)

    # ------------------------------------------------------- screens' modem commands
    def _poll_commands(self) -> None:
        """Carry out the screens' pending modem commands (one pragma when nothing changed)."""
        store = self._require_store()
        if self._command_watcher is None:  # first tick: whatever waited while we were down
            self._command_watcher = store.watcher()
        elif not self._command_watcher.changed() and not self._commands_deferred:
            return
        self._commands_deferred = False
        for command in modem_commands.pending(store):
            if not self._run_command(store, command):
                self._commands_deferred = True  # the modem is not ready: try again next tick

    def _run_command(self, store: Store, command: modem_commands.ModemCommand) -> bool:
        """Answer or hang up as a screen asked; False when it must wait for the modem."""
        if command.stale(store.clock()):
            modem_commands.complete(store, command.id, False, modem_commands.ERROR_STALE)
            return True
        if self.modem.state != "ready":
            return False
        track, wanted = self._call, command.call_id
        current = track is not None and (wanted is None or track.db_id == wanted)
        # Answer only the ringing call asked for; never hang up on another caller than that.
        if (command.command == "answer" and (not current or track.answered)) or (
                command.command == "hangup" and track is not None and not current):
            modem_commands.complete(store, command.id, False, modem_commands.ERROR_NOT_CURRENT)
            return True
        try:
            if command.command == "answer":
                self.modem.answer()
            else:
                self.modem.hangup()
        except Exception as exc:
            log.warning("modem command %s #%s failed: %s", command.command, command.id, exc)
            modem_commands.complete(store, command.id, False, str(exc) or type(exc).__name__)
            return True
        who = {"role": command.requested_role, "actor": command.requested_by}
        if command.command == "answer" and track is not None:
            track.answered = True
            store.call_set_state(track.db_id, "screening", **who)
        elif command.command == "hangup":
            answered = track.answered if track is not None else True
            if track is not None:
                self._call = None  # the CallEnded that follows finds nothing left to end
            call_id = wanted if wanted is not None else track.db_id if track else None
            row = store.call(call_id) if call_id is not None else None
            if row is not None and row["ended_at"] is None:
                state = ("blocked" if row["state"] == "blocked" else
                         "rejected" if row["state"] == "ringing" and not answered else "ended")
                store.call_set_state(call_id, state, reason="local hang-up", **who)
        modem_commands.complete(store, command.id, True)
        self._status_dirty = True
        return True

    # -------------------------------------------------------------------- status
    def status(self) -> dict[str, Any]:
        """The status published for every screen: modem, last message, counters."""
        st = self.modem.status()
        return {
            "port": st.port, "state": st.state, "last_error": st.last_error,
            "operator": st.operator, "signal_dbm": st.signal_dbm,
            "registration": st.registration,
            "storages": {k: list(v) for k, v in (st.storages or {}).items()},
            "manufacturer": st.manufacturer, "model": st.model,
            "last_message_at": self.last_message_at, "counters": asdict(self.counters),
        }

    def _publish_status(self) -> None:
        self._status_dirty = False
        self._require_store().publish_status(self.status())

    def _require_store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the ingest service is not started")
        return self._store
