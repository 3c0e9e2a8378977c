"""Many recordings at once: finding them, a cache beside each, parallel workers, Dask.

The analysis of a recording is a pure function of its bytes, the analyser
version and the options that feed it (placement/side overrides, the
prescription adherence is measured against). So each result is cached in a
``.toehold-cache/`` folder next to the recording, as ``NAME.json`` for
``NAME`` (a file, a zip or an app's export folder), and reused while all of
these are unchanged:

* the recording's size and a BLAKE2b hash of all its bytes (of every file
  of an app export: the sibling streams belong to the recording too).
  Measured here (2 shared cores, warm page cache) a full hash runs at about
  0.5 GB/s: 11 ms for a 10-minute session (3 MB; its analysis takes 0.2 s)
  and 0.8 s for 24 hours at 100 Hz (449 MB), so no sampled hash is needed.
  A touched but unchanged file keeps its cache;
* ``analysis.pipeline.ANALYSER_VERSION``, bumped whenever results change;
* the placement and side given on the command line and the prescription.

A folder that cannot be written to simply gets no cache. Everything here is
I/O and orchestration; the analysis itself is ``analysis.pipeline``.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
from pathlib import Path

from analysis import pipeline
from sensors.recording import lost_seconds

CACHE_DIR = ".toehold-cache"
CACHE_FORMAT = "toehold-cache/1"
RECORDING_SUFFIXES = (".csv", ".zip")
_HASH_BLOCK = 1 << 20


@dataclasses.dataclass
class Result:
    """The outcome for one recording: its analysis, or a one-line error."""

    path: str
    doc: dict | None = None
    error: str | None = None
    cached: bool = False


# --------------------------------------------------------------------------
# finding recordings
# --------------------------------------------------------------------------

def _app_export(path: Path) -> bool:
    """True if ``path`` (a folder, zip or CSV) is a phone app's export, not our CSV."""
    try:
        from sensors.importers import detect_format
    except ImportError:
        return False
    try:
        return detect_format(path) != "toehold"
    except Exception:  # unreadable or unknown: the reader will say why when it is opened
        return False


def collect(paths, default: Path | None = None) -> list[Path]:
    """Recordings named directly or found in folders (recursively), in name order.

    A folder that is itself one app export (phyphox, Sensor Logger) counts as
    one recording; other folders are searched for ``*.csv`` and ``*.zip``.
    Cache folders and simulator truth files are skipped.

    Raises
    ------
    toehold.cli.UserError
        For a path that does not exist or a folder with no recordings.
    """
    from toehold.cli import UserError

    files: list[Path] = []
    for p in map(Path, paths or ([default] if default else [])):
        if p.is_dir() and not _app_export(p):
            found = list(_walk(p))
            if not found:
                raise UserError(f"{p}: no recordings (*.csv, *.zip) in this folder")
            files += found
        elif p.exists():
            files.append(p)
        else:
            raise UserError(f"{p}: no such file or folder")
    return files


# --------------------------------------------------------------------------
# the cache
# --------------------------------------------------------------------------

def _walk(folder: Path):
    """Recordings under ``folder`` in path order; an app's export folder is one."""
    for entry in sorted(folder.iterdir()):
        if entry.name == CACHE_DIR:
            continue
        if entry.is_dir():
            if _app_export(entry):
                yield entry
            else:
                yield from _walk(entry)
        elif entry.suffix.lower() in RECORDING_SUFFIXES and entry.is_file():
            yield entry


def cache_path(recording: str | os.PathLike) -> Path:
    """Where the cached analysis of ``recording`` lives."""
    p = Path(recording)
    return p.parent / CACHE_DIR / (p.name + ".json")


def _input_files(path: Path) -> list[Path]:
    """Every file the analysis of ``path`` reads."""
    if path.is_dir():
        return sorted(f for f in path.rglob("*") if f.is_file() and CACHE_DIR not in f.parts)
    if path.suffix.lower() == ".csv" and _app_export(path):
        # An app's CSV is read with its sibling streams (accelerometer + gyroscope).
        return sorted(f for f in path.parent.iterdir() if f.is_file()
                      and f.suffix.lower() == ".csv")
    return [path]


def fingerprint(path: str | os.PathLike) -> dict:
    """Size and BLAKE2b hash of everything the recording at ``path`` is made of."""
    h = hashlib.blake2b(digest_size=20)
    size = 0
    for f in _input_files(Path(path)):
        h.update(f.name.encode() + b"\0")
        with open(f, "rb") as fh:
            while block := fh.read(_HASH_BLOCK):
                h.update(block)
                size += len(block)
    return {"size": size, "blake2b": h.hexdigest()}


