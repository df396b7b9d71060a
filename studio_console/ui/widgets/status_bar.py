"""The status bar: modem state, show on air, outbox backlog, clock (WIB).

It reads what the ingest service publishes in the store (``service_status``),
so it works the same whether the modem is owned by this process or the daemon.
A status older than :data:`STALE_SECONDS` means no ingest service is running.
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
        text = " · ".join([modem, show_text, outbox, t("status.clock", clock=clock)])
        self.set_class(problem, "-problem")
        self.update(Text(text, no_wrap=True, overflow="ellipsis"))


def _age(updated_at: str | None, now: datetime) -> float:
    if not updated_at:
        return float("inf")
    try:
        return (now - datetime.fromisoformat(updated_at)).total_seconds()
    except ValueError:
        return float("inf")
