"""The file package transport: atomic run folders whose every file keeps hostile text inert."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from studio_console.complaints.transports import file_package
from studio_console.complaints.transports.file_package import (
    CSV_COLUMNS,
    RAHASIA_NOTE,
    PackageError,
    verify_package,
    write_package,
)
from tests.hostile import HOSTILE_TEXTS

NOW = datetime(2026, 11, 27, 13, 30, 5, tzinfo=UTC)
FORMULAS = ("=1+1", "+62812", "-2", "@SUM(A1)", "\t=cmd", "\r=cmd", " =1+1")
MARKUP = (
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">klik</a>',
    "<img src=x onerror=alert(1)>",
)
CORPUS = (*HOSTILE_TEXTS, *FORMULAS, *MARKUP)

# Controls that must never reach a spreadsheet or a browser raw (TAB and LF are allowed in HTML/CSV).
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "h1",
    "h2",
    "table",
    "tr",
    "th",
    "td",
    "div",
    "p",
}


def payload(ident: int, text: str, *, anonim: bool = False, rahasia: bool = False) -> dict:
    """A complaint whose every text field holds ``text``."""
    result = {
        "id": ident,
        "idempotency_key": f"{ident}-file-ab12",
        "judul": text,
        "isi": text,
        "originals": [text, text],
        "klasifikasi": text,
        "kategori": text,
        "instansi": text,
        "lokasi": {
            "kecamatan_code": text,
            "kecamatan": text,
            "desa_code": text,
            "desa": text,
            "detail": text,
        },
        "tanggal_kejadian": text,
        "anonim": anonim,
        "rahasia": rahasia,
        "sumber": {"program": text, "stasiun": text, "kanal": text, "disiarkan": text},
        "dijawab_oleh": text,
        "jawaban": text,
        "lampiran": [text],
        "status": text,
        "tracking_id": text,
    }
    if not anonim:
        result["pelapor"] = {"nama": text, "nomor": text}
    return result


def plain(ident: int, **overrides: object) -> dict:
    """An ordinary complaint from Kepohbaru."""
    result = {
        "id": ident,
        "idempotency_key": f"{ident}-file-ab12",
        "judul": "Jalan rusak di Desa Sumberrejo",
        "isi": "Jalan berlubang sejak Oktober.\nMohon diperbaiki.",
        "originals": ["jalan rusak pak, tolong"],
        "klasifikasi": "pengaduan",
        "kategori": "Infrastruktur",
        "instansi": "Dinas PU Bina Marga",
        "lokasi": {"kecamatan_code": "35.22.13", "kecamatan": "Kepohbaru", "desa_code": "35.22.13.2001",
                   "desa": "Sumberrejo", "detail": "RT 02 RW 01"},
        "tanggal_kejadian": "2026-11-20",
        "pelapor": {"nama": "Siti Rahayu Wulandari", "nomor": "+6281234567890"},
        "anonim": False,
        "rahasia": False,
        "sumber": {"program": "Halo Bupati", "stasiun": "Radio Malowopati", "kanal": "SMS",
                   "disiarkan": "2026-11-27T09:15:00+07:00"},
        "dijawab_oleh": "Kepala Dinas PU",
        "jawaban": "Akan ditinjau minggu ini.",
        "lampiran": [],
        "status": "siap_kirim",
        "tracking_id": None,
    }  # fmt: skip
    result.update(overrides)
    return result


def hostile_payloads() -> list[dict]:
    return [payload(i, text, rahasia=i % 2 == 0) for i, text in enumerate(CORPUS, start=1)]


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(path: Path) -> TagCollector:
    parser = TagCollector()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def test_run_folder_holds_json_csv_one_sheet_per_complaint_and_a_verifying_manifest(tmp_path):
    payloads = [plain(7), plain(8, anonim=True, pelapor=None), plain(9)]
    del payloads[1]["pelapor"]
    run = write_package(payloads, tmp_path, run_id="run1", now=NOW)

    assert run == tmp_path / "aduan-20261127-133005-run1"
    names = sorted(p.name for p in run.iterdir())
    assert names == ["aduan-7.html", "aduan-8.html", "aduan-9.html", "complaints.csv", "complaints.json",
                     "manifest.json"]  # fmt: skip
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["count"] == 3
    assert manifest["generated_at"] == "2026-11-27T13:30:05+00:00"
    assert manifest["run_id"] == "run1"
    assert [entry["name"] for entry in manifest["files"]] == [n for n in names if n != "manifest.json"]
    for entry in manifest["files"]:
        data = (run / entry["name"]).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert verify_package(run)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("aduan-")] == [run.name]


def test_folder_is_named_by_utc_time_of_the_run(tmp_path):
    wib = timezone(timedelta(hours=7))
    run = write_package([plain(1)], tmp_path, run_id="pagi", now=datetime(2026, 11, 28, 6, 0, 0, tzinfo=wib))
    assert run.name == "aduan-20261127-230000-pagi"


def test_tampered_package_no_longer_verifies(tmp_path):
    run = write_package([plain(1)], tmp_path, run_id="r", now=NOW)
    sheet = run / "aduan-1.html"
    sheet.write_bytes(sheet.read_bytes().replace(b"Jalan", b"Jalur", 1))
    assert not verify_package(run)


def test_csv_has_bom_one_row_per_complaint_and_keeps_newlines_inside_cells(tmp_path):
    run = write_package([plain(1), plain(2)], tmp_path, run_id="r", now=NOW)
    raw = (run / "complaints.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = read_csv(run / "complaints.csv")
    assert rows[0] == list(CSV_COLUMNS)
    assert len(rows) == 3
    record = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert record["isi"] == "Jalan berlubang sejak Oktober.\nMohon diperbaiki."
    assert record["pelapor_nama"] == "Siti Rahayu Wulandari"
    assert record["pelapor_nomor"] == "'+6281234567890"  # a leading + is a formula to a spreadsheet
    assert record["lokasi_desa_code"] == "35.22.13.2001"
    assert record["anonim"] == "tidak"


def test_hostile_text_in_every_field_is_inert_in_the_csv(tmp_path):
    payloads = hostile_payloads()
    run = write_package(payloads, tmp_path, run_id="r", now=NOW)
    rows = read_csv(run / "complaints.csv")
    assert len(rows) == len(payloads) + 1
    for row in rows[1:]:
        assert len(row) == len(CSV_COLUMNS)
        for cell in row:
            assert not RAW_CONTROL.search(cell), repr(cell[:80])
            assert not cell.startswith(FORMULA_START), repr(cell[:80])
            assert not cell.lstrip().startswith(FORMULA_START), repr(cell[:80])
    by_text = {
        text: dict(zip(CSV_COLUMNS, row, strict=True)) for text, row in zip(CORPUS, rows[1:], strict=True)
    }
    for column in ("judul", "pelapor_nama", "pelapor_nomor", "lokasi_detail", "sumber_kanal", "lampiran"):
        assert by_text["=1+1"][column] == "'=1+1"
        assert by_text["+62812"][column] == "'+62812"
        assert by_text["-2"][column] == "'-2"
        assert by_text["@SUM(A1)"][column] == "'@SUM(A1)"
        assert by_text['=HYPERLINK("http://evil","klik")'][column] == '\'=HYPERLINK("http://evil","klik")'
        assert by_text["\t=cmd"][column].startswith("'")
        assert by_text["\r=cmd"][column].startswith("'")
    assert by_text["<script>alert(1)</script>"]["isi"] == "<script>alert(1)</script>"  # data, not a formula


def test_hostile_text_in_every_field_is_inert_in_the_printable_sheets(tmp_path):
    payloads = hostile_payloads()
    run = write_package(payloads, tmp_path, run_id="r", now=NOW)
    for item, text in zip(payloads, CORPUS, strict=True):
        sheet = run / f"aduan-{item['id']}.html"
        source = sheet.read_text(encoding="utf-8")
        assert "<script" not in source.lower()
        assert "<a href" not in source.lower()
        assert "<img" not in source.lower()
        assert not RAW_CONTROL.search(source)
        parsed = parse_html(sheet)
        for tag, attrs in parsed.tags:
            assert tag in ALLOWED_TAGS, tag
            assert not any(name.startswith("on") or name in {"href", "src"} for name, _ in attrs)
        if text in MARKUP:
            assert text in "".join(parsed.text)  # shown as text, faithfully


def test_json_round_trips_hostile_text_exactly(tmp_path):
    payloads = hostile_payloads()
    run = write_package(payloads, tmp_path, run_id="r", now=NOW)
    raw = (run / "complaints.json").read_bytes()
    raw.decode("utf-8")  # strict UTF-8, even with a lone surrogate in the corpus
    document = json.loads(raw)
    assert document["complaints"] == payloads
    assert document["count"] == len(payloads)


def test_json_is_utf8_readable_with_stable_key_order(tmp_path):
    first = write_package(
        [plain(1, judul="Banjir di Kanor — warga mengungsi")], tmp_path, run_id="a", now=NOW
    )
    reordered = dict(reversed(list(plain(1, judul="Banjir di Kanor — warga mengungsi").items())))
    second = write_package([reordered], tmp_path, run_id="b", now=NOW)
    text = (first / "complaints.json").read_text(encoding="utf-8")
    assert "Banjir di Kanor — warga mengungsi" in text
    assert text.replace('"run_id": "a"', '"run_id": "b"') == (second / "complaints.json").read_text("utf-8")


@pytest.mark.parametrize("leaked", [False, True], ids=["pelapor_absent", "pelapor_sent_by_mistake"])
def test_anonim_complaint_leaves_no_name_or_number_anywhere_in_the_package(tmp_path, leaked):
    item = plain(5, anonim=True)
    if not leaked:
        del item["pelapor"]
    run = write_package([item, plain(6, pelapor={"nama": "Budi", "nomor": "+6285700000001"})], tmp_path,
                        run_id="r", now=NOW)  # fmt: skip
    needles = ["Siti Rahayu Wulandari", "Siti", "Wulandari", "6281234567890", "081234567890", "1234567890"]
    for path in run.iterdir():
        data = path.read_bytes().decode("utf-8-sig")
        for needle in needles:
            assert needle not in data, f"{needle} in {path.name}"
    assert "Budi" in (run / "aduan-6.html").read_text(encoding="utf-8")
    sheet = parse_html(run / "aduan-5.html")
    assert "Anonim" in sheet.text
    assert "pelapor" not in json.loads((run / "complaints.json").read_text("utf-8"))["complaints"][0]


def test_rahasia_complaint_sheet_is_marked_not_for_publication(tmp_path):
    run = write_package([plain(1, rahasia=True), plain(2)], tmp_path, run_id="r", now=NOW)
    assert RAHASIA_NOTE in parse_html(run / "aduan-1.html").text
    assert RAHASIA_NOTE not in (run / "aduan-2.html").read_text(encoding="utf-8")
    assert dict(zip(CSV_COLUMNS, read_csv(run / "complaints.csv")[1], strict=True))["rahasia"] == "ya"


def test_failed_rename_leaves_no_run_folder_and_the_next_run_succeeds(tmp_path, monkeypatch):
    def broken_rename(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(file_package.os, "rename", broken_rename)
    with pytest.raises(OSError, match="disk gone"):
        write_package([plain(1)], tmp_path, run_id="r", now=NOW)
    monkeypatch.undo()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("aduan-", file_package.TEMP_PREFIX))]

    run = write_package([plain(1)], tmp_path, run_id="r", now=NOW)
    assert verify_package(run)


def test_crash_before_rename_leaves_only_a_temp_dir_that_the_next_run_removes(tmp_path):
    script = textwrap.dedent(
        f"""
        import os
        from datetime import datetime, UTC
        from pathlib import Path
        from studio_console.complaints.transports import file_package
        os.rename = lambda src, dst: os._exit(9)  # the process dies between writing and renaming
        file_package.write_package([{{"id": 1, "judul": "x", "anonim": True}}], Path({str(tmp_path)!r}),
                                   run_id="r", now=datetime(2026, 11, 27, tzinfo=UTC))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[3], timeout=60)
    assert done.returncode == 9
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(file_package.TEMP_PREFIX)]
    assert len(leftovers) == 1
    assert (leftovers[0] / "manifest.json").exists()  # written, fsynced, but never renamed
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("aduan-")]

    run = write_package([plain(1)], tmp_path, run_id="r", now=NOW)
    assert verify_package(run)
    assert not leftovers[0].exists()