def prescription_digest(prescription) -> str:
    """A stable digest of a prescription (``None``: the default one)."""
    from analysis.prescription import load

    text = repr(prescription if prescription is not None else load())
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def cache_key(placement: str | None, side: str | None, prescription=None) -> dict:
    """Everything besides the file that the cached analysis depends on."""
    return {"analyser_version": pipeline.ANALYSER_VERSION, "placement": placement,
            "side": side, "prescription": prescription_digest(prescription)}


def read_cache(path: str | os.PathLike, key: dict, file_id: dict | None = None) -> dict | None:
    """The cached analysis of ``path`` if it is still valid for ``key``, else None."""
    try:
        with open(cache_path(path), encoding="utf-8") as fh:
            entry = json.load(fh)
        if entry.get("format") != CACHE_FORMAT or entry.get("key") != key:
            return None
        if entry.get("file") != (file_id or fingerprint(path)):
            return None
        doc = entry["doc"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    doc["recording"]["path"] = str(path)  # the same file may be named another way this time
    return doc


def write_cache(path: str | os.PathLike, key: dict, file_id: dict, doc: dict) -> bool:
    """Store ``doc`` for ``path``; False (and no cache) where the folder is not writable."""
    target = cache_path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"format": CACHE_FORMAT, "key": key, "file": file_id, "doc": doc}, fh)
        os.replace(tmp, target)  # readers never see half a file
        return True
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        return False


# --------------------------------------------------------------------------
# analysing
# --------------------------------------------------------------------------

def _one_line(path: str, err: BaseException) -> str:
    from sensors.recording import RecordingError
    from toehold.cli import UserError

    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if isinstance(err, (RecordingError, UserError)):
        # These already name the file.
        return text if text.startswith(str(path)) else f"{path}: {text}"
    if isinstance(err, OSError):
        return f"{path}: {err.strerror or text}"
    return f"{path}: analysis failed ({type(err).__name__}: {text})"


def analyze_path(path: str | os.PathLike, placement: str | None = None, side: str | None = None,
                 prescription=None, use_cache: bool = True) -> Result:
    """Analyse one recording, from its cache if valid; never raises for a bad file.

    This is the one task of every batch: run in this process, in a process
    pool, or on a Dask worker.
    """
    from toehold.commands.analyze import load

    path = str(path)
    try:
        key = file_id = None
        if use_cache:
            key, file_id = cache_key(placement, side, prescription), fingerprint(path)
            doc = read_cache(path, key, file_id)
            if doc is not None:
                return Result(path, doc, cached=True)
        rec = load(path, placement, side)
        doc = pipeline.analyze_recording(rec, prescription=prescription)
        if use_cache:
            write_cache(path, key, file_id, doc)
        return Result(path, doc)
    except Exception as err:  # one bad file must not end the batch
        return Result(path, error=_one_line(path, err))


def analyze_many(paths, placement=None, side=None, prescription=None, jobs: int | None = None,
                 use_cache: bool = True, progress: bool = False) -> list[Result]:
    """Analyse recordings across ``jobs`` processes; results in the order of ``paths``.

    Parameters
    ----------
    paths : sequence of path-like
    placement, side : str, optional
        Overrides for every recording.
    prescription : analysis.prescription.Prescription, optional
    jobs : int, optional
        Worker processes (default ``os.cpu_count()``); 1 runs in this process.
    use_cache : bool
    progress : bool
        Draw a rich progress bar on standard error.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed

    paths = [str(p) for p in paths]
    jobs = max(1, jobs or os.cpu_count() or 1)
    results: dict[int, Result] = {}
    todo = list(range(len(paths)))
    with _progress(progress, len(paths)) as advance:
        if use_cache:
            key = cache_key(placement, side, prescription)
            for i in list(todo):
                doc = read_cache(paths[i], key)
                if doc is not None:
                    results[i] = Result(paths[i], doc, cached=True)
                    todo.remove(i)
                    advance()
        if jobs == 1 or len(todo) <= 1:
            for i in todo:
                results[i] = analyze_path(paths[i], placement, side, prescription, use_cache)
                advance()
        else:
            with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
                futures = {pool.submit(analyze_path, paths[i], placement, side, prescription,
                                       use_cache): i for i in todo}
                for fut in as_completed(futures):
                    results[futures[fut]] = fut.result()
                    advance()
    return [results[i] for i in range(len(paths))]


class _progress:
    """A rich progress bar on a terminal's standard error; nothing otherwise."""

    def __init__(self, enabled: bool, total: int):
        self.bar = None
        if enabled and total > 1:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeRemainingColumn)

            console = Console(stderr=True)
            if console.is_terminal:
                self.bar = Progress(TextColumn("analysing"), BarColumn(), MofNCompleteColumn(),
                                    TimeRemainingColumn(), console=console, transient=True)
                self.task = self.bar.add_task("analysing", total=total)

    def __enter__(self):
        if self.bar is None:
            return lambda: None
        self.bar.__enter__()
        return lambda: self.bar.advance(self.task)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


