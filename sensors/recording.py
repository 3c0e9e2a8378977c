"""The ``toehold-recording/1`` CSV format: a reader and an incremental writer.

The format is fixed by ``shared/contracts/README.md`` (section 2): optional
``# key: value`` metadata lines, a header row, then one row per sample with at
least ``t, acc_x, acc_y, acc_z, gyr_x, gyr_y, gyr_z`` (seconds, m/s², deg/s).

The reader parses with pyarrow's multithreaded CSV reader because a 24-hour
100 Hz file has 8.6 M rows; on any parse failure it falls back to a line scan
(error path only) so the message can name the exact line.
"""
from __future__ import annotations

import dataclasses
import io
import math
import os
import queue
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from sensors.contract import (
    ACC_COLUMNS,
    GAP_FACTOR,
    GYR_COLUMNS,
    MAG_COLUMNS,
    OPTIONAL_COLUMNS,
    PLACEMENTS,
    RECORDING_FORMAT,
    REQUIRED_COLUMNS,
    SIDES,
    G,
)
from sensors.limits import MAX_COLUMNS, InputLimitError, check_span, open_regular


class _LazyPandas:
    """pandas, imported at first use: writing a live recording needs none, and
    the import (about 0.5 s of CPU) would delay its first sample."""

    def __getattr__(self, name: str):
        import pandas

        globals()["pd"] = pandas
        return getattr(pandas, name)


pd = _LazyPandas()

METADATA_KEYS = (
    "format", "start_time", "device", "placement", "side", "sample_rate_hz",
    "session", "mounting", "subject", "notes",
)
_HEAD_BYTES = 1 << 16


# A first timestamp up to this far from the recording's start is kept as written (s).
MAX_START_OFFSET_S = 3600.0


class RecordingError(InputLimitError):
    """A recording cannot be read; the message names the file, line and problem."""


def set_placement(metadata: dict, placement: str | None, side: str | None, path: str) -> None:
    """Put the caller's ``placement`` and ``side`` (if given) into ``metadata``, then check both.

    Raises
    ------
    RecordingError
        A placement other than ``foot``/``ankle`` or a side other than ``left``/``right``.
    """
    if placement:
        metadata["placement"] = placement
    if side:
        metadata["side"] = side
    for key, allowed in (("placement", PLACEMENTS), ("side", SIDES)):
        if key in metadata and metadata[key] not in allowed:
            raise RecordingError(
                f"{path}: {key} is {metadata[key]!r}; expected one of {', '.join(allowed)}")


# slots: an attribute the class does not declare cannot be hung on it.
@dataclasses.dataclass(slots=True)
class Recording:
    """One sensor's recording.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per sample, columns ``t`` (s from the recording's start),
        ``acc_x..z`` (m/s²), ``gyr_x..z`` (deg/s) and any optional columns.
    metadata : dict of str to str
        The ``# key: value`` lines, as written.
    path : str
        Where it was read from ("" for in-memory recordings).
    gaps : pandas.DataFrame
        Columns ``start_s`` (last sample before) and ``end_s`` (first sample
        after) of each run of lost samples.
    warnings : list of str
        Things the user should know (cut-off last line, units converted ...).
    cut_off : bool
        True when the last line was cut mid-row and dropped.
    placement_source : str or None
        ``option`` when the placement came from the caller (the command
        line), ``declared`` from the file; None: ask :attr:`placement_origin`.
    source_format : str or None
        The format it was read from (``toehold-recording/1``, ``phyphox``,
        ``Sensor Logger``, ...); None for one made in memory.
    import_notes : list of str
        What an import from an app's export converted (units, axes, files).
    """

    data: pd.DataFrame
    metadata: dict
    path: str = ""
    gaps: pd.DataFrame = dataclasses.field(
        default_factory=lambda: pd.DataFrame({"start_s": [], "end_s": []}))
    warnings: list = dataclasses.field(default_factory=list)
    cut_off: bool = False
    placement_source: str | None = None
    source_format: str | None = None
    import_notes: list = dataclasses.field(default_factory=list)

    @property
    def placement_origin(self) -> str:
        """Where the placement comes from (contract §4): ``declared`` (the
        file), ``option`` (the caller) or ``assumed`` (nobody said: the
        analysis assumes a foot sensor)."""
        if self.placement_source:
            return self.placement_source
        return "declared" if self.placement else "assumed"

    @property
    def placement(self) -> str | None:
        return self.metadata.get("placement")

    @property
    def side(self) -> str | None:
        return self.metadata.get("side")

    @property
    def start_time(self) -> str | None:
        return self.metadata.get("start_time")

    @property
    def duration_s(self) -> float:
        t = self.data["t"].to_numpy()
        return float(t[-1] - t[0]) if len(t) else 0.0

    @property
    def nominal_rate_hz(self) -> float | None:
        try:
            rate = float(self.metadata.get("sample_rate_hz", "nan"))
        except ValueError:
            return None
        return rate if math.isfinite(rate) and rate > 0 else None

    @property
    def sampling_rate_hz(self) -> float:
        """Effective rate: samples received per second, gaps excluded."""
        return effective_rate_hz(self.data["t"].to_numpy())

    def gap_list(self) -> list[dict]:
        return [{"start_s": float(a), "end_s": float(b)}
                for a, b in zip(self.gaps["start_s"], self.gaps["end_s"])]


