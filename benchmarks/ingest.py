"""Benchmark: the whole ingest pipeline (modem -> committed row) against gammu-smsd, same run.

Every pipeline takes the SAME pre-encoded SMS-DELIVER PDUs (a seeded mix of single-part
GSM 7-bit, single-part UCS2 and 2-3 part concatenated messages, each text tagged with its
number) from a fresh :class:`drivers.gsm.virtual.VirtualModem` on a real pty, with no
artificial reply delay:

- **ours, in-process**: :class:`studio_console.ingest.IngestService` with the real
  :class:`drivers.gsm.modem.Modem` in this process (read -> decode -> commit with
  ``synchronous=FULL`` -> AT+CMGD -> reassembly). The commit time of a message is the
  ``on_stored`` callback (called after COMMIT); CPU is the on-CPU time of the pipeline's
  threads (``/proc/self/task/<tid>/schedstat``), the emulator and injector excluded.
- **ours, daemon**: ``studio-console daemon`` in a subprocess (the deployed layout, and the
  same layout as the peer: the emulator stays in this process). Commits are seen by
  polling the database; CPU is the daemon process's.
- **gammu-smsd** (files backend, ``inboxformat = detail``, the tuned settings of
  ``docs/research/feasibility.md`` section 3 with ``LoopSleep = 0``): stored messages are
  seen by polling the inbox folder; CPU is the gammu-smsd process's. Its inbox is parsed
  and checked against what was sent.

Two runs per pipeline: a **burst** (all messages injected at once; when the SIM is full the
injector waits for space) for messages per second, CPU per message and the latency under
queueing; and a **spaced** run (one message at a time, a fixed interval apart) for the
latency of a single message. Latency is from the injection of a message's last part to
its committed row (ours) or inbox file (gammu), as seen by this script's observer (a 2 ms
poll; the in-process callback is exact), and also by the pipeline's own time stamp
(``parts.received_at``, just before the INSERT; the inbox file's mtime).

It also prices the serial link: the bytes of one ``+CMTI`` -> ``AT+CMGR`` -> response ->
``AT+CMGD`` -> ``OK`` exchange at 115200 baud (10 bits a byte), and the bytes each pipeline
actually moved per message (counted at the emulator). A pty has no baud-rate pacing, so
the pipelines here run faster than any real modem link would let them.

Run::

    .venv/bin/python benchmarks/ingest.py                 # 1000 messages, all pipelines
    .venv/bin/python benchmarks/ingest.py --quick         # smoke run (100 messages)
    .venv/bin/python benchmarks/ingest.py --skip-peer     # ours only
    .venv/bin/python benchmarks/ingest.py --messages 5000 --sim-capacity 255
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
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
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from drivers.gsm import pdu as pdu_codec  # noqa: E402
from drivers.gsm.modem import Modem  # noqa: E402
from drivers.gsm.virtual import StorageFull, VirtualModem  # noqa: E402
from drivers.gsm.virtual_storage import tpdu_length  # noqa: E402
from studio_console.ingest import IngestService  # noqa: E402

SEED = 20240917
SMSC = "+6281100000"
BAUD = 115200
BITS_PER_BYTE = 10  # 8N1: start bit, 8 data bits, stop bit
POLL = 0.002  # observer poll interval, seconds
WIB = timezone(timedelta(hours=7))
SENT_AT = datetime(2024, 9, 17, 13, 5, 0, tzinfo=WIB)


class BenchError(Exception):
    """A pipeline could not be started or measured; the message says why."""


# --------------------------------------------------------------------------------------
# workload
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One message of the workload, encoded once and injected into every pipeline."""

    number: int
    kind: str  # "gsm7" | "ucs2" | "gsm7-multipart" | "ucs2-multipart"
    sender: str
    text: str
    pdus: tuple[str, ...]


GSM_WORDS = (
    "salam buat semua pendengar di Kalitidu dan Dander",
    "request lagu campursari dong mas",
    "jalan di Kapas rusak parah, mohon diteruskan ke dinas PU",
    "lampu PJU di Jl. Veteran mati sudah 3 hari",
    "terima kasih Radio Malowopati!",
    "pak bupati, kapan jembatan Padangan diperbaiki?",
    "air PDAM di Sumberrejo keruh sejak Senin",
    "salam dari pangkalan ojek Terminal Rajekwesi",
    "sampah di pasar Kota belum diangkut 2 minggu",
    "mohon info jadwal vaksin di puskesmas Baureno",
    "harga pupuk naik terus, petani bingung",
    "nomor antrian KTP-el kok lama sekali @ Dispendukcapil",
)
UCS2_WORDS = (
    "matur nuwun sanget 🙏",
    "salam kangen kagem ibu 😀",
    "ꦱꦭꦩ꧀ ꦱꦏꦶꦁ ꦧꦺꦴꦗꦤꦼꦒꦫ",
    "banjir lagi di Trucuk 🌧️",
    "semangat mas penyiar 💪🔥",
    "“jalan berlubang” di Ngasem – tolong",
)


def _senders(rng: random.Random, count: int) -> list[str]:
    prefixes = ("81", "82", "85", "87", "89", "895", "813", "857")
    out = []
    for _ in range(count):
        prefix = rng.choice(prefixes)
        out.append("+62" + prefix + "".join(rng.choice("0123456789") for _ in range(11 - len(prefix))))
    return out


