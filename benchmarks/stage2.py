"""Stage 2 of the day-of-wear analysis alone: each family's CPU, one thread against two.

    nice -n 10 python benchmarks/stage2.py [--seconds 86400] [--repeat 2]

Stage 1 (``SignalExtractor``) runs once on the simulated day (``_days.py``);
then, per round, stage 2's families as ``SessionAnalyzer(jobs=1)`` runs them
(tiptoe walks, circles, hold sets, one after the other) and as
``SessionAnalyzer(jobs=2)`` did until it used a forked process instead
(``benchmarks/forked.py`` measures that; here: tiptoe walks and circles in a worker thread,
the hold-set detector ahead on the gait bouts in this one, then the stretches
the real claims changed). Printed: wall and CPU of each, each thread's own CPU
(``time.thread_time``), and how many stretches of posture were looked at
again. On a shared machine compare CPU: the longer thread's CPU is what two
free cores would take, GIL waits aside.
"""
from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def _claimers(sig):
    from analysis.families import CircleSetDetector, TiptoeWalkDetector

    c0, w0 = time.thread_time(), time.perf_counter()
    tiptoe = TiptoeWalkDetector().detect(sig)
    circles = CircleSetDetector().detect(sig, claimed=tiptoe.claimed_)
    return tiptoe, circles, time.thread_time() - c0, time.perf_counter() - w0


def main() -> int:
    from _days import day_file

    from analysis.families import HoldSetDetector
    from analysis.session import SessionAnalyzer
    from analysis.threads import one_blas_thread
    from sensors.recording import read_recording

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=86400, help="the simulated day's length (cached in .data/)")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    rec = read_recording(day_file(args.seconds))
    with one_blas_thread():
        t0 = time.process_time()
        sig = SessionAnalyzer().extractor().extract(rec.data, rec.placement or "foot",
                                                    mounting=rec.metadata.get("mounting")).signals_
        print(f"stage 1: {time.process_time() - t0:.2f} s CPU, {len(sig.t)} grid samples", flush=True)
        del rec
        for _ in range(args.repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            tiptoe, circles, c_tc, _ = _claimers(sig)
            c1 = time.thread_time()
            HoldSetDetector().detect(sig, claimed=tiptoe.claimed_ | circles.claimed_)
            c_h = time.thread_time() - c1
            print(f"one thread:  {time.perf_counter() - w0:6.2f} s wall, {time.process_time() - c0:5.2f} s CPU "
                  f"(tiptoe + circles {c_tc:.2f}, hold sets {c_h:.2f})", flush=True)
            w0, c0 = time.perf_counter(), time.process_time()
            with ThreadPoolExecutor(1) as pool:
                claiming = pool.submit(_claimers, sig)
                m0, mw0 = time.thread_time(), time.perf_counter()
                guess = np.zeros(len(sig.t), dtype=bool)
                for g0, g1 in zip(sig.gait["start"].to_numpy(), sig.gait["stop"].to_numpy()):
                    guess[g0:g1] = True
                ahead = HoldSetDetector().detect(sig, claimed=guess)
                c_ahead, w_ahead = time.thread_time() - m0, time.perf_counter() - mw0
                tiptoe, circles, c_tc, w_tc = claiming.result()
            m1 = time.thread_time()
            final = HoldSetDetector().detect(sig, claimed=tiptoe.claimed_ | circles.claimed_, ahead=ahead)
            c_fin = time.thread_time() - m1
            redo = sum(1 for st in final.stretch_sets_ if st not in ahead.stretch_sets_)
            print(f"two threads: {time.perf_counter() - w0:6.2f} s wall, {time.process_time() - c0:5.2f} s CPU "
                  f"(worker: tiptoe + circles {c_tc:.2f} s CPU in {w_tc:.2f} s; this thread: hold sets ahead "
                  f"{c_ahead:.2f} s CPU in {w_ahead:.2f} s, then {c_fin:.2f} s for {redo} of "
                  f"{len(final.stretch_sets_)} stretches)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
