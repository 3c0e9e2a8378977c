"""``toehold replay``: a saved recording through the live pipeline and view of ``record``.

The rows go to the same :class:`toehold.live_view.LiveView` (and so the same
:class:`analysis.live.LiveAnalyzer`) that ``record`` feeds from Bluetooth; the
source is the only difference. At ``--speed max`` the final summary is the
offline analysis of the file, which makes replay the quickest check of the
live analysis against ``toehold analyze``.
"""
from __future__ import annotations

import asyncio

from sensors.contract import PLACEMENTS, SIDES
from sensors.replay import Player

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


def replay(recording, speed: float | None = None, console=None, key: str | None = None):
    """Replay ``recording`` through a :class:`~toehold.live_view.LiveView`.

    Parameters
    ----------
    recording : sensors.recording.Recording
    speed : float or None
        See :class:`sensors.replay.Player`.
    console : rich.console.Console, optional
        Where the live view is drawn (only if it is a terminal).
    key : str, optional
        Device key in the view (default: the recording's side).

    Returns
    -------
    view : LiveView
    player : sensors.replay.Player
    error : Exception or None
    """
    from rich.console import Console

    from toehold.live_view import LiveView, show_live

    key = key or recording.side or "sensor"
    # In real time, as ``record``, the window analysis runs beside the event
    # loop; as fast as possible, in it (no clock to keep up with).
    view = LiveView(placement={key: recording.placement}, title=f"toehold replay {recording.path}".rstrip(),
                    mounting={key: recording.metadata.get("mounting")}, background=speed is not None)
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

    from sensors.load import load_recording
    from toehold.cli import UserError
    from toehold.commands.analyze import summary
    from toehold.live_view import print_summary

    rec = load_recording(args.recording, args.placement, args.side)
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
