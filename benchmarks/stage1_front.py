"""Stage 1's front on the 24 h day, once, in this fresh process: each step's CPU and page faults.

    nice -n 10 python benchmarks/stage1_front.py [--seconds 86400] [--profile]

``read_recording``, resampling to the 50 Hz grid, ``still_mask``, the gyro
bias and the orientation filter, run once as ``toehold analyze`` runs them
(its pyarrow memory pool and malloc settings, BLAS on one thread, the
analysis modules imported first): a second round in the same process
would reuse memory the first made the kernel hand over, which the
command never does (benchmarks/README.md, ninth pass). Printed per step:
CPU seconds (``time.process_time``, pyarrow's threads included) and minor
page faults; then the process's user and system CPU and peak RSS.
``--profile``: pyinstrument's tree (wall time: on a loaded machine its
shares are the load's). Run it several times, interleaved with the build
you compare against.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> int:
    import toehold.cli  # sets the command's pyarrow memory pool before pyarrow is imported

    toehold.cli.keep_freed_memory()
    from _days import day_file

    import analysis.signals  # noqa: F401  (the analysis's imports, outside the steps)
    from analysis.orientation import OrientationFilter
    from analysis.preprocess import UniformResampler, gyro_bias, still_mask
    from analysis.threads import one_blas_thread
    from sensors.recording import read_recording

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=86400, help="the simulated day's length (cached in .data/)")
    ap.add_argument("--profile", action="store_true", help="print pyinstrument's tree as well")
    args = ap.parse_args()
    path = day_file(args.seconds)
    rows: list[tuple[str, float, int]] = []

    def step(name, f, *a, **k):
        c0, f0 = time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        out = f(*a, **k)
        rows.append((name, time.process_time() - c0, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0))
        return out

    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
    with one_blas_thread():
        data = step("read_recording", read_recording, path).data
        u = step("resample", UniformResampler(50.0).resample, data)
        del data
        still = step("still_mask", still_mask, u.acc, u.gyr, u.sampling_rate_hz) & u.valid
        u.gyr -= step("gyro_bias", gyro_bias, u.gyr, still)
        step("orientation", OrientationFilter(rest_fill_s=30.0).estimate, u, still=still)
    if args.profile:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False))
    for name, cpu, faults in rows:
        print(f"{name:16s} {cpu:6.3f} s CPU  {faults:7d} faults")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{'front':16s} {sum(r[1] for r in rows):6.3f} s CPU; process user {usage.ru_utime:.2f} s, "
          f"system {usage.ru_stime:.2f} s, peak RSS {usage.ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
