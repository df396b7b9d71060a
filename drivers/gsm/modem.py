"""The GSM modem driver: connect, initialise, receive, send, calls, status, reconnect.

A :class:`Modem` owns one supervisor thread. It opens the port exclusively,
initialises the modem step by step (each step tolerant of the quirks in
``docs/research/modem_quirks.md``), then serves: it polls ``AT+CPMS?`` and the signal
every ``poll_interval`` seconds, turns URCs into events from
:mod:`drivers.gsm.events`, and reconnects with bounded exponential backoff when the
port fails or the modem stops answering. A wrong PIN or a PUK-locked SIM puts it in
state ``"failed"`` and it never retries on its own: a retried wrong PIN locks the SIM.

Reading is the service's job: the driver announces messages (``SmsStored``,
``MessagesWaiting``) and offers :meth:`Modem.list_messages`,
:meth:`Modem.read_message` and :meth:`Modem.delete_message` (one slot at a time,
never ``AT+CMGD=1,4``).

Threads: ``on_event`` is called from the supervisor thread (state, polling) and from
the channel's URC dispatcher thread (SMS, calls, signal). It may call the modem's
methods; it should not block for long.
"""

from __future__ import annotations

import errno
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import serial

from drivers.gsm.at import (
    AtChannel,
    AtChannelError,
    AtError,
    AtResponse,
    AtTimeout,
    ChannelClosed,
    Urc,
    split_fields,
)
from drivers.gsm.events import (
    CallEnded,
    IncomingCall,
    MessagesWaiting,
    RegistrationChanged,
    SignalChanged,
    SmsReceived,
    SmsStored,
    StateChanged,
    StatusReportReceived,
    StatusReportStored,
    StorageFull,
    Ussd,
)
from drivers.gsm.pdu import PduError, encode_submit

__all__ = [
    "STATES",
    "Modem",
    "ModemError",
    "ModemNotReady",
    "ModemStatus",
    "SimError",
    "StoredMessage",
    "csq_to_dbm",
    "open_port_error",
    "parse_cmgl",
    "parse_cmgr",
    "parse_cnmi_test",
    "parse_cpms_test",
    "parse_creg",
]

log = logging.getLogger(__name__)

STATES = ("stopped", "connecting", "ready", "reconnecting", "failed")

# A PIN the SIM rejected, per port: never sent again by this process (a supervisor
# restart or a new Modem on the same port included) unless the configured PIN changes.
_REJECTED_PINS: dict[str, str] = {}
_REJECTED_LOCK = threading.Lock()

_REGISTRATION = {
    0: "unregistered",
    1: "home",
    2: "searching",
    3: "denied",
    4: "unknown",
    5: "roaming",
    6: "home",  # SMS only, home
    7: "roaming",  # SMS only, roaming
}
_SIM_BUSY_CODES = frozenset({14, 515})
_HEX_RE = re.compile(r"^[0-9A-Fa-f]+$")
_CNMI_FALLBACKS = ((2, 1, 0, 2, 0), (2, 1, 0, 1, 0), (2, 1, 0, 0, 0), (1, 1, 0, 0, 0))


