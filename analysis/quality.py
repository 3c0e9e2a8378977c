"""Movement quality per rep, per bout and per session, from analysis documents.

Everything here reads ``toehold-analysis/1`` documents (contracts §3, §4)
and the angle trace of a fitted :class:`~analysis.session.SessionAnalyzer`
where one is needed; nothing does I/O. Definitions and units are in
``docs/quality.md``; the names below are the keys of the returned dicts
(and the CSV export's columns).

The §4 fields (``reps[].range_deg``, ``heel_rise_deg``,
``circles[].size_deg``, ``confidence``) are optional: an analysis cached
before they existed simply has no value for the metrics built on them.
"""
from __future__ import annotations

import datetime as dt
import math
import statistics

import numpy as np

# Bouts whose ``exercises[].confidence`` is below the analysis's own
# threshold are left out of quality and trends, as they are of adherence (a
# bout without the field counts: older analyses never had it).
from sensors.contract import HOLD_EXERCISES

from .confidence import THRESHOLD as MIN_CONFIDENCE
from .confidence import is_counted as counted

# Per-session metric: (unit for people, UCUM unit for FHIR, what it is).
METRICS = {
    "reps": ("reps", "{reps}", "reps counted"),
    "range_deg": ("deg", "deg", "median range of motion per rep"),
    "range_max_deg": ("deg", "deg", "largest range of motion of a rep"),
    "hold_s": ("s", "s", "median hold per rep"),
    "hold_max_s": ("s", "s", "longest hold"),
    "hold_wobble_deg": ("deg", "deg", "median angle wobble during the holds"),
    "tempo_rpm": ("reps/min", "/min", "reps per minute over the set"),
    "move_s": ("s", "s", "median time per rep outside the hold (moving in and out)"),
    "seconds": ("s", "s", "time on tiptoe"),
    "heel_rise_deg": ("deg", "deg", "heel rise on tiptoe"),
    "cadence_spm": ("steps/min", "/min", "tiptoe cadence"),
    "stride_time_cv_pct": ("%", "%", "stride time variability"),
    "circles_cw": ("circles", "{circles}", "circles clockwise"),
    "circles_ccw": ("circles", "{circles}", "circles anticlockwise"),
    "circle_size_deg": ("deg", "deg", "median circle diameter"),
    "circle_roundness": ("", "1", "median roundness of a circle (minor / major axis, 1 = round)"),
    "circle_size_cv_pct": ("%", "%", "spread of circle size across circles"),
    "circle_period_s": ("s", "s", "median time per circle"),
}


def _finite(values) -> list[float]:
    # bool is an int to Python, but True is not 1 degree.
    return [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]


def _median(values) -> float | None:
    v = _finite(values)
    return float(statistics.median(v)) if v else None  # np.median costs 100x more on a handful


def _max(values) -> float | None:
    v = _finite(values)
    return max(v) if v else None


