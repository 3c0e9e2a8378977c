"""The live window analysis in its worker process (``LiveAnalyzer(background=True)``, what ``record`` runs)."""
import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest

from analysis import live as live_mod
from analysis.live import LiveAnalyzer
from sensors.contract import REQUIRED_COLUMNS
from sensors.simulator import simulate_session

SESSION = dict(seed=6, tier="clean", exercises=["toe_press"], hold_plan={"reps": 4, "rest_s": 2.0, "hold_s": 2.0})


def feed(live, data, on_read=None):
    """Push 0.5 s packets, read the state after each, as the view does."""
    states = []
    for i in range(0, len(data), 50):
        live.push(data[i:i + 50])
        try:
            states.append(live.wait().state())
        except BrokenProcessPool:
            states.append(None)
        if on_read is not None:
            on_read(live, data[min(i + 49, len(data) - 1), 0])
    return states


def test_the_worker_counts_what_the_set_holds_and_a_killed_worker_is_replaced():
    rec, truth = simulate_session(**SESSION)
    bout = truth["exercises"][0]
    data = rec.data[list(REQUIRED_COLUMNS)].to_numpy()
    data = data[(data[:, 0] >= bout["start_s"] - 12) & (data[:, 0] <= bout["end_s"] + 6)]
    killed = []

    def kill_once(live, t):
        # Mid-set, after the second rep: the worker dies (out of memory, killed).
        if not killed and t > bout["reps"][1]["end_s"]:
            pid = next(iter(live_mod._worker()._processes))
            os.kill(pid, signal.SIGKILL)
            killed.append(t)

    live = LiveAnalyzer(placement="foot", background=True)
    states = feed(live, data, kill_once)
    assert killed
    # The caller heard of it once (the view shows it as "analysis: ..."),
    # then a new worker was given every row again and went on.
    assert states.count(None) == 1
    after = [s for s in states[states.index(None) + 1:]]
    assert after[-1].exercise == "toe_press"
    assert max(s.reps for s in after if s.exercise == "toe_press") == len(bout["reps"])


@pytest.mark.parametrize("background", [False, True])
def test_in_the_worker_or_in_the_caller_the_set_shows_the_same(background):
    rec, truth = simulate_session(**SESSION)
    bout = truth["exercises"][0]
    data = rec.data[list(REQUIRED_COLUMNS)].to_numpy()
    data = data[(data[:, 0] >= bout["start_s"] - 12) & (data[:, 0] <= bout["end_s"] + 6)]
    states = feed(LiveAnalyzer(placement="foot", background=background), data)
    counts = [s.reps for s in states if s.exercise == "toe_press"]
    # The count climbs to the truth's, rep by rep (the worker's result is
    # shown from the read after it ends: the same states, one read later).
    assert counts[-1] == len(bout["reps"]) and counts == sorted(counts)
    assert set(range(1, len(bout["reps"]) + 1)) <= set(counts)
