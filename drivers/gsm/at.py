"""AT command channel for serial GSM modems.

Two layers:

* :class:`AtLineParser` turns the raw byte stream into :class:`Line` and
  :class:`Prompt` events. It is pure (no I/O), incremental and never raises:
  lines end at ``\\r\\n``, a bare ``\\r`` or a bare ``\\n``; empty lines are dropped;
  control bytes (NUL, Ctrl-Z, ESC, …) are dropped; bytes above 0x7F become U+FFFD;
  the ``"> "`` prompt is recognised at the start of a line even without a line end;
  a line longer than ``max_line`` characters is cut and emitted flagged
  ``truncated`` so that garbage without line ends cannot grow memory.
* :class:`AtChannel` owns a reader thread on a pyserial object and a dispatcher
  thread for unsolicited result codes (URCs). :meth:`AtChannel.command` sends one
  command at a time and collects its intermediate lines until a final result code;
  URCs that arrive in the middle of a response are routed to ``on_urc`` and never
  end up in the response.

Classification of a line while a command is pending, in order:

1. the PDU line that follows a ``+CMT:``/``+CDS:``/``+CBM:`` header joins that URC;
2. the echo of the command (or of the prompt data) is skipped;
3. final result codes end the command. ``NO CARRIER``, ``BUSY``, ``NO ANSWER`` and
   ``NO DIALTONE`` are final only for call commands (``ATD``, ``ATA``, ``ATO``);
   for any other command they are URCs (a remote hang-up during ``AT+CSQ``);
4. a line whose name (the text before ``:``) is the command's own prefix belongs
   to the command — for read (``AT+CREG?``), test (``AT+CNMI=?``) and execute
   (``AT+CSQ``) commands, and for the set commands known to answer with their own
   prefix (``AT+CMGL=4``, ``AT+CMGR=1``, ``AT+CMGS=23``, ``AT+CPMS="SM"`` …);
   ``expect`` adds prefixes for a single call;
5. known URCs (:data:`URC_NAMES`, :data:`URC_LINES`) go to ``on_urc``;
6. anything else is an intermediate line of the command (``AT+CGMI`` → ``huawei``,
   the PDU after ``+CMGL:``).

With no command pending, known URCs go to ``on_urc`` as such and every other line
is delivered as noise, ``Urc(name="", raw=line)``.

After a timeout the channel is "stale": the late answer of the timed-out command
may still arrive. Before the next command the channel sends ``AT`` and discards
everything up to the final result codes it is owed, so the late answer is never
taken as the answer to the next command. Before each command the channel also
lets the reader classify bytes already waiting in the input buffer; a final result
code that arrives unsolicited at the very moment a command is written (no real
modem sends one outside a timeout) cannot be told apart from the answer.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import serial

__all__ = [
    "CALL_FINALS",
    "CTRL_Z",
    "ESC",
    "MAX_LINE",
    "URC_LINES",
    "URC_NAMES",
    "AtChannel",
    "AtChannelError",
    "AtError",
    "AtLineParser",
    "AtResponse",
    "AtTimeout",
    "ChannelClosed",
    "Line",
    "Prompt",
    "Urc",
    "split_fields",
]

log = logging.getLogger(__name__)

CTRL_Z = b"\x1a"
ESC = b"\x1b"
MAX_LINE = 4096

# --------------------------------------------------------------------------- parser


@dataclass(frozen=True, slots=True)
class Line:
    """One line received from the modem, stripped of surrounding whitespace.

    Attributes:
        text: The printable text of the line.
        truncated: True when the line was cut because it grew past the parser's
            ``max_line`` characters (the rest follows as further truncated lines).
    """

    text: str
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class Prompt:
    """The ``"> "`` prompt the modem sends when it waits for SMS data."""


ParserEvent = Line | Prompt

# byte -> character; None = dropped. \r and \n are handled before the table.
_BYTE_TABLE: tuple[str | None, ...] = tuple(
    chr(b) if 0x20 <= b < 0x7F else ("\ufffd" if b >= 0x80 else None) for b in range(256)
)


class AtLineParser:
    """Incremental framing of the modem's byte stream into lines and prompts.

    Pure and never raising: feed it any bytes, in any chunking, and it returns the
    events completed by those bytes.

    Args:
        max_line: Longest line kept whole; longer runs without a line end are cut
            into ``truncated`` lines of at most this many characters.
    """

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max(2, int(max_line))
        self._buf: list[str] = []
        self._gt = False  # a '>' at the start of a line, waiting for the next byte
        self._overflow = False  # the current line was already cut at least once

    def feed(self, data: bytes) -> list[ParserEvent]:
        """Consume bytes and return the events they complete.

        Args:
            data: Any bytes-like object, possibly empty or partial.

        Returns:
            ``Line`` and ``Prompt`` events in stream order.
        """
        events: list[ParserEvent] = []
        buf = self._buf
        table = _BYTE_TABLE
        for b in bytes(data):
            if b == 13 or b == 10:
                if self._gt:
                    self._gt = False
                    events.append(Prompt())
                else:
                    self._end_line(events)
                continue
            ch = table[b]
            if ch is None:
                continue
            if self._gt:
                self._gt = False
                if ch == " ":
                    events.append(Prompt())
                    continue
                buf.append(">")
            elif ch == ">" and not buf and not self._overflow:
                self._gt = True
                continue
            buf.append(ch)
            if len(buf) >= self.max_line:
                text = "".join(buf).strip()
                buf.clear()
                self._overflow = True
                if text:
                    events.append(Line(text, truncated=True))
        return events

    @property
    def partial(self) -> str:
        """The text of the unfinished line (for diagnostics)."""
        return ("".join(self._buf) + (">" if self._gt else "")).strip()

    def reset(self) -> None:
        """Forget any unfinished line."""
        self._buf.clear()
        self._gt = False
        self._overflow = False

    def _end_line(self, events: list[ParserEvent]) -> None:
        text = "".join(self._buf).strip()
        self._buf.clear()
        truncated = self._overflow
        self._overflow = False
        if text:
            events.append(Line(text, truncated=truncated))


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class AtResponse:
    """The answer to one command.

    Attributes:
        command: The command as sent (without the trailing ``\\r``).
        lines: Intermediate lines, in order, without echo and without URCs.
        final: The final result code line (``"OK"``).
    """

    command: str
    lines: tuple[str, ...]
    final: str

    def values(self, prefix: str) -> list[str]:
        """Texts after ``prefix:`` of the lines starting with ``prefix``.

        Args:
            prefix: A response name such as ``"+CSQ"``.

        Returns:
            For ``+CSQ: 20,99`` and prefix ``"+CSQ"``: ``["20,99"]``.
        """
        head = prefix.upper() + ":"
        return [ln[len(head) :].strip() for ln in self.lines if ln.upper().startswith(head)]


@dataclass(frozen=True, slots=True)
class Urc:
    """An unsolicited result code (or a noise line when ``name`` is empty).

    Attributes:
        name: ``"+CMTI"``, ``"RING"``, ``"^RSSI"``, ``"NO CARRIER"``, ``"SMS READY"`` …
            (upper case); ``""`` for an unrecognised line outside any command.
        args: The comma-separated fields after the colon, quotes removed.
        raw: The line as received.
        pdu: For two-line URCs (``+CMT``, ``+CDS``, ``+CBM``) the hex line that followed.
    """

    name: str
    args: tuple[str, ...] = ()
    raw: str = ""
    pdu: str | None = None


class AtChannelError(Exception):
    """Base class of the channel's errors."""


