"""Prescription, adherence arithmetic, sway metrics and the PNG report."""
import math
from pathlib import Path

import numpy as np
import pytest

from analysis.adherence import history_adherence, session_adherence
from analysis.balance import CHI2_95_2DOF, SwayMetrics
from analysis.prescription import PrescriptionError, load
from toehold.report import render_report

ROOT = Path(__file__).resolve().parents[2]


def doc(start="2026-11-24T08:00:00Z", reps=(), circles=(), tiptoe_s=0.0, side="left", not_observable=None):
    exercises = []
    for name, holds in reps:
        exercises.append({"exercise": name, "start_s": 10.0, "end_s": 10 + 7 * len(holds),
                          "reps": [{"start_s": 10 + 7 * i, "end_s": 16 + 7 * i, "hold_s": h}
                                   for i, h in enumerate(holds)], "circles": [], "strides": []})
    if circles:
        exercises.append({"exercise": "ankle_circles", "start_s": 200.0, "end_s": 220.0, "reps": [],
                          "circles": [{"start_s": 200 + i, "end_s": 201 + i, "direction": d}
                                      for i, d in enumerate(circles)], "strides": []})
    if tiptoe_s:
        exercises.append({"exercise": "tiptoe_walk", "start_s": 300.0, "end_s": 300 + tiptoe_s, "reps": [],
                          "circles": [], "strides": [{"t_s": 300 + i} for i in range(int(tiptoe_s))]})
    return {"format": "toehold-analysis/1",
            "recording": {"path": "x.csv", "duration_s": 400.0, "sample_rate_hz": 100.0, "placement": "foot",
                          "side": side, "gaps": [], "start_time": start},
            "exercises": exercises, "balance": {}, "adherence": {},
            "not_observable": not_observable or {}}


def test_the_default_prescription_is_the_seed_programme():
    p = load()
    assert [i.exercise for i in p.items] == ["toe_press", "resistance_band", "tiptoe_walk",
                                             "pencil_pickup", "ankle_circles"]
    assert p.item("toe_press").reps == 10 and p.item("toe_press").hold_s == 4.0
    assert p.item("pencil_pickup").per_foot and p.sessions_per_day == 3


@pytest.mark.parametrize("text, key", [
    ('[[item]]\nexercise = "toe_pres"', "'exercise'"),
    ('[[item]]\nexercise = "toe_press"\nreps = "ten"', "'reps'"),
    ('[[item]]\nexercise = "toe_press"\nhold = 4', "unknown key(s) hold"),
    ('name = "x"', "'item'"),
    ('[[item]\n', "not valid TOML"),
])
def test_a_malformed_prescription_names_the_key(text, key, tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text(text)
    with pytest.raises(PrescriptionError) as err:
        load(f)
    assert key in str(err.value) and "mine.toml" in str(err.value)


def test_session_adherence_counts_reps_holds_seconds_and_directions():
    d = doc(reps=[("toe_press", [4.5, 4.0, 3.0, 5.0, 4.1]), ("resistance_band", [5.0] * 10)],
            circles=["cw"] * 8 + ["ccw"] * 4, tiptoe_s=10.0)
    adh = session_adherence(d, load())
    items = {i["exercise"]: i for i in adh["items"]}
    assert items["toe_press"]["reps_done"] == 5 and items["toe_press"]["holds_met"] == 4
    assert items["toe_press"]["completion"] == pytest.approx(0.4)
    assert items["resistance_band"]["completion"] == 1.0
    assert items["tiptoe_walk"]["seconds_done"] == 10.0 and items["tiptoe_walk"]["completion"] == 0.5
    assert items["ankle_circles"]["circles"]["cw"] == {"circles": 8, "seconds": 8.0}
    assert items["ankle_circles"]["completion"] == pytest.approx(0.5 * 1.0 + 0.5 * 0.5)
    assert items["pencil_pickup"]["completion"] == 0.0
    assert adh["completion"] == pytest.approx((0.4 + 1 + 0.5 + 0 + 0.75) / 5, abs=1e-3)
    assert adh["done"] is False


def test_items_a_placement_cannot_see_are_left_out_not_zero():
    d = doc(reps=[("toe_press", [4.5] * 10)], tiptoe_s=25,
            not_observable={"resistance_band": "x", "pencil_pickup": "x", "ankle_circles": "x"})
    adh = session_adherence(d, load())
    assert [i["exercise"] for i in adh["items"] if not i["observable"]] == [
        "resistance_band", "pencil_pickup", "ankle_circles"]
    assert adh["completion"] == 1.0 and adh["done"]


def test_history_counts_days_streaks_and_missing_days():
    full = dict(reps=[("toe_press", [5] * 10), ("resistance_band", [6] * 10), ("pencil_pickup", [11] * 3)],
                circles=["cw"] * 9 + ["ccw"] * 9, tiptoe_s=25)
    docs = [doc(start=f"2026-11-{d:02d}T{h:02d}:00:00Z", **full)
            for d, hours in ((1, (8, 13, 19)), (2, (8, 13, 19)), (4, (8,)))
            for h in hours]
    h = history_adherence(docs, load())
    assert [d["date"] for d in h["days"]] == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]
    assert [d["sessions_done"] for d in h["days"]] == [3, 3, 0, 1]
    assert h["longest_streak_days"] == 2 and h["current_streak_days"] == 0
    assert h["completion_pct"] == pytest.approx(100 * (1 + 1 + 0 + 1 / 3) / 4, abs=0.1)


