"""Exports a clinic can take in: a CSV of every session metric, and an HL7 FHIR R4 Bundle.

Both are built from :func:`analysis.trends.session_table` (one row per
session, exercise and foot; the quality metrics of :mod:`analysis.quality`
and what the person reported). Columns, codes and units are documented in
``docs/export.md``. Health data kept out: a recording is named by its file
name only (never its folder), and the patient is whatever identifier the
user gives (none by default).

FHIR: ``fhir.resources`` (optional extra ``toehold[fhir]``) builds and
validates every resource. Its ``R4B`` package is the R4-compatible one it
ships (FHIR 4.3.0; Observation and Bundle have the same structure as in
R4 4.0.1), so the JSON it writes is R4 Observation JSON.
"""
from __future__ import annotations

import csv
import io
import math
import uuid
from pathlib import PurePath

import pandas as pd

from analysis.quality import METRICS
from toehold.safe_output import csv_cell

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# toehold's own code system for its metrics: code "<exercise>.<metric>".
METRIC_SYSTEM = "urn:toehold:metric"
# Deterministic resource ids: the same session exported twice gets the same ids.
ID_NAMESPACE = uuid.UUID("5f0c7a34-4f6e-5a8e-9d38-3c1f7d1b2e61")
# SNOMED CT body structures for the foot the sensor was on.
FOOT_SITE = {"left": ("22335008", "Left foot structure"), "right": ("7769000", "Right foot structure")}
# Reported outcomes: (key, LOINC code or None, text, UCUM unit).
OUTCOMES = (("pain_0_10", "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported", "{score}"),
            ("effort_0_10", None, "Perceived effort of the session, 0-10 (reported)", "{score}"))

CSV_COLUMNS = (["patient", "session_start", "day", "recording", "exercise", "side", "bouts", "uncertain_bouts"]
               + list(METRICS) + ["pain_0_10", "effort_0_10", "note"])


class ExportError(RuntimeError):
    """Export impossible as asked (missing library); the message says what to do."""


def _clean(v):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    return v


def export_rows(table: pd.DataFrame, patient: str | None = None) -> list[dict]:
    """The CSV's rows (one per session, exercise and foot) as dicts keyed by :data:`CSV_COLUMNS`."""
    rows = []
    for r in table.to_dict("records"):
        row = {c: _clean(r.get(c)) for c in CSV_COLUMNS}
        row["patient"] = patient
        row["session_start"] = r["time"].strftime("%Y-%m-%dT%H:%M:%SZ")
        row["day"] = round(float(r["day"]), 3)
        row["recording"] = PurePath(str(r.get("recording") or "")).name or None
        for k in ("bouts", "uncertain_bouts", "reps", "circles_cw", "circles_ccw", "pain_0_10", "effort_0_10"):
            if row.get(k) is not None and float(row[k]).is_integer():
                row[k] = int(row[k])
        rows.append(row)
    return rows


def csv_text(table: pd.DataFrame, patient: str | None = None) -> str:
    """The CSV export: a header of :data:`CSV_COLUMNS`, one row per session, exercise and foot."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in export_rows(table, patient):
        w.writerow({k: ("" if v is None else csv_cell(v)) for k, v in row.items()})
    return out.getvalue()


def _uuid(*parts) -> str:
    return "urn:uuid:" + str(uuid.uuid5(ID_NAMESPACE, "|".join(str(p) for p in parts)))


def _observation(patient, when: str, code: dict, category: str, value: float, unit: str, ucum: str,
                 side: str | None = None, note: str | None = None) -> dict:
    obs = {"resourceType": "Observation", "status": "final",
           "category": [{"coding": [{"system": CATEGORY, "code": category}]}],
           "code": code, "effectiveDateTime": when,
           "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": ucum}}
    if patient:
        obs["subject"] = {"identifier": {"value": patient}}
    if side in FOOT_SITE:
        obs["bodySite"] = {"coding": [{"system": SNOMED, "code": FOOT_SITE[side][0], "display": FOOT_SITE[side][1]}],
                           "text": f"{side} foot"}
    if note:
        obs["note"] = [{"text": note}]
    return obs


def fhir_observations(table: pd.DataFrame, patient: str | None = None) -> list[tuple[str, dict]]:
    """(fullUrl, Observation JSON) for every session metric and reported outcome.

    One Observation per session, exercise, foot and metric with a value;
    one per session for pain and for effort (both feet's logs of a session
    give it once).
    """
    out = []
    seen_outcomes = set()
    for row in export_rows(table, patient):
        when = row["session_start"]
        for m, (unit, ucum, text) in METRICS.items():
            v = row.get(m)
            if v is None:
                continue
            label = f"{row['exercise'].replace('_', ' ')}: {text}"
            code = {"coding": [{"system": METRIC_SYSTEM, "code": f"{row['exercise']}.{m}", "display": label}],
                    "text": label}
            obs = _observation(patient, when, code, "activity", float(v), unit or "1", ucum, row["side"])
            out.append((_uuid(patient, when, row["recording"], row["exercise"], row["side"], m), obs))
        for key, loinc, text, ucum in OUTCOMES:
            v = row.get(key)
            if v is None or (when, key) in seen_outcomes:
                continue
            seen_outcomes.add((when, key))
            coding = [{"system": LOINC, "code": loinc, "display": text}] if loinc else []
            coding.append({"system": METRIC_SYSTEM, "code": f"reported.{key}", "display": text})
            note = row.get("note") if key == "pain_0_10" else None
            obs = _observation(patient, when, {"coding": coding, "text": text}, "survey", float(v), "score", ucum,
                               note=note)
            out.append((_uuid(patient, when, key), obs))
    return out


def _fhir():
    try:
        from fhir.resources.R4B.bundle import Bundle
        from fhir.resources.R4B.observation import Observation
    except ImportError:
        raise ExportError("the FHIR export needs fhir.resources: pip install 'toehold[fhir]'") from None
    return Bundle, Observation


def fhir_bundle(table: pd.DataFrame, patient: str | None = None):
    """An R4 ``Bundle`` (type ``collection``) of validated Observations (a ``fhir.resources`` model).

    Raises
    ------
    ExportError
        Without ``fhir.resources``.
    pydantic.ValidationError
        If a resource does not validate (a bug: say so).
    """
    Bundle, Observation = _fhir()
    entries = [{"fullUrl": url, "resource": Observation.model_validate(obs)}
               for url, obs in fhir_observations(table, patient)]
    return Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "entry": entries})


def fhir_json(table: pd.DataFrame, patient: str | None = None) -> str:
    """The FHIR export as JSON text."""
    return fhir_bundle(table, patient).model_dump_json(indent=1) + "\n"


def read_fhir(text: str):
    """Parse and validate a Bundle written by :func:`fhir_json` (or anyone else)."""
    Bundle, _ = _fhir()
    return Bundle.model_validate_json(text)
