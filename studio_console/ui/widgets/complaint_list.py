"""The complaints: id, status, weekly-review colour, tracking ID, judul, failures, what is missing."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.text import Text

from studio_console.complaints.queries import ComplaintSummary, OutboxView
from studio_console.i18n import CATALOGUE
from studio_console.text import one_line
from studio_console.ui.widgets.marked_list import MarkedList

__all__ = [
    "COLOUR_STYLES",
    "ComplaintList",
    "field_label",
    "review_mark",
    "shown_status",
    "status_label",
]

COLOUR_STYLES = {"red": "bold red", "yellow": "bold yellow", "blue": "bold dodger_blue1"}
"""How the weekly-review colours are drawn (the legend uses the same)."""


def review_mark(colour: str) -> Text:
    """The coloured mark of a review colour (an empty circle for drafts)."""
    if colour in COLOUR_STYLES:
        return Text("●", COLOUR_STYLES[colour], end="")
    return Text("○", "dim", end="")


def status_label(t: Callable[..., str], status: str) -> str:
    """A status in the console's language (the raw name when the catalogue lacks it)."""
    key = f"complaints.status.{status}"
    return t(key) if key in CATALOGUE else one_line(status, 20)


def shown_status(
    t: Callable[..., str], status: str, tracking_id: str | None, outbox: Iterable[OutboxView]
) -> str:
    """The status as the screens show it: a ``siap_kirim`` complaint that has left the
    studio (every live row sent, none waiting) but has no tracking ID yet says so ("sent to
    the operator, awaiting the tracking ID"; "sent to 1708, awaiting LAPOR!'s reply"),
    rather than looking like one still waiting to be sent."""
    if status != "siap_kirim" or tracking_id:
        return status_label(t, status)
    live = [o for o in outbox if o.state != "dibatalkan" and o.transport != "balasan"]
    if not live or any(o.state != "sent" for o in live):
        return status_label(t, status)
    sent = {o.transport for o in live}
    if "sms1708" in sent:
        return t("complaints.waiting.sms1708")
    if sent == {"file"}:
        return t("complaints.waiting.file")
    return t("complaints.waiting.other")


def field_label(t: Callable[..., str], name: str) -> str:
    """A complaint field's name in the console's language (``lokasi.kecamatan`` included)."""
    key = f"complaints.field.{name}"
    return t(key) if key in CATALOGUE else name


class ComplaintList(MarkedList):
    """Complaints, newest first; mark drafts (space) to merge them."""

    def show_complaints(self, complaints: list[ComplaintSummary]) -> bool:
        """List ``complaints``; returns whether the list changed."""
        return self.set_rows([(c.id, self.line(c)) for c in complaints])

    def line(self, c: ComplaintSummary) -> Text:
        """One row: mark, ``#id``, status, tracking ID, a ``!`` on a failed transport, judul,
        and for drafts the names of the fields still missing."""
        t = self.app.t  # type: ignore[attr-defined]
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append_text(review_mark(c.colour))
        text.append(f" #{c.id} ", "bold")
        text.append(shown_status(t, c.status, c.tracking_id, c.outbox), "italic")
        if c.tracking_id:
            text.append(" ")
            text.append(one_line(c.tracking_id, 20), "bold")
        if c.failed:
            text.append(" !", "bold red")
        text.append(" ")
        text.append(one_line(c.judul, 100) if c.judul else t("complaints.no_judul"), "" if c.judul else "dim")
        if c.missing:
            names = ", ".join(field_label(t, name) for name in c.missing)
            text.append(" · " + t("complaints.missing_short", fields=names), "yellow")
        return text
