"""phyphox CSV exports ("Acceleration with g", "Gyroscope", multi-sensor sets).

Format followed:

* Column headers and units as phyphox writes them in its export sets:
  ``"Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)",
  "Acceleration z (m/s^2)"`` for *Acceleration with g*, ``"Gyroscope x (rad/s)"``
  for *Gyroscope*, ``"Linear Acceleration x (m/s^2)"`` for *Linear
  Acceleration* (phyphox experiment definitions, ``<export><set>`` blocks, see
  the phyphox file format, https://phyphox.org/wiki/index.php/Phyphox_file_format,
  "Block: export"; the same names appear in public readers of phyphox exports).
* Separators: phyphox offers "CSV (Comma, decimal point)", "CSV (Tabulator,
  decimal point)" and "CSV (Semicolon, decimal comma)" (phyphox-ios
  ``ExperimentExportSet.swift``, ``exportTypes``); the export is a zip with one
  CSV per export set plus ``meta/device.csv`` and ``meta/time.csv``
  (``"event","experiment time","system time","system time text"``; ``system
  time`` of the ``START`` event is Unix seconds).
* ``Time (s)`` is the experiment time in seconds; phyphox's acceleration *with
  g* reads +9.81 m/s² upward like the contract, the gyroscope is in rad/s.
"""
from __future__ import annotations

from sensors.recording import Recording, RecordingError

from ._common import RAD_TO_DEG, FileSet, align, finish, iso_utc, make_stream, norm, parse_csv

FORMAT_NAME = "phyphox"
TIME = "Time (s)"
ACC = ("Acceleration x (m/s^2)", "Acceleration y (m/s^2)", "Acceleration z (m/s^2)")
GYR = ("Gyroscope x (rad/s)", "Gyroscope y (rad/s)", "Gyroscope z (rad/s)")
LIN = ("Linear Acceleration x (m/s^2)",)


def _has(header: list[str], cols) -> bool:
    keys = {norm(h) for h in header}
    return all(norm(c) in keys for c in cols)


def looks_like(header: list[str]) -> bool:
    """True for a phyphox sensor CSV header."""
    return _has(header, (TIME,)) and (_has(header, ACC[:1]) or _has(header, GYR[:1])
                                      or _has(header, LIN))


def detect(files: FileSet) -> bool:
    return any(looks_like(files.header(n)) for n in files.names)


def _start_time(files: FileSet) -> float | None:
    name = files.find("time.csv")
    if name is None:
        return None
    try:
        table = parse_csv(files.read(name), name, ["experiment time", "system time"])
    except RecordingError:
        return None  # the timing metadata is optional; the samples are what matter
    if not len(table.lines):
        return None
    # The first row is the START event.
    return float(table.columns["system time"][0] - table.columns["experiment time"][0])


def read(files: FileSet, placement: str | None = None, side: str | None = None) -> Recording:
    """Read a phyphox export (zip, folder or one of its CSVs).

    Returns
    -------
    Recording
        m/s² (acceleration with g, as exported) and deg/s (rad/s × 180/π).

    Raises
    ------
    RecordingError
        When acceleration with g or the gyroscope is missing (a *Linear
        Acceleration* export lacks gravity and cannot be used), or a file is
        malformed (named with its line).
    """
    acc_name = gyr_name = lin_name = None
    for name in files.names:
        header = files.header(name)
        if not _has(header, (TIME,)):
            continue
        if acc_name is None and _has(header, ACC):
            acc_name = name
        if gyr_name is None and _has(header, GYR):
            gyr_name = name
        if lin_name is None and _has(header, LIN):
            lin_name = name
    if acc_name is None:
        if lin_name is not None:
            raise RecordingError(
                f"{lin_name}: phyphox 'Linear Acceleration' has gravity removed, and the "
                f"analysis needs it (it tells which way is up); record with the "
                f"'Acceleration with g' sensor (plus the gyroscope) instead")
        raise RecordingError(
            f"{files.path}: no phyphox 'Acceleration with g' CSV (columns {TIME!r}, "
            f"{ACC[0]!r}, ...); export the accelerometer with g")
    if gyr_name is None:
        raise RecordingError(
            f"{files.path}: no phyphox gyroscope CSV (columns {TIME!r}, {GYR[0]!r}, ...); "
            f"record acceleration with g and the gyroscope together (a multi-sensor "
            f"experiment) and export both")
    warnings: list[str] = []
    acc_t = parse_csv(files.read(acc_name), acc_name, (TIME,) + ACC)
    warnings += acc_t.warnings
    acc = make_stream(acc_t, acc_t.columns[TIME], ACC, 1.0, warnings)
    gyr_t = parse_csv(files.read(gyr_name), gyr_name, (TIME,) + GYR)
    if gyr_name != acc_name:
        warnings += gyr_t.warnings
    gyr = make_stream(gyr_t, gyr_t.columns[TIME], GYR, RAD_TO_DEG, warnings)
    data, info = align(acc, gyr)
    meta = {}
    start = _start_time(files)
    if start is not None:
        iso = iso_utc(start + info["t0"])
        if iso:
            meta["start_time"] = iso
    meta["device"] = "phone (phyphox)"
    notes = [f"acceleration with g from {files.basename(acc_name)} (m/s²)",
             f"gyroscope from {files.basename(gyr_name)}, rad/s → deg/s"]
    notes += info["notes"]
    return finish(data, meta, files.path, warnings, notes, FORMAT_NAME, placement, side)