def test_same_run_id_returns_the_same_folder_without_rewriting_it(tmp_path):
    first = write_package([plain(1)], tmp_path, run_id="r", now=NOW)
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in first.iterdir()}
    second = write_package([plain(1), plain(2)], tmp_path, run_id="r", now=NOW + timedelta(minutes=5))
    assert second == first
    assert {
        p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in first.iterdir()
    } == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("aduan-")] == [first.name]


def test_an_incomplete_folder_under_a_run_name_is_never_overwritten(tmp_path):
    squatter = tmp_path / "aduan-20261127-133005-r"
    squatter.mkdir()
    (squatter / "complaints.json").write_text("half", encoding="utf-8")
    with pytest.raises(PackageError, match="refusing to overwrite"):
        write_package([plain(1)], tmp_path, run_id="r", now=NOW)
    assert (squatter / "complaints.json").read_text(encoding="utf-8") == "half"


def test_other_run_ids_get_their_own_folders(tmp_path):
    a = write_package([plain(1)], tmp_path, run_id="a", now=NOW)
    b = write_package([plain(1)], tmp_path, run_id="a-b", now=NOW)
    assert a != b
    assert verify_package(a) and verify_package(b)


@pytest.mark.parametrize(
    ("payloads", "run_id", "now"),
    [
        ([plain(1)], "../escape", NOW),
        ([plain(1)], "", NOW),
        ([plain(1)], "r", NOW.replace(tzinfo=None)),
        ([plain(1), plain(1)], "r", NOW),
        ([plain("../../etc/passwd")], "r", NOW),
    ],
    ids=["traversal_run_id", "empty_run_id", "naive_time", "duplicate_ids", "traversal_complaint_id"],
)
def test_bad_input_is_refused_before_anything_is_written(tmp_path, payloads, run_id, now):
    with pytest.raises(PackageError):
        write_package(payloads, tmp_path / "out", run_id=run_id, now=now)
    assert not (tmp_path / "out").exists() or not [
        p for p in (tmp_path / "out").iterdir() if p.name != file_package.LOCK_NAME
    ]
    assert not (tmp_path.parent / "escape").exists()


