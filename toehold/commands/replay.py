"""``toehold replay``: a saved recording through the live pipeline and view of ``record``.

The rows go to the same :class:`toehold.live_view.LiveView` (and so the same
:class:`analysis.live.LiveAnalyzer`) that ``record`` feeds from Bluetooth; the
source is the only difference. At ``--speed max`` the final summary is the
offline analysis of the file, which makes replay the quickest check of the
live analysis against ``toehold analyze``.
"""
from __future__ import annotations

import asyncio
import time

import numpy as np

from sensors.contract import PLACEMENTS, REQUIRED_COLUMNS, SIDES

SPEEDS = {"1": 1.0, "4": 4.0, "max": None}


def register(sub) -> None:
    p = sub.add_parser("replay", help="replay a saved recording through the live view",
                       description="Feed a saved recording (toehold CSV or a phone app's export) "
                                   "through the live analysis and view of `toehold record`, at "
                                   "real time, 4× or as fast as the analysis allows; ends with "
                                   "the same summary and the session's analysis.")
    p.add_argument("recording", help="recording CSV, or a phone app's export")
    p.add_argument("--speed", choices=list(SPEEDS), default="1",
                   help="1 = real time, 4 = four times faster, max = as fast as possible (default 1)")
    p.add_argument("--placement", choices=PLACEMENTS)
    p.add_argument("--side", choices=SIDES)
    p.set_defaults(func=run)


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


def replay(recording, speed: float | None = None, console=None, key: str | None = None):
    """Replay ``recording`` through a :class:`~toehold.live_view.LiveView`.

    Parameters
    ----------
    recording : sensors.recording.Recording
    speed : float or None
        See :class:`Player`.
    console : rich.console.Console, optional
        Where the live view is drawn (only if it is a terminal).
    key : str, optional
        Device key in the view (default: the recording's side).

    Returns
    -------
    view : LiveView
    player : Player
    error : Exception or None
    """
    from rich.console import Console

    from toehold.live_view import LiveView, show_live

    key = key or recording.side or "sensor"
    view = LiveView(placement={key: recording.placement}, title=f"toehold replay {recording.path}".rstrip(),
                    mounting={key: recording.metadata.get("mounting")})
    player = Player(recording, view, key, speed)
    error = asyncio.run(show_live(view, player.run(), player.stop, console or Console()))
    return view, player, error


def final_analysis(view, key: str, recording) -> dict | None:
    """The analysis of everything replayed, by the live analyser's ``finish``."""
    d = view.devs.get(key)
    if d is None or d.analyzer is None or not d.samples:
        return None
    return d.analyzer.finish(recording.metadata, path=recording.path)


def run(args) -> int:
    from rich.console import Console

    from toehold.cli import UserError
    from toehold.commands.analyze import load, summary
    from toehold.live_view import print_summary

    rec = load(args.recording, args.placement, args.side)
    if not len(rec.data):
        raise UserError(f"{args.recording}: no samples to replay")
    console = Console()
    key = rec.side or "sensor"
    view, player, error = replay(rec, SPEEDS[args.speed], console, key)
    total = float(rec.data["t"].iloc[-1] - rec.data["t"].iloc[0])
    extra = [f"replayed {player.fed_s:.1f} of {total:.1f} s of {rec.path}"
             + (" (stopped)" if player.stopped else "")]
    doc = final_analysis(view, key, rec)
    if doc is not None:
        extra += ["", summary(doc)]
    print_summary(console, view, extra)
    if error is not None:
        raise UserError(str(error))
    return 0
