"""From a recording to its ``toehold-analysis/1`` document.

This is the one entry point every command uses (``analyze``, ``report``,
``replay`` and the live view's final summary), so they all say the same.
"""
from __future__ import annotations

import math

import numpy as np

from .session import SessionAnalyzer

FORMAT = "toehold-analysis/1"
# Bump when detections can change, so cached analyses are recomputed.
ANALYSER_VERSION = "0.4.2"


def one_blas_thread():
    """Context in which numpy's BLAS runs on one thread.

    The analysis only multiplies (n, 3) by (3, 3) matrices, which gain
    nothing from threads; but OpenBLAS's worker threads spin waiting for
    work, and on a busy machine (or beside parallel batch workers) one such
    product over a 24 h recording took 0.7-2.2 s instead of 0.04 s
    (measured on this 2-core machine under load, ``benchmarks/README.md``).
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        # Finding the loaded libraries takes ~3 ms; limiting them, 6 µs.
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


_CONTROLLER = None


def run_analysis(recording, analyzer: SessionAnalyzer | None = None) -> SessionAnalyzer:
    """Fit the session analyser to a :class:`sensors.recording.Recording`.

    Returns the fitted analyser; its ``bouts_``, ``reps_``, ``circles_``,
    ``strides_``, ``stances_`` and ``signals_`` are DataFrames for notebooks.
    """
    analyzer = analyzer or SessionAnalyzer()
    with one_blas_thread():
        return analyzer.detect(recording.data, placement=recording.placement or "foot",
                               mounting=recording.metadata.get("mounting"))


def _num(x: float | None, nd: int = 3):
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def toe_paths(fitted: SessionAnalyzer, exercises: list[dict], rate_hz: float = 20.0) -> None:
    """Add each ``ankle_circles`` bout's toe path to its entry, for drawing.

    ``toe_path`` = ``{"rate_hz", "t0_s", "y_deg", "z_deg"}``: the toe tip's
    displacement across the foot (deg of foot tilt; y to the left, z up, as
    seen from in front of the toes) from the bout's start, sampled at
    ``rate_hz``. It is the same path the circle detector counts turns of.
    """
    from .circles import CircleDetector

    sig = fitted.signals_
    if not len(sig):
        return
    t = sig["t"].to_numpy()
    fs = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 50.0
    step = max(1, int(round(fs / rate_hz)))
    for e in exercises:
        if e["exercise"] != "ankle_circles":
            continue
        lo, hi = np.searchsorted(t, [e["start_s"], e["end_s"]])
        # A second of margin on each side keeps the detrending's edges out of the bout.
        pad = int(fs)
        a, b = max(0, lo - pad), min(len(t), hi + pad)
        d = CircleDetector().toe_displacement(sig[["gyr_x", "gyr_y", "gyr_z"]].to_numpy()[a:b], fs)
        d = d[lo - a: hi - a: step]
        e["toe_path"] = {"rate_hz": round(fs / step, 3), "t0_s": round(float(t[lo]), 3) if lo < len(t) else None,
                         "y_deg": np.round(d[:, 0], 1).tolist(), "z_deg": np.round(d[:, 1], 1).tolist()}


def balance_section(fitted: SessionAnalyzer, placement: str) -> dict:
    """The ``balance`` object: quiet stances, sway (ankle) and tiptoe gait."""
    out: dict = {"stances": [{"start_s": _num(s.start_s), "end_s": _num(s.end_s)}
                             for s in fitted.stances_.itertuples()]}
    from .balance import balance_document

    return balance_document(fitted, placement, out)


def analyze_recording(recording, analyzer: SessionAnalyzer | None = None,
                      fitted: SessionAnalyzer | None = None, prescription=None) -> dict:
    """The ``toehold-analysis/1`` document for one recording.

    Parameters
    ----------
    recording : sensors.recording.Recording
    analyzer : SessionAnalyzer, optional
        Parameters to use (default parameters otherwise).
    fitted : SessionAnalyzer, optional
        An analyser already fitted to this recording (skips the work).
    prescription : analysis.prescription.Prescription, optional
        What ``adherence`` compares against (the seed programme by default).
    """
    from .adherence import session_adherence
    from .prescription import load
    from .quality import with_hold_wobble

    fitted = fitted or run_analysis(recording, analyzer)
    placement = fitted.placement_
    m = fitted.mounting_
    doc = {
        "format": FORMAT,
        "recording": {
            "path": recording.path,
            "duration_s": _num(recording.duration_s),
            "sample_rate_hz": _num(recording.sample_rate_hz, 2),
            "placement": recording.placement,
            "side": recording.side,
            "gaps": recording.gap_list(),
            "start_time": recording.start_time,
            "device": recording.metadata.get("device"),
            "subject": recording.metadata.get("subject"),
            "cut_off": bool(recording.cut_off),
            "warnings": list(recording.warnings),
        },
        "exercises": with_hold_wobble(fitted.exercises(), fitted.signals_),
        "balance": balance_section(fitted, placement),
        "adherence": {},
        "mounting": {"method": m.method, "confidence": _num(m.confidence, 2),
                     "matrix": np.round(m.matrix, 4).tolist()},
        "not_observable": dict(fitted.not_observable_),
        "analyser_version": ANALYSER_VERSION,
    }
    toe_paths(fitted, doc["exercises"])
    doc["adherence"] = session_adherence(doc, prescription or load())
    return round_times(doc)


def round_times(obj, decimals: int = 4):
    """Every time (a key ending in ``_s``) rounded to 0.1 ms, in place; returns ``obj``.

    Float32 timestamps of app exports otherwise reach the JSON as
    ``1.3400001525878906``; the finest rate the contract knows (1 kHz) is
    well above 0.1 ms.
    """
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in items:
        if isinstance(v, float) and isinstance(k, str) and k.endswith("_s") and math.isfinite(v):
            obj[k] = round(v, decimals)
        elif isinstance(v, list) and isinstance(k, str) and k.endswith("_s"):
            obj[k] = [round(x, decimals) if isinstance(x, float) and math.isfinite(x) else
                      round_times(x, decimals) for x in v]
        elif isinstance(v, (dict, list)):
            round_times(v, decimals)
    return obj
