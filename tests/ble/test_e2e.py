"""End to end over a real BLE stack: bleak API -> bumble backend -> bumble GATT
over the virtual link -> emulated peripheral speaking the device's protocol.

Nothing is mocked: the bytes the collector decodes are the bytes the
emulator encoded and notified through bumble's ATT layer.
"""
from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from bleak import BleakClient, BleakScanner

from sensors.ble.bumble_backend import BumbleClient, BumbleScanner
from sensors.ble.collector import Collector, CollectorError, Target
from sensors.ble.sinks import RecordingSink
from sensors.devices import emulated_types, get_profile
from sensors.emulated import EmulatedSensor, Faults, csv_feed, sine_feed
from sensors.recording import read_recording
from sensors.stream import MemorySink, TeeSink

from . import assert_rows_match, one_packet

TYPES = emulated_types()


def run(coro, timeout=30):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def collector(sink, **kw):
    kw.setdefault("scan_timeout_s", 2.0)
    kw.setdefault("match_window_s", 0.2)
    return Collector(sink, client_backend=BumbleClient, scanner_backend=BumbleScanner, **kw)


@pytest.mark.parametrize("kind", TYPES)
def test_scan_reports_name_address_rssi_services(kind):
    async def go():
        p = get_profile(kind)
        await EmulatedSensor(kind, address="C4:00:00:00:00:01", rssi_offset=-17).start()
        found = await BleakScanner.discover(timeout=0.3, backend=BumbleScanner, return_adv=True)
        dev, adv = found["C4:00:00:00:00:01"]
        assert adv.local_name == p.advertised_name
        assert p.service_uuid in adv.service_uuids
        assert adv.rssi < -50
    run(go())


@pytest.mark.parametrize("kind", TYPES)
def test_bleak_client_gatt_round_trip(kind):
    """Plain bleak calls on the backend: services, notify, write, disconnect callback."""
    async def go():
        p = get_profile(kind)
        emu = await EmulatedSensor(kind, address="C4:00:00:00:00:02").start()
        lost = asyncio.Event()
        got = []
        async with BleakClient("C4:00:00:00:00:02", backend=BumbleClient,
                               disconnected_callback=lambda c: lost.set()) as client:
            assert client.services.get_characteristic(p.notify_uuid) is not None
            await client.start_notify(p.notify_uuid, lambda ch, d: got.append(bytes(d)))
            replies = asyncio.Queue()
            control_point = p.reply_uuid is not None and p.reply_uuid == p.control_uuid
            if control_point:
                await client.start_notify(p.reply_uuid, lambda ch, d: replies.put_nowait(bytes(d)))
            for uuid, payload in p.start_commands(p.sampling_rate_hz):
                await client.write_gatt_char(uuid, payload, response=True)
                if control_point:  # one command at a time: its answer before the next
                    await asyncio.wait_for(replies.get(), 2)
            await asyncio.sleep(0.3)
            assert emu.commands and got
            await emu.stop()  # peripheral drops the link: unsolicited
            await asyncio.wait_for(lost.wait(), 2)
    run(go())


@pytest.mark.parametrize("kind", TYPES)
def test_stream_to_csv_round_trip(kind, tmp_path):
    async def go():
        p = get_profile(kind)
        emu = await EmulatedSensor(kind, address="C4:00:00:00:00:03", feed=csv_feed(max_s=30)).start()
        path = tmp_path / "rec.csv"
        col = None

        def describe(key):
            st = col.stats[key]
            return f"{st.name} ({st.type}) {st.address}", p.sampling_rate_hz
        sink = RecordingSink({"a": path}, {"a": {"placement": "foot", "side": "left"}}, describe=describe)
        col = collector(sink)

        async def stop_after_1_s_sent():
            # Until the device has sent 1 s of samples (setup is slower on a
            # loaded machine), at most 10 s.
            for _ in range(100):
                await asyncio.sleep(0.1)
                if emu.sent and emu.sent[-1][1][-1, 0] - emu.sent[0][1][0, 0] >= 1.0:
                    break
            col.stop()
        watch = asyncio.ensure_future(stop_after_1_s_sent())
        await col.run([Target("a", p.advertised_name, kind)])
        watch.cancel()
        sink.close()
        await emu.stop()
        rec = read_recording(path)
        assert rec.metadata["placement"] == "foot" and rec.metadata["session"] == sink.session
        got = rec.data[["t", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]].to_numpy()
        assert len(got) > 0.8 * p.sampling_rate_hz  # at least ~1 s streamed
        assert_rows_match(got, emu.sent_rows(), kind)
        assert col.stats["a"].malformed == 0 and not col.stats["a"].gaps
    run(go())


