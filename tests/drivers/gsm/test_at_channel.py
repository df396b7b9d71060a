"""AtChannel on a real pseudo-terminal, with the test playing the modem.

pyserial opens the pty slave; the test reads what the channel wrote from the
master and writes the modem's bytes to it, so byte timing is exact: a URC in the
middle of a response, split reads, a late answer after a timeout, an unplug.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
import serial

from drivers.gsm.at import (
    AtChannel,
    AtError,
    AtResponse,
    AtTimeout,
    ChannelClosed,
    Urc,
)

WAIT = 3.0  # generous upper bound for anything that should happen "at once"


class PtyModem:
    """The modem side of a pty: read what the host wrote, write the answers."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self.serial = serial.Serial(self.path, 115200, timeout=0.05, exclusive=True)
        os.close(slave)
        self._rx = bytearray()

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def expect(self, data: bytes, timeout: float = WAIT) -> bytes:
        """Wait until the host wrote ``data``; return everything up to and including it."""
        deadline = time.monotonic() + timeout
        while data not in self._rx:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"host never wrote {data!r}; got {bytes(self._rx)!r}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                self._rx += os.read(self.master, 4096)
        end = self._rx.index(data) + len(data)
        got = bytes(self._rx[:end])
        del self._rx[:end]
        return got

    def received_now(self, settle: float = 0.1) -> bytes:
        """Everything the host wrote so far (after a short settle time)."""
        ready, _, _ = select.select([self.master], [], [], settle)
        while ready:
            self._rx += os.read(self.master, 4096)
            ready, _, _ = select.select([self.master], [], [], 0.02)
        got = bytes(self._rx)
        self._rx.clear()
        return got

    def unplug(self) -> None:
        if self.master is not None:
            os.close(self.master)
            self.master = None

    def close(self) -> None:
        self.serial.close()
        self.unplug()


class Recorder:
    """Collects URCs and close reasons; lets the test wait for them."""

    def __init__(self) -> None:
        self.urcs: list[Urc] = []
        self.closed: list[str] = []
        self.threads: list[str] = []
        self._cv = threading.Condition()

    def on_urc(self, urc: Urc) -> None:
        with self._cv:
            self.urcs.append(urc)
            self.threads.append(threading.current_thread().name)
            self._cv.notify_all()

    def on_closed(self, reason: str) -> None:
        with self._cv:
            self.closed.append(reason)
            self._cv.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = WAIT) -> None:
        with self._cv:
            assert self._cv.wait_for(predicate, timeout), "condition not reached in time"

    def named(self, name: str) -> list[Urc]:
        with self._cv:
            return [u for u in self.urcs if u.name == name]


@pytest.fixture
def no_leaks() -> Iterator[None]:
    threads_before = set(threading.enumerate())
    fds_before = set(os.listdir("/proc/self/fd"))
    yield
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        extra = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
        if not extra:
            break
        time.sleep(0.02)
    assert not extra, f"threads leaked: {extra}"
    # /proc/self/fd lists the fd of its own listing; compare numbers we did not have before
    leaked = set(os.listdir("/proc/self/fd")) - fds_before
    leaked = {fd for fd in leaked if os.path.exists(f"/proc/self/fd/{fd}")}
    assert not leaked, f"fds leaked: {leaked}"


@pytest.fixture
def modem(no_leaks: None) -> Iterator[PtyModem]:
    m = PtyModem()
    yield m
    m.close()


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


@pytest.fixture
def channel(modem: PtyModem, rec: Recorder) -> Iterator[AtChannel]:
    ch = AtChannel(modem.serial, on_urc=rec.on_urc, on_closed=rec.on_closed, name="test")
    yield ch
    ch.close()


@pytest.fixture
def run() -> Iterator[Callable[..., Future]]:
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="host")
    yield pool.submit
    pool.shutdown(wait=True)


# ------------------------------------------------------------------ basics