class AtError(AtChannelError):
    """The modem answered with an error final result code.

    Attributes:
        final: The final line, e.g. ``"+CMS ERROR: 321"``.
        kind: ``"error"``, ``"cme"``, ``"cms"``, ``"no-carrier"``, ``"busy"``,
            ``"no-answer"``, ``"no-dialtone"``, ``"not-supported"`` or
            ``"too-many-parameters"``.
        code: The numeric ``+CME``/``+CMS`` code (verbose texts of common errors are
            mapped to their numbers), else None.
        text: The text after the colon of a ``+CME``/``+CMS`` error, else ``""``.
        command: The command that failed.
        lines: Intermediate lines received before the error.
    """

    def __init__(
        self,
        final: str,
        kind: str,
        code: int | None = None,
        *,
        text: str = "",
        command: str | None = None,
        lines: tuple[str, ...] = (),
    ) -> None:
        super().__init__(f"{command}: {final}" if command else final)
        self.final = final
        self.kind = kind
        self.code = code
        self.text = text
        self.command = command
        self.lines = lines


class AtTimeout(AtChannelError):
    """No final result code (or no prompt) arrived before the deadline.

    Attributes:
        command: The command that timed out.
        timeout: The timeout in seconds.
        lines: Lines received for the command before the deadline (a Wavecom answers
            ``+CPIN: READY`` without ``OK``).
    """

    def __init__(
        self, command: str, timeout: float, lines: tuple[str, ...] = (), what: str = ""
    ) -> None:
        what = what or "no final result code"
        super().__init__(f"{command}: {what} within {timeout:g} s")
        self.command = command
        self.timeout = timeout
        self.lines = lines


