"""The complaint screen (producer only): aired items become formal complaints.

Left, two lists: aired items not yet in a complaint (mark several with space, then one
key drafts ONE complaint from them) and the complaints (weekly-review colour, status,
tracking ID, ``!`` when a transport gave up, the fields a draft still lacks; mark drafts
to merge them into the oldest). Right, the highlighted complaint: its form (drafts are
edited and saved; sent ones are read-only), its outbox rows and the colour legend.

Every change goes through :mod:`studio_console.complaints.builder` and
:mod:`~studio_console.complaints.outbox` as the signed-in operator; refusals
(``ComplaintError``) are shown in the console's language. A complaint refused for its
content goes back to draft (``d``, asked first) to be fixed and sent again; a failed row
is retried (F9: the highlighted one), and an SMS that may already have reached LAPOR! is
sent again only after the producer confirms.

The screen refreshes when the database changes (``StoreChanged`` from the app's
``data_version`` poll): the complaint on show (a handful of queries: the complaint, its
outbox rows, the delivery of its SMS) every time, the two lists only when a cheap
signature of the complaint tables moved (not on every screening action elsewhere).

Layout: lists | detail side by side from :data:`WIDE_COLUMNS` columns; below that the
two lists sit side by side above the (scrolling) detail, which keeps 80×24 usable.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, SelectionList, Static

from studio_console.complaints import outbox
from studio_console.complaints.builder import (
    REOPENABLE,
    ComplaintError,
    check_choices,
    draft_from_items,
    load,
    mark_ready,
    merge,
    reopen,
    set_tracking,
    update,
)
from studio_console.complaints.model import Complaint, missing_fields
from studio_console.complaints.outbox import UncertainSmsError
from studio_console.complaints.queries import (
    ComplaintSummary,
    OutboxView,
    aired_without_complaint,
    attempts_of,
    list_complaints,
    outbox_of,
)
from studio_console.store import StoreError
from studio_console.text import one_line
from studio_console.ui.bindings import binding_commands, localize_bindings
from studio_console.ui.dialogs.complaint_ready import ComplaintReadyDialog
from studio_console.ui.dialogs.confirm import ConfirmDialog
from studio_console.ui.dialogs.outbox_attempts import AttemptsDialog
from studio_console.ui.dialogs.tracking import TrackingDialog
from studio_console.ui.messages import StoreChanged
from studio_console.ui.widgets.aired_list import AiredList
from studio_console.ui.widgets.complaint_form import ComplaintForm, FormInvalid
from studio_console.ui.widgets.complaint_list import ComplaintList, field_label, status_label
from studio_console.ui.widgets.marked_list import WIB
from studio_console.ui.widgets.outbox_panel import (
    SMS_PURPOSES,
    OutboxPanel,
    outbox_state_label,
    transport_label,
)
from studio_console.ui.widgets.review_legend import ReviewLegend
from studio_console.ui.widgets.status_bar import StatusBar

__all__ = ["WIDE_COLUMNS", "ComplaintCommands", "ComplaintsScreen", "localize_error"]

WIDE_COLUMNS = 120
"""At this width and above the lists and the detail sit side by side."""
LIST_LIMIT = 200
"""At most this many aired items and complaints are listed (newest first)."""

# The builder's and the outbox's refusals (English sentences) -> catalogue keys.
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^complaint (?P<id>\d+) is (?P<status>\w+); only a complaint that is siap_kirim"),
        "complaints.error.reopen_status",
    ),
    (
        re.compile(
            r"^complaint (?P<id>\d+) cannot go back to draft: its (?P<transport>\w+) row is (?P<state>\w+)"
        ),
        "complaints.error.reopen_sent",
    ),
    (
        re.compile(r"^complaint (?P<id>\d+) cannot go back to draft: its (?P<transport>\w+) SMS was begun"),
        "complaints.error.reopen_sms",
    ),
    (
        re.compile(r"^outbox row \d+: its SMS was begun .* may already have gone"),
        "complaints.error.sms_uncertain",
    ),
    (re.compile(r"^fill in before sending: (?P<fields>.+)$"), "complaints.error.missing"),
    (
        re.compile(r"^(?P<field>kategori|instansi) (?P<value>.+) is not in the list in config\.toml"),
        "complaints.error.not_in_list",
    ),
    (
        re.compile(r"^judul is (?P<length>\d+) characters; at most (?P<limit>\d+)"),
        "complaints.error.judul_long",
    ),
    (re.compile(r"^complaint (?P<id>\d+) is (?P<status>\w+)[;,]"), "complaints.error.not_draft"),
    (re.compile(r"^only aired items become complaints"), "complaints.error.not_aired"),
    (re.compile(r"^already in a complaint"), "complaints.error.taken"),
    (re.compile(r"^a complaint needs at least one aired item"), "complaints.error.no_items"),
    (re.compile(r"^choose at least one transport"), "complaints.error.no_transport"),
    (re.compile(r"^choose at least one other draft"), "complaints.error.merge_one"),
    (re.compile(r"^outbox row \d+ is (?P<state>\w+); only failed rows"), "complaints.error.not_failed"),
    (re.compile(r"^no such complaint"), "complaints.error.gone"),
    (
        re.compile(r"^http cannot carry these fields as they are: (?P<fields>.+)$"),
        "complaints.error.http_fields",
    ),
    (re.compile(r"^unknown transport (?P<names>[^;]+);"), "complaints.error.unknown_transport"),
    (
        re.compile(r"^tracking ID (?P<tracking>.+) is already complaint (?P<other>\d+)'s$"),
        "complaints.error.tracking_taken",
    ),
    (re.compile(r"(?i)\brahasia\b.*\b(?:sms|1708)\b"), "complaints.error.rahasia_sms"),
)


def localize_error(t: Callable[..., str], exc: Exception) -> str:
    """A builder/outbox refusal in the console's language (the sentence itself when unknown)."""
    message = str(exc)
    for pattern, key in _ERRORS:
        found = pattern.search(message)
        if found is None:
            continue
        values = found.groupdict()
        if "fields" in values:
            values["fields"] = ", ".join(field_label(t, f.strip()) for f in values["fields"].split(","))
        if "field" in values:
            values["field"] = field_label(t, values["field"])
        if "value" in values:
            values["value"] = one_line(values["value"].strip("'\""), 60)
        for name in ("names", "tracking"):
            if name in values:
                values[name] = one_line(values[name], 60)
        if "state" in values:
            values["state"] = outbox_state_label(t, values["state"])
        if "status" in values:
            values["status"] = status_label(t, values["status"])
        if "transport" in values:
            values["transport"] = transport_label(t, values["transport"])
        return t(key, **values)
    return t("complaints.error.other", reason=one_line(message, 300))


