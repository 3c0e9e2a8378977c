"""Read recordings from phone apps and other sensors' exports.

One module per format, pure parsing of what the app documents (each module
cites its source):

* :mod:`.phyphox` — phyphox CSV exports (acceleration with g + gyroscope);
* :mod:`.sensorlogger` — Sensor Logger zip/folder exports;
* :mod:`.metabase` — MbientLab MetaBase CSVs (MetaMotion sensors).

:func:`open_any` tells them apart by their headers and file names and also
reads toehold's own ``toehold-recording/1`` CSV and plain CSVs with its
columns (``shared/contracts/README.md`` section 2) through
:func:`sensors.recording.read_recording`.
"""
from __future__ import annotations

import os
from pathlib import Path

from sensors.contract import RECORDING_FORMAT, REQUIRED_COLUMNS
from sensors.limits import check_regular, is_zip, open_regular
from sensors.recording import Recording, RecordingError, read_recording

from . import metabase, phyphox, sensorlogger
from ._common import FileSet, header_of

SUPPORTED = (
    "toehold-recording/1 CSV (or a plain CSV with columns t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z)",
    "phyphox export (zip or folder: 'Acceleration with g' + 'Gyroscope' CSVs)",
    "Sensor Logger export (zip or folder: TotalAcceleration.csv or Accelerometer.csv + "
    "Gravity.csv, and Gyroscope.csv)",
    "MbientLab MetaBase CSVs (..._Accelerometer_...csv and ..._Gyroscope_...csv)",
)

__all__ = ["open_any", "detect_format", "SUPPORTED"]


def _unsupported(path: str, why: str = "") -> RecordingError:
    return RecordingError(
        f"{path}: not a recording toehold can read{(' (' + why + ')') if why else ''}; "
        f"supported: " + "; ".join(SUPPORTED))


def _is_ours(header: list[str]) -> bool:
    return all(c in header for c in REQUIRED_COLUMNS)


def detect_format(path: str | os.PathLike) -> str:
    """Which reader ``path`` needs: ``toehold``, ``phyphox``, ``sensorlogger`` or ``metabase``.

    Raises
    ------
    RecordingError
        For a missing path or an unrecognised file, listing the supported formats.
    """
    path = os.fspath(path)
    p = Path(path)
    if not p.exists():
        raise RecordingError(f"{path}: no such file or folder")
    if not p.is_dir():
        # Devices, FIFOs and sockets are refused before anything opens them.
        check_regular(path, RecordingError)
    if p.is_file() and not is_zip(path):
        with open_regular(path, RecordingError) as fh:
            try:
                head = fh.read(1 << 16)
            except OSError as err:
                raise RecordingError(f"{path}: cannot read: {err.strerror or err}") from None
        header = header_of(head)
        if _is_ours(header) or head.lstrip().startswith(b"#") or not header:
            # Our reader gives the precise message for an empty/binary/broken file.
            return "toehold"
        if sensorlogger.looks_like(header):
            return "sensorlogger"
        if metabase.looks_like(header):
            return "metabase"
        if phyphox.looks_like(header):
            return "phyphox"
        raise _unsupported(path, f"header {','.join(header)[:100]!r}")
    files = FileSet(path)
    try:
        for name, mod in (("sensorlogger", sensorlogger), ("metabase", metabase),
                          ("phyphox", phyphox)):
            if mod.detect(files):
                return name
        if p.is_dir():
            ours = [n for n in files.names if _is_ours(files.header(n))]
            if ours:
                raise RecordingError(f"{path}: a folder of recordings; give one file "
                                     f"(e.g. {ours[0]})")
        raise _unsupported(path, "no CSV of a known app" if files.names else "no CSV files")
    finally:
        files.close()


def open_any(path: str | os.PathLike, placement: str | None = None,
             side: str | None = None) -> Recording:
    """Read a recording in any supported format.

    Parameters
    ----------
    path : str or path-like
        A toehold or plain CSV; an app's export as a zip, a folder, or one of
        its CSV files (its sibling files are found beside it).
    placement, side : str, optional
        ``foot``/``ankle`` and ``left``/``right``, overriding the file's.

    Returns
    -------
    Recording
        Contract units and frames (``t`` s from the start, m/s² with gravity,
        deg/s). App imports carry ``source_format`` and ``import_notes``.

    Raises
    ------
    RecordingError
        Naming the file (and line) and the problem; unrecognised input lists
        the supported formats.
    """
    path = os.fspath(path)
    fmt = detect_format(path)
    if fmt == "toehold":
        rec = read_recording(path, placement=placement, side=side)
        rec.source_format = RECORDING_FORMAT
        return rec
    files = FileSet(path)
    try:
        if fmt == "sensorlogger":
            return sensorlogger.read(files, placement, side)
        if fmt == "metabase":
            # A file the user named picks its session among several in its folder.
            prefer = path if Path(path).is_file() and not is_zip(path) else None
            return metabase.read(files, placement, side, prefer=prefer)
        return phyphox.read(files, placement, side)
    finally:
        files.close()
