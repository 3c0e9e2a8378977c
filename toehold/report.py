"""The PNG report: one picture of a session (or of many days) for patient and physio.

Input is analysis documents (``toehold-analysis/1``, as ``analyze_recording``
returns them); nothing here analyses signals. Colours are Okabe–Ito
(colour-blind safe), one per exercise, the same in every panel. Text from
recordings (subject, device) is drawn as plain text, never as mathtext.
"""
from __future__ import annotations

import datetime as dt
import math
import textwrap

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

from analysis.adherence import local_start  # noqa: E402
from sensors.contract import EXERCISES, HOLD_EXERCISES  # noqa: E402
from sensors.recording import lost_seconds  # noqa: E402

COLOURS = {"toe_press": "#0072B2", "resistance_band": "#E69F00", "tiptoe_walk": "#009E73",
           "pencil_pickup": "#CC79A7", "ankle_circles": "#56B4E9"}
LABELS = {"toe_press": "Toe press", "resistance_band": "Resistance band", "tiptoe_walk": "Tiptoe walk",
          "pencil_pickup": "Pencil pickup", "ankle_circles": "Ankle circles"}
# How much was done is told in greys, never in a hue: every hue here means an
# exercise (an orange "50 %" beside the orange band exercise read as one thing).
DONE, PART, LITTLE, NONE = "#222222", "#777777", "#BBBBBB", "#EEEEEE"
GUIDED = "white"  # a white dot ringed in grey: seen on every cell, and no exercise's colour
GREY = "#999999"
TEXT = "#333333"
GAP_HATCH = {"facecolor": "white", "edgecolor": "#555555", "hatch": "////", "lw": 0}
# Short names of where each reference range comes from; the full citations,
# and how firm each range is, are in docs/reference-ranges.md.
REFERENCE_SOURCE = {
    "sway_rms_ap_deg": "guide, Mancini 2012", "sway_rms_ml_deg": "guide, Mancini 2012",
    "ellipse_area_deg2": "guide, Mancini 2012", "mean_velocity_dps": "guide, Mancini 2012",
    "cadence_spm": "ordinary walking, Winter 1991", "stride_time_cv_pct": "Hausdorff 2005",
}
# Written into every picture's metadata: `toehold report` redraws its own
# report without --force but never overwrites anything else.
SOFTWARE = "toehold report"


def _counted(doc: dict) -> list[dict]:
    """The bouts that count: uncertain ones (confidence below the threshold,
    analysis.confidence) are drawn on the timeline as such, never counted."""
    from analysis.confidence import is_counted

    return [e for e in doc.get("exercises", []) if is_counted(e)]


def _zone(when: dt.datetime) -> str:
    name = when.tzname() or ""
    off = when.strftime("%z")
    off = f"UTC{off[:3]}:{off[3:]}" if off not in ("", "+0000") else "UTC"
    return off if not name or name.startswith(("UTC", "+", "-")) else f"{name}, {off}"


def _when(doc: dict, tz: dt.tzinfo | None = None) -> str:
    when = local_start(doc, tz)
    if when is None:
        t = (doc.get("recording") or {}).get("start_time")
        return t or "date unknown"
    return f"{when:%a %d %b %Y, %H:%M} ({_zone(when)})"


def _completion_colour(c: float | None) -> str:
    if c is None:
        return GREY
    return DONE if c >= 0.999 else PART if c >= 0.5 else LITTLE


def _pct(c: float) -> str:
    return f"{100 * c:.0f} %"


def _item(doc: dict, exercise: str) -> dict | None:
    for it in (doc.get("adherence") or {}).get("items", []):
        if it["exercise"] == exercise:
            return it
    return None


def unmeasurable(doc: dict) -> list[str]:
    """Programme exercises this recording's sensor placement cannot see."""
    return [it["exercise"] for it in (doc.get("adherence") or {}).get("items", [])
            if not it.get("observable", True)]


def _article(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}" if word != "this" else "this"


