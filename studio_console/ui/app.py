"""The Textual app: one console, in the producer's or the host's role.

The app owns a store connection for the UI thread and a screening service
acting as the signed-in role. It notices every commit to the shared database
(``PRAGMA data_version``, a few times a second) and tells the active screen
with :class:`~studio_console.ui.messages.StoreChanged`. It never talks to the
modem: the ingest service (in this process or in the daemon) does.

Sound (:class:`~studio_console.audio.AudioService`, when one is given) is started
on mount and polled about once a second in a worker thread, closed on unmount;
a sound problem is shown by the status bar and never stops the console.
"""

from __future__ import annotations

import logging
import threading
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

log = logging.getLogger(__name__)

CHANGE_POLL_SECONDS = 0.25
AUDIO_POLL_SECONDS = 1.0


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
        audio: the console's sound (:class:`~studio_console.audio.AudioService`, not yet
            started: the app starts and closes it), or None for a console without sound
            (tests; the status bar then says nothing about sound).
    """

    CSS_PATH = "app.tcss"
    AUTO_FOCUS = None
    BINDINGS = [
        Binding("f1,question_mark", "help", "help", id="app.help"),
        Binding("ctrl+q", "quit", "quit", id="app.quit", priority=True),
        Binding("f6", "toggle_quiet", "quiet", id="app.quiet"),
    ]

    def __init__(self, settings: Settings, db_path: str | Path, *, role: str = "producer",
                 operator: str | None = None, ingest: Any = None,
                 screen_only_reason: str | None = None,
                 clock: Callable[[], datetime] | None = None, audio: Any = None) -> None:
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
        self.audio = audio
        self.audio_status: Any = None
        """The sound status last read in the background (None before the first one)."""
        self.audio_started = threading.Event()
        """Set once the sound service's start finished (whatever its outcome)."""
        self._audio_busy = threading.Lock()
        self._audio_closed = False
        self._audio_told = ""
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
        if self.audio is not None:
            self.run_worker(self._start_audio, thread=True, group="audio", exit_on_error=False)
            self.set_interval(AUDIO_POLL_SECONDS, self._poll_audio)

    def _role_screen(self) -> Any:
        if self.role == "host":
            from studio_console.ui.screens.host import HostScreen

            return HostScreen()
        from studio_console.ui.screens.producer import ProducerScreen

        return ProducerScreen()

    def on_unmount(self) -> None:
        if self.ingest is not None:
            self.ingest.stop()
        self._close_audio()
        self.store.close()

    # ------------------------------------------------------------------ sound
    def _start_audio(self) -> None:
        """Worker thread: open the devices (may take a moment; never raises)."""
        try:
            with self._audio_busy:
                if not self._audio_closed:
                    self.audio_status = self.audio.start()
        except Exception:  # the console runs on without sound
            log.exception("the sound service did not start")
        finally:
            self.audio_started.set()

    def _poll_audio(self) -> None:
        """Timer: housekeeping of the sound service in a worker (skipped while one runs)."""
        if self.audio is None or not self.audio_started.is_set():
            return
        self._tell_audio_problem()
        if self._audio_busy.locked():
            return
        self.run_worker(self._poll_audio_thread, thread=True, group="audio", exit_on_error=False)

    def _poll_audio_thread(self) -> None:
        if not self._audio_busy.acquire(blocking=False):
            return
        try:
            if not self._audio_closed:
                self.audio_status = self.audio.poll()
        except Exception:
            log.exception("sound housekeeping failed")
        finally:
            self._audio_busy.release()

    def _tell_audio_problem(self) -> None:
        """Say a new sound problem once as a notification (the status bar keeps showing it)."""
        status = self.audio_status
        message = status.message if status is not None and status.state not in ("ok", "off") else ""
        if message and message != self._audio_told:
            self.notify(message, title=self.t("audio.ui.title"), severity="warning", timeout=10, markup=False)
        self._audio_told = message

    def _close_audio(self) -> None:
        if self.audio is None or self._audio_closed:
            return
        with self._audio_busy:  # waits for a start or poll in progress
            self._audio_closed = True
            try:
                self.audio.close()  # finishes a recording in progress
            except Exception:
                log.exception("the sound service did not close cleanly")

    def audio_call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call a method of the sound service from the UI; None without sound or on an error.

        Screens use it for cues, recording and the meter so that no sound problem
        ever raises into the UI.
        """
        audio = self.audio
        if audio is None or self._audio_closed:
            return None
        try:
            return getattr(audio, method)(*args, **kwargs)
        except Exception:
            log.exception("sound: %s failed", method)
            return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Quiet mode exists only in a console with sound (hidden from footer and help otherwise)."""
        if action == "toggle_quiet":
            return self.audio is not None
        return True

    def action_toggle_quiet(self) -> None:
        """Quiet mode on or off: no cue sounds while the microphone is open."""
        quiet = self.audio_call("toggle_quiet")
        if quiet is None:
            return
        self.notify(self.t("audio.ui.quiet_on" if quiet else "audio.ui.quiet_off"), markup=False)
        self._refresh_status_bars()

    def _refresh_status_bars(self) -> None:
        from studio_console.ui.widgets.status_bar import StatusBar

        for bar in self.screen.query(StatusBar):
            bar.refresh_status()

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
