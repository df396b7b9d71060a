"""Transport 2, the SMS to LAPOR! 1708: the one-segment rule, and exactly-once sending
through the real modem driver on the real virtual modem (pty), the PDUs decoded back.

The only test double is ``DyingModem``, in the child process of the kill test: it stands
for "the process died right after writing the intent", which no real modem can be asked
to do on cue.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.gsm.modem import Modem
from drivers.gsm.pdu import decode, encode_status_report, encode_submit
from drivers.gsm.virtual import VirtualModem
from studio_console.complaints.builder import draft_from_items, idempotency_key, load, mark_ready, update
from studio_console.complaints.lapor_reply import REPLY_WINDOW
from studio_console.complaints.model import to_payload
from studio_console.complaints.outbox import (
    Deferred,
    PermanentError,
    TransientError,
    UncertainSmsError,
    get,
    retry,
    send_one,
)
from studio_console.complaints.transports.sms1708 import (
    AWAITING_REPLY,
    GSM7_LIMIT,
    MIN_ISI,
    UCS2_LIMIT,
    UNCERTAIN,
    Sms1708Transport,
    delivery_state,
    fit_message,
    fit_text,
    is_uncertain,
    release_uncertain,
)
from studio_console.config import ExportSettings
from studio_console.store import Store
from tests.hostile import HOSTILE_TEXTS
from tests.studio_console.complaints.test_builder import STATION, aired_sms, complete

NUMBER = "+6281234567890"
LUWIHAJI = {"kecamatan_code": "35.22.01", "desa_code": "35.22.01.2001", "detail": "RT 02 RW 03"}


def clock() -> datetime:
    return datetime(2026, 3, 6, 5, 0, tzinfo=UTC)


def payload(isi: str | None, lokasi: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": 1, "isi": isi, "lokasi": lokasi if lokasi is not None else {}, **extra}


def one_segment(text: str, number: str = "1708") -> Any:
    """The single SMS-SUBMIT ``encode_submit`` makes of ``text``, decoded back."""
    parts = encode_submit(number, text)
    assert len(parts) == 1, f"{len(parts)} parts for {text!r}"
    return decode(parts[0].hex)


def printable(text: str) -> bool:
    """No control, format or separator character other than the plain space."""
    return all(ch == " " or unicodedata.category(ch)[0] not in "CZ" for ch in text)


# ---------------------------------------------------------------- the rule
def test_a_short_complaint_goes_whole_with_keyword_and_location_names():
    fitted = fit_message("BJN", payload("Lampu PJU di jalan desa mati sudah seminggu.", LUWIHAJI))
    assert fitted.text == (
        "BJN Lampu PJU di jalan desa mati sudah seminggu. Lokasi: Luwihaji, Ngraho, RT 02 RW 03"
    )
    assert (fitted.encoding, fitted.limit, fitted.shortened, fitted.removed) == ("gsm7", 160, False, "")
    assert fitted.notes == []
    assert fitted.length == len(fitted.text)
    assert one_segment(fitted.text).text == fitted.text


def test_newlines_and_runs_of_spaces_become_single_spaces_and_a_period_ends_isi():
    fitted = fit_message("BJN", payload("Jalan  rusak\n\nparah\r\n\tsekali", {"kecamatan_code": "35.22.01"}))
    assert fitted.text == "BJN Jalan rusak parah sekali. Lokasi: Ngraho"
    assert fitted.notes == []


def test_curly_quotes_dashes_ellipsis_nbsp_and_accents_map_to_gsm7():
    fitted = fit_message("BJN", payload("“Jalan” ‘rusak’ — parah…\u00a0café á ñ ü €"))
    assert fitted.text == "BJN \"Jalan\" 'rusak' - parah... café a ñ ü €"
    assert fitted.encoding == "gsm7" and fitted.notes == ["normalised"]
    assert fitted.length == len(fitted.text) + 1  # € is an extension character: 2 septets
    assert one_segment(fitted.text).encoding == "gsm7"


def test_emoji_and_symbols_without_equivalent_are_dropped_and_keep_gsm7():
    fitted = fit_message("BJN", payload("Terima kasih 🙏🏽👍 pak ☺ ✓"))
    assert fitted.text == "BJN Terima kasih pak"
    assert fitted.encoding == "gsm7" and "normalised" in fitted.notes


def test_letters_without_a_gsm7_form_make_it_ucs2_with_70_characters():
    fitted = fit_message("BJN", payload("ꦲꦶꦁ ꦢꦺꦱ ꦏꦥꦱ꧀ ꦢꦭꦤ꧀ ꦫꦸꦱꦏ꧀ “parah” 🙏", {"kecamatan_code": "35.22.01"}))
    assert fitted.encoding == "ucs2" and fitted.limit == UCS2_LIMIT
    assert "ucs2" in fitted.notes
    assert "ꦲꦶꦁ" in fitted.text and '"parah"' in fitted.text and "🙏" not in fitted.text
    sms = one_segment(fitted.text)
    assert sms.encoding == "ucs2" and sms.text == fitted.text


def test_letters_needing_ucs2_that_would_be_cut_away_leave_it_in_gsm7():
    isi = "Jalan di depan balai desa rusak parah dan berlubang besar, " * 4 + "wassalam والسلام"
    fitted = fit_message("BJN", payload(isi, {"kecamatan_code": "35.22.01"}))
    assert (fitted.encoding, fitted.limit) == ("gsm7", GSM7_LIMIT)
    assert fitted.notes == ["isi_cut"] and fitted.text.endswith(".. Lokasi: Ngraho")
    assert fitted.removed.endswith("والسلام")
    assert one_segment(fitted.text).encoding == "gsm7"


def test_extension_characters_count_two_septets_towards_160():
    exact = fit_message("BJN", payload("[" * 78))  # 4 + 156 septets: exactly full
    assert (exact.length, exact.notes) == (160, [])
    fitted = fit_message("BJN", payload("[" * 79))
    assert fitted.length <= GSM7_LIMIT and fitted.notes == ["isi_cut"]
    assert fitted.text.startswith("BJN [") and fitted.text.endswith("..")
    assert len(encode_submit("1708", fitted.text)) == 1


def test_the_detail_goes_first_then_isi_is_cut_at_a_word_keeping_the_location():
    isi = " ".join(f"kata{i}" for i in range(40))
    fitted = fit_message("BJN", payload(isi, LUWIHAJI))
    assert fitted.notes == ["detail_dropped", "isi_cut"]
    assert fitted.shortened and fitted.length <= GSM7_LIMIT
    assert fitted.text.endswith(".. Lokasi: Luwihaji, Ngraho")
    kept = fitted.text.removeprefix("BJN ").split("..")[0]
    assert isi.startswith(kept) and isi[len(kept)] == " "  # cut between words
    assert fitted.removed == isi[len(kept) :].strip()
    assert "RT 02" not in fitted.text


def test_only_the_detail_is_dropped_when_that_is_enough():
    isi = "x" * 125
    fitted = fit_message("BJN", payload(isi, LUWIHAJI))
    assert fitted.notes == ["detail_dropped"]
    assert fitted.text == f"BJN {isi}. Lokasi: Luwihaji, Ngraho"


def test_a_location_that_leaves_too_little_isi_is_dropped():
    lokasi = {"kecamatan": "K" * 40, "desa": "D" * 100}  # names as a payload may carry them
    isi = "jalan rusak " * 20
    fitted = fit_message("BJN", payload(isi, lokasi))
    assert fitted.notes == ["location_dropped", "isi_cut"]
    assert "Lokasi" not in fitted.text and fitted.text.startswith("BJN jalan rusak")
    assert fitted.length <= GSM7_LIMIT and fitted.text.endswith("..")


def test_codes_stand_in_for_names_that_are_not_known():
    fitted = fit_message(
        "BJN", payload("Banjir", {"kecamatan_code": "99.99.99", "desa_code": "99.99.99.9999"})
    )
    assert fitted.text == "BJN Banjir. Lokasi: 99.99.99.9999, 99.99.99"


def test_the_reporter_is_never_added_even_when_the_payload_carries_one():
    fitted = fit_message("BJN", payload("Sampah menumpuk", pelapor={"nama": "Budi", "nomor": NUMBER}))
    assert "Budi" not in fitted.text and "812" not in fitted.text


def test_a_keyword_longer_than_twenty_characters_is_refused():
    with pytest.raises(ValueError, match="keyword"):
        fit_message("K" * 21, payload("x"))


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_text_fits_one_segment_with_no_control_characters(text):
    for lokasi in ({}, {"kecamatan": text, "detail": text}):
        fitted = fit_message("BJN", payload(text, lokasi))
        assert printable(fitted.text), repr(fitted.text)
        assert fitted.length <= fitted.limit
        assert one_segment(fitted.text).text == fitted.text
    reply = fit_text(text)
    assert printable(reply.text) and len(encode_submit(NUMBER, reply.text)) == 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    isi=st.text(max_size=400),
    detail=st.text(max_size=80),
    names=st.tuples(st.text(max_size=60), st.text(max_size=60)),
    keyword=st.sampled_from(["BJN", "LAPOR", "#lapor", "BJN€", "K" * 20, ""]),
)
def test_any_payload_text_fits_exactly_one_segment(isi, detail, names, keyword):
    lokasi = {"kecamatan": names[0], "desa": names[1], "detail": detail}
    fitted = fit_message(keyword, payload(isi, lokasi))
    sms = one_segment(fitted.text)
    assert sms.text == fitted.text
    assert sms.encoding == fitted.encoding
    assert fitted.length <= fitted.limit == (GSM7_LIMIT if fitted.encoding == "gsm7" else UCS2_LIMIT)
    assert printable(fitted.text)
    if fitted.encoding == "ucs2":
        assert any(unicodedata.category(ch)[0] in "LN" and not ch.isascii() for ch in fitted.text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_reply_text_fits_exactly_one_segment(text):
    fitted = fit_text(text)
    assert one_segment(fitted.text, NUMBER).text == fitted.text
    assert printable(fitted.text)


def test_min_isi_is_kept_beside_the_location():
    lokasi = {"kecamatan": "K" * 30, "desa": "D" * 30}  # leaves 160 - 4 - 71 - 2 = 83 for isi
    fitted = fit_message("BJN", payload("kata " * 60, lokasi))
    assert "Lokasi" in fitted.text
    kept = fitted.text.removeprefix("BJN ").split("..")[0]
    assert len(kept) >= MIN_ISI


# ---------------------------------------------------------------- sending through the modem
class ModemRig:
    """The real modem driver on a virtual modem's pty, and a store on a temporary file."""

    def __init__(self, tmp_path: Path, **vm_args: Any) -> None:
        self.db = tmp_path / "studio.sqlite3"
        self.vm = VirtualModem(link=str(tmp_path / "ttyGSM0"), **vm_args)
        self.vm.start()
        self.modem = Modem(
            port=self.vm.port,
            command_timeout=3.0,
            poll_interval=5.0,
            reconnect_min=0.05,
            reconnect_max=0.5,
            send_timeout=2.0,
        )
        self.modem.start()
        assert self.modem.wait_ready(15), self.modem.status()
        self.store = Store(self.db, clock=clock)

    def stop(self) -> None:
        self.modem.stop()
        self.vm.stop()
        self.store.close()

    def ready_complaint(self, isi: str = "Jalan rusak parah di depan balai desa", anonim: bool = True) -> int:
        """An aired SMS made into a complete complaint, marked ready for sms1708."""
        item = aired_sms(self.store, f"{isi[:30]} Budi {NUMBER}", NUMBER, desa_code="35.22.01.2001")
        cid = draft_from_items(self.store, [item], station=STATION, clock=clock)
        complete(self.store, cid)
        update(self.store, cid, isi=isi, anonim=anonim, lokasi=LUWIHAJI)
        mark_ready(self.store, cid, ["sms1708"], clock=clock)
        return cid

    def key(self, cid: int) -> str:
        return idempotency_key(load(self.store, cid), "sms1708")

    def payload(self, cid: int) -> dict[str, Any]:
        return to_payload(load(self.store, cid))

    def sent_rows(self) -> list[tuple[Any, ...]]:
        return self.store.conn.execute(
            "SELECT id, recipient, text, purpose, related_id, idempotency_key, state "
            "FROM sent_sms ORDER BY id"
        ).fetchall()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[ModemRig]:
    r = ModemRig(tmp_path)
    try:
        yield r
    finally:
        r.stop()