def _names(exercises) -> str:
    words = [LABELS.get(e, e).lower() for e in exercises]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def _header(ax, docs: list[dict], history: dict | None, tz=None):
    ax.axis("off")
    last = docs[-1]
    rec = last.get("recording", {})
    who = rec.get("subject") or "patient"
    dev = rec.get("device") or "sensor"
    where = f"{rec.get('placement') or '?'} sensor, {rec.get('side') or 'side unknown'}"
    if len(docs) == 1:
        title = f"Foot exercises: {_when(last, tz)}"
        sub = f"{who}  ·  {dev}  ·  {where}  ·  {rec.get('duration_s', 0) / 60:.0f} min recorded"
        comp = (last.get("adherence") or {}).get("completion")
        big = "–" if comp is None else _pct(comp)
        blind = unmeasurable(last)
        items = (last.get("adherence") or {}).get("items", [])
        if blind:
            # An ankle sensor cannot see three of the five: "95 % done" of
            # everything would claim work nobody saw.
            big_label = f"of the {len(items) - len(blind)} exercises this sensor can measure"
            sub2 = f"not measurable with {_article(rec.get('placement') or 'this')} sensor: {_names(blind)}"
        else:
            big_label = "of today's programme done"
            sub2 = None
    else:
        days = (history or {}).get("days", [])
        span = f"{days[0]['date']} to {days[-1]['date']}" if days else f"{len(docs)} sessions"
        title = f"Foot exercises: {span}"
        sub = f"{who}  ·  {dev}  ·  {where}  ·  {len(docs)} sessions recorded"
        done = sum(min(d["sessions_done"], d["sessions_prescribed"]) for d in days)
        asked = sum(d["sessions_prescribed"] for d in days)
        comp = done / asked if asked else None
        big = "–" if comp is None else f"{done} of {asked}"
        big_label = (f"prescribed sessions done ({_pct(comp)}; "
                     f"{days[0]['sessions_prescribed']} a day for {len(days)} days)" if days else "")
        sub2 = None
    ax.text(0.0, 0.80, title, fontsize=20, fontweight="bold", transform=ax.transAxes, va="center")
    ax.text(0.0, 0.36 if sub2 else 0.28, sub, fontsize=12, color="#444444", transform=ax.transAxes,
            va="center")
    if sub2:
        ax.text(0.0, 0.02, sub2, fontsize=11, color="#444444", transform=ax.transAxes, va="center")
    ax.text(1.0, 0.70, big, fontsize=30, fontweight="bold", ha="right", va="center",
            transform=ax.transAxes, color=DONE)
    ax.text(1.0, 0.22, big_label, fontsize=11, ha="right", va="center", transform=ax.transAxes,
            color="#444444")
    return {"title": title, "big": big, "big_label": big_label, "unmeasurable": unmeasurable(last)}


def _timeline(ax, doc: dict, title: str = "Session timeline") -> dict:
    rec = doc.get("recording", {})
    dur = rec.get("duration_s") or 1.0
    ax.set_xlim(0, dur / 60)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.set_xlabel("minutes into the session")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    for st in (doc.get("balance") or {}).get("stances", []):
        ax.add_patch(Rectangle((st["start_s"] / 60, 0.3), (st["end_s"] - st["start_s"]) / 60, 0.4,
                               color="#DDDDDD", lw=0))
    shown = []
    counted = {id(e) for e in _counted(doc)}
    n_uncertain = 0
    for ex in doc.get("exercises", []):
        x0, w = ex["start_s"] / 60, max((ex["end_s"] - ex["start_s"]) / 60, 0.05)
        if id(ex) in counted:
            ax.add_patch(Rectangle((x0, 0.15), w, 0.7, color=COLOURS[ex["exercise"]], lw=0))
            shown.append(ex["exercise"])
        else:
            # Outlined and hatched in the exercise's colour: seen, not counted.
            ax.add_patch(Rectangle((x0, 0.15), w, 0.7, facecolor="white", edgecolor=COLOURS[ex["exercise"]],
                                   hatch="///", lw=1.0))
            n_uncertain += 1
    long_gaps = [g for g in rec.get("gaps", []) if g["end_s"] - g["start_s"] >= 1.0]
    for g in long_gaps:  # single lost packets would be noise here; "About" counts them all
        ax.axvspan(g["start_s"] / 60, g["end_s"] / 60, **GAP_HATCH)
    handles = [Rectangle((0, 0), 1, 1, color=COLOURS[e]) for e in EXERCISES if e in shown]
    labels = [LABELS[e] for e in EXERCISES if e in shown]
    if (doc.get("balance") or {}).get("stances"):
        handles.append(Rectangle((0, 0), 1, 1, color="#DDDDDD"))
        labels.append("standing still")
    if n_uncertain:
        handles.append(Rectangle((0, 0), 1, 1, facecolor="white", edgecolor=GREY, hatch="///"))
        labels.append("uncertain (not counted)")
    if long_gaps:
        handles.append(Rectangle((0, 0), 1, 1, **GAP_HATCH))
        labels.append("no data (sensor signal lost ≥ 1 s)")
    if handles:
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=len(handles),
                  frameon=False, fontsize=10)
    else:
        ax.text(0.5, 0.5, "no exercises detected in this recording", ha="center", va="center",
                transform=ax.transAxes, fontsize=13, color=DONE)
    ax.set_title(title, loc="left", fontsize=13, fontweight="bold")
    return {"bouts": len(shown), "uncertain": n_uncertain}


