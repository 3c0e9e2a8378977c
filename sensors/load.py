"""Loading a recording for analysis: any supported format, refused if it has no time span.

Every command and every batch worker reads through :func:`load_recording`,
so a recording too short to have a rate or a length is one clear error for
all of them. It lives in ``sensors`` (the layer that reads files and
devices) so that the command line and the batch runner both import it
downward instead of from each other.
"""
from __future__ import annotations

import os

import numpy as np

from sensors.importers import open_any
from sensors.recording import Recording, RecordingError


def require_time_span(rec: Recording) -> None:
    """Refuse, in one line, a recording with fewer than two distinct sample times (no rate, no length).

    Long spans and sparse samples are the reader's and the resampler's
    business (``sensors.limits``: at most a week; the analysis grid follows
    the samples, so a few rows far apart stay a few grid points).

    Raises
    ------
    RecordingError
        Naming the file and what it holds.
    """
    t = rec.data["t"].to_numpy() if "t" in rec.data else np.array([])
    n = len(t)
    if n < 2 or not np.any(np.diff(t) > 0):
        what = "no samples" if n == 0 else "1 sample" if n == 1 else f"{n} samples all at t = {t[0]:g} s"
        raise RecordingError(f"{rec.path or 'recording'}: {what}; nothing to analyse "
                             "(a recording needs samples at two or more different times)")


def load_recording(path: str | os.PathLike, placement: str | None = None,
                   side: str | None = None) -> Recording:
    """Read a recording in any supported format (ours, or a phone app's export).

    Parameters
    ----------
    path : str or path-like
    placement, side : str, optional
        Override the file's (``foot``/``ankle``, ``left``/``right``).

    Raises
    ------
    RecordingError
        The file cannot be read, or has fewer than two distinct sample times.
    """
    rec = open_any(path, placement=placement, side=side)
    require_time_span(rec)
    return rec