def release_samples(rec: Recording) -> None:
    """Empty ``rec.data`` (the same columns, no rows), freeing the samples.

    For a caller done with the samples once they are elsewhere (the
    analysis grid): a day's 456 MB at 100 Hz.
    """
    rec.data = rec.data.head(0).copy()


def effective_rate_hz(t: np.ndarray) -> float:
    """Median-interval sample rate (Hz) of timestamps ``t`` (s), robust to gaps."""
    if len(t) < 2:
        return float("nan")
    dt = np.diff(t)
    dt = dt[dt > 0]
    # dt is this function's own: partitioned in place, not copied (the same median).
    return float(1.0 / np.median(dt, overwrite_input=True)) if len(dt) else float("nan")


def find_gaps(t: np.ndarray, seq: np.ndarray | None = None,
              nominal_rate_hz: float | None = None, dt: np.ndarray | None = None) -> pd.DataFrame:
    """Runs of lost samples, from the timestamps and, where present, ``seq``.

    Parameters
    ----------
    t : ndarray, shape (n,)
        Sample times (s), non-decreasing.
    seq : ndarray, shape (n,), optional
        The device's packet counter; a jump of more than one marks a loss even
        when the timestamps were filled in by the receiver.
    nominal_rate_hz : float, optional
        Declared rate; the median interval is used when absent.
    dt : ndarray, shape (n - 1,), optional
        ``np.diff(t)``, when the caller has it (a day's is 69 MB to make).

    Returns
    -------
    pandas.DataFrame
        ``start_s`` (last sample before the gap), ``end_s`` (first after).
    """
    if len(t) < 2:
        return pd.DataFrame({"start_s": np.array([]), "end_s": np.array([])})
    if dt is None:
        dt = np.diff(t)
    period = 1.0 / nominal_rate_hz if nominal_rate_hz else np.median(dt[dt > 0]) if np.any(dt > 0) else 0.0
    lost = dt > GAP_FACTOR * period
    if seq is not None and len(seq) == len(t):
        s = np.asarray(seq, dtype=float)
        ds = np.diff(s)
        ok = np.isfinite(ds)
        # A counter step of more than one (allowing wrap-around, seen as a
        # large negative step) means packets were lost.
        lost |= ok & (ds > 1)
    idx = np.flatnonzero(lost)
    return pd.DataFrame({"start_s": t[idx], "end_s": t[idx + 1]})


def lost_seconds(gaps, sampling_rate_hz: float | None) -> float:
    """Recording time lost in ``gaps``: the missing samples ÷ the rate (s).

    A gap runs from the last sample before it to the first after it, so
    ``end_s - start_s`` includes one ordinary sample period that was not
    lost; a single missing sample at 100 Hz is a 0.02 s step but 0.01 s lost.

    Parameters
    ----------
    gaps : DataFrame with ``start_s``/``end_s``, list of such dicts, or of (start, end) pairs
    sampling_rate_hz : float or None
        The effective rate; without one, the steps are summed as they are.
    """
    if isinstance(gaps, pd.DataFrame):
        steps = (gaps["end_s"] - gaps["start_s"]).to_numpy(dtype=float)
    else:
        steps = np.array([g["end_s"] - g["start_s"] if isinstance(g, Mapping) else g[1] - g[0]
                          for g in gaps], dtype=float)
    if not len(steps):
        return 0.0
    if not sampling_rate_hz or not math.isfinite(sampling_rate_hz) or sampling_rate_hz <= 0:
        return float(steps.sum())
    missing = np.maximum(np.round(steps * sampling_rate_hz) - 1, 0)
    return float(missing.sum() / sampling_rate_hz)


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------

