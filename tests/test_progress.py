"""Progress over weeks: quality metrics, trends that recover known rates, the lagging foot, the report's panels."""
import math

import numpy as np
import pytest

from analysis.quality import MIN_CONFIDENCE, bout_quality, counted, hold_wobble, session_quality
from analysis.synthetic_history import simulate_history
from analysis.trends import TREND_METRICS, history_trends


@pytest.fixture(scope="module")
def history():
    h = simulate_history(days=90, seed=0)
    return h, history_trends(h.docs, h.logs)


def test_trends_recover_the_set_weekly_rates_within_10_percent(history):
    h, r = history
    checked = 0
    for ex, metrics in TREND_METRICS.items():
        for side in ("left", "right"):
            for m in metrics:
                want = h.truth[ex][side][m][1]
                got = r["trends"][ex][side][m]["per_week"]
                assert abs(got / want - 1) < 0.10, (ex, side, m, got, want)
                checked += 1
    assert checked == 18
    pain = r["outcome_trends"]["pain_0_10"]["per_week"]
    assert abs(pain / h.truth["pain_per_week"] - 1) < 0.10, pain


def test_trends_recover_rates_for_another_person_too():
    h = simulate_history(days=90, seed=7, lagging="left", lag_factor=0.6)
    r = history_trends(h.docs, h.logs)
    for ex, metrics in TREND_METRICS.items():
        for side in ("left", "right"):
            for m in metrics:
                want = h.truth[ex][side][m][1]
                assert abs(r["trends"][ex][side][m]["per_week"] / want - 1) < 0.10, (ex, side, m)
    assert r["lagging_side"] == "left"


def test_the_lagging_foot_is_flagged_on_every_measure_and_an_even_pair_is_not(history):
    h, r = history
    assert r["lagging_side"] == "right"
    flagged = {(g["exercise"], g["metric"]) for g in r["lagging"]}
    assert flagged == {(ex, m) for ex, ms in TREND_METRICS.items() for m in ms}
    assert all(g["side"] == "right" for g in r["lagging"])
    even = simulate_history(days=90, seed=3, lagging=None)
    r2 = history_trends(even.docs, even.logs)
    assert r2["lagging"] == [] and r2["lagging_side"] is None


def test_change_since_the_first_week_matches_the_set_rate(history):
    h, r = history
    tr = r["trends"]["resistance_band"]["left"]["range_deg"]
    # First and last weeks' medians sit about 12 weeks apart (3.5 days in from each end).
    span_weeks = (tr["span_days"] - 7) / 7
    assert tr["change"] == pytest.approx(1.0 * span_weeks, rel=0.15)


def test_low_confidence_bouts_are_left_out_of_trends():
    h = simulate_history(days=60, seed=2, uncertain_share=0.3)
    r = history_trends(h.docs, h.logs)
    assert r["table"]["uncertain_bouts"].sum() > 50
    got = r["trends"]["toe_press"]["left"]["range_deg"]["per_week"]
    assert abs(got / h.truth["toe_press"]["left"]["range_deg"][1] - 1) < 0.15
    # The misdetections (3x the range, ~36° and more) are in the sessions only when counted in.
    everything = history_trends(h.docs, h.logs, min_confidence=0.0)["table"]
    kept = r["table"]
    assert everything.loc[everything.exercise == "toe_press", "range_max_deg"].max() > 30
    assert kept.loc[kept.exercise == "toe_press", "range_max_deg"].max() < 25


def test_confidence_threshold_and_absence():
    assert counted({"exercise": "toe_press"})  # older analyses have no confidence
    assert counted({"confidence": MIN_CONFIDENCE})
    assert not counted({"confidence": MIN_CONFIDENCE - 0.01})


def test_older_analyses_without_the_new_fields_still_give_holds():
    h = simulate_history(days=30, seed=4, sessions_per_day=1)
    for doc in h.docs:
        for b in doc["exercises"]:
            b.pop("confidence", None)
            b.pop("heel_rise_deg", None)
            b.pop("toe_path", None)
            for rep in b["reps"]:
                rep.pop("range_deg")
            for c in b["circles"]:
                c.pop("size_deg")
    r = history_trends(h.docs, None)
    assert r["trends"]["toe_press"]["left"]["range_deg"] is None
    hold = r["trends"]["toe_press"]["left"]["hold_s"]["per_week"]
    assert abs(hold / h.truth["toe_press"]["left"]["hold_s"][1] - 1) < 0.25  # 30 days, one session a day
    assert len(r["outcomes"]) == 0


