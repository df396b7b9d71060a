"""Shared pieces of the ingest "promise under fire" tests.

* :func:`make_traffic` — a seeded mix of listener SMS (GSM 7-bit, UCS2 with
  emoji, multipart of 2-4 parts with 8- and 16-bit references), each with the
  SMS-DELIVER PDUs a network would hand to the modem.
* :class:`Network` — a thread that delivers PDUs to a virtual modem the way the
  network does: when the SIM is full it keeps the message and retries later.
* :class:`DaemonProcess` — ``studio-console daemon`` as a real child process,
  its output in a file, always killed at the end.
* small waiting and reading helpers over the real database and the real CLI.
"""

from __future__ import annotations

import collections
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from drivers.gsm.pdu import encode_deliver
from drivers.gsm.virtual import StorageFull, VirtualModem

WIB = timezone(timedelta(hours=7))
CLI = str(Path(sys.executable).with_name("studio-console"))
RECEIVE_STORAGES = ("SM", "ME", "SR")

_WORDS = (
    "jalan",
    "rusak",
    "di",
    "desa",
    "kecamatan",
    "Kapas",
    "Dander",
    "Baureno",
    "tolong",
    "segera",
    "diperbaiki",
    "lampu",
    "PJU",
    "mati",
    "sejak",
    "minggu",
    "lalu",
    "sampah",
    "menumpuk",
    "pasar",
    "Bojonegoro",
    "air",
    "PDAM",
    "keruh",
    "banjir",
    "jembatan",
    "pak",
    "bupati",
    "terima",
    "kasih",
    "salam",
    "untuk",
    "penyiar",
    "radio",
    "Malowopati",
    "puskesmas",
    "antre",
    "lama",
    "sekolah",
)
_EMOJI = ("👍", "🙏", "😀", "🔥", "📻", "❤️", "🇮🇩")
_GSM7_EXTRAS = ("€", "[", "]", "{", "}", "~", "^", "\\", "|", "Ä", "ñ", "ø")


@dataclass(frozen=True)
class Sms:
    """One listener message as the network delivers it."""

    sender: str
    text: str
    pdus: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        """What must arrive in the database: (sender, text)."""
        return (self.sender, self.text)


