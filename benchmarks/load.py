"""Load benchmark: reading recordings of 1 min, 1 h and 24 h at 100 Hz.

    python benchmarks/load.py [--hours 24] [--quick] [--repeat 3]

Builds the files by tiling the demo session (cached in benchmarks/.data/),
then times ``read_recording`` next to a bare ``pyarrow.csv.read_csv`` of the
same file, each in a fresh process so peak memory (max RSS) is its own.
Imports (numpy, pandas, pyarrow: ~0.3 s) happen before the clock starts in
both, so the ratio compares the reading itself. Best of ``--repeat`` runs:
the machine is shared, and the best run is the least disturbed.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / ".data"
sys.path.insert(0, str(ROOT))

from _days import metadata_lines  # noqa: E402


def make_file(seconds: float) -> Path:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from sensors.recording import metadata_block, read_recording

    path = DATA / f"tiled_{int(seconds)}s.csv"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    demo = read_recording(ROOT / "recordings" / "demo.csv").data
    period = float(demo.t.iloc[-1]) + 0.01
    reps = int(np.ceil(seconds / period))
    arr = demo.to_numpy()
    with open(path, "w") as fh:
        fh.write(metadata_block({"placement": "foot", "side": "left", "sample_rate_hz": 100}))
        fh.write(",".join(demo.columns) + "\n")
    with open(path, "ab") as fh:
        for k in range(reps):
            block = arr.copy()
            block[:, 0] += k * period
            block = block[block[:, 0] < seconds]
            if not len(block):
                break
            table = pa.table({c: np.round(block[:, i], 4) for i, c in enumerate(demo.columns)})
            pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False))
    return path


CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
import pyarrow.csv as c
from sensors.recording import read_recording
t0 = time.perf_counter()
if {bare}:
    n = c.read_csv({path!r}, read_options=c.ReadOptions(skip_rows={skip})).num_rows
else:
    n = len(read_recording({path!r}).data)
dt = time.perf_counter() - t0
print(n, dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def measure(path: Path, bare: bool, repeat: int = 1) -> tuple[int, float, int]:
    """Rows, best wall time (s) and the peak RSS (bytes) of that run."""
    skip = metadata_lines(path)
    code = CHILD.format(root=str(ROOT), path=str(path), bare=bare, skip=skip)
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        n, dt, rss = out.stdout.split()
        runs.append((int(n), float(dt), int(rss)))
    return min(runs, key=lambda r: r[1])


def main() -> int:
    ap = argparse.ArgumentParser(description="reading speed and memory")
    ap.add_argument("--hours", type=float, default=24.0, help="longest file (h)")
    ap.add_argument("--quick", action="store_true", help="1 min and 1 h only")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure (best is shown)")
    args = ap.parse_args()
    print(f"{'file':>10} {'rows':>10} {'read_recording':>16} {'bare pyarrow':>14} {'ratio':>6} "
          f"{'peak RSS':>9} {'RSS/raw':>8}")
    lengths = (60.0, 3600.0) if args.quick else (60.0, 3600.0, args.hours * 3600)
    for seconds in lengths:
        path = make_file(seconds)
        n, t_ours, rss = measure(path, bare=False, repeat=args.repeat)
        _, t_bare, _ = measure(path, bare=True, repeat=args.repeat)
        raw = n * 7 * 8
        print(f"{seconds / 3600:>9.2f}h {n:>10} {n / t_ours / 1e6:>11.2f} Mr/s {n / t_bare / 1e6:>9.2f} Mr/s "
              f"{t_ours / t_bare:>6.2f} {rss / 2**20:>7.0f}MB {rss / raw:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
