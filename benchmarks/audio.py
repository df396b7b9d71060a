"""CPU cost of the line meter and the recorder at 48 kHz, and xruns, on a real device.

Runs on the PortAudio default devices (on CI machines: the PipeWire virtual cable of
``.ci/audio-up``; source it first). Three phases of ``--seconds`` each, one after the
other:

1. **meter**: the line-input stream with only the level meter (a screen is open);
2. **meter + recorder**: the same stream also writing FLAC (a call on air);
3. **meter + recorder + cue**: a cue tone played every 2 s on the output at the same time.

CPU is this process's (``time.process_time``, all threads, PortAudio's included)
divided by wall time: the share of one core. A baseline phase with no stream gives
the idle cost of the interpreter, subtracted in the "net" column. Overflows are
input blocks PortAudio flagged ``input_overflow``; underflows are output blocks
flagged ``output_underflow``; dropped are frames the recorder could not buffer.
The goal (issue 6): under 5 % of a core, zero xruns.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.audio import CuePlayer, LineInput, find_device, generate
from drivers.audio.backend import portaudio_version


def cpu_share(seconds: float, work) -> tuple[float, float]:
    """Run ``work(deadline)``; returns (cpu share of one core, wall seconds)."""
    wall0, cpu0 = time.monotonic(), time.process_time()
    work(wall0 + seconds)
    wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
    return cpu / wall, wall


def sleep_until(deadline: float) -> None:
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 0.05))  # a ~20 Hz reader, as a screen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="length of each phase (default 60)")
    ap.add_argument("--samplerate", type=int, default=48000)
    ap.add_argument("--blocksize", type=int, default=1024, help="frames per callback (0 = PortAudio)")
    ap.add_argument("--device", default="", help="input device name or index (default: system default)")
    args = ap.parse_args(argv)

    device = find_device(args.device, "input")
    print(
        f"PortAudio: {portaudio_version()}; input device: {device.name} (#{device.index}); "
        f"{args.samplerate} Hz; {args.seconds:g} s per phase; load average {os.getloadavg()}"
    )
    rows = []
    base, _ = cpu_share(min(args.seconds, 10.0), sleep_until)
    rows.append(("idle (no stream, 20 Hz reader)", base, 0, 0, 0, 0))

    with tempfile.TemporaryDirectory() as tmp:
        for phase in ("meter", "meter + recorder", "meter + recorder + cue"):
            line = LineInput(device, args.samplerate, 1, ring_seconds=10.0, blocksize=args.blocksize)
            player = CuePlayer("") if "cue" in phase else None
            line.start()
            reads = [0]

            def work(deadline: float, line=line, player=player, phase=phase, reads=reads) -> None:
                if "recorder" in phase:
                    line.start_recording(Path(tmp) / f"{phase.replace(' ', '')}.flac", "flac")
                next_cue = time.monotonic()
                while (now := time.monotonic()) < deadline:
                    line.meter.read()
                    reads[0] += 1
                    if player is not None and now >= next_cue:
                        player.play(generate("sms_approved", args.samplerate, 0.3))
                        next_cue = now + 2.0
                    time.sleep(0.05)
                if "recorder" in phase:
                    line.stop_recording()

            share, wall = cpu_share(args.seconds, work)
            rec = line.close()
            if player is not None:
                player.close()
            m = line.meter.read()
            dropped = rec.dropped_frames if rec else 0
            underflows = player.underflows if player else 0
            rows.append((phase, share, line.overflows, underflows, dropped, m.frames / wall))
            if rec:
                print(
                    f"  {phase}: recorded {rec.seconds:.1f} s, {rec.bytes / 1e6:.2f} MB FLAC, "
                    f"end {rec.end_reason}; {reads[0]} meter reads"
                )

    print()
    print(
        f"{'phase':<34} {'CPU %':>7} {'net %':>7} {'overflows':>10} {'underflows':>11} "
        f"{'dropped':>8} {'frames/s':>9}"
    )
    for name, share, over, under, dropped, rate in rows:
        print(
            f"{name:<34} {100 * share:7.2f} {100 * (share - base):7.2f} {over:>10} {under:>11} "
            f"{dropped:>8} {rate:9.0f}"
        )
    worst = max(r[1] - base for r in rows[1:3])  # the goal is about meter and recorder
    xruns = sum(r[2] + r[3] + r[4] for r in rows[1:])
    print(
        f"\ngoal (meter, meter + recorder): < 5 % of a core and zero xruns -> net worst "
        f"{100 * worst:.2f} %, xruns {xruns} (all phases)"
    )
    return 0 if worst < 0.05 and xruns == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