def test_the_pdu_sent_decodes_to_the_fitted_text_for_1708_with_a_report_requested(rig):
    cid = rig.ready_complaint()
    transport = Sms1708Transport(rig.db, rig.modem, "1708", "BJN")
    receipt = transport.send(rig.payload(cid), rig.key(cid))
    expected = fit_message("BJN", rig.payload(cid)).text
    [sms] = rig.vm.sent
    assert (sms.kind, sms.recipient, sms.text, sms.encoding) == ("submit", "1708", expected, "gsm7")
    assert sms.status_report_requested and sms.concat is None
    assert receipt.tracking_id is None
    assert receipt.detail["text"] == expected and receipt.detail["references"] == [1]
    [row] = rig.sent_rows()
    assert row[1:] == ("1708", expected, "lapor", cid, rig.key(cid), "sent")
    assert receipt.detail["sent_sms_id"] == row[0]
    assert NUMBER[3:] not in sms.text  # anonim: no number in what left the studio


def test_a_ucs2_complaint_goes_as_one_ucs2_pdu(rig):
    cid = rig.ready_complaint("ꦗꦭꦤ꧀ ꦫꦸꦱꦏ꧀ jalan rusak parah sekali di depan balai desa kami " * 3)
    Sms1708Transport(rig.db, rig.modem).send(rig.payload(cid), rig.key(cid))
    [sms] = rig.vm.sent
    assert sms.encoding == "ucs2" and sms.concat is None
    assert sms.text == fit_message("BJN", rig.payload(cid)).text and len(sms.text) <= UCS2_LIMIT


