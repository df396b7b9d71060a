"""Setting a complaint's tracking ID and status by hand (from LAPOR!'s reply or web page).

Only the statuses a complaint can have once it reached LAPOR! are offered
(:data:`~studio_console.complaints.model.TRACKED_STATUSES`: ``terkirim`` onwards, and
``ditunda``, ``bukan_wewenang``, ``diarsipkan``); ``draft``, ``siap_kirim`` and
``gagal_kirim`` belong to the studio's own sending and are never set by hand.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from studio_console.complaints.model import TRACKED_STATUSES
from studio_console.text import display_safe
from studio_console.ui.bindings import localize_bindings
from studio_console.ui.dialogs.base import SaveCancelDialog
from studio_console.ui.widgets.complaint_list import status_label

__all__ = ["TrackingDialog"]


class TrackingDialog(SaveCancelDialog[tuple[str | None, str] | None]):
    """Tracking ID (kept when left empty) and status; dismisses with ``(tracking, status)``.

    Args:
        complaint_id: the complaint, for the title.
        tracking_id: the tracking ID now.
        status: the status now (preselected when it is one that can be set here).
    """

    DEFAULT_CSS = """
    TrackingDialog { align: center middle; }
    TrackingDialog > #dialog { width: 90%; max-width: 70; height: auto;
                               border: round $primary; background: $surface; padding: 0 1; }
    TrackingDialog #title { text-style: bold; margin-bottom: 1; }
    TrackingDialog .caption { margin-top: 1; }
    TrackingDialog #buttons { height: auto; align-horizontal: right; margin-top: 1; }
    TrackingDialog #buttons Button { margin-left: 1; min-width: 10; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "cancel", id="complaints.dialog_cancel"),
        Binding("ctrl+s", "save", "save", id="complaints.dialog_save"),
    ]

    def __init__(self, complaint_id: int, tracking_id: str | None, status: str) -> None:
        super().__init__()
        self._complaint_id = complaint_id
        self._tracking = tracking_id or ""
        self._status = status

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        with Vertical(id="dialog"):
            yield Label(Text(t("complaints.tracking_title", id=self._complaint_id)), id="title")
            yield Label(Text(t("complaints.tracking_id")), classes="caption")
            yield Input(
                display_safe(self._tracking, keep_newlines=False),
                placeholder=t("complaints.hint.tracking"),
                max_length=40,
                id="tracking",
            )
            yield Label(Text(t("complaints.tracking_status")), classes="caption")
            yield Select(
                [(Text(status_label(t, s)), s) for s in TRACKED_STATUSES],
                value=self._status if self._status in TRACKED_STATUSES else Select.NULL,
                allow_blank=self._status not in TRACKED_STATUSES,
                prompt=t("complaints.choose"),
                id="status",
            )
            yield Label(Text(t("complaints.tracking_status_hint"), "dim"), classes="hint")
            with Horizontal(id="buttons"):
                yield Button(t("producer.dialog.save"), variant="primary", id="save")
                yield Button(t("producer.dialog.cancel"), id="cancel")

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]
        self.query_one("#tracking", Input).focus()

    @on(Input.Submitted, "#tracking")
    def _next(self) -> None:
        self.query_one("#status", Select).focus()

    def action_save(self) -> None:
        """Close with the tracking ID (None: keep the one stored) and the status."""
        status = self.query_one("#status", Select).value
        if status == Select.NULL or status not in TRACKED_STATUSES:
            self.query_one("#status", Select).focus()
            return
        tracking = self.query_one("#tracking", Input).value.strip() or None
        self.dismiss((tracking, str(status)))
