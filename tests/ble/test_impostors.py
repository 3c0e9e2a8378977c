"""Untrusted radios, end to end over bumble's virtual link (issue 18).

Anything nearby can advertise a sensor's name, send a NaN scale factor or
garbage that decodes to non-finite values. The collector must refuse to
guess between look-alikes, take the address it was given, and never write
a row the reader cannot read back.
"""
from __future__ import annotations

import asyncio
import dataclasses
import struct

import numpy as np
import pytest

from sensors.ble.bumble_backend import BumbleClient, BumbleScanner
from sensors.ble.collector import Collector, CollectorError, Target
from sensors.ble.sinks import RecordingSink
from sensors.devices import get_profile, recognise
from sensors.devices.polar import ACC, START, PolarDecoder
from sensors.emulated import EmulatedSensor, sine_feed
from sensors.emulated.encoders import PolarEncoder
from sensors.recording import read_recording
from sensors.stream import MemorySink


def run(coro, timeout=40):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def collector(sink, **kw):
    kw.setdefault("scan_timeout_s", 2.0)
    kw.setdefault("match_window_s", 0.8)
    return Collector(sink, client_backend=BumbleClient, scanner_backend=BumbleScanner, **kw)


def test_two_devices_with_the_asked_name_are_refused_not_guessed():
    async def go():
        a = await EmulatedSensor("witmotion", address="C4:00:00:00:04:0A", feed=sine_feed(seed=1)).start()
        b = await EmulatedSensor("witmotion", address="C4:00:00:00:04:0B", feed=sine_feed(seed=2)).start()
        try:
            with pytest.raises(CollectorError) as err:
                await collector(MemorySink()).run([Target("x", "WT901BLE67")], duration_s=3)
            return a, b, str(err.value)
        finally:
            await a.stop()
            await b.stop()
    a, b, msg = run(go())
    assert "2 devices match" in msg and "C4:00:00:00:04:0A" in msg and "C4:00:00:00:04:0B" in msg
    assert "--device ADDRESS" in msg
    assert a.connections == 0 and b.connections == 0


def test_an_address_picks_the_one_device_even_with_a_same_name_impostor():
    async def go():
        impostor = await EmulatedSensor("witmotion", address="C4:00:00:00:04:1A",
                                        feed=sine_feed(seed=1)).start()
        real = await EmulatedSensor("witmotion", address="C4:00:00:00:04:1B",
                                    feed=sine_feed(seed=2)).start()
        mem = MemorySink()
        col = collector(mem)
        await col.run([Target("x", "C4:00:00:00:04:1B")], duration_s=1.5)
        await impostor.stop()
        await real.stop()
        return impostor, real, col.stats["x"], mem
    impostor, real, st, mem = run(go())
    assert st.address == "C4:00:00:00:04:1B" and impostor.connections == 0
    got, sent = mem.array("x"), real.sent_rows()
    assert len(got) > 20
    np.testing.assert_allclose(got[:, 4:7], sent[: len(got), 4:7], atol=0.1)


def test_an_exact_name_beats_a_longer_name_with_that_prefix():
    async def go():
        longer = await EmulatedSensor("witmotion", address="C4:00:00:00:04:2A", name="WT901BLE67-2",
                                      feed=sine_feed(seed=1)).start()
        exact = await EmulatedSensor("witmotion", address="C4:00:00:00:04:2B",
                                     feed=sine_feed(seed=2)).start()
        col = collector(MemorySink())
        await col.run([Target("x", "WT901BLE67")], duration_s=3.0)
        await longer.stop()
        await exact.stop()
        return longer, exact, col.stats["x"]
    longer, exact, st = run(go())
    assert st.address == "C4:00:00:00:04:2B" and longer.connections == 0 and st.samples > 0


