"""Pieces shared by the phone-app importers: file sets, CSV parsing, alignment.

An app export is a *file set*: a folder, a zip, or the folder around one of its
files. Each importer picks its CSVs from the set, parses them into
:class:`Stream` objects (times in seconds, three axes), and
:func:`align` puts the gyroscope onto the accelerometer's time base without
bridging a gap in either stream. The result is a contract recording
(``toehold-recording/1``, ``shared/contracts/README.md`` section 2): m/s²
including gravity, deg/s, ``t`` from the start, ``start_time`` in ISO 8601 UTC.

Parsing is vectorised with pandas' C parser; only the error paths look at
single rows, so that a message can name the file, line and column.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import io
import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sensors.contract import ACC_COLUMNS, GYR_COLUMNS
from sensors.limits import (
    MAX_COLUMNS,
    MAX_MEMBER_BYTES,
    MAX_ZIP_MEMBERS,
    check_member,
    check_regular,
    check_span,
    is_zip,
    open_regular,
    read_bounded,
)
from sensors.recording import Recording, RecordingError, effective_rate_hz, find_gaps, recording_from_arrays, set_placement

RAD_TO_DEG = 180.0 / np.pi
_HEAD_BYTES = 1 << 16
# Cells (rows × columns) parsed as strings at a time.
_CHUNK_CELLS = 2_000_000
_EOL = re.compile(r"\r\n|\r|\n")


# --------------------------------------------------------------------------
# file sets
# --------------------------------------------------------------------------

class FileSet:
    """The CSV files of one export: a folder, a zip, or one file's folder.

    Parameters
    ----------
    path : str
        What the user gave (used in messages).
    """

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        self._zip: zipfile.ZipFile | None = None
        self._files: dict[str, str] = {}   # display name -> member/file path
        p = Path(self.path)
        try:
            if p.is_dir():
                self._add_folder(p)
            else:
                # A device or FIFO is refused before anything opens it.
                check_regular(self.path, RecordingError)
                if is_zip(self.path):
                    self._open_zip()
                else:
                    self._add_folder(p.parent, only_csv=True)
        except OSError as err:
            raise RecordingError(f"{self.path}: cannot open: {err.strerror or err}") from None

    def _add_folder(self, folder: Path, only_csv: bool = True) -> None:
        # One level down too: unzipping an export often leaves a folder inside.
        for f in sorted(folder.iterdir()):
            if f.is_file() and f.suffix.lower() == ".csv":
                self._files[str(f)] = str(f)
        meta = folder / "meta"  # phyphox keeps device.csv and time.csv here
        if meta.is_dir():
            for f in sorted(meta.iterdir()):
                if f.is_file() and f.suffix.lower() == ".csv":
                    self._files[str(f)] = str(f)
        if not any(Path(f).parent == folder for f in self._files):
            for sub in sorted(folder.iterdir()):
                if sub.is_dir():
                    for f in sorted(sub.iterdir()):
                        if f.is_file() and f.suffix.lower() == ".csv":
                            self._files[str(f)] = str(f)

    def _open_zip(self) -> None:
        try:
            self._zip = zipfile.ZipFile(self.path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as err:
            raise RecordingError(f"{self.path}: not a readable zip file ({err})") from None
        for info in infos:
            if info.is_dir() or not info.filename.lower().endswith(".csv"):
                continue
            if "__MACOSX" in info.filename:
                continue
            self._files[f"{self.path}/{info.filename}"] = info.filename
            if len(self._files) > MAX_ZIP_MEMBERS:
                self._zip.close()
                raise RecordingError(f"{self.path}: more than {MAX_ZIP_MEMBERS} CSV files in the "
                                     f"zip; an app's export has a few")

    @property
    def names(self) -> list[str]:
        """Display names (``folder/file.csv`` or ``export.zip/file.csv``)."""
        return list(self._files)

    def basename(self, name: str) -> str:
        return name.replace("\\", "/").rsplit("/", 1)[-1]

    def find(self, filename: str) -> str | None:
        """The member whose base name is ``filename`` (case-insensitive)."""
        for name in self._files:
            if self.basename(name).lower() == filename.lower():
                return name
        return None

    def read(self, name: str, limit: int | None = None) -> bytes:
        where = self._files[name]
        try:
            if self._zip is not None:
                info = self._zip.getinfo(where)
                if limit is None:
                    check_member(info, name, RecordingError)
                with self._zip.open(where) as fh:
                    # Counted while decompressing: the header's size is not trusted.
                    return fh.read(limit) if limit else read_bounded(
                        fh, MAX_MEMBER_BYTES, name, RecordingError)
            with open_regular(where, RecordingError) as fh:
                return fh.read(limit) if limit else read_bounded(
                    fh, MAX_MEMBER_BYTES, name, RecordingError)
        except RecordingError:
            raise
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, ValueError,
                zipfile.LargeZipFile) as err:
            raise RecordingError(f"{name}: cannot be read from the zip ({err})") from None
        except OSError as err:
            raise RecordingError(f"{name}: cannot open: {err.strerror or err}") from None

    def header(self, name: str) -> list[str]:
        """The first non-empty line's column names ([] if unreadable); for detection."""
        try:
            head = self.read(name, _HEAD_BYTES)
        except RecordingError:
            return []
        return header_of(head)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _decode(data: bytes, where: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise RecordingError(f"{where}: broken UTF-16 text (byte {err.start})") from None
    if b"\x00" in data[:_HEAD_BYTES]:
        raise RecordingError(f"{where}: this is a binary file, not a CSV export")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise RecordingError(
            f"{where}: not UTF-8 text (byte {err.start}); is this the app's CSV export?") from None


def _sniff_separator(line: str) -> str:
    # phyphox offers comma, tab and semicolon; the apps' headers have at least
    # two columns, so the separator is the most frequent of the three.
    counts = {sep: line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda s: (counts[s], s == ","))


def _split_header(line: str, sep: str) -> list[str]:
    try:
        fields = next(csv.reader([line], delimiter=sep, quotechar='"'))
    except (csv.Error, StopIteration):
        fields = line.split(sep)
    return [" ".join(f.strip().strip('"').split()) for f in fields]


def header_of(head: bytes) -> list[str]:
    """Column names of the first non-empty line of ``head`` (lenient, for detection)."""
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return []
    try:
        text = head.decode("utf-16") if head.startswith((b"\xff\xfe", b"\xfe\xff")) \
            else head.decode("utf-8-sig", "replace")
    except UnicodeDecodeError:
        return []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return _split_header(line, _sniff_separator(line))
    return []


def norm(name: str) -> str:
    """Column name for matching: lower case, single spaces, ² as ^2."""
    return " ".join(name.replace("²", "^2").lower().split())


@dataclasses.dataclass
class Table:
    """Numeric columns of one CSV.

    Attributes
    ----------
    where : str
        The file (for messages).
    columns : dict of str to ndarray, shape (n,)
        Requested columns, float64, every value finite.
    lines : ndarray of int, shape (n,)
        1-based line number of each row in the file.
    warnings : list of str
    """

    where: str
    columns: dict
    lines: np.ndarray
    warnings: list


def _find_header(text: str) -> tuple[int, str, int]:
    """(index, text, end offset) of the first non-blank line of ``text``.

    Found without splitting the whole file into lines (a day at 100 Hz is
    hundreds of MB): only blank lines at the top are skipped.
    """
    pos, header_idx, header_line, end = 0, 0, "", 0
    while pos < len(text):
        m = _EOL.search(text, pos)
        end = m.end() if m else len(text)
        header_line = text[pos: m.start() if m else len(text)]
        if header_line.strip():
            break
        pos, header_idx = end, header_idx + 1
    return header_idx, header_line, end


def _parse_numbers(data: bytes, where: str, wanted: Sequence[str],
                   optional: Sequence[str]) -> Table | None:
    """The common case straight from the bytes: pyarrow parses the wanted columns as floats.

    Memory is the file plus its float columns (pyarrow reads in 4 MB blocks
    and converts each at once): ``toehold info`` of a Sensor Logger zip with
    two 81 MB members (250 min at 100 Hz) peaked at 1013 MB and took 58 s
    through the string path alone, 628 MB and 23 s with this one (measured
    here, 2 shared cores).
    Returns None whenever anything is unusual (UTF-16, a decimal comma, a
    blank or short or long row, an empty or non-finite value, a missing
    column): the string path then reads the file and names the line.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:_HEAD_BYTES]:
        return None
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    head = data[bom: bom + _HEAD_BYTES]
    try:
        head_text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        head_text = head[: err.start].decode("utf-8")
    header_idx, header_line, end = _find_header(head_text)
    if not header_line.strip() or end >= len(head_text) or \
            not head_text[:end].endswith(("\n", "\r")):
        return None
    sep = _sniff_separator(header_line)
    if max(header_line.count(c) for c in (",", ";", "\t")) >= MAX_COLUMNS:
        return None
    header = _split_header(header_line, sep)
    keys = [norm(h) for h in header]
    names = list(wanted) + [o for o in optional if norm(o) in keys]
    use = [norm(w) for w in names]
    if any(k not in keys for k in use) or any(keys.count(k) > 1 for k in use):
        return None
    offset = bom + len(head_text[:end].encode("utf-8"))
    if sep != "," and re.search(rb"\d,\d", data[offset: offset + 8192]):
        return None  # decimal comma
    cols = [f"c{i}" for i in range(len(header))]
    idx = [keys.index(k) for k in use]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)[offset:]),  # zero-copy slice
            read_options=pacsv.ReadOptions(column_names=cols, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char='"',
                                              ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                include_columns=[cols[i] for i in idx],
                column_types={cols[i]: pa.float64() for i in idx}))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError):
        return None
    if table.num_rows == 0:
        return None
    out = {}
    for name, i in zip(names, idx):
        col = table.column(cols[i])
        if col.null_count:
            return None
        values = col.to_numpy()
        if not np.isfinite(values).all():
            return None
        out[name] = values
    hline = header_idx + 1
    return Table(where=where, columns=out, lines=hline + 1 + np.arange(table.num_rows),
                 warnings=[])


def parse_csv(data: bytes, where: str, wanted: Sequence[str],
              optional: Sequence[str] = ()) -> Table:
    """Parse an app's CSV and return the ``wanted`` columns as finite floats.

    Parameters
    ----------
    data : bytes
        The whole file.
    where : str
        File name for messages.
    wanted : sequence of str
        Column names that must be present (matched with :func:`norm`).
    optional : sequence of str
        Column names returned when present.

    Raises
    ------
    RecordingError
        ``FILE:LINE: problem`` for an empty, binary or non-UTF-8 file, a
        missing or duplicated column, a row with a value that is not a finite
        number (a cut-off *last* row is dropped with a warning instead).
    """
    if not data or data.isspace():
        raise RecordingError(f"{where}: the file is empty")
    fast = _parse_numbers(data, where, wanted, optional)
    if fast is not None:
        return fast
    text = _decode(data, where)
    del data
    header_idx, header_line, end = _find_header(text)
    if not header_line.strip():
        raise RecordingError(f"{where}: the file is empty")
    sep = _sniff_separator(header_line)
    if max(header_line.count(c) for c in (",", ";", "\t")) >= MAX_COLUMNS:
        raise RecordingError(f"{where}:{header_idx + 1}: more than {MAX_COLUMNS} columns; an "
                             f"app's sensor export has a handful")
    header = _split_header(header_line, sep)
    keys = [norm(h) for h in header]
    hline = header_idx + 1
    want = [norm(w) for w in wanted]
    missing = [w for w, k in zip(wanted, want) if k not in keys]
    if missing:
        raise RecordingError(
            f"{where}:{hline}: missing column(s) {', '.join(repr(m) for m in missing)}; "
            f"the header is {header_line[:160]!r}")
    use = want + [norm(o) for o in optional if norm(o) in keys]
    dup = sorted({k for k in use if keys.count(k) > 1})
    if dup:
        raise RecordingError(f"{where}:{hline}: duplicated column(s) {', '.join(dup)}")
    idx = [keys.index(k) for k in use]
    body = text[end:]
    del text
    if not body.strip():
        raise RecordingError(f"{where}: the header is there but there are no samples")
    decimal_comma = sep != "," and re.search(r"\d,\d", body[:8192]) is not None
    # Parsed in chunks of bounded size, each turned into floats at once: as
    # one frame of strings a 300 MB member took 6.6 GB (a Python string per
    # cell); a chunk holds at most ``_CHUNK_CELLS`` of them.
    chunk_rows = max(1000, _CHUNK_CELLS // max(1, len(header)))
    parts: dict[str, list] = {k: [] for k in use}
    keep_parts: list[np.ndarray] = []
    n = 0
    n_bad, first_bad, last_kept = 0, None, -1
    try:
        reader = pd.read_csv(io.StringIO(body), sep=sep, header=None, dtype=str,
                             keep_default_na=False, skip_blank_lines=False,
                             quotechar='"', engine="c", index_col=False, chunksize=chunk_rows)
        for df in reader:
            if df.shape[1] > len(header):
                # Columns beyond the header's: name the first row that has a value there.
                extra = df.iloc[:, len(header):].fillna("").astype(str).apply(
                    lambda c: c.str.strip() != "")
                if extra.any(axis=None):
                    r = int(np.flatnonzero(extra.any(axis=1).to_numpy())[0])
                    raise RecordingError(
                        f"{where}:{hline + 1 + n + r}: expected {len(header)} values per row "
                        f"(the header's columns), found more")
            for i in idx:
                if i not in df.columns:
                    df[i] = np.nan
            raw = {k: df[i].fillna("").astype(str).str.strip().str.strip('"')
                   for k, i in zip(use, idx)}
            blank = np.logical_and.reduce([(raw[k] == "").to_numpy() for k in use])
            values = {}
            for k in use:
                col = raw[k]
                if decimal_comma:
                    col = col.str.replace(",", ".", regex=False)
                values[k] = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
                parts[k].append(values[k])
            keep = ~blank
            bad = np.zeros(len(df), dtype=bool)
            for k in use[: len(want)]:
                bad |= ~np.isfinite(values[k])
            bad &= keep
            if bad.any():
                if first_bad is None:
                    r = int(np.flatnonzero(bad)[0])
                    first_bad = (n + r, {k: (raw[k].iloc[r][:40], values[k][r]) for k in use})
                n_bad += int(np.count_nonzero(bad))
            if keep.any():
                last_kept = n + int(np.flatnonzero(keep)[-1])
            keep_parts.append(keep)
            n += len(df)
    except pd.errors.ParserError as err:
        m = re.search(r"line (\d+)", str(err))
        loc = f"{where}:{hline + int(m.group(1))}" if m else where
        found = re.search(r"saw (\d+)", str(err))
        raise RecordingError(
            f"{loc}: expected {len(header)} values per row (the header's columns)"
            + (f", found {found.group(1)}" if found else "")) from None
    except (ValueError, csv.Error, MemoryError, OverflowError) as err:
        if isinstance(err, RecordingError):
            raise
        raise RecordingError(f"{where}: could not be parsed as CSV ({err})") from None
    row_lines = hline + 1 + np.arange(n)
    keep = np.concatenate(keep_parts) if keep_parts else np.zeros(0, dtype=bool)
    warnings: list[str] = []
    if first_bad is not None:
        row, shown_values = first_bad
        if row == last_kept and not body.endswith(("\n", "\r")) and n_bad == 1:
            keep[row] = False
            warnings.append(f"{where}: the last line was cut off mid-row; "
                            f"its partial row was dropped")
        else:
            for k, w in zip(use, list(wanted) + list(optional)):
                shown, value = shown_values[k]
                if not np.isfinite(value):
                    problem = "is empty" if not shown else (
                        "is not a finite number" if np.isnan(value)
                        and shown.lower().lstrip("+-") in ("nan",) or np.isinf(value)
                        else "is not a number")
                    raise RecordingError(
                        f"{where}:{row_lines[row]}: column {w!r} {problem}: {shown!r}")
    if not keep.any():
        raise RecordingError(f"{where}: the header is there but there are no samples")
    cols = {}
    for k, w in zip(use, list(wanted) + [o for o in optional if norm(o) in keys]):
        cols[w] = np.concatenate(parts[k])[keep]
    return Table(where=where, columns=cols, lines=row_lines[keep], warnings=warnings)


# --------------------------------------------------------------------------
# streams and alignment
# --------------------------------------------------------------------------

@dataclasses.dataclass
class Stream:
    """One sensor's samples.

    Attributes
    ----------
    t : ndarray, shape (n,)
        Times (s) on the export's clock (epoch seconds or experiment time),
        strictly increasing.
    xyz : ndarray, shape (n, 3)
        The three axes, already in contract units.
    where : str
        The file it came from.
    """

    t: np.ndarray
    xyz: np.ndarray
    where: str


def make_stream(table: Table, t: np.ndarray, axes: Sequence[str], scale: float = 1.0,
                warnings: list | None = None) -> Stream:
    """Check the time column and build a :class:`Stream` (``axes`` scaled by ``scale``).

    Time going backwards is an error naming the line; repeated timestamps
    (phones deliver a sample twice now and then) keep their first sample.
    """
    t = np.asarray(t, dtype=float)
    dt = np.diff(t)
    back = np.flatnonzero(dt < 0)
    if len(back):
        i = back[0] + 1
        raise RecordingError(
            f"{table.where}:{table.lines[i]}: time goes backwards ({t[i - 1]:.6f} s then "
            f"{t[i]:.6f} s); the export's times must never decrease")
    xyz = np.column_stack([table.columns[a] for a in axes]) * scale
    if not np.isfinite(xyz).all():
        i = int(np.flatnonzero(~np.isfinite(xyz).all(axis=1))[0])
        raise RecordingError(f"{table.where}:{table.lines[i]}: value too large to convert")
    dup = np.concatenate([[False], dt == 0])
    if dup.any():
        if warnings is not None:
            warnings.append(f"{table.where}: {int(dup.sum())} repeated timestamp(s); "
                            f"kept the first sample of each")
        t, xyz = t[~dup], xyz[~dup]
    return Stream(t=t, xyz=xyz, where=table.where)


def _inside_gaps(t: np.ndarray, stream: Stream) -> np.ndarray:
    """True where ``t`` falls strictly inside a gap of ``stream`` or outside its span."""
    out = (t < stream.t[0]) | (t > stream.t[-1])
    gaps = find_gaps(stream.t)
    if len(gaps):
        a, b = gaps["start_s"].to_numpy(), gaps["end_s"].to_numpy()
        # Gaps are disjoint and sorted: the last gap starting before t decides.
        k = np.searchsorted(a, t, side="right") - 1
        ok = k >= 0
        kk = np.clip(k, 0, None)
        out |= ok & (t > a[kk]) & (t < b[kk])
    return out


def resample_onto(t: np.ndarray, stream: Stream) -> tuple[np.ndarray, np.ndarray]:
    """Interpolate ``stream`` at times ``t`` (n,), never across one of its gaps.

    Returns
    -------
    values : ndarray, shape (n, 3)
    valid : ndarray of bool, shape (n,)
        False where ``t`` is outside the stream or inside one of its gaps.
    """
    valid = ~_inside_gaps(t, stream)
    if len(stream.t) == 1:
        values = np.repeat(stream.xyz, len(t), axis=0)
    else:
        values = np.column_stack([np.interp(t, stream.t, stream.xyz[:, i]) for i in range(3)])
    return values, valid


def align(acc: Stream, gyr: Stream) -> tuple[pd.DataFrame, dict]:
    """Put the gyroscope on the accelerometer's times.

    The output keeps the accelerometer samples at which the gyroscope can be
    interpolated: inside its span and not inside one of its gaps. So a gap in
    either stream is a step in the output's ``t`` (a gap for
    :func:`sensors.recording.find_gaps`) and no row is invented across it.

    Returns
    -------
    data : pandas.DataFrame
        ``t`` (s from the first kept sample), ``acc_x..z``, ``gyr_x..z``.
    info : dict
        ``t0`` (the first kept sample on the export's clock), ``dropped``
        (accelerometer samples without gyroscope), ``acc_rate_hz``,
        ``gyr_rate_hz``, ``notes`` (what the alignment did, for the user).
    """
    gyr_xyz, valid = resample_onto(acc.t, gyr)
    if not valid.any():
        raise RecordingError(
            f"{acc.where}: the accelerometer ({acc.t[0]:.6g}–{acc.t[-1]:.6g} s) and the "
            f"gyroscope ({gyr.where}, {gyr.t[0]:.6g}–{gyr.t[-1]:.6g} s) do not overlap in time")
    t = acc.t[valid]
    t0 = float(t[0])
    data = pd.DataFrame({"t": t - t0})
    data[list(ACC_COLUMNS)] = acc.xyz[valid]
    data[list(GYR_COLUMNS)] = gyr_xyz[valid]
    info = {"t0": t0, "dropped": int((~valid).sum()),
            "acc_rate_hz": effective_rate_hz(acc.t), "gyr_rate_hz": effective_rate_hz(gyr.t)}
    info["notes"] = [f"gyroscope ({info['gyr_rate_hz']:.0f} Hz) interpolated onto the "
                     f"accelerometer's times ({info['acc_rate_hz']:.0f} Hz)"]
    if info["dropped"]:
        info["notes"].append(f"{info['dropped']} accelerometer samples without gyroscope dropped")
    return data, info


def iso_utc(epoch_s: float) -> str | None:
    """ISO 8601 UTC with milliseconds for epoch seconds; None when implausible."""
    if not np.isfinite(epoch_s) or not 0 < epoch_s < 7.3e9:  # 1970 .. 2200
        return None
    try:
        d = _dt.datetime.fromtimestamp(epoch_s, tz=_dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return d.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def finish(data: pd.DataFrame, metadata: dict, path: str, warnings: list[str],
           notes: list[str], fmt: str, placement: str | None, side: str | None) -> Recording:
    """Build the Recording: metadata, nominal rate, final checks."""

    if len(data) < 2:
        raise RecordingError(f"{path}: fewer than two samples where accelerometer and "
                             f"gyroscope overlap")
    check_span(float(data["t"].iloc[0]), float(data["t"].iloc[-1]), path, RecordingError)
    arr = data.to_numpy(dtype=float)
    if not np.isfinite(arr).all():
        raise RecordingError(f"{path}: values too large to convert to the recording's units")
    meta = dict(metadata)
    set_placement(meta, placement, side, path)
    rate = effective_rate_hz(data["t"].to_numpy())
    if np.isfinite(rate) and rate > 0:
        meta["sample_rate_hz"] = f"{rate:.4g}"
    meta["notes"] = f"imported from {fmt}: " + "; ".join(notes)
    rec = recording_from_arrays(data, meta, path=path)
    rec.warnings.extend(warnings)
    rec.cut_off = any("was cut off" in w for w in warnings)
    rec.placement_source = "option" if placement else None
    rec.source_format = fmt
    rec.import_notes = list(notes)
    return rec
