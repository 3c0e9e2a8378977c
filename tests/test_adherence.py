"""Adherence as docs/adherence-and-balance.md defines it, key by key.

Expected values come from that document, the contract (§5, the session
log's steps), the seed programme (analysis/data/default_prescription.toml)
and hand arithmetic; tests/test_boundaries.py holds the rules' edges (a hold
exactly at its target, a session done at exactly 80 %).
"""
import datetime as dt
import time
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from analysis.adherence import history_adherence, session_adherence
from analysis.prescription import load as load_prescription
from analysis.prescription import parse

SEED = tomllib.loads((Path(__file__).resolve().parents[1] / "analysis" / "data"
                      / "default_prescription.toml").read_text())
# A programme that leaves every target out: reps, hold_s and duration_s.
BARE = parse('sessions_per_day = 1\n'
             '[[item]]\nexercise = "toe_press"\n'
             '[[item]]\nexercise = "tiptoe_walk"\n'
             '[[item]]\nexercise = "ankle_circles"\n')


def _bout(exercise, start_s, end_s, reps=(), circles=(), strides=0, confidence=1.0):
    return {"exercise": exercise, "start_s": start_s, "end_s": end_s, "confidence": confidence,
            "reps": [{"start_s": start_s + 5.0 * k, "end_s": start_s + 5.0 * k + 4.0, "hold_s": h}
                     for k, h in enumerate(reps)],
            "circles": [{"start_s": a, "end_s": b, "direction": d} for a, b, d in circles],
            "strides": [{"t_s": start_s + 0.5 + k} for k in range(strides)]}


def _doc(*bouts, start_time="2026-11-24T08:00:00Z", **extra):
    return {"format": "toehold-analysis/1",
            "recording": {"placement": "foot", "side": "left", "start_time": start_time},
            "exercises": list(bouts), **extra}


def _items(adh):
    return {i["exercise"]: i for i in adh["items"]}


# -- one session ---------------------------------------------------------------

def test_uncertain_bouts_are_listed_with_their_confidence_and_not_counted():
    # Threshold 0.5 (doc: `confidence_threshold` (0.5)); a bout at 0.25 is
    # listed under `uncertain` with exercise, start, end and confidence.
    sure = _bout("toe_press", 10.0, 60.0, reps=[4.0] * 5, confidence=0.9)
    unsure = _bout("toe_press", 100.0, 150.0, reps=[4.0] * 5, confidence=0.25)
    adh = session_adherence(_doc(sure, unsure), load_prescription())
    assert adh["uncertain"] == [{"exercise": "toe_press", "start_s": 100.0, "end_s": 150.0, "confidence": 0.25}]
    assert adh["confidence_threshold"] == 0.5
    toe = _items(adh)["toe_press"]
    assert (toe["reps_done"], toe["holds_met"], toe["completion"]) == (5, 5, 0.5)


def test_a_document_without_exercises_scores_every_item_zero():
    adh = session_adherence({"format": "toehold-analysis/1", "recording": {}}, load_prescription())
    assert [i["completion"] for i in adh["items"]] == [0.0] * 5
    assert (adh["completion"], adh["done"], adh["uncertain"]) == (0.0, False, [])
    assert "guided_steps" not in adh


def test_each_item_is_capped_at_one():
    # 12 holds of 4 s against 10 prescribed; 45 s of tiptoe against 20;
    # 30 s of circles each way against 8: every item 1.0, the session 1.0.
    doc = _doc(_bout("toe_press", 0.0, 70.0, reps=[4.0] * 12),
               _bout("resistance_band", 100.0, 170.0, reps=[5.0] * 10),
               _bout("pencil_pickup", 200.0, 260.0, reps=[10.0] * 4),
               _bout("tiptoe_walk", 300.0, 345.0, strides=40),
               _bout("ankle_circles", 400.0, 460.0,
                     circles=[(400.0 + 2 * k, 402.0 + 2 * k, "cw") for k in range(15)]
                     + [(430.0 + 2 * k, 432.0 + 2 * k, "ccw") for k in range(15)]))
    adh = session_adherence(doc, load_prescription())
    assert [i["completion"] for i in adh["items"]] == [1.0] * 5
    assert (adh["completion"], adh["done"]) == (1.0, True)