def test_sending_again_with_the_same_key_returns_the_receipt_without_a_second_sms(rig):
    cid = rig.ready_complaint()
    transport = Sms1708Transport(rig.db, rig.modem)
    first = transport.send(rig.payload(cid), rig.key(cid))
    again = transport.send(rig.payload(cid), rig.key(cid))
    assert len(rig.vm.sent) == 1
    assert again.detail["sent_sms_id"] == first.detail["sent_sms_id"]
    assert again.detail["references"] == first.detail["references"]
    assert len(rig.sent_rows()) == 1


def test_no_modem_or_a_modem_not_ready_is_transient_and_writes_nothing(rig, tmp_path):
    cid = rig.ready_complaint()
    with pytest.raises(TransientError, match="not ready"):
        Sms1708Transport(rig.db, None).send(rig.payload(cid), rig.key(cid))
    idle = Modem(port=str(tmp_path / "nowhere"))  # never started: state "stopped"
    with pytest.raises(TransientError, match="not ready"):
        Sms1708Transport(rig.db, idle).send(rig.payload(cid), rig.key(cid))
    assert rig.sent_rows() == []


def test_a_cms_error_marks_the_intent_failed_and_a_later_try_sends_once(rig):
    cid = rig.ready_complaint()
    transport = Sms1708Transport(rig.db, rig.modem)
    rig.vm.set_registration(0)  # not registered: the modem answers +CMS ERROR: 331
    with pytest.raises(TransientError, match="refused"):
        transport.send(rig.payload(cid), rig.key(cid))
    assert [r[6] for r in rig.sent_rows()] == ["failed"]
    assert rig.vm.sent == []
    rig.vm.set_registration(1)
    transport.send(rig.payload(cid), rig.key(cid))
    assert len(rig.vm.sent) == 1 and [r[6] for r in rig.sent_rows()] == ["sent"]


