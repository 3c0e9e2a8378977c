"""Crafted files against the command line: bounded memory, clean messages, no forged results.

Each test builds the crafted input of one finding of issue 18 (small on
disk) and runs the real command in a child process, measuring the child's
peak memory (``ru_maxrss`` of a fresh parent that only ran that child).
"""
from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from analysis.adherence import MAX_CALENDAR_DAYS, history_adherence
from analysis.prescription import PrescriptionError, load, parse
from benchmarks.untrusted import sensorlogger_bomb, wide_phyphox_export
from sensors.recording import RecordingError, read_recording
from toehold import batch
from toehold.safe_output import csv_cell, private_doc, strict_json

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "recordings" / "demo.csv"
HEADER = "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"
PEAK_LIMIT_MB = 500

_MEASURE = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=float(sys.argv[1]))\n"
    "sys.stdout.write(p.stdout)\n"
    "sys.stderr.write(p.stderr)\n"
    "sys.stderr.write('\\nPEAK_KB=%d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(p.returncode)\n")


def toehold_peak(*args, timeout=120, cwd=None):
    """Run ``python -m toehold ARGS``; (exit code, stdout, stderr, peak MB of that process)."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(timeout), sys.executable, "-m",
                          "toehold", *map(str, args)],
                         capture_output=True, text=True, cwd=cwd or ROOT, timeout=timeout + 30)
    err, _, peak = out.stderr.rpartition("PEAK_KB=")
    return out.returncode, out.stdout, err.strip(), int(peak) / 1024


def rows_csv(path: Path, t_values) -> Path:
    path.write_text(HEADER + "".join(f"{float(t)!r},0,0,9.8,0,0,0\n" for t in t_values))
    return path


# --------------------------------------------------------------------------
# zips, wide CSVs, devices, FIFOs
# --------------------------------------------------------------------------

def test_zip_with_a_300_mb_member_is_refused_in_bounded_memory(tmp_path):
    bomb = sensorlogger_bomb(tmp_path / "export.zip", 300)
    assert bomb.stat().st_size < 2 << 20  # small on disk
    code, _, err, peak = toehold_peak("analyze", "--no-cache", bomb)
    assert code == 1, err
    assert "TotalAcceleration.csv: compressed 5" in err and "zip bomb" in err
    assert "Traceback" not in err and err.count("\n") == 0
    assert peak < PEAK_LIMIT_MB, f"{peak:.0f} MB (6.6 GB before)"


def test_phyphox_csv_with_300k_columns_is_refused_in_bounded_memory(tmp_path):
    f = wide_phyphox_export(tmp_path)
    assert f.stat().st_size > 4 << 20
    code, _, err, peak = toehold_peak("info", f)
    assert code == 1 and "Traceback" not in err
    assert "Accelerometer.csv:1: more than 1000 columns" in err, err
    assert peak < PEAK_LIMIT_MB, f"{peak:.0f} MB"


def test_dev_zero_and_urandom_are_refused_before_reading():
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    t0 = time.monotonic()
    code, _, err, peak = toehold_peak("info", "/dev/zero", timeout=30)
    assert code == 1 and "/dev/zero: is a device; only regular files are read" in err, err
    assert time.monotonic() - t0 < 30 and peak < PEAK_LIMIT_MB
    from sensors.importers import open_any
    with pytest.raises(RecordingError, match="is a device"):
        open_any("/dev/urandom")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "session.csv"
    os.mkfifo(fifo)
    # In a child with a timeout: a regression would hang, not fail.
    for command in ("info", "analyze"):  # open_any; the cache's fingerprint
        code, _, err, _ = toehold_peak(command, fifo, timeout=30)
        assert code == 1 and "FIFO" in err and "Traceback" not in err, (command, err)
    # In a folder scan a FIFO is not a recording at all.
    rows_csv(tmp_path / "real.csv", np.arange(0, 40, 0.01))
    assert [p.name for p in batch.collect([tmp_path])] == ["real.csv"]


def test_a_file_swapped_for_a_fifo_after_the_check_is_refused_on_the_descriptor(tmp_path, monkeypatch):
    import sensors.limits as limits

    fifo = tmp_path / "x.csv"
    os.mkfifo(fifo)
    # The race: the path check passed, then the file became a FIFO. O_NONBLOCK
    # makes the open return at once and fstat on the descriptor refuses it.
    monkeypatch.setattr(limits, "check_regular", lambda path, error=None: None)
    with pytest.raises(RecordingError, match="FIFO"):
        limits.open_regular(fifo, RecordingError)


# --------------------------------------------------------------------------
# time-span bombs
# --------------------------------------------------------------------------

def test_96_byte_csv_ending_at_t_1e5_is_analysed_in_bounded_memory(tmp_path):
    f = tmp_path / "span.csv"
    f.write_text(HEADER + "0,0,0,9.8,0,0,0\n0.01,0,0,9.8,0,0,0\n1e5,0,0,9.8,0,0,0\n")
    assert f.stat().st_size <= 100
    code, out, err, peak = toehold_peak("analyze", f, "--json", "--no-cache")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["recording"]["duration_s"] == pytest.approx(1e5)
    assert doc["exercises"] == []
    assert peak < PEAK_LIMIT_MB, f"{peak:.0f} MB (the whole-span grid took 2.7 GB)"


def test_a_span_of_115_days_is_refused_clearly(tmp_path):
    f = rows_csv(tmp_path / "span.csv", [0, 0.01, 1e7])
    code, _, err, peak = toehold_peak("analyze", f, "--no-cache")
    assert code == 1 and "days" in err and "clock" in err and "Traceback" not in err, err
    assert peak < PEAK_LIMIT_MB
    with pytest.raises(RecordingError, match="span 116 days"):
        read_recording(f)


def test_grid_follows_the_samples_not_the_span():
    """Rows of a real session with an hour's pause: the grid skips the pause's middle."""
    import pandas as pd

    from analysis.preprocess import UniformResampler

    t = np.r_[np.arange(0, 60, 0.01), 3660 + np.arange(0, 60, 0.01)]
    data = pd.DataFrame({"t": t, **{c: np.zeros(len(t)) for c in
                                   ("acc_x", "acc_y", "gyr_x", "gyr_y", "gyr_z")},
                         "acc_z": np.full(len(t), 9.81)})
    u = UniformResampler().resample(data)
    # 2 × 60 s at 50 Hz, plus 4 s of (invalid) filler for the pause.
    assert len(u.t) == pytest.approx(2 * 3000 + 200, abs=4)
    assert u.valid.sum() == pytest.approx(2 * 3000, abs=4)
    assert np.all(np.diff(u.t) > 0) and u.t[-1] == pytest.approx(3719.98, abs=0.02)
    # Before the pause the grid is t0 + k / 50 exactly as it always was.
    np.testing.assert_array_equal(u.t[:3000], np.arange(3000) * (1 / 50))


# --------------------------------------------------------------------------
# folder scans
# --------------------------------------------------------------------------

def test_a_symlink_loop_counts_each_session_once(tmp_path):
    study = tmp_path / "study"
    (study / "week1").mkdir(parents=True)
    rows_csv(study / "week1" / "mon.csv", np.arange(0, 40, 0.01))
    os.symlink(study, study / "week1" / "loop")           # a loop back to the top
    os.symlink(study / "week1", study / "week1_again")    # the same folder twice
    os.symlink(study / "week1" / "mon.csv", study / "mon_link.csv")  # the same file twice
    files = batch.collect([study])
    assert len(files) == 1 and files[0].name in ("mon.csv", "mon_link.csv")
    # Given twice on the command line: still once.
    assert len(batch.collect([study, study / "week1"])) == 1


def test_two_symlink_loops_end_at_once(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    rows_csv(a / "x.csv", np.arange(0, 40, 0.01))
    rows_csv(b / "y.csv", np.arange(0, 40, 0.01))
    os.symlink(b, a / "to_b")
    os.symlink(a, b / "to_a")
    os.symlink(tmp_path, a / "up")
    t0 = time.monotonic()
    names = sorted(p.name for p in batch.collect([tmp_path]))
    assert names == ["x.csv", "y.csv"] and time.monotonic() - t0 < 5


# --------------------------------------------------------------------------
# the cache: private, signed, validated
# --------------------------------------------------------------------------

FORGED = {"format": "toehold-analysis/1",
          "recording": {"path": "x", "duration_s": 456.0, "gaps": [], "placement": "foot",
                        "side": "left", "sample_rate_hz": 100.0},
          "exercises": [{"exercise": "toe_press", "start_s": 1.0, "end_s": 60.0,
                         "reps": [{"start_s": 1.0 + 5 * i, "end_s": 5.0 + 5 * i, "hold_s": 4.0}
                                  for i in range(11)], "circles": [], "strides": []}],
          "balance": {}, "adherence": {}}


def _tiny(tmp_path) -> Path:
    return rows_csv(tmp_path / "a.csv", [0.0, 0.01, 0.02])


def test_a_planted_cache_entry_is_never_taken(tmp_path, private_cache_dir):
    f = _tiny(tmp_path)
    key = batch.cache_key(None, None)
    entry = {"format": batch.CACHE_FORMAT, "key": key, "file": batch.fingerprint(f),
             "doc": FORGED, "mac": "0" * 64}
    # The old attack: an entry beside the recording with the right content hash.
    (tmp_path / ".toehold-cache").mkdir()
    (tmp_path / ".toehold-cache" / "a.csv.json").write_text(json.dumps(entry))
    r = batch.analyze_many([f], jobs=1)[0]
    assert not r.cached and r.doc["exercises"] == [] and r.doc["recording"]["duration_s"] < 1
    # Planted in the cache folder itself, at the entry's own name, without the key.
    target = next(private_cache_dir.glob("*.json"))
    target.write_text(json.dumps(entry))
    r = batch.analyze_many([f], jobs=1)[0]
    assert not r.cached and r.doc["exercises"] == []


def test_a_malformed_signed_entry_means_recomputation_not_a_keyerror(tmp_path, private_cache_dir):
    f = _tiny(tmp_path)
    batch.analyze_many([f], jobs=1)
    target = next(private_cache_dir.glob("*.json"))
    secret = (private_cache_dir / "secret").read_bytes()
    for doc in ({}, {"format": "toehold-analysis/1"}, [], {"format": "toehold-analysis/1",
                "recording": {"duration_s": float("nan")}, "exercises": []}):
        body = {"format": batch.CACHE_FORMAT, "key": batch.cache_key(None, None),
                "file": batch.fingerprint(f), "doc": doc}
        try:
            body["mac"] = batch._signature(secret, body)
        except ValueError:  # NaN cannot even be signed as strict JSON
            body["mac"] = "x"
        target.write_text(json.dumps(body))
        r = batch.analyze_many([f], jobs=1)[0]
        assert r.error is None and not r.cached and r.doc["format"] == "toehold-analysis/1"
    for junk in (b"", b"\xff\xfe", b"[1, 2", b"null"):
        target.write_bytes(junk)
        r = batch.analyze_many([f], jobs=1)[0]
        assert r.error is None and not r.cached


def test_cache_files_are_private_and_a_planted_link_is_not_written_through(tmp_path, private_cache_dir):
    f = _tiny(tmp_path)
    batch.analyze_many([f], jobs=1)
    target = next(private_cache_dir.glob("*.json"))
    assert stat.S_IMODE(private_cache_dir.stat().st_mode) == 0o700
    for p in (target, private_cache_dir / "secret"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    target.unlink()
    os.symlink(victim, target)
    r = batch.analyze_many([f], jobs=1)[0]
    assert r.error is None and victim.read_text() == "keep me"
    assert not target.is_symlink() and json.loads(target.read_text())["format"] == batch.CACHE_FORMAT


def test_a_foreign_secret_key_disables_the_cache_instead_of_failing(tmp_path, private_cache_dir):
    f = _tiny(tmp_path)
    (private_cache_dir / "secret").write_bytes(b"k" * 32)
    os.chmod(private_cache_dir / "secret", 0o644)  # readable by others: not trusted
    for _ in range(2):
        r = batch.analyze_many([f], jobs=1)[0]
        assert r.error is None and not r.cached


# --------------------------------------------------------------------------
# what goes to clinicians: spreadsheets, JSON, privacy
# --------------------------------------------------------------------------

def test_csv_summary_cells_are_spreadsheet_safe(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text('# subject: =HYPERLINK("http://evil.example","open")\n' + HEADER
                 + "".join(f"{t / 100!r},0,0,9.8,0,0,0\n" for t in range(4000)))
    rows = [batch.summary_row(batch.analyze_path(f, use_cache=False))]
    text = batch.table_text(rows, "csv")
    got = next(csv.DictReader(io.StringIO(text)))
    assert got["subject"] == "'=HYPERLINK(\"http://evil.example\",\"open\")"
    for cell in ("+1", "-x", "@SUM(A1)", "\tq", "\rq"):
        assert csv_cell(cell) == "'" + cell
    assert csv_cell(-1.5) == -1.5 and csv_cell("walk") == "walk"


def test_analysis_json_is_strict_with_non_finite_values_noted(tmp_path, monkeypatch, capsys):
    from analysis import pipeline
    from toehold import cli

    real = pipeline.analyze_recording

    def with_nan(rec, *a, **kw):  # a metric that came out non-finite
        doc = real(rec, *a, **kw)
        doc["balance"]["sway_rms_deg"] = float("nan")
        doc["recording"]["sample_rate_hz"] = float("inf")
        return doc
    monkeypatch.setattr(pipeline, "analyze_recording", with_nan)
    f = rows_csv(tmp_path / "a.csv", np.arange(0, 20, 0.01))
    assert cli.main(["analyze", str(f), "--json", "--no-cache"]) == 0
    out = capsys.readouterr().out

    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    doc = json.loads(out, parse_constant=refuse)
    assert doc["balance"]["sway_rms_deg"] is None and doc["recording"]["sample_rate_hz"] is None
    assert sorted(n.split(" ")[0] for n in doc["notes"]) == [
        "balance.sway_rms_deg", "recording.sample_rate_hz"]
    text = strict_json({"a": [1.0, float("inf")], "b": np.float32("nan")})
    assert json.loads(text, parse_constant=refuse) == {"a": [1.0, None], "b": None, "notes": [
        "a[1] was inf (not a number in JSON), written as null",
        "b was nan (not a number in JSON), written as null"]}


def test_private_by_default_no_address_and_base_names_only(tmp_path, capsys):
    from toehold import cli

    folder = tmp_path / "Ann Smith rehab"
    folder.mkdir()
    f = folder / "monday.csv"
    f.write_text("# device: WT901BLE67 (WitMotion) C4:2A:11:00:3B:9E\n# subject: A.S.\n"
                 + HEADER
                 + "".join(f"{t / 100!r},0,0,9.8,0,0,0\n" for t in range(2000)) + "0.5,1")
    assert cli.main(["analyze", str(f), "--json", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "C4:2A" not in out and "Ann Smith" not in out
    doc = json.loads(out)
    assert doc["recording"]["path"] == "monday.csv"
    assert doc["recording"]["device"] == "WT901BLE67 (WitMotion)"
    assert doc["recording"]["subject"] == "A.S."  # as the user wrote it
    assert any("monday.csv" in w for w in doc["recording"]["warnings"])
    assert cli.main(["analyze", str(f), "--json", "--no-cache", "--no-private"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["recording"]["path"] == str(f) and "C4:2A:11:00:3B:9E" in doc["recording"]["device"]


def test_the_report_png_gets_the_private_documents(tmp_path, monkeypatch):
    from toehold import cli, report

    f = tmp_path / "Ann Smith" / "day.csv"
    f.parent.mkdir()
    f.write_text("# device: WT901BLE67 (WitMotion) C4:2A:11:00:3B:9E\n" + HEADER
                 + "".join(f"{t / 100!r},0,0,9.8,0,0,0\n" for t in range(2000)))
    seen = []
    monkeypatch.setattr(report, "render_report",
                        lambda docs, out, history=None, **_: seen.extend(docs) or {"exercises": {}})
    assert cli.main(["report", str(f), "-o", str(tmp_path / "r.png"), "--no-cache"]) == 0
    assert "C4:2A" not in json.dumps(seen) and "Ann Smith" not in json.dumps(seen)
    assert private_doc(seen[0]) == seen[0]


def test_file_names_with_escape_sequences_are_shown_not_obeyed(tmp_path, capsys):
    from toehold import cli

    f = tmp_path / "evil\x1b[2J\x1b]0;pwned\x07.csv"
    f.write_text("not,a,recording\n1,2,3\n")
    assert cli.main(["info", str(f)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "evil\\x1b[2J\\x1b]0;pwned\\x07.csv" in err


# --------------------------------------------------------------------------
# prescriptions and calendars
# --------------------------------------------------------------------------

GOOD_ITEM = '[[item]]\nexercise = "toe_press"\nreps = 10\nhold_s = 4.0\n'


@pytest.mark.parametrize("text, why", [
    ("[[item]]\nexercise = \"toe_press\"\nreps = 10\nhold_s = nan\n", "finite"),
    ("[[item]]\nexercise = \"toe_press\"\nreps = 10\nhold_s = inf\n", "finite"),
    ("[[item]]\nexercise = \"toe_press\"\nreps = 10\nhold_s = -inf\n", "finite"),
    ("sessions_per_day = 2000000\n" + GOOD_ITEM, "between 1 and 24"),
    ("[[item]]\nexercise = \"toe_press\"\nreps = 1e9\n", "whole number|between"),
    ("[[item]]\nexercise = \"toe_press\"\nreps = 2.5\n", "whole number"),
    ("[[item]]\nexercise = \"tiptoe_walk\"\nduration_s = [30.0, 20.0]\n", "minimum"),
    ("[[item]]\nexercise = \"tiptoe_walk\"\nduration_s = [20.0, nan]\n", "finite"),
    (GOOD_ITEM + GOOD_ITEM, "twice"),
    ("[[item]]\nexercise = \"toe_press\"\nper_foot = \"yes\"\n", "true or false"),
])
def test_bad_prescriptions_are_refused_naming_the_problem(text, why):
    with pytest.raises(PrescriptionError, match=why):
        parse(text, "p.toml")


def test_a_bad_prescription_on_the_command_line_is_one_line(tmp_path, capsys):
    from toehold import cli

    p = tmp_path / "p.toml"
    p.write_text("sessions_per_day = 2000000\n" + GOOD_ITEM)
    assert cli.main(["report", str(DEMO), "--prescription", str(p), "-o",
                     str(tmp_path / "r.png")]) == 1
    err = capsys.readouterr().err
    assert "'sessions_per_day' is 2000000; it must be between 1 and 24" in err
    assert not (tmp_path / "r.png").exists()


def test_recordings_dated_year_1_and_9999_do_not_blow_up_the_calendar():
    import tracemalloc

    def doc(when):
        return {"recording": {"start_time": when}, "adherence": {"done": True, "completion": 1.0}}
    docs = [doc("0001-01-01T00:00:00Z"), doc("9999-12-31T00:00:00Z"),
            doc("2026-11-02T08:00:00Z"), doc("2026-11-04T08:00:00Z")]
    tracemalloc.start()
    h = history_adherence(docs, load())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [d["date"] for d in h["days"]] == ["2026-11-02", "2026-11-03", "2026-11-04"]
    assert h["undated_sessions"] == 2 and peak < 5 << 20
    # Plausible dates years apart: the calendar keeps the last MAX_CALENDAR_DAYS.
    h = history_adherence([doc("1995-01-01T00:00:00Z"), doc("2026-11-04T08:00:00Z")], load())
    assert len(h["days"]) == MAX_CALENDAR_DAYS and h["sessions_before_calendar"] == 1


def test_new_recordings_are_readable_by_their_owner_only(tmp_path):
    from sensors.recording import RecordingWriter

    with RecordingWriter(tmp_path / "r.csv", {"subject": "A.S."}) as w:
        w.write_rows([[0.0, 0, 0, 9.8, 0, 0, 0]])
    assert stat.S_IMODE((tmp_path / "r.csv").stat().st_mode) == 0o600


def test_a_zip_of_thousands_of_csvs_is_refused_before_opening_them(tmp_path):
    from sensors.importers import open_any

    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for k in range(1500):
            zf.writestr(f"s{k}/Gyroscope.csv", "time,seconds_elapsed,z,y,x\n")
    t0 = time.monotonic()
    with pytest.raises(RecordingError, match="more than 1000 CSV files"):
        open_any(path)
    assert time.monotonic() - t0 < 5
