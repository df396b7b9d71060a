"""The producer's screen: the live inbox, the highlighted item in full, the calls.

Every screening action is a single key (a ``Binding`` with id
``producer.<name>``, shown in the footer, the help screen and the command
palette) acting on the item highlighted in the inbox through
``self.app.screening``; refusals (``ScreeningError``) are shown as
notifications. After each write the screen calls ``self.app.notify_changed()``
so the inbox, the detail and the other console follow at once.

Layout: side by side (inbox | detail over calls) on a wide terminal; stacked
(inbox over detail, calls panel on demand) below :data:`WIDE_COLUMNS` columns,
which keeps 80×24 usable.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Static

from studio_console.config import ShowSchedule
from studio_console.places import Place, load_places
from studio_console.screening import ScreeningError
from studio_console.store import StoreError
from studio_console.store.history import item_sender, remember_sender_place, sender_history
from studio_console.store.inbox import InboxRow, inbox_row
from studio_console.text import one_line
from studio_console.ui.bindings import binding_commands, localize_bindings
from studio_console.ui.dialogs.choice_picker import ChoicePicker
from studio_console.ui.dialogs.confirm import ConfirmDialog
from studio_console.ui.dialogs.desa_picker import DesaPicker
from studio_console.ui.dialogs.manual_item import ManualItem, ManualItemDialog
from studio_console.ui.dialogs.text_prompt import TextPrompt
from studio_console.ui.messages import StoreChanged
from studio_console.ui.widgets.detail_pane import DetailPane
from studio_console.ui.widgets.status_bar import StatusBar

__all__ = ["WIDE_COLUMNS", "ProducerCommands", "ProducerScreen", "default_show_name"]

WIB = ZoneInfo("Asia/Jakarta")
WIDE_COLUMNS = 120
"""At this width and above the panes sit side by side."""
TOPIC_MAX = 100  # the complaint's ``judul`` is at most 100 characters
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _optional(module: str, name: str) -> Any:
    """A class from a module another engineer may not have written yet (None when absent)."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None
    return getattr(found, name, None)


def default_show_name(shows: Iterable[ShowSchedule], now: datetime) -> str:
    """The scheduled show at ``now`` (WIB), else the first one in the schedule, else ``""``."""
    shows = list(shows)
    local = now.astimezone(WIB)
    day, hhmm = _DAYS[local.weekday()], local.strftime("%H:%M")
    for show in shows:
        if show.days and day not in show.days:
            continue
        if show.start <= hhmm < show.end or (
            show.end <= show.start and (hhmm >= show.start or hhmm < show.end)
        ):
            return show.name
    return shows[0].name if shows else ""


ProducerCommands = binding_commands("producer.", name="ProducerCommands")
"""The producer's actions in the command palette, under the same words as the footer."""


