"""The HTTP JSON push against a real server on 127.0.0.1 (``lapor_server.LaporServer``).

Every answer the protocol knows (``docs/complaints-http.md``) goes through the real
transport over a real socket: created, repeated keys, 2xx without a tracking ID, 3xx, 4xx,
5xx, a server that hangs, trickles, closes mid-answer or is not there; TLS with certificates
made by ``openssl``; then the whole path through the real outbox on a real SQLite file.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import traceback
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from studio_console import __version__
from studio_console.complaints.builder import load
from studio_console.complaints.model import REDACTED, Complaint, Lokasi, Pelapor, Sumber, to_payload
from studio_console.complaints.outbox import (
    OutboxWorker,
    PermanentError,
    Receipt,
    TransientError,
    due,
    get,
    send_one,
)
from studio_console.complaints.transports.http_push import (
    SCHEMA_NAME,
    HttpTransport,
    load_schema,
    validate_payload,
)
from studio_console.config import ExportSettings
from studio_console.store import Store
from tests.studio_console.complaints.http_helpers import (
    TOKEN_ENV,
    openssl,
    ready_complaint,
    self_signed,
    wait_for,
)
from tests.studio_console.complaints.lapor_server import TOKEN, LaporServer
from tests.studio_console.complaints.test_builder import NUMBER, NUMBER_FORMS

START = datetime(2026, 3, 6, 5, 0, tzinfo=UTC)
KEY = "7-http-0123456789abcdef0123"


class Clock:
    """A clock the test moves by hand (the outbox's backoff is in minutes)."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def sample(**changes: Any) -> dict[str, Any]:
    """A payload as ``to_payload`` makes it, with non-ASCII listener text."""
    complaint = Complaint(
        id=7,
        judul="Lampu PJU mati di Luwihaji",
        isi="Lampu PJU mati sudah seminggu — mohon diperbaiki ꦧꦺꦴꦗꦤꦼꦒꦫ",
        originals=("Lampu PJU mati sudah seminggu 🙏",),
        klasifikasi="pengaduan",
        kategori="Infrastruktur",
        instansi="Dinas PU",
        lokasi=Lokasi("35.22.01", "35.22.01.2001", "RT 02"),
        pelapor=Pelapor("Budi", NUMBER),
        anonim=True,
        sumber=Sumber("SAPA BUPATI", "Radio Malowopati", "SMS", "2026-03-06T05:00:00+00:00"),
        status="siap_kirim",
        uid="u-1",
    )
    return to_payload(complaint) | changes


@pytest.fixture
def server():
    with LaporServer() as s:
        yield s


def transport(server_or_url: LaporServer | str, token: str = TOKEN, **kw: Any) -> HttpTransport:
    url = server_or_url.url if isinstance(server_or_url, LaporServer) else server_or_url
    kw.setdefault("timeout", 5.0)
    return HttpTransport(url, environ={TOKEN_ENV: token}, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- the schema
def test_every_payload_the_builder_makes_matches_the_schema(tmp_path):
    with Store(tmp_path / "studio.sqlite3") as store:
        plain = ready_complaint(store)
        named = ready_complaint(store, "Jembatan retak", item_fields={"anonim": False}, rahasia=True)
        dated = ready_complaint(
            store, "Banjir", tanggal_kejadian="2026-03-01", lampiran=["rekaman.ogg"], klasifikasi="aspirasi"
        )
        payloads = [to_payload(load(store, cid)) for cid in (plain, named, dated)]
    assert "pelapor" not in payloads[0] and payloads[1]["pelapor"]["nomor"] == NUMBER
    assert payloads[2]["tanggal_kejadian"] == "2026-03-01"
    for payload in [*payloads, sample(), sample(tanggal_kejadian=None, tracking_id="1916449")]:
        assert validate_payload(payload) == []
    assert load_schema()["$id"] == "urn:studio-console:aduan:1"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"kategori": None}, "payload.kategori: expected string, got null"),
        ({"judul": "j" * 101}, "payload.judul: must have at most 100 characters"),
        ({"klasifikasi": "keluhan"}, "payload.klasifikasi: must be one of"),
        ({"id": True}, "payload.id: expected integer, got boolean"),
        ({"lokasi": {"kecamatan_code": "Kedungadem", "desa_code": None, "detail": None}}, "does not match"),
        ({"pelapor": {"nama": "Budi", "nomor": NUMBER}}, "payload: pelapor must be absent"),
        ({"anonim": False}, "payload.pelapor: missing"),
        ({"rahasia": "ya"}, "payload.rahasia: expected boolean"),
        ({"extra": 1}, "unexpected field 'extra'"),
        ({"originals": ["ok", 3]}, "payload.originals[1]: expected string"),
    ],
)
def test_the_schema_check_names_what_is_wrong_without_quoting_values(change, problem):
    problems = validate_payload(sample(**change))
    assert any(problem in p for p in problems), problems
    assert not any("Kedungadem" in p or "Budi" in p or NUMBER in p for p in problems)