def _fill(rng: random.Random, words: tuple[str, ...], tag: str, low: int, high: int) -> str:
    """Words up to a length drawn from [low, high] characters, with the tag inside."""
    target = rng.randint(low, high)
    text = tag
    while True:
        word = rng.choice(words)
        if len(text) + 1 + len(word) > target and len(text) >= low:
            return text
        text = f"{text} {word}" if rng.random() < 0.5 else f"{word} {text}"


def make_workload(count: int, seed: int = SEED) -> list[Sample]:
    """``count`` tagged messages: ~70 % GSM 7-bit, ~20 % UCS2, ~10 % multipart (2-3 parts)."""
    rng = random.Random(seed)
    senders = _senders(rng, max(20, count // 5))
    width = max(4, len(str(count - 1)))
    multipart = 0
    ref_bits = 16 if count // 10 > 250 else 8
    samples = []
    for number in range(count):
        tag = f"(#{number:0{width}d})"
        roll = rng.random()
        if roll < 0.70:
            kind, text = "gsm7", _fill(rng, GSM_WORDS, tag, 20, 160)
        elif roll < 0.90:
            kind, text = "ucs2", _fill(rng, UCS2_WORDS, tag, 15, 55)
        elif roll < 0.95:
            kind, text = "gsm7-multipart", _fill(rng, GSM_WORDS, tag, 170, 440)
        else:
            kind, text = "ucs2-multipart", _fill(rng, UCS2_WORDS, tag, 75, 190)
        ref = None
        if kind.endswith("multipart"):
            multipart += 1
            ref = multipart % (0xFFFF if ref_bits == 16 else 0xFF) + 1
        sender = rng.choice(senders)
        pdus = pdu_codec.encode_deliver(
            sender, text, smsc=SMSC, timestamp=SENT_AT, concat_ref=ref, ref_bits=ref_bits
        )
        if kind.endswith("multipart") != (len(pdus) > 1):
            raise AssertionError(f"{kind} message {number} encoded as {len(pdus)} part(s)")
        samples.append(Sample(number, kind, sender, text, tuple(pdus)))
    return samples


TAG_RE = re.compile(r"\(#(\d+)\)")


def tag_of(text: str) -> int | None:
    """The sample number written in a message text, or None."""
    found = TAG_RE.search(text)
    return int(found.group(1)) if found else None


# --------------------------------------------------------------------------------------
# the emulator, with a byte counter on the wire
# --------------------------------------------------------------------------------------


class WireCountingModem(VirtualModem):
    """The virtual modem, counting the bytes that cross the pty in each direction.

    It hooks two internals of :class:`VirtualModem` (``_out``: every byte written to the
    host; ``_consume_input``: called after each read from the host into ``_inbuf``).
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.bytes_to_host = 0
        self.bytes_from_host = 0
        self._unconsumed = 0

    def _out(self, data: bytes) -> None:
        if self._master is not None:
            self.bytes_to_host += len(data)
        super()._out(data)

    def _consume_input(self) -> None:
        self.bytes_from_host += max(0, len(self._inbuf) - self._unconsumed)
        super()._consume_input()
        self._unconsumed = len(self._inbuf)

    @property
    def wire_bytes(self) -> int:
        """Bytes moved so far, both directions."""
        with self._lock:
            return self.bytes_to_host + self.bytes_from_host

    def used(self) -> int:
        """Messages held in SM and ME."""
        return len(self.stored("SM")) + len(self.stored("ME"))

    def free(self) -> int:
        """Free slots in SM and ME (where received messages go)."""
        storages = self.status()["storages"]
        return sum(storages[n]["capacity"] - storages[n]["used"] for n in ("SM", "ME"))


def inject(vm: WireCountingModem, sample: Sample, deadline: float) -> float:
    """Store every part of ``sample`` in the modem, waiting for a free slot when it is full.

    The wait polls the slot counts: retrying ``inject_pdu`` on a full modem would make it
    send ``^SMMEMFULL`` every time, a storm of URCs no network causes.

    Returns:
        ``time.time()`` right after the last part was stored and announced.
    """
    for pdu in sample.pdus:
        while True:
            if vm.free() > 0:
                try:
                    vm.inject_pdu(pdu)
                    break
                except StorageFull:
                    pass
            if time.monotonic() > deadline:
                raise BenchError("the SIM stayed full: the pipeline stopped deleting")
            time.sleep(0.001)
    return time.time()


# --------------------------------------------------------------------------------------
# CPU time from /proc
# --------------------------------------------------------------------------------------


def task_cpu_ns(pid: int | str, tid: int) -> int:
    """On-CPU nanoseconds of one thread (user + system), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/task/{tid}/schedstat") as fh:
            return int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def process_cpu_ns(pid: int) -> int:
    """On-CPU nanoseconds of every live thread of a process."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    return sum(task_cpu_ns(pid, int(t)) for t in tids)


# --------------------------------------------------------------------------------------
# pipelines
# --------------------------------------------------------------------------------------


@dataclass
class Collected:
    """What a pipeline stored, read back after the run."""

    seen: dict[int, float] = field(default_factory=dict)  # sample -> observer time
    stamped: dict[int, float] = field(default_factory=dict)  # sample -> pipeline's own stamp
    texts_ok: int = 0  # equal to what was sent (after ``clean``)
    cleaned: int = 0  # ... of which only after ``clean`` (gammu: NUL characters removed)
    mismatches: list[str] = field(default_factory=list)  # the first few differences
    mismatch_count: int = 0
    duplicates: int = 0
    untagged: int = 0


class Pipeline(Protocol):
    """One ingest implementation under test."""

    name: str

    def start(self, vm: WireCountingModem, deadline: float) -> None:
        """Start and return once it is ready and idle."""

    def count(self) -> int:
        """Messages stored so far (cheap; called every poll)."""

    def cpu_ns(self) -> int:
        """On-CPU nanoseconds of the pipeline so far."""

    def stop(self) -> None:
        """Stop it (always called)."""

    def collect(self, samples: dict[int, Sample]) -> Collected:
        """Read back what it stored."""


def _check_texts(
    col: Collected,
    found: list[tuple[int | None, str, float | None, float | None]],
    samples: dict[int, Sample],
    clean: Callable[[str], str] = lambda t: t,
) -> Collected:
    for number, text, seen, stamped in found:
        if number is None or number not in samples:
            col.untagged += 1
            continue
        if number in col.seen or number in col.stamped:
            col.duplicates += 1
            continue
        if seen is not None:
            col.seen[number] = seen
        if stamped is not None:
            col.stamped[number] = stamped
        if text == samples[number].text:
            col.texts_ok += 1
        elif clean(text) == samples[number].text:
            col.texts_ok += 1
            col.cleaned += 1
        else:
            col.mismatch_count += 1
            if len(col.mismatches) < 3:
                col.mismatches.append(f"#{number}: {samples[number].text!r} -> {text!r}")
    return col


def _db_rows(db: Path) -> list[tuple[int, str, float]]:
    """(message id, text, latest part received_at as epoch seconds) of every complete message."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT m.id, m.text, max(p.received_at) FROM messages m JOIN parts p "
            "ON p.message_id = m.id WHERE m.complete = 1 GROUP BY m.id ORDER BY m.id"
        ).fetchall()
    finally:
        conn.close()
    return [(i, t, datetime.fromisoformat(r).timestamp()) for i, t, r in rows]


class OursInProcess:
    """IngestService + Modem in this process; commits seen through ``on_stored``."""

    name = "ours in-process"

    def __init__(self, workdir: Path) -> None:
        self.db = workdir / "ours-inprocess.sqlite3"
        self._stored: dict[int, float] = {}
        self._service: IngestService | None = None
        self.breakdown: dict[str, int] = {}  # thread name -> on-CPU ns, at the last cpu_ns()

    def start(self, vm: WireCountingModem, deadline: float) -> None:
        port = vm.port
        self._service = IngestService(
            self.db, lambda on_event: Modem(port=port, on_event=on_event), on_stored=self._on_stored
        )
        self._service.start()
        if not self._service.modem.wait_ready(max(0.1, deadline - time.monotonic())):
            raise BenchError(f"the modem driver never became ready: {self._service.modem.status()}")
        while not self._service.idle():
            if time.monotonic() > deadline:
                raise BenchError("the ingest service never became idle")
            time.sleep(0.01)

    def _on_stored(self, message_id: int) -> None:
        self._stored[message_id] = time.time()  # the last call is the completing one

    def count(self) -> int:
        return len(self._stored)

    def _pipeline_threads(self) -> dict[int, str]:
        return {
            t.native_id: t.name
            for t in threading.enumerate()
            if t.native_id is not None and t.name not in ("MainThread", "vmodem-io")
        }

    def cpu_ns(self) -> int:
        threads = self._pipeline_threads()
        per = {tid: task_cpu_ns("self", tid) for tid in threads}
        self.breakdown = {}
        for tid, ns in per.items():
            self.breakdown[threads[tid]] = self.breakdown.get(threads[tid], 0) + ns
        return sum(per.values())

    def stop(self) -> None:
        if self._service is not None:
            # the SIM empties when the modem runs the last AT+CMGD, before its OK is read
            until = time.monotonic() + 5
            while not self._service.idle() and time.monotonic() < until:
                time.sleep(0.01)
            self._service.stop()
            self._service = None

    def collect(self, samples: dict[int, Sample]) -> Collected:
        found = [(tag_of(text), text, self._stored.get(mid), stamp) for mid, text, stamp in _db_rows(self.db)]
        return _check_texts(Collected(), found, samples)


class OursDaemon:
    """``studio-console daemon`` in a subprocess; commits seen by polling the database."""

    name = "ours daemon"

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "daemon"
        self.dir.mkdir()
        self.db = self.dir / "ours-daemon.sqlite3"
        self.proc: subprocess.Popen[bytes] | None = None
        self._conn: sqlite3.Connection | None = None
        self._version = -1
        self._last_id = 0
        self._seen: dict[int, tuple[str, float]] = {}
        self._log = self.dir / "daemon.log"

    def start(self, vm: WireCountingModem, deadline: float) -> None:
        config = self.dir / "config.toml"
        config.write_text(
            f'[modem]\nport = "{vm.port}"\n\n[database]\npath = "{self.db}"\n', encoding="utf-8"
        )
        run_dir = self.dir / "run"
        run_dir.mkdir(mode=0o700)
        env = dict(
            os.environ,
            XDG_RUNTIME_DIR=str(run_dir),
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        )
        start_mark = len(vm.commands)
        with open(self._log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "studio_console.cli", "daemon", "--config", str(config)],
                cwd=self.dir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # ready: the start-up sweep (AT+CMGL) has been answered and the status says "ready"
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"the daemon exited with {self.proc.returncode}:\n{self._tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"the daemon never became ready:\n{self._tail()}")
            if vm.wait_for_command("AT+CMGL", 0.05, start=start_mark) and self._ready():
                break
        time.sleep(0.3)  # let the sweep of the last storage finish
        self._conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, isolation_level=None)

    def _tail(self) -> str:
        try:
            return "\n".join(self._log.read_text(errors="replace").splitlines()[-15:])
        except OSError:
            return "(no log)"

    def _ready(self) -> bool:
        if not self.db.exists():
            return False
        try:
            conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
            try:
                row = conn.execute("SELECT data FROM service_status WHERE id = 1").fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return False
        return row is not None and json.loads(row[0]).get("state") == "ready"

    def count(self) -> int:
        assert self._conn is not None
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._version = version
            now = time.time()
            for mid, text in self._conn.execute(
                "SELECT id, text FROM messages WHERE id > ? AND complete = 1 ORDER BY id", (self._last_id,)
            ):
                self._seen[mid] = (text, now)
                self._last_id = max(self._last_id, mid)
        return len(self._seen)

    def cpu_ns(self) -> int:
        return process_cpu_ns(self.proc.pid) if self.proc is not None else 0

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        _terminate(self.proc, grace=10)

    def collect(self, samples: dict[int, Sample]) -> Collected:
        found = [
            (tag_of(text), text, self._seen.get(mid, (None, None))[1], stamp)
            for mid, text, stamp in _db_rows(self.db)
        ]
        return _check_texts(Collected(), found, samples)