def test_a_send_that_times_out_is_uncertain_and_never_sent_twice(rig):
    cid = rig.ready_complaint()
    transport = Sms1708Transport(rig.db, rig.modem)
    rig.vm.set_reply_delay(3.0)  # the +CMGS answer comes after the driver's 2 s send timeout
    with pytest.raises(PermanentError, match="may already have gone"):
        transport.send(rig.payload(cid), rig.key(cid))
    rig.vm.set_reply_delay(0)
    assert [r[6] for r in rig.sent_rows()] == ["sending"]
    assert rig.modem.wait_ready(15)
    went = len(rig.vm.sent)  # the driver cannot tell whether it went: nor can we
    with pytest.raises(PermanentError, match="may already have gone"):
        transport.send(rig.payload(cid), rig.key(cid))
    assert len(rig.vm.sent) == went <= 1


_DYING_CHILD = """
import os, sys
from studio_console.complaints.transports.sms1708 import Sms1708Transport
import json

class DyingModem:
    '''Test double: the process is killed right after the intent is written.'''
    state = "ready"
    def send_sms(self, number, text, request_status_report=False):
        os._exit(137)

payload, key = json.loads(sys.argv[2]), sys.argv[3]
Sms1708Transport(sys.argv[1], DyingModem()).send(payload, key)
"""


