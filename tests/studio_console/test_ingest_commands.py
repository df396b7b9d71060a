"""Screens ask, the ingest service acts: answer and hang up through ``modem_commands``.

A real :class:`~studio_console.ingest.IngestService` drives the real modem
driver over a virtual modem's pty; the requests come from another connection
to the same SQLite file, the way a screen (or a second process) makes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from drivers.gsm.modem import Modem
from drivers.gsm.virtual import VirtualModem
from studio_console.ingest import IngestService
from studio_console.screening import Actor
from studio_console.store import Store, commands
from tests.studio_console.ingest_helpers import (
    DaemonProcess,
    process_env,
    wait_until,
    write_config,
)

CALLER = "+6281234567890"
PRODUCER = Actor("producer", "Sari")


class Rig:
    """A virtual modem, an ingest service on a temporary database, and a screen's store."""

    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "studio.sqlite3"
        self.vm = VirtualModem(link=str(tmp_path / "ttyGSM0"))
        self.vm.start()
        self.service = IngestService(self.db, self._modem, sweep_interval=5)
        self.screen = Store(self.db)

    def _modem(self, on_event: Callable[[Any], None]) -> Modem:
        return Modem(
            port=self.vm.port,
            on_event=on_event,
            command_timeout=3.0,
            poll_interval=0.3,
            reconnect_min=0.05,
            reconnect_max=0.5,
            ring_timeout=2.0,
        )

    def start(self) -> Rig:
        self.service.start()
        assert self.service.modem.wait_ready(15), self.service.modem.status()
        return self

    def stop(self) -> None:
        self.service.stop()
        self.vm.stop()
        self.screen.close()

    def call(self, number: str = CALLER) -> dict[str, Any]:
        """The network rings the modem (for a long while); returns the new calls row."""
        before = len(self.calls())
        self.vm.call(number, rings=200, interval=0.3)
        return wait_until(
            lambda: (rows := self.calls())[before:] and rows[-1]["number_raw"] == number and rows[-1],
            10,
            what="the ringing call's row",
        )

    def calls(self) -> list[dict[str, Any]]:
        return list(self.screen.db.query("SELECT * FROM calls ORDER BY id"))

    def call_state(self, call_id: int) -> str:
        return self.screen.call(call_id)["state"]

    def finished(self, command_id: int) -> commands.ModemCommand:
        return wait_until(
            lambda: (c := commands.get(self.screen, command_id)).state != "pending" and c,
            10,
            what=f"command {command_id} to be carried out",
        )


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path).start()
    yield r
    r.stop()


def test_a_ringing_call_is_answered_when_the_screen_asks(rig: Rig) -> None:
    call = rig.call()
    assert call["state"] == "ringing"
    start = len(rig.vm.commands)
    command_id = commands.request(rig.screen, "answer", {"call_id": call["id"]}, PRODUCER)

    assert rig.vm.wait_for_command("ATA", start=start) == "ATA"
    assert rig.finished(command_id).state == "done"
    assert rig.vm.call_state == "active"
    row = rig.screen.call(call["id"])
    assert row["state"] == "screening" and row["screening_at"] is not None
    audit = rig.screen.conn.execute(
        "SELECT actor_role, actor, to_state FROM audit WHERE entity = 'call' AND entity_id = ?", (call["id"],)
    ).fetchall()
    assert ("producer", "Sari", "screening") in audit


def test_an_answered_call_is_hung_up_when_the_screen_asks_and_ends(rig: Rig) -> None:
    call = rig.call()
    rig.finished(commands.request(rig.screen, "answer", {"call_id": call["id"]}, PRODUCER))
    start = len(rig.vm.commands)
    command_id = commands.request(rig.screen, "hangup", {"call_id": call["id"]}, PRODUCER)

    line = rig.vm.wait_for_command("AT+CHUP", start=start) or rig.vm.wait_for_command("ATH", start=start)
    assert line in ("AT+CHUP", "ATH")
    assert rig.finished(command_id).state == "done"
    row = wait_until(lambda: (r := rig.screen.call(call["id"]))["ended_at"] and r, 10, what="the call to end")
    assert (row["state"], row["end_reason"]) == ("ended", "local hang-up")
    assert rig.vm.call_state == "idle"


