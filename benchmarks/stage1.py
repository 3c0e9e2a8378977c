"""Stage 1 of the day-of-wear analysis, step by step: each step's CPU.

    nice -n 10 python benchmarks/stage1.py [--seconds 86400] [--repeat 2]

The steps ``SignalExtractor.extract`` runs for a foot sensor, one by one on
the simulated day (``_days.py``), each timed with ``time.process_time``
(BLAS on one thread, as the analysis runs it): resampling to the 50 Hz
grid, ``still_mask``, the gyro bias, the orientation filter, the gait
bouts, the mounting, the tilt's gap-aware low-pass, the 0.5 Hz gravity
low-pass, the postures, then the whole ``extract`` once more for its
total. Printed per step: the mean CPU over the rounds. On a shared machine
compare these, not wall times.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> int:
    from _days import day_file

    from analysis.gait import GaitBoutDetector
    from analysis.mounting import MountingEstimator
    from analysis.orientation import OrientationFilter
    from analysis.posture import posture_masks
    from analysis.preprocess import UniformResampler, gyro_bias, norm3, still_mask
    from analysis.reps import lowpass
    from analysis.signals import SignalExtractor, gap_lowpass
    from analysis.threads import one_blas_thread
    from sensors.recording import read_recording

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=86400, help="the simulated day's length (cached in .data/)")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    data = read_recording(day_file(args.seconds)).data
    cpu: dict[str, float] = {}

    def step(name, f, *a, **k):
        c0 = time.process_time()
        out = f(*a, **k)
        cpu[name] = cpu.get(name, 0.0) + time.process_time() - c0
        return out

    def one_round() -> None:
        u = step("resample", UniformResampler(50.0).resample, data)
        fs = u.sampling_rate_hz
        still = step("still_mask", still_mask, u.acc, u.gyr, fs) & u.valid
        u.gyr -= step("gyro_bias", gyro_bias, u.gyr, still)
        orient = step("orientation", OrientationFilter(rest_fill_s=30.0).estimate, u, still=still)
        rate = step("|gyr|", norm3, u.gyr)
        gait = step("gait bouts", GaitBoutDetector(slow_bridge_s=3.0).detect, u.gyr, u.valid, fs,
                    rate_dps=rate).bouts_
        mount = step("mounting", MountingEstimator().estimate, u.acc, u.gyr, still, orient.quat,
                     orient.earth_acc, gait, fs, rate_dps=rate).mounting_
        acc_s = u.acc @ mount.matrix.T
        step("gap_lowpass (tilt)", gap_lowpass, acc_s[:, [0, 2]], u.valid, 2.0, fs)
        grav = step("gravity, segment frame", getattr, orient, "gravity") @ mount.matrix.T
        smooth = step("lowpass 0.5 Hz (gravity)", lowpass, grav, 0.5, fs)
        step("postures", posture_masks, smooth, "foot")

    with one_blas_thread():
        for _ in range(args.repeat):
            one_round()
            step("extract, all of it", SignalExtractor().extract, data, "foot")
    for name, c in cpu.items():
        print(f"{name:28s} {c / args.repeat:6.3f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
