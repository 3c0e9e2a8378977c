"""Every command's arguments and output paths, checked in one place before any work.

Two kinds of check live here:

* value types for ``argparse`` (``positive``, ``fraction``, ``seed``,
  ``exercise_list`` ...): a value out of range is refused while the command
  line is parsed, with argparse's usage line and exit status 2;
* output files, declared with :func:`add_output` and resolved by
  :func:`check_outputs`, which ``toehold.cli.main`` calls before the command
  runs: a missing folder, an unknown extension or an existing file (without
  ``--force``) is a one-line error before anything is read, analysed or
  recorded. The path the command then writes is the one printed.

A recording is never overwritten without ``--force``: ``record`` picks the
next free name (``today-2.csv``) and says so, because a session cannot be
repeated; ``simulate`` and ``import`` refuse and suggest that name.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import os
from pathlib import Path

from sensors.contract import EXERCISES


class UserError(Exception):
    """A problem the user can fix; printed as one line, no traceback."""


# --------------------------------------------------------------------------
# value types
# --------------------------------------------------------------------------

def _number(text: str, kind=float):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def positive(text: str) -> float:
    """A finite number > 0 (durations, rates, timeouts)."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be more than 0")
    return value


def in_range(lo: float, hi: float, unit: str = ""):
    """A type accepting a finite number in [lo, hi] (``unit`` for the message)."""
    def check(text: str) -> float:
        value = _number(text)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{text} is outside {lo:g}–{hi:g}{unit}")
        return value
    check.__name__ = f"number {lo:g}–{hi:g}{unit}"
    return check


def fraction(text: str) -> float:
    """A fraction from 0 up to (not including) 1: 1 would lose every sample."""
    value = _number(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a fraction from 0 to below 1 (e.g. 0.05 for 5 %)")
    return value


def seed(text: str) -> int:
    """A whole number ≥ 0 (numpy's random generators refuse negative seeds)."""
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must be 0 or more")
    return value


def at_least_one(text: str) -> int:
    """A whole number ≥ 1 (``--jobs``)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of jobs (1 or more)")
    return n


def exercise_list(text: str) -> list[str]:
    """Comma-separated exercise names from the programme, in order."""
    names = [e.strip() for e in text.split(",") if e.strip()]
    bad = [e for e in names if e not in EXERCISES]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"{', '.join(bad) or repr(text)}: not an exercise; use one or more of {', '.join(EXERCISES)}")
    return names


# --------------------------------------------------------------------------
# output paths
# --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Output:
    """What a command writes to its ``dest`` argument.

    Attributes
    ----------
    dest : str
        The argparse destination holding the path.
    suffixes : tuple of str
        Extensions accepted (lower case, with the dot); the first is added
        to a path given without one.
    recording : bool
        A recording (never overwritten without ``--force``).
    replaceable : callable, optional
        ``f(path) -> bool``: an existing file that may be replaced without
        ``--force`` because toehold wrote it as this same kind of output
        (a report PNG redrawn).
    default_suffix : callable, optional
        ``f(args) -> str``: the extension added to a path given without one,
        when it depends on other options (``analyze --json``).
    """

    dest: str = "output"
    suffixes: tuple = (".csv",)
    recording: bool = False
    replaceable: object = None
    default_suffix: object = None


def add_output(p: argparse.ArgumentParser, output: Output, *flags: str, **kw) -> None:
    """Add the ``-o`` option and ``--force`` to a command and declare the output."""
    p.add_argument(*(flags or ("-o", "--output")), dest=output.dest, **kw)
    if not any(a.dest == "force" for a in p._actions):
        p.add_argument("--force", action="store_true",
                       help="overwrite an existing output file (a recording too)")
    declared = p.get_default("_outputs") or ()
    p.set_defaults(_outputs=(*declared, output))


def free_name(path: Path) -> Path:
    """``path`` itself if nothing is there, else the first free ``NAME-2.csv``, ``NAME-3.csv`` ..."""
    if not path.exists():
        return path
    for i in range(2, 10_000):
        candidate = path.with_name(f"{path.stem}-{i}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise UserError(f"{path}: exists, and so do {path.stem}-2 … -9999{path.suffix}")


def check_output(path, output: Output, force: bool = False, pick_new_name: bool = False,
                 default_suffix: str | None = None) -> Path:
    """The path to write, checked; raises :class:`UserError` with one line.

    Parameters
    ----------
    path : path-like
    output : Output
    force : bool
        Replace an existing file.
    pick_new_name : bool
        For a recording: write to the next free name instead of refusing.
    default_suffix : str, optional
        Added to a path without an extension (default: the first of
        ``output.suffixes``).
    """
    path = Path(os.fspath(path)).expanduser()
    if path.is_dir():
        raise UserError(f"{path}: is a folder; give a file name, e.g. {path / ('out' + output.suffixes[0])}")
    if not path.suffix:
        path = path.with_suffix(default_suffix or output.suffixes[0])
    elif path.suffix.lower() not in output.suffixes:
        raise UserError(f"{path}: unknown file type {path.suffix!r}; use "
                        + " or ".join(repr(s) for s in output.suffixes))
    folder = path.parent
    if not folder.is_dir():
        raise UserError(f"{path}: folder {folder} does not exist" if not folder.exists()
                        else f"{path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK):
        raise UserError(f"{path}: folder {folder} is not writable")
    if path.exists() and not force and not (output.replaceable and output.replaceable(path)):
        if output.recording and pick_new_name:
            return free_name(path)
        hint = f"; use --force to overwrite it, or -o {free_name(path)}"
        raise UserError(f"{path}: {'a recording ' if output.recording else ''}already exists{hint}")
    if path.exists() and not os.access(path, os.W_OK):
        raise UserError(f"{path}: file exists and is not writable")
    return path


def check_outputs(args: argparse.Namespace) -> None:
    """Resolve every declared output of the parsed command in place (see :func:`check_output`)."""
    for output in getattr(args, "_outputs", ()) or ():
        value = getattr(args, output.dest, None)
        if value is not None:
            suffix = output.default_suffix(args) if output.default_suffix else None
            setattr(args, output.dest, check_output(value, output, getattr(args, "force", False),
                                                    default_suffix=suffix))


def same_file(a, b) -> bool:
    """True when two paths name the same file (an output that would overwrite an input)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)
