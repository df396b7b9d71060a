"""`studio-console doctor`: explain what is wrong with the modem set-up.

It lists the serial ports with their USB identity, notices ModemManager,
checks permissions and who holds the port, then opens the modem and reports
identity, SIM/PIN state, signal, registration, operator, SMSC and storage use.
Every problem is one plain sentence with its fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from drivers.gsm import ports
from studio_console.config import Settings
from studio_console.i18n import CATALOGUE, Translator

__all__ = ["Finding", "check_modem", "run_doctor"]

READY_TIMEOUT = 20.0


@dataclass(frozen=True)
class Finding:
    """One line of the report: ``ok`` lines inform, others are problems with their fix."""

    ok: bool
    text: str


def _port_findings(port: str, t: Translator) -> tuple[list[Finding], bool]:
    """Checks that need no modem conversation; returns findings and whether to go on."""
    out: list[Finding] = []
    problem = ports.access_problem(port)
    if problem:
        out.append(Finding(False, problem))
        return out, False
    out.append(Finding(True, t("doctor.access_ok")))
    mm = ports.modemmanager_pids()
    if mm:
        ignored = ports.udev_ignores_modemmanager(port)
        if ignored:
            out.append(Finding(True, t("doctor.mm_ignored")))
        else:
            out.append(Finding(False, t("doctor.mm_running", pids=", ".join(map(str, mm)))))
    holders = ports.port_holders(port)
    if holders:
        who = ", ".join(f"{h.name} (pid {h.pid})" for h in holders)
        out.append(Finding(False, t("doctor.held_by", port=port, who=who)))
        return out, False
    return out, True


def check_modem(settings: Settings, port: str, t: Translator,
                ready_timeout: float = READY_TIMEOUT) -> list[Finding]:
    """Open the modem on ``port`` and report its state, one finding per fact or problem."""
    from drivers.gsm.modem import Modem

    out: list[Finding] = []
    m = settings.modem
    modem = Modem(port=port, baudrate=m.baudrate, pin=m.pin or None, smsc=m.smsc or None,
                  command_timeout=min(m.command_timeout, 5.0), reconnect_min=0.5,
                  reconnect_max=2.0)
    modem.start()
    try:
        ready = modem.wait_ready(ready_timeout)
        if ready:
            modem.refresh_status()
        st = modem.status()
    finally:
        modem.stop()
    unknown = t("doctor.unknown")
    sim = (st.sim or "").upper()
    if st.manufacturer or st.model:
        out.append(Finding(True, t("doctor.identity", maker=st.manufacturer or unknown,
                                   model=st.model or unknown, rev=st.revision or unknown,
                                   imei=st.imei or unknown)))
    if sim:
        out.append(Finding(sim == "READY", t("doctor.sim", state=st.sim)))
    if "PUK" in sim:
        out.append(Finding(False, t("doctor.sim_puk")))
        return out
    if "PIN" in sim and not ready:
        out.append(Finding(False, t("doctor.sim_pin")))
        return out
    if not ready:
        reason = st.last_error or t("doctor.no_answer")
        out.append(Finding(False, t("doctor.not_ready", seconds=int(ready_timeout), reason=reason)))
        return out
    if st.signal_dbm is None:
        out.append(Finding(False, t("doctor.signal_none")))
    else:
        out.append(Finding(True, t("doctor.signal", dbm=st.signal_dbm, csq=st.signal_csq)))
        if st.signal_dbm < -100:
            out.append(Finding(False, t("doctor.signal_weak", dbm=st.signal_dbm)))
    reg = st.registration or "unregistered"
    reg_text = t(f"reg.{reg}") if f"reg.{reg}" in CATALOGUE else reg
    if reg in ("home", "roaming"):
        out.append(Finding(True, t("doctor.registration", reg=reg_text,
                                   operator=st.operator or unknown)))
    else:
        out.append(Finding(False, t("doctor.not_registered", reg=reg_text)))
    if st.smsc:
        out.append(Finding(True, t("doctor.smsc", smsc=st.smsc)))
    else:
        out.append(Finding(False, t("doctor.smsc_missing")))
    for name, (used, total) in sorted((st.storages or {}).items()):
        out.append(Finding(True, t("doctor.storage", name=name, used=used, total=total)))
        if total and used >= total:
            out.append(Finding(False, t("doctor.storage_full", name=name)))
    return out


def run_doctor(settings: Settings, *, port: str | None, open_port: bool, out: TextIO,
               ready_timeout: float = READY_TIMEOUT) -> int:
    """Print the doctor's report; exit code 0 when no problem was found, else 1."""
    t = Translator(settings.studio.language)
    print(t("doctor.title"), file=out)
    print(t("doctor.ports_header"), file=out)
    found = ports.list_serial_ports()
    if not found:
        print("  " + t("doctor.no_ports"), file=out)
    for p in found:
        desc = " ".join(x for x in (p.manufacturer, p.product) if x) or p.description
        by_id = f"  -> {p.by_id}" if p.by_id else ""
        print(t("doctor.port_line", device=p.device, usb=p.usb_id or "-", desc=desc, by_id=by_id),
              file=out)
    target = port or settings.modem.port
    print(t("doctor.checking", port=target), file=out)
    findings, go_on = _port_findings(target, t)
    if go_on and open_port:
        print("  " + t("doctor.opening"), file=out, flush=True)
        findings += check_modem(settings, target, t, ready_timeout)
    problems = 0
    for f in findings:
        problems += not f.ok
        print(f"  {'OK ' if f.ok else '!! '} {f.text}", file=out)
    print(t("doctor.all_good") if not problems else t("doctor.problems", count=problems), file=out)
    _audio_section(settings, t, out)
    return 0 if not problems else 1


def _audio_section(settings: Settings, t: Translator, out: TextIO) -> int:
    """Print the sound findings; returns their problem count.

    Sound is optional (the console runs without it), so its problems are reported
    but do not change the doctor's exit code, which is about the modem.
    """
    from studio_console.audio import check_audio

    print(t("audio.doctor.title"), file=out)
    problems = 0
    for ok, text in check_audio(settings, t):
        problems += not ok
        print(f"  {'OK ' if ok else '!! '} {text}", file=out)
    print(t("audio.doctor.all_good") if not problems else t("audio.doctor.problems", count=problems),
          file=out)
    return problems
