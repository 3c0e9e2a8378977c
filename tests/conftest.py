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
