"""The PNG report: one picture of a session (or of many days) for patient and physio.

Input is analysis documents (``toehold-analysis/1``, as ``analyze_recording``
returns them); nothing here analyses signals. Colours are Okabe–Ito
(colour-blind safe), one per exercise, the same in every panel. Text from
recordings (subject, device) is drawn as plain text, never as mathtext.
"""
from __future__ import annotations

import datetime as dt
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

from sensors.recording import lost_seconds  # noqa: E402

EXERCISES = ("toe_press", "resistance_band", "tiptoe_walk", "pencil_pickup", "ankle_circles")
COLOURS = {"toe_press": "#0072B2", "resistance_band": "#E69F00", "tiptoe_walk": "#009E73",
           "pencil_pickup": "#CC79A7", "ankle_circles": "#56B4E9"}
LABELS = {"toe_press": "Toe press", "resistance_band": "Resistance band", "tiptoe_walk": "Tiptoe walk",
          "pencil_pickup": "Pencil pickup", "ankle_circles": "Ankle circles"}
GOOD, PART, MISS = "#009E73", "#E69F00", "#D55E00"
GREY = "#999999"
# Written into every picture's metadata: `toehold report` redraws its own
# report without --force but never overwrites anything else.
SOFTWARE = "toehold report"


def _when(doc: dict) -> str:
    t = (doc.get("recording") or {}).get("start_time")
    if not t:
        return "date unknown"
    try:
        return dt.datetime.fromisoformat(t.replace("Z", "+00:00")).strftime("%a %d %b %Y, %H:%M UTC")
    except ValueError:
        return t


def _completion_colour(c: float | None) -> str:
    if c is None:
        return GREY
    return GOOD if c >= 0.999 else PART if c >= 0.5 else MISS


def _item(doc: dict, exercise: str) -> dict | None:
    for it in (doc.get("adherence") or {}).get("items", []):
        if it["exercise"] == exercise:
            return it
    return None


def _header(ax, docs: list[dict], history: dict | None):
    ax.axis("off")
    last = docs[-1]
    rec = last.get("recording", {})
    who = rec.get("subject") or "patient"
    dev = rec.get("device") or "sensor"
    where = f"{rec.get('placement') or '?'} sensor, {rec.get('side') or 'side unknown'}"
    if len(docs) == 1:
        title = f"Foot exercises: {_when(last)}"
        sub = f"{who}  ·  {dev}  ·  {where}  ·  {rec.get('duration_s', 0) / 60:.0f} min recorded"
        comp = (last.get("adherence") or {}).get("completion")
        big = "–" if comp is None else f"{100 * comp:.0f}%"
        big_label = "of today's programme done"
    else:
        days = (history or {}).get("days", [])
        span = f"{days[0]['date']} to {days[-1]['date']}" if days else f"{len(docs)} sessions"
        title = f"Foot exercises: {span}"
        sub = f"{who}  ·  {dev}  ·  {where}  ·  {len(docs)} sessions"
        comp = (history or {}).get("completion_pct")
        big = "–" if comp is None else f"{comp:.0f}%"
        big_label = "of prescribed sessions done"
    ax.text(0.0, 0.78, title, fontsize=20, fontweight="bold", transform=ax.transAxes, va="center")
    ax.text(0.0, 0.28, sub, fontsize=12, color="#444444", transform=ax.transAxes, va="center")
    ax.text(1.0, 0.70, big, fontsize=30, fontweight="bold", ha="right", va="center",
            transform=ax.transAxes, color=_completion_colour(None if comp is None else
                                                              (comp if comp <= 1 else comp / 100)))
    ax.text(1.0, 0.22, big_label, fontsize=11, ha="right", va="center", transform=ax.transAxes,
            color="#444444")
    return {"title": title}


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
    for ex in doc.get("exercises", []):
        x0, w = ex["start_s"] / 60, max((ex["end_s"] - ex["start_s"]) / 60, 0.05)
        ax.add_patch(Rectangle((x0, 0.15), w, 0.7, color=COLOURS[ex["exercise"]], lw=0))
        shown.append(ex["exercise"])
    for g in rec.get("gaps", []):
        if g["end_s"] - g["start_s"] >= 1.0:  # single lost packets would be noise here
            ax.axvspan(g["start_s"] / 60, g["end_s"] / 60, color=MISS, alpha=0.5, lw=0)
    handles = [Rectangle((0, 0), 1, 1, color=COLOURS[e]) for e in EXERCISES if e in shown]
    labels = [LABELS[e] for e in EXERCISES if e in shown]
    if (doc.get("balance") or {}).get("stances"):
        handles.append(Rectangle((0, 0), 1, 1, color="#DDDDDD"))
        labels.append("standing still")
    if handles:
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=len(handles),
                  frameon=False, fontsize=10)
    else:
        ax.text(0.5, 0.5, "no exercises detected in this recording", ha="center", va="center",
                transform=ax.transAxes, fontsize=13, color=MISS)
    ax.set_title(title, loc="left", fontsize=13, fontweight="bold")
    return {"bouts": len(shown)}


