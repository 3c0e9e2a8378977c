"""Analysis snapshots, to show a speed or memory change leaves the output alone.

    python benchmarks/snapshot_signals.py save DIR      # analysis JSON of every input into DIR
    python benchmarks/snapshot_signals.py compare DIR   # this code's JSON against DIR's

Inputs: those of ``snapshot.py`` (the demo recording, the three shared
samples when ``../shared/samples`` is present, nine simulated sessions of
each simulator tier, seeds below 10000, and the 1 h benchmark day). For each, the ``toehold-analysis/1`` document
(``analyze_recording`` as ``toehold analyze`` calls it, keys sorted) and a hash of stage 1's signals
(``SessionAnalyzer.session_signals_``: every array's bytes, the gait table
and the mounting). ``compare`` prints, per input, whether the JSON is
byte-identical, else the largest difference of a number in it and the
paths that differ, and whether the signals' hash changed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

# The same inputs as ``snapshot.py`` (one list for both snapshot tools).
from snapshot import _inputs  # noqa: E402


def _signals_hash(fitted) -> str:
    import numpy as np

    sig = fitted.session_signals_
    h = hashlib.sha256()
    if sig is None:
        return "none"
    for name in ("t", "valid", "long_gap", "still", "calm", "acc", "gyr", "gyro_bias_dps", "acc_seg",
                 "gyr_seg", "grav_seg", "grav_smooth", "elevation_deg", "roll_deg", "tilt_deg"):
        h.update(name.encode())
        h.update(np.ascontiguousarray(np.asarray(getattr(sig, name), dtype=float)).tobytes())
    h.update(np.ascontiguousarray(sig.orientation.quat).tobytes())
    for k in sorted(sig.postures):
        h.update(k.encode() + np.asarray(sig.postures[k]).tobytes())
    h.update(sig.gait.to_csv().encode())
    h.update(repr((sig.mounting.matrix.tolist(), sig.mounting.method, sig.mounting.confidence)).encode())
    return h.hexdigest()


def _analyse(rec, jobs: int = 1) -> tuple[str, str]:
    from analysis import pipeline
    from analysis.session import SessionAnalyzer

    # As ``toehold analyze`` does (the samples released once on the grid),
    # keeping the fitted analyser for the signals' hash.
    fitted = []
    run = pipeline.run_analysis
    pipeline.run_analysis = lambda *a, **k: fitted.append(run(*a, **k)) or fitted[-1]
    try:
        doc = pipeline.analyze_recording(
            rec, release_samples=True, analyzer=SessionAnalyzer(jobs=jobs, min_forked_s=0) if jobs > 1 else None)
    finally:
        pipeline.run_analysis = run
    fitted = fitted[0]
    doc["recording"]["path"] = None
    return json.dumps(doc, sort_keys=True, indent=0), _signals_hash(fitted)


def _diff(a, b, path="", out=None):
    """(largest numeric difference, paths that differ) between two JSON values."""
    out = out if out is not None else [0.0, []]
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out[1].append(f"{path}/{k} (missing)")
            else:
                _diff(a[k], b[k], f"{path}/{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out[1].append(f"{path} (length {len(a)} vs {len(b)})")
        for k, (x, y) in enumerate(zip(a, b)):
            _diff(x, y, f"{path}/{k}", out)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if a != b:
            out[0] = max(out[0], abs(a - b))
            out[1].append(f"{path} ({a} vs {b})")
    elif a != b:
        out[1].append(f"{path} ({a!r} vs {b!r})")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("save", "compare"))
    ap.add_argument("dir", type=Path)
    ap.add_argument("--only", help="inputs whose name contains this")
    ap.add_argument("--jobs", type=int, default=1,
                    help="SessionAnalyzer(jobs=N, min_forked_s=0): a forked child beside the analysis on "
                         "every input (compare against a jobs-1 save)")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    changed = 0
    for name, make in _inputs(quick=False):
        if args.only and args.only not in name:
            continue
        text, sig_hash = _analyse(make(), args.jobs)
        if args.action == "save":
            (args.dir / f"{name}.json").write_text(text)
            (args.dir / f"{name}.sig").write_text(sig_hash)
            print(f"{name}: saved")
            continue
        old = (args.dir / f"{name}.json").read_text()
        old_hash = (args.dir / f"{name}.sig").read_text()
        sig = "signals same" if old_hash == sig_hash else "signals changed"
        if old == text:
            print(f"{name}: JSON identical, {sig}")
            continue
        changed += 1
        largest, paths = _diff(json.loads(old), json.loads(text))
        print(f"{name}: JSON DIFFERS (largest numeric difference {largest:.3g}; {len(paths)} values), {sig}")
        for p in paths[:8]:
            print("   ", p)
    print(f"{changed} input(s) with a different JSON")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
