"""Fuzzing the phone-app importers and ``open_any`` (issue 8, part 1).

Every input either reads as a contract recording (finite values, ``t`` from 0
and never decreasing) or raises :class:`RecordingError` with one line naming
the file; nothing else may escape. Inputs start from valid exports built to
each app's documented format (see ``test_importers.py``) and are then damaged:
random bytes, truncation, NaN/inf/huge values, other encodings, duplicated
headers, reordered or missing columns, time going backwards, stray lines,
other separators, deleted files, broken zips.

``TOEHOLD_FUZZ_EXAMPLES`` sets the examples per importer (default 50 for CI;
``TOEHOLD_FUZZ_EXAMPLES=10000 python3 -m pytest tests/test_fuzz_importers.py``
for the full run). The nastiest cases found are kept in
``tests/corpus/importers/`` and replayed by ``test_corpus``.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_importers import metabase_export, phyphox_export, sensorlogger_export, times

from sensors.importers import open_any
from sensors.recording import REQUIRED_COLUMNS, RecordingError

EXAMPLES = int(os.environ.get("TOEHOLD_FUZZ_EXAMPLES", "50"))
CORPUS = Path(__file__).parent / "corpus" / "importers"
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def _base(kind: str) -> dict[str, bytes]:
    """The files (relative name -> bytes) of a small valid export."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d) / "x"
        ta, tg = times(0.4, 100), times(0.4, 100, 0.004)
        if kind == "phyphox":
            phyphox_export(root, ta, tg)
        elif kind == "sensorlogger":
            sensorlogger_export(root, ta, tg)
        elif kind == "sensorlogger_ios":
            sensorlogger_export(root, ta, tg, platform="iOS", total=False)
        else:
            metabase_export(root, ta, tg)
        return {str(f.relative_to(root)): f.read_bytes() for f in sorted(root.rglob("*")) if f.is_file()}


BASES = {k: _base(k) for k in ("phyphox", "sensorlogger", "sensorlogger_ios", "metabase")}
NASTY = ["nan", "NaN", "inf", "-inf", "1e309", "-1e400", "1e308", "-1.7e308", "9" * 400, "",
         "abc", "0x10", "1,5", '""', "null", " ", "1e-320", "+", "-", ".", "1.2.3", "∞", "\x00"]


def _rows(data: bytes) -> list[list[str]]:
    # latin-1 maps every byte to one character and back: damage stays byte-exact.
    return [line.split(",") for line in data.decode("latin-1").split("\n")]


def _join(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode("latin-1", "replace")


@st.composite
def damage(draw, files: dict[str, bytes]) -> dict[str, bytes]:
    """One to three mutations of a valid export's files."""
    files = dict(files)
    for _ in range(draw(st.integers(1, 3))):
        csvs = sorted(n for n in files if n.endswith(".csv"))
        if not csvs:
            break
        name = draw(st.sampled_from(csvs))
        data = files[name]
        kind = draw(st.sampled_from([
            "random_bytes", "truncate", "bad_cell", "encoding", "dup_header", "dup_column",
            "reorder", "drop_column", "backwards", "insert_text", "delete", "separator",
            "huge_time", "empty", "header_only", "extra_field", "invalid_utf8", "crlf"]))
        if kind == "random_bytes":
            files[name] = draw(st.binary(max_size=3000))
        elif kind == "truncate":
            files[name] = data[: draw(st.integers(0, len(data)))]
        elif kind == "delete":
            del files[name]
        elif kind == "empty":
            files[name] = b""
        elif kind == "invalid_utf8":
            i = draw(st.integers(0, len(data)))
            files[name] = data[:i] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80"])) + data[i:]
        elif kind == "encoding":
            text = data.decode("utf-8", "replace").replace("Time (s)", "Time (s) °", 1)
            enc = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "latin-1", "cp1252", "utf-32"]))
            files[name] = text.encode(enc, "replace")
        elif kind == "crlf":
            files[name] = data.replace(b"\n", b"\r\n")
        elif kind == "separator":
            files[name] = data.replace(b",", draw(st.sampled_from([b";", b"\t", b" ", b"|"])))
        else:
            rows = [r for r in _rows(data)]
            if rows and rows[-1] == [""]:
                rows = rows[:-1]
            if not rows:
                continue
            n_cols = len(rows[0])
            if kind == "bad_cell" and len(rows) > 1:
                r = draw(st.integers(1, len(rows) - 1))
                c = draw(st.integers(0, max(0, len(rows[r]) - 1)))
                if c < len(rows[r]):
                    rows[r][c] = draw(st.sampled_from(NASTY))
            elif kind == "dup_header":
                rows.insert(draw(st.integers(0, len(rows))), list(rows[0]))
            elif kind == "dup_column" and n_cols > 1:
                c = draw(st.integers(0, n_cols - 1))
                rows[0][draw(st.integers(0, n_cols - 1))] = rows[0][c]
            elif kind == "reorder":
                perm = draw(st.permutations(list(range(n_cols))))
                rows = [[r[i] for i in perm] if len(r) == n_cols else r for r in rows]
            elif kind == "drop_column":
                c = draw(st.integers(0, n_cols - 1))
                rows = [r[:c] + r[c + 1:] for r in rows]
            elif kind == "backwards" and len(rows) > 3:
                i = draw(st.integers(1, len(rows) - 2))
                rows[i], rows[i + 1] = rows[i + 1], rows[i]
            elif kind == "insert_text":
                rows.insert(draw(st.integers(0, len(rows))),
                            [draw(st.text(max_size=40))])
            elif kind == "huge_time" and len(rows) > 1:
                scale = draw(st.sampled_from(["1e300", "-1", "0", "1e-300", "1e20"]))
                r = draw(st.integers(1, len(rows) - 1))
                rows[r][0] = scale
            elif kind == "header_only":
                rows = rows[:1]
            elif kind == "extra_field" and len(rows) > 1:
                rows[draw(st.integers(1, len(rows) - 1))].append("1.0")
            files[name] = _join(rows) + (b"\n" if draw(st.booleans()) else b"")
    return files


