"""Phone-app importers on files built to each app's documented export format.

Builders below write the files exactly as documented (sources cited in each
builder's comment; the same the importers cite):

* phyphox: export-set headers ``"Time (s)","Acceleration x (m/s^2)",...`` and
  ``"Gyroscope x (rad/s)"``; "CSV (Comma, decimal point)", "(Tabulator, decimal
  point)", "(Semicolon, decimal comma)" (phyphox-ios ExperimentExportSet.swift);
  ``meta/time.csv``: ``"event","experiment time","system time","system time text"``.
* Sensor Logger (tszheichoi/awesome-sensor-logger UNITS.md, README.md): ``time``
  epoch ns, ``seconds_elapsed``, axes ``z,y,x``; TotalAcceleration with gravity,
  Accelerometer without, Gravity, Gyroscope rad/s; Metadata.csv ``platform``.
* MetaBase (MbientLab app code): ``epoc (ms),timestamp (-0700),elapsed (s),
  x-axis (g),y-axis (g),z-axis (g)`` and ``x-axis (deg/s)``.
"""
from __future__ import annotations

import datetime
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from sensors.importers import detect_format, open_any
from sensors.recording import RecordingError, read_recording

ROOT = Path(__file__).resolve().parents[1]
EPOCH0 = 1_764_000_000.0  # 2025-11-24T16:00:00Z
G = 9.80665


# --------------------------------------------------------------------------
# builders
# --------------------------------------------------------------------------

def motion(t):
    """A rocking foot: acceleration with gravity (m/s²) and rate (deg/s), (n, 3) each."""
    ang = np.radians(20) * np.sin(2 * np.pi * 0.5 * t)
    acc = np.column_stack([G * np.sin(ang), 0.1 * np.cos(t), G * np.cos(ang)])
    rate = np.degrees(np.radians(20) * 2 * np.pi * 0.5 * np.cos(2 * np.pi * 0.5 * t))
    gyr = np.column_stack([0.5 * np.sin(t), rate, -0.3 * np.ones_like(t)])
    return acc, gyr


def times(duration_s, sampling_rate_hz, offset_s=0.0, drop=None):
    t = offset_s + np.arange(int(round(duration_s * sampling_rate_hz))) / sampling_rate_hz
    if drop is not None:
        t = t[(t < drop[0]) | (t > drop[1])]
    return t


def _rows(path, header, rows, sep=",", quote=False, decimal_comma=False):
    head = sep.join(f'"{h}"' if quote else h for h in header)
    fmt = (lambda v: repr(float(v)).replace(".", ",")) if decimal_comma else (lambda v: repr(float(v)))
    body = "\n".join(sep.join(fmt(v) for v in row) for row in rows.tolist())
    path.write_text(head + "\n" + body + "\n", encoding="utf-8")
    return path


def phyphox_export(folder, ta, tg, sep=",", decimal_comma=False, linear=False, with_gyro=True,
                   start_epoch=EPOCH0):
    # phyphox export sets: quoted headers, "Time (s)" then the axes with units.
    folder.mkdir(parents=True, exist_ok=True)
    acc, _ = motion(ta)
    _, gyr = motion(tg)
    name = "Linear Acceleration" if linear else "Acceleration"
    a = acc - (np.array([0, 0, G]) if linear else 0)
    _rows(folder / f"{'Linear Acceleration' if linear else 'Accelerometer'}.csv",
          ["Time (s)"] + [f"{name} {c} (m/s^2)" for c in "xyz"] + ["Absolute acceleration (m/s^2)"],
          np.column_stack([ta, a, np.linalg.norm(a, axis=1)]), sep, True, decimal_comma)
    if with_gyro:
        g = np.radians(gyr)
        _rows(folder / "Gyroscope.csv",
              ["Time (s)"] + [f"Gyroscope {c} (rad/s)" for c in "xyz"] + ["Absolute (rad/s)"],
              np.column_stack([tg, g, np.linalg.norm(g, axis=1)]), sep, True, decimal_comma)
    (folder / "meta").mkdir(exist_ok=True)
    (folder / "meta" / "time.csv").write_text(
        '"event","experiment time","system time","system time text"\n'
        f'"START",0.000000000E0,{start_epoch:.3f},"2025-11-24 17:00:00.000 UTC+01:00"\n',
        encoding="utf-8")
    return folder


