"""The history report's trend panels: movement quality over the weeks, each foot, and what the person felt.

Input is :func:`analysis.trends.history_trends`; nothing here computes a
trend. Each panel shows every session as a faint dot and the Theil–Sen line
through them, per foot (left blue, right orange: Okabe–Ito, colour-blind
safe), with the weekly gain written above it; a foot that lags by the rule
of ``docs/quality.md`` is named in red on the panels where it lags.
"""
from __future__ import annotations

import math

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from analysis.trends import MIN_SESSIONS, MIN_SPAN_DAYS, metric_trend

SIDE_COLOURS = {"left": "#0072B2", "right": "#E69F00", "unknown": "#777777"}
PAIN, EFFORT = "#CC79A7", "#555555"
LAG = "#D55E00"
# (exercise, metric, title, unit) for the top row and the bottom row of panels.
ROWS = (
    (("toe_press", "range_deg", "Toe press: range", "°"),
     ("resistance_band", "range_deg", "Band dorsiflexion: range", "°"),
     ("pencil_pickup", "range_deg", "Pencil pickup: range", "°"),
     ("tiptoe_walk", "heel_rise_deg", "Tiptoe: heel rise", "°"),
     ("ankle_circles", "circle_size_deg", "Ankle circles: size", "°")),
    (("toe_press", "hold_s", "Toe press: hold", "s"),
     ("resistance_band", "hold_s", "Band dorsiflexion: hold", "s"),
     ("pencil_pickup", "hold_s", "Pencil pickup: hold", "s"),
     ("tiptoe_walk", "seconds", "Tiptoe: time on tiptoe", "s"),
     ("ankle_circles", "circle_roundness", "Ankle circles: roundness", "")),
)
HEIGHTS = [0.45, 1.9, 1.9, 1.5]


def heights(trends: dict | None) -> list[float]:
    """Row heights the trend section needs in the report's grid (none without trends)."""
    return list(HEIGHTS) if trends and len(trends.get("table", ())) else []


def _per_week(v: float, unit: str) -> str:
    nd = 2 if abs(v) < 1 else 1
    return f"{v:+.{nd}f}{unit}/wk" if unit == "°" else f"{v:+.{nd}f} {unit}/wk".replace("  ", " ")


def _panel(ax, table: pd.DataFrame, trends: dict, lagging: list, exercise: str, metric: str, title: str,
           unit: str, t0) -> dict:
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    sub = table[(table["exercise"] == exercise)] if len(table) else table
    vals = pd.to_numeric(sub[metric], errors="coerce") if metric in sub else pd.Series(dtype=float)
    if not vals.notna().any():
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no measurements", ha="center", va="center", color="#888888", fontsize=10,
                transform=ax.transAxes)
        return {"drawn": False}
    words = []
    drawn = {}
    for side, grp in sub.groupby(sub["side"].fillna("unknown"), sort=True):
        v = pd.to_numeric(grp[metric], errors="coerce")
        ok = v.notna()
        colour = SIDE_COLOURS.get(side, SIDE_COLOURS["unknown"])
        ax.scatter(grp["time"][ok], v[ok], s=7, color=colour, alpha=0.28, lw=0)
        tr = (trends.get(exercise, {}).get(side, {}).get(metric)
              or metric_trend(grp["day"].to_numpy(), v.to_numpy(dtype=float)))
        if tr is None:
            continue
        days = np.array([grp["day"][ok].min(), grp["day"][ok].max()])
        times = [t0 + pd.Timedelta(days=float(d)) for d in days]
        ax.plot(times, tr["intercept"] + tr["per_week"] / 7 * days, color=colour, lw=2.6,
                solid_capstyle="round")
        words.append((side, tr, colour))
        drawn[side] = round(float(tr["per_week"]), 4)
    lag = [g["side"] for g in lagging if g["exercise"] == exercise and g["metric"] == metric]
    # Each foot's weekly gain in the top-left corner (empty when things improve), one line per foot.
    for k, (side, tr, colour) in enumerate(words[:2]):
        label = f"{side if side in ('left', 'right') else '?'} {_per_week(tr['per_week'], unit)}"
        nd = 2 if unit == "" else 1
        label += f" ({tr['change']:+.{nd}f}{unit if unit in ('°', '') else ' ' + unit})"
        box = None
        if side in lag:
            label += " · behind"
            box = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": LAG, "lw": 1.2}
        ax.text(0.03, 0.95 - 0.16 * k, label, transform=ax.transAxes, fontsize=8.5, color=colour,
                fontweight="bold", va="top", ha="left", bbox=box, zorder=5)
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.4 * (hi - lo))  # room for the labels above the points
    ax.set_ylabel(unit if unit != "°" else "degrees", fontsize=9)
    return {"drawn": True, "per_week": drawn, "lagging": lag[0] if lag else None}


