"""The selected complaint's fields, to complete and save (drafts) or to read (sent ones).

The form only edits widgets: it never writes to the store. The screen asks it for
:meth:`ComplaintForm.changes` (the fields that differ from what was loaded, as
:func:`~studio_console.complaints.builder.update` takes them) and saves them. Listener
text (judul, isi, the verbatim originals, names) is made display-safe before it reaches
an editor, and shown read-only as ``rich.text.Text``, never as markup.

Lampiran: the recordings of the complaint's calls
(:func:`~studio_console.complaints.builder.recording_candidates`) are listed with a
checkbox each, ticked when attached (a drafted complaint that is not anonim has them
all; an anonim one has none: the caller's voice identifies them, and the form says so);
untick to detach. Saving sends the new ``lampiran`` list, and the builder links the
recordings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from studio_console.complaints.builder import recording_candidates
from studio_console.complaints.model import CLASSIFICATIONS, JUDUL_MAX, Complaint, missing_fields
from studio_console.complaints.queries import OutboxView
from studio_console.places import Place, load_places
from studio_console.text import display_safe, one_line
from studio_console.ui.dialogs.desa_picker import DesaPicker
from studio_console.ui.widgets.complaint_list import field_label, shown_status
from studio_console.ui.widgets.marked_list import WIB, short_time
from studio_console.ui.widgets.status_bar import mm_ss

__all__ = ["ComplaintForm", "FormInvalid", "check_date"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CHANNELS = {
    "SMS": "complaints.channel.sms",
    "telepon": "complaints.channel.call",
    "langsung": "complaints.channel.manual",
}


class FormInvalid(Exception):
    """A field holds a value that cannot be saved; ``key`` and ``values`` name it for the catalogue."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def check_date(text: str, today: date) -> date | None:
    """The incident date typed as ``YYYY-MM-DD`` (None when empty).

    Raises:
        FormInvalid: not a date in that form, or a date after ``today``.
    """
    text = text.strip()
    if not text:
        return None
    if not _DATE.fullmatch(text):
        raise FormInvalid("complaints.error.date_format", value=one_line(text, 20))
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise FormInvalid("complaints.error.date_invalid", value=text) from None
    if value > today:
        raise FormInvalid("complaints.error.date_future", value=text)
    return value


def _line(value: str | None) -> str:
    """A stored one-line value as an input shows it (display-safe, no newlines)."""
    return display_safe(value or "", keep_newlines=False)


