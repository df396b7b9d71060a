"""Transport 1: the file package for the Kominfo operator.

One export run writes one folder, ``aduan-YYYYMMDD-HHMMSS-<run_id>`` (UTC time),
holding:

- ``complaints.json``: the payloads, faithful (UTF-8, JSON escapes controls);
- ``complaints.csv``: one flattened row per complaint, UTF-8 with BOM for
  spreadsheets, spreadsheet formulas neutralised, control characters inert;
- ``aduan-<id>.html``: one printable sheet per complaint, every value escaped;
- ``lampiran-<id>-<file>``: a copy of each attached recording (``lampiran``) found in
  the recordings folder (``attachments_folder``); an entry whose file is missing or lies
  outside that folder is not copied, and the sheet names it with the reason;
- ``manifest.json``: every other file with its size and SHA-256, the count and
  the generation time.

The folder is built in a hidden temp dir inside the target folder (same
filesystem), every file fsynced, then renamed into place: a crash never leaves a
half package under a final name, and the next run removes leftover temp dirs.
Runs into one folder are serialised with an ``flock`` on a lock file there.

Anonim is honoured here too, whatever the caller sent: an anonim payload's
``pelapor`` is dropped from every file.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import html
import io
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from studio_console.complaints.outbox import PermanentError, Receipt, TransientError
from studio_console.text import display_safe, surrogate_safe

__all__ = ["CSV_COLUMNS", "FilePackageTransport", "PackageError", "verify_package", "write_package"]

log = logging.getLogger(__name__)

FORMAT = "studio-console.aduan-package/1"
JSON_NAME = "complaints.json"
CSV_NAME = "complaints.csv"
MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".aduan-export.lock"
TEMP_PREFIX = ".aduan-tmp-"
RAHASIA_NOTE = "RAHASIA — tidak untuk dipublikasikan"

_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]")
_COPY_CHUNK = 1 << 20
_RUN_FOLDER = re.compile(r"aduan-\d{8}-\d{6}-(?P<run>[A-Za-z0-9_-]{1,64})")
# A spreadsheet evaluates a cell starting with one of these (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ORIGINALS_SEPARATOR = "\n---\n"

CSV_COLUMNS: tuple[str, ...] = (
    "id", "idempotency_key", "tracking_id", "status", "judul", "isi", "originals",
    "klasifikasi", "kategori", "instansi",
    "lokasi_kecamatan_code", "lokasi_kecamatan", "lokasi_desa_code", "lokasi_desa", "lokasi_detail",
    "tanggal_kejadian", "anonim", "rahasia", "pelapor_nama", "pelapor_nomor",
    "sumber_program", "sumber_stasiun", "sumber_kanal", "sumber_disiarkan",
    "dijawab_oleh", "jawaban", "lampiran",
)  # fmt: skip


class PackageError(Exception):
    """The package cannot be written: bad input, or a run folder exists but does not verify."""


class FilePackageTransport:
    """The outbox's ``file`` transport: each batch of ready complaints becomes one package.

    The batch id is the run id, so a batch cut short by a crash is written again under
    the same id and, when its folder was already complete, found and verified instead:
    each complaint lands in exactly one package. The Kominfo operator enters the package
    into SIAP LAPOR! and the tracking IDs come back by hand (``set-tracking``).

    Args:
        folder: the export folder (``export.folder``, resolved).
        clock: the current time (names the folder).
        attachments_folder: the recordings folder (``audio.recordings_folder``, resolved):
            lampiran files there are copied into the package; None = none are copied.
    """

    name = "file"

    def __init__(
        self,
        folder: Path,
        clock: Callable[[], datetime] | None = None,
        attachments_folder: Path | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.attachments_folder = Path(attachments_folder) if attachments_folder is not None else None

    def send_batch(self, items: list[tuple[dict[str, Any], str]], batch_id: str) -> list[Receipt]:
        """Write the batch's package; one receipt per complaint naming the package."""
        try:
            path = write_package(
                [payload for payload, _ in items],
                self.folder,
                run_id=batch_id,
                now=self.clock(),
                attachments_folder=self.attachments_folder,
            )
        except PackageError as exc:
            raise PermanentError(str(exc)) from exc
        except OSError as exc:  # disk full, folder not writable: a person may fix it; try again
            raise TransientError(f"cannot write the package in {self.folder}: {exc.strerror or exc}") from exc
        return [Receipt(None, {"package": str(path), "run": batch_id}) for _ in items]

    def send(self, payload: dict[str, Any], idempotency_key: str) -> Receipt:
        """One complaint as a package of its own (run id: its idempotency key)."""
        return self.send_batch([(payload, idempotency_key)], idempotency_key)[0]


