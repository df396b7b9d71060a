"""The Modem driver through pyserial on real pseudo-terminals.

Two kinds of far end: a small scripted modem in this file (answers from a table,
to reproduce exact vendor quirks: Wavecom's ``+CPIN`` without ``OK``, E3372's
3-parameter CPMS, SIM800's CNMI without ``ds=2``) and the project's VirtualModem
(the ``vmodem`` fixture) for the full behaviour: SMS, calls, unplug, garbage.
"""

from __future__ import annotations

import errno
import os
import re
import select
import threading
import time
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial

from drivers.gsm import gsm7, pdu
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
from drivers.gsm.modem import (
    Modem,
    ModemError,
    ModemNotReady,
    open_port_error,
    parse_cmgl,
    parse_cmgr,
    parse_cnmi_test,
    parse_cpms_test,
    parse_creg,
)
from drivers.gsm.virtual import StorageFull as VirtualStorageFull
from drivers.gsm.virtual import VirtualModem

WAIT = 5.0

# --------------------------------------------------------------------- scripted modem

Handler = Callable[[str], bytes | None]
Reply = bytes | None | Callable[[str], bytes | None]


class ScriptedModem:
    """A modem on a raw pty answering each command line through ``handler``.

    ``handler(cmd)`` returns the bytes to send back (None: stay silent). The pty
    slave is reached through a stable symlink; unplug closes the master (the
    client sees the port fail and the link dangle), replug makes a new pty.
    """

    def __init__(self, link: Path, handler: Handler) -> None:
        self.link = link
        self.handler = handler
        self.commands: list[str] = []
        self._lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self._thread: threading.Thread | None = None
        self._stop_r, self._stop_w = -1, -1
        self.replug()

    @property
    def port(self) -> str:
        return str(self.link)

    def replug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        self._master, self._slave = master, slave
        tmp = self.link.with_suffix(".new")
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.link)
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(
            target=self._serve, args=(master, self._stop_r), daemon=True
        )
        self._thread.start()

    def unplug(self) -> None:
        if self._thread is None:
            return
        os.write(self._stop_w, b"x")
        self._thread.join(WAIT)
        self._thread = None
        for fd in (self._master, self._slave, self._stop_r, self._stop_w):
            if fd is not None and fd >= 0:
                os.close(fd)
        self._master = self._slave = None

    def stop(self) -> None:
        self.unplug()
        if self.link.is_symlink():
            self.link.unlink()

    def send(self, data: bytes) -> None:
        assert self._master is not None
        os.write(self._master, data)

    def sent_commands(self, prefix: str) -> list[str]:
        with self._lock:
            return [c for c in self.commands if c.upper().startswith(prefix.upper())]

    def _serve(self, master: int, stop_r: int) -> None:
        buf = b""
        while True:
            ready, _, _ = select.select([master, stop_r], [], [])
            if stop_r in ready:
                return
            try:
                data = os.read(master, 4096)
            except OSError:
                time.sleep(0.01)
                continue
            buf += data.replace(b"\x1b", b"")
            while b"\r" in buf:
                line, _, buf = buf.partition(b"\r")
                cmd = line.decode("latin-1").strip()
                if not cmd:
                    continue
                with self._lock:
                    self.commands.append(cmd)
                reply = self.handler(cmd)
                if reply:
                    os.write(master, reply)


def table_modem(overrides: dict[str, Reply] | None = None) -> Handler:
    """A well-behaved modem; ``overrides`` maps a command (regex) to its answer.

    An answer is bytes, None (silence) or a callable taking the command.
    """
    table: dict[str, Reply] = {
        r"AT": b"\r\nOK\r\n",
        r"ATE0": b"\r\nOK\r\n",
        r"AT\+CMEE=1": b"\r\nOK\r\n",
        r"AT\+CPIN\?": b"\r\n+CPIN: READY\r\n\r\nOK\r\n",
        r"AT\+CMGF=0": b"\r\nOK\r\n",
        r"AT\+CGMI": b"\r\nhuawei\r\n\r\nOK\r\n",
        r"AT\+CGMM": b"\r\nE173\r\n\r\nOK\r\n",
        r"AT\+CGMR": b"\r\n21.017.09.00.314\r\n\r\nOK\r\n",
        r"AT\+CGSN": b"\r\n356789012345678\r\n\r\nOK\r\n",
        r"AT\+CIMI": b"\r\n510101234567890\r\n\r\nOK\r\n",
        r"AT\+CPMS=\?": b'\r\n+CPMS: ("SM","ME"),("SM","ME"),("SM","ME")\r\n\r\nOK\r\n',
        r"AT\+CPMS=.*": b"\r\n+CPMS: 0,30,0,30,0,30\r\n\r\nOK\r\n",
        r"AT\+CPMS\?": b'\r\n+CPMS: "SM",0,30,"SM",0,30,"SM",0,30\r\n\r\nOK\r\n',
        r"AT\+CNMI=\?": b"\r\n+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)\r\n\r\nOK\r\n",
        r"AT\+CNMI=.*": b"\r\nOK\r\n",
        r"AT\+CSQ": b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n",
        r"AT\+CREG\?": b"\r\n+CREG: 0,1\r\n\r\nOK\r\n",
        r"AT\+COPS\?": b'\r\n+COPS: 0,0,"TELKOMSEL",2\r\n\r\nOK\r\n',
        r"AT\+CSCA\?": b'\r\n+CSCA: "6281100000",145\r\n\r\nOK\r\n',
        r"AT\+CSMS\?": b"\r\n+CSMS: 0,1,1,1\r\n\r\nOK\r\n",
    }
    overrides = overrides or {}
    # overrides first: the first matching pattern answers
    table = {**overrides, **{k: v for k, v in table.items() if k not in overrides}}

    def handler(cmd: str) -> bytes | None:
        for pattern, reply in table.items():
            if re.fullmatch(pattern, cmd, re.IGNORECASE):
                return reply(cmd) if callable(reply) else reply
        return b"\r\nERROR\r\n"

    return handler


