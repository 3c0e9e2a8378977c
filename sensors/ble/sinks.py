"""File sink: one ``toehold-recording/1`` CSV per device, written as rows arrive."""
from __future__ import annotations

import datetime as _dt
import uuid

import numpy as np

from sensors.contract import RECORDING_FORMAT, REQUIRED_COLUMNS
from sensors.recording import RecordingWriter


class RecordingSink:
    """Writes each device's rows to its own recording file.

    Parameters
    ----------
    paths : dict of str to path
        Output file per device key.
    metadata : dict of str to dict
        Metadata per device key (``placement``, ``side``, ...); ``format``,
        ``start_time``, ``session`` and ``sample_rate_hz`` are filled in.
    session : str, optional
        Session id shared by the files (default: a new UUID).
    describe : callable, optional
        ``key -> (device text, sampling_rate_hz)``, asked when the first rows arrive
        (the device is known only once connected) and again at ``close``:
        a rate measured since then replaces the header's ``sample_rate_hz``
        in place.

    Notes
    -----
    A file is opened at its device's first rows, with a ``seq`` column if
    the device numbers its packets. Gaps need no rows: the contract says a
    hole in ``t`` is a gap, and the writer must not invent samples.
    """

    def __init__(self, paths: dict, metadata: dict | None = None, session: str | None = None,
                 describe=None, start_time: _dt.datetime | None = None) -> None:
        self.paths = dict(paths)
        self.metadata = metadata or {}
        self.session = session or uuid.uuid4().hex[:12]
        self.describe = describe
        self.start_time = start_time or _dt.datetime.now(_dt.UTC)
        self.writers: dict[str, RecordingWriter] = {}
        self.gaps: dict[str, list] = {}

    def _open(self, key: str, rows: np.ndarray) -> RecordingWriter:
        has_seq = rows.shape[1] > 7 and np.isfinite(rows[:, 7]).all()
        columns = list(REQUIRED_COLUMNS) + (["seq"] if has_seq else [])
        meta = {"format": RECORDING_FORMAT,
                "start_time": self.start_time.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "session": self.session}
        if self.describe is not None:
            device, rate = self.describe(key)
            meta["device"] = device
            meta["sample_rate_hz"] = f"{rate:g}"
        meta.update(self.metadata.get(key, {}))
        # The disk in a thread of its own: a slow flush must not hold up
        # the event loop that receives the notifications.
        w = RecordingWriter(self.paths[key], meta, columns, rewritable=("sample_rate_hz",), background=True)
        self.writers[key] = w
        return w

    def on_samples(self, device_key: str, rows: np.ndarray) -> None:
        w = self.writers.get(device_key) or self._open(device_key, rows)
        w.write_rows(rows[:, : len(w.columns)])

    def on_gap(self, device_key: str, start_s: float, end_s: float) -> None:
        self.gaps.setdefault(device_key, []).append((start_s, end_s))

    def on_status(self, device_key: str, text: str) -> None:
        pass

    def close(self) -> None:
        for key, w in self.writers.items():
            if self.describe is not None:
                _device, rate = self.describe(key)
                w.rewrite_metadata("sample_rate_hz", f"{rate:g}")
            w.close()