# --------------------------------------------------------------------------
# one table for many recordings
# --------------------------------------------------------------------------

EXERCISES = ("toe_press", "resistance_band", "pencil_pickup", "tiptoe_walk", "ankle_circles")


def summary_row(result: Result) -> dict:
    """One flat row per recording: what a study team tabulates."""
    row = {"path": result.path, "error": result.error or ""}
    doc = result.doc
    rec = doc["recording"] if doc else {}
    gaps = rec.get("gaps", [])
    row.update({
        "start_time": rec.get("start_time"), "subject": rec.get("subject"),
        "placement": rec.get("placement"), "side": rec.get("side"),
        "duration_s": rec.get("duration_s"), "sample_rate_hz": rec.get("sample_rate_hz"),
        "gaps": len(gaps) if doc else None,
        "lost_s": round(lost_seconds(gaps, rec.get("sample_rate_hz")), 3) if doc else None,
        "analyser_version": doc.get("analyser_version") if doc else None,
    })
    for name in EXERCISES:
        bouts = [e for e in (doc or {}).get("exercises", []) if e["exercise"] == name]
        row[f"{name}_bouts"] = len(bouts) if doc else None
        if name in ("toe_press", "resistance_band", "pencil_pickup"):
            holds = [r["hold_s"] for b in bouts for r in b["reps"]]
            row[f"{name}_reps"] = len(holds) if doc else None
            row[f"{name}_median_hold_s"] = (round(sorted(holds)[len(holds) // 2], 3)
                                            if holds else None)
        elif name == "tiptoe_walk":
            row["tiptoe_walk_s"] = round(sum(b["end_s"] - b["start_s"] for b in bouts), 3) if doc else None
            row["tiptoe_walk_strides"] = sum(len(b["strides"]) for b in bouts) if doc else None
        else:
            circles = [c["direction"] for b in bouts for c in b["circles"]]
            row["ankle_circles_cw"] = circles.count("cw") if doc else None
            row["ankle_circles_ccw"] = circles.count("ccw") if doc else None
    return row


def row_task(path: str, placement=None, side=None, prescription=None, use_cache: bool = True) -> dict:
    """:func:`analyze_path` reduced to its summary row (what a Dask worker sends back)."""
    return summary_row(analyze_path(path, placement, side, prescription, use_cache))


def table_text(rows: list[dict], fmt: str) -> str:
    """``rows`` as CSV (``csv``) or a JSON list (``json``)."""
    if fmt == "json":
        return json.dumps(rows, indent=1) + "\n"
    out = io.StringIO()
    if rows:
        w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return out.getvalue()


def analyze_dask(paths, scheduler: str, placement=None, side=None, prescription=None,
                 use_cache: bool = True, progress: bool = False, n_workers: int | None = None,
                 connect_timeout_s: float = 20.0) -> list[dict]:
    """One Dask task per recording; the summary rows in the order of ``paths``.

    Parameters
    ----------
    scheduler : str
        A scheduler address (``tcp://host:8786``), or ``local`` to start a
        ``distributed.LocalCluster`` on this machine for the run.
    n_workers : int, optional
        Workers of a ``local`` cluster (default: one per core).
    connect_timeout_s : float
        How long to keep trying to reach a remote scheduler.

    Raises
    ------
    toehold.cli.UserError
        Dask not installed, or the scheduler not reachable.
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        from toehold.cli import UserError
        raise UserError("--dask needs Dask: pip install 'toehold[dask]'") from None

    paths = [str(p) for p in paths]
    cluster = None
    try:
        if scheduler == "local":
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                   dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout=f"{connect_timeout_s}s")
    except OSError as err:
        from toehold.cli import UserError
        why = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise UserError(f"cannot reach the Dask scheduler {scheduler}: {why}") from None
    try:
        futures = client.map(row_task, paths, placement=placement, side=side,
                             prescription=prescription, use_cache=use_cache, pure=False)
        with _progress(progress, len(paths)) as advance:
            for _ in as_completed(futures):
                advance()
        return client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