@pytest.fixture
def no_leaks() -> Iterator[None]:
    threads_before = set(threading.enumerate())
    fds_before = len(os.listdir("/proc/self/fd"))
    yield
    deadline = time.monotonic() + WAIT
    extra: list[threading.Thread] = []
    while time.monotonic() < deadline:
        extra = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
        if not extra:
            break
        time.sleep(0.02)
    assert not extra, f"threads leaked: {extra}"
    assert len(os.listdir("/proc/self/fd")) <= fds_before, "fds leaked"


class Events:
    """Collects modem events; lets the test wait for one."""

    def __init__(self) -> None:
        self.items: list[object] = []
        self._cv = threading.Condition()

    def __call__(self, event: object) -> None:
        with self._cv:
            self.items.append(event)
            self._cv.notify_all()

    def of(self, kind: type) -> list:
        with self._cv:
            return [e for e in self.items if isinstance(e, kind)]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = WAIT) -> None:
        with self._cv:
            assert self._cv.wait_for(predicate, timeout), f"not reached; events: {self.items}"

    def states(self) -> list[str]:
        return [e.state for e in self.of(StateChanged)]


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def scripted(tmp_path: Path, no_leaks: None) -> Iterator[Callable[..., ScriptedModem]]:
    made: list[ScriptedModem] = []

    def make(overrides: dict[str, Reply] | None = None) -> ScriptedModem:
        sm = ScriptedModem(tmp_path / f"ttyS{len(made)}", table_modem(overrides))
        made.append(sm)
        return sm

    yield make
    for sm in made:
        sm.stop()


@pytest.fixture
def make_modem(events: Events) -> Iterator[Callable[..., Modem]]:
    made: list[Modem] = []

    def make(port: str, **kwargs: object) -> Modem:
        kwargs.setdefault("command_timeout", 1.0)
        kwargs.setdefault("poll_interval", 30.0)
        kwargs.setdefault("reconnect_min", 0.05)
        kwargs.setdefault("reconnect_max", 0.2)
        kwargs.setdefault("on_event", events)
        m = Modem(port, **kwargs)  # type: ignore[arg-type]
        made.append(m)
        return m

    yield make
    for m in made:
        m.stop()


# --------------------------------------------------------------------- pure parsers


def test_cmgl_parser_tolerates_quirks() -> None:
    lines = [
        "+CMGL: 0,1,,23",
        '0791261800000000040B916"',
        "+CMGL: 3,0,,0",  # header without PDU: skipped
        "+CMGL: 4,,29",
        "garbage ~~",
        "07 91 AB",
        "+CMGL: x,1,,2",
        "00",
    ]
    msgs = parse_cmgl(lines, "SM")
    assert [(m.index, m.stat, m.pdu_hex, m.length) for m in msgs] == [
        (0, 1, "0791261800000000040B916", 23),
        (4, None, "0791AB", 29),
    ]


@pytest.mark.parametrize(
    ("header", "stat", "length"),
    [
        ("+CMGR: 3,,29", 3, 29),
        ("+CMGR: 0,23", 0, 23),
        ("+CMGR: 24", None, 24),
        ("+CMGR: ,,92", None, 92),
        ('+CMGR: 1,"Mama",20', 1, 20),
    ],
)
def test_cmgr_header_variants(header: str, stat: int | None, length: int) -> None:
    msg = parse_cmgr([header, '07911326"'], "ME", 5)
    assert msg is not None
    assert (msg.storage, msg.index, msg.stat, msg.pdu_hex, msg.length) == (
        "ME",
        5,
        stat,
        "07911326",
        length,
    )