def test_sway_metrics_match_signals_of_known_spread():
    rng = np.random.default_rng(0)
    sampling_rate_hz, n = 50.0, 50 * 600
    from scipy.signal import butter, sosfiltfilt

    sos = butter(2, 1.0 / (sampling_rate_hz / 2), output="sos")  # sway-like: below 1 Hz
    ap = sosfiltfilt(sos, rng.normal(size=n))
    ml = sosfiltfilt(sos, rng.normal(size=n))
    ap *= 0.8 / ap.std()
    ml *= 0.4 / ml.std()
    sw = SwayMetrics(lowpass_hz=2.0).compute(ap, ml, sampling_rate_hz)
    assert sw.rms_ap_deg_ == pytest.approx(0.8, rel=0.03)
    assert sw.rms_ml_deg_ == pytest.approx(0.4, rel=0.03)
    assert sw.ellipse_area_deg2_ == pytest.approx(math.pi * CHI2_95_2DOF * 0.8 * 0.4, rel=0.06)
    # A steady sinusoid: path length per second is 4·A·f per axis.
    t = np.arange(n) / sampling_rate_hz
    sw = SwayMetrics().compute(1.0 * np.sin(2 * np.pi * 0.5 * t), 0 * t, sampling_rate_hz)
    assert sw.mean_velocity_dps_ == pytest.approx(4 * 1.0 * 0.5, rel=0.02)


def test_report_draws_every_panel_for_a_full_session(tmp_path):
    d = doc(reps=[("toe_press", [4.5] * 10), ("resistance_band", [5.2] * 9), ("pencil_pickup", [11, 9, 12])],
            circles=["cw"] * 8 + ["ccw"] * 7, tiptoe_s=24)
    d["adherence"] = session_adherence(d, load())
    out = tmp_path / "r.png"
    s = render_report([d], out)
    assert out.stat().st_size > 20_000
    assert s["panels"] == ["header", "Session timeline", "Toe press", "Resistance band", "Tiptoe walk",
                           "Pencil pickup", "Ankle circles", "Balance"]
    ex = s["exercises"]
    assert ex["toe_press"]["reps"] == 10 and ex["resistance_band"]["holds_met"] == 9
    assert ex["pencil_pickup"]["holds_met"] == 2
    assert (ex["ankle_circles"]["cw"], ex["ankle_circles"]["ccw"]) == (8, 7)
    assert ex["tiptoe_walk"]["strides"] == 24 and s["timeline"]["bouts"] == 5


def test_report_of_a_session_with_no_exercises_says_so(tmp_path):
    d = doc()
    d["adherence"] = session_adherence(d, load())
    s = render_report([d], tmp_path / "r.png")
    assert s["timeline"]["bouts"] == 0
    assert {v["state"] for v in s["exercises"].values()} == {"not done"}


def test_report_of_several_days_draws_the_calendar(tmp_path):
    docs = [doc(start=f"2026-11-{d:02d}T08:00:00Z", reps=[("toe_press", [5] * 10)]) for d in (1, 2, 5)]
    for d in docs:
        d["adherence"] = session_adherence(d, load())
    s = render_report(docs, tmp_path / "r.png", history=history_adherence(docs, load()))
    assert s["panels"][-1] == "Sessions done per day" and s["calendar"]["days"] == 5


