"""Scoring of analyses against ground truth for the accuracy benchmarks (issue 12).

One set of rules for every source of truth: ``benchmarks/accuracy.py`` (the
project's simulator, the held-out generator, the shared samples, the demo,
real recordings without exercises) and ``benchmarks/heldout_eval.py`` both
score with this module, so their figures compare. The rules were written with
the held-out generator, from the contracts, not from ``analysis/``; the only
thing taken from the project is which bouts count (contract §4: confidence at
or above the documented threshold, :func:`analysis.confidence.is_counted`).
The rules in words are in ``benchmarks/heldout/README.md`` ("Scoring").

:func:`score` turns one (truth, analysis) pair into raw counts,
:func:`summarise` adds a tier's up into the figures of :data:`MEASURES`
(each a ``(value, n)`` pair, ``value`` None when the tier has nothing of that
kind), :func:`verdict` says whether a figure meets its target, and
:func:`markdown_tables` writes the README's tables from a figures dict.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass

from analysis.confidence import THRESHOLD, is_counted
from sensors.contract import CIRCLE_DIRECTIONS, HOLD_EXERCISES

CONF_MIN = THRESHOLD
IOU_MIN = 0.5
DEMO_HOLD_TOL_S = 0.25


# ----------------------------------------------------------------- matching
def reported(doc):
    """(reported bouts, uncertain bouts) of an analysis document."""
    rep, unc = [], []
    for b in doc.get("exercises", []):
        (rep if is_counted(b) else unc).append(b)
    return rep, unc


def overlap(a0, a1, b0, b1):
    return max(0.0, min(a1, b1) - max(a0, b0))


def match_bouts(truth, det):
    """Assign each detected bout to the true bout of the same exercise it
    overlaps most; a true bout is found when its assigned fragments together
    have IoU ≥ IOU_MIN with it. Returns (frags per true bout or None, false
    detected bouts)."""
    assigned = [[] for _ in truth]
    false = []
    for d in det:
        best, best_ov = None, 0.0
        for i, t in enumerate(truth):
            if t["exercise"] == d["exercise"]:
                ov = overlap(t["start_s"], t["end_s"], d["start_s"], d["end_s"])
                if ov > best_ov:
                    best, best_ov = i, ov
        if best is None:
            false.append(d)
        else:
            assigned[best].append(d)
    found = []
    for t, frags in zip(truth, assigned):
        if not frags:
            found.append(None)
            continue
        inter = sum(overlap(t["start_s"], t["end_s"], f["start_s"], f["end_s"]) for f in frags)
        union = (t["end_s"] - t["start_s"]) + sum(f["end_s"] - f["start_s"] for f in frags) - inter
        if union > 0 and inter / union >= IOU_MIN:
            found.append(frags)
        else:
            found.append(None)
            false.extend(frags)
    return found, false


def pair_by_overlap(true_items, det_items):
    """One-to-one pairs (true, det), greedily by largest time overlap."""
    cand = sorted(((overlap(t["start_s"], t["end_s"], d["start_s"], d["end_s"]), i, j)
                   for i, t in enumerate(true_items) for j, d in enumerate(det_items)),
                  reverse=True)
    used_t, used_d, pairs = set(), set(), []
    for ov, i, j in cand:
        if ov <= 0:
            break
        if i not in used_t and j not in used_d:
            used_t.add(i)
            used_d.add(j)
            pairs.append((true_items[i], det_items[j]))
    return pairs


# ------------------------------------------------------------------ scoring
def score(truth, doc):
    """Raw counts of one recording (summed per tier by :func:`summarise`).

    True bouts of an exercise the analysis declares it cannot see at this
    placement (``not_observable``, e.g. circles with a shank sensor) are left
    out, and counted in ``not_observable``.
    """
    det, unc = reported(doc)
    hidden = doc.get("not_observable") or {}
    true_bouts = [b for b in truth["exercises"] if b["exercise"] not in hidden]
    found, false = match_bouts(true_bouts, det)
    s = {"per_ex": {}, "reps_exact": [], "reps_exact_all": [], "hold_err": [],
         "circ_exact": [], "circ_exact_all": [], "dir_ok": 0,
         "dir_n": 0, "tip_found": [], "tip_dur": [], "stride_err": [], "sway_err": [],
         "stance_found": [], "false": len(false), "uncertain": len(unc), "n_det": len(det),
         "not_observable": len(truth["exercises"]) - len(true_bouts)}
    for t, frags in zip(true_bouts, found):
        pe = s["per_ex"].setdefault(t["exercise"], [0, 0, 0])
        pe[0 if frags else 2] += 1
        ex = t["exercise"]
        if ex in HOLD_EXERCISES:
            dreps = [r for f in frags for r in f["reps"]] if frags else []
            s["reps_exact_all"].append(bool(frags) and len(dreps) == len(t["reps"]))
            if frags:
                s["reps_exact"].append(len(dreps) == len(t["reps"]))
            for tr, dr in pair_by_overlap(t["reps"], dreps):
                if dr.get("hold_s") is not None:
                    s["hold_err"].append(abs(dr["hold_s"] - tr["hold_s"]))
        elif ex == "ankle_circles":
            dcirc = [c for f in frags for c in f["circles"]] if frags else []
            for d in CIRCLE_DIRECTIONS:
                nt = sum(c["direction"] == d for c in t["circles"])
                nd = sum(c["direction"] == d for c in dcirc)
                s["circ_exact_all"].append(bool(frags) and nt == nd)
                if frags:
                    s["circ_exact"].append(nt == nd)
            for c in dcirc:
                mid = 0.5 * (c["start_s"] + c["end_s"])
                hit = [tc for tc in t["circles"] if tc["start_s"] <= mid <= tc["end_s"]]
                if hit:
                    s["dir_n"] += 1
                    s["dir_ok"] += hit[0]["direction"] == c["direction"]
        elif ex == "tiptoe_walk":
            s["tip_found"].append(bool(frags))
            if frags:
                d0 = min(f["start_s"] for f in frags)
                d1 = max(f["end_s"] for f in frags)
                s["tip_dur"].append(abs((d1 - d0) - (t["end_s"] - t["start_s"])))
                nd = sum(len(f["strides"]) for f in frags)
                if t["strides"]:
                    s["stride_err"].append(100.0 * abs(nd - len(t["strides"])) / len(t["strides"]))
    for d in false:
        s["per_ex"].setdefault(d["exercise"], [0, 0, 0])[1] += 1
    dstances = (doc.get("balance") or {}).get("stances") or []
    for st in (truth.get("balance") or {}).get("stances") or []:
        if st.get("sway_rms_ap_deg") is None:
            continue
        best = max(dstances, default=None, key=lambda d: overlap(
            st["start_s"], st["end_s"], d["start_s"], d["end_s"]))
        ok = best is not None and overlap(st["start_s"], st["end_s"], best["start_s"],
                                          best["end_s"]) >= 0.5 * (st["end_s"] - st["start_s"])
        ok = ok and best.get("sway_rms_ap_deg") is not None
        s["stance_found"].append(ok)
        if ok:
            s["sway_err"].append(50.0 * (
                abs(best["sway_rms_ap_deg"] - st["sway_rms_ap_deg"]) / st["sway_rms_ap_deg"]
                + abs(best["sway_rms_ml_deg"] - st["sway_rms_ml_deg"]) / st["sway_rms_ml_deg"]))
    return s


def demo_holds(truth, doc, tol_s=DEMO_HOLD_TOL_S):
    """Hold errors on a recording with a truth file: (true holds, holds within
    ``tol_s``, worst |error| s of the paired reps). A true rep in a missed bout,
    or with no reported rep overlapping it, is not within."""
    det, _ = reported(doc)
    found, _ = match_bouts(truth["exercises"], det)
    n = within = 0
    worst = 0.0
    for t, frags in zip(truth["exercises"], found):
        if t["exercise"] not in HOLD_EXERCISES:
            continue
        n += len(t["reps"])
        dreps = [r for f in frags for r in f["reps"]] if frags else []
        for tr, dr in pair_by_overlap(t["reps"], dreps):
            if dr.get("hold_s") is None:
                continue
            err = abs(dr["hold_s"] - tr["hold_s"])
            worst = max(worst, err)
            within += err <= tol_s
    return n, within, worst


def _mean(xs):
    return sum(xs) / len(xs) if xs else None


def _pct(xs):
    return (100.0 * sum(xs) / len(xs)) if xs else None


def summarise(rows):
    """A tier's figures from its :func:`score` rows: ``{key: (value, n)}`` for
    every key of :data:`MEASURES`, plus ``per_exercise_f1`` and ``sessions``."""
    per_ex = {}
    for r in rows:
        for ex, (tp, fp, fn) in r["per_ex"].items():
            a = per_ex.setdefault(ex, [0, 0, 0])
            a[0] += tp
            a[1] += fp
            a[2] += fn
    f1 = {ex: (2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else None)
          for ex, (tp, fp, fn) in per_ex.items()}
    n_true = sum(tp + fn for tp, fp, fn in per_ex.values())

    def cat(k):
        return [x for r in rows for x in r[k]]
    dir_n = sum(r["dir_n"] for r in rows)
    return {
        "sessions": len(rows),
        "per_exercise_f1": f1,
        # without true bouts (look-alikes only) F1 says nothing: false bouts do
        "bout_f1": (_mean([v for v in f1.values() if v is not None]) if n_true else None, n_true),
        "reps_exact": (_pct(cat("reps_exact")), len(cat("reps_exact"))),
        "reps_exact_all": (_pct(cat("reps_exact_all")), len(cat("reps_exact_all"))),
        "hold_mae": (_mean(cat("hold_err")), len(cat("hold_err"))),
        "circles_exact": (_pct(cat("circ_exact")), len(cat("circ_exact"))),
        "circles_exact_all": (_pct(cat("circ_exact_all")), len(cat("circ_exact_all"))),
        "direction": ((100.0 * sum(r["dir_ok"] for r in rows) / dir_n) if dir_n else None, dir_n),
        "tiptoe_found": (_pct(cat("tip_found")), len(cat("tip_found"))),
        "tiptoe_duration": (_mean(cat("tip_dur")), len(cat("tip_dur"))),
        "stride_err": (_mean(cat("stride_err")), len(cat("stride_err"))),
        "stances_found": (_pct(cat("stance_found")), len(cat("stance_found"))),
        "sway_err": (_mean(cat("sway_err")), len(cat("sway_err"))),
        "false_total": (sum(r["false"] for r in rows), len(rows)),
        "false_per_session": (_mean([r["false"] for r in rows]), len(rows)),
        "uncertain": (sum(r["uncertain"] for r in rows), len(rows)),
        "errors": (sum(bool(r.get("error")) for r in rows), len(rows)),
    }


# ------------------------------------------------------------------ targets
@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    fmt: str = "{:.1f}"
    op: str | None = None          # ">=", "<=" or "==" against ``target``; None: no target
    target: float | None = None
    only_lookalikes: bool = False  # the target applies to look-alike tiers only

    def target_text(self):
        if self.op is None:
            return ""
        sym = {">=": "≥", "<=": "≤", "==": "="}[self.op]
        text = f"{sym} {self.target:g}"
        return text + " (look-alikes)" if self.only_lookalikes else text


# Issue 12's targets. A target applies to every tier that has the figure,
# except where ``only_lookalikes`` says otherwise (false bouts: on exercise
# tiers bout F1 already counts them).
MEASURES = (
    Measure("bout_f1", "bout macro-F1", "{:.3f}", ">=", 0.97),
    Measure("reps_exact", "reps exact % (toe press, band, pencil; found bouts)", "{:.0f}", ">=", 95),
    Measure("reps_exact_all", "reps exact %, missed bouts as wrong", "{:.0f}"),
    Measure("hold_mae", "hold MAE s", "{:.2f}"),
    Measure("circles_exact", "circles exact per direction % (found bouts)", "{:.0f}", ">=", 95),
    Measure("direction", "circle direction %", "{:.1f}", ">=", 99.5),
    Measure("tiptoe_found", "tiptoe walk found %", "{:.0f}", ">=", 97),
    Measure("tiptoe_duration", "tiptoe duration error s", "{:.2f}", "<=", 1.0),
    Measure("stride_err", "stride count error %", "{:.1f}", "<=", 2.0),
    Measure("sway_err", "quiet-stance sway RMS error % (ankle)", "{:.1f}", "<=", 10.0),
    Measure("stances_found", "quiet stances found % (ankle)", "{:.0f}"),
    Measure("false_per_session", "false bouts per session", "{:.2f}", "==", 0, only_lookalikes=True),
    Measure("uncertain", "uncertain bouts (not counted)", "{:.0f}"),
    Measure("errors", "analysis errors (a crash scores as nothing found)", "{:.0f}"),
)
_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq}


def verdict(measure, value, lookalike_tier=False):
    """"met", "missed", or None (no figure, or no target for it here)."""
    if value is None or measure.op is None or (measure.only_lookalikes and not lookalike_tier):
        return None
    return "met" if _OPS[measure.op](value, measure.target) else "missed"


def _cell(measure, fig, lookalike_tier):
    value, n = fig if fig is not None else (None, 0)
    if value is None:
        return "–"
    text = measure.fmt.format(value)
    if measure.key not in ("false_per_session", "uncertain", "errors"):
        text += f" ({n})"
    v = verdict(measure, value, lookalike_tier)
    return text + (" met" if v == "met" else " **missed**" if v == "missed" else "")


def _md(lines):
    out = ["| " + " | ".join(lines[0]) + " |", "|" + "|".join(" --- " for _ in lines[0]) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in lines[1:]]
    return out


def markdown_tables(figures):
    """The README's accuracy tables (a list of lines) from a figures dict::

        {"sources": [{"title": str, "tiers": {column: summary}, "lookalike_tiers": [column]}],
         "real": {"readings": int, "files": int, "false": int, "uncertain": int} or None,
         "demo": {"holds": int, "within": int, "worst_s": float} or None}

    Each source gives one table (measures × tiers, the target last); every
    figure carries its sample size in brackets and "met" or "**missed**"
    where a target applies. ``real`` and ``demo`` make the last table.
    """
    out = []
    for src in figures["sources"]:
        tiers = list(src["tiers"])
        look = set(src.get("lookalike_tiers", ()))
        out += [f"**{src['title']}**", ""]
        lines = [["measure"] + tiers + ["target"]]
        for m in MEASURES:
            cells = [_cell(m, src["tiers"][t].get(m.key), t in look) for t in tiers]
            if all(c in ("–", "0") for c in cells):   # nothing of that kind, or no crash
                continue
            lines.append([m.label] + cells + [m.target_text()])
        out += _md(lines) + [""]
        f1 = "; ".join(f"{t}: " + (", ".join(f"{ex} {v:.2f}" for ex, v in sorted(
            src["tiers"][t]["per_exercise_f1"].items()) if v is not None) or "–") for t in tiers)
        out += [f"Per-exercise bout F1 — {f1}.", ""]
    rows = [["check", "figure", "target"]]
    real, demo = figures.get("real"), figures.get("demo")
    if real:
        ok = "met" if real["false"] == 0 else "**missed**"
        rows.append([f"real recordings with none of the exercises ({real['files']} files, "
                     f"{real['readings']} readings)",
                     f"{real['false']} false bouts ({real['uncertain']} uncertain"
                     + (f", {real['errors']} analysis errors" if real.get("errors") else "")
                     + f") {ok}", "0"])
    if demo:
        ok = "met" if demo["holds"] and demo["within"] == demo["holds"] else "**missed**"
        rows.append(["demo (recordings/demo.csv): holds within "
                     f"{DEMO_HOLD_TOL_S:g} s of demo.truth.json",
                     f"{demo['within']} of {demo['holds']} (worst {demo['worst_s']:.2f} s) {ok}",
                     "all"])
    if len(rows) > 1:
        out += _md(rows) + [""]
    return out


def tally(figures):
    """(met, missed) over every figure with a verdict in a figures dict."""
    met = missed = 0
    for src in figures["sources"]:
        look = set(src.get("lookalike_tiers", ()))
        for t, s in src["tiers"].items():
            for m in MEASURES:
                v = verdict(m, (s.get(m.key) or (None, 0))[0], t in look)
                met += v == "met"
                missed += v == "missed"
    if figures.get("real"):
        met += figures["real"]["false"] == 0
        missed += figures["real"]["false"] != 0
    if figures.get("demo"):
        d = figures["demo"]
        ok = d["holds"] and d["within"] == d["holds"]
        met += bool(ok)
        missed += not ok
    return met, missed
