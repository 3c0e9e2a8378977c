"""What the live view shows while a set streams in real time, against the simulator's truth.

An emulated sensor streams a simulated toe-press set (four reps) over the
virtual link in real time; ``show_live`` draws the view 4 times a second, as
``toehold record`` does, with the window analysis in its worker process.
Each drawing's analysis line is noted with the newest sample the view had
then, on the session's clock (the emulator's sent rows give the offset of
the collector's time stamps): what the view said when it had seen the
session up to that moment. (Wall-clock delays, link and machine included,
are ``benchmarks/live.py``'s: on a machine loaded past its cores the whole
stream runs late, which is no fault of the view.)
"""
from __future__ import annotations

import asyncio
import io
import re
import time

from rich.console import Console

from analysis.live import LiveAnalyzer
from sensors.ble.bumble_backend import BumbleClient, BumbleScanner
from sensors.ble.collector import Collector, Target
from sensors.contract import REQUIRED_COLUMNS
from sensors.emulated import EmulatedSensor
from sensors.simulator import simulate_session
from sensors.stream import MemorySink, TeeSink
from toehold.live_view import LiveView, show_live

SESSION = dict(seed=6, tier="clean", exercises=["toe_press"],
               hold_plan={"reps": 4, "rest_s": 2.0, "hold_s": 2.0})
LEAD_S = 12.0   # streamed before the set's first rep
AFTER_S = 6.0   # and after its last
UPDATE_S = LiveAnalyzer().update_every_s


def test_view_counts_each_rep_as_it_ends_and_times_each_hold_while_it_lasts():
    rec, truth = simulate_session(**SESSION)
    bout = truth["exercises"][0]
    reps = bout["reps"]
    start, end = bout["start_s"] - LEAD_S, bout["end_s"] + AFTER_S
    data = rec.data[list(REQUIRED_COLUMNS)].to_numpy()
    data = data[(data[:, 0] >= start) & (data[:, 0] <= end)]
    rate = float(rec.metadata["sample_rate_hz"])

    def feed(sampling_rate_hz):
        assert sampling_rate_hz == rate  # the session is streamed at its own rate
        out = data.copy()
        out[:, 0] -= out[0, 0]
        return out

    shown = []  # (the view's newest sample, the analysis line)
    runs = []   # wall-clock seconds each window analysis took, from start to shown

    async def go():
        emu = await EmulatedSensor("generic", address="C4:00:00:00:00:41", feed=feed).start()
        rows = MemorySink()
        view = LiveView(placement={"a": "foot"}, background=True)
        text = view.analysis_text

        job = [None, 0.0]

        def noted(key):
            d = view.devs[key]
            line = text(key)
            shown.append((d.last_t, line))
            now = time.monotonic()
            if d.analyzer._job is not job[0]:
                if job[0] is not None:
                    runs.append(now - job[1])
                job[:] = d.analyzer._job, now
            return line
        view.analysis_text = noted
        col = Collector(TeeSink(view, rows), client_backend=BumbleClient, scanner_backend=BumbleScanner)
        view.stats = col.stats

        async def stop_at_the_end():
            # Once the view has the feed's last rows (``end - start`` on the
            # device clock), however late they come.
            while True:
                await asyncio.sleep(0.1)
                d = view.devs.get("a")
                if d is not None and d.samples and emu.sent:
                    offset = rows.array("a")[0, 0] - emu.sent[0][1][0, 0]
                    if d.last_t - offset >= end - start - 0.2:
                        break
            col.stop()
        stopper = asyncio.ensure_future(stop_at_the_end())
        console = Console(file=io.StringIO(), force_terminal=True, width=80)
        err = await show_live(view, col.run([Target("a", emu.address)], duration_s=end - start + 30),
                              col.stop, console)
        await stopper
        await emu.stop()
        view.devs["a"].analyzer.wait()
        return err, emu, rows, view

    err, emu, rows, view = asyncio.run(asyncio.wait_for(go(), 240))
    assert err is None
    # Nothing was lost on the way: the event loop kept up with the stream
    # while the view was drawn and the window analysed.
    assert not view.devs["a"].gaps
    assert len(rows.array("a")) == sum(len(r) for _, r in emu.sent)
    # The collector's time stamps to the session's clock: the first row
    # received is the first row sent (device clock = feed time).
    offset = rows.array("a")[0, 0] - emu.sent[0][1][0, 0]
    trace = [(t - offset + start, line) for t, line in shown]
    # Everything shown names the set as what it is, when it names one.
    # "holding now 1.2 s (set not named yet)": the open hold timer shown
    # before any set is named (analysis/live.py, OpenHoldTracker) names nothing.
    named = [line for _, line in trace if line not in ("", "no exercise yet") and not line.startswith("last set")
             and "set not named yet" not in line]
    assert named and all(line.startswith("toe press") for line in named), sorted({line for _, line in trace})
    named_at = next(t for t, line in trace if line.startswith("toe press"))
    counts = [(t, int(m.group(1))) for t, line in trace if (m := re.search(r"reps (\d+)", line))]
    # The count rises to the truth's and never goes back.
    assert [n for _, n in counts] == sorted(n for _, n in counts)
    assert counts[-1][1] == len(reps)
    for k, r in enumerate(reps, start=1):
        first = next(t for t, n in counts if n >= k)
        # Not before the foot let go of the hold...
        assert first >= r["start_s"] + r["hold_s"], (k, first, r)
        # ...and soon after the rep's end. The first rep names the set: a
        # window analysis starts every UPDATE_S of data once the last has
        # ended, and is shown once it ends (its time measured here: the
        # stream goes on meanwhile). The others come from following the
        # angle at every drawing: counted once it is back within 30 % of
        # rest for 0.15 s (the filter lags 0.1 s), drawn within 0.25 s, a
        # notification every few samples; the truth's end is when the foot
        # is fully back, usually later. 1.5 s leaves a second to spare.
        # A rep that ended before the set was first named (a window
        # analysis slower than the set, on a starved machine) waits for
        # that naming, as the first does.
        allowed = 1.5 if k > 1 and named_at < r["end_s"] else 2 * (UPDATE_S + max(runs)) + 1.0
        assert first - r["end_s"] <= allowed, (k, first, r, max(runs))
    # Each rep after the first (that began once the set was named: at once
    # on an idle machine) has a hold timer running during its hold, rising
    # to about its true hold (the release may be on the clock).
    timers = [(t, float(m.group(1))) for t, line in trace if (m := re.search(r"holding ([\d.]+)/", line))]
    for r in reps[1:]:
        if r["start_s"] < named_at:
            continue  # the tracker follows a set from its first naming
        during = [h for t, h in timers if r["start_s"] <= t <= r["end_s"] + 0.5]
        assert during, r
        assert r["hold_s"] - 0.5 < max(during) < r["hold_s"] + 1.5, (r, during)
    # And no timer while the foot rests before the set.
    assert not [t for t, _ in timers if t < reps[0]["start_s"]]
