"""Adherence: what was done against what was prescribed.

Per session (one analysis document), per day and across days. All pure: the
inputs are ``toehold-analysis/1`` documents and a
:class:`~analysis.prescription.Prescription`. The keys are documented in
``docs/adherence-and-balance.md``.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sensors.contract import CIRCLE_DIRECTIONS, HOLD_EXERCISES

from .confidence import THRESHOLD, is_counted
from .prescription import Prescription

DONE_AT = 0.8  # a session counts as done at 80 % of its observable items
# The calendar covers at most this many days, ending at the last session:
# recordings dated years 0001 and 9999 made a 3.6-million-day calendar (4.9 GB).
MAX_CALENDAR_DAYS = 3 * 366
# A start time outside these years is taken as no date (a clock not set, or forged).
PLAUSIBLE_YEARS = (1990, 2200)


def _bouts(doc: dict, exercise: str) -> list[dict]:
    """The exercise's bouts that count: uncertain ones (confidence below
    the threshold) are listed apart, not counted."""
    return [e for e in doc.get("exercises", []) if e["exercise"] == exercise and is_counted(e)]


def uncertain_bouts(doc: dict) -> list[dict]:
    """Bouts below the confidence threshold: shown as uncertain, not counted."""
    return [{"exercise": e["exercise"], "start_s": e["start_s"], "end_s": e["end_s"],
             "confidence": e.get("confidence")}
            for e in doc.get("exercises", []) if not is_counted(e)]


def session_adherence(doc: dict, prescription: Prescription) -> dict:
    """Each prescribed item against one recording's analysis.

    Returns the ``adherence`` object: ``items`` (one per prescribed
    exercise), ``completion`` (0–1, mean over observable items), ``done``,
    ``uncertain`` (bouts not counted because their confidence is below
    ``confidence_threshold``).
    """
    not_obs = doc.get("not_observable", {})
    side = (doc.get("recording") or {}).get("side")
    items = []
    for it in prescription.items:
        entry: dict = {"exercise": it.exercise, "per_foot": it.per_foot, "side": side}
        if it.exercise in not_obs:
            entry.update(observable=False, completion=None, why=not_obs[it.exercise])
            items.append(entry)
            continue
        bouts = _bouts(doc, it.exercise)
        if it.exercise in HOLD_EXERCISES:
            holds = [r["hold_s"] for b in bouts for r in b["reps"]]
            met = sum(h >= (it.hold_s or 0) for h in holds)
            entry.update(reps_done=len(holds), reps_prescribed=it.reps, hold_target_s=it.hold_s,
                         holds_met=met,
                         completion=min(1.0, met / it.reps) if it.reps else None)
        elif it.exercise == "tiptoe_walk":
            seconds = sum(b["end_s"] - b["start_s"] for b in bouts)
            target = it.duration_s[0] if it.duration_s else 20.0
            entry.update(seconds_done=round(seconds, 1), seconds_target=list(it.duration_s or (20, 30)),
                         strides=sum(len(b["strides"]) for b in bouts),
                         completion=min(1.0, seconds / target))
        else:  # ankle_circles: each direction for its prescribed time
            target = it.duration_s[0] if it.duration_s else 8.0
            per_dir = {}
            for d in CIRCLE_DIRECTIONS:
                circ = [c for b in bouts for c in b["circles"] if c["direction"] == d]
                per_dir[d] = {"circles": len(circ),
                              "seconds": round(sum(c["end_s"] - c["start_s"] for c in circ), 1)}
            entry.update(circles=per_dir, seconds_target_per_direction=list(it.duration_s or (8, 10)),
                         completion=0.5 * sum(min(1.0, per_dir[d]["seconds"] / target) for d in per_dir))
        entry["observable"] = True
        entry["completion"] = None if entry["completion"] is None else round(entry["completion"], 3)
        items.append(entry)
    steps = (doc.get("session") or {}).get("steps") or []
    if steps:
        # A guided session: what the coach asked for and how each step ended.
        for entry in items:
            mine = [s for s in steps if isinstance(s, dict) and s.get("exercise") == entry["exercise"]]
            entry["guided_steps"] = [{"side": s.get("side"), "outcome": s.get("outcome")} for s in mine]
    scored = [i["completion"] for i in items if i.get("observable") and i["completion"] is not None]
    completion = round(sum(scored) / len(scored), 3) if scored else None
    guided = None
    if steps:
        outcomes = [s.get("outcome") for s in steps if isinstance(s, dict)]
        guided = {k: outcomes.count(k) for k in ("done", "partial", "skipped")}
        guided["steps"] = len(outcomes)
    return {"items": items, "completion": completion, **({"guided_steps": guided} if guided else {}),
            "done": bool(completion is not None and completion >= DONE_AT),
            "uncertain": uncertain_bouts(doc), "confidence_threshold": THRESHOLD,
            "done_rule": f"a session is done when its observable items average at least {DONE_AT:.0%}"}


def local_start(doc: dict, tz: dt.tzinfo | None = None) -> dt.datetime | None:
    """The recording's start in the person's local time.

    A ``start_time`` with its own UTC offset (a phone app's) is kept as the
    local time it was; one in UTC (``Z``) or without an offset is put in
    ``tz``, by default this computer's time zone (where the report is drawn:
    the person's own). None when absent or unreadable.
    """
    t = (doc.get("recording") or {}).get("start_time")
    if not t:
        return None
    try:
        when = dt.datetime.fromisoformat(str(t).replace("Z", "+00:00"))
        if when.tzinfo is None or when.utcoffset() == dt.timedelta(0):
            when = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(tz)
    except (ValueError, TypeError, OverflowError):
        return None
    return when


def _day(doc: dict, tz: dt.tzinfo | None = None) -> dt.date | None:
    # The person's own day: a session at 00:30 local time belongs to that
    # day, not to the UTC date (the report shows local times too).
    when = local_start(doc, tz)
    if when is None:
        return None
    day = when.date()
    return day if PLAUSIBLE_YEARS[0] <= day.year <= PLAUSIBLE_YEARS[1] else None


def history_adherence(docs: list[dict], prescription: Prescription,
                      tz: dt.tzinfo | None = None) -> dict:
    """Sessions per day against the prescription, streaks and overall completion.

    Each document is one session (its ``adherence`` is computed if absent);
    its day is the local date of ``recording.start_time`` (:func:`local_start`,
    in ``tz``, by default this computer's zone). Days between the first and
    the last with no session count as 0. A start time outside
    :data:`PLAUSIBLE_YEARS` counts as undated; the calendar covers at most
    :data:`MAX_CALENDAR_DAYS` up to the last session, and sessions before
    that are counted in ``sessions_before_calendar``.
    """
    per_day: dict = defaultdict(list)
    undated = 0
    for doc in docs:
        adh = doc.get("adherence") or session_adherence(doc, prescription)
        day = _day(doc, tz)
        if day is None:
            undated += 1
            continue
        per_day[day].append(adh)
    spd = prescription.sessions_per_day
    days = []
    before = 0
    if per_day:
        last = max(per_day)
        first = max(min(per_day), last - dt.timedelta(days=MAX_CALENDAR_DAYS - 1))
        before = sum(len(v) for d, v in per_day.items() if d < first)
        for k in range((last - first).days + 1):
            day = first + dt.timedelta(days=k)
            sessions = per_day.get(day, [])
            done = sum(s["done"] for s in sessions)
            days.append({"date": day.isoformat(), "sessions": len(sessions), "sessions_done": done,
                         "sessions_prescribed": spd,
                         "completion": round(min(1.0, done / spd), 3),
                         "session_completion": [s["completion"] for s in sessions],
                         # A guided session (``toehold session``: its log has steps) is marked.
                         "session_guided": [bool(s.get("guided_steps")) for s in sessions]})
    full = [d["completion"] >= 1.0 for d in days]
    longest = current = 0
    for f in full:
        current = current + 1 if f else 0
        longest = max(longest, current)
    return {"days": days, "undated_sessions": undated, "sessions_before_calendar": before,
            "completion_pct": round(100 * sum(d["completion"] for d in days) / len(days), 1) if days else None,
            "current_streak_days": current, "longest_streak_days": longest,
            "streak_rule": f"a day counts toward a streak when all {spd} sessions were done"}