def _round(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(float(x), nd)


def _circle_shapes(bout: dict) -> list[tuple[float | None, float | None]]:
    """Diameter (deg) and roundness of each circle's toe path, from the bout's ``toe_path``.

    The path's principal axes: for a circle of radius r traced evenly the
    coordinates' standard deviation is r/√2 along every axis, so the
    diameter is 2√2 × the root-mean of the two axes' variances (exact for a
    circle, sqrt(2(a² + b²)) for an ellipse of semi-axes a, b), and
    roundness is the minor over the major axis.
    """
    circles = bout.get("circles", [])
    path = bout.get("toe_path")
    if not path or not path.get("y_deg") or path.get("t0_s") is None:
        return [(None, None)] * len(circles)
    sampling_rate_hz, t0 = float(path["rate_hz"]), float(path["t0_s"])
    y_all = np.asarray(path["y_deg"], dtype=float)
    z_all = np.asarray(path["z_deg"], dtype=float)
    out = []
    for c in circles:
        a = max(0, int((c["start_s"] - t0) * sampling_rate_hz))
        b = int(math.ceil((c["end_s"] - t0) * sampling_rate_hz)) + 1
        y, z = y_all[a:b], z_all[a:b]
        if len(y) < 5:
            out.append((None, None))
            continue
        y, z = y - y.mean(), z - z.mean()
        syy, szz, syz = float(y @ y) / len(y), float(z @ z) / len(z), float(y @ z) / len(y)
        half, root = (syy + szz) / 2, math.hypot((syy - szz) / 2, syz)
        big, small = half + root, max(half - root, 0.0)
        if big <= 0:
            out.append((None, None))
            continue
        out.append((2.0 * math.sqrt(2.0) * math.sqrt(half), math.sqrt(small / big)))
    return out


def _circle_rows(bout: dict) -> list[tuple[str, float | None, float | None, float]]:
    """(direction, diameter deg, roundness, seconds) of each circle of a bout.

    The diameter is the analysis's ``size_deg`` when it has one, else it is
    measured from the bout's ``toe_path``; roundness always comes from the path.
    """
    return [(c["direction"], c.get("size_deg", size), rnd, c["end_s"] - c["start_s"])
            for c, (size, rnd) in zip(bout.get("circles", []), _circle_shapes(bout))]


def _circles_quality(rows: list) -> dict:
    s = _finite(r[1] for r in rows)
    return {"circles_cw": sum(r[0] == "cw" for r in rows),
            "circles_ccw": sum(r[0] == "ccw" for r in rows),
            "circle_size_deg": _median(s),
            "circle_roundness": _median(r[2] for r in rows),
            "circle_size_cv_pct": 100.0 * float(np.std(s) / np.mean(s)) if len(s) > 1 and np.mean(s) > 0 else None,
            "circle_period_s": _median(r[3] for r in rows)}


def rep_quality(rep: dict) -> dict:
    """One rep of a hold exercise: ``range_deg``, ``hold_s``, ``move_s``, ``hold_wobble_deg``."""
    dur = rep["end_s"] - rep["start_s"]
    hold = rep.get("hold_s")
    return {"range_deg": rep.get("range_deg"), "hold_s": hold,
            "move_s": None if hold is None else max(dur - hold, 0.0),
            "hold_wobble_deg": rep.get("hold_wobble_deg")}


def bout_quality(bout: dict) -> dict:
    """Quality metrics of one bout (one entry of ``exercises``); keys from :data:`METRICS`."""
    ex = bout["exercise"]
    if ex in HOLD_EXERCISES:
        reps = [rep_quality(r) for r in bout.get("reps", [])]
        starts = sorted(r["start_s"] for r in bout.get("reps", []))
        span = starts[-1] - starts[0] if len(starts) > 1 else 0.0
        return {"reps": len(reps),
                "range_deg": _median(r["range_deg"] for r in reps),
                "range_max_deg": _max(r["range_deg"] for r in reps),
                "hold_s": _median(r["hold_s"] for r in reps),
                "hold_max_s": _max(r["hold_s"] for r in reps),
                "hold_wobble_deg": _median(r["hold_wobble_deg"] for r in reps),
                # (n - 1) intervals between n rep starts: the pace of the set.
                "tempo_rpm": 60.0 * (len(starts) - 1) / span if span > 0 else None,
                "move_s": _median(r["move_s"] for r in reps)}
    if ex == "tiptoe_walk":
        return {"seconds": bout["end_s"] - bout["start_s"], "heel_rise_deg": bout.get("heel_rise_deg"),
                "cadence_spm": bout.get("cadence_spm"), "stride_time_cv_pct": bout.get("stride_time_cv_pct")}
    if ex == "ankle_circles":
        return _circles_quality(_circle_rows(bout))
    return {}


def session_date(doc: dict) -> dt.datetime | None:
    """When the recording started (UTC), from ``recording.start_time``."""
    when = (doc.get("recording") or {}).get("start_time")
    if not when:
        return None
    try:
        t = dt.datetime.fromisoformat(str(when).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def session_quality(doc: dict, min_confidence: float = MIN_CONFIDENCE) -> list[dict]:
    """One row per exercise done in a session, its bouts' metrics pooled.

    Reps are pooled across the exercise's counted bouts (medians over all
    reps, not medians of medians); counts and seconds add up.

    Returns
    -------
    list of dict
        ``exercise``, ``side``, ``bouts``, ``uncertain_bouts`` (left out for
        low confidence) and the metrics of :data:`METRICS` that apply.
    """
    side = (doc.get("recording") or {}).get("side")
    rows = []
    by_ex: dict[str, list[dict]] = {}
    uncertain: dict[str, int] = {}
    for b in doc.get("exercises", []):
        if counted(b, min_confidence):
            by_ex.setdefault(b["exercise"], []).append(b)
        else:
            uncertain[b["exercise"]] = uncertain.get(b["exercise"], 0) + 1
    for ex in sorted(set(by_ex) | set(uncertain)):
        bouts = by_ex.get(ex, [])
        row: dict = {"exercise": ex, "side": side, "bouts": len(bouts), "uncertain_bouts": uncertain.get(ex, 0)}
        if bouts and ex in HOLD_EXERCISES:
            pooled = dict(bouts[0], reps=[r for b in bouts for r in b.get("reps", [])])
            row.update(bout_quality(pooled))
            # Pace within sets, not across the pauses between them.
            row["tempo_rpm"] = _median(bout_quality(b)["tempo_rpm"] for b in bouts)
        elif bouts and ex == "tiptoe_walk":
            q = [bout_quality(b) for b in bouts]
            row.update(seconds=sum(x["seconds"] for x in q),
                       **{k: _median(x[k] for x in q) for k in ("heel_rise_deg", "cadence_spm",
                                                                  "stride_time_cv_pct")})
        elif bouts and ex == "ankle_circles":
            row.update(_circles_quality([c for b in bouts for c in _circle_rows(b)]))
        rows.append({k: (_round(v, 3) if isinstance(v, float) else v) for k, v in row.items()})
    return rows


def hold_wobble(angle_deg: np.ndarray, t: np.ndarray, reps: list[dict], sampling_rate_hz: float,
                trim: float = 0.1) -> list[float | None]:
    """Angle wobble during each rep's hold, in degrees (RMS about the hold's mean).

    The analysis document gives a rep's start, end and hold length but not
    where in the rep the hold lies, so the hold is taken as the
    ``hold_s``-long stretch of the rep with the least angle variance (the
    hold is the still phase); ``trim`` of it is dropped at each end to keep
    the arrival and the release out.

    Parameters
    ----------
    angle_deg, t : ndarray, shape (n,)
        The segment's angle (``signals_["elevation_deg"]`` of a fitted
        :class:`~analysis.session.SessionAnalyzer`) and its times (s),
        uniformly sampled.
    reps : list of dict
        The bout's ``reps`` (``start_s``, ``end_s``, ``hold_s``).
    sampling_rate_hz : float
        Rate of ``angle_deg`` and ``t``.
    """
    out: list[float | None] = []
    if len(t) < 2:
        return [None] * len(reps)
    for r in reps:
        a, b = np.searchsorted(t, [r["start_s"], r["end_s"]])
        x = np.asarray(angle_deg[a:b], dtype=float)
        w = int(round((r.get("hold_s") or 0.0) * sampling_rate_hz))
        if w < 5 or len(x) < w or not np.all(np.isfinite(x)):
            out.append(None)
            continue
        c1 = np.r_[0.0, np.cumsum(x)]
        c2 = np.r_[0.0, np.cumsum(x * x)]
        var = (c2[w:] - c2[:-w]) / w - ((c1[w:] - c1[:-w]) / w) ** 2
        k = int(np.argmin(var))
        cut = int(trim * w)
        hold = x[k + cut: k + w - cut]
        out.append(round(float(np.std(hold)), 3))
    return out


def with_hold_wobble(exercises: list[dict], signals, sampling_rate_hz: float) -> list[dict]:
    """``exercises`` (the document's list) with ``hold_wobble_deg`` on every hold rep, from a fitted
    analyser's ``signals_`` (``t``, ``elevation_deg``, sampled at ``sampling_rate_hz``); returns the
    same list, changed in place."""
    if signals is None or not len(signals):
        return exercises
    t = signals["t"].to_numpy()
    angle = signals["elevation_deg"].to_numpy()
    for b in exercises:
        if b["exercise"] in HOLD_EXERCISES and b.get("reps"):
            for r, w in zip(b["reps"], hold_wobble(angle, t, b["reps"], sampling_rate_hz)):
                r["hold_wobble_deg"] = w
    return exercises
