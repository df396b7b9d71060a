"""The file-package transport through the real outbox: one package per batch, each complaint
in exactly one package, also when the worker dies between writing and recording.

Real SQLite files and real folders; a "crash" is the worker stopping at a given step: all
of its state is in the database and the folder, which is what a restarted worker sees.
"""

from __future__ import annotations

import csv
import io
import json
import random

import pytest

from studio_console.complaints.builder import load, update
from studio_console.complaints.outbox import (
    LEASE_SECONDS,
    OutboxWorker,
    _claim_batch,
    get,
    mark_permanent_failure,
    retry,
    rows_for,
)
from studio_console.complaints.transports import build_transports
from studio_console.complaints.transports.file_package import (
    CSV_NAME,
    FilePackageTransport,
    PackageError,
    verify_package,
    write_package,
)
from studio_console.config import Settings, load_settings
from studio_console.store import Store
from tests.studio_console.complaints.test_outbox import Clock, ready


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "studio.sqlite3", clock=clock) as s:
        yield s


def worker(store: Store, folder, clock) -> OutboxWorker:
    return OutboxWorker(store.path, [FilePackageTransport(folder, clock)], clock, rng=random.Random(1))


def packages(folder) -> list:
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith("aduan-"))


def keys_in(package) -> list[str]:
    data = json.loads((package / "complaints.json").read_text(encoding="utf-8"))
    return [c["idempotency_key"] for c in data["complaints"]]


def test_ready_complaints_leave_together_in_one_verified_package(store, tmp_path, clock):
    folder = tmp_path / "exports"
    ids = [ready(store, f"Jalan rusak {n}", ("file",)) for n in range(3)]
    assert worker(store, folder, clock).drain_once(store) == 3
    [package] = packages(folder)
    assert verify_package(package)
    rows = [rows_for(store, cid)[0] for cid in ids]
    assert sorted(keys_in(package)) == sorted(r.idempotency_key for r in rows)
    for row in rows:
        assert row.state == "sent"
        assert json.loads(row.receipt)["package"] == str(package)
    # The Kominfo operator enters them: no tracking ID yet, still waiting for one.
    assert {load(store, cid).status for cid in ids} == {"siap_kirim"}
    assert worker(store, folder, clock).drain_once(store) == 0
    assert len(packages(folder)) == 1


def test_a_worker_killed_after_writing_the_package_does_not_write_it_twice(store, tmp_path, clock):
    folder = tmp_path / "exports"
    ids = [ready(store, f"Lampu mati {n}", ("file",)) for n in range(2)]
    transport = FilePackageTransport(folder, clock)
    batch, rows, _ = _claim_batch(store, "file", clock(), LEASE_SECONDS, 100)
    transport.send_batch(
        [({"id": r.complaint_id, "idempotency_key": r.idempotency_key}, r.idempotency_key) for r in rows],
        batch,
    )  # ...and the process dies before recording it
    later = ready(store, "Datang sesudahnya", ("file",))
    assert worker(store, folder, clock).drain_once(store) == 1  # only the newcomer: the lease holds
    assert rows_for(store, later)[0].batch != batch and len(packages(folder)) == 2
    clock.advance(LEASE_SECONDS + 1)
    assert worker(store, folder, clock).drain_once(store) == 2
    assert len(packages(folder)) == 2  # the cut-short batch found its complete folder
    [old] = [p for p in packages(folder) if p.name.endswith(batch)]
    assert sorted(keys_in(old)) == sorted(r.idempotency_key for r in rows)
    assert all(rows_for(store, cid)[0].state == "sent" for cid in ids)
    assert {json.loads(rows_for(store, cid)[0].receipt)["package"] for cid in ids} == {str(old)}
    everything = sorted(k for p in packages(folder) for k in keys_in(p))
    assert len(everything) == len(set(everything)) == 3  # each complaint in exactly one package


def test_a_batch_cut_short_before_writing_goes_out_with_the_same_rows_only(store, tmp_path, clock):
    folder = tmp_path / "exports"
    first = ready(store, "Banjir", ("file",))
    batch, _, _ = _claim_batch(store, "file", clock(), LEASE_SECONDS, 100)  # dies before writing
    second = ready(store, "Sampah", ("file",))
    clock.advance(LEASE_SECONDS + 1)
    w = worker(store, folder, clock)
    w.drain_once(store)
    w.drain_once(store)
    by_batch = {
        p.name.rsplit("-", 2)[-2] + "-" + p.name.rsplit("-", 2)[-1]: keys_in(p) for p in packages(folder)
    }
    assert by_batch[batch] == [rows_for(store, first)[0].idempotency_key]
    assert rows_for(store, second)[0].batch != batch
    assert rows_for(store, second)[0].state == "sent"


