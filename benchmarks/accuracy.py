"""Accuracy benchmark: the analyser against ground truth, tier by tier.

    python benchmarks/accuracy.py [--sessions 10] [--jobs 2] [--markdown]

Held-out sessions come from the project's simulator with seeds from 100000
on (tuning and tests use seeds below 10000), one tier per row, plus the
labelled recordings in ../shared/samples/ made by an independent simulator,
plus the real recordings without exercises in tests/data/real/ (read as
foot and as ankle recordings: every counted bout there is a false bout).
Bouts below the confidence threshold are not counted (analysis/scoring.py).
Prints one table; ``--markdown`` prints it as the README's table.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.pipeline import analyze_recording  # noqa: E402
from analysis.scoring import score, summarise  # noqa: E402
from sensors.contract import EXERCISES  # noqa: E402
from sensors.recording import read_recording  # noqa: E402
from sensors.simulator import simulate_session  # noqa: E402

SEED0 = 100_000
RATES = (20.0, 25.0, 50.0, 100.0, 200.0, 400.0)
TIERS = {
    "clean": lambda i: dict(tier="clean"),
    "realistic": lambda i: dict(tier="realistic"),
    "random mounting": lambda i: dict(tier="realistic", mounting="random"),
    "20-400 Hz": lambda i: dict(tier="realistic", sampling_rate_hz=RATES[i % len(RATES)]),
    "0-10 % loss": lambda i: dict(tier="realistic", packet_loss=0.10 * (i % 6) / 5),
    "sloppy": lambda i: dict(tier="realistic", sloppiness=0.9),
    "hard": lambda i: dict(tier="hard"),
    "ankle": lambda i: dict(tier="ankle"),
    # Exercises among look-alikes, and look-alikes alone (every counted bout
    # is false), foot and shank sensors, the sensor any way round.
    "look-alikes": lambda i: dict(tier="lookalikes", placement="ankle" if i % 2 else "foot"),
    "negatives": lambda i: dict(tier="negatives", placement="ankle" if i % 2 else "foot",
                                sampling_rate_hz=RATES[i % len(RATES)]),
}
COLUMNS = [("bout_macro_f1", "bout F1", "{:.3f}"), ("rep_exact_pct", "reps exact %", "{:.0f}"),
           ("rep_within1_pct", "reps ±1 %", "{:.0f}"), ("hold_mae_s", "hold MAE s", "{:.2f}"),
           ("tiptoe_found_pct", "tiptoe found %", "{:.0f}"),
           ("circle_exact_pct", "circles exact %", "{:.0f}"), ("direction_pct", "direction %", "{:.1f}"),
           ("stride_err_pct", "stride err %", "{:.1f}"), ("false_bouts", "false bouts", "{:.0f}"),
           ("uncertain", "uncertain", "{:.0f}")]


def one(args):
    tier, i = args
    rec, truth = simulate_session(seed=SEED0 + 1000 * list(TIERS).index(tier) + i, **TIERS[tier](i))
    return tier, score(truth, analyze_recording(rec))


def samples():
    folder = ROOT.parent / "shared" / "samples"
    out = []
    for csv in sorted(folder.glob("*.csv")):
        truth = json.loads(csv.with_name(csv.stem + ".truth.json").read_text())
        out.append(score(truth, analyze_recording(read_recording(csv))))
    return out


def real_negatives():
    """Real recordings without exercises (tests/data/real/), read as either placement."""
    out = []
    for csv in sorted((ROOT / "tests" / "data" / "real").glob("*/*.csv")):
        for placement in ("foot", "ankle"):
            out.append(score({"exercises": []}, analyze_recording(read_recording(csv, placement=placement))))
    return out


def fmt(v, f):
    return "—" if v != v else f.format(v)  # NaN: nothing of that kind in the tier


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10, help="sessions per tier")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--tiers", help="comma-separated subset")
    args = ap.parse_args()
    tiers = [t.strip() for t in args.tiers.split(",")] if args.tiers else list(TIERS)
    t0 = time.time()
    jobs = [(t, i) for t in tiers for i in range(args.sessions)]
    by_tier = {t: [] for t in tiers}
    with ProcessPoolExecutor(args.jobs) as pool:
        for tier, counts in pool.map(one, jobs):
            by_tier[tier].append(counts)
    rows = [(f"{t} ({args.sessions})", summarise(c)) for t, c in by_tier.items()]
    for _, s in rows:
        s["tiptoe_found_pct"] = 100 * s.get("tiptoe_walk_recall", float("nan"))
    smp = samples()
    if smp:
        rows.append((f"shared samples ({len(smp)})", summarise(smp)))
    neg = real_negatives()
    if neg:
        rows.append((f"real negatives ({len(neg)})", summarise(neg)))
    head = ["tier (sessions)"] + [c[1] for c in COLUMNS]
    table = [[name] + [fmt(s.get(k, float("nan")), f) for k, _, f in COLUMNS] for name, s in rows]
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in table:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(str(x)) for x in col) for col in zip(head, *table)]
        for r in [head] + table:
            print("  ".join(str(x).rjust(w) for x, w in zip(r, widths)))
    print()
    print("bout F1 per exercise (precision/recall):")
    for name, s in rows:
        parts = [f"{ex} {s[ex + '_f1']:.2f} ({s[ex + '_precision']:.2f}/{s[ex + '_recall']:.2f})"
                 for ex in EXERCISES if ex + "_f1" in s]
        print(f"  {name}: " + ", ".join(parts))
    print(f"\n{len(jobs)} simulated sessions + {len(smp)} samples in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
