"""A tiptoe walk's contacts at its edges, case by case (issue 12, branch strides).

    python benchmarks/stride_edges.py SEED0 [--jobs 1] [-v]

Contract §1: a stride is one ground contact of the instrumented foot, its
time the moment of that contact. Each case is one pinned tiptoe walk on the
realistic tier (``tiptoe_plan`` pins, sensor at the foot or the shank),
drawn across what the edges of a walk can be: the instrumented foot
stepping first or second (``lead_first``), a half first or last step, the
person standing on tiptoe after the last step and the heels coming down
(a quick drop lands with an impact), slow and quick cadence, a pause on
tiptoe mid-walk, 20-400 Hz. Case ``i`` uses seed ``SEED0 + i``.

For every case: the true landings against the reported strides of the
walks found (IoU >= 0.5 by ``benchmarks/_scoring.py``), signed count error,
missed / extra contacts at the walk's first, last and elsewhere (matched
within 0.35 stride, as ``tiptoe_wide.py``), and the matched contacts'
timing (how many further than 0.1 s from the truth).
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.pipeline import analyze_recording  # noqa: E402
from benchmarks._scoring import match_bouts, reported  # noqa: E402
from benchmarks.tiptoe_wide import EDGE_KEYS, edge_errors  # noqa: E402
from sensors.simulator import simulate_session  # noqa: E402

BASE = dict(strides=16, cadence_trend=1.0, stride_cv=0.04, heel_rise_cm=6.0, step_m=0.5, shank_arc_deg=25.0,
            pauses=[], turns=[])
# (name, pins): what differs at the walk's edges.
EDGES = [
    ("other foot first", {}),
    ("this foot first", {"lead_first": True}),
    ("half first step", {"first_step": 0.4}),
    ("this foot first, half step", {"lead_first": True, "first_step": 0.4}),
    ("half last step", {"last_step": 0.5}),
    ("heels down 0.4 s after", {"end_hold_s": 0.4, "end_drop_s": 0.15}),
    ("heels down at once", {"end_hold_s": 0.0, "end_drop_s": 0.3}),
    ("pause on tiptoe", {"pauses": [{"after": 7, "seconds": 2.0}]}),
]
CADENCES = (1.1, 2.4)           # steps a second: slow, quick
RATES = (20.0, 50.0, 100.0, 400.0)
PLACEMENTS = ("foot", "ankle")


def cases() -> list[tuple]:
    return [(name, pins, cad, rate, place) for (name, pins), cad, place, rate
            in itertools.product(EDGES, CADENCES, PLACEMENTS, RATES)]


def run(job):
    seed, (name, pins, cadence, rate, placement) = job
    plan = {**BASE, **pins, "cadence_sps": cadence}
    rec, truth = simulate_session(seed=seed, tier="realistic", placement=placement, exercises=["tiptoe_walk"],
                                  distractors=False, tiptoe_plan=plan, sampling_rate_hz=rate)
    doc = analyze_recording(rec)
    det = [b for b in reported(doc)[0] if b["exercise"] == "tiptoe_walk"]
    true = [b for b in truth["exercises"] if b["exercise"] == "tiptoe_walk"][0]
    found, _ = match_bouts([true], det)
    tt = np.array([x["t_s"] for x in true["strides"]])
    out = {"seed": seed, "case": name, "cadence": cadence, "rate": rate, "placement": placement,
           "true": len(tt), "found": bool(found[0])}
    if found[0]:
        dt = np.array([x["t_s"] for f in found[0] for x in f["strides"]])
        stride = float(np.median(np.diff(tt)))
        near = np.array([np.min(np.abs(dt - x)) for x in tt]) if len(dt) else np.full(len(tt), np.inf)
        matched = near[near <= 0.35 * stride]
        out.update(signed=len(dt) - len(tt), late=int(np.sum(matched > 0.1)),
                   timing_ms=float(1000 * np.median(matched)) if len(matched) else float("nan"),
                   **edge_errors(tt.tolist(), dt.tolist(), stride))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("seed0", type=int)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    jobs = list(enumerate(cases()))
    jobs = [(args.seed0 + i, c) for i, c in jobs]
    t0, c0 = time.time(), time.process_time()
    with ProcessPoolExecutor(args.jobs) as pool:
        res = list(pool.map(run, jobs))
    ok = [r for r in res if r["found"]]
    print(f"{len(res)} walks, found {len(ok)}; exact count {sum(r['signed'] == 0 for r in ok)}; "
          f"signed count error: {sum(r['signed'] < 0 for r in ok)} short, {sum(r['signed'] > 0 for r in ok)} long; "
          f"contacts further than 0.1 s {sum(r['late'] for r in ok)} of {sum(r['true'] for r in ok)}")
    print("contacts missed / extra:", {k: sum(r[k] for r in ok) for k in EDGE_KEYS})
    for key in ("case", "placement", "rate", "cadence"):
        vals = sorted({r[key] for r in res}, key=str)
        print(f"by {key}: " + "; ".join(
            f"{v}: {sum(r['found'] for r in res if r[key] == v)}/{sum(r[key] == v for r in res)} found, "
            f"{sum(r.get('signed', 1) == 0 for r in res if r[key] == v)} exact" for v in vals))
    for r in res:
        if args.v or not r["found"] or r["signed"] or r["late"]:
            print({k: (round(v, 1) if isinstance(v, float) else v) for k, v in r.items()})
    print(f"{len(res)} walks in {time.time() - t0:.0f} s wall (main process CPU {time.process_time() - c0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
