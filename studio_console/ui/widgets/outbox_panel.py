"""A complaint's outbox rows: transport, state, attempts, next attempt, delivery, last error,
tracking ID.

A bounded table (one row per transport and submission; rows cancelled by "back to draft"
stay, dimmed). The cursor picks the row that "retry" and "attempt history" act on. Below
the table: the delivery report of each SMS, and every row's last error in full, in the
console's language where it is a known one (:func:`error_label`), with the other end's
own words kept beside it. Errors come from outside (a server's reason, a modem's reply):
they are shown as display-safe ``Text``, never as markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from studio_console.complaints.queries import OutboxView
from studio_console.i18n import CATALOGUE
from studio_console.text import display_safe, one_line
from studio_console.ui.widgets.marked_list import short_time

__all__ = [
    "SMS_PURPOSES",
    "OutboxPanel",
    "delivery_label",
    "error_label",
    "outbox_state_label",
    "row_state_label",
    "skipped_reason",
    "transport_label",
    "transport_short",
]

_STATE_STYLES = {
    "gagal_kirim": "bold red",
    "sent": "green",
    "sending": "bold",
    "pending": "",
    "dibatalkan": "dim strike",
}
_DELIVERY_STYLES = {
    "delivered": "green",
    "failed": "bold red",
    "uncertain": "bold yellow",
    "not_sent": "yellow",
    "abandoned": "dim",
}
SMS_PURPOSES = {"sms1708": "lapor", "balasan": "reply"}
"""The ``sent_sms.purpose`` of each SMS transport (for ``sms1708.delivery_state``)."""

# A transport's own error text (English, for logs and the CLI) -> catalogue key. Stable codes
# first (``sms_uncertain: …``), then the transports' sentences. The original stays visible.
_CLASS = re.compile(r"^(?:[A-Z]\w*(?:Error|Exception)): ")
_HTTP = r"^HTTP (?P<status>\d{3}) from \S+: "
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"^sms_uncertain\b|may already have gone", "complaints.err.sms_uncertain"),
        (r"^sms_awaiting_reply\b", "complaints.err.sms_awaiting_reply"),
        (r"the modem is not ready \((?P<state>[^)]{0,40})\)", "complaints.err.modem_not_ready"),
        (r"the modem refused the|\+CM[SE] ERROR", "complaints.err.modem_refused"),
        (_HTTP + r"the bearer token in (?P<env>\S+) was refused", "complaints.err.http_token"),
        (_HTTP + r"this Idempotency-Key is still being processed", "complaints.err.http_busy"),
        (_HTTP + r"redirect", "complaints.err.http_redirect"),
        (_HTTP + r"the answer is (?:not JSON|larger)", "complaints.err.http_bad_answer"),
        (r"^HTTP (?P<status>4\d\d) from \S+: ", "complaints.err.http_refused"),
        (r"^HTTP (?P<status>5\d\d) from \S+: ", "complaints.err.http_server"),
        (r"^HTTP (?P<status>\d{3}) from ", "complaints.err.http_other"),
        (r"^no (?:complete )?answer from \S+ within", "complaints.err.timeout"),
        (r"the TLS certificate of \S+ is not trusted|^TLS with \S+ failed", "complaints.err.tls"),
        (
            r"^connection to \S+ (?:refused|reset)|closed the connection|^network error with|"
            r"^cannot resolve|gave an invalid HTTP answer",
            "complaints.err.network",
        ),
        (r"the environment variable (?P<env>\S+) holding the bearer token", "complaints.err.token_missing"),
        (r"^refusing to send the bearer token over plain http", "complaints.err.plain_http"),
        (r"does not match \S*schema", "complaints.err.schema"),
        (r"^cannot write the package in", "complaints.err.file_write"),
        (r"^(?:run id|complaint id) must match|exists but does not verify", "complaints.err.file_package"),
        (r"^the reply cannot be sent", "complaints.err.reply"),
    )
)
_CODE = re.compile(r"^(?P<code>[a-z][a-z0-9]*(?:_[a-z0-9]+)+):")


def transport_label(t: Callable[..., str], name: str) -> str:
    """A transport's name for people (the outbox name when the catalogue lacks it)."""
    key = f"complaints.transport.{name}"
    return t(key) if key in CATALOGUE else one_line(name, 20)


