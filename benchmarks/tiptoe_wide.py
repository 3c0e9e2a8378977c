"""Tiptoe walking drawn wide, case by case (issue 12).

    python benchmarks/tiptoe_wide.py SEED0 N [--placements foot,ankle] [--kind wide|wider|edges|study] [--jobs 2] [-v]

Session ``SEED0 + i`` (i < N) is the simulator's ``tiptoe`` tier: one
tiptoe walk drawn by ``sensors.simulator.tiptoe_plan`` (0.5-2.5 steps/s,
changing within the walk, heel 2-15 cm, shuffling, pauses on tiptoe,
turns, short walks of 3-6 strides), the sensor any way round, 20-400 Hz,
up to 10 % lost in bursts, noisy, biased and drifting, among ordinary
walking, stairs, heel raises, lunges and hops; placements alternate.
Scored with ``benchmarks/_scoring.py``'s rules (counted bouts only): the
walk found (IoU ≥ 0.5), its start, end and duration errors (s), the
stride count error (%), and counted tiptoe bouts elsewhere (false);
then which contacts were missed or extra (the walk's first, its last,
elsewhere). ``--kind clean`` (``realistic``, ``hard``, ``ankle``): that
standard tier's session, its one tiptoe walk. ``--kind edges``: moderate walks on the realistic tier whose
first and last steps (half steps), landings (soft, a rail), heel touches
and final heel drop are drawn wide (``edges_plan``). ``--kind wider``: the
``tiptoe-wide`` tier (``SimConfig.tiptoe_wider``: slow shuffles of a few
centimetres, quick short strides whose stance never rests, 0.6-3.6
steps/s), meant for ``--placements ankle``. ``--kind ankle``: the standard
``ankle`` tier (shank sensor; use ``--placements ankle``). ``--kind hardwide``:
the ``tiptoe-hard`` tier (``tiptoe_plan`` walks on the hard tier's sensor:
20-400 Hz, loss bursts inside the walk, bias steps, 4 g saturation half the
time); ``--rates 20,25`` pins the sample rate session by session.
``--kind study`` (branch ankletiptoe, issue 12's shank misses): tiptoe walks
of 20-30 s on the ``tiptoe`` tier, case by case (seed % 5, ``study_plan``):
long strides swinging the shank 35-50°, brisk landings (3-5 g at the
shank), 50-70 and 150-190 steps/min, short light steps; prints each
case's figures and its halved or doubled stride counts.
Prints the cases that missed (``-v``: every case) and the totals. Tuning
uses seeds below 10000; 20000 and up are held back for reporting.
"""
from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.families import TiptoeWalkDetector  # noqa: E402
from analysis.pipeline import analyze_recording, run_analysis  # noqa: E402
from benchmarks._scoring import match_bouts, reported  # noqa: E402
from sensors.simulator import simulate_session  # noqa: E402

TIERS = ("clean", "realistic", "hard", "ankle")
EDGE_KEYS = ("miss_first", "miss_last", "miss_mid", "extra_before", "extra_after", "extra_mid")


def edges_plan(seed: int) -> dict:
    """A moderate tiptoe walk whose edges and landings are drawn wide.

    Cadence 1.2-2.2 steps/s, heel 3-10 cm, steps of 0.4-0.7 m, stride-to-
    stride spread 2-6 %: what the other tiers walk. Drawn wide: the first
    and last swing (half steps half the time), how softly the toes land
    (a hand on a rail), the heel touching down now and then, the heel
    coming down after the last contact (after 0-1 s on tiptoe), which foot
    steps first (``lead_first`` half the time, drawn after the others so
    they stay what they were); no pauses or turns.
    """
    rng = np.random.default_rng(10_000_000 + seed)
    return dict(cadence_sps=rng.uniform(1.2, 2.2), cadence_trend=rng.uniform(0.9, 1.1),
                stride_cv=rng.uniform(0.02, 0.06), heel_rise_cm=rng.uniform(3, 10),
                step_m=rng.uniform(0.4, 0.7), strides=int(rng.integers(12, 26)), pauses=[], turns=[],
                first_step=rng.uniform(0.3, 0.7) if rng.random() < 0.5 else 1.0,
                last_step=rng.uniform(0.3, 0.7) if rng.random() < 0.5 else 1.0,
                soft=rng.uniform(0.0, 0.95), heel_touch_p=rng.uniform(0.05, 0.3) if rng.random() < 0.4 else 0.0,
                end_drop_s=float(np.exp(rng.uniform(np.log(0.12), np.log(0.7)))), end_hold_s=rng.uniform(0.0, 1.0),
                lead_first=bool(rng.random() < 0.5))


