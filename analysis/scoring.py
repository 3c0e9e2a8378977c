"""Score an analysis document against a ground-truth one (both toehold-analysis/1).

Used by tests and ``benchmarks/circles.py``. The accuracy benchmarks
(``benchmarks/accuracy.py``, ``benchmarks/heldout_eval.py``) score with
``benchmarks/_scoring.py`` instead (fragments of a bout summed, IoU ≥ 0.5,
and the tiptoe duration, sway and demo-hold figures). Matching rules here:

* a detected bout matches a true bout of the same exercise when they
  overlap by at least half of the shorter one (one-to-one, greedy by
  overlap);
* reps and circles are matched inside matched bouts by greatest time
  overlap; holds are compared on matched reps;
* only bouts that count are scored: a bout below the confidence threshold
  (analysis.confidence) is shown to the user as uncertain, not counted, so
  it is neither a hit nor a false bout here (``uncertain`` says how many);
* ``false_bouts``: counted bouts that match no true one.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from sensors.contract import CIRCLE_DIRECTIONS, EXERCISES, HOLD_EXERCISES

from .confidence import is_counted


def _overlap(a0, a1, b0, b1) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _greedy(pairs: list[tuple[float, int, int]]) -> list[tuple[int, int]]:
    """One-to-one matching, largest overlap first."""
    used_a, used_b, out = set(), set(), []
    for _, i, j in sorted(pairs, reverse=True):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append((i, j))
    return out


def match_bouts(truth: list[dict], found: list[dict]) -> list[tuple[int, int]]:
    """Same exercise, overlapping by at least half of the shorter bout."""
    pairs = []
    for i, tb in enumerate(truth):
        for j, fb in enumerate(found):
            if tb["exercise"] != fb["exercise"]:
                continue
            ov = _overlap(tb["start_s"], tb["end_s"], fb["start_s"], fb["end_s"])
            shorter = min(tb["end_s"] - tb["start_s"], fb["end_s"] - fb["start_s"]) or 1e-9
            if ov >= 0.5 * shorter:
                pairs.append((ov, i, j))
    return _greedy(pairs)


def _match_events(a: list[dict], b: list[dict]) -> list[tuple[int, int]]:
    """Reps or circles, by greatest time overlap."""
    pairs = [(_overlap(x["start_s"], x["end_s"], y["start_s"], y["end_s"]), i, j)
             for i, x in enumerate(a) for j, y in enumerate(b)]
    return _greedy([p for p in pairs if p[0] > 0])


def score(truth_doc: dict, found_doc: dict) -> dict:
    """Counts for one recording; add them up with :func:`summarise`."""
    truth = truth_doc["exercises"]
    found = [b for b in found_doc["exercises"] if is_counted(b)]
    observable = found_doc.get("not_observable") or {}
    truth = [b for b in truth if b["exercise"] not in observable]
    pairs = match_bouts(truth, found)
    c = defaultdict(float)
    for ex in EXERCISES:
        c[f"tp_{ex}"] = sum(1 for i, _ in pairs if truth[i]["exercise"] == ex)
        c[f"true_{ex}"] = sum(1 for b in truth if b["exercise"] == ex)
        c[f"found_{ex}"] = sum(1 for b in found if b["exercise"] == ex)
    c["false_bouts"] = len(found) - len(pairs)
    c["uncertain"] = len(found_doc["exercises"]) - len(found)
    hold_err = []
    for i, j in pairs:
        tb, fb = truth[i], found[j]
        ex = tb["exercise"]
        if ex in HOLD_EXERCISES:
            c["rep_bouts"] += 1
            c["rep_exact"] += len(tb["reps"]) == len(fb["reps"])
            c["rep_within1"] += abs(len(tb["reps"]) - len(fb["reps"])) <= 1
            for a, b in _match_events(tb["reps"], fb["reps"]):
                hold_err.append(fb["reps"][b]["hold_s"] - tb["reps"][a]["hold_s"])
        elif ex == "ankle_circles":
            c["circle_bouts"] += 1
            exact = all(sum(x["direction"] == d for x in tb["circles"]) ==
                        sum(x["direction"] == d for x in fb["circles"]) for d in CIRCLE_DIRECTIONS)
            c["circle_exact"] += exact
            for a, b in _match_events(tb["circles"], fb["circles"]):
                c["dir_total"] += 1
                c["dir_right"] += tb["circles"][a]["direction"] == fb["circles"][b]["direction"]
        elif ex == "tiptoe_walk":
            c["stride_true"] += len(tb["strides"])
            c["stride_abs_err"] += abs(len(tb["strides"]) - len(fb["strides"]))
    c["hold_abs_err_sum"] = float(np.sum(np.abs(hold_err))) if hold_err else 0.0
    c["hold_bias_sum"] = float(np.sum(hold_err)) if hold_err else 0.0
    c["hold_n"] = len(hold_err)
    return dict(c)


def summarise(counts: list[dict]) -> dict:
    """Aggregate :func:`score` results into the benchmark's figures."""
    tot = defaultdict(float)
    for c in counts:
        for k, v in c.items():
            tot[k] += v
    out = {}
    f1s = []
    for ex in EXERCISES:
        tp, nt, nf = tot[f"tp_{ex}"], tot[f"true_{ex}"], tot[f"found_{ex}"]
        if nt == 0 and nf == 0:
            continue
        p = tp / nf if nf else 0.0
        r = tp / nt if nt else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        out[f"{ex}_precision"], out[f"{ex}_recall"], out[f"{ex}_f1"] = p, r, f1
        f1s.append(f1)
    out["bout_macro_f1"] = float(np.mean(f1s)) if f1s else float("nan")
    div = lambda a, b: tot[a] / tot[b] if tot[b] else float("nan")  # noqa: E731
    out["rep_exact_pct"] = 100 * div("rep_exact", "rep_bouts")
    out["rep_within1_pct"] = 100 * div("rep_within1", "rep_bouts")
    out["hold_mae_s"] = div("hold_abs_err_sum", "hold_n")
    out["hold_bias_s"] = div("hold_bias_sum", "hold_n")
    out["circle_exact_pct"] = 100 * div("circle_exact", "circle_bouts")
    out["direction_pct"] = 100 * div("dir_right", "dir_total")
    out["stride_err_pct"] = 100 * div("stride_abs_err", "stride_true")
    out["false_bouts"] = tot["false_bouts"]
    out["uncertain"] = tot["uncertain"]
    return out