def transport_short(t: Callable[..., str], name: str) -> str:
    """A transport's short name, for the table."""
    key = f"complaints.transport_short.{name}"
    return t(key) if key in CATALOGUE else one_line(name, 12)


def outbox_state_label(t: Callable[..., str], state: str) -> str:
    """An outbox row's state for people."""
    key = f"complaints.outbox_state.{state}"
    return t(key) if key in CATALOGUE else one_line(state, 20)


def skipped_reason(row: OutboxView) -> str | None:
    """Why a sent row did nothing (the citizen reply's ``skipped`` receipt), or None."""
    if row.state != "sent" or not row.receipt:
        return None
    reason = row.receipt.get("skipped")
    return str(reason) if reason else None


def row_state_label(t: Callable[..., str], row: OutboxView) -> str:
    """A row's state as people read it: where a sent row went, or that it was skipped."""
    reason = skipped_reason(row)
    if reason is not None:
        return t("complaints.skipped")
    key = f"complaints.sent.{row.transport}"
    if row.state == "sent" and key in CATALOGUE:
        return t(key)
    return outbox_state_label(t, row.state)


def delivery_label(t: Callable[..., str], state: str) -> str:
    """A delivery report state (``sms1708.DeliveryState.state``) for people."""
    key = f"complaints.delivery.{state}"
    return t(key) if key in CATALOGUE else one_line(state, 20)


def error_label(t: Callable[..., str], error: str) -> tuple[str, bool]:
    """A transport's ``last_error`` in the console's language: ``(text, known)``.

    Known errors (stable codes such as ``sms_uncertain:``, and the transports' sentences:
    HTTP statuses, timeouts, the modem) become catalogue text; anything else is the
    catalogue's "other error". The caller shows the original beside it, as inert text.
    """
    message = _CLASS.sub("", error.strip(), count=1)
    for pattern, key in _ERRORS:
        found = pattern.search(message)
        if found is not None:
            values = {k: one_line(v, 40) for k, v in found.groupdict().items() if v is not None}
            return t(key, **values), True
    code = _CODE.match(message)
    if code is not None and f"complaints.err.{code['code']}" in CATALOGUE:
        return t(f"complaints.err.{code['code']}"), True
    return t("complaints.err.unknown"), False


