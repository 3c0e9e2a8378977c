"""Resistance-band sets drawn rep by rep, by kind (issue 12, branch ``band2``).

    python -m benchmarks.band_kinds SEED0 [N_PER_KIND] [TIERS] [KINDS]

Each case is one band set after a tiptoe walk (the walk gives the mounting)
on a clean or realistic tier, foot sensor, drawn by
``SimConfig.band_set`` (``sensors.simulator._Builder.band_set``) as one of
the kinds people do the exercise far from the textbook: no rest between
reps, reps that do not go back all the way, unequal amplitudes (3-5° among
20°), slow pulls and releases, a drifting rest level, holds that sag or
creep, a first or last rep of another size, a 10-20 s pause mid-set, and
the textbook ("plain"). Prints each case not counted exactly (found reps
per band bout, confidence) and a table per kind: exact / counted exactly,
over-counted, missed sets.
"""
from __future__ import annotations

import sys
import time
from collections import defaultdict

import numpy as np

from analysis.confidence import THRESHOLD
from analysis.pipeline import analyze_recording
from sensors.simulator import simulate_session

KINDS = ("plain", "no_rest", "partial", "unequal", "slow", "drift", "sag", "ends", "pause", "mixed")


def band_spec(kind: str, rng: np.random.Generator) -> dict:
    """A band set of one kind, drawn wide (amplitudes, holds, tempo per person)."""
    n = int(rng.integers(6, 13))
    amp = rng.uniform(8, 30)
    hold = rng.uniform(3, 7)
    m_in, m_out = rng.uniform(0.4, 1.2), rng.uniform(0.2, 0.8)
    rest = rng.uniform(1.0, 4.0)
    reps = []
    for _ in range(n):
        reps.append(dict(amp_deg=amp * float(np.exp(rng.normal(0, 0.1))), hold_s=hold * float(np.exp(rng.normal(0, 0.15))),
                         move_in_s=m_in * float(np.exp(rng.normal(0, 0.2))),
                         move_out_s=m_out * float(np.exp(rng.normal(0, 0.2))),
                         rest_s=rest * float(np.exp(rng.normal(0, 0.3)))))
    spec = {"reps": reps}
    kinds = [kind] if kind != "mixed" else list(rng.choice(KINDS[1:-1], size=3, replace=False))
    for k in kinds:
        if k == "no_rest":
            for r in reps:
                r["rest_s"] = float(rng.uniform(0.0, 0.4))
        elif k == "partial":
            for r in reps:
                r["return_frac"] = float(rng.uniform(0.5, 0.95)) if rng.random() < 0.7 else 1.0
                r["rest_s"] = float(rng.uniform(0.0, 1.5))
        elif k == "unequal":
            small = rng.random(n) < 0.4
            for r, s in zip(reps, small):
                r["amp_deg"] = float(rng.uniform(3, 5)) if s else float(rng.uniform(15, 25))
        elif k == "slow":
            for r in reps:
                r["move_in_s"] = float(rng.uniform(1.5, 3.0))
                r["move_out_s"] = float(rng.uniform(1.5, 3.0))
        elif k == "drift":
            spec["drift_dps"] = float(rng.choice([-1, 1]) * rng.uniform(0.05, 0.4))
        elif k == "sag":
            for r in reps:
                r["sag_frac"] = float(rng.uniform(-0.3, 0.5))
        elif k == "ends":
            which = [0] if rng.random() < 0.5 else [-1]
            if rng.random() < 0.3:
                which = [0, -1]
            for w in which:
                reps[w]["amp_deg"] = reps[w]["amp_deg"] * float(rng.choice([rng.uniform(0.25, 0.5),
                                                                           rng.uniform(1.6, 2.5)]))
        elif k == "pause":
            reps[int(rng.integers(1, n - 1))]["rest_s"] = float(rng.uniform(10, 20))
    return spec


def run(seed: int, kind: str, tier: str):
    spec = band_spec(kind, np.random.default_rng([seed, 99]))
    rec, truth = simulate_session(seed=seed, tier=tier, distractors=False,
                                  exercises=["tiptoe_walk", "resistance_band"], band_set=spec)
    doc = analyze_recording(rec)
    (true_set,) = [e for e in truth["exercises"] if e["exercise"] == "resistance_band"]
    found = [e for e in doc["exercises"] if e["exercise"] == "resistance_band"]
    # Any other bout over the set (a toe press read there, say) is a false one.
    others = [e["exercise"] for e in doc["exercises"] if e["exercise"] != "resistance_band"
              and e["start_s"] < true_set["end_s"] and true_set["start_s"] < e["end_s"]]
    return (len(true_set["reps"]), [len(e["reps"]) for e in found], [e["confidence"] for e in found],
            others, spec)


def main() -> int:
    seed0 = int(sys.argv[1])
    per = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    tiers = sys.argv[3].split(",") if len(sys.argv) > 3 else ["clean", "realistic"]
    kinds = sys.argv[4].split(",") if len(sys.argv) > 4 else list(KINDS)
    t0 = time.time()
    tally = defaultdict(lambda: [0, 0, 0, 0, 0, 0])  # cases, exact, exact counted, over, under, missed
    seed = seed0
    for tier in tiers:
        for kind in kinds:
            for _ in range(per):
                n_true, n_found, conf, others, spec = run(seed, kind, tier)
                row = tally[(tier, kind)]
                row[0] += 1
                got = sum(n_found)
                exact = n_found == [n_true]
                row[1] += exact
                row[2] += exact and conf[0] >= THRESHOLD
                row[3] += got > n_true
                row[4] += 0 < got < n_true
                row[5] += not n_found
                if not exact or others:
                    print(f"{seed} {tier} {kind}: {n_true} true, found {n_found} conf "
                          f"{[round(c, 2) for c in conf]} other bouts {others}", flush=True)
                seed += 1
    print(f"\n{'tier':10} {'kind':9} cases exact counted over under missed")
    tot = np.zeros(6, dtype=int)
    for (tier, kind), row in tally.items():
        tot += row
        print(f"{tier:10} {kind:9} {row[0]:5} {row[1]:5} {row[2]:7} {row[3]:4} {row[4]:5} {row[5]:6}")
    print(f"{'all':20} {tot[0]:5} {tot[1]:5} {tot[2]:7} {tot[3]:4} {tot[4]:5} {tot[5]:6}")
    print(f"{time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