STUDY_CASES = ("long", "brisk", "slow", "quick", "light")


def study_plan(seed: int) -> dict:
    """A tiptoe walk of 20-30 s drawn as issue 12's shank misses suggest (branch ankletiptoe).

    Case ``seed % 5``: ``long`` strides swinging the shank 35-50°; ``brisk``
    landings (no cushion, the toes meet the floor at speed: 3-5 g at the
    shank); ``slow`` (50-70 steps/min) and ``quick`` (150-190 steps/min)
    cadences; ``light`` short steps (10-30 cm, lifted 0.5-2 cm, set down
    softly). The rest moderate.
    """
    rng = np.random.default_rng(20_000_000 + seed)
    case = STUDY_CASES[seed % len(STUDY_CASES)]
    u = rng.uniform
    plan = dict(cadence_sps=u(1.4, 2.2), cadence_trend=u(0.9, 1.1), stride_cv=u(0.02, 0.06),
                heel_rise_cm=u(3, 10), step_m=u(0.4, 0.7), shank_arc_deg=u(18, 32), pauses=[], turns=[],
                soft=u(0.0, 0.6), cushion_s=u(0.05, 0.15), swing_lift_m=u(0.02, 0.06))
    if case == "long":
        plan.update(step_m=u(0.7, 0.9), shank_arc_deg=u(35, 50))
    elif case == "brisk":
        plan.update(soft=0.0, cushion_s=0.0, swing_lift_m=u(0.04, 0.08), cadence_sps=u(1.8, 2.6),
                    shank_arc_deg=u(20, 42))
    elif case == "slow":
        plan.update(cadence_sps=u(50, 70) / 60, shank_arc_deg=u(15, 40))
    elif case == "quick":
        plan.update(cadence_sps=u(150, 190) / 60, step_m=u(0.2, 0.5), shank_arc_deg=u(10, 30))
    else:
        plan.update(step_m=u(0.1, 0.3), swing_lift_m=u(0.005, 0.02), soft=u(0.5, 0.95), shank_arc_deg=u(8, 20))
    plan["strides"] = max(6, int(round(u(20, 30) * plan["cadence_sps"] / 2)))
    return plan


def edge_errors(true_t: list[float], det_t: list[float], stride_s: float) -> dict:
    """Where detected contacts differ from the true ones: missed and extra
    contacts at the walk's first, its last, and elsewhere (a detected
    contact within 0.35 stride of a true one matches it)."""
    true_t, det_t = np.asarray(true_t), np.asarray(det_t)
    out = {"miss_first": 0, "miss_last": 0, "miss_mid": 0, "extra_before": 0, "extra_after": 0, "extra_mid": 0}
    if not len(true_t):
        return out
    tol = 0.35 * stride_s
    for i, x in enumerate(true_t):
        if not len(det_t) or np.min(np.abs(det_t - x)) > tol:
            out["miss_first" if i == 0 else "miss_last" if i == len(true_t) - 1 else "miss_mid"] += 1
    for x in det_t:
        if np.min(np.abs(true_t - x)) > tol:
            out["extra_before" if x < true_t[0] else "extra_after" if x > true_t[-1] else "extra_mid"] += 1
    return out


