"""A whole guided session, end to end over the emulated BLE link at ``--speed max``.

An emulated person wears an emulated Movesense on the left foot and follows
the coach through the default programme, except that they do the
resistance-band set short (6 of 10 reps) and skip the pencil pickup. The
expected values come from what the person did (``person.done``, the
simulator's own record of the motion it generated), not from the analysis.
The holds come before any walk reveals how the sensor sits on the foot: the
coach counts inside each step with the step's exercise known
(``analysis.guided``), live and in the analysis of the file alike.

Cost (``time python -m pytest tests/test_session_e2e.py -n 0``, 2026-11-30,
machine load 12 on 2 cores): 26 s CPU for the file, about 7 minutes of
data streamed at 10x.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sensors.emulated.person import EmulatedPerson, PersonConfig
from toehold.batch import analyze_path
from toehold.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    out = tmp_path_factory.mktemp("guided")
    person = EmulatedPerson(PersonConfig(reps={"resistance_band": 6}, skip=("pencil_pickup",), pause_s=0.5),
                            side="left", seed=15)
    args = build_parser().parse_args(["session", "--emulate", "movesense", "--speed", "max", "-o", str(out),
                                      "--name", "today", "--rest", "2"])
    args.person = person
    # Spoken cues go to this engine (standard output is no terminal: no bell).
    args.speech_engine = engine = SpokenWords()
    # Shorter waits than a person needs (the programme itself is the default one,
    # every rep and hold of it), so the session is about 6 minutes of data.
    # start_timeout_s: the person starts a step within a few seconds of its
    # cue (the emulator is paced by the analysis) and a tiptoe walk shows
    # 6-15 s into it; the product's default is 45 s.
    args.coach_options = {"announce_s": 2.0, "start_timeout_s": 30.0, "stop_after_s": 10.0, "quiet_s": 5.0}
    assert args.func(args) == 0
    log = json.loads((out / "today.session.json").read_text())
    result = analyze_path(out / "today.csv")  # as `toehold analyze` does: with the session log beside it
    doc = result.doc
    return out, person, log, doc, engine


class SpokenWords:
    """A text-to-speech engine that keeps the words (an output sink)."""

    def __init__(self):
        self.said = []

    def say(self, text):
        self.said.append(text)


def test_the_cues_were_spoken(session):
    *_, engine = session
    assert engine.said[0] == "toe press, left foot"
    assert "release" in engine.said and engine.said[-1] == "programme finished"


def test_session_log_has_every_step_in_order_with_the_outcome_the_person_caused(session):
    _, person, log, _, _ = session
    assert log["format"] == "toehold-session/1" and log["recording"] == "today.csv"
    steps = [(s["exercise"], s["side"]) for s in log["steps"]]
    # The default programme: per-foot items for the sensor's foot, then the other foot.
    assert steps == [("toe_press", "left"), ("resistance_band", "left"), ("tiptoe_walk", "left"),
                     ("pencil_pickup", "left"), ("pencil_pickup", "right"),
                     ("ankle_circles", "left"), ("ankle_circles", "right")]
    outcome = {(s["exercise"], s["side"]): s["outcome"] for s in log["steps"]}
    assert outcome[("toe_press", "left")] == "done"
    assert outcome[("resistance_band", "left")] == "partial"   # 6 of 10
    assert outcome[("pencil_pickup", "left")] == "skipped"
    assert outcome[("tiptoe_walk", "left")] == "done"
    assert log["steps"][0]["target"] == {"reps": 10, "hold_s": 4.0}
    for a, b in zip(log["steps"], log["steps"][1:]):
        assert a["start_s"] < a["end_s"] <= b["start_s"]
    assert log["reported"] == {}  # no terminal: no questions


def test_the_person_acts_on_each_cue_in_recording_time(session):
    """At ``--speed max`` the sensor streams at most 5 s of data ahead of the live analysis
    (``EmulatedSensor.paced_by``), so the person starts each step within a few seconds of
    recording time of its cue however busy the machine: a start timeout means what it says."""
    _, person, log, _, _ = session
    for step, did in zip(log["steps"], person.done):
        assert (did["exercise"], did["side"]) == (step["exercise"], step["side"])
        assert -0.5 <= did["begun_s"] - step["start_s"] <= 7.0, step["exercise"]


def test_analysis_counts_equal_what_the_person_did(session):
    _, person, log, doc, _ = session
    did = {(d["exercise"], d["side"]): d for d in person.done}
    for step in log["steps"]:
        if step["side"] != "left" or step["outcome"] == "skipped":
            continue
        inside = [e for e in doc["exercises"]
                  if step["start_s"] <= 0.5 * (e["start_s"] + e["end_s"]) <= step["end_s"]]
        assert [e["exercise"] for e in inside] == [step["exercise"]], step
        truth = did[(step["exercise"], "left")]
        e = inside[0]
        if step["exercise"] in ("toe_press", "resistance_band"):
            assert len(e["reps"]) == truth["reps"], step["exercise"]
        elif step["exercise"] == "ankle_circles":
            got = {d: sum(c["direction"] == d for c in e["circles"]) for d in ("cw", "ccw")}
            assert got == truth["circles"]
        elif step["exercise"] == "tiptoe_walk":
            assert abs(len(e["strides"]) - truth["strides"]) <= 1
        # What the coach counted live is what the analysis of the file counts.
        if step["exercise"] in ("toe_press", "resistance_band"):
            assert step["live_count"]["reps"] == truth["reps"]
    # The skipped pencil step left nothing to count.
    assert not [e for e in doc["exercises"] if e["exercise"] == "pencil_pickup"]


def test_adherence_counts_the_guided_steps(session):
    _, person, log, doc, _ = session
    adh = doc["adherence"]
    # Every step of the log, by its outcome: the band short, the left pencil
    # skipped, toe press, tiptoe and the two unmeasured right-foot steps done
    # (the left circles are done or partial: this person circles one way
    # for less than the target, close to the coach's line).
    outcomes = [s["outcome"] for s in log["steps"]]
    assert adh["guided_steps"] == {"done": outcomes.count("done"), "partial": outcomes.count("partial"),
                                   "skipped": 1, "steps": 7}
    assert outcomes.count("done") >= 4 and 1 <= outcomes.count("partial") <= 2
    band = next(i for i in adh["items"] if i["exercise"] == "resistance_band")
    truth = next(d for d in person.done if d["exercise"] == "resistance_band")
    assert band["reps_done"] == truth["reps"] == 6
    assert band["completion"] <= 0.6
    pencil = next(i for i in adh["items"] if i["exercise"] == "pencil_pickup")
    assert pencil["completion"] == 0
    assert [s["outcome"] for s in pencil["guided_steps"]] == ["skipped", "done"]


def test_report_png_is_written(session):
    out, *_ = session
    png = (out / "today.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