def test_without_a_device_a_lookalike_name_is_not_a_sensor():
    # "WTxx" was taken as a WitMotion before ("WT" prefix); now only "WT901…" is.
    assert recognise("WT901BLE67") == "witmotion" and recognise("WT9011DCL") == "witmotion"
    assert recognise("WTxx-speaker") is None

    async def go():
        # A generic-protocol device named like a WitMotion family member.
        other = await EmulatedSensor("generic", address="C4:00:00:00:04:3A", name="WTxx-speaker",
                                     feed=sine_feed(seed=1)).start()
        real = await EmulatedSensor("witmotion", address="C4:00:00:00:04:3B",
                                    feed=sine_feed(seed=2)).start()
        col = collector(MemorySink())
        await col.run([Target("x", None, "witmotion")], duration_s=3.0)
        await other.stop()
        await real.stop()
        return other, col.stats["x"]
    other, st = run(go())
    assert st.address == "C4:00:00:00:04:3B" and other.connections == 0 and st.samples > 0


class _NanFactorEncoder(PolarEncoder):
    """A Verity Sense whose start response carries a NaN scale factor."""

    def command(self, data: bytes):
        cmd = super().command(data)
        if cmd is not None and len(data) >= 2 and data[0] == START and cmd.reply \
                and len(cmd.reply) >= 11 and cmd.reply[3] == 0:
            cmd = dataclasses.replace(cmd, reply=cmd.reply[:-4] + struct.pack("<f", float("nan")))
        return cmd


def test_a_nan_scale_factor_ends_the_session_clearly_and_no_unreadable_rows_are_written(tmp_path):
    profile = dataclasses.replace(get_profile("polar"), make_encoder=_NanFactorEncoder)

    async def go():
        emu = await EmulatedSensor(profile, address="C4:00:00:00:04:4A").start()
        path = tmp_path / "p.csv"
        sink = RecordingSink({"x": path})
        try:
            with pytest.raises(CollectorError) as err:
                await collector(sink).run([Target("x", "C4:00:00:00:04:4A", "polar")],
                                          duration_s=3.0)
        finally:
            sink.close()
            await emu.stop()
        return str(err.value), path
    msg, path = run(go())
    assert "scale factor is nan" in msg
    if path.exists():  # whatever was written reads back
        assert np.isfinite(read_recording(path).data.to_numpy(float)).all()


class _SometimesNan:
    """The generic decoder, with every third packet decoding to NaN (a buggy or forged stream)."""

    def __init__(self):
        self.inner = get_profile("generic").make_decoder()
        self.n = 0

    def feed(self, data):
        rows = np.array(self.inner.feed(data), dtype=float)
        self.n += 1
        if self.n % 3 == 0 and len(rows):
            rows[:, 4] = np.inf if self.n % 2 else np.nan
        return rows


def test_non_finite_decoded_values_are_malformed_packets_not_rows(tmp_path, monkeypatch):
    emu_profile = get_profile("generic")
    path = tmp_path / "g.csv"
    # The collector decodes with a decoder that lets NaN/inf through.
    monkeypatch.setattr("sensors.ble.collector.get_profile",
                        lambda kind: dataclasses.replace(emu_profile, make_decoder=_SometimesNan))

    async def go():
        emu = await EmulatedSensor(emu_profile, address="C4:00:00:00:04:5A",
                                   feed=sine_feed(seed=3)).start()
        sink = RecordingSink({"x": path})
        col = collector(sink)
        try:
            await col.run([Target("x", "C4:00:00:00:04:5A", "generic")], duration_s=1.5)
        finally:
            sink.close()
            await emu.stop()
        return col.stats["x"]
    st = run(go())
    rec = read_recording(path)  # the file reads: no NaN/inf row was written
    assert st.malformed >= st.packets // 3 - 1 and st.malformed > 3
    assert len(rec.data) == st.samples and np.isfinite(rec.data.to_numpy(float)).all()


