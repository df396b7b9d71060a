"""The Textual app: one console, in the producer's or the host's role.

The app owns a store connection for the UI thread and a screening service
acting as the signed-in role. It notices every commit to the shared database
(``PRAGMA data_version``, a few times a second) and tells the active screen
with :class:`~studio_console.ui.messages.StoreChanged`. It never talks to the
modem: the ingest service (in this process or in the daemon) does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from studio_console.config import Settings
from studio_console.i18n import Translator
from studio_console.screening import Actor, ScreeningService
from studio_console.store import Store
from studio_console.ui.bindings import localize_bindings
from studio_console.ui.messages import StoreChanged

__all__ = ["StudioApp"]

CHANGE_POLL_SECONDS = 0.25


class StudioApp(App[None]):
    """Studio Console.

    Args:
        settings: the studio's settings (language, theme, keymap, lists).
        db_path: the shared database file.
        role: ``"producer"`` or ``"host"``.
        operator: the signed-in person's name, for the audit log.
        ingest: the in-process ingest service when this console owns the modem.
        screen_only_reason: why this console does not own the modem (shown once).
        clock: the current time (UTC, timezone-aware); fixed in snapshot tests.
    """

    CSS_PATH = "app.tcss"
    AUTO_FOCUS = None
    BINDINGS = [
        Binding("f1,question_mark", "help", "help", id="app.help"),
        Binding("ctrl+q", "quit", "quit", id="app.quit", priority=True),
    ]

    def __init__(self, settings: Settings, db_path: str | Path, *, role: str = "producer",
                 operator: str | None = None, ingest: Any = None,
                 screen_only_reason: str | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.t = Translator(settings.studio.language)
        super().__init__()
        self.db_path = Path(db_path)
        self.role = role
        self.clock = clock or (lambda: datetime.now(UTC))
        self.ingest = ingest
        self.screen_only_reason = screen_only_reason
        self.store = Store(self.db_path, clock=self.clock,
                           flood_max_messages=settings.ingest.flood_max_messages,
                           flood_window=settings.ingest.flood_window)
        self.screening = ScreeningService(self.store, Actor(role, operator))
        self._watcher = self.store.watcher()
        self.title = self.t("app.title")
        self.sub_title = self.t(f"role.{role}")
        localize_bindings(self, self.t)

    def on_mount(self) -> None:
        if self.settings.ui.theme in self.available_themes:
            self.theme = self.settings.ui.theme
        if self.settings.ui.keymap:
            self.set_keymap(self.settings.ui.keymap)
        self.push_screen(self._role_screen())
        if self.ingest is not None:
            self.ingest.start()
        if self.screen_only_reason:
            self.notify(self.screen_only_reason, title=self.t("app.screen_only"), timeout=10)
        self.set_interval(CHANGE_POLL_SECONDS, self._poll_changes)

    def _role_screen(self) -> Any:
        if self.role == "host":
            from studio_console.ui.screens.host import HostScreen

            return HostScreen()
        from studio_console.ui.screens.producer import ProducerScreen

        return ProducerScreen()

    def on_unmount(self) -> None:
        if self.ingest is not None:
            self.ingest.stop()
        self.store.close()

    def _poll_changes(self) -> None:
        if self._watcher.changed():
            self.notify_changed()

    def notify_changed(self) -> None:
        """Tell the active screen that the database changed (also after own writes)."""
        self.screen.post_message(StoreChanged())

    def action_help(self) -> None:
        from studio_console.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
