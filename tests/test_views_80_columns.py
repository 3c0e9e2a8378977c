"""The live views fit an 80-column terminal: nothing cut or ellipsised."""
from __future__ import annotations

import numpy as np
from rich.console import Console

from analysis.coach import Coach, plan_steps
from analysis.live import LiveState
from analysis.prescription import load
from sensors.ble.collector import DeviceStats
from toehold.commands.session import render
from toehold.live_view import LiveView


def text_at_80(renderable) -> list[str]:
    console = Console(record=True, width=80, file=open("/dev/null", "w"))
    console.print(renderable)
    lines = console.export_text().splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert not any("…" in line for line in lines), "\n".join(lines)
    return lines


def test_record_view_fits_80_columns_with_two_sensors_and_every_counter():
    stats = {k: DeviceStats(state="reconnecting", name="WT901BLE67", address="C4:2A:11:00:3B:9E",
                            type="witmotion", lost_packets=12345, malformed=678, reconnects=9)
             for k in ("sensor1", "sensor2")}
    view = LiveView(analysis=False, stats=stats)
    t = np.arange(0, 99999) / 100.0
    rows = np.column_stack([t, np.zeros((len(t), 6))])
    for key in stats:
        view.on_samples(key, rows)
        view.on_gap(key, 10.0, 12.5)
        view.on_status(key, "link lost at 1234.56 s; reconnecting")
    text = "\n".join(text_at_80(view.render()))
    for word in ("sensor1", "sensor2", "WT901BLE67 C4:2A:11:00:3B:9E", "reconnecting", "99999 samples",
                 "lost pkts 12345", "bad pkts 678", "reconn. 9", "gaps 1 (2.5 s)"):
        assert word in text


def test_session_view_fits_80_columns_during_a_hold():
    coach = Coach(plan_steps(load(), "left"), announce_s=0)
    coach.start(0.0)
    reps = [(1.0, 6.0, 4.2, 7.0), (8.0, 13.0, 4.4, 7.0)]
    coach.update(15.0, LiveState(t_s=15.0, rep_events=reps, holding_s=3.4))
    lines = text_at_80(render(coach))
    text = "\n".join(lines)
    assert "rep 2 / 10" in text and "hold  3.4 / 4 s" in text and "toe press · left foot" in text
    assert "step 1/7" in text


def test_record_view_shows_a_hold_before_its_set_is_named():
    # The foot held away from rest before the window analysis has named the
    # set (OpenHoldTracker): the view shows the timer, not just the last set.
    class Held:
        @staticmethod
        def state():
            return LiveState(t_s=61.0, holding_s=3.24, holding_since_s=57.76, last_set="toe press, 10 reps")

    view = LiveView(analysis=False)
    view.on_samples("sensor1", np.column_stack([np.arange(0, 100) / 100.0, np.zeros((100, 6))]))
    view.devs["sensor1"].analyzer = Held()
    text = "\n".join(text_at_80(view.render()))
    assert "holding now 3.2 s" in text
    assert "last set: toe press, 10 reps" in text
