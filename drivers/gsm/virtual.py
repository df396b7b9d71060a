"""A virtual GSM modem on a real pseudo-terminal.

The virtual modem plays the MODEM side of the AT dialogue: it owns the master
end of an ``os.openpty()`` pair and points a stable symlink (``port``) at the
slave, so pyserial, gammu or the console's own driver open it exactly like a
USB modem. One background thread polls the master, answers AT commands
(3GPP TS 27.005/27.007 with the quirks of a few real modems, chosen by
``profile``) and emits unsolicited result codes. The test/demo side drives it
through a thread-safe control API: inject SMS and status reports, ring, unplug
and replug, send line noise, slow the replies down, fill the storage.

It is an independent implementation: it never imports the console's AT
channel or modem driver, only the PDU codec.

Example:
    >>> with VirtualModem() as vm:                        # doctest: +SKIP
    ...     vm.inject_sms("+6281234567890", "Halo studio")
    ...     serial.Serial(vm.port, 115200)                 # +CMTI: "SM",1 arrives
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import random
import select
import shutil
import tempfile
import threading
import time
import tty
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drivers.gsm import pdu as pdu_codec
from drivers.gsm.virtual_commands import AtCommands, CallInfo, Reply
from drivers.gsm.virtual_storage import REC_UNREAD, MessageStorage, tpdu_length

__all__ = ["LAPOR_REPLY", "PROFILES", "StorageFull", "VirtualModem"]

PROFILES = ("generic", "huawei-e1752", "e3372", "sim800")
"""Quirk sets: ``generic``; ``huawei-e1752`` (answers ``COMMAND NOT SUPPORT`` to unknown
commands); ``e3372`` (Huawei E3372-325: AT+CPMS accepts only 3 parameters); ``sim800``
(SIMCom SIM800L: AT+CNMI rejects ``<ds>`` = 2)."""

_log = logging.getLogger(__name__)

_CTRL_Z = 0x1A
_ESC = 0x1B
_MAX_LINE = 4096

_NOISE = (
    "^RSSI:17",
    "^BOOT:91409020,0,0,0,6",
    "^MODE:5,4",
    "^DSFLOWRPT:00000118,00000000,00000000,0000000000001A4C,0000000000000E4A,0000BB80,0000BB80",
)

_DEFAULT_USSD = {
    "*888#": "Sisa pulsa Anda Rp 12.345. Aktif s.d. 31-12-2026. Info: 188",
    "*123#": "1.Paket Internet 2.Paket Nelpon 3.Info",
}


LAPOR_REPLY = (
    "Terima kasih, laporan Anda telah diterima dengan nomor #{n}. Pantau tindak lanjutnya di www.lapor.go.id"
)
"""The auto-responder's default reply (``{n}`` becomes the increasing number)."""


@dataclass
class _AutoReply:
    number: str
    text: str
    delay: float
    next_number: int
    status_report: bool
    sender: str | None


def _digits(number: str | None) -> str:
    return "".join(ch for ch in number or "" if ch.isdigit())


class StorageFull(Exception):
    """Raised by the inject methods when no storage has a free slot.

    Attributes:
        storage: the receive storage that was full ("SM", "ME" or "SR").
        stored: the ``(storage, index)`` parts of a multipart message that were
            stored before the storage filled up (empty for a single message).
    """

    def __init__(self, storage: str, stored: list[tuple[str, int]] | None = None) -> None:
        super().__init__(f"message storage {storage} is full")
        self.storage = storage
        self.stored = list(stored or [])