def test_a_payload_outside_the_schema_is_refused_before_anything_is_sent(server):
    leaky = sample(pelapor={"nama": "Budi", "nomor": NUMBER})  # anonim, yet the reporter is in it
    with pytest.raises(
        PermanentError, match=f"does not match {SCHEMA_NAME}: payload: pelapor must be absent"
    ):
        transport(server).send(leaky, KEY)
    assert server.requests == []


# ---------------------------------------------------------------- answers
def test_a_created_complaint_returns_the_servers_tracking_id(server):
    payload = sample()
    receipt = transport(server).send(payload, KEY)
    assert receipt == Receipt(
        "BJN-000001",
        {"http_status": 201, "request_id": "req-BJN-000001", "response_id": "srv-BJN-000001"},
    )
    [request] = server.requests
    assert (request.method, request.path, request.status) == ("POST", "/api/aduan", 201)
    assert request.header("Content-Type") == "application/json; charset=utf-8"
    assert request.header("Authorization") == f"Bearer {TOKEN}"
    assert request.header("Idempotency-Key") == KEY
    assert request.header("User-Agent") == f"studio-console/{__version__}"
    assert request.header("Accept") == "application/json"
    assert request.json() == payload
    assert "ꦧꦺꦴꦗꦤꦼꦒꦫ".encode() in request.body and "🙏".encode() in request.body  # UTF-8, not \u escapes


def test_a_repeated_key_gets_the_same_tracking_id_and_creates_nothing_new(server):
    t = transport(server)
    first = t.send(sample(), KEY)
    again = t.send(sample(status="terkirim"), KEY)
    other = t.send(sample(id=8), "8-http-ffff")
    assert first.tracking_id == again.tracking_id == "BJN-000001"
    assert (first.detail["http_status"], again.detail["http_status"]) == (201, 200)
    assert other.tracking_id == "BJN-000002"
    assert list(server.created) == [KEY, "8-http-ffff"]


@pytest.mark.parametrize(
    ("mode", "options", "status"),
    [
        ("no_tracking", {}, 202),
        ("raw", {"status": 204}, 204),
        ("raw", {"status": 200, "raw_body": b'{"tracking_id": "\\u001b[31m"}'}, 200),
    ],
)
def test_a_2xx_without_a_usable_tracking_id_is_sent_without_one(server, mode, options, status):
    server.set_mode(mode, **options)
    receipt = transport(server).send(sample(), KEY)
    assert receipt.tracking_id is None and receipt.detail["http_status"] == status
    assert receipt.detail.get("unusable_tracking_id", False) == (mode == "raw" and status == 200)


