"""A fake SIAP LAPOR! endpoint on 127.0.0.1 for the HTTP transport's tests and benchmark.

A real HTTP server (``ThreadingHTTPServer`` in a thread, or a process of its own) that
keeps the protocol of ``docs/complaints-http.md``: ``POST`` with ``Authorization: Bearer``
and ``Idempotency-Key``; the first request with a key creates one complaint (``201`` and
``{"tracking_id": ...}``), every repeat of that key answers ``200`` with the SAME tracking
ID and creates nothing; a repeat that arrives while the first is still being processed
gets ``409``. Which answer a request gets is the server's *mode*:

==============  ==============================================================================
``created``     the protocol above (every other mode checks the token first, like it)
``slow``        wait ``delay`` seconds, then as ``created``
``trickle``     create, then send the answer one byte every ``delay`` seconds
``hang``        never answer (until the server stops, or ``hang_for`` seconds, then ``created``)
``close``       create, then send half of the answer and close the connection
``drop``        close the connection without answering (nothing created)
``reject``      ``status`` (400) with ``{"error": reason}``, or ``raw_body`` as it is
``error``       ``status`` (500) with a reason, ``Retry-After`` when ``retry_after`` is set
``no_tracking`` ``202`` with ``{"status": "diterima"}`` (created, no tracking ID given)
``invalid``     ``201`` with a body that is not JSON (created)
``redirect``    ``302`` to ``location``
``raw``         ``status``, ``headers`` and ``raw_body`` exactly as given
``chaos``       the kill test's: a random delay, sometimes ``500`` before or after creating,
                sometimes the answer cut off after creating (seeded)
==============  ==============================================================================

A bad or missing token gets ``401`` whose reason quotes the ``Authorization`` header it
received, as careless servers do (the transport must not repeat it). Every request is
recorded with its headers and raw body; with ``db`` the requests and the created
complaints are also written to a SQLite file, for a server in another process.

Run on its own (the port is written to ``--port-file`` once it listens; SIGTERM stops it)::

    python tests/studio_console/complaints/lapor_server.py --port-file F --db F [--mode created]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TOKEN = "tok-fake-lapor-7d1e"
MAX_BODY = 1024 * 1024


@dataclass
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes
    key: str | None
    mode: str
    at: float
    status: int | None = None  # the status of its complete answer; None: cut off or none (yet)
    created: bool = False  # this request created the complaint for its key
    tracking_id: str | None = None  # the tracking ID its complete answer carries

    def header(self, name: str) -> str | None:
        """The first header with this name (case-insensitive)."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Created:
    """One complaint the server created: the key it came with and the tracking ID it got."""

    key: str
    tracking_id: str
    complaint_id: Any
    at: float


@dataclass
class Mode:
    """What the server answers; see the module docstring."""

    name: str = "created"
    options: dict[str, Any] = field(default_factory=dict)


