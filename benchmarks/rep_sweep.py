"""Hold-exercise sets of a pinned person (amplitude, hold) on the simulator: exact-count share.

    python benchmarks/rep_sweep.py SEED0 [toe_press|resistance_band|pencil_pickup]

Each set is one exercise after a tiptoe walk (the session's only walk, so
the mounting comes from tiptoe gait), ``SimConfig.hold_plan`` pinning the
person's amplitude and hold, 7 reps (pencil: 3), realistic and hard tiers,
foot and (toe press) ankle. Prints the sets not counted exactly, then
``exact`` (all bouts of the exercise, counted or uncertain: their reps add
up to the truth's, in one bout) and ``counted`` (one bout at or above the
confidence threshold). Tuning used SEED0 < 10000; 20000 and up are held
back for reporting.
"""
from __future__ import annotations

import itertools
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.confidence import is_counted  # noqa: E402
from analysis.pipeline import analyze_recording  # noqa: E402
from sensors.simulator import simulate_session  # noqa: E402

AMPLITUDES_DEG = {"toe_press": [1.0, 2.0, 3.0, 6.0], "resistance_band": [8.0, 15.0],
                  "pencil_pickup": [4.0, 10.0]}


def run(job):
    seed, tier, placement, exercise, amp, hold, reps, spread = job
    rec, truth = simulate_session(seed=seed, tier=tier, placement=placement, distractors=False,
                                  exercises=["tiptoe_walk", exercise],
                                  hold_plan=dict(amp_deg=amp, hold_s=hold, reps=reps, hold_spread=spread))
    doc = analyze_recording(rec)
    found = [e for e in doc["exercises"] if e["exercise"] == exercise]
    n_true = sum(len(e["reps"]) for e in truth["exercises"] if e["reps"])
    n_found = sum(len(e["reps"]) for e in found)
    n_counted = sum(is_counted(e) for e in found)
    doubts = sorted({d for e in found for d in e.get("doubts", [])})
    return (job, n_true, n_found, n_counted, [e["confidence"] for e in found], doubts,
            truth["recording"]["sample_rate_hz"])


def main() -> int:
    seed0 = int(sys.argv[1])
    exercise = sys.argv[2] if len(sys.argv) > 2 else "toe_press"
    holds = [10.0, 15.0, 20.0] if exercise == "pencil_pickup" else [1.5, 4.0, 12.0, 20.0]
    placements = ["foot", "ankle"] if exercise == "toe_press" else ["foot"]
    reps = 3 if exercise == "pencil_pickup" else 7
    combos = itertools.product(("realistic", "hard"), placements, AMPLITUDES_DEG[exercise], holds)
    jobs = [(seed0 + k, tier, placement, exercise, amp, hold, reps, 0.3)
            for k, (tier, placement, amp, hold) in enumerate(combos)]
    t0 = time.time()
    exact = counted = 0
    with ProcessPoolExecutor(2) as pool:
        for job, n_true, n_found, n_counted, conf, doubts, rate in pool.map(run, jobs):
            good = n_true == n_found and len(conf) == 1
            exact += good
            counted += n_counted == 1
            if not good:
                print(job, f"{rate:g} Hz", "true", n_true, "found", n_found, "counted bouts", n_counted,
                      conf, doubts)
    print(f"{exercise}: exact {exact}/{len(jobs)} counted {counted} in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