def test_cmgr_empty_slot_is_none() -> None:
    assert parse_cmgr([], "SM", 1) is None
    assert parse_cmgr(["+CMGR: 0,,0"], "SM", 1) is None


def test_cpms_test_groups() -> None:
    assert parse_cpms_test('("SM","ME"),("SM","ME"),("SM","ME")') == [["SM", "ME"]] * 3
    assert parse_cpms_test('(("SM","BM","SR"),("SM"))') == [["SM", "BM", "SR"], ["SM"]]
    assert parse_cpms_test('"SM","ME"') == [["SM", "ME"]]
    assert parse_cpms_test("(),(),()") == []


def test_cnmi_test_sets() -> None:
    assert parse_cnmi_test("(0-3),(0-3),(0,2),(0,1),(0,1)") == [
        {0, 1, 2, 3},
        {0, 1, 2, 3},
        {0, 2},
        {0, 1},
        {0, 1},
    ]


@pytest.mark.parametrize(
    ("text", "solicited", "expected"),
    [
        ("0,1", True, "home"),
        ('2,5,"4CA","81DE445"', True, "roaming"),
        ("2,1,4CA,81DE445", True, "home"),
        ("1", False, "home"),
        ("2", False, "searching"),
        ('1,"4CA","81DE445"', False, "home"),
        ("5,4CA,81DE445", False, "roaming"),
        ('3,"00A1","1B2C",7', False, "denied"),
        ("0,0", False, "unregistered"),
    ],
)
def test_creg_forms(text: str, solicited: bool, expected: str) -> None:
    assert parse_creg(text, solicited=solicited) == expected


# --------------------------------------------------------------------- scripted init


def test_init_against_a_plain_modem_reaches_ready(scripted, make_modem, events) -> None:
    sm = scripted()
    m = make_modem(sm.port)
    m.start()
    assert m.wait_ready(WAIT)
    st = m.status()
    assert (st.manufacturer, st.model, st.imei, st.imsi) == (
        "huawei",
        "E173",
        "356789012345678",
        "510101234567890",
    )
    assert st.signal_csq == 20 and st.signal_dbm == -73
    assert st.registration == "home"
    assert st.operator == "TELKOMSEL"
    assert st.smsc == "+6281100000"
    assert st.receive_storage == "SM"
    assert st.cnmi == "2,1,0,2,0"
    assert sm.sent_commands('AT+CPMS="')[0] == 'AT+CPMS="SM","SM","SM"'
    assert events.states()[:2] == ["connecting", "ready"]


def test_wavecom_quirks_cpin_without_ok_and_two_group_cpms(scripted, make_modem) -> None:
    sm = scripted(
        {
            r"AT\+CPIN\?": b"\r\n+CPIN: READY\r\n",  # no OK
            r"AT\+CPMS=\?": b'\r\n+CPMS: (("SM","BM","SR"),("SM"))\r\n\r\nOK\r\n',
            r'AT\+CPMS="SM","SM","SM"': b"\r\nERROR\r\n",
            r"AT\+CNMI=.*": b"\r\nERROR\r\n",  # no CNMI at all: polling only
        }
    )
    m = make_modem(sm.port, command_timeout=0.4)
    m.start()
    assert m.wait_ready(WAIT)
    assert m.status().sim == "READY"
    assert m.status().cnmi is None
    assert sm.sent_commands('AT+CPMS="')[0] == 'AT+CPMS="SM","SM"'
    assert m.storages == ["SM", "SR"]


def test_sim_busy_is_waited_out(scripted, make_modem) -> None:
    answers = iter([b"\r\n+CME ERROR: 14\r\n", b"\r\n+CME ERROR: 515\r\n"])

    def cpin(cmd: str) -> bytes:
        return next(answers, b"\r\n+CPIN: READY\r\n\r\nOK\r\n")

    sm = scripted({r"AT\+CPIN\?": cpin})
    m = make_modem(sm.port, sim_busy_delay=0.05)
    m.start()
    assert m.wait_ready(WAIT)
    assert len(sm.sent_commands("AT+CPIN?")) == 3


def test_puk_locked_sim_fails_without_sending_anything(scripted, make_modem, events) -> None:
    sm = scripted({r"AT\+CPIN\?": b"\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n"})
    m = make_modem(sm.port, pin="1234")
    m.start()
    assert m.wait_state("failed", WAIT)
    assert "PUK" in (m.status().last_error or "")
    assert sm.sent_commands("AT+CPIN=") == []
    assert events.states()[-1] == "failed"


