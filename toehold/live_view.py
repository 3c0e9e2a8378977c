"""The live terminal view shared by ``record`` and ``replay``.

:class:`LiveView` is a :class:`sensors.stream.SampleSink`: feed it rows,
gaps and status lines, and call :meth:`LiveView.render` (rich renderable) a
few times a second. It needs no collector: ``stats`` may be given to show a
collector's connection counters, otherwise it counts what it is fed.
:func:`show_live` is the loop both commands run: the source of the samples
is the only difference between them.
"""
from __future__ import annotations

import asyncio
import signal
import time

import numpy as np
from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from sensors.contract import HOLD_EXERCISES
from sensors.recording import lost_seconds
from toehold.safe_output import terminal_text


class _Dev:
    def __init__(self) -> None:
        self.samples = 0
        self.first_t = float("nan")
        self.last_t = float("nan")
        self.gaps: list[tuple[float, float]] = []
        self.status = "waiting"
        self.window: list[tuple[float, int]] = []
        self.analyzer = None


class LiveView:
    """Live state of every device of a session.

    Parameters
    ----------
    placement : dict of str to str, optional
        Placement per device key (``foot``/``ankle``) for the live analysis.
    stats : dict, optional
        ``sensors.ble.collector.DeviceStats`` per key (state, lost packets,
        malformed packets, reconnects); shown when given.
    analysis : bool
        Run ``analysis.live.LiveAnalyzer`` on each device's rows.
    title : str
    mounting : dict of str to str, optional
        Declared sensor mounting per device key (a recording's ``mounting``
        metadata), so the live analysis uses what the offline one would.
    background : bool
        Run the analysers' window analyses in a worker thread
        (``LiveAnalyzer(background=True)``), so drawing the view never holds
        up the event loop that receives the samples: for a live source.
    """

    def __init__(self, placement: dict | None = None, stats: dict | None = None,
                 analysis: bool = True, title: str = "toehold record",
                 mounting: dict | None = None, background: bool = False) -> None:
        self.devs: dict[str, _Dev] = {}
        self.placement = placement or {}
        self.mounting = mounting or {}
        self.stats = stats
        self.analysis = analysis
        self.title = title
        self.background = background
        self.log: list[str] = []
        self.t_start = time.monotonic()

    def _dev(self, key: str) -> _Dev:
        d = self.devs.get(key)
        if d is None:
            d = self.devs[key] = _Dev()
            if self.analysis:
                try:
                    from analysis import live
                except ImportError:  # analysis not installed: counters only
                    live = None
                d.analyzer = self.new_analyzer(live, key)
        return d

    def new_analyzer(self, live, key: str):
        """The live analyser of device ``key`` (``live``: the ``analysis.live`` module, or None)."""
        if live is None:
            return None
        return live.LiveAnalyzer(placement=self.placement.get(key) or "foot", mounting=self.mounting.get(key),
                                 background=self.background)

    # ---- SampleSink -----------------------------------------------------
    def on_samples(self, device_key: str, rows: np.ndarray) -> None:
        d = self._dev(device_key)
        if not d.samples:
            d.first_t = float(rows[0, 0])
        d.samples += len(rows)
        d.last_t = float(rows[-1, 0])
        now = time.monotonic()
        d.window.append((now, d.samples))
        while len(d.window) > 2 and now - d.window[0][0] > 3.0:
            d.window.pop(0)
        if d.analyzer is not None:
            d.analyzer.push(rows)

    def on_gap(self, device_key: str, start_s: float, end_s: float) -> None:
        self._dev(device_key).gaps.append((start_s, end_s))

    def on_status(self, device_key: str, text: str) -> None:
        self._dev(device_key).status = text
        self.log.append(f"{time.monotonic() - self.t_start:7.1f} s  {device_key}: {text}")
        del self.log[:-5]

    # ---- rendering ------------------------------------------------------
    @staticmethod
    def _rate(d: _Dev) -> float:
        w = d.window
        if len(w) < 2 or w[-1][0] <= w[0][0]:
            return 0.0
        return (w[-1][1] - w[0][1]) / (w[-1][0] - w[0][0])

    def analysis_text(self, key: str) -> str:
        """One line of live exercise analysis for device ``key`` ('' if none)."""
        d = self.devs.get(key)
        if d is None or d.analyzer is None:
            return ""
        try:
            s = d.analyzer.state()
        except Exception as err:  # the view must survive an analysis hiccup
            return f"analysis: {err}"
        if not s.exercise:
            said = f"last set: {s.last_set}" if s.last_set else "no exercise yet"
            if s.holding_s is not None:
                # Held away from rest before any set is named: the timer now,
                # the exercise once the window analysis has found the set.
                return f"holding now {s.holding_s:.1f} s (set not named yet)  ·  {said}"
            return said
        parts = [s.exercise.replace("_", " ")]
        if s.exercise in HOLD_EXERCISES:
            parts.append(f"reps {s.reps}")
            if s.holding_s is not None:
                parts.append(f"holding {s.holding_s:.1f}/{s.hold_target_s or 0:.0f} s")
            elif s.last_hold_s is not None:
                parts.append(f"last hold {s.last_hold_s:.1f} s")
        elif s.exercise == "ankle_circles":
            parts.append(f"cw {s.circles_cw}  ccw {s.circles_ccw}")
        elif s.exercise == "tiptoe_walk":
            parts.append(f"{s.tiptoe_s:.0f} s  strides {s.strides}")
        return "  ".join(parts)

    def news(self, analysis: dict) -> tuple:
        """What the view says apart from its running counters (rate, samples, ``t``).

        ``analysis``: :meth:`analysis_text` per device key. When this is
        unchanged a drawing only moves the counters, which need not be
        redrawn four times a second (:func:`show_live`).
        """
        stats = self.stats or {}
        return (tuple(analysis.items()), tuple(self.log),
                tuple((k, d.status, len(d.gaps)) for k, d in self.devs.items()),
                tuple((k, st.state, st.lost_packets, st.malformed, st.reconnects) for k, st in stats.items()))

    def render(self, analysis: dict | None = None):
        """One block of lines per device: it fits an 80-column terminal (a table
        of ten columns was cut to "devi…", "samp…" there).

        ``analysis``: :meth:`analysis_text` per device key, if the caller
        has just read it (it is read here otherwise)."""
        lines = []
        for key, d in self.devs.items():
            st = self.stats.get(key) if self.stats else None
            state = st.state if st else d.status
            style = {"streaming": "green", "reconnecting": "yellow", "connecting": "cyan"}.get(state, "")
            lost_s = lost_seconds(d.gaps, self._rate(d))
            # A device's name is whatever it advertises: text, never markup.
            head = Text(terminal_text(key), style="bold")
            if st and st.address:
                head.append(terminal_text(f"  {st.name} {st.address}"), style="dim")
            lines.append(head)
            row = Text("  ")
            row.append(state, style=style)
            row.append(f" · {self._rate(d):.1f} Hz · {d.samples} samples · t "
                       + (f"{d.last_t:.1f} s" if np.isfinite(d.last_t) else "-"))
            lines.append(row)
            counters = f"  gaps {len(d.gaps)} ({lost_s:.1f} s)"
            if st:
                counters += f" · lost pkts {st.lost_packets} · bad pkts {st.malformed} · reconn. {st.reconnects}"
            lines.append(Text(counters, style="dim"))
            a = analysis[key] if analysis is not None and key in analysis else self.analysis_text(key)
            if a:
                lines.append(Text(f"  {a}", style="bold cyan"))
        return Panel(Group(*lines, Text("\n".join(terminal_text(line, None) for line in self.log),
                                        style="dim")), title=Text(terminal_text(self.title)))

    def summary_lines(self) -> list[str]:
        """The end-of-session summary, one line per fact."""
        lines = []
        for key, d in self.devs.items():
            st = self.stats.get(key) if self.stats else None
            dur = d.last_t - d.first_t if np.isfinite(d.last_t) else 0.0
            lost_s = lost_seconds(d.gaps, self._rate(d))
            if not d.samples:
                lines.append(f"{key}: no data ({d.status})")
                continue
            lines.append(f"{key}: {d.samples} samples over {dur:.1f} s"
                         + (f" ({d.samples / dur:.1f} Hz)" if dur > 0 else ""))
            if st:
                lines.append(f"  device       {terminal_text(st.name)} ({st.type}) {st.address}")
                lines.append(f"  packets      {st.packets} received, {st.lost_packets} lost, {st.malformed} malformed")
                lines.append(f"  reconnects   {st.reconnects}")
            lines.append(f"  gaps         {len(d.gaps)} ({lost_s:.2f} s)")
            a = self.analysis_text(key)
            if a:
                lines.append(f"  last seen    {a}")
        return lines