def why_missed(true: dict, doc: dict, sig) -> str:
    """Which rule kept a true walk from being counted: no gait over it, the
    tiptoe detector's rejections overlapping it (``TiptoeWalkDetector.rejected_``),
    or a bout over it rated uncertain (its doubts), or too little overlap."""
    t0, t1 = true["start_s"], true["end_s"]

    def over(a, b):
        return min(b, t1) - max(a, t0) > 0

    if sig is None:
        return "too short to analyse"
    unsure = [b for b in doc["exercises"] if b["exercise"] == "tiptoe_walk" and over(b["start_s"], b["end_s"])]
    det = TiptoeWalkDetector().detect(sig)
    parts = [f"{r.reason} ({r.detail}) {r.start_s:.0f}-{r.end_s:.0f} s"
             for r in det.rejected_.itertuples() if over(r.start_s, r.end_s)]
    parts += [f"uncertain {b['confidence']:.2f}: {'; '.join(b.get('doubts', []))[:120]}" for b in unsure
              if b.get("confidence", 1.0) < 0.5]
    parts += [f"found {b['start_s']:.1f}-{b['end_s']:.1f} s, too little overlap" for b in unsure
              if b.get("confidence", 1.0) >= 0.5]
    gait = det.gait_
    if not any(over(a, b) for a, b in zip(gait.start_s, gait.end_s)):
        parts.insert(0, "no gait")
    return " | ".join(parts) or "?"


