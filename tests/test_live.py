"""The live analysis: the same analyser on a trailing window, the offline one at the end;
both checked against the simulator's truth.

Both tests read one live run over one simulated session (a toe-press set
then ankle circles), fed in 0.1 s packets: what the view showed after each
packet is recorded once and checked by each test (``--dist loadfile``
runs both on one xdist worker, so the run is made once).
"""
import numpy as np
import pytest

from analysis.live import LiveAnalyzer
from sensors.simulator import simulate_session


@pytest.fixture(scope="module")
def live_run():
    rec, truth = simulate_session(seed=77, tier="clean", exercises=["toe_press", "ankle_circles"])
    arr = rec.data[["t", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]].to_numpy()
    # From 15 s before the set to 5 s after the circles: the minute of
    # standing around them re-analysed every 0.5 s doubled the test's cost
    # and showed nothing.
    a, b = truth["exercises"][0]["start_s"] - 15.0, truth["exercises"][-1]["end_s"] + 5.0
    arr = arr[(arr[:, 0] >= a) & (arr[:, 0] <= b)]
    live = LiveAnalyzer(placement="foot", mounting=rec.metadata.get("mounting"))
    states = []
    for i in range(0, len(arr), 10):  # 0.1 s packets
        live.push(arr[i:i + 10])
        states.append(live.state())
    return rec, truth, live, states


def test_live_counts_rise_during_a_set_and_the_end_matches_the_truth(live_run, assert_matches_truth):
    rec, truth, live, states = live_run
    seen_reps = [st.reps for st in states if st.exercise == "toe_press"]
    seen_circles = [st.circles_cw + st.circles_ccw for st in states if st.exercise == "ankle_circles"]
    true_reps = len(next(e for e in truth["exercises"] if e["exercise"] == "toe_press")["reps"])
    # The count climbs rep by rep to the set's total.
    assert max(seen_reps) == true_reps
    upto = seen_reps[: seen_reps.index(true_reps) + 1]
    assert len(set(upto)) >= true_reps - 2  # seen (nearly) every count on the way
    assert sorted(upto[len(upto) // 2:]) == upto[len(upto) // 2:]  # and not going back
    assert max(seen_circles) >= 6
    # The closing analysis (``finish`` runs the offline one on what was
    # pushed) against the simulator's truth, not against itself.
    assert_matches_truth(live.finish(rec.metadata), truth)


def test_hold_timer_runs_during_a_hold_before_the_rep_is_counted(live_run):
    rec, truth, live, states = live_run
    reps = next(e for e in truth["exercises"] if e["exercise"] == "toe_press")["reps"]
    shown = [(st.t_s, st.holding_s) for st in states if st.holding_s is not None]
    longest = {}
    outside = 0
    for t, h in shown:
        k = next((k for k, r in enumerate(reps) if r["start_s"] - 0.3 <= t - h and t <= r["end_s"] + 0.3), None)
        if k is None:
            outside += 1
        else:
            longest[k] = max(longest.get(k, 0.0), h)
    # Every rep gets a running timer that climbs to about its true hold (the
    # release is still on the clock), also the first, before any window
    # analysis has named the set.
    assert set(range(len(reps))) <= set(longest)
    for k in range(len(reps)):
        assert reps[k]["hold_s"] - 0.5 < longest[k] < reps[k]["hold_s"] + 1.5
    # And it is not shown while the foot rests between reps (nor during the
    # circles that follow the set).
    assert outside <= 0.1 * len(shown)


def test_open_hold_timer_from_a_still_rest_also_with_packet_stamped_times():
    # A foot at rest 5 s, tipped 5 deg over 0.5 s, held 3 s, back over 0.5 s;
    # 30 Hz with every 3 samples stamped alike (a packet's time), 0.1 s reads.
    from analysis.live import OpenHoldTracker

    fs = 30.0
    t_true = np.arange(0, 14, 1 / fs)
    ramp = np.clip((t_true - 5.0) / 0.5, 0, 1) - np.clip((t_true - 8.5) / 0.5, 0, 1)
    pitch = np.radians(5.0 * ramp)
    rng = np.random.default_rng(1)
    acc = 9.81 * np.column_stack([np.sin(pitch), np.zeros_like(pitch), np.cos(pitch)])
    acc += rng.normal(0, 0.02, acc.shape)
    t = np.repeat(t_true[::3], 3)[:len(t_true)]
    tracker, shown = OpenHoldTracker(), []
    for i in range(0, len(t), 3):
        tracker.update(t[i:i + 3], acc[i:i + 3])
        shown.append((t_true[min(i + 2, len(t) - 1)], tracker.holding_s_, tracker.since_s_))
    held = [(now, h, s) for now, h, s in shown if h is not None]
    # Shown during the hold (5.5-8.5 s) only, from about its start, climbing to about 3 s.
    assert held and all(5.0 <= now <= 9.2 for now, _, _ in held)
    assert all(5.0 <= s <= 6.0 for _, _, s in held)
    assert 2.5 <= max(h for _, h, _ in held) <= 4.0
    assert shown[-1][1] is None