def _parse_head(path: str, head: bytes) -> tuple[dict, list[str], int, int]:
    """Metadata, header columns, metadata line count and byte offset of the header."""
    if not head:
        raise RecordingError(f"{path}: the file is empty")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RecordingError(f"{path}: the text is UTF-16 (e.g. saved from Excel as 'Unicode "
                             f"Text'); save it as UTF-8 CSV")
    if b"\x00" in head:
        raise RecordingError(f"{path}: this is a binary file, not a CSV recording")
    # The byte offset must count the BOM; strip it here so that error
    # positions are positions in ``body``.
    offset = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    body = head[offset:]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        # A multi-byte character may be split at the end of the head.
        if err.start < len(body) - 4:
            raise RecordingError(
                f"{path}: not UTF-8 text (byte {err.start + offset}); is this a CSV recording?") from None
        text = body[: err.start].decode("utf-8")
    metadata: dict[str, str] = {}
    n_meta = 0
    # Only \n, \r and \r\n end lines (as for pyarrow): str.splitlines would
    # also split a note at \x0c or U+2028 and take the rest for the header.
    lines = io.StringIO(text, newline="").readlines()
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            key, sep, value = stripped[1:].partition(":")
            if sep:
                metadata[key.strip()] = value.strip()
            n_meta += 1
            offset += len(line.encode("utf-8"))
            continue
        if not stripped:
            n_meta += 1
            offset += len(line.encode("utf-8"))
            continue
        if not line.endswith(("\n", "\r")) and len(head) == _HEAD_BYTES:
            raise RecordingError(f"{path}:{n_meta + 1}: header line is too long")
        header = [c.strip() for c in stripped.split(",")]
        return metadata, header, n_meta, offset
    raise RecordingError(f"{path}: no header row (expected {','.join(REQUIRED_COLUMNS)})")


def _locate_bad_line(path: str, data_offset: int, first_line_no: int,
                     columns: Sequence[str]) -> str:
    """Find the first data line that does not parse; error path only."""
    required = [columns.index(c) for c in REQUIRED_COLUMNS]
    for line_no, raw in _data_lines(path, data_offset, first_line_no):
        line = raw.strip()
        fields = line.split(",")
        if len(fields) != len(columns):
            return (f"{path}:{line_no}: expected {len(columns)} values "
                    f"({','.join(columns)}), found {len(fields)}: {raw[:80]!r}")
        for i in required:
            try:
                float(fields[i])
            except ValueError:
                return (f"{path}:{line_no}: column {columns[i]} is not a number: "
                        f"{fields[i][:40]!r}")
    return f"{path}: could not be parsed as CSV"


def _data_lines(path: str, data_offset: int, first_line_no: int):
    """(line number, text) of each non-empty line after the header; error path only.

    Lines end at \n, \r or \r\n and empty ones are skipped, as pyarrow
    does, so the n-th line yielded holds the n-th row it parsed.
    """
    with open(path, "rb") as fh:
        fh.seek(data_offset)
        text = io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline="")
        text.readline()  # the header
        for line_no, raw in enumerate(text, start=first_line_no):
            if raw.strip("\r\n"):
                yield line_no, raw.rstrip("\r\n")


def _line_of_row(path: str, data_offset: int, first_line_no: int, row: int) -> int:
    """File line number of parsed row ``row`` (0-based), counting blank lines."""
    for k, (line_no, _) in enumerate(_data_lines(path, data_offset, first_line_no)):
        if k == row:
            return line_no
    return first_line_no + row


def _tail_state(path: str, size: int) -> tuple[bool, int]:
    """Whether the file ends mid-line, and the byte length of that partial line."""
    with open(path, "rb") as fh:
        back = min(size, 4096)
        fh.seek(size - back)
        tail = fh.read(back)
    if tail.endswith((b"\n", b"\r")):
        return False, 0
    nl = max(tail.rfind(b"\n"), tail.rfind(b"\r"))
    return True, back - nl - 1


