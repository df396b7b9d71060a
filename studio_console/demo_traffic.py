"""Sample listener traffic for `studio-console demo`: Indonesian and Javanese SMS and calls.

The script is a list of timed events played against a virtual modem at a
human pace, so a newcomer sees the whole workflow within a minute: ordinary
complaints, a long multipart message, emoji, a spammer, a number that will be
blocked, a caller with a hidden number, a call that hangs up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["DEMO_SCRIPT", "DemoEvent", "TrafficPlayer"]


@dataclass(frozen=True)
class DemoEvent:
    """One step of the demo: after ``delay`` seconds, an SMS or a call."""

    delay: float
    kind: str  # "sms" | "call" | "hangup"
    sender: str
    text: str = ""


_LONG = (
    "Assalamualaikum Pak Bupati. Saya warga Desa Ngumpakdalem, Kecamatan Dander. Jalan poros "
    "desa dari balai desa sampai perbatasan Desa Sumberarum rusak berat sejak musim hujan tahun "
    "lalu, lubangnya dalam dan sudah ada dua pengendara motor jatuh minggu ini. Anak-anak yang "
    "berangkat sekolah terpaksa lewat pematang sawah. Mohon segera diperbaiki atau setidaknya "
    "ditimbun sementara. Terima kasih, semoga Bojonegoro makin maju."
)

DEMO_SCRIPT: tuple[DemoEvent, ...] = (
    DemoEvent(1.5, "sms", "+6281234567890",
              "Selamat siang Radio Malowopati, salam buat Pak Bupati. Lampu PJU di jalan "
              "Veteran depan pasar mati sudah 2 minggu, mohon diperbaiki."),
    DemoEvent(3.0, "sms", "+6285731112233",
              "Nyuwun sewu, banyu PDAM ing Kelurahan Ledok Kulon mati wis telung dina. "
              "Warga kudu tuku banyu galon. Matur nuwun."),
    DemoEvent(3.0, "sms", "+6281358889900", _LONG),
    DemoEvent(4.0, "call", "+6282140506070"),
    DemoEvent(5.0, "hangup", ""),
    DemoEvent(2.0, "sms", "+6289612345678",
              "Pak, pupuk subsidi di kios Desa Kedungadem kosong terus 😭🙏 petani bingung "
              "mau tanam. Tolong dicek 🌾"),
    DemoEvent(2.5, "sms", "+6287855554444",
              "SELAMAT! Nomor Anda memenangkan hadiah Rp 50.000.000 dari undian. Hubungi "
              "0812-0000-1111 segera!!!"),
    DemoEvent(1.0, "sms", "+6287855554444",
              "SELAMAT! Nomor Anda memenangkan hadiah Rp 50.000.000 dari undian. Hubungi "
              "0812-0000-1111 segera!!!"),
    DemoEvent(3.0, "sms", "+6281311223344",
              "Kula saking Kepohbaru. Pelayanan KTP-el ing kecamatan suwe banget, antri saka "
              "subuh. Punapa saged online mawon?"),
    DemoEvent(3.0, "call", ""),
    DemoEvent(4.0, "hangup", ""),
    DemoEvent(2.0, "sms", "+6281234567890",
              "Maaf tambahan: PJU yang mati ada 5 tiang, mulai perempatan sampai SMPN 1."),
    DemoEvent(3.0, "sms", "+6285210101010",
              "Sampah di TPS Sumberrejo menumpuk dan bau, sudah seminggu tidak diangkut. "
              "Warga sekitar resah."),
    DemoEvent(2.0, "sms", "+6281999000111",
              "Dasar pejabat [b]korup[/b] semua!!! [@click=app.quit]"),
    DemoEvent(3.0, "call", "+6281311223344"),
    DemoEvent(6.0, "hangup", ""),
    DemoEvent(3.0, "sms", "+6282233445566",
              "Terima kasih Dinas Kesehatan, posyandu di Desa Ngraho sudah buka lagi. "
              "Sukses terus SAPA BUPATI 👍"),
)


class TrafficPlayer:
    """Plays a demo script against callables, in a daemon thread, at a chosen pace.

    Args:
        script: the events to play, in order.
        sms: called with (sender, text) for an SMS.
        call: called with (number or "") for a ringing call.
        hangup: called when the remote caller hangs up.
        pace: speed factor; 2.0 plays twice as fast.
        loop: start again from the top when the script ends.
    """

    def __init__(self, script: tuple[DemoEvent, ...], *, sms: Callable[[str, str], object],
                 call: Callable[[str], object], hangup: Callable[[], object],
                 pace: float = 1.0, loop: bool = True) -> None:
        self._script = script
        self._sms, self._call, self._hangup = sms, call, hangup
        self._pace = max(pace, 0.01)
        self._loop = loop
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-traffic", daemon=True)

    def start(self) -> None:
        """Start playing."""
        self._thread.start()

    def stop(self) -> None:
        """Stop playing and wait for the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            for event in self._script:
                if self._stop.wait(event.delay / self._pace):
                    return
                try:
                    if event.kind == "sms":
                        self._sms(event.sender, event.text)
                    elif event.kind == "call":
                        self._call(event.sender)
                    else:
                        self._hangup()
                except Exception:
                    continue
            if not self._loop:
                return
