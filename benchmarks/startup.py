"""Startup benchmark: process start to the first emulated sample in the file.

    python benchmarks/startup.py [--types witmotion,generic] [--repeats 3] [--importtime] [--faults]

Runs ``python -m toehold record --emulate TYPE --duration 10 -o FILE`` as a
user would (a fresh interpreter: imports included) and polls FILE every
5 ms (then stops it with Ctrl-C); the figure is the wall time from starting the process to the first
data row on disk (the writer flushes every batch). Issue 16's target:
within 2 s. Devices without a sample clock (WitMotion, Thingy:52) hold
their first 0.75 s of samples until their rate is measured, so they start
later by design.

The machine is shared: the load average is printed with the figures, and
the median of ``--repeats`` runs is the figure to quote, with the CPU
seconds the process (and its children) had used by then, which a loaded
machine does not inflate. ``--importtime``
also prints the modules that take longest to import before the first
sample (``python -X importtime``, cumulative, of one run). ``--faults``
times instead ``record --emulate TYPE --fault KIND`` for the setup failures
(``stock-firmware``, ``refuse-start``, ``needs-bonding``): process start to
exit, the exit status and the cause printed (issue 16: non-zero within 15 s).
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TYPES = ("witmotion", "polar", "movesense", "thingy", "generic")


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` and its live children (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            pass  # gone meanwhile
    return total


def first_row_s(kind: str, folder: Path, importtime: bool = False, timeout_s: float = 60.0):
    """Wall and CPU seconds from process start to the first data row of ``kind``'s file
    (None if none came); the process's stderr."""
    out = folder / f"{kind}-{time.monotonic_ns()}.csv"
    cmd = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "toehold", "record",
           "--emulate", kind, "--duration", "10", "-o", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    first = cpu = None
    try:
        while first is None and time.perf_counter() - t0 < timeout_s:
            if out.exists():
                with open(out) as fh:
                    for line in fh:
                        if line and line[0] not in "#t" and line.endswith("\n"):
                            first = time.perf_counter() - t0
                            cpu = cpu_s(proc.pid)
                            break
            if proc.poll() is not None and first is None and not out.exists():
                break
            time.sleep(0.005)
    finally:
        if first is not None and not importtime:
            proc.send_signal(signal.SIGINT)  # Ctrl-C: the figure is taken
        _, err = proc.communicate(timeout=timeout_s)
    return first, cpu, err


def failure_s(kind: str, fault: str, folder: Path, timeout_s: float = 60.0) -> tuple:
    """Seconds from process start to exit of a recording whose setup fails; exit status, cause."""
    cmd = [sys.executable, "-m", "toehold", "record", "--emulate", kind, "--fault", fault,
           "-o", str(folder / f"{kind}-{fault}.csv")]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s)
    cause = next((line for line in proc.stderr.splitlines() if line.startswith("toehold:")), "")
    return time.perf_counter() - t0, proc.returncode, cause


def slowest_imports(stderr: str, n: int = 12) -> list[tuple[float, str]]:
    rows = []
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cum, name = line[len("import time:"):].split("|")
            try:
                rows.append((int(cum) / 1e6, name.rstrip()))
            except ValueError:
                pass  # the header line
    return sorted(rows, reverse=True)[:n]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--types", default=",".join(TYPES))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--importtime", action="store_true")
    ap.add_argument("--faults", action="store_true", help="time the setup failures instead")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        if args.faults:
            for kind in args.types.split(","):
                for fault in ("stock-firmware", "refuse-start", "needs-bonding"):
                    took, rc, cause = failure_s(kind, fault, folder)
                    print(f"{kind:10s} {fault:15s} exit {rc} after {took:5.2f} s  {cause[:70]}")
            return 0
        for kind in args.types.split(","):
            runs = [first_row_s(kind, folder)[:2] for _ in range(args.repeats)]
            ok = [r for r in runs if r[0] is not None]
            shown = ", ".join("none" if r[0] is None else f"{r[0]:.2f}" for r in runs)
            med = (f"{statistics.median(r[0] for r in ok):.2f} s wall, "
                   f"{statistics.median(r[1] for r in ok):.2f} s CPU") if ok else "no sample"
            print(f"{kind:10s} first sample after {med} (medians; wall: {shown} s)")
        if args.importtime:
            kind = args.types.split(",")[0]
            _, _, err = first_row_s(kind, folder, importtime=True)
            print(f"slowest imports of one {kind} run (cumulative s, all imports of the run):")
            for s, name in slowest_imports(err):
                print(f"  {s:6.2f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
