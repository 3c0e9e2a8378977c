"""The live view renders what a real session over the virtual radio fed it."""
from __future__ import annotations

import asyncio

from rich.console import Console

from sensors.ble.bumble_backend import BumbleClient, BumbleScanner
from sensors.ble.collector import Collector, Target
from sensors.emulated import EmulatedSensor, Faults
from toehold.live_view import LiveView


def test_live_view_shows_state_rate_and_loss():
    async def go():
        await EmulatedSensor("witmotion", address="C4:00:00:00:00:31",
                             faults=Faults(drop_link_at_s=0.4, offline_for_s=0.2, malformed_every=7)).start()
        view = LiveView(analysis=False)
        col = Collector(view, client_backend=BumbleClient, scanner_backend=BumbleScanner)
        view.stats = col.stats
        await col.run([Target("left", "C4:00:00:00:00:31")], duration_s=1.5)
        return view, col
    view, col = asyncio.run(asyncio.wait_for(go(), 20))
    console = Console(record=True, width=160)
    console.print(view.render())
    text = console.export_text()
    assert "left" in text and "WT901BLE67" in text and "Hz" in text and "reconnected" in text
    st = col.stats["left"]
    assert st.malformed > 0 and st.reconnects == 1
    summary = "\n".join(view.summary_lines())
    assert f"{st.malformed} malformed" in summary and "reconnects   1" in summary


def test_record_starts_the_live_analysis_after_the_first_rows_and_it_sees_them_all():
    """``toehold record`` imports the live analysis (scipy) beside the event
    loop once rows flow; rows that arrive meanwhile are given to it when it is
    ready, so it analyses the whole session, in order."""
    import numpy as np

    from toehold.commands.record import _LateAnalysis

    view = LiveView(placement={"left": "foot"})
    sink = _LateAnalysis(view)
    rng = np.random.default_rng(0)
    chunks = [np.column_stack([np.arange(k * 10, k * 10 + 10) / 100.0, rng.normal(size=(10, 6))])
              for k in range(4)]
    sink.on_status("left", "scanning")
    assert view.devs["left"].analyzer is None  # nothing imported before data
    sink.on_samples("left", chunks[0])
    sink.on_samples("left", chunks[1])
    sink._thread.join(60)
    sink.on_samples("left", chunks[2])
    sink.on_samples("left", chunks[3])
    fed = view.devs["left"].analyzer.data.to_numpy()
    np.testing.assert_array_equal(fed, np.concatenate(chunks))
    assert view.devs["left"].samples == 40