def test_a_tracking_id_named_trackingid_or_id_is_accepted(server):
    server.script(
        ("raw", {"status": 201, "raw_body": b'{"trackingid": "1916449"}'}),
        ("raw", {"status": 201, "raw_body": b'{"id": 1916450}'}),
    )
    t = transport(server)
    assert t.send(sample(), KEY).tracking_id == "1916449"
    assert t.send(sample(), KEY).tracking_id == "1916450"


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (
            {"status": 400, "reason": "kategori tidak dikenal"},
            "HTTP 400 from 127.0.0.1:{port}: kategori tidak dikenal",
        ),
        (
            {"status": 422, "raw_body": b'{"message": "lokasi wajib diisi"}'},
            "HTTP 422 from 127.0.0.1:{port}: lokasi wajib diisi",
        ),
        (
            {
                "status": 422,
                "raw_body": b'{"errors": [{"message": "judul kosong"}, {"detail": "isi kosong"}]}',
            },
            "HTTP 422 from 127.0.0.1:{port}: judul kosong; isi kosong",
        ),
        (
            {
                "status": 404,
                "raw_body": b"Not\x1b]0;pwned\x07 here\r\n\tat all",
                "headers": [("Content-Type", "text/plain")],
            },
            "HTTP 404 from 127.0.0.1:{port}: Not ]0;pwned here at all",
        ),
        ({"status": 410, "raw_body": b""}, "HTTP 410 from 127.0.0.1:{port}: Gone"),
    ],
)
def test_a_4xx_is_permanent_with_the_servers_reason_cleaned(server, options, reason):
    server.set_mode("reject", **options)
    with pytest.raises(PermanentError) as refused:
        transport(server).send(sample(), KEY)
    assert str(refused.value) == reason.format(port=server.port)


def test_a_long_reason_is_shortened(server):
    server.set_mode("reject", status=400, reason="salah " * 200)
    with pytest.raises(PermanentError) as refused:
        transport(server).send(sample(), KEY)
    reason = str(refused.value).split(": ", 1)[1]
    assert len(reason) == 200 and reason.endswith("…")


def test_a_refused_token_is_permanent_and_names_the_variable(server):
    with pytest.raises(PermanentError, match=f"bearer token in {TOKEN_ENV} was refused"):
        transport(server, token="not-the-token").send(sample(), KEY)
    assert server.requests[0].status == 401 and server.created == {}


@pytest.mark.parametrize("status", [408, 409, 425, 429])
def test_408_409_425_and_429_are_transient_with_retry_after(server, status):
    server.set_mode("raw", status=status, headers=[("Retry-After", "120")], raw_body=b'{"error": "nanti"}')
    with pytest.raises(
        TransientError, match=rf"HTTP {status} .*nanti.*\(Retry-After: 120\)|HTTP 409 .*nanti"
    ):
        transport(server).send(sample(), KEY)


@pytest.mark.parametrize(("status", "retry"), [(500, None), (502, None), (503, 30)])
def test_a_5xx_is_transient(server, status, retry):
    options = {"status": status} | ({"retry_after": retry} if retry else {})
    server.set_mode("error", **options)
    with pytest.raises(TransientError) as later:
        transport(server).send(sample(), KEY)
    assert str(later.value).startswith(f"HTTP {status} from 127.0.0.1:{server.port}: kesalahan server")
    assert ("Retry-After: 30" in str(later.value)) == (retry is not None)


def test_a_redirect_is_not_followed_and_is_permanent(server):
    server.set_mode("redirect", location="https://lapor.example/api/v2/aduan")
    with pytest.raises(
        PermanentError, match=r"HTTP 302 .*redirect to https://lapor.example/api/v2/aduan not"
    ):
        transport(server).send(sample(), KEY)
    assert len(server.requests) == 1


def test_a_2xx_that_is_not_json_is_transient_and_the_retry_gets_the_original(server):
    server.set_mode("invalid")
    t = transport(server)
    with pytest.raises(TransientError, match=r"HTTP 201 .* not JSON"):
        t.send(sample(), KEY)
    server.set_mode("created")
    assert t.send(sample(), KEY) == Receipt(
        "BJN-000001", {"http_status": 200, "request_id": "req-BJN-000001", "response_id": "srv-BJN-000001"}
    )
    assert list(server.created) == [KEY]


# ---------------------------------------------------------------- the network
def test_a_hung_server_is_a_transient_timeout(server):
    # It would answer "created" after 30 s: without the transport's deadline the send succeeds.
    server.set_mode("hang", hang_for=30)
    with pytest.raises(
        TransientError, match=rf"no complete answer from 127.0.0.1:{server.port} within 0.5 s"
    ):
        transport(server, timeout=0.5).send(sample(), KEY)


