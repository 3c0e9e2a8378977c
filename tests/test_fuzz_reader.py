"""Fuzzing the recording reader: whatever the bytes, a Recording or a RecordingError.

A user can hand ``toehold`` any file. The reader must either read it, and then
the rows obey the contract (``t`` never decreases, every value finite, no row
that was not in the file, lost samples reported as gaps), or raise
:class:`RecordingError` whose message starts with the file's name (and names a
line that exists when it names one). Any other exception is a traceback in
the user's face and fails here.

``TOEHOLD_FUZZ_EXAMPLES`` sets the number of generated inputs per test
(default 50 so the suite stays quick; 10000 for the full run).
"""
from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors.recording import REQUIRED_COLUMNS, RecordingError, read_recording

EXAMPLES = int(os.environ.get("TOEHOLD_FUZZ_EXAMPLES", "50"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=list(HealthCheck))
CORPUS = Path(__file__).parent / "corpus" / "reader"
OPTIONAL = ("mag_x", "mag_y", "mag_z", "quat_w", "seq", "note", "battery")


def check(path: Path) -> None:
    """The reader's promise for one file: read consistently, or a RecordingError naming it."""
    raw = path.read_bytes()
    try:
        rec = read_recording(path)
    except RecordingError as err:
        msg = str(err)
        assert msg.startswith(str(path)), msg
        m = re.match(re.escape(str(path)) + r":(\d+):", msg)
        if m:
            n_lines = raw.count(b"\n") + raw.count(b"\r") + 1
            assert 1 <= int(m.group(1)) <= n_lines, msg
        return
    data = rec.data
    for c in REQUIRED_COLUMNS:
        assert np.all(np.isfinite(data[c].to_numpy())), c
    t = data["t"].to_numpy()
    assert len(t) > 0
    assert np.all(np.diff(t) >= 0), "t decreases"
    # No invented rows: at most one per line of the file.
    assert len(data) <= raw.count(b"\n") + raw.count(b"\r") + 1
    # A gap lies between two neighbouring rows of the file (nothing invented
    # inside it). How many there are is checked against the mask that made
    # them in test_lost_samples_are_the_gaps_the_mask_made.
    if len(rec.gaps):
        i = np.searchsorted(t, rec.gaps["start_s"].to_numpy(), side="right") - 1
        assert np.all(t[i] == rec.gaps["start_s"].to_numpy())
        assert np.all(t[np.minimum(i + 1, len(t) - 1)] == rec.gaps["end_s"].to_numpy())


def fuzz_file(tmp_path_factory, raw: bytes) -> Path:
    d = tmp_path_factory.mktemp("fz", numbered=True)
    p = d / "in.csv"
    p.write_bytes(raw)
    return p


# ---------------------------------------------------------------- strategies
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e3, 1e3),
    st.integers(-10**30, 10**30),
    st.sampled_from(["", " ", "nan", "NaN", "inf", "-inf", "1e400", "-1e400", "1e-400", "0x10",
                     "1,5", "١٢", "1_000", "+1", ".", "-", "e5", "1e", "true", '"3"', "'3'",
                     "9" * 400, "\t1", "1 ", "\u00a01", "∞", "None", "NULL"]),
)
meta_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def fmt(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return repr(v) if not math.isfinite(v) else f"{v:.6g}"
    return str(v)


@st.composite
def recording_text(draw) -> tuple[bytes, dict]:
    """A recording as a recorder (or a careless human, or a crash) might leave it."""
    rate = draw(st.sampled_from([25.0, 100.0, 200.0]))
    n = draw(st.integers(0, 40))
    t = np.arange(n) / rate
    keep = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    t = t[np.asarray(keep, bool)] if n else t      # lost samples
    if draw(st.booleans()) and len(t) > 2:         # time going backwards
        i = draw(st.integers(1, len(t) - 1))
        t[i] = t[i - 1] - draw(st.floats(1e-4, 5.0))
    if draw(st.booleans()) and len(t):
        t = t + draw(st.sampled_from([0.0, 1e9, -3.0, 1.7e308]))
    columns = list(REQUIRED_COLUMNS)
    columns += draw(st.lists(st.sampled_from(OPTIONAL), max_size=3, unique=True))
    if draw(st.integers(0, 4)) == 0:
        columns = draw(st.permutations(columns))
    if draw(st.integers(0, 6)) == 0 and len(columns) > 1:
        columns.remove(draw(st.sampled_from(columns)))  # missing column
    if draw(st.integers(0, 8)) == 0:
        columns.append(draw(st.sampled_from(columns)))  # duplicated column
    header = ",".join(columns)
    if draw(st.integers(0, 8)) == 0:
        header = draw(st.sampled_from([header.upper(), " " + header.replace(",", " , "),
                                       header + ",", '"' + header.replace(",", '","') + '"',
                                       header.replace(",", ";"), header.replace(",", "\t")]))
    lines = []
    meta = draw(st.dictionaries(
        st.sampled_from(["format", "start_time", "device", "placement", "side", "sample_rate_hz",
                         "subject", "notes", "", " ", "mounting"]) | meta_text,
        st.sampled_from(["foot", "ankle", "left", "right", "100", "0", "-5", "nan", "1e999",
                         "toehold-recording/1", "toehold-recording/2", "$x^2$", "\\alpha"]) | meta_text,
        max_size=6))
    meta.setdefault("format", "toehold-recording/1")
    for k, v in meta.items():
        lines.append(draw(st.sampled_from([f"# {k}: {v}", f"#{k}:{v}", f"# {k} {v}", "#", "# :"])))
    if draw(st.integers(0, 5)) == 0:
        lines.append("")
    lines.append(header)
    if draw(st.integers(0, 8)) == 0:
        lines.append(header)  # header written twice (a restarted recorder appending)
    for ti in t:
        vals = {c: (f"{ti:.4f}" if c == "t" else fmt(draw(st.floats(-50, 50)))) for c in columns}
        if "seq" in vals:
            vals["seq"] = str(int(round(ti * rate)) % 65536 if math.isfinite(ti * rate) else 0)
        if draw(st.integers(0, 30)) == 0:
            vals[draw(st.sampled_from(columns))] = fmt(draw(numbers))
        row = ",".join(vals[c] for c in columns)
        if draw(st.integers(0, 40)) == 0:
            row = draw(st.sampled_from([row + ",", row.rsplit(",", 1)[0], "", "   ", "#x", row + row]))
        lines.append(row)
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = eol.join(lines) + (eol if draw(st.integers(0, 5)) else "")
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1",
                                     "cp1252", "utf-32"]))
    raw = text.encode(encoding, "replace")
    if draw(st.integers(0, 3)) == 0 and raw:     # cut anywhere: a crash mid-write
        raw = raw[: draw(st.integers(0, len(raw)))]
    if draw(st.integers(0, 10)) == 0 and raw:    # a flipped byte
        i = draw(st.integers(0, len(raw) - 1))
        raw = raw[:i] + bytes([raw[i] ^ (1 << draw(st.integers(0, 7)))]) + raw[i + 1:]
    return raw, {"encoding": encoding}


