"""The complaint record (``domain.md``, "A complaint"): fields, checks, the payload transports send.

Plain frozen dataclasses and pure functions, no I/O. The stored form is :func:`to_data`
(the ``complaints.data`` JSON); what leaves the studio is :func:`to_payload`, which
honours *anonim* end to end: no name and no number of the reporter, anywhere in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

__all__ = [
    "CHANNELS",
    "CLASSIFICATIONS",
    "DONE_STATUSES",
    "JUDUL_MAX",
    "REDACTED",
    "STATUSES",
    "TRACKED_STATUSES",
    "Complaint",
    "Lokasi",
    "Pelapor",
    "Sumber",
    "from_data",
    "missing_fields",
    "review_colour",
    "to_data",
    "to_payload",
    "working_days_between",
]

JUDUL_MAX = 100
CLASSIFICATIONS = ("pengaduan", "aspirasi", "permintaan_informasi")
CHANNELS = ("SMS", "telepon", "langsung")
# After LAPOR!'s flow: the main line first, then the side states.
STATUSES = (
    "draft",
    "siap_kirim",
    "terkirim",
    "diverifikasi",
    "didisposisikan",
    "ditindaklanjuti",
    "selesai",
    "ditunda",
    "bukan_wewenang",
    "diarsipkan",
    "gagal_kirim",
)
# What a person may record once the complaint has left the studio (the tracking dialog, ``set-tracking``):
# from ``terkirim`` on, and the side states; never ``draft``, ``siap_kirim`` or ``gagal_kirim``.
TRACKED_STATUSES = tuple(s for s in STATUSES if s not in ("draft", "siap_kirim", "gagal_kirim"))
DONE_STATUSES = frozenset({"selesai", "bukan_wewenang", "diarsipkan"})
IN_PROCESS_STATUSES = frozenset({"ditindaklanjuti"})
# LAPOR!'s deadlines in working days: verified and forwarded within 3, followed up within 5 more.
FORWARD_DEADLINE_DAYS = 3
FOLLOW_UP_DEADLINE_DAYS = FORWARD_DEADLINE_DAYS + 5
REDACTED = "[disamarkan]"


@dataclass(frozen=True)
class Lokasi:
    """Where: Kepmendagri codes (``35.22.01``, ``35.22.01.2001``) and free detail (dusun, RT/RW)."""

    kecamatan_code: str | None = None
    desa_code: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Pelapor:
    """The reporter: personal data, never sent when the complaint is anonim."""

    name: str | None = None
    e164: str | None = None


@dataclass(frozen=True)
class Sumber:
    """Where the complaint was heard: programme, station, channel, when it aired."""

    programme: str | None = None
    station: str | None = None
    channel: str | None = None  # one of CHANNELS
    aired_at: str | None = None  # ISO 8601 instant


@dataclass(frozen=True)
class Complaint:
    """One formal complaint.

    ``pelapor`` is kept even when ``anonim`` is set, so the producer can untick anonim
    without losing it; :func:`to_payload` is what drops it (and scrubs it from the text).
    ``reporters`` are everyone who sent or told one of its items (a merged complaint has
    several), stored with the complaint but never sent: when anonim, every one of their
    names and numbers is scrubbed from the payload. ``originals`` are the citizens'
    verbatim texts, never edited; ``isi`` is the edit. ``revision`` counts how often the
    complaint went back to draft after being refused; it seeds new idempotency keys.
    """

    id: int | None = None
    judul: str | None = None
    isi: str | None = None
    originals: tuple[str, ...] = ()
    klasifikasi: str | None = None
    kategori: str | None = None
    instansi: str | None = None
    lokasi: Lokasi = field(default_factory=Lokasi)
    tanggal_kejadian: date | None = None
    pelapor: Pelapor | None = None
    reporters: tuple[Pelapor, ...] = ()
    anonim: bool = True
    rahasia: bool = False
    sumber: Sumber = field(default_factory=Sumber)
    dijawab_oleh: str | None = None
    jawaban: str | None = None
    lampiran: tuple[str, ...] = ()
    status: str = "draft"
    tracking_id: str | None = None
    uid: str | None = None  # stable random identity: seeds the idempotency keys
    revision: int = 0  # times reopened (builder.reopen): new idempotency keys after a refusal
    created_at: str | None = None
    updated_at: str | None = None


def _blank(value: str | None) -> bool:
    return value is None or not str(value).strip()


def missing_fields(c: Complaint) -> list[str]:
    """The required fields not filled yet, named as the complaint screen names them."""
    missing = []
    if _blank(c.judul):
        missing.append("judul")
    if _blank(c.isi):
        missing.append("isi")
    if c.klasifikasi not in CLASSIFICATIONS:
        missing.append("klasifikasi")
    if _blank(c.kategori):
        missing.append("kategori")
    if _blank(c.instansi):
        missing.append("instansi")
    if _blank(c.lokasi.kecamatan_code):
        missing.append("lokasi.kecamatan")
    return missing


# ---------------------------------------------------------------- storage
def to_data(c: Complaint) -> dict[str, Any]:
    """The stored JSON of a complaint (``complaints.data``); id, status and tracking ID are columns."""
    return {
        "uid": c.uid,
        "judul": c.judul,
        "isi": c.isi,
        "originals": list(c.originals),
        "klasifikasi": c.klasifikasi,
        "kategori": c.kategori,
        "instansi": c.instansi,
        "lokasi": {
            "kecamatan_code": c.lokasi.kecamatan_code,
            "desa_code": c.lokasi.desa_code,
            "detail": c.lokasi.detail,
        },
        "tanggal_kejadian": c.tanggal_kejadian.isoformat() if c.tanggal_kejadian else None,
        "pelapor": None if c.pelapor is None else {"nama": c.pelapor.name, "nomor": c.pelapor.e164},
        "anonim": c.anonim,
        "rahasia": c.rahasia,
        "sumber": {
            "program": c.sumber.programme,
            "stasiun": c.sumber.station,
            "kanal": c.sumber.channel,
            "disiarkan": c.sumber.aired_at,
        },
        "dijawab_oleh": c.dijawab_oleh,
        "jawaban": c.jawaban,
        "lampiran": list(c.lampiran),
        "reporters": [{"nama": r.name, "nomor": r.e164} for r in c.reporters],
        "revision": c.revision,
    }


def from_data(
    data: dict[str, Any],
    *,
    id: int | None = None,
    status: str = "draft",
    tracking_id: str | None = None,
    created_at: str | None = None,
    updated_at: str | None = None,
) -> Complaint:
    """A complaint from its stored JSON and columns."""
    lokasi = data.get("lokasi") or {}
    pelapor = data.get("pelapor")
    sumber = data.get("sumber") or {}
    tanggal = data.get("tanggal_kejadian")
    return Complaint(
        id=id,
        judul=data.get("judul"),
        isi=data.get("isi"),
        originals=tuple(data.get("originals") or ()),
        klasifikasi=data.get("klasifikasi"),
        kategori=data.get("kategori"),
        instansi=data.get("instansi"),
        lokasi=Lokasi(lokasi.get("kecamatan_code"), lokasi.get("desa_code"), lokasi.get("detail")),
        tanggal_kejadian=date.fromisoformat(tanggal) if tanggal else None,
        pelapor=None if not pelapor else Pelapor(pelapor.get("nama"), pelapor.get("nomor")),
        anonim=bool(data.get("anonim", True)),
        rahasia=bool(data.get("rahasia", False)),
        sumber=Sumber(
            sumber.get("program"), sumber.get("stasiun"), sumber.get("kanal"), sumber.get("disiarkan")
        ),
        dijawab_oleh=data.get("dijawab_oleh"),
        jawaban=data.get("jawaban"),
        lampiran=tuple(data.get("lampiran") or ()),
        reporters=tuple(
            Pelapor(r.get("nama"), r.get("nomor")) for r in data.get("reporters") or () if isinstance(r, dict)
        ),
        revision=int(data.get("revision") or 0),
        status=status,
        tracking_id=tracking_id,
        uid=data.get("uid"),
        created_at=created_at,
        updated_at=updated_at,
    )


# ---------------------------------------------------------------- payload
def _number_pattern(e164: str) -> re.Pattern[str] | None:
    """Every written form of an Indonesian number: +62…, 62…, 0…, with spaces, dots or dashes."""
    digits = re.sub(r"\D", "", e164)
    if digits.startswith("62"):
        subscriber = digits[2:]
        prefix = r"(?:\+?\s*62|0)?"
    else:
        subscriber = digits
        prefix = r"\+?"
    if len(subscriber) < 5:
        return None
    sep = r"[\s.\-()]*"
    return re.compile(prefix + sep + sep.join(re.escape(d) for d in subscriber) + r"(?!\d)")


def _name_pattern(name: str) -> re.Pattern[str] | None:
    """A name as a whole word or words, any case, any spacing between its words."""
    words = name.split()
    if not words or len(" ".join(words)) < 2:
        return None
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE)


def _scrubber(reporters: Iterable[Pelapor | None]) -> Callable[[Any], Any]:
    """Replaces every name and every written form of every number of ``reporters``."""
    names: set[str] = set()
    numbers: set[str] = set()
    for reporter in reporters:
        if reporter is None:
            continue
        if reporter.name and reporter.name.strip():
            names.add(" ".join(reporter.name.split()))
        if reporter.e164:
            numbers.add(reporter.e164)
    patterns: list[re.Pattern[str]] = []
    for number in sorted(numbers, key=len, reverse=True):
        found = _number_pattern(number)
        if found is not None:
            patterns.append(found)
    for name in sorted(names, key=len, reverse=True):  # "Budi Santoso" before "Budi"
        found = _name_pattern(name)
        if found is not None:
            patterns.append(found)

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            for pattern in patterns:
                value = pattern.sub(REDACTED, value)
            return value
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    return scrub


def to_payload(c: Complaint) -> dict[str, Any]:
    """What every transport sends: the complaint fields in plain JSON types.

    ``reporters``, ``uid`` and ``revision`` never leave the studio. When ``anonim`` is set,
    ``pelapor`` is left out entirely and the name and number (in any written form) of
    EVERY reporter of the complaint's items (the pelapor and, for a merged complaint, the
    others) are replaced by ``[disamarkan]`` in every text, the verbatim originals
    included: a listener often signs an SMS with both.
    """
    data = to_data(c)
    for internal in ("uid", "reporters", "revision"):
        data.pop(internal)
    payload: dict[str, Any] = {"id": c.id, **data, "status": c.status, "tracking_id": c.tracking_id}
    if c.anonim:
        payload.pop("pelapor")
        payload = _scrubber((c.pelapor, *c.reporters))(payload)
    return payload


# ---------------------------------------------------------------- weekly review
def working_days_between(start: date, end: date) -> int:
    """Working days (Monday to Friday) after ``start`` up to and including ``end``; 0 if not later."""
    if isinstance(start, datetime):
        start = start.date()
    if isinstance(end, datetime):
        end = end.date()
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (start + timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def review_colour(status: str, since: date, today: date) -> str:
    """Bojonegoro's weekly-review colour: ``"blue"`` done, ``"yellow"`` in process, ``"red"``
    no follow-up yet.

    Done (``selesai``, ``bukan_wewenang``, ``diarsipkan``) is blue; ``ditindaklanjuti`` is
    yellow. Anything else has had no follow-up yet: it stays yellow while it is within
    LAPOR!'s deadline counted in working days since ``since`` (3 to be verified and
    forwarded; 3 + 5 once disposed to the agency) and turns red past it.
    """
    if status in DONE_STATUSES:
        return "blue"
    if status in IN_PROCESS_STATUSES:
        return "yellow"
    limit = FOLLOW_UP_DEADLINE_DAYS if status == "didisposisikan" else FORWARD_DEADLINE_DAYS
    return "red" if working_days_between(since, today) > limit else "yellow"
