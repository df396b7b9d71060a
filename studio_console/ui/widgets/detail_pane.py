"""The producer's detail pane: everything about the highlighted item and its sender.

Shows the full text (wrapped), the edit for air beside the citizen's original,
the multipart status, the full number (the producer may see it), operator,
state, the screening fields and the sender's history. Blocked and warned
senders stand out (CSS classes ``-blocked`` / ``-warning``).

Listener text (SMS, names, notes, call notes) only ever reaches the screen as
``rich.text.Text`` built from :func:`~studio_console.text.display_safe` /
:func:`~studio_console.text.one_line`: never as markup.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from studio_console.i18n import CATALOGUE
from studio_console.places import load_places
from studio_console.text import display_safe, one_line

if TYPE_CHECKING:
    from studio_console.store.history import SenderHistory

__all__ = ["DetailPane"]

WIB = ZoneInfo("Asia/Jakarta")
LABEL = "bold"
HISTORY_PREVIEW = 70  # characters of an earlier message shown in the history


def wib(instant: str | None, fmt: str = "%d/%m %H:%M") -> str:
    """An ISO instant as WIB wall time (``-`` when missing or unreadable)."""
    if not instant:
        return "-"
    try:
        return datetime.fromisoformat(instant).astimezone(WIB).strftime(fmt)
    except ValueError:
        return "-"


class DetailPane(VerticalScroll, can_focus=True):
    """The selected item in full, with its sender's history.

    Call :meth:`show` with an ``InboxRow`` (``studio_console.store.inbox``) and
    the sender's :class:`~studio_console.store.history.SenderHistory` (or None).
    """

    DEFAULT_CSS = """
    DetailPane { padding: 0 1; background: $surface; }
    DetailPane > Static { width: 1fr; height: auto; }
    DetailPane > .detail--section { margin-top: 1; }
    DetailPane #detail-alert { display: none; }
    DetailPane.-blocked #detail-alert { display: block; background: $error 30%; color: $text; }
    DetailPane.-warning #detail-alert { display: block; background: $warning 30%; color: $text; }
    DetailPane.-blocked { border-left: thick $error; }
    DetailPane.-warning { border-left: thick $warning; }
    DetailPane #detail-air { display: none; border-left: outer $accent; padding-left: 1; }
    DetailPane.-edited #detail-air { display: block; }
    DetailPane #detail-text { padding-left: 1; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.item_id: int | None = None
        """The item on show, or None."""

    def compose(self) -> ComposeResult:
        yield Static(id="detail-header")
        yield Static(id="detail-alert")
        yield Static(id="detail-text", classes="detail--section")
        yield Static(id="detail-air", classes="detail--section")
        yield Static(id="detail-fields", classes="detail--section")
        yield Static(id="detail-history", classes="detail--section")

    def on_mount(self) -> None:
        self.show(None)

    def _t(self, key: str, **values: Any) -> str:
        return self.app.t(key, **values)  # type: ignore[attr-defined]

    def _word(self, prefix: str, value: str) -> str:
        """The catalogue word for a stored value (state, kind), or the value made safe."""
        key = f"{prefix}.{value}"
        return self._t(key) if key in CATALOGUE else one_line(str(value), 30)

    def show(self, row: Any, history: SenderHistory | None = None) -> None:
        """Show an item (an ``InboxRow``) and its sender's history; None clears the pane."""
        self.item_id = None if row is None else row.item_id
        blocked = bool(history.blocked if history else getattr(row, "blocked", False))
        warning = (history.warning if history else getattr(row, "warning", None)) or None
        self.set_class(row is not None and blocked, "-blocked")
        self.set_class(row is not None and not blocked and bool(warning), "-warning")
        self.set_class(row is not None and bool(row.air_text), "-edited")
        if row is None:
            self._set("detail-header", Text(self._t("producer.detail.empty"), style="italic"))
            for name in ("detail-alert", "detail-text", "detail-air", "detail-fields", "detail-history"):
                self._set(name, Text())
            return
        self._set("detail-header", self._header(row))
        self._set("detail-alert", self._alert(blocked, warning, history))
        self._set("detail-text", self._original(row))
        self._set("detail-air", self._air(row))
        self._set("detail-fields", self._fields(row))
        self._set("detail-history", self._history(history))

    def _set(self, widget_id: str, text: Text) -> None:
        self.query_one(f"#{widget_id}", Static).update(text)

    # ----------------------------------------------------------------- sections
    def _header(self, row: Any) -> Text:
        t = self._t
        text = Text()
        text.append(self._word("producer.kind", row.kind), "bold reverse")
        text.append(" ")
        text.append(self._word("producer.state", row.state), "bold")
        if row.is_next:
            text.append(" ")
            text.append(t("producer.detail.next"), "bold reverse")
        text.append(f"  #{row.item_id}  {wib(row.received_at)} WIB\n")
        text.append(t("producer.detail.number"), LABEL)
        text.append(" ")
        text.append(one_line(row.sender or t("producer.detail.no_number"), 40))
        text.append("  ")
        text.append(t("producer.detail.operator"), LABEL)
        text.append(" ")
        text.append(one_line(row.operator or "-", 40))
        if row.parts > 1 or not row.complete:
            text.append("\n")
            key = "producer.detail.parts_complete" if row.complete else "producer.detail.parts_waiting"
            text.append(t(key, received=row.parts_received, parts=row.parts), "" if row.complete else "bold")
        return text

    def _alert(self, blocked: bool, warning: str | None, history: SenderHistory | None) -> Text:
        t = self._t
        text = Text()
        if blocked:
            text.append(t("producer.detail.blocked"), "bold")
            reason = history.blocked_reason if history else None
            if reason:
                text.append(" ")
                text.append(one_line(reason, 120))
            if history and history.blocked_at:
                text.append(" ")
                text.append(t("producer.detail.since", when=wib(history.blocked_at)))
        if warning:
            if text:
                text.append("\n")
            text.append(t("producer.detail.warning"), "bold")
            text.append(" ")
            text.append(one_line(warning, 200))
        return text

    def _original(self, row: Any) -> Text:
        text = Text()
        text.append(self._t("producer.detail.original"), LABEL)
        text.append("\n")
        body = display_safe(row.text or "")
        if body.strip():
            text.append(body)
        else:
            text.append(self._t("producer.detail.empty_text"), "italic")
        return text

    def _air(self, row: Any) -> Text:
        text = Text()
        if row.air_text:
            text.append(self._t("producer.detail.air_text"), LABEL)
            text.append("\n")
            text.append(display_safe(row.air_text))
        return text

    def _fields(self, row: Any) -> Text:
        t = self._t
        places = load_places()
        place = places.desa(row.desa_code)
        if place is not None:
            where = t("producer.detail.place", desa=place.desa_name, kecamatan=place.kecamatan_name)
        elif row.kecamatan_code:
            where = t(
                "producer.detail.place_kecamatan",
                kecamatan=places.kecamatan_name(row.kecamatan_code) or row.kecamatan_code,
            )
        else:
            where = "-"
        yes, no = t("producer.yes"), t("producer.no")
        lines = [
            [
                ("producer.field.name", one_line(row.reporter_name or row.sender_name or "-", 60)),
                ("producer.field.place", one_line(where, 80)),
            ],
            [("producer.field.topic", one_line(row.topic or "-", 100))],
            [
                ("producer.field.opd", one_line(row.opd or "-", 60)),
                ("producer.field.category", one_line(row.category or "-", 60)),
            ],
            [
                ("producer.field.priority", t(f"producer.priority.{max(0, min(3, row.priority))}")),
                ("producer.field.anonim", yes if row.anonim else no),
                ("producer.field.rahasia", yes if row.rahasia else no),
            ],
        ]
        text = Text()
        for n, pairs in enumerate(lines):
            if n:
                text.append("\n")
            for i, (key, value) in enumerate(pairs):
                if i:
                    text.append(" · ", "dim")
                text.append(t(key), LABEL)
                text.append(" ")
                text.append(value)
        return text

    def _history(self, history: SenderHistory | None) -> Text:
        t = self._t
        text = Text()
        text.append(t("producer.history.title"), LABEL)
        if history is None:
            text.append("\n")
            text.append(t("producer.history.none"), "italic")
            return text
        text.append("\n")
        text.append(
            t(
                "producer.history.counts",
                messages=history.message_count,
                calls=history.call_count,
                first=wib(history.first_seen, "%d/%m/%Y"),
            )
        )
        aired = history.item_states.get("aired", 0)
        spam = history.item_states.get("spam", 0)
        rejected = history.item_states.get("rejected", 0)
        if aired or spam or rejected:
            text.append("\n")
            text.append(t("producer.history.states", aired=aired, rejected=rejected, spam=spam))
        if history.name or history.desa_code:
            text.append("\n")
            place = load_places().desa(history.desa_code)
            text.append(t("producer.history.remembered"), LABEL)
            text.append(" ")
            text.append(one_line(history.name or "-", 60))
            if place is not None:
                text.append(" · ")
                text.append(t("producer.detail.place", desa=place.desa_name, kecamatan=place.kecamatan_name))
        if history.notes:
            text.append("\n")
            text.append(t("producer.history.notes"), LABEL)
            text.append(" ")
            text.append(one_line(history.notes, 200))
        for m in history.messages:
            text.append("\n")
            text.append(f"{wib(m.received_at)} ", "dim")
            text.append(self._word("producer.state", m.state), "italic")
            text.append(" ")
            text.append(one_line(m.text, HISTORY_PREVIEW))
        for c in history.calls:
            text.append("\n")
            text.append(f"{wib(c.ringing_at)} ", "dim")
            text.append(t("producer.history.call", state=self._word("producer.call_state", c.state)))
            if c.notes:
                text.append(" ")
                text.append(one_line(c.notes, HISTORY_PREVIEW))
        for k in history.complaints:
            text.append("\n")
            text.append(f"{wib(k.created_at)} ", "dim")
            text.append(
                t(
                    "producer.history.complaint",
                    id=k.complaint_id,
                    status=one_line(k.status, 30),
                    tracking=one_line(k.tracking_id or "-", 40),
                )
            )
            if k.title:
                text.append(" ")
                text.append(one_line(k.title, HISTORY_PREVIEW))
        return text
