"""A live emulated session: the file holds what the sensor sent, and what the live view
ends with is what the simulated person did (the simulator's truth).

The whole path runs: simulated exercises -> emulated sensor -> bumble GATT ->
bleak -> collector -> (file writer, live view with its analyser).
"""
from __future__ import annotations

import asyncio

from sensors.ble.bumble_backend import BumbleClient, BumbleScanner
from sensors.ble.collector import Collector, Target
from sensors.ble.sinks import RecordingSink
from sensors.emulated import EmulatedSensor, simulator_feed
from sensors.recording import read_recording
from sensors.simulator import simulate_session
from sensors.stream import TeeSink
from toehold.live_view import LiveView

from . import assert_rows_match

SPEED = 20.0  # the virtual link streams 20x real time; the analysis does not care


def test_live_summary_is_what_the_person_did_and_the_file_what_the_sensor_sent(tmp_path, assert_matches_truth):
    session = dict(seed=77, tier="clean", exercises=["toe_press", "ankle_circles"])
    feed = simulator_feed(**session)
    sim, truth = simulate_session(**session)
    n_rows = int(sim.duration_s * 100.0)
    path = tmp_path / "live.csv"

    async def go():
        emu = await EmulatedSensor("generic", address="C4:00:00:00:00:21", feed=feed, speed=SPEED).start()
        col = None

        def describe(key):
            st = col.stats[key]
            return f"{st.name} ({st.type}) {st.address}", 100.0

        files = RecordingSink({"a": path}, {"a": {"placement": "foot", "side": "left"}}, describe=describe)
        view = LiveView(placement={"a": "foot"})
        col = Collector(TeeSink(files, view), client_backend=BumbleClient, scanner_backend=BumbleScanner,
                        scan_timeout_s=2.0)
        # Stop before the feed loops round to its start again.
        await col.run([Target("a", "C4:00:00:00:00:21")], duration_s=0.9 * n_rows / 100.0 / SPEED)
        files.close()
        await emu.stop()
        return view, emu

    view, emu = asyncio.run(asyncio.wait_for(go(), 120))
    rec = read_recording(path)
    # The file: every sample sent, in order, within the generic protocol's
    # LSB (1 mg, 0.1 deg/s; docs/devices/generic.md) and the CSV's digits;
    # only the packet in flight at the stop may be missing.
    sent, got = emu.sent_rows(), rec.data[["t", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]].to_numpy()
    assert_rows_match(got, sent, "generic")
    # The live view's closing analysis against the simulator's truth, on
    # the file's clock (the first sample sent is the session's start).
    shift = got[0, 0] - sent[0, 0]
    for e in truth["exercises"]:
        for ev in [e, *e["reps"], *e["circles"]]:
            ev["start_s"] += shift
            ev["end_s"] += shift
    assert truth["exercises"][-1]["end_s"] < got[-1, 0]  # both sets were streamed
    assert_matches_truth(view.devs["a"].analyzer.finish(rec.metadata, str(path)), truth)