def write_package(
    payloads: list[dict[str, Any]],
    folder: Path,
    *,
    run_id: str,
    now: datetime,
    attachments_folder: Path | None = None,
) -> Path:
    """Write one export run as an atomic folder under ``folder`` and return its path.

    Idempotent per ``run_id``: if a complete folder for it exists, it is returned
    untouched (even when ``now`` differs). "Complete" means every file its manifest lists
    is there and matches; files it does not list (a spreadsheet's lock file
    ``.~lock.complaints.csv#``, ``Thumbs.db``, left by someone opening the package) are
    ignored and logged, so a batch sent again never becomes a second package.

    Args:
        payloads: complaint payload dicts (see the module docstring and ``domain.md``).
        folder: the export folder; created if missing.
        run_id: this run's id, ``[A-Za-z0-9_-]{1,64}``.
        now: the generation time, timezone-aware; names the folder (in UTC).
        attachments_folder: where attached recordings live; a ``lampiran`` entry (a path
            in it, or a file name) found there is copied into the package as
            ``lampiran-<id>-<file>``. None = nothing is copied (entries are listed only).

    Raises:
        PackageError: a bad run id, time, or complaint id, duplicate ids, or an
            existing folder for ``run_id`` that does not verify.
    """
    if not _SAFE_NAME.fullmatch(run_id):
        raise PackageError(f"run id must match [A-Za-z0-9_-]{{1,64}}: {run_id!r}")
    if now.tzinfo is None:
        raise PackageError("now must be timezone-aware")
    now = now.astimezone(UTC)
    clean = [_honour_anonim(p) for p in payloads]
    sheet_names = [_sheet_name(p) for p in clean]
    if len(set(sheet_names)) != len(sheet_names):
        raise PackageError("duplicate complaint ids in one run")

    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder):
        existing = _existing_run(folder, run_id)
        if existing is not None:
            if verify_package(existing, ignore_extra=True):
                return existing
            raise PackageError(f"{existing} exists but does not verify; refusing to overwrite")
        _remove_leftovers(folder)
        final = folder / f"aduan-{now:%Y%m%d-%H%M%S}-{run_id}"
        temp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=folder))
        try:
            copied: list[dict[str, Any]] = []
            attachments = [_copy_attachments(p, attachments_folder, temp, copied) for p in clean]
            files: dict[str, bytes] = {
                JSON_NAME: _json_bytes(clean, run_id=run_id, now=now),
                CSV_NAME: _csv_bytes(clean),
            }
            for payload, name, attached in zip(clean, sheet_names, attachments, strict=True):
                files[name] = _sheet_bytes(payload, now=now, attachments=attached)
            files[MANIFEST_NAME] = _manifest_bytes(
                files, run_id=run_id, now=now, count=len(clean), extra=copied
            )
            for name, data in files.items():
                _write_synced(temp / name, data)
            _fsync_dir(temp)
            os.rename(temp, final)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        _fsync_dir(folder)
        return final


