"""Hold-exercise sets of a pinned person (amplitude, hold) on the simulator: exact-count share.

    python benchmarks/rep_sweep.py SEED0 [toe_press|resistance_band|pencil_pickup]

Tuning used SEED0 < 10000; 20000 and up are held back for reporting.
"""
import sys, time, itertools
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from analysis.pipeline import analyze_recording
from analysis.scoring import match_bouts
from analysis.confidence import is_counted
from sensors.simulator import simulate_session

def run(a):
    seed, tier, place, ex, amp, hold, reps, spread = a
    kw = dict(tier=tier, exercises=["tiptoe_walk", ex], distractors=False,
              hold_plan=dict(amp_deg=amp, hold_s=hold, reps=reps, hold_spread=spread))
    if place == "ankle": kw["placement"] = "ankle"
    rec, truth = simulate_session(seed=seed, **kw)
    doc = analyze_recording(rec)
    tb = [e for e in truth["exercises"] if e["reps"]]
    fb = [e for e in doc["exercises"] if e["exercise"] == ex]
    n_true = sum(len(e["reps"]) for e in tb)
    counted = [e for e in fb if is_counted(e)]
    n_found = sum(len(e["reps"]) for e in fb)
    conf = [e["confidence"] for e in fb]
    doubts = sorted({d for e in fb for d in e.get("doubts", [])})
    return a, n_true, n_found, len(counted), conf, doubts, truth["recording"]["sample_rate_hz"]

if __name__ == "__main__":
    s0 = int(sys.argv[1]); ex = sys.argv[2] if len(sys.argv) > 2 else "toe_press"
    amps = {"toe_press": [1.0, 2.0, 3.0, 6.0], "resistance_band": [8.0, 15.0], "pencil_pickup": [4.0, 10.0]}[ex]
    holds = [1.5, 4.0, 12.0, 20.0] if ex != "pencil_pickup" else [10.0, 15.0, 20.0]
    places = ["foot", "ankle"] if ex == "toe_press" else ["foot"]
    jobs = []
    k = 0
    for tier in ("realistic", "hard"):
        for place, amp, hold in itertools.product(places, amps, holds):
            reps = 7 if ex != "pencil_pickup" else 3
            jobs.append((s0 + k, tier, place, ex, amp, hold, reps, 0.3)); k += 1
    t0 = time.time(); ok = okc = 0
    with ProcessPoolExecutor(2) as p:
        for a, nt, nf, nb, conf, doubts, sampling_rate_hz in p.map(run, jobs):
            good = nt == nf and len(conf) == 1
            okc += nb == 1
            ok += good
            if not good:
                print(a, f"{sampling_rate_hz:g}Hz", "true", nt, "found", nf, "bouts", nb, conf, doubts)
    print(f"{ex}: exact {ok}/{len(jobs)} counted {okc} in {time.time()-t0:.0f}s")
