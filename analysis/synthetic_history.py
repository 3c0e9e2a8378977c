"""Synthetic histories: analysis documents of someone improving at set rates.

For tests, the cohort notebook and the README's trend figure. Simulating
90 days of raw recordings takes minutes; what trends need is what the
analysis says about each session, so this writes ``toehold-analysis/1``
documents directly (with the contract §4 fields) and the ``toehold-session/1``
logs beside them. The rates it was given are in :attr:`History.truth`, so a
test can check that the trends recover them.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from sensors.contract import ANALYSIS_FORMAT, CIRCLE_DIRECTIONS, HOLD_EXERCISES, SESSION_FORMAT, SIDES

# exercise -> metric -> (level on day 0, gain per week) for a foot keeping up.
DEFAULT_RATES = {
    "toe_press": {"range_deg": (12.0, 0.6), "hold_s": (3.0, 0.15)},
    "resistance_band": {"range_deg": (18.0, 1.0), "hold_s": (3.5, 0.15)},
    "pencil_pickup": {"range_deg": (9.0, 0.8), "hold_s": (8.0, 0.5)},
    "tiptoe_walk": {"heel_rise_deg": (20.0, 0.8), "seconds": (18.0, 1.0)},
    "ankle_circles": {"circle_size_deg": (18.0, 0.7), "circle_roundness": (0.6, 0.02)},
}
# Spread of one rep (or one session, for bout-level values) about the trend.
NOISE = {"range_deg": 1.5, "hold_s": 0.5, "heel_rise_deg": 1.0, "seconds": 1.5, "circle_size_deg": 2.0,
         "circle_roundness": 0.04}


@dataclasses.dataclass
class History:
    """What :func:`simulate_history` made.

    Attributes
    ----------
    docs : list of dict
        Analysis documents, oldest first (one per foot per session).
    logs : list of dict or None
        The session log beside each document (``None`` where there is none).
    truth : dict
        ``truth[exercise][side][metric]`` = ``(level_day0, gain_per_week)``;
        ``truth["pain_per_week"]``; ``truth["lagging"]`` the lagging side.
    """

    docs: list
    logs: list
    truth: dict


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def simulate_history(days: int = 90, seed: int = 0, sessions_per_day: int = 3, sides=SIDES, lagging: str | None = "right",
                     lag_factor: float = 0.5, rates: dict | None = None, adherence: float = 0.85,
                     start: str = "2026-08-31", pain_start: float = 6.0, pain_per_week: float = -0.35,
                     uncertain_share: float = 0.05, subject: str | None = None) -> History:
    """Daily sessions of a person whose range of motion and holds grow linearly.

    Parameters
    ----------
    days : int
        Length of the history.
    sides : tuple of str
        Feet recorded (each session has one document per foot).
    lagging : str or None
        This foot improves at ``lag_factor`` × the rates.
    rates : dict, optional
        ``{exercise: {metric: (level_day0, gain_per_week)}}``; default
        :data:`DEFAULT_RATES`.
    sessions_per_day : int
        Sessions planned each day (the programme asks for three).
    adherence : float
        Chance that a planned session happened.
    pain_per_week : float
        Trend of the reported pain (0–10) per week.
    uncertain_share : float
        Share of bouts written with a low ``confidence`` (0.2) and values off
        the trend, as a misdetection would be: trends must leave them out.
    """
    from .adherence import session_adherence
    from .prescription import load

    programme = load()
    rng = np.random.default_rng(seed)
    rates = rates or DEFAULT_RATES
    day0 = dt.datetime.fromisoformat(start).replace(tzinfo=dt.UTC)
    truth: dict = {"lagging": lagging, "pain_per_week": pain_per_week}
    for ex, metrics in rates.items():
        truth[ex] = {s: {m: (lv, g * (lag_factor if s == lagging else 1.0)) for m, (lv, g) in metrics.items()}
                     for s in sides}
    docs, logs = [], []
    slots = [(d, k) for d in range(days) for k in range(sessions_per_day)]
    for d, k in slots:
        if rng.random() > adherence:
            continue
        # Sessions spread over the waking day: 07:00-21:00 in equal slots.
        width = 14.0 / sessions_per_day
        when = day0 + dt.timedelta(days=d, hours=7 + width * k + float(rng.uniform(0, width * 0.8)))
        pain = int(np.clip(round(pain_start + pain_per_week * d / 7 + rng.normal(0, 0.7)), 0, 10))
        effort = int(np.clip(round(6 + rng.normal(0, 1.0)), 0, 10))
        for side in sides:
            t_day = d + (when - (day0 + dt.timedelta(days=d))).total_seconds() / 86400
            exercises, t = [], 20.0
            for ex in rates:
                lvl = {m: lv + g * t_day / 7 for m, (lv, g) in truth[ex][side].items()}
                bout, t = _bout(rng, ex, lvl, t)
                if rng.random() < uncertain_share:
                    # A misdetection: far off the person's trend, low confidence.
                    bout["confidence"] = 0.2
                    for r in bout["reps"]:
                        r["range_deg"] = round(r["range_deg"] * 3, 2)
                        r["hold_s"] = round(r["hold_s"] * 2.5, 2)
                    for c in bout["circles"]:
                        c["size_deg"] = round(c["size_deg"] * 3, 2)
                    if "heel_rise_deg" in bout:
                        bout["heel_rise_deg"] *= 3
                exercises.append(bout)
            name = f"day{d + 1:03d}_{k + 1}_{side}.csv"
            docs.append({"format": ANALYSIS_FORMAT,
                         "recording": {"path": name, "duration_s": round(t + 20.0, 1), "sample_rate_hz": 100.0,
                                       "placement": "foot", "side": side, "gaps": [], "start_time": _iso(when),
                                       "device": "synthetic history", "subject": subject,
                                       "placement_source": "declared"},
                         "exercises": exercises, "balance": {}, "adherence": {}})
            docs[-1]["adherence"] = session_adherence(docs[-1], programme)
            logs.append({"format": SESSION_FORMAT, "recording": name, "prescription": "default", "steps": [],
                         "reported": {"pain_0_10": pain, "effort_0_10": effort}})
    return History(docs, logs, truth)


def _bout(rng, ex: str, lvl: dict, t: float) -> tuple[dict, float]:
    """One bout of ``ex`` starting at ``t`` with metric levels ``lvl``; returns it and the next free time."""
    bout = {"exercise": ex, "start_s": round(t, 2), "reps": [], "circles": [], "strides": [],
            "confidence": round(float(rng.uniform(0.7, 1.0)), 2)}
    if ex in HOLD_EXERCISES:
        n = {"toe_press": 10, "resistance_band": 10, "pencil_pickup": 3}[ex]
        for _ in range(n):
            hold = max(0.5, lvl["hold_s"] + rng.normal(0, NOISE["hold_s"]))
            rng_deg = max(1.0, lvl["range_deg"] + rng.normal(0, NOISE["range_deg"]))
            move = float(rng.uniform(1.5, 2.5))
            bout["reps"].append({"start_s": round(t, 2), "end_s": round(t + hold + move, 2),
                                 "hold_s": round(hold, 2), "range_deg": round(rng_deg, 2)})
            t += hold + move + float(rng.uniform(1.0, 3.0))
    elif ex == "tiptoe_walk":
        secs = max(5.0, lvl["seconds"] + rng.normal(0, NOISE["seconds"]))
        step = 60.0 / 55.0  # one foot's contacts at 110 steps/min
        bout["strides"] = [{"t_s": round(t + k * step, 2)} for k in range(int(secs / step))]
        bout.update(cadence_spm=round(float(rng.normal(110, 4)), 1),
                    stride_time_cv_pct=round(float(rng.uniform(2, 5)), 2),
                    heel_rise_deg=round(max(2.0, lvl["heel_rise_deg"] + rng.normal(0, NOISE["heel_rise_deg"])), 2))
        t += secs
    else:
        # The toe path (contract: toe_path, 20 Hz) is an ellipse per circle
        # whose mean diameter is the circle's size_deg and whose minor/major
        # axis ratio is the day's roundness.
        sampling_rate_hz, ys, zs = 20.0, [], []
        t_start = t
        for d in CIRCLE_DIRECTIONS:
            for _ in range(7):
                per = float(rng.uniform(1.1, 1.5))
                size = max(2.0, lvl["circle_size_deg"] + rng.normal(0, NOISE["circle_size_deg"]))
                bout["circles"].append({"start_s": round(t, 2), "end_s": round(t + per, 2), "direction": d,
                                        "size_deg": round(size, 2)})
                q = float(np.clip(lvl.get("circle_roundness", 1.0) + rng.normal(0, NOISE["circle_roundness"]),
                                  0.2, 1.0))
                a = size / np.sqrt(2 * (1 + q * q))
                n0, n1 = int(round((t - t_start) * sampling_rate_hz)), int(round((t + per - t_start) * sampling_rate_hz))
                th = np.linspace(0, 2 * np.pi, n1 - n0, endpoint=False) * (-1 if d == "cw" else 1)
                ys += np.round(a * np.cos(th), 1).tolist()
                zs += np.round(q * a * np.sin(th), 1).tolist()
                t += per
        bout["toe_path"] = {"rate_hz": sampling_rate_hz, "t0_s": round(t_start, 2), "y_deg": ys, "z_deg": zs}
    bout["end_s"] = round(t, 2)
    return bout, t + 30.0