def _sentence(rng: random.Random, length: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(rng.choice(_WORDS))
    return " ".join(words)[:length].rstrip()


def _number(rng: random.Random) -> str:
    return (
        "+62"
        + rng.choice(("812", "813", "821", "852", "857", "878", "896"))
        + str(rng.randrange(1_000_000, 9_999_999))
        + str(rng.randrange(10))
    )


class _Refs:
    """Concatenation references that never collide within one run (per bit size)."""

    def __init__(self) -> None:
        self._next = {8: 1, 16: 300}

    def take(self, bits: int) -> int:
        ref = self._next[bits]
        self._next[bits] = ref + 1
        if ref > (0xFF if bits == 8 else 0xFFFF):
            raise RuntimeError("too many multipart messages for unique references")
        return ref


def make_sms(
    sender: str,
    text: str,
    *,
    moment: datetime,
    refs: _Refs | None = None,
    ref_bits: int = 8,
    encoding: str | None = None,
) -> Sms:
    """The SMS-DELIVER PDUs of one message (a fresh concatenation reference when long)."""
    refs = refs or _Refs()
    single = encode_deliver(sender, text, timestamp=moment, encoding=encoding)
    if len(single) == 1:
        return Sms(sender, text, tuple(single))
    pdus = encode_deliver(
        sender, text, timestamp=moment, encoding=encoding, concat_ref=refs.take(ref_bits), ref_bits=ref_bits
    )
    return Sms(sender, text, tuple(pdus))


def make_traffic(
    rng: random.Random, count: int, *, start: datetime | None = None, senders: int = 60
) -> list[Sms]:
    """``count`` distinct listener messages: a seeded mix of every shape the modem delivers.

    About half are single GSM 7-bit messages (some with extension-table
    characters), a fifth UCS2 with emoji, the rest multipart of 2-4 parts (GSM 7
    and UCS2, a third with 16-bit references). Some senders send the same text
    twice (a minute apart): both must arrive. Every message has its own network
    time stamp, so no two are the same SMS.
    """
    start = start or datetime(2026, 3, 6, 20, 0, tzinfo=WIB)
    refs = _Refs()
    people = [_number(rng) for _ in range(senders)]
    out: list[Sms] = []
    for i in range(count):
        moment = start + timedelta(seconds=7 * i)
        sender = rng.choice(people)
        roll = rng.random()
        if out and roll < 0.04:  # the same words again, later
            previous = rng.choice(out)
            out.append(make_sms(previous.sender, previous.text, moment=moment, refs=refs))
            continue
        if roll < 0.5:
            text = f"#{i} " + _sentence(rng, rng.randrange(5, 150))
            if rng.random() < 0.3:
                text += " " + "".join(rng.sample(_GSM7_EXTRAS, 3))
            out.append(make_sms(sender, text, moment=moment, refs=refs))
        elif roll < 0.7:
            text = f"#{i} {rng.choice(_EMOJI)} " + _sentence(rng, rng.randrange(5, 55))
            out.append(make_sms(sender, text, moment=moment, refs=refs))
        else:
            parts = rng.randrange(2, 5)
            bits = 16 if rng.random() < 0.35 else 8
            if rng.random() < 0.3:  # UCS2: 67 units per part
                body = f"#{i} {rng.choice(_EMOJI)} " + _sentence(rng, 67 * parts - 20)
                body = body[: 67 * (parts - 1) + 10 + rng.randrange(40)]
            else:  # GSM 7-bit: 153 septets per part
                body = f"#{i} " + _sentence(rng, 153 * (parts - 1) + 10 + rng.randrange(130))
            out.append(make_sms(sender, body, moment=moment, refs=refs, ref_bits=bits))
    return out


def interleave(rng: random.Random, messages: Iterable[Sms], window: int = 3) -> list[str]:
    """The PDUs of ``messages`` in network order: each message's parts in order, but
    parts of up to ``window`` messages in flight at once are interleaved."""
    pending = [list(m.pdus) for m in messages]
    active: list[list[str]] = []
    order: list[str] = []
    while pending or active:
        while pending and len(active) < window:
            active.append(pending.pop(0))
        current = rng.choice(active)
        order.append(current.pop(0))
        if not current:
            active.remove(current)
    return order


class Network(threading.Thread):
    """Delivers PDUs to a virtual modem like the network does.

    A PDU the modem refuses because its storage is full is kept and offered again
    ``retry`` seconds later, in order; nothing is dropped.

    Args:
        vm: the virtual modem.
        pdus: PDUs (SMSC field first) in delivery order.
        pace: seconds between two deliveries.
    """

    def __init__(
        self, vm: VirtualModem, pdus: Iterable[str], *, pace: float = 0.0, retry: float = 0.05
    ) -> None:
        super().__init__(name="test-network", daemon=True)
        self.vm = vm
        self.queue: collections.deque[str] = collections.deque(pdus)
        self.pace = pace
        self.retry = retry
        self.delivered = 0
        self.refused = 0
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._halt = threading.Event()

    def add(self, pdus: Iterable[str]) -> None:
        """More PDUs to deliver after the ones queued."""
        with self._lock:
            self.queue.extend(pdus)

    @property
    def done(self) -> bool:
        """Every PDU has been accepted by the modem."""
        with self._lock:
            return not self.queue

    def run(self) -> None:
        try:
            while not self._halt.is_set():
                with self._lock:
                    pdu = self.queue[0] if self.queue else None
                if pdu is None:
                    self._halt.wait(0.02)
                    continue
                try:
                    self.vm.inject_pdu(pdu)
                except StorageFull:
                    self.refused += 1
                    self._halt.wait(self.retry)
                    continue
                with self._lock:
                    self.queue.popleft()
                self.delivered += 1
                if self.pace:
                    self._halt.wait(self.pace)
        except BaseException as exc:  # reported by the test
            self.error = exc

    def stop(self) -> None:
        """Stop delivering and join the thread."""
        self._halt.set()
        self.join(10)


def sim_contents(vm: VirtualModem) -> dict[str, dict[int, str]]:
    """What is left in every storage of the modem (empty storages left out)."""
    return {name: slots for name in RECEIVE_STORAGES if (slots := vm.stored(name))}


def wait_until(
    predicate: Callable[[], Any], timeout: float, *, interval: float = 0.05, what: str = "condition"
) -> Any:
    """Poll ``predicate`` until it returns something truthy; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


_ACTIVITY = """
    SELECT (SELECT count(*) FROM parts), (SELECT count(*) FROM messages),
           (SELECT coalesce(sum(parts_received), 0) FROM messages),
           (SELECT count(*) FROM quarantine), (SELECT count(*) FROM calls),
           (SELECT count(*) FROM status_reports)
"""


def wait_ingest_quiet(db: Path, quiet: float, timeout: float) -> None:
    """Wait until nothing new has been ingested into ``db`` for ``quiet`` seconds.

    The daemon's status heartbeat keeps committing, so this watches what ingest
    writes (parts, messages, quarantine, calls, reports), not ``data_version``.
    """
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        state = conn.execute(_ACTIVITY).fetchone()
        last_change = time.monotonic()
        deadline = last_change + timeout
        while time.monotonic() - last_change < quiet:
            if time.monotonic() > deadline:
                raise AssertionError(f"ingest into {db} never went quiet for {quiet} s")
            time.sleep(0.05)
            now = conn.execute(_ACTIVITY).fetchone()
            if now != state:
                state, last_change = now, time.monotonic()
    finally:
        conn.close()


def query(db: Path, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of one read-only query on the database file."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def cli_messages(db: Path, *extra: str, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """``studio-console messages --db DB --json``, parsed (fails on any stderr output)."""
    done = subprocess.run(
        [CLI, "messages", "--db", str(db), "--json", *extra],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def multiset(pairs: Iterable[tuple[str, str]]) -> collections.Counter[tuple[str, str]]:
    """A multiset of (sender, text)."""
    return collections.Counter(pairs)


def describe_difference(
    expected: collections.Counter[tuple[str, str]], got: collections.Counter[tuple[str, str]]
) -> str:
    """A short account of what is missing and what is extra."""
    missing = expected - got
    extra = got - expected
    lines = [f"{sum(missing.values())} missing, {sum(extra.values())} extra"]
    lines += [f"  missing {k!r} x{n}" for k, n in list(missing.items())[:5]]
    lines += [f"  extra   {k!r} x{n}" for k, n in list(extra.items())[:5]]
    return "\n".join(lines)


def write_config(
    folder: Path,
    *,
    poll_interval: float = 0.3,
    sweep_interval: int = 1,
    multipart_wait: int = 600,
    flood_max_messages: int = 100_000,
) -> Path:
    """A config.toml with short intervals, so the tests finish fast."""
    path = folder / "config.toml"
    path.write_text(
        "[modem]\n"
        f"poll_interval = {poll_interval}\n"
        "command_timeout = 3.0\n"
        "reconnect_min = 0.05\n"
        "reconnect_max = 0.5\n"
        "\n[ingest]\n"
        f"sweep_interval = {sweep_interval}\n"
        f"multipart_wait = {multipart_wait}\n"
        f"flood_max_messages = {flood_max_messages}\n",
        encoding="utf-8",
    )
    return path


def process_env(runtime_dir: Path) -> dict[str, str]:
    """The environment of the child processes: port lock files in ``runtime_dir``."""
    runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = dict(os.environ)
    env["XDG_RUNTIME_DIR"] = str(runtime_dir)
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("COVERAGE_PROCESS_START", None)
    return env


class DaemonProcess:
    """``studio-console daemon --config C --port P --db D`` as a child process.

    Output (stdout and stderr) goes to ``log``; every run appends to it.
    """

    def __init__(self, config: Path, port: str, db: Path, log: Path, env: dict[str, str]) -> None:
        self.args = [CLI, "daemon", "--config", str(config), "--port", port, "--db", str(db)]
        self.log = log
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> DaemonProcess:
        """Start a new daemon process."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.env
            )
        return self

    @property
    def pid(self) -> int:
        """The process id."""
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        """The process is running."""
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> int:
        """SIGKILL and reap; returns the exit status."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        return self.proc.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM (orderly stop) and reap; returns the exit status."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def cleanup(self) -> None:
        """Kill the process if it still runs (always call in ``finally``)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def output(self) -> str:
        """Everything every run of this daemon has written."""
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


