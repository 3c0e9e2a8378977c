"""Boundaries a user relies on, with expected values from the contract and the prescription.

Each test sits exactly on a rule's edge, so that moving the edge (``>=`` to
``>``, 1.5 sample periods to 3, a counter step of 2 no longer a loss) fails
it. The expected values are written from the rule, not computed by the code
under test.
"""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analysis.adherence import history_adherence, session_adherence
from analysis.prescription import load as load_prescription
from sensors.recording import find_gaps, recording_from_arrays

RATE_HZ = 100.0
PERIOD_S = 1.0 / RATE_HZ


def _times_with_step(step_periods: float, n_before: int = 50, n_after: int = 50) -> np.ndarray:
    """A 100 Hz clock with one interval ``step_periods`` sample periods long."""
    before = np.arange(n_before) * PERIOD_S
    after = before[-1] + step_periods * PERIOD_S + np.arange(n_after) * PERIOD_S
    return np.concatenate([before, after])


# -- gaps (contract §2: "Gaps (lost packets) stay gaps") ----------------------

def test_one_lost_sample_is_one_gap_between_its_neighbours():
    t = _times_with_step(2.0)          # sample 50 of 101 removed
    gaps = find_gaps(t, nominal_rate_hz=RATE_HZ)
    assert len(gaps) == 1
    assert gaps["start_s"].iloc[0] == pytest.approx(49 * PERIOD_S)
    assert gaps["end_s"].iloc[0] == pytest.approx(51 * PERIOD_S)


@pytest.mark.parametrize("step_periods", [1.0, 1.2, 1.4])
def test_jitter_under_one_and_a_half_periods_is_not_a_gap(step_periods):
    # A late packet (arrival jitter) is not a lost one: nothing is missing
    # until a whole sample could have fitted in the interval.
    assert len(find_gaps(_times_with_step(step_periods), nominal_rate_hz=RATE_HZ)) == 0


def test_an_interval_of_one_point_six_periods_is_a_gap():
    assert len(find_gaps(_times_with_step(1.6), nominal_rate_hz=RATE_HZ)) == 1


def test_without_a_declared_rate_the_median_interval_sets_the_period():
    t = _times_with_step(2.0)
    assert len(find_gaps(t)) == 1
    assert len(find_gaps(_times_with_step(1.4))) == 0


def test_a_sequence_step_of_two_is_a_gap_even_on_a_regular_clock():
    # Receiver-stamped devices (no sample clock) space rows evenly; only the
    # packet counter shows the loss.
    t = np.arange(100) * PERIOD_S
    seq = np.arange(100, dtype=float)
    seq[60:] += 1                       # packet 60 never arrived
    gaps = find_gaps(t, seq, RATE_HZ)
    assert len(gaps) == 1
    assert gaps["start_s"].iloc[0] == pytest.approx(59 * PERIOD_S)


def test_a_counter_wrapping_from_65535_to_0_is_not_a_gap():
    t = np.arange(100) * PERIOD_S
    seq = (np.arange(100) + 65_500) % 65_536
    assert 0 in seq and 65_535 in seq
    assert len(find_gaps(t, seq.astype(float), RATE_HZ)) == 0


def test_two_samples_can_have_a_gap_between_them_and_one_sample_has_none():
    # 0.00 and 0.05 s at 100 Hz: four samples lost between the two.
    gaps = find_gaps(np.array([0.0, 0.05]), nominal_rate_hz=RATE_HZ)
    assert list(zip(gaps["start_s"], gaps["end_s"])) == [(0.0, 0.05)]
    for t in (np.array([]), np.array([3.0])):
        none = find_gaps(t, nominal_rate_hz=RATE_HZ)
        assert list(none.columns) == ["start_s", "end_s"] and len(none) == 0
        assert none["start_s"].dtype == float and none["end_s"].dtype == float


def test_the_declared_rate_sets_the_period_even_when_most_samples_are_lost():
    # Declared 100 Hz, every other sample lost for 0.2 s: ten gaps, though
    # the median interval (20 ms) would call none of them one.
    t = np.concatenate([np.arange(11) * 0.02, 0.2 + np.arange(1, 3) * PERIOD_S])
    assert len(find_gaps(t, nominal_rate_hz=RATE_HZ)) == 10