class OutboxPanel(Vertical):
    """The outbox rows of the complaint on show."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[OutboxView] = []
        """The rows on show, in table order."""
        self.delivery: dict[int, Any] = {}
        """The delivery report (``sms1708.DeliveryState``) of each SMS row on show, by row id."""

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        yield Static(Text(t("complaints.outbox_title"), "bold"), id="outbox-title")
        table: DataTable[Text] = DataTable(id="outbox-table", cursor_type="row", zebra_stripes=True)
        for key in ("transport", "state", "attempts", "next", "delivery", "error", "tracking"):
            table.add_column(Text(t(f"complaints.outbox.{key}")), key=key)
        yield table
        yield Static(id="outbox-empty")
        yield Static(id="outbox-notes")
        yield Static(id="outbox-error")

    def on_mount(self) -> None:
        self.show([])

    @property
    def cursor_row(self) -> OutboxView | None:
        """The row under the table cursor."""
        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def show(self, rows: list[OutboxView], delivery: Mapping[int, Any] | None = None) -> None:
        """Show ``rows`` and the delivery reports of their SMS (``delivery``, by row id).

        Unchanged rows leave the table and its cursor alone.
        """
        t = self.app.t  # type: ignore[attr-defined]
        delivery = dict(delivery or {})
        table = self.query_one(DataTable)
        empty = self.query_one("#outbox-empty", Static)
        empty.update(Text(t("complaints.outbox_empty"), "dim") if not rows else "")
        empty.display = not rows
        table.display = bool(rows)
        if rows != self.rows or delivery != self.delivery or table.row_count != len(rows):
            current = self.cursor_row.id if self.cursor_row is not None else None
            self.rows = list(rows)
            self.delivery = delivery
            table.clear()
            now = self.app.clock()  # type: ignore[attr-defined]
            for row in rows:
                table.add_row(*self._cells(row, now), key=str(row.id))
            ids = [r.id for r in rows]
            if current in ids:
                table.move_cursor(row=ids.index(current))
        self._show_notes()
        self._show_error()

    def _delivery_cell(self, row: OutboxView) -> Text:
        t = self.app.t  # type: ignore[attr-defined]
        found = self.delivery.get(row.id)
        if skipped_reason(row) is not None:
            return Text("-", "dim")
        if found is None:
            return Text("-")
        return Text(delivery_label(t, found.state), _DELIVERY_STYLES.get(found.state, ""))

    def _cells(self, row: OutboxView, now: datetime) -> list[Text]:
        t = self.app.t  # type: ignore[attr-defined]
        tracking = (row.receipt or {}).get("tracking_id")
        skipped = skipped_reason(row) is not None
        error = error_label(t, row.last_error)[0] if row.last_error else "-"
        return [
            Text(transport_short(t, row.transport)),
            Text(
                row_state_label(t, row),
                "yellow" if skipped else _STATE_STYLES.get(row.state, ""),
            ),
            Text(str(row.attempts), justify="right"),
            Text(
                short_time(row.next_attempt_at, now)
                if row.next_attempt_at and row.state == "pending"
                else "-"
            ),
            self._delivery_cell(row),
            Text(one_line(error, 16)),
            Text(one_line(str(tracking), 24) if tracking else "-"),
        ]

    def _show_notes(self) -> None:
        """A skipped row's reason, and each SMS's delivery report with the network's words."""
        t = self.app.t  # type: ignore[attr-defined]
        box = self.query_one("#outbox-notes", Static)
        text = Text(end="")
        for row in self.rows:
            line = Text(end="")
            reason = skipped_reason(row)
            found = self.delivery.get(row.id)
            if reason is not None:
                key = f"complaints.skipped.{reason}"
                said = (
                    t(key) if key in CATALOGUE else t("complaints.skipped.other", reason=one_line(reason, 40))
                )
                line.append(f"{transport_short(t, row.transport)}: {said}", "yellow")
            elif found is not None and row.state != "dibatalkan":
                line.append(
                    t(
                        "complaints.delivery_line",
                        transport=transport_short(t, row.transport),
                        state=delivery_label(t, found.state),
                    ),
                    _DELIVERY_STYLES.get(found.state, ""),
                )
                if found.text:
                    line.append(" ")
                    line.append(
                        t("complaints.delivery_network", text=display_safe(one_line(found.text, 80))), "dim"
                    )
            if line.plain:
                if text.plain:
                    text.append("\n")
                text.append_text(line)
        box.display = bool(text.plain)
        box.update(text)

    def _show_error(self) -> None:
        """Every row's last error in full, below the table (a row has at most one): in the
        console's language when known, the original words beside it (inert)."""
        t = self.app.t  # type: ignore[attr-defined]
        box = self.query_one("#outbox-error", Static)
        failing = [row for row in self.rows if row.last_error and row.state != "dibatalkan"]
        box.display = bool(failing)
        text = Text(end="")
        for i, row in enumerate(failing):
            if i:
                text.append("\n")
            label, _known = error_label(t, row.last_error or "")
            text.append(t("complaints.last_error", transport=transport_short(t, row.transport)) + " ", "bold")
            text.append(label, "red" if row.state == "gagal_kirim" else "")
            text.append("\n  ")
            text.append(t("complaints.err.original", text=display_safe(row.last_error or "")), "dim")
        box.update(text)