def sensorlogger_export(folder, ta, tg, platform="android", total=True, t0_ns=int(EPOCH0 * 1e9)):
    # Sensor Logger: time (epoch ns), seconds_elapsed, then z,y,x; SI units, gyro rad/s.
    folder.mkdir(parents=True, exist_ok=True)
    acc, _ = motion(ta)
    _, gyr = motion(tg)
    sign = -1.0 if platform == "iOS" else 1.0

    def write(name, t, xyz):
        ns = t0_ns + np.round(t * 1e9).astype(np.int64)
        lines = ["time,seconds_elapsed,z,y,x"] + [
            f"{n},{s!r},{z!r},{y!r},{x!r}" for n, s, (x, y, z) in zip(ns.tolist(), t.tolist(), xyz.tolist())]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

    grav = np.tile([0, 0, G], (len(ta), 1))
    if total:
        write("TotalAcceleration.csv", ta, acc)
    else:
        write("Gravity.csv", ta, sign * grav)
    write("Accelerometer.csv", ta, sign * (acc - grav))
    write("Gyroscope.csv", tg, np.radians(gyr))
    (folder / "Metadata.csv").write_text(
        "version,device name,recording time,platform\n"
        f"3,Pixel 7,2025-11-24_16-00-00,{platform}\n", encoding="utf-8")
    return folder


PREFIX = "MetaWear_2025-11-24T16.00.00.000_C8C1CBAB2C41"


def metabase_export(folder, ta, tg, prefix=PREFIX):
    # MetaBase: epoc (ms),timestamp (zone),elapsed (s), then axes in g or deg/s.
    folder.mkdir(parents=True, exist_ok=True)
    acc, _ = motion(ta)
    _, gyr = motion(tg)

    def write(name, t, xyz, unit):
        lines = [f"epoc (ms),timestamp (-0700),elapsed (s),x-axis ({unit}),y-axis ({unit}),z-axis ({unit})"]
        for s, (x, y, z) in zip(t.tolist(), xyz.tolist()):
            lines.append(f"{int(round((EPOCH0 + s) * 1000))},2025-11-24T09:00:00.000,{s:.3f},"
                         f"{x:.5f},{y:.5f},{z:.5f}")
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        return folder / name

    return (write(f"{prefix}_Accelerometer_100.000Hz_1.4.4.csv", ta, acc / G, "g"),
            write(f"{prefix}_Gyroscope_100.000Hz_1.4.4.csv", tg, gyr, "deg/s"))


def zip_folder(folder, out):
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(folder))
    return out