# ---------------------------------------------------------------------- tests
@FUZZ
@given(raw=st.binary(max_size=2000))
def test_random_bytes(tmp_path_factory, raw):
    check(fuzz_file(tmp_path_factory, raw))


@FUZZ
@given(raw=st.text(st.sampled_from("t,acc_xyzgr0123456789.-e\n\r #:naif"), max_size=600)
       .map(lambda s: s.encode()))
def test_csv_like_text(tmp_path_factory, raw):
    check(fuzz_file(tmp_path_factory, raw))


@FUZZ
@given(case=recording_text())
def test_mangled_recordings(tmp_path_factory, case):
    check(fuzz_file(tmp_path_factory, case[0]))


VALID = ("# format: toehold-recording/1\n# sample_rate_hz: 100\n# placement: foot\n"
         "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z,seq\n"
         + "".join(f"{i / 100:.4f},0.1000,-0.2000,9.8000,1.000,-2.000,3.000,{i}\n" for i in range(30)))


@FUZZ
@given(cut=st.integers(0, len(VALID.encode())))
def test_truncated_valid_file_keeps_every_complete_row(tmp_path_factory, cut):
    """A crash can stop the file at any byte: complete rows read, a cut row is said to be cut."""
    raw = VALID.encode()[:cut]
    p = fuzz_file(tmp_path_factory, raw)
    check(p)
    complete = raw.count(b"\n") - 4
    if complete < 1:
        return  # no complete sample yet: an error naming the file is right
    rec = read_recording(p)
    assert len(rec.data) == complete
    assert rec.cut_off == (not raw.endswith(b"\n"))
    assert any("cut off" in w for w in rec.warnings) == rec.cut_off