def test_sim900_cmti_with_extra_fields_and_unsolicited_events(scripted, make_modem, events) -> None:
    sm = scripted()
    m = make_modem(sm.port)
    m.start()
    assert m.wait_ready(WAIT)
    sm.send(b'\r\n+CMTI: "SM",1,"MMS PUSH",2,1\r\n')
    sm.send(b'\r\n+CDSI: "SR",8\r\n')
    sm.send(b"\r\n^RSSI:31\r\n")
    sm.send(b'\r\n+CREG: 5,"4CA","81DE445"\r\n')
    sm.send(b'\r\n^SMMEMFULL: "ME"\r\n')
    events.wait_for(lambda: bool(events.of(StorageFull)))
    assert events.of(SmsStored) == [SmsStored("SM", 1)]
    assert events.of(StatusReportStored) == [StatusReportStored("SR", 8)]
    assert SignalChanged(-51, 31) in events.of(SignalChanged)
    assert events.of(RegistrationChanged)[-1] == RegistrationChanged("roaming")
    assert events.of(StorageFull) == [StorageFull("ME")]
    assert m.status().signal_dbm == -51
    assert m.status().registration == "roaming"


def test_ussd_texts_are_decoded(scripted, make_modem, events) -> None:
    sm = scripted()
    m = make_modem(sm.port)
    m.start()
    assert m.wait_ready(WAIT)
    packed = gsm7.pack(gsm7.encode("Sisa pulsa Rp 5000")).hex().upper()
    ucs2 = "Pulsa habis".encode("utf-16-be").hex().upper()
    sm.send(f'\r\n+CUSD: 0,"{ucs2}",72\r\n'.encode())
    sm.send(f"\r\n+CUSD: 0,{packed},15\r\n".encode())
    sm.send(b'\r\n+CUSD: 2,"Layanan tidak tersedia",15\r\n')
    events.wait_for(lambda: len(events.of(Ussd)) == 3)
    assert [(u.status, u.text) for u in events.of(Ussd)] == [
        (0, "Pulsa habis"),
        (0, "Sisa pulsa Rp 5000"),
        (2, "Layanan tidak tersedia"),
    ]


def test_modem_that_stops_answering_is_reopened(scripted, make_modem, events) -> None:
    silent = threading.Event()

    def csq(cmd: str) -> bytes | None:
        return None if silent.is_set() else b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"

    def at(cmd: str) -> bytes | None:
        return None if silent.is_set() else b"\r\nOK\r\n"

    sm = scripted({r"AT\+CSQ": csq, r"AT": at})
    m = make_modem(sm.port, command_timeout=0.2, poll_interval=0.05, max_timeouts=2)
    m.start()
    assert m.wait_ready(WAIT)
    silent.set()
    assert m.wait_state("reconnecting", WAIT)
    assert "answering" in (m.status().last_error or "")
    silent.clear()
    assert m.wait_ready(WAIT)


# --------------------------------------------------------------------- virtual modem


@pytest.fixture
def vm_factory(
    no_leaks: None, make_vmodem: Callable[..., VirtualModem]
) -> Callable[..., VirtualModem]:
    """The shared ``make_vmodem`` factory, checked for leaked threads and fds afterwards."""
    return make_vmodem


@pytest.fixture
def vm(vm_factory) -> VirtualModem:
    return vm_factory()


@pytest.fixture
def ready_modem(vm: VirtualModem, make_modem) -> Modem:
    m = make_modem(vm.port)
    m.start()
    assert m.wait_ready(WAIT)
    return m


def raw_at(port: str, *commands: str) -> None:
    """Talk to the modem without the driver (to prepare its state)."""
    with serial.Serial(port, 115200, timeout=0.5) as ser:
        for cmd in commands:
            ser.write(cmd.encode() + b"\r")
            deadline = time.monotonic() + WAIT
            buf = b""
            while not re.search(rb"\r\n(OK|ERROR|\+CME ERROR: [^\r]*)\r\n", buf):
                assert time.monotonic() < deadline, f"no answer to {cmd}: {buf!r}"
                buf += ser.read(ser.in_waiting or 1)


