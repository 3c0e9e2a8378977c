"""Analysis benchmark: samples/s of the full analysis, 1 min to 24 h at 100 Hz.

    python benchmarks/analyse.py [--quick] [--repeat 3]

For each length, a day of wear (``_days.py``: everyday motion with an
exercise session every 8 h; shorter files are prefixes of the same day) is
read and analysed in a fresh process (``read_recording`` then
``analysis.pipeline.analyze_recording`` then ``json.dumps``), next to one
numpy pass over the same arrays (sum of squares of the six sensor columns)
as the yardstick for "touching every sample once". Then the two
user-facing targets through the command line, imports included:

* ``toehold analyze DAY_24h.csv --json -o out.json --no-cache`` (target < 10 s);
* ``toehold report SESSION_10min.csv -o report.png --no-cache`` (target < 2 s).

``--no-cache`` because both commands keep each analysis in the user's
cache folder: a repeated run would time the cache, not the analysis.

Wall times are the best of ``--repeat`` runs (the machine is shared); CPU
is the process's user+system time of that run.

First, the headline figures of issue 13, from one run on the 24 h file
(``--quick``: the 1 h file), each with the load average when it was taken:

* CSV → JSON: ``toehold analyze FILE --json -o out.json --no-cache`` wall
  time, interpreter start and imports included (target < 10 s);
* a bare ``pyarrow.csv.read_csv`` of the same file (in a fresh process,
  timed after its imports, as ``load.py`` does) and the ratio of the two
  (target ≤ 4×);
* the analysis process's peak RSS over the raw samples, float64 of the 7
  sensor columns (target ≤ 4×).

``--headline`` stops after these. Run it under ``nice`` on a shared machine.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
import numpy as np
from sensors.recording import read_recording
from analysis.pipeline import analyze_recording
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
w0, c0 = time.perf_counter(), cpu()
rec = read_recording({path!r})
w1, c1 = time.perf_counter(), cpu()
doc = analyze_recording(rec)
text = json.dumps(doc)
w2, c2 = time.perf_counter(), cpu()
cols = [rec.data[c].to_numpy() for c in ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")]
w3 = time.perf_counter()
total = sum(float(np.dot(c, c)) for c in cols)
w4 = time.perf_counter()
print(json.dumps(dict(n=len(rec.data), read=w1 - w0, analyse=w2 - w1, analyse_cpu=c2 - c1,
                      numpy=w4 - w3, bouts=len(doc["exercises"]),
                      rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)))
"""


def run_child(path: Path, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), path=str(path))],
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout))
    return min(runs, key=lambda r: r["analyse"])


def run_cli(args: list[str], repeat: int) -> tuple[float, float]:
    """Best wall time (s) of ``python -m toehold ARGS`` and the CPU time (s) of that run."""
    best = None
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "toehold", *args], cwd=ROOT, check=True,
                       capture_output=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if best is None or wall < best[0]:
            best = (wall, cpu)
    return best


BARE = """
import resource, sys, time
import pyarrow.csv as c
t0 = time.perf_counter()
n = c.read_csv({path!r}, read_options=c.ReadOptions(skip_rows={skip})).num_rows
print(n, time.perf_counter() - t0)
"""


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a forked analysis child included)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            pass
    return out


def tree_memory(pid: int) -> tuple[int, int]:
    """Summed RSS and PSS (bytes) of ``pid`` and its descendants, from ``/proc/*/smaps_rollup``.

    PSS counts a page shared by n processes (copy-on-write after a fork) as
    1/n in each, so its sum is the memory the tree holds; the RSS sum counts
    such a page once per process (an upper bound).
    """
    rss = pss = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except OSError:
            pass
    return rss, pss