@pytest.mark.parametrize("kind", TYPES)
def test_forced_disconnect_reconnects_with_gap_and_no_row_lost(kind):
    async def go():
        emu = await EmulatedSensor(kind, address="C4:00:00:00:00:04",
                                   faults=Faults(drop_link_at_s=0.6, offline_for_s=0.4)).start()
        sink = MemorySink()
        col = collector(sink, give_up_after_s=5)
        await col.run([Target("a", "C4:00:00:00:00:04", kind)], duration_s=2.5)
        st = col.stats["a"]
        assert st.reconnects == 1
        assert len(sink.gaps["a"]) == 1
        g0, g1 = sink.gaps["a"][0]
        assert 0.35 < g1 - g0 < 2.0
        got = sink.array("a")
        assert got[:, 0].min() < g0 and got[:, 0].max() > g1  # rows on both sides
        assert_rows_match(got, emu.sent_rows(), kind)
        assert any("reconnected" in s for s in sink.status["a"])
    run(go())


def test_gives_up_after_bounded_time():
    async def go():
        emu = await EmulatedSensor("generic", address="C4:00:00:00:00:05").start()
        sink = MemorySink()
        col = collector(sink, give_up_after_s=1.0)
        task = asyncio.create_task(col.run([Target("a", "C4:00:00:00:00:05")], duration_s=10))
        await asyncio.sleep(0.8)
        await emu.stop()  # gone for good
        t = time.perf_counter()
        with pytest.raises(CollectorError, match="giving up"):
            await task
        assert time.perf_counter() - t < 4
        assert len(sink.array("a")) > 0
    run(go())


@pytest.mark.parametrize("kind", TYPES)
def test_malformed_notifications_are_counted(kind):
    async def go():
        emu = await EmulatedSensor(kind, address="C4:00:00:00:00:06",
                                   faults=Faults(malformed_every=5)).start()
        sink = MemorySink()
        col = collector(sink)
        await col.run([Target("a", "C4:00:00:00:00:06", kind)], duration_s=1.2)
        st = col.stats["a"]
        assert st.malformed == emu.malformed_sent > 0
        assert_rows_match(sink.array("a"), emu.sent_rows(), kind)
    run(go())


@pytest.mark.parametrize("kind", TYPES)
def test_start_command_never_answered_is_a_clear_error(kind):
    async def go():
        await EmulatedSensor(kind, address="C4:00:00:00:00:07", faults=Faults(ignore_start=True)).start()
        col = collector(MemorySink(), start_timeout_s=0.8)
        t = time.perf_counter()
        with pytest.raises(CollectorError, match="did not answer its start command within 0.8 s"):
            await col.run([Target("a", "C4:00:00:00:00:07", kind)], duration_s=10)
        assert time.perf_counter() - t < 3
    run(go())


def test_stall_is_recorded_as_gap():
    async def go():
        await EmulatedSensor("generic", address="C4:00:00:00:00:08",
                             faults=Faults(stall_at_s=0.4, stall_for_s=0.3)).start()
        sink = MemorySink()
        col = collector(sink)
        await col.run([Target("a", "C4:00:00:00:00:08")], duration_s=1.5)
        (g0, g1), = sink.gaps["a"]
        assert 0.25 < g1 - g0 < 0.45
    run(go())


def test_address_given_connects_only_to_that_address():
    async def go():
        await EmulatedSensor("generic", address="C4:00:00:00:00:09").start()
        await EmulatedSensor("generic", address="C4:00:00:00:00:0A").start()
        col = collector(MemorySink())
        await col.run([Target("a", "c4:00:00:00:00:0a")], duration_s=0.5)
        assert col.stats["a"].address == "C4:00:00:00:00:0A"
        col = collector(MemorySink(), scan_timeout_s=0.5)
        with pytest.raises(CollectorError, match="no device with address"):
            await col.run([Target("a", "C4:00:00:00:00:0B")], duration_s=0.5)
    run(go())


def test_two_sensors_one_clock_one_session(tmp_path):
    async def go():
        kinds = (TYPES + TYPES)[:2]
        emus = [await EmulatedSensor(k, address=f"C4:00:00:00:01:0{i}", feed=sine_feed(seed=i)).start()
                for i, k in enumerate(kinds)]
        paths = {"left": tmp_path / "left.csv", "right": tmp_path / "right.csv"}
        mem = MemorySink()
        files = RecordingSink(paths, {"left": {"side": "left"}, "right": {"side": "right"}},
                              describe=lambda k: (k, 100.0))
        col = collector(TeeSink(files, mem))
        await col.run([Target("left", emus[0].address, kinds[0]),
                       Target("right", emus[1].address, kinds[1])], duration_s=1.5)
        files.close()
        a, b = read_recording(paths["left"]), read_recording(paths["right"])
        assert a.metadata["session"] == b.metadata["session"]
        for rec, emu, kind in ((a, emus[0], kinds[0]), (b, emus[1], kinds[1])):
            got = rec.data[["t", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]].to_numpy()
            assert_rows_match(got, emu.sent_rows(), kind)
        # One clock: both streams cover the same stretch of session time,
        # and each file keeps the session clock's times, so they line up as read.
        assert abs(a.data["t"].iloc[-1] - b.data["t"].iloc[-1]) < 0.3
        for rec, key in ((a, "left"), (b, "right")):
            np.testing.assert_allclose(rec.data["t"].to_numpy(), mem.array(key)[:, 0], atol=1e-4)
    run(go())


