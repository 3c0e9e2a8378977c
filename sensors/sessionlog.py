"""Session logs (``toehold-session/1``, contracts §5): ``NAME.session.json`` beside ``NAME.csv``.

Reading tolerates a missing or unreadable log (a history still has its
recordings); writing never loses what was there: it refuses a file it
cannot parse, keeps every key it does not change, and replaces the file
atomically (a temporary file beside it, then ``os.replace``).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from sensors.contract import SESSION_FORMAT

SUFFIX = ".session.json"
MAX_BYTES = 1 << 20  # a log is a few hundred bytes; anything huge is not one
REPORTED_KEYS = ("pain_0_10", "effort_0_10")


class SessionLogError(ValueError):
    """A session log that cannot be read or updated safely; the message says why."""


def log_path(recording: str | os.PathLike) -> Path:
    """Where the session log of ``recording`` lives: ``NAME.session.json`` for ``NAME.csv``.

    For a zip or an app's export folder, ``NAME`` is its name without the
    suffix (``walk.zip`` → ``walk.session.json``).
    """
    p = Path(recording)
    name = p.name if p.is_dir() else p.stem
    return p.parent / (name + SUFFIX)


def read_log(recording: str | os.PathLike, strict: bool = False) -> dict | None:
    """The session log beside ``recording``, or None when there is none.

    With ``strict``, a log that exists but is not a readable
    ``toehold-session/1`` object raises :class:`SessionLogError`;
    otherwise it is treated as absent (a report still draws).
    """
    path = log_path(recording)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    try:
        if size > MAX_BYTES:
            raise SessionLogError(f"{path}: {size} bytes is too big for a session log")
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise SessionLogError(f"{path}: not a readable session log ({err})") from None
        if not isinstance(obj, dict):
            raise SessionLogError(f"{path}: not a session log (a JSON object is expected)")
        if obj.get("format", SESSION_FORMAT) != SESSION_FORMAT:
            raise SessionLogError(f"{path}: format {obj.get('format')!r}, expected {SESSION_FORMAT}")
        if not isinstance(obj.get("reported", {}), dict):
            raise SessionLogError(f"{path}: 'reported' is not an object")
        return obj
    except (SessionLogError, OSError):
        if strict:
            raise
        return None


def logs_for(recordings) -> tuple[list[dict | None], list[str]]:
    """The session log of each recording (None where there is none) and a line per unreadable one."""
    logs, problems = [], []
    for rec in recordings:
        try:
            logs.append(read_log(rec, strict=True))
        except (SessionLogError, OSError) as err:
            logs.append(None)
            problems.append(f"{err}; its reported outcomes are left out")
    return logs, problems


def check_score(value, name: str) -> int:
    """A 0–10 whole number, or :class:`SessionLogError` saying what is wrong."""
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise SessionLogError(f"{name} must be a whole number from 0 to 10, not {value!r}") from None
    if str(value).strip() not in (str(v), f"+{v}") or not 0 <= v <= 10:
        raise SessionLogError(f"{name} must be a whole number from 0 to 10, not {value!r}")
    return v


def add_reported(recording: str | os.PathLike, pain: int | None = None, effort: int | None = None,
                 note: str | None = None, replace: bool = False, now: dt.datetime | None = None) -> tuple[Path, dict]:
    """Add what the person reported to the session log of ``recording``.

    Creates the log if there is none; otherwise keeps every other field.
    A value already reported is changed only with ``replace``.

    Returns
    -------
    (Path, dict)
        The log's path and the log as written.

    Raises
    ------
    SessionLogError
        A value outside 0–10, nothing to add, an unreadable log, or a value
        already there without ``replace``.
    """
    new: dict = {}
    if pain is not None:
        new["pain_0_10"] = check_score(pain, "pain")
    if effort is not None:
        new["effort_0_10"] = check_score(effort, "effort")
    if note is not None:
        if len(note) > 2000:
            raise SessionLogError("the note is longer than 2000 characters")
        new["note"] = note
    if not new:
        raise SessionLogError("nothing to log: give --pain, --effort or --note")
    path = log_path(recording)
    log = read_log(recording, strict=True)
    if log is None:
        log = {"format": SESSION_FORMAT, "recording": Path(recording).name, "steps": []}
    reported = dict(log.get("reported") or {})
    clash = {k: reported[k] for k in new if k in reported and reported[k] != new[k]}
    if clash and not replace:
        was = ", ".join(f"{k} = {v!r}" for k, v in clash.items())
        raise SessionLogError(f"{path} already has {was}; use --force to replace")
    reported.update(new)
    reported["reported_at"] = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    log["reported"] = reported
    _write_atomic(path, json.dumps(log, indent=1, ensure_ascii=False) + "\n")
    return path, log


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
