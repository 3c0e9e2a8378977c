"""Toe-press sets under hard sensor conditions, case by case (issue 12).

    python benchmarks/rep_hard.py SEED0 [toe_press|resistance_band|pencil_pickup] [foot,ankle] [hard|hard-wide]

Each set is one exercise after a tiptoe walk (the walk gives the mounting),
on the simulator's hard tier (noise, bias, clock drift) with the sensor on
the instep, crossed over: placement, 20 or 50 Hz, no loss or 10 % lost in
bursts, 1.5 / 3 / 6° of tip (band: 10 / 20 / 30°, the foot only) and holds of 1.5 / 5 / 15 s (the person's holds
spread ±30 % log), 7 reps (pencil: 3). Prints the sets not counted exactly
or listed as uncertain (with the doubts that fired), the share counted exactly (one bout, all reps) and
the share of those the user is shown as counted (confidence at least
``analysis.confidence.THRESHOLD``). Tuning used SEED0 3000;
20000 and up are held back for reporting. ``hard-wide`` (issue 12): the
same with the simulator's widest conditions added (jittering timestamps,
0-3 single gaps of 0.5-3 s, the strap slipping 5-20 degrees mid-set).
"""
from __future__ import annotations

import itertools
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.confidence import THRESHOLD  # noqa: E402
from analysis.pipeline import analyze_recording  # noqa: E402
from sensors.simulator import simulate_session  # noqa: E402


def run(job):
    seed, placement, rate, loss, amp, hold, exercise, tier = job
    rec, truth = simulate_session(seed=seed, tier=tier, placement=placement, distractors=False,
                                  sampling_rate_hz=rate, packet_loss=loss, mounting="instep",
                                  exercises=["tiptoe_walk", exercise],
                                  hold_plan=dict(amp_deg=amp, hold_s=hold, hold_spread=0.3,
                                                 reps=3 if exercise == "pencil_pickup" else 7))
    doc = analyze_recording(rec)
    found = [e for e in doc["exercises"] if e["exercise"] == exercise]
    n_true = sum(len(e["reps"]) for e in truth["exercises"] if e["exercise"] == exercise)
    return job, n_true, [len(e["reps"]) for e in found], [e["confidence"] for e in found], [e["doubts"] for e in found]


def main() -> int:
    seed0 = int(sys.argv[1])
    exercise = sys.argv[2] if len(sys.argv) > 2 else "toe_press"
    # The band is seated with the legs out: a shank sensor does not see it.
    placements = (sys.argv[3].split(",") if len(sys.argv) > 3 else
                  ["foot"] if exercise == "resistance_band" else ["foot", "ankle"])
    # A band rep turns the foot 8-30 deg (the simulator's people), a toe
    # press or a pencil lift a few degrees.
    amps = [10.0, 20.0, 30.0] if exercise == "resistance_band" else [1.5, 3.0, 6.0]
    combos = itertools.product(placements, [20.0, 50.0], [0.0, 0.10], amps, [1.5, 5.0, 15.0])
    tier = sys.argv[4] if len(sys.argv) > 4 else "hard"
    jobs = [(seed0 + k, *c, exercise, tier) for k, c in enumerate(combos)]
    t0 = time.time()
    good = counted = 0
    with ProcessPoolExecutor(2) as pool:
        for job, n_true, n_found, conf, doubts in pool.map(run, jobs):
            good += n_found == [n_true]
            # What the user is told: the set counted (not listed as uncertain).
            counted += n_found == [n_true] and conf[0] >= THRESHOLD
            if n_found != [n_true] or conf[0] < THRESHOLD:
                print(job, "true", n_true, "found", n_found, "confidence", conf, flush=True)
                for d in (d for bout in doubts for d in bout):
                    print("    doubt:", d, flush=True)
    print(f"{exercise}: exact {good}/{len(jobs)} ({100 * good / len(jobs):.0f} %), exact and counted "
          f"{counted}/{len(jobs)} ({100 * counted / len(jobs):.0f} %) in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