class GammuSmsd:
    """gammu-smsd, files backend; stored messages seen by polling the inbox folder."""

    name = "gammu-smsd"

    def __init__(self, workdir: Path, loop_sleep: int) -> None:
        self.dir = workdir / "gammu"
        self.inbox = self.dir / "inbox"
        self.loop_sleep = loop_sleep
        for sub in ("inbox", "outbox", "sent", "error"):
            (self.dir / sub).mkdir(parents=True)
        self.proc: subprocess.Popen[bytes] | None = None
        self._seen: dict[str, float] = {}
        self._log = self.dir / "smsd.log"

    def start(self, vm: WireCountingModem, deadline: float) -> None:
        rc = self.dir / "smsdrc"
        rc.write_text(
            f"[gammu]\ndevice = {vm.port}\nconnection = at115200\n\n"
            f"[smsd]\nservice = files\ninboxpath = {self.inbox}/\n"
            f"outboxpath = {self.dir}/outbox/\nsentsmspath = {self.dir}/sent/\n"
            f"errorsmspath = {self.dir}/error/\ninboxformat = detail\nlogfile = {self._log}\n"
            f"ReceiveFrequency = 0\nLoopSleep = {self.loop_sleep}\nCommTimeout = 1\n"
            "StatusFrequency = 0\nCheckSecurity = 0\nCheckBattery = 0\nCheckSignal = 0\n"
            "CheckNetwork = 0\n",
            encoding="utf-8",
        )
        start_mark = len(vm.commands)
        self.proc = subprocess.Popen(
            ["gammu-smsd", "-c", str(rc)],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        # ready: its start-up probe is over (AT+CIMI) and a receive cycle has counted the SIM
        # (AT+CPMS); with an empty SIM it never lists it (AT+CMGL comes only when count > 0)
        while not self._receiving(vm.commands[start_mark:]):
            if self.proc.poll() is not None:
                raise BenchError(f"gammu-smsd exited with {self.proc.returncode}:\n{self._tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"gammu-smsd never started receiving:\n{self._tail()}")
            time.sleep(0.05)
        time.sleep(0.5)

    @staticmethod
    def _receiving(commands: list[str]) -> bool:
        upper = [c.upper() for c in commands]
        probe = [i for i, c in enumerate(upper) if c.startswith(("AT+CIMI", "AT+CMMS"))]
        return bool(probe) and any(c.startswith("AT+CPMS=") for c in upper[probe[-1] + 1 :])

    def _tail(self) -> str:
        try:
            return "\n".join(self._log.read_text(errors="replace").splitlines()[-15:])
        except OSError:
            return "(no log)"

    def count(self) -> int:
        names = os.listdir(self.inbox)
        if len(names) != len(self._seen):
            now = time.time()
            for name in names:
                self._seen.setdefault(name, now)
        return len(self._seen)

    def cpu_ns(self) -> int:
        return process_cpu_ns(self.proc.pid) if self.proc is not None else 0

    def stop(self) -> None:
        _terminate(self.proc, grace=5)  # it sometimes ignores SIGTERM: then SIGKILL

    def collect(self, samples: dict[int, Sample]) -> Collected:
        found = []
        for name in sorted(os.listdir(self.inbox)):
            path = self.inbox / name
            text = parse_smsbackup(path.read_text(encoding="utf-8", errors="replace"))
            found.append((tag_of(text), text, self._seen.get(name), path.stat().st_mtime))
        return _check_texts(Collected(), found, samples, clean=lambda t: t.replace("\0", ""))


def parse_smsbackup(content: str) -> str:
    """The text of a gammu "detail" (SMS backup) inbox file: every part, in order.

    Each ``[SMSBackupNNN]`` section is a part; its ``TextNN`` lines are its UCS2 text in
    hex, cut into lines at arbitrary points (even inside a surrogate pair), so the hex of
    every part is joined before it is decoded.
    """
    parts: list[str] = []
    for line in content.splitlines():
        if line.startswith("[SMSBackup"):
            parts.append("")
        elif parts and re.match(r"Text\d\d = ", line):
            parts[-1] += line.split("=", 1)[1].strip()
    try:
        return bytes.fromhex("".join(parts)).decode("utf-16-be", "replace")
    except ValueError:
        return "\ufffd"


def _terminate(proc: subprocess.Popen[bytes] | None, grace: float) -> None:
    """SIGTERM, wait ``grace`` seconds, then SIGKILL; always reaps the child."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


# --------------------------------------------------------------------------------------
# one run
# --------------------------------------------------------------------------------------


@dataclass
class RunResult:
    """The measurements of one pipeline in one mode."""

    pipeline: str
    mode: str  # "burst" | "spaced"
    messages: int
    parts: int
    injected_at: dict[int, float]
    collected: Collected
    t_first: float  # time.time() before the first injection
    t_committed: float | None  # time.time() when the observer saw the last message
    t_drained: float | None  # ... and the SIM empty
    cpu_ns: int
    idle_cpu_share: float  # CPU seconds per wall second before the injection
    wire_bytes: int
    breakdown: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    @property
    def stored(self) -> int:
        return len(self.collected.seen) or len(self.collected.stamped)

    def latencies(self, stamp: str = "seen") -> list[float]:
        """Injection -> stored, in seconds, for every stored message."""
        times = self.collected.seen if stamp == "seen" else self.collected.stamped
        return [t - self.injected_at[n] for n, t in times.items() if n in self.injected_at]

    @property
    def throughput(self) -> float | None:
        if self.t_committed is None or self.stored < self.messages:
            return None
        return self.messages / (self.t_committed - self.t_first)


def run_pipeline(
    make: Callable[[Path], Pipeline],
    samples: list[Sample],
    mode: str,
    *,
    capacity: int,
    interval: float,
    timeout: float,
) -> RunResult:
    """Run one pipeline on a fresh virtual modem; never hangs past ``timeout`` (+ the stop)."""
    by_number = {s.number: s for s in samples}
    parts = sum(len(s.pdus) for s in samples)
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        workdir = Path(tmp)
        pipeline = make(workdir)
        vm = WireCountingModem(link=str(workdir / "ttyGSM0"), sm_capacity=capacity)
        injected: dict[int, float] = {}
        t_first = time.time()
        t_committed = t_drained = None
        cpu = idle = wire = 0
        error = None
        collected = Collected()
        breakdown: dict[str, int] = {}
        vm.start()
        try:
            deadline = time.monotonic() + 60
            pipeline.start(vm, deadline)
            c0, w0 = pipeline.cpu_ns(), time.monotonic()
            time.sleep(1.0)
            idle = (pipeline.cpu_ns() - c0) / 1e9 / (time.monotonic() - w0)
            cpu0, wire0 = pipeline.cpu_ns(), vm.wire_bytes
            before = dict(getattr(pipeline, "breakdown", {}))
            deadline = time.monotonic() + timeout
            t_first = time.time()
            if mode == "burst":
                for s in samples:
                    injected[s.number] = inject(vm, s, deadline)
            else:
                for k, s in enumerate(samples):
                    while time.time() < t_first + k * interval:
                        pipeline.count()
                        time.sleep(min(POLL, max(0.0, t_first + k * interval - time.time())))
                    injected[s.number] = inject(vm, s, deadline)
            while pipeline.count() < len(samples) and time.monotonic() < deadline:
                time.sleep(POLL)
            if pipeline.count() >= len(samples):
                t_committed = time.time()
            while vm.used() and time.monotonic() < deadline:
                pipeline.count()
                time.sleep(POLL)
            if not vm.used():
                t_drained = time.time()
            cpu = pipeline.cpu_ns() - cpu0
            wire = vm.wire_bytes - wire0
            after = dict(getattr(pipeline, "breakdown", {}))
            breakdown = {k: v - before.get(k, 0) for k, v in after.items()}
            if t_committed is None:
                error = f"timed out after {timeout:.0f} s with {pipeline.count()} of {len(samples)} stored"
        except BenchError as exc:
            error = str(exc)
        finally:
            pipeline.stop()
            vm.stop()
        try:
            collected = pipeline.collect(by_number)
        except (OSError, sqlite3.Error) as exc:
            error = error or f"reading back failed: {exc}"
        return RunResult(
            pipeline.name,
            mode,
            len(samples),
            parts,
            injected,
            collected,
            t_first,
            t_committed,
            t_drained,
            cpu,
            idle,
            wire,
            breakdown,
            error,
        )


# --------------------------------------------------------------------------------------
# the wire
# --------------------------------------------------------------------------------------


def exchange_bytes(pdu_hex: str, index: int = 1) -> dict[str, int]:
    """Bytes of one received message's exchange as our driver runs it (echo off, ATE0).

    ``+CMTI`` -> ``AT+CMGR=<i>`` -> ``+CMGR: <stat>,,<len>`` + PDU + ``OK`` -> ``AT+CMGD=<i>`` -> ``OK``,
    framed as V.250 says (``\\r\\n<line>\\r\\n``; commands end with ``\\r``).
    """
    return {
        "+CMTI": len(f'\r\n+CMTI: "SM",{index}\r\n'),
        "AT+CMGR": len(f"AT+CMGR={index}\r"),
        "response": len(f"\r\n+CMGR: 0,,{tpdu_length(pdu_hex)}\r\n{pdu_hex}\r\n\r\nOK\r\n"),
        "AT+CMGD": len(f"AT+CMGD={index}\r"),
        "OK": len("\r\nOK\r\n"),
    }


def wire_seconds(nbytes: float) -> float:
    """Time ``nbytes`` take on a 115200-baud 8N1 line."""
    return nbytes * BITS_PER_BYTE / BAUD


# --------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float | None:
    """The q-th percentile (0..100), linear interpolation; None for no values."""
    if not values:
        return None
    data = sorted(values)
    pos = (len(data) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def _fmt(value: float | str | None, spec: str) -> str:
    if isinstance(value, str):
        return value
    return "-" if value is None else format(value, spec)


def _ratio(ours: float | str | None, theirs: float | str | None) -> str:
    if not isinstance(ours, float | int) or not isinstance(theirs, float | int) or not theirs:
        return "-"
    return f"{ours / theirs:.2f}"


Runs = dict[tuple[str, str], list[RunResult]]


def representative(runs: list[RunResult]) -> RunResult:
    """The run with the median throughput (failed runs count as slowest)."""
    ranked = sorted(runs, key=lambda r: r.throughput or 0.0)
    return ranked[(len(ranked) - 1) // 2]


def print_table(
    results: Runs,
    names: list[str],
    peer: str | None,
    burst_n: int,
    repeats: int,
    spaced_n: int,
    interval: float,
) -> None:
    """The summary: one column per pipeline, then the ratios ours / peer."""
    ours = [n for n in names if n != peer]
    head = ["", *names] + ([f"{n.split()[-1]} / gammu" for n in ours] if peer else [])
    rows: list[list[str]] = []

    def row(label: str, mode: str, get: Callable[[list[RunResult]], float | str | None], spec: str) -> None:
        values = {n: (get(results[(n, mode)]) if results.get((n, mode)) else None) for n in names}
        cells = [label] + [_fmt(values[n], spec) for n in names]
        if peer:
            cells += [_ratio(values[n], values[peer]) for n in ours]
        rows.append(cells)

    def rep(get: Callable[[RunResult], float | None]) -> Callable[[list[RunResult]], float | None]:
        return lambda runs: get(representative(runs))

    def median(get: Callable[[RunResult], float | None]) -> Callable[[list[RunResult]], float | None]:
        def inner(runs: list[RunResult]) -> float | None:
            values = [v for v in map(get, runs) if v is not None]
            return statistics.median(values) if values else None

        return inner

    def spread(runs: list[RunResult]) -> str:
        values = sorted(r.throughput or 0.0 for r in runs)
        return " / ".join(f"{v:.0f}" for v in values)

    def cpu(r: RunResult) -> float:
        return r.cpu_ns / 1e6 / r.messages

    rows.append(
        [f"burst: {burst_n} messages at once, {repeats} run(s); median run shown"] + [""] * (len(head) - 1)
    )
    row("  messages per second (median)", "burst", median(lambda r: r.throughput), ",.0f")
    row("  messages per second, every run", "burst", spread, "")
    row(
        "  s, 1st injection -> all stored",
        "burst",
        rep(lambda r: None if r.t_committed is None else r.t_committed - r.t_first),
        ".2f",
    )
    row(
        "  s, 1st injection -> SIM empty",
        "burst",
        rep(lambda r: None if r.t_drained is None else r.t_drained - r.t_first),
        ".2f",
    )
    row(
        "  wall ms per message",
        "burst",
        median(lambda r: None if r.throughput is None else 1000 / r.throughput),
        ".2f",
    )
    row("  CPU ms per message (median)", "burst", median(cpu), ".2f")
    row("  latency p50 ms (observer)", "burst", rep(lambda r: _ms(pct(r.latencies(), 50))), ",.0f")
    row("  latency p99 ms (observer)", "burst", rep(lambda r: _ms(pct(r.latencies(), 99))), ",.0f")
    row("  latency p50 ms (own stamp)", "burst", rep(lambda r: _ms(pct(r.latencies("own"), 50))), ",.0f")
    row("  wire bytes per message", "burst", rep(lambda r: r.wire_bytes / r.messages), ",.0f")
    row("  idle CPU % before injection", "burst", median(lambda r: 100 * r.idle_cpu_share), ".1f")
    rows.append([f"spaced: {spaced_n} messages, one every {interval * 1000:.0f} ms"] + [""] * (len(head) - 1))
    for label, stamp, q in (
        ("p50 ms (observer)", "seen", 50),
        ("p99 ms (observer)", "seen", 99),
        ("max ms (observer)", "seen", 100),
        ("p50 ms (own stamp)", "own", 50),
        ("p99 ms (own stamp)", "own", 99),
    ):
        row(
            f"  latency {label}",
            "spaced",
            rep(lambda r, stamp=stamp, q=q: _ms(pct(r.latencies(stamp), q))),
            ".1f",
        )
    row("  CPU ms per message (incl. idle)", "spaced", rep(cpu), ".2f")

    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{widths[0]}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    print(fmt.format(*head))
    print("-" * (sum(widths) + 2 * (len(widths) - 1)))
    for r in rows:
        print(fmt.format(*r))


def print_checks(results: Runs) -> bool:
    """What each pipeline stored against what was sent; False when anything is missing."""
    ok = True
    print("\nchecks (stored / sent, text equal to what was sent, duplicates):")
    for (name, mode), runs in results.items():
        for k, r in enumerate(runs, 1):
            c = r.collected
            stored = len(set(c.seen) | set(c.stamped))
            missing = r.messages - stored
            ok &= missing == 0 and r.error is None and c.mismatch_count == 0
            verdict = "all stored" if missing == 0 else f"{missing} MISSING"
            print(
                f"  {name:<16} {mode:<6} #{k} {stored}/{r.messages} {verdict}; text equal "
                f"{c.texts_ok}"
                + (f" ({c.cleaned} only once NULs removed)" if c.cleaned else "")
                + f"; differs {c.mismatch_count}; duplicates {c.duplicates}; untagged {c.untagged}"
                + (f"; ERROR: {r.error}" if r.error else "")
            )
            for m in c.mismatches:
                print(f"      text differs {m}")
    return ok


def print_wire(samples: list[Sample], results: Runs) -> None:
    """The serial-link limit against the measured per-message times."""
    singles = sorted((s for s in samples if s.kind == "gsm7"), key=lambda s: len(s.pdus[0]))
    typical = singles[len(singles) // 2]
    parts = exchange_bytes(typical.pdus[0])
    total = sum(parts.values())
    per_msg = statistics.mean(sum(sum(exchange_bytes(p).values()) for p in s.pdus) for s in samples)
    wire_typical, wire_mean = wire_seconds(total), wire_seconds(per_msg)
    print(
        f"\nwire limit at {BAUD} baud, {BITS_PER_BYTE} bits a byte (a pty has no baud-rate pacing; "
        "'wire time / k' = k times faster than the wire):"
    )
    print(
        f"  typical single-part GSM 7-bit message ({len(typical.text)} chars, PDU "
        f"{len(typical.pdus[0]) // 2} octets with SMSC), our exchange (echo off): "
        + " + ".join(f"{k} {v}" for k, v in parts.items())
        + f" = {total} bytes"
    )
    print(
        f"  = {wire_typical * 1000:.1f} ms on the wire -> at most {1 / wire_typical:.0f} messages/s; "
        f"this workload: {per_msg:.0f} bytes/message on average = {wire_mean * 1000:.1f} ms "
        f"-> at most {1 / wire_mean:.0f} messages/s"
    )
    for (name, mode), runs in results.items():
        if mode != "burst":
            continue
        r = representative(runs)
        if r.throughput is None:
            continue
        wall = 1 / r.throughput
        cpu = statistics.median(x.cpu_ns for x in runs) / 1e9 / r.messages
        own = r.wire_bytes / r.messages
        print(
            f"  {name:<16} wall {wall * 1000:5.2f} ms/msg = wire time / {wire_typical / wall:.1f} "
            f"(typical exchange), / {wire_mean / wall:.1f} (workload mean); CPU {cpu * 1000:4.2f} "
            f"ms/msg = wire time / {wire_mean / cpu:.1f}.\n{'':<19}Its own traffic, {own:,.0f} "
            f"bytes/msg, needs {wire_seconds(own) * 1000:.1f} ms/msg at {BAUD} baud "
            f"(at most {1 / wire_seconds(own):.0f} messages/s)"
        )


# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------


def fsync_probe(count: int = 100) -> tuple[float, float]:
    """Median and p90 seconds of a 100-byte append + fsync in the temp folder (the disk's pace)."""
    times = []
    with tempfile.TemporaryDirectory(prefix="ingest-bench-fsync-") as tmp:
        fd = os.open(os.path.join(tmp, "probe"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for _ in range(count):
                t = time.perf_counter()
                os.write(fd, b"x" * 100)
                os.fsync(fd)
                times.append(time.perf_counter() - t)
        finally:
            os.close(fd)
    return statistics.median(times), pct(times, 90) or 0.0


def _fsync() -> str:
    median, p90 = fsync_probe()
    return f"append+fsync median {median * 1000:.2f} ms, p90 {p90 * 1000:.2f} ms"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the process exit status (1 when a message went missing)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=None, help="messages in the burst (1000)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 100 burst messages, 1 run, 10 spaced"
    )
    parser.add_argument("--skip-peer", action="store_true", help="do not run gammu-smsd")
    parser.add_argument("--skip-daemon", action="store_true", help="do not run our daemon as a subprocess")
    parser.add_argument("--repeats", type=int, default=None, help="burst runs per pipeline, interleaved (3)")
    parser.add_argument("--spaced", type=int, default=None, help="messages in the spaced run (100)")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between spaced messages (0.1)")
    parser.add_argument(
        "--sim-capacity",
        type=int,
        default=None,
        help="SIM slots (default: every part of the burst fits; fewer make the injector wait for space)",
    )
    parser.add_argument(
        "--loop-sleep",
        type=int,
        default=0,
        help="gammu-smsd LoopSleep (0: no sleep, its fastest; 1: as in feasibility.md)",
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds allowed per run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="      log %(levelname)s %(name)s: %(message)s")

    n = args.messages or (100 if args.quick else 1000)
    spaced_n = args.spaced or (10 if args.quick else 100)
    repeats = args.repeats or (1 if args.quick else 3)
    samples = make_workload(max(n, spaced_n))
    burst, spaced = samples[:n], samples[:spaced_n]
    parts = sum(len(s.pdus) for s in burst)
    capacity = args.sim_capacity or max(30, parts)
    timeout = args.timeout or (60 + 0.2 * parts)

    peer_ok = not args.skip_peer and shutil.which("gammu-smsd") is not None
    kinds = {
        k: sum(1 for s in burst if s.kind == k) for k in ("gsm7", "ucs2", "gsm7-multipart", "ucs2-multipart")
    }
    print(
        f"ingest benchmark: burst {n} messages ({parts} parts: "
        + ", ".join(f"{v} {k}" for k, v in kinds.items())
        + f"), {repeats} run(s) each; spaced {spaced_n}, one every {args.interval * 1000:.0f} ms; "
        f"SIM {capacity} slots"
    )
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {_load()}; "
        f"temp files on {tempfile.gettempdir()} (ours commits with synchronous=FULL there)"
    )
    print(f"disk before: {_fsync()}")
    if not args.skip_peer and not peer_ok:
        print("gammu-smsd not found: peer skipped (apt-get install gammu-smsd)")

    makers: list[tuple[str, Callable[[Path], Pipeline]]] = [(OursInProcess.name, OursInProcess)]
    if not args.skip_daemon:
        makers.append((OursDaemon.name, OursDaemon))
    if peer_ok:
        makers.append((GammuSmsd.name, lambda w: GammuSmsd(w, args.loop_sleep)))
        version = subprocess.run(
            ["gammu-smsd", "--version"], capture_output=True, text=True, timeout=10
        ).stdout.splitlines()
        print(
            f"peer: {version[0] if version else 'gammu-smsd'}, files backend, inboxformat=detail, "
            f"ReceiveFrequency=0, LoopSleep={args.loop_sleep}, CommTimeout=1, StatusFrequency=0, "
            "CheckSecurity/Battery/Signal/Network=0 (it writes files without fsync)"
        )

    plan = [(name, make, "burst") for _ in range(repeats) for name, make in makers]
    plan += [(name, make, "spaced") for name, make in makers]
    results: Runs = {}
    for name, make, mode in plan:
        group = burst if mode == "burst" else spaced
        limit = timeout if mode == "burst" else timeout + len(group) * args.interval
        r = run_pipeline(make, group, mode, capacity=capacity, interval=args.interval, timeout=limit)
        results.setdefault((name, mode), []).append(r)
        lat = r.latencies()
        print(
            f"  {name:<16} {mode:<6} {_fmt(r.throughput, '6.0f')} msg/s, CPU "
            f"{r.cpu_ns / 1e6 / r.messages:5.2f} ms/msg, latency p50 {_fmt(_ms(pct(lat, 50)), '7.1f')}"
            f" p99 {_fmt(_ms(pct(lat, 99)), '7.1f')} ms, {r.stored}/{r.messages} stored"
            + (f"  ERROR: {r.error}" if r.error else ""),
            flush=True,
        )
        if r.breakdown and mode == "burst":
            print(
                "      CPU by thread: "
                + ", ".join(
                    f"{k} {v / 1e6 / r.messages:.2f}"
                    for k, v in sorted(r.breakdown.items(), key=lambda kv: -kv[1])
                )
                + " ms/msg"
            )
    print(f"load average after: {_load()}; disk after: {_fsync()}\n")
    names = [name for name, _ in makers]
    print_table(results, names, GammuSmsd.name if peer_ok else None, n, repeats, spaced_n, args.interval)
    if peer_ok:
        print("\nratios are ours / gammu: for messages per second higher is better, for times lower.")
    print(
        "observer: this script polls every 2 ms (in-process: the on_stored callback, called after "
        "COMMIT);\nown stamp: parts.received_at (taken just before the INSERT) or the inbox "
        "file's mtime."
    )
    print_wire(burst, results)
    ok = print_checks(results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