def _outcomes(ax, outcomes: pd.DataFrame, outcome_trends: dict, t0) -> dict:
    ax.set_title("What the person reported after each session", loc="left", fontsize=11, fontweight="bold",
                 pad=16)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    ax.set_ylim(-0.3, 10.3)
    ax.set_yticks([0, 5, 10])
    ax.set_ylabel("0–10", fontsize=9)
    if not len(outcomes):
        ax.text(0.5, 0.5, "no pain or effort reported (toehold log --pain N --effort N adds them)",
                ha="center", va="center", color="#888888", fontsize=10, transform=ax.transAxes)
        return {"sessions": 0}
    out = {"sessions": int(len(outcomes))}
    x = 0.0
    for key, colour, name in (("pain_0_10", PAIN, "pain"), ("effort_0_10", EFFORT, "effort")):
        v = pd.to_numeric(outcomes[key], errors="coerce")
        ok = v.notna()
        if not ok.any():
            continue
        # Scores are whole numbers: a little jitter keeps equal days from hiding each other.
        jitter = (np.random.default_rng(0).random(int(ok.sum())) - 0.5) * 0.25
        ax.scatter(outcomes["time"][ok], v[ok] + jitter, s=9, color=colour, alpha=0.35, lw=0)
        tr = outcome_trends.get(key)
        text = name
        if tr is not None:
            days = np.array([outcomes["day"][ok].min(), outcomes["day"][ok].max()])
            ax.plot([t0 + pd.Timedelta(days=float(d)) for d in days], tr["intercept"] + tr["per_week"] / 7 * days,
                    color=colour, lw=2.6)
            text = f"{name} {tr['first_week']:.0f} → {tr['last_week']:.0f} (first week → last week)"
            out[key] = round(float(tr["per_week"]), 4)
        ax.annotate(text, (x, 1.0), xytext=(0, 3), textcoords="offset points", xycoords="axes fraction",
                    fontsize=9, color=colour, fontweight="bold", va="bottom")
        x += 0.35
    notes = outcomes[outcomes["note"].notna()] if "note" in outcomes else outcomes.iloc[:0]
    if len(notes):
        ax.plot(notes["time"], [10.0] * len(notes), "v", color="#333333", ms=5)
        ax.annotate(f"▼ {len(notes)} note{'s' if len(notes) != 1 else ''} (in the CSV export)", (1.0, 1.0), xytext=(0, 3),
                    textcoords="offset points", xycoords="axes fraction", fontsize=8, ha="right",
                    va="bottom", color="#333333")
    return out


