"""Many recordings at once: finding them, a cache of their analyses, parallel workers, Dask.

The analysis of a recording is a pure function of its bytes, the analyser
version and the options that feed it (placement/side overrides, the
prescription adherence is measured against). So each result is cached and
reused while all of these are unchanged:

* the recording's size and a BLAKE2b hash of all its bytes (of every file
  of an app export: the sibling streams belong to the recording too).
  Measured here (2 shared cores, warm page cache) a full hash runs at about
  0.5 GB/s: 11 ms for a 10-minute session (3 MB; its analysis takes 0.2 s)
  and 0.8 s for 24 hours at 100 Hz (449 MB), so no sampled hash is needed.
  A touched but unchanged file keeps its cache;
* ``analysis.pipeline.ANALYSER_VERSION``, bumped whenever results change;
* the placement and side given on the command line and the prescription.

The cache holds health data derived from the recordings, and a result read
from it is shown as the analysis, so it is kept where only its user can
read or plant it (``docs/privacy.md``):

* in the user's cache folder (``platformdirs.user_cache_dir("toehold")``,
  e.g. ``~/.cache/toehold/analyses`` on Linux; ``TOEHOLD_CACHE_DIR``
  overrides it), folders 0700, files 0600, never beside the recording;
* each entry is signed with HMAC-SHA256 under a per-user secret key
  (``secret`` in that folder, 32 random bytes, 0600): an entry written by
  anyone without the key (a planted file with a matching content hash) is
  ignored, as is one that does not have the contract's shape;
* written to a ``mkstemp`` file (``O_EXCL``: never through a planted
  symlink) and renamed into place;
* any problem with the cache (unreadable, foreign, malformed, a full disk)
  means the recording is analysed again, never that the batch stops.

Everything here is I/O and orchestration; the analysis itself is
``analysis.pipeline``.
"""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import math
import os
import secrets
import stat
import tempfile
from pathlib import Path

from analysis import pipeline
from sensors.contract import ANALYSIS_FORMAT, CIRCLE_DIRECTIONS, EXERCISES, HOLD_EXERCISES
from sensors.recording import lost_seconds

CACHE_ENV = "TOEHOLD_CACHE_DIR"
CACHE_FORMAT = "toehold-cache/2"
RECORDING_SUFFIXES = (".csv", ".zip")
_HASH_BLOCK = 1 << 20
_SECRET_BYTES = 32


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
    from toehold.args import UserError

    files: list[Path] = []
    seen_dirs: set = set()
    for p in map(Path, paths or ([default] if default else [])):
        if p.is_dir() and not _app_export(p):
            given_before = _dir_key(p) in seen_dirs
            found = list(_walk(p, seen_dirs))
            if not found and not given_before:
                raise UserError(f"{p}: no recordings (*.csv, *.zip) in this folder")
            files += found
        elif p.exists():
            files.append(p)
        else:
            raise UserError(f"{p}: no such file or folder")
    # One recording reached by two names (a link, a folder given twice)
    # counts once: adherence must not count a session twice.
    unique, real_seen = [], set()
    for f in files:
        real = os.path.realpath(f)
        if real not in real_seen:
            real_seen.add(real)
            unique.append(f)
    return unique


def _dir_key(p: Path):
    """(device, inode) of a folder: the same folder whatever the path to it."""
    try:
        st = p.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


# --------------------------------------------------------------------------
# the cache
# --------------------------------------------------------------------------

def _walk(folder: Path, seen: set | None = None):
    """Recordings under ``folder`` in path order; an app's export folder is one.

    Each folder is entered once, known by its (device, inode): a symlink
    loop or a link to a folder already searched is not followed again (one
    loop counted the same session 41 times, two hung the scan).
    """
    if seen is None:
        seen = set()
    key = _dir_key(folder)
    if key is None or key in seen:
        return
    seen.add(key)
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.name == LEGACY_CACHE_DIR:
            continue
        if entry.is_dir():
            if _app_export(entry):
                yield entry
            else:
                yield from _walk(entry, seen)
        elif entry.suffix.lower() in RECORDING_SUFFIXES and entry.is_file():
            yield entry


# --------------------------------------------------------------------------
# the cache
# --------------------------------------------------------------------------

# Where earlier versions kept the cache, beside the recordings; never read
# now (anyone who can write there could plant results), skipped by scans.
LEGACY_CACHE_DIR = ".toehold-cache"


