"""Ankle circles in whole simulated sessions: per true bout, what was counted each way and why.

    python -m benchmarks.circle_sessions --tier hard --seeds 30 [--first 1] [--all]
    python -m benchmarks.circle_sessions --lookalikes 4 --first 2000

Simulates sessions of a tier (``sensors.simulator.simulate_session``), analyses
each as a user's recording would be (``analysis.pipeline``), and prints per true
``ankle_circles`` bout and direction the true and the counted circles; for a
direction counted wrong (every one with ``--all``) it prints the circle
detector's runs of steady turning near the bout (``CircleDetector.runs_``: the
run's turns of the toes' direction of motion, the turns it counted, each
turn's time and size, the end turns it dropped) and the turns the set rules
(``circle_sets``) left out, and names the kind of error: circles counted
before the first true one began or after the last ended, or missed. Ends with
the share of directions counted exactly, a tally of the kinds, and how
many of the wrong directions the simulator drew hard (spiral out of and
back into neutral, paused, small, slow, elliptical, uneven, a wobbly leg,
a lead-in: ``circle_plan``'s draws, against all directions). With
``--lookalikes N`` it runs N foot sessions of each look-alike kind of
``benchmarks/lookalikes.py`` instead and prints what the circle detector made
of them (turns, runs of three or more, turns added as lost, turns kept in
sets, ankle_circles bouts: all false). Tuning
seeds are below 10000 (``benchmarks/accuracy.py`` uses 100000 and up).
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from analysis.circles import CircleDetector  # noqa: E402
from analysis.confidence import THRESHOLD as CONFIDENCE_THRESHOLD  # noqa: E402
from analysis.pipeline import analyze_recording, run_analysis  # noqa: E402
from sensors.simulator import simulate_session  # noqa: E402

DIRECTIONS = ("cw", "ccw")


def kinds(true: list[dict], found: list[dict]) -> list[str]:
    """How a direction's count went wrong: ``early``/``late`` (counted outside the true circles), ``missed``."""
    if len(true) == len(found):
        return []
    if not found:
        return ["whole direction missed"]
    if not true:
        return ["direction invented"]
    t0, t1 = true[0]["start_s"], true[-1]["end_s"]
    mids = [0.5 * (c["start_s"] + c["end_s"]) for c in found]
    out = []
    early, late = sum(m < t0 for m in mids), sum(m > t1 for m in mids)
    if early:
        out.append("counted before the first")
    if late:
        out.append("counted after the last")
    inside = len(found) - early - late
    # A circle's worth lost at either end (the counted circles start or
    # end over half a true turn inside the true ones).
    if found[0]["start_s"] > t0 + 0.5 * (true[0]["end_s"] - t0):
        out.append("first turn lost")
    if found[-1]["end_s"] < t1 - 0.5 * (t1 - true[-1]["start_s"]):
        out.append("last turn lost")
    if inside < len(true) and not any(k.endswith("turn lost") for k in out):
        out.append("missed inside" if inside else "missed all inside")
    elif inside > len(true):
        out.append("extra inside")
    return out


def plan_traits(p: dict, plan: dict) -> list[str]:
    """What the simulator drew hard for one direction (``circle_plan``): the tally's columns."""
    return [name for name, hard in (
        ("spiral", p["spiral"]), ("paused", bool(p["pauses"])), ("small", p["size_deg"] < 6),
        ("slow", p["period_s"] > 2), ("elliptical", p["ellipticity"] > 2.5), ("uneven", p["uneven"] > 0.4),
        ("wobbly", plan["wobble_deg"] > 1.0), ("lead-in", plan["lead_in"])) if hard]


