"""MbientLab MetaBase CSV exports (MetaMotion sensors).

Format followed: MetaBase writes one CSV per sensor stream, named
``<device>_<date>_<MAC>_Accelerometer_<rate>Hz_<version>.csv`` and
``..._Gyroscope_...csv``, with the header
``epoc (ms),timestamp (<zone>),elapsed (s),x-axis (g),y-axis (g),z-axis (g)``
(accelerometer, g) and ``...,x-axis (deg/s),y-axis (deg/s),z-axis (deg/s)``
(gyroscope). Sources: MbientLab's own app code, ``csvHeaderRoot =
"epoc (ms),timestamp (<zone>),elapsed (s),"`` (MetaClinic ``Sensor.swift``,
MBIENTLAB, INC.) and MbientLab's Android tutorial app writing
``"epoc (ms),timestamp (-0700),elapsed (s),x-axis (g),y-axis (g),z-axis (g)"``
and ``"... x-axis (deg/s) ..."``; the product page describes acceleration in
g, rotation in deg/s and epoch milliseconds.
"""
from __future__ import annotations

import re

from sensors.contract import G
from sensors.recording import Recording, RecordingError

from ._common import FileSet, align, finish, iso_utc, make_stream, norm, parse_csv

FORMAT_NAME = "MbientLab MetaBase"
EPOC = "epoc (ms)"
ELAPSED = "elapsed (s)"
ACC = ("x-axis (g)", "y-axis (g)", "z-axis (g)")
GYR = ("x-axis (deg/s)", "y-axis (deg/s)", "z-axis (deg/s)")


def _has(header, cols) -> bool:
    keys = {norm(h) for h in header}
    return all(norm(c) in keys for c in cols)


def looks_like(header: list[str]) -> bool:
    return bool(header) and norm(header[0]) == EPOC and (_has(header, ACC[:1])
                                                        or _has(header, GYR[:1]))


def detect(files: FileSet) -> bool:
    return any(looks_like(files.header(n)) for n in files.names)


def _session(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    m = re.split(r"_(?:Accelerometer|Gyroscope)", base, maxsplit=1, flags=re.I)
    return m[0] if len(m) > 1 else ""


def read(files: FileSet, placement: str | None = None, side: str | None = None,
         prefer: str | None = None) -> Recording:
    """Read a MetaBase export: the accelerometer and gyroscope CSVs of one session.

    Parameters
    ----------
    files : FileSet
    prefer : str, optional
        A file the user named: its session is the one read.

    Returns
    -------
    Recording
        Acceleration g × 9.80665 → m/s², gyroscope deg/s as is,
        ``start_time`` from ``epoc (ms)``.
    """
    accs, gyrs = {}, {}
    for name in files.names:
        header = files.header(name)
        if not header or norm(header[0]) != EPOC:
            continue
        if _has(header, ACC):
            accs.setdefault(_session(name), name)
        elif _has(header, GYR):
            gyrs.setdefault(_session(name), name)
    sessions = sorted(set(accs) & set(gyrs))
    if prefer is not None and _session(prefer) in sessions:
        session = _session(prefer)
    elif len(sessions) == 1:
        session = sessions[0]
    elif len(sessions) > 1:
        raise RecordingError(
            f"{files.path}: {len(sessions)} MetaBase sessions here ({', '.join(sessions[:4])}"
            f"{', ...' if len(sessions) > 4 else ''}); give one of its CSV files")
    elif accs and not gyrs:
        raise RecordingError(f"{next(iter(accs.values()))}: MetaBase accelerometer CSV without "
                             f"a gyroscope CSV (x-axis (deg/s)) of the same session; stream "
                             f"or log the gyroscope too")
    elif gyrs and not accs:
        raise RecordingError(f"{next(iter(gyrs.values()))}: MetaBase gyroscope CSV without "
                             f"an accelerometer CSV (x-axis (g)) of the same session")
    else:
        raise RecordingError(f"{files.path}: no MetaBase accelerometer and gyroscope CSVs "
                             f"(header {EPOC},timestamp (...),{ELAPSED},x-axis (g),...)")
    warnings: list[str] = []
    acc_t = parse_csv(files.read(accs[session]), accs[session], (EPOC,) + ACC)
    warnings += acc_t.warnings
    acc = make_stream(acc_t, acc_t.columns[EPOC] * 1e-3, ACC, G, warnings)
    gyr_t = parse_csv(files.read(gyrs[session]), gyrs[session], (EPOC,) + GYR)
    warnings += gyr_t.warnings
    gyr = make_stream(gyr_t, gyr_t.columns[EPOC] * 1e-3, GYR, 1.0, warnings)
    data, info = align(acc, gyr)
    meta = {}
    iso = iso_utc(info["t0"])
    if iso:
        meta["start_time"] = iso
    meta["device"] = f"MbientLab MetaMotion{(' ' + session) if session else ''}"
    notes = [f"accelerometer {files.basename(accs[session])}: g → m/s² (× {G})",
             f"gyroscope {files.basename(gyrs[session])} in deg/s"]
    notes += info["notes"]
    return finish(data, meta, files.path, warnings, notes, FORMAT_NAME, placement, side)
