"""`studio-console audio devices|test`: what PortAudio sees, and a cue + line-level check."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

__all__ = ["add_parser", "level_bar"]


def level_bar(dbfs: float, width: int = 40, floor: float = -60.0) -> str:
    """A text bar for a level in dBFS (``floor`` .. 0 dBFS over ``width`` characters)."""
    filled = round(width * (min(max(dbfs, floor), 0.0) - floor) / -floor)
    return "#" * filled + "." * (width - filled)


def _settings(args: argparse.Namespace) -> Any:
    from studio_console.cli import _settings as settings_of

    return settings_of(args)


def _cmd_devices(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # looked up now: a test may have replaced it
    from drivers.audio.devices import list_devices, match_device
    from drivers.audio.errors import AudioError
    from studio_console.audio import describe_error
    from studio_console.i18n import Translator

    settings = _settings(args)
    t = Translator(settings.studio.language)
    try:
        devices = list_devices()
    except AudioError as exc:
        print(describe_error(exc, t), file=out)
        return 1
    print(t("audio.cli.devices_header"), file=out)
    for d in devices:
        print("  " + d.describe(), file=out)
    if not devices:
        print("  " + t("audio.doctor.no_devices"), file=out)
        return 1
    code = 0
    a = settings.audio
    for spec, kind, key, label in (
        (a.cue_device, "output", "audio.cue_device", "audio.cli.cue_is"),
        (a.line_device, "input", "audio.line_device", "audio.cli.line_is"),
    ):
        try:
            d = match_device(devices, spec, kind, setting=key)
            print(t(label, name=f"{d.name} (#{d.index})"), file=out)
        except AudioError as exc:
            print(describe_error(exc, t), file=out)
            code = 1
    return code


def _cmd_recordings(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # looked up now: a test may have replaced it
    from studio_console.audio import AudioService
    from studio_console.i18n import Translator
    from studio_console.store import Store
    from studio_console.store import recordings as rec_store
    from studio_console.text import one_line

    settings = _settings(args)
    if getattr(args, "db", None):
        settings = settings.with_overrides(db=args.db)
    t = Translator(settings.studio.language)
    db_path = settings.resolve(settings.database.path)
    if not db_path.exists():
        print(t("audio.cli.no_database", path=str(db_path)), file=out)
        return 2
    with Store(db_path) as store:
        rows = rec_store.live(store)
    for r in rows:
        where = f"call {r.call_id}" if r.call_id is not None else one_line(r.label or "-", 30)
        held = t("audio.cli.attached", count=r.complaints) if r.attached else "-"
        print(
            f"  #{r.id:<5} {r.started_at[:19]}  {r.seconds:7.1f} s  {r.bytes / 1e6:7.1f} MB  "
            f"{where:<14} {held:<16} {one_line(r.path, 200)}",
            file=out,
        )
    kept = AudioService(settings, db_path=db_path).retention()
    assert kept is not None
    limit = t("audio.cli.no_limit") if not kept.limit_bytes else f"{kept.limit_bytes / 1e6:.0f} MB"
    print(
        t(
            "audio.cli.retention",
            count=kept.count,
            used=f"{kept.bytes / 1e6:.1f} MB",
            limit=limit,
            attached=kept.attached_count,
            attached_used=f"{kept.attached_bytes / 1e6:.1f} MB",
            oldest=(kept.oldest_started_at or "-")[:19],
            removed=kept.removed_total,
        ),
        file=out,
    )
    if kept.over_limit:
        print(t("audio.cli.over_limit"), file=out)
        return 1
    return 0


def _cmd_test(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # looked up now: a test may have replaced it
    from studio_console.audio import AudioService
    from studio_console.i18n import Translator

    settings = _settings(args)
    t = Translator(settings.studio.language)
    service = AudioService(settings, db_path=None)
    status = service.start()
    try:
        for problem in status.problems:
            print("!! " + problem, file=out)
        if status.state in ("off", "no_library"):
            return 1
        if status.cue_device:
            events = [args.event] if args.event else ["sms_approved"]
            for event in events:
                print(t("audio.cli.playing", event=event, device=status.cue_device), file=out)
                service.cue(event)
        if service.meter() is None:
            return 1
        print(t("audio.cli.level", device=status.line_device, seconds=args.seconds), file=out)
        end = time.monotonic() + args.seconds
        best = -200.0
        while time.monotonic() < end:
            time.sleep(0.25)
            m = service.meter()
            if m is None:
                break
            best = max(best, m.peak_dbfs)
            clip = " CLIP" if m.clip else ""
            print(
                f"  {level_bar(m.rms_dbfs)}  peak {m.peak_dbfs:6.1f}  rms {m.rms_dbfs:6.1f} dBFS{clip}",
                file=out,
                flush=True,
            )
        if best <= -100.0:
            print(t("audio.cli.no_signal"), file=out)
        final = service.status()
        if final.state not in ("ok",):
            print("!! " + final.message, file=out)
            return 1
        print(t("audio.cli.ok"), file=out)
        return 0
    finally:
        service.close()


def add_parser(sub: Any) -> None:
    """Add ``audio`` with ``devices`` and ``test`` to the CLI's subparsers."""
    from pathlib import Path

    from drivers.audio.tones import EVENTS

    audio = sub.add_parser("audio", help="studio sound: list devices, test the cue and line-in")
    inner = audio.add_subparsers(dest="audio_command", metavar="ACTION", required=True)
    devices = inner.add_parser(
        "devices", help="list the sound devices PortAudio sees, and which ones config.toml picks"
    )
    devices.add_argument("--config", type=Path, help="config file (default ./config.toml)")
    devices.set_defaults(func=_cmd_devices)
    kept = inner.add_parser(
        "recordings", help="the recordings kept on disk, which complaints hold them, and the retention"
    )
    kept.add_argument("--config", type=Path, help="config file (default ./config.toml)")
    kept.add_argument("--db", help="database file (overrides database.path)")
    kept.set_defaults(func=_cmd_recordings)
    test = inner.add_parser("test", help="play a cue on the cue device and show the line-in level")
    test.add_argument("--config", type=Path, help="config file (default ./config.toml)")
    test.add_argument("--seconds", type=float, default=3.0, help="how long to show the level")
    test.add_argument("--event", choices=EVENTS, help="which cue to play (default sms_approved)")
    test.set_defaults(func=_cmd_test)