class ComplaintForm(Vertical):
    """Judul, isi, originals, klasifikasi, kategori, instansi, lokasi, tanggal kejadian,
    pelapor, anonim, rahasia, dijawab oleh, jawaban, lampiran and sumber of one complaint.

    Args:
        categories: the studio's kategori list (``export.categories``); a Select when set.
        agencies: the studio's instansi list (``export.agencies``); a Select when set.
    """

    def __init__(
        self, categories: Sequence[str] = (), agencies: Sequence[str] = (), *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self._categories = [c for c in categories if c.strip()]
        self._agencies = [a for a in agencies if a.strip()]
        self.complaint: Complaint | None = None
        """The complaint as last loaded (None: nothing selected)."""
        self._place: tuple[str | None, str | None] = (None, None)  # kecamatan code, desa code
        self._baseline: dict[str, Any] = {}
        self._recordings: dict[str, int] = {}  # candidate recording path -> recording id
        self._ticked: dict[str, bool] = {}  # candidate recording path -> attached (as ticked)
        self._outbox: tuple[OutboxView, ...] = ()  # the complaint's outbox rows (for the status)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        yield Static(id="form-title")
        yield Static(id="form-missing")
        with Grid(id="form-fields"):
            yield self._caption("judul")
            yield Input(
                max_length=JUDUL_MAX, id="f-judul", placeholder=t("complaints.hint.judul"), compact=True
            )
            yield self._caption("isi")
            yield TextArea(soft_wrap=True, id="f-isi", compact=True)
            yield Label(Text(t("complaints.originals_caption")), classes="caption")
            yield Static(id="f-originals")
            yield self._caption("klasifikasi")
            yield Select(
                [(Text(t(f"complaints.class.{c}")), c) for c in CLASSIFICATIONS],
                prompt=t("complaints.choose"),
                id="f-klasifikasi",
                compact=True,
            )
            yield self._caption("kategori")
            yield self._choice("kategori", self._categories)
            yield self._caption("instansi")
            yield self._choice("instansi", self._agencies)
            yield self._caption("lokasi")
            with Horizontal(classes="row"):
                yield Static(id="f-place")
                yield Button(t("complaints.pick_desa"), id="f-pick-desa", compact=True)
            yield Label(Text(t("complaints.field.lokasi_detail")), classes="caption")
            yield Input(
                id="f-lokasi-detail", placeholder=t("complaints.hint.detail"), max_length=200, compact=True
            )
            yield self._caption("tanggal_kejadian")
            with Vertical(classes="row"):
                yield Input(
                    id="f-tanggal", placeholder=t("complaints.hint.date"), max_length=10, compact=True
                )
                yield Static(id="f-tanggal-error")
            yield self._caption("pelapor")
            with Vertical(classes="row"):
                yield Input(
                    id="f-pelapor", placeholder=t("complaints.hint.pelapor"), max_length=80, compact=True
                )
                yield Static(id="f-nomor")
            yield Label(Text(t("complaints.flags")), classes="caption")
            with Horizontal(classes="row"):
                yield Checkbox(Text(t("complaints.field.anonim")), True, id="f-anonim", compact=True)
                yield Checkbox(Text(t("complaints.field.rahasia")), False, id="f-rahasia", compact=True)
            yield self._caption("dijawab_oleh")
            yield Input(id="f-dijawab", max_length=120, compact=True)
            yield self._caption("jawaban")
            yield Input(id="f-jawaban", max_length=300, compact=True)
            yield self._caption("lampiran")
            with Vertical(classes="row", id="f-lampiran-box"):
                yield Static(id="f-lampiran")
            yield self._caption("sumber")
            yield Static(id="f-sumber")
            yield Static()
            yield Button(t("complaints.save_button"), variant="primary", id="form-save", compact=True)

    def _caption(self, name: str) -> Label:
        return Label(Text(self.app.t(f"complaints.field.{name}")), classes="caption")  # type: ignore[attr-defined]

    def _choice(self, name: str, choices: list[str]) -> Select[str] | Input:
        if choices:
            return Select(
                [(Text(one_line(c, 80)), c) for c in choices],
                prompt=self.app.t("complaints.choose"),  # type: ignore[attr-defined]
                id=f"f-{name}",
                compact=True,
            )
        return Input(id=f"f-{name}", max_length=120, compact=True)

    def on_mount(self) -> None:
        self.show(None)

    # ------------------------------------------------------------------ loading
    @property
    def complaint_id(self) -> int | None:
        """The id of the complaint on show."""
        return self.complaint.id if self.complaint is not None else None

    @property
    def editable(self) -> bool:
        """Only drafts are edited."""
        return self.complaint is not None and self.complaint.status == "draft"

    def show(
        self, complaint: Complaint | None, *, force: bool = False, outbox: tuple[OutboxView, ...] = ()
    ) -> None:
        """Show ``complaint`` (``outbox``: its rows, which say whether it has left the studio).

        The fields are refilled when it is another complaint, when ``force`` is set, or when
        it changed in the store and nothing was typed here since it was loaded (unsaved
        typing is never overwritten by a refresh).
        """
        self._outbox = tuple(outbox)
        same = complaint is not None and self.complaint is not None and complaint.id == self.complaint.id
        if same and not force and (self.dirty or complaint == self.complaint):
            self._show_header(complaint)
            return
        self.complaint = complaint
        self._fill(complaint)
        self._show_header(complaint)

    def _fill(self, c: Complaint | None) -> None:
        t = self.app.t  # type: ignore[attr-defined]
        c = c or Complaint(anonim=True)
        self.query_one("#f-judul", Input).value = _line(c.judul)
        self.query_one("#f-isi", TextArea).load_text(display_safe(c.isi or ""))
        originals = Text(end="")
        for i, original in enumerate(c.originals, 1):
            if i > 1:
                originals.append("\n")
            if len(c.originals) > 1:
                originals.append(t("complaints.original_n", n=i) + "\n", "dim")
            originals.append(display_safe(original or ""))
        if not c.originals:
            originals.append(t("complaints.no_originals"), "dim")
        self.query_one("#f-originals", Static).update(originals)
        self.query_one("#f-klasifikasi", Select).value = (
            c.klasifikasi if c.klasifikasi in CLASSIFICATIONS else Select.NULL
        )
        self._set_choice("kategori", self._categories, c.kategori)
        self._set_choice("instansi", self._agencies, c.instansi)
        self._place = (c.lokasi.kecamatan_code, c.lokasi.desa_code)
        self._show_place()
        self.query_one("#f-lokasi-detail", Input).value = _line(c.lokasi.detail)
        self.query_one("#f-tanggal", Input).value = (
            c.tanggal_kejadian.isoformat() if c.tanggal_kejadian else ""
        )
        self.query_one("#f-tanggal-error", Static).update("")
        self.query_one("#f-tanggal-error", Static).display = False
        self.query_one("#f-pelapor", Input).value = _line(c.pelapor.name if c.pelapor else None)
        number = c.pelapor.e164 if c.pelapor else None
        self.query_one("#f-nomor", Static).update(
            Text(
                t("complaints.number", number=one_line(number, 30)) if number else t("complaints.no_number"),
                "dim",
            )
        )
        self.query_one("#f-anonim", Checkbox).value = c.anonim
        self.query_one("#f-rahasia", Checkbox).value = c.rahasia
        self.query_one("#f-dijawab", Input).value = _line(c.dijawab_oleh)
        self.query_one("#f-jawaban", Input).value = _line(c.jawaban)
        self._fill_recordings(c)
        self._show_lampiran(c)
        self.query_one("#f-sumber", Static).update(self._sumber(c))
        fields = self.query_one("#form-fields")
        fields.disabled = not self.editable
        fields.display = self.complaint is not None
        self._baseline = self._read()

    def _fill_recordings(self, c: Complaint) -> None:
        """One checkbox per recording of the complaint's calls, ticked when attached."""
        t = self.app.t  # type: ignore[attr-defined]
        rows = recording_candidates(self.app.store, c.id) if c.id is not None else []  # type: ignore[attr-defined]
        self._recordings = {row.path: row.id for row in rows}
        self._ticked = {row.path: row.path in c.lampiran for row in rows}
        self.query(".f-rec").remove()
        boxes = []
        for row in rows:
            name = Path(row.path).name
            label = (
                t("audio.form.recording_gone", name=name)
                if row.deleted_at
                else t("audio.form.recording", name=name, seconds=mm_ss(row.seconds))
            )
            boxes.append(
                Checkbox(
                    Text(display_safe(label, keep_newlines=False)),
                    self._ticked[row.path],
                    name=row.path,
                    classes="f-rec",
                    compact=True,
                )
            )
        if boxes:
            self.query_one("#f-lampiran-box").mount_all(boxes)

    def _show_lampiran(self, c: Complaint) -> None:
        """The lampiran's hints and its entries that are not recordings of the calls; with
        anonim ticked and recordings offered, why they are not attached by default."""
        t = self.app.t  # type: ignore[attr-defined]
        lampiran = Text(end="")
        if self._recordings and self.query_one("#f-anonim", Checkbox).value:
            lampiran.append(t("complaints.recordings_anonim") + "\n", "yellow")
        if self._recordings:
            lampiran.append(t("audio.form.hint") + "\n", "dim")
        others = [path for path in c.lampiran if path not in self._recordings]
        for path in others:
            lampiran.append(display_safe(path, keep_newlines=False) + "\n")
        if not c.lampiran and not self._recordings:
            lampiran.append(t("complaints.none"), "dim")
        lampiran.rstrip()
        self.query_one("#f-lampiran", Static).update(lampiran)

    def _lampiran(self) -> tuple[str, ...]:
        """The lampiran as ticked: other entries as loaded, then the ticked recordings."""
        loaded = self.complaint.lampiran if self.complaint is not None else ()
        kept = [p for p in loaded if p not in self._recordings or self._ticked.get(p)]
        added = [p for p, on in self._ticked.items() if on and p not in loaded]
        return tuple(kept + added)

    def _set_choice(self, name: str, choices: list[str], value: str | None) -> None:
        widget = self.query_one(f"#f-{name}")
        if isinstance(widget, Select):
            options: list[tuple[Text, str]] = [(Text(one_line(c, 80)), c) for c in choices]
            if value and value not in choices:  # prefilled from an item: shown, refused on save
                options.append(
                    (Text(self.app.t("complaints.off_list", value=one_line(value, 60)), "yellow"), value)  # type: ignore[attr-defined]
                )
            widget.set_options(options)
            widget.value = value if value else Select.NULL
        else:
            widget.value = _line(value)  # type: ignore[attr-defined]

    def _sumber(self, c: Complaint) -> Text:
        t = self.app.t  # type: ignore[attr-defined]
        s = c.sumber
        channel = t(_CHANNELS[s.channel]) if s.channel in _CHANNELS else one_line(s.channel or "-", 20)
        now = self.app.clock()  # type: ignore[attr-defined]
        return Text(
            t(
                "complaints.sumber",
                programme=one_line(s.programme or "-", 40),
                station=one_line(s.station or "-", 40),
                channel=channel,
                aired=short_time(s.aired_at, now) if s.aired_at else "-",
            )
        )

    def _show_header(self, c: Complaint | None) -> None:
        t = self.app.t  # type: ignore[attr-defined]
        title = self.query_one("#form-title", Static)
        missing = self.query_one("#form-missing", Static)
        if c is None:
            title.update(Text(t("complaints.form_empty"), "dim"))
            missing.update("")
            missing.display = False
            return
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(t("complaints.form_title", id=c.id), "bold")
        text.append(" · " + shown_status(t, c.status, c.tracking_id, self._outbox))
        text.append(" · " + t("complaints.tracking", tracking=one_line(c.tracking_id or "-", 30)))
        if self.dirty:
            text.append(" · " + t("complaints.unsaved"), "bold yellow")
        title.update(text)
        names = [field_label(t, name) for name in missing_fields(c)] if c.status == "draft" else []
        missing.display = bool(names)
        missing.update(Text(t("complaints.missing", fields=", ".join(names)), "yellow") if names else "")

    def _show_place(self) -> None:
        t = self.app.t  # type: ignore[attr-defined]
        kecamatan, desa = self._place
        places = load_places()
        place = places.desa(desa)
        text = Text(end="")
        if place is not None:
            text.append(t("complaints.place", desa=place.desa_name, kecamatan=place.kecamatan_name))
            text.append(f"  {place.desa_code}", "dim")
        elif kecamatan:
            name = places.kecamatan_name(kecamatan)
            text.append(t("complaints.place_kecamatan", kecamatan=one_line(name or kecamatan, 40)))
            text.append(f"  {one_line(kecamatan, 20)}", "dim")
        else:
            text.append(t("complaints.no_place"), "dim")
        self.query_one("#f-place", Static).update(text)

    # ------------------------------------------------------------------ reading
    def _value(self, selector: str) -> Any:
        widget = self.query_one(selector)
        if isinstance(widget, Select):
            return None if widget.value == Select.NULL else widget.value
        if isinstance(widget, TextArea):
            return widget.text
        return widget.value  # type: ignore[attr-defined]

    def _read(self) -> dict[str, Any]:
        return {
            "judul": self._value("#f-judul"),
            "isi": self._value("#f-isi"),
            "klasifikasi": self._value("#f-klasifikasi"),
            "kategori": self._value("#f-kategori"),
            "instansi": self._value("#f-instansi"),
            "place": self._place,
            "detail": self._value("#f-lokasi-detail"),
            "tanggal_kejadian": self._value("#f-tanggal"),
            "pelapor": self._value("#f-pelapor"),
            "anonim": self._value("#f-anonim"),
            "rahasia": self._value("#f-rahasia"),
            "dijawab_oleh": self._value("#f-dijawab"),
            "jawaban": self._value("#f-jawaban"),
            "lampiran": self._lampiran(),
        }

    @property
    def dirty(self) -> bool:
        """Something was changed here since the complaint was loaded or saved."""
        return (
            self.complaint is not None
            and self.editable
            and bool(self._baseline)
            and (self._read() != self._baseline)
        )

    def value(self, name: str) -> Any:
        """A field's value as typed (``kategori``, ``instansi``, ``judul``…)."""
        return self._read()[name]

    def changes(self) -> dict[str, Any]:
        """The fields changed since loading, as ``builder.update`` takes them.

        Raises:
            FormInvalid: the incident date is not a valid ``YYYY-MM-DD`` date.
        """
        now = self._read()
        error = self.query_one("#f-tanggal-error", Static)
        try:
            check_date(now["tanggal_kejadian"] or "", self.app.clock().astimezone(WIB).date())  # type: ignore[attr-defined]
        except FormInvalid as exc:
            error.update(Text(self.app.t(exc.key, **exc.values), "red"))  # type: ignore[attr-defined]
            error.display = True
            raise
        error.update("")
        error.display = False
        changed = {name for name, value in now.items() if value != self._baseline.get(name)}
        fields: dict[str, Any] = {}
        for name in (
            "judul",
            "isi",
            "klasifikasi",
            "kategori",
            "instansi",
            "tanggal_kejadian",
            "anonim",
            "rahasia",
            "dijawab_oleh",
            "jawaban",
            "lampiran",
        ):
            if name in changed:
                value = now[name]
                fields[name] = value.strip() if isinstance(value, str) else value
        if {"place", "detail"} & changed:
            kecamatan, desa = now["place"]
            fields["lokasi"] = {
                "kecamatan_code": kecamatan,
                "desa_code": desa,
                "detail": (now["detail"] or "").strip() or None,
            }
        if "pelapor" in changed:
            number = self.complaint.pelapor.e164 if self.complaint and self.complaint.pelapor else None
            name = (now["pelapor"] or "").strip() or None
            fields["pelapor"] = {"name": name, "e164": number} if (name or number) else None
        return fields

    # ------------------------------------------------------------------ lokasi
    def pick_desa(self) -> None:
        """Choose the desa (and so the kecamatan) with the desa picker."""
        if not self.editable:
            return
        desa = self._place[1]
        place_now = load_places().desa(desa)

        def picked(place: Place | None) -> None:
            if place is not None:
                self._place = (place.kecamatan_code, place.desa_code)
                self._show_place()
                self._show_header(self.complaint)

        self.app.push_screen(DesaPicker(place_now.desa_name if place_now else "", current=desa), picked)

    @on(Button.Pressed, "#f-pick-desa")
    def _pick_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.pick_desa()

    @on(Checkbox.Changed, ".f-rec")
    def _recording_ticked(self, event: Checkbox.Changed) -> None:
        path = event.checkbox.name
        if path in self._ticked:
            self._ticked[path] = event.value
        if self.complaint is not None:
            self._show_header(self.complaint)

    @on(Checkbox.Changed, "#f-anonim")
    def _anonim_ticked(self) -> None:
        if self.complaint is not None:
            self._show_lampiran(self.complaint)

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _edited(self) -> None:
        if self.complaint is not None:
            self._show_header(self.complaint)
