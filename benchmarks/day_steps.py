"""The 24 h CSV -> JSON in one fresh process, step by step: each step's user and system CPU.

    nice -n 10 python benchmarks/day_steps.py [--seconds 86400] [--json OUT]

``read_recording`` + ``analyze_recording(release_samples=True,
analyzer=SessionAnalyzer(jobs=1))`` + ``json.dumps`` as ``toehold analyze
--jobs 1`` runs them (its malloc settings), each step wrapped (an inner
step inside a wrapped one counts to the outer): the read, the resampling,
stage 1's steps, the three families, the document's parts; ``rest`` is what
no wrapper covered (the segment frame's products and angles, the document).
System CPU is mostly fresh memory faulted in, which the per-step
benchmarks run in one process (``stage1.py``, ``stage2.py``) hide after
their first round. On a shared machine compare CPU, and interleave builds.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> int:
    from _days import day_file

    from toehold.cli import keep_freed_memory

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=86400, help="the simulated day's length (cached in .data/)")
    ap.add_argument("--json", type=Path, help="write the analysis JSON here (keys sorted), to compare builds")
    args = ap.parse_args()
    path = day_file(args.seconds)
    keep_freed_memory()
    import analysis.families as F
    import analysis.gait as G
    import analysis.mounting as M
    import analysis.orientation as O
    import analysis.pipeline as P
    import analysis.preprocess as PP
    import analysis.quality as Q
    import analysis.signals as S
    import sensors.recording as R
    from analysis.session import SessionAnalyzer

    rows: dict[str, list] = {}
    depth = [0]

    def usage() -> tuple[float, float]:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime, r.ru_stime

    def wrap(owner, name: str, label: str) -> None:
        if not hasattr(owner, name):
            return
        f = getattr(owner, name)

        def timed(*a, **k):
            if depth[0]:
                return f(*a, **k)
            depth[0] += 1
            u0, s0 = usage()
            try:
                return f(*a, **k)
            finally:
                u1, s1 = usage()
                depth[0] -= 1
                r = rows.setdefault(label, [0.0, 0.0])
                r[0] += u1 - u0
                r[1] += s1 - s0
        setattr(owner, name, timed)

    for owner, name, label in (
            (PP.UniformResampler, "resample", "resampling"), (S, "still_mask", "still_mask"),
            (S, "gyro_bias", "gyro bias"), (O.OrientationFilter, "estimate", "orientation"),
            (G.GaitBoutDetector, "detect", "gait bouts"), (M.MountingEstimator, "estimate", "mounting"),
            (S, "gap_lowpass_columns", "tilt low-pass"), (S, "gap_lowpass", "tilt low-pass"),
            (S, "lowpass", "gravity low-pass"), (S, "posture_masks", "postures"),
            (F.TiptoeWalkDetector, "detect", "tiptoe walks"), (F.CircleSetDetector, "detect", "circles"),
            (F.HoldSetDetector, "detect", "hold sets"), (Q, "with_hold_wobble", "hold wobble"),
            (P, "balance_section", "balance"), (P, "toe_paths", "toe paths")):
        wrap(owner, name, label)
    u0, s0 = usage()
    w0 = time.perf_counter()
    c0 = usage()
    rec = R.read_recording(path)
    c1 = usage()
    rows["read"] = [c1[0] - c0[0], c1[1] - c0[1]]
    doc = P.analyze_recording(rec, release_samples=True, analyzer=SessionAnalyzer(jobs=1))
    text = json.dumps(doc, sort_keys=True)
    u1, s1 = usage()
    if args.json:
        args.json.write_text(text)
    covered = 0.0
    for label, (u, s) in rows.items():
        covered += u + s
        print(f"{label:18s} {u + s:6.2f} s CPU (user {u:.2f}, sys {s:.2f})")
    total = (u1 - u0) + (s1 - s0)
    print(f"{'rest':18s} {total - covered:6.2f} s CPU")
    print(f"{'total':18s} {total:6.2f} s CPU (user {u1 - u0:.2f}, sys {s1 - s0:.2f}), wall "
          f"{time.perf_counter() - w0:.1f} s, peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