def _panel_holds(ax, doc, exercise):
    """One bar per rep, set after set (a gap between sets): full colour if held the target."""
    it = _item(doc, exercise) or {}
    sets = [[r["hold_s"] for r in e["reps"]] for e in _counted(doc)
            if e["exercise"] == exercise and e["reps"]]
    target = it.get("hold_target_s")
    colour = COLOURS[exercise]
    x, holds, ticks, labels = 1.0, [], [], []
    for k, set_holds in enumerate(sets):
        xs = [x + i for i in range(len(set_holds))]
        short = [target is not None and h < target for h in set_holds]
        # A short hold is a pale bar of the exercise's own colour, not grey:
        # grey belongs to "not measured" and "standing still".
        ax.bar(xs, set_holds, width=0.7, edgecolor=colour, lw=1.2,
               color=[matplotlib.colors.to_rgba(colour, 0.25 if s else 1.0) for s in short])
        ticks += xs
        labels += [str(i + 1) for i in range(len(set_holds))]
        if len(sets) > 1:
            ax.text((xs[0] + xs[-1]) / 2, 1.0, f"set {k + 1}", ha="center", va="top", fontsize=8,
                    color=TEXT, transform=ax.get_xaxis_transform())
        holds += set_holds
        x = xs[-1] + 2  # one empty slot between sets
    if target:
        ax.axhline(target, color="k", lw=1.2, ls="--")
        ax.text(1.0, target, f" {target:g} s", ha="left", va="center", fontsize=9,
                transform=ax.get_yaxis_transform())
    n_pres = it.get("reps_prescribed")
    ax.set_xlim(0.3, max(x - 1 if sets else 0, n_pres or 0, 1) + 0.7)
    ax.set_ylim(0, max(holds + [target or 0, 1]) * 1.3)
    ax.set_xlabel("rep" if len(sets) < 2 else "rep, in each set")
    ax.set_ylabel("hold (s)")
    step = max(1, len(ticks) // 12)
    ax.set_xticks(ticks[::step], labels[::step])
    met = it.get("holds_met", 0)
    counts = " + ".join(str(len(s)) for s in sets)
    if len(sets) > 1:
        sub = f"{len(sets)} sets: {counts} reps" + (f" ({n_pres} asked)" if n_pres else "")
    else:
        sub = f"{len(holds)} reps" + (f" ({n_pres} asked)" if n_pres else "")
    if target:
        sub += f" · {met} held ≥ {target:g} s"
    return sub, {"reps": len(holds), "holds_met": met, "sets": [len(s) for s in sets]}


def _circle_paths(doc: dict, direction: str) -> list[tuple[list, list]]:
    """The measured toe path of each circle in ``direction``, as (y, z) lists."""
    out = []
    for e in _counted(doc):
        path = e.get("toe_path")
        if e["exercise"] != "ankle_circles" or not path or not path.get("y_deg"):
            continue
        sampling_rate_hz, t0 = path["rate_hz"], path["t0_s"]
        for c in e["circles"]:
            if c["direction"] != direction:
                continue
            a, b = int((c["start_s"] - t0) * sampling_rate_hz), int(math.ceil((c["end_s"] - t0) * sampling_rate_hz)) + 1
            if b - a >= 3:
                out.append((path["y_deg"][max(a, 0):b], path["z_deg"][max(a, 0):b]))
    return out


def _panel_circles(ax, doc):
    it = _item(doc, "ankle_circles") or {}
    circ = it.get("circles", {"cw": {"circles": 0, "seconds": 0}, "ccw": {"circles": 0, "seconds": 0}})
    ax.set_xlim(-2.6, 2.6)
    ax.set_ylim(-2.1, 1.6)
    ax.set_aspect("equal")
    ax.axis("off")
    target = (it.get("seconds_target_per_direction") or [8, 10])[0]
    drawn = {}
    for cx, d, word in ((-1.25, "cw", "clockwise"), (1.25, "ccw", "anticlockwise")):
        n, secs = circ[d]["circles"], circ[d]["seconds"]
        col = COLOURS["ankle_circles"] if n else "#CCCCCC"
        paths = _circle_paths(doc, d)
        drawn[d] = len(paths)
        if paths:
            # The toe's own path, seen from in front of the toes: the
            # person's left (+y) is on the viewer's right.
            scale = 0.8 / max(max(math.hypot(y, z) for ys, zs in paths for y, z in zip(ys, zs)), 1e-6)
            for ys, zs in paths:
                ax.plot([cx + y * scale for y in ys], [z * scale for z in zs], color=col, lw=1.2, alpha=0.7)
        else:
            t = [i / 60 * 2 * math.pi for i in range(61)]
            ax.plot([cx + 0.8 * math.cos(a) for a in t], [0.8 * math.sin(a) for a in t], color=col, lw=3)
        # Arrow beside the path in the direction of travel (seen from the toes).
        a0, a1 = (1.0, 0.2) if d == "cw" else (0.2, 1.0)
        ax.add_patch(FancyArrowPatch((cx + 0.98 * math.cos(a0), 0.98 * math.sin(a0)),
                                     (cx + 0.98 * math.cos(a1), 0.98 * math.sin(a1)),
                                     connectionstyle=f"arc3,rad={-0.3 if d == 'cw' else 0.3}",
                                     arrowstyle="-|>", mutation_scale=16, color="k", lw=1.5))
        ax.text(cx, -1.12, f"{n}", ha="center", va="center", fontsize=16, fontweight="bold")
        ax.text(cx, -1.72, f"{word}\n{secs:.0f} s of {target:g} s", ha="center", va="center", fontsize=9)
    ax.text(0, 1.45, "toe path, seen from in front of the toes", ha="center", fontsize=8, color="#666666")
    return (f"{circ['cw']['circles']} clockwise · {circ['ccw']['circles']} anticlockwise",
            {"cw": circ["cw"]["circles"], "ccw": circ["ccw"]["circles"], "paths_drawn": drawn})


def _panel_tiptoe(ax, doc):
    it = _item(doc, "tiptoe_walk") or {}
    secs = it.get("seconds_done", 0.0)
    lo, hi = it.get("seconds_target") or [20, 30]
    bouts = [e for e in _counted(doc) if e["exercise"] == "tiptoe_walk"]
    ax.axvspan(lo, hi, color="#DDDDDD", lw=0)
    ax.text((lo + hi) / 2, 0.93, "target", ha="center", va="top", fontsize=9, transform=ax.get_xaxis_transform())
    ax.barh([0.5], [secs], height=0.35, color=COLOURS["tiptoe_walk"])
    t0 = bouts[0]["start_s"] if bouts else 0.0
    strides = [s["t_s"] - t0 for b in bouts for s in b["strides"]]
    ax.vlines(strides, 0.05, 0.25, color="k", lw=1)
    ax.text(0.0, 0.15, "strides ", ha="right", va="center", fontsize=8, transform=ax.get_yaxis_transform())
    ax.set_xlim(0, max(hi * 1.2, secs * 1.1, 1))
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.set_xlabel("seconds on tiptoe")
    cad = bouts[0].get("cadence_spm") if bouts else None
    sub = f"{secs:.0f} s · {len(strides)} strides" + (f" · {cad:.0f} steps/min" if cad else "")
    return sub, {"seconds": secs, "strides": len(strides)}


def _exercise_panel(ax, doc, exercise) -> dict:
    it = _item(doc, exercise)
    ax.set_title(LABELS[exercise], loc="left", fontsize=12, fontweight="bold", color=COLOURS[exercise],
                 pad=33)
    if it is not None and not it.get("observable", True):
        ax.axis("off")
        ax.text(0.5, 0.5, "not measurable with this\nsensor placement", ha="center", va="center",
                fontsize=11, color="#666666", transform=ax.transAxes)
        return {"exercise": exercise, "state": "not observable"}
    done = any(e["exercise"] == exercise for e in _counted(doc))
    if not done:
        ax.axis("off")
        ax.text(0.5, 0.5, "not done in this session", ha="center", va="center", fontsize=12,
                color=DONE, fontweight="bold", transform=ax.transAxes)
        return {"exercise": exercise, "state": "not done"}
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if exercise == "ankle_circles":
        sub, counts = _panel_circles(ax, doc)
    elif exercise == "tiptoe_walk":
        sub, counts = _panel_tiptoe(ax, doc)
    else:
        sub, counts = _panel_holds(ax, doc, exercise)
    comp = (it or {}).get("completion")
    ax.annotate(sub, (0, 1), xytext=(0, 4), textcoords="offset points", xycoords="axes fraction",
                fontsize=9, va="bottom", color="#333333")
    if comp is not None:
        ax.annotate(f"{_pct(comp)} done", (0, 1), xytext=(0, 17), textcoords="offset points",
                    xycoords="axes fraction", fontsize=10.5, ha="left", va="bottom", fontweight="bold",
                    color=DONE)
    return {"exercise": exercise, "state": "done", **counts}


def _bullet(ax, y, label, metric, key):
    """One row: light scale, shaded reference band, black mark at the value, the range and its source.

    Each row has its own scale (0 to 1.3 × the larger of value and range
    top), drawn in a shared 0–1 axis.
    """
    lo, hi = metric.get("reference") or (None, None)
    v = metric.get("value")
    unit = metric.get("unit", "")
    top = max([x for x in (hi, v) if x is not None] + [1e-9]) * 1.3
    ax.barh(y, 1.0, height=0.5, color="#F2F2F2", left=0)
    if lo is not None:
        ax.barh(y, (hi - lo) / top, left=lo / top, height=0.5, color="#C4C4C4")
    if v is not None:
        ax.plot([v / top] * 2, [y - 0.3, y + 0.3], color="k", lw=3)
        # Whole numbers for big values (108 steps/min), one decimal for small (2.6 %).
        ax.text(1.03, y, f"{v:.{0 if abs(v) >= 20 else 1}f} {unit}", va="center", fontsize=9,
                fontweight="bold").set_in_layout(False)
    ref = (f"usual {lo:g}–{hi:g} {unit} ({REFERENCE_SOURCE.get(key, 'see docs')})" if lo is not None
           else "no published range: compare with earlier sessions")
    ax.text(1.4, y, ref, va="center", fontsize=8, color="#555555").set_in_layout(False)
    ax.text(-0.02, y, label, ha="right", va="center", fontsize=9).set_in_layout(False)


def _balance(ax, doc) -> dict:
    ax.set_title("Balance", loc="left", fontsize=13, fontweight="bold")
    bal = doc.get("balance") or {}
    rows = []
    sway = bal.get("sway") or {}
    for key, label in (("sway_rms_ap_deg", "standing sway, front–back"),
                       ("sway_rms_ml_deg", "standing sway, side to side"),
                       ("ellipse_area_deg2", "area swayed over"), ("mean_velocity_dps", "sway speed")):
        if key in sway:
            rows.append((label, sway[key], key))
    for g in bal.get("tiptoe_gait", [])[:1]:
        for key, label in (("cadence_spm", "tiptoe steps per minute"),
                           ("stride_time_cv_pct", "tiptoe step unevenness"),
                           ("stance_wobble_ml_deg", "tiptoe side wobble")):
            if "value" in g.get(key, {}):
                rows.append((label, g[key], key))
    note = None
    if "not_observable" in sway:
        # Said once, in plain words (the JSON keeps the technical reason).
        note = ("Standing sway is not measured: it needs the sensor just above the ankle, "
                "because the foot stays flat on the floor while the body sways over it.")
    ax.axis("off")
    if not rows:
        ax.text(0.5, 0.5, note or "no balance measures in this session", ha="center",
                va="center", fontsize=10, color="#666666", transform=ax.transAxes, wrap=True)
        return {"rows": 0, "note": note}
    ax.text(0.0, 0.97, "shaded band: the usual range for healthy adults (source in brackets; "
                      "details in docs/reference-ranges.md); black mark: this session",
            ha="left", va="top", fontsize=8, color="#555555", transform=ax.transAxes).set_in_layout(False)
    inner = ax.inset_axes([0.2, 0.14 if note else 0.02, 0.34, 0.72 if note else 0.84])
    inner.axis("off")
    for i, (lab, m, key) in enumerate(rows):
        _bullet(inner, len(rows) - i, lab, m, key)
    inner.set_xlim(0, 1.0)
    inner.set_ylim(0.3, len(rows) + 0.7)
    if note:
        ax.text(0.0, 0.0, note, fontsize=8.5, color="#444444", transform=ax.transAxes).set_in_layout(False)
    return {"rows": len(rows), "note": note, "references": [REFERENCE_SOURCE.get(k) for _, _, k in rows]}


def _calendar(ax, history: dict) -> dict:
    days = history.get("days", [])
    ax.set_title("Sessions done per day", loc="left", fontsize=13, fontweight="bold")
    if not days:
        ax.axis("off")
        return {"days": 0}
    n = len(days)
    spd = days[0]["sessions_prescribed"]
    guided_at = []
    for i, d in enumerate(days):
        guided = d.get("session_guided") or [False] * len(d["session_completion"])
        comps = sorted(zip(d["session_completion"], guided), key=lambda cg: -(cg[0] or 0))
        for j in range(spd):
            c, g = comps[j] if j < len(comps) else (None, False)
            if c is None:
                ax.add_patch(Rectangle((i + 0.1, j + 0.1), 0.8, 0.8, facecolor="white",
                                       edgecolor="#CCCCCC", lw=0.6))
            else:
                ax.add_patch(Rectangle((i + 0.08, j + 0.08), 0.84, 0.84, lw=0,
                                       color=_completion_colour(c if c < 0.8 else 1.0)))
            if c is not None and g:
                guided_at.append((i + 0.5, j + 0.5))
    marks = None
    if guided_at:
        # A session the coach walked through: a dot in its cell.
        marks = ax.scatter(*zip(*guided_at), s=22 if n > 30 else 40, marker="o", facecolors=GUIDED,
                           edgecolors="#555555", linewidths=1.0, zorder=3)
    ax.set_xlim(0, n)
    ax.set_ylim(spd, 0)  # session 1 on top
    step = max(1, n // 15)
    ax.set_xticks([i + 0.5 for i in range(0, n, step)])
    ax.set_xticklabels([dt.date.fromisoformat(days[i]["date"]).strftime("%d %b") for i in range(0, n, step)],
                       fontsize=9)
    ax.set_yticks([j + 0.5 for j in range(spd)])
    ax.set_yticklabels([f"session {j + 1}" for j in range(spd)], fontsize=9)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    handles = [Rectangle((0, 0), 1, 1, color=DONE), Rectangle((0, 0), 1, 1, color=PART),
               Rectangle((0, 0), 1, 1, color=LITTLE),
               Rectangle((0, 0), 1, 1, facecolor="white", edgecolor="#CCCCCC", lw=0.6)]
    labels = ["done (80 % or more)", "half done or more", "less than half", "no session"]
    if marks is not None:
        handles.append(Line2D([], [], ls="", marker="o", markerfacecolor=GUIDED, markeredgecolor="#555555"))
        labels.append("guided session (toehold session)")
    legend = ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(labels),
                       frameon=False, fontsize=9)
    cur, longest = history.get("current_streak_days", 0), history.get("longest_streak_days", 0)
    rule = f"a day counts toward a streak when all {spd} of its sessions were done"
    ax.text(0.0, -0.32, f"Streak: {cur} day{'s' if cur != 1 else ''} in a row up to the last day, "
            f"longest {longest} ({rule}).",
            transform=ax.transAxes, ha="left", fontsize=9, color="#444444")
    return {"days": n, "streak_rule": rule, "legend": [t.get_text() for t in legend.get_texts()],
            # Where the guided markers were drawn: (day index, session row), from the artist itself.
            "guided_cells": [] if marks is None else
            [(int(x - 0.5), int(y - 0.5)) for x, y in np.asarray(marks.get_offsets())]}


def _how_to_read(ax, doc) -> str:
    """The rules behind the bars and percentages, with this prescription's numbers."""
    ax.axis("off")
    items = {it["exercise"]: it for it in (doc.get("adherence") or {}).get("items", [])}
    rules = []
    holds = [(LABELS[e].lower(), items[e]) for e in HOLD_EXERCISES
             if e in items and items[e].get("reps_prescribed")]
    if holds:
        rules.append(", ".join(f"{name}: reps held ≥ {it['hold_target_s']:g} s ÷ {it['reps_prescribed']} asked"
                               for name, it in holds))
    tip = items.get("tiptoe_walk") or {}
    if tip.get("seconds_target"):
        rules.append(f"tiptoe walk: seconds on tiptoe ÷ {tip['seconds_target'][0]:g} s")
    circ = items.get("ankle_circles") or {}
    if circ.get("seconds_target_per_direction"):
        rules.append(f"ankle circles: seconds circling each way ÷ {circ['seconds_target_per_direction'][0]:g} s, "
                     "half for each way")
    text = ("How to read this report.  Bars: one per rep, as tall as the hold lasted; solid = held at "
            "least the target (dashed line), pale = held shorter.  \"% done\" of each exercise = "
            + "; ".join(rules) + " (each at most 100 %). The large figure at the top is the average "
            "over the exercises the sensor can measure.")
    # Wrapped by hand and kept out of the layout: a long text would squeeze the panels.
    ax.text(0.0, 1.0, textwrap.fill(text, 225), va="top", ha="left", fontsize=9, color="#333333",
            transform=ax.transAxes).set_in_layout(False)
    return text


def render_report(docs: list[dict], out_path, history: dict | None = None, dpi: int = 100,
                  tz: dt.tzinfo | None = None, trends: dict | None = None) -> dict:
    """Draw the report PNG and say what was drawn.

    Parameters
    ----------
    docs : list of dict
        Analysis documents, oldest first; the last one's session is shown in
        detail. With more than one, ``history`` (from
        :func:`analysis.adherence.history_adherence`) draws the calendar.
    trends : dict, optional
        :func:`analysis.trends.history_trends` of the same documents: with
        more than one document, the trend panels of ``toehold.report_trends``.
    out_path : path
        Where to write the PNG.
    tz : tzinfo, optional
        Zone for start times recorded in UTC (default: this computer's).

    Returns
    -------
    dict
        ``panels`` (titles drawn, in order) and per-panel counts, for tests
        and the command line.
    """
    if not docs:
        raise ValueError("no analysis documents to report")
    multi = len(docs) > 1
    doc = docs[-1]
    from toehold import report_trends

    extra = report_trends.heights(trends) if multi else []
    heights = [0.9, 1.0, 2.2, 2.0] + ([1.6] if multi else []) + extra + [0.7]
    with plt.rc_context({"text.parse_math": False, "font.size": 10}):
        fig = plt.figure(figsize=(16, sum(heights) * 1.15), dpi=dpi, layout="constrained")
        gs = fig.add_gridspec(len(heights), 5, height_ratios=heights)
        summary: dict = {"panels": [], "exercises": {}}
        summary["header"] = _header(fig.add_subplot(gs[0, :]), docs, history, tz)
        summary["panels"].append("header")
        summary["timeline"] = _timeline(fig.add_subplot(gs[1, :]), doc, "Session timeline" if not multi
                                        else f"Latest session: {_when(doc, tz)}")
        summary["panels"].append("Session timeline")
        for k, ex in enumerate(EXERCISES):
            info = _exercise_panel(fig.add_subplot(gs[2, k]), doc, ex)
            summary["exercises"][ex] = info
            summary["panels"].append(LABELS[ex])
        summary["balance"] = _balance(fig.add_subplot(gs[3, :3]), doc)
        summary["panels"].append("Balance")
        notes_ax = fig.add_subplot(gs[3, 3:])
        notes_ax.axis("off")
        summary["notes"] = _notes(notes_ax, doc)
        if multi:
            summary["calendar"] = _calendar(fig.add_subplot(gs[4, :]), history or {})
            summary["panels"].append("Sessions done per day")
        if extra:
            summary["trends"] = report_trends.draw(fig, gs[len(heights) - 1 - len(extra):-1, :], trends)
            summary["panels"] += summary["trends"]["panels"]
        summary["how_to_read"] = _how_to_read(fig.add_subplot(gs[-1, :]), doc)
        fmt = str(out_path).rsplit(".", 1)[-1].lower()
        key = {"png": "Software", "pdf": "Creator", "svg": "Creator"}.get(fmt)
        fig.savefig(out_path, dpi=dpi, metadata={key: SOFTWARE} if key else None)
        plt.close(fig)
    return summary


def _notes(ax, doc):
    """What the physio should know about the recording itself."""
    rec = doc.get("recording", {})
    lines = []
    gaps = rec.get("gaps", [])
    if gaps:
        lost = lost_seconds(gaps, rec.get("sample_rate_hz"))
        lines.append(f"the sensor's signal dropped {len(gaps)} time{'s' if len(gaps) != 1 else ''}, "
                     f"{lost:.1f} s of data lost in all (hatched on the timeline where 1 s or longer); "
                     "nothing is guessed for the missing moments")
    m = doc.get("mounting") or {}
    if m:
        how = {"gait": "the walking steps in the session", "posture": "the postures in the session",
               "guess": "a guess (no walking seen): treat the results with care",
               "declared": "the recording's own notes"}.get(m.get("method"), m.get("method"))
        lines.append(f"how the sensor sat on the {rec.get('placement') or 'leg'}: worked out from {how}")
    # What the placement cannot measure is said once, where it applies: the
    # header (exercises) and the balance panel (sway).
    unsure = [e for e in doc.get("exercises", []) if e not in _counted(doc)]
    if unsure:
        seen = ", ".join(f"{LABELS[e['exercise']].lower()} at {e['start_s'] / 60:.1f} min "
                         f"({e.get('confidence', 0):.2f})" for e in unsure[:3])
        lines.append(f"{len(unsure)} uncertain, not counted: {seen}" + (" …" if len(unsure) > 3 else ""))
    guided = (doc.get("adherence") or {}).get("guided_steps")
    if guided:
        lines.append(f"guided session: {guided['steps']} steps, {guided['done']} done, "
                     f"{guided['partial']} partial, {guided['skipped']} skipped")
    said = ((doc.get("session") or {}).get("reported") or {})
    if said.get("pain_0_10") is not None or said.get("effort_0_10") is not None:
        lines.append(f"reported: pain {said.get('pain_0_10', '-')}/10, effort {said.get('effort_0_10', '-')}/10")
    for w in rec.get("warnings", [])[:2]:
        lines.append(w if len(w) < 90 else w[:87] + "…")
    ax.set_title("About this recording", loc="left", fontsize=13, fontweight="bold")
    text = "\n".join(textwrap.fill("• " + line, 80, subsequent_indent="  ") for line in lines)
    ax.text(0.0, 0.95, text or "nothing unusual", va="top", fontsize=9,
            transform=ax.transAxes, color="#333333").set_in_layout(False)
    return lines