def test_seconds_are_reported_to_a_tenth_and_completion_to_a_thousandth():
    # Against a programme of its own (tiptoe [25, 30] s, circles [10, 12] s
    # a direction, 10 toe presses of 4 s):
    #   toe press  2 of 10 held                          -> 0.2
    #   tiptoe     12.44 s -> shown 12.4 s; 12.44 / 25 = 0.4976 -> 0.498
    #   circles    cw 3 x 1.34 s = 4.02 s -> 4.0 s; 0.5 * 4.0 / 10 -> 0.2
    #   session    (0.2 + 0.498 + 0.2) / 3 = 0.29933 -> 0.299
    pres = parse('sessions_per_day = 1\n'
                 '[[item]]\nexercise = "toe_press"\nreps = 10\nhold_s = 4.0\n'
                 '[[item]]\nexercise = "tiptoe_walk"\nduration_s = [25.0, 30.0]\n'
                 '[[item]]\nexercise = "ankle_circles"\nduration_s = [10.0, 12.0]\n')
    doc = _doc(_bout("toe_press", 0.0, 10.0, reps=[4.0, 4.0]),
               _bout("tiptoe_walk", 10.0, 22.44, strides=9),
               _bout("ankle_circles", 40.0, 50.0, circles=[(40.0 + 2 * k, 41.34 + 2 * k, "cw") for k in range(3)]))
    adh = session_adherence(doc, pres)
    items = _items(adh)
    assert items["tiptoe_walk"]["seconds_done"] == 12.4
    assert items["tiptoe_walk"]["seconds_target"] == [25.0, 30.0]
    assert items["tiptoe_walk"]["completion"] == 0.498
    assert items["ankle_circles"]["circles"] == {"cw": {"circles": 3, "seconds": 4.0},
                                                 "ccw": {"circles": 0, "seconds": 0.0}}
    assert items["ankle_circles"]["seconds_target_per_direction"] == [10.0, 12.0]
    assert items["ankle_circles"]["completion"] == 0.2
    assert adh["completion"] == 0.299


def test_a_session_with_no_observable_item_has_no_completion():
    doc = _doc(not_observable={e: "not seen from here" for e in
                               ("toe_press", "resistance_band", "tiptoe_walk", "pencil_pickup", "ankle_circles")})
    adh = session_adherence(doc, load_prescription())
    assert (adh["completion"], adh["done"]) == (None, False)
    assert all(i["observable"] is False and i["why"] == "not seen from here" for i in adh["items"])


def test_a_programme_without_targets_uses_the_seed_programmes_and_counts_every_hold():
    # No hold_s: every hold meets it (even 0.5 s). No reps: nothing to
    # divide by, so the item has no completion and is left out of the
    # session's. No duration_s: the seed programme's tiptoe [20, 30] s and
    # circles [8, 10] s per direction.
    tip = next(i for i in SEED["item"] if i["exercise"] == "tiptoe_walk")["duration_s"]
    circ = next(i for i in SEED["item"] if i["exercise"] == "ankle_circles")["duration_s"]
    assert (tip, circ) == ([20.0, 30.0], [8.0, 10.0])
    doc = _doc(_bout("toe_press", 0.0, 30.0, reps=[0.5, 0.5, 3.0]),
               _bout("tiptoe_walk", 100.0, 110.0, strides=8),
               _bout("ankle_circles", 200.0, 210.0, circles=[(200.0, 202.0, "cw"), (204.0, 206.0, "ccw")]))
    adh = session_adherence(doc, BARE)
    items = _items(adh)
    assert items["toe_press"] == {"exercise": "toe_press", "per_foot": False, "side": "left", "observable": True,
                                  "reps_done": 3, "reps_prescribed": None, "hold_target_s": None,
                                  "holds_met": 3, "completion": None}
    assert items["tiptoe_walk"]["seconds_target"] == tip
    assert items["tiptoe_walk"]["completion"] == 10.0 / tip[0]
    assert items["ankle_circles"]["seconds_target_per_direction"] == circ
    assert items["ankle_circles"]["completion"] == 0.5 * 2.0 / circ[0] + 0.5 * 2.0 / circ[0]
    # Session: the mean of the two items that have a completion.
    assert adh["completion"] == round((0.5 + 0.25) / 2, 3)


