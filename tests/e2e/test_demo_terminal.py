"""The real `studio-console demo` in real terminals (tmux): a newcomer's first minute.

Terminal A runs the demo as the producer (it owns the virtual modem); terminal B
joins it as the host. The producer approves and queues a message with its keys,
the host's queue shows it within a second or two, the host marks it read on air,
and the database says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (.ci/run installs it)")

CONSOLE = str(Path(sys.executable).with_name("studio-console"))


class Tmux:
    """A private tmux server (its own socket) with helpers to type and read the screen."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.socket = str(folder / "tmux.sock")
        self.env = env

    def run(self, *args: str) -> str:
        out = subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True,
                             env=self.env, timeout=30)
        return out.stdout

    def start(self, name: str, command: str, width: int = 120, height: int = 32) -> None:
        self.run("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), command)

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name)

    def keys(self, name: str, *keys: str) -> None:
        self.run("send-keys", "-t", name, *keys)

    def wait_for(self, name: str, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen(name)
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not on screen {name} after {timeout}s:\n{screen}")

    def kill(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True,
                       env=self.env, timeout=30)


def messages(env: dict[str, str], db: Path, state: str) -> list[dict]:
    out = subprocess.run([CONSOLE, "messages", "--db", str(db), "--json", "--state", state],
                         capture_output=True, text=True, env=env, timeout=60, check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def wait_rows(env: dict[str, str], db: Path, state: str, timeout: float = 20.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = messages(env, db, state)
        if rows:
            return rows
        time.sleep(0.3)
    raise AssertionError(f"no message became {state} within {timeout}s")


def test_newcomer_screens_in_one_terminal_and_airs_in_another(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path), "TERM": "xterm-256color",
           "STUDIO_CONSOLE_LOCK_DIR": str(tmp_path)}
    env.pop("TMUX", None)
    tmux = Tmux(tmp_path, env)
    db = tmp_path / f"studio-console-demo-{os.getuid()}" / "demo.sqlite3"
    try:
        tmux.start("producer", f"{CONSOLE} demo --pace 4")
        tmux.wait_for("producer", "tersambung")  # the status bar: modem connected
        tmux.wait_for("producer", "Lampu PJU")  # the first listener SMS is in the inbox
        tmux.start("host", f"{CONSOLE} demo --role host")
        tmux.wait_for("host", "Penyiar")

        tmux.keys("producer", "a")  # approve the highlighted item
        approved = wait_rows(env, db, "approved")
        tmux.keys("producer", "q")  # put it in the host's running order
        (queued,) = wait_rows(env, db, "queued")
        assert queued["id"] == approved[0]["id"]

        words = " ".join(queued["text"].split()[:3])
        tmux.wait_for("host", words, timeout=10)  # the host sees it within seconds
        host_screen = tmux.screen("host")
        assert queued["sender"] not in host_screen  # never the full number on the host screen

        tmux.keys("host", "d")  # read on air (dibacakan)
        (aired,) = wait_rows(env, db, "aired")
        assert aired["id"] == queued["id"]
        tmux.keys("host", "C-q")
        tmux.keys("producer", "C-q")
    finally:
        tmux.kill()


def test_run_owns_the_modem_and_a_second_console_joins_as_a_screen(tmp_path):
    env = {**os.environ, "TERM": "xterm-256color", "STUDIO_CONSOLE_LOCK_DIR": str(tmp_path)}
    env.pop("TMUX", None)
    link, control = tmp_path / "ttyGSM0", tmp_path / "vmodem.sock"
    config = tmp_path / "config.toml"
    config.write_text(f'[modem]\nport = "{link}"\npoll_interval = 2.0\n\n'
                      f'[database]\npath = "{tmp_path / "studio.sqlite3"}"\n\n'
                      '[ui.keymap]\n"producer.approve" = "y"\n', encoding="utf-8")
    vmodem = subprocess.Popen([CONSOLE, "vmodem", "--link", str(link), "--control", str(control)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tmux = Tmux(tmp_path, env)
    try:
        deadline = time.monotonic() + 20
        while not control.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        tmux.start("producer", f"{CONSOLE} run --config {config} --operator Rina")
        tmux.wait_for("producer", "tersambung")
        subprocess.run([CONSOLE, "vmodem-ctl", "--control", str(control), "sms", "+6281234567890",
                        "Jembatan Kalitidu retak"], env=env, check=True, timeout=30)
        tmux.wait_for("producer", "Jembatan Kalitidu")
        tmux.start("host", f"{CONSOLE} run --config {config} --role host")
        tmux.wait_for("host", "Hanya layar")  # the port is owned: this one is a screen only
        tmux.keys("producer", "y")  # the user keymap moved "approve" to y
        rows = wait_rows(env, tmp_path / "studio.sqlite3", "approved")
        assert rows[0]["text"] == "Jembatan Kalitidu retak"
        tmux.keys("host", "C-q")
        tmux.keys("producer", "C-q")
    finally:
        tmux.kill()
        vmodem.terminate()
        vmodem.wait(timeout=10)
