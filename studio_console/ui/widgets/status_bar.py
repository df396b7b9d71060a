"""The status bar: modem state, show on air, outbox backlog, clock (WIB), sound.

It reads what the ingest service publishes in the store (``service_status``),
so it works the same whether the modem is owned by this process or the daemon.
A status older than :data:`STALE_SECONDS` means no ingest service is running.
Sound (when the app has a sound service) comes last: ready, quiet, ``REKAM mm:ss``,
or the one sentence saying what is missing and how to fix it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.widgets import Static

from studio_console.text import one_line

__all__ = ["StatusBar"]

WIB = ZoneInfo("Asia/Jakarta")
STALE_SECONDS = 15.0


class StatusBar(Static):
    """One line of facts every screen shows."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    StatusBar.-problem { background: $error 40%; }
    """

    def on_mount(self) -> None:
        self.refresh_status()
        self.set_interval(1.0, self.refresh_status)

    def refresh_status(self) -> None:
        """Re-read the published status and redraw."""
        app = self.app
        t = app.t  # type: ignore[attr-defined]
        store = app.store  # type: ignore[attr-defined]
        now = app.clock()  # type: ignore[attr-defined]
        status = store.read_status()
        problem = False
        if status is None or _age(status.get("updated_at"), now) > STALE_SECONDS:
            modem = t("status.no_service")
            problem = True
        else:
            state = status.get("state") or "stopped"
            problem = state != "ready"
            used = sum(v[0] for v in (status.get("storages") or {}).values())
            total = sum(v[1] for v in (status.get("storages") or {}).values())
            dbm = status.get("signal_dbm")
            modem = t("status.modem", state=t(f"state.{state}"),
                      operator=one_line(status.get("operator") or "-", 24),
                      dbm="-" if dbm is None else dbm, used=used, total=total)
        show = store.show_on_air()
        show_text = (t("status.show", name=one_line(show["name"], 30)) if show
                     else t("status.no_show"))
        waiting, failed = store.outbox_backlog()
        outbox = t("status.outbox", count=waiting)
        if failed:
            outbox += " " + t("status.outbox_failed", count=failed)
            problem = True
        clock = now.astimezone(WIB).strftime("%H:%M:%S")
        parts = [modem, show_text, outbox, t("status.clock", clock=clock)]
        sound = audio_text(app)
        if sound:
            parts.append(sound)
        text = " · ".join(parts)
        self.set_class(problem, "-problem")
        self.update(Text(text, no_wrap=True, overflow="ellipsis"))


def mm_ss(seconds: float) -> str:
    """``01:23`` (minutes can pass 59: ``75:00``)."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def audio_text(app: object) -> str:
    """The sound part of the status bar ("" when the app has no sound service)."""
    if getattr(app, "audio", None) is None:
        return ""
    t = app.t  # type: ignore[attr-defined]
    started = getattr(app, "audio_started", None)
    if started is not None and not started.is_set():
        return t("audio.ui.starting")
    status = app.audio_call("status")  # type: ignore[attr-defined]
    if status is None:
        return t("audio.ui.broken")
    parts = []  # the short facts first: the sentence of a problem may be cut at the edge
    if status.recording is not None:
        parts.append(t("audio.status.recording", seconds=mm_ss(status.recording.seconds)))
    if status.quiet:
        parts.append(t("audio.status.quiet").upper())
    parts.append(t("audio.status.ok").rstrip(".") if status.state == "ok" else status.message)
    return " · ".join(p for p in parts if p)


def _age(updated_at: str | None, now: datetime) -> float:
    if not updated_at:
        return float("inf")
    try:
        return (now - datetime.fromisoformat(updated_at)).total_seconds()
    except ValueError:
        return float("inf")
