"""From a recording to its ``toehold-analysis/1`` document.

This is the one entry point every command uses (``analyze``, ``report``,
``replay`` and the live view's final summary), so they all say the same.
"""
from __future__ import annotations

import math

import numpy as np

from sensors.contract import ANALYSIS_FORMAT, GYR_COLUMNS, HOLD_EXERCISES

from .confidence import THRESHOLD as CONFIDENCE_THRESHOLD
from .confidence import ConfidenceRater
from .session import SessionAnalyzer
from .threads import one_blas_thread

# Bump when detections can change, so cached analyses are recomputed.
ANALYSER_VERSION = "0.17.0"


def run_analysis(recording, analyzer: SessionAnalyzer | None = None,
                 release_samples: bool = False) -> SessionAnalyzer:
    """Fit the session analyser to a :class:`sensors.recording.Recording`.

    Returns the fitted analyser; its ``bouts_``, ``reps_``, ``circles_``,
    ``strides_``, ``stances_`` and ``signals_`` are DataFrames for notebooks.
    With ``release_samples`` the recording lets go of its samples
    (``recording.data`` becomes an empty frame with the same columns) once
    they are on the analysis grid: for a caller done with them, so that a
    day's samples (456 MB at 100 Hz) are not held beside its signals.
    """
    analyzer = analyzer or SessionAnalyzer()
    data = recording.data
    with one_blas_thread():
        if release_samples and not analyzer.too_short(data):
            from sensors.recording import release_samples

            data = analyzer.extractor().resample(data)
            release_samples(recording)
        return analyzer.detect(data, placement=recording.placement or "foot",
                               mounting=recording.metadata.get("mounting"))


WEAK_GAIT_WARNING = ("sensor mounting: {strides} strides of walking were too few or disagreed to tell "
                     "forward (confidence {confidence:.2f}): its bouts stay uncertain unless the "
                     "mounting is declared (mounting: x=...,y=...,z=...) or the recording walks more")
ASSUMED_WARNING = ("placement not given (neither in the file nor with --placement): analysed as a "
                   "foot sensor; an ankle recording gives wrong bouts this way")


def placement_source(recording) -> str:
    """``declared``, ``option`` or ``assumed`` (contract §4)."""
    return recording.placement_origin


def _num(x: float | None, nd: int = 3):
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def toe_paths(fitted: SessionAnalyzer, exercises: list[dict], sampling_rate_hz: float,
              path_sampling_rate_hz: float = 20.0) -> None:
    """Add each ``ankle_circles`` bout's toe path to its entry, for drawing.

    ``toe_path`` = ``{"rate_hz", "t0_s", "y_deg", "z_deg"}``: the toe tip's
    displacement across the foot (deg of foot tilt; y to the left, z up, as
    seen from in front of the toes) from the bout's start, sampled at
    ``path_sampling_rate_hz`` (its ``rate_hz``). ``sampling_rate_hz`` is the
    rate of ``fitted.signals_``. The circle detector counts the turns of its
    direction of motion.
    """
    from .circles import CircleDetector

    sig = fitted.signals_
    if not len(sig):
        return
    t = sig["t"].to_numpy()
    step = max(1, int(round(sampling_rate_hz / path_sampling_rate_hz)))
    for e in exercises:
        if e["exercise"] != "ankle_circles":
            continue
        lo, hi = np.searchsorted(t, [e["start_s"], e["end_s"]])
        # A second of margin on each side keeps the detrending's edges out of the bout.
        pad = int(sampling_rate_hz)
        a, b = max(0, lo - pad), min(len(t), hi + pad)
        # The bout's rows only: the whole day's (n, 3) copy per bout was 1 % of a day's analysis.
        gyr = np.column_stack([sig[c].to_numpy()[a:b] for c in GYR_COLUMNS])
        d = CircleDetector().toe_displacement(gyr, sampling_rate_hz)
        d = d[lo - a: hi - a: step]
        e["toe_path"] = {"rate_hz": round(sampling_rate_hz / step, 3), "t0_s": round(float(t[lo]), 3) if lo < len(t) else None,
                         "y_deg": np.round(d[:, 0], 1).tolist(), "z_deg": np.round(d[:, 1], 1).tolist()}