def _panel_holds(ax, doc, exercise):
    it = _item(doc, exercise) or {}
    reps = [r for e in doc.get("exercises", []) if e["exercise"] == exercise for r in e["reps"]]
    target = it.get("hold_target_s")
    holds = [r["hold_s"] for r in reps]
    colours = [COLOURS[exercise] if target is None or h >= target else "#BBBBBB" for h in holds]
    ax.bar(range(1, len(holds) + 1), holds, color=colours, width=0.7)
    if target:
        ax.axhline(target, color="k", lw=1.2, ls="--")
        ax.text(1.0, target, f" {target:g} s", ha="left", va="center", fontsize=9,
                transform=ax.get_yaxis_transform())
    n_pres = it.get("reps_prescribed")
    ax.set_xlim(0.3, max(len(holds), n_pres or 0, 1) + 0.7)
    ax.set_ylim(0, max(holds + [target or 0, 1]) * 1.25)
    ax.set_xlabel("rep")
    ax.set_ylabel("hold (s)")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    met = it.get("holds_met", 0)
    sub = f"{len(holds)} of {n_pres} reps · {met} held ≥ {target:g} s" if n_pres and target else f"{len(holds)} reps"
    return sub, {"reps": len(holds), "holds_met": met}


def _circle_paths(doc: dict, direction: str) -> list[tuple[list, list]]:
    """The measured toe path of each circle in ``direction``, as (y, z) lists."""
    out = []
    for e in doc.get("exercises", []):
        path = e.get("toe_path")
        if e["exercise"] != "ankle_circles" or not path or not path.get("y_deg"):
            continue
        fs, t0 = path["rate_hz"], path["t0_s"]
        for c in e["circles"]:
            if c["direction"] != direction:
                continue
            a, b = int((c["start_s"] - t0) * fs), int(math.ceil((c["end_s"] - t0) * fs)) + 1
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
    bouts = [e for e in doc.get("exercises", []) if e["exercise"] == "tiptoe_walk"]
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
                 pad=20)
    if it is not None and not it.get("observable", True):
        ax.axis("off")
        ax.text(0.5, 0.5, "not measurable with this\nsensor placement", ha="center", va="center",
                fontsize=11, color="#666666", transform=ax.transAxes)
        return {"exercise": exercise, "state": "not observable"}
    done = any(e["exercise"] == exercise for e in doc.get("exercises", []))
    if not done:
        ax.axis("off")
        ax.text(0.5, 0.5, "not done in this session", ha="center", va="center", fontsize=12,
                color=MISS, transform=ax.transAxes)
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
        ax.annotate(f"{100 * comp:.0f}%", (1, 1), xytext=(0, 20), textcoords="offset points",
                    xycoords="axes fraction", fontsize=12, ha="right", va="bottom", fontweight="bold",
                    color=_completion_colour(comp))
    return {"exercise": exercise, "state": "done", **counts}


def _bullet(ax, y, label, metric):
    """One row: grey scale, green reference band, black mark at the value.

    Each row has its own scale (0 to 1.3 × the larger of value and range
    top), drawn in a shared 0–1 axis.
    """
    lo, hi = metric.get("reference") or (None, None)
    v = metric.get("value")
    top = max([x for x in (hi, v) if x is not None] + [1e-9]) * 1.3
    ax.barh(y, 1.0, height=0.5, color="#EEEEEE", left=0)
    if lo is not None:
        ax.barh(y, (hi - lo) / top, left=lo / top, height=0.5, color="#CDE8D8")
    if v is not None:
        ax.plot([v / top] * 2, [y - 0.3, y + 0.3], color="k", lw=3)
        # Whole numbers for big values (108 steps/min), one decimal for small (2.6 %).
        ax.text(1.02, y, f"{v:.{0 if abs(v) >= 20 else 1}f} {metric.get('unit', '')}", va="center", fontsize=9)
    ax.text(-0.02, y, label, ha="right", va="center", fontsize=9)


