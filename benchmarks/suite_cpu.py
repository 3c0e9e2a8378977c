"""CPU of the test suite per xdist worker and per unit of work (issues 13, 19).

``python3 benchmarks/suite_cpu.py [PYTEST ARGS...]`` runs the README's test
command (``python3 -m pytest``, the addopts of ``pyproject.toml``: one
worker per core) with this file loaded as a plugin in every worker, and
prints

* per worker: CPU to the end of collection (start-up and imports), CPU of
  the tests, CPU at the end, and the worker's wall time;
* the whole run's CPU (this process's waited-for children: the controller
  and the workers) and its wall time;
* the units of work that keep a worker busy longest, as the scheduler in
  ``tests/conftest.py`` groups them (a file, or a test of a ``SPLIT``
  file), in the form of its ``COST_S`` table.

CPU is user + system of the worker and of the child processes it waited
for (``os.times``), so it does not grow with the machine's load as wall
time does: on a shared machine the steadier figure. *Busy* is a test's
wall time less the time its thread stood ready to run while another
process had the core (``/proc/thread-self/schedstat``): its CPU plus its
own waits (emulated BLE links, real-time streams, child processes), about
what it takes on an idle machine, and what the scheduler should order by.
``TOEHOLD_SUITE_CPU_KEEP=DIR`` keeps the per-test records (JSON lines:
``cpu``, ``wall``, ``delay`` per phase).
"""
from __future__ import annotations

import collections
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_OUT = os.environ.get("TOEHOLD_SUITE_CPU_OUT")


# -- the plugin (loaded in each worker with -p suite_cpu) ----------------------
def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _delay() -> float:
    """Seconds this thread has been ready to run but waiting for a core
    (``/proc/thread-self/schedstat``, second field; 0 where there is none).

    A test's wall time less this is what it would take with a core free
    whenever it wants one: its own CPU plus its waits on sockets, sleeps and
    child processes. On a shared machine that is the steadier measure of how
    long a unit keeps a worker busy (the scheduler's ``COST_S``).
    """
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


_log = None


def _write(rec: dict) -> None:
    global _log
    if _OUT is None:
        return
    if _log is None:
        _log = open(Path(_OUT) / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.jsonl", "w")
    _log.write(json.dumps(rec) + "\n")
    _log.flush()


def pytest_collection_finish(session):
    _write({"phase": "collected", "cpu": _cpu(), "wall": time.time()})


def pytest_sessionfinish(session):
    t = os.times()
    _write({"phase": "end", "cpu": _cpu(), "self_cpu": t.user + t.system, "wall": time.time()})


def _timed(phase):
    import pytest

    @pytest.hookimpl(hookwrapper=True)
    def hook(item):
        c, w, d = _cpu(), time.time(), _delay()
        yield
        _write({"id": item.nodeid, "phase": phase, "cpu": _cpu() - c, "wall": time.time() - w,
                "delay": _delay() - d})
    return hook


pytest_runtest_setup = _timed("setup")
pytest_runtest_call = _timed("call")
pytest_runtest_teardown = _timed("teardown")


# -- the script ------------------------------------------------------------------
def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import _scope  # the scheduler's units

    # TOEHOLD_SUITE_CPU_KEEP=DIR keeps the per-worker records (one JSON line a test phase) in DIR.
    keep = os.environ.get("TOEHOLD_SUITE_CPU_KEEP")
    with (contextlib.nullcontext(keep) if keep else tempfile.TemporaryDirectory()) as out:
        env = {**os.environ, "TOEHOLD_SUITE_CPU_OUT": out,
               "PYTHONPATH": os.pathsep.join([str(ROOT / "benchmarks"), os.environ.get("PYTHONPATH", "")])}
        t0 = time.time()
        before = os.times()
        code = subprocess.call([sys.executable, "-m", "pytest", "-p", "suite_cpu", *argv], cwd=ROOT, env=env)
        after = os.times()
        wall = time.time() - t0
        total = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        units: dict[str, float] = collections.defaultdict(float)
        busy: dict[str, float] = collections.defaultdict(float)
        workers = []
        for f in sorted(Path(out).glob("*.jsonl")):
            recs = [json.loads(line) for line in f.read_text().splitlines()]
            coll = next((r for r in recs if r["phase"] == "collected"), None)
            end = next((r for r in recs if r["phase"] == "end"), None)
            tests = sum(r["cpu"] for r in recs if "id" in r)
            for r in recs:
                if "id" in r:
                    units[_scope(r["id"])] += r["cpu"]
                    busy[_scope(r["id"])] += r.get("wall", 0.0) - r.get("delay", 0.0)
            workers.append((f.stem, coll, tests, end, sum(r["wall"] - r["delay"] for r in recs if "delay" in r)))
    print(f"\nwhole run: {total:.1f} s CPU (controller and workers), {wall:.0f} s wall")
    for name, coll, tests, end, busy_s in workers:
        if coll is None:  # the xdist controller: it collects nothing
            print(f"  {name} (the controller, without its workers): {end['self_cpu'] if end else float('nan'):.1f} s CPU")
            continue
        print(f"  {name}: collection {coll['cpu'] if coll else float('nan'):.1f} s CPU, tests {tests:.1f} s, "
              f"at the end {end['cpu'] if end else float('nan'):.1f} s; tests busy {busy_s:.0f} s; "
              f"wall {end['wall'] - coll['wall'] if end and coll else float('nan'):.0f} s after collection")
    print(f"tests: {sum(units.values()):.1f} s CPU in {len(units)} units, busy {sum(busy.values()):.1f} s "
          "(wall less the waits for a core); the units busy longest, as COST_S (busy s, # CPU s):")
    for scope, b in sorted(busy.items(), key=lambda u: -u[1]):
        if b >= 3:
            print(f'    "{scope}": {b:.0f},  # {units[scope]:.0f}')
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
