"""A live emulated session: what the live view ends with is the offline analysis of its file.

The whole path runs: simulated exercises -> emulated sensor -> bumble GATT ->
bleak -> collector -> (file writer, live view with its analyser).
"""
from __future__ import annotations

import asyncio

from analysis.pipeline import analyze_recording
from sensors.ble.bumble_backend import BumbleClient, BumbleScanner
from sensors.ble.collector import Collector, Target
from sensors.ble.sinks import RecordingSink
from sensors.emulated import EmulatedSensor, simulator_feed
from sensors.recording import read_recording
from sensors.stream import TeeSink
from toehold.live_view import LiveView

SPEED = 20.0  # the virtual link streams 20x real time; the analysis does not care


def test_live_summary_equals_offline_analysis_of_the_written_file(tmp_path):
    feed = simulator_feed(seed=77, tier="clean", exercises=["toe_press", "ankle_circles"])
    n_rows = len(feed(100.0))
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
        return view

    view = asyncio.run(asyncio.wait_for(go(), 120))
    rec = read_recording(path)
    live = view.devs["a"].analyzer.finish(rec.metadata, str(path))
    offline = analyze_recording(rec)
    found = [e["exercise"] for e in offline["exercises"]]
    assert "toe_press" in found and "ankle_circles" in found
    assert live["exercises"] == offline["exercises"]
