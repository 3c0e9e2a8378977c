"""Sensor Logger (Kelvin Choi's app) zip/folder exports.

Format followed (tszheichoi/awesome-sensor-logger, ``UNITS.md``,
``CROSSPLATFORM.md`` and ``README.md``, "Understanding Timestamps",
"Accessing Recording Metadata"):

* One CSV per sensor, columns ``time`` (UNIX epoch, nanoseconds, UTC),
  ``seconds_elapsed`` (s since Start Recording) and the axes, written
  ``z,y,x``.
* ``TotalAcceleration.csv``: acceleration *with* gravity, m/s² (Android).
  ``Accelerometer.csv``: acceleration *without* gravity, m/s²; on iOS it is the
  only acceleration file, and acceleration with gravity is
  ``Accelerometer + Gravity`` (``Gravity.csv``, m/s²).
* ``Gyroscope.csv``: rad/s.
* iOS and Android acceleration and gravity differ by a sign on every axis
  unless "Standardise Units & Frames" is on (then the Android convention,
  +9.81 up like the contract); ``Metadata.csv`` says the ``platform``.
"""
from __future__ import annotations

import numpy as np

from sensors.recording import Recording, RecordingError

from ._common import RAD_TO_DEG, FileSet, Stream, align, finish, iso_utc, make_stream, norm, parse_csv, resample_onto

FORMAT_NAME = "Sensor Logger"
AXES = ("x", "y", "z")
FILES = ("TotalAcceleration.csv", "Accelerometer.csv", "Gyroscope.csv", "Gravity.csv")


def looks_like(header: list[str]) -> bool:
    keys = {norm(h) for h in header}
    return "seconds_elapsed" in keys and {"x", "y", "z"} <= keys


def detect(files: FileSet) -> bool:
    for fname in FILES:
        name = files.find(fname)
        if name is not None and looks_like(files.header(name)):
            return True
    return False


def _metadata(files: FileSet) -> dict:
    name = files.find("Metadata.csv")
    if name is None:
        return {}
    try:
        import io

        import pandas as pd

        df = pd.read_csv(io.BytesIO(files.read(name, 1 << 16)), dtype=str,
                         keep_default_na=False, nrows=1)
        return {norm(k): str(v) for k, v in df.iloc[0].items()} if len(df) else {}
    except Exception:  # noqa: BLE001 - the metadata file is optional; any damage means "unknown"
        return {}


def _stream(files: FileSet, fname: str, scale: float, warnings: list) -> Stream:
    name = files.find(fname)
    table = parse_csv(files.read(name), name, AXES, optional=("time", "seconds_elapsed"))
    warnings += table.warnings
    if "time" in table.columns:
        t = table.columns["time"] * 1e-9
    elif "seconds_elapsed" in table.columns:
        t = table.columns["seconds_elapsed"]
    else:
        raise RecordingError(f"{name}:1: missing column 'time' (or 'seconds_elapsed')")
    return make_stream(table, t, AXES, scale, warnings)


def read(files: FileSet, placement: str | None = None, side: str | None = None) -> Recording:
    """Read a Sensor Logger export (the zip, its folder, or one of its CSVs).

    Returns
    -------
    Recording
        Acceleration with gravity in m/s² (``TotalAcceleration``, or
        ``Accelerometer + Gravity``), gyroscope in deg/s.

    Raises
    ------
    RecordingError
        Without the gyroscope or any acceleration with gravity, or for a
        malformed file (named with its line).
    """
    warnings: list[str] = []
    notes: list[str] = []
    meta_csv = _metadata(files)
    platform = meta_csv.get("platform", "").lower()
    standardised = any(k.startswith("standardis") and v.lower() in ("true", "1", "yes", "on")
                       for k, v in meta_csv.items())
    if files.find("Gyroscope.csv") is None:
        raise RecordingError(f"{files.path}: no Gyroscope.csv; turn on the gyroscope in "
                             f"Sensor Logger and export again")
    if files.find("TotalAcceleration.csv") is not None:
        acc = _stream(files, "TotalAcceleration.csv", 1.0, warnings)
        notes.append("acceleration with gravity from TotalAcceleration.csv (m/s²)")
    elif files.find("Accelerometer.csv") is not None and files.find("Gravity.csv") is not None:
        user = _stream(files, "Accelerometer.csv", 1.0, warnings)
        grav = _stream(files, "Gravity.csv", 1.0, warnings)
        g, valid = resample_onto(user.t, grav)
        if not valid.any():
            raise RecordingError(f"{files.find('Gravity.csv')}: does not overlap "
                                 f"Accelerometer.csv in time")
        acc = Stream(t=user.t[valid], xyz=user.xyz[valid] + g[valid], where=user.where)
        notes.append("acceleration with gravity = Accelerometer.csv + Gravity.csv (m/s²)")
    elif files.find("Accelerometer.csv") is not None:
        user = _stream(files, "Accelerometer.csv", 1.0, warnings)
        median = float(np.median(np.linalg.norm(user.xyz, axis=1)))
        if not 6.0 < median < 14.0:
            raise RecordingError(
                f"{user.where}: Sensor Logger's Accelerometer.csv has gravity removed "
                f"(median |a| = {median:.2f} m/s²) and there is no TotalAcceleration.csv or "
                f"Gravity.csv; turn on the gravity sensor (iOS) or total acceleration "
                f"(Android) and export again")
        acc = user
        notes.append("Accelerometer.csv holds gravity already (median |a| ≈ 9.8 m/s²)")
    else:
        raise RecordingError(f"{files.path}: no TotalAcceleration.csv or Accelerometer.csv")
    if platform == "ios" and not standardised:
        # iOS reports acceleration and gravity with the opposite sign on every
        # axis (a phone flat on a table reads -z); the gyroscope is the same on
        # both, so flip the acceleration to keep the two in one frame.
        acc = Stream(t=acc.t, xyz=-acc.xyz, where=acc.where)
        notes.append("iOS acceleration sign flipped to the Android/contract convention")
    gyr = _stream(files, "Gyroscope.csv", RAD_TO_DEG, warnings)
    notes.append("gyroscope from Gyroscope.csv, rad/s → deg/s")
    data, info = align(acc, gyr)
    notes += info["notes"]
    meta = {}
    iso = iso_utc(info["t0"])
    # Only epoch ``time`` gives a wall-clock start; ``seconds_elapsed`` is small.
    if iso and info["t0"] > 1e8:
        meta["start_time"] = iso
    device = meta_csv.get("device name", "")
    meta["device"] = f"{device} (Sensor Logger{', ' + platform if platform else ''})".strip()
    return finish(data, meta, files.path, warnings, notes, FORMAT_NAME, placement, side)