def test_samples_stamped_per_packet_are_not_gaps():
    # A receiver stamping each packet's 4 samples with one arrival time,
    # 25 packets a second: nothing lost, so no gap (the period is the
    # median of the intervals that move).
    t = np.repeat(np.arange(25) * 0.04, 4)
    assert len(find_gaps(t)) == 0


def test_a_time_jump_is_a_gap_even_when_the_counter_runs_on():
    t = _times_with_step(3.0)
    assert len(find_gaps(t, np.arange(len(t), dtype=float), RATE_HZ)) == 1


def test_a_late_packet_in_an_unsigned_counter_is_not_a_loss():
    # Raw u16 counters: 5, 6, 8, 7 (8 overtook 7), 9, 10. The rule ("a
    # jump of more than one") marks 6 -> 8 and 7 -> 9; the step back 8 -> 7
    # is no jump (in u16 arithmetic it would be one of 65535).
    t = np.arange(6) * PERIOD_S
    seq = np.array([5, 6, 8, 7, 9, 10], dtype=np.uint16)
    gaps = find_gaps(t, seq, RATE_HZ)
    assert list(gaps["start_s"]) == [pytest.approx(1 * PERIOD_S), pytest.approx(3 * PERIOD_S)]


def test_time_lost_is_the_missing_samples_over_the_rate():
    # lost_seconds' rule: a gap spans one ordinary period that was not lost.
    # At 100 Hz a 0.02 s step is 1 sample (0.01 s), 0.05 s is 4 (0.04 s);
    # a step under 1.5 periods loses nothing. Three ways of giving gaps.
    from sensors.recording import lost_seconds

    frame = pd.DataFrame({"start_s": [1.0, 2.0], "end_s": [1.02, 2.05]})
    assert lost_seconds(frame, RATE_HZ) == pytest.approx(0.05)
    assert lost_seconds([{"start_s": 1.0, "end_s": 1.02}], RATE_HZ) == pytest.approx(0.01)
    assert lost_seconds([(1.0, 1.012), (2.0, 2.05)], RATE_HZ) == pytest.approx(0.04)
    assert lost_seconds([], RATE_HZ) == 0.0
    # A slow rate counts the same way: at 1 Hz a 3 s step is 2 samples lost.
    assert lost_seconds([(10.0, 13.0)], 1.0) == pytest.approx(2.0)
    # No usable rate: the steps summed as they are.
    for rate in (None, 0.0, -100.0, float("nan"), float("inf")):
        assert lost_seconds(frame, rate) == pytest.approx(0.07)


def test_the_effective_rate_is_the_median_interval_whatever_the_gaps():
    from sensors.recording import effective_rate_hz

    t = np.concatenate([np.arange(50) * 0.01, 5.0 + np.arange(60) * 0.01, [5.59, 5.59]])
    assert effective_rate_hz(t) == pytest.approx(100.0)
    assert effective_rate_hz(np.array([0.0, 0.02])) == pytest.approx(50.0)   # two samples are a rate
    assert np.isnan(effective_rate_hz(np.array([1.0]))) and np.isnan(effective_rate_hz(np.array([1.0, 1.0])))


def test_a_recording_built_in_memory_has_the_same_gaps():
    t = _times_with_step(3.0)
    n = len(t)
    data = {"t": t, "acc_x": np.zeros(n), "acc_y": np.zeros(n), "acc_z": np.full(n, 9.81),
            "gyr_x": np.zeros(n), "gyr_y": np.zeros(n), "gyr_z": np.zeros(n)}
    rec = recording_from_arrays(pd.DataFrame(data), {"sample_rate_hz": "100"})
    assert rec.gap_list() == [{"start_s": pytest.approx(0.49), "end_s": pytest.approx(0.52)}]


# -- adherence (docs/adherence-and-balance.md, the default prescription) -----

def _doc_with_holds(holds_s, exercise="toe_press"):
    reps = [{"start_s": 10.0 * i, "end_s": 10.0 * i + 6.0, "hold_s": h} for i, h in enumerate(holds_s)]
    return {"format": "toehold-analysis/1",
            "recording": {"placement": "foot", "side": "left", "start_time": "2026-11-24T08:00:00Z"},
            "exercises": [{"exercise": exercise, "start_s": 0.0, "end_s": 10.0 * len(holds_s),
                           "reps": reps, "circles": [], "strides": [], "confidence": 1.0}]}


