"""Peers benchmark: toehold's library choices against the alternatives, same data, one run.

    python benchmarks/peers.py [--quick] [--hours 1]

Needs the ``bench`` extra (``pip install -e ".[bench]"``: ahrs, polars).

1. Orientation filter on a simulated session (the simulator's leg motion and
   its exact segment orientation, sensor aligned with the foot, white noise
   and a 0.2 deg/s residual gyro bias, at the 50 Hz analysis grid):
   imufusion (what ``analysis.orientation`` uses) against ``ahrs``' Madgwick
   and Mahony. Time per sample, and the tilt error (angle between the
   estimated and the true up vector; heading is unobservable without a
   magnetometer).
2. CSV parsing of the same recording: pandas' C engine, pandas' pyarrow
   engine, ``pyarrow.csv.read_csv``, polars, and ``read_recording``.

Times are the best of ``--repeat`` runs in this process (imports done).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from _days import metadata_lines  # noqa: E402


def best(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def truth_session(seed: int, sampling_rate_hz: float = 50.0):
    """Gyro (deg/s), accelerometer (m/s²) and true up vector (sensor frame) at ``sampling_rate_hz``."""
    import sensors.simulator as sim

    rng = np.random.default_rng(seed)
    cfg = sim.tier_config("realistic", mounting="aligned")
    fs_int = 400.0
    b = sim.build_session(rng, cfg, fs_int)
    track = sim._concat(b.tracks)
    rot, gyr, acc = sim.segment_kinematics(track, fs_int, "foot")
    step = int(fs_int / sampling_rate_hz)
    idx = np.arange(0, len(track), step)
    up = rot[idx].inv().apply([0.0, 0.0, 1.0])
    gyr = gyr[idx] + 0.15 * rng.standard_normal((len(idx), 3)) + 0.2 * rng.standard_normal(3)
    acc = acc[idx] + 0.03 * rng.standard_normal((len(idx), 3))
    return gyr, acc, up


def up_from_quat(q: np.ndarray) -> np.ndarray:
    """Earth z in the sensor frame for sensor-to-earth quaternions (w, x, y, z)."""
    w, x, y, z = q.T
    return np.column_stack([2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z])


def tilt_error_deg(up_est: np.ndarray, up_true: np.ndarray) -> np.ndarray:
    u = up_est / np.linalg.norm(up_est, axis=1, keepdims=True)
    return np.degrees(np.arccos(np.clip(np.sum(u * up_true, axis=1), -1, 1)))


def orientation_peers(seed: int, repeat: int) -> None:
    from ahrs.filters import Madgwick, Mahony

    from analysis.orientation import OrientationFilter
    from analysis.preprocess import Uniform

    sampling_rate_hz = 50.0
    gyr, acc, up = truth_session(seed, sampling_rate_hz)
    n = len(gyr)
    u = Uniform(np.arange(n) / sampling_rate_hz, acc, gyr, np.ones(n, bool), np.zeros(n, int), sampling_rate_hz)
    settle = int(5 * sampling_rate_hz)  # every filter gets 5 s to converge from its start
    rows = []
    dt, o = best(lambda: OrientationFilter().estimate(u), repeat)
    rows.append(("imufusion (toehold, gain 0.5)", dt, tilt_error_deg(o.gravity, up)))
    for gain in (0.1, 0.033):
        dt, o = best(lambda gain=gain: OrientationFilter(gain=gain).estimate(u), repeat)
        rows.append((f"imufusion (gain {gain})", dt, tilt_error_deg(o.gravity, up)))
    # ahrs takes rad/s and quaternions it describes as the sensor's
    # orientation relative to the earth; which way round its quaternion
    # turns is checked on the data (the smaller error of q and its
    # conjugate), so a convention slip cannot pose as inaccuracy.
    for name, make in (("ahrs Madgwick (gain 0.033)", lambda: Madgwick(
                            gyr=np.radians(gyr), acc=acc, frequency=sampling_rate_hz)),
                       ("ahrs Madgwick (gain 0.1)", lambda: Madgwick(
                            gyr=np.radians(gyr), acc=acc, frequency=sampling_rate_hz, gain=0.1)),
                       ("ahrs Mahony (kP 1, kI 0.3)", lambda: Mahony(
                            gyr=np.radians(gyr), acc=acc, frequency=sampling_rate_hz))):
        dt, f = best(make, repeat)
        q = f.Q
        errs = [tilt_error_deg(up_from_quat(q), up),
                tilt_error_deg(up_from_quat(q * [1, -1, -1, -1]), up)]
        rows.append((name, dt, min(errs, key=lambda e: np.median(e[settle:]))))
    print(f"orientation filter, simulated session seed {seed}: {n} samples at {sampling_rate_hz:g} Hz "
          f"({n / sampling_rate_hz / 60:.1f} min)")
    print(f"  {'filter':<30} {'µs/sample':>9} {'tilt err median':>16} {'95th pct':>9} {'max':>7}")
    for name, dt, err in rows:
        e = err[settle:]
        print(f"  {name:<30} {dt / n * 1e6:>9.2f} {np.median(e):>14.2f}° {np.percentile(e, 95):>8.2f}° "
              f"{e.max():>6.1f}°")


def csv_peers(path: Path, repeat: int) -> None:
    import pandas as pd
    import polars as pl
    import pyarrow.csv as pacsv

    from sensors.recording import read_recording

    skip = metadata_lines(path)
    readers = [
        ("pandas C engine", lambda: len(pd.read_csv(path, comment="#", engine="c"))),
        ("pandas pyarrow engine", lambda: len(pd.read_csv(path, skiprows=skip, engine="pyarrow"))),
        ("pyarrow.csv.read_csv", lambda: pacsv.read_csv(
            path, read_options=pacsv.ReadOptions(skip_rows=skip)).num_rows),
        ("polars.read_csv", lambda: pl.read_csv(path, skip_rows=skip).height),
        ("toehold read_recording", lambda: len(read_recording(path).data)),
    ]
    print(f"CSV parsing, {path.name} ({path.stat().st_size / 2**20:.0f} MB):")
    print(f"  {'reader':<24} {'rows':>9} {'s':>7} {'Mrows/s':>8}")
    for name, fn in readers:
        dt, n = best(fn, repeat)
        print(f"  {name:<24} {n:>9} {dt:>7.3f} {n / dt / 1e6:>8.2f}")


def main() -> int:
    from _days import day_file

    ap = argparse.ArgumentParser(description="toehold's libraries against their peers")
    ap.add_argument("--quick", action="store_true", help="one repeat, 1 h file")
    ap.add_argument("--hours", type=float, default=1.0, help="length of the CSV file (h)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=21)
    args = ap.parse_args()
    repeat = 1 if args.quick else args.repeat
    orientation_peers(args.seed, repeat)
    csv_peers(day_file(3600 if args.quick else args.hours * 3600), repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
