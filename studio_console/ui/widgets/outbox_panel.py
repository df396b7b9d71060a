"""A complaint's outbox rows: transport, state, attempts, next attempt, last error, tracking ID.

A bounded table (one row per transport). The cursor picks the row that "retry" and
"attempt history" act on; every row's last error is shown in full below the table.
Errors come from the other end (a server's reason, a modem's reply): they are shown as
display-safe ``Text``, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from studio_console.complaints.queries import OutboxView
from studio_console.i18n import CATALOGUE
from studio_console.text import display_safe, one_line
from studio_console.ui.widgets.marked_list import short_time

__all__ = ["OutboxPanel", "outbox_state_label", "transport_label", "transport_short"]

_STATE_STYLES = {"gagal_kirim": "bold red", "sent": "green", "sending": "bold", "pending": ""}


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


class OutboxPanel(Vertical):
    """The outbox rows of the complaint on show."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[OutboxView] = []
        """The rows on show, in table order."""

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        yield Static(Text(t("complaints.outbox_title"), "bold"), id="outbox-title")
        table: DataTable[Text] = DataTable(id="outbox-table", cursor_type="row", zebra_stripes=True)
        for key in ("transport", "state", "attempts", "next", "error", "tracking"):
            table.add_column(Text(t(f"complaints.outbox.{key}")), key=key)
        yield table
        yield Static(id="outbox-empty")
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

    def show(self, rows: list[OutboxView]) -> None:
        """Show ``rows`` (unchanged rows leave the table and its cursor alone)."""
        t = self.app.t  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        empty = self.query_one("#outbox-empty", Static)
        empty.update(Text(t("complaints.outbox_empty"), "dim") if not rows else "")
        empty.display = not rows
        table.display = bool(rows)
        if rows != self.rows or table.row_count != len(rows):
            current = self.cursor_row.id if self.cursor_row is not None else None
            self.rows = list(rows)
            table.clear()
            now = self.app.clock()  # type: ignore[attr-defined]
            for row in rows:
                table.add_row(*self._cells(row, now), key=str(row.id))
            ids = [r.id for r in rows]
            if current in ids:
                table.move_cursor(row=ids.index(current))
        self._show_error()

    def _cells(self, row: OutboxView, now: datetime) -> list[Text]:
        t = self.app.t  # type: ignore[attr-defined]
        tracking = (row.receipt or {}).get("tracking_id")
        return [
            Text(transport_short(t, row.transport)),
            Text(outbox_state_label(t, row.state), _STATE_STYLES.get(row.state, "")),
            Text(str(row.attempts), justify="right"),
            Text(
                short_time(row.next_attempt_at, now)
                if row.next_attempt_at and row.state == "pending"
                else "-"
            ),
            Text(one_line(row.last_error, 16) if row.last_error else "-"),
            Text(one_line(str(tracking), 24) if tracking else "-"),
        ]

    def _show_error(self) -> None:
        """Every row's last error in full, below the table (a row has at most one)."""
        t = self.app.t  # type: ignore[attr-defined]
        box = self.query_one("#outbox-error", Static)
        failing = [row for row in self.rows if row.last_error]
        box.display = bool(failing)
        text = Text(end="")
        for i, row in enumerate(failing):
            if i:
                text.append("\n")
            text.append(t("complaints.last_error", transport=transport_short(t, row.transport)) + " ", "bold")
            text.append(display_safe(row.last_error or ""), "red" if row.state == "gagal_kirim" else "")
        box.update(text)
