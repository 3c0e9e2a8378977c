"""Toe-press and band sets drawn wide (``SimConfig.hold_wide``), set by set, with the evidence (issue 12).

    python -m benchmarks.rep_wide [--seed0 3000] [--sessions 12] [--tiers hard,ankle] [--jobs 2]
                                  [--evidence] [--reps]

Each session is one tier's (hard: foot, the sensor any way round; ankle: a
shank sensor), holding a tiptoe walk (which gives the mounting) and the
hold exercises the placement sees (foot: toe press and band; shank: two
toe-press sets). Prints every true set not counted exactly, or counted
only as uncertain: its true reps, the bouts found over it (reps,
confidence) and each doubt with the evidence value it fired on
(``--evidence``: every evidence value). ``--reps`` adds the true and found
reps' start times. The end lists, per evidence key, the distribution over
the true sets (``benchmarks/lookalikes.py --evidence`` gives it over the
look-alikes' bouts), then the exact share per tier and exercise.

Tuning used SEED0 < 10000; 20000 and up are held back for reporting.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.confidence import THRESHOLD  # noqa: E402
from analysis.pipeline import run_analysis  # noqa: E402
from sensors.simulator import simulate_session  # noqa: E402

EXERCISES = {"hard": ["tiptoe_walk", "toe_press", "resistance_band"],
             "ankle": ["toe_press", "tiptoe_walk", "toe_press"],
             "hard-ankle": ["toe_press", "tiptoe_walk", "toe_press"]}
# Numeric evidence whose distribution is reported.
KEYS = ("range_deg", "range_cv", "lift_m", "lift_doubt_m", "overshoot", "rest_s", "posture_cue",
        "hold_s", "hold_cv", "heel_lift_m", "in_posture", "peak_g", "level_steps", "way_unsure",
        "hold_tremor", "lean_deg", "pivot_m", "pivot_se_m", "move_s", "return_s")


def session_config(tier: str) -> dict:
    """How a session of a tier is drawn."""
    if tier == "hard-ankle":
        return dict(tier="hard", placement="ankle", exercises=EXERCISES[tier])
    return dict(tier=tier, exercises=EXERCISES[tier])


def evidence_of(ev: dict) -> dict:
    """The numeric evidence of a bout (booleans as 0/1, missing left out)."""
    return {k: float(ev[k]) for k in KEYS if ev.get(k) is not None}


def one(job):
    tier, seed = job
    rec, truth = simulate_session(seed=seed, **session_config(tier))
    fit = run_analysis(rec)
    bouts = fit.bouts_
    reps = fit.reps_
    out = []
    for st in truth["exercises"]:
        if st["exercise"] not in ("toe_press", "resistance_band") or not st["reps"]:
            continue
        over = [k for k in range(len(bouts)) if bouts.exercise[k] == st["exercise"]
                and bouts.start_s[k] < st["end_s"] and st["start_s"] < bouts.end_s[k]]
        found = [(int((reps.bout == k).sum()), float(bouts.confidence[k]), fit.doubts_[k],
                  evidence_of(fit.evidence_[k]), reps.start_s[reps.bout == k].round(1).tolist()) for k in over]
        out.append(dict(tier=tier, seed=seed, exercise=st["exercise"], n_true=len(st["reps"]),
                        true_starts=[round(r["start_s"], 1) for r in st["reps"]],
                        true_range=float(np.median([r.get("range_deg", 0.0) for r in st["reps"]])),
                        rate=truth["recording"]["sample_rate_hz"], found=found))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed0", type=int, default=3000)
    ap.add_argument("--sessions", type=int, default=12)
    ap.add_argument("--tiers", default="hard,ankle")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--evidence", action="store_true", help="every evidence value of the sets shown")
    ap.add_argument("--reps", action="store_true", help="true and found reps' start times")
    args = ap.parse_args()
    tiers = args.tiers.split(",")
    jobs = [(t, args.seed0 + 100 * k + i) for k, t in enumerate(tiers) for i in range(args.sessions)]
    t0 = time.time()
    dist: dict = defaultdict(list)
    tally: dict = defaultdict(lambda: [0, 0, 0])
    with ProcessPoolExecutor(args.jobs) as pool:
        for sets in pool.map(one, jobs):
            for s in sets:
                key = (s["tier"], s["exercise"])
                n_found = sum(f[0] for f in s["found"])
                exact = n_found == s["n_true"] and len(s["found"]) == 1
                counted = exact and s["found"][0][1] >= THRESHOLD
                tally[key][0] += 1
                tally[key][1] += exact
                tally[key][2] += counted
                for f in s["found"]:
                    for k, v in f[3].items():
                        dist[s["exercise"], k].append(v)
                if counted:
                    continue
                print(f"{s['tier']} {s['seed']} {s['exercise']} {s['rate']:g} Hz range {s['true_range']:.1f}: "
                      f"true {s['n_true']} found {[f[0] for f in s['found']]} "
                      f"confidence {[f[1] for f in s['found']]}", flush=True)
                for _n, _conf, doubts, ev, starts in s["found"]:
                    for d in doubts:
                        print("    doubt:", d)
                    if args.evidence:
                        print("    evidence:", {k: round(v, 3) for k, v in ev.items()})
                    if args.reps:
                        print("    found reps at", starts)
                if args.reps:
                    print("    true reps at", s["true_starts"])
    print("\nevidence over the true sets' bouts: key: min / 5 % / median / 95 % / max")
    for (ex, k), vals in sorted(dist.items()):
        v = np.array(vals)
        print(f"  {ex:16s} {k:13s} n={len(v):3d}: " + " / ".join(f"{q:.3g}" for q in (
            v.min(), *np.percentile(v, [5, 50, 95]), v.max())))
    for (tier, ex), (n, exact, counted) in sorted(tally.items()):
        print(f"{tier:10s} {ex:16s} exact {exact}/{n}, exact and counted {counted}/{n}")
    print(f"{time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
