"""`studio-console …`: the command-line entry point and its subcommands.

Each subcommand imports what it needs when it runs, so ``studio-console
--help`` and the light commands start fast and do not need a terminal UI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from studio_console import __version__
from studio_console.config import ConfigError, Settings, default_config_path, load_settings

__all__ = ["build_parser", "main"]


def _settings(args: argparse.Namespace) -> Settings:
    path = getattr(args, "config", None)
    if path is None:
        path = default_config_path()
    settings = load_settings(path)
    return settings.with_overrides(port=getattr(args, "port", None), db=getattr(args, "db", None))


def _cmd_demo(args: argparse.Namespace) -> int:
    from studio_console.console import run_demo

    return run_demo(language=args.lang, role=args.role, traffic=not args.no_traffic,
                    pace=args.pace)


def _cmd_run(args: argparse.Namespace) -> int:
    from studio_console.console import run_console

    settings = _settings(args)
    return run_console(settings, role=args.role or settings.roles.default,
                       operator=args.operator)


def _cmd_monitor(args: argparse.Namespace) -> int:
    from studio_console.demo import run_monitor

    return run_monitor(port=None if args.virtual else (args.port or _settings(args).modem.port),
                       language=args.lang)


def _cmd_doctor(args: argparse.Namespace) -> int:
    from studio_console.doctor import run_doctor

    settings = _settings(args)
    return run_doctor(settings, port=args.port, open_port=not args.no_open, out=sys.stdout)


def _cmd_daemon(args: argparse.Namespace) -> int:
    import logging

    from studio_console.daemon import run_daemon

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return run_daemon(_settings(args))


def _cmd_messages(args: argparse.Namespace) -> int:
    import json

    from studio_console.store import Store, StoreError
    from studio_console.text import one_line

    settings = _settings(args)
    path = settings.resolve(settings.database.path)
    if not path.exists():
        print(f"studio-console: no database at {path}", file=sys.stderr)
        return 2
    since = _parse_since(args.since) if args.since else None
    try:
        store = Store(path)
    except StoreError as exc:
        print(f"studio-console: {exc}", file=sys.stderr)
        return 2
    with store:
        rows = store.messages(since=since, search=args.search, state=args.state,
                              limit=args.limit, newest_first=args.limit is not None)
        rows = sorted(rows, key=lambda r: r.id) if args.limit is not None else rows
        for row in rows:
            if args.json:
                print(json.dumps(row.as_json(), ensure_ascii=False))
            else:
                parts = "" if row.complete and row.parts == 1 else f" [{row.parts_received}/{row.parts}]"
                print(f"{row.id:>7}  {row.received_at[:19]}  {one_line(row.sender):<16} "
                      f"{row.state:<9}{parts} {one_line(row.text, 200)}")
    return 0


def _parse_since(text: str) -> str:
    """``--since``: an ISO date/time (local WIB when no offset) or a span like ``2h``, ``30m``, ``7d``."""
    import re
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    span = re.fullmatch(r"(\d+)\s*([smhd])", text.strip())
    if span:
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[span.group(2)]
        moment = datetime.now(UTC) - timedelta(**{unit: int(span.group(1))})
    else:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise SystemExit(f"studio-console: --since {text!r} is neither an ISO date/time "
                             "nor a span like 2h, 30m, 7d") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo("Asia/Jakarta"))
    return moment.astimezone(UTC).isoformat()


def _cmd_check_config(args: argparse.Namespace) -> int:
    settings = _settings(args)
    where = settings.source or "built-in defaults"
    print(f"OK: {where}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand (also used to document the CLI)."""
    parser = argparse.ArgumentParser(
        prog="studio-console",
        description="Call-in and SMS console of Radio Malowopati (GSM modem, screening, on air, "
                    "complaint export).",
    )
    parser.add_argument("--version", action="version", version=f"studio-console {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = sub.add_parser("demo", help="the console on a virtual modem with sample traffic "
                                       "(no hardware, no set-up)")
    demo.add_argument("--lang", choices=("id", "en"), default="id", help="screen language")
    demo.add_argument("--pace", type=float, default=1.0,
                      help="traffic speed factor (2 = twice as fast)")
    demo.add_argument("--no-traffic", action="store_true", help="start with a silent modem")
    demo.add_argument("--role", choices=("producer", "host"), default="producer",
                      help="the first demo owns the virtual modem; run a second one with "
                           "--role host in another terminal to air what the producer approves")
    demo.set_defaults(func=_cmd_demo)

    run = sub.add_parser("run", help="the console: owns the modem if it can, else joins the "
                                     "running daemon as a screen")
    run.add_argument("--config", type=Path, help="config file (default ./config.toml)")
    run.add_argument("--port", help="serial port (overrides modem.port)")
    run.add_argument("--db", help="database file (overrides database.path)")
    run.add_argument("--role", choices=("producer", "host"),
                     help="screen role (default roles.default)")
    run.add_argument("--operator", help="your name, for the audit log")
    run.set_defaults(func=_cmd_run)

    monitor = sub.add_parser("monitor", help="raw live view of a modem (SMS and calls as they "
                                             "arrive), without the database")
    monitor.add_argument("--config", type=Path, help="config file (default ./config.toml)")
    monitor.add_argument("--port", help="serial port (default modem.port)")
    monitor.add_argument("--virtual", action="store_true",
                         help="a virtual modem with sample traffic")
    monitor.add_argument("--lang", choices=("id", "en"), default="id")
    monitor.set_defaults(func=_cmd_monitor)

    doctor = sub.add_parser("doctor", help="explain what is wrong with the modem set-up")
    doctor.add_argument("--config", type=Path, help="config file (default ./config.toml)")
    doctor.add_argument("--port", help="serial port to check (default: modem.port from config)")
    doctor.add_argument("--no-open", action="store_true",
                        help="only list ports and check permissions; do not talk to the modem")
    doctor.set_defaults(func=_cmd_doctor)

    daemon = sub.add_parser("daemon", help="the ingest service alone (modem -> database), for "
                                           "a systemd unit")
    daemon.add_argument("--config", type=Path, help="config file (default ./config.toml)")
    daemon.add_argument("--port", help="serial port (overrides modem.port)")
    daemon.add_argument("--db", help="database file (overrides database.path)")
    daemon.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    daemon.set_defaults(func=_cmd_daemon)

    messages = sub.add_parser("messages", help="list stored messages")
    messages.add_argument("--config", type=Path, help="config file (default ./config.toml)")
    messages.add_argument("--db", help="database file (overrides database.path)")
    messages.add_argument("--json", action="store_true",
                          help="one JSON object per line (id, sender, text, received_at, "
                               "sent_at, parts, state, …)")
    messages.add_argument("--since", help="ISO date/time (WIB when no offset) or a span: 2h, 7d")
    messages.add_argument("--search", help="words to find in text and sender names")
    messages.add_argument("--state", choices=("new", "approved", "rejected", "spam", "throttled",
                                              "queued", "on_air", "aired"))
    messages.add_argument("--limit", type=int, help="only the newest N")
    messages.set_defaults(func=_cmd_messages)

    check = sub.add_parser("check-config", help="validate a config file and report the first error")
    check.add_argument("--config", type=Path, help="config file (default ./config.toml)")
    check.set_defaults(func=_cmd_check_config)

    from studio_console.complaints import cli as complaints_cli

    complaints_cli.add_parser(sub)

    from studio_console import audio_cli

    audio_cli.add_parser(sub)

    from drivers.gsm import vmodem_cli

    vmodem_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"studio-console: config error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
