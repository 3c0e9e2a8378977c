import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The labelled samples and tools beside the checkout (../shared); another
# place with TOEHOLD_SHARED. CI sets TOEHOLD_REQUIRE_SHARED=1 (.ci/run), so
# that a missing folder fails the tests against independent truth instead
# of skipping them.
SHARED = Path(os.environ.get("TOEHOLD_SHARED") or ROOT.parent / "shared")
SAMPLES = SHARED / "samples"
REQUIRE_SHARED = os.environ.get("TOEHOLD_REQUIRE_SHARED") == "1"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# Tests marked ``long`` repeat what a cheaper test in the default run already
# checks, on more recordings; they run with TOEHOLD_LONG=1 (as do the fuzz
# tests' full counts with TOEHOLD_FUZZ_EXAMPLES), so the default run stays
# within its 3 minutes on 2 cores.
LONG = os.environ.get("TOEHOLD_LONG") == "1"
# PYTHONDONTWRITEBYTECODE=1 (set on some machines, this project's shared one
# among them) keeps pytest from caching the assert-rewritten test modules, so
# every xdist worker rewrites all of them on every run (3-4 s of CPU a worker
# with pytest 9), and every `python -m toehold` child, notebook kernel and
# dask worker compiles the project again. The suite writes bytecode as a plain
# checkout does (``__pycache__/`` is git-ignored); set before the workers and
# children start, so they inherit it. TOEHOLD_TEST_BYTECODE=0 keeps the
# variable's effect (benchmarks/mutation.py: a mutant written within the same
# second as the original could be given the original's stale .pyc).
if sys.dont_write_bytecode and os.environ.get("TOEHOLD_TEST_BYTECODE") != "0":
    sys.dont_write_bytecode = False
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def pytest_configure(config):
    config.addinivalue_line("markers", "long: more of what the default run checks (TOEHOLD_LONG=1 runs it)")
    if not hasattr(config, "workerinput") and (getattr(config.option, "numprocesses", None) or 0) > 1:
        _cache_rewritten_tests(config)


def _cache_rewritten_tests(config) -> None:
    """In the xdist controller, before the workers start: the bytecode caches
    the workers would each make on a fresh checkout (the project compiled,
    the test modules with pytest's rewritten asserts), made once. Each worker
    then reads them: 3-4 s of CPU a worker less on a first run. Best effort
    (pytest's private helpers): any failure leaves it to the workers."""
    if sys.dont_write_bytecode:
        return
    import compileall

    for pkg in ("sensors", "analysis", "toehold"):
        compileall.compile_dir(ROOT / pkg, quiet=2)
    try:
        from _pytest.assertion import rewrite

        state = config.stash[rewrite.assertstate_key]
        for fn in sorted((ROOT / "tests").rglob("*.py")):
            if not (fn.name.startswith("test_") or fn.name == "conftest.py"):
                continue
            cache_dir = rewrite.get_cache_dir(fn)
            pyc = cache_dir / (fn.name[:-3] + rewrite.PYC_TAIL)
            if rewrite._read_pyc(fn, pyc, state.trace) is None and rewrite.try_makedirs(cache_dir):
                source_hash, co = rewrite._rewrite_test(fn, config)
                rewrite._write_pyc(state, co, source_hash, pyc)
    except Exception:  # noqa: BLE001 — another pytest: the workers rewrite as before
        pass


def pytest_collection_modifyitems(config, items):
    if LONG:
        return
    skip = pytest.mark.skip(reason="long run: TOEHOLD_LONG=1 python3 -m pytest runs it")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def samples_dir():
    if not SAMPLES.is_dir():
        if REQUIRE_SHARED:
            pytest.fail(f"{SAMPLES} is missing and TOEHOLD_REQUIRE_SHARED=1")
        pytest.skip("../shared/samples is not present in this checkout")
    return SAMPLES


@pytest.fixture(autouse=True)
def private_cache_dir(tmp_path_factory, monkeypatch):
    """Each test's analysis cache in a folder of its own, never the user's real one."""
    d = tmp_path_factory.mktemp("toehold-cache")
    monkeypatch.setenv("TOEHOLD_CACHE_DIR", str(d))
    return d


