"""`vmodem` and `vmodem-ctl`: serve a virtual modem, and drive it from another terminal.

``studio-console vmodem --link /tmp/ttyGSM0 --control /tmp/vmodem.sock`` serves a
virtual modem in the foreground until SIGINT/SIGTERM; point the console (or
gammu, or minicom) at the link. ``studio-console vmodem-ctl --control
/tmp/vmodem.sock sms +6281234567890 "teks"`` injects an SMS into it; the other
actions ring, hang up, unplug, replug, send line noise, slow it down, fill its
storage and print its status. The same commands run without the console as
``python -m drivers.gsm.vmodem_cli vmodem …`` / ``… vmodem-ctl …``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from drivers.gsm.virtual import PROFILES, VirtualModem
from drivers.gsm.virtual_control import ControlServer, control_request

__all__ = ["build_request", "main", "register", "run_ctl", "run_vmodem"]


def _on_off(value: str) -> bool:
    if value.lower() in ("on", "1", "true", "yes"):
        return True
    if value.lower() in ("off", "0", "false", "no"):
        return False
    raise argparse.ArgumentTypeError("expected on or off")


def register(subparsers: Any) -> None:
    """Add the ``vmodem`` and ``vmodem-ctl`` subcommands to an argparse subparsers object."""
    serve = subparsers.add_parser(
        "vmodem",
        help="serve a virtual GSM modem on a pseudo-terminal (until Ctrl-C)",
        description="Serve a virtual GSM modem on a pseudo-terminal. The link is the port to "
        "open; vmodem-ctl drives it through the control socket.",
    )
    serve.add_argument("--link", required=True, help="stable path of the modem port (a symlink)")
    serve.add_argument("--control", required=True, help="Unix socket for vmodem-ctl")
    serve.add_argument("--sm-capacity", type=int, default=30, help="SIM storage slots")
    serve.add_argument("--me-capacity", type=int, default=100, help="phone storage slots")
    serve.add_argument("--pin", help="lock the SIM with this PIN")
    serve.add_argument(
        "--profile", choices=PROFILES, default="generic", help="quirks of a real modem to imitate"
    )
    serve.add_argument(
        "--location-base",
        type=int,
        choices=(0, 1),
        default=1,
        help="number of the first storage slot (Huawei: 0)",
    )
    serve.add_argument(
        "--auto-status-reports",
        action="store_true",
        help="answer sent messages that ask for it with a status report",
    )
    serve.add_argument(
        "--auto-reply",
        metavar="NUMBER",
        help="answer SMS sent to NUMBER as LAPOR! 1708 does (a reply with a tracking number)",
    )
    serve.set_defaults(func=run_vmodem)

    ctl = subparsers.add_parser(
        "vmodem-ctl",
        help="drive a running virtual modem",
        description="Drive a virtual modem served by `vmodem`.",
    )
    ctl.add_argument("--control", required=True, help="the modem's control socket")
    actions = ctl.add_subparsers(dest="action", metavar="ACTION", required=True)

    sms = actions.add_parser("sms", help="deliver an SMS (multipart when long)")
    sms.add_argument("sender")
    sms.add_argument("text")
    sms.add_argument("--count", type=int, default=1, help="deliver it N times")
    sms.add_argument("--storage", choices=("SM", "ME"))
    sms.add_argument("--direct", action="store_true", help="route as +CMT, not stored")
    sms.add_argument("--encoding", choices=("gsm7", "ucs2", "8bit"))
    sms.add_argument("--ref-bits", type=int, choices=(8, 16), default=8)
    sms.add_argument("--flash", action="store_true", help="class 0 message")

    raw = actions.add_parser("pdu", help="store a raw PDU (hex, SMSC field first)")
    raw.add_argument("pdu")
    raw.add_argument("--storage", choices=("SM", "ME"))

    report = actions.add_parser("status-report", help="a status report for a sent message")
    report.add_argument("reference", type=int, help="the TP-MR that +CMGS reported")
    report.add_argument("--status", type=int, default=0, help="TP-ST (0 = delivered)")

    call = actions.add_parser("call", help="an incoming call")
    call.add_argument("number", nargs="?", default="", help="caller (empty: withheld)")
    call.add_argument("--rings", type=int, default=3)
    call.add_argument("--interval", type=float, default=1.0)
    call.add_argument("--no-clip", action="store_true", help="withhold the number")

    actions.add_parser("hangup", help="the caller hangs up (NO CARRIER)")
    actions.add_parser("unplug", help="pull the modem out")
    actions.add_parser("replug", help="plug it back in")

    garbage = actions.add_parser("garbage", help="send line noise to the client")
    garbage.add_argument("count", type=int, nargs="?", default=64, help="random bytes")
    garbage.add_argument("--hex", help="send these bytes instead")

    delay = actions.add_parser("delay", help="delay every reply")
    delay.add_argument("seconds", type=float)

    full = actions.add_parser("full", help="force the storage-full state")
    full.add_argument("state", type=_on_off, nargs="?", default=True, help="on or off")

    nowhere = actions.add_parser("cmti-nowhere", help="a +CMTI for an empty slot")
    nowhere.add_argument("--storage", default="SM")
    nowhere.add_argument("--index", type=int, default=7)

    noise = actions.add_parser("noise", help="periodic Huawei ^RSSI/^BOOT/^MODE noise")
    noise.add_argument("state", type=_on_off, nargs="?", default=True, help="on or off")
    noise.add_argument("--interval", type=float, default=0.5)

    auto = actions.add_parser("auto-reply", help="answer SMS sent to a number like LAPOR! 1708")
    auto.add_argument("number", help="the number to answer for (off: stop answering)")
    auto.add_argument("--text", help="the reply; {n} becomes an increasing number")
    auto.add_argument("--delay", type=float, help="seconds before the reply arrives")
    auto.add_argument("--first", type=int, help="the first {n}")

    actions.add_parser("status", help="print the modem's state as JSON")
    ctl.set_defaults(func=run_ctl)


def run_vmodem(args: argparse.Namespace, *, stop: threading.Event | None = None) -> int:
    """Serve a virtual modem and its control socket until SIGINT/SIGTERM (or ``stop`` is set).

    Args:
        args: the parsed ``vmodem`` arguments.
        stop: set it to stop serving (for tests; signals are only handled in the
            main thread).

    Returns:
        The exit code.
    """
    stop = stop or threading.Event()
    vm = VirtualModem(
        link=args.link,
        sm_capacity=args.sm_capacity,
        me_capacity=args.me_capacity,
        pin=args.pin,
        profile=args.profile,
        location_base=args.location_base,
        auto_status_reports=args.auto_status_reports,
    )
    if getattr(args, "auto_reply", None):
        vm.set_auto_reply(args.auto_reply)
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    server = ControlServer(vm, args.control)
    try:
        vm.start()
        server.start()
        print(
            f"virtual modem on {vm.port}, control socket {args.control} (Ctrl-C stops it)",
            flush=True,
        )
        while not stop.wait(0.2):
            pass
    finally:
        server.stop()
        vm.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def build_request(args: argparse.Namespace) -> dict[str, Any]:
    """The control request of parsed ``vmodem-ctl`` arguments."""
    action = args.action
    req: dict[str, Any] = {"action": action}
    if action == "sms":
        req.update(
            sender=args.sender,
            text=args.text,
            count=args.count,
            storage=args.storage,
            route="direct" if args.direct else "store",
            encoding=args.encoding,
            ref_bits=args.ref_bits,
            flash=args.flash,
        )
    elif action == "pdu":
        req.update(pdu=args.pdu, storage=args.storage)
    elif action == "status-report":
        req.update(reference=args.reference, status=args.status)
    elif action == "call":
        req.update(number=args.number, clip=not args.no_clip, rings=args.rings, interval=args.interval)
    elif action == "garbage":
        req.update(count=args.count, hex=args.hex)
    elif action == "delay":
        req.update(seconds=args.seconds)
    elif action in ("full", "noise"):
        req.update(on=args.state)
        if action == "noise":
            req.update(interval=args.interval)
    elif action == "cmti-nowhere":
        req.update(storage=args.storage, index=args.index)
    elif action == "auto-reply":
        req.update(number=args.number, text=args.text, delay=args.delay, first=args.first)
    return req


def run_ctl(args: argparse.Namespace) -> int:
    """Send one ``vmodem-ctl`` action and print the result (JSON).

    Returns:
        0 on success, 1 when the modem refused the action, 2 when the control
        socket cannot be reached.
    """
    try:
        reply = control_request(args.control, build_request(args))
    except (OSError, ValueError) as exc:
        print(f"vmodem-ctl: cannot reach {args.control}: {exc}", file=sys.stderr)
        return 2
    if not reply.get("ok"):
        print(f"vmodem-ctl: {reply.get('error', 'failed')}", file=sys.stderr)
        return 1
    result = reply.get("result")
    indent = 2 if args.action == "status" else None
    print(json.dumps(result, ensure_ascii=False, indent=indent))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m drivers.gsm.vmodem_cli``."""
    parser = argparse.ArgumentParser(
        prog="python -m drivers.gsm.vmodem_cli",
        description="A virtual GSM modem and its remote control.",
    )
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
