"""Benchmark: the complaint outbox draining to a loopback SIAP LAPOR! server, with its peers.

N complaints (default 1000) are made the real way (an SMS item stored, screened, aired,
drafted, completed and marked ready for ``http``) in a template SQLite database, copied
fresh for every run. The fake endpoint (``tests/studio_console/complaints/lapor_server.py``,
mode ``created``: 201 and a tracking ID per new key) runs in its own process on 127.0.0.1.
Four ways to move N complaints, each timed from the first to the last one:

- **raw POST**, the peer: ``http.client``, one new connection per request as our transport
  opens one, the same JSON bodies and headers, no outbox, no checks. The fastest the
  server and the loopback allow from one Python thread.
- **transport only**: :meth:`HttpTransport.send` in a loop, no outbox: raw POST plus the
  schema check, JSON encoding, the deadline timer and reading the answer.
- **outbox only**: the real :class:`OutboxWorker` with a transport that returns a receipt
  at once: the bookkeeping per complaint (``due`` query, claim, load, ``to_payload``,
  ``mark_sent`` with its attempt row, audit rows and the complaint's status), no network.
- **outbox + HTTP**: the real :class:`OutboxWorker` with the real :class:`HttpTransport`,
  what production does.

Each is repeated (``--repeats``, the median is shown) in turns, because the machine may
be shared. It prints complaints per second, milliseconds per complaint, the client's CPU
milliseconds per complaint (this process) and the server's (its process), the ratio of
the full path to the raw POST peer, and how the full path's time splits between the
outbox and the transport. Checks: every outbox row sent with a distinct tracking ID, and
the server created exactly N complaints per run (the exit status is 1 otherwise).

Run::

    .venv/bin/python benchmarks/outbox.py                # 1000 complaints, 3 repeats
    .venv/bin/python benchmarks/outbox.py --quick        # 200 complaints, 1 repeat
    .venv/bin/python benchmarks/outbox.py --count 5000 --repeats 5
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from studio_console.complaints.builder import load  # noqa: E402
from studio_console.complaints.model import to_payload  # noqa: E402
from studio_console.complaints.outbox import OutboxWorker, Receipt  # noqa: E402
from studio_console.complaints.transports.http_push import USER_AGENT, HttpTransport  # noqa: E402
from studio_console.store import Store  # noqa: E402
from tests.studio_console.complaints.http_helpers import TOKEN_ENV, make_ready  # noqa: E402
from tests.studio_console.complaints.lapor_server import TOKEN  # noqa: E402

SERVER = ROOT / "tests" / "studio_console" / "complaints" / "lapor_server.py"
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """One timed run of one way."""

    seconds: float
    client_cpu: float
    server_cpu: float
    count: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds


@dataclass
class Way:
    """One way to move the complaints, and its runs."""

    name: str
    note: str
    runs: list[Run] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)


class ServerProcess:
    """The fake endpoint in its own process."""

    def __init__(self, folder: Path) -> None:
        port_file = folder / "port"
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER), "--port-file", str(port_file)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while not port_file.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("the fake server did not start")
            time.sleep(0.02)
        self.port = int(port_file.read_text())
        self.url = f"http://127.0.0.1:{self.port}/api/aduan"

    def cpu(self) -> float:
        """CPU seconds the server process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


class Instant:
    """A transport that takes every complaint at once (no network): the outbox alone."""

    name = "http"

    def __init__(self) -> None:
        self.count = 0

    def send(self, payload: dict[str, Any], idempotency_key: str) -> Receipt:
        self.count += 1
        return Receipt(f"T-{self.count}", {"http_status": 201})


def timed(server: ServerProcess, count: int, work: Callable[[], None]) -> Run:
    server_before, client_before = server.cpu(), time.process_time()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    return Run(seconds, time.process_time() - client_before, server.cpu() - server_before, count)


