"""The coach's state machine, fed hand-made live states (no sensor, no terminal)."""
from __future__ import annotations

import math

from analysis.coach import Coach, Step, plan_steps
from analysis.live import LiveState
from analysis.pipeline import apply_session_log
from analysis.prescription import load


def toe(reps=2):
    return Step("toe_press", "left", {"reps": reps, "hold_s": 4.0})


def state(t, reps=(), circles=(), tiptoe=(), holding=None):
    return LiveState(t_s=t, rep_events=list(reps), circle_events=list(circles),
                     tiptoe_events=list(tiptoe), holding_s=holding)


def run(coach, states):
    events = []
    for s in states:
        events += coach.update(s.t_s, s)
    return events


def test_default_programme_in_order_with_the_other_foot_after_per_foot_items():
    steps = plan_steps(load(), "right")
    assert [(s.exercise, s.side, s.measured) for s in steps] == [
        ("toe_press", "right", True), ("resistance_band", "right", True), ("tiptoe_walk", "right", True),
        ("pencil_pickup", "right", True), ("pencil_pickup", "left", False),
        ("ankle_circles", "right", True), ("ankle_circles", "left", False)]
    # The seed programme's targets: 10 reps held 4 s, 10 held 5 s, 20-30 s, 3 held 10 s, 8-10 s.
    assert steps[0].target == {"reps": 10, "hold_s": 4.0}
    assert steps[3].target == {"reps": 3, "hold_s": 10.0}
    assert steps[2].target == {"duration_s": 20.0}


def test_a_set_moves_on_when_its_reps_are_counted_with_feedback_per_rep():
    c = Coach([toe(2), Step("resistance_band", "left", {"reps": 1, "hold_s": 5.0})], announce_s=2, rest_s=3)
    ev = c.start(10.0)
    assert ev[0][0] == "announce" and ev[1][0] == "begin"
    r1 = (14.0, 20.0, 4.2, 6.0)     # held 4.2 s of 4, 6° of movement
    r2 = (22.0, 26.0, 2.0, 6.0)     # held 2 s: too short
    # The hold timer needs a counted rep of this step (the live analysis measures
    # the held level from the set's reps); the release cue comes once per hold.
    ev = run(c, [state(12.0), state(16.0, holding=2.0), state(21.0, [r1]), state(23.0, [r1], holding=2.0),
                 state(25.0, [r1], holding=4.1), state(25.5, [r1], holding=4.6), state(27.0, [r1, r2])])
    kinds = [e[0] for e in ev]
    assert kinds == ["rep", "release", "rep", "step_end"]
    assert ev[0][2] == "good"
    assert ev[2][2].startswith("held too short")
    rec = ev[3][1]
    assert (rec.outcome, rec.start_s, rec.end_s) == ("done", 10.0, 27.0)
    assert c.view.phase == "rest"
    ev = run(c, [state(29.0, [r1, r2]), state(30.5, [r1, r2])])
    assert ev[0][0] == "announce" and ev[0][1].exercise == "resistance_band"
    # Reps before the step began are not the new step's.
    assert c.view.reps == 0


def test_not_far_enough_against_the_sets_first_reps():
    c = Coach([toe(5)], announce_s=0)
    c.start(0.0)
    reps = [(1.0 + 6 * k, 6.0 + 6 * k, 4.5, g) for k, g in enumerate([10.0, 11.0, 9.0, 4.0])]
    ev = run(c, [state(30.0, reps)])
    fb = [e[2] for e in ev if e[0] == "rep"]
    assert fb[:3] == ["good"] * 3 and fb[3].startswith("not far enough")


