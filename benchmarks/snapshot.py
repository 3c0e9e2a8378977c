"""Behaviour snapshot for speed work: the analysis must not change.

    python benchmarks/snapshot.py save DIR [--quick]
    python benchmarks/snapshot.py compare DIR_A DIR_B

``save`` analyses a fixed set of inputs and writes, per input, the analysis
JSON (``NAME.json``, ``json.dumps(..., sort_keys=True)``) and a trace of the
hold-rep detector's every run (``NAME.reps.json``: each run's angle hash,
``reps_``, ``rejected_``, ``typical_amplitude_deg_`` and the ``set_cues``
it fed; the detector runs and the ``set_cues`` calls are compared each in
their own order). The inputs: the demo recording, the three shared samples (when
``../shared/samples`` exists), nine simulated sessions of each simulator
tier (seeds 1000-1008 + 100 per tier, all below 10000: never the held-out
generator) and the 1 h benchmark day (``--quick``: without the 1 h day and
with three sessions per tier).

The recording's path is saved as its file name, so that snapshots taken
in two checkouts compare. ``compare`` reports the files that differ, byte for byte; where they do, the
largest absolute difference between numbers at the same place in the two
documents (structure and every non-number equal otherwise).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

TIERS = ("clean", "realistic", "hard", "ankle", "lookalikes", "negatives")


def _inputs(quick: bool):
    from sensors.recording import read_recording
    from sensors.simulator import simulate_session

    yield "demo", lambda: read_recording(ROOT / "recordings" / "demo.csv")
    samples = ROOT.parent / "shared" / "samples"
    for p in sorted(samples.glob("*.csv")) if samples.is_dir() else ():
        yield f"sample_{p.stem}", (lambda p=p: read_recording(p))
    for k, tier in enumerate(TIERS):
        for seed in range(1000 + 100 * k, 1000 + 100 * k + (3 if quick else 9)):
            yield f"sim_{tier}_{seed}", (lambda seed=seed, tier=tier: simulate_session(seed=seed, tier=tier)[0])
    if not quick:
        from _days import day_file
        yield "day_1h", lambda: read_recording(day_file(3600))


def _frame(df) -> list:
    return [[c, [None if isinstance(v, float) and not math.isfinite(v) else v for v in df[c].tolist()]]
            for c in df.columns]


def save(out: Path, quick: bool, jobs: int = 1) -> None:
    import analysis.families as families
    import analysis.reps as reps
    from analysis.pipeline import analyze_recording
    from analysis.session import SessionAnalyzer

    out.mkdir(parents=True, exist_ok=True)
    trace: list = []
    # Code before reps.detect_many ran the detector one signal at a time.
    batched = hasattr(reps, "detect_many")
    real_many = getattr(reps, "detect_many", None)
    real_one, real_cues = reps.HoldRepDetector.detect, reps.set_cues

    def detect_many(detectors, angles, sampling_rate_hz, valids=None, *more):
        if batched:
            real_many(detectors, angles, sampling_rate_hz, valids, *more)
        else:
            for det, angle_deg, valid in zip(detectors, angles, valids):
                real_one(det, angle_deg, sampling_rate_hz, valid=valid)
        for det, angle_deg in zip(detectors, angles):
            a = np.ascontiguousarray(angle_deg, dtype=float)
            trace.append({"angle": hashlib.sha1(a.tobytes()).hexdigest(), "n": len(a),
                          "reps": _frame(det.reps_), "rejected": _frame(det.rejected_),
                          "typical": det.typical_amplitude_deg_,
                          "excursion": hashlib.sha1(np.ascontiguousarray(det.excursion_).tobytes()).hexdigest()})
        return detectors

    def detect(self, angle_deg, sampling_rate_hz, valid=None):
        return detect_many([self], [angle_deg], sampling_rate_hz, [valid])[0]

    def cues(*args, **kwargs):
        r = real_cues(*args, **kwargs)
        trace.append({"cues": [None if not math.isfinite(v) else v for v in r]})
        return r

    if batched:
        reps.detect_many = families.detect_many = detect_many
    else:
        reps.HoldRepDetector.detect = detect
    reps.set_cues = families.set_cues = cues
    try:
        for name, make in _inputs(quick):
            trace.clear()
            # (jobs 1: the default analyser, as code from before ``jobs`` runs it;
            # more: a forked child beside the analysis whatever the length)
            doc = analyze_recording(make(), analyzer=SessionAnalyzer(jobs=jobs, min_forked_s=0) if jobs > 1 else None)
            # The file's name only: snapshots of two checkouts compare.
            doc["recording"]["path"] = Path(doc["recording"]["path"] or "").name
            (out / f"{name}.json").write_text(json.dumps(doc, sort_keys=True))
            (out / f"{name}.reps.json").write_text(json.dumps(trace))
            print(name, len(doc["exercises"]), "bouts,", sum(1 for x in trace if "reps" in x), "detector runs",
                  flush=True)
    finally:
        if batched:
            reps.detect_many = families.detect_many = real_many
        else:
            reps.HoldRepDetector.detect = real_one
        reps.set_cues = families.set_cues = real_cues


def _max_diff(a, b, path="") -> float:
    """Largest |a - b| over numbers at the same place; raises on any other difference."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b)
    if type(a) is not type(b):
        raise ValueError(f"{path}: {a!r} vs {b!r}")
    if isinstance(a, dict):
        if a.keys() != b.keys():
            raise ValueError(f"{path}: keys {sorted(a.keys() ^ b.keys())}")
        return max([_max_diff(a[k], b[k], f"{path}/{k}") for k in a] or [0.0])
    if isinstance(a, list):
        if len(a) != len(b):
            raise ValueError(f"{path}: length {len(a)} vs {len(b)}")
        return max([_max_diff(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b))] or [0.0])
    if a != b:
        raise ValueError(f"{path}: {a!r} vs {b!r}")
    return 0.0


def compare(a: Path, b: Path) -> int:
    names = sorted({p.name for p in a.glob("*.json")} | {p.name for p in b.glob("*.json")})
    bad = 0
    for name in names:
        pa, pb = a / name, b / name
        if not pa.exists() or not pb.exists():
            print(f"{name}: only in {'the first' if pa.exists() else 'the second'}")
            bad += 1
            continue
        if pa.read_bytes() == pb.read_bytes():
            continue
        if name.endswith(".reps.json"):
            # Detector runs batched (detect_many) come before the set_cues
            # calls on their sets: each kind's order is what must match.
            ta, tb = json.loads(pa.read_text()), json.loads(pb.read_text())
            if all([x for x in ta if (k in x)] == [x for x in tb if (k in x)] for k in ("reps", "cues")) \
                    and len(ta) == len(tb):
                continue
        bad += 1
        try:
            most = _max_diff(json.loads(pa.read_text()), json.loads(pb.read_text()))
            print(f"{name}: differs, numbers at most {most:.3g} apart")
        except ValueError as exc:
            print(f"{name}: differs: {exc}")
    print(f"{len(names)} files, {bad} differ")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("save")
    s.add_argument("dir", type=Path)
    s.add_argument("--quick", action="store_true")
    s.add_argument("--jobs", type=int, default=1,
                   help="SessionAnalyzer(jobs=N, min_forked_s=0): both stages with a forked child on every "
                        "input (its JSON must equal jobs 1's; the trace then also holds the hold detector's "
                        "runs ahead done in this process, not the child's)")
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.cmd == "save":
        save(args.dir, args.quick, args.jobs)
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
