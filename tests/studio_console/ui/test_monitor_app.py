"""The live modem view of `studio-console demo`, driven with Textual's Pilot on a virtual modem."""

from __future__ import annotations

import asyncio
import time

import pytest
from textual.widgets import RichLog

from studio_console.demo import DemoRig
from studio_console.ui.monitor_app import ModemMonitorApp
from tests.hostile import HOSTILE_TEXTS


async def wait_until(pilot, condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


@pytest.fixture
def rig(tmp_path):
    rig = DemoRig(tmp_path, traffic=False)
    rig.start()
    yield rig
    rig.stop()


def feed_text(app: ModemMonitorApp) -> str:
    log = app.query_one("#feed", RichLog)
    return "\n".join(line.text for line in log.lines)


async def test_sms_and_multipart_arrive_in_the_feed(rig):
    app = ModemMonitorApp(rig.modem_factory, language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.modem.state == "ready")
        long_text = "Jalan di Desa Sumberrejo rusak parah. " * 9  # 342 chars: 3 parts
        rig.vmodem.inject_sms("+6281234567890", "Lampu PJU mati 😀")
        rig.vmodem.inject_sms("+6285731112233", long_text)
        await wait_until(pilot, lambda: len(app.shown_sms) == 2)
        assert ("+6281234567890", "Lampu PJU mati 😀") in app.shown_sms
        assert ("+6285731112233", long_text) in app.shown_sms
        assert "3 parts" in feed_text(app)


async def test_messages_waiting_before_start_are_shown(rig):
    rig.vmodem.inject_sms("+6281234567890", "dikirim saat konsol mati")
    app = ModemMonitorApp(rig.modem_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: len(app.shown_sms) == 1)
        assert app.shown_sms[0][1] == "dikirim saat konsol mati"


async def test_incoming_call_with_caller_id_and_hangup(rig):
    app = ModemMonitorApp(rig.modem_factory, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.modem.state == "ready")
        rig.vmodem.call("+6282140506070", clip=True, rings=2, interval=0.2)
        await wait_until(pilot, lambda: "Incoming call from +6282140506070" in feed_text(app))
        await pilot.press("a")
        await asyncio.to_thread(rig.vmodem.wait_for_command, "ATA", 5)
        rig.vmodem.remote_hangup()
        await wait_until(pilot, lambda: "Call ended" in feed_text(app))


async def test_hostile_listener_text_is_shown_inert(rig):
    app = ModemMonitorApp(rig.modem_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.modem.state == "ready")
        texts = [t for t in HOSTILE_TEXTS if t.strip() and len(t) < 400 and "\ud83d" not in t]
        for text in texts:
            rig.vmodem.inject_sms("+6281999000111", text)
        await wait_until(pilot, lambda: len(app.shown_sms) == len(texts), timeout=30)
        assert app.is_running  # "[@click=app.quit]" did not quit
        shown = feed_text(app)
        assert "[@click=app.quit]" in shown and "[/b]" in shown
        assert "\x1b" not in shown and "\x9b" not in shown