def check_signals(rec, atol_acc=0.02, atol_gyr=0.5):
    """The imported rows equal the true motion at the rows' times (contract units)."""
    # The first kept row's time on the export's clock, from start_time (ms).
    start = datetime.datetime.fromisoformat(rec.start_time.replace("Z", "+00:00")).timestamp()
    t_abs = rec.data["t"].to_numpy() + round(start - EPOCH0, 3)
    acc, gyr = motion(t_abs)
    assert np.allclose(rec.data[["acc_x", "acc_y", "acc_z"]].to_numpy(), acc, atol=atol_acc)
    assert np.allclose(rec.data[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(), gyr, atol=atol_gyr)


# --------------------------------------------------------------------------
# each importer on its documented format
# --------------------------------------------------------------------------

@pytest.mark.parametrize("sep,decimal_comma", [(",", False), ("\t", False), (";", True)])
def test_phyphox_each_csv_flavour_gives_m_s2_and_deg_s(tmp_path, sep, decimal_comma):
    folder = phyphox_export(tmp_path / "phy", times(10, 100), times(10, 100, 0.004), sep, decimal_comma)
    rec = open_any(folder, placement="foot", side="left")
    assert rec.source_format == "phyphox"
    check_signals(rec)
    assert rec.start_time == "2025-11-24T16:00:00.010Z"  # the first row with both sensors
    assert len(rec.gaps) == 0 and abs(rec.sampling_rate_hz - 100) < 1
    assert any("rad/s → deg/s" in n for n in rec.import_notes)


def test_phyphox_zip_and_single_csv_are_the_same_recording(tmp_path):
    folder = phyphox_export(tmp_path / "phy", times(5, 200), times(5, 100, 0.003))
    z = zip_folder(folder, tmp_path / "phy.zip")
    a, b, c = open_any(folder), open_any(z), open_any(folder / "Accelerometer.csv")
    assert detect_format(z) == "phyphox" and detect_format(folder / "Gyroscope.csv") == "phyphox"
    for other in (b, c):
        assert np.array_equal(a.data.to_numpy(), other.data.to_numpy())


def test_phyphox_linear_acceleration_only_is_refused_with_the_reason(tmp_path):
    folder = phyphox_export(tmp_path / "phy", times(5, 100), times(5, 100), linear=True)
    with pytest.raises(RecordingError, match=r"Linear Acceleration\.csv: .*gravity.*Acceleration with g"):
        open_any(folder)


def test_phyphox_without_gyroscope_says_so(tmp_path):
    folder = phyphox_export(tmp_path / "phy", times(5, 100), times(5, 100), with_gyro=False)
    with pytest.raises(RecordingError, match=r"phy: no phyphox gyroscope CSV"):
        open_any(folder)


def test_sensorlogger_android_total_acceleration(tmp_path):
    folder = sensorlogger_export(tmp_path / "sl", times(10, 100), times(10, 100, 0.0037))
    rec = open_any(folder, placement="ankle", side="right")
    assert rec.source_format == "Sensor Logger"
    check_signals(rec)
    assert rec.start_time == "2025-11-24T16:00:00.010Z"  # first accelerometer row with gyro
    assert rec.placement == "ankle" and rec.side == "right"
    assert any("TotalAcceleration" in n for n in rec.import_notes)


def test_sensorlogger_ios_adds_gravity_and_flips_the_sign(tmp_path):
    folder = sensorlogger_export(tmp_path / "sl", times(10, 100), times(10, 100, 0.002),
                                 platform="iOS", total=False)
    rec = open_any(zip_folder(folder, tmp_path / "sl.zip"))
    check_signals(rec)  # +9.81 on the up axis, same frame as the gyroscope
    assert any("Gravity.csv" in n for n in rec.import_notes)
    assert any("iOS" in n for n in rec.import_notes)


def test_sensorlogger_without_gravity_anywhere_is_refused(tmp_path):
    folder = sensorlogger_export(tmp_path / "sl", times(5, 100), times(5, 100), total=False)
    (folder / "Gravity.csv").unlink()
    with pytest.raises(RecordingError, match=r"Accelerometer\.csv: .*gravity removed"):
        open_any(folder)


def test_metabase_g_to_m_s2_and_start_time(tmp_path):
    acc_csv, _ = metabase_export(tmp_path / "mb", times(10, 100), times(10, 100, 0.005))
    rec = open_any(acc_csv)
    assert rec.source_format == "MbientLab MetaBase"
    check_signals(rec, atol_acc=0.01, atol_gyr=0.3)
    assert rec.start_time == "2025-11-24T16:00:00.010Z"
    med = np.median(np.linalg.norm(rec.data[["acc_x", "acc_y", "acc_z"]].to_numpy(), axis=1))
    assert abs(med - G) < 0.1  # g converted, not left at ~1


def test_metabase_folder_with_two_sessions_asks_for_one_file(tmp_path):
    metabase_export(tmp_path / "mb", times(3, 100), times(3, 100))
    a2, _ = metabase_export(tmp_path / "mb", times(4, 100), times(4, 100),
                            prefix="MetaWear_2025-11-25T16.00.00.000_C8C1CBAB2C41")
    with pytest.raises(RecordingError, match="2 MetaBase sessions"):
        open_any(tmp_path / "mb")
    assert open_any(a2).duration_s == pytest.approx(3.99, abs=0.02)


# --------------------------------------------------------------------------
# alignment and gaps
# --------------------------------------------------------------------------

def test_misaligned_streams_are_interpolated_onto_the_accelerometer_times(tmp_path):
    ta = times(10, 100, 0.0)
    tg = times(10, 97, 0.0061)  # another rate and phase, as phones deliver
    folder = sensorlogger_export(tmp_path / "sl", ta, tg)
    rec = open_any(folder)
    t = rec.data["t"].to_numpy()
    # Every output time is an accelerometer time; none outside the gyro's span.
    assert np.allclose(np.diff(t), 0.01, atol=1e-6)
    assert rec.start_time == "2025-11-24T16:00:00.010Z"  # first accelerometer time ≥ the gyro's first
    check_signals(rec)


@pytest.mark.parametrize("which", ["acc", "gyr"])
def test_a_gap_in_either_stream_is_a_gap_in_the_output(tmp_path, which):
    drop = (4.0, 5.5)
    ta = times(10, 100, drop=drop if which == "acc" else None)
    tg = times(10, 100, 0.004, drop=drop if which == "gyr" else None)
    folder = sensorlogger_export(tmp_path / "sl", ta, tg)
    rec = open_any(folder)
    t = rec.data["t"].to_numpy()
    assert len(rec.gaps) == 1
    start, end = rec.gaps["start_s"].iloc[0], rec.gaps["end_s"].iloc[0]
    assert start <= 4.0 and end >= 5.5 and end - start < 1.6
    assert not np.any((t > 4.01) & (t < 5.49))  # no invented rows across it
    # Written and read back, the contract reader sees the same gap.
    out = tmp_path / "x.csv"
    assert subprocess.run([sys.executable, "-m", "toehold", "import", folder, "-o", out],
                          capture_output=True, cwd=ROOT).returncode == 0
    assert len(read_recording(out).gaps) == 1


def test_streams_that_do_not_overlap_are_refused(tmp_path):
    folder = sensorlogger_export(tmp_path / "sl", times(5, 100), times(5, 100, 100.0))
    with pytest.raises(RecordingError, match="do not overlap"):
        open_any(folder)


# --------------------------------------------------------------------------
# malformed files: one clear line naming the file and line
# --------------------------------------------------------------------------

def test_phyphox_malformed_value_names_file_line_and_column(tmp_path):
    folder = phyphox_export(tmp_path / "phy", times(2, 100), times(2, 100))
    f = folder / "Gyroscope.csv"
    lines = f.read_text().splitlines()
    lines[7] = lines[7].replace(lines[7].split(",")[2], '"abc"')
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordingError, match=r"Gyroscope\.csv:8: column 'Gyroscope y \(rad/s\)' is not a number"):
        open_any(folder)


