"""Link faults on the emulated BLE stack: what the sensor delivered ends up on disk.

Each test injects faults with :class:`sensors.emulated.Faults` and compares
what reached the sink (or the file) with the emulator's ``sent`` log, the
packets it handed to the radio. The full soak (100 disconnects) is
``python3 benchmarks/soak.py``; ``test_soak_short`` is its CI form.
"""
from __future__ import annotations

import asyncio
import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest

from sensors.ble.bumble_backend import BumbleClient, BumbleScanner
from sensors.ble.collector import Collector, CollectorError, Target
from sensors.ble.sinks import RecordingSink
from sensors.devices import emulated_types, get_profile
from sensors.emulated import EmulatedSensor, Faults
from sensors.recording import REQUIRED_COLUMNS, read_recording
from sensors.stream import MemorySink, TeeSink

from . import assert_rows_match

TYPES = emulated_types()
ROOT = Path(__file__).resolve().parents[2]


def run(coro, timeout=40):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def collector(sink, **kw):
    kw.setdefault("scan_timeout_s", 2.0)
    kw.setdefault("match_window_s", 0.2)
    return Collector(sink, client_backend=BumbleClient, scanner_backend=BumbleScanner, **kw)


def ordered_by_arrival(emu) -> list:
    """The emulator's log without the packets a swap made late (the ones the collector drops)."""
    kept, top = [], -1
    for seq, rows in emu.sent:
        if seq > top:
            kept.append(rows)
            top = seq
    return kept


def test_soak_short(tmp_path):
    """5 forced disconnects at random moments over two device types: 0 rows lost, every drop a gap."""
    spec = importlib.util.spec_from_file_location("soak", ROOT / "benchmarks" / "soak.py")
    soak = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(soak)
    kinds = [k for k in ("generic", "witmotion") if k in TYPES] or TYPES[:2]
    out = run(soak.soak(5, tmp_path, seed=1, kinds=kinds), timeout=60)
    assert out["disconnects"] == 5 and out["reconnects"] >= 5
    for r in out["devices"]:
        assert r["rows_lost"] == 0 and r["rows_extra"] == 0, r
        assert r["first_mismatch_row"] is None, r
        assert r["gaps_from_disconnects"] >= r["disconnects"], r
        assert r["t_never_decreases"] and not r["cut_off"], r


@pytest.mark.parametrize("kind", TYPES)
def test_duplicates_are_written_once(kind, tmp_path):
    async def go():
        emu = await EmulatedSensor(kind, address="C4:00:00:00:02:01",
                                   faults=Faults(duplicate_every=4)).start()
        path = tmp_path / "dup.csv"
        mem = MemorySink()
        sink = RecordingSink({"a": path}, describe=lambda k: ("emu", get_profile(kind).sampling_rate_hz))
        col = collector(TeeSink(sink, mem))
        await col.run([Target("a", emu.address, kind)], duration_s=1.5)
        sink.close()
        await emu.stop()
        return emu, col.stats["a"], read_recording(path)
    emu, st, rec = run(go())
    assert emu.duplicates_sent >= 2
    t = rec.data["t"].to_numpy()
    assert np.all(np.diff(t) >= 0)  # the reader would have refused it otherwise
    p = get_profile(kind)
    decodes_order = p.has_clock or "seq" in rec.data
    if decodes_order:
        assert st.late_packets == emu.duplicates_sent
        assert_rows_match(rec.data[list(REQUIRED_COLUMNS)].to_numpy(), emu.sent_rows(), kind)
        if "seq" in rec.data:  # one packet's samples share its seq; none comes twice
            assert (rec.data["seq"].value_counts() <= emu.encoder.samples_per_packet).all()
    else:
        # No counter and no clock: a duplicate is indistinguishable from a
        # repeated reading, so it is kept (README: duplicates).
        assert st.late_packets == 0