def test_two_device_types_one_session_clock(tmp_path):
    """Movesense (own ms clock, 104 Hz) on the left foot, Thingy:52 (stamped on
    arrival, 100 Hz) on the right: both files on one session clock."""
    if not {"movesense", "thingy"} <= set(TYPES):
        pytest.skip("needs the movesense and thingy emulators")

    async def go():
        kinds = {"left": "movesense", "right": "thingy"}
        emus = {side: await EmulatedSensor(k, address=f"C4:00:00:00:02:0{i}", feed=sine_feed(seed=i)).start()
                for i, (side, k) in enumerate(kinds.items())}
        # The Movesense was switched on 1000 s ago: its timestamps must be
        # mapped onto the session clock, not written as they come.
        emus["left"]._t_power -= 1000.0
        paths = {side: tmp_path / f"{side}.csv" for side in kinds}
        files = RecordingSink(paths, {side: {"side": side} for side in kinds},
                              describe=lambda key: (kinds[key], get_profile(kinds[key]).sampling_rate_hz))
        col = collector(files)
        await col.run([Target(side, emus[side].address, k) for side, k in kinds.items()], duration_s=2.0)
        files.close()
        recs = {side: read_recording(paths[side]) for side in kinds}
        assert recs["left"].metadata["session"] == recs["right"].metadata["session"]
        for side, k in kinds.items():
            p = get_profile(k)
            got = recs[side].data[["t", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]].to_numpy()
            assert_rows_match(got, emus[side].sent_rows(), p.key)
            rate = (len(got) - 1) / (got[-1, 0] - got[0, 0])
            assert abs(rate - p.sampling_rate_hz) < 0.1 * p.sampling_rate_hz  # each at its own rate
            assert not col.stats[side].gaps
        # One clock: both streams start and end at the same session time.
        t = {side: recs[side].data["t"].to_numpy() for side in kinds}
        assert abs(t["left"][0] - t["right"][0]) < 0.3
        assert abs(t["left"][-1] - t["right"][-1]) < 0.3
    run(go())


def test_throughput_faster_than_real_time():
    """The virtual link is not the bottleneck: 10x real time streams intact."""
    async def go():
        emu = await EmulatedSensor("generic", address="C4:00:00:00:00:0C", speed=10.0).start()
        sink = MemorySink()
        col = collector(sink)
        await col.run([Target("a", "C4:00:00:00:00:0C")], duration_s=1.5)
        got = sink.array("a")
        assert 0 <= len(emu.sent_rows()) - len(got) <= one_packet("generic") and len(got) > 500
        assert col.stats["a"].malformed == 0
    run(go())


@pytest.mark.parametrize("kind", TYPES)
def test_the_emulators_send_one_packet_as_the_protocol_has_it(kind):
    # The tolerances above allow one packet in flight: the emulated
    # devices' packets hold what their protocols say (tests/ble/__init__.py).
    from sensors.emulated.encoders import make_encoder

    assert make_encoder(get_profile(kind)).samples_per_packet == one_packet(kind)


@pytest.mark.parametrize("debug", [False, True])
def test_bumble_formats_the_hci_packets_only_when_its_debug_log_is_on(debug, caplog, monkeypatch):
    """The virtual radio's controllers and hosts skip bumble's per-packet log
    line (costly to build: it was a quarter of a guided session's profile)
    unless that log is on: then it is all there."""
    import logging

    import bumble.controller
    import bumble.host

    from sensors.ble.bumble_backend import VirtualRadio

    built = []
    for module in (bumble.controller, bumble.host):  # each packet's log line starts with color(...)
        monkeypatch.setattr(module, "color", lambda text, *a, _c=module.color, **k: built.append(text) or _c(text, *a, **k))
    caplog.set_level(logging.DEBUG if debug else logging.INFO, logger="bumble")

    async def power_on():
        radio = VirtualRadio()
        await radio.ensure_on()  # HCI reset and setup: commands one way, events the other
        return radio

    assert run(power_on())._powered
    said = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("bumble"))
    for line in ("HOST -> CONTROLLER", "CONTROLLER -> HOST"):
        assert (line in said) == debug, line
    assert bool(built) == debug