class _Db:
    """The SQLite mirror of what the server saw (one connection, serialised by a lock)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.executescript(
            """CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY, at REAL, method TEXT,
                   path TEXT, headers TEXT, body BLOB, key TEXT, mode TEXT, status INTEGER);
               CREATE TABLE IF NOT EXISTS created (key TEXT PRIMARY KEY, tracking_id TEXT NOT NULL,
                   complaint_id TEXT, at REAL);"""
        )
        self.lock = threading.Lock()

    def request(self, r: Recorded) -> int:
        with self.lock:
            return int(
                self.conn.execute(
                    "INSERT INTO requests (at, method, path, headers, body, key, mode) "
                    "VALUES (?,?,?,?,?,?,?)",
                    (r.at, r.method, r.path, json.dumps(r.headers), r.body, r.key, r.mode),
                ).lastrowid
            )

    def answered(self, row: int, status: int) -> None:
        with self.lock:
            self.conn.execute("UPDATE requests SET status = ? WHERE id = ?", (status, row))

    def created(self, c: Created) -> None:
        with self.lock:
            self.conn.execute(
                "INSERT INTO created (key, tracking_id, complaint_id, at) VALUES (?,?,?,?)",
                (c.key, c.tracking_id, json.dumps(c.complaint_id), c.at),
            )

    def load_created(self) -> list[Created]:
        with self.lock:
            rows = self.conn.execute("SELECT key, tracking_id, complaint_id, at FROM created ORDER BY at")
            return [Created(k, t, json.loads(c) if c else None, a) for k, t, c, a in rows]

    def close(self) -> None:
        with self.lock:
            self.conn.close()


class LaporServer:
    """The fake endpoint. Use as a context manager, or :meth:`start` / :meth:`stop`.

    Args:
        token: the bearer token it accepts.
        mode: the default mode; :meth:`set_mode` changes it, :meth:`script` queues modes
            for the next requests.
        db: mirror the requests and created complaints into this SQLite file (and resume
            the created complaints from it).
        seed: seeds the ``chaos`` mode.
        certfile, keyfile: serve HTTPS with this certificate.
        **options: the mode's options (``delay``, ``status``, ``reason``, ...).
    """

    def __init__(
        self,
        *,
        token: str = TOKEN,
        mode: str = "created",
        db: str | Path | None = None,
        seed: int | None = None,
        port: int = 0,
        certfile: str | Path | None = None,
        keyfile: str | Path | None = None,
        **options: Any,
    ) -> None:
        self.token = token
        self.mode = Mode(mode, dict(options))
        self._script: list[Mode] = []
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._requests: list[Recorded] = []
        self._created: dict[str, Created] = {}
        self._in_flight: set[str] = set()
        self._db = _Db(Path(db)) if db else None
        if self._db is not None:
            self._created = {c.key: c for c in self._db.load_created()}
        self.stopping = threading.Event()
        self.errors: list[str] = []  # exceptions in handlers (a test may look at them)
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.lapor = self  # type: ignore[attr-defined]
        self.https = certfile is not None
        if certfile is not None:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(certfile), str(keyfile) if keyfile else None)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ control
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """The endpoint's address, ``http://127.0.0.1:<port>/api/aduan``."""
        return f"{'https' if self.https else 'http'}://127.0.0.1:{self.port}/api/aduan"

    def start(self) -> LaporServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="lapor-server", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` is called from another."""
        self._httpd.serve_forever(0.05)

    def stop(self) -> None:
        """Stop serving; hanging answers are released."""
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(10)
        if self._db is not None:
            self._db.close()

    def __enter__(self) -> LaporServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_mode(self, name: str, **options: Any) -> None:
        """Answer every following request in this mode."""
        with self._lock:
            self.mode = Mode(name, dict(options))
            self._script.clear()

    def script(self, *modes: str | tuple[str, dict[str, Any]]) -> None:
        """The next requests take these modes in turn; then the default mode again."""
        with self._lock:
            self._script = [Mode(m) if isinstance(m, str) else Mode(m[0], dict(m[1])) for m in modes]

    # ------------------------------------------------------------ what it saw
    @property
    def requests(self) -> list[Recorded]:
        """Every request so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def created(self) -> dict[str, Created]:
        """The created complaints by idempotency key."""
        with self._lock:
            return dict(self._created)

    def in_flight(self, key: str) -> bool:
        """Whether a request with this key is being processed now."""
        with self._lock:
            return key in self._in_flight

    def tracking_for(self, key: str) -> str | None:
        """The tracking ID created for this key, if any."""
        with self._lock:
            c = self._created.get(key)
            return c.tracking_id if c else None

    # ------------------------------------------------------------ used by the handler
    def _next_mode(self) -> Mode:
        with self._lock:
            return self._script.pop(0) if self._script else self.mode

    def _record(self, r: Recorded) -> int | None:
        with self._lock:
            self._requests.append(r)
        return self._db.request(r) if self._db is not None else None

    def _begin(self, key: str) -> bool:
        """Mark the key in process; False when a request with it already is."""
        with self._lock:
            if key in self._in_flight:
                return False
            self._in_flight.add(key)
            return True

    def _end(self, key: str) -> None:
        with self._lock:
            self._in_flight.discard(key)

    def _create(self, key: str, complaint_id: Any) -> tuple[Created, bool]:
        """The complaint for this key, created now if it is new; (it, whether it is new)."""
        with self._lock:
            existing = self._created.get(key)
            if existing is not None:
                return existing, False
            c = Created(key, f"BJN-{len(self._created) + 1:06d}", complaint_id, time.time())
            self._created[key] = c
            if self._db is not None:
                self._db.created(c)
            return c, True

    def _random(self) -> float:
        with self._lock:
            return self._rng.random()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        self.lapor.errors.append(f"{type(exc).__name__}: {exc}")  # type: ignore[attr-defined]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeSiapLapor/1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    @property
    def lapor(self) -> LaporServer:
        return self.server.lapor  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self._answer(405, {"error": "only POST"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, MAX_BODY)) if length else b""
        mode = self.lapor._next_mode()
        key = self.headers.get("Idempotency-Key")
        recorded = Recorded("POST", self.path, list(self.headers.items()), body, key, mode.name, time.time())
        self._row = self.lapor._record(recorded)
        self._recorded = recorded
        self.close_connection = True
        try:
            self._serve(mode, key, body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender went away (killed, or its deadline passed)

    # ------------------------------------------------------------ answers
    def _answer(
        self, status: int, data: Any = None, *, raw: bytes | None = None, headers: Iterable = ()
    ) -> None:
        payload = raw if raw is not None else json.dumps(data, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        sent = {k.lower() for k, _ in headers}
        if "content-type" not in sent:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self._answered(status)  # before the client can have it, so a test that did sees it
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    def _answered(self, status: int) -> None:
        self._recorded.status = status
        if self._row is not None and self.lapor._db is not None:
            self.lapor._db.answered(self._row, status)

    def _created_body(self, c: Created) -> dict[str, Any]:
        return {"tracking_id": c.tracking_id, "id": f"srv-{c.tracking_id}", "status": "diterima"}

    def _serve(self, mode: Mode, key: str | None, body: bytes) -> None:
        o = mode.options
        if mode.name == "raw":
            self._answer(o.get("status", 200), raw=o.get("raw_body", b""), headers=o.get("headers", ()))
            return
        if mode.name == "drop":
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.headers.get("Authorization") != f"Bearer {self.lapor.token}":
            got = self.headers.get("Authorization") or "(none)"
            self._answer(401, {"error": f"token tidak sah: {got}"})
            return
        if not key:
            self._answer(400, {"error": "Idempotency-Key wajib"})
            return
        if mode.name == "reject":
            if "raw_body" in o:
                self._answer(o.get("status", 400), raw=o["raw_body"], headers=o.get("headers", ()))
            else:
                self._answer(o.get("status", 400), {"error": o.get("reason", "permintaan tidak valid")})
            return
        if mode.name == "error":
            headers = [("Retry-After", str(o["retry_after"]))] if "retry_after" in o else []
            self._answer(
                o.get("status", 500), {"message": o.get("reason", "kesalahan server")}, headers=headers
            )
            return
        if mode.name == "redirect":
            self._answer(302, {}, headers=[("Location", o.get("location", "https://example.invalid/new"))])
            return
        try:
            complaint_id = json.loads(body.decode("utf-8")).get("id")
        except (ValueError, AttributeError):
            self._answer(400, {"error": "body bukan JSON"})
            return
        if not self.lapor._begin(key):
            self._answer(409, {"error": "permintaan dengan Idempotency-Key ini sedang diproses"})
            return
        try:
            self._create_and_answer(mode, key, complaint_id)
        finally:
            self.lapor._end(key)

    def _create_and_answer(self, mode: Mode, key: str, complaint_id: Any) -> None:
        o = mode.options
        lapor = self.lapor
        if mode.name == "hang":
            if lapor.stopping.wait(o.get("hang_for", 30.0)):
                return
        elif mode.name == "slow":
            time.sleep(o.get("delay", 0.5))
        elif mode.name == "chaos":
            time.sleep(lapor._random() * o.get("delay", 0.1))
            if lapor._random() < o.get("error_before", 0.1):
                self._answer(500, {"message": "sibuk, coba lagi"})
                return
        c, new = lapor._create(key, complaint_id)
        self._recorded.created = new
        status = 201 if new else 200
        if mode.name == "chaos":
            time.sleep(lapor._random() * o.get("delay", 0.1))
            roll = lapor._random()
            if roll < o.get("error_after", 0.05):
                self._answer(500, {"message": "gagal menyimpan balasan"})
                return
            if roll < o.get("error_after", 0.05) + o.get("close_after", 0.03):
                mode = Mode("close")
        if mode.name == "no_tracking":
            self._answer(202, {"status": "diterima"})
        elif mode.name == "invalid":
            self._answer(201, raw=b"<html>OK, tersimpan</html>", headers=[("Content-Type", "text/html")])
        elif mode.name == "close":
            whole = json.dumps(self._created_body(c)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(whole)))
            self.end_headers()
            self.wfile.write(whole[: len(whole) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        elif mode.name == "trickle":
            whole = json.dumps(self._created_body(c)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(whole)))
            self.end_headers()
            self.wfile.flush()
            for byte in whole:
                if lapor.stopping.wait(o.get("delay", 0.2)):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            self._answered(status)
        else:  # created, slow, hang after hang_for, chaos
            self._recorded.tracking_id = c.tracking_id
            self._answer(status, self._created_body(c), headers=[("X-Request-Id", f"req-{c.tracking_id}")])


def main(argv: list[str] | None = None) -> int:
    """Serve in this process until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port-file", required=True, type=Path, help="write the port here once listening")
    parser.add_argument("--db", type=Path, help="SQLite file recording requests and created complaints")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=TOKEN)
    parser.add_argument("--mode", default="created")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--delay", type=float, help="the mode's delay option")
    args = parser.parse_args(argv)
    options = {"delay": args.delay} if args.delay is not None else {}
    server = LaporServer(
        token=args.token, mode=args.mode, db=args.db, seed=args.seed, port=args.port, **options
    )

    def stop(signum: int, frame: Any) -> None:
        # shutdown() waits for serve_forever() to return, so not from its own thread.
        threading.Thread(target=server._httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tmp = args.port_file.with_name(args.port_file.name + ".tmp")
    tmp.write_text(str(server.port))
    os.replace(tmp, args.port_file)
    server.serve_forever()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
