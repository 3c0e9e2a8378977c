"""Fuzzing zip bombs and time-span bombs (issue 18).

Zip bombs: a Sensor Logger export whose accelerometer member has a random
size, content (zeros, one row repeated, real-looking rows) and a header that
may lie about its size. With the limits scaled down (256 KB a member,
ratio checks from 8 KB) so that each example is small, every input must either
read as a recording or raise :class:`RecordingError`; one over a limit must
be refused; and the memory traced while reading stays bounded.

Time-span bombs: a few rows whose ``t`` jumps by up to 1e13 s. Each reads as
a recording or is refused (span over 7 days); the analysis of one that reads
either runs on a grid that grows with the rows, not the span, or is refused
as implausible timing. Never a MemoryError, never a traceback.

``TOEHOLD_FUZZ_EXAMPLES`` sets the examples per test (default 100, as the
other fuzz tests; 10000 for the full run); the zip test, whose examples each
compress and parse up to a megabyte, runs a quarter of them, and the
time-span test, whose examples each run the whole analysis, a fifth (40 by
default).
"""
from __future__ import annotations

import os
import struct
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sensors.limits as limits
from sensors.importers import open_any
from sensors.limits import InputLimitError
from sensors.recording import RecordingError, read_recording

EXAMPLES = int(os.environ.get("TOEHOLD_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
MEMBER_LIMIT = 256 << 10
RATIO_FREE = 8 << 10
GYRO = b"time,seconds_elapsed,z,y,x\n" + b"".join(
    b"%d,%.2f,0.01,0.02,0.03\n" % (1_700_000_000_000_000_000 + k * 10_000_000, k / 100)
    for k in range(2000))


@pytest.fixture(scope="module", autouse=True)
def _imports_done():
    """Open one small export before any memory is traced: the reader's first
    call may import its parsers, whose compiling (bytecode caching off, as in
    a fresh clone here) tracemalloc would count as the reader's."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "export.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("Gyroscope.csv", GYRO)
            zf.writestr("TotalAcceleration.csv", GYRO)
        try:
            open_any(path)
        except RecordingError:
            pass


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(limits, "MAX_MEMBER_BYTES", MEMBER_LIMIT)
    monkeypatch.setattr(limits, "RATIO_FREE_BYTES", RATIO_FREE)
    monkeypatch.setattr("sensors.importers._common.MAX_MEMBER_BYTES", MEMBER_LIMIT)


def _acc_body(kind: str, n_bytes: int, seed: int) -> bytes:
    head = b"time,seconds_elapsed,z,y,x\n"
    if kind == "zeros":
        return head + b"0" * n_bytes
    if kind == "one_row":
        row = b"1700000000000000000,0.01,9.8,0,0\n"
        return head + row * (n_bytes // len(row) + 1)
    rng = np.random.default_rng(seed)
    n = n_bytes // 60 + 2
    t = 1_700_000_000_000_000_000 + np.arange(n) * 10_000_000
    v = rng.normal(0, 3, (n, 3))
    return head + b"".join(b"%d,%.2f,%.6f,%.6f,%.6f\n" % (t[k], k / 100, *v[k]) for k in range(n))


def _lie_about_size(data: bytes, name: bytes, size: int) -> bytes:
    """Set ``name``'s uncompressed size in its local and central headers to ``size``."""
    buf = bytearray(data)
    # (signature, offset of the name's length, of the name, of the size):
    # the local file header, then the central directory entry (APPNOTE 4.3.7, 4.3.12).
    for sig, len_at, name_at, size_at in ((b"PK\x03\x04", 26, 30, 22), (b"PK\x01\x02", 28, 46, 24)):
        pos = buf.find(sig)
        while pos != -1:
            n_len = struct.unpack_from("<H", buf, pos + len_at)[0]
            if bytes(buf[pos + name_at: pos + name_at + n_len]) == name:
                struct.pack_into("<I", buf, pos + size_at, size)
            pos = buf.find(sig, pos + 4)
    return bytes(buf)


@settings(FUZZ, max_examples=max(25, EXAMPLES // 4))
@given(kind=st.sampled_from(["zeros", "one_row", "rows"]),
       n_bytes=st.integers(0, 4 * MEMBER_LIMIT),
       lie=st.sampled_from([None, 0.01, 0.5, 2.0]),
       seed=st.integers(0, 2**16))
def test_zip_bombs_are_refused_in_bounded_memory(small_limits, kind, n_bytes, lie, seed):
    if kind == "rows":
        n_bytes = min(n_bytes, 3 * MEMBER_LIMIT // 2)  # real rows: keep the example quick
    body = _acc_body(kind, n_bytes, seed)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "export.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("Gyroscope.csv", GYRO)
            zf.writestr("TotalAcceleration.csv", body)
        declared = len(body)
        if lie is not None:
            declared = int(len(body) * lie)
            path.write_bytes(_lie_about_size(path.read_bytes(), b"TotalAcceleration.csv", declared))
        compressed = zipfile.ZipFile(path).getinfo("TotalAcceleration.csv").compress_size
        # tracemalloc counts every thread's allocations: a thread an earlier
        # test left in this worker once made an empty member's read "trace"
        # 15.7 MB (fresh clone, xdist). A second read is taken when the first
        # is over the bound; a reader that really holds that much does so twice.
        for _ in range(2):
            tracemalloc.start()
            try:
                rec = open_any(path)
            except RecordingError as err:
                rec, why = None, str(err)
            finally:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            if peak < 24 * MEMBER_LIMIT:
                break
    # Reading never holds much more than the member limit's worth of text
    # (and its parsed chunks), whatever the member claims or holds.
    assert peak < 24 * MEMBER_LIMIT, f"{peak / 2**20:.1f} MB traced"
    bomb = declared > MEMBER_LIMIT or (declared > RATIO_FREE and
                                       declared > limits.MAX_COMPRESSION_RATIO * compressed)
    if bomb or len(body) > MEMBER_LIMIT:
        assert rec is None, "a member over the limits was read"
    if rec is not None:
        assert np.isfinite(rec.data.to_numpy(float)).all()
    else:
        assert why.startswith(str(path)), why


@settings(FUZZ, max_examples=max(40, EXAMPLES // 5))
@given(steps=st.lists(st.one_of(st.floats(0.0, 0.05), st.floats(0.05, 10.0),
                                st.floats(10.0, 1e13)), min_size=1, max_size=60),
       start=st.floats(0.0, 1e10))
def test_time_span_bombs_are_refused_or_analysed_on_a_small_grid(tmp_path_factory, steps, start):
    from analysis.pipeline import run_analysis

    t = start + np.concatenate([[0.0], np.cumsum(steps)])
    path = tmp_path_factory.mktemp("span") / "span.csv"
    rng = np.random.default_rng(len(steps))
    acc = np.array([0.0, 0.0, 9.81]) + rng.normal(0, 0.05, (len(t), 3))
    gyr = rng.normal(0, 1, (len(t), 3))
    path.write_text("t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" + "".join(
        f"{ti!r},{a[0]!r},{a[1]!r},{a[2]!r},{g[0]!r},{g[1]!r},{g[2]!r}\n"
        for ti, a, g in zip(t.tolist(), acc.tolist(), gyr.tolist())))
    try:
        rec = read_recording(path)
    except RecordingError as err:
        assert str(err).startswith(str(path))
        span = t.tolist()[-1] - t.tolist()[0]
        # Refused only for a reason: the span, or times that stop
        # increasing when printed (equal floats are fine, backwards is not).
        assert "days" in str(err) or "backwards" in str(err) or span > limits.MAX_SPAN_S, err
        return
    assert rec.duration_s <= limits.MAX_SPAN_S
    tracemalloc.start()
    try:
        fit = run_analysis(rec)
    except InputLimitError as err:
        assert "implausible" in str(err)
        return
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    grid = len(fit.signals_) if getattr(fit, "signals_", None) is not None else 0
    # At most 5 grid points per sample interval within a segment and 4 s
    # of filler per hole: 205 per row at worst, whatever the span.
    assert grid <= 205 * len(t) + 10, (grid, len(t), rec.duration_s)
    assert peak < 200 << 20, f"{peak / 2**20:.0f} MB for {len(t)} rows"
