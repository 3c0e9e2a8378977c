"""Trends across days: is the ankle moving further, are holds longer, is one foot behind?

Pure: the inputs are ``toehold-analysis/1`` documents and, beside each, its
``toehold-session/1`` log (or ``None``). Definitions (and the lagging-foot
rule) are in ``docs/quality.md``.

* :func:`session_table` — one row per session, exercise and foot with the
  quality metrics of :mod:`analysis.quality` (the CSV export's rows);
* :func:`metric_trend` — a Theil–Sen line through one metric's sessions
  (``scipy.stats.theilslopes``: the median of pairwise slopes, so a few bad
  sessions do not tilt it), with the change since the first week;
* :func:`history_trends` — all of it for a history, with the foot that lags
  and the reported pain and effort on the same time axis.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import theilslopes

from sensors.contract import SIDES

from .quality import MIN_CONFIDENCE, session_date, session_quality

# Per exercise, the metrics whose trends are drawn and checked for a lagging
# foot (range of motion and holding, or their equivalents).
TREND_METRICS = {
    "toe_press": ("range_deg", "hold_s"),
    "resistance_band": ("range_deg", "hold_s"),
    "pencil_pickup": ("range_deg", "hold_s"),
    "tiptoe_walk": ("heel_rise_deg", "seconds"),
    "ankle_circles": ("circle_size_deg",),
}
MIN_SESSIONS = 6  # fewer sessions make no trend
MIN_SPAN_DAYS = 14  # nor does less than two weeks
# Lagging-foot rule: a foot lags on a metric when the other foot clearly
# improves (the lower end of its slope's 90 % interval is above zero), this
# foot gains less than LAG_RATIO of the other's weekly gain, and the other's
# gain lies above this foot's 90 % interval (so noise in a short or sparse
# history does not name a foot: there are nine measures to err on).
LAG_RATIO = 0.67
CONFIDENCE_LEVEL = 0.90
# A foot is named as the lagging one overall when it lags on at least this
# many measures and the other foot on none.
MIN_LAG_MEASURES = 2


def session_table(docs: list[dict], logs: list[dict | None] | None = None,
                  min_confidence: float = MIN_CONFIDENCE) -> pd.DataFrame:
    """One row per session, exercise and foot.

    Columns: ``time`` (UTC datetime), ``day`` (days since the first dated
    session, float), ``recording``, ``exercise``, ``side``, ``bouts``,
    ``uncertain_bouts``, the quality metrics, and ``pain_0_10``,
    ``effort_0_10``, ``note`` from the session log. Undated documents are
    left out (trends need a date).
    """
    logs = logs if logs is not None else [None] * len(docs)
    rows = []
    for doc, log in zip(docs, logs):
        when = session_date(doc)
        if when is None:
            continue
        rep = _reported(log)
        for q in session_quality(doc, min_confidence):
            rows.append({"time": when, "recording": (doc.get("recording") or {}).get("path"), **q, **rep})
    if not rows:
        return pd.DataFrame(columns=["time", "day", "recording", "exercise", "side"])
    table = pd.DataFrame(rows).sort_values(["time", "exercise", "side"], ignore_index=True, kind="stable")
    table.insert(1, "day", (table["time"] - table["time"].min()).dt.total_seconds() / 86400.0)
    return table


def _reported(log: dict | None) -> dict:
    rep = (log or {}).get("reported") or {}
    out = {}
    for key in ("pain_0_10", "effort_0_10"):
        v = rep.get(key)
        out[key] = float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 10 else None
    note = rep.get("note")
    out["note"] = note if isinstance(note, str) else None
    return out


def metric_trend(day: np.ndarray, value: np.ndarray) -> dict | None:
    """Theil–Sen trend of one metric over days.

    Parameters
    ----------
    day, value : array_like, shape (n,)
        Days since the start of the history and the session's value;
        missing values (NaN) are dropped.

    Returns
    -------
    dict or None
        ``per_week`` (slope × 7, in the metric's unit per week) with
        ``per_week_low``/``per_week_high`` (90 % interval),
        ``start``/``end`` (the line at the first and last session),
        ``first_week``/``last_week`` (median of the sessions in the first and
        last 7 days), ``change`` (last week − first week), ``change_pct``,
        ``sessions``, ``span_days``; None with fewer than
        :data:`MIN_SESSIONS` sessions or less than :data:`MIN_SPAN_DAYS`.
    """
    day = np.asarray(day, dtype=float)
    value = np.asarray(value, dtype=float)
    ok = np.isfinite(day) & np.isfinite(value)
    day, value = day[ok], value[ok]
    if len(day) < MIN_SESSIONS or day.max() - day.min() < MIN_SPAN_DAYS:
        return None
    slope, icpt, lo, hi = theilslopes(value, day, alpha=CONFIDENCE_LEVEL)
    d0, d1 = day.min(), day.max()
    first = float(np.median(value[day < d0 + 7]))
    last = float(np.median(value[day > d1 - 7]))
    return {"per_week": 7 * slope, "per_week_low": 7 * lo, "per_week_high": 7 * hi,
            "intercept": icpt, "start": icpt + slope * d0, "end": icpt + slope * d1,
            "first_week": first, "last_week": last, "change": last - first,
            "change_pct": 100.0 * (last - first) / first if first else None,
            "sessions": int(len(day)), "span_days": float(d1 - d0)}


def lagging_feet(trends: dict) -> list[dict]:
    """Where one foot lags the other, by the rule of :data:`LAG_RATIO`.

    ``trends[exercise][side][metric]`` as :func:`history_trends` builds it.
    Returns one entry per (exercise, metric) where a foot lags: ``exercise``,
    ``metric``, ``side`` (the lagging one), ``per_week`` (its gain) and
    ``other_per_week``.
    """
    out = []
    for ex, by_side in trends.items():
        if not set(SIDES) <= set(by_side):
            continue
        for metric in TREND_METRICS.get(ex, ()):
            tl, tr = by_side["left"].get(metric), by_side["right"].get(metric)
            if tl is None or tr is None:
                continue
            for side, this, other in (("left", tl, tr), ("right", tr, tl)):
                if (other["per_week_low"] > 0 and this["per_week"] < LAG_RATIO * other["per_week"]
                        and this["per_week_high"] < other["per_week"]):
                    out.append({"exercise": ex, "metric": metric, "side": side, "per_week": this["per_week"],
                                "other_per_week": other["per_week"]})
    return out


def history_trends(docs: list[dict], logs: list[dict | None] | None = None,
                   min_confidence: float = MIN_CONFIDENCE) -> dict:
    """Everything the trend panels and the export need about a history.

    Returns
    -------
    dict
        ``table`` (:func:`session_table`), ``trends``
        (``[exercise][side][metric]`` → :func:`metric_trend`), ``lagging``
        (:func:`lagging_feet`), ``lagging_side`` (``left``/``right`` when that
        foot lags on at least :data:`MIN_LAG_MEASURES` measures and the other
        on none, else None), ``outcomes`` (one row per
        session with a report: ``time``, ``day``, ``pain_0_10``,
        ``effort_0_10``, ``note``) and ``outcome_trends`` (``pain_0_10``,
        ``effort_0_10`` → :func:`metric_trend`), ``min_confidence``.
    """
    table = session_table(docs, logs, min_confidence)
    trends: dict = {}
    for ex, metrics in TREND_METRICS.items():
        sub = table[table["exercise"] == ex] if len(table) else table
        for side, grp in sub.groupby(sub["side"].fillna("unknown"), sort=True) if len(sub) else ():
            for m in metrics:
                if m in grp:
                    tr = metric_trend(grp["day"].to_numpy(), pd.to_numeric(grp[m], errors="coerce").to_numpy())
                    trends.setdefault(ex, {}).setdefault(side, {})[m] = tr
    lag = lagging_feet(trends)
    sides = {x["side"] for x in lag}
    overall = sides.pop() if len(sides) == 1 and len(lag) >= MIN_LAG_MEASURES else None
    outcomes = _outcomes(table)
    return {"table": table, "trends": trends, "lagging": lag,
            "lagging_side": overall,
            "outcomes": outcomes,
            "outcome_trends": {k: metric_trend(outcomes["day"].to_numpy(), outcomes[k].to_numpy(dtype=float))
                               for k in ("pain_0_10", "effort_0_10")} if len(outcomes) else {},
            "min_confidence": min_confidence}


def _outcomes(table: pd.DataFrame) -> pd.DataFrame:
    """One row per session with a reported outcome (both feet's logs of a session count once)."""
    cols = ["time", "day", "pain_0_10", "effort_0_10", "note"]
    if not len(table) or "pain_0_10" not in table:
        return pd.DataFrame(columns=cols)
    rep = table[cols].drop_duplicates(subset=["time", "pain_0_10", "effort_0_10", "note"])
    rep = rep[rep["pain_0_10"].notna() | rep["effort_0_10"].notna()]
    return rep.reset_index(drop=True)


def fmt_change(tr: dict | None, unit: str) -> str:
    """A trend in words: ``+0.6 deg/week, +5.1 deg since the first week``."""
    if tr is None:
        return "too few sessions for a trend"
    nd = 0 if unit in ("deg", "%") and abs(tr["change"]) >= 10 else 1
    pct = "" if tr["change_pct"] is None or not math.isfinite(tr["change_pct"]) else f" ({tr['change_pct']:+.0f} %)"
    return (f"{tr['per_week']:+.2g} {unit}/week; {tr['change']:+.{nd}f} {unit}{pct} since the first week")
