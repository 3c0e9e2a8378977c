"""One recording's analysis in one process against two (a forked child), by length: the break-even.

    nice -n 10 python benchmarks/forked.py [--seconds 60,300,600,1800,3600,86400] [--repeat 3]

Each length is a prefix of the simulated day of wear (``_days.py``), read
once; then, round after round, ``analyze_recording`` with
``SessionAnalyzer(jobs=1)`` and with ``SessionAnalyzer(jobs=2,
min_forked_s=0)`` (a child forked whatever the length), one right after the
other. Printed per run: wall time, CPU time (this process's and its reaped
children's user + system) and the load average; per length, the median
wall of each and their difference. The JSON of the two is checked equal.
On a shared machine the wall times move with the load: compare the
medians of runs taken side by side, and the CPU (the fork's own cost).

Because a loaded machine hides the wall gain, each two-process run also
gives its critical path in CPU seconds, which the load does not move: this
process's CPU plus, for each piece of work done in the child, how much
longer the child's CPU for it was than this process's CPU meanwhile (what
this process waits for on two free cores). Compare it with the one-process
CPU: that is the wall time each would take on an idle 2-core machine, the
time to start and reap the child aside.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def _cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def _timed_children(sections: list):
    """Make ``Beside`` record (this process's CPU meanwhile, the child's CPU, wall waited) per child."""
    from analysis.forked import Beside

    real_init, real_result = Beside.__init__, Beside.result

    def init(self, work, fork=True):
        def timed():
            c0 = time.process_time()
            value = work()
            return value, time.process_time() - c0
        real_init(self, timed, fork)
        self._cpu0 = time.process_time()

    def result(self):
        mine = time.process_time() - self._cpu0
        w0 = time.perf_counter()
        value, child = real_result(self)
        sections.append((mine, child, time.perf_counter() - w0))
        return value

    Beside.__init__, Beside.result = init, result


def main() -> int:
    from _days import day_file

    from analysis.pipeline import analyze_recording
    from analysis.session import SessionAnalyzer
    from sensors.recording import read_recording

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", default="60,300,600,1800,3600",
                    type=lambda v: [int(x) for x in v.split(",")])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sections: list = []
    _timed_children(sections)
    for seconds in args.seconds:
        rec = read_recording(day_file(seconds))
        analyze_recording(rec)  # warm: imports and first-call costs out of the figures
        runs = {1: [], 2: []}
        docs = {}
        for _ in range(args.repeat):
            for jobs in (1, 2):
                la = os.getloadavg()[0]
                analyzer = SessionAnalyzer(jobs=jobs, min_forked_s=0)
                sections.clear()
                w0, c0, p0 = time.perf_counter(), _cpu(), time.process_time()
                docs[jobs] = json.dumps(analyze_recording(rec, analyzer=analyzer), sort_keys=True)
                # On two free cores: this process's CPU and its waits for the children.
                path = time.process_time() - p0 + sum(max(0.0, child - mine) for mine, child, _ in sections)
                runs[jobs].append((time.perf_counter() - w0, _cpu() - c0, la, path, list(sections)))
        same = "same JSON" if docs[1] == docs[2] else "JSON DIFFERS"
        med = {j: statistics.median(w for w, *_ in r) for j, r in runs.items()}
        cpu = {j: statistics.median(c for _, c, *_ in r) for j, r in runs.items()}
        path = statistics.median(p for *_, p, _ in runs[2])
        print(f"{seconds:>6} s: one process " + ", ".join(f"{w:.2f} s ({c:.2f} CPU, load {la:.0f})"
                                                       for w, c, la, *_ in runs[1]))
        print(f"{'':>9} two processes " + ", ".join(f"{w:.2f} s ({c:.2f} CPU, load {la:.0f})"
                                                    for w, c, la, *_ in runs[2]))
        print(f"{'':>9} children (CPU here meanwhile / child's CPU / wall waited for the result and the reaping): "
              + "; ".join(" ".join(f"{a:.2f}/{b:.2f}/{w:.2f}" for a, b, w in secs) for *_, secs in runs[2]))
        print(f"{'':>9} median wall {med[1]:.2f} -> {med[2]:.2f} s ({med[2] - med[1]:+.2f} s); median CPU "
              f"{cpu[1]:.2f} -> {cpu[2]:.2f} s; critical path on two free cores {cpu[1]:.2f} -> {path:.2f} s "
              f"({path - cpu[1]:+.2f} s, {100 * (path / cpu[1] - 1):+.0f} %); {same}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
