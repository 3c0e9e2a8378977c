"""A saved recording as a live sample source: what ``toehold replay`` feeds the live view with.

:class:`Player` delivers a recording's rows, gaps and status lines to a
:class:`sensors.stream.SampleSink` the way :class:`sensors.ble.collector.Collector`
delivers a sensor's, in batches of about a notification burst, in real time,
faster, or as fast as the sink takes them.
"""
from __future__ import annotations

import asyncio
import time

import numpy as np

from sensors.contract import REQUIRED_COLUMNS


class Player:
    """Feeds a recording to a sample sink as a live source would.

    Parameters
    ----------
    recording : sensors.recording.Recording
    sink : sensors.stream.SampleSink
    key : str
        Device key the rows are sent under.
    speed : float or None
        Recording seconds per wall-clock second; None: no waiting at all.
    chunk_s : float
        Recording time per batch of rows, about what a BLE notification
        burst delivers, so the view sees the same granularity as ``record``.
    """

    def __init__(self, recording, sink, key: str, speed: float | None = 1.0, chunk_s: float = 0.1):
        self.recording = recording
        self.sink = sink
        self.key = key
        self.speed = speed
        self.chunk_s = chunk_s
        self.fed_s = 0.0
        self.stopped = False
        data = recording.data
        cols = [*REQUIRED_COLUMNS] + (["seq"] if "seq" in data else [])
        self.rows = data[cols].to_numpy(dtype=float)

    def stop(self) -> None:
        """End the replay after the current batch (Ctrl-C)."""
        self.stopped = True

    def _chunks(self):
        """Row index ranges, each followed by the gap that ends it (or None)."""
        t = self.rows[:, 0]
        if not len(t):
            return
        edges = np.searchsorted(t, np.arange(t[0], t[-1] + self.chunk_s, self.chunk_s), "left")
        gaps = self.recording.gaps
        # A gap's end (first sample after it) is a chunk edge, so the gap is
        # announced exactly between the rows either side of it.
        gap_at = {}
        for g in gaps.itertuples():
            i = int(np.searchsorted(t, g.end_s, "left"))
            gap_at[i] = (float(g.start_s), float(g.end_s))
        edges = np.unique(np.concatenate([edges, list(gap_at), [len(t)]]).astype(int))
        edges = edges[(edges > 0) & (edges <= len(t))]
        lo = 0
        for hi in edges:
            if hi > lo:
                yield lo, hi, gap_at.get(int(hi))
                lo = hi

    async def run(self) -> None:
        """Feed every row (or until :meth:`stop`), in recording time × speed."""
        pace = "max speed" if self.speed is None else f"{self.speed:g}×"
        self.sink.on_status(self.key, f"replaying {pace}")
        t = self.rows[:, 0]
        wall0 = time.monotonic()
        for lo, hi, gap in self._chunks():
            if self.stopped:
                break
            if self.speed is not None:
                # A live sensor delivers a batch when its last sample is taken.
                due = wall0 + (t[hi - 1] - t[0]) / self.speed
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            else:
                await asyncio.sleep(0)  # let the view redraw
            self.sink.on_samples(self.key, self.rows[lo:hi])
            self.fed_s = float(t[hi - 1] - t[0])
            if gap is not None:
                self.sink.on_gap(self.key, *gap)
        self.sink.on_status(self.key, "stopped" if self.stopped else "finished")