def test_simple_command_returns_ok(channel: AtChannel, modem: PtyModem, run) -> None:
    fut = run(channel.command, "AT", 2.0)
    modem.expect(b"AT\r")
    modem.send(b"\r\nOK\r\n")
    resp = fut.result(WAIT)
    assert resp == AtResponse(command="AT", lines=(), final="OK")


def test_intermediate_lines_are_collected(channel: AtChannel, modem: PtyModem, run) -> None:
    fut = run(channel.command, "AT+CSQ", 2.0)
    modem.expect(b"AT+CSQ\r")
    modem.send(b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n")
    resp = fut.result(WAIT)
    assert resp.lines == ("+CSQ: 20,99",)
    assert resp.values("+CSQ") == ["20,99"]


def test_lines_without_prefix_belong_to_the_command(
    channel: AtChannel, modem: PtyModem, run
) -> None:
    fut = run(channel.command, "AT+CGMI", 2.0)
    modem.expect(b"AT+CGMI\r")
    modem.send(b"\r\nhuawei\r\n\r\nOK\r\n")
    assert fut.result(WAIT).lines == ("huawei",)


def test_reply_split_byte_by_byte_and_bare_cr(channel: AtChannel, modem: PtyModem, run) -> None:
    fut = run(channel.command, "AT+CGSN", 2.0)
    modem.expect(b"AT+CGSN\r")
    for b in b"\r356789012345678\rOK\r":
        modem.send(bytes([b]))
    assert fut.result(WAIT).lines == ("356789012345678",)


def test_echo_on_is_skipped(channel: AtChannel, modem: PtyModem, run) -> None:
    fut = run(channel.command, "AT+CSQ", 2.0)
    modem.expect(b"AT+CSQ\r")
    modem.send(b"AT+CSQ\r\r\n+CSQ: 7,99\r\n\r\nOK\r\n")
    assert fut.result(WAIT).lines == ("+CSQ: 7,99",)


def test_echo_off_and_on_both_work_in_one_session(channel: AtChannel, modem: PtyModem, run) -> None:
    fut = run(channel.command, "ATE0", 2.0)
    modem.expect(b"ATE0\r")
    modem.send(b"ATE0\r\r\nOK\r\n")  # the echo of ATE0 itself still comes
    assert fut.result(WAIT).lines == ()
    fut = run(channel.command, "AT+CMGF=0", 2.0)
    modem.expect(b"AT+CMGF=0\r")
    modem.send(b"\r\nOK\r\n")
    assert fut.result(WAIT).final == "OK"


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("answer", "kind", "code"),
    [
        (b"ERROR", "error", None),
        (b"+CME ERROR: 14", "cme", 14),
        (b"+CME ERROR: SIM busy", "cme", 14),
        (b"+CMS ERROR: 321", "cms", 321),
        (b"+CMS ERROR: 500", "cms", 500),
        (b"COMMAND NOT SUPPORT", "not-supported", None),
        (b"TOO MANY PARAMETERS", "too-many-parameters", None),
    ],
)
def test_error_final_codes_raise_at_error_with_kind_and_code(
    channel: AtChannel, modem: PtyModem, run, answer: bytes, kind: str, code: int | None
) -> None:
    fut = run(channel.command, "AT+CMGR=9", 2.0)
    modem.expect(b"AT+CMGR=9\r")
    modem.send(b"\r\n" + answer + b"\r\n")
    with pytest.raises(AtError) as info:
        fut.result(WAIT)
    assert info.value.kind == kind
    assert info.value.code == code
    assert info.value.final == answer.decode()
    assert info.value.command == "AT+CMGR=9"


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (b"NO CARRIER", "no-carrier"),
        (b"BUSY", "busy"),
        (b"NO ANSWER", "no-answer"),
        (b"NO DIALTONE", "no-dialtone"),
    ],
)
def test_call_result_codes_end_a_dial_command(
    channel: AtChannel, modem: PtyModem, run, answer: bytes, kind: str
) -> None:
    fut = run(channel.command, "ATD0812345;", 2.0)
    modem.expect(b"ATD0812345;\r")
    modem.send(b"\r\n" + answer + b"\r\n")
    with pytest.raises(AtError) as info:
        fut.result(WAIT)
    assert info.value.kind == kind