@pytest.mark.parametrize(
    ("profile", "cpms", "cnmi"),
    [
        ("generic", 'AT+CPMS="SM","SM","SM"', "2,1,0,2,0"),
        ("e3372", 'AT+CPMS="SM","SM","SM"', "2,1,0,2,0"),
        ("sim800", 'AT+CPMS="SM","SM","SM"', "2,1,0,1,0"),
        ("huawei-e1752", 'AT+CPMS="SM","SM","SM"', "2,1,0,2,0"),
    ],
)
def test_init_against_virtual_modem_profiles(
    vm_factory, make_modem, profile: str, cpms: str, cnmi: str
) -> None:
    vm = vm_factory(profile=profile)
    m = make_modem(vm.port)
    m.start()
    assert m.wait_ready(WAIT)
    st = m.status()
    assert st.state == "ready"
    assert (st.manufacturer, st.model, st.imei) == (vm.manufacturer, vm.model, vm.imei)
    assert st.imsi == vm.imsi
    assert st.sim == "READY"
    assert st.operator == "TELKOMSEL"
    assert st.smsc == "+6281100000"
    assert st.signal_csq == 20 and st.signal_dbm == -73
    assert st.registration == "home"
    assert st.storages["SM"] == (0, 30)
    assert st.cnmi == cnmi
    cpms_sets = [c for c in vm.commands if c.startswith('AT+CPMS="')]
    assert cpms_sets[-1] == cpms
    assert not any(c.startswith("AT+CNMI=2,1,0,2") for c in vm.commands) or cnmi.endswith("2,0")


def test_list_read_and_delete_across_storages(vm: VirtualModem, ready_modem: Modem) -> None:
    m = ready_modem
    (sm_a,) = vm.inject_sms("+6281234567890", "Halo studio")
    (sm_b,) = vm.inject_sms("081298765432", "Salam dari Kalitidu")
    (me_a,) = vm.inject_sms("+6285700001111", "Lagu campursari", storage="ME")
    msgs = m.list_messages()
    by_slot = {(x.storage, x.index): x for x in msgs}
    assert set(by_slot) == {sm_a, sm_b, me_a}
    assert pdu.decode(by_slot[me_a].pdu_hex).text == "Lagu campursari"
    assert (
        by_slot[sm_a].stat == 0
        and by_slot[sm_a].length == pdu.decode(by_slot[sm_a].pdu_hex).tpdu_length
    )

    got = m.read_message(*me_a)
    assert got is not None and got.pdu_hex == vm.stored("ME")[me_a[1]]
    m.delete_message(*me_a)
    assert vm.stored("ME") == {}
    assert m.read_message(*me_a) is None  # empty slot
    m.delete_message(*me_a)  # already empty: fine
    m.delete_message(*sm_b)
    assert list(vm.stored("SM")) == [sm_a[1]]
    deletes = [c for c in vm.commands if c.startswith("AT+CMGD")]
    assert deletes and all(re.fullmatch(r"AT\+CMGD=\d+", c) for c in deletes)


def test_read_of_invalid_index_is_none(vm: VirtualModem, ready_modem: Modem) -> None:
    assert ready_modem.read_message("SM", 999) is None


def test_e3372_switches_storage_with_three_parameters(vm_factory, make_modem) -> None:
    vm = vm_factory(profile="e3372")
    m = make_modem(vm.port)
    m.start()
    assert m.wait_ready(WAIT)
    (slot,) = vm.inject_sms("+6281234567890", "di ME", storage="ME")
    assert [x.storage for x in m.list_messages()] == ["ME"]
    assert m.read_message(*slot) is not None
    m.delete_message(*slot)
    assert vm.stored("ME") == {}
    assert 'AT+CPMS="ME","SM","SM"' in vm.commands


def test_cmti_leads_to_sms_stored_event(vm: VirtualModem, ready_modem: Modem, events) -> None:
    (slot,) = vm.inject_sms("+6281234567890", "Request lagu")
    events.wait_for(lambda: SmsStored(*slot) in events.of(SmsStored))


def test_cmti_in_the_middle_of_a_response_still_arrives(
    vm: VirtualModem, ready_modem: Modem, events
) -> None:
    vm.inject_urc_mid_response('+CMTI: "SM",9')
    status = ready_modem.refresh_status()
    assert status.signal_csq == 20
    events.wait_for(lambda: SmsStored("SM", 9) in events.of(SmsStored))


def test_interleaved_cmti_during_listing_still_arrives(vm_factory, make_modem, events) -> None:
    vm = vm_factory(interleave_urcs=True)
    m = make_modem(vm.port)
    m.start()
    assert m.wait_ready(WAIT)
    slots = vm.inject_sms("+6281234567890", "satu")
    msgs = m.list_messages()
    assert [(x.storage, x.index) for x in msgs] == slots
    events.wait_for(lambda: SmsStored(*slots[0]) in events.of(SmsStored))


