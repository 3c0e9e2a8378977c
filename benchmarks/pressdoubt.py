"""Toe-press look-alike doubts against toe presses drawn wide (issue 12, branch pressdoubt).

    python benchmarks/pressdoubt.py collect OUT.json [--sessions 8] [--seed0 21000] [--sources a,b]
    python benchmarks/pressdoubt.py rate OUT.json [--base]

``collect`` analyses sessions of each source and saves every toe-press
bout's rating inputs (exercise, evidence, mounting method and confidence,
placement), whether it matches a true set, and its confidence and doubts.
``rate`` re-rates them with this checkout's :class:`ConfidenceRater` (a
pure function of those inputs) and prints, per source, the true sets
counted and the false bouts counted, and the doubts that hold true sets
back. Sources: ``press-wide`` (sensors.simulator's press_wide tier, foot
and shank in turn), ``ankle``, ``hard``, ``lookalikes`` and ``negatives``
(the tiers, foot and shank in turn), and the look-alike kinds of
``benchmarks/lookalikes.py`` that read as toe presses (``kind``,
``kind:wide``, ``kind:hard``).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from analysis.confidence import THRESHOLD, ConfidenceRater  # noqa: E402
from analysis.pipeline import run_analysis  # noqa: E402
from analysis.scoring import match_bouts  # noqa: E402
from sensors.simulator import simulate_session  # noqa: E402

KINDS = ("knee_extension", "heel_raise", "seated_heel_raise", "sit_stand", "squat", "lunge", "split_squat",
         "other_leg_seated", "other_leg_standing", "fidget_seated", "calf_stretch", "heel_toe_rock")
SOURCES = (("press-wide", "ankle", "hard", "lookalikes", "negatives")
           + KINDS + tuple(f"{k}:wide" for k in KINDS) + tuple(f"{k}:hard" for k in KINDS))


def config(source: str, seed: int, i: int) -> dict:
    """How session ``i`` of a source is drawn."""
    if ":" in source or source in KINDS:
        from lookalikes import lookalike_config
        kind, _, mode = source.partition(":")
        return lookalike_config(kind, seed, i, wide=mode == "wide", hard=mode == "hard")
    placement = "ankle" if i % 2 else "foot"
    if source == "ankle":
        return dict(tier="ankle")
    return dict(tier=source, placement=placement)


def one(job) -> list[dict]:
    source, seed, i = job
    rec, truth = simulate_session(seed=seed, **config(source, seed, i))
    fit = run_analysis(rec)
    mount = fit.session_signals_.mounting
    true = [b for b in truth["exercises"] if b["exercise"] == "toe_press"]
    found = [{"exercise": fit.bouts_.exercise[k], "start_s": float(fit.bouts_.start_s[k]),
              "end_s": float(fit.bouts_.end_s[k])} for k in range(len(fit.bouts_))]
    matched = {j for _, j in match_bouts(true, found)}
    rows = []
    for k, f in enumerate(found):
        if f["exercise"] != "toe_press":
            continue
        ev = {x: (bool(v) if isinstance(v, bool) else v) for x, v in fit.evidence_[k].items()
              if isinstance(v, (int, float, bool)) or v is None}
        rows.append({"source": source, "seed": seed, "placement": fit.placement_, "true": k in matched,
                     "method": mount.method, "mounting_confidence": float(mount.confidence),
                     "evidence": ev, "confidence": float(fit.bouts_.confidence[k]), "doubts": fit.doubts_[k]})
    rows.append({"source": source, "seed": seed, "true_sets": len(true), "session": True})
    return rows


def collect(args) -> None:
    sources = args.sources.split(",") if args.sources else list(SOURCES)
    rows = []
    for source in sources:
        for i in range(args.sessions):
            seed = args.seed0 + 100 * SOURCES.index(source) + i
            got = one((source, seed, i))
            rows += got
            print(source, seed, [(r["true"], r["confidence"], [d.split(" (")[0][:40] for d in r["doubts"]])
                                 for r in got if not r.get("session")], flush=True)
    Path(args.out).write_text(json.dumps(rows, indent=0, default=float))


def rate(args) -> None:
    rows = [r for path in args.out.split(",") for r in json.loads(Path(path).read_text())]
    rater = ConfidenceRater()
    by = {}
    held = Counter()
    for r in rows:
        s = by.setdefault(r["source"], Counter())
        if r.get("session"):
            s["true sets"] += r["true_sets"]
            s["sessions"] += 1
            continue
        rater.rate("toe_press", r["evidence"], r["method"], r["placement"], r["mounting_confidence"])
        counted = rater.confidence_ >= THRESHOLD
        if r["true"]:
            s["true counted"] += counted
            s["true found"] += 1
            if not counted:
                for d in rater.doubts_:
                    held[d.split(" (")[0][:50]] += 1
        else:
            s["false counted"] += counted
            s["false found"] += 1
            if counted and args.verbose:
                print("  counted false", r["source"], r["seed"], r["placement"], r["method"],
                      {x: round(v, 3) for x, v in r["evidence"].items() if isinstance(v, float)},
                      "| before:", [d.split(" (")[0][:40] for d in r["doubts"]])
    print(f"{'source':26s} {'sessions':>8s} {'true':>5s} {'found':>5s} {'counted':>7s} "
          f"{'false found':>11s} {'false counted':>13s}")
    for src, s in by.items():
        print(f"{src:26s} {s['sessions']:8d} {s['true sets']:5d} {s['true found']:5d} {s['true counted']:7d} "
              f"{s['false found']:11d} {s['false counted']:13d}")
    print("doubts on true sets held back:", dict(held.most_common(8)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("collect", "rate"))
    ap.add_argument("out")
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--seed0", type=int, default=21000)
    ap.add_argument("--sources", help=f"comma list of {SOURCES}")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    (collect if args.what == "collect" else rate)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
