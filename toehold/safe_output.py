"""Output that is safe to hand on: spreadsheet cells, strict JSON, terminal text.

A bottom-layer module (standard library and rich only) for every command
that writes what other people open:

* :func:`csv_cell` / :func:`write_csv`: a cell that begins with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'``,
  so a spreadsheet shows it as text instead of running it as a formula
  (OWASP, "CSV Injection"). A recording's ``# subject: =HYPERLINK(...)``
  line otherwise became a live link in the clinician's spreadsheet. Numbers
  are written as numbers (a negative number stays ``-1.5``).
* :func:`strict_json` / :func:`json_safe`: JSON as RFC 8259 defines it,
  ``allow_nan=False``; a non-finite number becomes ``null`` and its place
  is listed in the document's ``notes`` (``NaN`` is not JSON: strict
  parsers reject the whole document).
* :func:`terminal_text` / :func:`markup_text`: a device or file name
  printed without its control characters (escape sequences could rewrite
  the terminal) and, for rich, with its markup escaped (a sensor named
  ``WT[/x]`` crashed the scan table).
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping

# OWASP CSV injection: cells starting with these are formulas to a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def csv_cell(value):
    """``value`` as a spreadsheet-safe CSV cell: formula-like text gets a leading ``'``."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def write_csv(rows: Iterable[Mapping], fieldnames: list[str] | None = None) -> str:
    """``rows`` (dicts) as CSV text with every cell made safe by :func:`csv_cell`."""
    rows = list(rows)
    out = io.StringIO()
    if rows or fieldnames:
        names = fieldnames or list(rows[0])
        w = csv.DictWriter(out, fieldnames=[csv_cell(n) for n in names], lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow({csv_cell(k): csv_cell(row.get(k)) for k in names})
    return out.getvalue()


def json_safe(obj, notes: list | None = None, where: str = ""):
    """A copy of ``obj`` with every non-finite float replaced by None.

    Each replacement's place (``exercises[2].reps[0].hold_s``) is appended
    to ``notes`` when given. Numpy scalars and arrays become Python values.
    """
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v, notes, f"{where}.{k}" if where else str(k))
                for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v, notes, f"{where}[{i}]") for i, v in enumerate(obj)]
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):  # numpy scalar or array
        return json_safe(obj.tolist(), notes, where)
    if isinstance(obj, float) and not math.isfinite(obj):
        if notes is not None:
            notes.append(f"{where or 'value'} was {obj} (not a number in JSON), written as null")
        return None
    return obj


def strict_json(obj, indent: int | None = 1) -> str:
    """``obj`` as strict JSON text (no NaN/Infinity).

    Non-finite numbers become ``null``; when ``obj`` is a dict, what was
    replaced is listed under its ``notes`` key (a list of strings).
    """
    if isinstance(obj, list) and all(isinstance(d, dict) for d in obj):
        # One document per recording: each lists its own replacements.
        docs = [json.loads(strict_json(d, None)) for d in obj]
        return json.dumps(docs, indent=indent, allow_nan=False, ensure_ascii=False)
    notes: list[str] = []
    safe = json_safe(obj, notes)
    if notes and isinstance(safe, dict):
        existing = safe.get("notes")
        safe["notes"] = (existing if isinstance(existing, list) else
                         ([existing] if existing is not None else [])) + notes
    return json.dumps(safe, indent=indent, allow_nan=False, ensure_ascii=False)


def terminal_text(text, limit: int | None = 200, keep_newlines: bool = False) -> str:
    """``text`` with control characters (ESC, CR, bidi overrides ...) shown as ``\\xNN``.

    ``keep_newlines`` leaves ``\\n`` alone (a message of several lines).
    """
    text = str(text)

    def shown_as(m):
        c = m.group()
        return c if keep_newlines and c == "\n" else c.encode("unicode_escape").decode("ascii")

    shown = _CONTROL.sub(shown_as, text)
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return shown


def markup_text(text, limit: int | None = 200) -> str:
    """:func:`terminal_text`, escaped for rich markup (``[`` can no longer open a tag)."""
    from rich.markup import escape

    return escape(terminal_text(text, limit))


# Bluetooth addresses (C4:2A:11:00:3B:9E) and the per-host UUIDs macOS uses
# instead of them: both identify the patient's sensor.
_ADDRESS = re.compile(r"\b(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}\b"
                      r"|\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b")


def without_addresses(text: str) -> str:
    """``text`` with device addresses removed (``WT901 (WitMotion) C4:2A:..`` → ``WT901 (WitMotion)``)."""
    return " ".join(_ADDRESS.sub("", text).split())


def base_name(path) -> str:
    """The last part of a path (``/home/ann/rehab/day1.csv`` → ``day1.csv``)."""
    text = str(path).replace("\\", "/").rstrip("/")
    return text.rsplit("/", 1)[-1] or text


def private_text(text: str, paths: Iterable[str] = ()) -> str:
    """``text`` with each of ``paths`` shortened to its base name and device addresses removed.

    A path ending in ``/`` is a folder: it is removed from the names it prefixes.
    """
    for p in sorted({str(p) for p in paths if p}, key=len, reverse=True):
        text = text.replace(p, "" if p.endswith("/") else base_name(p))
    return without_addresses(text) if _ADDRESS.search(text) else text


def private_doc(doc: dict) -> dict:
    """A copy of an analysis document fit to share (``--private``, the default).

    ``recording.path`` becomes the file's base name (folders often carry a
    patient's name), the device loses its Bluetooth address, and the same
    is done to every message in the document. The subject is kept as the
    user wrote it in the recording; the start time is kept (the calendar
    needs it). What is kept where is listed in ``docs/privacy.md``.
    """
    path = str((doc.get("recording") or {}).get("path") or "")
    paths = [path] if path else []
    if "/" in path.replace("\\", "/"):
        paths.append(path.replace("\\", "/").rsplit("/", 1)[0] + "/")

    def clean(obj):
        if isinstance(obj, dict):
            return {k: clean(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [clean(v) for v in obj]
        if isinstance(obj, str):
            return private_text(obj, paths)
        return obj

    out = clean(doc)
    rec = out.get("recording")
    if isinstance(rec, dict) and path:
        rec["path"] = base_name(path)
    return out