def test_direct_delivery_and_status_reports(vm_factory, make_modem, events) -> None:
    vm = vm_factory(auto_status_reports=True, status_report_delay=0.05)
    m = make_modem(vm.port)
    m.start()
    assert m.wait_ready(WAIT)
    vm.inject_sms("+6281234567890", "langsung", route="direct")
    events.wait_for(lambda: bool(events.of(SmsReceived)))
    assert pdu.decode(events.of(SmsReceived)[0].pdu_hex).text == "langsung"
    (mr,) = m.send_sms("+6281234567890", "laporan", request_status_report=True)
    events.wait_for(lambda: bool(events.of(StatusReportStored)))
    report = events.of(StatusReportStored)[0]
    assert report.storage == "SR"
    stored = m.read_message(report.storage, report.index)
    assert stored is not None and pdu.decode(stored.pdu_hex).reference == mr


def test_sim800_status_report_arrives_directly(vm_factory, make_modem, events) -> None:
    vm = vm_factory(profile="sim800", auto_status_reports=True, status_report_delay=0.05)
    m = make_modem(vm.port)
    m.start()
    assert m.wait_ready(WAIT)
    (mr,) = m.send_sms("+6281234567890", "laporan", request_status_report=True)
    events.wait_for(lambda: bool(events.of(StatusReportReceived)))
    assert pdu.decode(events.of(StatusReportReceived)[0].pdu_hex).reference == mr


def test_send_single_and_multipart_sms(vm: VirtualModem, ready_modem: Modem) -> None:
    refs = ready_modem.send_sms("+6281234567890", "Terima kasih, salam Malowopati!")
    assert len(refs) == 1
    assert (vm.sent[-1].recipient, vm.sent[-1].text) == (
        "+6281234567890",
        "Terima kasih, salam Malowopati!",
    )
    long_text = "Pengumuman: " + "jalan Bojonegoro-Babat ditutup sementara. " * 8 + "😀"
    refs = ready_modem.send_sms("081234567890", long_text)
    parts = vm.sent[-len(refs) :]
    assert len(refs) == len(parts) > 1
    assert len(set(refs)) == len(refs)
    assert {p.concat.ref for p in parts} == {parts[0].concat.ref}
    assert [p.concat.seq for p in parts] == list(range(1, len(parts) + 1))
    assert "".join(p.text for p in parts) == long_text
    assert all(p.recipient == "081234567890" for p in parts)


def test_incoming_call_ring_clip_answer_and_hangup(
    vm: VirtualModem, ready_modem: Modem, events
) -> None:
    vm.call("+6281234567890", rings=3, interval=0.15)
    events.wait_for(lambda: any(c.number for c in events.of(IncomingCall)))
    time.sleep(0.4)  # further rings and CLIPs of the same call
    calls = events.of(IncomingCall)
    assert [c.number for c in calls] == [None, "+6281234567890"]
    assert calls[1].number_type == 145
    assert calls[0].call_id == calls[1].call_id
    ready_modem.answer()
    assert vm.call_state == "active"
    ready_modem.hangup()
    assert vm.call_state == "idle"
    assert events.of(CallEnded) == [CallEnded("local hang-up", calls[0].call_id)]


def test_remote_hangup_and_missed_call_end_the_call(vm: VirtualModem, make_modem, events) -> None:
    m = make_modem(vm.port, ring_timeout=0.5)
    m.start()
    assert m.wait_ready(WAIT)
    vm.call("+6281234567890", rings=50, interval=0.1)
    events.wait_for(lambda: len(events.of(IncomingCall)) == 2)
    vm.remote_hangup()
    events.wait_for(lambda: len(events.of(CallEnded)) == 1)
    assert events.of(CallEnded)[0].reason == "remote hang-up"
    vm.call("0812345678", rings=1, interval=0.1)  # rings once, then the caller gives up
    events.wait_for(lambda: len(events.of(CallEnded)) == 2)
    second = events.of(CallEnded)[1]
    assert second.reason == "missed"
    assert second.call_id != events.of(CallEnded)[0].call_id
    assert [c.number for c in events.of(IncomingCall)][-1] == "0812345678"


def test_correct_pin_is_sent_once_and_modem_gets_ready(vm_factory, make_modem) -> None:
    vm = vm_factory(pin="4321")
    m = make_modem(vm.port, pin="4321")
    m.start()
    assert m.wait_ready(WAIT)
    assert [c for c in vm.commands if c.startswith("AT+CPIN=")] == ['AT+CPIN="4321"']