def _item(adh, exercise):
    return next(i for i in adh["items"] if i["exercise"] == exercise)


def test_a_hold_exactly_at_the_target_meets_it():
    # Default programme: toe press 10 reps of a 4 s hold. 10 holds of
    # exactly 4.0 s are 10 of 10 met; 3.99 s misses.
    pres = load_prescription()
    toe = next(i for i in pres.items if i.exercise == "toe_press")
    assert (toe.reps, toe.hold_s) == (10, 4.0)
    on = _item(session_adherence(_doc_with_holds([4.0] * 10), pres), "toe_press")
    assert (on["holds_met"], on["completion"]) == (10, 1.0)
    under = _item(session_adherence(_doc_with_holds([3.99] * 10), pres), "toe_press")
    assert (under["holds_met"], under["completion"]) == (0, 0.0)


def test_a_session_is_done_at_exactly_eighty_percent():
    # docs/adherence-and-balance.md: done when the observable items average
    # at least 80 %. Five items; toe press full (1.0), band 10 of 10 at the
    # 5 s target (1.0), pencil 3 of 3 (1.0), tiptoe 20 s of 20 (1.0) and no
    # circles (0.0) average exactly 0.8.
    pres = load_prescription()
    doc = _doc_with_holds([4.0] * 10)
    band = _doc_with_holds([5.0] * 10, "resistance_band")["exercises"][0]
    pencil = _doc_with_holds([10.0] * 3, "pencil_pickup")["exercises"][0]
    tiptoe = {"exercise": "tiptoe_walk", "start_s": 500.0, "end_s": 520.0, "reps": [], "circles": [],
              "strides": [{"t_s": 500.5 + k} for k in range(18)], "confidence": 1.0}
    for e in (band, pencil, tiptoe):
        e["start_s"] += 1000.0
        e["end_s"] += 1000.0
    doc["exercises"] += [band, pencil, tiptoe]
    adh = session_adherence(doc, pres)
    assert adh["completion"] == pytest.approx(0.8)
    assert adh["done"] is True

    pencil["reps"].pop()   # 2 of 3 pencil holds: 0.667 for that item, 0.733 in all
    adh = session_adherence(doc, pres)
    assert adh["completion"] == pytest.approx((3 + 2 / 3) / 5, abs=1e-3)
    assert adh["done"] is False


# -- a whole session and a whole history, every key from the documented rules