def test_a_kill_between_intent_and_send_needs_a_person_then_sends_once(rig):
    cid = rig.ready_complaint()
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(_DYING_CHILD),
            str(rig.db),
            json.dumps(rig.payload(cid)),
            rig.key(cid),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 137, child.stderr
    assert [r[6] for r in rig.sent_rows()] == ["sending"]
    # The outbox worker's attempt: refused for a person, with the reason.
    [row] = rig.store.conn.execute("SELECT id FROM outbox WHERE complaint_id = ?", (cid,)).fetchall()
    transport = Sms1708Transport(rig.db, rig.modem)
    state = send_one(rig.store, get(rig.store, row[0]), transport, clock())
    assert state == "gagal_kirim", get(rig.store, row[0]).last_error
    assert "may already have gone" in get(rig.store, row[0]).last_error
    assert load(rig.store, cid).status == "gagal_kirim"
    assert rig.vm.sent == []
    # A person checked LAPOR!: it never arrived. Release, retry: one SMS.
    assert release_uncertain(rig.store, rig.key(cid), actor="Rina") is True
    assert release_uncertain(rig.store, rig.key(cid)) is False
    retry(rig.store, row[0], actor="Rina")
    assert send_one(rig.store, get(rig.store, row[0]), transport, clock()) == "sent"
    assert send_one(rig.store, get(rig.store, row[0]), transport, clock()) is None  # done, not due
    assert transport.send(rig.payload(cid), rig.key(cid)).detail["references"] == [1]
    assert len(rig.vm.sent) == 1 and [r[6] for r in rig.sent_rows()] == ["sent"]
    audit = rig.store.conn.execute(
        "SELECT actor_role, actor, action, to_state FROM audit WHERE entity = 'sent_sms'"
    ).fetchall()
    assert audit == [("operator", "Rina", "released", "abandoned")]


def test_from_settings_takes_number_and_keyword(rig):
    transport = Sms1708Transport.from_settings(
        ExportSettings(sms_number="1708", sms_keyword="LAPOR"), rig.db, rig.modem
    )
    assert (transport.name, transport.number, transport.keyword) == ("sms1708", "1708", "LAPOR")
    assert transport.fit(payload("x")).text == "LAPOR x"


# ---------------------------------------------------------------- delivery state
def _report(store: Store, reference: int, status: int) -> None:
    pdu = encode_status_report("1708", reference, status)
    store.store_status_report(decode(pdu), pdu)


@pytest.mark.parametrize(
    ("status", "state"),
    [(0x00, "delivered"), (0x21, "pending"), (0x41, "failed"), (0x62, "failed")],
)
def test_delivery_state_follows_the_stored_report(tmp_path, status, state):
    with Store(tmp_path / "d.sqlite3", clock=clock) as store:
        store.conn.execute(
            "INSERT INTO complaints (id, created_at, updated_at, status) VALUES (7, 'x', 'x', 'siap_kirim')"
        )
        assert delivery_state(store, 7) is None
        sent_id = store.begin_sent("1708", "BJN x", purpose="lapor", related_id=7, idempotency_key="k")
        assert delivery_state(store, 7).state == "uncertain"
        store.finish_sent(sent_id, [42])
        before = delivery_state(store, 7)
        assert (before.state, before.text, before.references) == ("pending", None, (42,))
        _report(store, 42, status)
        after = delivery_state(store, 7)
        assert after.state == state and after.text and after.reported_at
        assert after.sent_sms_id == sent_id and after.recipient == "1708"


def test_a_report_that_arrives_before_the_send_is_recorded_still_counts(tmp_path):
    with Store(tmp_path / "d.sqlite3", clock=clock) as store:
        store.conn.execute(
            "INSERT INTO complaints (id, created_at, updated_at, status) VALUES (7, 'x', 'x', 'siap_kirim')"
        )
        sent_id = store.begin_sent("1708", "BJN x", purpose="lapor", related_id=7, idempotency_key="k")
        _report(store, 9, 0)
        store.finish_sent(sent_id, [9])
        assert delivery_state(store, 7).state == "delivered"


def test_a_refused_intent_reads_as_not_sent(tmp_path):
    with Store(tmp_path / "d.sqlite3", clock=clock) as store:
        store.conn.execute(
            "INSERT INTO complaints (id, created_at, updated_at, status) VALUES (7, 'x', 'x', 'siap_kirim')"
        )
        sent_id = store.begin_sent("1708", "BJN x", purpose="lapor", related_id=7, idempotency_key="k")
        store.fail_sent(sent_id)
        assert delivery_state(store, 7).state == "not_sent"
        with pytest.raises(ValueError):
            store.begin_sent("1708", "BJN x", purpose="lapor", related_id=7, idempotency_key="k2")
            store.begin_sent("1708", "BJN x", purpose="lapor", related_id=7, idempotency_key="k2")