@pytest.mark.parametrize("kind", [k for k in TYPES if get_profile(k).has_clock])
def test_out_of_order_packet_is_dropped_and_t_never_goes_back(kind, tmp_path):
    async def go():
        emu = await EmulatedSensor(kind, address="C4:00:00:00:02:02",
                                   faults=Faults(swap_every=5)).start()
        path = tmp_path / "swap.csv"
        sink = RecordingSink({"a": path}, describe=lambda k: ("emu", get_profile(kind).sampling_rate_hz))
        col = collector(sink)
        await col.run([Target("a", emu.address, kind)], duration_s=1.5)
        sink.close()
        await emu.stop()
        return emu, col.stats["a"], read_recording(path)
    emu, st, rec = run(go())
    assert emu.swapped >= 2
    assert st.late_packets == emu.swapped
    assert np.all(np.diff(rec.data["t"].to_numpy()) >= 0)
    assert_rows_match(rec.data[list(REQUIRED_COLUMNS)].to_numpy(),
                     np.concatenate(ordered_by_arrival(emu)), kind)
    # The dropped packet leaves a hole, reported as a gap like any loss.
    assert len(rec.gaps) >= emu.swapped - 1


def test_repeated_drops_each_give_a_gap_with_its_duration():
    async def go():
        emu = await EmulatedSensor("generic", address="C4:00:00:00:02:03",
                                   faults=Faults(drop_times_s=(0.4, 1.6, 2.9), offline_for_s=0.3)).start()
        mem = MemorySink()
        col = collector(mem, give_up_after_s=5)
        await col.run([Target("a", emu.address)], duration_s=4.5)
        return emu, col.stats["a"], mem
    emu, st, mem = run(go())
    assert emu.drops == 3 and st.reconnects == 3
    long_gaps = [(a, b) for a, b in mem.gaps["a"] if b - a >= 0.25]
    assert len(long_gaps) == 3
    assert all(0.25 <= b - a < 3.0 for a, b in long_gaps)
    assert_rows_match(mem.array("a"), emu.sent_rows(), "generic")


def test_silent_link_is_reconnected_and_resumes():
    """Notifications stop but the link stays up: the collector reconnects by itself."""
    async def go():
        emu = await EmulatedSensor("generic", address="C4:00:00:00:02:04",
                                   faults=Faults(stall_at_s=0.4, stall_for_s=1.6)).start()
        mem = MemorySink()
        col = collector(mem, stall_timeout_s=0.6, give_up_after_s=5)
        await col.run([Target("a", emu.address)], duration_s=3.5)
        return emu, col.stats["a"], mem
    emu, st, mem = run(go())
    assert st.reconnects >= 1 and emu.connections >= 2
    assert any("no data for" in s for s in mem.status["a"])
    (g0, g1), = [(a, b) for a, b in mem.gaps["a"] if b - a > 0.25]
    assert 1.3 < g1 - g0 < 2.5
    got = mem.array("a")
    assert got[:, 0].max() > g1  # data after the stall
    assert_rows_match(got, emu.sent_rows(), "generic")


@pytest.mark.parametrize("kind", TYPES[:2])
def test_battery_dies_gives_up_with_clear_message_and_keeps_rows(kind, tmp_path):
    async def go():
        emu = await EmulatedSensor(kind, address="C4:00:00:00:02:05",
                                   faults=Faults(dies_at_s=0.7)).start()
        path = tmp_path / "dead.csv"
        sink = RecordingSink({"a": path}, describe=lambda k: ("emu", get_profile(kind).sampling_rate_hz))
        col = collector(sink, give_up_after_s=1.5, scan_timeout_s=0.5)
        t = time.perf_counter()
        with pytest.raises(CollectorError, match=r"a: link lost at .* not back after 1.5 s; giving up"):
            await col.run([Target("a", emu.address, kind)], duration_s=20)
        took = time.perf_counter() - t
        sink.close()
        return emu, took, read_recording(path)
    emu, took, rec = run(go())
    assert emu.dead
    assert took < 6  # 0.7 s streaming + 1.5 s give-up + slack
    assert_rows_match(rec.data[list(REQUIRED_COLUMNS)].to_numpy(), emu.sent_rows(), kind)
