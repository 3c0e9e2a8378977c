"""History benchmark: one report over 90 days x 3 sessions, cold and with the cache.

    python benchmarks/history.py [--quick] [--days 90]

Builds a folder of ``days`` x 3 session recordings (8-minute simulated
sessions, realistic tier, morning/noon/evening start times; a handful of
distinct simulations written with each session's own start time, so every
file's bytes differ), then runs the public command line as a user would:

    python -m toehold report FOLDER -o report.png

first with no cache (a fresh ``TOEHOLD_CACHE_DIR``: everything analysed, in
parallel on all cores), then again with the cache the first run wrote.
Wall time of the whole command, imports included.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"
sys.path.insert(0, str(ROOT))

DISTINCT = 6


def build_folder(days: int) -> Path:
    import datetime as dt

    from sensors.recording import format_rows, metadata_block
    from sensors.simulator import simulate_session

    folder = DATA / f"history_{days}d"
    if folder.exists() and len(list(folder.glob("*.csv"))) == 3 * days:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    sims = []
    for k in range(DISTINCT):
        rec, _ = simulate_session(seed=300 + k, tier="realistic")
        cols = list(rec.data.columns)
        sims.append((rec.metadata, cols, format_rows(rec.data.to_numpy(), cols, 100)))
    day0 = dt.date(2026, 8, 27)
    for d in range(days):
        for s, hour in enumerate((8, 13, 19)):
            meta, cols, body = sims[(3 * d + s) % DISTINCT]
            when = dt.datetime.combine(day0 + dt.timedelta(days=d), dt.time(hour, 7 + s))
            meta = {**meta, "start_time": when.strftime("%Y-%m-%dT%H:%M:%SZ")}
            path = folder / f"{when:%Y-%m-%d_%H%M}.csv"
            path.write_text(metadata_block(meta) + ",".join(cols) + "\n" + body)
    return folder


def run_report(folder: Path, out: Path, cache: Path) -> tuple[float, float]:
    """Wall and CPU seconds (this process's children) of one ``toehold report``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "toehold", "report", str(folder), "-o", str(out)],
                   cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "TOEHOLD_CACHE_DIR": str(cache)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description="report over a long history, cold and cached")
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--quick", action="store_true", help="10 days")
    ap.add_argument("--repeat", type=int, default=3, help="cached runs (best is shown)")
    args = ap.parse_args()
    days = 10 if args.quick else args.days
    folder = build_folder(days)
    n = len(list(folder.glob("*.csv")))
    size = sum(p.stat().st_size for p in folder.glob("*.csv"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.png"
        cache = Path(tmp) / "cache"
        wall, cpu = run_report(folder, out, cache)
        print(f"{days} days x 3 = {n} recordings ({size / 2**20:.0f} MB)")
        print(f"cold (no cache):  {wall:6.1f} s wall, {cpu:6.1f} s CPU  "
              f"({wall / n * 1000:.0f} ms per recording)")
        best = min(run_report(folder, out, cache) for _ in range(args.repeat))
        print(f"with the cache:   {best[0]:6.1f} s wall, {best[1]:6.1f} s CPU  (target < 10 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
