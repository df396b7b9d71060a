"""Marking ready refuses what a transport cannot carry, and tracking IDs set by hand, on a
real store (a SQLite file in tmp_path)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from studio_console.complaints.builder import ComplaintError, load, mark_ready, set_tracking, update
from studio_console.complaints.outbox import rows_for
from studio_console.store import Store
from tests.studio_console.complaints.test_builder import STATION, aired_sms, complete


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "studio.sqlite3") as s:
        yield s


def draft(store: Store, text: str = "Jalan rusak parah", **fields: object) -> int:
    from studio_console.complaints.builder import draft_from_items

    cid = draft_from_items(store, [aired_sms(store, text)], station=STATION)
    complete(store, cid)
    if fields:
        update(store, cid, **fields)
    return cid


def test_an_unknown_transport_is_refused_and_nothing_is_queued(store):
    cid = draft(store)
    with pytest.raises(
        ComplaintError, match=r"unknown transport fax, email; choose from file, sms1708, http"
    ):
        mark_ready(store, cid, ["file", "fax", "email"])
    assert load(store, cid).status == "draft" and rows_for(store, cid) == []


def test_a_rahasia_complaint_cannot_go_by_sms_to_1708(store):
    cid = draft(store, rahasia=True)
    with pytest.raises(ComplaintError, match=r"rahasia .* 1708: .* confidential flag"):
        mark_ready(store, cid, ["file", "sms1708"])
    assert load(store, cid).status == "draft" and rows_for(store, cid) == []
    assert len(mark_ready(store, cid, ["file"])) == 1


def test_http_names_the_fields_its_schema_refuses(store):
    cid = draft(store, lokasi={"kecamatan_code": "Ngraho", "desa_code": "Luwihaji", "detail": None})
    with pytest.raises(ComplaintError) as refused:
        mark_ready(store, cid, ["http"])
    assert (
        str(refused.value)
        == "http cannot carry these fields as they are: lokasi.kecamatan_code, lokasi.desa_code"
    )
    assert load(store, cid).status == "draft" and rows_for(store, cid) == []
    update(store, cid, lokasi={"kecamatan_code": "35.22.01", "desa_code": "35.22.01.2001", "detail": None})
    assert len(mark_ready(store, cid, ["http"])) == 1


def test_a_tracking_id_is_replaced_only_explicitly_and_the_old_one_is_audited(store):
    cid = draft(store)
    set_tracking(store, cid, "1916449", "terkirim", actor="Rina")
    set_tracking(store, cid, "1916449", "diverifikasi", actor="Rina")  # the same ID: a status change
    set_tracking(store, cid, None, "didisposisikan", actor="Rina")  # no ID: the status only
    with pytest.raises(ComplaintError, match=f"complaint {cid} already has tracking ID 1916449"):
        set_tracking(store, cid, "1916450", "terkirim", actor="Rina")
    assert (load(store, cid).tracking_id, load(store, cid).status) == ("1916449", "didisposisikan")
    set_tracking(store, cid, "1916450", "terkirim", actor="Rina", replace=True)
    assert load(store, cid).tracking_id == "1916450"
    replaced = store.conn.execute(
        "SELECT actor_role, actor, detail FROM audit WHERE entity_id = ? AND action = 'tracking_replaced'",
        (cid,),
    ).fetchall()
    assert replaced == [("operator", "Rina", "1916449")]


def test_an_id_of_another_complaint_is_refused_naming_it_unless_forced(store):
    first, second = draft(store), draft(store, "Lampu mati")
    set_tracking(store, first, "1916449", "terkirim")
    with pytest.raises(ComplaintError, match=f"tracking ID 1916449 is already complaint {first}'s"):
        set_tracking(store, second, "1916449", "terkirim")
    assert load(store, second).tracking_id is None
    set_tracking(store, second, "1916449", "terkirim", force=True)
    assert load(store, second).tracking_id == "1916449"
