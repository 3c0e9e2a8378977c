"""Quiet-stance sway RMS error per stance, with and without the shank's rate cut (branch ``sway``).

    python benchmarks/sway.py --tier ankle --seed0 6000 --sessions 8
    python benchmarks/sway.py --tier own --seed0 9000 --sessions 12

Tiers: ``ankle``, ``lookalikes`` and ``negatives`` are the simulator's, with
an ankle sensor (``negatives`` at 20-400 Hz as in benchmarks/accuracy.py);
``own`` scripts its own sessions: three quiet stances of 5-60 s, sway
0.1-3° RMS low-passed at 0.1-2 Hz, each after a heel raise, sit-to-stand,
squat, toe press set, fidget or walk, on the hard tier's sensor (20-400 Hz,
noise, bias and its drift, loss, any mounting). The truth is the simulator's:
the RMS about the mean of the sway added to the shank's pitch and roll over
the standing stretch (the documented quantity). Each session is analysed
once; the stances are found again without the cut (``max_rate_dps`` = inf)
from the same signals, and both are scored as ``benchmarks/_scoring.py``
scores them (a true stance is found when a reported one overlaps half of
it; error = mean of the AP and ML relative errors).
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import analysis.families as families  # noqa: E402
import sensors.simulator as sim  # noqa: E402
from analysis.balance import SwayMetrics, shank_sway  # noqa: E402
from analysis.pipeline import run_analysis  # noqa: E402
from sensors.simulator import Track, _Builder, _smooth_noise, _taper  # noqa: E402

RATES = (20.0, 25.0, 50.0, 100.0, 200.0, 400.0)
_seen: dict = {}


def _own_session(seed: int):
    """build_session's stand-in for the ``own`` tier."""
    def build(rng, cfg, fs_int, **kw):
        b = _Builder(rng, fs_int, cfg)
        for k in ("shape_rng", "wide_rng", "walk_rng", "look_rng"):
            if kw.get(k) is not None:
                setattr(b, k, kw[k])
        p = np.random.default_rng([seed, 5])
        b.rest(2.0)
        b.fidget(2.0)
        for _ in range(3):
            kind = str(p.choice(["heel_raise", "sit_stand", "toe_press", "fidget", "walk", "squat"]))
            b.go_to("stand")
            if kind == "toe_press":
                b.hold_reps("toe_press", 3, 4.0)
            elif kind == "fidget":
                b.fidget(p.uniform(1.5, 4))
            elif kind == "walk":
                b.walk(p.uniform(5, 10))
            else:
                b.lookalike(kind)
            b.go_to("stand")
            gap = p.uniform(0, 3)
            if gap > 0.5:
                b.rest(gap, sway_deg=0.3)
            dur, rms, corner = p.uniform(5, 60), 10 ** p.uniform(-1, math.log10(3)), p.uniform(0.1, 2.0)
            n = len(b._grid(dur))
            tr = Track.still(n, b.posture, b.heading, b.pos)
            env = _taper(n, b.sampling_rate_hz, 1.0)
            ap = env * _smooth_noise(b.rng, n, b.sampling_rate_hz, corner, rms)
            ml = env * _smooth_noise(b.rng, n, b.sampling_rate_hz, corner, 0.8 * rms)
            tr.shank_pitch, tr.ankle_pitch = tr.shank_pitch + ap, tr.ankle_pitch - ap
            tr.shank_roll, tr.ankle_roll = ml, -ml
            b.standing.append((b.n, n, ap, ml, True))
            b._push(tr)
        b.fidget(2.0)
        b.rest(3.0)
        return b
    return build


def session(tier: str, seed: int, i: int):
    orig = sim.build_session
    if tier == "own":
        sim.build_session = _own_session(seed)
        kw = dict(tier="hard", placement="ankle", lookalikes=0)
    else:
        kw = dict(tier=tier, placement="ankle")
        if tier == "negatives":
            kw["sampling_rate_hz"] = RATES[i % len(RATES)]
    try:
        return sim.simulate_session(seed=seed, **kw)
    finally:
        sim.build_session = orig


def stance_rows(tier: str, seed: int, i: int) -> list[dict]:
    det = families.QuietStanceDetector.detect

    def keep(self, signals, claimed, bouts):
        _seen.update(claimed=claimed.copy(), bouts=list(bouts))
        return det(self, signals, claimed, bouts)
    families.QuietStanceDetector.detect = keep
    try:
        rec, truth = session(tier, seed, i)
        sig = run_analysis(rec, None, False).session_signals_
    finally:
        families.QuietStanceDetector.detect = det
    rows = []
    for label, kw in (("before", dict(max_rate_dps=math.inf)), ("after", {})):
        found = []
        for st in families.QuietStanceDetector(**kw).detect(sig, _seen["claimed"], _seen["bouts"]).stances_.itertuples():
            i0, i1 = np.searchsorted(sig.t, st.start_s), np.searchsorted(sig.t, st.end_s, side="right")
            m = (sig.t[i0:i1] >= st.start_s + 1) & (sig.t[i0:i1] <= st.end_s - 1)
            if m.sum() >= 5 * sig.sampling_rate_hz:
                ap, ml = shank_sway(sig.acc_seg[i0:i1], sig.gyr_seg[i0:i1], sig.sampling_rate_hz)
                sw = SwayMetrics().compute(ap[m], ml[m], sig.sampling_rate_hz)
                found.append((st.start_s, st.end_s, sw.rms_ap_deg_, sw.rms_ml_deg_))
        for tr in truth["balance"]["stances"]:
            def ov(d, tr=tr):
                return max(0.0, min(tr["end_s"], d[1]) - max(tr["start_s"], d[0]))
            best = max(found, key=ov, default=None)
            ok = best is not None and ov(best) >= 0.5 * (tr["end_s"] - tr["start_s"])
            err = 50 * (abs(best[2] - tr["sway_rms_ap_deg"]) / tr["sway_rms_ap_deg"]
                        + abs(best[3] - tr["sway_rms_ml_deg"]) / tr["sway_rms_ml_deg"]) if ok else None
            rows.append(dict(run=label, seed=seed, start_s=tr["start_s"], end_s=tr["end_s"],
                             true_ap=tr["sway_rms_ap_deg"], true_ml=tr["sway_rms_ml_deg"],
                             found=(best[0], best[1]) if ok else None, err=err))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tier", choices=["ankle", "lookalikes", "negatives", "own"], default="ankle")
    ap.add_argument("--seed0", type=int, default=6000)
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("-v", "--verbose", action="store_true", help="every stance off by more than 8 %%")
    args = ap.parse_args(argv)
    rows = [r for i in range(args.sessions) for r in stance_rows(args.tier, args.seed0 + i, i)]
    for label in ("before", "after"):
        rs = [r for r in rows if r["run"] == label]
        errs = [r["err"] for r in rs if r["err"] is not None]
        print(f"{args.tier} {args.seed0}-{args.seed0 + args.sessions - 1} {label}: stances found "
              f"{len(errs)}/{len(rs)}, sway RMS error mean {np.mean(errs):.2f} % median {np.median(errs):.2f} %")
        if args.verbose:
            for r in rs:
                if r["err"] is None or r["err"] > 8:
                    print("   ", r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
