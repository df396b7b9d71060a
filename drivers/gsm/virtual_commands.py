"""The AT command set of the virtual modem (3GPP TS 27.005 / 27.007, V.250 framing).

``AtCommands`` is mixed into :class:`drivers.gsm.virtual.VirtualModem`, which
owns the state, the lock and the pseudo-terminal; this module holds what the
modem *answers*: the command-line splitter (``AT+CMEE=1;+CREG?``, ``ATE0V1``),
one handler per command, the error formats of AT+CMEE, and the quirks of the
profiles ("huawei-e1752", "e3372", "sim800"). Handlers run in the modem's I/O
thread with the lock held.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drivers.gsm import pdu as pdu_codec
from drivers.gsm.virtual_storage import (
    STAT_NAMES,
    STO_UNSENT,
    MessageStorage,
    tpdu_length,
)

__all__ = ["AtCommands"]

_CME_TEXT = {
    3: "operation not allowed",
    4: "operation not supported",
    10: "SIM not inserted",
    11: "SIM PIN required",
    12: "SIM PUK required",
    13: "SIM failure",
    16: "incorrect password",
    30: "no network service",
    100: "unknown",
}
_CMS_TEXT = {
    302: "operation not allowed",
    303: "operation not supported",
    304: "invalid PDU mode parameter",
    305: "invalid text mode parameter",
    321: "invalid memory index",
    322: "memory full",
    331: "no network service",
    500: "unknown error",
}

_EXTENDED_START = "+^$*%#!@"
_STAT_BY_TEXT = {"REC UNREAD": 0, "REC READ": 1, "STO UNSENT": 2, "STO SENT": 3, "ALL": 4}


@dataclass(frozen=True)
class Command:
    """One command of a command line: ``name`` upper-cased, ``op`` in '', '?', '=?', '='."""

    name: str
    op: str
    args: list[str | None]
    raw: str


@dataclass
class CallInfo:
    id: int
    number: str
    clip: bool
    state: str  # "ringing" | "active"
    direction: str  # "in" | "out"


class Reply:
    """What a command produced: intermediate lines, then a final code or a prompt."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.final: str | None = "OK"
        self.prompt = False
        self.after: list[Callable[[], None]] = []


def _split_args(text: str) -> list[str | None]:
    """Split ``a,"b,c",,d`` into ['a', 'b,c', None, 'd'] (quotes removed)."""
    args: list[str | None] = []
    cur: list[str] = []
    quoted = False
    in_quotes = False
    for ch in text:
        if ch == '"':
            in_quotes = not in_quotes
            quoted = True
        elif ch == "," and not in_quotes:
            item = "".join(cur).strip()
            args.append(item if (item or quoted) else None)
            cur, quoted = [], False
        else:
            cur.append(ch)
    item = "".join(cur).strip()
    args.append(item if (item or quoted) else None)
    return args


def _int_arg(args: list[str | None], i: int, default: int | None = None) -> int | None:
    """The i-th argument as an int; ``default`` when absent; raises ValueError when not a number."""
    if i >= len(args) or args[i] is None:
        return default
    return int(str(args[i]), 10)