async def show_live(view: LiveView, work, stop, console, counters_every_s: float = 1.0) -> Exception | None:
    """Run ``work`` while ``view`` is drawn on ``console``; Ctrl-C calls ``stop``.

    Parameters
    ----------
    view : LiveView
        Fed by ``work`` (directly or through a tee).
    work : coroutine
        The session: a collector's ``run`` or a replay.
    stop : callable
        Asks ``work`` to end soon and cleanly; the first Ctrl-C calls it so
        the session still ends with its summary (and its files closed).
    console : rich.console.Console
        Drawn on only when it is a terminal: a pipe gets the summary alone.
    counters_every_s : float
        Longest time between two drawings while only the counters (rate,
        samples, ``t``) move; a new count, hold time, state, gap or log
        line is drawn at the next quarter second.

    Returns
    -------
    Exception or None
        What ``work`` raised, so the caller can print the summary first.
    """
    from rich.live import Live

    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, stop)
    except (NotImplementedError, RuntimeError):  # not the main thread / Windows
        pass
    task = asyncio.ensure_future(work)
    try:
        if console.is_terminal:
            # The analysis is read 4 times a second (a rep's end, the hold
            # timer), but the view is drawn only when what it says changed,
            # or after ``counters_every_s`` for the running counters: rich's
            # own refresh redrew an unchanged panel 4 times a second.
            with Live(view.render(), console=console, auto_refresh=False, transient=False) as live:
                said, drawn_at = None, time.monotonic()
                while not task.done():
                    await asyncio.sleep(0.25)
                    analysis = {key: view.analysis_text(key) for key in list(view.devs)}
                    news = view.news(analysis)
                    if news != said or time.monotonic() - drawn_at >= counters_every_s:
                        live.update(view.render(analysis))
                        # Written to the terminal from a thread, as rich's own
                        # refresh was: a slow terminal never holds the loop
                        # that receives the notifications.
                        await loop.run_in_executor(None, live.refresh)
                        said, drawn_at = news, time.monotonic()
        await task
    except Exception as err:
        return err
    finally:
        try:
            loop.remove_signal_handler(signal.SIGINT)
        except (NotImplementedError, RuntimeError):
            pass
    return None


def print_summary(console, view: LiveView, extra: list[str] | tuple = ()) -> None:
    """The end-of-session summary of ``record`` and ``replay``: the view's facts, then ``extra``."""
    console.print("\n".join(terminal_text(line, None, keep_newlines=True)
                            for line in [*view.summary_lines(), *extra]),
                  highlight=False, markup=False)