def test_an_answer_trickled_past_the_deadline_is_cut_off(server):
    # One byte every 0.2 s: every read gets data in time, the answer takes ~20 s in all.
    server.set_mode("trickle", delay=0.2)
    t = transport(server, timeout=1.0)
    with pytest.raises(TransientError, match=r"no complete answer .* within 1 s"):
        t.send(sample(), KEY)
    # The server created it before it began to answer; once it notices the sender is gone
    # (until then a repeat gets 409, "still being processed"), a repeat gets the original.
    wait_for(lambda: not server.in_flight(KEY), "the server to drop the cut answer")
    server.set_mode("created")
    assert t.send(sample(), KEY).tracking_id == server.tracking_for(KEY) == "BJN-000001"


def test_a_slow_answer_within_the_timeout_is_taken(server):
    server.set_mode("slow", delay=0.3)
    assert transport(server, timeout=5).send(sample(), KEY).tracking_id == "BJN-000001"


def test_an_answer_cut_off_mid_way_is_transient_and_the_retry_gets_the_original(server):
    server.script("close", "created")
    t = transport(server)
    with pytest.raises(TransientError, match="closed the connection in the middle of its answer"):
        t.send(sample(), KEY)
    receipt = t.send(sample(), KEY)
    assert (receipt.tracking_id, receipt.detail["http_status"]) == ("BJN-000001", 200)
    assert len(server.created) == 1


def test_a_connection_closed_without_an_answer_is_transient(server):
    server.set_mode("drop")
    with pytest.raises(TransientError, match="closed the connection without answering"):
        transport(server).send(sample(), KEY)


def test_a_refused_connection_is_transient():
    port = free_port()
    with pytest.raises(TransientError, match=f"connection to 127.0.0.1:{port} refused"):
        transport(f"http://127.0.0.1:{port}/api").send(sample(), KEY)


# ---------------------------------------------------------------- the token
def test_a_missing_token_variable_is_permanent_and_named(server):
    t = HttpTransport(server.url, token_env="LAPOR_TOKEN_BJN", environ={})
    with pytest.raises(PermanentError, match=r"environment variable LAPOR_TOKEN_BJN .* is not set"):
        t.send(sample(), KEY)
    assert server.requests == []


def test_plain_http_carries_the_token_only_to_a_loopback_address():
    t = transport("http://lapor.example/api/aduan")
    with pytest.raises(
        PermanentError, match=r"refusing to send the bearer token over plain http to lapor\.example"
    ):
        t.send(sample(), KEY)


def test_the_token_never_appears_in_errors_logs_receipts_or_the_outbox(tmp_path, server, caplog):
    secret = "s3cr3t-Bearer-Tok3n-Rahasia"
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    errors: list[Exception] = []

    def attempt(t: HttpTransport, **mode: Any) -> None:
        server.set_mode(**mode)
        try:  # a key of its own each time: the hanging request keeps its key busy
            texts.append(repr(t.send(sample(), f"{len(texts)}-{KEY}")))
        except (TransientError, PermanentError) as exc:
            errors.append(exc)
            texts.extend([str(exc), repr(exc), "".join(traceback.format_exception(exc))])

    good = transport(server, token=secret, timeout=0.5)
    server.token = secret
    attempt(good, name="created")
    attempt(good, name="reject", status=400, raw_body=f"bad token {secret} for you".encode())
    attempt(good, name="error", status=503, reason=f"Authorization: Bearer {secret}")
    attempt(good, name="hang", hang_for=5)
    attempt(good, name="close")
    server.token = "another"  # now the server refuses it, quoting the header it got
    attempt(good, name="created")
    attempt(transport(server, token=secret + "\r\nX-Evil: 1", timeout=0.5), name="created")
    attempt(transport(server, token="é" + secret, timeout=0.5), name="created")
    texts.append(repr(good))
    texts.append(caplog.text)
    # ... and through the outbox: receipts, errors and the audit in the database.
    db = tmp_path / "studio.sqlite3"
    with Store(db) as store:
        server.token = secret
        server.set_mode("created")
        cid = ready_complaint(store)
        send_one(store, due(store, store.clock())[0], good, store.clock())
        server.token = "another"
        ready_complaint(store, "lagi")
        send_one(store, due(store, store.clock())[0], good, store.clock())
        assert load(store, cid).status == "terkirim"
    texts.append(db.read_bytes().decode("latin-1"))
    assert any("Bearer ***" in t for t in texts)  # the echoed token was there, and replaced
    assert ["visible ASCII" in str(e) for e in errors][-2:] == [True, True]
    leaks = [t for t in texts if secret in t]
    assert leaks == []