def test_short_set_is_partial_and_a_set_never_started_is_skipped():
    c = Coach([toe(10), toe(10)], announce_s=0, rest_s=0, start_timeout_s=40, stop_after_s=15)
    c.start(0.0)
    reps = [(2.0, 8.0, 4.5, 5.0), (10.0, 16.0, 4.5, 5.0)]
    ev = run(c, [state(20.0, reps), state(16.0 + 15 + 2 * 4 - 1, reps)])
    assert not [e for e in ev if e[0] == "step_end"]
    ev = run(c, [state(16.0 + 15 + 2 * 4 + 1, reps)])
    assert ev[-1][0] == "step_end" and ev[-1][1].outcome == "partial"
    t_next = c.steps_[-1].end_s
    # Skipped once nothing was counted 40 s after "go" plus twice the 4 s hold (a rep counts once released).
    ev = run(c, [state(t_next + 0.1, reps), state(t_next + 40 + 2 * 4 - 1, reps)])
    assert not [e for e in ev if e[0] == "step_end"]
    ev = run(c, [state(t_next + 40 + 2 * 4 + 1, reps), state(t_next + 50, reps)])
    assert ev[0][1].outcome == "skipped" and ev[-1] == ("finished",)


def test_keys_skip_repeat_stop():
    c = Coach([toe(), toe(), toe()], announce_s=0, rest_s=5)
    c.start(0.0)
    ev = c.key("s", 3.0)
    assert ev[0][1].outcome == "skipped" and c.view.phase == "rest"
    c.key("s", 4.0)  # skip the rest too: next step now
    assert c.view.step_index == 1 and c.steps_[-1].start_s == 4.0
    c.key("r", 6.0)  # start this step again
    assert c.view.step_index == 1 and len(c.steps_) == 2 and c.steps_[-1].start_s == 6.0
    ev = c.key("q", 8.0)
    assert ev[-1] == ("finished",) and c.finished
    assert [s.outcome for s in c.steps_] == ["skipped", "skipped", "skipped"]


def test_timed_steps_end_when_the_person_stops_and_the_other_foot_gets_the_same_time():
    circles = Step("ankle_circles", "left", {"duration_s": 8.0})
    other = Step("ankle_circles", "right", {"duration_s": 8.0}, measured=False)
    c = Coach([circles, other], announce_s=0, rest_s=0, quiet_s=6)
    c.start(0.0)
    cw = [(5.0 + k, 6.0 + k, "cw") for k in range(9)]
    ccw = [(16.0 + k, 17.0 + k, "ccw") for k in range(9)]
    ev = run(c, [state(15.0, circles=cw), state(26.0, circles=cw + ccw), state(31.0, circles=cw + ccw)])
    assert not ev
    ev = run(c, [state(32.5, circles=cw + ccw)])
    rec = ev[0][1]
    assert rec.outcome == "done" and rec.counted["cw"] == 9 and rec.counted["ccw"] == 9
    ev = run(c, [state(32.6), state(32.6 + 31.0)])
    assert [e[0] for e in ev] == ["announce", "begin"]
    ev = run(c, [state(32.6 + 32.6)])
    assert ev[0][1].outcome == "done" and not ev[0][1].measured


def test_session_log_names_the_bouts_inside_a_step_and_nothing_else():
    bouts = [
        {"exercise": "pencil_pickup", "start_s": 10.0, "end_s": 30.0, "confidence": 0.4,
         "reps": [{"start_s": 10.0, "end_s": 16.0, "hold_s": 4.0}], "circles": [], "strides": []},
        {"exercise": "toe_press", "start_s": 32.0, "end_s": 50.0, "confidence": 0.9,
         "reps": [{"start_s": 32.0, "end_s": 38.0, "hold_s": 4.1}], "circles": [], "strides": []},
        {"exercise": "tiptoe_walk", "start_s": 100.0, "end_s": 120.0, "confidence": 0.9,
         "reps": [], "circles": [], "strides": [{"t_s": 101.0}]},
    ]
    log = {"format": "toehold-session/1", "steps": [
        {"exercise": "toe_press", "side": "left", "start_s": 5.0, "end_s": 60.0, "outcome": "partial"},
        {"exercise": "ankle_circles", "side": "right", "start_s": 95.0, "end_s": 125.0, "outcome": "done"}]}
    out = apply_session_log(bouts, log, side="left")
    assert [e["exercise"] for e in out] == ["toe_press", "tiptoe_walk"]
    assert (out[0]["start_s"], out[0]["end_s"], len(out[0]["reps"])) == (10.0, 50.0, 2)
    assert out[1] == bouts[2]           # the other foot's step changes nothing
    assert bouts[0]["exercise"] == "pencil_pickup"  # the input is left alone
    assert math.isclose(out[0]["confidence"], 1.0)
