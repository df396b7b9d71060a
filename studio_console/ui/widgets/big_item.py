"""The item the host is about to read, in large text.

Textual has no font sizes: "large" is the CSS of ``#big-text`` — bold, padded,
on its own block, with more room on a wide screen. The widget shows a
:class:`~studio_console.store.host_view.HostItem` (which never carries a full
number); every listener string goes through :func:`~studio_console.text.display_safe`
into a ``rich.text.Text``, never through the markup parser.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from studio_console.store.host_view import HostItem
from studio_console.text import display_safe, one_line

__all__ = ["BigItem", "wib_time"]

WIB = ZoneInfo("Asia/Jakarta")


def wib_time(iso: str | None) -> str:
    """``HH:MM`` in WIB for a stored UTC instant ("" when missing or unreadable)."""
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone(WIB).strftime("%H:%M")
    except ValueError:
        return ""


class BigItem(VerticalScroll, can_focus=False):
    """The selected item: who and where, the text for air in large type, the answer."""

    DEFAULT_CSS = """
    BigItem {
        height: 1fr;
        background: $surface;
        padding: 0 1;
        scrollbar-size-vertical: 1;
        & > #big-head { color: $text-muted; padding: 0 1; }
        & > #big-text {
            text-style: bold;
            color: $text;
            background: $boost;
            padding: 1 2;
            margin: 1 0;
        }
        & > #big-foot { color: $text-muted; padding: 0 1; }
        &.-on-air > #big-text { border-left: thick $error; }
        &.-next > #big-text { border-left: thick $success; }
        &.-empty > #big-text { text-style: italic; color: $text-muted; background: $surface; }
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._item: HostItem | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="big-head", markup=False)
        yield Static(id="big-text", markup=False)
        yield Static(id="big-foot", markup=False)

    def on_mount(self) -> None:
        self.show(self._item)

    @property
    def item(self) -> HostItem | None:
        """The item shown (None: nothing selected)."""
        return self._item

    def show(self, item: HostItem | None, *, gone: bool = False) -> None:
        """Show ``item`` (a preview: nothing is written); ``gone`` says it left the queue."""
        changed = item is None or self._item is None or item.item_id != self._item.item_id
        self._item = item
        if not self.is_mounted:
            return
        t = self.app.t  # type: ignore[attr-defined]
        head, text, foot = (self.query_one(f"#big-{n}", Static) for n in ("head", "text", "foot"))
        self.set_class(item is None, "-empty")
        self.set_class(item is not None and item.state == "on_air", "-on-air")
        self.set_class(item is not None and item.is_next and item.state != "on_air", "-next")
        if item is None:
            head.update(Text(""))
            text.update(Text(t("host.big_gone" if gone else "host.big_empty")))
            foot.update(Text(""))
            return
        head.update(self._head(item))
        body = display_safe(item.text_for_air).strip()
        text.update(Text(body or "—", overflow="fold"))
        foot.update(self._foot(item))
        if changed:
            self.scroll_home(animate=False)

    def _head(self, item: HostItem) -> Text:
        t = self.app.t  # type: ignore[attr-defined]
        parts: list[tuple[str, str]] = []
        if item.position:
            parts.append((t("host.position", position=item.position), "bold"))
        if item.state == "on_air":
            parts.append((t("host.state.on_air"), "bold reverse"))
        elif item.is_next:
            parts.append((t("host.mark_next"), "bold reverse"))
        elif item.state != "queued":
            parts.append((t(f"host.state.{item.state}"), "italic"))
        parts.append((t(f"host.kind.{item.kind}"), ""))
        parts.append((one_line(item.sender_label, 60) or t("host.no_sender"), "bold"))
        place = self._place(item)
        if place:
            parts.append((place, ""))
        if item.anonim:
            parts.append((t("host.anonim"), "italic"))
        if item.rahasia:
            parts.append((t("host.rahasia"), "bold"))
        when = wib_time(item.received_at)
        if when:
            parts.append((t("host.received", time=when), ""))
        if item.aired_at:
            parts.append((t("host.aired_at", time=wib_time(item.aired_at)), ""))
        text = Text(overflow="fold")
        for n, (part, style) in enumerate(parts):
            if n:
                text.append(" · ")
            text.append(part, style)
        return text

    def _place(self, item: HostItem) -> str:
        t = self.app.t  # type: ignore[attr-defined]
        desa = one_line(item.desa, 40) if item.desa else None
        kecamatan = one_line(item.kecamatan, 40) if item.kecamatan else None
        if desa and kecamatan:
            return t("host.place", desa=desa, kecamatan=kecamatan)
        if kecamatan:
            return t("host.place_kecamatan", kecamatan=kecamatan)
        if desa:
            return t("host.place_desa", desa=desa)
        return ""

    def _foot(self, item: HostItem) -> Text:
        t = self.app.t  # type: ignore[attr-defined]
        lines: list[str] = []
        if item.topic:
            lines.append(t("host.topic", topic=one_line(item.topic, 120)))
        if item.opd:
            lines.append(t("host.opd", opd=one_line(item.opd, 120)))
        if item.answered_by or item.answer:
            lines.append(
                t(
                    "host.answered",
                    by=one_line(item.answered_by or "—", 80),
                    answer=one_line(item.answer or "—", 300),
                )
            )
        return Text("\n".join(lines), overflow="fold")