class _Draining(OutboxWorker):
    """The real worker, telling the benchmark when it has sent ``target`` rows (no polling)."""

    def __init__(self, *args: Any, target: int, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.target = target
        self.done = threading.Event()

    def drain_once(self, store: Store) -> int:
        tried = super().drain_once(store)
        if self.sent >= self.target or self.failed_attempts:
            self.done.set()
        return tried


def drain(db: Path, transport: Any, count: int) -> None:
    """Run the real worker until it has sent ``count`` rows."""
    worker = _Draining(db, [transport], poll=0.01, target=count)
    worker.start()
    try:
        if not worker.done.wait(600):
            raise RuntimeError(f"the outbox worker sent {worker.sent} of {count} in 600 s")
        if worker.failed_attempts or worker.last_error:
            raise RuntimeError(f"{worker.failed_attempts} attempts failed: {worker.last_error}")
    finally:
        worker.stop()


def check_sent(db: Path, count: int) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        states = dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
        tracking = conn.execute(
            "SELECT count(DISTINCT tracking_id) FROM complaints WHERE status = 'terkirim'"
        ).fetchone()[0]
    finally:
        conn.close()
    problems = []
    if states != {"sent": count}:
        problems.append(f"outbox states {states}, expected {count} sent")
    if tracking != count:
        problems.append(f"{tracking} distinct tracking IDs, expected {count}")
    return problems


def raw_posts(url_port: int, bodies: list[tuple[str, bytes]]) -> Callable[[], None]:
    def work() -> None:
        for key, body in bodies:
            conn = http.client.HTTPConnection("127.0.0.1", url_port, timeout=15)
            conn.request(
                "POST",
                "/api/aduan",
                body,
                {
                    "Content-Type": "application/json; charset=utf-8",
                    "Accept": "application/json",
                    "User-Agent": USER_AGENT,
                    "Idempotency-Key": key,
                    "Authorization": f"Bearer {TOKEN}",
                    "Connection": "close",
                },
            )
            response = conn.getresponse()
            answer = response.read()
            conn.close()
            if response.status != 201 or "tracking_id" not in json.loads(answer):
                raise RuntimeError(f"raw POST got {response.status}")

    return work


def transport_only(transport: HttpTransport, items: list[tuple[str, dict[str, Any]]]) -> Callable[[], None]:
    def work() -> None:
        for key, payload in items:
            if transport.send(payload, key).tracking_id is None:
                raise RuntimeError("no tracking ID")

    return work


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=None, help="complaints per run (default 1000)")
    parser.add_argument("--repeats", type=int, default=None, help="runs of each way (default 3)")
    parser.add_argument("--quick", action="store_true", help="200 complaints, 1 repeat")
    args = parser.parse_args(argv)
    count = args.count or (200 if args.quick else 1000)
    repeats = args.repeats or (1 if args.quick else 3)
    os.environ[TOKEN_ENV] = TOKEN

    print(
        f"Outbox benchmark: {count} complaints per run, {repeats} repeat(s), python {sys.version.split()[0]}"
    )
    print(f"load average before: {load_average()}")
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="outbox-bench-") as tmp:
        folder = Path(tmp)
        template = folder / "template.sqlite3"
        started = time.perf_counter()
        make_ready(template, count)
        with Store(template) as store:
            rows = store.conn.execute(
                "SELECT complaint_id, idempotency_key FROM outbox ORDER BY id"
            ).fetchall()
            payloads = [(key, to_payload(load(store, cid))) for cid, key in rows]
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"made {count} ready complaints in {time.perf_counter() - started:.1f} s")
        body_size = statistics.mean(
            len(json.dumps(p, ensure_ascii=False, separators=(",", ":")).encode()) for _, p in payloads
        )
        print(f"JSON body: {body_size:.0f} bytes on average")

        server = ServerProcess(folder)
        try:
            ways = {
                "raw": Way("raw POST (peer)", "http.client, no outbox, no checks"),
                "transport": Way("transport only", "HttpTransport.send, no outbox"),
                "outbox": Way("outbox only", "OutboxWorker + instant transport, no network"),
                "full": Way("outbox + HTTP", "OutboxWorker + HttpTransport"),
            }
            for repeat in range(repeats):
                # Fresh keys for the runs without the outbox (the server keeps what it created).
                prefix = f"r{repeat}-"
                bodies = [
                    (prefix + key, json.dumps(p, ensure_ascii=False, separators=(",", ":")).encode())
                    for key, p in payloads
                ]
                ways["raw"].runs.append(timed(server, count, raw_posts(server.port, bodies)))
                transport = HttpTransport(server.url, timeout=15)
                items = [(f"t{repeat}-{key}", p) for key, p in payloads]
                ways["transport"].runs.append(timed(server, count, transport_only(transport, items)))

                db = folder / f"instant-{repeat}.sqlite3"
                shutil.copy(template, db)
                ways["outbox"].runs.append(timed(server, count, lambda db=db: drain(db, Instant(), count)))
                problems += [f"outbox only, run {repeat + 1}: {p}" for p in check_sent(db, count)]

                # The full path: the complaints' own keys, so each database copy needs a
                # fresh server (a repeat of a key would be answered 200 from memory).
                if repeat:
                    server.stop()
                    (folder / "port").unlink()
                    server = ServerProcess(folder)
                db = folder / f"full-{repeat}.sqlite3"
                shutil.copy(template, db)
                transport = HttpTransport(server.url, timeout=15)
                ways["full"].runs.append(timed(server, count, lambda db=db, t=transport: drain(db, t, count)))
                problems += [f"outbox + HTTP, run {repeat + 1}: {p}" for p in check_sent(db, count)]
                conn = sqlite3.connect(db)
                receipts = [json.loads(r[0]) for r in conn.execute("SELECT receipt FROM outbox")]
                conn.close()
                created = sum(1 for r in receipts if r.get("http_status") == 201)
                if created != count:
                    problems.append(
                        f"outbox + HTTP, run {repeat + 1}: {created} answered 201, expected {count}"
                    )
                print(
                    f"  run {repeat + 1}: "
                    + ", ".join(f"{w.name} {w.runs[-1].rate:,.0f}/s" for w in ways.values())
                )
        finally:
            server.stop()
            stderr = server.proc.stderr.read().decode(errors="replace") if server.proc.stderr else ""
            if "Traceback" in stderr:
                problems.append("the server raised:\n" + stderr[-2000:])

    print()
    print(
        f"{'way':<18} {'complaints/s':>13} {'ms each':>9} {'client CPU ms':>14} {'server CPU ms':>14}  what"
    )
    for way in ways.values():
        rate = way.median("rate")
        per = statistics.median(r.seconds / r.count * 1000 for r in way.runs)
        client = statistics.median(r.client_cpu / r.count * 1000 for r in way.runs)
        server_cpu = statistics.median(r.server_cpu / r.count * 1000 for r in way.runs)
        print(f"{way.name:<18} {rate:>13,.0f} {per:>9.2f} {client:>14.2f} {server_cpu:>14.2f}  {way.note}")
    full, raw = ways["full"].median("rate"), ways["raw"].median("rate")
    per_full = 1000 / full
    per_outbox = 1000 / ways["outbox"].median("rate")
    per_transport = 1000 / ways["transport"].median("rate")
    per_raw = 1000 / raw
    print()
    print(f"ratio outbox + HTTP / raw POST: {full / raw:.2f}x the peer's rate")
    other = per_full - per_outbox - per_transport
    print(
        f"per complaint: {per_full:.2f} ms in all = outbox bookkeeping {per_outbox:.2f} ms + transport "
        f"{per_transport:.2f} ms (the raw POST {per_raw:.2f} ms, the transport's own work "
        f"{per_transport - per_raw:.2f} ms) {other:+.2f} ms other (both in one thread, hand-offs)"
    )
    print(f"load average after: {load_average()}")
    if problems:
        print("\nPROBLEMS:\n" + "\n".join(problems))
        return 1
    print("checks: every row sent, distinct tracking IDs, the server created each complaint once per run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
