"""The report as a patient or physiotherapist reads it (issue 15, point 8).

Each test draws a report from an analysis document built by hand and checks
what the picture says (``render_report`` returns the texts it drew) against
the arithmetic done here.
"""
import datetime as dt

import matplotlib.colors
import pytest
from test_report import doc  # the hand-built analysis document of the report tests

from analysis.adherence import history_adherence, session_adherence
from analysis.prescription import load
from toehold import report
from toehold.report import render_report


def _with_adherence(d):
    d["adherence"] = session_adherence(d, load())
    return d


def test_two_sets_are_drawn_apart_not_merged_into_more_reps_than_asked(tmp_path):
    d = doc(reps=[("toe_press", [4.5] * 10)])
    second = dict(d["exercises"][0], start_s=120.0, end_s=190.0,
                  reps=[{"start_s": 120 + 7 * i, "end_s": 126 + 7 * i, "hold_s": 3.0 if i < 4 else 4.2}
                        for i in range(9)])
    d["exercises"].append(second)
    s = render_report([_with_adherence(d)], tmp_path / "r.png")
    info = s["exercises"]["toe_press"]
    assert info["sets"] == [10, 9]
    assert info["reps"] == 19


def test_an_ankle_session_counts_only_what_the_sensor_can_measure_and_names_the_rest(tmp_path):
    blind = {"resistance_band": "x", "pencil_pickup": "y", "ankle_circles": "z"}
    d = doc(reps=[("toe_press", [4.5] * 9 + [2.0])], tiptoe_s=25, not_observable=blind)
    d["recording"]["placement"] = "ankle"
    d = _with_adherence(d)
    # toe press 9 of 10 held ≥ 4 s → 0.9; tiptoe 25 s of 20 → 1 (capped); the mean of the two.
    assert d["adherence"]["completion"] == pytest.approx(0.95)
    s = render_report([d], tmp_path / "r.png")
    h = s["header"]
    assert h["big"] == "95 %"
    assert h["big_label"] == "of the 2 exercises this sensor can measure"
    assert h["unmeasurable"] == ["resistance_band", "pencil_pickup", "ankle_circles"]


def test_percentages_are_explained_with_the_prescriptions_numbers(tmp_path):
    d = _with_adherence(doc(reps=[("toe_press", [4.5] * 4 + [3.0] * 7)], tiptoe_s=21))
    s = render_report([d], tmp_path / "r.png")
    text = s["how_to_read"]
    p = load()
    assert f"toe press: reps held ≥ {p.item('toe_press').hold_s:g} s ÷ {p.item('toe_press').reps} asked" in text
    assert f"tiptoe walk: seconds on tiptoe ÷ {p.item('tiptoe_walk').duration_s[0]:g} s" in text
    assert "pale = held shorter" in text


def test_no_colour_that_means_an_exercise_is_used_for_how_much_was_done():
    exercise_hues = {matplotlib.colors.to_hex(c) for c in report.COLOURS.values()}
    for c in (report.DONE, report.PART, report.LITTLE, report.NONE):
        r, g, b = matplotlib.colors.to_rgb(c)
        assert max(r, g, b) - min(r, g, b) < 0.02, c  # a grey
        assert matplotlib.colors.to_hex(c) not in exercise_hues


def test_every_reference_band_names_its_source_and_the_docs_give_it(tmp_path):
    from pathlib import Path

    from analysis.balance import REFERENCE

    ranges = (Path(__file__).resolve().parents[2] / "docs" / "reference-ranges.md").read_text()
    for key in REFERENCE:
        assert key in report.REFERENCE_SOURCE
        assert f"`{key}`" in ranges
        author = report.REFERENCE_SOURCE[key].split(", ")[-1].split()[0]
        assert author in ranges


def test_sway_that_a_foot_sensor_cannot_see_is_said_once_in_plain_words(tmp_path):
    d = _with_adherence(doc(tiptoe_s=21))
    d["balance"] = {"sway": {"not_observable": "quiet-standing sway is a shank (inverted pendulum) motion"},
                    "tiptoe_gait": [{"cadence_spm": {"value": 110.0, "unit": "steps/min",
                                                     "reference": [100.0, 120.0]}}]}
    d["not_observable"] = {"sway": "quiet-standing sway is a shank (inverted pendulum) motion"}
    s = render_report([d], tmp_path / "r.png")
    note = s["balance"]["note"]
    assert "pendulum" not in note and "above the ankle" in note
    assert not any("sway" in line for line in s["notes"])


def test_times_are_shown_in_local_time_with_the_zone_named():
    tz = dt.timezone(dt.timedelta(hours=-5), "EST")
    d = doc(start="2026-11-24T13:30:00Z")
    assert report._when(d, tz) == "Tue 24 Nov 2026, 08:30 (EST, UTC-05:00)"
    # A start time that carries its own offset (a phone app's) is the local time it says.
    d = doc(start="2026-11-24T09:15:00+01:00")
    assert report._when(d, tz) == "Tue 24 Nov 2026, 09:15 (UTC+01:00)"


def test_timeline_gaps_are_in_the_legend(tmp_path):
    d = _with_adherence(doc(tiptoe_s=21))
    d["recording"]["gaps"] = [{"start_s": 50.0, "end_s": 55.0}, {"start_s": 60.0, "end_s": 60.02}]
    s = render_report([d], tmp_path / "r.png")
    assert s["notes"][0].startswith("the sensor's signal dropped 2 times, 5.0 s of data lost in all")


def test_history_headline_counts_sessions_and_states_the_streak_rule(tmp_path):
    p = load()
    docs = []
    for day, n in ((1, 3), (2, 3), (3, 1)):  # the last day: 1 of 3 sessions
        for k in range(n):
            d = doc(start=f"2026-11-0{day}T{8 + k:02d}:00:00Z", tiptoe_s=25, circles=["cw"] * 5 + ["ccw"] * 5,
                    reps=[("toe_press", [4.5] * 10), ("resistance_band", [5.5] * 10),
                          ("pencil_pickup", [11.0] * 3)])
            docs.append(_with_adherence(d))
    assert all(d["adherence"]["done"] for d in docs)
    h = history_adherence(docs, p)
    assert [x["sessions_done"] for x in h["days"]] == [3, 3, 1]
    assert h["current_streak_days"] == 0 and h["longest_streak_days"] == 2
    s = render_report(docs, tmp_path / "r.png", history=h)
    assert s["header"]["big"] == "7 of 9"
    assert s["header"]["big_label"].startswith("prescribed sessions done (78 %; 3 a day for 3 days)")
    assert s["calendar"]["streak_rule"] == "a day counts toward a streak when all 3 of its sessions were done"