def read_recording(path: str | os.PathLike, *, placement: str | None = None,
                   side: str | None = None, acc_units: str = "auto") -> Recording:
    """Read a ``toehold-recording/1`` CSV (or a plain CSV with its columns).

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    placement, side : str, optional
        Fill in ``placement`` (``foot``/``ankle``) and ``side``
        (``left``/``right``) where the file does not say; a value given here
        overrides the file's.
    acc_units : {"auto", "m/s2", "g"}
        "auto" converts acceleration that is evidently in g (median magnitude
        near 1) to m/s² and says so in ``warnings``.

    Returns
    -------
    Recording

    Raises
    ------
    RecordingError
        With ``FILE:LINE: problem`` for an empty or binary file, a missing
        header or column, a non-numeric value, or time going backwards.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = os.fspath(path)
    # A device or FIFO is refused before it is opened (``/dev/zero`` would be
    # read forever, a FIFO would block the open).
    with open_regular(path, RecordingError) as fh:
        size = os.fstat(fh.fileno()).st_size
        try:
            head = fh.read(_HEAD_BYTES)
        except OSError as err:
            raise RecordingError(f"{path}: cannot read: {err.strerror or err}") from None
    metadata, header, n_meta, data_offset = _parse_head(path, head)
    if len(header) > MAX_COLUMNS:
        raise RecordingError(f"{path}:{n_meta + 1}: {len(header)} columns; a recording has at "
                             f"most {MAX_COLUMNS}")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RecordingError(
            f"{path}:{n_meta + 1}: missing column(s) {', '.join(missing)}; the header is "
            f"{','.join(header)[:120]!r} and must contain {','.join(REQUIRED_COLUMNS)}")
    if len(set(header)) != len(header):
        dup = sorted({c for c in header if header.count(c) > 1})
        raise RecordingError(f"{path}:{n_meta + 1}: duplicated column(s) {', '.join(dup)}")
    set_placement(metadata, placement, side, path)
    placement_source = "option" if placement else None

    warnings: list[str] = []
    cut_off, partial_len = _tail_state(path, size)
    end = size - partial_len if cut_off else size
    first_line_no = n_meta + 2
    if cut_off:
        with open(path, "rb") as fh:
            fh.seek(end)
            partial = fh.read().decode("utf-8", "replace")
        n_fields = partial.count(",") + 1
        # Our writer ends every row with a newline, so in a toehold recording a
        # missing one means the row was cut. A plain CSV often just lacks the
        # final newline: keep its last row when it is complete.
        is_ours = metadata.get("format", "").startswith("toehold-recording")
        if not is_ours and n_fields == len(header) and end > data_offset:
            try:
                [float(x) for x in partial.split(",")[: len(REQUIRED_COLUMNS)]]
                cut_off, end = False, size
            except ValueError:
                pass
    if cut_off:
        warnings.append(
            f"{path}: the last line was cut off mid-row (an interrupted recording); "
            f"its partial row was dropped")
    column_types = {c: pa.float64() for c in REQUIRED_COLUMNS}
    column_types.update({c: pa.float64() for c in OPTIONAL_COLUMNS if c in header})
    table = None
    if end > data_offset:
        # Parse straight from a memory map of the file: reading it into a
        # bytes object first cost a copy of the whole file (0.8 s and 420 MB
        # for 24 h at 100 Hz, measured with benchmarks/load.py).
        def parse(body):
            return pacsv.read_csv(
                pa.BufferReader(body),
                read_options=pacsv.ReadOptions(skip_rows=1, column_names=header,
                                               block_size=1 << 22),
                convert_options=pacsv.ConvertOptions(column_types=column_types,
                                                     strings_can_be_null=True))

        try:
            try:
                mm = pa.memory_map(path)
            except OSError:
                # Not mappable (some network or FUSE file systems): read it.
                with open(path, "rb") as fh:
                    fh.seek(data_offset)
                    table = parse(pa.py_buffer(fh.read(end - data_offset)))
            else:
                with mm:
                    table = parse(mm.read_buffer().slice(data_offset, end - data_offset))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            raise RecordingError(
                _locate_bad_line(path, data_offset, first_line_no, header)) from None
    if table is None or table.num_rows == 0:
        raise RecordingError(f"{path}: the header is there but there are no samples")
    # One numpy array per column and a DataFrame that keeps them apart:
    # Table.to_pandas consolidates into one 2-D block (another full copy,
    # 0.6 s for 24 h); per-column to_numpy costs 0.05 s.
    columns = {c: table.column(c).to_numpy() for c in header}
    del table
    # The parser's freed blocks stay in pyarrow's memory pool (mimalloc)
    # unless handed back: after reading 24 h at 100 Hz the process held
    # 1130 MB for 456 MB of samples, 620 MB once released (measured).
    pa.default_memory_pool().release_unused()
    first_bad = {}
    for c in REQUIRED_COLUMNS:
        bad = ~np.isfinite(columns[c])
        if bad.any():
            first_bad[c] = int(np.argmax(bad))
    if first_bad:
        # The first bad row, and in it the leftmost bad column.
        c = min(first_bad, key=lambda c: (first_bad[c], REQUIRED_COLUMNS.index(c)))
        raise RecordingError(
            f"{path}:{_line_of_row(path, data_offset, first_line_no, first_bad[c])}: "
            f"column {c} is empty or not a finite number")
    t = columns["t"]
    dt = np.diff(t)  # also the gaps' below
    back = np.flatnonzero(dt < 0)
    if len(back):
        i = back[0] + 1
        raise RecordingError(
            f"{path}:{_line_of_row(path, data_offset, first_line_no, i)}: time goes backwards ({t[i - 1]:.4f} s then "
            f"{t[i]:.4f} s); 't' must never decrease")
    check_span(float(t[0]), float(t[-1]), path, RecordingError)
    if not 0.0 <= t[0] <= MAX_START_OFFSET_S:
        # The contract's time is from the start of the recording. A small
        # offset is kept: a live session's files start when their sensor's
        # first packet arrived on the shared session clock, and that is what
        # lines two sensors' files up. Times far off (epoch seconds, a
        # device's uptime) are moved to start at 0.
        columns["t"] = t - t[0]
        dt = None  # the shifted times' steps can round differently
        warnings.append(f"times start at {t[0]:.6g} s; shifted to start at 0")
    data = pd.DataFrame(columns, copy=False)
    rec = Recording(data=data, metadata=metadata, path=path, warnings=warnings,
                    cut_off=cut_off, placement_source=placement_source)
    _check_units(rec, acc_units)
    _check_clipping(rec)
    seq = data["seq"].to_numpy() if "seq" in data else None
    rec.gaps = find_gaps(data["t"].to_numpy(), seq, rec.nominal_rate_hz, dt=dt)
    return rec


def declared_acc_range_g(metadata: Mapping) -> float | None:
    """Accelerometer full scale (g) of the device type named in the ``device``
    line (``"Thingy (thingy) C4:…"``, as ``toehold record`` writes it), or None."""
    import re

    m = re.search(r"\((\w+)\)", str(metadata.get("device", "")))
    if m is None:
        return None
    from sensors.devices import PROFILES

    profile = PROFILES.get(m.group(1).lower())
    return profile.acc_range_g if profile is not None else None


def clipped_fraction(acc_columns: Sequence[np.ndarray], range_g: float) -> float:
    """Share of samples with an axis at the accelerometer's limit (within 1 %).

    ``acc_columns``: the x, y, z columns (m/s²), taken one at a time so a
    day-long file needs no (n, 3) copy.
    """
    limit = 0.99 * range_g * G
    hit = None
    for col in acc_columns:
        h = np.abs(col) >= limit
        hit = h if hit is None else hit | h
    return float(hit.mean()) if hit is not None and len(hit) else 0.0


def _check_clipping(rec: Recording) -> None:
    range_g = declared_acc_range_g(rec.metadata)
    if not range_g:
        return
    share = clipped_fraction([rec.data[c].to_numpy() for c in ACC_COLUMNS], range_g)
    if share > 0:
        n = int(round(share * len(rec.data)))
        rec.warnings.append(
            f"acceleration reaches the sensor's ±{range_g:g} g range in {n} samples "
            f"({100 * share:.2g} %): heel strikes and fast moves are clipped, their peaks "
            f"are underestimated")


def resting_acc_norm(acc_columns: Sequence[np.ndarray], block: int = 50,
                     max_blocks: int = 4000) -> float:
    """Median |acceleration| where the sensor was still: gravity, in the file's units.

    The whole file's median is pulled far from gravity by a session of hops
    and runs; still stretches read gravity alone. Blocks of ``block``
    consecutive samples (up to ``max_blocks``, spread evenly, so a 24 h file
    costs a few hundred thousand values) whose |a| varies by less than 3 %
    of its level count as still; with fewer than three such blocks the
    median over every sample looked at is used.

    Parameters
    ----------
    acc_columns : three arrays, shape (n,)
        Acceleration x, y, z in any units.
    """
    n = len(acc_columns[0])
    if n == 0:
        return float("nan")
    block = min(block, n)
    starts = np.linspace(0, n - block, min(max_blocks, n // block), dtype=np.int64)
    idx = starts[:, None] + np.arange(block)
    norm = np.sqrt(sum(np.asarray(c, dtype=float)[idx] ** 2 for c in acc_columns))
    level = np.median(norm, axis=1)
    still = np.std(norm, axis=1) < 0.03 * np.abs(level)
    return float(np.median(level[still]) if still.sum() >= 3 else np.median(norm))


def _check_units(rec: Recording, acc_units: str) -> None:
    median_norm = resting_acc_norm([rec.data[c].to_numpy() for c in ACC_COLUMNS])
    looks_like_g = 0.7 < median_norm < 1.3
    if acc_units == "g" or (acc_units == "auto" and looks_like_g):
        for c in ACC_COLUMNS:
            rec.data[c] = rec.data[c].to_numpy() * G
        rec.warnings.append(
            f"{rec.path}: acceleration looks like it is in g (|a| at rest = {median_norm:.2f}); "
            f"converted to m/s² (× {G})" if acc_units == "auto" else
            f"{rec.path}: acceleration converted from g to m/s²")
    elif acc_units == "auto" and not 6.0 < median_norm < 14.0:
        rec.warnings.append(
            f"{rec.path}: |acceleration| at rest is {median_norm:.2f}, neither ≈9.81 m/s² nor "
            f"≈1 g; check the units before trusting the analysis")


def recording_from_arrays(data: pd.DataFrame | Mapping, metadata: Mapping | None = None,
                          path: str = "") -> Recording:
    """Build a Recording in memory (importers, live sessions, tests)."""
    df = pd.DataFrame(data)
    rec = Recording(data=df, metadata=dict(metadata or {}), path=path)
    seq = df["seq"].to_numpy() if "seq" in df else None
    rec.gaps = find_gaps(df["t"].to_numpy(), seq, rec.nominal_rate_hz)
    return rec


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------

_FORMATS = {"t": "%.4f", "seq": "%d"}
_FORMATS.update({c: "%.4f" for c in (*ACC_COLUMNS, *MAG_COLUMNS)})
_FORMATS.update({c: "%.3f" for c in GYR_COLUMNS})
_FORMATS.update({c: "%.5f" for c in ("quat_w", "quat_x", "quat_y", "quat_z")})


def _row_format(columns: Sequence[str], sampling_rate_hz: float | None) -> str:
    fmts = [_FORMATS.get(c, "%.6g") for c in columns]
    if sampling_rate_hz and sampling_rate_hz > 500:
        fmts[list(columns).index("t")] = "%.6f"
    return ",".join(fmts)


def as_written(data: pd.DataFrame, sampling_rate_hz: float | None = None) -> pd.DataFrame:
    """``data`` rounded as :func:`format_rows` writes it.

    What is analysed live must be what the file will hold: the detectors see
    the difference between a float as received and its 4-decimal text.
    """
    fmts = _row_format(list(data.columns), sampling_rate_hz).split(",")
    decimals = {c: int(f[2:-1]) for c, f in zip(data.columns, fmts) if f.endswith("f")}
    return data.round(decimals)


def format_rows(rows: np.ndarray, columns: Sequence[str],
                sampling_rate_hz: float | None = None) -> str:
    """CSV text of ``rows`` (n, len(columns)) in the recording's number formats."""
    rows = np.asarray(rows, dtype=float)
    if rows.ndim != 2 or rows.shape[1] != len(columns):
        raise ValueError(f"rows must have shape (n, {len(columns)})")
    return _lines(rows, _row_format(columns, sampling_rate_hz)).replace("-0.0000,", "0.0000,")


