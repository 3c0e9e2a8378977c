"""Batch analysis: many recordings, in parallel, each cached in the user's private cache."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import pipeline
from analysis.prescription import parse
from toehold import batch

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "recordings" / "demo.csv"


@pytest.fixture
def folder(tmp_path):
    """Three sessions: the demo, and its first 4 and 5 minutes (different results)."""
    lines = DEMO.read_text().splitlines(keepends=True)
    head = next(i for i, line in enumerate(lines) if line.startswith("t,"))
    (tmp_path / "a_demo.csv").write_text("".join(lines))
    (tmp_path / "b_first4min.csv").write_text("".join(lines[:head + 1 + 24000]))
    (tmp_path / "c_first5min.csv").write_text("".join(lines[:head + 1 + 30000]))
    return tmp_path


@pytest.fixture
def spy(monkeypatch):
    """Counts the analyses actually run (in this process: jobs=1)."""
    calls = []
    real = pipeline.analyze_recording

    def counting(rec, *a, **kw):
        calls.append(rec.path)
        return real(rec, *a, **kw)

    monkeypatch.setattr(pipeline, "analyze_recording", counting)
    return calls


def test_second_run_reads_the_cache_and_gives_the_same_result(folder, spy, private_cache_dir):
    files = batch.collect([folder])
    first = batch.analyze_many(files, jobs=1)
    assert len(spy) == 3 and not any(r.cached for r in first)
    # In the user's cache folder, not beside the recordings.
    assert len(list(private_cache_dir.glob("*.json"))) == 3
    assert sorted(p.name for p in folder.iterdir()) == [
        "a_demo.csv", "b_first4min.csv", "c_first5min.csv"]
    again = batch.analyze_many(files, jobs=1)
    assert len(spy) == 3, "the second run analysed again"
    assert all(r.cached for r in again)
    assert [r.doc for r in again] == [json.loads(json.dumps(r.doc)) for r in first]
    # The cache folder is not mistaken for recordings.
    assert batch.collect([folder]) == files


def test_changing_the_file_invalidates_its_cache_even_with_size_and_mtime_kept(folder, spy):
    f = folder / "b_first4min.csv"
    batch.analyze_many([f], jobs=1)
    st = f.stat()
    text = f.read_text()
    last = text.rstrip("\n").rsplit("\n", 1)[1]
    changed = last.replace("9", "8", 1) if "9" in last else last.replace("1", "2", 1)
    assert changed != last and len(changed) == len(last)
    f.write_text(text[:len(text) - len(last) - 1] + changed + "\n")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_size == st.st_size
    assert not batch.analyze_many([f], jobs=1)[0].cached
    assert len(spy) == 2
    # Touching without changing keeps the cache: the analysis depends on bytes only.
    os.utime(f)
    assert batch.analyze_many([f], jobs=1)[0].cached and len(spy) == 2


def test_a_new_analyser_version_invalidates_the_cache(folder, spy, monkeypatch):
    f = folder / "b_first4min.csv"
    batch.analyze_many([f], jobs=1)
    monkeypatch.setattr(pipeline, "ANALYSER_VERSION", pipeline.ANALYSER_VERSION + "+changed")
    r = batch.analyze_many([f], jobs=1)[0]
    assert not r.cached and len(spy) == 2
    assert r.doc["analyser_version"].endswith("+changed")


def test_other_overrides_or_prescription_invalidate_the_cache(folder, spy):
    f = folder / "b_first4min.csv"
    assert batch.analyze_many([f], jobs=1)[0].doc["recording"]["side"] == "left"
    r = batch.analyze_many([f], side="right", jobs=1)[0]
    assert not r.cached and r.doc["recording"]["side"] == "right"
    r = batch.analyze_many([f], side="right", placement="ankle", jobs=1)[0]
    assert not r.cached and r.doc["recording"]["placement"] == "ankle"
    assert batch.analyze_many([f], side="right", placement="ankle", jobs=1)[0].cached
    strict = parse('name = "strict"\n[[item]]\nexercise = "toe_press"\nreps = 30\nhold_s = 8\n')
    r = batch.analyze_many([f], side="right", placement="ankle", prescription=strict, jobs=1)[0]
    assert not r.cached
    assert len(spy) == 4


def test_unwritable_cache_folder_means_no_cache_not_an_error(folder, spy, monkeypatch):
    blocker = folder / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("TOEHOLD_CACHE_DIR", str(blocker))
    f = folder / "b_first4min.csv"
    for _ in range(2):
        r = batch.analyze_many([f], jobs=1)[0]
        assert r.error is None and r.doc["exercises"] and not r.cached
    assert len(spy) == 2


def test_no_cache_neither_reads_nor_writes(folder, spy, private_cache_dir):
    f = folder / "b_first4min.csv"
    batch.analyze_many([f], jobs=1, use_cache=False)
    batch.analyze_many([f], jobs=1, use_cache=False)
    assert len(spy) == 2 and not list(private_cache_dir.iterdir())


def test_parallel_results_equal_serial_results(folder):
    files = batch.collect([folder])
    serial = batch.analyze_many(files, jobs=1, use_cache=False)
    parallel = batch.analyze_many(files, jobs=2, use_cache=False)
    assert [r.path for r in parallel] == [str(f) for f in files]
    assert [r.doc for r in parallel] == [r.doc for r in serial]
    assert len({len(r.doc["exercises"]) for r in serial}) > 1  # three different sessions


def toehold(*args):
    return subprocess.run([sys.executable, "-m", "toehold", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT)


def test_a_bad_file_in_a_batch_is_one_line_and_the_others_are_analysed(folder, tmp_path, cli):
    bad = folder / "b_broken.csv"
    bad.write_text("t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0,1,2,3,4,5,6\n0.01,1,x,3,4,5,6\n")
    # A process of its own: its pool of 2 workers is forked from it, not from pytest's.
    out = toehold("analyze", folder, "--jobs", 2)
    assert out.returncode == 1
    (line,) = out.stderr.splitlines()
    assert line.startswith(f"toehold: {bad}:3: column acc_y is not a number")
    assert out.stdout.count("sensor mounting:") == 3
    for name in ("a_demo.csv", "b_first4min.csv", "c_first5min.csv"):
        assert f"{name}: foot, left" in out.stdout
    png = tmp_path / "r.png"
    out = cli("report", folder, "-o", png)
    assert out.returncode == 1 and png.is_file()
    assert "3 sessions" in out.stdout and "b_broken.csv:3:" in out.stderr


def test_batch_options_are_checked(folder, cli):
    out = cli("analyze", folder, "--jobs", 0)
    assert out.returncode == 2 and "not a number of jobs" in out.stderr
    out = cli("analyze", folder / "nothing-here")
    assert out.returncode == 1 and out.stderr.strip() == f"toehold: {folder / 'nothing-here'}: no such file or folder"
    empty = folder / "empty"
    empty.mkdir()
    out = cli("analyze", empty)
    assert out.returncode == 1 and "no recordings" in out.stderr


def test_no_progress_bar_when_output_is_not_a_terminal(folder, private_cache_dir, cli):
    out = cli("analyze", folder, "--no-cache", "--json")
    assert out.returncode == 0 and out.stderr == ""
    docs = json.loads(out.stdout)
    assert [Path(d["recording"]["path"]).name for d in docs] == [
        "a_demo.csv", "b_first4min.csv", "c_first5min.csv"]
    assert not list(private_cache_dir.iterdir())


def test_app_exports_in_a_folder_are_one_recording_each_and_cached(tmp_path, spy,
                                                                   private_cache_dir):
    from test_importers import phyphox_export, sensorlogger_export, times, zip_folder

    study = tmp_path / "study"
    phyphox_export(study / "phyphox_monday", times(20, 100), times(20, 100, 0.003))
    sensorlogger_export(tmp_path / "sl", times(20, 100), times(20, 100, 0.004))
    zip_folder(tmp_path / "sl", study / "tuesday.zip")
    shutil.copy(DEMO, study / "wednesday.csv")
    files = batch.collect([study])
    assert [f.name for f in files] == ["phyphox_monday", "tuesday.zip", "wednesday.csv"]
    first = batch.analyze_many(files, jobs=1, placement="foot", side="left")
    assert [r.error for r in first] == [None] * 3 and len(spy) == 3
    assert len(list(private_cache_dir.glob("*.json"))) == 3
    assert all(r.cached for r in batch.analyze_many(files, jobs=1, placement="foot", side="left"))
    # A changed stream inside the export folder is a changed recording.
    gyro = study / "phyphox_monday" / "Gyroscope.csv"
    lines = gyro.read_text().splitlines()
    t, x, *rest = lines[-1].split(",")
    lines[-1] = ",".join([t, repr(float(x) + 0.5), *rest])
    gyro.write_text("\n".join(lines) + "\n")
    again = batch.analyze_many(files, jobs=1, placement="foot", side="left")
    assert [r.error for r in again] == [None] * 3
    assert [r.cached for r in again] == [False, True, True] and len(spy) == 4


def test_one_byte_changed_mid_file_in_a_3_mib_file_changes_its_fingerprint(tmp_path):
    # Issue 19: a fingerprint of the first and last 64 KiB plus the size would
    # keep a stale cached analysis for a recording edited in its middle.
    f = tmp_path / "long.csv"
    body = b"".join(b"%d,0.1,0.2,9.81,0.0,0.0,0.0\n" % i for i in range(120_000))
    assert len(body) > 3 * 1024 * 1024
    f.write_bytes(body)
    st = f.stat()
    before = batch.fingerprint(f)
    mid = len(body) // 2
    mid = body.index(b"0.2", mid)           # a digit in the middle, far from both ends
    f.write_bytes(body[:mid] + b"0.3" + body[mid + 3:])
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_size == st.st_size and f.stat().st_mtime_ns == st.st_mtime_ns
    assert batch.fingerprint(f) != before


def test_one_recording_analysed_alone_may_use_jobs_processes_alike(folder, monkeypatch, spy):
    # A recording analysed alone gets the --jobs processes for itself
    # (SessionAnalyzer(jobs=2): a forked child when it is long enough) and
    # the document one process gives; --jobs 1 keeps one.
    demo = [folder / "a_demo.csv"]
    got = {}

    real = pipeline.analyze_recording

    def seen(rec, *a, analyzer=None, **kw):
        got.setdefault("jobs", []).append(analyzer.jobs)
        return real(rec, *a, analyzer=analyzer, **kw)

    monkeypatch.setattr(pipeline, "analyze_recording", seen)
    two = batch.analyze_many(demo, jobs=2, use_cache=False)[0]
    one = batch.analyze_many(demo, jobs=1, use_cache=False)[0]
    assert got["jobs"] == [2, 1]
    assert two.error is None and two.doc == one.doc and len(one.doc["exercises"])