def test_sensorlogger_time_going_backwards_names_the_line(tmp_path):
    folder = sensorlogger_export(tmp_path / "sl", times(2, 100), times(2, 100))
    f = folder / "Gyroscope.csv"
    lines = f.read_text().splitlines()
    lines[10], lines[11] = lines[11], lines[10]  # file lines 11 and 12
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordingError, match=r"Gyroscope\.csv:12: time goes backwards"):
        open_any(folder)


def test_metabase_missing_column_names_the_header_line(tmp_path):
    acc_csv, _ = metabase_export(tmp_path / "mb", times(2, 100), times(2, 100))
    text = acc_csv.read_text().replace("z-axis (g)", "q-axis (g)", 1)
    acc_csv.write_text(text)
    with pytest.raises(RecordingError, match=r"Gyroscope.*without an accelerometer CSV"):
        open_any(tmp_path / "mb")
    acc_csv.write_text(text.replace("q-axis (g)", "z-axis (g)").replace(",", ";", 3))
    with pytest.raises(RecordingError, match=r"Accelerometer_100\.000Hz_1\.4\.4\.csv"):
        open_any(acc_csv)


def test_cut_off_last_line_is_dropped_and_reported(tmp_path):
    folder = sensorlogger_export(tmp_path / "sl", times(2, 100), times(2, 100))
    f = folder / "TotalAcceleration.csv"
    data = f.read_bytes().rstrip(b"\n")
    last = data.rsplit(b"\n", 1)[1]
    f.write_bytes(data[: len(data) - len(last)] + last[:30])  # a crash mid-row
    rec = open_any(folder)
    assert any("TotalAcceleration.csv: the last line was cut off" in w for w in rec.warnings)
    assert rec.cut_off and len(rec.data) == 199  # the 200 rows less the cut one


def test_unrecognised_input_lists_the_supported_formats(tmp_path):
    f = tmp_path / "weird.csv"
    f.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(RecordingError, match=r"weird\.csv: not a recording toehold can read.*phyphox.*Sensor Logger.*MetaBase"):
        open_any(f)
    (tmp_path / "empty").mkdir()
    with pytest.raises(RecordingError, match=r"empty: not a recording .*no CSV files"):
        open_any(tmp_path / "empty")
    with pytest.raises(RecordingError, match="no such file"):
        open_any(tmp_path / "nope.zip")


