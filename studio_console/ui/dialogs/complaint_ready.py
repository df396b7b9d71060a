"""Marking a complaint ready: choose its transports, and see the exact SMS that goes to 1708.

When ``sms1708`` is among the transports, the dialog shows the text the modem will send
(``KEYWORD text`` fitted into one segment by
:func:`studio_console.complaints.transports.sms1708.fit_message`), its encoding and length,
and whether and how it was shortened, before anything is sent.

A rahasia (confidential) complaint is never sent by SMS to 1708 (an SMS cannot mark it
confidential; the builder refuses it too): the box is unticked and disabled, and the
reason is shown where the preview would be.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Label, Static

from studio_console.complaints.model import Complaint, to_payload
from studio_console.i18n import CATALOGUE
from studio_console.text import display_safe, one_line
from studio_console.ui.bindings import localize_bindings
from studio_console.ui.dialogs.base import SaveCancelDialog
from studio_console.ui.widgets.outbox_panel import transport_label

__all__ = ["ComplaintReadyDialog", "sms_preview"]

SMS_TRANSPORT = "sms1708"
_ENCODINGS = {"gsm7": "GSM 7-bit", "ucs2": "UCS2"}


def sms_preview(keyword: str, complaint: Complaint) -> Any | None:
    """The fitted 1708 SMS of ``complaint`` (``FittedSms``), or None when the SMS transport
    is not installed yet."""
    try:
        from studio_console.complaints.transports.sms1708 import fit_message
    except ImportError:
        return None
    return fit_message(keyword, to_payload(complaint))


def describe_sms(t: Callable[..., str], fitted: Any) -> Text:
    """The preview as people read it: the exact text, then encoding, length and shortening."""
    text = Text(end="")
    text.append(
        t(
            "complaints.sms.header",
            encoding=_ENCODINGS.get(fitted.encoding, one_line(str(fitted.encoding), 10)),
            length=fitted.length,
            limit=fitted.limit,
        )
        + "\n",
        "bold",
    )
    text.append(display_safe(fitted.text) + "\n", "reverse")
    if fitted.shortened:
        text.append(t("complaints.sms.shortened") + "\n", "bold yellow")
    else:
        text.append(t("complaints.sms.whole") + "\n", "green")
    for note in fitted.notes or ():
        key = f"complaints.sms.note.{note}"
        text.append("• " + (t(key) if key in CATALOGUE else one_line(str(note), 60)) + "\n")
    removed = fitted.removed
    if removed:
        shown = ", ".join(map(str, removed)) if isinstance(removed, list | tuple | set) else str(removed)
        text.append(t("complaints.sms.removed", removed=one_line(shown, 300)) + "\n", "dim")
    text.rstrip()
    return text


class ComplaintReadyDialog(SaveCancelDialog[list[str] | None]):
    """Tick the transports (all ticked at first); dismisses with the chosen names or None.

    Args:
        complaint: the (saved, complete) draft to send.
        transports: the studio's transports (``export.transports``), in order.
        keyword: the 1708 keyword (``export.sms_keyword``).
    """

    DEFAULT_CSS = """
    ComplaintReadyDialog { align: center middle; }
    ComplaintReadyDialog > #dialog { width: 90%; max-width: 100; height: auto; max-height: 95%;
                                     border: round $primary; background: $surface; padding: 0 1; }
    ComplaintReadyDialog #title { text-style: bold; margin-bottom: 1; }
    ComplaintReadyDialog #transports { height: auto; }
    ComplaintReadyDialog #sms-preview-box { height: auto; max-height: 14; margin-top: 1;
                                            border-left: outer $secondary; padding-left: 1; }
    ComplaintReadyDialog #error { color: $error; }
    ComplaintReadyDialog #buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ComplaintReadyDialog #buttons Button { margin-left: 1; min-width: 10; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "cancel", id="complaints.dialog_cancel"),
        Binding("ctrl+s", "save", "send", id="complaints.ready_confirm"),
    ]

    def __init__(self, complaint: Complaint, transports: Sequence[str], keyword: str) -> None:
        super().__init__()
        self._complaint = complaint
        self._transports = list(dict.fromkeys(transports))
        self._keyword = keyword
        self._unavailable = {SMS_TRANSPORT} if complaint.rahasia else set()
        self.fitted: Any | None = None
        """The fitted 1708 SMS shown (None when sms1708 is not offered or not installed)."""

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        with Vertical(id="dialog"):
            yield Label(
                Text(
                    t(
                        "complaints.ready_title",
                        id=self._complaint.id,
                        judul=one_line(self._complaint.judul or "", 60),
                    )
                ),
                id="title",
            )
            yield Label(Text(t("complaints.ready_choose")))
            with Vertical(id="transports"):
                for name in self._transports:
                    usable = name not in self._unavailable
                    yield Checkbox(
                        Text(transport_label(t, name)),
                        usable,
                        id=f"tr-{name}",
                        compact=True,
                        disabled=not usable,
                    )
            if SMS_TRANSPORT in self._transports:
                with VerticalScroll(id="sms-preview-box"):
                    yield Static(id="sms-preview")
            yield Label(id="error")
            with Horizontal(id="buttons"):
                yield Button(t("complaints.ready_send"), variant="primary", id="save")
                yield Button(t("producer.dialog.cancel"), id="cancel")

    def on_mount(self) -> None:
        localize_bindings(self, self.app.t)  # type: ignore[attr-defined]
        if SMS_TRANSPORT in self._transports:
            self._show_preview()
        boxes = [box for box in self.query(Checkbox) if not box.disabled]
        if boxes:
            boxes[0].focus()

    def _show_preview(self) -> None:
        t = self.app.t  # type: ignore[attr-defined]
        preview = self.query_one("#sms-preview", Static)
        if SMS_TRANSPORT in self._unavailable:
            preview.update(Text(t("complaints.sms.rahasia"), "yellow"))
            return
        try:
            self.fitted = sms_preview(self._keyword, self._complaint)
        except Exception as exc:  # the fitter refused this complaint: say why, do not crash
            self.fitted = None
            preview.update(Text(t("complaints.sms.failed", reason=one_line(str(exc), 200)), "red"))
            return
        if self.fitted is None:
            preview.update(Text(t("complaints.sms.unavailable"), "yellow"))
        else:
            preview.update(describe_sms(t, self.fitted))

    @on(Checkbox.Changed)
    def _ticked(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == f"tr-{SMS_TRANSPORT}" and SMS_TRANSPORT not in self._unavailable:
            box = self.query("#sms-preview-box")
            if box:
                box.first().display = event.value

    @property
    def chosen(self) -> list[str]:
        """The transports ticked now."""
        return [
            name
            for name in self._transports
            if name not in self._unavailable and self.query_one(f"#tr-{name}", Checkbox).value
        ]

    def action_save(self) -> None:
        """Close with the ticked transports (at least one)."""
        chosen = self.chosen
        if not chosen:
            self.query_one("#error", Label).update(Text(self.app.t("complaints.error.no_transport")))  # type: ignore[attr-defined]
            return
        self.dismiss(chosen)