# ---------------------------------------------------------------- the modem goes between check and send
class UnpluggedAfterTheCheck:
    """The real modem driver, unplugged (on the virtual modem) right after the transport
    read its state: a test hook for timing only, as no modem can be pulled out on cue
    between two lines of code. Everything else is the real driver."""

    def __init__(self, rig: ModemRig) -> None:
        self.rig = rig

    @property
    def state(self) -> str:
        seen = self.rig.modem.state
        self.rig.vm.unplug()
        assert self.rig.modem.wait_state("reconnecting", 15)
        return seen

    def send_sms(self, number: str, text: str, request_status_report: bool = False) -> list[int]:
        return self.rig.modem.send_sms(number, text, request_status_report)


def test_a_modem_unplugged_between_the_check_and_the_send_is_not_sent_and_tried_again(rig):
    cid = rig.ready_complaint()
    transport = Sms1708Transport(rig.db, UnpluggedAfterTheCheck(rig))
    with pytest.raises(TransientError, match=r"not ready \(reconnecting\)"):
        transport.send(rig.payload(cid), rig.key(cid))
    assert [r[6] for r in rig.sent_rows()] == ["failed"]  # nothing went: not "may have gone"
    assert rig.vm.sent == []
    rig.vm.replug()
    assert rig.modem.wait_ready(15)
    Sms1708Transport(rig.db, rig.modem).send(rig.payload(cid), rig.key(cid))
    assert len(rig.vm.sent) == 1 and [r[6] for r in rig.sent_rows()] == ["sent"]


def test_an_uncertain_send_fails_the_row_with_the_sms_uncertain_code(rig):
    cid = rig.ready_complaint()
    rig.store.begin_sent("1708", "x", purpose="lapor", related_id=cid, idempotency_key=rig.key(cid))
    [row] = rig.store.conn.execute("SELECT id FROM outbox WHERE complaint_id = ?", (cid,)).fetchall()
    assert (
        send_one(rig.store, get(rig.store, row[0]), Sms1708Transport(rig.db, rig.modem), clock())
        == "gagal_kirim"
    )
    error = get(rig.store, row[0]).last_error
    assert error.startswith(f"{UNCERTAIN}: ") and is_uncertain(error)
    assert not is_uncertain("TransientError: the modem is not ready (reconnecting)") and not is_uncertain(
        None
    )
    with pytest.raises(UncertainSmsError):
        retry(rig.store, row[0], actor="Rina")
    assert retry(rig.store, row[0], actor="Rina", resend_uncertain=True).state == "pending"
    assert rig.store.sent_by_key(rig.key(cid)).state == "abandoned"


# ---------------------------------------------------------------- one complaint at a time
class MovingClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 6, 5, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_the_next_complaint_waits_for_the_reply_window_of_the_previous_one(rig):
    moving = MovingClock()
    first, second = rig.ready_complaint("Jalan rusak di Luwihaji"), rig.ready_complaint("Lampu PJU mati")
    transport = Sms1708Transport(rig.db, rig.modem, clock=moving)
    transport.send(rig.payload(first), rig.key(first))
    moving.now += timedelta(minutes=5)
    with pytest.raises(Deferred) as waiting:
        transport.send(rig.payload(second), rig.key(second))
    assert waiting.value.until == datetime(2026, 3, 6, 5, 0, tzinfo=UTC) + REPLY_WINDOW
    assert (
        waiting.value.reason.startswith(f"{AWAITING_REPLY}: ")
        and f"complaint {first}" in waiting.value.reason
    )
    assert len(rig.vm.sent) == 1
    # The first complaint sent again (same key) is not held back: it is already sent.
    assert transport.send(rig.payload(first), rig.key(first)).detail["already_sent"] is True
    moving.now = waiting.value.until  # no reply within the window: the next one goes
    transport.send(rig.payload(second), rig.key(second))
    assert [s.text.split(" Lokasi")[0] for s in rig.vm.sent] == [
        "BJN Jalan rusak di Luwihaji.",
        "BJN Lampu PJU mati.",
    ]
