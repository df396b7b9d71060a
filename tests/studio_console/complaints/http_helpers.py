"""Shared by the HTTP transport's tests, its kill test and ``benchmarks/outbox.py``.

Complaints are made the real way (an SMS item stored, screened, aired, drafted, completed
and marked ready), with the helpers of ``test_builder``; certificates come from ``openssl``.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from studio_console.complaints.builder import draft_from_items, mark_ready, update
from studio_console.store import Store
from tests.studio_console.complaints.test_builder import STATION, aired_sms

TOKEN_ENV = "STUDIO_CONSOLE_HTTP_TOKEN"


def ready_complaint(
    store: Store,
    text: str = "Jalan rusak di Luwihaji",
    *,
    transports: tuple[str, ...] = ("http",),
    sender: str = "+6281234567890",
    item_fields: dict[str, object] | None = None,
    **fields: object,
) -> int:
    """An aired SMS drafted into a complete complaint and marked ready; returns its id."""
    item = aired_sms(store, text, sender, **(item_fields or {}))
    cid = draft_from_items(store, [item], station=STATION, clock=store.clock)
    update(
        store,
        cid,
        **{
            "klasifikasi": "pengaduan",
            "kategori": "Infrastruktur",
            "instansi": "Dinas PU",
            "lokasi": {"kecamatan_code": "35.22.01", "desa_code": "35.22.01.2001", "detail": "RT 02 RW 01"},
            **fields,
        },
    )
    mark_ready(store, cid, list(transports), "Rina")
    return cid


def make_ready(db: Path, count: int, transports: tuple[str, ...] = ("http",)) -> list[int]:
    """``count`` ready complaints in the database file ``db``; returns their ids."""
    with Store(db) as store:
        return [
            ready_complaint(store, f"Keluhan nomor {n}: lampu PJU mati", transports=transports)
            for n in range(count)
        ]


def wait_for(condition: Callable[[], object], what: str, timeout: float = 10.0, pause: float = 0.02) -> None:
    """Wait until ``condition()`` is true, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(pause)


def openssl() -> str | None:
    """The ``openssl`` binary, if installed."""
    return shutil.which("openssl")


def self_signed(
    folder: Path, name: str, *, ip: str | None = "127.0.0.1", dns: str | None = None
) -> tuple[Path, Path]:
    """A self-signed certificate (P-256, valid two days) and its key; returns (cert, key)."""
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    san = ",".join([*([f"IP:{ip}"] if ip else []), *([f"DNS:{dns}"] if dns else [])])
    subprocess.run(
        [
            openssl() or "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            f"/CN={dns or ip}",
            "-addext",
            f"subjectAltName={san}",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key