def run(job):
    seed, placement, kind, *rate = job
    # A pinned sample rate (--rates), else the tier's.
    pin = {"sampling_rate_hz": rate[0]} if rate and rate[0] else {}
    if kind == "edges":
        rec, truth = simulate_session(seed=seed, tier="realistic", placement=placement, exercises=["tiptoe_walk"],
                                      tiptoe_plan=edges_plan(seed), **pin)
    elif kind == "study":
        rec, truth = simulate_session(seed=seed, tier="tiptoe", placement=placement, tiptoe_plan=study_plan(seed),
                                      **pin)
    elif kind in TIERS:
        # The tier's own placement (the ankle tier's shank, the others' foot).
        rec, truth = simulate_session(seed=seed, tier=kind, **pin)
        placement = rec.metadata.get("placement", placement)
    else:
        tier = {"wider": "tiptoe-wide", "hardwide": "tiptoe-hard"}.get(kind, "tiptoe")
        rec, truth = simulate_session(seed=seed, tier=tier, placement=placement, **pin)
    fitted = run_analysis(rec)
    doc = analyze_recording(rec, fitted=fitted)
    det = [b for b in reported(doc)[0] if b["exercise"] == "tiptoe_walk"]
    true = [b for b in truth["exercises"] if b["exercise"] == "tiptoe_walk"]
    found, false = match_bouts(true, det)
    t, frags = true[0], found[0]
    why = None if frags else why_missed(t, doc, fitted.session_signals_)
    out = {"seed": seed, "placement": placement,
           "case": STUDY_CASES[seed % len(STUDY_CASES)] if kind == "study" else kind,
           "rate": float(rec.metadata["sample_rate_hz"]),
           "true": (t["start_s"], t["end_s"], len(t["strides"])), "false": len(false),
           "false_at": [(round(d["start_s"], 1), round(d["end_s"], 1), sorted({
               x["kind"] for x in truth["distractors"]
               if min(d["end_s"], x["end_s"]) > max(d["start_s"], x["start_s"])})) for d in false],
           "found": bool(frags), "why": why, "all": [(round(d["start_s"], 1), round(d["end_s"], 1), len(d["strides"]),
                                          d.get("confidence")) for d in doc["exercises"]
                                         if d["exercise"] == "tiptoe_walk"]}
    if frags:
        d0, d1 = min(f["start_s"] for f in frags), max(f["end_s"] for f in frags)
        nd = sum(len(f["strides"]) for f in frags)
        out.update(start_err=d0 - t["start_s"], end_err=d1 - t["end_s"],
                   dur_err=abs((d1 - d0) - (t["end_s"] - t["start_s"])),
                   stride_err=100.0 * abs(nd - len(t["strides"])) / len(t["strides"]), n_det=nd)
        tt = [x["t_s"] for x in t["strides"]]
        out.update(edge_errors(tt, [x["t_s"] for f in frags for x in f["strides"]], float(np.median(np.diff(tt)))))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("seed0", type=int)
    ap.add_argument("n", type=int)
    ap.add_argument("--placements", default="foot,ankle")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rates", default="",
                    help="comma-separated sample rates (Hz) pinned in turn, session by session (default: the tier's)")
    ap.add_argument("--kind", choices=("wide", "wider", "edges", "hardwide", "study") + TIERS, default="wide",
                    help="wide: the tiptoe tier; wider: the tiptoe-wide tier (tiptoe_wider); edges: moderate "
                         "walks on the realistic tier whose first and last steps, landings and heel are drawn "
                         "wide (edges_plan); clean, realistic, hard, ankle: that tier's session and its "
                         "one tiptoe walk; hardwide: the tiptoe-hard tier (tiptoe_plan walks on the hard "
                         "tier's sensor: loss bursts inside the walk, bias steps, 4 g saturation)")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    places = args.placements.split(",")
    rates = [float(r) for r in args.rates.split(",") if r] or [0.0]
    jobs = [(args.seed0 + i, places[i % len(places)], args.kind, rates[i % len(rates)]) for i in range(args.n)]
    t0 = time.time()
    with ProcessPoolExecutor(args.jobs) as pool:
        res = list(pool.map(run, jobs))
    for place in places + ["all"]:
        rs = [r for r in res if place in ("all", r["placement"])]
        if not rs:
            continue
        ok = [r for r in rs if r["found"]]
        def mean(k, ok=ok):
            return float(np.mean([abs(r[k]) for r in ok])) if ok else float("nan")
        print(f"{place:6s} n={len(rs):3d} found {100 * len(ok) / len(rs):5.1f} %  start err {mean('start_err'):.2f} s"
              f"  end err {mean('end_err'):.2f} s  duration err {mean('dur_err'):.2f} s"
              f"  stride err {mean('stride_err'):.1f} %  exact strides "
              f"{100 * np.mean([r['stride_err'] == 0 for r in ok]) if ok else 0:.0f} %"
              f"  false tiptoe bouts {sum(r['false'] for r in rs)}")
        edges = {k: sum(r.get(k, 0) for r in ok) for k in EDGE_KEYS}
        print("        contacts missed / extra (walks found):", edges)
        kinds = [k for r in rs for f in r["false_at"] for k in f[2]]
        if kinds:
            print("        false tiptoe bouts over:", {k: kinds.count(k) for k in sorted(set(kinds))})
    if args.kind == "study":
        for case in STUDY_CASES:
            for place in places:
                rs = [r for r in res if r["case"] == case and r["placement"] == place]
                ok = [r for r in rs if r["found"]]
                if rs:
                    off = sum(not 2 / 3 <= r["n_det"] / r["true"][2] <= 1.5 for r in ok)
                    err = np.mean([r["stride_err"] for r in ok]) if ok else float("nan")
                    print(f"  {case:6s} {place:6s} n={len(rs):3d} found {len(ok):3d}  stride err {err:5.1f} %  "
                          f"halved/doubled {off}  false {sum(r['false'] for r in rs)}")
    reasons = [r["why"].split(" (")[0].split(":")[0].split(" |")[0] for r in res if r["why"]]
    if reasons:
        print("walks missed, first reason:", {k: reasons.count(k) for k in sorted(set(reasons))})
    for r in res:
        bad = (not r["found"] or r["false"] or r.get("stride_err", 0) > 2 or r.get("dur_err", 0) > 1)
        if args.v or bad:
            print({k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()})
    print(f"{len(jobs)} sessions in {time.time() - t0:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
