"""Circle size and roundness against an independent simulator's truth.

    python benchmarks/quality_heldout.py [--quick] [--seeds 12] [--tiers clean realistic]

The held-out generator (``benchmarks/heldout``, its own body and sensor
models) draws each ankle-circle set as a toe path that is an ellipse of
pitch amplitude A and yaw amplitude A·ell (then tilted). Its truth file does
not carry A and ell, so this script records them from the generator's
``Body.circles`` calls; with them the true mean diameter
(docs/quality.md) is √(2(A² + (A·ell)²)) and the true roundness min(ell,
1/ell). Each session is written, read and analysed through the public entry
points, and every ``ankle_circles`` bout toehold found is matched to the
truth bout it overlaps. Caveats, both in the generator: the amplitude varies
±12 % (slowly) within a set, and part of the motion is coupled into the leg
(``leg_couple``: up to 0.1 in the clean tier, 0.3 in the realistic one),
which the foot sensor sees as foot tilt too.
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.heldout import body as heldout_body  # noqa: E402
from benchmarks.heldout import generate, write_session  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=12)
    ap.add_argument("--tiers", nargs="+", default=["clean", "realistic"])
    ap.add_argument("--quick", action="store_true", help="3 seeds")
    args = ap.parse_args()
    from analysis.pipeline import analyze_recording
    from analysis.quality import bout_quality
    from sensors.recording import read_recording

    calls: list[dict] = []
    original = heldout_body.Body.circles

    def recording_circles(self, plan, amp_deg, ell, *a, **kw):
        calls.append({"amp_deg": amp_deg, "ell": ell, "leg_couple": kw.get("leg_couple")})
        return original(self, plan, amp_deg, ell, *a, **kw)

    heldout_body.Body.circles = recording_circles
    n = 3 if args.quick else args.seeds
    with tempfile.TemporaryDirectory() as tmp:
        for tier in args.tiers:
            size_err, round_err, found, total = [], [], 0, 0
            for seed in range(2000, 2000 + n):
                calls.clear()
                s = generate(seed, tier)
                if s.meta["placement"] != "foot":
                    continue
                truth = sorted((e for e in s.truth["exercises"] if e["exercise"] == "ankle_circles"),
                               key=lambda e: e["start_s"])
                params = calls[:len(truth)]
                write_session(s, tmp, force=True)
                doc = analyze_recording(read_recording(str(Path(tmp) / f"{s.name}.csv")))
                total += len(truth)
                for e in doc["exercises"]:
                    if e["exercise"] != "ankle_circles":
                        continue
                    hit = [k for k, tb in enumerate(truth)
                           if min(e["end_s"], tb["end_s"]) - max(e["start_s"], tb["start_s"]) > 0]
                    if not hit:
                        continue
                    p = params[hit[0]]
                    q = bout_quality(e)
                    true_size = math.sqrt(2 * (p["amp_deg"] ** 2 + (p["amp_deg"] * p["ell"]) ** 2))
                    true_round = min(p["ell"], 1 / p["ell"])
                    found += 1
                    if q["circle_size_deg"] is not None:
                        size_err.append(q["circle_size_deg"] / true_size - 1)
                    if q["circle_roundness"] is not None:
                        round_err.append(q["circle_roundness"] - true_round)
            se, re_ = np.asarray(size_err), np.asarray(round_err)
            print(f"{tier}: {found} circle bouts found of {total} in {n} sessions")
            if len(se):
                print(f"  size: median error {100 * np.median(se):+.1f} %, median |error| "
                      f"{100 * np.median(np.abs(se)):.1f} %, worst {100 * se[np.argmax(np.abs(se))]:+.1f} %")
                print(f"  roundness: median error {np.median(re_):+.3f}, median |error| "
                      f"{np.median(np.abs(re_)):.3f}, worst {re_[np.argmax(np.abs(re_))]:+.3f}")
    heldout_body.Body.circles = original


if __name__ == "__main__":
    main()