def test_no_carrier_during_another_command_is_a_urc(
    channel: AtChannel, modem: PtyModem, rec: Recorder, run
) -> None:
    fut = run(channel.command, "AT+CSQ", 2.0)
    modem.expect(b"AT+CSQ\r")
    modem.send(b"\r\nNO CARRIER\r\n\r\n+CSQ: 12,99\r\n\r\nOK\r\n")
    assert fut.result(WAIT).lines == ("+CSQ: 12,99",)
    rec.wait_for(lambda: bool(rec.named("NO CARRIER")))


# ------------------------------------------------------------------ URC routing


def test_urc_arriving_mid_response_is_not_swallowed(
    channel: AtChannel, modem: PtyModem, rec: Recorder, run
) -> None:
    fut = run(channel.command, "AT+CMGL=4", 2.0)
    modem.expect(b"AT+CMGL=4\r")
    modem.send(
        b"\r\n+CMGL: 0,1,,23\r\n0791261800000000040B916\r\n"
        b'+CMTI: "SM",5\r\n'
        b"+CMGL: 1,1,,23\r\n0791261800000000040B917\r\n"
        b"^RSSI:13\r\n"
        b"\r\nOK\r\n"
    )
    resp = fut.result(WAIT)
    assert resp.lines == (
        "+CMGL: 0,1,,23",
        "0791261800000000040B916",
        "+CMGL: 1,1,,23",
        "0791261800000000040B917",
    )
    rec.wait_for(lambda: bool(rec.named("+CMTI")) and bool(rec.named("^RSSI")))
    cmti = rec.named("+CMTI")[0]
    assert cmti.args == ("SM", "5")
    assert cmti.raw == '+CMTI: "SM",5'
    assert rec.named("^RSSI")[0].args == ("13",)


def test_cmgr_header_and_pdu_belong_to_the_command(
    channel: AtChannel, modem: PtyModem, rec: Recorder, run
) -> None:
    fut = run(channel.command, "AT+CMGR=3", 2.0)
    modem.expect(b"AT+CMGR=3\r")
    modem.send(b'\r\n+CMGR: 0,,29\r\n07912618"\r\n\r\nOK\r\n')
    assert fut.result(WAIT).lines == ("+CMGR: 0,,29", '07912618"')
    assert rec.urcs == []


def test_cmt_two_line_urc_carries_its_pdu(
    channel: AtChannel, modem: PtyModem, rec: Recorder, run
) -> None:
    modem.send(b"\r\n+CMT: ,24\r\n07911326040000F0040B911346610089F60000\r\n")
    rec.wait_for(lambda: bool(rec.named("+CMT")))
    urc = rec.named("+CMT")[0]
    assert urc.args == ("", "24")
    assert urc.pdu == "07911326040000F0040B911346610089F60000"
    # and in the middle of a command's response
    fut = run(channel.command, "AT+CPMS?", 2.0)
    modem.expect(b"AT+CPMS?\r")
    modem.send(b'\r\n+CPMS: "SM",1,30\r\n+CDS: 25\r\n0006D1\r\n\r\nOK\r\n')
    assert fut.result(WAIT).lines == ('+CPMS: "SM",1,30',)
    rec.wait_for(lambda: bool(rec.named("+CDS")))
    assert rec.named("+CDS")[0].pdu == "0006D1"


def test_cmt_header_without_pdu_line_does_not_eat_the_final_code(
    channel: AtChannel, modem: PtyModem, rec: Recorder, run
) -> None:
    fut = run(channel.command, "AT", 2.0)
    modem.expect(b"AT\r")
    modem.send(b'\r\n+CMT: "+6281234",,"24/01/01,10:00:00+28"\r\nOK\r\n')
    assert fut.result(WAIT).final == "OK"
    rec.wait_for(lambda: bool(rec.named("+CMT")))
    assert rec.named("+CMT")[0].pdu is None