def cache_dir() -> Path:
    """The user's private folder of cached analyses (created 0700 when used)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("toehold", appauthor=False)) / "analyses"


def _private_dir() -> Path:
    """:func:`cache_dir`, created if need be; OSError unless it is ours alone."""
    d = cache_dir()
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = os.lstat(d)
    if not stat.S_ISDIR(st.st_mode):
        raise OSError(f"{d}: not a folder")
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise OSError(f"{d}: owned by someone else")
    if st.st_mode & 0o077:
        os.chmod(d, 0o700)
    return d


def _secret(create: bool) -> bytes | None:
    """This user's cache key, made on first use; None when there is none (yet)."""
    d = _private_dir()
    path = d / "secret"
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, os.O_RDONLY | nofollow)
    except FileNotFoundError:
        if not create:
            return None
        key = secrets.token_bytes(_SECRET_BYTES)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | nofollow, 0o600)
        except FileExistsError:  # another worker made it first
            return _secret(create=False)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        return key
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_mode & 0o077 or \
                (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            raise OSError(f"{path}: not a private file of this user")
        key = fh.read(_SECRET_BYTES + 1)
    if len(key) != _SECRET_BYTES:
        # Being written by another process right now, or damaged.
        raise OSError(f"{path}: not a cache key")
    return key


def cache_path(recording: str | os.PathLike, key: bytes) -> Path:
    """Where the cached analysis of ``recording`` lives (named by a keyed hash of its real path)."""
    real = os.path.realpath(os.fspath(recording))
    name = hmac.new(key, real.encode("utf-8", "surrogateescape"), "sha256").hexdigest()[:40]
    return cache_dir() / f"{name}.json"


def _input_files(path: Path) -> list[Path]:
    """Every file the analysis of ``path`` reads."""
    if path.is_dir():
        return sorted(f for f in path.rglob("*") if f.is_file() and LEGACY_CACHE_DIR not in f.parts)
    if path.suffix.lower() == ".csv" and _app_export(path):
        # An app's CSV is read with its sibling streams (accelerometer + gyroscope).
        return sorted(f for f in path.parent.iterdir() if f.is_file()
                      and f.suffix.lower() == ".csv")
    return [path]


def fingerprint(path: str | os.PathLike) -> dict:
    """Size and BLAKE2b hash of everything the recording at ``path`` is made of."""
    from sensors.limits import open_regular

    h = hashlib.blake2b(digest_size=20)
    size = 0
    for f in _input_files(Path(path)):
        h.update(f.name.encode() + b"\0")
        with open_regular(f, OSError) as fh:
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


def _signature(secret: bytes, body: dict) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hmac.new(secret, text.encode("utf-8"), "sha256").hexdigest()


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def valid_analysis(doc) -> bool:
    """True if ``doc`` has the shape of a ``toehold-analysis/1`` document (contract section 3).

    What the batch and the report read from a cached entry: a signed entry
    that fails this (an older or damaged one) is analysed again rather than
    crashing the batch with a ``KeyError``.
    """
    if not isinstance(doc, dict) or doc.get("format") != ANALYSIS_FORMAT:
        return False
    rec, exercises = doc.get("recording"), doc.get("exercises")
    if not isinstance(rec, dict) or not isinstance(exercises, list):
        return False
    if not _number(rec.get("duration_s")) or not isinstance(rec.get("gaps"), list):
        return False
    if not all(isinstance(g, dict) and _number(g.get("start_s")) and _number(g.get("end_s"))
               for g in rec["gaps"]):
        return False
    for ex in exercises:
        if not isinstance(ex, dict) or not isinstance(ex.get("exercise"), str):
            return False
        if not (_number(ex.get("start_s")) and _number(ex.get("end_s"))):
            return False
        if not all(isinstance(ex.get(k), list) for k in ("reps", "circles", "strides")):
            return False
        if not all(isinstance(r, dict) and _number(r.get("start_s")) and _number(r.get("end_s"))
                   for r in ex["reps"]):
            return False
        if not all(isinstance(c, dict) and c.get("direction") in CIRCLE_DIRECTIONS
                   for c in ex["circles"]):
            return False
        if not all(isinstance(st, dict) and _number(st.get("t_s")) for st in ex["strides"]):
            return False
    return isinstance(doc.get("balance", {}), dict) and isinstance(doc.get("adherence", {}), dict)


def read_cache(path: str | os.PathLike, key: dict, file_id: dict | None = None) -> dict | None:
    """The cached analysis of ``path`` if it is ours, signed, well-formed and valid for ``key``.

    Returns None (analyse again) on any problem; never raises.
    """
    try:
        secret = _secret(create=False)
        if secret is None:
            return None
        nofollow = getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(cache_path(path, secret), os.O_RDONLY | nofollow | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, encoding="utf-8") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None
            entry = json.load(fh)
        if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT:
            return None
        body = {k: entry.get(k) for k in ("format", "key", "file", "doc")}
        if not hmac.compare_digest(str(entry.get("mac", "")), _signature(secret, body)):
            return None
        if entry["key"] != key or entry["file"] != (file_id or fingerprint(path)):
            return None
        doc = entry["doc"]
        if not valid_analysis(doc):
            return None
        doc["recording"]["path"] = str(path)  # the same file may be named another way this time
        return doc
    except Exception:  # noqa: BLE001 - any cache problem means a recomputation
        return None


def write_cache(path: str | os.PathLike, key: dict, file_id: dict, doc: dict) -> bool:
    """Store ``doc`` for ``path``, signed; False (and no cache) on any problem."""
    tmp = None
    try:
        secret = _secret(create=True)
        target = cache_path(path, secret)
        body = {"format": CACHE_FORMAT, "key": key, "file": file_id, "doc": doc}
        entry = dict(body, mac=_signature(secret, body))
        # mkstemp: a new file (O_EXCL, never a planted link), mode 0600.
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(entry, fh, allow_nan=False)
        os.replace(tmp, target)  # readers never see half a file
        return True
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False


# --------------------------------------------------------------------------
# analysing
# --------------------------------------------------------------------------

def _one_line(path: str, err: BaseException) -> str:
    from sensors.limits import InputLimitError
    from toehold.args import UserError

    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if isinstance(err, (InputLimitError, UserError)):
        # These already name the file.
        return text if text.startswith(str(path)) else f"{path}: {text}"
    if isinstance(err, OSError):
        return f"{path}: {err.strerror or text}"
    return f"{path}: analysis failed ({type(err).__name__}: {text})"


def analyze_path(path: str | os.PathLike, placement: str | None = None, side: str | None = None,
                 prescription=None, use_cache: bool = True, jobs: int = 1) -> Result:
    """Analyse one recording, from its cache if valid; never raises for a bad file.

    This is the one task of every batch: run in this process, in a process
    pool, or on a Dask worker. ``jobs``: ``SessionAnalyzer(jobs=...)``, the
    processes a recording analysed alone may use (the same results).
    """
    from analysis.session import SessionAnalyzer
    from sensors.load import load_recording
    from sensors.sessionlog import read_log

    path = str(path)
    try:
        key = file_id = None
        # A guided session's log beside the recording names the exercise of each step.
        session_log = read_log(path)
        if use_cache:
            key, file_id = cache_key(placement, side, prescription), fingerprint(path)
            if session_log:
                key["session_log"] = hashlib.blake2b(json.dumps(session_log, sort_keys=True).encode(),
                                                     digest_size=12).hexdigest()
            doc = read_cache(path, key, file_id)
            if doc is not None:
                return Result(path, doc, cached=True)
        rec = load_recording(path, placement, side)
        # The recording is this call's own: its samples go once on the analysis grid.
        doc = pipeline.analyze_recording(rec, analyzer=SessionAnalyzer(jobs=jobs), prescription=prescription,
                                         session_log=session_log, release_samples=True)
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
        A recording analysed alone (nothing else to do) uses up to ``jobs``
        processes for its own analysis when it is long enough
        (``SessionAnalyzer(jobs=...)``: the same results).
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
            # One recording alone may use the processes for its own analysis.
            alone = jobs if len(todo) == 1 else 1
            for i in todo:
                results[i] = analyze_path(paths[i], placement, side, prescription, use_cache, alone)
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
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

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

# The summary's columns: the hold exercises first, then the others.
SUMMARY_EXERCISES = (*HOLD_EXERCISES, *(e for e in EXERCISES if e not in HOLD_EXERCISES))


def summary_row(result: Result) -> dict:
    """One flat row per recording: what a study team tabulates.

    Counts are of the bouts that count (confidence at or above the
    threshold); ``uncertain_bouts`` says how many others were seen.
    """
    from analysis.confidence import is_counted

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
        "placement_source": rec.get("placement_source"),
        "uncertain_bouts": sum(not is_counted(e) for e in doc.get("exercises", [])) if doc else None,
    })
    for name in SUMMARY_EXERCISES:
        bouts = [e for e in (doc or {}).get("exercises", []) if e["exercise"] == name and is_counted(e)]
        row[f"{name}_bouts"] = len(bouts) if doc else None
        if name in HOLD_EXERCISES:
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
    from toehold.safe_output import strict_json, write_csv

    if fmt == "json":
        return strict_json(rows) + "\n"
    # Spreadsheet-safe: a subject written as "=HYPERLINK(...)" stays text.
    return write_csv(rows)


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
        from toehold.args import UserError
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
        from toehold.args import UserError
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
