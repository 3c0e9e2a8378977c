"""Textbook pencil sets done five ways people do them (issue 12, branch pencil4).

    python -m benchmarks.pencil4 [--sessions 8] [--seed0 16000] [--cases curl,turned,...] [--verbose]

Each case pins the simulator's pencil plan (:func:`sensors.simulator.pencil_plan`)
to the prescription (2-4 reps held 10-15 s, a foot sensor, declared, a clean
sensor at 50 or 100 Hz; seated on a chair, on the floor or standing in turn)
and one way of doing it that analysis had doubted or missed:

- ``curl``: the toes curl round the pencil, the heel stays down, the pencil
  lifted 0-2 cm, the instep tipped 1-4°;
- ``turned``: the foot tipped 30-42° to hold it (half) or turned 30-45° about
  the vertical while held (half), lifted 3-10 cm;
- ``braced``: the held foot braced (a tenth of the tremor), lifted 2-8 cm,
  the foot slid 8-15° on the floor to fetch each pencil;
- ``sweep``: slow slides of 15-35° on the floor to fetch the pencil and put it
  back (a loop in turn and pitch), lifted 2-8 cm;
- ``uneven``: rests of 2-20 s spread rep to rep by a log-spread of 0.6-0.9.

Per true set: ``exact`` / ``found`` (a counted pencil bout, right count or
not), ``uncertain`` (only an uncertain bout on it, with its name and doubts),
``other`` (a counted bout of another exercise), ``missed``; and counted bouts
on no set (``false``).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.confidence import is_counted  # noqa: E402
from analysis.pipeline import analyze_recording  # noqa: E402
from analysis.scoring import match_bouts  # noqa: E402
from benchmarks.pencil import POSTURES, _half_overlap, set_outcome  # noqa: E402
from sensors.simulator import simulate_session  # noqa: E402

CASES = ("curl", "turned", "braced", "sweep", "uneven")


def case_plan(case: str, seed: int, i: int) -> dict:
    """The pinned pencil plan of session ``i`` of a case (drawn from the seed's own stream)."""
    rng = np.random.default_rng([seed, 44])
    plan = dict(posture=POSTURES[i % 3], grip="lift", reps=int(rng.integers(2, 5)),
                hold_s=float(rng.uniform(10.0, 15.0)), hold_spread=float(rng.uniform(0.03, 0.12)),
                rest_s=float(rng.uniform(4.0, 10.0)), tempo=float(rng.uniform(0.7, 1.5)),
                lift_m=float(rng.uniform(0.03, 0.08)), tip_deg=float(rng.uniform(3.0, 15.0)),
                roll_deg=0.0, turn_deg=0.0, shank_deg=float(rng.uniform(-3.0, 3.0)), move_m=[0.0, 0.0],
                drops=0, sets=1)
    if case == "curl":
        plan.update(lift_m=float(rng.uniform(0.0, 0.02)), tip_deg=float(rng.uniform(1.0, 4.0)),
                    shank_deg=0.0)
    elif case == "turned":
        if i % 2:
            plan.update(tip_deg=float(rng.uniform(30.0, 42.0)), lift_m=float(rng.uniform(0.03, 0.1)))
        else:
            plan.update(turn_deg=float(rng.choice([-1, 1]) * rng.uniform(30.0, 45.0)),
                        lift_m=float(rng.uniform(0.03, 0.1)))
    elif case == "braced":
        plan.update(brace=True, sweep_deg=float(rng.uniform(8.0, 15.0)), lift_m=float(rng.uniform(0.02, 0.08)))
    elif case == "sweep":
        plan.update(sweep_deg=float(rng.uniform(15.0, 35.0)), lift_m=float(rng.uniform(0.02, 0.08)))
    elif case == "uneven":
        plan.update(rest_s=float(rng.uniform(2.0, 20.0)),
                    rest_spread=float(np.random.default_rng([seed, 45]).uniform(0.6, 0.9)))
    return plan


def config(case: str, seed: int, i: int) -> dict:
    plan = case_plan(case, seed, i)
    return dict(tier="pencil", placement="foot", mounting="aligned", declare_mounting=True,
                acc_noise_mps2=0.03, gyr_noise_dps=0.2, acc_bias_mps2=0.05, gyr_bias_dps=0.5,
                packet_loss=0.0, sampling_rate_hz=100.0 if i % 2 else 50.0, sloppiness=0.3,
                pencil_plan=plan)


def one(args) -> dict:
    case, seed, i = args
    rec, truth = simulate_session(seed=seed, **config(case, seed, i))
    doc = analyze_recording(rec)
    sets = [b for b in truth["exercises"] if b["exercise"] == "pencil_pickup"]
    counted = [b for b in doc["exercises"] if is_counted(b)]
    unsure = [b for b in doc["exercises"] if not is_counted(b)]
    pencils = [b for b in counted if b["exercise"] == "pencil_pickup"]
    matched = dict(match_bouts(sets, pencils))
    outcome, detail = [], []
    for k, s in enumerate(sets):
        over = [b for b in doc["exercises"] if _half_overlap(s, b)]
        outcome.append(set_outcome(s, pencils[matched[k]] if k in matched else None, counted, unsure))
        detail.append(f"{len(s['reps'])} reps {s['start_s']:.0f}-{s['end_s']:.0f} s -> " + (" + ".join(
            f"{b['exercise']} {len(b.get('reps') or [])} reps {b['start_s']:.0f}-{b['end_s']:.0f} s "
            f"c={b['confidence']:.2f}" + (f" ({'; '.join(b['doubts'])})" if b.get("doubts") else "")
            for b in over) or "nothing"))
    false = [f"{b['exercise']} {b['start_s']:.0f}-{b['end_s']:.0f} s" for b in counted
             if not any(_half_overlap(s, b) for s in sets)]
    return {"case": case, "seed": seed, "outcome": outcome, "detail": detail, "false": false,
            "tp": len(matched), "fp": len(pencils) - len(matched), "fn": len(sets) - len(matched)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--seed0", type=int, default=16000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    jobs = [(c, args.seed0 + 100 * CASES.index(c) + i, i) for c in args.cases.split(",")
            for i in range(args.sessions)]
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(one, jobs))
    outs = ("exact", "found", "uncertain", "other", "missed")
    print(f"{'case':8s} {'sets':>4s} " + " ".join(f"{o:>9s}" for o in outs) + "  false  F1")
    for c in args.cases.split(","):
        rs = [r for r in rows if r["case"] == c]
        n = Counter(o for r in rs for o in r["outcome"])
        tp, fp, fn = (sum(r[k] for r in rs) for k in ("tp", "fp", "fn"))
        print(f"{c:8s} {sum(n.values()):4d} " + " ".join(f"{n[o]:9d}" for o in outs)
              + f"  {sum(len(r['false']) for r in rs):5d}  {2 * tp / max(2 * tp + fp + fn, 1):.2f}")
        if args.verbose:
            for r in rs:
                print(f"  {r['seed']}: " + "; ".join(r["detail"]) + (f"; FALSE {r['false']}" if r["false"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