def test_open_any_dispatch(tmp_path):
    phy = phyphox_export(tmp_path / "phy", times(2, 100), times(2, 100))
    sl = sensorlogger_export(tmp_path / "sl", times(2, 100), times(2, 100))
    acc_csv, _ = metabase_export(tmp_path / "mb", times(2, 100), times(2, 100))
    assert detect_format(phy) == "phyphox"
    assert detect_format(sl) == "sensorlogger"
    assert detect_format(sl / "Gyroscope.csv") == "sensorlogger"
    assert detect_format(tmp_path / "mb") == "metabase"
    assert detect_format(acc_csv) == "metabase"
    assert detect_format(ROOT / "recordings" / "demo.csv") == "toehold"
    plain = tmp_path / "plain.csv"
    plain.write_text("t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0,0,0,9.8,0,0,0\n0.01,0,0,9.8,0,0,0\n")
    assert open_any(plain, placement="foot", side="left").placement == "foot"


# --------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------

def test_toehold_import_end_to_end(tmp_path, cli):
    folder = phyphox_export(tmp_path / "phy", times(20, 100), times(20, 100, 0.004, drop=(8, 9)))
    out = tmp_path / "phone.csv"
    res = cli("import", zip_folder(folder, tmp_path / "phy.zip"), "-o", out,
              "--placement", "foot", "--side", "right")
    assert res.returncode == 0, res.stderr
    assert "phyphox" in res.stdout and "1 gaps" in res.stdout and "rad/s → deg/s" in res.stdout
    rec = read_recording(out)
    assert rec.metadata["format"] == "toehold-recording/1"
    assert rec.placement == "foot" and rec.side == "right"
    assert rec.start_time == "2025-11-24T16:00:00.010Z"
    assert len(rec.gaps) == 1
    bad = cli("import", tmp_path / "nothing-here", "-o", tmp_path / "y.csv")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("toehold: ") and "nothing-here" in bad.stderr


def test_toehold_analyze_accepts_an_app_export_directly(tmp_path, cli):
    # The demo session exported as Sensor Logger would write it (Android, SI units).
    demo = read_recording(ROOT / "recordings" / "demo.csv")
    d = demo.data
    folder = tmp_path / "sl"
    folder.mkdir()
    t0_ns = int(EPOCH0 * 1e9)
    for name, cols, scale in (("TotalAcceleration.csv", ["acc_x", "acc_y", "acc_z"], 1.0),
                              ("Gyroscope.csv", ["gyr_x", "gyr_y", "gyr_z"], np.pi / 180)):
        ns = t0_ns + np.round(d["t"].to_numpy() * 1e9).astype(np.int64)
        arr = np.column_stack([ns, d["t"], d[cols[2]] * scale, d[cols[1]] * scale, d[cols[0]] * scale])
        np.savetxt(folder / name, arr, fmt=["%d", "%.6f", "%.6f", "%.6f", "%.6f"], delimiter=",",
                   header="time,seconds_elapsed,z,y,x", comments="")
    res = cli("analyze", folder, "--json", "--placement", "foot", "--side", "left")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    ref = json.loads(cli("analyze", ROOT / "recordings" / "demo.csv", "--json").stdout)
    assert [e["exercise"] for e in doc["exercises"]] == [e["exercise"] for e in ref["exercises"]]
    assert len(doc["recording"]["gaps"]) == len(ref["recording"]["gaps"])


def test_info_report_and_replay_take_an_app_export_directly(tmp_path, cli):
    metabase_export(tmp_path / "mb", times(30, 100), times(30, 100, 0.003))
    folder = tmp_path / "mb"
    info = cli("info", folder, "--placement", "ankle", "--side", "left")
    assert info.returncode == 0, info.stderr
    assert "30." in info.stdout and "ankle" in info.stdout
    report = cli("report", folder, "-o", tmp_path / "r.png", "--placement", "ankle")
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "r.png").stat().st_size > 10_000
    replay = cli("replay", folder, "--speed", "max", "--placement", "ankle")
    assert replay.returncode == 0, replay.stderr
