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
    from studio_console.demo import run_demo

    return run_demo(language=args.lang, traffic=not args.no_traffic, pace=args.pace)


def _cmd_doctor(args: argparse.Namespace) -> int:
    from studio_console.doctor import run_doctor

    settings = _settings(args)
    return run_doctor(settings, port=args.port, open_port=not args.no_open, out=sys.stdout)


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
    demo.set_defaults(func=_cmd_demo)

    doctor = sub.add_parser("doctor", help="explain what is wrong with the modem set-up")
    doctor.add_argument("--config", type=Path, help="config file (default ./config.toml)")
    doctor.add_argument("--port", help="serial port to check (default: modem.port from config)")
    doctor.add_argument("--no-open", action="store_true",
                        help="only list ports and check permissions; do not talk to the modem")
    doctor.set_defaults(func=_cmd_doctor)

    check = sub.add_parser("check-config", help="validate a config file and report the first error")
    check.add_argument("--config", type=Path, help="config file (default ./config.toml)")
    check.set_defaults(func=_cmd_check_config)

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