def test_hanging_up_a_ringing_call_rejects_it(rig: Rig) -> None:
    call = rig.call()
    rig.finished(commands.request(rig.screen, "hangup", {"call_id": call["id"]}, PRODUCER))
    assert rig.call_state(call["id"]) == "rejected"
    assert rig.vm.call_state == "idle"


def test_a_command_nobody_carried_out_within_thirty_seconds_is_failed_as_stale(rig: Rig) -> None:
    call = rig.call()
    late = Store(rig.db, clock=lambda: datetime.now(UTC) - timedelta(seconds=45))
    try:
        command_id = commands.request(late, "answer", {"call_id": call["id"]}, PRODUCER)
    finally:
        late.close()
    done = rig.finished(command_id)
    assert (done.state, done.error) == ("failed", commands.ERROR_STALE)
    assert "ATA" not in rig.vm.commands
    assert rig.call_state(call["id"]) == "ringing"


def test_a_command_for_another_call_than_the_modem_s_is_refused(rig: Rig) -> None:
    call = rig.call()
    for command in ("answer", "hangup"):
        failed = rig.finished(commands.request(rig.screen, command, {"call_id": call["id"] + 99}))
        assert (failed.state, failed.error) == ("failed", commands.ERROR_NOT_CURRENT)
    assert rig.vm.call_state == "ringing" and rig.call_state(call["id"]) == "ringing"


def test_answering_after_the_caller_gave_up_fails_without_touching_the_modem(rig: Rig) -> None:
    rig.vm.call(CALLER, rings=1, interval=0.2)
    (call,) = wait_until(
        lambda: [c for c in rig.calls() if c["state"] == "missed"], 15, what="the call to be missed"
    )
    command = rig.finished(commands.request(rig.screen, "answer", {"call_id": call["id"]}))
    assert (command.state, command.error) == ("failed", commands.ERROR_NOT_CURRENT)
    assert "ATA" not in rig.vm.commands


def test_commands_waiting_from_before_the_service_started_are_carried_out_or_expired(tmp_path: Path) -> None:
    r = Rig(tmp_path)
    try:
        late = Store(r.db, clock=lambda: datetime.now(UTC) - timedelta(minutes=5))
        old = commands.request(late, "hangup", {})
        late.close()
        fresh = commands.request(r.screen, "hangup", {})
        r.start()
        assert r.finished(old).error == commands.ERROR_STALE
        assert r.finished(fresh).state == "done"  # no call: the modem hangs up nothing, harmlessly
        assert sum(line in ("AT+CHUP", "ATH") for line in r.vm.commands) == 1
    finally:
        r.stop()


def test_the_daemon_in_another_process_carries_out_a_screen_s_answer(tmp_path: Path) -> None:
    db = tmp_path / "studio.sqlite3"
    vm = VirtualModem(link=str(tmp_path / "ttyGSM0"))
    vm.start()
    daemon = DaemonProcess(
        write_config(tmp_path), vm.port, db, tmp_path / "daemon.log", process_env(tmp_path / "run")
    )
    try:
        daemon.start()
        wait_until(
            lambda: db.exists() and (Store(db).read_status() or {}).get("state") == "ready",
            30,
            what="the daemon's modem to be ready",
        )
        vm.call(CALLER, rings=200, interval=0.3)
        with Store(db) as screen:
            (call,) = wait_until(
                lambda: screen.db.execute("SELECT id FROM calls").fetchall(),
                15,
                what="the call in the database",
            )
            start = len(vm.commands)
            command_id = commands.request(screen, "answer", {"call_id": call[0]}, PRODUCER)
            assert vm.wait_for_command("ATA", 10, start=start) == "ATA"
            wait_until(
                lambda: commands.get(screen, command_id).state == "done",
                10,
                what="the daemon to mark the command done",
            )
            assert screen.call(call[0])["state"] == "screening"
    finally:
        daemon.cleanup()
        vm.stop()