def test_urcs_while_idle_and_noise_are_delivered(
    channel: AtChannel, modem: PtyModem, rec: Recorder
) -> None:
    modem.send(
        b'\r\nRING\r\n\r\n+CLIP: "+6281234567890",145,"",0,"",0\r\n'
        b"^BOOT:91409020,0,0,0,6\r\nSMS DONE\r\n"
        b'+CMTI: "SM",1,"MMS PUSH",2,1\r\n'
        b"something odd\r\n"
    )
    rec.wait_for(lambda: len(rec.urcs) == 6)
    assert [u.name for u in rec.urcs] == ["RING", "+CLIP", "^BOOT", "SMS DONE", "+CMTI", ""]
    assert rec.urcs[1].args[:2] == ("+6281234567890", "145")
    assert rec.urcs[4].args[:2] == ("SM", "1")
    assert rec.urcs[5].raw == "something odd"


def test_creg_answer_belongs_to_creg_query_but_unsolicited_creg_is_a_urc(
    channel: AtChannel, modem: PtyModem, rec: Recorder, run
) -> None:
    fut = run(channel.command, "AT+CREG?", 2.0)
    modem.expect(b"AT+CREG?\r")
    modem.send(b"\r\n+CREG: 0,1\r\n\r\nOK\r\n")
    assert fut.result(WAIT).lines == ("+CREG: 0,1",)
    fut = run(channel.command, "AT+CSQ", 2.0)
    modem.expect(b"AT+CSQ\r")
    modem.send(b'\r\n+CREG: 1,"4CA","81DE445"\r\n+CSQ: 3,99\r\n\r\nOK\r\n')
    assert fut.result(WAIT).lines == ("+CSQ: 3,99",)
    rec.wait_for(lambda: bool(rec.named("+CREG")))
    assert rec.named("+CREG")[0].args == ("1", "4CA", "81DE445")


def test_clip_answer_belongs_to_clip_query(
    channel: AtChannel, modem: PtyModem, rec: Recorder, run
) -> None:
    fut = run(channel.command, "AT+CLIP?", 2.0)
    modem.expect(b"AT+CLIP?\r")
    modem.send(b"\r\n+CLIP: 1,1\r\n\r\nOK\r\n")
    assert fut.result(WAIT).lines == ("+CLIP: 1,1",)
    assert rec.urcs == []


def test_set_command_does_not_swallow_its_own_urc_name(
    channel: AtChannel, modem: PtyModem, rec: Recorder, run
) -> None:
    fut = run(channel.command, "AT+CREG=2", 2.0)
    modem.expect(b"AT+CREG=2\r")
    modem.send(b'\r\n+CREG: 1,"00A1","1B2C"\r\nOK\r\n')
    assert fut.result(WAIT).lines == ()
    rec.wait_for(lambda: bool(rec.named("+CREG")))


def test_urc_handler_runs_off_the_reader_thread_and_may_send_commands(modem: PtyModem, run) -> None:
    results: list[AtResponse] = []
    done = threading.Event()
    holder: dict[str, AtChannel] = {}
    names: list[str] = []

    def on_urc(urc: Urc) -> None:
        names.append(threading.current_thread().name)
        if urc.name == "+CMTI":
            results.append(holder["ch"].command(f"AT+CMGR={urc.args[1]}", timeout=2.0))
            done.set()

    ch = AtChannel(modem.serial, on_urc=on_urc, name="nested")
    holder["ch"] = ch
    try:
        modem.send(b'\r\n+CMTI: "SM",4\r\n')
        modem.expect(b"AT+CMGR=4\r")
        modem.send(b"\r\n+CMGR: 0,,5\r\n0011223344\r\n\r\nOK\r\n")
        assert done.wait(WAIT)
        assert results[0].lines == ("+CMGR: 0,,5", "0011223344")
        assert names == ["nested-urc"]
    finally:
        ch.close()


def test_failing_urc_handler_does_not_stop_dispatch(modem: PtyModem) -> None:
    seen: list[str] = []
    got_two = threading.Event()

    def on_urc(urc: Urc) -> None:
        seen.append(urc.name)
        if len(seen) == 1:
            raise RuntimeError("handler bug")
        got_two.set()

    ch = AtChannel(modem.serial, on_urc=on_urc)
    try:
        modem.send(b"\r\nRING\r\nRING\r\n")
        assert got_two.wait(WAIT)
    finally:
        ch.close()