class AtCommands:
    """AT command handlers; the state they read and write is created by VirtualModem."""

    # state owned by VirtualModem (declared here for readers and type checkers)
    profile: str
    manufacturer: str
    model: str
    revision: str
    imei: str
    imsi: str
    operator: str
    ussd_replies: dict[str, str]
    auto_status_reports: bool
    status_report_delay: float
    _pin: str | None
    _puk: str
    _csca: str
    _csq: int
    _reg_stat: int
    _radio_on: bool
    _storage_forced_full: bool
    _storages: dict[str, MessageStorage]
    _call: CallInfo | None
    _call_ids: Any
    _sent: list[pdu_codec.Sms]
    _mr_recipient: dict[int, str]
    _next_mr: int
    _prompt: str | None
    _prompt_arg: tuple[Any, ...]
    _cnmi_buffer: list[bytes]
    _cond: Any

    # I/O provided by VirtualModem
    def _respond(self, lines: list[str], final: str | None, *, prompt: bool = False) -> None:
        raise NotImplementedError

    def _finish(self, reply: Reply) -> None:
        raise NotImplementedError

    def _urc(self, line: str, pdu: str | None = None, *, sms: bool = False) -> None:
        raise NotImplementedError

    def _out(self, data: bytes) -> None:
        raise NotImplementedError

    def _schedule(self, delay: float, fn: Callable[[], None]) -> None:
        raise NotImplementedError

    def _deliver_status_report(
        self, reference: int, status: int, recipient: str | None
    ) -> tuple[str, int] | None:
        raise NotImplementedError

    def _submitted(self, sms: pdu_codec.Sms, mr: int) -> None:
        """Called after an SMS-SUBMIT was accepted with TP-MR ``mr`` (the auto-responder)."""

    # ------------------------------------------------------------------ settings

    def _reset_sim_lock(self) -> None:
        self._pin_tries = 3
        self._puk_tries = 10
        self._sim = "READY" if self._pin is None else "SIM PIN"

    def _reset_settings(self) -> None:
        """Power-on / ATZ defaults of the volatile settings."""
        self._echo = True
        self._cmee = 0
        self._cmgf = 0
        self._cscs = "IRA"
        self._cnmi = [2, 1, 0, 0, 0]
        self._creg_n = 0
        self._cgreg_n = 0
        self._clip = False
        self._crc = False
        self._cops_format = 0
        self._cpms = ["SM", "SM", "SM"]
        self._csmp = "17,167,0,0"
        self._csms = 0

    def _cme(self, code: int) -> str:
        if self._cmee == 0:
            return "ERROR"
        if self._cmee == 2:
            return f"+CME ERROR: {_CME_TEXT.get(code, 'unknown')}"
        return f"+CME ERROR: {code}"

    def _cms(self, code: int) -> str:
        if self._cmee == 0:
            return "ERROR"
        if self._cmee == 2 and code in _CMS_TEXT:
            return f"+CMS ERROR: {_CMS_TEXT[code]}"
        return f"+CMS ERROR: {code}"

    def _unknown(self) -> str:
        return "COMMAND NOT SUPPORT" if self.profile == "huawei-e1752" else "ERROR"

    # ------------------------------------------------------------------ command line

    @staticmethod
    def _split_line(body: str) -> list[str] | None:
        """Split the text after "AT" into commands (``E1V1+CMEE=1;+CREG?``)."""
        cmds: list[str] = []
        i = 0
        while i < len(body):
            ch = body[i]
            if ch == ";" or ch == " ":
                i += 1
            elif ch in _EXTENDED_START:
                j, quoted = i + 1, False
                while j < len(body) and (quoted or body[j] != ";"):
                    if body[j] == '"':
                        quoted = not quoted
                    j += 1
                cmds.append(body[i:j])
                i = j
            elif ch.upper() == "D":
                cmds.append(body[i:])
                break
            elif ch.isalpha() or ch == "&":
                j = i + 2 if ch == "&" else i + 1
                if ch.upper() == "S" and ch != "&":
                    m = re.match(r"S\d+(=\d*|\?)?", body[i:], re.IGNORECASE)
                    j = i + (m.end() if m else 1)
                else:
                    while j < len(body) and body[j].isdigit():
                        j += 1
                cmds.append(body[i:j])
                i = j
            else:
                return None
        return cmds

    @staticmethod
    def _parse(text: str) -> Command:
        m = re.match(r"([+^$*%#!@]?[A-Za-z&][A-Za-z0-9&]*)(=\?|\?|=)?(.*)$", text, re.DOTALL)
        if not m:
            return Command(text.upper(), "", [], text)
        name, op, rest = m.group(1).upper(), m.group(2) or "", m.group(3)
        if name[0] not in _EXTENDED_START:
            # basic command: E1, V1, Z, I, &F, H0 ... the digits are the argument
            mm = re.match(r"(&?[A-Z])(\d*)$", name)
            if mm:
                return Command(mm.group(1), op, [mm.group(2)] if mm.group(2) else [], text)
        args = _split_args(rest) if op == "=" else []
        return Command(name, op, args, text)

    def _execute_line(self, line: str) -> None:
        if line[:2].upper() != "AT":
            return  # not for us: a real modem waits for "AT"
        parts = self._split_line(line[2:])
        if parts is None:
            self._respond([], "ERROR")
            return
        reply = Reply()
        for part in parts:
            cmd = self._parse(part)
            before = len(reply.lines)
            try:
                self._dispatch(cmd, reply)
            except (ValueError, IndexError):
                del reply.lines[before:]
                reply.final = "ERROR"
            if reply.final != "OK" or reply.prompt:
                break
        self._finish(reply)

    def _dispatch(self, cmd: Command, reply: Reply) -> None:
        name = cmd.name
        handler = _HANDLERS.get(name)
        if handler is None and name.startswith("^") and self.manufacturer.lower() == "huawei":
            return  # ^CURC=0, ^PORTSEL=1, ^USSDMODE=0 ...: accepted
        if handler is None:
            reply.final = self._unknown()
            return
        handler(self, cmd, reply)

    # ------------------------------------------------------------------ basic commands

    def _at_echo(self, cmd: Command, reply: Reply) -> None:
        value = _int_arg(cmd.args, 0, 0)
        if value not in (0, 1):
            raise ValueError
        self._echo = value == 1

    def _at_verbose(self, cmd: Command, reply: Reply) -> None:
        if _int_arg(cmd.args, 0, 0) != 1:
            raise ValueError  # numeric result codes are not emulated

    def _at_ok(self, cmd: Command, reply: Reply) -> None:
        return

    def _at_reset(self, cmd: Command, reply: Reply) -> None:
        self._reset_settings()

    def _at_info(self, cmd: Command, reply: Reply) -> None:
        reply.lines += [
            f"Manufacturer: {self.manufacturer}",
            f"Model: {self.model}",
            f"Revision: {self.revision}",
            f"IMEI: {self.imei}",
            "+GCAP: +CGSM,+DS,+ES",
        ]

    def _at_answer(self, cmd: Command, reply: Reply) -> None:
        if self._call is not None and self._call.state == "ringing":
            self._call.state = "active"
        else:
            reply.final = "NO CARRIER"

    def _at_hangup(self, cmd: Command, reply: Reply) -> None:
        if cmd.op == "=?":
            return
        self._call = None

    def _at_dial(self, cmd: Command, reply: Reply) -> None:
        number = cmd.raw[1:].strip().rstrip(";").strip()
        if not number or self._reg_stat not in (1, 5):
            reply.final = "NO CARRIER"
            return
        self._call = CallInfo(next(self._call_ids), number, True, "active", "out")

    # ------------------------------------------------------------------ identity, status

    def _at_cimi(self, cmd: Command, reply: Reply) -> None:
        if cmd.op == "=?":
            return
        if self._sim_blocked(reply, cme=True):
            return
        reply.lines.append(self.imsi)

    def _at_cmee(self, cmd: Command, reply: Reply) -> None:
        if cmd.op == "?":
            reply.lines.append(f"+CMEE: {self._cmee}")
        elif cmd.op == "=?":
            reply.lines.append("+CMEE: (0-2)")
        else:
            value = _int_arg(cmd.args, 0, 0)
            if value not in (0, 1, 2):
                raise ValueError
            self._cmee = value

    def _at_cpin(self, cmd: Command, reply: Reply) -> None:
        if cmd.op == "?":
            reply.lines.append(f"+CPIN: {self._sim}")
            return
        if cmd.op == "=?":
            return
        if cmd.op != "=" or not cmd.args or cmd.args[0] is None:
            raise ValueError
        code = cmd.args[0]
        new_pin = cmd.args[1] if len(cmd.args) > 1 else None
        if self._sim == "READY":
            return
        if self._sim == "SIM PIN":
            if code == self._pin:
                self._sim = "READY"
                self._pin_tries = 3
            else:
                self._pin_tries -= 1
                if self._pin_tries <= 0:
                    self._sim = "SIM PUK"
                reply.final = self._cme(16)
            return
        if self._sim == "SIM PUK":
            if new_pin is None:
                reply.final = self._cme(12)
            elif code == self._puk:
                self._pin = new_pin
                self._sim = "READY"
                self._pin_tries = 3
                self._puk_tries = 10
            else:
                self._puk_tries -= 1
                if self._puk_tries <= 0:
                    self._sim = "SIM BLOCKED"
                reply.final = self._cme(16)
            return
        reply.final = self._cme(13)

    def _sim_blocked(self, reply: Reply, *, cme: bool = True) -> bool:
        """Set the SIM-lock error on ``reply`` and return True while the SIM is not ready."""
        if self._sim == "READY":
            return False
        code = {"SIM PIN": 11, "SIM PUK": 12}.get(self._sim, 13)
        reply.final = self._cme(code)
        return True

    def _at_cfun(self, cmd: Command, reply: Reply) -> None:
        if cmd.op == "?":
            reply.lines.append(f"+CFUN: {1 if self._radio_on else 0}")
        elif cmd.op == "=?":
            reply.lines.append("+CFUN: (0,1,4),(0-1)")
        else:
            fun = _int_arg(cmd.args, 0, 1)
            rst = _int_arg(cmd.args, 1, 0)
            if fun not in (0, 1, 4) or rst not in (0, 1):
                raise ValueError
            if rst == 1:
                self._reset_settings()
            radio = fun == 1
            if radio != self._radio_on:
                self._radio_on = radio
                reply.after.append(self._announce_registration)

    def _at_csq(self, cmd: Command, reply: Reply) -> None:
        if cmd.op == "=?":
            reply.lines.append("+CSQ: (0-31,99),(0-7,99)")
        else:
            reply.lines.append(f"+CSQ: {self._csq if self._radio_on else 99},99")

    def _registration(self) -> int:
        if not self._radio_on or self._sim != "READY":
            return 0
        return self._reg_stat

    def _creg_line(self, prefix: str, n: int, *, solicited: bool) -> str:
        stat = self._registration()
        head = f"{prefix}: {n},{stat}" if solicited else f"{prefix}: {stat}"
        if n == 2 and stat in (1, 5):
            head += ',"4CA","81DE445"'
        return head

    def _at_creg(self, cmd: Command, reply: Reply) -> None:
        self._reg_common(cmd, reply, "+CREG")

    def _at_cgreg(self, cmd: Command, reply: Reply) -> None:
        self._reg_common(cmd, reply, "+CGREG")

    def _reg_common(self, cmd: Command, reply: Reply, prefix: str) -> None:
        attr = "_creg_n" if prefix == "+CREG" else "_cgreg_n"
        if cmd.op == "?":
            reply.lines.append(self._creg_line(prefix, getattr(self, attr), solicited=True))
        elif cmd.op == "=?":
            reply.lines.append(f"{prefix}: (0-2)")
        else:
            n = _int_arg(cmd.args, 0, 0)
            if n not in (0, 1, 2):
                raise ValueError
            setattr(self, attr, n)

    def _announce_registration(self) -> None:
        for prefix, n in (("+CREG", self._creg_n), ("+CGREG", self._cgreg_n)):
            if n >= 1:
                self._urc(self._creg_line(prefix, n, solicited=False))

    def _at_cops(self, cmd: Command, reply: Reply) -> None:
        numeric = self.imsi[:5]
        if cmd.op == "?":
            if self._registration() in (1, 5):
                name = numeric if self._cops_format == 2 else self.operator
                reply.lines.append(f'+COPS: 0,{self._cops_format},"{name}",2')
            else:
                reply.lines.append("+COPS: 0")
        elif cmd.op == "=?":
            reply.lines.append(f'+COPS: (2,"{self.operator}","{self.operator}","{numeric}",2),,(0-4),(0-2)')
        else:
            mode = _int_arg(cmd.args, 0, 0)
            fmt = _int_arg(cmd.args, 1, self._cops_format)
            if mode not in (0, 1, 2, 3, 4) or fmt not in (0, 1, 2):
                raise ValueError
            self._cops_format = fmt

    # ------------------------------------------------------------------ SMS settings

    def _at_cmgf(self, cmd: Command, reply: Reply) -> None:
        if cmd.op == "?":
            reply.lines.append(f"+CMGF: {self._cmgf}")
        elif cmd.op == "=?":
            reply.lines.append("+CMGF: (0,1)")
        else:
            value = _int_arg(cmd.args, 0, 0)
            if value not in (0, 1):
                raise ValueError
            self._cmgf = value

    def _at_cscs(self, cmd: Command, reply: Reply) -> None:
        if cmd.op == "?":
            reply.lines.append(f'+CSCS: "{self._cscs}"')
        elif cmd.op == "=?":
            reply.lines.append('+CSCS: ("IRA","GSM","UCS2")')
        elif cmd.op == "=":
            value = (cmd.args[0] or "").upper() if cmd.args else ""
            if value not in ("IRA", "GSM", "UCS2"):
                raise ValueError
            self._cscs = value

    def _at_csca(self, cmd: Command, reply: Reply) -> None:
        if self._sim_blocked(reply):
            return
        if cmd.op == "?":
            kind = 145 if self._csca.startswith("+") else 129
            reply.lines.append(f'+CSCA: "{self._csca}",{kind}')
        elif cmd.op == "=":
            if not cmd.args or cmd.args[0] is None:
                raise ValueError
            self._csca = cmd.args[0]

    def _at_csmp(self, cmd: Command, reply: Reply) -> None:
        if cmd.op == "?":
            reply.lines.append(f"+CSMP: {self._csmp}")
        elif cmd.op == "=":
            self._csmp = ",".join("" if a is None else a for a in cmd.args)

    def _at_csms(self, cmd: Command, reply: Reply) -> None:
        if cmd.op == "?":
            reply.lines.append(f"+CSMS: {self._csms},1,1,1")
        elif cmd.op == "=?":
            reply.lines.append("+CSMS: (0,1)")
        else:
            value = _int_arg(cmd.args, 0, 0)
            if value not in (0, 1):
                raise ValueError
            self._csms = value
            reply.lines.append("+CSMS: 1,1,1")

    def _cpms_counts(self) -> list[str]:
        out = []
        for name in self._cpms:
            st = self._storages[name]
            out += [str(st.used), str(st.capacity)]
        return out

    def _at_cpms(self, cmd: Command, reply: Reply) -> None:
        if self._sim_blocked(reply):
            return
        if cmd.op == "=?":
            first = '("SM","ME")' if self.profile == "e3372" else '("SM","ME","SR")'
            reply.lines.append(f'+CPMS: {first},("SM","ME"),("SM","ME")')
            return
        if cmd.op == "?":
            parts = []
            for name in self._cpms:
                st = self._storages[name]
                parts.append(f'"{name}",{st.used},{st.capacity}')
            reply.lines.append("+CPMS: " + ",".join(parts))
            return
        if cmd.op != "=" or not cmd.args or len(cmd.args) > 3:
            raise ValueError
        if self.profile == "e3372" and len(cmd.args) != 3:
            reply.final = "ERROR"
            return
        names = [(a or "").upper() for a in cmd.args]
        for i, name in enumerate(names):
            allowed = ("SM", "ME", "SR") if i == 0 else ("SM", "ME")
            if name not in allowed:
                reply.final = self._cms(302)
                return
        self._cpms[: len(names)] = names
        reply.lines.append("+CPMS: " + ",".join(self._cpms_counts()))

    def _at_cnmi(self, cmd: Command, reply: Reply) -> None:
        sim800 = self.profile == "sim800"
        if cmd.op == "?":
            reply.lines.append("+CNMI: " + ",".join(str(v) for v in self._cnmi))
            return
        if cmd.op == "=?":
            reply.lines.append(
                "+CNMI: (0-3),(0-3),(0,2),(0,1),(0,1)" if sim800 else "+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)"
            )
            return
        if cmd.op != "=" or len(cmd.args) > 5:
            raise ValueError
        values = list(self._cnmi)
        for i, arg in enumerate(cmd.args):
            if arg is not None:
                values[i] = int(arg)
        ranges = [
            range(4) if sim800 else range(3),
            range(4),
            (0, 2),
            (0, 1) if sim800 else range(3),
            (0, 1),
        ]
        if any(v not in r for v, r in zip(values, ranges, strict=True)):
            reply.final = "ERROR"
            return
        self._cnmi = values
        if values[0] > 0 and self._cnmi_buffer:
            buffered = [] if values[4] == 1 else list(self._cnmi_buffer)
            self._cnmi_buffer.clear()
            reply.after.extend((lambda d=d: self._out(d)) for d in buffered)

    # ------------------------------------------------------------------ SMS storage commands

    def _mem1(self) -> MessageStorage:
        return self._storages[self._cpms[0]]

    def _stat_filter(self, cmd: Command) -> int:
        if not cmd.args or cmd.args[0] is None:
            return 0  # REC UNREAD, as 27.005 says
        arg = cmd.args[0].upper()
        if arg in _STAT_BY_TEXT:
            return _STAT_BY_TEXT[arg]
        value = int(arg)
        if value not in range(5):
            raise ValueError
        return value

    def _at_cmgl(self, cmd: Command, reply: Reply) -> None:
        if cmd.op == "=?":
            texts = ",".join(f'"{name}"' for name in (*STAT_NAMES.values(), "ALL"))
            reply.lines.append("+CMGL: (0-4)" if self._cmgf == 0 else f"+CMGL: ({texts})")
            return
        if self._sim_blocked(reply):
            return
        try:
            wanted = self._stat_filter(cmd)
        except ValueError:
            reply.final = self._cms(302)
            return
        st = self._mem1()
        for index, slot in st.items():
            if wanted != 4 and slot.stat != wanted:
                continue
            if self._cmgf == 0:
                reply.lines.append(f"+CMGL: {index},{slot.stat},,{tpdu_length(slot.pdu)}")
                reply.lines.append(slot.pdu)
            else:
                head, body = self._text_view(slot.stat, slot.pdu)
                reply.lines.append(f"+CMGL: {index},{head}")
                reply.lines.append(body)
            st.mark_read(index)

    def _text_view(self, stat: int, pdu_hex: str) -> tuple[str, str]:
        """Text-mode (AT+CMGF=1) header fields and body of a stored PDU."""
        name = STAT_NAMES[stat]
        try:
            sms = pdu_codec.decode(pdu_hex, smsc=True)
        except pdu_codec.PduError:
            return f'"{name}","",,', ""
        if sms.kind == "deliver":
            ts = sms.timestamp.strftime("%y/%m/%d,%H:%M:%S") if sms.timestamp else ""
            if sms.timestamp is not None and sms.timestamp.utcoffset() is not None:
                quarters = int(sms.timestamp.utcoffset().total_seconds() // 900)
                ts += f"{quarters:+03d}"
            return f'"{name}","{sms.sender}",,"{ts}"', sms.text
        return f'"{name}","{sms.recipient}",,', sms.text

    def _read_index(self, cmd: Command) -> int:
        if not cmd.args or cmd.args[0] is None:
            raise ValueError
        return int(cmd.args[0])

    def _at_cmgr(self, cmd: Command, reply: Reply) -> None:
        if cmd.op == "=?":
            return
        if self._sim_blocked(reply):
            return
        index = self._read_index(cmd)
        st = self._mem1()
        if not st.valid(index):
            reply.final = self._cms(321)
            return
        slot = st.get(index)
        if slot is None:
            return  # an empty slot: OK with no data, like most modems
        if self._cmgf == 0:
            reply.lines.append(f"+CMGR: {slot.stat},,{tpdu_length(slot.pdu)}")
            reply.lines.append(slot.pdu)
        else:
            head, body = self._text_view(slot.stat, slot.pdu)
            reply.lines.append(f"+CMGR: {head}")
            reply.lines.append(body)
        st.mark_read(index)

    def _at_cmgd(self, cmd: Command, reply: Reply) -> None:
        st = self._mem1()
        if cmd.op == "=?":
            used = ",".join(str(i) for i, _ in st.items())
            reply.lines.append(f"+CMGD: ({used}),(0-4)")
            return
        if self._sim_blocked(reply):
            return
        index = self._read_index(cmd)
        flag = _int_arg(cmd.args, 1, 0)
        if flag not in range(5):
            raise ValueError
        if flag == 0:
            if not st.valid(index):
                reply.final = self._cms(321)
                return
            st.delete(index)
        else:
            st.delete_by_flag(flag)

    def _at_cmgs(self, cmd: Command, reply: Reply) -> None:
        self._open_prompt(cmd, reply, "CMGS")

    def _at_cmgw(self, cmd: Command, reply: Reply) -> None:
        self._open_prompt(cmd, reply, "CMGW")

    def _open_prompt(self, cmd: Command, reply: Reply, kind: str) -> None:
        if cmd.op == "=?":
            return
        if self._sim_blocked(reply):
            return
        if cmd.op != "=" or not cmd.args or cmd.args[0] is None:
            raise ValueError
        if self._cmgf == 0:
            length = int(cmd.args[0])
            if not 1 <= length <= 176:
                reply.final = self._cms(304)
                return
            stat = _int_arg(cmd.args, 1, STO_UNSENT)
            self._prompt_arg = (length, stat)
        else:
            stat = STO_UNSENT
            self._prompt_arg = (cmd.args[0], stat)
        if kind == "CMGW" and (self._storage_forced_full or self._storages[self._cpms[1]].full):
            reply.final = self._cms(322)
            return
        self._prompt = kind
        reply.prompt = True

    def _on_prompt_data(self, data: bytes, *, cancelled: bool) -> None:
        kind = self._prompt
        self._prompt = None
        if cancelled:
            self._respond([], "OK")
            return
        raw = data.decode("latin-1")
        # PDU mode: hex, whatever line breaks the client put in; text mode: the text itself
        text = "".join(raw.split()) if self._cmgf == 0 else raw.strip("\r\n")
        if self._echo:
            self._out(text.encode("latin-1"))
        reply = Reply()
        try:
            if kind == "CMGS":
                self._send_submitted(text, reply)
            else:
                self._write_submitted(text, reply)
        except Exception:  # a codec bug must not kill the modem; the client sees an error
            reply.lines, reply.final = [], self._cms(500)
        self._finish(reply)

    def _pdu_from_prompt(self, text: str, reply: Reply) -> str | None:
        """The PDU hex typed at the prompt (text mode: encoded here); None when refused."""
        if self._cmgf == 1:
            number = str(self._prompt_arg[0])
            return pdu_codec.encode_submit(number, text)[0].hex
        length = self._prompt_arg[0]
        if not text or len(text) % 2 or not re.fullmatch(r"[0-9A-Fa-f]+", text):
            reply.final = self._cms(304)
            return None
        if tpdu_length(text) != length:
            reply.final = self._cms(304)
            return None
        return text.upper()

    def _send_submitted(self, text: str, reply: Reply) -> None:
        pdu_hex = self._pdu_from_prompt(text, reply)
        if pdu_hex is None:
            return
        try:
            sms = pdu_codec.decode(pdu_hex, smsc=True)
        except pdu_codec.PduError:
            reply.final = self._cms(304)
            return
        if sms.kind != "submit":
            reply.final = self._cms(304)
            return
        if self._registration() not in (1, 5):
            reply.final = self._cms(331)
            return
        mr = self._next_mr
        self._next_mr = (self._next_mr + 1) % 256
        self._sent.append(sms)
        self._mr_recipient[mr] = sms.recipient
        self._cond.notify_all()
        reply.lines.append(f"+CMGS: {mr}")
        if sms.status_report_requested and self.auto_status_reports:
            recipient = sms.recipient
            self._schedule(self.status_report_delay, lambda: self._deliver_status_report(mr, 0, recipient))
        self._submitted(sms, mr)

    def _write_submitted(self, text: str, reply: Reply) -> None:
        pdu_hex = self._pdu_from_prompt(text, reply)
        if pdu_hex is None:
            return
        st = self._storages[self._cpms[1]]
        index = None if self._storage_forced_full else st.store(pdu_hex, self._prompt_arg[1])
        if index is None:
            reply.final = self._cms(322)
            return
        reply.lines.append(f"+CMGW: {index}")

    def _at_cnma(self, cmd: Command, reply: Reply) -> None:
        return

    # ------------------------------------------------------------------ calls, USSD

    def _at_onoff(self, attr: str, prefix: str, cmd: Command, reply: Reply) -> None:
        if cmd.op == "?":
            reply.lines.append(f"{prefix}: {int(getattr(self, attr))}" + (",1" if prefix == "+CLIP" else ""))
        elif cmd.op == "=?":
            reply.lines.append(f"{prefix}: (0,1)")
        else:
            value = _int_arg(cmd.args, 0, 0)
            if value not in (0, 1):
                raise ValueError
            setattr(self, attr, value == 1)

    def _at_clip(self, cmd: Command, reply: Reply) -> None:
        self._at_onoff("_clip", "+CLIP", cmd, reply)

    def _at_crc(self, cmd: Command, reply: Reply) -> None:
        self._at_onoff("_crc", "+CRC", cmd, reply)

    def _at_clcc(self, cmd: Command, reply: Reply) -> None:
        call = self._call
        if cmd.op == "=?" or call is None:
            return
        stat = 4 if call.state == "ringing" else 0
        direction = 1 if call.direction == "in" else 0
        kind = 145 if call.number.startswith("+") else 129
        reply.lines.append(f'+CLCC: 1,{direction},{stat},0,0,"{call.number}",{kind}')

    def _at_cusd(self, cmd: Command, reply: Reply) -> None:
        if cmd.op == "?":
            reply.lines.append("+CUSD: 1")
            return
        if cmd.op == "=?":
            reply.lines.append("+CUSD: (0,1,2)")
            return
        if self._sim_blocked(reply):
            return
        n = _int_arg(cmd.args, 0, 0)
        if n not in (0, 1, 2):
            raise ValueError
        code = cmd.args[1] if len(cmd.args) > 1 else None
        if code is None:
            return
        answer = self.ussd_replies.get(code)
        line = f'+CUSD: 0,"{answer}",15' if answer is not None else "+CUSD: 4"
        reply.after.append(lambda: self._urc(line))


_Handler = Callable[["AtCommands", "Command", "Reply"], None]


def _ident(attr: str) -> _Handler:
    def handler(vm: AtCommands, cmd: Command, reply: Reply) -> None:
        if cmd.op != "=?":
            reply.lines.append(str(getattr(vm, attr)))

    return handler


def _onoff_ok(vm: AtCommands, cmd: Command, reply: Reply) -> None:
    return


_HANDLERS: dict[str, _Handler] = {
    "E": AtCommands._at_echo,
    "V": AtCommands._at_verbose,
    "Q": AtCommands._at_ok,
    "Z": AtCommands._at_reset,
    "&F": AtCommands._at_reset,
    "&W": AtCommands._at_ok,
    "&C": AtCommands._at_ok,
    "&D": AtCommands._at_ok,
    "S": AtCommands._at_ok,
    "I": AtCommands._at_info,
    "A": AtCommands._at_answer,
    "H": AtCommands._at_hangup,
    "D": AtCommands._at_dial,
    "+CHUP": AtCommands._at_hangup,
    "+CGMI": _ident("manufacturer"),
    "+GMI": _ident("manufacturer"),
    "+CGMM": _ident("model"),
    "+GMM": _ident("model"),
    "+CGMR": _ident("revision"),
    "+GMR": _ident("revision"),
    "+CGSN": _ident("imei"),
    "+GSN": _ident("imei"),
    "+CIMI": AtCommands._at_cimi,
    "+GCAP": lambda vm, cmd, reply: reply.lines.append("+GCAP: +CGSM,+DS,+ES"),
    "+CMEE": AtCommands._at_cmee,
    "+CPIN": AtCommands._at_cpin,
    "+CFUN": AtCommands._at_cfun,
    "+CSQ": AtCommands._at_csq,
    "+CREG": AtCommands._at_creg,
    "+CGREG": AtCommands._at_cgreg,
    "+COPS": AtCommands._at_cops,
    "+CMGF": AtCommands._at_cmgf,
    "+CSCS": AtCommands._at_cscs,
    "+CSCA": AtCommands._at_csca,
    "+CSMP": AtCommands._at_csmp,
    "+CSMS": AtCommands._at_csms,
    "+CSDH": _onoff_ok,
    "+CPMS": AtCommands._at_cpms,
    "+CNMI": AtCommands._at_cnmi,
    "+CNMA": AtCommands._at_cnma,
    "+CMGL": AtCommands._at_cmgl,
    "+CMGR": AtCommands._at_cmgr,
    "+CMGD": AtCommands._at_cmgd,
    "+CMGS": AtCommands._at_cmgs,
    "+CMGW": AtCommands._at_cmgw,
    "+CLIP": AtCommands._at_clip,
    "+CRC": AtCommands._at_crc,
    "+CCWA": _onoff_ok,
    "+CVHU": _onoff_ok,
    "+CLCC": AtCommands._at_clcc,
    "+CUSD": AtCommands._at_cusd,
    "+IPR": _onoff_ok,
    "+IFC": _onoff_ok,
}