def test_a_guided_session_lists_each_steps_outcome():
    # Contract §5: steps with exercise, side and outcome (done, partial,
    # skipped); README: adherence lists each step's outcome.
    steps = [{"exercise": "toe_press", "side": "left", "outcome": "done"},
             {"exercise": "toe_press", "side": "right", "outcome": "partial"},
             {"exercise": "pencil_pickup", "side": "left", "outcome": "skipped"},
             {"exercise": "tiptoe_walk", "side": "left", "outcome": "done"},
             "not a step"]
    adh = session_adherence(_doc(session={"steps": steps}), load_prescription())
    items = _items(adh)
    assert items["toe_press"]["guided_steps"] == [{"side": "left", "outcome": "done"},
                                                  {"side": "right", "outcome": "partial"}]
    assert items["pencil_pickup"]["guided_steps"] == [{"side": "left", "outcome": "skipped"}]
    assert items["tiptoe_walk"]["guided_steps"] == [{"side": "left", "outcome": "done"}]
    assert items["resistance_band"]["guided_steps"] == []
    assert adh["guided_steps"] == {"done": 2, "partial": 1, "skipped": 1, "steps": 4}


def test_the_session_states_its_rules():
    adh = session_adherence(_doc(), load_prescription())
    assert adh["done_rule"] == "a session is done when its observable items average at least 80%"


# -- the person's day (docs: the local date of the start time) ------------------

@pytest.mark.parametrize("start, day", [
    ("2026-11-02T03:30:00Z", "2026-11-01"),        # UTC: put in New York (UTC-5)
    ("2026-11-02T03:30:00", "2026-11-01"),         # no offset: taken as UTC, then New York
    ("2026-11-02T03:30:00+00:00", "2026-11-01"),
    ("2026-11-02T01:00:00+05:00", "2026-11-02"),   # a phone's own offset: kept as it was
])
def test_a_start_time_is_the_persons_own_day(start, day):
    h = history_adherence([_doc(start_time=start)], BARE, tz=ZoneInfo("America/New_York"))
    assert [d["date"] for d in h["days"]] == [day]


def test_a_start_time_without_offset_is_utc_whatever_the_computers_zone(monkeypatch):
    # Taken as UTC, then put in the zone asked for: 12:00 UTC is 21:00 in
    # Tokyo, the same day, even on a computer set to New York (where 12:00
    # would be 02:00 the next day in Tokyo).
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        h = history_adherence([_doc(start_time="2026-11-02T12:00:00")], BARE, tz=ZoneInfo("Asia/Tokyo"))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert [d["date"] for d in h["days"]] == ["2026-11-02"]


@pytest.mark.parametrize("start, dated", [
    ("1989-12-31T12:00:00Z", False), ("1990-01-01T12:00:00Z", True),
    ("2200-12-31T12:00:00Z", True), ("2201-01-01T12:00:00Z", False),
])
def test_dates_outside_1990_to_2200_count_as_undated(start, dated):
    h = history_adherence([_doc(start_time=start)], BARE, tz=dt.UTC)
    assert h["undated_sessions"] == (0 if dated else 1)
    assert [d["date"] for d in h["days"]] == ([start[:10]] if dated else [])


# -- across days ----------------------------------------------------------------

def _dated(day, done=True, **kw):
    """A one-toe-press session on ``day``: done (a 4 s hold) or not (no rep)."""
    return _doc(_bout("toe_press", 0.0, 10.0, reps=[4.0] if done else []), start_time=f"{day}T09:00:00Z", **kw)