def test_calendar_marks_the_guided_sessions_and_its_legend_says_so(tmp_path):
    """Two sessions on 2 Nov, one of them guided (its session log has steps), one plain on 1 Nov."""
    starts = ["2026-11-01T08:00:00Z", "2026-11-02T08:00:00Z", "2026-11-02T18:00:00Z"]
    docs = [doc(start=s, reps=[("toe_press", [5] * n)]) for s, n in zip(starts, (10, 3, 10))]
    docs[2]["session"] = {"format": "toehold-session/1", "reported": {}, "steps": [
        {"exercise": "toe_press", "side": "left", "start_s": 0.0, "end_s": 60.0,
         "target": {"reps": 10, "hold_s": 4.0}, "outcome": "done"}]}
    for d in docs:
        d["adherence"] = session_adherence(d, load())
    history = history_adherence(docs, load())
    assert history["days"][1]["session_guided"] == [False, True]
    s = render_report(docs, tmp_path / "r.png", history=history)
    cal = s["calendar"]
    # Day 2 (index 1): the guided session did all 10 reps, so it sorts to the top row (0).
    assert cal["guided_cells"] == [(1, 0)]
    assert "guided session (toehold session)" in cal["legend"]
    # Without a guided session, neither marker nor legend entry.
    plain = render_report(docs[:2], tmp_path / "p.png", history=history_adherence(docs[:2], load()))
    assert plain["calendar"]["guided_cells"] == [] and len(plain["calendar"]["legend"]) == 4


def test_report_command_on_the_demo_and_on_a_folder(tmp_path, cli):
    out = tmp_path / "demo.png"
    res = cli("report", "-o", out, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert out.exists() and "1 session" in res.stdout
    folder = tmp_path / "days"
    folder.mkdir()
    # One short set a day (a whole programme costs ten times the CPU): what is
    # counted here is the sessions, not their content.
    for seed in (1, 2):
        assert cli("simulate", "--seed", seed, "--tier", "clean", "--exercises", "toe_press", "--no-distractors",
                   "-o", folder / f"s{seed}.csv").returncode == 0
    res = cli("report", folder, "-o", tmp_path / "d.png", cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert "2 sessions" in res.stdout


def test_circles_panel_draws_each_measured_toe_path_the_way_the_toes_went(tmp_path):
    from toehold.report import _circle_paths

    d = doc(circles=["cw"] * 3 + ["ccw"] * 2)
    sampling_rate_hz, t = 20.0, np.arange(0, 20, 1 / 20.0)
    # Seen from in front of the toes (y to the viewer's right, z up): cw for
    # the first 3 s, then ccw; one circle per second.
    sense = np.where(t < 3, -1.0, 1.0)
    phase = np.cumsum(sense) * 2 * np.pi / sampling_rate_hz
    circ = next(e for e in d["exercises"] if e["exercise"] == "ankle_circles")
    circ["toe_path"] = {"rate_hz": sampling_rate_hz, "t0_s": 200.0, "y_deg": list(10 * np.cos(phase)),
                        "z_deg": list(10 * np.sin(phase))}
    d["adherence"] = session_adherence(d, load())
    s = render_report([d], tmp_path / "r.png")
    assert s["exercises"]["ankle_circles"]["paths_drawn"] == {"cw": 3, "ccw": 2}
    for direction, sign in (("cw", -1), ("ccw", 1)):
        for ys, zs in _circle_paths(d, direction):
            area = 0.5 * np.sum(np.array(ys[:-1]) * np.array(zs[1:]) - np.array(ys[1:]) * np.array(zs[:-1]))
            assert np.sign(area) == sign


def test_analysis_gives_each_circle_bout_its_toe_path():
    from analysis.pipeline import analyze_recording
    from sensors.recording import read_recording

    d = analyze_recording(read_recording(ROOT / "recordings" / "demo.csv"))
    bouts = [e for e in d["exercises"] if e["exercise"] == "ankle_circles"]
    assert bouts
    for e in bouts:
        path = e["toe_path"]
        n = len(path["y_deg"])
        assert n == len(path["z_deg"]) and n == pytest.approx((e["end_s"] - e["start_s"]) * path["rate_hz"], abs=2)
        # A foot drawing circles moves its toes by degrees, not by nothing.
        assert np.percentile(np.hypot(path["y_deg"], path["z_deg"]), 50) > 2