class ProducerScreen(Screen[None]):
    """Screening: the inbox, the highlighted item's detail and sender history, the calls."""

    CSS_PATH = "producer.tcss"
    COMMANDS = {ProducerCommands}
    BINDINGS = [
        Binding("a", "move('approved')", "approve", id="producer.approve"),
        Binding("r", "move('rejected')", "reject", id="producer.reject"),
        Binding("s", "move('spam')", "spam", id="producer.spam"),
        Binding("b", "block", "block", id="producer.block"),
        Binding("e", "edit", "edit", id="producer.edit"),
        Binding("n", "name", "name", id="producer.name"),
        Binding("d", "desa", "desa", id="producer.desa"),
        Binding("t", "topic", "topic", id="producer.topic"),
        Binding("o", "opd", "opd", id="producer.opd"),
        Binding("k", "category", "category", id="producer.category"),
        Binding("p", "priority", "priority", id="producer.priority"),
        Binding("i", "toggle('anonim')", "anonim", id="producer.anonim"),
        Binding("h", "toggle('rahasia')", "rahasia", id="producer.rahasia"),
        Binding("q", "move('queued')", "queue", id="producer.queue"),
        Binding("x", "set_next", "next", id="producer.next"),
        Binding("left_square_bracket", "reorder(-1)", "up", id="producer.move_up"),
        Binding("right_square_bracket", "reorder(1)", "down", id="producer.move_down"),
        Binding("m", "manual", "manual", id="producer.manual"),
        Binding("f2", "show", "show", id="producer.show"),
        Binding("f3", "toggle_calls", "calls", id="producer.toggle_calls"),
        Binding("f4", "complaints", "complaints", id="producer.complaints"),
        Binding("c", "complaint_from_item", "complaint", id="producer.complaint_from_item"),
        Binding("f7", "record", "record", id="producer.record"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.item_id: int | None = None
        """The item the actions apply to (the inbox's highlighted item)."""

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        filter_bar = _optional("studio_console.ui.widgets.inbox_filter_bar", "InboxFilterBar")
        inbox_list = _optional("studio_console.ui.widgets.inbox_list", "InboxList")
        calls_panel = _optional("studio_console.ui.widgets.calls_panel", "CallsPanel")
        yield Header()
        yield StatusBar(id="status")
        if filter_bar is not None:
            yield filter_bar(id="inbox-filter")
        with Horizontal(id="producer-main"):
            with Vertical(id="inbox-column"):
                if inbox_list is not None:
                    yield inbox_list(id="inbox")
                else:
                    yield Static(Text(t("producer.inbox_missing")), id="inbox")
            with Vertical(id="side-column"):
                yield DetailPane(id="detail")
                if calls_panel is not None:
                    yield calls_panel(id="calls")
        yield Footer()

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]
        self._apply_width(self.app.size.width)
        inbox = self._inbox()
        if inbox is not None:
            inbox.focus()
            current = getattr(inbox, "cursor_item_id", None)
            if current is not None:
                self.select_item(current)

    def on_resize(self, event: events.Resize) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        self.set_class(width < WIDE_COLUMNS, "-narrow")

    def _inbox(self) -> Widget | None:
        found = self.query("#inbox")
        widget = found.first() if found else None
        return widget if widget is not None and hasattr(widget, "refresh_data") else None

    def _calls(self) -> Widget | None:
        found = self.query("#calls")
        return found.first() if found else None

    # ------------------------------------------------------------ the selection
    def select_item(self, item_id: int | None) -> None:
        """Make ``item_id`` the item the actions apply to (and move the inbox cursor to it)."""
        inbox = self._inbox()
        if (
            inbox is not None
            and item_id is not None
            and hasattr(inbox, "select_item")
            and getattr(inbox, "cursor_item_id", None) != item_id
        ):
            inbox.select_item(item_id)  # type: ignore[attr-defined]
        self.item_id = item_id
        self.refresh_detail()

    def on_inbox_list_highlighted(self, message: Any) -> None:
        """The inbox cursor moved: show that item."""
        item_id = getattr(message, "item_id", None)
        if item_id == self.item_id and self.query_one(DetailPane).item_id == item_id:
            return  # already on show (select_item, or a refresh that kept the cursor)
        self.item_id = item_id
        self.refresh_detail()

    def on_inbox_list_selected(self, message: Any) -> None:
        """Enter on an item: read it in full in the detail pane."""
        self.item_id = getattr(message, "item_id", None)
        self.refresh_detail()
        self.query_one(DetailPane).focus()

    def on_inbox_filter_bar_changed(self, message: Any) -> None:
        """New filters: the inbox applies them (to new arrivals too)."""
        inbox = self._inbox()
        flt = getattr(message, "filter", None)
        if inbox is not None and flt is not None:
            inbox.set_filter(flt)  # type: ignore[attr-defined]

    def on_store_changed(self, message: StoreChanged) -> None:
        """The database changed (here or in the other console): refresh every pane."""
        for widget in (self._inbox(), self._calls()):
            refresh = getattr(widget, "refresh_data", None)
            if refresh is not None:
                refresh()
        self.refresh_detail()

    def current_row(self) -> InboxRow | None:
        """The selected item as the inbox reads it, or None."""
        if self.item_id is None:
            return None
        return inbox_row(self.app.store, self.item_id)  # type: ignore[attr-defined]

    def refresh_detail(self) -> None:
        """Re-read the selected item and its sender's history into the detail pane."""
        row = self.current_row()
        history = None
        if row is not None and row.sender_key:
            history = sender_history(
                self.app.store,
                row.sender_key,  # type: ignore[attr-defined]
                exclude_message_id=row.message_id,
            )
        self.query_one(DetailPane).show(row, history)

    # ----------------------------------------------------------------- helpers
    def _t(self, key: str, **values: Any) -> str:
        return self.app.t(key, **values)  # type: ignore[attr-defined]

    @property
    def _operator(self) -> str | None:
        return self.app.screening.actor.name  # type: ignore[attr-defined]

    def _selected(self) -> InboxRow | None:
        """The selected item, or None after telling the producer to pick one."""
        row = self.current_row()
        if row is None:
            self.notify(self._t("producer.no_item"), severity="warning", markup=False)
        return row

    def _write(self, write: Callable[[], Any]) -> bool:
        """Run one write; show a refusal as an error; tell every pane that the data changed.

        Returns whether the write went through.
        """
        try:
            write()
        except ScreeningError as exc:
            self.notify(exc.localized(self.app.t), severity="error", markup=False)
            return False
        except (StoreError, sqlite3.Error) as exc:
            self.notify(self._t("producer.failed", reason=str(exc)), severity="error", markup=False)
            return False
        self.app.notify_changed()  # type: ignore[attr-defined]
        return True

    def _edit(self, item_id: int, **fields: Any) -> bool:
        screening = self.app.screening  # type: ignore[attr-defined]
        return self._write(lambda: screening.edit(item_id, **fields))

    # ----------------------------------------------------------------- actions
    def action_move(self, to: str) -> None:
        """Approve, reject, mark as spam or queue the selected item."""
        row = self._selected()
        if row is not None:
            screening = self.app.screening  # type: ignore[attr-defined]
            self._write(lambda: screening.move(row.item_id, to))

    def action_set_next(self) -> None:
        """Make the selected (queued) item the one the host reads next."""
        row = self._selected()
        if row is not None:
            screening = self.app.screening  # type: ignore[attr-defined]
            self._write(lambda: screening.set_next(row.item_id))

    def action_reorder(self, offset: int) -> None:
        """Move the selected (queued) item up or down the running order."""
        row = self._selected()
        if row is not None:
            screening = self.app.screening  # type: ignore[attr-defined]
            self._write(lambda: screening.reorder(row.item_id, offset))

    def action_priority(self) -> None:
        """Cycle the priority: normal, important, high, urgent, normal…"""
        row = self._selected()
        if row is not None:
            self._edit(row.item_id, priority=(row.priority + 1) % 4)

    def action_toggle(self, field: str) -> None:
        """Switch the anonim or rahasia flag of the selected item."""
        row = self._selected()
        if row is not None and field in ("anonim", "rahasia"):
            self._edit(row.item_id, **{field: not getattr(row, field)})

    def action_block(self) -> None:
        """Block the sender (asking the reason), or unblock a blocked sender."""
        row = self._selected()
        if row is None:
            return
        store = self.app.store  # type: ignore[attr-defined]
        sender = item_sender(store, row.item_id)
        if sender is None:
            self.notify(self._t("producer.no_sender"), severity="warning", markup=False)
            return
        shown = one_line(sender.number, 40)
        if sender.blocked:
            if self._write(
                lambda: store.set_blocked(sender.number, False, role="producer", actor=self._operator)
            ):
                self.notify(self._t("producer.unblocked", number=shown), markup=False)
            return

        def blocked(reason: str | None) -> None:
            if reason is None:
                return
            if self._write(
                lambda: store.set_blocked(sender.number, True, reason, role="producer", actor=self._operator)
            ):
                self.notify(self._t("producer.blocked", number=shown), markup=False)

        self.app.push_screen(
            TextPrompt(
                self._t("producer.prompt.block_reason", number=shown),
                placeholder=self._t("producer.prompt.block_placeholder"),
                max_length=200,
            ),
            blocked,
        )

    def action_edit(self) -> None:
        """Edit the text for air; the citizen's original stays as it was (and on screen)."""
        row = self._selected()
        if row is None:
            return

        def edited(text: str | None) -> None:
            if text is not None:
                self._edit(row.item_id, air_text=text or None)

        self.app.push_screen(
            TextPrompt(
                self._t("producer.prompt.edit"),
                row.air_text or row.text,
                multiline=True,
                reference=row.text,
                reference_label=self._t("producer.prompt.original"),
            ),
            edited,
        )

    def action_name(self) -> None:
        """Set the reporter's name on the item and remember it for the sender's number."""
        row = self._selected()
        if row is None:
            return
        store = self.app.store  # type: ignore[attr-defined]

        def named(name: str | None) -> None:
            if name is None:
                return
            if not self._edit(row.item_id, reporter_name=name or None):
                return
            sender = item_sender(store, row.item_id)
            if sender is not None:
                self._write(lambda: store.set_sender_name(sender.number, name or None))

        self.app.push_screen(
            TextPrompt(
                self._t("producer.prompt.name"), row.reporter_name or row.sender_name or "", max_length=80
            ),
            named,
        )

    def action_desa(self) -> None:
        """Pick the desa by name; the item keeps the codes and the sender remembers them."""
        row = self._selected()
        if row is None:
            return
        store = self.app.store  # type: ignore[attr-defined]
        sender = item_sender(store, row.item_id)
        code = row.desa_code or (sender.desa_code if sender else None)  # else the remembered one
        place_now = load_places().desa(code)
        current = place_now.desa_name if place_now else ""

        def picked(place: Place | None) -> None:
            if place is None:
                return
            if (
                self._edit(row.item_id, kecamatan_code=place.kecamatan_code, desa_code=place.desa_code)
                and row.sender_key
            ):
                self._write(
                    lambda: remember_sender_place(
                        store, row.sender_key, place.kecamatan_code, place.desa_code, actor=self._operator
                    )
                )

        self.app.push_screen(DesaPicker(current, current=code), picked)

    def action_topic(self) -> None:
        """Set the one-line topic (pokok) the host reads and the complaint's title."""
        row = self._selected()
        if row is None:
            return

        def done(topic: str | None) -> None:
            if topic is not None:
                self._edit(row.item_id, topic=topic or None)

        self.app.push_screen(
            TextPrompt(self._t("producer.prompt.topic"), row.topic or "", max_length=TOPIC_MAX), done
        )

    def action_opd(self) -> None:
        """Pick the target agency (OPD) from the settings, or type another."""
        row = self._selected()
        if row is None:
            return
        agencies = list(self.app.settings.export.agencies)  # type: ignore[attr-defined]

        def done(opd: str | None) -> None:
            if opd is not None:
                self._edit(row.item_id, opd=opd or None)

        self.app.push_screen(
            ChoicePicker(self._t("producer.prompt.opd"), agencies, current=row.opd, allow_free=True), done
        )

    def action_category(self) -> None:
        """Pick the category from the settings (free text only when none is configured)."""
        row = self._selected()
        if row is None:
            return
        categories = list(self.app.settings.export.categories)  # type: ignore[attr-defined]

        def done(category: str | None) -> None:
            if category is not None:
                self._edit(row.item_id, category=category or None)

        self.app.push_screen(
            ChoicePicker(
                self._t("producer.prompt.category"),
                categories,
                current=row.category,
                allow_free=not categories,
            ),
            done,
        )

    def action_manual(self) -> None:
        """Add a manual item (walk-in speaker, letter, a call told in writing)."""
        screening = self.app.screening  # type: ignore[attr-defined]

        def done(item: ManualItem | None) -> None:
            if item is None:
                return
            added: list[int] = []
            if self._write(
                lambda: added.append(screening.add_manual(item.text, reporter_name=item.reporter_name))
            ):
                self.notify(self._t("producer.manual_added", id=added[0]), markup=False)
                self.select_item(added[0])

        self.app.push_screen(ManualItemDialog(), done)

    def action_show(self) -> None:
        """Start a show (asking its name) or, when one is on air, end it (asking first)."""
        store = self.app.store  # type: ignore[attr-defined]
        on_air = store.show_on_air()
        if on_air is not None:
            name = one_line(on_air["name"], 60)

            def stop(yes: bool | None) -> None:
                if yes and self._write(lambda: store.stop_show(by=self._operator)):
                    self.notify(self._t("producer.show_stopped", name=name), markup=False)
                    self.query_one(StatusBar).refresh_status()

            self.app.push_screen(ConfirmDialog(self._t("producer.prompt.stop_show", name=name)), stop)
            return

        def start(name: str | None) -> None:
            if name and self._write(lambda: store.start_show(name, by=self._operator)):
                self.notify(self._t("producer.show_started", name=one_line(name, 60)), markup=False)
                self.query_one(StatusBar).refresh_status()

        default = default_show_name(self.app.settings.shows, self.app.clock())  # type: ignore[attr-defined]
        self.app.push_screen(TextPrompt(self._t("producer.prompt.show_name"), default, max_length=80), start)

    def action_toggle_calls(self) -> None:
        """Show or hide the calls panel (on a narrow terminal it is hidden by default)."""
        calls = self._calls()
        if calls is None:
            self.notify(self._t("producer.calls_missing"), severity="warning", markup=False)
            return
        self.toggle_class("-calls-open")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Recording exists only in a console with sound (hidden from footer and help otherwise)."""
        if action == "record":
            return getattr(self.app, "audio", None) is not None
        return True

    def action_record(self) -> None:
        """Start or stop a recording of the line input (the selected call on air, or a segment)."""
        calls = self._calls()
        if calls is not None and hasattr(calls, "toggle_recording"):
            calls.toggle_recording()  # type: ignore[attr-defined]

    def action_complaints(self) -> None:
        """Open the complaint screen (aired items become formal complaints)."""
        from studio_console.ui.screens.complaints import ComplaintsScreen

        self.app.push_screen(ComplaintsScreen())

    def action_complaint_from_item(self) -> None:
        """Draft a complaint from the selected aired item and open it in the complaint screen."""
        from studio_console.complaints.builder import ComplaintError, draft_from_items
        from studio_console.ui.screens.complaints import ComplaintsScreen, localize_error

        row = self._selected()
        if row is None:
            return
        if row.state != "aired":
            self.notify(self._t("complaints.item_not_aired"), severity="warning", markup=False)
            return
        station = self.app.settings.studio.station  # type: ignore[attr-defined]
        store = self.app.store  # type: ignore[attr-defined]
        try:
            complaint_id = draft_from_items(store, [row.item_id], station=station, actor=self._operator)
        except ComplaintError as exc:
            self.notify(localize_error(self.app.t, exc), severity="error", markup=False)  # type: ignore[attr-defined]
            return
        self.app.notify_changed()  # type: ignore[attr-defined]
        self.app.push_screen(ComplaintsScreen(select=complaint_id))
