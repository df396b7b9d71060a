"""The level meter's arithmetic on known buffers (exact), its callback discipline, its seqlock."""

from __future__ import annotations

import threading
import tracemalloc

import numpy as np
import pytest

from drivers.audio.meter import FLOOR_DBFS, LevelMeter, dbfs
from drivers.audio.tones import sine

SR = 48000


def feed(meter: LevelMeter, signal: np.ndarray, block: int = 480) -> None:
    signal = signal.reshape(-1, 1) if signal.ndim == 1 else signal
    for start in range(0, len(signal), block):
        meter.process(signal[start : start + block])


@pytest.mark.parametrize("amplitude", [1.0, 0.5, 0.1, 0.01])
def test_a_sine_reads_its_known_peak_and_rms_within_half_a_db(amplitude):
    meter = LevelMeter(SR)
    feed(meter, sine(997, 2.0, SR, amplitude))
    r = meter.read()
    expected_peak = 20 * np.log10(amplitude)
    expected_rms = 20 * np.log10(amplitude / np.sqrt(2))  # -3.01 dB below the peak
    assert abs(r.peak_dbfs - expected_peak) < 0.5, r
    assert abs(r.rms_dbfs - expected_rms) < 0.5, r
    assert abs(r.block_rms_dbfs - expected_rms) < 0.5, r
    assert r.frames == 2 * SR and r.live


def test_full_scale_square_is_zero_dbfs_and_clips():
    meter = LevelMeter(SR)
    square = np.sign(sine(1000, 0.5, SR)).astype(np.float32)
    feed(meter, square)
    r = meter.read()
    assert abs(r.rms_dbfs) < 0.1 and abs(r.peak_dbfs) < 0.01
    assert r.clip and r.clip_count > 0


def test_silence_reads_the_floor_and_no_clip():
    meter = LevelMeter(SR)
    feed(meter, np.zeros(SR, dtype=np.float32))
    r = meter.read()
    assert r.peak_dbfs == FLOOR_DBFS and r.rms_dbfs == FLOOR_DBFS and not r.clip


def test_clip_light_holds_one_second_then_goes_out():
    meter = LevelMeter(SR, clip_hold=1.0)
    feed(meter, np.ones(480, dtype=np.float32))
    feed(meter, sine(1000, 0.9, SR, 0.1))
    assert meter.read().clip
    feed(meter, sine(1000, 0.2, SR, 0.1))
    r = meter.read()
    assert not r.clip and r.clip_count == 1


def test_peak_falls_at_the_release_rate_and_rms_follows_the_window():
    meter = LevelMeter(SR, peak_release=20.0, rms_window=0.3)
    feed(meter, sine(1000, 1.0, SR, 1.0))
    feed(meter, np.zeros(SR // 2, dtype=np.float32))  # half a second of silence
    r = meter.read()
    assert abs(r.peak_dbfs - (-10.0)) < 0.5  # 20 dB/s for 0.5 s
    # after 0.5 s (= 1.67 time constants) the mean square fell by exp(-1.67): -7.2 dB
    assert abs(r.rms_dbfs - (-3.01 - 10 * np.log10(np.e) * 0.5 / 0.3)) < 0.5


def test_stereo_blocks_count_frames_not_samples():
    meter = LevelMeter(SR)
    stereo = np.stack([sine(1000, 1.0, SR, 0.5), sine(1000, 1.0, SR, 0.5)], axis=1)
    feed(meter, stereo)
    r = meter.read()
    assert r.frames == SR and abs(r.rms_dbfs - dbfs(0.5 / np.sqrt(2))) < 0.5


def test_process_allocates_nothing_that_grows_with_the_block():
    meter = LevelMeter(SR)
    block = sine(1000, 0.1, SR, 0.5).reshape(-1, 1)  # 4800 frames, 19 200 bytes
    meter.process(block)  # warm up
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for _ in range(2000):
            meter.process(block)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert current - base < 1024, "process() keeps memory"
    assert peak - base < 2048 < block.nbytes, f"process() allocated {peak - base} bytes at once"


def test_readers_never_see_half_an_update():
    """Blocks of a constant value have peak == RMS; a torn read would mix two blocks."""
    meter = LevelMeter(SR)
    blocks = [np.full((256, 1), v, dtype=np.float32) for v in (0.1, 0.2, 0.4, 0.8)]
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            meter.process(blocks[i % 4])
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(5000):
            r = meter.read()
            if r.blocks:
                assert abs(r.block_peak_dbfs - r.block_rms_dbfs) < 1e-3, r
    finally:
        stop.set()
        thread.join()