_PROBLEM = re.compile(r"Traceback|database is locked|^\S+ \S+ (ERROR|CRITICAL) ")


def problems(output: str) -> list[str]:
    """The lines of a daemon's output that report an error (tracebacks, ERROR logs, locks)."""
    return [line for line in output.splitlines() if _PROBLEM.search(line)]


# --------------------------------------------------------------------------- the reader process


def reader_loop(db: Path, stop_file: Path, seed: int = 0) -> int:
    """What a screen and a producer do to the shared database, until ``stop_file`` exists.

    Runs in its own process (``python -m tests.studio_console.ingest_helpers DB STOP``):
    pages and searches messages, watches for changes, reads the published status,
    runs ``studio-console messages --json``, and writes — blocks and unblocks numbers,
    names senders, starts and stops shows. Any error propagates (a traceback on
    stderr and exit status 1); at the end it prints one summary line.
    """
    from studio_console.store import Store

    rng = random.Random(seed)
    loops = writes = cli_runs = seen = 0
    with Store(db) as store:
        watcher = store.watcher()
        while not stop_file.exists():
            loops += 1
            newest = list(store.messages(limit=50, newest_first=True))
            seen = max(seen, newest[0].id if newest else 0)
            list(store.messages(search=rng.choice(("jalan rusak", "PDAM", "lampu", "🙏", '"a'))))
            list(store.messages(state="new", after_id=max(0, seen - 100), limit=100))
            store.counts()
            store.read_status()
            watcher.changed()
            if loops % 2 == 0:
                writes += 1
                action = rng.randrange(4)
                if action == 0:
                    store.set_blocked(f"+62899{rng.randrange(10**6, 10**7)}", rng.random() < 0.7, "uji")
                elif action == 1:
                    store.start_show(rng.choice(("Dialog Publik", "Halo Bupati")), by="produser")
                elif action == 2:
                    store.stop_show(by="produser")
                elif newest:
                    store.set_sender_name(rng.choice(newest).sender, rng.choice(("Pak Budi", None)))
            if loops % 40 == 0:
                cli_runs += 1
                done = subprocess.run(
                    [CLI, "messages", "--db", str(db), "--json", "--limit", "20"],
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                if done.returncode != 0 or done.stderr:
                    raise RuntimeError(f"studio-console messages failed: {done.stderr}")
                for line in done.stdout.splitlines():
                    json.loads(line)
            time.sleep(0.005)
    print(f"reader: {loops} loops, {writes} writes, {cli_runs} CLI runs, last id {seen}")
    return 0


if __name__ == "__main__":
    sys.exit(reader_loop(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))