class VirtualModem(AtCommands):
    """A GSM modem emulator behind a pseudo-terminal, with a control API for tests.

    Every public method is thread-safe. The AT side follows the V.250 framing
    (echo on by default, ``\\r\\n<line>\\r\\n``, final ``\\r\\nOK\\r\\n``) and never
    sends a final result code outside a command.

    Args:
        link: path of the stable symlink to the pty slave; a temporary folder is
            used when None.
        sm_capacity: slots of the SIM storage "SM".
        me_capacity: slots of the phone storage "ME".
        pin: SIM PIN; None for a SIM without PIN lock.
        puk: SIM PUK (unblocks after three wrong PINs).
        smsc: the SMS centre (AT+CSCA and the SMSC field of delivered PDUs).
        manufacturer: AT+CGMI answer.
        model: AT+CGMM answer.
        revision: AT+CGMR answer.
        imei: AT+CGSN answer.
        imsi: AT+CIMI answer (its first 5 digits are the operator code).
        operator: AT+COPS? operator name.
        signal_csq: AT+CSQ ``<rssi>`` (0..31, 99 = unknown).
        location_base: number of the first storage slot (1; 0 as on Huawei sticks).
        profile: quirk set, one of ``PROFILES``.
        sr_capacity: slots of the status-report storage "SR".
        auto_status_reports: answer an AT+CMGS that requested a status report with a
            "delivered" status report ``status_report_delay`` seconds later.
        status_report_delay: see ``auto_status_reports``.
        interleave_urcs: hold the SMS indications (+CMTI, +CMT, +CDSI, +CDS) until the
            next command and put them between its response lines and its final result
            code (emitted on their own after 1 s without a command).
        seed: seed of the garbage generator.
        clock: monotonic clock in seconds (for the timers).
    """

    def __init__(
        self,
        link: str | os.PathLike[str] | None = None,
        sm_capacity: int = 30,
        me_capacity: int = 100,
        pin: str | None = None,
        puk: str = "12345678",
        smsc: str = "+6281100000",
        manufacturer: str = "huawei",
        model: str = "E173",
        revision: str = "21.017.09.00.314",
        imei: str = "353611040123454",
        imsi: str = "510101234567890",
        operator: str = "TELKOMSEL",
        signal_csq: int = 20,
        location_base: int = 1,
        profile: str = "generic",
        *,
        sr_capacity: int = 20,
        auto_status_reports: bool = False,
        status_report_delay: float = 0.2,
        interleave_urcs: bool = False,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
        self._link_arg = os.fspath(link) if link is not None else None
        self._tmpdir: str | None = None
        self._link: str | None = None
        self.profile = profile
        self.manufacturer = manufacturer
        self.model = model
        self.revision = revision
        self.imei = imei
        self.imsi = imsi
        self.operator = operator
        self.auto_status_reports = auto_status_reports
        self.status_report_delay = status_report_delay
        self.interleave_urcs = interleave_urcs
        self.ussd_replies: dict[str, str] = dict(_DEFAULT_USSD)
        self._clock = clock
        self._rng = random.Random(seed)
        self._network_smsc = smsc
        self._csca = smsc
        self._pin = pin
        self._puk = puk
        self._storages = {
            "SM": MessageStorage("SM", sm_capacity, location_base),
            "ME": MessageStorage("ME", me_capacity, location_base),
            "SR": MessageStorage("SR", sr_capacity, location_base),
        }
        self._csq = signal_csq
        self._reg_stat = 1
        self._radio_on = True
        self._storage_forced_full = False
        self._reply_delay = 0.0
        self._noise = False
        self._noise_interval = 0.5
        self._noise_gen = 0
        self._noise_cycle = itertools.cycle(_NOISE)
        self._concat_ref = self._rng.randrange(1, 200)
        self._next_mr = 1
        self._mr_recipient: dict[int, str] = {}
        self._auto_reply: _AutoReply | None = None
        self._auto_replied: list[tuple[str, str]] = []

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._commands: list[str] = []
        self._sent: list[pdu_codec.Sms] = []
        self._delivered: list[str] = []
        self._call: CallInfo | None = None
        self._call_ids = itertools.count(1)

        self._thread: threading.Thread | None = None
        self._master: int | None = None
        self._wake_r: int | None = None
        self._wake_w: int | None = None
        self._inbuf = bytearray()
        self._outbuf = bytearray()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._timer_seq = itertools.count()
        self._requests: deque[tuple[Callable[[], Any], list[Any], threading.Event]] = deque()
        self._stopping = False
        self._busy_until = 0.0
        self._client_absent_until = 0.0
        self._prompt: str | None = None  # "CMGS" | "CMGW" while the "> " prompt is open
        self._prompt_arg: tuple[Any, ...] = ()
        self._mid_urcs: list[bytes] = []
        self._held_urcs: list[bytes] = []
        self._held_gen = 0
        self._cnmi_buffer: list[bytes] = []
        self._plugged = False
        self._reset_sim_lock()
        self._reset_settings()

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> str:
        """The stable path of the modem's port (a symlink to the current pty slave)."""
        if self._link is None:
            raise RuntimeError("the virtual modem is not started")
        return self._link

    @property
    def plugged(self) -> bool:
        """True while the pty exists (between start/replug and unplug/stop)."""
        with self._lock:
            return self._plugged

    def start(self) -> None:
        """Create the pty, point the link at it and start the I/O thread."""
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("the virtual modem is already started")
            if self._link_arg is None:
                self._tmpdir = tempfile.mkdtemp(prefix="vmodem-")
                self._link = os.path.join(self._tmpdir, "ttyGSM0")
            else:
                self._link = self._link_arg
            self._wake_r, self._wake_w = os.pipe()
            os.set_blocking(self._wake_r, False)
            os.set_blocking(self._wake_w, False)
            self._stopping = False
            try:
                self._open_pty()
            except BaseException:
                os.close(self._wake_r)
                os.close(self._wake_w)
                self._wake_r = self._wake_w = None
                if self._tmpdir is not None:
                    shutil.rmtree(self._tmpdir, ignore_errors=True)
                    self._tmpdir = None
                raise
            self._thread = threading.Thread(target=self._loop, name="vmodem-io", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread, close the pty and remove the link (and the temp folder)."""
        with self._lock:
            thread = self._thread
            if thread is None:
                return
            self._stopping = True
            self._wake()
        if thread is not threading.current_thread():
            thread.join(timeout=10)
        with self._lock:
            self._run_requests()  # unplug/replug asked for while stopping
            self._close_pty()
            for fd in (self._wake_r, self._wake_w):
                if fd is not None:
                    os.close(fd)
            self._wake_r = self._wake_w = None
            self._thread = None
            self._timers.clear()
            if self._tmpdir is not None:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
                self._tmpdir = None
            self._cond.notify_all()

    def __enter__(self) -> VirtualModem:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        try:
            tty.setraw(slave)
            slave_name = os.ttyname(slave)
        finally:
            # Only the client keeps the slave open: a closed client then sees no stale bytes.
            os.close(slave)
        os.set_blocking(master, False)
        assert self._link is not None
        tmp_link = f"{self._link}.{os.getpid()}.new"
        try:
            if os.path.lexists(tmp_link):
                os.unlink(tmp_link)
            os.symlink(slave_name, tmp_link)
            os.replace(tmp_link, self._link)  # atomic: the port path never dangles half-made
        except OSError:
            os.close(master)
            raise
        self._master = master
        self._plugged = True
        self._inbuf.clear()
        self._outbuf.clear()
        self._prompt = None
        self._busy_until = 0.0
        self._client_absent_until = 0.0

    def _close_pty(self) -> None:
        if self._master is not None:
            os.close(self._master)
            self._master = None
        if self._link is not None and os.path.islink(self._link):
            os.unlink(self._link)
        self._plugged = False
        self._inbuf.clear()
        self._outbuf.clear()
        self._prompt = None
        self._held_urcs.clear()
        self._mid_urcs.clear()
        self._cnmi_buffer.clear()
        self._call = None

    # ------------------------------------------------------------------ I/O loop

    def _wake(self) -> None:
        if self._wake_w is not None:
            try:
                os.write(self._wake_w, b"\0")
            except BlockingIOError:
                pass

    def _in_loop(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` in the I/O thread (fd operations) and return its result."""
        with self._lock:
            thread = self._thread
            if thread is None or thread is threading.current_thread() or not thread.is_alive():
                return fn()
            result: list[Any] = []
            done = threading.Event()
            self._requests.append((fn, result, done))
            self._wake()
        if not done.wait(10):
            raise TimeoutError("the virtual modem's I/O thread did not answer")
        if result and isinstance(result[0], BaseException):
            raise result[0]
        return result[0] if result else None

    def _schedule(self, delay: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self._clock() + delay, next(self._timer_seq), fn))
        self._wake()

    def _loop(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
                self._run_requests()
                now = self._clock()
                while self._timers and self._timers[0][0] <= now:
                    _, _, fn = heapq.heappop(self._timers)
                    try:
                        fn()
                    except Exception:  # a failing timer must not kill the modem
                        _log.exception("virtual modem timer failed")
                    now = self._clock()
                self._consume_input()
                timeout = 1.0
                if self._timers:
                    timeout = min(timeout, max(0.0, self._timers[0][0] - now))
                if self._inbuf and self._busy_until > now:
                    timeout = min(timeout, self._busy_until - now)
                master = self._master
                absent = self._client_absent_until > now
                if absent:
                    timeout = min(timeout, self._client_absent_until - now)
                want_write = bool(self._outbuf)
                wake_r = self._wake_r
            poller = select.poll()
            assert wake_r is not None
            poller.register(wake_r, select.POLLIN)
            if master is not None and not absent:
                poller.register(master, select.POLLIN | (select.POLLOUT if want_write else 0))
            events = poller.poll(max(0, int(timeout * 1000 + 0.999)))
            with self._lock:
                for fd, ev in events:
                    if fd == wake_r:
                        self._drain_wake()
                    elif fd == self._master:
                        self._on_master_event(ev)

    def _drain_wake(self) -> None:
        assert self._wake_r is not None
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def _run_requests(self) -> None:
        while self._requests:
            fn, result, done = self._requests.popleft()
            try:
                result.append(fn())
            except Exception as exc:  # handed back to the calling thread
                result.append(exc)
            done.set()

    def _on_master_event(self, ev: int) -> None:
        assert self._master is not None
        if ev & select.POLLIN:
            try:
                data = os.read(self._master, 4096)
            except BlockingIOError:
                data = None
            except OSError:
                data = b""
            if data:
                self._inbuf += data
                self._consume_input()
            elif data is not None:
                self._client_gone()
                return
        if ev & (select.POLLHUP | select.POLLERR) and not ev & select.POLLIN:
            self._client_gone()
            return
        if ev & select.POLLOUT:
            self._flush()

    def _client_gone(self) -> None:
        """No process has the slave open: what the modem writes is lost, as the kernel does."""
        self._outbuf.clear()
        self._inbuf.clear()
        self._prompt = None
        self._client_absent_until = self._clock() + 0.05

    def _flush(self) -> None:
        if self._master is None or not self._outbuf:
            return
        try:
            n = os.write(self._master, self._outbuf)
        except BlockingIOError:
            return
        except OSError:
            self._outbuf.clear()
            return
        del self._outbuf[:n]

    def _out(self, data: bytes) -> None:
        """Queue raw bytes for the client (dropped while unplugged)."""
        if self._master is None or not data:
            return
        self._outbuf += data
        self._flush()
        if self._outbuf:
            self._wake()

    # ------------------------------------------------------------------ input parsing

    def _consume_input(self) -> None:
        while self._inbuf and self._master is not None and self._clock() >= self._busy_until:
            if self._prompt is not None:
                ends = [i for i in (self._inbuf.find(_CTRL_Z), self._inbuf.find(_ESC)) if i >= 0]
                if not ends:
                    if len(self._inbuf) > _MAX_LINE:
                        self._inbuf.clear()
                        self._prompt = None
                        self._respond([], self._cms(304))
                    return
                end = min(ends)
                data = bytes(self._inbuf[:end])
                term = self._inbuf[end]
                del self._inbuf[: end + 1]
                self._on_prompt_data(data, cancelled=term == _ESC)
                continue
            cr = [i for i in (self._inbuf.find(b"\r"), self._inbuf.find(b"\n")) if i >= 0]
            if not cr:
                if len(self._inbuf) > _MAX_LINE:
                    self._inbuf.clear()
                return
            end = min(cr)
            raw = bytes(self._inbuf[:end])
            del self._inbuf[: end + 1]
            line = "".join(ch for ch in raw.decode("latin-1") if " " <= ch <= "~").strip()
            if not line:
                continue
            self._commands.append(line)
            self._cond.notify_all()
            if self._echo:
                self._out(line.encode("latin-1") + b"\r")
            try:
                self._execute_line(line)
            except Exception:  # an emulator bug answers ERROR instead of killing the modem
                _log.exception("virtual modem failed on %r", line)
                self._respond([], "ERROR")

    # ------------------------------------------------------------------ responses

    def _frame(self, line: str) -> bytes:
        return b"\r\n" + line.encode("latin-1", "replace") + b"\r\n"

    def _respond(self, lines: list[str], final: str | None, *, prompt: bool = False) -> None:
        data = bytearray()
        if lines:
            data += self._frame("\r\n".join(lines))
        if final is not None:
            data += b"".join(self._mid_urcs) + b"".join(self._held_urcs)
            self._mid_urcs.clear()
            self._held_urcs.clear()
            data += self._frame(final)
        if prompt:
            data += b"\r\n> "
        if self._reply_delay > 0:
            self._busy_until = self._clock() + self._reply_delay
            payload = bytes(data)
            self._schedule(self._reply_delay, lambda: self._out(payload))
        else:
            self._out(bytes(data))

    def _finish(self, reply: Reply) -> None:
        self._respond(reply.lines, None if reply.prompt else reply.final, prompt=reply.prompt)
        for fn in reply.after:
            self._schedule(self._reply_delay + 0.05, fn)

    def _urc(self, line: str, pdu: str | None = None, *, sms: bool = False) -> None:
        """Emit an unsolicited result code (``pdu`` as its second line for +CMT/+CDS)."""
        data = self._frame(line)
        if pdu is not None:
            data += pdu.encode("ascii", "replace") + b"\r\n"
        if self._master is None:
            return
        if sms and self._cnmi[0] == 0:
            self._cnmi_buffer.append(data)
            return
        if sms and self.interleave_urcs:
            self._held_urcs.append(data)
            self._held_gen += 1
            gen = self._held_gen
            self._schedule(1.0, lambda: self._release_held(gen))
            return
        self._out(data)

    def _release_held(self, gen: int) -> None:
        if gen == self._held_gen and self._held_urcs:
            data = b"".join(self._held_urcs)
            self._held_urcs.clear()
            self._out(data)

    # ------------------------------------------------------------------ control API: SMS

    def _receive_order(self, storage: str | None) -> list[str]:
        if storage is not None:
            name = storage.upper()
            if name not in ("SM", "ME"):
                raise ValueError(f"unknown storage {storage!r} (SM or ME)")
            return [name]
        first = self._cpms[2]
        return [first] + [name for name in ("SM", "ME") if name != first]

    def _store_incoming(self, pdu_hex: str, storage: str | None) -> tuple[str, int]:
        """Store one received PDU and indicate it as the CNMI settings ask (lock held)."""
        order = self._receive_order(storage)
        index = None
        name = order[0]
        if not self._storage_forced_full:
            for name in order:
                index = self._storages[name].store(pdu_hex, REC_UNREAD)
                if index is not None:
                    break
        if index is None:
            self._urc(f'^SMMEMFULL: "{order[0]}"')
            raise StorageFull(order[0])
        if self._cnmi[1] in (1, 2, 3):
            self._urc(f'+CMTI: "{name}",{index}', sms=True)
        return name, index

    def _deliver_direct(self, pdu_hex: str) -> None:
        self._delivered.append(pdu_hex)
        self._urc(f"+CMT: ,{tpdu_length(pdu_hex)}", pdu_hex, sms=True)

    def inject_sms(
        self,
        sender: str,
        text: str,
        *,
        storage: str | None = None,
        timestamp: datetime | None = None,
        encoding: str | None = None,
        route: str = "store",
        ref_bits: int = 8,
        flash: bool = False,
    ) -> list[tuple[str, int]]:
        """Deliver an SMS from the network, as one or more SMS-DELIVER PDUs.

        Long texts become concatenated parts (``ref_bits`` 8 or 16 for the
        reference). With ``route="store"`` each part is stored in the receive
        storage (AT+CPMS 3rd parameter; the other storage when it is full, or
        ``storage`` when given) and indicated with ``+CMTI`` when AT+CNMI ``<mt>``
        is 1; with ``<mt>`` = 2 or ``route="direct"`` each part is delivered as
        ``+CMT: ,<length>`` followed by the PDU and not stored. While unplugged
        the parts are stored silently.

        Args:
            sender: originating address ("+6281234567890", "1708", "TELKOMSEL").
            text: message text.
            storage: "SM" or "ME" to force the storage.
            timestamp: service-centre time stamp (the codec's default when None).
            encoding: "gsm7", "ucs2" or "8bit"; chosen from the text when None.
            route: "store" or "direct".
            ref_bits: 8 or 16, size of the concatenation reference.
            flash: send as class 0 (flash) message.

        Returns:
            The ``(storage, index)`` of every stored part; [] when delivered directly.

        Raises:
            StorageFull: no storage has a free slot (``^SMMEMFULL`` is emitted;
                ``exc.stored`` lists the parts stored before).
            ValueError: unknown route or storage.
        """
        if route not in ("store", "direct"):
            raise ValueError(f"route must be 'store' or 'direct', not {route!r}")
        with self._lock:
            self._concat_ref = self._concat_ref % (0xFFFF if ref_bits == 16 else 0xFF) + 1
            parts = pdu_codec.encode_deliver(
                sender,
                text,
                smsc=self._network_smsc,
                timestamp=timestamp,
                encoding=encoding,
                concat_ref=self._concat_ref,
                flash=flash,
                ref_bits=ref_bits,
            )
            return self._receive_parts(parts, storage, route)

    def _receive_parts(self, parts: list[str], storage: str | None, route: str) -> list[tuple[str, int]]:
        if route == "direct" or (storage is None and self._cnmi[1] in (2, 3)):
            for part in parts:
                self._deliver_direct(part)
            return []
        stored: list[tuple[str, int]] = []
        for part in parts:
            try:
                stored.append(self._store_incoming(part, storage))
            except StorageFull as exc:
                raise StorageFull(exc.storage, stored) from None
        return stored

    def inject_pdu(self, pdu_hex: str, storage: str | None = None) -> tuple[str, int]:
        """Store a raw PDU (SMSC field first) exactly as given, even a malformed one.

        Returns:
            ``(storage, index)``; a ``+CMTI`` is emitted as for ``inject_sms``.

        Raises:
            StorageFull: no storage has a free slot.
        """
        cleaned = "".join(pdu_hex.split())
        with self._lock:
            return self._store_incoming(cleaned, storage)

    def set_auto_reply(
        self,
        number: str | None,
        text: str = LAPOR_REPLY,
        *,
        delay: float = 0.3,
        first_number: int = 1916449,
        status_report: bool = True,
        sender: str | None = None,
    ) -> None:
        """Answer every SMS sent to ``number`` the way LAPOR! 1708 does (None: stop).

        ``delay`` seconds after an SMS-SUBMIT to ``number`` is accepted (the last part of a
        multipart one), an SMS-DELIVER with ``text`` arrives from ``sender`` (default: the
        number as the SUBMIT wrote it), delivered like :meth:`inject_sms`; ``{n}`` in the
        text becomes ``first_number``, then ``first_number + 1`` … When the SUBMIT asked
        for a status report and ``status_report`` is set, a "delivered" report is routed
        ``status_report_delay`` seconds after it (unless ``auto_status_reports`` does it
        already). Numbers are compared by their digits (``1708`` = ``+1708``).
        """
        with self._lock:
            if number is None:
                self._auto_reply = None
                return
            if not _digits(number):
                raise ValueError(f"auto-reply number {number!r} has no digits")
            self._auto_reply = _AutoReply(number, text, delay, first_number, status_report, sender)

    @property
    def auto_replies(self) -> list[tuple[str, str]]:
        """``(sender, text)`` of every auto-reply delivered so far, oldest first (a copy)."""
        with self._lock:
            return list(self._auto_replied)

    def _submitted(self, sms: pdu_codec.Sms, mr: int) -> None:
        rule = self._auto_reply
        if rule is None or _digits(sms.recipient) != _digits(rule.number):
            return
        if sms.concat is not None and sms.concat.seq != sms.concat.parts:
            return
        recipient = sms.recipient
        if rule.status_report and sms.status_report_requested and not self.auto_status_reports:
            self._schedule(self.status_report_delay, lambda: self._deliver_status_report(mr, 0, recipient))
        text = rule.text.replace("{n}", str(rule.next_number))
        rule.next_number += 1
        sender = rule.sender or recipient or rule.number
        self._schedule(rule.delay, lambda: self._deliver_auto_reply(sender, text))

    def _deliver_auto_reply(self, sender: str, text: str) -> None:
        try:
            self.inject_sms(sender, text)
        except StorageFull:
            _log.warning("auto-reply from %s lost: the storage is full", sender)
            return
        self._auto_replied.append((sender, text))

    def inject_status_report(
        self, reference: int, status: int = 0, *, recipient: str | None = None
    ) -> tuple[str, int] | None:
        """A status report from the network for the message with TP-MR ``reference``.

        Routed as AT+CNMI ``<ds>`` says: 0 dropped, 1 ``+CDS: <length>`` + PDU,
        2 stored in "SR" and indicated with ``+CDSI: "SR",<index>``.

        Args:
            reference: TP-MR of the sent message (as ``+CMGS`` reported it).
            status: TP-ST (0 = delivered).
            recipient: the recipient; by default the one of the sent message with
                that reference, else "+6281234567890".

        Returns:
            ``("SR", index)`` when stored, else None.
        """
        with self._lock:
            return self._deliver_status_report(reference, status, recipient)

    def _deliver_status_report(
        self, reference: int, status: int, recipient: str | None
    ) -> tuple[str, int] | None:
        if recipient is None:
            recipient = self._mr_recipient.get(reference, "+6281234567890")
        pdu_hex = pdu_codec.encode_status_report(recipient, reference, status, smsc=self._network_smsc)
        ds = self._cnmi[3]
        if ds == 1:
            self._urc(f"+CDS: {tpdu_length(pdu_hex)}", pdu_hex, sms=True)
        elif ds == 2:
            index = self._storages["SR"].store(pdu_hex, REC_UNREAD)
            if index is not None:
                self._urc(f'+CDSI: "SR",{index}', sms=True)
                return "SR", index
        return None

    def cmti_nowhere(self, storage: str = "SM", index: int = 7) -> None:
        """Emit a ``+CMTI`` for a slot that holds nothing (a real firmware bug)."""
        with self._lock:
            self._urc(f'+CMTI: "{storage}",{index}', sms=True)

    def set_storage_full(self, full: bool = True) -> None:
        """Force "every storage is full": injections raise StorageFull, AT+CMGW gets 322.

        The AT+CPMS counts stay true (the state a confused firmware reports).
        """
        with self._lock:
            self._storage_forced_full = full

    def stored(self, storage: str = "SM") -> dict[int, str]:
        """The PDUs held in ``storage`` ("SM", "ME" or "SR"): ``{index: pdu_hex}``."""
        with self._lock:
            return {i: slot.pdu for i, slot in self._storages[storage.upper()].items()}

    def clear_storage(self, storage: str | None = None) -> None:
        """Empty one storage, or all of them."""
        with self._lock:
            for name, st in self._storages.items():
                if storage is None or storage.upper() == name:
                    st.clear()

    @property
    def sent(self) -> list[pdu_codec.Sms]:
        """Decoded SMS-SUBMIT messages received with AT+CMGS, oldest first (a copy)."""
        with self._lock:
            return list(self._sent)

    @property
    def delivered(self) -> list[str]:
        """PDUs delivered directly with ``+CMT`` (not stored), oldest first (a copy)."""
        with self._lock:
            return list(self._delivered)

    @property
    def commands(self) -> list[str]:
        """Every non-empty command line received, oldest first (a copy)."""
        with self._lock:
            return list(self._commands)

    def wait_for_command(self, prefix: str, timeout: float = 5.0, *, start: int = 0) -> str | None:
        """Wait until a command line starting with ``prefix`` (case-insensitive) is received.

        Args:
            prefix: e.g. "AT+CMGD".
            timeout: seconds to wait.
            start: ignore the first ``start`` commands (pass ``len(vm.commands)``
                to wait for a new one).

        Returns:
            The command line, or None on timeout.
        """
        wanted = prefix.upper()
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self._commands[start:]:
                    if line.upper().startswith(wanted):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def inject_urc_mid_response(self, line: str) -> None:
        """Put ``line`` into the next command's response, before its final result code.

        This reproduces a URC arriving while the client waits for a response
        (the way a +CMTI gets swallowed by naive drivers).
        """
        with self._lock:
            self._mid_urcs.append(self._frame(line))

    # ------------------------------------------------------------------ control API: calls

    def call(self, number: str, *, clip: bool = True, rings: int = 3, interval: float = 1.0) -> None:
        """An incoming voice call: ``rings`` RINGs, ``interval`` seconds apart.

        Each ring is ``RING`` (``+CRING: VOICE`` after AT+CRC=1) followed, when
        AT+CLIP=1, by ``+CLIP: "<number>",145,,,,0`` (129 for a national number),
        or ``+CLIP: "",128,,,,1`` when the caller withholds the number
        (``clip=False`` or an empty number). ATA answers; ATH/AT+CHUP end it;
        unanswered, the ringing simply stops (a missed call).
        """
        with self._lock:
            call = CallInfo(next(self._call_ids), number, clip and bool(number), "ringing", "in")
            self._call = call
            self._schedule(0, lambda: self._ring(call, 0, rings, interval))

    def _ring(self, call: CallInfo, k: int, rings: int, interval: float) -> None:
        if self._call is not call or call.state != "ringing":
            return
        if k >= rings:
            self._call = None  # missed: the caller gave up
            return
        self._urc("+CRING: VOICE" if self._crc else "RING")
        if self._clip:
            if call.clip:
                kind = 145 if call.number.startswith("+") else 129
                self._urc(f'+CLIP: "{call.number}",{kind},,,,0')
            else:
                self._urc('+CLIP: "",128,,,,1')
        self._schedule(interval, lambda: self._ring(call, k + 1, rings, interval))

    def remote_hangup(self) -> bool:
        """The caller hangs up: emits ``NO CARRIER``. Returns False when there was no call."""
        with self._lock:
            if self._call is None:
                return False
            self._call = None
            self._urc("NO CARRIER")
            return True

    @property
    def call_state(self) -> str:
        """ "idle", "ringing" or "active"."""
        with self._lock:
            return "idle" if self._call is None else self._call.state

    # ------------------------------------------------------------------ control API: faults

    def unplug(self) -> None:
        """Pull the modem out: close the pty (the client's pyserial raises) and remove the link."""
        self._in_loop(self._do_unplug)

    def _do_unplug(self) -> None:
        if self._plugged:
            self._close_pty()

    def replug(self) -> None:
        """Plug it back in: a new pty behind the same link, settings and PIN lock as at power-on."""
        self._in_loop(self._do_replug)

    def _do_replug(self) -> None:
        if self._thread is None:
            raise RuntimeError("the virtual modem is not started")
        if self._plugged:
            return
        self._reset_settings()
        if self._sim != "SIM PUK" and self._sim != "SIM BLOCKED":
            self._reset_sim_lock()
        self._radio_on = True
        self._open_pty()

    def send_garbage(self, data: int | bytes = 64) -> bytes:
        """Write line noise to the client: ``data`` bytes as given, or that many random bytes.

        Random garbage always contains NUL, CR and high bytes. Returns what was sent.
        """
        with self._lock:
            if isinstance(data, int):
                raw = bytearray(self._rng.randrange(256) for _ in range(data))
                for i, special in enumerate((0x00, 0x0D, 0xFF, 0x80)):
                    if i < len(raw):
                        raw[self._rng.randrange(len(raw))] = special
                payload = bytes(raw)
            else:
                payload = bytes(data)
            self._out(payload)
            return payload

    def set_reply_delay(self, seconds: float) -> None:
        """Delay every response (not the echo) by ``seconds``; commands queue up meanwhile."""
        with self._lock:
            self._reply_delay = max(0.0, float(seconds))

    def set_noise(self, enabled: bool = True, interval: float = 0.5) -> None:
        """Emit Huawei noise periodically: ``^RSSI``, ``^BOOT``, ``^MODE``, ``^DSFLOWRPT``."""
        with self._lock:
            self._noise = enabled
            self._noise_interval = interval
            self._noise_gen += 1
            if enabled:
                gen = self._noise_gen
                self._schedule(0, lambda: self._noise_tick(gen))

    def _noise_tick(self, gen: int) -> None:
        if not self._noise or gen != self._noise_gen:
            return
        self._urc(next(self._noise_cycle))
        self._schedule(self._noise_interval, lambda: self._noise_tick(gen))

    def set_signal(self, csq: int) -> None:
        """Change the AT+CSQ ``<rssi>`` (0..31, 99)."""
        with self._lock:
            self._csq = csq

    def set_registration(self, stat: int) -> None:
        """Change the network registration (0 none, 1 home, 2 searching, 3 denied, 5 roaming).

        Emits ``+CREG: <stat>`` (and ``+CGREG``) when enabled with AT+CREG=1/2.
        """
        with self._lock:
            if stat != self._reg_stat:
                self._reg_stat = stat
                self._announce_registration()

    def status(self) -> dict[str, Any]:
        """A JSON-friendly summary: plugged, port, SIM, storages, sent messages, call."""
        with self._lock:
            return {
                "plugged": self._plugged,
                "port": self._link,
                "profile": self.profile,
                "sim": self._sim,
                "storages": {
                    name: {"used": st.used, "capacity": st.capacity} for name, st in self._storages.items()
                },
                "storage_forced_full": self._storage_forced_full,
                "sent": [
                    {"recipient": getattr(s, "recipient", None), "text": getattr(s, "text", None)}
                    for s in self._sent
                ],
                "call": "idle" if self._call is None else self._call.state,
                "commands": len(self._commands),
                "reply_delay": self._reply_delay,
                "noise": self._noise,
                "auto_reply": None if self._auto_reply is None else self._auto_reply.number,
            }