def session_rows(tier: str, seed: int, show_all: bool = False, **kwargs) -> tuple[list[dict], list[str]]:
    """(one row per true bout and direction, lines to print)."""
    import sensors.simulator as sim

    plans, draw = [], sim.circle_plan

    def kept(*a, **k):
        plans.append(draw(*a, **k))
        return plans[-1]

    sim.circle_plan = kept  # the plans drawn, for each direction's traits
    try:
        rec, truth = simulate_session(seed=seed, tier=tier, **kwargs)
    finally:
        sim.circle_plan = draw
    fitted = run_analysis(rec)
    doc = analyze_recording(rec, fitted=fitted)
    sig = fitted.session_signals_
    cd = CircleDetector().detect(sig.gyr_seg, sig.sampling_rate_hz, valid=sig.valid) if sig.foot else None
    bouts = [b for b in doc["exercises"] if b["exercise"] == "ankle_circles"]
    rows, lines = [], []
    true_bouts = [b for b in truth["exercises"] if b["exercise"] == "ankle_circles"]
    for b in bouts:
        if b["confidence"] >= CONFIDENCE_THRESHOLD and not any(
                b["end_s"] > t["start_s"] and b["start_s"] < t["end_s"] for t in true_bouts):
            near = [(d["kind"], round(d["start_s"], 1), round(d["end_s"], 1)) for d in truth.get("distractors", [])
                    if d["end_s"] > b["start_s"] and d["start_s"] < b["end_s"]]
            lines.append(f"{tier} seed {seed}: FALSE ankle_circles bout {b['start_s']:.1f}-{b['end_s']:.1f} s,"
                         f" {len(b['circles'])} circles, over {near}")
            rows.append({"tier": tier, "seed": seed, "direction": "-", "true": 0, "found": len(b["circles"]),
                         "kinds": ["false bout"], "excess": None})
    for nb, tb in enumerate(b for b in truth["exercises"] if b["exercise"] == "ankle_circles"):
        plan = plans[nb] if nb < len(plans) else None
        if "ankle_circles" in (doc.get("not_observable") or {}):
            continue
        # The found bouts over the true one (the scorer's view: one beside it is a false bout, listed above).
        near = [b for b in bouts if b["end_s"] > tb["start_s"] and b["start_s"] < tb["end_s"]]
        counted = [c for b in near if b["confidence"] >= CONFIDENCE_THRESHOLD for c in b["circles"]]
        unsure = [(round(b["confidence"], 2), b.get("doubts")) for b in near if b["confidence"] < CONFIDENCE_THRESHOLD]
        head = f"{tier} seed {seed} bout {tb['start_s']:.1f}-{tb['end_s']:.1f} s, {sig.sampling_rate_hz:g} Hz grid"
        bad, own = False, []
        for d in DIRECTIONS:
            t = [c for c in tb["circles"] if c["direction"] == d]
            f = [c for c in counted if c["direction"] == d]
            k = kinds(t, f)
            # The turns of the detector's longest run that way over the true
            # circles (with the turns it took as lost), less the true count.
            over = [r for r in getattr(cd, "runs_", []) if r["direction"] == d and t
                    and sig.t[r["start"]] < t[-1]["end_s"] and sig.t[min(r["stop"], len(sig.t) - 1)] > t[0]["start_s"]]
            best = max(over, key=lambda r: r["turns"], default=None)
            excess = best["turns"] + best.get("lost", 0) - len(t) if best else None
            traits = plan_traits(plan["directions"][plan["order"].index(d)], plan) if plan else []
            rows.append({"tier": tier, "seed": seed, "direction": d, "true": len(t), "found": len(f), "kinds": k,
                         "excess": excess, "traits": traits})
            bad |= bool(k)
            line = (f"  {d:>3}: true {len(t):2d} found {len(f):2d} {'ok' if not k else 'WRONG: ' + ', '.join(k)}"
                    f" [{' '.join(traits)}]")
            if t:
                per = (t[-1]["end_s"] - t[0]["start_s"]) / len(t)
                line += (f" | true {t[0]['start_s']:.1f}-{t[-1]['end_s']:.1f} s, {per:.2f} s a turn,"
                         f" {sum(c['size_deg'] for c in t) / len(t):.1f} deg")
            if f:
                line += f" | counted {f[0]['start_s']:.1f}-{f[-1]['end_s']:.1f} s"
            own.append(line)
        if unsure:
            own.append(f"  uncertain bouts: {unsure}")
            bad = True
        if (bad or show_all) and cd is not None:
            t = sig.t
            listed = {(round(c["start_s"], 2), c["direction"]) for b in near for c in b["circles"]}
            for r in sorted(getattr(cd, "runs_", []), key=lambda r: r["start"]):
                a, b = t[r["start"]], t[min(r["stop"], len(t) - 1)]
                if b < tb["start_s"] - 10 or a > tb["end_s"] + 10:
                    continue
                dropped = r.get("dropped", [])
                own.append(f"    run {r['direction']:>3} {a:.1f}-{b:.1f} s: turns {r['turns']:.2f} -> "
                             f"{r['circles']} circles {r['why']}"
                             + (f" turn s {r['durs']} deg {r['sizes']} dropped ends {dropped}" if "durs" in r else ""))
            sets_out = [c for c in cd.circles_.itertuples()
                        if tb["start_s"] - 10 < t[c.start] < tb["end_s"] + 10
                        and (round(float(t[c.start]), 2), c.direction) not in listed]
            if sets_out:
                own.append("    left out by the set rules: " + ", ".join(
                    f"{c.direction} {t[c.start]:.1f}-{t[c.stop]:.1f}" for c in sets_out))
        if bad or show_all:
            lines += [head] + own
    return rows, lines