class ModemError(Exception):
    """A modem operation failed; the message says why in one sentence.

    Attributes:
        cause: The channel error behind it (``AtError`` with its code, ``AtTimeout``,
            ``ChannelClosed``), if any.
    """

    def __init__(self, message: str, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.cause = cause

    @property
    def code(self) -> int | None:
        """The ``+CME``/``+CMS`` error code behind the failure, if any."""
        return self.cause.code if isinstance(self.cause, AtError) else None


class ModemNotReady(ModemError):
    """The modem was not ready when an operation was asked of it: nothing was sent to it.

    Raised before any command goes out (the port is gone, reconnecting, stopped), so a send
    that fails with it certainly did not happen.

    Attributes:
        state: the modem's state at that moment (``connecting``, ``reconnecting`` …).
    """

    def __init__(self, state: str) -> None:
        super().__init__(f"modem not ready ({state})")
        self.state = state


class SimError(ModemError):
    """The SIM cannot be unlocked without a person (wrong PIN, PUK, no PIN configured)."""


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One message slot on the modem.

    Attributes:
        storage: ``"SM"``, ``"ME"``, ``"SR"`` …
        index: The slot number.
        stat: 0 received unread, 1 received read, 2 stored unsent, 3 stored sent,
            or None when the modem left it out.
        pdu_hex: The PDU in upper-case hex, with its SMSC field.
        length: The TPDU length the modem reported, or None.
    """

    storage: str
    index: int
    stat: int | None
    pdu_hex: str
    length: int | None


@dataclass(frozen=True)
class ModemStatus:
    """A snapshot of what the driver knows; :meth:`Modem.status` returns it instantly.

    Attributes:
        port: The configured port path.
        state: One of :data:`STATES`.
        last_error: The most recent problem, cleared when the modem is ready again.
        manufacturer, model, revision, imei, imsi: Identity from ``AT+CGMI`` … ``AT+CIMI``.
        sim: ``"READY"``, ``"SIM PIN"``, ``"SIM PUK"`` … from ``AT+CPIN?``.
        signal_dbm: Signal in dBm (``-113 + 2 * rssi``), None when unknown.
        signal_csq: The raw ``+CSQ`` rssi (0..31, 99 unknown).
        registration: ``"home"``, ``"roaming"``, ``"searching"``, ``"denied"``,
            ``"unregistered"`` or ``"unknown"``.
        operator: The operator name from ``AT+COPS?``.
        smsc: The SMS centre number from ``AT+CSCA?``.
        storages: ``{"SM": (used, total), …}``.
        receive_storage: Where new messages are stored.
        cnmi: The ``AT+CNMI`` setting in force, None when only polling finds messages.
        connected_since: ``clock()`` when the modem last became ready.
    """

    port: str
    state: str = "stopped"
    last_error: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    revision: str | None = None
    imei: str | None = None
    imsi: str | None = None
    sim: str | None = None
    signal_dbm: int | None = None
    signal_csq: int | None = None
    registration: str | None = None
    operator: str | None = None
    smsc: str | None = None
    storages: dict[str, tuple[int, int]] = field(default_factory=dict)
    receive_storage: str | None = None
    cnmi: str | None = None
    connected_since: float | None = None


# --------------------------------------------------------------------------- helpers


def open_port_error(port: str, exc: BaseException) -> str:
    """One sentence saying why ``port`` could not be opened.

    Args:
        port: The port path.
        exc: The exception pyserial raised (``SerialException`` carries ``errno``).

    Returns:
        E.g. ``"/dev/ttyUSB0 is busy: another process holds it …"``.
    """
    code = getattr(exc, "errno", None)
    if code is None and isinstance(exc.__cause__, OSError):
        code = exc.__cause__.errno
    text = str(exc)
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return f"{port} does not exist: the modem is unplugged or the port name is wrong"
    if code in (errno.EACCES, errno.EPERM):
        return (
            f"permission denied on {port}: add the user to the dialout group "
            "(sudo usermod -aG dialout $USER) and log in again"
        )
    if code in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBUSY) or "exclusively lock" in text:
        return (
            f"{port} is busy: another process holds it "
            "(ModemManager, gammu-smsd or a second console)"
        )
    return f"cannot open {port}: {text}"


def csq_to_dbm(rssi: int | None) -> int | None:
    """dBm for a ``+CSQ`` rssi (0..31); None for 99 (unknown) or out of range."""
    if rssi is None or not 0 <= rssi <= 31:
        return None
    return -113 + 2 * rssi


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip().strip('"').strip()
    return int(text) if text.isdigit() else None


def _rest(line: str) -> str:
    return line.partition(":")[2].strip()


def _clean_pdu(line: str) -> str | None:
    """The hex of a PDU line (stray quotes and spaces removed), None if not hex."""
    text = re.sub(r'[\s"]', "", line)
    if len(text) >= 2 and _HEX_RE.match(text):
        return text.upper()
    return None


def parse_cmgl(lines: tuple[str, ...] | list[str], storage: str) -> list[StoredMessage]:
    """Parse an ``AT+CMGL=4`` answer.

    Accepts ``+CMGL: idx,stat,[alpha],len`` headers, each followed by its PDU line;
    stray quotes after the hex, missing fields and unrelated lines are tolerated; a
    header without a PDU is skipped.

    Args:
        lines: The response's intermediate lines.
        storage: The storage that was listed.

    Returns:
        The messages in order.
    """
    out: list[StoredMessage] = []
    header: tuple[int, int | None, int | None] | None = None
    for line in lines:
        if line.upper().startswith("+CMGL:"):
            if header is not None:
                log.warning("CMGL entry %s in %s has no PDU", header[0], storage)
            fields = split_fields(_rest(line))
            index = _int(fields[0])
            if index is None:
                header = None
                continue
            stat = _int(fields[1]) if len(fields) > 1 else None
            length = _int(fields[-1]) if len(fields) > 2 else None
            header = (index, stat, length)
            continue
        if header is None:
            continue
        pdu = _clean_pdu(line)
        if pdu is None:
            continue
        out.append(StoredMessage(storage, header[0], header[1], pdu, header[2]))
        header = None
    return out


def parse_cmgr(
    lines: tuple[str, ...] | list[str], storage: str, index: int
) -> StoredMessage | None:
    """Parse an ``AT+CMGR=<index>`` answer; None for an empty slot.

    Accepts ``+CMGR: 3,,29``, ``+CMGR: 0,23``, ``+CMGR: 24``, ``+CMGR: ,,92`` and a
    stray quote after the PDU hex.
    """
    header: list[str] | None = None
    for line in lines:
        if line.upper().startswith("+CMGR:"):
            header = split_fields(_rest(line))
            continue
        if header is None:
            continue
        pdu = _clean_pdu(line)
        if pdu is None:
            continue
        stat = _int(header[0]) if len(header) >= 2 else None
        length = _int(header[-1])
        if length == 0:
            return None
        return StoredMessage(storage, index, stat, pdu, length)
    return None


def parse_cpms_test(text: str) -> list[list[str]]:
    """Parse the answer of ``AT+CPMS=?`` into storage groups.

    ``("SM","ME"),("SM","ME"),("SM","ME")`` gives three groups; Wavecom's
    ``(("SM","BM","SR"),("SM"))`` two; a list without parentheses one.
    """
    groups = [re.findall(r'"([^"]*)"', g) for g in re.findall(r"\(([^()]*)\)", text)]
    groups = [g for g in groups if g]
    if not groups:
        names = re.findall(r'"([^"]*)"', text)
        groups = [names] if names else []
    return groups


def _parse_int_set(text: str) -> set[int]:
    values: set[int] = set()
    for part in text.strip().strip("()").split(","):
        part = part.strip()
        if "-" in part:
            lo, _, hi = part.partition("-")
            if lo.strip().isdigit() and hi.strip().isdigit():
                values.update(range(int(lo), int(hi) + 1))
        elif part.isdigit():
            values.add(int(part))
    return values


def parse_cnmi_test(text: str) -> list[set[int]]:
    """Parse ``+CNMI: (0-3),(0-3),(0,2),(0,1),(0,1)`` into one set per parameter."""
    return [_parse_int_set(f) for f in split_fields(text)]


def _looks_hex_number(field_: str) -> bool:
    return not field_.isdigit()


def parse_creg(text: str, *, solicited: bool) -> str | None:
    """Registration from ``+CREG``/``+CGREG`` arguments.

    Args:
        text: The text after the colon: ``0,1`` / ``2,1,"4CA","81DE445"`` (answer to
            ``AT+CREG?``) or ``1`` / ``1,"4CA","81DE445"`` / Huawei ``1,4CA,81DE445``
            (unsolicited).
        solicited: True for the answer to ``AT+CREG?``.

    Returns:
        ``"home"``, ``"roaming"`` … or None when unreadable.
    """
    fields = split_fields(text, keep_quotes=True)
    if solicited or len(fields) == 2:
        stat = fields[1] if len(fields) >= 2 else fields[0]
    elif len(fields) == 1:
        stat = fields[0]
    else:
        second = fields[1]
        # unsolicited form stat,lac,ci[,act]: the second field is a (quoted or hex) LAC
        stat = fields[0] if second.startswith('"') or _looks_hex_number(second) else fields[1]
    value = _int(stat)
    return None if value is None else _REGISTRATION.get(value, "unknown")


def _parse_smsc(text: str) -> str | None:
    fields = split_fields(text)
    number = fields[0] if fields else ""
    if not number:
        return None
    if len(number) % 4 == 0 and _HEX_RE.match(number) and number.startswith("00"):
        try:
            number = bytes.fromhex(number).decode("utf-16-be")
        except (ValueError, UnicodeDecodeError):
            pass
    if len(fields) > 1 and fields[1] == "145" and not number.startswith("+"):
        number = "+" + number
    return number


def _decode_ussd(text: str, dcs: int | None) -> str:
    """Decode a ``+CUSD`` string: UCS2 hex, Huawei packed GSM-7 hex, or plain text."""
    if not text or not _HEX_RE.match(text) or len(text) % 2:
        return text
    raw = bytes.fromhex(text)
    ucs2_dcs = dcs is not None and (dcs == 0x48 or dcs == 0x11 or (dcs & 0xCC) == 0x48)
    looks_ucs2 = len(raw) % 2 == 0 and all(b == 0 for b in raw[0::2][:4]) and raw[0] == 0
    if ucs2_dcs or looks_ucs2:
        try:
            return raw.decode("utf-16-be")
        except UnicodeDecodeError:
            return text
    if text.isdigit():
        return text  # a plain number, not packed data
    if dcs is None or dcs == 0x0F or (dcs & 0xF0) == 0:
        try:
            from drivers.gsm import gsm7

            count = len(raw) * 8 // 7
            septets = gsm7.unpack(raw, count)
            if septets.endswith(b"\r") or (septets.endswith(b"\x00") and count % 8 == 0):
                septets = septets[:-1]
            return gsm7.decode(septets)
        except (ImportError, ValueError):
            return text
    return text


@dataclass
class _Call:
    call_id: int
    number: str | None = None
    answered: bool = False
    last_ring: float = 0.0


# --------------------------------------------------------------------------- modem


class Modem:
    """One GSM modem on a serial port, kept connected by a supervisor thread.

    Args:
        port: The serial port path (a stable symlink is best).
        baudrate: Port speed.
        pin: The SIM PIN, sent at most once per connection and never again after
            the SIM rejected it.
        smsc: SMS centre number to set with ``AT+CSCA``; None keeps the SIM's.
        on_event: Called with each event from :mod:`drivers.gsm.events`.
        command_timeout: Timeout of ordinary commands, in seconds.
        poll_interval: Seconds between ``AT+CPMS?``/``AT+CSQ`` polls.
        reconnect_min: First reconnect delay; doubles per failure (with jitter).
        reconnect_max: Longest reconnect delay.
        clock: Monotonic clock for scheduling and ``connected_since``.
        send_timeout: Timeout of each ``AT+CMGS``.
        max_timeouts: Consecutive command timeouts after which the modem is
            considered dead and the port is reopened.
        sim_busy_retries: How often ``+CME ERROR: 14``/``515`` is waited out.
        sim_busy_delay: Seconds between those retries.
        ring_timeout: A ringing, unanswered call without RING for this long has ended.
    """

    def __init__(
        self,
        port: str,
        baudrate: int = 115200,
        pin: str | None = None,
        smsc: str | None = None,
        on_event: Callable[[Any], None] | None = None,
        command_timeout: float = 10.0,
        poll_interval: float = 30.0,
        reconnect_min: float = 0.5,
        reconnect_max: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        send_timeout: float = 60.0,
        max_timeouts: int = 3,
        sim_busy_retries: int = 20,
        sim_busy_delay: float = 0.5,
        ring_timeout: float = 8.0,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.smsc = smsc
        self.on_event = on_event
        self.command_timeout = command_timeout
        self.poll_interval = poll_interval
        self.reconnect_min = reconnect_min
        self.reconnect_max = max(reconnect_max, reconnect_min)
        self.clock = clock
        self.send_timeout = send_timeout
        self.max_timeouts = max(1, max_timeouts)
        self.sim_busy_retries = sim_busy_retries
        self.sim_busy_delay = sim_busy_delay
        self.ring_timeout = ring_timeout
        self._pin = pin
        self._lock = threading.RLock()  # status, state, call
        self._state_cv = threading.Condition(self._lock)
        self._op_lock = threading.RLock()  # multi-command operations and storage selection
        self._status = ModemStatus(port=port)
        self._stop_evt = threading.Event()
        self._wake = threading.Event()
        self._pin_changed = threading.Event()
        self._thread: threading.Thread | None = None
        self._channel: AtChannel | None = None
        self._serial: serial.Serial | None = None
        self._timeouts = 0
        self._rng = random.Random()
        self._concat_ref = self._rng.randrange(256)
        # per-connection modem facts
        self._cpms_arity: int | None = None
        self._mem1: str | None = None
        self._recv_storage: str | None = None
        self._read_storages: list[str] = []
        self._cnma_needed = False
        self._smsfull_ind: int | None = None
        self._full: set[str] = set()
        self._call: _Call | None = None
        self._call_seq = 0

    # ------------------------------------------------------------------ lifecycle

    @property
    def state(self) -> str:
        """``"stopped"``, ``"connecting"``, ``"ready"``, ``"reconnecting"`` or ``"failed"``."""
        return self._status.state

    @property
    def pin(self) -> str | None:
        """The configured SIM PIN."""
        return self._pin

    def set_pin(self, pin: str | None) -> None:
        """Change the configured PIN; a modem in state ``"failed"`` then tries once more."""
        with self._lock:
            changed = pin != self._pin
            self._pin = pin
        if changed:
            self._pin_changed.set()

    def start(self) -> None:
        """Start the supervisor thread (no-op when it runs)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop_evt.clear()
        self._wake.clear()
        name = f"modem-{os.path.basename(self.port)}"
        self._thread = threading.Thread(target=self._supervise, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the supervisor, close the channel and the port; join every thread."""
        self._stop_evt.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(30.0)
            if thread.is_alive():
                log.warning("%s: supervisor did not stop", self.port)
        self._teardown()
        self._set_state("stopped")

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the modem is ready; False after ``timeout`` seconds."""
        with self._state_cv:
            return self._state_cv.wait_for(lambda: self._status.state == "ready", timeout)

    def wait_state(self, states: str | tuple[str, ...], timeout: float | None = None) -> bool:
        """Wait until the state is one of ``states``; False after ``timeout`` seconds."""
        wanted = (states,) if isinstance(states, str) else states
        with self._state_cv:
            return self._state_cv.wait_for(lambda: self._status.state in wanted, timeout)

    def status(self) -> ModemStatus:
        """The cached status snapshot; never touches the port."""
        return self._status

    def __enter__(self) -> Modem:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ supervisor

    def _supervise(self) -> None:
        attempt = 0
        self._set_state("connecting")
        while not self._stop_evt.is_set():
            reason = ""
            try:
                self._connect_and_serve()
            except SimError as exc:
                failed_pin = self._pin
                self._teardown()
                self._set_state("failed", str(exc), error=str(exc))
                while not self._stop_evt.is_set() and self._pin == failed_pin:
                    self._pin_changed.wait(0.2)
                    self._pin_changed.clear()
                attempt = 0
                if not self._stop_evt.is_set():
                    self._set_state("connecting", "PIN changed")
                continue
            except (ModemError, AtChannelError) as exc:
                reason = str(exc)
            except Exception as exc:  # a driver bug must not kill the supervisor
                log.exception("%s: unexpected error", self.port)
                reason = f"unexpected error: {exc!r}"
            finally:
                self._teardown()
            if self._stop_evt.is_set():
                break
            if self._status.state == "ready":
                attempt = 0
            self._set_state("reconnecting", reason, error=reason)
            delay = min(self.reconnect_max, self.reconnect_min * 2 ** min(attempt, 30))
            delay *= self._rng.uniform(0.5, 1.0)
            attempt += 1
            log.info("%s: %s; reconnecting in %.2f s", self.port, reason, delay)
            self._stop_evt.wait(delay)

    def _connect_and_serve(self) -> None:
        ser = self._open_port()
        with self._lock:
            self._serial = ser
        self._timeouts = 0
        self._wake.clear()
        ch = AtChannel(
            ser,
            on_urc=self._on_urc,
            on_closed=self._on_channel_closed,
            name=f"at-{os.path.basename(self.port)}",
            default_timeout=self.command_timeout,
        )
        with self._lock:
            self._channel = ch
        self._initialise(ch)
        if self._stop_evt.is_set():
            return
        with self._lock:
            self._status = replace(self._status, connected_since=self.clock(), last_error=None)
        self._set_state("ready")
        self._serve(ch)

    def _open_port(self) -> serial.Serial:
        try:
            return serial.Serial(
                port=self.port,
                baudrate=self.baudrate,
                timeout=0.05,
                write_timeout=5.0,
                exclusive=True,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise ModemError(open_port_error(self.port, exc), exc) from exc

    def _on_channel_closed(self, reason: str) -> None:
        self._wake.set()

    def _serve(self, ch: AtChannel) -> None:
        next_poll = self.clock() + self.poll_interval
        while not self._stop_evt.is_set():
            remaining = max(0.0, next_poll - self.clock())
            self._wake.wait(min(0.25, remaining))
            self._wake.clear()
            if self._stop_evt.is_set():
                return
            if ch.closed:
                raise ModemError(f"lost the port: {ch.close_reason}")
            if self._timeouts >= self.max_timeouts:
                raise ModemError(f"the modem stopped answering ({self._timeouts} timeouts)")
            self._check_ring_timeout()
            if self.clock() >= next_poll:
                try:
                    self._poll()
                except ModemError as exc:
                    if isinstance(exc.cause, ChannelClosed):
                        continue  # the loop reconnects
                    log.info("%s: poll failed: %s", self.port, exc)
                next_poll = self.clock() + self.poll_interval

    def _teardown(self) -> None:
        with self._lock:
            ch, self._channel = self._channel, None
            ser, self._serial = self._serial, None
            call, self._call = self._call, None
            self._mem1 = None
        if ch is not None:
            ch.close()
        if ser is not None:
            try:
                ser.close()
            except (serial.SerialException, OSError) as exc:
                log.debug("%s: close failed: %s", self.port, exc)
        if call is not None:
            self._emit(CallEnded("modem disconnected", call.call_id))

    def _set_state(self, state: str, reason: str = "", *, error: str | None = None) -> None:
        with self._state_cv:
            old = self._status
            if old.state == state and (error is None or error == old.last_error):
                return
            changes: dict[str, Any] = {"state": state}
            if error is not None:
                changes["last_error"] = error
            if state != "ready":
                changes["connected_since"] = None
            self._status = replace(old, **changes)
            self._state_cv.notify_all()
        log.info("%s: %s%s", self.port, state, f" ({reason})" if reason else "")
        self._emit(StateChanged(state, reason))

    def _update(self, **changes: Any) -> ModemStatus:
        with self._lock:
            self._status = replace(self._status, **changes)
            return self._status

    def _emit(self, event: object) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except Exception:
            log.exception("%s: on_event failed for %r", self.port, event)

    # ------------------------------------------------------------------ commands

    def _cmd(
        self,
        cmd: str,
        timeout: float | None = None,
        *,
        ch: AtChannel | None = None,
        prompt_data: str | None = None,
        retry_busy: bool = True,
    ) -> AtResponse:
        """Run one command, counting timeouts; channel errors pass through.

        ``+CME ERROR: 14`` (SIM busy) and ``515`` (device busy) mean the command was
        not executed: it is repeated after ``sim_busy_delay``, a bounded number of times.
        """
        channel = ch or self._channel
        if channel is None:
            raise ChannelClosed("not connected")
        tries = max(1, self.sim_busy_retries) if retry_busy else 1
        for attempt in range(tries):
            try:
                return self._cmd_once(channel, cmd, timeout, prompt_data)
            except AtError as exc:
                busy = exc.kind == "cme" and exc.code in _SIM_BUSY_CODES
                if not busy or attempt == tries - 1 or self._stop_evt.is_set():
                    raise
                log.info("%s: %s -> %s, retrying", self.port, cmd, exc.final)
                self._stop_evt.wait(self.sim_busy_delay)
        raise AssertionError("unreachable")

    def _cmd_once(
        self, channel: AtChannel, cmd: str, timeout: float | None, prompt_data: str | None
    ) -> AtResponse:
        try:
            resp = channel.command(
                cmd, timeout=timeout or self.command_timeout, prompt_data=prompt_data
            )
        except AtTimeout:
            self._timeouts += 1
            if self._timeouts >= self.max_timeouts:
                self._wake.set()
            raise
        except ChannelClosed:
            self._wake.set()
            raise
        except AtError:
            self._timeouts = 0
            raise
        self._timeouts = 0
        return resp

    def _try(self, cmd: str, ch: AtChannel, timeout: float | None = None) -> AtResponse | None:
        """Run an optional command: None on an error answer or a single timeout."""
        try:
            return self._cmd(cmd, timeout, ch=ch)
        except AtError as exc:
            log.info("%s: %s -> %s (ignored)", self.port, cmd, exc.final)
        except AtTimeout:
            if self._timeouts >= 2:
                raise
            log.info("%s: %s timed out (ignored)", self.port, cmd)
        return None

    def _ready_channel(self) -> AtChannel:
        with self._lock:
            ch = self._channel
            state = self._status.state
        if ch is None or state != "ready":
            raise ModemNotReady(state)
        return ch

    def _public(self, what: str, func: Callable[[], Any]) -> Any:
        """Run a public operation, mapping channel errors to ModemError."""
        try:
            return func()
        except ModemError:
            raise
        except AtError as exc:
            raise ModemError(f"{what} failed: {exc.final}", exc) from exc
        except AtTimeout as exc:
            raise ModemError(f"{what} failed: the modem did not answer in time", exc) from exc
        except ChannelClosed as exc:
            raise ModemError(f"{what} failed: modem disconnected ({exc.reason})", exc) from exc

    # ------------------------------------------------------------------ initialisation

    def _initialise(self, ch: AtChannel) -> None:
        self._cpms_arity = None
        self._mem1 = None
        self._full = set()
        try:
            ch.resync(escape=True)
        except AtTimeout:
            ch.resync(escape=True)  # a modem waking up may miss the first AT
        self._try("ATE0", ch)
        if self._try("AT+CMEE=1", ch) is None:
            self._try("AT+CMEE=2", ch)
        self._unlock_sim(ch)
        if self._try("AT+CMGF=0", ch) is None:
            log.warning("%s: AT+CMGF=0 refused; assuming PDU mode", self.port)
        self._identify(ch)
        self._setup_storage(ch)
        self._setup_indications(ch)
        self._try("AT+CLIP=1", ch)
        self._try("AT+CRC=1", ch)
        csms = self._try("AT+CSMS?", ch)
        if csms is not None and csms.values("+CSMS"):
            self._cnma_needed = _int(split_fields(csms.values("+CSMS")[0])[0]) == 1
        if self.smsc:
            kind = 145 if self.smsc.startswith("+") else 129
            self._try(f'AT+CSCA="{self.smsc}",{kind}', ch)
        self._try("AT+COPS=3,0", ch)
        cind = self._try("AT+CIND=?", ch)
        if cind is not None and cind.values("+CIND"):
            names = re.findall(r'\(\s*"([^"]+)"', cind.values("+CIND")[0])
            lowered = [n.lower() for n in names]
            self._smsfull_ind = lowered.index("smsfull") + 1 if "smsfull" in lowered else None
        self._refresh(ch)

    def _cpin_state(self, ch: AtChannel) -> str | None:
        """``"READY"``, ``"SIM PIN"`` …; None while the SIM is busy."""
        try:
            resp = self._cmd("AT+CPIN?", ch=ch, retry_busy=False)
            values = resp.values("+CPIN")
        except AtTimeout as exc:
            values = [_rest(ln) for ln in exc.lines if ln.upper().startswith("+CPIN:")]
            if not values:
                raise
            self._timeouts = 0  # Wavecom: +CPIN without OK
        except AtError as exc:
            if exc.code in _SIM_BUSY_CODES or "BUSY" in exc.text.upper():
                return None
            if exc.code == 10:
                raise ModemError("no SIM card inserted", exc) from exc
            if exc.code == 11:
                return "SIM PIN"
            if exc.code == 12:
                return "SIM PUK"
            if exc.code == 13:
                raise ModemError("SIM failure (card not readable)", exc) from exc
            raise ModemError(f"AT+CPIN? failed: {exc.final}", exc) from exc
        if not values:
            return None
        return values[0].strip().strip('"').upper()

    def _unlock_sim(self, ch: AtChannel) -> None:
        pin_sent = False
        for _ in range(max(1, self.sim_busy_retries)):
            state = self._cpin_state(ch)
            if state is None:
                self._stop_evt.wait(self.sim_busy_delay)
                if self._stop_evt.is_set():
                    return
                continue
            self._update(sim=state)
            if state == "READY" or state in ("SIM PIN2", "SIM PUK2"):
                return
            if state == "SIM PIN":
                if pin_sent:
                    raise SimError("the SIM still asks for its PIN after the PIN was accepted")
                self._send_pin(ch)
                pin_sent = True
                continue
            if state == "SIM PUK":
                raise SimError("the SIM is PUK-locked: unlock it with the PUK in a phone")
            raise SimError(f"the SIM is locked ({state}); this driver cannot unlock it")
        raise ModemError("the SIM stayed busy")

    def _send_pin(self, ch: AtChannel) -> None:
        pin = self._pin
        if not pin:
            raise SimError("the SIM needs a PIN but none is configured")
        with _REJECTED_LOCK:
            rejected = _REJECTED_PINS.get(self.port)
        if rejected == pin:
            raise SimError(
                "the SIM rejected this PIN before; it is not sent again "
                "(change the PIN setting to try another)"
            )
        try:
            self._cmd(f'AT+CPIN="{pin}"', ch=ch, retry_busy=False)
        except AtError as exc:
            with _REJECTED_LOCK:
                _REJECTED_PINS[self.port] = pin
            raise SimError(
                f"the SIM rejected the PIN ({exc.final}); not retried, "
                "to keep the SIM from locking",
                exc,
            ) from exc
        except AtTimeout as exc:
            with _REJECTED_LOCK:
                _REJECTED_PINS[self.port] = pin
            raise SimError("no answer to the PIN; not retried", exc) from exc
        with _REJECTED_LOCK:
            _REJECTED_PINS.pop(self.port, None)

    def _identify(self, ch: AtChannel) -> None:
        found: dict[str, str | None] = {}
        for key, cmd in (
            ("manufacturer", "AT+CGMI"),
            ("model", "AT+CGMM"),
            ("revision", "AT+CGMR"),
            ("imei", "AT+CGSN"),
            ("imsi", "AT+CIMI"),
        ):
            resp = self._try(cmd, ch)
            found[key] = _identity_value(resp) if resp is not None else None
        self._update(**found)

    def _setup_storage(self, ch: AtChannel) -> None:
        groups: list[list[str]] = []
        resp = self._try("AT+CPMS=?", ch)
        if resp is not None and resp.values("+CPMS"):
            groups = parse_cpms_test(resp.values("+CPMS")[0])
        read_opts = groups[0] if groups else []
        recv_opts = groups[2] if len(groups) >= 3 else (groups[-1] if groups else [])
        recv = next((s for s in ("SM", "ME", "MT") if s in recv_opts), None)
        recv = recv or (recv_opts[0] if recv_opts else "SM")
        storages = [s for s in ("SM", "ME", "SR") if s in read_opts]
        if not storages:
            storages = ["MT"] if "MT" in read_opts else (read_opts[:1] or [recv])
        if recv not in storages and recv in read_opts:
            storages.insert(0, recv)
        self._read_storages = storages
        self._recv_storage = recv
        first = min(3, max(1, len(groups)))
        arities = [first] + [k for k in (3, 2, 1) if k != first]
        for arity in arities:
            cmd = "AT+CPMS=" + ",".join(f'"{recv}"' for _ in range(arity))
            try:
                resp = self._cmd(cmd, ch=ch)
            except AtError as exc:
                log.info("%s: %s -> %s", self.port, cmd, exc.final)
                continue
            self._cpms_arity = arity
            self._mem1 = recv
            self._note_cpms_set(recv, resp)
            break
        else:
            log.warning("%s: no AT+CPMS form accepted; using the modem's default", self.port)
        self._update(receive_storage=recv)

    def _setup_indications(self, ch: AtChannel) -> None:
        candidates: list[tuple[int, ...]] = []
        resp = self._try("AT+CNMI=?", ch)
        if resp is not None and resp.values("+CNMI"):
            sets = parse_cnmi_test(resp.values("+CNMI")[0])
            if len(sets) >= 2:
                modes = sets[0]
                mode = 2 if 2 in modes else 1
                ds_set = sets[3] if len(sets) > 3 else set()
                ds = 2 if 2 in ds_set else (1 if 1 in ds_set else 0)
                chosen = [mode, 1, 0, ds, 0][: max(4, min(5, len(sets)))]
                candidates.append(tuple(chosen))
        for fallback in _CNMI_FALLBACKS:
            if fallback not in candidates:
                candidates.append(fallback)
        for params in candidates:
            cmd = "AT+CNMI=" + ",".join(str(p) for p in params)
            try:
                self._cmd(cmd, ch=ch)
            except AtError as exc:
                log.info("%s: %s -> %s", self.port, cmd, exc.final)
                continue
            self._update(cnmi=",".join(str(p) for p in params))
            return
        log.warning("%s: no AT+CNMI accepted; new messages are found by polling", self.port)
        self._update(cnmi=None)

    # ------------------------------------------------------------------ status

    def refresh_status(self) -> ModemStatus:
        """Query signal, registration, operator, storage use and SMSC; return the status.

        Raises:
            ModemError: The modem is not ready or stopped answering.
        """
        ch = self._ready_channel()
        with self._op_lock:
            self._public("status refresh", lambda: self._refresh(ch))
        return self._status

    def _refresh(self, ch: AtChannel) -> None:
        self._refresh_signal(ch)
        resp = self._try("AT+CREG?", ch)
        if resp is not None and resp.values("+CREG"):
            self._update(registration=parse_creg(resp.values("+CREG")[0], solicited=True))
        resp = self._try("AT+COPS?", ch)
        if resp is not None and resp.values("+COPS"):
            fields = split_fields(resp.values("+COPS")[0])
            self._update(operator=fields[2] if len(fields) >= 3 and fields[2] else None)
        self._refresh_storage(ch)
        resp = self._try("AT+CSCA?", ch)
        if resp is not None and resp.values("+CSCA"):
            self._update(smsc=_parse_smsc(resp.values("+CSCA")[0]))

    def _refresh_signal(self, ch: AtChannel) -> None:
        resp = self._try("AT+CSQ", ch)
        if resp is not None and resp.values("+CSQ"):
            self._set_signal(_int(split_fields(resp.values("+CSQ")[0])[0]))

    def _set_signal(self, rssi: int | None) -> None:
        dbm = csq_to_dbm(rssi)
        with self._lock:
            changed = self._status.signal_csq != rssi
            self._status = replace(self._status, signal_csq=rssi, signal_dbm=dbm)
        if changed:
            self._emit(SignalChanged(dbm, rssi))

    def _refresh_storage(self, ch: AtChannel) -> dict[str, tuple[int, int]]:
        resp = self._try("AT+CPMS?", ch)
        counts: dict[str, tuple[int, int]] = {}
        if resp is None or not resp.values("+CPMS"):
            return counts
        fields = split_fields(resp.values("+CPMS")[0])
        for i in range(0, len(fields) - 2, 3):
            name, used, total = fields[i], _int(fields[i + 1]), _int(fields[i + 2])
            if name and used is not None and total is not None:
                counts.setdefault(name.upper(), (used, total))
        if fields and fields[0]:
            self._mem1 = fields[0].upper()
        with self._lock:
            storages = dict(self._status.storages)
            storages.update(counts)
            self._status = replace(self._status, storages=storages)
        for name, (used, total) in counts.items():
            self._check_full(name, used, total)
        return counts

    def _note_cpms_set(self, storage: str, resp: AtResponse) -> None:
        values = resp.values("+CPMS")
        if not values:
            return
        fields = split_fields(values[0])
        used, total = (_int(fields[0]), _int(fields[1])) if len(fields) >= 2 else (None, None)
        if used is None or total is None:
            return
        with self._lock:
            storages = dict(self._status.storages)
            storages[storage] = (used, total)
            self._status = replace(self._status, storages=storages)
        self._check_full(storage, used, total)

    def _check_full(self, storage: str, used: int, total: int) -> None:
        full = total > 0 and used >= total
        if full and storage not in self._full:
            self._full.add(storage)
            self._emit(StorageFull(storage))
        elif not full:
            self._full.discard(storage)

    def _poll(self) -> None:
        ch = self._channel
        if ch is None:
            return
        with self._op_lock:
            counts = self._public("poll", lambda: self._refresh_storage(ch))
            for name, (used, _total) in counts.items():
                if used > 0:
                    self._emit(MessagesWaiting(name, used))
            self._public("poll", lambda: self._refresh_signal(ch))

    # ------------------------------------------------------------------ messages

    @property
    def storages(self) -> list[str]:
        """The storages :meth:`list_messages` reads (``["SM", "ME"]`` …)."""
        return list(self._read_storages)

    def _select(self, ch: AtChannel, storage: str) -> None:
        """Make ``storage`` the read/delete storage (mem1), keeping the receive storage."""
        storage = storage.upper()
        if self._mem1 == storage:
            return
        recv = self._recv_storage or storage
        order = [self._cpms_arity] if self._cpms_arity else []
        order += [k for k in (1, 2, 3) if k not in order]
        last: AtError | None = None
        for arity in order:
            params = [storage, recv, recv][:arity]
            cmd = "AT+CPMS=" + ",".join(f'"{p}"' for p in params)
            try:
                resp = self._cmd(cmd, ch=ch)
            except AtError as exc:
                last = exc
                continue
            self._cpms_arity = arity
            self._mem1 = storage
            self._note_cpms_set(storage, resp)
            return
        raise ModemError(f"cannot select storage {storage}", last)

    def list_messages(self) -> list[StoredMessage]:
        """Every message in every storage (``AT+CMGL=4`` per storage).

        Returns:
            The stored messages, storage by storage.

        Raises:
            ModemError: The modem is not ready, failed or stopped answering.
        """
        ch = self._ready_channel()

        def run() -> list[StoredMessage]:
            out: list[StoredMessage] = []
            for storage in self._read_storages:
                try:
                    self._select(ch, storage)
                except ModemError as exc:
                    log.warning("%s: skipping storage %s: %s", self.port, storage, exc)
                    continue
                try:
                    resp = self._cmd("AT+CMGL=4", self.command_timeout * 3, ch=ch)
                except AtError as exc:
                    log.info("%s: AT+CMGL=4 in %s -> %s", self.port, storage, exc.final)
                    continue
                out.extend(parse_cmgl(resp.lines, storage))
            return out

        with self._op_lock:
            return self._public("listing messages", run)

    def read_message(self, storage: str, index: int) -> StoredMessage | None:
        """Read one slot; None when it is empty (or ``+CMS ERROR: 321``).

        Raises:
            ModemError: The modem is not ready, failed or stopped answering.
        """
        ch = self._ready_channel()

        def run() -> StoredMessage | None:
            self._select(ch, storage)
            try:
                resp = self._cmd(f"AT+CMGR={int(index)}", ch=ch)
            except AtError as exc:
                if exc.code == 321:
                    return None
                raise
            return parse_cmgr(resp.lines, storage.upper(), int(index))

        with self._op_lock:
            return self._public(f"reading {storage} {index}", run)

    def delete_message(self, storage: str, index: int) -> None:
        """Delete one slot with ``AT+CMGD=<index>`` (an already empty slot is fine).

        Raises:
            ModemError: The modem is not ready or refused.
        """
        ch = self._ready_channel()

        def run() -> None:
            self._select(ch, storage)
            try:
                self._cmd(f"AT+CMGD={int(index)}", ch=ch)
            except AtError as exc:
                if exc.code == 321:
                    log.info("%s: %s %s already empty", self.port, storage, index)
                    return
                raise

        with self._op_lock:
            self._public(f"deleting {storage} {index}", run)

    def send_sms(self, number: str, text: str, request_status_report: bool = False) -> list[int]:
        """Send a text (split into parts when long); return the TP-MR of each part.

        Raises:
            ModemError: Not ready, the network refused (``+CMS ERROR``), no answer.
        """
        ch = self._ready_channel()
        with self._lock:
            self._concat_ref = (self._concat_ref + 1) % 256
            ref = self._concat_ref
        try:
            parts = encode_submit(
                number, text, request_status_report=request_status_report, concat_ref=ref
            )
        except PduError as exc:
            raise ModemError(f"cannot encode the message: {exc}", exc) from exc

        def run() -> list[int]:
            refs: list[int] = []
            for part in parts:
                resp = self._cmd(
                    f"AT+CMGS={part.tpdu_length}",
                    self.send_timeout,
                    ch=ch,
                    prompt_data=part.hex,
                )
                values = resp.values("+CMGS")
                mr = _int(split_fields(values[0])[0]) if values else None
                if mr is None:
                    raise ModemError(f"no message reference in the answer {resp.lines!r}")
                refs.append(mr)
            return refs

        with self._op_lock:
            return self._public("sending", run)

    # ------------------------------------------------------------------ calls

    def acknowledge_direct(self) -> None:
        """Acknowledge a directly delivered message (``+CMT``/``+CDS``) with ``AT+CNMA``.

        Call it only after the message is stored durably. Modems whose SMS service
        does not need acknowledgements (``AT+CSMS`` service 0) get nothing; an
        unacknowledged message is delivered again by the network later.
        """
        if not self._cnma_needed:
            return
        try:
            self._cmd("AT+CNMA")
        except AtChannelError as exc:
            log.warning("%s: AT+CNMA failed: %s", self.port, exc)

    def answer(self) -> None:
        """Answer the ringing call (``ATA``).

        Raises:
            ModemError: Not ready, or the call could not be answered.
        """
        ch = self._ready_channel()
        try:
            self._public("answering", lambda: self._cmd("ATA", ch=ch))
        except ModemError as exc:
            if isinstance(exc.cause, AtError) and exc.cause.kind == "no-carrier":
                self._end_call("remote hang-up")
            raise
        with self._lock:
            if self._call is not None:
                self._call.answered = True

    def hangup(self) -> None:
        """Hang up (``AT+CHUP``, falling back to ``ATH``).

        Raises:
            ModemError: Not ready, or both commands failed.
        """
        ch = self._ready_channel()

        def run() -> None:
            try:
                self._cmd("AT+CHUP", ch=ch)
            except AtError:
                self._cmd("ATH", ch=ch)

        self._public("hanging up", run)
        self._end_call("local hang-up")

    def _ring(self) -> None:
        event = None
        with self._lock:
            now = self.clock()
            if self._call is None:
                self._call_seq += 1
                self._call = _Call(self._call_seq, last_ring=now)
                event = IncomingCall(None, call_id=self._call_seq)
            else:
                self._call.last_ring = now
        if event is not None:
            self._emit(event)

    def _clip(self, urc: Urc) -> None:
        number = urc.args[0] if urc.args else ""
        number_type = _int(urc.args[1]) if len(urc.args) > 1 else None
        validity = _int(urc.args[5]) if len(urc.args) > 5 else None
        event = None
        with self._lock:
            now = self.clock()
            if self._call is None:
                self._call_seq += 1
                self._call = _Call(self._call_seq, last_ring=now)
            call = self._call
            call.last_ring = now
            if number and call.number != number:
                call.number = number
                event = IncomingCall(number, number_type, validity, call.call_id)
            elif not number and call.number is None and validity not in (None, 0):
                event = None  # withheld: the RING event already said "unknown"
        if event is not None:
            self._emit(event)

    def _end_call(self, reason: str) -> None:
        with self._lock:
            call, self._call = self._call, None
        if call is not None:
            self._emit(CallEnded(reason, call.call_id))

    def _check_ring_timeout(self) -> None:
        with self._lock:
            call = self._call
            expired = (
                call is not None
                and not call.answered
                and self.clock() - call.last_ring > self.ring_timeout
            )
        if expired:
            self._end_call("missed")

    # ------------------------------------------------------------------ URCs

    def _on_urc(self, urc: Urc) -> None:
        name = urc.name
        args = urc.args
        if name in ("+CMTI", "+CDSI") and len(args) >= 2:
            index = _int(args[1])
            if index is None:
                log.warning("%s: unreadable %s", self.port, urc.raw)
                return
            storage = args[0].upper()
            self._emit(
                SmsStored(storage, index) if name == "+CMTI" else StatusReportStored(storage, index)
            )
        elif name in ("+CMT", "+CDS"):
            if not urc.pdu:
                log.warning("%s: %s without PDU: %s", self.port, name, urc.raw)
                return
            # No AT+CNMA here: the consumer acknowledges with acknowledge_direct() only
            # after it has stored the message (acknowledging first loses it on a crash).
            self._emit(SmsReceived(urc.pdu) if name == "+CMT" else StatusReportReceived(urc.pdu))
        elif name in ("RING", "+CRING"):
            self._ring()
        elif name == "+CLIP":
            self._clip(urc)
        elif name in ("NO CARRIER", "^CEND", "BUSY", "NO ANSWER"):
            self._end_call("remote hang-up")
        elif name == "+CUSD":
            status = _int(args[0]) if args else None
            dcs = _int(args[2]) if len(args) > 2 else None
            text = _decode_ussd(args[1], dcs) if len(args) > 1 else ""
            self._emit(Ussd(status, text, dcs, urc.raw))
        elif name == "^SMMEMFULL":
            storage = (args[0] if args and args[0] else self._recv_storage or "SM").upper()
            self._full.add(storage)
            self._emit(StorageFull(storage))
        elif name == "+CIEV" and len(args) >= 2:
            ind = args[0].upper()
            if (ind == "SMSFULL" or _int(ind) == self._smsfull_ind) and _int(args[1]) == 1:
                storage = self._recv_storage or "SM"
                self._full.add(storage)
                self._emit(StorageFull(storage))
        elif name == "^RSSI" and args:
            self._set_signal(_int(args[0]))
        elif name in ("+CREG", "+CGREG", "+CEREG"):
            reg = parse_creg(urc.raw.partition(":")[2], solicited=False)
            if name == "+CREG" and reg is not None:
                with self._lock:
                    changed = self._status.registration != reg
                    self._status = replace(self._status, registration=reg)
                if changed:
                    self._emit(RegistrationChanged(reg))
        elif name == "+CPIN" and args:
            self._update(sim=args[0].upper())
        elif name:
            log.debug("%s: URC %s", self.port, urc.raw)
        else:
            log.debug("%s: noise %r", self.port, urc.raw)


def _identity_value(resp: AtResponse) -> str | None:
    for line in resp.lines:
        text = line
        if text.startswith("+") and ":" in text:
            text = _rest(text)
        text = text.strip().strip('"').strip()
        if text:
            return text
    return None