def verify_package(path: Path, *, ignore_extra: bool = False) -> bool:
    """Return True when ``path`` holds exactly the files its manifest lists, sizes and hashes matching.

    Args:
        path: the package folder.
        ignore_extra: accept (and log) files the manifest does not list, e.g. the lock
            file a spreadsheet leaves beside ``complaints.csv``; every listed file must
            still be there and match. Off by default: an operator's check is strict.
    """
    try:
        manifest = json.loads((path / MANIFEST_NAME).read_text(encoding="utf-8"))
        listed = {entry["name"]: entry for entry in manifest["files"]}
        present = {p.name for p in path.iterdir()} - {MANIFEST_NAME}
        extra = present - set(listed)
        if not set(listed) <= present or (extra and not ignore_extra):
            return False
        if extra:
            log.info("%s: files not in its manifest are ignored: %s", path, ", ".join(sorted(extra)))
        for name, entry in listed.items():
            size, digest = _hash_file(path / name)
            if size != entry["size"] or digest != entry["sha256"]:
                return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def _hash_file(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read in chunks (recordings can be large)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_COPY_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


# --- lampiran: attached recordings --------------------------------------------------------------

Attachment = tuple[str, str | None, str]
"""(the lampiran entry, its name in the package or None, the reason it was not copied or "")."""


def _source_of(entry: str, attachments_folder: Path) -> tuple[Path | None, str]:
    """The file of a lampiran entry inside the recordings folder, or None and the reason."""
    try:
        root = attachments_folder.resolve()
        path = Path(entry)
        source = (path if path.is_absolute() else root / path).resolve()
        if not source.is_relative_to(root):
            return None, "outside"
        if not source.is_file():
            return None, "missing"
    except (OSError, ValueError):  # an embedded NUL, a name too long: not a file we have
        return None, "missing"
    return source, ""


def _copy_attachments(
    payload: dict[str, Any], attachments_folder: Path | None, temp: Path, copied: list[dict[str, Any]]
) -> list[Attachment]:
    """Copy the payload's lampiran files into ``temp`` (fsynced), noting each in ``copied``."""
    result: list[Attachment] = []
    for raw in payload.get("lampiran") or []:
        entry = str(raw)
        if attachments_folder is None:
            result.append((entry, None, ""))
            continue
        source, reason = _source_of(entry, attachments_folder)
        if source is None:
            result.append((entry, None, reason))
            continue
        stem = _UNSAFE_FILE_CHARS.sub("_", source.name)[-120:]
        name = f"lampiran-{payload.get('id')}-{stem}"
        if any(c["name"] == name for c in copied):
            result.append((entry, name, ""))  # listed twice: one copy
            continue
        digest = hashlib.sha256()
        size = 0
        try:
            with open(source, "rb") as src, open(temp / name, "wb") as dst:
                while chunk := src.read(_COPY_CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
                dst.flush()
                os.fsync(dst.fileno())
        except FileNotFoundError:  # removed between the check and the copy
            (temp / name).unlink(missing_ok=True)
            result.append((entry, None, "missing"))
            continue
        copied.append({"name": name, "size": size, "sha256": digest.hexdigest()})
        result.append((entry, name, ""))
    return result


# --- the run folder -----------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _existing_run(folder: Path, run_id: str) -> Path | None:
    for entry in folder.iterdir():
        match = _RUN_FOLDER.fullmatch(entry.name)
        if match and match.group("run") == run_id and entry.is_dir():
            return entry
    return None


def _remove_leftovers(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.name.startswith(TEMP_PREFIX) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- payload helpers --------------------------------------------------------------------------------


def _honour_anonim(payload: dict[str, Any]) -> dict[str, Any]:
    if payload.get("anonim") and "pelapor" in payload:
        return {key: value for key, value in payload.items() if key != "pelapor"}
    return payload


def _sheet_name(payload: dict[str, Any]) -> str:
    ident = str(payload.get("id", ""))
    if not _SAFE_NAME.fullmatch(ident):
        raise PackageError(f"complaint id must match [A-Za-z0-9_-]{{1,64}}: {ident!r}")
    return f"aduan-{ident}.html"


def _inert(value: Any) -> str:
    """Text for CSV and HTML: controls and bidi made visible and harmless, newlines kept."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    text = str(value).replace("\r\n", "\n")
    return surrogate_safe(display_safe(text, keep_newlines=True))


def _sub(payload: dict[str, Any], key: str) -> dict[str, Any]:
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


# --- complaints.json ---------------------------------------------------------------------------------


def _json_bytes(payloads: list[dict[str, Any]], *, run_id: str, now: datetime) -> bytes:
    document = {
        "format": FORMAT,
        "run_id": run_id,
        "generated_at": now.isoformat(),
        "count": len(payloads),
        "complaints": payloads,
    }
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2)
    # A lone surrogate (a broken emoji from a handset) cannot be UTF-8: write it as a JSON
    # escape, which decodes back to the very same string. Surrogates only occur inside strings.
    text = surrogate_safe(text, json_escape=True)
    return (text + "\n").encode("utf-8")


# --- complaints.csv ----------------------------------------------------------------------------------


def _csv_cell(value: Any) -> str:
    raw = "" if value is None else str(value)
    cell = _inert(value)
    # display_safe turns a leading TAB into a space: test the stripped cell as well.
    if raw.startswith(_FORMULA_START) or cell.lstrip().startswith(_FORMULA_START):
        cell = "'" + cell
    return cell


def _csv_row(payload: dict[str, Any]) -> list[str]:
    lokasi, pelapor, sumber = _sub(payload, "lokasi"), _sub(payload, "pelapor"), _sub(payload, "sumber")
    values = [
        payload.get("id"), payload.get("idempotency_key"), payload.get("tracking_id"), payload.get("status"),
        payload.get("judul"), payload.get("isi"),
        _ORIGINALS_SEPARATOR.join(str(o) for o in payload.get("originals") or []),
        payload.get("klasifikasi"), payload.get("kategori"), payload.get("instansi"),
        lokasi.get("kecamatan_code"), lokasi.get("kecamatan"), lokasi.get("desa_code"), lokasi.get("desa"),
        lokasi.get("detail"),
        payload.get("tanggal_kejadian"), bool(payload.get("anonim")), bool(payload.get("rahasia")),
        pelapor.get("nama"), pelapor.get("nomor"),
        sumber.get("program"), sumber.get("stasiun"), sumber.get("kanal"), sumber.get("disiarkan"),
        payload.get("dijawab_oleh"), payload.get("jawaban"),
        "\n".join(str(item) for item in payload.get("lampiran") or []),
    ]  # fmt: skip
    return [_csv_cell(value) for value in values]


def _csv_bytes(payloads: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for payload in payloads:
        writer.writerow(_csv_row(payload))
    return buffer.getvalue().encode("utf-8-sig")


# --- aduan-<id>.html -----------------------------------------------------------------------------

_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11pt; margin: 2cm; color: #000; }
h1 { font-size: 16pt; margin: 0 0 0.5em; }
h2 { font-size: 12pt; margin: 1.2em 0 0.3em; border-bottom: 1px solid #000; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; width: 28%; vertical-align: top; padding: 2px 8px 2px 0; }
td { vertical-align: top; padding: 2px 0; }
.teks { white-space: pre-wrap; overflow-wrap: anywhere; }
.rahasia { border: 2px solid #000; padding: 6px; font-weight: bold; text-align: center; }
.asli { border-left: 3px solid #888; padding-left: 8px; margin: 0.5em 0; }
@page { size: A4; margin: 1.5cm; }
@media print { body { margin: 0; } }
"""


def _e(value: Any) -> str:
    text = _inert(value)
    return html.escape(text, quote=True) if text else "—"


def _rows(pairs: list[tuple[str, Any]]) -> str:
    return "\n".join(f'<tr><th>{label}</th><td class="teks">{_e(value)}</td></tr>' for label, value in pairs)


_ATTACHMENT_NOTES = {
    "missing": "berkas tidak ditemukan, tidak ikut dalam paket",
    "outside": "di luar folder rekaman, tidak ikut dalam paket",
}


def _lampiran_html(attachments: list[Attachment]) -> str:
    if not attachments:
        return f'<div class="teks">{_e("")}</div>'
    rows = []
    for entry, name, reason in attachments:
        if name is not None:
            rows.append(f'<div class="teks">{_e(name)} (dalam paket ini)</div>')
        elif reason:
            rows.append(f'<div class="teks">{_e(entry)} — {_ATTACHMENT_NOTES[reason]}</div>')
        else:
            rows.append(f'<div class="teks">{_e(entry)}</div>')
    return "\n".join(rows)


def _sheet_bytes(
    payload: dict[str, Any], *, now: datetime, attachments: list[Attachment] | None = None
) -> bytes:
    lokasi, pelapor, sumber = _sub(payload, "lokasi"), _sub(payload, "pelapor"), _sub(payload, "sumber")
    if payload.get("anonim") or not pelapor:
        pelapor_rows = [("Pelapor", "Anonim")]
    else:
        pelapor_rows = [("Nama pelapor", pelapor.get("nama")), ("Nomor pelapor", pelapor.get("nomor"))]
    kecamatan = " ".join(_inert(v) for v in (lokasi.get("kecamatan_code"), lokasi.get("kecamatan")) if v)
    desa = " ".join(_inert(v) for v in (lokasi.get("desa_code"), lokasi.get("desa")) if v)
    originals = (
        "\n".join(
            f'<div class="asli teks">{_e(original)}</div>' for original in payload.get("originals") or []
        )
        or "<p>—</p>"
    )
    if attachments is None:
        attachments = [(str(item), None, "") for item in payload.get("lampiran") or []]
    lampiran = _lampiran_html(attachments)
    rahasia = f'<p class="rahasia">{RAHASIA_NOTE}</p>\n' if payload.get("rahasia") else ""
    body = f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Aduan {_e(payload.get("id"))}</title>
<style>{_STYLE}</style>
</head>
<body>
{rahasia}<h1 class="teks">{_e(payload.get("judul"))}</h1>
<table>
{_rows([
    ("Nomor aduan", payload.get("id")), ("Kunci idempotensi", payload.get("idempotency_key")),
    ("Status", payload.get("status")), ("Nomor pelacakan", payload.get("tracking_id")),
    ("Klasifikasi", payload.get("klasifikasi")), ("Kategori", payload.get("kategori")),
    ("Instansi tujuan", payload.get("instansi")), ("Tanggal kejadian", payload.get("tanggal_kejadian")),
    ("Anonim", bool(payload.get("anonim"))), ("Rahasia", bool(payload.get("rahasia"))),
])}
</table>
<h2>Lokasi</h2>
<table>
{_rows([("Kecamatan", kecamatan), ("Desa/kelurahan", desa), ("Detail", lokasi.get("detail"))])}
</table>
<h2>Pelapor</h2>
<table>
{_rows(pelapor_rows)}
</table>
<h2>Isi aduan</h2>
<div class="teks">{_e(payload.get("isi"))}</div>
<h2>Teks asli (verbatim)</h2>
{originals}
<h2>Sumber</h2>
<table>
{_rows([
    ("Program", sumber.get("program")), ("Stasiun", sumber.get("stasiun")),
    ("Kanal", sumber.get("kanal")), ("Disiarkan", sumber.get("disiarkan")),
])}
</table>
<h2>Jawaban di udara</h2>
<table>
{_rows([("Dijawab oleh", payload.get("dijawab_oleh")), ("Jawaban", payload.get("jawaban"))])}
</table>
<h2>Lampiran</h2>
{lampiran}
<p>Dibuat {html.escape(now.isoformat())} oleh Studio Console.</p>
</body>
</html>
"""  # fmt: skip
    return body.encode("utf-8")


# --- manifest.json -----------------------------------------------------------------------------


def _manifest_bytes(
    files: dict[str, bytes],
    *,
    run_id: str,
    now: datetime,
    count: int,
    extra: list[dict[str, Any]] | None = None,
) -> bytes:
    entries = [
        {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in files.items()
    ]
    manifest = {
        "format": FORMAT,
        "run_id": run_id,
        "generated_at": now.isoformat(),
        "count": count,
        "files": sorted([*entries, *(extra or [])], key=lambda e: e["name"]),
    }
    return (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")