def _materialise(files: dict[str, bytes], where: Path, mode: str, zip_cut: int | None) -> Path:
    root = where / "export"
    root.mkdir()
    for name, data in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    if mode == "zip":
        z = where / "export.zip"
        with zipfile.ZipFile(z, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        if zip_cut is not None:
            raw = z.read_bytes()
            z.write_bytes(raw[: zip_cut % (len(raw) + 1)])
        return z
    if mode == "file":
        csvs = sorted(p for p in root.rglob("*.csv") if p.parent == root)
        return csvs[0] if csvs else root
    return root


def check(path: Path) -> str:
    """Read ``path``; return "ok" or "error", failing the test on anything else."""
    try:
        rec = open_any(path)
    except RecordingError as err:
        msg = str(err)
        named = str(path) if path.is_dir() or path.suffix == ".zip" else str(path.parent)
        assert named in msg or path.name in msg, f"error does not name the file: {msg}"
        assert "\n" not in msg, f"error is not one line: {msg!r}"
        return "error"
    data = rec.data
    assert all(c in data for c in REQUIRED_COLUMNS)
    arr = data[list(REQUIRED_COLUMNS)].to_numpy(dtype=float)
    assert len(arr) >= 1 and np.isfinite(arr).all()
    t = arr[:, 0]
    assert t[0] == 0.0 and np.all(np.diff(t) >= 0)
    return "ok"


def _fuzz(kind: str, data) -> None:
    files = data.draw(damage(BASES[kind]), label="files")
    mode = data.draw(st.sampled_from(["folder", "zip", "file"]), label="mode")
    zip_cut = data.draw(st.one_of(st.none(), st.integers(0, 10_000)), label="zip_cut") \
        if mode == "zip" else None
    with tempfile.TemporaryDirectory() as d:
        # The split shows in --hypothesis-show-statistics: both outcomes get exercised.
        event(f"{mode}: {check(_materialise(files, Path(d), mode, zip_cut))}")


@FUZZ
@given(st.data())
def test_fuzz_phyphox(data):
    _fuzz("phyphox", data)


@FUZZ
@given(st.data())
def test_fuzz_sensorlogger(data):
    _fuzz(data.draw(st.sampled_from(["sensorlogger", "sensorlogger_ios"])), data)


@FUZZ
@given(st.data())
def test_fuzz_metabase(data):
    _fuzz("metabase", data)


@FUZZ
@given(st.binary(max_size=4000), st.sampled_from(["x.csv", "x.zip", "Accelerometer.csv", "data"]))
def test_fuzz_open_any_on_random_bytes(raw, name):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(raw)
        check(p)


def test_reordered_columns_give_the_same_recording(tmp_path):
    """A property the fuzzing cannot see: column order does not change the data."""
    ref = open_any(sensorlogger_export(tmp_path / "a", times(1, 100), times(1, 100, 0.004)))
    b = sensorlogger_export(tmp_path / "b", times(1, 100), times(1, 100, 0.004))
    for f in ("TotalAcceleration.csv", "Gyroscope.csv"):
        rows = [r.split(",") for r in (b / f).read_text().splitlines()]
        (b / f).write_text("\n".join(",".join([r[4], r[2], r[0], r[3], r[1]]) for r in rows) + "\n")
    assert np.array_equal(open_any(b).data.to_numpy(), ref.data.to_numpy())


def _corpus_cases():
    return sorted(p for p in CORPUS.iterdir() if not p.name.startswith(".") and p.name != "README.md") \
        if CORPUS.is_dir() else []


@pytest.mark.parametrize("case", _corpus_cases(), ids=lambda p: p.name)
def test_corpus(case):
    """The nastiest inputs found so far: each reads or fails with a clear message."""
    expect = (case / "EXPECT").read_text().strip() if case.is_dir() and (case / "EXPECT").exists() else None
    target = case
    if case.is_dir() and (case / "input").exists():
        target = case / "input"
    elif case.is_dir():
        inner = [p for p in case.iterdir() if p.name != "EXPECT"]
        target = inner[0] if len(inner) == 1 and inner[0].suffix == ".zip" else case
    outcome = check(target)
    if expect:
        kind, _, text = expect.partition(":")
        assert outcome == kind.strip(), f"{case.name}: expected {kind}"
        if text.strip():
            with pytest.raises(RecordingError, match=text.strip()):
                open_any(target)