ComplaintCommands = binding_commands("complaints.", name="ComplaintCommands")
"""The complaint screen's actions in the command palette, with the footer's words."""


class ComplaintsScreen(Screen[None]):
    """Aired items, complaints, the selected complaint's form and outbox."""

    CSS_PATH = "complaints.tcss"
    COMMANDS = {ComplaintCommands}
    BINDINGS = [
        Binding("escape,f4", "back", "back", id="complaints.back"),
        Binding("n", "draft", "draft", id="complaints.draft"),
        Binding("g", "merge", "merge", id="complaints.merge"),
        Binding("ctrl+s", "save", "save", id="complaints.save", priority=True),
        Binding("f2", "desa", "desa", id="complaints.desa"),
        Binding("f3", "switch_list", "lists", id="complaints.lists"),
        Binding("f5", "ready", "ready", id="complaints.ready"),
        Binding("f8", "tracking", "tracking", id="complaints.tracking"),
        Binding("f9", "retry", "retry", id="complaints.retry"),
        Binding("h", "attempts", "history", id="complaints.attempts"),
        Binding("d", "reopen", "back to draft", id="complaints.reopen"),
    ]

    def __init__(self, *, select: int | None = None) -> None:
        super().__init__()
        self._signature: tuple[Any, ...] | None = None
        self._wanted = select
        self.summaries: dict[int, ComplaintSummary] = {}
        """The complaints listed, by id."""

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        export = self.app.settings.export  # type: ignore[attr-defined]
        yield Header()
        yield StatusBar(id="status")
        with Horizontal(id="complaints-main"):
            with Vertical(id="lists"):
                with Vertical(id="aired-box", classes="list-box"):
                    yield Static(Text(t("complaints.aired_title"), "bold"), classes="list-title")
                    yield AiredList(id="aired")
                with Vertical(id="complaint-box", classes="list-box"):
                    yield Static(Text(t("complaints.list_title"), "bold"), classes="list-title")
                    yield ComplaintList(id="complaints")
            with VerticalScroll(id="detail"):
                yield ComplaintForm(export.categories, export.agencies, id="form")
                yield OutboxPanel(id="outbox")
                yield ReviewLegend(id="legend")
        yield Footer()

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]
        self._apply_width(self.app.size.width)
        self.refresh_data(force=True)
        if self._wanted is not None:
            self.select_complaint(self._wanted)
            self.query_one(ComplaintList).focus()
        elif self.query_one(AiredList).ids:
            self.query_one(AiredList).focus()
        else:
            self.query_one(ComplaintList).focus()

    def on_resize(self, event: events.Resize) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        self.set_class(width < WIDE_COLUMNS, "-narrow")

    # ------------------------------------------------------------------ helpers
    def _t(self, key: str, **values: Any) -> str:
        return self.app.t(key, **values)  # type: ignore[attr-defined]

    @property
    def _store(self) -> Any:
        return self.app.store  # type: ignore[attr-defined]

    @property
    def _operator(self) -> str | None:
        return self.app.screening.actor.name  # type: ignore[attr-defined]

    @property
    def form(self) -> ComplaintForm:
        """The complaint form."""
        return self.query_one(ComplaintForm)

    @property
    def complaint_id(self) -> int | None:
        """The complaint the actions apply to (the one in the form)."""
        return self.form.complaint_id

    def _error(self, message: str) -> None:
        self.notify(message, severity="error", markup=False)

    def _write(self, write: Callable[[], Any]) -> bool:
        """Run one write; show a refusal; refresh every pane. Returns whether it went through."""
        try:
            write()
        except ComplaintError as exc:
            self._error(localize_error(self.app.t, exc))  # type: ignore[attr-defined]
            return False
        except (StoreError, sqlite3.Error) as exc:
            self._error(self._t("complaints.error.other", reason=one_line(str(exc), 300)))
            return False
        self.app.notify_changed()  # type: ignore[attr-defined]
        self.refresh_data(force=True)
        return True

    def _shown_complaint(self) -> Any:
        """The complaint in the form, or None after telling the producer to choose one."""
        complaint = self.form.complaint
        if complaint is None or complaint.id is None:
            self.notify(self._t("complaints.no_complaint"), severity="warning", markup=False)
            return None
        return complaint

    def _refuse_not_draft(self, complaint: Complaint) -> bool:
        """Say that ``complaint`` is no longer a draft (and so not edited); True when it is not."""
        if complaint.status == "draft":
            return False
        self._error(
            self._t(
                "complaints.error.not_draft",
                id=complaint.id,
                status=status_label(self.app.t, complaint.status),  # type: ignore[attr-defined]
            )
        )
        return True

    def _load(self, complaint_id: int | None) -> Complaint | None:
        if complaint_id is None:
            return None
        try:
            return load(self._store, complaint_id)
        except ComplaintError:
            return None

    # ------------------------------------------------------------------ data
    def _read_signature(self) -> tuple[Any, ...]:
        """One statement of a few small look-ups that move whenever a list line could change.

        Complaints (count, last change: drafted, edited, merged, readied, tracked, reopened),
        the outbox (new rows; rows waiting and failed, by the ``state`` index; every attempt
        recorded), the items aired and the items taken into complaints, and the date (the
        review colours). Screening elsewhere (the audit log) does not move it.
        """
        row = self._store.conn.execute(
            """SELECT (SELECT count(*) || '/' || coalesce(max(updated_at), '') FROM complaints),
                      (SELECT coalesce(max(id), 0) FROM outbox),
                      (SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')),
                      (SELECT count(*) FROM outbox WHERE state = 'gagal_kirim'),
                      (SELECT coalesce(max(id), 0) FROM outbox_attempts),
                      (SELECT count(*) FROM items WHERE state = 'aired'),
                      (SELECT count(*) FROM complaint_items)"""
        ).fetchone()
        return (*row, self.app.clock().astimezone(WIB).date())  # type: ignore[attr-defined]

    def refresh_data(self, *, force: bool = False) -> None:
        """Re-read the complaint on show; re-read both lists too when the complaint tables
        moved (or ``force``)."""
        signature = self._read_signature()
        if signature == self._signature and not force:
            if self.form.complaint_id is not None:  # its outbox rows, the delivery of its SMS
                self._show(self.form.complaint_id)
            return
        self._signature = signature
        now = self.app.clock()  # type: ignore[attr-defined]
        store = self._store
        self.query_one(AiredList).show_items(aired_without_complaint(store, limit=LIST_LIMIT), now)
        complaints = list_complaints(store, limit=LIST_LIMIT, today=now.astimezone(WIB).date())
        self.summaries = {c.id: c for c in complaints}
        listing = self.query_one(ComplaintList)
        listing.show_complaints(complaints)
        current = self.form.complaint_id
        if current is not None and current not in self.summaries and not self._load(current):
            current = None  # merged away or deleted
        self._show(current if current is not None else listing.highlighted_id)

    def _show(self, complaint_id: int | None, *, force: bool = False) -> None:
        complaint = self._load(complaint_id)
        rows = outbox_of(self._store, complaint.id) if complaint is not None and complaint.id else []
        self.form.show(complaint, force=force, outbox=tuple(rows))
        self.query_one(OutboxPanel).show(rows, self._delivery(complaint, rows))

    def _delivery(self, complaint: Complaint | None, rows: list[OutboxView]) -> dict[int, Any]:
        """The delivery report of each SMS row that was handed to the modem, by row id."""
        wanted = {
            r.transport: r.id
            for r in rows
            if r.transport in SMS_PURPOSES and r.state in ("sent", "sending", "gagal_kirim")
        }
        if complaint is None or complaint.id is None or not wanted:
            return {}
        from studio_console.complaints.transports.sms1708 import delivery_state

        found = {}
        for transport, row_id in wanted.items():
            state = delivery_state(self._store, complaint.id, purpose=SMS_PURPOSES[transport])
            if state is not None:
                found[row_id] = state
        return found

    def select_complaint(self, complaint_id: int) -> None:
        """Show ``complaint_id`` in the form and move the list cursor to it."""
        self.query_one(ComplaintList).highlight_id(complaint_id)
        self._show(complaint_id, force=True)

    def on_store_changed(self, message: StoreChanged) -> None:
        """Another console, the daemon's outbox worker or this one wrote: refresh."""
        self.refresh_data()

    def on_screen_resume(self) -> None:
        self.refresh_data(force=True)

    @on(SelectionList.SelectionHighlighted, "#complaints")
    def _complaint_highlighted(self, event: SelectionList.SelectionHighlighted[int]) -> None:
        wanted = event.selection.value
        if wanted == self.form.complaint_id or wanted != self.query_one(ComplaintList).highlighted_id:
            return
        if not self.form.dirty:
            self._show(wanted, force=True)
            return
        kept = self.form.complaint_id

        def answered(discard: bool | None) -> None:
            if discard:
                self._show(wanted, force=True)
            elif kept is not None:
                self.query_one(ComplaintList).highlight_id(kept)

        self.app.push_screen(ConfirmDialog(self._t("complaints.discard", id=kept)), answered)

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    # ------------------------------------------------------------------ actions
    def action_back(self) -> None:
        """Back to the producer's screen (asking first when the form has unsaved changes)."""
        if not self.form.dirty:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog(self._t("complaints.discard", id=self.complaint_id)), answered)

    def action_switch_list(self) -> None:
        """Move the focus between the aired items and the complaints."""
        aired, listing = self.query_one(AiredList), self.query_one(ComplaintList)
        (listing if aired.has_focus else aired).focus()

    def action_draft(self) -> None:
        """Draft ONE complaint from the marked aired items (or the highlighted one)."""
        aired = self.query_one(AiredList)
        ids = aired.marked or ([aired.highlighted_id] if aired.highlighted_id is not None else [])
        if not ids:
            self.notify(self._t("complaints.no_aired"), severity="warning", markup=False)
            return
        station = self.app.settings.studio.station  # type: ignore[attr-defined]
        made: list[int] = []
        if self._write(
            lambda: made.append(draft_from_items(self._store, ids, station=station, actor=self._operator))
        ):
            aired.deselect_all()
            self.notify(self._t("complaints.drafted", id=made[0], count=len(ids)), markup=False)
            self.select_complaint(made[0])

    def action_merge(self) -> None:
        """Merge the marked drafts into the oldest of them."""
        marked = self.query_one(ComplaintList).marked
        if len(marked) < 2:
            self.notify(self._t("complaints.error.merge_one"), severity="warning", markup=False)
            return
        if self.form.dirty and self.form.complaint_id in marked:
            self.notify(self._t("complaints.save_first"), severity="warning", markup=False)
            return
        target, others = min(marked), sorted(marked)[1:]
        if self._write(lambda: merge(self._store, target, others, actor=self._operator)):
            self.query_one(ComplaintList).deselect_all()
            self.notify(
                self._t("complaints.merged", id=target, others=", ".join(f"#{i}" for i in others)),
                markup=False,
            )
            self.select_complaint(target)

    def action_save(self) -> bool:
        """Save the form's changes (kategori and instansi are checked against the lists)."""
        complaint = self._shown_complaint()
        if complaint is None:
            return False
        if self._refuse_not_draft(complaint):
            return False
        try:
            fields = self.form.changes()
        except FormInvalid as exc:
            self._error(self._t(exc.key, **exc.values))
            return False
        for name in ("kategori", "instansi"):  # the lists are enforced on every save
            fields.setdefault(name, self.form.value(name))
        export = self.app.settings.export  # type: ignore[attr-defined]
        saved: list[Complaint] = []
        ok = self._write(
            lambda: saved.append(
                update(
                    self._store,
                    complaint.id,  # type: ignore[arg-type]
                    actor=self._operator,
                    categories=export.categories,
                    agencies=export.agencies,
                    **fields,
                )
            )
        )
        if ok:
            self.form.show(saved[0], force=True)
            self.notify(self._t("complaints.saved", id=complaint.id), markup=False)
        return ok

    def action_desa(self) -> None:
        """Choose the complaint's desa (and kecamatan)."""
        if self.form.editable:
            self.form.pick_desa()

    def action_ready(self) -> None:
        """Check the complaint, then choose its transports and put it in the outbox."""
        complaint = self._shown_complaint()
        if complaint is None:
            return
        if self.form.dirty and not self.action_save():
            return
        complaint = self._load(complaint.id)
        if complaint is None or complaint.id is None:
            return
        if self._refuse_not_draft(complaint):
            return
        t = self.app.t  # type: ignore[attr-defined]
        missing = missing_fields(complaint)
        if missing:
            self._error(
                self._t("complaints.error.missing", fields=", ".join(field_label(t, m) for m in missing))
            )
            return
        export = self.app.settings.export  # type: ignore[attr-defined]
        try:
            check_choices(
                {"kategori": complaint.kategori, "instansi": complaint.instansi},
                export.categories,
                export.agencies,
            )
        except ComplaintError as exc:
            self._error(localize_error(t, exc))
            return
        if not export.transports:
            self._error(self._t("complaints.error.no_transports_configured"))
            return
        complaint_id = complaint.id

        def chosen(names: list[str] | None) -> None:
            if not names:
                return
            if self._write(lambda: mark_ready(self._store, complaint_id, names, actor=self._operator)):
                labels = ", ".join(transport_label(t, n) for n in names)
                self.notify(self._t("complaints.readied", id=complaint_id, transports=labels), markup=False)

        self.app.push_screen(ComplaintReadyDialog(complaint, export.transports, export.sms_keyword), chosen)

    def action_tracking(self) -> None:
        """Record a tracking ID and status by hand."""
        complaint = self._shown_complaint()
        if complaint is None:
            return
        complaint = self._load(complaint.id) or complaint
        complaint_id = complaint.id
        role = self.app.role  # type: ignore[attr-defined]

        def done(result: tuple[str | None, str] | None) -> None:
            if result is None:
                return
            tracking, status = result
            if self._write(
                lambda: set_tracking(
                    self._store,
                    complaint_id,
                    tracking,
                    status,
                    actor=self._operator,
                    role=role,  # type: ignore[arg-type]
                    replace=True,  # the dialog showed the ID in place: a different one is on purpose
                )
            ):
                self.notify(self._t("complaints.tracking_set", id=complaint_id), markup=False)

        self.app.push_screen(TrackingDialog(complaint_id, complaint.tracking_id, complaint.status), done)  # type: ignore[arg-type]

    def action_retry(self) -> None:
        """Send a failed (``gagal_kirim``) outbox row again: the highlighted one (every failed
        one only when no row is highlighted). An SMS that may already have reached LAPOR! is
        sent again only after the producer confirms."""
        panel = self.query_one(OutboxPanel)
        failed = [r for r in panel.rows if r.state == "gagal_kirim"]
        if not failed:
            self.notify(self._t("complaints.nothing_to_retry"), severity="warning", markup=False)
            return
        t = self.app.t  # type: ignore[attr-defined]
        row = panel.cursor_row
        if row is not None and row.state != "gagal_kirim":
            names = ", ".join(transport_label(t, r.transport) for r in failed)
            self.notify(
                self._t("complaints.retry_highlight", transports=names), severity="warning", markup=False
            )
            return
        self._retry([row] if row is not None else failed)

    def _retry(self, rows: list[OutboxView]) -> None:
        """Retry ``rows``; those whose SMS may have gone are asked about, one by one."""
        t = self.app.t  # type: ignore[attr-defined]
        retried: list[OutboxView] = []
        uncertain: list[OutboxView] = []

        def retry_rows() -> None:
            for r in rows:
                try:
                    outbox.retry(self._store, r.id, actor=self._operator)
                except UncertainSmsError:
                    uncertain.append(r)
                else:
                    retried.append(r)

        if self._write(retry_rows) and retried:
            names = ", ".join(transport_label(t, r.transport) for r in retried)
            self.notify(self._t("complaints.retried", transports=names), markup=False)
        self._ask_resend(uncertain)

    def _ask_resend(self, rows: list[OutboxView]) -> None:
        """Ask, for each row whose SMS may already have gone, whether to send it again."""
        if not rows:
            return
        t = self.app.t  # type: ignore[attr-defined]
        row, rest = rows[0], rows[1:]

        def answered(resend: bool | None) -> None:
            if resend and self._write(
                lambda: outbox.retry(self._store, row.id, actor=self._operator, resend_uncertain=True)
            ):
                self.notify(
                    self._t("complaints.retried", transports=transport_label(t, row.transport)), markup=False
                )
            self._ask_resend(rest)

        self.app.push_screen(ConfirmDialog(self._t("complaints.retry_uncertain")), answered)

    def action_reopen(self) -> None:
        """Take a refused (or not yet sent) complaint back to draft, after asking."""
        complaint = self._shown_complaint()
        if complaint is None:
            return
        complaint = self._load(complaint.id) or complaint
        complaint_id = complaint.id
        if complaint.status not in REOPENABLE:
            self._error(
                self._t(
                    "complaints.error.reopen_status",
                    id=complaint_id,
                    status=status_label(self.app.t, complaint.status),  # type: ignore[attr-defined]
                )
            )
            return

        def answered(yes: bool | None) -> None:
            if yes and self._write(lambda: reopen(self._store, complaint_id, actor=self._operator)):  # type: ignore[arg-type]
                self.notify(self._t("complaints.reopened", id=complaint_id), markup=False)
                self.select_complaint(complaint_id)  # type: ignore[arg-type]

        self.app.push_screen(ConfirmDialog(self._t("complaints.reopen_confirm", id=complaint_id)), answered)

    def action_attempts(self) -> None:
        """Show every attempt of the highlighted outbox row."""
        row = self.query_one(OutboxPanel).cursor_row
        if row is None:
            self.notify(self._t("complaints.no_outbox_row"), severity="warning", markup=False)
            return
        t = self.app.t  # type: ignore[attr-defined]
        title = self._t(
            "complaints.attempts_title", id=self.complaint_id, transport=transport_label(t, row.transport)
        )
        self.app.push_screen(AttemptsDialog(title, attempts_of(self._store, row.id), self.app.clock()))  # type: ignore[attr-defined]