# ------------------------------------------------------------------ timeouts


def test_late_reply_after_timeout_is_not_taken_for_the_next_command(
    channel: AtChannel, modem: PtyModem, run
) -> None:
    with pytest.raises(AtTimeout):
        channel.command("AT+CSQ", timeout=0.2)
    modem.expect(b"AT+CSQ\r")
    assert channel.stale
    fut = run(channel.command, "AT+CGMI", 2.0)
    # the channel resynchronises first; the modem, answering in order, now sends
    # the late answer of AT+CSQ and then the answer of the resync AT
    modem.expect(b"AT\r")
    modem.send(b"\r\n+CSQ: 5,5\r\n\r\nOK\r\n")
    time.sleep(0.1)
    modem.send(b"\r\nOK\r\n")
    modem.expect(b"AT+CGMI\r")
    modem.send(b"\r\nhuawei\r\n\r\nOK\r\n")
    assert fut.result(WAIT).lines == ("huawei",)
    assert not channel.stale


def test_late_reply_while_idle_is_noise_and_next_command_gets_its_answer(
    channel: AtChannel, modem: PtyModem, rec: Recorder, run
) -> None:
    with pytest.raises(AtTimeout):
        channel.command("AT+COPS?", timeout=0.2)
    modem.send(b'\r\n+COPS: 0,0,"TELKOMSEL"\r\n\r\nOK\r\n')
    rec.wait_for(lambda: any(u.raw == "OK" for u in rec.urcs))
    fut = run(channel.command, "AT+CSQ", 2.0)
    modem.expect(b"AT\r")
    modem.send(b"\r\nOK\r\n")
    modem.expect(b"AT+CSQ\r")
    modem.send(b"\r\n+CSQ: 31,99\r\n\r\nOK\r\n")
    assert fut.result(WAIT).lines == ("+CSQ: 31,99",)


def test_timed_out_command_never_answered_costs_only_the_resync(modem: PtyModem, run) -> None:
    ch = AtChannel(modem.serial, resync_timeout=0.3)
    try:
        with pytest.raises(AtTimeout):
            ch.command("AT+CSQ", timeout=0.2)
        fut = run(ch.command, "AT+CGMM", 2.0)
        modem.expect(b"AT\r")
        modem.send(b"\r\nOK\r\n")  # only the resync is answered
        modem.expect(b"AT+CGMM\r")
        modem.send(b"\r\nE173\r\n\r\nOK\r\n")
        assert fut.result(WAIT).lines == ("E173",)
    finally:
        ch.close()


def test_timeout_keeps_lines_received_so_far(channel: AtChannel, modem: PtyModem, run) -> None:
    fut = run(channel.command, "AT+CPIN?", 0.4)
    modem.expect(b"AT+CPIN?\r")
    modem.send(b"\r\n+CPIN: READY\r\n")  # Wavecom: no OK
    with pytest.raises(AtTimeout) as info:
        fut.result(WAIT)
    assert info.value.lines == ("+CPIN: READY",)


