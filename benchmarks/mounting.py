"""The sensor's mounting found from the data (issue 12, branch mount): how often it is wrong yet sure.

    python -m benchmarks.mounting --sessions 90 --seed0 32000 --jobs 1 [--json FILE]

Simulates sessions of the ``mount`` tier (``sensors.simulator``: the sensor
any way round, none to three ordinary walks of 1-30 strides drawn by
``walk_plan``, two look-alikes, no tiptoe walk), even sessions with a foot
sensor, odd ones with a shank sensor (toe presses only), analyses each with
``analysis.pipeline.analyze_recording`` and compares the mounting it found
(``doc["mounting"]``) with the simulator's (``truth["mounting_matrix"]``):
the angle of the rotation between the two, in degrees. A mounting more than
:data:`WRONG_DEG` off is *wrong*; the figure that matters is the number of
wrong mountings the analysis is sure of (confidence ≥ 0.5, the
``ConfidenceRater.min_gait_mounting`` a mounting from walking needs), since
every bout is named in the frame that mounting gives; ``wrong_trusted``
counts the wrong ones the confidence rules act on (:func:`trusted`). Bouts are scored as
``benchmarks/accuracy.py`` scores them (only bouts that count). Tune on
seeds below 10000; measure on others.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WRONG_DEG = 45.0
SURE = 0.5


def angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle (deg) of the rotation between two rotation matrices (3, 3)."""
    c = (np.trace(np.asarray(a) @ np.asarray(b).T) - 1) / 2
    return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def session_config(i: int) -> dict:
    """Session i's simulate_session arguments: foot, or shank with toe presses only."""
    return dict(tier="mount") if i % 2 == 0 else dict(tier="mount", placement="ankle", exercises=("toe_press",))


def run_one(job):
    from analysis.pipeline import analyze_recording
    from benchmarks._scoring import score
    from sensors.simulator import simulate_session

    seed, i = job
    t0 = time.time()
    rec, truth = simulate_session(seed=seed, **session_config(i))
    doc = analyze_recording(rec)
    m = doc["mounting"]
    s = score(truth, doc)
    walks = truth.get("walk_plans") or []
    return {"seed": seed, "placement": rec.placement, "walks": len(walks),
            "strides": sum(w["strides"] for w in walks),
            "method": m["method"], "confidence": m["confidence"],
            "found_strides": m.get("strides"), "agreement": m.get("agreement"),
            "error_deg": round(angle_deg(m["matrix"], truth["mounting_matrix"]), 1),
            "per_ex": s["per_ex"], "false": s["false"], "uncertain": s["uncertain"],
            "seconds": round(time.time() - t0, 1)}


def trusted(r: dict) -> bool:
    """Whether the confidence rules take the mounting as found (a mounting from
    walking at or above ``min_gait_mounting``, 0 before it existed; one from
    postures at or above ``strong_min_mounting``)."""
    from analysis.confidence import ConfidenceRater

    rater = ConfidenceRater()
    if r["method"] == "gait":
        return r["placement"] != "foot" or r["confidence"] >= getattr(rater, "min_gait_mounting", 0.0)
    return r["method"] == "posture" and r["confidence"] >= rater.strong_min_mounting


def summary(rows: list[dict]) -> dict:
    wrong = [r for r in rows if r["error_deg"] > WRONG_DEG]
    tp = sum(v[0] for r in rows for v in r["per_ex"].values())
    fp = sum(v[1] for r in rows for v in r["per_ex"].values())
    fn = sum(v[2] for r in rows for v in r["per_ex"].values())
    methods = {}
    for r in rows:
        methods[r["method"]] = methods.get(r["method"], 0) + 1
    return {
        "sessions": len(rows),
        "wrong": len(wrong),
        "wrong_sure": sum(r["confidence"] >= SURE for r in wrong),
        "right_sure": sum(r["confidence"] >= SURE for r in rows if r["error_deg"] <= WRONG_DEG),
        "wrong_trusted": sum(trusted(r) for r in wrong),
        "wrong_trusted_gait": sum(trusted(r) and r["method"] == "gait" for r in wrong),
        "methods": methods,
        "median_error_deg_sure": (float(np.median([r["error_deg"] for r in rows if r["confidence"] >= SURE]))
                                  if any(r["confidence"] >= SURE for r in rows) else None),
        "bouts_found": tp, "bouts_false": fp, "bouts_missed": fn,
        "bout_f1": round(2 * tp / (2 * tp + fp + fn), 3) if (tp + fp + fn) else None,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--seed0", type=int, default=32000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--json", help="write the rows and the summary to this file")
    args = ap.parse_args(argv)
    jobs = [(args.seed0 + i, i) for i in range(args.sessions)]
    print(f"{'seed':>6} {'place':5} {'walks':>5} {'strides':>7} {'method':8} {'conf':>5} "
          f"{'found':>5} {'agree':>5} {'err°':>6}  bouts tp/fp/fn", flush=True)
    rows = []
    pool = Pool(args.jobs) if args.jobs > 1 else None
    for r in (pool.imap(run_one, jobs) if pool else map(run_one, jobs)):
        rows.append(r)
        tp = sum(v[0] for v in r["per_ex"].values())
        fp = sum(v[1] for v in r["per_ex"].values())
        fn = sum(v[2] for v in r["per_ex"].values())
        flag = "  WRONG, SURE" if r["error_deg"] > WRONG_DEG and r["confidence"] >= SURE else (
            "  wrong" if r["error_deg"] > WRONG_DEG else "")
        print(f"{r['seed']:>6} {r['placement']:5} {r['walks']:>5} {r['strides']:>7} {r['method']:8} "
              f"{r['confidence']:>5.2f} {str(r['found_strides'] if r['found_strides'] is not None else '-'):>5} "
              f"{str(r['agreement'] if r['agreement'] is not None else '-'):>5} {r['error_deg']:>6.1f}  "
              f"{tp}/{fp}/{fn}{flag}", flush=True)
    if pool:
        pool.close()
    s = summary(rows)
    print(json.dumps(s))
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": s, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
