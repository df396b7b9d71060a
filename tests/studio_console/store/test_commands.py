"""Modem commands through the database, and the calls panel's data, on real SQLite files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from drivers.gsm.pdu import decode, encode_deliver
from studio_console.screening import Actor
from studio_console.store import Store, commands
from studio_console.store.calls_view import (
    active_calls,
    call_row,
    calls_view,
    producer_may,
    recent_calls,
    set_notes,
)

CALLER = "+6281234567890"


class FakeClock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "studio.sqlite3", clock=clock) as s:
        yield s


def sms(store: Store, sender: str, text: str) -> None:
    for pdu in encode_deliver(sender, text):
        store.store_part(decode(pdu), pdu)


# --------------------------------------------------------------------------- commands
def test_a_request_is_pending_until_completed_and_records_who_asked(store, clock):
    command_id = commands.request(store, "answer", {"call_id": 7}, Actor("producer", "Sari"))
    (pending,) = commands.pending(store)
    assert (pending.id, pending.command, pending.call_id) == (command_id, "answer", 7)
    assert (pending.requested_role, pending.requested_by, pending.state) == ("producer", "Sari", "pending")
    assert pending.created_at == clock.now.isoformat()

    clock.advance(2)
    assert commands.complete(store, command_id, True)
    assert commands.pending(store) == []
    done = commands.get(store, command_id)
    assert (done.state, done.error, done.done_at) == ("done", None, clock.now.isoformat())


def test_the_first_outcome_of_a_command_stands(store):
    command_id = commands.request(store, "hangup", {"call_id": 1})
    assert commands.complete(store, command_id, False, "modem not ready")
    assert not commands.complete(store, command_id, True)
    failed = commands.get(store, command_id)
    assert (failed.state, failed.error, failed.requested_role) == ("failed", "modem not ready", "system")


def test_an_unknown_command_is_refused_by_the_code_and_by_the_schema(store):
    with pytest.raises(ValueError, match="unknown modem command"):
        commands.request(store, "dial", {"number": CALLER})
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute(
            "INSERT INTO modem_commands (created_at, command, requested_role) VALUES ('t', 'dial', 'x')"
        )


def test_commands_older_than_thirty_seconds_are_failed_as_stale(store, clock):
    old = commands.request(store, "hangup", {"call_id": 1})
    clock.advance(commands.STALE_SECONDS - 1)
    fresh = commands.request(store, "answer", {"call_id": 2})
    clock.advance(2)
    assert commands.expire_stale(store) == [old]
    assert commands.get(store, old).error == commands.ERROR_STALE
    assert [c.id for c in commands.pending(store)] == [fresh]


def test_hostile_arguments_are_stored_as_json_and_a_broken_row_reads_as_no_arguments(store):
    command_id = commands.request(store, "answer", {"call_id": "[@click=app.quit]"})
    assert commands.get(store, command_id).call_id is None
    store.conn.execute("UPDATE modem_commands SET args = 'not json' WHERE id = ?", (command_id,))
    assert commands.get(store, command_id).args == {}


# ------------------------------------------------------------------------- calls view
def test_a_ringing_caller_comes_with_number_name_and_history_before_anyone_answers(store, clock):
    sms(store, CALLER, "jalan rusak di Kalitidu")
    sms(store, CALLER, "lampu PJU mati")
    store.set_sender_name(CALLER, "Pak Darto")
    first = store.call_ringing(CALLER)
    store.call_set_state(first, "missed")
    clock.advance(60)
    call_id = store.call_ringing(CALLER)
    clock.advance(12)

    (row,) = active_calls(store)
    assert (row.id, row.state, row.number, row.number_masked) == (call_id, "ringing", CALLER, "0812****7890")
    assert (row.sender_name, row.previous_calls, row.messages) == ("Pak Darto", 1, 2)
    assert row.ringing and row.active and not row.blocked
    assert row.wait_seconds(clock.now) == 12
    assert row.hold_seconds(clock.now) is None
    assert [r.id for r in recent_calls(store)] == [first]


def test_phase_times_give_the_wait_and_the_hold_time(store, clock):
    call_id = store.call_ringing(CALLER)
    clock.advance(8)
    store.call_set_state(call_id, "screening", role="producer")
    clock.advance(30)
    store.call_set_state(call_id, "hold", role="producer")
    clock.advance(45)
    row = call_row(store, call_id)
    assert (row.wait_seconds(clock.now), row.hold_seconds(clock.now)) == (8, 45)
    store.call_set_state(call_id, "ready", role="producer")
    clock.advance(15)
    assert call_row(store, call_id).hold_seconds(clock.now) == 60  # ready is still waiting
    store.call_set_state(call_id, "on_air", role="host")
    clock.advance(100)
    assert call_row(store, call_id).hold_seconds(clock.now) == 60  # stops when on air


def test_blocked_and_warned_callers_are_flagged_and_a_withheld_number_has_no_history(store):
    store.set_blocked("+6281999000111", True, "teror")
    store.call_ringing("+6281999000111")
    store.call_ringing(None)
    blocked, hidden = active_calls(store)
    assert (blocked.state, blocked.blocked, blocked.blocked_reason, blocked.ringing) == (
        "blocked",
        True,
        "teror",
        True,
    )
    assert hidden.hidden and hidden.number == "" and hidden.previous_calls == 0
    sms(store, CALLER, "halo")
    store.conn.execute("UPDATE senders SET warning = 'suka memaki' WHERE key = ?", (CALLER,))
    store.call_ringing(CALLER)
    assert active_calls(store)[-1].warning == "suka memaki"


def test_the_view_splits_active_from_recent_and_finds_the_summarised_item(store):
    done = store.call_ringing(CALLER)
    store.call_set_state(done, "ended", reason="remote hang-up")
    live = store.call_ringing("+6285233334444")
    from studio_console.screening import ScreeningService

    item = ScreeningService(store, Actor("producer")).add_manual("ringkasan", call_id=done)
    view = calls_view(store)
    assert [r.id for r in view.active] == [live]
    assert [(r.id, r.item_id, r.end_reason) for r in view.recent] == [(done, item, "remote hang-up")]


def test_notes_are_saved_trimmed_and_audited(store):
    call_id = store.call_ringing(CALLER)
    assert set_notes(store, call_id, "  mau tanya soal jalan  ", actor="Sari")
    assert call_row(store, call_id).notes == "mau tanya soal jalan"
    assert not set_notes(store, 999, "x")
    audit = store.conn.execute(
        "SELECT actor_role, actor, action FROM audit WHERE entity = 'call' AND action = 'notes'"
    ).fetchall()
    assert audit == [("producer", "Sari", "notes")]


@pytest.mark.parametrize(
    ("state", "to", "ringing", "allowed"),
    [
        ("ringing", "answer", True, True),
        ("blocked", "answer", True, True),
        ("screening", "answer", False, False),
        ("screening", "hold", False, True),
        ("ready", "hold", False, True),
        ("ringing", "hold", True, False),
        ("hold", "ready", False, True),
        ("on_air", "ready", False, False),
        ("on_air", "hangup", False, False),
        ("hold", "hangup", False, True),
        ("ended", "hangup", False, False),
    ],
)
def test_what_the_screener_may_do_with_a_call(state, to, ringing, allowed):
    assert producer_may(state, to, ringing=ringing) is allowed
