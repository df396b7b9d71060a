"""`studio-console messages`: filters, JSON lines, and inert output of hostile text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from drivers.gsm.pdu import decode, encode_deliver
from studio_console.store import Store
from tests.hostile import HOSTILE_TEXTS


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "studio_console.cli", "messages", *args],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.getcwd()})


def fill(path, clock_start: datetime) -> None:
    now = [clock_start]
    with Store(path, clock=lambda: now[0]) as store:
        for i, text in enumerate(["Jalan Kalitidu berlubang", "Lampu PJU mati", "Sampah menumpuk"]):
            now[0] += timedelta(hours=i)
            pdu = encode_deliver(f"+6281234567{i:03d}", text)[0]
            store.store_part(decode(pdu), pdu)
        store.set_blocked("+6287855554444", True, "promo")
        pdu = encode_deliver("+6287855554444", "SELAMAT Anda menang")[0]
        store.store_part(decode(pdu), pdu)


def test_json_lines_carry_the_contract_fields(tmp_path):
    db = tmp_path / "studio.sqlite3"
    fill(db, datetime.now(UTC) - timedelta(hours=10))
    out = run("--db", str(db), "--json")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["text"] for r in rows][:3] == ["Jalan Kalitidu berlubang", "Lampu PJU mati",
                                            "Sampah menumpuk"]
    for row in rows:
        assert {"id", "sender", "text", "received_at", "sent_at", "parts", "state"} <= set(row)
        assert datetime.fromisoformat(row["sent_at"]).utcoffset() is not None


def test_search_state_and_since_filter(tmp_path):
    db = tmp_path / "studio.sqlite3"
    fill(db, datetime.now(UTC) - timedelta(hours=10))
    texts = lambda *a: [json.loads(x)["text"] for x in run("--db", str(db), "--json", *a)  # noqa: E731
                        .stdout.splitlines()]
    assert texts("--search", "lampu") == ["Lampu PJU mati"]
    assert texts("--search", '"( AND OR') == []
    assert texts("--state", "spam") == ["SELAMAT Anda menang"]
    assert "Jalan Kalitidu berlubang" not in texts("--since", "8h")
    assert texts("--since", "1d")[0] == "Jalan Kalitidu berlubang"


def test_bad_since_and_missing_database_are_explained(tmp_path):
    missing = run("--db", str(tmp_path / "nope.sqlite3"))
    assert missing.returncode == 2 and "no database" in missing.stderr
    db = tmp_path / "studio.sqlite3"
    fill(db, datetime.now(UTC))
    bad = run("--db", str(db), "--since", "kemarin")
    assert bad.returncode != 0 and "--since" in bad.stderr


def test_plain_listing_prints_hostile_text_inert(tmp_path):
    db = tmp_path / "studio.sqlite3"
    with Store(db) as store:
        for text in HOSTILE_TEXTS:
            if text.strip() and "\ud83d" not in text:
                pdu = encode_deliver("+6281999000111", text[:300])[0]
                store.store_part(decode(pdu), pdu)
    out = run("--db", str(db))
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stdout and "\x9b" not in out.stdout and "\u202e" not in out.stdout
