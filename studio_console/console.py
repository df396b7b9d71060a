"""`studio-console run` and `studio-console demo`: start the console in this terminal.

The console owns the modem when it can (the ingest service then runs inside
it); when another process owns the port, it says which and joins as a screen
of that process, reading the shared database. Either way it has its own sound
(:class:`~studio_console.audio.AudioService`: cues, the line meter, recording),
which the app starts and closes; without a sound card it runs on and says so.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

from studio_console.config import Settings
from studio_console.i18n import Translator
from studio_console.ownership import PortBusy, PortLock
from studio_console.services import StudioServices

__all__ = ["demo_folder", "run_console", "run_demo"]

DEMO_BLOCKED = ("+6281999000111", "Teror dan kata kasar berulang")


def _owner(busy: PortBusy) -> str:
    """``pid 1234 (studio-console daemon …)``: the owner, without words of any language."""
    return f"pid {busy.pid} ({busy.command})" if busy.command else f"pid {busy.pid}"


def _audio_for(settings: Settings, db_path: Path) -> object:
    from studio_console.audio import AudioService

    return AudioService(settings, db_path=db_path)


def _ingest_for(settings: Settings, db_path: Path, modem_factory: object) -> StudioServices:
    return StudioServices(settings, db_path, modem_factory)  # type: ignore[arg-type]


def run_console(settings: Settings, *, role: str, operator: str | None = None) -> int:
    """The real console: own the modem if possible, else join as a screen."""
    from studio_console.daemon import make_modem_factory
    from studio_console.ui.app import StudioApp

    t = Translator(settings.studio.language)
    db_path = settings.resolve(settings.database.path)
    lock = PortLock(settings.modem.port)
    ingest, reason = None, None
    try:
        lock.acquire()
        ingest = _ingest_for(settings, db_path, make_modem_factory(settings))
    except PortBusy as busy:
        reason = t("app.owner_elsewhere", owner=_owner(busy))
    try:
        StudioApp(
            settings,
            db_path,
            role=role,
            operator=operator,
            ingest=ingest,
            screen_only_reason=reason,
            audio=_audio_for(settings, db_path),
        ).run()
    finally:
        lock.release()
    return 0


def demo_folder() -> Path:
    """Where the demo keeps its virtual modem link and database (one demo per user)."""
    return Path(tempfile.gettempdir()) / f"studio-console-demo-{os.getuid()}"


def run_demo(*, language: str = "id", role: str = "producer", traffic: bool = True, pace: float = 1.0) -> int:
    """The whole console on a virtual modem and a fresh database.

    The first ``demo`` owns the virtual modem and starts from an empty database;
    a second one (``--role host`` in another terminal) joins the same database
    as a screen, so a newcomer can screen in one terminal and air in the other.
    """
    from studio_console.demo import DemoRig
    from studio_console.store import Store
    from studio_console.ui.app import StudioApp

    folder = demo_folder()
    settings = Settings()
    settings = dataclasses.replace(
        settings,
        studio=dataclasses.replace(settings.studio, language=language),
        ingest=dataclasses.replace(settings.ingest, multipart_wait=20, sweep_interval=10),
        export=dataclasses.replace(settings.export, folder=str(folder / "exports")),
        audio=dataclasses.replace(settings.audio, recordings_folder=str(folder / "recordings")),
    )
    t = Translator(language)
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "ttyGSM0"
    db_path = folder / "demo.sqlite3"
    lock = PortLock(str(link))
    try:
        lock.acquire()
    except PortBusy as busy:  # a demo is running: join it as a screen
        StudioApp(
            settings,
            db_path,
            role=role,
            screen_only_reason=t("app.owner_elsewhere", owner=_owner(busy)),
            audio=_audio_for(settings, db_path),
        ).run()
        return 0
    try:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        with Store(db_path) as store:
            store.set_blocked(DEMO_BLOCKED[0], True, DEMO_BLOCKED[1], actor="demo")
        rig = DemoRig(folder, traffic=traffic, pace=pace)
        rig.start()
        try:
            ingest = _ingest_for(settings, db_path, rig.modem_factory)
            StudioApp(settings, db_path, role=role, ingest=ingest, audio=_audio_for(settings, db_path)).run()
        finally:
            rig.stop()
    finally:
        lock.release()
    return 0