def run_measured(argv: list[str]) -> tuple[float, float, int, str, int, int]:
    """Wall (s), CPU (s, children it waited for included) and peak RSS (bytes) of one child process,
    its stdout, and the peaks of its process tree's summed RSS and PSS (sampled every 50 ms).

    The peak RSS from ``wait4`` is the largest of any one process of the
    tree (the kernel keeps the maximum over the children, not their sum).
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    rss_sum = pss_sum = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        r, p = tree_memory(proc.pid)
        rss_sum, pss_sum = max(rss_sum, r), max(pss_sum, p)
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    out = proc.stdout.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{argv} failed ({proc.returncode})")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, out, rss_sum, pss_sum


def headline(path: Path, repeat: int, jobs: list | None = None) -> None:
    """24 h CSV -> JSON wall time, its ratio to a bare pyarrow parse, peak RSS / raw samples.

    ``jobs``: ``toehold analyze --jobs N`` per N (None: the command's default),
    their runs interleaved; one block of figures per N.
    """
    from _days import metadata_lines

    bare = []
    for _ in range(repeat):
        la = load()
        _, _, _, out, _, _ = run_measured([sys.executable, "-c",
                                     BARE.format(path=str(path), skip=metadata_lines(path))])
        rows, wall = out.split()
        bare.append((float(wall), int(rows), la))
    bare_s, rows, bare_load = min(bare)
    jobs = jobs or [None]
    every = {j: [] for j in jobs}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(repeat):
            for j in jobs:
                la = load()
                # One output file per run: toehold refuses to overwrite one.
                wall, cpu, rss, _, rss_sum, pss_sum = run_measured(
                    [sys.executable, "-m", "toehold", "analyze", str(path), "--json",
                     "-o", os.path.join(tmp, f"out_{k}_{j}.json"), "--no-cache"]
                    + ([] if j is None else ["--jobs", str(j)]))
                every[j].append((wall, cpu, rss, la, rss_sum, pss_sum, load()))
    raw = rows * 7 * 8
    print(f"{path.name}: {rows} rows, raw samples (7 float64 columns) {raw / 2**20:.0f} MB")
    for j, runs in every.items():
        _headline_block(j, runs, raw, bare_s, bare_load, bare, repeat)


def _headline_block(jobs, runs: list, raw: int, bare_s: float, bare_load: str, bare: list, repeat: int) -> None:
    wall, cpu, rss, la, rss_sum, pss_sum, _ = min(runs)
    print(f"  CSV -> JSON (toehold analyze --json{'' if jobs is None else f' --jobs {jobs}'}, imports included): "
          f"{wall:.2f} s wall, {cpu:.2f} s CPU  [{la}]   target < 10 s")
    print(f"  bare pyarrow.csv.read_csv of the same file: {bare_s:.2f} s wall  [{bare_load}]")
    print(f"  ratio CSV -> JSON / bare parse: {wall / bare_s:.1f}x   target <= 4x")
    print(f"  peak RSS of the analysis: {rss / 2**20:.0f} MB = {rss / raw:.1f}x the raw samples   "
          f"target <= 4x  (the largest single process)")
    print(f"  its processes together (sampled every 50 ms): peak PSS {pss_sum / 2**20:.0f} MB = "
          f"{pss_sum / raw:.1f}x (shared copy-on-write pages counted once), peak RSS summed "
          f"{rss_sum / 2**20:.0f} MB = {rss_sum / raw:.1f}x (counted once per process)")
    print(f"  (best of {repeat}; all runs: CSV -> JSON "
          + ", ".join(f"{w:.1f} s ({c:.1f} s CPU, PSS {p / 2**20:.0f} MB) [{a} .. {b}]"
                      for w, c, _, a, _, p, b in runs) + "; bare "
          + ", ".join(f"{w:.2f} s" for w, *_ in bare) + ")")


def main() -> int:
    from _days import day_file

    ap = argparse.ArgumentParser(description="analysis speed, 1 min to 24 h")
    ap.add_argument("--quick", action="store_true", help="1 min and 1 h only")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure (best is shown)")
    ap.add_argument("--headline", action="store_true",
                    help="only the headline figures (CSV -> JSON, ratio to a bare parse, RSS)")
    ap.add_argument("--jobs", type=lambda v: [int(j) for j in v.split(",")], default=None,
                    help="toehold analyze --jobs N for the headline, e.g. 1,2 (runs interleaved); "
                         "default: the command's default")
    args = ap.parse_args()
    headline(day_file(3600 if args.quick else 86400), args.repeat, args.jobs)
    if args.headline:
        return 0
    lengths = (60, 3600) if args.quick else (60, 3600, 86400)
    print(f"{'file':>8} {'samples':>9} {'read s':>7} {'analyse s':>9} {'(cpu s)':>8} "
          f"{'analyse':>12} {'µs/sample':>9} {'numpy pass':>13} {'bouts':>5} {'peak RSS':>8}")
    for seconds in lengths:
        r = run_child(day_file(seconds), args.repeat)
        n = r["n"]
        print(f"{seconds / 3600:>7.2f}h {n:>9} {r['read']:>7.2f} {r['analyse']:>9.2f} "
              f"{r['analyse_cpu']:>8.2f} {n / r['analyse'] / 1e6:>8.2f} MS/s "
              f"{r['analyse'] / n * 1e6:>9.2f} {n / r['numpy'] / 1e6:>8.0f} MS/s {r['bouts']:>5} "
              f"{r['rss'] / 2**20:>6.0f}MB")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.quick:
            wall, cpu = run_cli(["analyze", str(day_file(86400)), "--json", "-o",
                                 os.path.join(tmp, "out.json"), "--no-cache"], args.repeat)
            print(f"toehold analyze (24 h) --json: {wall:.2f} s wall, {cpu:.2f} s CPU "
                  f"(target < 10 s)")
        wall, cpu = run_cli(["report", str(day_file(600)), "-o", os.path.join(tmp, "r.png"),
                             "--no-cache"], args.repeat)
        print(f"toehold report (10 min session): {wall:.2f} s wall, {cpu:.2f} s CPU "
              f"(target < 2 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
