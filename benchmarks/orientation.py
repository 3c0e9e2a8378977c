"""The orientation step alone: imufusion sample by sample against the numpy engine over chunks.

    python benchmarks/orientation.py [--day-s 86400] [--repeat 1] [--chunk-s 60] [--warmup-s 30]
    python benchmarks/orientation.py --recordings [--chunk-s 20]

Reads the benchmark day (``_days.py``; ``--day-s 3600`` for the 1 h file),
puts it on the analysis grid with its rest mask and gyro bias as
``analysis.signals`` does, and runs ``OrientationFilter(rest_fill_s=30)``
with each engine: CPU and wall time of ``estimate`` (best of ``--repeat``),
both per million grid samples, and how far the numpy engine's orientation
is from imufusion's (tilt: angle between the two up vectors; whole: the
angle of the rotation between the two quaternions), median / 99th
percentile / max in degrees, and the share of rows that are bit-identical.
``--recordings`` makes the same comparison on gaitmap's real walks and
stairs and the shared samples (when ``../shared`` exists), the demo and
nine hard-tier simulated sessions (20-400 Hz, loss, gaps), with the numpy
engine forced and its chunks short (20 s) so that each has joins.
Run it under ``nice`` on a shared machine.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def tilt_deg(qa: np.ndarray, qb: np.ndarray) -> np.ndarray:
    """Angle (deg) between the up vectors of two (n, 4) quaternion arrays."""
    from analysis.orientation import _up_vectors

    ua, ub = _up_vectors(qa.astype(float)), _up_vectors(qb.astype(float))
    return np.degrees(np.arctan2(np.linalg.norm(np.cross(ua, ub), axis=1), np.sum(ua * ub, axis=1)))


def whole_deg(qa: np.ndarray, qb: np.ndarray) -> np.ndarray:
    """Angle (deg) of the rotation taking each row of ``qb`` to ``qa`` (heading included)."""
    from analysis.orientation import _quat_mul

    qa = qa.astype(float) / np.linalg.norm(qa.astype(float), axis=1, keepdims=True)
    qb = qb.astype(float) / np.linalg.norm(qb.astype(float), axis=1, keepdims=True)
    r = _quat_mul(qa, qb * [1, -1, -1, -1])
    return np.degrees(2 * np.arctan2(np.linalg.norm(r[:, 1:], axis=1), np.abs(r[:, 0])))


def grid(df):
    """The analysis grid, the rest mask and the bias-free gyro, as SignalExtractor.extract makes them."""
    from analysis.preprocess import UniformResampler, gyro_bias, still_mask

    u = UniformResampler(50.0).resample(df)
    still = still_mask(u.acc, u.gyr, u.sampling_rate_hz) & u.valid
    u.gyr -= gyro_bias(u.gyr, still)
    return u, still


def timed(fn, repeat: int):
    best = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        w, c = time.perf_counter() - w0, time.process_time() - c0
        if best is None or c < best[1]:
            best = (w, c, out)
    return best


def summary(name: str, d: np.ndarray) -> str:
    return f"{name} median {np.median(d):.2e} / 99th {np.percentile(d, 99):.2e} / max {d.max():.2e} deg"


def _recordings():
    """Real and simulated recordings: gaitmap's walks and stairs, the shared samples, the demo, hard-tier sessions."""
    from sensors.recording import read_recording
    from sensors.simulator import simulate_session

    shared = HERE.parent.parent / "shared"
    for p in sorted((shared / "real" / "gaitmap").glob("*.csv")) + sorted((shared / "samples").glob("*.csv")):
        yield p.stem, (lambda p=p: read_recording(p).data)
    yield "demo", lambda: read_recording(HERE.parent / "recordings" / "demo.csv").data
    for seed in range(1200, 1209):  # the hard tier: 20-400 Hz, packet loss, gaps
        yield f"sim_hard_{seed}", (lambda seed=seed: simulate_session(seed=seed, tier="hard")[0].data)


def compare_recordings(chunk_s: float, warmup_s: float) -> None:
    """imufusion against the numpy engine, forced, with short chunks so that every recording has joins."""
    from analysis.orientation import OrientationFilter

    tilts, wholes = [], []
    for name, load in _recordings():
        u, still = grid(load())
        a = OrientationFilter(rest_fill_s=30.0, engine="imufusion").estimate(u, still=still).quat
        b = OrientationFilter(rest_fill_s=30.0, engine="numpy", chunk_s=chunk_s,
                              warmup_s=warmup_s).estimate(u, still=still).quat
        t, w = tilt_deg(a, b), whole_deg(a, b)
        tilts.append(t)
        wholes.append(w)
        print(f"{name:36s} {len(u.t):7d} samples, {np.mean((a == b).all(axis=1)):6.1%} bit-identical, "
              f"tilt max {t.max():.1e}°, whole max {w.max():.1e}°")
    print(f"all ({sum(map(len, tilts))} samples, chunks of {chunk_s:g} s after {warmup_s:g} s of warm-up):")
    print(summary("tilt", np.concatenate(tilts)))
    print(summary("whole", np.concatenate(wholes)))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--day-s", type=float, default=86400.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--chunk-s", type=float, default=None)
    ap.add_argument("--warmup-s", type=float, default=None)
    ap.add_argument("--recordings", action="store_true",
                    help="compare the engines on real and simulated recordings instead (chunks of --chunk-s, default 20 s)")
    args = ap.parse_args(argv)
    if args.recordings:
        return compare_recordings(args.chunk_s or 20.0, args.warmup_s or 30.0)
    from _days import day_file

    from analysis.orientation import OrientationFilter
    from sensors.recording import read_recording

    u, still = grid(read_recording(day_file(args.day_s)).data)
    n = len(u.t)
    kw = {k: v for k, v in (("chunk_s", args.chunk_s), ("warmup_s", args.warmup_s)) if v is not None}
    print(f"day {args.day_s:g} s: {n} grid samples at {u.sampling_rate_hz:g} Hz, "
          f"{np.mean(OrientationFilter(rest_fill_s=30.0)._fill_mask(u, still)):.1%} of them filled rest")
    from analysis.orientation import _chunk_plan, _lanes

    f = OrientationFilter(rest_fill_s=30.0, **kw)
    rate = u.sampling_rate_hz
    warm = max(1, int(round(f.warmup_s * rate)))
    parts = f._parts(u, f._fill_mask(u, still))
    plan = _chunk_plan(parts, max(warm, int(round(f.chunk_s * rate))), warm)
    print(f"numpy engine: {len(plan)} chunks in {_lanes(plan)} lanes, "
          f"{max((b - w for _, b, w in plan), default=0)} steps ('auto' takes it from {f.min_lanes} lanes)")
    res = {}
    for engine in ("imufusion", "numpy"):
        f = OrientationFilter(rest_fill_s=30.0, engine=engine, **kw)
        wall, cpu, o = timed(lambda f=f: f.estimate(u, still=still), args.repeat)
        res[engine] = o.quat
        print(f"{engine:9s}: {cpu:6.2f} s CPU, {wall:6.2f} s wall; {cpu / n * 1e6:5.2f} s CPU per million samples")
    a, b = res["imufusion"], res["numpy"]
    print(f"bit-identical rows {np.mean((a == b).all(axis=1)):.1%}")
    print(summary("tilt", tilt_deg(a, b)))
    print(summary("whole", whole_deg(a, b)))


if __name__ == "__main__":
    main()