def test_wrong_pin_is_sent_exactly_once_even_across_restarts(
    vm_factory, make_modem, events
) -> None:
    vm = vm_factory(pin="4321")
    m = make_modem(vm.port, pin="1111")
    m.start()
    assert m.wait_state("failed", WAIT)
    assert "PIN" in (m.status().last_error or "")
    m.stop()
    m.start()  # a supervisor restart with the same setting: still not retried
    assert m.wait_state("failed", WAIT)
    other = make_modem(vm.port, pin="1111")
    other.start()
    assert other.wait_state("failed", WAIT)
    other.stop()
    assert [c for c in vm.commands if c.startswith("AT+CPIN=")] == ['AT+CPIN="1111"']
    m.set_pin("4321")  # a new setting is tried once
    assert m.wait_ready(WAIT)
    assert [c for c in vm.commands if c.startswith("AT+CPIN=")][-1] == 'AT+CPIN="4321"'


def test_puk_locked_virtual_sim_fails_without_sending_the_pin(vm_factory, make_modem) -> None:
    vm = vm_factory(pin="4321")
    raw_at(vm.port, "AT+CMEE=1", 'AT+CPIN="0000"', 'AT+CPIN="0000"', 'AT+CPIN="0000"')
    before = len(vm.commands)
    m = make_modem(vm.port, pin="4321")
    m.start()
    assert m.wait_state("failed", WAIT)
    assert "PUK" in (m.status().last_error or "")
    assert not [c for c in vm.commands[before:] if c.startswith("AT+CPIN=")]


def test_unplug_during_read_then_replug_twenty_times_without_leaks(
    vm: VirtualModem, make_modem, events
) -> None:
    m = make_modem(vm.port, command_timeout=2.0)
    m.start()
    assert m.wait_ready(WAIT)
    vm.inject_sms("+6281234567890", "tetap ada")
    baseline_threads = threading.active_count()
    baseline_fds = len(os.listdir("/proc/self/fd"))
    vm.set_reply_delay(0.3)
    errors: list[BaseException] = []
    reader = threading.Thread(target=lambda: _catch(errors, m.list_messages))
    reader.start()
    vm.wait_for_command("AT+CMGL", WAIT)
    vm.unplug()
    reader.join(WAIT)
    assert errors and isinstance(errors[0], ModemError)
    assert m.wait_state("reconnecting", WAIT)
    vm.set_reply_delay(0)
    vm.replug()
    assert m.wait_ready(WAIT)
    assert len(m.list_messages()) == 1
    for _ in range(20):
        vm.unplug()
        assert m.wait_state("reconnecting", WAIT)
        vm.replug()
        assert m.wait_ready(WAIT)
    assert len(m.list_messages()) == 1
    assert threading.active_count() <= baseline_threads
    assert len(os.listdir("/proc/self/fd")) <= baseline_fds
    states = events.states()
    assert states.count("reconnecting") >= 21 and states.count("ready") >= 22


def _catch(errors: list[BaseException], func: Callable[[], object]) -> None:
    try:
        func()
    except BaseException as exc:
        errors.append(exc)


def test_slow_replies_still_work_within_timeouts(vm: VirtualModem, make_modem) -> None:
    m = make_modem(vm.port, command_timeout=1.0)
    m.start()
    assert m.wait_ready(WAIT)
    vm.inject_sms("+6281234567890", "pelan")
    vm.set_reply_delay(0.3)
    assert [pdu.decode(x.pdu_hex).text for x in m.list_messages()] == ["pelan"]
    assert m.refresh_status().state == "ready"
    assert m.state == "ready"


def test_garbage_on_the_line_does_not_break_the_next_command(
    vm: VirtualModem, ready_modem: Modem
) -> None:
    vm.inject_sms("+6281234567890", "setelah sampah")
    vm.send_garbage(300)
    vm.send_garbage(b"\x00\xff\r\n+CMGL: 7\r\n\x1a\x1b> ")
    vm.set_noise(True, interval=0.05)
    msgs = ready_modem.list_messages()
    assert [pdu.decode(x.pdu_hex).text for x in msgs] == ["setelah sampah"]
    assert ready_modem.refresh_status().operator == "TELKOMSEL"


def test_storage_full_from_modem_urc(vm: VirtualModem, ready_modem: Modem, events) -> None:
    vm.set_storage_full(True)
    with pytest.raises(VirtualStorageFull):
        vm.inject_sms("+6281234567890", "tidak muat")
    events.wait_for(lambda: StorageFull("SM") in events.of(StorageFull))


def test_polling_finds_waiting_messages_and_full_storage(vm_factory, make_modem, events) -> None:
    vm = vm_factory(sm_capacity=2)
    m = make_modem(vm.port, poll_interval=0.1)
    m.start()
    assert m.wait_ready(WAIT)
    vm.inject_sms("+6281234567890", "satu")
    vm.inject_sms("+6281234567890", "dua")
    events.wait_for(lambda: MessagesWaiting("SM", 2) in events.of(MessagesWaiting))
    events.wait_for(lambda: StorageFull("SM") in events.of(StorageFull))
    assert m.status().storages["SM"] == (2, 2)


