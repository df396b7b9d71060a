"""Processes sharing one database and one modem.

A ``studio-console daemon`` ingests under load while a second process reads and
writes the same SQLite file the way the screens do (pages, searches, the CLI,
blocking numbers, starting shows): neither sees "database is locked" or any other
error. A second daemon for the same port says which process owns it, never touches
the port, and takes over when the owner stops.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from drivers.gsm.virtual import VirtualModem
from tests.studio_console.ingest_helpers import (
    DaemonProcess,
    Network,
    cli_messages,
    describe_difference,
    interleave,
    make_traffic,
    multiset,
    problems,
    process_env,
    query,
    sim_contents,
    wait_ingest_quiet,
    wait_until,
    write_config,
)

ROOT = Path(__file__).resolve().parents[2]


def _stored(db: Path) -> int:
    """Parts stored so far (0 while the first daemon is still creating the database)."""
    try:
        return query(db, "SELECT count(*) FROM parts")[0][0]
    except sqlite3.OperationalError:
        return 0


def _published(db: Path) -> bool:
    """The daemon has created the database and published its status."""
    try:
        return bool(query(db, "SELECT pid FROM service_status"))
    except sqlite3.OperationalError:
        return False


def _holds(pid: int, path: str) -> bool:
    """Whether process ``pid`` has ``path`` open."""
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == path:
                return True
        except FileNotFoundError:
            pass
    return False


def test_a_daemon_and_a_reader_share_the_database_and_a_second_daemon_waits_its_turn(tmp_path: Path) -> None:
    rng = random.Random(2)
    first_wave = make_traffic(rng, 250)
    second_wave = make_traffic(random.Random(3), 60, senders=10)
    db = tmp_path / "studio.sqlite3"
    env = process_env(tmp_path / "run")
    config = write_config(tmp_path)
    vm = VirtualModem(link=tmp_path / "ttyGSM0")
    vm.start()
    first = DaemonProcess(config, vm.port, db, tmp_path / "first.log", env)
    second = DaemonProcess(config, vm.port, db, tmp_path / "second.log", env)
    stop_file = tmp_path / "stop-reader"
    reader_out = tmp_path / "reader.out"
    reader_err = tmp_path / "reader.err"
    network = Network(vm, interleave(rng, first_wave), pace=0.015)
    reader: subprocess.Popen[bytes] | None = None
    try:
        first.start()
        wait_until(lambda: _published(db), 20, what="the first daemon's status")
        with reader_out.open("wb") as out, reader_err.open("wb") as err:
            reader = subprocess.Popen(
                [sys.executable, "-m", "tests.studio_console.ingest_helpers", str(db), str(stop_file), "7"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=err,
            )
        network.start()
        wait_until(lambda: _stored(db) > 50, 30, what="the first daemon to ingest")

        # A second daemon for the same port: it names the owner and stands by.
        second.start()
        wait_until(
            lambda: f"is owned by pid {first.pid}" in second.output(),
            20,
            what="the second daemon to name the owner",
        )
        slave = os.path.realpath(vm.port)
        before = _stored(db)
        for _ in range(20):
            assert not _holds(second.pid, slave), "the standby daemon opened the modem's port"
            time.sleep(0.1)
        assert _stored(db) > before, "the first daemon stopped ingesting"
        assert first.alive() and second.alive()

        # The owner stops; the standby daemon takes the port over.
        assert first.terminate() == 0
        wait_until(lambda: "owning" in second.output(), 20, what="the second daemon to take over")
        network.add(interleave(rng, second_wave))
        wait_until(
            lambda: network.done and not sim_contents(vm),
            60,
            what="every message to be delivered and taken from the SIM",
        )
        wait_ingest_quiet(db, quiet=1.0, timeout=60)
        status_pid = query(db, "SELECT pid FROM service_status")[0][0]

        stop_file.touch()
        assert reader.wait(60) == 0, reader_err.read_text()
        assert second.terminate() == 0
    finally:
        stop_file.touch()
        network.stop()
        if reader is not None and reader.poll() is None:
            reader.kill()
            reader.wait(10)
        first.cleanup()
        second.cleanup()
        vm.stop()

    assert network.error is None
    assert reader_err.read_text() == ""
    assert reader_out.read_text().startswith("reader: ")
    print("\n" + reader_out.read_text().strip())
    for daemon in (first, second):
        assert not problems(daemon.output()), "\n".join(problems(daemon.output()))
    assert status_pid == second.pid
    expected = multiset(m.key for m in (*first_wave, *second_wave))
    got = multiset((r["sender"], r["text"]) for r in cli_messages(db))
    assert got == expected, describe_difference(expected, got)