def test_an_unwritable_folder_is_retried_with_the_reason_kept_then_sent(store, tmp_path, clock):
    folder = tmp_path / "exports"
    folder.write_text("a file where the folder should be")  # fails for root too, unlike chmod
    cid = ready(store, "Jembatan putus", ("file",))
    worker(store, folder, clock).drain_once(store)
    row = rows_for(store, cid)[0]
    assert row.state == "pending" and row.attempts == 1
    assert "cannot write the package" in row.last_error and str(folder) in row.last_error
    folder.unlink()
    clock.advance(3600)
    worker(store, folder, clock).drain_once(store)
    assert rows_for(store, cid)[0].state == "sent"
    assert len(packages(folder)) == 1


def test_a_failed_row_retried_by_hand_joins_the_next_package(store, tmp_path, clock):
    folder = tmp_path / "exports"
    cid = ready(store, "Pungli", ("file",))
    batch, [row], _ = _claim_batch(store, "file", clock(), LEASE_SECONDS, 100)
    mark_permanent_failure(store, row.id, "disk rusak")
    assert load(store, cid).status == "gagal_kirim"
    retry(store, row.id, actor="Rina")
    assert get(store, row.id).batch is None
    worker(store, folder, clock).drain_once(store)
    [package] = packages(folder)
    assert not package.name.endswith(batch)
    assert get(store, row.id).state == "sent"


def test_build_transports_follows_the_config_and_leaves_modem_transports_to_the_modem_owner(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[export]\nfolder = "out"\ntransports = ["file", "sms1708"]\n', encoding="utf-8")
    settings = load_settings(config)
    built = build_transports(settings, tmp_path / "db.sqlite3")
    assert list(built) == ["file"]
    assert built["file"].folder == tmp_path / "out"  # relative to the config file
    assert build_transports(Settings(), tmp_path / "db.sqlite3", only=["http"]) == {}


def test_a_batch_sent_again_ignores_files_someone_left_in_its_folder(store, tmp_path, clock):
    """The operator opened the package before the worker recorded it: LibreOffice's lock
    file and Windows' thumbnail cache lie beside the manifest's files. The re-sent batch
    finds its package complete (the extra files are ignored) instead of refusing for good
    and leaving the rows to a second package; an operator's check stays strict."""
    folder = tmp_path / "exports"
    ids = [ready(store, f"Sampah menumpuk {n}", ("file",)) for n in range(2)]
    transport = FilePackageTransport(folder, clock)
    batch, rows, _ = _claim_batch(store, "file", clock(), LEASE_SECONDS, 100)
    transport.send_batch(
        [({"id": r.complaint_id, "idempotency_key": r.idempotency_key}, r.idempotency_key) for r in rows],
        batch,
    )  # ...and the process dies before recording it
    [package] = packages(folder)
    (package / ".~lock.complaints.csv#").write_text(",Rina,kominfo-pc,06.03.2026 12:00,file:///", "utf-8")
    (package / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    clock.advance(LEASE_SECONDS + 1)
    assert worker(store, folder, clock).drain_once(store) == 2
    assert packages(folder) == [package]
    assert all(rows_for(store, cid)[0].state == "sent" for cid in ids)
    assert not verify_package(package)  # strict: the folder is not exactly the package
    assert verify_package(package, ignore_extra=True)
    # A file the manifest lists that was changed still refuses: never a silent overwrite.
    (package / CSV_NAME).write_text("diubah", encoding="utf-8")
    assert not verify_package(package, ignore_extra=True)
    with pytest.raises(PackageError, match="does not verify"):
        write_package([{"id": ids[0]}], folder, run_id=batch, now=clock())


def test_the_package_names_the_kecamatan_and_desa_beside_their_codes(store, tmp_path, clock):
    folder = tmp_path / "exports"
    cid = ready(store, "Jembatan putus", ("file",))
    store.conn.execute("UPDATE complaints SET status = 'draft' WHERE id = ?", (cid,))
    update(store, cid, lokasi={"kecamatan_code": "35.22.01", "desa_code": "35.22.01.2001", "detail": "RT 02"})
    store.conn.execute("UPDATE complaints SET status = 'siap_kirim' WHERE id = ?", (cid,))
    assert worker(store, folder, clock).drain_once(store) == 1
    [package] = packages(folder)
    [doc] = json.loads((package / "complaints.json").read_text(encoding="utf-8"))["complaints"]
    assert doc["lokasi"] == {
        "kecamatan_code": "35.22.01",
        "kecamatan": "Ngraho",
        "desa_code": "35.22.01.2001",
        "desa": "Luwihaji",
        "detail": "RT 02",
    }
    [row] = list(csv.DictReader(io.StringIO((package / CSV_NAME).read_text(encoding="utf-8-sig"))))
    assert (row["lokasi_kecamatan"], row["lokasi_desa"]) == ("Ngraho", "Luwihaji")
    assert "Luwihaji" in (package / f"aduan-{cid}.html").read_text(encoding="utf-8")