def test_second_modem_on_the_same_port_reports_busy(
    vm: VirtualModem, ready_modem, make_modem
) -> None:
    second = make_modem(vm.port)
    second.start()
    assert second.wait_state("reconnecting", WAIT)
    assert "busy" in (second.status().last_error or "")
    assert "another process holds it" in (second.status().last_error or "")
    assert ready_modem.state == "ready"


def test_open_port_error_messages(tmp_path: Path) -> None:
    missing = str(tmp_path / "ttyUSB9")
    with pytest.raises(serial.SerialException) as info:
        serial.Serial(missing, exclusive=True)
    assert "does not exist" in open_port_error(missing, info.value)
    denied = serial.SerialException(errno.EACCES, "could not open port: Permission denied")
    assert "dialout" in open_port_error("/dev/ttyUSB0", denied)
    busy = serial.SerialException(errno.EAGAIN, "Could not exclusively lock port")
    assert "another process holds it" in open_port_error("/dev/ttyUSB0", busy)


def test_operations_on_a_modem_that_is_not_ready_raise_modem_error(make_modem, tmp_path) -> None:
    m = make_modem(str(tmp_path / "nothing"))
    with pytest.raises(ModemError, match="not ready"):
        m.list_messages()
    m.start()
    assert m.wait_state("reconnecting", WAIT)
    assert "does not exist" in (m.status().last_error or "")
    with pytest.raises(ModemError):
        m.send_sms("+6281234567890", "x")


def test_a_modem_unplugged_before_a_send_says_not_ready_and_sends_nothing(
    vm: VirtualModem, ready_modem: Modem
) -> None:
    vm.unplug()
    assert ready_modem.wait_state("reconnecting", WAIT)
    with pytest.raises(ModemNotReady) as raised:
        ready_modem.send_sms("+6281234567890", "x")
    assert isinstance(raised.value, ModemError) and raised.value.cause is None
    assert raised.value.state == "reconnecting"
    assert str(raised.value) == "modem not ready (reconnecting)"
    assert vm.sent == []


def test_hangup_falls_back_to_ath_and_cend_ends_the_call(scripted, make_modem, events) -> None:
    sm = scripted({r"AT\+CHUP": b"\r\nERROR\r\n", r"ATH": b"\r\nOK\r\n"})
    m = make_modem(sm.port)
    m.start()
    assert m.wait_ready(WAIT)
    sm.send(b'\r\nRING\r\n\r\n+CLIP: "+6281234567890",145,"",0,"",0\r\n')
    events.wait_for(lambda: len(events.of(IncomingCall)) == 2)
    m.hangup()
    assert sm.sent_commands("ATH") == ["ATH"]
    assert events.of(CallEnded)[0].reason == "local hang-up"
    sm.send(b"\r\nRING\r\n")
    events.wait_for(lambda: len(events.of(IncomingCall)) == 3)
    sm.send(b"\r\n^CEND:1,0,104,16\r\n")
    events.wait_for(lambda: len(events.of(CallEnded)) == 2)
    assert events.of(CallEnded)[1].reason == "remote hang-up"


def test_device_busy_answers_are_retried(scripted, make_modem) -> None:
    answers = iter([b"\r\n+CME ERROR: 515\r\n", b"\r\n+CME ERROR: 515\r\n"])

    def cpms(cmd: str) -> bytes:
        return next(answers, b"\r\n+CPMS: 0,30,0,30,0,30\r\n\r\nOK\r\n")

    sm = scripted({r'AT\+CPMS=".*': cpms})
    m = make_modem(sm.port, sim_busy_delay=0.05)
    m.start()
    assert m.wait_ready(WAIT)
    assert sm.sent_commands('AT+CPMS="') == ['AT+CPMS="SM","SM","SM"'] * 3


def test_huawei_slots_counting_from_zero(vm_factory, make_modem, events) -> None:
    vm = vm_factory(location_base=0)
    m = make_modem(vm.port)
    m.start()
    assert m.wait_ready(WAIT)
    (slot,) = vm.inject_sms("+6281234567890", "nol")
    assert slot[1] == 0
    events.wait_for(lambda: SmsStored(*slot) in events.of(SmsStored))
    assert [(x.storage, x.index) for x in m.list_messages()] == [slot]
    m.delete_message(*slot)
    assert vm.stored("SM") == {}


def test_send_refused_by_network_raises_modem_error_with_code(
    vm: VirtualModem, ready_modem: Modem
) -> None:
    vm.set_registration(0)
    with pytest.raises(ModemError) as info:
        ready_modem.send_sms("+6281234567890", "tidak terkirim")
    assert info.value.code == 331
    assert ready_modem.state == "ready"