# ---------------------------------------------------------------- TLS
@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    if openssl() is None:
        pytest.skip("openssl is not installed: it makes the test certificates")
    folder = tmp_path_factory.mktemp("tls")
    return {
        "ip": self_signed(folder, "loopback", ip="127.0.0.1"),
        "other": self_signed(folder, "other", ip=None, dns="lapor.example"),
    }


def test_a_self_signed_certificate_is_refused(certificates):
    cert, key = certificates["ip"]
    with LaporServer(certfile=cert, keyfile=key) as server:
        with pytest.raises(
            PermanentError, match=r"TLS certificate of 127.0.0.1:\d+ is not trusted \(self.signed"
        ):
            transport(server).send(sample(), KEY)
        assert server.requests == []


def test_a_certificate_from_the_ca_file_is_trusted(certificates):
    cert, key = certificates["ip"]
    with LaporServer(certfile=cert, keyfile=key) as server:
        assert server.url.startswith("https://")
        receipt = transport(server, ca_file=cert).send(sample(), KEY)
        assert receipt.tracking_id == "BJN-000001"
        assert server.requests[0].header("Authorization") == f"Bearer {TOKEN}"


def test_a_trusted_certificate_for_another_host_is_refused(certificates):
    cert, key = certificates["other"]
    with LaporServer(certfile=cert, keyfile=key) as server:
        with pytest.raises(PermanentError, match=r"not trusted .*(mismatch|not valid for)"):
            transport(server, ca_file=cert).send(sample(), KEY)
        assert server.requests == []


def test_a_missing_ca_file_is_permanent_and_named(tmp_path):
    t = transport("https://127.0.0.1:9/api", ca_file=tmp_path / "nope.pem")
    with pytest.raises(PermanentError, match=r"export.http_ca_file .*nope.pem cannot be used"):
        t.send(sample(), KEY)


# ---------------------------------------------------------------- settings
def test_from_settings_reads_the_export_section(tmp_path):
    export = ExportSettings(
        http_url="https://lapor.example/api/aduan",
        http_token_env="LAPOR_TOKEN",
        http_timeout=7.5,
        http_ca_file="certs/lapor.pem",
    )
    t = HttpTransport.from_settings(export, base_dir=tmp_path, environ={"LAPOR_TOKEN": "x"})
    assert (t.name, t.url, t.token_env, t.timeout) == ("http", export.http_url, "LAPOR_TOKEN", 7.5)
    assert t.ca_file == str(tmp_path / "certs/lapor.pem")
    assert HttpTransport.from_settings(ExportSettings(http_url="https://a.example/")).ca_file is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://lapor.example/", "http:// or https://"),
        ("lapor.example/api", "http:// or https://"),
        ("https://user:pw@lapor.example/", "must not carry credentials"),
        ("https://lapor.example:99999/", "invalid port"),
    ],
)
def test_an_unusable_url_is_refused_when_the_transport_is_made(url, problem):
    with pytest.raises(ValueError, match=problem):
        HttpTransport(url)


# ---------------------------------------------------------------- through the outbox
@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "studio.sqlite3", clock=clock) as s:
        yield s


def attempts(store: Store, outbox_id: int) -> list[tuple[str, str | None]]:
    return store.conn.execute(
        "SELECT result, error FROM outbox_attempts WHERE outbox_id = ? ORDER BY id", (outbox_id,)
    ).fetchall()


