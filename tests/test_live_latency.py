"""When the live view counts a rep, checked against the simulator's truth (issue 13: within 0.3 s).

Three ways a rep used to reach the view late, each fed as the view reads
(0.25 s packets, the state read after each): the first rep of a set, which
no tracker can follow before the set is known, waited for the next 2 s
window analysis; a band rep held 14 s, more than 15 s after the last one
ended, made the window call the set over mid-rep, so the view showed no
set and the rep waited for a later window; and a set longer than the
120 s window stopped counting at what the window held.
"""
import numpy as np

from analysis.live import LiveAnalyzer
from sensors.contract import REQUIRED_COLUMNS
from sensors.simulator import simulate_session


def run(session: dict, before_s: float = 12.0, after_s: float = 6.0, **live_kw):
    """Feed the session's set in 0.25 s packets; (time, exercise, reps) after each, and the true set."""
    rec, truth = simulate_session(**session)
    bout = truth["exercises"][0]
    data = rec.data[list(REQUIRED_COLUMNS)].to_numpy()
    data = data[(data[:, 0] >= bout["start_s"] - before_s) & (data[:, 0] <= bout["end_s"] + after_s)]
    live = LiveAnalyzer(placement="foot", mounting=rec.metadata.get("mounting"), **live_kw)
    step = int(round(0.25 / np.median(np.diff(data[:, 0]))))
    trace = []
    for i in range(0, len(data), step):
        live.push(data[i:i + step])
        st = live.state()
        trace.append((float(data[min(i + step, len(data)) - 1, 0]), st.exercise, st.reps))
    return trace, bout


def first_shown(trace, k: int) -> float:
    """Data time at which the view first counted ``k`` reps of a hold set."""
    return next(t for t, ex, n in trace if ex and n >= k)


def test_the_first_rep_of_a_set_is_counted_once_the_foot_has_settled():
    # The window analysis counts a rep from about 0.5 s after its end (the
    # detector wants the foot settled); it now runs when the sensor comes to
    # rest, not at its next 2 s: 0.78 s after its end whenever the feed
    # starts; with the 2 s pace alone 2.03 and 2.53 s from these two starts
    # (1.03-2.53 s from five).
    for before_s in (11.0, 12.5):
        trace, bout = run(dict(seed=0, exercises=["toe_press"]), before_s=before_s)
        end = bout["reps"][0]["end_s"]
        assert 0.0 < first_shown(trace, 1) - end <= 0.25 + 0.75 + 0.25  # a packet, settled_s, a packet


def test_a_long_held_band_rep_keeps_its_set_shown_and_is_counted_as_it_ends():
    # 14 s holds: each rep ends more than 15 s after the last one did.
    trace, bout = run(dict(seed=6, tier="clean", exercises=["resistance_band"],
                           hold_plan={"reps": 4, "hold_s": 14.0, "rest_s": 5.0}))
    ends = [r["end_s"] for r in bout["reps"]]
    assert all(b - a > 15.0 for a, b in zip(ends, ends[1:]))
    shown_from = first_shown(trace, 1)
    # From its first count to its last rep's end the set stays on the view.
    assert all(ex == "resistance_band" for t, ex, _ in trace if shown_from <= t <= ends[-1])
    # Reps after the first: counted by the tracker as the foot comes back
    # (its filter lags about 0.1 s; a packet is 0.25 s).
    for k, end in enumerate(ends[1:], start=2):
        assert first_shown(trace, k) - end <= 0.5, k
    assert trace[-1][2] == len(ends)


def test_a_set_longer_than_the_window_is_counted_to_its_end():
    # 10 reps about 9 s apart against a 60 s window (the live view's is
    # 120 s; band sets of 11 reps take 200 s). Before, the count stopped at
    # what the window held.
    trace, bout = run(dict(seed=1, tier="clean", exercises=["toe_press"],
                           hold_plan={"reps": 10, "hold_s": 3.0, "rest_s": 3.0}), window_s=60.0)
    assert bout["end_s"] - bout["start_s"] > 80.0
    counts = [n for t, ex, n in trace if ex == "toe_press"]
    assert counts[-1] == len(bout["reps"]) == 10
    assert counts == sorted(counts)
