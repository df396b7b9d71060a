"""The look of each screen in its main states (pytest-textual-snapshot).

Deterministic: a fixed clock, a database seeded with fixed timestamps, a fixed
terminal size. Update after an intended change with `pytest --snapshot-update`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from drivers.gsm.pdu import decode, encode_deliver
from studio_console.config import Settings
from studio_console.screening import Actor, ScreeningService
from studio_console.store import Store
from studio_console.ui.app import StudioApp

NOW = datetime(2026, 11, 27, 6, 30, tzinfo=UTC)  # 13:30 WIB, during SAPA BUPATI
WIB = ZoneInfo("Asia/Jakarta")

MESSAGES = [
    ("+6281234567890", "Lampu PJU di jalan Veteran depan pasar mati sudah 2 minggu."),
    ("+6285731112233", "Nyuwun sewu, banyu PDAM ing Kelurahan Ledok Kulon mati telung dina."),
    ("+6289612345678", "Pupuk subsidi di kios Desa Kedungadem kosong terus 😭🙏"),
    ("+6281999000111", "[b]tebal[/b] [@click=app.quit]klik[/] \x1b[31mmerah"),
    ("+6281311223344", "Pelayanan KTP-el di kecamatan Kepohbaru antre dari subuh. " * 4),
]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def seed(path) -> None:
    clock = Clock(NOW - timedelta(minutes=40))
    with Store(path, clock=clock) as store:
        store.start_show("SAPA BUPATI", by="Rina")
        producer = ScreeningService(store, Actor("producer", "Rina"))
        items = []
        for i, (sender, text) in enumerate(MESSAGES):
            clock.now += timedelta(minutes=3)
            stamp = clock.now.astimezone(WIB) - timedelta(seconds=20)
            for pdu in encode_deliver(sender, text, timestamp=stamp, concat_ref=10 + i):
                outcome = store.store_part(decode(pdu), pdu)
            items.append(store.conn.execute("SELECT id FROM items WHERE message_id = ?",
                                            (outcome.message_id,)).fetchone()[0])
        for item in items[:3]:
            producer.move(item, "approved")
            producer.move(item, "queued")
        producer.set_next(items[1])
        producer.edit(items[0], topic="PJU mati", opd="Dinas Perhubungan", priority=2)
        store.set_blocked("+6281999000111", True, "kata kasar")
        call = store.call_ringing("+6282140506070")
        clock.now += timedelta(seconds=30)
        store.call_set_state(call, "screening", role="producer")
        store.call_set_state(call, "ready", role="producer")


def make_app(tmp_path, role: str) -> StudioApp:
    db = tmp_path / "studio.sqlite3"
    seed(db)
    return StudioApp(Settings(), db, role=role, operator="Rina", clock=Clock(NOW))


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
def test_producer_screen(snap_compare, tmp_path, size):
    assert snap_compare(make_app(tmp_path, "producer"), terminal_size=size)


def test_producer_screen_calls_panel(snap_compare, tmp_path):
    assert snap_compare(make_app(tmp_path, "producer"), press=["f3"], terminal_size=(80, 24))


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
def test_host_screen(snap_compare, tmp_path, size):
    assert snap_compare(make_app(tmp_path, "host"), terminal_size=size)


def test_help_screen(snap_compare, tmp_path):
    assert snap_compare(make_app(tmp_path, "host"), press=["f1"], terminal_size=(100, 40))