def test_a_full_session_is_scored_item_by_item_as_documented():
    # docs/adherence-and-balance.md, against the default programme:
    #   toe press   12 reps found, 7 held >= 4 s          -> 7/10 = 0.7
    #   band        ankle sensor: not observable (why given) -> left out
    #   tiptoe      bouts of 12 s and 6 s, 9 + 4 strides  -> 18/20 = 0.9
    #   pencil      2 reps, both >= 10 s                  -> 2/3 = 0.667
    #   circles     cw 3 circles 1.5 s each = 4.5 s, ccw 2 of 5 s = 10 s
    #               -> 0.5 * (4.5/8) + 0.5 * min(1, 10/8) = 0.78125 -> 0.781
    #   session     (0.7 + 0.9 + 0.667 + 0.781) / 4 = 0.762 -> not done
    pres = load_prescription()
    toe = _doc_with_holds([4.0, 4.5, 5.0, 3.9, 4.2, 4.0, 2.0, 6.0, 1.5, 3.0, 4.1, 3.99])["exercises"][0]
    pencil = _doc_with_holds([10.0, 12.5], "pencil_pickup")["exercises"][0]
    tiptoe = [{"exercise": "tiptoe_walk", "start_s": s, "end_s": s + d, "reps": [], "circles": [],
               "strides": [{"t_s": s + 0.5 + k} for k in range(n)]}
              for s, d, n in ((300.0, 12.0, 9), (400.0, 6.0, 4))]
    circles = {"exercise": "ankle_circles", "start_s": 500.0, "end_s": 530.0, "reps": [], "strides": [],
               "circles": [{"start_s": 500.0 + 1.5 * k, "end_s": 501.5 + 1.5 * k, "direction": "cw"}
                           for k in range(3)]
               + [{"start_s": 510.0 + 5 * k, "end_s": 515.0 + 5 * k, "direction": "ccw"} for k in range(2)]}
    for e in (pencil,):
        e["start_s"] += 200.0
        e["end_s"] += 200.0
        for r in e["reps"]:
            r["start_s"] += 200.0
            r["end_s"] += 200.0
    doc = {"format": "toehold-analysis/1",
           "recording": {"placement": "ankle", "side": "right", "start_time": "2026-11-24T08:00:00Z"},
           "exercises": [toe, pencil, *tiptoe, circles],
           "not_observable": {"resistance_band": "a shank sensor does not see the foot flex"}}
    adh = session_adherence(doc, pres)
    items = {i["exercise"]: i for i in adh["items"]}
    assert [i["exercise"] for i in adh["items"]] == [i.exercise for i in pres.items]
    expected = {
        "toe_press": {"exercise": "toe_press", "per_foot": False, "side": "right", "observable": True,
                      "reps_done": 12, "reps_prescribed": 10, "hold_target_s": 4.0, "holds_met": 7,
                      "completion": 0.7},
        "resistance_band": {"exercise": "resistance_band", "per_foot": False, "side": "right",
                            "observable": False, "completion": None,
                            "why": "a shank sensor does not see the foot flex"},
        "tiptoe_walk": {"exercise": "tiptoe_walk", "per_foot": False, "side": "right", "observable": True,
                        "seconds_done": 18.0, "seconds_target": [20.0, 30.0], "strides": 13,
                        "completion": 0.9},
        "pencil_pickup": {"exercise": "pencil_pickup", "per_foot": True, "side": "right", "observable": True,
                          "reps_done": 2, "reps_prescribed": 3, "hold_target_s": 10.0, "holds_met": 2,
                          "completion": 0.667},
        "ankle_circles": {"exercise": "ankle_circles", "per_foot": True, "side": "right", "observable": True,
                          "circles": {"cw": {"circles": 3, "seconds": 4.5}, "ccw": {"circles": 2, "seconds": 10.0}},
                          "seconds_target_per_direction": [8.0, 10.0], "completion": 0.781},
    }
    for name, want in expected.items():
        got = {k: v for k, v in items[name].items() if k in want}
        assert got == want, name
    assert adh["completion"] == pytest.approx(0.762, abs=1e-3)
    assert adh["done"] is False


def _dated(day: str, holds_s) -> dict:
    doc = _doc_with_holds(holds_s)
    doc["recording"]["start_time"] = f"{day}T09:30:00Z"
    return doc


def test_history_counts_days_streaks_and_undated_sessions_as_documented():
    # A one-item programme (2 toe presses of 4 s, twice a day), so that a
    # session is done or not by its toe presses alone.
    from analysis.prescription import parse
    pres = parse('sessions_per_day = 2\n[[item]]\nexercise = "toe_press"\nreps = 2\nhold_s = 4.0\n')
    done, missed = [4.0, 4.0], [1.5]
    docs = [_dated("2026-11-01", done), _dated("2026-11-01", done),     # day 1: 2 of 2
            _dated("2026-11-02", done), _dated("2026-11-02", missed),   # day 2: 1 of 2
            # 2026-11-03: nothing
            _dated("2026-11-04", done), _dated("2026-11-04", done), _dated("2026-11-04", done),  # capped
            _dated("2026-11-05", done), _dated("2026-11-05", done)]
    undated = _doc_with_holds(done)
    del undated["recording"]["start_time"]
    h = history_adherence(docs + [undated], pres)
    assert [d["date"] for d in h["days"]] == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"]
    assert [d["sessions"] for d in h["days"]] == [2, 2, 0, 3, 2]
    assert [d["sessions_done"] for d in h["days"]] == [2, 1, 0, 3, 2]
    assert [d["completion"] for d in h["days"]] == [1.0, 0.5, 0.0, 1.0, 1.0]
    assert all(d["sessions_prescribed"] == 2 for d in h["days"])
    assert h["days"][1]["session_completion"] == [1.0, 0.0]   # 0 of 2 holds met
    assert h["completion_pct"] == pytest.approx(100 * 3.5 / 5)
    assert (h["current_streak_days"], h["longest_streak_days"]) == (2, 2)
    assert h["undated_sessions"] == 1


