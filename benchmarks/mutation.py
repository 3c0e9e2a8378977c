"""Mutation testing: which small bugs the test suite catches, module by module.

    python benchmarks/mutation.py                       # every module below
    python benchmarks/mutation.py analysis/adherence.py # one module
    python benchmarks/mutation.py --listed              # the named survivors of issue 19

Two kinds of run:

* **mutmut** (configured under ``[tool.mutmut]`` in ``pyproject.toml``)
  mutates every function of a module, one change at a time, and runs the
  tests that exercise that function. Each module runs in a scratch copy of
  the checkout with its own test selection (the tests that name it), so a
  run never touches the working tree. The score is detected / all mutants;
  mutants no selected test reaches count as survivors.
* **--listed**: mutmut does not mutate module-level constants, so the
  mutations a reviewer planted by hand (issue 19: the gap factor, the
  minimum hold, the "done" boundary, …) are applied here as text edits, one
  at a time, each followed by its tests; a mutation that no test fails
  *survived*.

Prints one line per module: mutants, killed, timed out, survived, not
reached, and the score: detected (killed or timed out) / all mutants. A
mutant the tests time out on (an endless loop) counts as detected, as in
Stryker ("Timeout … is counted as detected": mutation-testing-elements,
docs/mutant-states-and-metrics.md) and PIT (``DetectionStatus.TIMED_OUT``
is detected): a change that hangs the suite would not pass unnoticed.
Needs the ``mutation`` extra (``pip install -e ".[mutation]"``).
"""
from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Module -> the tests that exercise it (fast ones: mutmut runs them once per
# mutant), as pytest arguments. Slow whole-session tests are left out on
# purpose; they would make a module take hours on two cores.
MODULES: dict[str, list[str]] = {
    "analysis/adherence.py": ["tests/test_adherence.py", "tests/test_boundaries.py", "-k", "not default_analysis"],
    "sensors/recording.py": ["tests/test_boundaries.py", "tests/test_recording.py", "-k", "not default_analysis"],
    "analysis/reps.py": ["tests/test_detection.py::test_one_rep_is_found_with_its_hold",
                         "tests/test_detection.py::test_a_hold_just_under_the_minimum_does_not_count",
                         "tests/test_detection.py::test_an_aborted_half_movement_does_not_count",
                         "tests/test_detection.py::test_a_brief_dip_mid_hold_is_one_rep_with_its_full_hold",
                         "tests/test_detection.py::test_reps_in_the_other_direction_are_found_by_negating",
                         "tests/test_detection.py::test_gap_in_the_middle_of_a_hold_keeps_the_hold",
                         "tests/test_reps.py", "tests/test_reps_units.py", "tests/test_reps_boundaries.py",
                         "tests/test_reps_spans.py", "tests/test_hard_reps.py",
                         "-k", "not hard_cases and not held_out and not demo and not tiptoe and not pinned"],
    "analysis/circles.py": ["tests/test_detection.py::test_one_circle_each_way",
                            "tests/test_detection.py::test_circles_are_counted_whatever_the_speed",
                            "tests/test_detection.py::test_elliptical_circles_at_uneven_speed_count_once_each",
                            "tests/test_detection.py::test_a_few_lost_packets_do_not_lose_circles",
                            "tests/test_circles.py::test_direction_is_the_contracts_vector_formula",
                            "tests/test_circles.py::test_size_of_a_round_circle_is_its_diameter",
                            "tests/test_circles.py::test_size_of_an_ellipse_is_its_mean_width",
                            "tests/test_circle_traces.py", "tests/test_circle_units.py"],
    "sensors/devices/witmotion.py": ["tests/devices/test_witmotion.py"],
    "sensors/devices/generic.py": ["tests/devices/test_generic.py"],
    "sensors/devices/movesense.py": ["tests/devices/test_movesense.py"],
    "sensors/devices/thingy.py": ["tests/devices/test_thingy.py"],
    # Polar's start/stop run over a scripted link in the fast tests; the BLE
    # end-to-end test (2.7 s per surviving mutant) is left to the suite.
    "sensors/devices/polar.py": ["tests/devices/test_polar.py", "-k", "not started_at_a_rate_it_lists"],
}

# Modules scored on some of their functions only (mutmut's names: x_NAME for
# a function, xǁCLASSǁNAME for a method): the recording reader's gap logic.
ONLY: dict[str, list[str]] = {
    "sensors/recording.py": ["x_effective_rate_hz", "x_find_gaps", "x_lost_seconds", "xǁRecordingǁgap_list"],
}

# Issue 19's hand-planted mutations: (file, original text, mutated text,
# the tests that must fail). Text, not line numbers, so they follow edits.
FAST_BOUNDARIES = ["tests/test_boundaries.py", "-k", "not default_analysis"]
LISTED = [
    ("sensors/contract.py", "GAP_FACTOR = 1.5", "GAP_FACTOR = 3.0", FAST_BOUNDARIES),
    ("sensors/recording.py", "lost |= ok & (ds > 1)", "lost |= ok & (ds > 2)", FAST_BOUNDARIES),
    ("analysis/adherence.py", "completion >= DONE_AT", "completion > DONE_AT", FAST_BOUNDARIES),
    ("analysis/adherence.py", "h >= (it.hold_s or 0)", "h > (it.hold_s or 0)", FAST_BOUNDARIES),
    ("analysis/reps.py", "min_hold_s: float = 1.0", "min_hold_s: float = 0.5",
     ["tests/test_boundaries.py::test_the_default_analysis_counts_holds_of_1_2_s_and_not_of_0_8_s"]),
    ("sensors/devices/witmotion.py", "GYR_LSB = 2000.0 / 32768.0", "GYR_LSB = 2048.0 / 32768.0",
     ["tests/devices/test_witmotion.py"]),
    # The cache fingerprint reduced to the first and last 64 KiB plus the size.
    ("toehold/batch.py", """            while block := fh.read(_HASH_BLOCK):
                h.update(block)
                size += len(block)""", """            n = os.fstat(fh.fileno()).st_size
            h.update(fh.read(65536))
            fh.seek(max(0, n - 65536))
            h.update(fh.read())
            size += n""", ["tests/test_batch.py::test_one_byte_changed_mid_file_in_a_3_mib_file_changes_its_fingerprint"]),
]


def scratch_copy() -> Path:
    """The tracked files of the checkout (plus untracked tests) in a temp dir."""
    dest = Path(tempfile.mkdtemp(prefix="toehold-mut-"))
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def _env() -> dict:
    env = dict(os.environ)
    # The tests find ../shared beside the checkout; the scratch copy is elsewhere.
    env.setdefault("TOEHOLD_SHARED", str(ROOT.parent / "shared"))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["TOEHOLD_TEST_BYTECODE"] = "0"  # tests/conftest.py: keep it (a mutant's stale .pyc)
    # mutmut maps tests to functions in one process: no xdist workers.
    env["PYTEST_ADDOPTS"] = (env.get("PYTEST_ADDOPTS", "") + " -n 0").strip()
    return env


def run_mutmut(module: str, tests: list[str], children: int, show: Path | None = None, keep: bool = False) -> dict:
    work = scratch_copy()
    try:
        py = work / "pyproject.toml"
        text = py.read_text()
        selection = ", ".join(f'"{t}"' for t in tests)
        text = text.replace("[tool.mutmut]\n", "[tool.mutmut]\n"
                            f'only_mutate = ["{module}"]\n'
                            f"pytest_add_cli_args_test_selection = [{selection}]\n", 1)
        py.write_text(text)
        dotted = module[:-3].replace("/", ".")
        names = [f"{dotted}.{f}__mutmut_*" for f in ONLY.get(module, [])]
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(children), *names],
                       cwd=work, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                             cwd=work, env=_env(), capture_output=True, text=True).stdout
        counts: dict[str, int] = {}
        for name, status in re.findall(r"^\s*(\S+):\s*(\w[\w ]*)$", out, flags=re.M):
            if names and not any(fnmatch.fnmatch(name, n) for n in names):
                continue
            counts[status.strip()] = counts.get(status.strip(), 0) + 1
        counts["seconds"] = round(time.perf_counter() - t0)
        if show is not None:
            show.mkdir(parents=True, exist_ok=True)
            (show / (module.replace("/", "_") + ".diff")).write_text(survivor_diffs(work, module, names))
        return counts
    finally:
        if keep:
            print(f"kept {work} (MUTANT_UNDER_TEST=<name> python -m pytest … in {work / 'mutants'} reruns one)",
                  file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def survivor_diffs(work: Path, module: str, only: list[str] | None = None) -> str:
    """The surviving and unreached mutants of ``module`` as diffs against the original.

    Read from mutmut's mutated copy and its ``.meta`` (exit code 0: no test
    failed; 33: no test reaches it) rather than ``mutmut show``, which starts
    an interpreter per mutant.
    """
    import ast
    import difflib
    import json

    src = (work / "mutants" / module).read_text()
    meta = json.loads((work / "mutants" / (module + ".meta")).read_text())
    lines = src.splitlines()
    funcs = {n.name: "\n".join(lines[n.lineno - 1:n.end_lineno]) for n in ast.walk(ast.parse(src))
             if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    out = []
    for key, code in meta["exit_code_by_key"].items():
        if code not in (0, 33) or (only and not any(fnmatch.fnmatch(key, n) for n in only)):
            continue
        name = key.rsplit(".", 1)[-1]
        orig = funcs.get(name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
        mutant = funcs.get(name)
        if orig is None or mutant is None:
            out.append(f"# {key}: source not found\n")
            continue
        diff = difflib.unified_diff(orig.splitlines(), mutant.splitlines(), lineterm="", n=1)
        out.append(f"# {key}: {'survived' if code == 0 else 'no tests'}\n" + "\n".join(list(diff)[2:]) + "\n")
    return "\n".join(out)


def run_listed() -> list[tuple[str, str, bool]]:
    work = scratch_copy()
    results = []
    try:
        for rel, old, new, tests in LISTED:
            path = work / rel
            original = path.read_text()
            if old not in original:
                results.append((rel, f"{old!r} not found (code changed: update LISTED)", False))
                continue
            path.write_text(original.replace(old, new, 1))
            try:
                rc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                                    cwd=work, env=_env(), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL).returncode
            finally:
                path.write_text(original)
            results.append((rel, f"{old} -> {new}", rc != 0))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="*", help="modules to mutate (default: all of MODULES)")
    ap.add_argument("--listed", action="store_true", help="the hand-planted mutations of issue 19")
    ap.add_argument("--children", type=int, default=2, help="parallel mutant runs (default 2)")
    ap.add_argument("--show", type=Path, metavar="DIR",
                    help="write each module's surviving and unreached mutants' diffs into DIR")
    ap.add_argument("--keep", action="store_true",
                    help="keep each module's scratch copy (to rerun single mutants while killing survivors)")
    args = ap.parse_args(argv)

    if args.listed:
        results = run_listed()
        for rel, what, killed in results:
            print(f"{'killed  ' if killed else 'SURVIVED'}  {rel}: {what}")
        return 0 if all(k for _, _, k in results) else 1

    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        ap.error(f"no test selection for {', '.join(unknown)}; known: {', '.join(MODULES)}")
    print(f"{'module':32} {'mutants':>7} {'killed':>6} {'timeout':>7} {'survived':>8} {'unreached':>9} "
          f"{'score':>6} {'time':>6}")
    for module in args.modules or list(MODULES):
        c = run_mutmut(module, MODULES[module], args.children, args.show, args.keep)
        killed = c.get("killed", 0)
        survived = c.get("survived", 0)
        unreached = c.get("no tests", 0)
        timeout = c.get("timeout", 0)
        total = sum(v for k, v in c.items() if k != "seconds")
        # A timed-out mutant is detected: the tests never finish with it
        # (as Stryker and PIT count it).
        score = 100 * (killed + timeout) / total if total else float("nan")
        print(f"{module:32} {total:7d} {killed:6d} {timeout:7d} {survived:8d} {unreached:9d} "
              f"{score:5.1f}% {c['seconds']:5d}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