def test_the_worker_sends_a_ready_complaint_and_it_becomes_terkirim(store, server, clock):
    cid = ready_complaint(store)
    with OutboxWorker(store.path, [transport(server)], clock, poll=0.05):
        wait_for(lambda: load(store, cid).status == "terkirim", "the complaint to be terkirim")
    [row] = store.conn.execute("SELECT id, idempotency_key, state, receipt FROM outbox").fetchall()
    assert row[2] == "sent"
    assert json.loads(row[3])["http_status"] == 201
    assert load(store, cid).tracking_id == server.tracking_for(row[1]) == "BJN-000001"
    [request] = server.requests
    assert request.header("Idempotency-Key") == row[1]
    assert request.json() == to_payload(load(store, cid)) | {"status": "siap_kirim", "tracking_id": None}


def test_a_500_then_a_201_creates_one_complaint_with_both_attempts_recorded(store, server, clock):
    cid = ready_complaint(store)
    server.script("error", "created")
    t = transport(server)
    row = due(store, clock())[0]
    assert send_one(store, row, t, clock()) == "pending"
    assert get(store, row.id).attempts == 1
    assert due(store, clock()) == []  # backing off
    clock.advance(3600)
    assert send_one(store, due(store, clock())[0], t, clock()) == "sent"
    assert [r[0] for r in attempts(store, row.id)] == ["transient", "sent"]
    assert "HTTP 500" in attempts(store, row.id)[0][1]
    assert [r.header("Idempotency-Key") for r in server.requests] == [row.idempotency_key] * 2
    assert list(server.created) == [row.idempotency_key]
    assert load(store, cid).tracking_id == "BJN-000001"


def test_a_4xx_leaves_the_complaint_gagal_kirim_with_the_servers_reason(store, server, clock):
    cid = ready_complaint(store)
    server.set_mode("reject", status=422, reason="instansi tidak dikenal di SIAP LAPOR!")
    with OutboxWorker(store.path, [transport(server)], clock, poll=0.05):
        wait_for(lambda: load(store, cid).status == "gagal_kirim", "gagal_kirim")
    row = store.conn.execute("SELECT id, state, last_error FROM outbox").fetchone()
    assert row[1] == "gagal_kirim"
    assert row[2] == f"HTTP 422 from 127.0.0.1:{server.port}: instansi tidak dikenal di SIAP LAPOR!"
    assert [r[0] for r in attempts(store, row[0])] == ["permanent"]
    assert len(server.requests) == 1


def test_an_anonim_complaint_reaches_the_server_without_name_or_number_and_rahasia_is_kept(
    store, server, clock
):
    signed = "Jalan ke Luwihaji rusak parah. Budi Santoso, 0812-3456-7890"
    anonim = ready_complaint(
        store, signed, item_fields={"reporter_name": "Budi Santoso", "rahasia": True}, isi=signed
    )
    named = ready_complaint(
        store,
        "Sampah menumpuk. Sri",
        sender="+6285712345678",
        item_fields={"anonim": False, "reporter_name": "Sri Wahyuni"},
    )
    t = transport(server)
    for row in due(store, clock()):
        assert send_one(store, row, t, clock()) == "sent"
    by_id = {r.json()["id"]: r for r in server.requests}
    raw = by_id[anonim].body
    assert b"pelapor" not in raw
    assert b"budi" not in raw.lower() and b"santoso" not in raw.lower()
    for form in NUMBER_FORMS:
        assert form.encode() not in raw
    assert b"81234567890" not in re.sub(rb"\D", b"", raw)
    assert REDACTED.encode() in raw
    body = json.loads(raw)
    assert body["anonim"] is True and body["rahasia"] is True
    # Not anonim: the reporter does travel, so the check above is not vacuous.
    assert by_id[named].json()["pelapor"] == {"nama": "Sri Wahyuni", "nomor": "+6285712345678"}
    assert by_id[named].json()["rahasia"] is False
    assert load(store, anonim).status == load(store, named).status == "terkirim"