def test_garbage_on_the_line_does_not_break_the_next_command(
    channel: AtChannel, modem: PtyModem, rec: Recorder, run
) -> None:
    modem.send(bytes(range(256)) + b"\xff" * 5000)
    rec.wait_for(lambda: len(rec.urcs) >= 1)
    fut = run(channel.command, "AT+CSQ", 2.0)
    modem.expect(b"AT+CSQ\r")
    modem.send(b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n")
    assert fut.result(WAIT).lines == ("+CSQ: 20,99",)


# ------------------------------------------------------------------ prompt


def test_prompt_then_data_and_ctrl_z(channel: AtChannel, modem: PtyModem, run) -> None:
    fut = run(lambda: channel.command("AT+CMGS=13", timeout=2.0, prompt_data="0011000B91"))
    modem.expect(b"AT+CMGS=13\r")
    assert modem.received_now(0.05) == b"", "data must wait for the prompt"
    modem.send(b"\r\n> ")
    modem.expect(b"0011000B91\x1a")
    modem.send(b"\r\n+CMGS: 42\r\n\r\nOK\r\n")
    assert fut.result(WAIT).values("+CMGS") == ["42"]


def test_prompt_flow_with_echo_on(channel: AtChannel, modem: PtyModem, run) -> None:
    fut = run(lambda: channel.command("AT+CMGS=13", timeout=2.0, prompt_data="0011000B91"))
    modem.expect(b"AT+CMGS=13\r")
    modem.send(b"AT+CMGS=13\r\r\n> ")
    modem.expect(b"0011000B91\x1a")
    modem.send(b"0011000B91\x1a\r\n+CMGS: 7\r\n\r\nOK\r\n")
    assert fut.result(WAIT).lines == ("+CMGS: 7",)


def test_prompt_timeout_sends_esc_and_raises(channel: AtChannel, modem: PtyModem, run) -> None:
    fut = run(lambda: channel.command("AT+CMGS=13", timeout=0.3, prompt_data="0011"))
    modem.expect(b"AT+CMGS=13\r")
    with pytest.raises(AtTimeout):
        fut.result(WAIT)
    assert modem.expect(b"\x1b") == b"\x1b"
    assert channel.stale


def test_error_instead_of_prompt_sends_no_data(channel: AtChannel, modem: PtyModem, run) -> None:
    fut = run(lambda: channel.command("AT+CMGS=13", timeout=2.0, prompt_data="0011"))
    modem.expect(b"AT+CMGS=13\r")
    modem.send(b"\r\n+CMS ERROR: 304\r\n")
    with pytest.raises(AtError) as info:
        fut.result(WAIT)
    assert info.value.code == 304
    assert modem.received_now() == b""


# ------------------------------------------------------------------ unplug and close


def test_unplug_during_a_command_raises_channel_closed_and_calls_on_closed_once(
    channel: AtChannel, modem: PtyModem, rec: Recorder, run
) -> None:
    fut = run(channel.command, "AT+CMGL=4", 5.0)
    modem.expect(b"AT+CMGL=4\r")
    modem.send(b"\r\n+CMGL: 0,1,,23\r\n")
    modem.unplug()
    with pytest.raises(ChannelClosed):
        fut.result(WAIT)
    rec.wait_for(lambda: len(rec.closed) == 1)
    assert channel.closed
    with pytest.raises(ChannelClosed):
        channel.command("AT", timeout=1.0)
    time.sleep(0.1)
    assert len(rec.closed) == 1


def test_unplug_while_idle_fails_the_next_command(
    channel: AtChannel, modem: PtyModem, rec: Recorder
) -> None:
    modem.unplug()
    rec.wait_for(lambda: len(rec.closed) == 1)
    with pytest.raises(ChannelClosed):
        channel.command("AT", timeout=1.0)
    assert len(rec.closed) == 1


def test_close_wakes_a_waiting_command_and_leaves_the_port_open(
    modem: PtyModem, rec: Recorder, run
) -> None:
    ch = AtChannel(modem.serial, on_urc=rec.on_urc, on_closed=rec.on_closed)
    fut = run(ch.command, "AT+CSQ", 5.0)
    modem.expect(b"AT+CSQ\r")
    ch.close()
    with pytest.raises(ChannelClosed):
        fut.result(WAIT)
    assert rec.closed == [], "a deliberate close is not a port failure"
    assert modem.serial.is_open
    ch.close()  # idempotent


def test_many_channels_on_one_port_leave_no_threads(modem: PtyModem, run) -> None:
    before = threading.active_count()
    for _ in range(10):
        ch = AtChannel(modem.serial)
        fut = run(ch.command, "AT", 2.0)
        modem.expect(b"AT\r")
        modem.send(b"\r\nOK\r\n")
        fut.result(WAIT)
        ch.close()
    assert threading.active_count() <= before + 2  # the test's own pool workers
