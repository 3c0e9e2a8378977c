"""The shank drawn wide (issue 12, branch ankle): why bouts are missed.

    python benchmarks/ankle_wide.py --seeds 7000-7023 [--tier ankle-wide] [--jobs 1]

Simulates the ``ankle-wide`` tier (tuning seeds, below 10000), analyses each
session and sorts every true bout into found (reps or strides right or
miscounted), uncertain (a bout was found there but below the confidence
threshold, with the reason the analysis gives) or missed, with the session's
draws next to it (rate, sensor height, knee bend, heel rise ...).
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _one(job):
    from analysis.pipeline import analyze_recording, run_analysis
    from benchmarks._scoring import match_bouts, reported
    from benchmarks.tiptoe_wide import why_missed
    from sensors.simulator import simulate_session
    seed, tier, over = job
    rec, truth = simulate_session(seed=seed, tier=tier, **over)
    fitted = run_analysis(rec)
    doc = analyze_recording(rec, fitted=fitted)
    det, unc = reported(doc)
    found, false = match_bouts(truth["exercises"], det)
    ufound, _ = match_bouts(truth["exercises"], unc)
    cfg = truth["config"]
    rows = []
    for t, f, u in zip(truth["exercises"], found, ufound):
        if f:
            n_det = sum(len(x["reps"]) for x in f) if t["reps"] else sum(len(x["strides"]) for x in f)
            n_true = len(t["reps"]) if t["reps"] else len(t["strides"])
            ok = n_det == n_true if t["reps"] else abs(n_det - n_true) <= max(1, 0.1 * n_true)
            what = "found" if ok else f"miscounted {n_det}/{n_true}"
        elif u:
            what = "uncertain " + ";".join(sorted({str(x.get("confidence_reason") or x.get("why") or
                                                        round(x.get("confidence", 0), 2)) for x in u}))
        else:
            what = "missed"
        if t["exercise"] == "tiptoe_walk" and not (f and what == "found"):
            what += " [" + why_missed(t, doc, fitted.session_signals_)[:160] + "]"
        extra = ""
        if t["reps"]:
            extra = f"knee {t['reps'][0].get('range_deg', 0):.1f}"
        else:
            extra = f"heel {t.get('heel_rise_deg', 0):.1f}deg strides {len(t['strides'])}"
        rows.append((seed, t["exercise"], what, f"{cfg['sampling_rate_hz']:.0f}Hz", extra,
                     len(truth.get("walk_plans") or [])))
    fb = [(d["exercise"], round(d["start_s"]), round(d.get("confidence", 1), 2)) for d in false]
    return rows, fb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="7000-7011")
    ap.add_argument("--tier", default="ankle-wide")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                    help="SimConfig override (ablations), e.g. --set ankle_wide=0")
    args = ap.parse_args()
    over = {k: json.loads(v) for k, v in (x.split("=", 1) for x in args.set)}
    lo, hi = (int(x) for x in args.seeds.split("-"))
    jobs = [(s, args.tier, over) for s in range(lo, hi + 1)]
    with Pool(args.jobs) as pool:
        out = pool.map(_one, jobs, chunksize=1)
    tally = collections.Counter()
    for rows, fb in out:
        for r in rows:
            print(*r, sep="\t")
            tally[(r[1], r[2].split(" ")[0])] += 1
        for d in fb:
            print(rows[0][0] if rows else "?", "FALSE", *d, sep="\t")
            tally[(d[0], "false")] += 1
    for k in sorted(tally):
        print(*k, tally[k], sep="\t")


if __name__ == "__main__":
    main()
