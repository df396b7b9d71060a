"""Transports that carry ready complaints out of the studio (file package, SMS 1708, HTTP push,
and the optional reply SMS to the citizen).

:func:`build_transports` makes the ones ``config.toml`` asks for (``export.transports``,
``export.citizen_reply``). The SMS transports need the modem, so only the process that
owns it (the daemon, or a console that owns the port) builds them; the others can run in
any process, e.g. ``studio-console complaints send``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from studio_console.config import Settings

__all__ = ["MODEM_TRANSPORTS", "build_transports"]

MODEM_TRANSPORTS = frozenset({"sms1708", "balasan"})
"""Transports that send through the modem."""


def build_transports(
    settings: Settings,
    db_path: str | Path,
    *,
    modem: Any = None,
    environ: Mapping[str, str] | None = None,
    only: list[str] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The configured transports by outbox name.

    Args:
        settings: the studio's settings (``export``).
        db_path: the database (the SMS transports record their sends there).
        modem: the modem driver of this process, or None: then the SMS transports are left
            out and their rows wait for the process that owns the modem.
        environ: where the HTTP bearer token is read (default ``os.environ``).
        only: build only these names (still only among the configured ones).
        errors: when given, a transport that cannot be built is left out and its reason
            put here by name (the others still run); otherwise the error is raised.
    """
    export = settings.export
    names = list(export.transports)
    if export.citizen_reply:
        names.append("balasan")
    if only is not None:
        names = [n for n in names if n in only]
    built: dict[str, Any] = {}
    for name in names:
        if name in MODEM_TRANSPORTS and modem is None:
            continue
        try:
            transport = _build(name, settings, db_path, modem, environ)
        except Exception as exc:
            if errors is None:
                raise
            errors[name] = f"{type(exc).__name__}: {exc}"
            continue
        built[name] = transport
    return built


def _build(
    name: str, settings: Settings, db_path: str | Path, modem: Any, environ: Mapping[str, str] | None
) -> Any:
    export = settings.export
    if name == "file":
        from studio_console.complaints.transports.file_package import FilePackageTransport

        return FilePackageTransport(
            settings.resolve(export.folder),
            attachments_folder=settings.resolve(settings.audio.recordings_folder),
        )
    if name == "http":
        from studio_console.complaints.transports.http_push import HttpTransport

        base = settings.source.parent if settings.source else None  # a relative http_ca_file
        return HttpTransport.from_settings(export, base_dir=base, environ=environ)
    if name == "sms1708":
        from studio_console.complaints.transports.sms1708 import Sms1708Transport

        return Sms1708Transport.from_settings(export, db_path, modem)
    if name == "balasan":
        from studio_console.complaints.transports.citizen_reply import CitizenReplyTransport

        return CitizenReplyTransport.from_settings(export, db_path, modem, station=settings.studio.station)
    raise ValueError(f"unknown transport {name!r}")