def balance_section(fitted: SessionAnalyzer, placement: str) -> dict:
    """The ``balance`` object: quiet stances, sway (ankle) and tiptoe gait."""
    out: dict = {"stances": [{"start_s": _num(s.start_s), "end_s": _num(s.end_s)}
                             for s in fitted.stances_.itertuples()]}
    from .balance import balance_document

    return balance_document(fitted, placement, out, fitted.sampling_rate_hz)




def apply_session_log(exercises: list[dict], session_log: dict | None, side: str | None = None,
                      signals=None, sampling_rate_hz: float = 50.0) -> list[dict]:
    """The bouts with a guided session's steps applied (contracts §5).

    Inside a step the exercise is known: every bout whose middle lies within
    a step's ``[start_s, end_s]`` becomes part of one bout of the step's
    exercise (its reps, circles or strides kept, the lists that do not apply
    to the exercise emptied). With ``signals``, the reps of a hold step are
    counted again on the step's samples by
    :class:`analysis.guided.StepRepCounter` (mounting-free, the person's
    first reps setting the range expected for the rest), so a set the
    classifier missed or split, or one of small reps, is counted as the
    live session counted it. Steps for the foot without the sensor (a
    ``side`` other than the recording's, or ``measured: false``) and skipped
    steps change nothing; neither does anything outside the steps.

    Parameters
    ----------
    exercises : list of dict
        ``toehold-analysis/1`` ``exercises`` entries, ordered by ``start_s``.
    session_log : dict or None
        A ``toehold-session/1`` document.
    side : str, optional
        The recording's side.
    signals : DataFrame, optional
        The fitted analyser's ``signals_`` (``t``, ``acc_*``, ``gyr_*``, ``valid``).
    sampling_rate_hz : float
        The rate of ``signals``' grid (the analyser's ``sampling_rate_hz``).

    Returns
    -------
    list of dict
        New entries, ordered by ``start_s``; ``exercises`` is not modified.
    """
    steps = [s for s in (session_log or {}).get("steps") or [] if isinstance(s, dict)]
    out = [dict(e) for e in exercises]
    for step in steps:
        try:
            ex, lo, hi = step["exercise"], float(step["start_s"]), float(step["end_s"])
        except (KeyError, TypeError, ValueError):
            continue
        if step.get("outcome") == "skipped" or step.get("measured") is False or not hi > lo:
            continue
        if side and step.get("side") and step["side"] != side:
            continue
        inside = [e for e in out if lo <= 0.5 * (e["start_s"] + e["end_s"]) <= hi]
        counted = None
        if ex in HOLD_EXERCISES and signals is not None and len(signals):
            from .guided import count_step_reps

            counted = count_step_reps(signals, lo, hi, sampling_rate_hz).reps_
            if len(counted):
                # The reps' own span: the step also holds the walk to the station.
                first, last = float(counted.start_s.iloc[0]), float(counted.end_s.iloc[-1])
                inside += [e for e in out if e not in inside and e["start_s"] < last and first < e["end_s"]]
                if not inside:
                    inside = [{"exercise": ex, "start_s": first, "end_s": last,
                               "reps": [], "circles": [], "strides": [], "confidence": 1.0, "doubts": []}]
        if not inside:
            continue
        main = max(inside, key=lambda e: e["end_s"] - e["start_s"])
        merged = {**main, "exercise": ex,
                  "start_s": min(e["start_s"] for e in inside), "end_s": max(e["end_s"] for e in inside),
                  "reps": sorted((r for e in inside for r in e["reps"]), key=lambda r: r["start_s"])
                  if ex in HOLD_EXERCISES else [],
                  "circles": sorted((c for e in inside for c in e["circles"]), key=lambda c: c["start_s"])
                  if ex == "ankle_circles" else [],
                  "strides": sorted((s for e in inside for s in e["strides"]), key=lambda s: s["t_s"])
                  if ex == "tiptoe_walk" else [],
                  "exercise_source": "session_log"}
        if counted is not None and len(counted):
            merged["reps"] = [{"start_s": round(float(r.start_s), 3), "end_s": round(float(r.end_s), 3),
                               "hold_s": round(float(r.hold_s), 3), "range_deg": round(float(r.range_deg), 2)}
                              for r in counted.itertuples()]
            merged["start_s"] = min(merged["start_s"], merged["reps"][0]["start_s"])
            merged["end_s"] = max(merged["end_s"], merged["reps"][-1]["end_s"])
        if "confidence" in main:
            merged["confidence"] = 1.0
        if main["exercise"] != ex:
            # Details measured for another exercise do not describe this one.
            for key in ("heel_rise_deg",):
                merged.pop(key, None)
        ids = {id(e) for e in inside}
        out = [e for e in out if id(e) not in ids] + [merged]
    return sorted(out, key=lambda e: e["start_s"])