ONE_REP = parse('sessions_per_day = 3\n[[item]]\nexercise = "toe_press"\nreps = 1\nhold_s = 4.0\n')


def test_day_completion_is_done_over_prescribed_to_a_thousandth():
    # 3 a day prescribed: 1 done is 0.333, 2 are 0.667; the mean over the
    # two days 0.5 -> 50.0 %. No day full: no streak.
    docs = [_dated("2026-11-01"), _dated("2026-11-02"), _dated("2026-11-02"), _dated("2026-11-02", done=False)]
    h = history_adherence(docs, ONE_REP, tz=dt.UTC)
    assert [d["completion"] for d in h["days"]] == [0.333, 0.667]
    assert [d["sessions_done"] for d in h["days"]] == [1, 2]
    assert h["completion_pct"] == 50.0
    assert (h["current_streak_days"], h["longest_streak_days"]) == (0, 0)
    assert (h["undated_sessions"], h["sessions_before_calendar"]) == (0, 0)
    assert h["streak_rule"] == "a day counts toward a streak when all 3 sessions were done"


def test_completion_pct_is_rounded_to_a_tenth():
    # Days of 1, 0 and 2 done out of 3: 0.333, 0 (no session), 0.667;
    # mean 0.3333 -> 33.3 %.
    docs = [_dated("2026-11-01"), _dated("2026-11-03"), _dated("2026-11-03")]
    h = history_adherence(docs, ONE_REP, tz=dt.UTC)
    assert [d["completion"] for d in h["days"]] == [0.333, 0.0, 0.667]
    assert h["completion_pct"] == 33.3


def test_undated_sessions_only_make_no_calendar():
    undated = _dated("2026-11-01")
    del undated["recording"]["start_time"]
    h = history_adherence([undated, undated], ONE_REP)
    assert h == {"days": [], "undated_sessions": 2, "sessions_before_calendar": 0, "completion_pct": None,
                 "current_streak_days": 0, "longest_streak_days": 0,
                 "streak_rule": "a day counts toward a streak when all 3 sessions were done"}


def test_an_undated_session_does_not_stop_the_count():
    undated = _dated("2026-11-01")
    del undated["recording"]["start_time"]
    h = history_adherence([undated, _dated("2026-11-01"), _dated("2026-11-02")], ONE_REP, tz=dt.UTC)
    assert [d["sessions"] for d in h["days"]] == [1, 1]
    assert h["undated_sessions"] == 1


def test_an_adherence_already_in_the_document_is_used():
    # "its adherence is computed if absent": a document that carries one
    # (a session scored earlier, perhaps with another programme) keeps it.
    doc = _dated("2026-11-01", done=False, adherence={"done": True, "completion": 0.9})
    h = history_adherence([doc], ONE_REP, tz=dt.UTC)
    assert h["days"][0]["sessions_done"] == 1
    assert h["days"][0]["session_completion"] == [0.9]


def test_the_calendar_covers_1098_days_up_to_the_last_session():
    # Docs: at most 1098 days (3 x 366) up to the last session; sessions
    # before it are counted in sessions_before_calendar.
    last = dt.date(2026, 11, 30)
    days = [last - dt.timedelta(days=1098), last - dt.timedelta(days=1097), last]
    h = history_adherence([_dated(d.isoformat()) for d in days], ONE_REP, tz=dt.UTC)
    assert len(h["days"]) == 1098
    assert h["days"][0]["date"] == days[1].isoformat() and h["days"][0]["sessions"] == 1
    assert h["sessions_before_calendar"] == 1


def test_a_guided_session_is_marked_in_its_day():
    guided = _dated("2026-11-01", session={"steps": [{"exercise": "toe_press", "side": "left", "outcome": "done"}]})
    h = history_adherence([guided, _dated("2026-11-01")], ONE_REP, tz=dt.UTC)
    assert h["days"][0]["session_guided"] == [True, False]