def headline(trends: dict) -> str:
    """One sentence on the trends, for the section title."""
    table = trends.get("table")
    if table is None or not len(table):
        return "no sessions with a date"
    weeks = math.ceil((table["day"].max() + 1e-9) / 7)
    parts = [f"{weeks} week{'s' if weeks != 1 else ''}"]
    ups = downs = 0
    for ex in trends["trends"].values():
        for side in ex.values():
            for tr in side.values():
                if tr is None:
                    continue
                if tr["per_week_low"] > 0:
                    ups += 1
                elif tr["per_week_high"] < 0:
                    downs += 1
    if not any(tr for ex in trends["trends"].values() for side in ex.values() for tr in side.values()):
        parts.append(f"too few sessions for a trend ({MIN_SESSIONS} over {MIN_SPAN_DAYS} days or more needed)")
        n = len(trends.get("outcomes", ()))
        if n:
            parts.append(f"{n} session{'s' if n != 1 else ''} with pain or effort reported")
        return " · ".join(parts)
    parts.append(f"{ups} measures improving, {downs} getting worse")
    lag = trends.get("lagging") or []
    if lag:
        by = {}
        for g in lag:
            by[g["side"]] = by.get(g["side"], 0) + 1
        parts.append(" · ".join(f"{s} foot behind on {n}" for s, n in sorted(by.items())))
    pain = (trends.get("outcome_trends") or {}).get("pain_0_10")
    if pain is not None:
        parts.append(f"pain {pain['first_week']:.0f} → {pain['last_week']:.0f}/10")
    return " · ".join(parts)


def draw(fig, spec, trends: dict) -> dict:
    """Draw the trend section into ``spec`` (a SubplotSpec spanning the report's width).

    Returns what was drawn: ``panels`` (titles), ``per_week`` per panel and
    foot, ``lagging_side``.
    """
    table = trends["table"]
    gs = spec.subgridspec(4, 5, height_ratios=HEIGHTS)
    head = fig.add_subplot(gs[0, :])
    head.axis("off")
    head.text(0.0, 0.55, "Progress", fontsize=16, fontweight="bold", va="center", transform=head.transAxes)
    head.text(0.09, 0.55, headline(trends), fontsize=12, va="center", color="#333333", transform=head.transAxes)
    sides = sorted(set(table["side"].fillna("unknown")))
    x = 1.0
    for side in reversed(sides):
        head.text(x, 0.55, f"● {side} foot" if side != "unknown" else "● side unknown", ha="right", va="center",
                  fontsize=11, color=SIDE_COLOURS.get(side, SIDE_COLOURS["unknown"]), fontweight="bold",
                  transform=head.transAxes)
        x -= 0.08
    head.text(x + 0.01, 0.55, "per foot: gain per week (change since the first week)", ha="right", va="center",
              fontsize=9, color="#555555", transform=head.transAxes)
    t0 = table["time"].min()
    first = None
    summary: dict = {"panels": [], "per_week": {}, "lagging_side": trends.get("lagging_side")}
    for r, row in enumerate(ROWS):
        for c, (ex, metric, title, unit) in enumerate(row):
            ax = fig.add_subplot(gs[r + 1, c], sharex=first)
            first = first or ax
            info = _panel(ax, table, trends["trends"], trends.get("lagging") or [], ex, metric, title, unit, t0)
            summary["panels"].append(title)
            summary["per_week"][(ex, metric)] = info.get("per_week")
    ax = fig.add_subplot(gs[3, :], sharex=first)
    summary["outcomes"] = _outcomes(ax, trends["outcomes"], trends.get("outcome_trends") or {}, t0)
    summary["panels"].append("What the person reported")
    # At least a week wide, so a short history is not stretched over years.
    t1 = table["time"].max()
    pad = max(pd.Timedelta(days=7) - (t1 - t0), pd.Timedelta(0)) / 2 + (t1 - t0) * 0.02
    first.set_xlim(t0 - pad, t1 + pad)
    loc = mdates.AutoDateLocator(minticks=3, maxticks=6)
    for a in fig.axes:
        if a.get_shared_x_axes().joined(a, first):
            a.xaxis.set_major_locator(loc)
            a.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, show_offset=False))
            a.tick_params(labelsize=8)
    return summary


def render_trends(trends: dict, out_path, dpi: int = 100) -> dict:
    """Only the trend section, as its own PNG (for a letter to the clinic, or the README)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not heights(trends):
        raise ValueError("no dated sessions to draw trends of")
    with plt.rc_context({"text.parse_math": False, "font.size": 10}):
        fig = plt.figure(figsize=(16, sum(HEIGHTS) * 1.25), dpi=dpi, layout="constrained")
        summary = draw(fig, fig.add_gridspec(1, 1)[0, 0], trends)
        fig.savefig(out_path, dpi=dpi)
        plt.close(fig)
    return summary
