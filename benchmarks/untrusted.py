"""Crafted inputs of issue 18 through the command line: peak memory and time.

    python benchmarks/untrusted.py

Builds each crafted input (small on disk) in a temporary folder and runs the
public command on it in a child process, printing the exit status, the wall
time and the child's peak RSS (``ru_maxrss``). Target: every one under
500 MB and ended with one line, no traceback. The figures before the fixes
are the issue's (a review with the same inputs).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"
_MEASURE = ("import resource, subprocess, sys\n"
            "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
            "sys.stderr.write(p.stderr)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
            "sys.exit(p.returncode)\n")


def measure(*args) -> tuple[int, float, float, str]:
    """Exit status, wall s, peak MB and last stderr line of ``python -m toehold ARGS``."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "toehold",
                          *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "TOEHOLD_CACHE_DIR": tempfile.mkdtemp()})
    wall = time.perf_counter() - t0
    last = (out.stderr.strip().splitlines() or [""])[-1]
    return out.returncode, wall, int(out.stdout.strip() or 0) / 1024, last


def sensorlogger_bomb(path: Path, member_mb: int) -> Path:
    """A Sensor Logger zip whose TotalAcceleration.csv is ``member_mb`` MB of one row repeated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Gyroscope.csv", "time,seconds_elapsed,z,y,x\n1,0.0,0,0,0\n2,0.01,0,0,0\n")
        with zf.open("TotalAcceleration.csv", "w", force_zip64=True) as fh:
            fh.write(b"time,seconds_elapsed,z,y,x\n")
            block = b"1,0.01,9.8,0,0\n" * (1 << 16)
            for _ in range(member_mb * (1 << 20) // len(block)):
                fh.write(block)
    return path


def wide_phyphox_export(folder: Path, extra_columns: int = 300_000) -> Path:
    """A phyphox export whose Accelerometer.csv has ``extra_columns`` extra columns; returns that CSV."""
    wide = folder / "Accelerometer.csv"
    cols = ['"Time (s)"'] + [f'"Acceleration {c} (m/s^2)"' for c in "xyz"] + \
        [f'"extra column {i}"' for i in range(extra_columns)]
    wide.write_text(",".join(cols) + "\n" + ",".join(["0"] * len(cols)) + "\n")
    (folder / "Gyroscope.csv").write_text(
        '"Time (s)","Gyroscope x (rad/s)","Gyroscope y (rad/s)","Gyroscope z (rad/s)"\n'
        + "".join(f"{k / 100},0,0,0\n" for k in range(100)))
    return wide


def build(tmp: Path) -> list[tuple[str, str, list]]:
    cases = []
    bomb = sensorlogger_bomb(tmp / "export.zip", 300)
    cases.append((f"Sensor Logger zip, 300 MB member ({bomb.stat().st_size >> 10} KB)",
                  "6.6 GB, 63 s", ["analyze", bomb, "--no-cache"]))
    wide = wide_phyphox_export(tmp)
    cases.append((f"phyphox CSV, 300k columns ({wide.stat().st_size >> 20} MB)", "1.1 GB",
                  ["info", wide]))
    for t_end, before in (("1e5", "2.7 GB"), ("1e7", "3.7 GiB")):
        f = tmp / f"span_{t_end}.csv"
        f.write_text(HEADER + f"0,0,0,9.8,0,0,0\n0.01,0,0,9.8,0,0,0\n{t_end},0,0,9.8,0,0,0\n")
        cases.append((f"{f.stat().st_size}-byte CSV, last t = {t_end}", before,
                      ["analyze", f, "--no-cache"]))
    cases.append(("/dev/zero as a recording", "6.8 GB, 20 s", ["info", "/dev/zero"]))
    if hasattr(os, "mkfifo"):
        fifo = tmp / "fifo.csv"
        os.mkfifo(fifo)
        cases.append(("a FIFO as a recording", "hung", ["info", fifo]))
    return cases


def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        cases = build(Path(d))
        print(f"{'input':42} {'before':>13} {'exit':>4} {'wall':>7} {'peak':>8}  message")
        worst = 0.0
        for name, before, args in cases:
            code, wall, peak, last = measure(*args)
            worst = max(worst, peak)
            print(f"{name:42} {before:>13} {code:>4} {wall:6.1f}s {peak:6.0f}MB  {last[:90]}")
        print(f"worst peak {worst:.0f} MB (target < 500 MB): {'met' if worst < 500 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
