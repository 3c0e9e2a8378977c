"""Issue 15: a new user's first hour — arguments checked before the work, files kept, honest figures.

Commands run in-process through ``toehold.cli.main`` (argparse's refusals
raise ``SystemExit(2)`` after printing one ``error:`` line).
"""
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from sensors.recording import (
    lost_seconds,
    read_recording,
    recording_from_arrays,
    write_recording,
)
from toehold.cli import build_parser, main

REC_HEADER = "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"


def _still_rows(n=300, rate=100.0):
    t = np.arange(n) / rate
    return REC_HEADER + "".join(f"{x:.2f},0,0,9.81,0,0,0\n" for x in t)


def _refused(capsys, argv, *words):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert len(err.strip().splitlines()) == 1, err  # one line, not the usage
    assert "error:" in err and all(w in err for w in words), err


# ---------------------------------------------------------------- values out of range

@pytest.mark.parametrize("argv, words", [
    (["simulate", "--exercises", "bogus", "-o", "x.csv"], ["bogus", "toe_press"]),
    (["simulate", "--exercises", "toe_press,tiptoes", "-o", "x.csv"], ["tiptoes"]),
    (["simulate", "--rate", "0", "-o", "x.csv"], ["--rate"]),
    (["simulate", "--seed", "-5", "-o", "x.csv"], ["--seed", "0 or more"]),
    (["simulate", "--packet-loss", "2", "-o", "x.csv"], ["--packet-loss", "fraction"]),
    (["simulate", "--packet-loss", "nan", "-o", "x.csv"], ["--packet-loss"]),
    (["record", "--duration", "-1"], ["--duration", "more than 0"]),
    (["record", "--rate", "0"], ["--rate"]),
    (["record", "--give-up-after", "0"], ["--give-up-after"]),
    (["scan", "--timeout", "inf"], ["--timeout", "finite"]),
    (["report", "--jobs", "0"], ["--jobs"]),
])
def test_values_out_of_range_are_refused_before_any_work(tmp_path, monkeypatch, capsys, argv, words):
    monkeypatch.chdir(tmp_path)
    _refused(capsys, argv, *words)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_no_number_option_takes_a_bare_int_or_float():
    """Every number a command takes goes through a checking type of toehold.args (a range, > 0 ...)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    numeric = []
    for name, p in sub.choices.items():
        for a in p._actions:
            assert a.type not in (int, float), f"{name} {a.option_strings}: bare {a.type.__name__}"
            if a.type is not None:
                numeric.append((name, a.dest))
    assert ("simulate", "packet_loss") in numeric and ("record", "duration") in numeric


def test_version_names_the_package_and_the_analyser(capsys):
    from analysis.pipeline import ANALYSER_VERSION

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert re.fullmatch(rf"toehold \S+ \(analyser {re.escape(ANALYSER_VERSION)}\)\n", capsys.readouterr().out)


@pytest.mark.parametrize("command", ["scan", "record"])
def test_scan_and_record_help_describe_them_and_list_the_sensor_types(capsys, command):
    from sensors.devices import TYPES

    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = " ".join(capsys.readouterr().out.split())
    description = out.split("options:")[0]
    assert len(description.split()) > 25  # a sentence or two beyond the usage line
    emulate_help = out.split("--emulate TYPE")[1]
    assert all(t in emulate_help for t in TYPES)


# ---------------------------------------------------------------- outputs

def test_every_output_option_is_checked_before_the_work():
    """A command that writes a file declares it (toehold.args.add_output).

    record and session write into new names they pick (a recording is never
    overwritten: NAME-2.csv), so they check their outputs themselves.
    """
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        outputs = [a for a in p._actions if "-o" in a.option_strings]
        declared = {o.dest for o in p.get_default("_outputs") or ()}
        for a in outputs:
            assert a.dest in declared or name in ("record", "session"), name
        if outputs:
            assert any(a.dest == "force" for a in p._actions), name


@pytest.mark.parametrize("argv", [
    ["simulate", "--seed", "1", "-o", "{old}"],
    ["import", "{src}", "-o", "{old}"],
    ["analyze", "{src}", "-o", "{old}"],
    ["report", "{src}", "-o", "{png}"],
])
def test_an_existing_file_is_never_overwritten_without_force(tmp_path, capsys, argv):
    old = tmp_path / "keep.csv"
    old.write_text(_still_rows())
    src = tmp_path / "src.csv"
    src.write_text(_still_rows())
    png = tmp_path / "photo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n not a report")
    before = {p: p.read_bytes() for p in (old, png)}
    args = [a.format(old=old, src=src, png=png) for a in argv]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("toehold: ") and "already exists" in err and "--force" in err
    assert {p: p.read_bytes() for p in (old, png)} == before


def test_simulate_with_force_overwrites_and_says_so(tmp_path, capsys):
    out = tmp_path / "keep.csv"
    out.write_text("precious\n")
    assert main(["simulate", "--seed", "1", "--exercises", "toe_press", "-o", str(out), "--force"]) == 0
    assert out.read_text().startswith("# format: toehold-recording/1")
    assert f"wrote {out} " in capsys.readouterr().out


def test_simulate_refuses_to_overwrite_the_truth_file_too(tmp_path, capsys):
    (tmp_path / "s.truth.json").write_text("{}")
    assert main(["simulate", "-o", str(tmp_path / "s.csv")]) == 1
    assert "s.truth.json: already exists" in capsys.readouterr().err
    assert not (tmp_path / "s.csv").exists()


def test_record_to_a_taken_name_records_to_the_next_free_one(tmp_path):
    """The plan is made before connecting; an existing recording keeps every byte."""
    from toehold.commands.record import _plan

    old = tmp_path / "keep.csv"
    old.write_text("a 1-minute recording\n")
    (tmp_path / "keep-2.csv").write_text("another\n")
    args = build_parser().parse_args(["record", "-o", str(old), "--emulate", "witmotion"])
    plan = _plan(args)
    assert [p["path"] for p in plan] == [tmp_path / "keep-3.csv"]
    assert plan[0]["renamed_from"] == old
    args = build_parser().parse_args(["record", "-o", str(old), "--force"])
    assert _plan(args)[0]["path"] == old
    two = build_parser().parse_args(["record", "-o", str(tmp_path / "today.csv"), "--device", "A", "--device", "B"])
    assert [p["path"].name for p in _plan(two)] == ["today_1.csv", "today_2.csv"]


@pytest.mark.parametrize("argv, message", [
    (["report", "-o", "{d}/r.xyz"], "unknown file type '.xyz'"),
    (["report", "-o", "{d}/missing/r.png"], "folder {d}/missing does not exist"),
    (["analyze", "{src}", "-o", "{d}/missing/a.json"], "folder {d}/missing does not exist"),
    (["simulate", "-o", "{d}/missing/s.csv"], "folder {d}/missing does not exist"),
    (["simulate", "-o", "{d}/s.json"], "unknown file type '.json'"),
    (["import", "{src}", "-o", "{d}/missing/i.csv"], "folder {d}/missing does not exist"),
    (["record", "--emulate", "witmotion", "-o", "{d}/missing/r.csv"], "folder {d}/missing does not exist"),
    (["report", "-o", "{d}"], "is a folder"),
])
def test_bad_output_paths_are_one_line_errors_before_the_work(tmp_path, capsys, monkeypatch, argv, message):
    import toehold.batch

    def no_work(*a, **k):
        raise AssertionError("the work started before the output was checked")

    monkeypatch.setattr(toehold.batch, "analyze_many", no_work)
    src = tmp_path / "src.csv"
    src.write_text(_still_rows())
    assert main([a.format(d=tmp_path, src=src) for a in argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("toehold: ") and message.format(d=tmp_path) in err
    assert len(err.strip().splitlines()) == 1


def test_report_without_an_extension_writes_png_and_prints_that_path(tmp_path, capsys):
    src = tmp_path / "src.csv"
    src.write_text("# placement: foot\n" + _still_rows())
    assert main(["report", str(src), "--no-cache", "-o", str(tmp_path / "myreport")]) == 0
    assert (tmp_path / "myreport.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "myreport").exists()
    assert capsys.readouterr().out.startswith(f"wrote {tmp_path / 'myreport.png'} ")
    # A report toehold drew is redrawn without --force.
    assert main(["report", str(src), "--no-cache", "-o", str(tmp_path / "myreport.png")]) == 0


# ---------------------------------------------------------------- honest figures

def test_lost_time_is_the_missing_samples_over_the_rate(tmp_path):
    """505 single-sample gaps at 100 Hz lose 5.05 s, not 10.1 s (each step is two periods)."""
    t = np.arange(20_000) / 100.0
    keep = np.ones(len(t), bool)
    keep[np.arange(10, 10 + 505 * 30, 30)] = False  # 505 single lost samples
    keep[15_500:15_800] = False  # and one run of 300
    n = keep.sum()
    rec = recording_from_arrays({"t": t[keep], "acc_x": np.zeros(n), "acc_y": np.zeros(n),
                                 "acc_z": np.full(n, 9.81), "gyr_x": np.zeros(n), "gyr_y": np.zeros(n),
                                 "gyr_z": np.zeros(n)}, {"placement": "foot"})
    assert len(rec.gaps) == 506
    assert lost_seconds(rec.gaps, rec.sampling_rate_hz) == pytest.approx((505 + 300) / 100.0)
    path = tmp_path / "lossy.csv"
    write_recording(path, rec.data, rec.metadata)
    from sensors.load import load_recording
    from toehold.commands.info import summary_lines

    info = "\n".join(summary_lines(load_recording(path)))
    assert "gaps         506, 8.05 s lost in all" in info


def test_the_units_warning_does_not_fire_on_a_correct_file_full_of_hops(tmp_path):
    """6 s standing still, then 54 s of hops and runs: |a| ≈ 0 in flight, 20–42 m/s² on the ground."""
    rate = 100.0
    t = np.arange(int(60 * rate)) / rate
    rng = np.random.default_rng(3)
    norm = np.full(len(t), 9.81)
    hop = t >= 6
    phase = (t[hop] * 2.0) % 1.0  # two hops a second
    norm[hop] = np.where(phase < 0.2, 0.3, np.where(phase < 0.35, 42.0, 20.0))
    acc = np.stack([0.05 * rng.standard_normal(len(t)), 0.05 * rng.standard_normal(len(t)),
                    norm + 0.05 * rng.standard_normal(len(t))], axis=1)
    assert np.median(np.linalg.norm(acc, axis=1)) > 15  # the whole file's median is far off
    df = pd.DataFrame({"t": t, "acc_x": acc[:, 0], "acc_y": acc[:, 1], "acc_z": acc[:, 2],
                       "gyr_x": 0.0, "gyr_y": 0.0, "gyr_z": 0.0})
    path = tmp_path / "hops.csv"
    write_recording(path, df, {"placement": "foot"})
    assert not [w for w in read_recording(path).warnings if "units" in w or "in g" in w]
    g_path = tmp_path / "hops_g.csv"
    write_recording(g_path, df.assign(**{c: df[c] / 9.80665 for c in ("acc_x", "acc_y", "acc_z")}),
                    {"placement": "foot"})
    rec = read_recording(g_path)
    assert any("converted to m/s²" in w for w in rec.warnings)
    assert rec.data["acc_z"].iloc[0] == pytest.approx(df["acc_z"].iloc[0], abs=1e-3)
    mg_path = tmp_path / "hops_mg.csv"
    write_recording(mg_path, df.assign(**{c: df[c] / 9.80665 * 1000 for c in ("acc_x", "acc_y", "acc_z")}),
                    {"placement": "foot"})
    assert any("check the units" in w for w in read_recording(mg_path).warnings)


def test_json_times_are_rounded_to_a_tenth_of_a_millisecond(tmp_path, capsys):
    """Float32 export times (1.34 read as 1.3400001525878906) do not reach the JSON."""
    t32 = (np.arange(3000) / 100.0).astype(np.float32).astype(float)
    keep = np.ones(len(t32), bool)
    keep[134:137] = False
    n = keep.sum()
    df = pd.DataFrame({"t": t32[keep], "acc_x": 0.0, "acc_y": 0.0, "acc_z": 9.81,
                       "gyr_x": 0.0, "gyr_y": 0.0, "gyr_z": 0.0})
    from analysis.pipeline import analyze_recording

    doc = analyze_recording(recording_from_arrays(df, {"placement": "foot"}))
    assert doc["recording"]["gaps"] == [{"start_s": 1.33, "end_s": 1.37}]
    text = json.dumps(doc)
    assert not re.search(r"_s\": -?\d+\.\d{5,}", text)
    assert n == len(df)
    assert math.isclose(doc["recording"]["duration_s"], 29.99, abs_tol=1e-9)
