"""The recording reader and writer (contract section 2)."""
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sensors.recording import RecordingError, RecordingWriter, check_writable, read_recording, write_recording

ROOT = Path(__file__).resolve().parents[1]
HEADER = "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"


def rows(n, rate=100.0, start=0.0):
    t = start + np.arange(n) / rate
    return "".join(f"{x:.4f},0.1,0.2,9.8,0.5,-0.5,0.0\n" for x in t)


def write(tmp_path, text, name="rec.csv", mode="w"):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(text)
    else:
        p.write_text(text)
    return p


def test_round_trip_keeps_values_and_metadata(tmp_path):
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"t": np.arange(500) / 100.0,
                         **{c: rng.normal(0, 3, 500) for c in
                            ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]}})
    data["acc_z"] += 9.81
    meta = {"start_time": "2026-11-24T08:15:02.120Z", "device": "WT901BLE67", "placement": "foot",
            "side": "left", "sample_rate_hz": "100"}
    write_recording(tmp_path / "r.csv", data, meta)
    rec = read_recording(tmp_path / "r.csv")
    assert rec.metadata["format"] == "toehold-recording/1"
    assert {k: rec.metadata[k] for k in meta} == meta
    assert rec.placement == "foot" and rec.side == "left"
    np.testing.assert_allclose(rec.data[["acc_x", "acc_y", "acc_z"]], data[["acc_x", "acc_y", "acc_z"]], atol=6e-5)
    np.testing.assert_allclose(rec.data[["gyr_x", "gyr_y", "gyr_z"]], data[["gyr_x", "gyr_y", "gyr_z"]], atol=6e-4)
    assert len(rec.gaps) == 0 and not rec.cut_off and rec.warnings == []


def test_writer_rows_are_on_disk_after_each_write(tmp_path):
    path = tmp_path / "live.csv"
    w = RecordingWriter(path, {"placement": "ankle"})
    w.write_rows(np.array([[0.0, 0, 0, 9.8, 0, 0, 0], [0.01, 0, 0, 9.8, 0, 0, 0]]))
    # Read while the writer is still open, as a crash would leave it.
    rec = read_recording(path)
    assert len(rec.data) == 2 and rec.placement == "ankle"
    w.close()


def test_plain_csv_without_metadata_takes_placement_from_arguments(tmp_path):
    p = write(tmp_path, HEADER + rows(50))
    rec = read_recording(p, placement="ankle", side="right")
    assert rec.placement == "ankle" and rec.side == "right"
    assert read_recording(p).placement is None


def test_gaps_are_found_and_no_rows_are_invented(tmp_path):
    text = HEADER + rows(100) + rows(100, start=1.5)
    rec = read_recording(write(tmp_path, text))
    assert len(rec.data) == 200
    assert rec.gap_list() == [{"start_s": 0.99, "end_s": 1.5}]


def test_seq_jump_is_a_gap_even_with_regular_time(tmp_path):
    text = "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z,seq\n" + "".join(
        f"{i / 100:.2f},0,0,9.8,0,0,0,{s}\n" for i, s in enumerate([1, 2, 3, 7, 8]))
    rec = read_recording(write(tmp_path, text))
    assert rec.gap_list() == [{"start_s": 0.02, "end_s": 0.03}]


def test_cut_off_last_line_is_dropped_and_reported(tmp_path):
    text = "# format: toehold-recording/1\n" + HEADER + rows(10) + "0.1000,0.13,-0.0"
    rec = read_recording(write(tmp_path, text))
    assert len(rec.data) == 10 and rec.cut_off
    assert "cut off" in rec.warnings[0]


def test_plain_csv_without_final_newline_keeps_its_last_row(tmp_path):
    rec = read_recording(write(tmp_path, HEADER + rows(10).rstrip("\n")))
    assert len(rec.data) == 10 and not rec.cut_off


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("t,acc_x,acc_y\n0,1,2\n", "missing column(s) acc_z, gyr_x, gyr_y, gyr_z"),
    (HEADER + rows(3) + "0.0300,0.1,abc,9.8,0,0,0\n", ":5: column acc_y is not a number: 'abc'"),
    (HEADER + rows(3) + "0.0300,0.1,9.8\n", ":5: expected 7 values"),
    (HEADER + "0.02,0,0,9.8,0,0,0\n0.01,0,0,9.8,0,0,0\n", ":3: time goes backwards"),
    (HEADER, "no samples"),
    ("# format: toehold-recording/1\n# placement: knee\n" + HEADER + rows(3), "placement is 'knee'"),
    (HEADER + "0.0,,0,9.8,0,0,0\n", ":2: column acc_x is empty"),
])
def test_bad_files_get_a_message_naming_file_line_and_problem(tmp_path, text, message):
    p = write(tmp_path, text)
    with pytest.raises(RecordingError) as err:
        read_recording(p)
    assert str(p) in str(err.value)
    assert message in str(err.value)


def test_binary_file_is_rejected(tmp_path):
    p = write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", mode="wb")
    with pytest.raises(RecordingError, match="binary file"):
        read_recording(p)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(RecordingError, match="cannot open"):
        read_recording(tmp_path / "nope.csv")


def test_acceleration_in_g_is_noticed_and_converted(tmp_path):
    text = HEADER + "".join(f"{i / 100:.2f},0.01,0.02,1.0,0,0,0\n" for i in range(100))
    rec = read_recording(write(tmp_path, text))
    assert rec.data["acc_z"].iloc[0] == pytest.approx(9.80665)
    assert "looks like it is in g" in rec.warnings[0]


def test_check_writable_catches_a_missing_folder(tmp_path):
    with pytest.raises(OSError, match="does not exist"):
        check_writable(tmp_path / "no" / "such" / "dir" / "x.csv")
    check_writable(tmp_path / "ok.csv")


def test_a_recording_carries_only_the_fields_it_declares():
    """Readers and importers fill declared fields; an undeclared attribute is refused (slots)."""
    from sensors.importers import open_any

    rec = open_any(ROOT / "recordings" / "demo.csv")
    assert rec.source_format == "toehold-recording/1" and rec.import_notes == []
    declared = {f.name for f in dataclasses.fields(rec)}
    assert {"source_format", "import_notes", "placement_source", "cut_off"} <= declared
    with pytest.raises(AttributeError):
        rec.anything_else = {}