def _balance(ax, doc) -> dict:
    ax.set_title("Balance", loc="left", fontsize=13, fontweight="bold")
    bal = doc.get("balance") or {}
    rows = []
    sway = bal.get("sway") or {}
    for key, label in (("sway_rms_ap_deg", "sway front–back"), ("sway_rms_ml_deg", "sway side–side"),
                       ("ellipse_area_deg2", "sway area"), ("mean_velocity_dps", "sway speed")):
        if key in sway:
            rows.append((label, sway[key]))
    for g in bal.get("tiptoe_gait", [])[:1]:
        for key, label in (("cadence_spm", "tiptoe cadence"), ("stride_time_cv_pct", "stride variability"),
                           ("stance_wobble_ml_deg", "tiptoe wobble")):
            if "value" in g.get(key, {}):
                rows.append((label, g[key]))
    notes = []
    if "not_observable" in sway:
        notes.append(f"Sway: not measurable ({sway['not_observable']}).")
    ax.axis("off")
    if not rows:
        ax.text(0.5, 0.5, "\n".join(notes) or "no balance measures in this session", ha="center",
                va="center", fontsize=10, color="#666666", transform=ax.transAxes, wrap=True)
        return {"rows": 0}
    inner = ax.inset_axes([0.22, 0.12 if notes else 0.02, 0.62, 0.84 if notes else 0.94])
    inner.axis("off")
    for i, (lab, m) in enumerate(rows):
        _bullet(inner, len(rows) - i, lab, m)
    inner.set_xlim(0, 1.3)
    inner.set_ylim(0.3, len(rows) + 0.7)
    if notes:
        ax.text(0.0, 0.0, " ".join(notes), fontsize=8, color="#666666", transform=ax.transAxes)
    ax.text(1.0, 1.0, "green band: healthy adults", ha="right", va="bottom", fontsize=8,
            color="#666666", transform=ax.transAxes)
    return {"rows": len(rows)}


def _calendar(ax, history: dict) -> dict:
    days = history.get("days", [])
    ax.set_title("Sessions done per day", loc="left", fontsize=13, fontweight="bold")
    if not days:
        ax.axis("off")
        return {"days": 0}
    n = len(days)
    spd = days[0]["sessions_prescribed"]
    for i, d in enumerate(days):
        comps = sorted(d["session_completion"], key=lambda c: -(c or 0))
        for j in range(spd):
            c = comps[j] if j < len(comps) else None
            colour = "#EEEEEE" if c is None else _completion_colour(c if c < 0.8 else 1.0)
            ax.add_patch(Rectangle((i + 0.08, j + 0.08), 0.84, 0.84, color=colour, lw=0))
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
    ax.text(1.0, 1.04, f"current streak {history.get('current_streak_days', 0)} days · longest "
            f"{history.get('longest_streak_days', 0)} · green = done, orange = part, red = little, grey = none",
            transform=ax.transAxes, ha="right", fontsize=9, color="#444444")
    return {"days": n}


def render_report(docs: list[dict], out_path, history: dict | None = None, dpi: int = 100) -> dict:
    """Draw the report PNG and say what was drawn.

    Parameters
    ----------
    docs : list of dict
        Analysis documents, oldest first; the last one's session is shown in
        detail. With more than one, ``history`` (from
        :func:`analysis.adherence.history_adherence`) draws the calendar.
    out_path : path
        Where to write the PNG.

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
    heights = [0.9, 1.0, 2.2, 2.0] + ([1.6] if multi else [])
    with plt.rc_context({"text.parse_math": False, "font.size": 10}):
        fig = plt.figure(figsize=(16, sum(heights) * 1.15), dpi=dpi, layout="constrained")
        gs = fig.add_gridspec(len(heights), 5, height_ratios=heights)
        summary: dict = {"panels": [], "exercises": {}}
        summary["header"] = _header(fig.add_subplot(gs[0, :]), docs, history)
        summary["panels"].append("header")
        summary["timeline"] = _timeline(fig.add_subplot(gs[1, :]), doc, "Session timeline" if not multi
                                        else f"Latest session: {_when(doc)}")
        summary["panels"].append("Session timeline")
        for k, ex in enumerate(EXERCISES):
            info = _exercise_panel(fig.add_subplot(gs[2, k]), doc, ex)
            summary["exercises"][ex] = info
            summary["panels"].append(LABELS[ex])
        summary["balance"] = _balance(fig.add_subplot(gs[3, :3]), doc)
        summary["panels"].append("Balance")
        notes_ax = fig.add_subplot(gs[3, 3:])
        notes_ax.axis("off")
        _notes(notes_ax, doc)
        if multi:
            summary["calendar"] = _calendar(fig.add_subplot(gs[4, :]), history or {})
            summary["panels"].append("Sessions done per day")
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
        lines.append(f"{len(gaps)} gaps in the data, {lost:.1f} s lost in all")
    m = doc.get("mounting") or {}
    if m:
        lines.append(f"sensor orientation found from {m.get('method')} (confidence {m.get('confidence')})")
    for what, why in (doc.get("not_observable") or {}).items():
        lines.append(f"not measurable here: {what.replace('_', ' ')}")
    for w in rec.get("warnings", [])[:2]:
        lines.append(w if len(w) < 90 else w[:87] + "…")
    ax.set_title("About this recording", loc="left", fontsize=13, fontweight="bold")
    ax.text(0.0, 0.95, "\n".join("• " + line for line in lines) or "nothing unusual", va="top", fontsize=9,
            transform=ax.transAxes, color="#333333", wrap=True)
