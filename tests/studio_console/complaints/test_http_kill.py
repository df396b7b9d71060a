"""Exactly once towards SIAP LAPOR! against SIGKILL: 200 complaints drain through a sender
process (the real OutboxWorker and HttpTransport, ``http_sender.py``) that is killed at
random moments and restarted, to a real HTTP server (``lapor_server.py``) that answers
slowly at random, sometimes ``500`` before or after creating the complaint, and sometimes
cuts its answer off after creating it.

Whatever moment a kill lands on — importing, claiming a row, with the request on the wire,
after the server created the complaint but before the receipt is committed — the server
must have created each complaint once, under the one idempotency key of its outbox row
(repeats allowed, each answered with the same tracking ID), and every complaint must end
``terkirim`` with the tracking ID the server created for its key.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.studio_console.complaints.http_helpers import TOKEN_ENV, make_ready, wait_for
from tests.studio_console.complaints.lapor_server import TOKEN, LaporServer

SEED = 20260307
COMPLAINTS = 200
KILLS = 12
LEASE = 2.0  # a killed sender's claimed row is taken again after this
SENDER = Path(__file__).with_name("http_sender.py")
ROOT = Path(__file__).resolve().parents[3]


class Sender:
    """The sender process: started, SIGKILLed, started again."""

    def __init__(self, db: Path, url: str, log: Path) -> None:
        self.args = [
            sys.executable,
            str(SENDER),
            "--db",
            str(db),
            "--url",
            url,
            "--lease",
            str(LEASE),
            "--poll",
            "0.05",
            "--timeout",
            "5",
        ]
        self.env = {**os.environ, TOKEN_ENV: TOKEN, "PYTHONPATH": str(ROOT)}
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.args, stdout=out, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT
            )
        self.starts += 1

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.terminate()
        return self.proc.wait(20)

    def cleanup(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait(10)


def outbox_rows(db: Path) -> list[tuple[int, int, str, str, str | None, str | None]]:
    """(outbox id, complaint id, key, outbox state, complaint status, tracking ID) per row."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(
            "SELECT o.id, o.complaint_id, o.idempotency_key, o.state, c.status, c.tracking_id "
            "FROM outbox o JOIN complaints c ON c.id = o.complaint_id ORDER BY o.id"
        ).fetchall()
    finally:
        conn.close()


@pytest.mark.slow
def test_sigkill_at_random_moments_creates_every_complaint_exactly_once(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    db = tmp_path / "studio.sqlite3"
    ids = make_ready(db, COMPLAINTS)
    keys = {cid: key for _, cid, key, *_ in outbox_rows(db)}
    assert sorted(keys) == sorted(ids)
    log = tmp_path / "sender.log"
    # Up to 2 x 40 ms of work per request; 10 % 500 before creating, 5 % 500 after
    # creating, 4 % answers cut off after creating.
    with LaporServer(
        mode="chaos", seed=SEED, delay=0.04, error_before=0.1, error_after=0.05, close_after=0.04
    ) as server:
        sender = Sender(db, server.url, log)
        try:
            started = time.monotonic()
            mid_request = kills = 0
            for kill in range(1, KILLS + 1):
                if all(r[3] == "sent" for r in outbox_rows(db)):
                    break  # a very fast machine: nothing left to kill a sender over
                seen = len(server.requests)
                sender.start()
                if kill % 4 == 0:
                    # Anywhere in the process's life, start-up included.
                    time.sleep(rng.uniform(0.05, 1.2))
                else:
                    # While it sends: after its first request of this run.
                    wait_for(lambda seen=seen: len(server.requests) > seen, "the sender's first request", 20)
                    time.sleep(rng.uniform(0.0, 0.6))
                assert sender.alive(), log.read_text()[-3000:]
                in_flight = any(r.status is None for r in server.requests[seen:])
                sender.kill()
                kills += 1
                mid_request += in_flight
            killing = time.monotonic() - started
            left = sum(1 for r in outbox_rows(db) if r[3] != "sent")
            sender.start()
            wait_for(
                lambda: all(r[3] == "sent" for r in outbox_rows(db)), "every outbox row to be sent", 60, 0.1
            )
            assert sender.terminate() == 0, log.read_text()[-3000:]
            finishing = time.monotonic() - started - killing
        finally:
            sender.cleanup()
        requests = server.requests
        created = server.created

    # The server: one created complaint per key, each from its own complaint, nothing else.
    assert set(created) == set(keys.values())
    assert {key: c.complaint_id for key, c in created.items()} == {key: cid for cid, key in keys.items()}
    creations = Counter(r.key for r in requests if r.created)
    assert set(creations.values()) == {1} and len(creations) == COMPLAINTS
    for r in requests:
        if r.tracking_id is not None:  # every answer that carried one carried the original
            assert r.tracking_id == created[r.key].tracking_id
    assert all(r.header("Authorization") == f"Bearer {TOKEN}" for r in requests)

    # The studio: every complaint terkirim with the tracking ID the server made for its key.
    rows = outbox_rows(db)
    assert len(rows) == COMPLAINTS
    for _, _, key, state, status, tracking in rows:
        assert (state, status, tracking) == ("sent", "terkirim", created[key].tracking_id)
    assert "Traceback" not in log.read_text()

    repeats = len(requests) - COMPLAINTS
    assert repeats > 0  # the idempotency path was exercised (500 after creating, cut answers)
    print(
        f"\n{kills} kills in {killing:.1f} s ({mid_request} with a request unanswered), "
        f"{left} of {COMPLAINTS} left for the last run ({finishing:.1f} s); {len(requests)} "
        f"requests, {repeats} beyond one per complaint; {sender.starts} sender starts"
    )