def lookalike_rows(kind: str, seed: int, i: int) -> dict:
    """What the circle detector makes of a look-alike session (a foot sensor: circles are foot-only)."""
    from analysis.circles import circle_sets
    from benchmarks.lookalikes import lookalike_config

    config = {**lookalike_config(kind, seed, i), "placement": "foot"}
    rec, _ = simulate_session(seed=seed, **config)
    fitted = run_analysis(rec)
    doc = analyze_recording(rec, fitted=fitted)
    sig = fitted.session_signals_
    cd = CircleDetector().detect(sig.gyr_seg, sig.sampling_rate_hz, valid=sig.valid)
    runs_ = getattr(cd, "runs_", [])  # (before branch circ7 the detector kept no runs_)
    runs3 = [r for r in runs_ if r["circles"] >= 3]
    return {"kind": kind, "turns": len(cd.circles_), "in_runs_of_3": sum(r["circles"] for r in runs3),
            "lost_turns_added": sum(r.get("lost", 0) for r in runs_),
            "in_sets": sum(len(g) for g in circle_sets(cd.circles_, sig.sampling_rate_hz)),
            "bouts": sum(b["exercise"] == "ankle_circles" and b["confidence"] >= CONFIDENCE_THRESHOLD
                         for b in doc["exercises"]),
            "uncertain": sum(b["exercise"] == "ankle_circles" and b["confidence"] < CONFIDENCE_THRESHOLD
                             for b in doc["exercises"])}


def print_lookalikes(sessions: int, seed0: int) -> None:
    """Per look-alike kind: the detector's turns, those in runs of three or more, turns added as
    lost, turns kept in sets, and ankle_circles bouts counted / uncertain (all false)."""
    from benchmarks.lookalikes import KINDS

    print(f"{'kind':>16} {'turns':>6} {'runs>=3':>8} {'lost+':>6} {'in sets':>8} {'bouts':>6} {'uncertain':>9}")
    for n, kind in enumerate(KINDS):
        rows = [lookalike_rows(kind, seed0 + 100 * n + i, i) for i in range(sessions)]
        tot = {k: sum(r[k] for r in rows) for k in rows[0] if k != "kind"}
        print(f"{kind:>16} {tot['turns']:6d} {tot['in_runs_of_3']:8d} {tot['lost_turns_added']:6d}"
              f" {tot['in_sets']:8d} {tot['bouts']:6d} {tot['uncertain']:9d}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tier", default="hard")
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--all", action="store_true", help="print every bout, not only those counted wrong")
    ap.add_argument("--lookalikes", type=int, default=0, metavar="N",
                    help="instead: N foot sessions of each look-alike kind (seeds from --first), what the "
                         "circle detector makes of them")
    args = ap.parse_args(argv)
    t0, c0 = time.time(), time.process_time()
    if args.lookalikes:
        print_lookalikes(args.lookalikes, args.first)
        print(f"{time.time() - t0:.0f} s wall, {time.process_time() - c0:.0f} s CPU")
        return 0
    rows = []
    for seed in range(args.first, args.first + args.seeds):
        r, lines = session_rows(args.tier, seed, args.all)
        rows += r
        for line in lines:
            print(line, flush=True)
    n = len(rows)
    exact = sum(not r["kinds"] for r in rows)
    tally = Counter(k for r in rows for k in r["kinds"])
    print(f"\n{args.tier}, seeds {args.first}..{args.first + args.seeds - 1}: {exact} of {n} directions exact"
          f" ({100 * exact / max(n, 1):.1f} %); off by: {dict(Counter(r['found'] - r['true'] for r in rows if r['kinds']))}")
    for k, v in tally.most_common():
        print(f"  {k}: {v}")
    traits = Counter(x for r in rows for x in r.get("traits", []))
    wrong = Counter(x for r in rows if r["kinds"] for x in r.get("traits", []))
    print("drawn hard (wrong / all directions): " + ", ".join(f"{x} {wrong[x]}/{n}" for x, n in traits.most_common()))
    ex = np.array([r["excess"] for r in rows if r["excess"] is not None])
    if len(ex):
        print("turns followed less the true count (longest run each way), 5/25/50/75/95 %: "
              + " ".join(f"{q:+.2f}" for q in np.percentile(ex, [5, 25, 50, 75, 95])))
    print(f"{time.time() - t0:.0f} s wall, {time.process_time() - c0:.0f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