def test_a_session_after_midnight_utc_belongs_to_the_persons_own_day():
    # 2026-11-02T03:30Z is still 1 November in New York (UTC-5): the person
    # did it on the evening of the 1st, and the calendar must say so.
    from zoneinfo import ZoneInfo

    from analysis.prescription import parse
    pres = parse('sessions_per_day = 1\n[[item]]\nexercise = "toe_press"\nreps = 2\nhold_s = 4.0\n')
    docs = [_dated("2026-10-31", [4.0, 4.0])]
    late = _doc_with_holds([4.0, 4.0])
    late["recording"]["start_time"] = "2026-11-02T03:30:00Z"
    h = history_adherence(docs + [late], pres, tz=ZoneInfo("America/New_York"))
    assert [d["date"] for d in h["days"]] == ["2026-10-31", "2026-11-01"]
    h_utc = history_adherence(docs + [late], pres, tz=dt.UTC)
    assert [d["date"] for d in h_utc["days"]] == ["2026-10-31", "2026-11-01", "2026-11-02"]


# -- the counting rule: a rep is held at least 1 s (analysis/reps.py default) --

def _toe_press_recording(holds_s, amp_deg=6.0, move_s=1.0, rest_s=3.0, lead_s=20.0):
    """A foot sensor (foot frame = sensor frame) tipping ``amp_deg`` about y
    for each hold: 1 s minimum-jerk moves, the plateau ``holds_s`` long."""
    from sensors.simulator import _min_jerk

    sampling_rate_hz = RATE_HZ
    up = _min_jerk(np.arange(int(move_s * sampling_rate_hz)) / (move_s * sampling_rate_hz))
    parts = [np.zeros(int(lead_s * sampling_rate_hz))]
    for h in holds_s:
        parts += [amp_deg * up, np.full(int(round(h * sampling_rate_hz)), amp_deg), amp_deg * up[::-1],
                  np.zeros(int(rest_s * sampling_rate_hz))]
    parts.append(np.zeros(int(lead_s * sampling_rate_hz)))
    pitch = np.concatenate(parts)
    n = len(pitch)
    rng = np.random.default_rng(0)
    rad = np.radians(pitch)
    acc = 9.80665 * np.column_stack([np.sin(rad), np.zeros(n), np.cos(rad)]) + rng.normal(0, 0.02, (n, 3))
    gyr = np.column_stack([np.zeros(n), -np.gradient(pitch) * sampling_rate_hz, np.zeros(n)]) + rng.normal(0, 0.2, (n, 3))
    data = pd.DataFrame({"t": np.arange(n) / sampling_rate_hz, "acc_x": acc[:, 0], "acc_y": acc[:, 1], "acc_z": acc[:, 2],
                         "gyr_x": gyr[:, 0], "gyr_y": gyr[:, 1], "gyr_z": gyr[:, 2]})
    return recording_from_arrays(data, {"placement": "foot", "side": "left", "sample_rate_hz": "100"})


def test_the_default_analysis_counts_holds_of_1_2_s_and_not_of_0_8_s():
    # Issue 19: a set of 4 s toe presses with three 0.8 s and three 1.2 s
    # holds among them. The rule (a rep is held >= 1 s) counts the eight 4 s
    # reps and the three 1.2 s ones: 11, none of them under 1 s.
    from analysis.pipeline import analyze_recording

    holds = [4, 4, 0.8, 4, 1.2, 4, 0.8, 4, 1.2, 4, 0.8, 4, 1.2, 4]
    doc = analyze_recording(_toe_press_recording(holds))
    reps = [r for e in doc["exercises"] for r in e["reps"]]
    assert len(reps) == 11
    got = sorted(r["hold_s"] for r in reps)
    # Within 0.1 s (10 samples) of the plateau each was built with.
    assert got[:3] == [pytest.approx(1.2, abs=0.1)] * 3
    assert got[3:] == [pytest.approx(4.0, abs=0.1)] * 8