@pytest.fixture(scope="session")
def check_analysis_tool():
    """The contract checker of ../shared/tools (skips, or fails in CI, when absent)."""
    tool = SHARED / "tools" / "check_analysis.py"
    if not tool.is_file():
        if REQUIRE_SHARED:
            pytest.fail(f"{tool} is missing and TOEHOLD_REQUIRE_SHARED=1")
        pytest.skip("../shared/tools/check_analysis.py is not present in this checkout")
    return tool


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run ``toehold ARGS...`` in this process: (returncode, stdout, stderr) as a subprocess gives them.

    For tests about what a command does, not about the process (imports,
    exit on a signal): it saves the interpreter's start-up and imports.
    """
    import subprocess

    from toehold.cli import main

    def run(*args, cwd=None):
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        argv = [str(a) for a in args]
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse's usage errors
            code = stop.code if isinstance(stop.code, int) else 1
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(argv, code, out, err)

    return run


def _assert_matches_truth(doc: dict, truth: dict, hold_s: float = 0.25, edge_s: float | None = 1.0,
                          circle_s: float | None = 0.2) -> None:
    """An analysis against a ground-truth document (a simulator's, or a
    labelled file's): the same bouts in order, each with its reps, holds,
    circles (direction, start) and strides.

    Tolerances: ``hold_s`` per hold, ``edge_s`` per bout edge, ``circle_s``
    per circle start (a fifth of a 1 s turn); None leaves times out (an
    analysis on another clock than the truth's).
    """
    assert [e["exercise"] for e in doc["exercises"]] == [e["exercise"] for e in truth["exercises"]]
    for got, want in zip(doc["exercises"], truth["exercises"]):
        name = got["exercise"]
        if edge_s is not None:
            assert got["start_s"] == pytest.approx(want["start_s"], abs=edge_s), name
            assert got["end_s"] == pytest.approx(want["end_s"], abs=edge_s), name
        assert [r["hold_s"] for r in got["reps"]] == pytest.approx(
            [r["hold_s"] for r in want["reps"]], abs=hold_s), name
        assert [c["direction"] for c in got["circles"]] == [c["direction"] for c in want["circles"]], name
        if circle_s is not None:
            assert [c["start_s"] for c in got["circles"]] == pytest.approx(
                [c["start_s"] for c in want["circles"]], abs=circle_s), name
        assert len(got["strides"]) == len(want["strides"]), name


@pytest.fixture(scope="session")
def assert_matches_truth():
    """:func:`_assert_matches_truth`, for tests that compare an analysis with ground truth."""
    return _assert_matches_truth


# -- pytest-xdist: which worker runs what (issues 13, 19) ---------------------
# `--dist loadfile` (pyproject addopts) keeps a file on one worker: its module
# fixtures are made once, and test_crash's kills and mounts never overlap. But
# xdist hands out the files in collection order, so a heavy file met late
# (test_session_e2e, test_live_sets) left one core idle for its whole run. The
# scheduler below hands out the heaviest work first (longest processing time
# first: the last units are small, so the workers end together), and runs the
# tests of SPLIT files (independent tests, no module fixture) one by one
# wherever a worker is free. The cost of a unit is its tests' durations in
# the last run (kept in pytest's cache), else COST_S, else a tenth of a second
# a test.
SPLIT = {"tests/test_live_sets.py", "tests/test_notebooks.py"}
# CPU seconds (user + sys, waited-for child processes included) of the
# heaviest units, for a fresh checkout, which has no durations cached:
# `python3 benchmarks/suite_cpu.py` prints this table (2026-12-01, 1160
# tests, load 21-25; the live, batch, replay, reps and notebook tests again
# after main's 01:40 merge, load 19-20). The BLE tests also wait (slow connects, reconnects,
# real-time streams): their wall time is longer than their CPU, and the
# cached durations say so; the two whose wait is long are given their wall.
LIVE_SETS = "tests/test_live_sets.py::test_sample_set_counts_shown_live_equal_the_closing_analysis_and_the_truth"
COST_S = {
    "tests/test_live_sets.py::test_demo_set_counts_shown_live_equal_the_closing_analysis_and_the_truth": 17,
    # wall, not CPU (12 s): its guided session waits on the emulated link
    "tests/test_session_e2e.py": 45,
    # wall, not CPU (2 s): a set streamed in real time
    "tests/ble/test_live_view_timing.py": 42,
    f"{LIVE_SETS}[realistic_9002]": 12,
    f"{LIVE_SETS}[clean_9001]": 11,
    f"{LIVE_SETS}[ankle_9003]": 11,
    "tests/test_untrusted.py": 13,
    "tests/report/test_report.py": 12,
    "tests/test_batch.py": 11,
    "tests/test_live.py": 6,
    "tests/test_session_cli.py": 9,
    "tests/ble/test_fault_matrix.py": 8,
    "tests/ble/test_live_offline.py": 8,
    "tests/test_confidence.py": 7,
    "tests/test_dask.py": 7,
    "tests/test_replay.py": 6,
    "tests/test_reps.py": 6,
    "tests/test_progress.py": 7,
    "tests/test_notebooks.py::test_notebook_runs[adherence_history.ipynb]": 6,
    "tests/test_lookalikes.py": 7,
    "tests/test_notebooks.py::test_notebook_runs[cohort_progress.ipynb]": 7,
    "tests/report/test_readable.py": 6,
    "tests/test_detection.py": 6,
    "tests/test_export.py": 6,
    "tests/test_simulator.py": 6,
    "tests/test_cli.py": 5,
    "tests/test_fuzz_devices.py": 4,
    "tests/test_crash.py": 4,
    "tests/test_notebooks.py::test_notebook_runs[explore_recording.ipynb]": 4,
    "tests/test_importers.py": 4,
    "tests/test_readme.py": 4,
    "tests/test_fuzz_bombs.py": 4,
    "tests/test_fuzz_reader.py": 3,
    "tests/test_import_cycles.py": 3,
    "tests/test_live_worker.py": 3,
    "tests/test_hard_conditions.py": 3,
    "tests/ble/test_e2e.py": 3,
}
DURATIONS_KEY = "toehold/durations"


def _scope(nodeid: str) -> str:
    file = nodeid.split("::", 1)[0]
    return nodeid if file in SPLIT else file


def _unit_cost(scope: str, nodeids, last: dict) -> float:
    if not any(n in last for n in nodeids):
        return COST_S.get(scope, 0.1 * len(nodeids))
    return sum(last.get(n, 0.1) for n in nodeids)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """``-n auto``: two workers more than the cores. A good part of the
    suite's wall time is spent waiting on emulated BLE links and real-time
    streams (``tests/ble/test_live_view_timing.py`` streams 41 s on 2 s of
    CPU), not computing. On 2 idle cores (1 Dec 2026, 1181 tests): 3 workers
    took 3 min 8 s wall for 282 s of CPU, 4 workers 2 min 28 s for 233 s
    (30 Nov: 2 workers 243 s for 331 s, 3 workers 196 s for 335 s)."""
    return (os.cpu_count() or 1) + 2


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: a run without xdist (-p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    last = config.cache.get(DURATIONS_KEY, {}) if getattr(config, "cache", None) else {}

    class HeaviestFirst(LoadFileScheduling):
        ordered = False

        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

        def _assign_work_unit(self, node):
            if not self.ordered:  # the first assignment: the queue is complete
                self.ordered = True
                units = sorted(self.workqueue.items(), key=lambda u: -_unit_cost(u[0], u[1], last))
                self.workqueue.clear()
                self.workqueue.update(units)
            super()._assign_work_unit(node)

    return HeaviestFirst(config, log)


_durations: dict[str, float] = {}


def pytest_runtest_logreport(report):
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    cache = getattr(session.config, "cache", None)
    # The controller of an xdist run (it sees every worker's reports); a run
    # of some tests only adds to what the last full run measured.
    if cache is not None and _durations and not hasattr(session.config, "workerinput"):
        cache.set(DURATIONS_KEY, {**cache.get(DURATIONS_KEY, {}), **{k: round(v, 2) for k, v in _durations.items()}})