@FUZZ
@given(rate=st.sampled_from([25.0, 50.0, 100.0, 200.0]), with_seq=st.booleans(),
       keep=st.lists(st.booleans(), min_size=2, max_size=300))
def test_lost_samples_are_the_gaps_the_mask_made(tmp_path_factory, rate, with_seq, keep):
    """Rows dropped from a clean recording are exactly its gaps, between the kept neighbours."""
    keep = np.asarray(keep)
    keep[0] = keep[-1] = True
    idx = np.flatnonzero(keep)
    rows = [f"{i / rate:.4f},0.1,0.2,9.8,1.0,-2.0,3.0" + (f",{i % 65536}" if with_seq else "") for i in idx]
    text = (f"# format: toehold-recording/1\n# sample_rate_hz: {rate:g}\n"
            "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z" + (",seq" if with_seq else "") + "\n"
            + "\n".join(rows) + "\n")
    rec = read_recording(fuzz_file(tmp_path_factory, text.encode()))
    # The oracle: each run of dropped indices is one gap from the last kept
    # sample before it to the first kept one after it.
    jump = np.flatnonzero(np.diff(idx) > 1)
    want = [(idx[j] / rate, idx[j + 1] / rate) for j in jump]
    got = list(zip(rec.gaps["start_s"], rec.gaps["end_s"]))
    assert len(got) == len(want)
    for (a, b), (c, d) in zip(got, want):
        assert a == pytest.approx(c, abs=1e-4) and b == pytest.approx(d, abs=1e-4)


def test_regression_corpus():
    """The nastiest inputs found so far, kept so they stay fixed."""
    files = sorted(CORPUS.glob("*"))
    assert len(files) >= 10
    for p in files:
        check(p)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"])
def test_bom_and_metadata_read_like_plain_utf8(tmp_path, encoding):
    """Excel and Notepad write a BOM; the metadata above the header must not shift the rows."""
    p = tmp_path / "bom.csv"
    p.write_bytes(VALID.encode(encoding))
    rec = read_recording(p)
    assert len(rec.data) == 30 and rec.metadata["placement"] == "foot"


def test_metadata_with_form_feed_or_unicode_separators_is_text(tmp_path):
    r"""``\x0c``, ``\x1c``, U+2028 in a note are characters, not line ends."""
    p = tmp_path / "ff.csv"
    p.write_bytes(VALID.replace("# placement: foot", "# notes: a\x0cb\x1cc\u2028d\x85e").encode())
    rec = read_recording(p)
    assert len(rec.data) == 30 and rec.metadata["notes"].startswith("a\x0cb")


def test_error_names_the_line_counting_blank_and_cr_lines(tmp_path):
    """The line in the message is the one to open in an editor, blank lines included."""
    lines = VALID.splitlines()
    lines[12:12] = ["", ""]
    lines.append("0.0500,0.1,0.2,9.8,0.5,-0.5,0.0,30")
    for eol in ("\n", "\r\n", "\r"):
        p = tmp_path / "back.csv"
        p.write_bytes((eol.join(lines) + eol).encode())
        with pytest.raises(RecordingError, match=rf"back.csv:{len(lines)}: time goes backwards"):
            read_recording(p)


def test_utf16_is_named(tmp_path):
    p = tmp_path / "u16.csv"
    p.write_bytes(VALID.encode("utf-16"))
    with pytest.raises(RecordingError, match="UTF-16"):
        read_recording(p)
