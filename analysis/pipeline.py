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
ANALYSER_VERSION = "0.3.0"


def run_analysis(recording, analyzer: SessionAnalyzer | None = None) -> SessionAnalyzer:
    """Fit the session analyser to a :class:`sensors.recording.Recording`.

    Returns the fitted analyser; its ``bouts_``, ``reps_``, ``circles_``,
    ``strides_``, ``stances_`` and ``signals_`` are DataFrames for notebooks.
    """
    analyzer = analyzer or SessionAnalyzer()
    return analyzer.detect(recording.data, placement=recording.placement or "foot",
                           mounting=recording.metadata.get("mounting"))


def _num(x: float | None, nd: int = 3):
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


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
        "exercises": fitted.exercises(),
        "balance": balance_section(fitted, placement),
        "adherence": {},
        "mounting": {"method": m.method, "confidence": _num(m.confidence, 2),
                     "matrix": np.round(m.matrix, 4).tolist()},
        "not_observable": dict(fitted.not_observable_),
        "analyser_version": ANALYSER_VERSION,
    }
    doc["adherence"] = session_adherence(doc, prescription or load())
    return doc
