"""The producer's calls panel: who is ringing, who is on hold, who is ready for air.

The ringing line shows the caller's number, remembered name and history
(earlier calls and messages, blocked or warning flags) before anyone answers;
warning and blocked callers stand out (CSS classes ``-warning``/``-blocked``).
The screener answers and hangs up (requests the ingest service carries out on
the modem, :mod:`studio_console.store.commands`), writes notes, puts the caller
on hold, marks them ready for the host, and can summarise the call into an
item. Hold and waiting times tick every second.

Sound (when the app has a sound service): the line meter sits under the heading
(with ``REKAM mm:ss`` while recording); a call that starts ringing plays the
``call_ringing`` cue (not the ones already ringing when the panel opens); a
caller on hold too long plays ``call_hold`` (:meth:`AudioService.hold_check` at
every refresh and tick); every call state change is told to
:meth:`AudioService.on_call_state`, which records the call while it is on air
(``audio.record_calls``). :meth:`CallsPanel.toggle_recording` starts or stops a
recording by hand.

The owning screen calls :meth:`CallsPanel.refresh_data` on every
:class:`~studio_console.ui.messages.StoreChanged`. Caller numbers, names and
notes are untrusted: they are rendered only as ``rich.text.Text`` through
:func:`~studio_console.text.one_line`.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from studio_console.i18n import CATALOGUE, Translator
from studio_console.screening import ScreeningError
from studio_console.store import commands
from studio_console.store.calls_view import CallRow, calls_view, producer_may, set_notes
from studio_console.text import one_line
from studio_console.ui.bindings import localize_bindings
from studio_console.ui.widgets.line_meter import LineMeter
from studio_console.ui.widgets.status_bar import mm_ss

__all__ = ["CallLine", "CallsPanel"]

WIB = ZoneInfo("Asia/Jakarta")
RECENT_CALLS = 6
RECORD_RETRY_SECONDS = 5.0
"""How often an on-air call that is not being recorded (device was missing) is tried again."""


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def caller_label(row: CallRow, t: Translator) -> str:
    """The caller as the producer names them: full number (or "withheld"), display-safe."""
    if row.hidden or not row.number:
        return t("calls.hidden")
    return one_line(row.number, 24)


class CallLine(Static):
    """One call: state, caller, history, flags, times, notes (all inert text).

    CSS classes: ``-ringing``, ``-active``, ``-ended``, ``-blocked``, ``-warning``,
    ``-ready``, ``-hold``, ``-selected``.
    """

    DEFAULT_CSS = """
    CallLine { height: auto; padding: 0 1; border-left: blank; }
    CallLine.-ended { color: $text-muted; }
    CallLine.-ringing { background: $primary 20%; text-style: bold; }
    CallLine.-hold { background: $secondary 15%; }
    CallLine.-ready { background: $success 20%; }
    CallLine.-warning { background: $warning 30%; }
    CallLine.-blocked { background: $error 35%; }
    CallLine.-selected { border-left: thick $accent; }
    """

    def __init__(self, row: CallRow) -> None:
        super().__init__(id=f"call-{row.id}")
        self.row = row

    def show(self, row: CallRow, now: datetime) -> None:
        """Redraw from ``row`` at time ``now``."""
        self.row = row
        t = self.app.t  # type: ignore[attr-defined]
        self.set_class(row.ringing, "-ringing")
        self.set_class(row.active, "-active")
        self.set_class(not row.active, "-ended")
        self.set_class(row.blocked, "-blocked")
        self.set_class(bool(row.warning) and not row.blocked, "-warning")
        self.set_class(row.active and row.state == "hold", "-hold")
        self.set_class(row.active and row.state == "ready", "-ready")
        self.update(self._render_text(row, now, t))

    @staticmethod
    def _render_text(row: CallRow, now: datetime, tr: Translator) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        state = "ringing" if row.ringing else row.state  # a blocked caller rings too (flagged below)
        text.append(tr(f"calls.state.{state}"), style="bold")
        text.append("  ")
        text.append(caller_label(row, tr), style="bold")
        if row.sender_name:
            text.append("  ")
            text.append(one_line(row.sender_name, 30))
        if row.operator:
            text.append(f"  · {one_line(row.operator, 30)}")
        times = []
        if row.ringing:
            times.append(tr("calls.wait", time=_duration(row.wait_seconds(now))))
        elif row.active:
            held = row.hold_seconds(now)
            if held is not None:
                times.append(tr("calls.held", time=_duration(held)))
        else:
            when = datetime.fromisoformat(row.ringing_at).astimezone(WIB).strftime("%H:%M")
            times.append(tr("calls.at", time=when))
        if row.item_id is not None:
            times.append(tr("calls.item", id=row.item_id))
        if times:
            text.append("  ")
            text.append(" · ".join(times), style="bold" if row.active else "")
        # The second line: history and flags, known before anyone answers.
        text.append("\n")
        if row.hidden:
            text.append(tr("calls.no_history"))
        elif row.previous_calls or row.messages:
            text.append(tr("calls.history", calls=row.previous_calls, messages=row.messages))
        else:
            text.append(tr("calls.first_time"))
        if row.blocked:
            text.append("  ")
            text.append(tr("calls.blocked", reason=one_line(row.blocked_reason or "-", 60)), style="bold")
        if row.warning:
            text.append("  ")
            text.append(tr("calls.warning", warning=one_line(row.warning, 60)), style="bold")
        if row.notes:
            text.append("\n")
            text.append(tr("calls.notes", notes=one_line(row.notes, 200)))
        return text


class CallsPanel(Vertical, can_focus=True):
    """Calls ringing and in progress (oldest first), then the recent ones.

    Bindings (when the panel has focus): answer, hang up, notes, hold, ready,
    summarise into an item, and up/down to choose the call.
    """

    DEFAULT_CSS = """
    CallsPanel { height: auto; max-height: 50%; border: round $panel; overflow-y: auto; }
    CallsPanel:focus { border: round $accent; }
    CallsPanel > .calls-heading { height: 1; padding: 0 1; color: $text-muted; }
    CallsPanel > #calls-none { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", "up", show=False, id="calls.up"),
        Binding("down", "cursor(1)", "down", show=False, id="calls.down"),
        Binding("a", "answer", "answer", id="calls.answer"),
        Binding("x", "hangup", "hang up", id="calls.hangup"),
        Binding("n", "notes", "notes", id="calls.notes"),
        Binding("h", "hold", "hold", id="calls.hold"),
        Binding("r", "ready", "ready", id="calls.ready"),
        Binding("s", "summarise", "summarise", id="calls.summarise"),
    ]

    class SelectionChanged(Message):
        """The screener chose another call (``call_id`` None: no call)."""

        def __init__(self, call_id: int | None) -> None:
            super().__init__()
            self.call_id = call_id

    def __init__(
        self, *, recent: int = RECENT_CALLS, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.recent = recent
        self.selected_call_id: int | None = None
        self._rows: list[CallRow] = []
        self._ids: tuple[tuple[int, bool], ...] = ()
        self._watched: dict[int, str] = {}  # modem command id -> command, until done or failed
        self._states: dict[int, str] | None = None  # active call id -> state (None: not loaded yet)
        self._no_auto: set[int] = set()  # calls whose automatic recording was stopped by hand
        self._record_tried: dict[int, float] = {}  # on-air call id -> monotonic time of the last try

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        yield Static(Text(t("calls.title")), classes="calls-heading", id="calls-heading")
        yield LineMeter(show_recording=True, id="line-meter")
        yield Static(Text(t("calls.none")), id="calls-none")

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]
        self.refresh_data()
        self.set_interval(1.0, self.tick)

    # ----------------------------------------------------------------- data
    @property
    def rows(self) -> list[CallRow]:
        """The calls shown, in order (active first)."""
        return list(self._rows)

    @property
    def selected(self) -> CallRow | None:
        """The chosen call, if any."""
        return next((r for r in self._rows if r.id == self.selected_call_id), None)

    def refresh_data(self) -> None:
        """Re-read the calls (call on every StoreChanged) and report finished modem commands."""
        store = self.app.store  # type: ignore[attr-defined]
        view = calls_view(store, recent=self.recent)
        self._rows = [*view.active, *view.recent]
        self._check_commands()
        self._follow_sound()
        ids = tuple((r.id, r.active) for r in self._rows)
        if ids != self._ids:
            self._ids = ids
            self.call_later(self._rebuild)
        else:
            self._redraw()

    async def _rebuild(self) -> None:
        await self.query(CallLine).remove()
        await self.query(".calls-recent").remove()
        rows = list(self._rows)
        self.query_one("#calls-none").display = not rows
        widgets: list[Static] = []
        t = self.app.t  # type: ignore[attr-defined]
        for index, row in enumerate(rows):
            if not row.active and (index == 0 or rows[index - 1].active):
                widgets.append(Static(Text(t("calls.recent")), classes="calls-heading calls-recent"))
            widgets.append(CallLine(row))
        if widgets:
            await self.mount_all(widgets)
        self._choose_selection()
        self._redraw()

    def _choose_selection(self) -> None:
        ids = [r.id for r in self._rows]
        current = self.selected
        active = [r for r in self._rows if r.active]
        if current is None or (not current.active and active):
            ringing = [r for r in active if r.ringing]
            choice = (ringing or active or self._rows or [None])[0]
            self._select(choice.id if choice is not None else None)
        elif self.selected_call_id not in ids:
            self._select(None)

    def _select(self, call_id: int | None) -> None:
        if call_id == self.selected_call_id:
            return
        self.selected_call_id = call_id
        for line in self.query(CallLine):
            line.set_class(line.row.id == call_id, "-selected")
        if call_id is not None:
            for line in self.query(CallLine):
                if line.row.id == call_id:
                    self.scroll_to_widget(line, animate=False)
        self.post_message(self.SelectionChanged(call_id))

    def _redraw(self) -> None:
        now = self.app.clock()  # type: ignore[attr-defined]
        rows = {r.id: r for r in self._rows}
        for line in self.query(CallLine):
            row = rows.get(line.row.id)
            if row is not None:
                line.show(row, now)
            line.set_class(line.row.id == self.selected_call_id, "-selected")

    def tick(self) -> None:
        """Advance the waiting and hold timers (no query); warn of callers held too long."""
        now = self.app.clock()  # type: ignore[attr-defined]
        for line in self.query(CallLine):
            if line.row.active:
                line.show(line.row, now)
        if getattr(self.app, "audio", None) is not None:
            self._hold_checks(now)
            self._keep_recording()

    # ---------------------------------------------------------------- sound
    def _follow_sound(self) -> None:
        """Cue new ringing calls, tell the sound service every state change, check holds."""
        app = self.app
        if getattr(app, "audio", None) is None:
            return
        states = {r.id: ("ringing" if r.ringing else r.state) for r in self._rows if r.active}
        before, self._states = self._states, states
        if before is not None:
            if any(s == "ringing" and before.get(i) != "ringing" for i, s in states.items()):
                app.audio_call("cue", "call_ringing")  # type: ignore[attr-defined]
            ended = {r.id: r.state for r in self._rows if not r.active}
            for call_id, old in before.items():
                new = states.get(call_id, ended.get(call_id, "ended"))
                if new != old:
                    self._tell_state(call_id, new)
            for call_id, new in states.items():
                if call_id not in before:
                    self._tell_state(call_id, new)
        else:
            for call_id, state in states.items():  # the console (re)started during a call on air
                if state == "on_air":
                    self._tell_state(call_id, state)
        self._no_auto &= set(states)
        self._hold_checks(app.clock())  # type: ignore[attr-defined]

    def _show_id(self) -> int | None:
        show = self.app.store.show_on_air()  # type: ignore[attr-defined]
        return int(show["id"]) if show else None

    def _tell_state(self, call_id: int, state: str) -> None:
        if state == "on_air":
            if call_id in self._no_auto:
                return
            self._record_tried[call_id] = time.monotonic()
        else:
            self._record_tried.pop(call_id, None)
        self.app.audio_call("on_call_state", call_id, state, self._show_id() if state == "on_air" else None)  # type: ignore[attr-defined]

    def _keep_recording(self) -> None:
        """An on-air call that is not recorded (the device was missing) is tried again now and then."""
        if not self.app.settings.audio.record_calls or self._states is None:  # type: ignore[attr-defined]
            return
        on_air = [i for i, s in self._states.items() if s == "on_air" and i not in self._no_auto]
        if not on_air:
            return
        status = self.app.audio_call("status")  # type: ignore[attr-defined]
        if status is None or status.recording is not None:
            return
        call_id = on_air[0]
        if time.monotonic() - self._record_tried.get(call_id, 0.0) >= RECORD_RETRY_SECONDS:
            self._tell_state(call_id, "on_air")

    def _hold_checks(self, now: datetime) -> None:
        for row in self._rows:
            since = row.hold_at or row.ready_at
            if row.active and row.state in ("hold", "ready") and since:
                self.app.audio_call("hold_check", row.id, datetime.fromisoformat(since), now)  # type: ignore[attr-defined]

    def toggle_recording(self) -> None:
        """Stop the recording in progress, or record now: the selected call when it is on
        air (the file is linked to it and offered as lampiran), else a segment."""
        app = self.app
        t = app.t  # type: ignore[attr-defined]
        status = app.audio_call("status")  # type: ignore[attr-defined]
        if status is None:
            return
        if status.recording is not None:
            current = status.recording
            if current.call_id is not None:
                self._no_auto.add(current.call_id)
            done = app.audio_call("stop_recording")  # type: ignore[attr-defined]
            info = done or current
            name, seconds = Path(info.path).name, mm_ss(info.seconds)
            self.notify(t("audio.ui.rec_stopped", name=name, seconds=seconds), markup=False)
            return
        row = self.selected
        call_id = row.id if row is not None and row.active and row.state == "on_air" else None
        if call_id is not None:
            self._no_auto.discard(call_id)
        info = app.audio_call("start_recording", call_id=call_id, show_id=self._show_id())  # type: ignore[attr-defined]
        if info is None:
            after = app.audio_call("status")  # type: ignore[attr-defined]
            reason = (after.message if after is not None else "") or t("audio.ui.rec_unknown")
            self.notify(t("audio.ui.rec_failed", reason=reason), severity="error", markup=False)
            return
        self.notify(t("audio.ui.rec_started", name=Path(info.path).name), markup=False)

    def _check_commands(self) -> None:
        if not self._watched:
            return
        store = self.app.store  # type: ignore[attr-defined]
        t = self.app.t  # type: ignore[attr-defined]
        for command_id, action in list(self._watched.items()):
            command = commands.get(store, command_id)
            if command is not None and command.state == "pending" and command.stale(store.clock()):
                commands.complete(store, command_id, False, commands.ERROR_STALE)
                command = commands.get(store, command_id)
            if command is None or command.state == "pending":
                continue
            del self._watched[command_id]
            if command.state == "failed":
                key = f"calls.error.{command.error}"
                error = t(key) if key in CATALOGUE else one_line(command.error or "-", 120)
                self.notify(
                    t("calls.command_failed", action=t(f"calls.action.{action}"), error=error),
                    severity="error",
                    markup=False,
                )

    # -------------------------------------------------------------- actions
    def on_click(self, event: events.Click) -> None:
        """A click on a call chooses it."""
        node = event.widget
        while node is not None and node is not self and not isinstance(node, CallLine):
            node = node.parent  # type: ignore[assignment]
        if isinstance(node, CallLine):
            self._select(node.row.id)

    def action_cursor(self, step: int) -> None:
        """Choose the previous/next call."""
        if not self._rows:
            return
        ids = [r.id for r in self._rows]
        index = ids.index(self.selected_call_id) if self.selected_call_id in ids else -1
        self._select(ids[max(0, min(len(ids) - 1, index + step))])

    def _target(self, action: str) -> CallRow | None:
        """The selected call when ``action`` is allowed on it; otherwise say why."""
        t = self.app.t  # type: ignore[attr-defined]
        row = self.selected
        if row is None:
            self.notify(t("calls.no_selection"), severity="warning", markup=False)
            return None
        if action in ("answer", "hangup", "hold", "ready") and not producer_may(
            row.state, action, ringing=row.ringing
        ):
            state = "ringing" if row.ringing else row.state
            self.notify(
                t("calls.not_allowed", action=t(f"calls.action.{action}"), state=t(f"calls.state.{state}")),
                severity="warning",
                markup=False,
            )
            return None
        return row

    def _changed(self) -> None:
        self.refresh_data()
        self.app.notify_changed()  # type: ignore[attr-defined]

    def action_answer(self) -> None:
        """Ask the modem to answer the ringing call."""
        row = self._target("answer")
        if row is None:
            return
        app = self.app
        command_id = commands.request(
            app.store,
            "answer",
            {"call_id": row.id},  # type: ignore[attr-defined]
            app.screening.actor,
        )  # type: ignore[attr-defined]
        self._watched[command_id] = "answer"
        self.notify(
            app.t("calls.answering", caller=caller_label(row, app.t)),  # type: ignore[attr-defined]
            markup=False,
        )
        self._changed()

    def action_hangup(self) -> None:
        """End the call (rejected while ringing) and ask the modem to hang up."""
        row = self._target("hangup")
        if row is None:
            return
        app = self.app
        actor = app.screening.actor  # type: ignore[attr-defined]
        state = "blocked" if row.state == "blocked" else "rejected" if row.ringing else "ended"
        app.store.call_set_state(
            row.id,
            state,
            reason="hung up by screener",  # type: ignore[attr-defined]
            role=actor.role,
            actor=actor.name,
        )
        command_id = commands.request(app.store, "hangup", {"call_id": row.id}, actor)  # type: ignore[attr-defined]
        self._watched[command_id] = "hangup"
        self.notify(
            app.t("calls.hanging_up", caller=caller_label(row, app.t)),  # type: ignore[attr-defined]
            markup=False,
        )
        self._changed()

    def _move(self, to: str) -> None:
        row = self._target(to)
        if row is None:
            return
        actor = self.app.screening.actor  # type: ignore[attr-defined]
        self.app.store.call_set_state(row.id, to, role=actor.role, actor=actor.name)  # type: ignore[attr-defined]
        self._changed()

    def action_hold(self) -> None:
        """Put the caller on hold (screened, waiting)."""
        self._move("hold")

    def action_ready(self) -> None:
        """Mark the caller ready for the host."""
        self._move("ready")

    def action_notes(self) -> None:
        """Edit the screener's notes on the call."""
        from studio_console.ui.dialogs.call_notes import CallNotes

        row = self._target("notes")
        if row is None:
            return
        call_id = row.id

        def saved(text: str | None) -> None:
            if text is None:
                return
            actor = self.app.screening.actor  # type: ignore[attr-defined]
            set_notes(self.app.store, call_id, text, role=actor.role, actor=actor.name)  # type: ignore[attr-defined]
            self.notify(self.app.t("calls.notes_saved"), markup=False)  # type: ignore[attr-defined]
            self._changed()

        self.app.push_screen(CallNotes("calls.notes_title", self._caller_name(row), row.notes), saved)

    def action_summarise(self) -> None:
        """Turn the call into an item for the queue, starting from the notes."""
        from studio_console.ui.dialogs.call_notes import CallNotes

        row = self._target("summarise")
        if row is None:
            return
        call_id, name = row.id, row.sender_name

        def saved(text: str | None) -> None:
            if text is None:
                return
            try:
                item_id = self.app.screening.add_manual(  # type: ignore[attr-defined]
                    text, reporter_name=name, call_id=call_id
                )
            except ScreeningError as exc:
                self.notify(exc.localized(self.app.t), severity="error", markup=False)
                return
            self.notify(self.app.t("calls.summarised", id=item_id), markup=False)  # type: ignore[attr-defined]
            self._changed()

        self.app.push_screen(CallNotes("calls.summary_title", self._caller_name(row), row.notes), saved)

    def _caller_name(self, row: CallRow) -> str:
        label = caller_label(row, self.app.t)  # type: ignore[attr-defined]
        return f"{label} ({row.sender_name})" if row.sender_name else label