def _lines(rows: np.ndarray, row_format: str) -> str:
    """``rows`` (n, k) as CSV lines, ``row_format`` the k comma-separated %-formats.

    What ``np.savetxt`` writes, in one ``%`` over the whole block: savetxt's
    per-call and per-row overhead was most of the file sink's CPU live, where
    a 200 Hz sensor hands over four rows at a time.
    """
    return ((row_format + "\n") * len(rows)) % tuple(rows.ravel().tolist())


def metadata_block(metadata: Mapping) -> str:
    """The ``# key: value`` lines, ``format`` first."""
    meta = {"format": RECORDING_FORMAT}
    meta.update({k: v for k, v in metadata.items() if v is not None and k != "format"})
    lines = []
    for key, value in meta.items():
        value = str(value).replace("\n", " ").replace("\r", " ")
        lines.append(f"# {key}: {value}\n")
    return "".join(lines)


class RecordingWriter:
    """Append samples to a recording as they arrive.

    Every call to :meth:`write_rows` writes and flushes to the operating
    system, so a crash loses at most the rows not yet handed to the writer;
    ``fsync_interval_s`` bounds what a power cut can lose.

    Parameters
    ----------
    path : str or path-like
        The CSV file to create (its folder must exist).
    metadata : mapping
        Metadata keys of the contract (``start_time``, ``device``, ...).
    columns : sequence of str
        Column order; must contain the required columns.
    fsync_interval_s : float
        At most this long between ``os.fsync`` calls.
    rewritable : sequence of str
        Metadata keys whose value may be replaced later with
        :meth:`rewrite_metadata` (e.g. ``sample_rate_hz`` once the rate is
        measured): written padded with spaces to a fixed width, so the
        rewrite changes those bytes in place and no row moves.
    background : bool
        Hand the formatted rows to a writer thread, which writes, flushes
        and syncs them: :meth:`write_rows` then never waits for the disk.
        For a live source: on a busy disk one flush or fsync held the
        event loop that receives the sensors' notifications for 0.6-0.8 s
        (``benchmarks/README.md``, issue 13). A crash then loses at most
        the rows queued (at most ``coalesce_s`` of them); a write error is
        raised by the next :meth:`write_rows` or :meth:`close`.
    coalesce_s : float
        With ``background``, the writer thread lets this long's rows gather
        before each write: a wake-up, write and flush per notification (50 a
        second from a 200 Hz sensor) took twice the CPU (two 200 Hz writers:
        1.0-1.1 % of a core against 0.54 % with 0.25 s).
    """

    REWRITE_WIDTH = 16

    def __init__(self, path: str | os.PathLike, metadata: Mapping | None = None,
                 columns: Sequence[str] = REQUIRED_COLUMNS, fsync_interval_s: float = 1.0,
                 rewritable: Sequence[str] = (), background: bool = False, coalesce_s: float = 0.25):
        self.path = os.fspath(path)
        self.columns = list(columns)
        missing = [c for c in REQUIRED_COLUMNS if c not in self.columns]
        if missing:
            raise ValueError(f"columns lack {', '.join(missing)}")
        self.metadata = dict(metadata or {})
        try:
            rate = float(self.metadata.get("sample_rate_hz") or 0) or None
        except ValueError:
            rate = None
        self._fmt = _row_format(self.columns, rate)
        self.fsync_interval_s = fsync_interval_s
        self.coalesce_s = coalesce_s
        self.rows_written = 0
        # Health data: a new recording is readable by its owner only (0600).
        self._fh = open(self.path, "w", encoding="utf-8", newline="\n",
                        opener=lambda p, flags: os.open(p, flags, 0o600))
        meta = dict(self.metadata)
        for key in rewritable:
            if meta.get(key) is not None:
                meta[key] = str(meta[key]).ljust(self.REWRITE_WIDTH)
        block = metadata_block(meta)
        # Byte offset of each rewritable value (the block is ASCII up to them
        # only if earlier values are; count bytes, not characters).
        self._slots: dict[str, int] = {}
        offset = 0
        for line in block.splitlines(keepends=True):
            key = line[2:].split(":", 1)[0]
            if key in rewritable:
                self._slots[key] = offset + len(f"# {key}: ".encode())
            offset += len(line.encode("utf-8"))
        self._fh.write(block)
        self._fh.write(",".join(self.columns) + "\n")
        self._fh.flush()
        self._last_sync = time.monotonic()
        self._queue: queue.SimpleQueue | None = None
        self._error: OSError | None = None
        if background:
            self._queue = queue.SimpleQueue()
            self._thread = threading.Thread(target=self._write_queued, name="recording-writer", daemon=True)
            self._thread.start()

    def _write(self, text: str) -> None:
        self._fh.write(text)
        self._fh.flush()
        now = time.monotonic()
        if now - self._last_sync >= self.fsync_interval_s:
            os.fsync(self._fh.fileno())
            self._last_sync = now

    def _write_queued(self) -> None:
        """The writer thread: queued text to the file; an Event is set once all before it is written."""
        while True:
            item = self._queue.get()
            if isinstance(item, threading.Event):
                item.set()
                continue
            if item is None:
                return
            time.sleep(self.coalesce_s)  # let the rows of the next packets join this write
            parts = [item]
            try:  # what queued meanwhile goes in the same write
                while len(parts) < 1024:
                    nxt = self._queue.get_nowait()
                    if not isinstance(nxt, str):
                        self._queue.put(nxt)  # handled next round, after these rows
                        break
                    parts.append(nxt)
            except queue.Empty:
                pass
            if self._error is None:
                try:
                    self._write("".join(parts))
                except OSError as err:
                    self._error = err

    def _drain(self) -> None:
        """Wait until the writer thread has written everything queued so far."""
        if self._queue is not None and self._thread.is_alive():
            done = threading.Event()
            self._queue.put(done)
            done.wait()
        if self._error is not None:
            err, self._error = self._error, None
            raise err

    def write_rows(self, rows: np.ndarray | Iterable[Sequence[float]]) -> None:
        """Append rows (n, len(columns)) and flush them to the OS."""
        rows = np.asarray(rows, dtype=float)
        if rows.size == 0:
            return
        if rows.ndim == 1:
            rows = rows[None, :]
        if rows.shape[1] != len(self.columns):
            raise ValueError(f"rows have {rows.shape[1]} columns, expected {len(self.columns)}")
        if self._queue is not None:
            if self._error is not None:
                self._drain()  # raises it
            self._queue.put(_lines(rows, self._fmt))
        else:
            self._write(_lines(rows, self._fmt))
        self.rows_written += len(rows)

    def rewrite_metadata(self, key: str, value) -> bool:
        """Replace a ``rewritable`` metadata value in place; False if it does not fit."""
        text = str(value).replace("\n", " ")
        if key not in self._slots or len(text) > self.REWRITE_WIDTH or self._fh.closed:
            return False
        self._drain()
        self._fh.flush()
        with open(self.path, "r+b") as fh:
            fh.seek(self._slots[key])
            fh.write(text.ljust(self.REWRITE_WIDTH).encode("ascii", "replace"))
        self.metadata[key] = text
        return True

    def flush(self) -> None:
        self._drain()
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._last_sync = time.monotonic()

    def close(self) -> None:
        if not self._fh.closed:
            try:
                self.flush()
            finally:
                if self._queue is not None:
                    self._queue.put(None)
                    self._thread.join()
                self._fh.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_recording(path: str | os.PathLike, data: pd.DataFrame, metadata: Mapping | None = None,
                    chunk_rows: int = 200_000) -> None:
    """Write a whole DataFrame as a recording (simulator, importers)."""
    columns = [c for c in REQUIRED_COLUMNS] + [c for c in data.columns
                                              if c not in REQUIRED_COLUMNS]
    arr = data[columns].to_numpy(dtype=float)
    with RecordingWriter(path, metadata, columns) as writer:
        for start in range(0, len(arr), chunk_rows):
            writer.write_rows(arr[start:start + chunk_rows])


def check_writable(path: str | os.PathLike, min_free_bytes: int = 50 << 20) -> None:
    """Raise OSError with a clear message if ``path`` cannot be written.

    Called before connecting to a sensor, so a full disk or a read-only
    folder shows up before the session rather than after it.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OSError(f"{path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise OSError(f"{path}: folder {folder} is not writable")
    if path.is_dir():
        raise OSError(f"{path}: is a folder; give the file to write, e.g. {path / 'session.csv'}")
    if path.exists() and not os.access(path, os.W_OK):
        raise OSError(f"{path}: file exists and is not writable")
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    if free < min_free_bytes:
        raise OSError(f"{path}: only {free >> 20} MB free on the disk; need {min_free_bytes >> 20} MB")