def test_empty_run_writes_a_valid_empty_package(tmp_path):
    run = write_package([], tmp_path, run_id="kosong", now=NOW)
    assert verify_package(run)
    assert read_csv(run / "complaints.csv") == [list(CSV_COLUMNS)]
    assert json.loads((run / "complaints.json").read_text("utf-8"))["complaints"] == []


def test_csv_reads_back_from_bytes_like_a_spreadsheet_import(tmp_path):
    run = write_package([plain(1, judul="Air PDAM keruh\r\nsudah 3 hari")], tmp_path, run_id="r", now=NOW)
    text = (run / "complaints.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert dict(zip(CSV_COLUMNS, rows[1], strict=True))["judul"] == "Air PDAM keruh\nsudah 3 hari"


def test_the_models_payload_is_shown_in_full(tmp_path):
    from studio_console.complaints.model import Complaint, Lokasi, Pelapor, Sumber, to_payload

    complaint = Complaint(
        id=1, judul="PJU mati", isi="Lampu PJU mati", originals=("Lampu PJU mati",),
        klasifikasi="pengaduan", kategori="Infrastruktur", instansi="Dinas Perhubungan",
        lokasi=Lokasi("35.22.11", "35.22.11.2003", "RT 02"), tanggal_kejadian=None,
        pelapor=Pelapor("Siti Rahayu Wulandari", "+6281234567890"), anonim=False, rahasia=False,
        sumber=Sumber("Halo Bupati", "Radio Malowopati", "SMS", "2026-11-27T09:15:00+07:00"),
        dijawab_oleh=None, jawaban=None, lampiran=(),
    )  # fmt: skip
    run = write_package([{"id": 1, **to_payload(complaint)}], tmp_path, run_id="r", now=NOW)
    record = dict(zip(CSV_COLUMNS, read_csv(run / "complaints.csv")[1], strict=True))
    assert (record["pelapor_nama"], record["pelapor_nomor"]) == ("Siti Rahayu Wulandari", "'+6281234567890")
    assert (record["sumber_program"], record["sumber_kanal"]) == ("Halo Bupati", "SMS")
    assert "Radio Malowopati" in parse_html(run / "aduan-1.html").text