class ChannelClosed(AtChannelError):
    """The port failed (unplugged, I/O error) or the channel was closed.

    Attributes:
        reason: Why, e.g. ``"read failed: device reports readiness to read …"``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- grammar

# URCs recognised by their name (the text before ':').
URC_NAMES: frozenset[str] = frozenset(
    {
        "+CMTI", "+CMT", "+CDS", "+CDSI", "+CBM", "+CBMI", "+CRING", "+CLIP", "+CCWA",
        "+CUSD", "+CREG", "+CGREG", "+CEREG", "+CIEV", "+CPIN", "+CFUN", "+CTZV", "+CTZE",
        "+CGEV", "+CSSI", "+CSSU", "+WIND", "+QIND", "+PACSP", "*PSUTTZ", "+CUSATP",
        "^RSSI", "^HCSQ", "^BOOT", "^MODE", "^SMMEMFULL", "^DSFLOWRPT", "^SRVST", "^SIMST",
        "^CEND", "^ORIG", "^CONF", "^CONN", "^STIN", "^SYSSTART", "^NWTIME", "^RFSWITCH",
        "^NDISSTAT", "^CSNR", "^CRSSI", "^ACTIVEBAND", "^EONS", "^POSITION",
    }
)  # fmt: skip
# URCs that are a whole line without arguments (compared case-insensitively).
URC_LINES: frozenset[str] = frozenset(
    {
        "RING", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE", "SMS DONE", "PB DONE",
        "CALL READY", "SMS READY", "RDY", "^SMMEMFULL", "+PACSP0", "+PACSP1",
    }
)  # fmt: skip
# Final result codes that end only call commands (elsewhere they are URCs).
CALL_FINALS: frozenset[str] = frozenset({"NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE"})
_CALL_COMMANDS = ("ATD", "ATA", "ATO")
_TWO_LINE_URCS = frozenset({"+CMT", "+CDS", "+CBM"})
# Set commands whose answer carries their own prefix.
_ANSWERING_SETS = frozenset(
    {
        "+CMGL", "+CMGR", "+CMGS", "+CMSS", "+CMGW", "+CPMS", "+CPBR", "+CPBF", "+CPBS",
        "+CGSN", "+CIMI", "+CGMI", "+CGMM", "+CGMR", "+COPS", "+CLCC", "+CSCS",
    }
)  # fmt: skip
_PREFIX_RE = re.compile(r"^AT([+^$%#*][A-Z0-9]+)(=\?|\?|=)?", re.IGNORECASE)
_HEX_RE = re.compile(r"^[0-9A-Fa-f]+$")

# Verbose (AT+CMEE=2) texts of the errors the driver cares about.
_CME_TEXTS = {
    "PHONE FAILURE": 0,
    "OPERATION NOT ALLOWED": 3,
    "OPERATION NOT SUPPORTED": 4,
    "SIM NOT INSERTED": 10,
    "SIM PIN REQUIRED": 11,
    "SIM PUK REQUIRED": 12,
    "SIM FAILURE": 13,
    "SIM BUSY": 14,
    "SIM WRONG": 15,
    "INCORRECT PASSWORD": 16,
    "SIM PIN2 REQUIRED": 17,
    "SIM PUK2 REQUIRED": 18,
    "MEMORY FULL": 20,
    "INVALID INDEX": 21,
    "NOT FOUND": 22,
    "NO NETWORK SERVICE": 30,
    "NETWORK TIMEOUT": 31,
    "UNKNOWN": 100,
}
_CMS_TEXTS = {
    "INVALID MEMORY INDEX": 321,
    "MEMORY FULL": 322,
    "SIM BUSY": 314,
    "SIM NOT INSERTED": 310,
    "SIM PIN REQUIRED": 311,
    "OPERATION NOT ALLOWED": 302,
    "OPERATION NOT SUPPORTED": 303,
    "INVALID PDU MODE PARAMETER": 304,
    "NO NETWORK SERVICE": 331,
    "NETWORK TIMEOUT": 332,
    "UNKNOWN ERROR": 500,
}


def split_fields(text: str, *, keep_quotes: bool = False) -> list[str]:
    """Split an AT argument list on commas outside quotes and parentheses.

    Args:
        text: E.g. ``'"SM",3'`` or ``'("SM","ME"),("SM")'``.
        keep_quotes: Keep the quotes of top-level fields (to tell ``"1234"`` from ``1234``).

    Returns:
        The stripped fields; ``'"SM",3'`` gives ``["SM", "3"]``. A parenthesised field
        is returned whole, with its inner quotes. An empty text gives ``[""]``.
    """
    fields: list[str] = []
    cur: list[str] = []
    in_quotes = False
    depth = 0
    for ch in text:
        if ch == '"':
            in_quotes = not in_quotes
            if keep_quotes or depth:
                cur.append(ch)
            continue
        if not in_quotes:
            if ch == "(":
                depth += 1
            elif ch == ")" and depth:
                depth -= 1
            elif ch == "," and not depth:
                fields.append("".join(cur).strip())
                cur = []
                continue
        cur.append(ch)
    fields.append("".join(cur).strip())
    return fields


def _line_name(text: str) -> str:
    head, sep, _ = text.partition(":")
    return head.strip() if sep else text.strip()


def _parse_urc(text: str) -> Urc | None:
    """A Urc for a recognised unsolicited line, else None."""
    if text.upper() in URC_LINES:
        return Urc(name=text.upper(), raw=text)
    head, sep, rest = text.partition(":")
    name = head.strip()
    if sep and name.upper() in URC_NAMES:
        return Urc(name=name.upper(), args=tuple(split_fields(rest.strip())), raw=text)
    return None


def _is_hex(text: str) -> bool:
    return bool(_HEX_RE.match(text.strip().strip('"').strip()))


def _error_code(detail: str, table: dict[str, int]) -> int | None:
    detail = detail.strip()
    if detail.isdigit():
        return int(detail)
    return table.get(detail.upper())


def _classify_final(text: str, call: bool) -> tuple[str, int | None, str] | None:
    """``(kind, code, detail)`` when ``text`` is a final result code, else None."""
    upper = text.upper()
    if upper == "OK":
        return ("ok", None, "")
    if upper == "ERROR":
        return ("error", None, "")
    if upper.startswith("+CME ERROR"):
        detail = text.partition(":")[2].strip()
        return ("cme", _error_code(detail, _CME_TEXTS), detail)
    if upper.startswith("+CMS ERROR"):
        detail = text.partition(":")[2].strip()
        return ("cms", _error_code(detail, _CMS_TEXTS), detail)
    if upper == "COMMAND NOT SUPPORT":
        return ("not-supported", None, "")
    if upper == "TOO MANY PARAMETERS":
        return ("too-many-parameters", None, "")
    if call and upper in CALL_FINALS:
        return (upper.lower().replace(" ", "-"), None, "")
    return None


# --------------------------------------------------------------------------- channel


@dataclass
class _Pending:
    """The command in flight (guarded by the channel's condition)."""

    command: str
    echo: str
    prefixes: frozenset[str]
    call: bool
    want_prompt: bool = False
    resync: bool = False
    needed_finals: int = 1
    lines: list[str] = field(default_factory=list)
    final: str | None = None
    kind: str = ""
    code: int | None = None
    detail: str = ""
    finals: int = 0
    prompt_seen: bool = False
    data_echo: str | None = None
    error: ChannelClosed | None = None

    @classmethod
    def for_command(
        cls, cmd: str, want_prompt: bool, expect: str | Iterable[str] | None
    ) -> _Pending:
        text = cmd.strip()
        prefixes: set[str] = set()
        m = _PREFIX_RE.match(text)
        if m:
            prefix, op = m.group(1).upper(), m.group(2)
            if op in (None, "?", "=?") or prefix in _ANSWERING_SETS:
                prefixes.add(prefix)
        if isinstance(expect, str):
            prefixes.add(expect.upper().rstrip(":"))
        elif expect is not None:
            prefixes.update(e.upper().rstrip(":") for e in expect)
        return cls(
            command=cmd,
            echo=text.upper(),
            prefixes=frozenset(prefixes),
            call=text.upper().startswith(_CALL_COMMANDS),
            want_prompt=want_prompt,
        )


class AtChannel:
    """Command/response engine with URC routing over one pyserial object.

    The channel starts a reader thread and a URC dispatcher thread at once.
    ``on_urc(urc)`` and ``on_closed(reason)`` are called on the dispatcher thread,
    never on the reader, so a handler may itself call :meth:`command`.
    ``on_closed`` is called exactly once when the port fails (read or write error);
    it is not called for a deliberate :meth:`close`.

    The channel sets the serial object's read ``timeout`` to ``read_timeout`` (so
    that :meth:`close` is responsive) but does not own the port: :meth:`close`
    stops and joins the channel's threads and leaves the serial object open —
    closing it is the caller's job.

    Args:
        serial_obj: An open ``serial.Serial`` (or compatible) object.
        on_urc: Called with each :class:`Urc`.
        on_closed: Called once with the reason when the port fails.
        name: Prefix of the thread names.
        default_timeout: Timeout of :meth:`command` when none is given.
        read_timeout: Read timeout set on ``serial_obj``.
        resync_timeout: How long the resynchronisation after a timeout may take.
        max_line: Longest line kept whole by the parser.
    """

    def __init__(
        self,
        serial_obj: Any,
        on_urc: Callable[[Urc], None] | None = None,
        on_closed: Callable[[str], None] | None = None,
        name: str = "at",
        *,
        default_timeout: float = 10.0,
        read_timeout: float = 0.05,
        resync_timeout: float = 1.0,
        max_line: int = MAX_LINE,
    ) -> None:
        self.name = name
        self.default_timeout = default_timeout
        self.resync_timeout = resync_timeout
        self._serial = serial_obj
        self._on_urc = on_urc
        self._on_closed = on_closed
        try:
            serial_obj.timeout = read_timeout
        except (AttributeError, ValueError, serial.SerialException, OSError) as exc:
            log.debug("%s: could not set the read timeout: %s", name, exc)
        self._parser = AtLineParser(max_line)
        self._cv = threading.Condition()
        self._cmd_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._pending: _Pending | None = None
        self._urc_header: Urc | None = None
        self._failed_reason: str | None = None
        self._closing = False
        self._stop = threading.Event()
        self._stale = False
        self._owed = 0  # final result codes still owed by timed-out commands
        self._last_rx = time.monotonic()
        self._rx_busy = False  # the reader holds bytes it has not classified yet
        self._queue: queue.SimpleQueue[tuple[str, Any] | None] = queue.SimpleQueue()
        self._reader = threading.Thread(target=self._read_loop, name=f"{name}-reader", daemon=True)
        self._dispatcher = threading.Thread(
            target=self._dispatch_loop, name=f"{name}-urc", daemon=True
        )
        self._dispatcher.start()
        self._reader.start()

    # ------------------------------------------------------------------ public

    @property
    def closed(self) -> bool:
        """True once the port failed or :meth:`close` was called."""
        return self._failed_reason is not None or self._closing

    @property
    def close_reason(self) -> str | None:
        """Why the channel is closed, or None while it is open."""
        if self._failed_reason is not None:
            return self._failed_reason
        return "channel closed" if self._closing else None

    @property
    def stale(self) -> bool:
        """True after a timeout, until the next successful resynchronisation."""
        return self._stale

    def command(
        self,
        cmd: str,
        timeout: float | None = None,
        prompt_data: str | None = None,
        expect: str | Iterable[str] | None = None,
    ) -> AtResponse:
        """Send one command and wait for its final result code.

        Args:
            cmd: The command without line end, e.g. ``"AT+CSQ"``.
            timeout: Seconds to wait for the final result code (and for the prompt).
            prompt_data: For ``AT+CMGS``/``AT+CMGW``: wait for ``"> "``, then send
                this data followed by Ctrl-Z. When no prompt comes in time, ESC is
                sent to cancel and :class:`AtTimeout` is raised.
            expect: Extra response prefixes (``"+CUSD"``) that belong to this command.

        Returns:
            The :class:`AtResponse`.

        Raises:
            AtError: The modem answered ERROR, +CME ERROR, +CMS ERROR, …
            AtTimeout: No final result code (or prompt) before the deadline.
            ChannelClosed: The port failed or the channel was closed.
        """
        timeout = self.default_timeout if timeout is None else timeout
        with self._cmd_lock:
            self._raise_if_closed()
            if self._stale:
                self._resync_locked(escape=False)
            self._settle()
            deadline = time.monotonic() + timeout
            p = _Pending.for_command(cmd, prompt_data is not None, expect)
            with self._cv:
                self._pending = p
            try:
                self._write((cmd + "\r").encode("latin-1", "replace"))
                if prompt_data is not None:
                    if not self._wait(p, deadline, lambda: p.prompt_seen):
                        self._write(ESC)
                        self._mark_stale()
                        raise AtTimeout(cmd, timeout, tuple(p.lines), "no prompt")
                    if p.final is None:
                        with self._cv:
                            p.data_echo = prompt_data.strip().upper()
                        self._write(prompt_data.encode("latin-1", "replace") + CTRL_Z)
                if not self._wait(p, deadline, lambda: False):
                    self._mark_stale()
                    raise AtTimeout(cmd, timeout, tuple(p.lines))
            finally:
                with self._cv:
                    self._pending = None
        if p.kind != "ok":
            raise AtError(
                p.final or "",
                p.kind,
                p.code,
                text=p.detail,
                command=cmd,
                lines=tuple(p.lines),
            )
        return AtResponse(command=cmd, lines=tuple(p.lines), final=p.final or "OK")

    def resync(self, *, escape: bool = True) -> None:
        """Bring the modem back to a known state: ESC, ``AT``, discard until its answer.

        ESC leaves a half-finished ``AT+CMGS``; every line before the final result
        codes the channel is owed is thrown away (URCs are still delivered).

        Args:
            escape: Send ESC first.

        Raises:
            AtTimeout: No final result code at all within ``resync_timeout``.
            ChannelClosed: The port failed or the channel was closed.
        """
        with self._cmd_lock:
            self._raise_if_closed()
            self._resync_locked(escape=escape)

    def write_raw(self, data: bytes) -> None:
        """Write bytes as they are (no line end), e.g. ESC.

        Raises:
            ChannelClosed: The port failed or the channel was closed.
        """
        self._raise_if_closed()
        self._write(data)

    def close(self) -> None:
        """Stop and join the reader and dispatcher threads.

        The serial object is not closed (the channel does not own it). A command
        waiting in another thread gets :class:`ChannelClosed`. Idempotent; safe to
        call from an ``on_urc``/``on_closed`` handler.
        """
        with self._cv:
            self._closing = True
            if self._pending is not None and self._pending.error is None:
                self._pending.error = ChannelClosed("channel closed")
            self._cv.notify_all()
        self._stop.set()
        current = threading.current_thread()
        if self._reader is not current:
            self._reader.join(5.0)
            if self._reader.is_alive():
                log.warning("%s: reader thread did not stop", self.name)
        self._queue.put(None)
        if self._dispatcher is not current:
            self._dispatcher.join(5.0)
            if self._dispatcher.is_alive():
                log.warning("%s: URC handler still busy after close", self.name)

    def __enter__(self) -> AtChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ commands

    def _raise_if_closed(self) -> None:
        if self._failed_reason is not None:
            raise ChannelClosed(self._failed_reason)
        if self._closing:
            raise ChannelClosed("channel closed")

    def _write(self, data: bytes) -> None:
        with self._write_lock:
            self._raise_if_closed()
            try:
                self._serial.write(data)
            except (serial.SerialException, OSError, TypeError, AttributeError, ValueError) as exc:
                reason = f"write failed: {exc}"
                self._fail(reason)
                raise ChannelClosed(self._failed_reason or reason) from exc

    def _settle(self, limit: float = 0.2) -> None:
        """Let the reader handle bytes already received before a command is written.

        Without this, an unsolicited line sitting unread in the input buffer would
        be read only after the command was sent and could pass for its answer.
        """
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                waiting = self._serial.in_waiting
            except (serial.SerialException, OSError, TypeError, AttributeError, ValueError):
                return  # the reader reports the failure
            with self._cv:
                if self._failed_reason is not None or self._closing:
                    return
                if not waiting and not self._rx_busy:
                    return
                self._cv.wait(0.005)

    def _wait(self, p: _Pending, deadline: float, done: Callable[[], bool]) -> bool:
        """Wait until ``done()`` or a final code; False on deadline."""
        with self._cv:
            while True:
                if p.error is not None:
                    raise p.error
                if p.final is not None or done():
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cv.wait(remaining)

    def _mark_stale(self) -> None:
        with self._cv:
            self._stale = True
            self._owed = min(self._owed + 1, 3)

    def _resync_locked(self, *, escape: bool) -> None:
        """Resynchronise; the caller holds the command lock."""
        self._settle()
        with self._cv:
            needed = self._owed + 1
        p = _Pending(command="AT", echo="AT", prefixes=frozenset(), call=False, resync=True)
        p.needed_finals = needed
        with self._cv:
            self._pending = p
        try:
            if escape:
                self._write(ESC)
            self._write(b"AT\r")
            deadline = time.monotonic() + self.resync_timeout
            quiet = min(0.05, self.resync_timeout / 10)
            with self._cv:
                while True:
                    if p.error is not None:
                        raise p.error
                    now = time.monotonic()
                    if p.finals >= p.needed_finals and now - self._last_rx >= quiet:
                        break
                    if now >= deadline:
                        break
                    wait = deadline - now
                    if p.finals >= p.needed_finals:
                        wait = min(wait, quiet - (now - self._last_rx))
                    self._cv.wait(max(wait, 0.001))
                if p.finals == 0:
                    self._stale = True
                    raise AtTimeout("AT", self.resync_timeout, what="no answer to resync")
                if p.finals < p.needed_finals:
                    log.info("%s: resync got %d of %d owed answers", self.name, p.finals, needed)
                self._stale = False
                self._owed = 0
        finally:
            with self._cv:
                self._pending = None

    # ------------------------------------------------------------------ reader side

    def _read_loop(self) -> None:
        ser = self._serial
        while not self._stop.is_set():
            try:
                data = ser.read(1)
                if data:
                    waiting = ser.in_waiting
                    if waiting:
                        data += ser.read(waiting)
            except (serial.SerialException, OSError, TypeError, AttributeError, ValueError) as exc:
                if not self._stop.is_set():
                    self._fail(f"read failed: {exc}")
                break
            if not data:
                continue
            with self._cv:
                self._rx_busy = True
            events = self._parser.feed(data)
            with self._cv:
                self._last_rx = time.monotonic()
                for event in events:
                    self._handle(event)
                self._rx_busy = False
                self._cv.notify_all()

    def _fail(self, reason: str) -> None:
        with self._cv:
            if self._failed_reason is not None or self._closing:
                return
            self._failed_reason = reason
            if self._pending is not None and self._pending.error is None:
                self._pending.error = ChannelClosed(reason)
            self._cv.notify_all()
        self._stop.set()
        log.info("%s: port failed: %s", self.name, reason)
        self._queue.put(("closed", reason))

    def _emit(self, urc: Urc) -> None:
        self._queue.put(("urc", urc))

    def _handle(self, event: ParserEvent) -> None:
        """Classify one parser event; the caller holds ``self._cv``."""
        p = self._pending
        if isinstance(event, Prompt):
            if p is not None and p.want_prompt and not p.prompt_seen:
                p.prompt_seen = True
            else:
                log.debug("%s: stray prompt", self.name)
            return
        text = event.text
        if self._urc_header is not None:
            header, self._urc_header = self._urc_header, None
            if not event.truncated and _is_hex(text):
                self._emit(replace(header, pdu=text.strip().strip('"').strip()))
                return
            self._emit(header)
        if event.truncated:
            self._emit(Urc(name="", raw=text))
            return
        if p is not None:
            upper = text.upper()
            if upper == p.echo or (p.data_echo is not None and upper == p.data_echo):
                return
            final = _classify_final(text, p.call)
            if final is not None:
                if p.resync:
                    p.finals += 1
                    p.lines.clear()
                    if p.finals >= p.needed_finals:
                        p.final = text
                        p.kind = "ok"
                    return
                p.final = text
                p.kind, p.code, p.detail = final
                return
            if _line_name(text).upper() in p.prefixes:
                p.lines.append(text)
                return
        urc = _parse_urc(text)
        if urc is not None:
            if urc.name in _TWO_LINE_URCS:
                self._urc_header = urc
            else:
                self._emit(urc)
            return
        if p is not None:
            p.lines.append(text)
            return
        if _classify_final(text, call=True) is not None and self._owed:
            self._owed -= 1
        self._emit(Urc(name="", raw=text))

    def _dispatch_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            kind, payload = item
            try:
                if kind == "urc":
                    if self._on_urc is not None:
                        self._on_urc(payload)
                elif self._on_closed is not None:
                    self._on_closed(payload)
            except Exception:
                log.exception("%s: %s handler failed", self.name, kind)
            if kind == "closed":
                return