def analyze_recording(recording, analyzer: SessionAnalyzer | None = None,
                      fitted: SessionAnalyzer | None = None, prescription=None,
                      session_log: dict | None = None, release_samples: bool = False) -> dict:
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
    session_log : dict, optional
        The recording's guided session log (``toehold-session/1``): its
        steps name the exercise of the bouts inside them
        (:func:`apply_session_log`) and adherence counts them.
    release_samples : bool
        Let the recording drop its samples once they are on the analysis
        grid (:func:`run_analysis`); for a caller done with the recording.
    """
    from .adherence import session_adherence
    from .prescription import load
    from .quality import with_hold_wobble

    source = placement_source(recording)
    warnings = list(recording.warnings)
    if source == "assumed":
        warnings.append(ASSUMED_WARNING)
    # Read from the samples before the analysis may release them.
    about = {
        "path": recording.path,
        "duration_s": _num(recording.duration_s),
        "sample_rate_hz": _num(recording.sampling_rate_hz, 2),
        "placement": recording.placement,
        "placement_source": source,
        "side": recording.side,
        "gaps": recording.gap_list(),
        "start_time": recording.start_time,
        "device": recording.metadata.get("device"),
        "subject": recording.metadata.get("subject"),
        "cut_off": bool(recording.cut_off),
        "warnings": warnings,
    }
    fitted = fitted or run_analysis(recording, analyzer, release_samples)
    placement = fitted.placement_
    m = fitted.mounting_
    if ConfidenceRater().weak_gait(m.method, placement, m.confidence):
        warnings.append(WEAK_GAIT_WARNING.format(strides=m.strides, confidence=m.confidence))
    about["placement"] = about["placement"] or placement
    doc = {
        "format": ANALYSIS_FORMAT,
        "recording": about,
        "exercises": with_hold_wobble(fitted.exercises(), fitted.signals_, fitted.sampling_rate_hz),
        "balance": balance_section(fitted, placement),
        "adherence": {},
        "mounting": {"method": m.method, "confidence": _num(m.confidence, 2),
                     "matrix": np.round(m.matrix, 4).tolist(), "strides": int(m.strides),
                     "agreement": m.agreement},
        "not_observable": dict(fitted.not_observable_),
        "analyser_version": ANALYSER_VERSION,
    }
    if session_log:
        doc["exercises"] = with_hold_wobble(
            apply_session_log(doc["exercises"], session_log, recording.side, fitted.signals_,
                              fitted.sampling_rate_hz), fitted.signals_,
            fitted.sampling_rate_hz)
        doc["session"] = {"format": session_log.get("format"), "steps": session_log.get("steps") or [],
                          "reported": session_log.get("reported") or {}}
    toe_paths(fitted, doc["exercises"], fitted.sampling_rate_hz)
    doc["confidence_threshold"] = CONFIDENCE_THRESHOLD
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