def test_hold_metrics_of_a_bout_by_hand():
    reps = [{"start_s": 6.0 * k, "end_s": 6.0 * k + 5.0, "hold_s": 2.0 + 0.5 * k, "range_deg": 10.0 + 2 * k}
            for k in range(5)]
    q = bout_quality({"exercise": "toe_press", "start_s": 0.0, "end_s": 29.0, "reps": reps})
    assert q["reps"] == 5
    assert q["range_deg"] == 14.0 and q["range_max_deg"] == 18.0
    assert q["hold_s"] == 3.0 and q["hold_max_s"] == 4.0
    assert q["tempo_rpm"] == pytest.approx(10.0)  # a rep every 6 s
    assert q["move_s"] == pytest.approx(2.0)  # 5 s reps less holds of 2..4 s: median of 3, 2.5, 2, 1.5, 1


def _circle_path(a, b, n_circles=6, per_s=1.2, sampling_rate_hz=20.0):
    n = int(per_s * sampling_rate_hz)
    th = np.linspace(0, 2 * np.pi * n_circles, n * n_circles, endpoint=False)
    circles = [{"start_s": k * per_s, "end_s": (k + 1) * per_s - 1 / sampling_rate_hz, "direction": "ccw"}
               for k in range(n_circles)]
    return {"exercise": "ankle_circles", "start_s": 0.0, "end_s": n_circles * per_s, "circles": circles,
            "reps": [], "strides": [],
            "toe_path": {"rate_hz": sampling_rate_hz, "t0_s": 0.0, "y_deg": (a * np.cos(th)).tolist(),
                         "z_deg": (b * np.sin(th)).tolist()}}


def test_circle_size_and_roundness_from_the_toe_path():
    q = bout_quality(_circle_path(10.0, 10.0))
    assert q["circle_size_deg"] == pytest.approx(20.0, rel=0.03)  # diameter of a 10° radius circle
    assert q["circle_roundness"] == pytest.approx(1.0, abs=0.05)
    q = bout_quality(_circle_path(10.0, 5.0))
    assert q["circle_roundness"] == pytest.approx(0.5, abs=0.05)
    assert q["circle_size_deg"] == pytest.approx(math.sqrt(2 * (100 + 25)), rel=0.05)
    assert q["circles_ccw"] == 6 and q["circles_cw"] == 0


def test_hold_wobble_is_the_rms_of_the_angle_in_the_hold():
    sampling_rate_hz = 50.0
    t = np.arange(0, 10, 1 / sampling_rate_hz)
    # Rest 0°, up to 20° over 1 s from t=1, held 5 s (t=2..7) with a 1° sine wobble at 3 Hz, down by t=8.
    angle = np.interp(t, [0, 1, 2, 7, 8, 10], [0, 0, 20, 20, 0, 0])
    angle = angle + np.where((t >= 2) & (t < 7), np.sin(2 * np.pi * 3 * t), 0.0)
    w = hold_wobble(angle, t, [{"start_s": 1.0, "end_s": 8.0, "hold_s": 5.0}], sampling_rate_hz)
    assert w[0] == pytest.approx(1 / math.sqrt(2), rel=0.05)


def test_session_quality_of_the_demo_analysis():
    import json
    from pathlib import Path

    from analysis.pipeline import analyze_recording
    from sensors.recording import read_recording

    doc = analyze_recording(read_recording(Path(__file__).resolve().parents[1] / "recordings" / "demo.csv"))
    rows = {r["exercise"]: r for r in session_quality(doc)}
    # From the demo's analysis (README): 11 toe presses, 3 pencil pickups, 5 cw + 6 ccw circles.
    assert rows["toe_press"]["reps"] == 11 and rows["pencil_pickup"]["reps"] == 3
    assert (rows["ankle_circles"]["circles_cw"], rows["ankle_circles"]["circles_ccw"]) == (5, 6)
    assert rows["tiptoe_walk"]["heel_rise_deg"] == pytest.approx(31.7, abs=0.5)
    json.dumps(rows)  # plain JSON values only


def test_the_history_report_draws_trend_panels(tmp_path):
    from analysis.adherence import history_adherence
    from analysis.prescription import load
    from toehold.report import render_report

    h = simulate_history(days=28, seed=5, sessions_per_day=1)
    r = history_trends(h.docs, h.logs)
    out = tmp_path / "history.png"
    s = render_report(h.docs, out, history=history_adherence(h.docs, load()), trends=r, dpi=40)
    assert out.stat().st_size > 10_000
    assert "Toe press: range" in s["panels"] and "What the person reported" in s["panels"]
    assert s["trends"]["lagging_side"] == "right"
    assert s["trends"]["outcomes"]["sessions"] > 15