def test_polar_pending_samples_are_capped_by_count_with_1_ns_steps():
    dec = PolarDecoder()
    frame_ts = 10**18
    for k in range(2000):
        # ACC only (the gyro never starts): raw int16 frames, 1 ns apart.
        vals = np.zeros((100, 3), dtype="<i2")
        frame = bytes([ACC]) + (frame_ts + k).to_bytes(8, "little") + bytes([0x01]) + vals.tobytes()
        dec.feed(frame)
    pending = len(dec.streams[ACC].t)
    assert pending <= PolarDecoder.MAX_PENDING_SAMPLES, pending


EVIL = "WT[/x]\x1b[2J"


def test_a_device_named_like_markup_is_shown_as_text_in_scan_and_live_view(monkeypatch, capsys):
    import argparse

    from rich.console import Console

    from sensors.stream import TeeSink
    from toehold.commands import scan as scan_cmd
    from toehold.live_view import LiveView, print_summary

    async def go():
        emu = await EmulatedSensor("generic", address="C4:00:00:00:04:6A", name=EVIL,
                                   feed=sine_feed(seed=4)).start()
        found = await BumbleScannerDiscover()
        view = LiveView(placement={"x": "foot"})
        col = collector(TeeSink(MemorySink(), view))
        view.stats = col.stats
        await col.run([Target("x", "C4:00:00:00:04:6A", "generic")], duration_s=1.0)
        await emu.stop()
        return found, view

    async def BumbleScannerDiscover():
        from bleak import BleakScanner
        seen = await BleakScanner.discover(timeout=0.5, backend=BumbleScanner, return_adv=True)
        return [{"name": adv.local_name or "", "address": dev.address, "rssi": adv.rssi,
                 "type": recognise(adv.local_name, adv.service_uuids)} for dev, adv in seen.values()]

    rows, view = run(go())
    assert any(r["name"] == EVIL for r in rows)

    async def fake_scan(timeout, emulate=None):
        return rows
    monkeypatch.setattr(scan_cmd, "scan", fake_scan)
    assert scan_cmd.run(argparse.Namespace(timeout=0.5, all=True, emulate=None)) == 0
    out = capsys.readouterr().out
    assert "WT[/x]" in out and "\x1b" not in out and "\\x1b[2J" in out
    console = Console(record=True, width=200, force_terminal=False)
    console.print(view.render())  # WT[/x] crashed the live view before
    print_summary(console, view)
    text = console.export_text()
    assert "WT[/x]" in text and "\x1b" not in text


class _LeapingClock:
    """A generic sensor whose clock leaps 2000 s ahead every 20th packet (a forged clock)."""

    def __init__(self):
        from sensors.emulated.encoders import GenericEncoder

        self.inner = GenericEncoder()
        self.samples_per_packet = self.inner.samples_per_packet
        self.packets = 0

    def encode(self, block, seq):
        self.packets += 1
        block = block.copy()
        block[:, 0] += 2000.0 * (self.packets // 20)
        return self.inner.encode(block, seq)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_device_clock_leaping_ahead_does_not_stretch_the_recording(tmp_path):
    profile = dataclasses.replace(get_profile("generic"), make_encoder=_LeapingClock)
    path = tmp_path / "leap.csv"

    async def go():
        emu = await EmulatedSensor(profile, address="C4:00:00:00:04:7A", feed=sine_feed(seed=5)).start()
        sink = RecordingSink({"x": path})
        col = collector(sink)
        try:
            await col.run([Target("x", "C4:00:00:00:04:7A", "generic")], duration_s=2.0)
        finally:
            sink.close()
            await emu.stop()
        return emu, col.stats["x"]
    emu, st = run(go())
    assert emu.encoder.packets >= 40  # the clock leapt at least twice
    rec = read_recording(path)
    # Session time, not the device's: a 2 s session spans about 2 s, not 4000 s.
    assert rec.duration_s < 3.0 and len(rec.data) == st.samples > 100
