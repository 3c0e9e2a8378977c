"""Live benchmark: CPU share and latency of the live analysis, and the BLE path.

    python benchmarks/live.py [--quick] [--ble-seconds 60]

(a) ``analysis.live.LiveAnalyzer`` fed simulated sessions in 0.1 s chunks,
    ``state()`` read after every chunk (the live view reads it 4 times a
    second, so this is the stricter case): analysis CPU seconds per session
    second = the share of one core it needs when fed at real-time rate.
(c) From the same run, the delay from the true end of each rep and each
    circle (simulator truth) to the moment the live state first counts it,
    in data time; and from the true start of each rep after a set's first
    to the moment a hold timer is first shown (it runs from the end of the
    move in, so this includes the move).
(b) ``toehold record --emulate`` without the terminal: two emulated sensors
    (generic profile, simulated sessions) at 200 Hz over bumble's virtual
    link into the Collector, the CSV files and the live view (rendered 4
    times a second to /dev/null, as ``show_live`` does on a terminal) in one
    process: its CPU seconds per session second, after a warm-up. The
    emulated sensors run in the same process, so their cost is included;
    the same run with the view drawn but no analysis, and with nothing
    drawn, separate the analysis, the drawing and the transport.

    python benchmarks/live.py --part ble     # (b) only
    python benchmarks/live.py --part replay  # (a) and (c) only
"""
from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sensors.contract import HOLD_EXERCISES, REQUIRED_COLUMNS  # noqa: E402


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def replay(seed: int, tier: str | None, chunk_s: float = 0.1, update_every_s: float | None = None) -> dict:
    """Feed one simulated session in chunks; CPU and first-seen times of counts.

    A rep counts as seen when the live state shows that many reps of any
    move-hold-release exercise (the live name of a set may differ from the
    truth while it is under way: that is accuracy, not delay; the share of
    such time is returned as ``misnamed``).
    """
    from analysis.live import LiveAnalyzer
    from sensors.simulator import simulate_session

    rec, truth = simulate_session(seed=seed, tier=tier)
    arr = rec.data[list(REQUIRED_COLUMNS)].to_numpy()
    live = LiveAnalyzer(placement=rec.placement, mounting=rec.metadata.get("mounting"),
                        **({"update_every_s": update_every_s} if update_every_s else {}))
    edges = np.searchsorted(arr[:, 0], np.arange(0, arr[-1, 0] + chunk_s, chunk_s))
    trace = []  # (data time, exercise, reps, circles, reps the window analysis counted)
    timer = []  # data times at which a hold timer was shown
    c0 = cpu_s()
    for a, b in zip(edges[:-1], edges[1:]):
        if b > a:
            live.push(arr[a:b])
            st = live.state()
            trace.append((arr[b - 1, 0], st.exercise, st.reps, st.circles_cw + st.circles_ccw,
                          live._found[1].reps))
            if st.holding_s is not None:
                timer.append(arr[b - 1, 0])
    cpu = cpu_s() - c0
    return {"duration": float(arr[-1, 0] - arr[0, 0]), "cpu": cpu, **score(trace, timer, truth)}


def score(trace: list, timer: list, truth: dict, upto_s: float = np.inf) -> dict:
    """Delays from the truth's rep, circle and hold ends to what the view showed.

    ``trace``: (time, exercise, reps, circles[, reps the window analysis
    counted]) per reading of the live state, ``timer``: times at which a
    hold timer was shown, in the truth's time (data time, or wall-clock
    time mapped onto the session's clock); events ending after ``upto_s``
    (the end of the run) are left out. ``per_rep``: one row per rep and
    circle (exercise, position in its set, delay, what counted it first,
    how long before or after its end the view first showed its set);
    ``withdrawn``: counts shown and then taken back, per set.
    """
    delays = {"rep": [], "circle": [], "hold start": []}
    missed = {"rep": 0, "circle": 0, "hold start": 0}
    per_rep, withdrawn = [], []
    named = misnamed = 0
    for bout in truth["exercises"]:
        kind = "circle" if bout["exercise"] == "ankle_circles" else "rep"
        if bout["exercise"] == "tiptoe_walk" or bout["start_s"] > upto_s:
            continue
        family = ("ankle_circles",) if kind == "circle" else HOLD_EXERCISES
        events = sorted(e["end_s"] for e in (bout["circles"] if kind == "circle" else bout["reps"]))
        during = [(row[0], row[1]) for row in trace if bout["start_s"] <= row[0] <= bout["end_s"] and row[1]]
        named += len(during)
        misnamed += sum(ex != bout["exercise"] for _, ex in during)
        counts = [(row[0], row[2] if kind == "rep" else row[3], row[4] if len(row) > 4 else None)
                  for row in trace if row[1] in family and bout["start_s"] - 5 <= row[0] <= bout["end_s"] + 15]
        # A count shown and then taken back (the tracker's rep the window
        # analysis did not confirm, or a window's re-cut of the set).
        back = sum(max(0, a[1] - b[1]) for a, b in zip(counts, counts[1:]) if a[1] and b[1])
        withdrawn.append((bout["exercise"], bout["start_s"], back))
        shown_from = counts[0][0] if counts else np.inf
        if kind == "rep":
            # The hold timer from a set's second rep on (the first names the set).
            timer_t = np.array(timer)
            for r in bout["reps"][1:]:
                if r["end_s"] > upto_s:
                    continue
                on = timer_t[(timer_t >= r["start_s"]) & (timer_t <= r["end_s"])]
                if len(on):
                    delays["hold start"].append(on[0] - r["start_s"])
                else:
                    missed["hold start"] += 1
        for k, end in enumerate(events, start=1):
            if end + 15 > upto_s:
                continue  # the run ended before the view had its chance
            seen = [(t, w) for t, n, w in counts if n >= k]
            row = {"exercise": bout["exercise"], "k": k, "n": len(events), "end_s": end,
                   "set_shown_s": shown_from - end, "delay": None, "by": None}
            if seen:
                delays[kind].append(seen[0][0] - end)
                row["delay"] = seen[0][0] - end
                w = seen[0][1]
                row["by"] = None if w is None else "window" if kind == "circle" or w >= k else "tracker"
            else:
                missed[kind] += 1
            per_rep.append(row)
    return {"delays": delays, "missed": missed, "misnamed": misnamed / max(named, 1),
            "per_rep": per_rep, "withdrawn": withdrawn}


def why_late(row: dict) -> str:
    """What kept a rep (or circle) from the view."""
    if row["delay"] is None:
        return "never counted"
    if row["set_shown_s"] > 0:
        return "its set not shown yet"
    if row["k"] == 1:
        return "first of its set"
    return f"counted by the {row['by']}" if row["by"] else "later rep"


def report_per_rep(label: str, rows: list, late_s: float = 0.3) -> None:
    """Each rep's delay with its place in the set, and what the late ones have in common."""
    for r in rows:
        d = "never" if r["delay"] is None else f"{r['delay']:+6.2f} s"
        late = r["delay"] is None or r["delay"] > late_s
        print(f"{label} {r.get('session', '')} {r['exercise']:<16} {r['k']:>2}/{r['n']:<2} end "
              f"{r['end_s']:6.1f} s  shown {d}  set shown {r['set_shown_s']:+7.1f} s  "
              f"{'by ' + r['by'] if r['by'] else ''}{'  LATE: ' + why_late(r) if late else ''}")
    late = [r for r in rows if r["delay"] is None or r["delay"] > late_s]
    causes: dict = {}
    for r in late:
        causes.setdefault(why_late(r), []).append(r)
    if not rows:
        return
    d = np.array([r["delay"] for r in rows if r["delay"] is not None])
    p90 = np.percentile(d, 90) if len(d) else np.nan
    # The never counted as later than any: the share of reps shown within the target.
    every = np.array([np.inf if r["delay"] is None else r["delay"] for r in rows])
    print(f"{label} {len(late)} of {len(rows)} later than {late_s} s (90th pct {p90:.2f} s of those counted, "
          f"{np.percentile(every, 90, method='higher'):.2f} s with the never counted as late): " + "; ".join(
        f"{why}: {len(rs)} (" + ", ".join(sorted({r['exercise'] for r in rs})) + ")" for why, rs in causes.items()))
    tail = [r for r in rows if r["delay"] is None or r["delay"] >= p90]
    print(f"{label} the tail from the 90th pct: " + ", ".join(
        f"{r['exercise']} {r['k']}/{r['n']} ({why_late(r)})" for r in tail))


class _Count:
    """Sink that only counts rows (the measurement must not add work)."""

    def __init__(self) -> None:
        self.n: dict[str, int] = {}

    def on_samples(self, key, rows) -> None:
        self.n[key] = self.n.get(key, 0) + len(rows)

    def on_gap(self, key, start_s, end_s) -> None:
        pass

    def on_status(self, key, text) -> None:
        pass


CENTRAL_REMOTE = "F0:F0:F0:F0:F0:02"


def _emulator_process(conn, n: int, sampling_rate_hz: float) -> None:
    """The "hardware" of the split run: the emulated sensors, the virtual link
    and the central's software controller, which toehold's process reaches
    as a host reaches a USB dongle, over HCI (here a local TCP socket)."""
    asyncio.run(_emulators(conn, n, sampling_rate_hz))


async def _emulators(conn, n: int, sampling_rate_hz: float) -> None:
    import socket

    from bumble import hci
    from bumble.controller import Controller
    from bumble.transport.tcp_server import open_tcp_server_transport_with_socket

    from sensors.ble.bumble_backend import get_radio
    from sensors.emulated import EmulatedSensor, simulator_feed

    radio = get_radio()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    transport = await open_tcp_server_transport_with_socket(sock)
    Controller("central-controller", host_source=transport.source, host_sink=transport.sink,
               link=radio.link, public_address=hci.Address(CENTRAL_REMOTE))
    emus = []
    for i in range(n):
        emu = EmulatedSensor("generic", address=f"C4:2A:11:00:3B:{0xA0 + i:02X}", feed=simulator_feed(seed=i))
        await emu.start()
        emu._set_rate(sampling_rate_hz)  # the session made at the rate asked, before the run
        emus.append(emu)
    conn.send({"port": sock.getsockname()[1], "addresses": [e.address for e in emus],
               "t_power": [e._t_power for e in emus]})
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, conn.recv)  # "stop"
    conn.send({"max_lag_s": [e.max_lag_s for e in emus]})
    for e in emus:
        await e.stop()
    await transport.close()


class _RemoteRadio:
    """What ``sensors.ble.bumble_backend`` calls the radio, its controller in the emulator process."""

    class _Link:
        @staticmethod
        def find_le_controller(address):
            return True  # the other process knows; a wrong address times out

    def __init__(self, transport) -> None:
        from bumble import hci
        from bumble.device import Device
        from bumble.host import Host

        self.link = self._Link()
        self.central = Device(name="toehold-central", address=hci.Address(CENTRAL_REMOTE),
                              host=Host(transport.source, transport.sink))
        self.rssi: dict[str, int] = {}
        self._powered = False
        self._lock = asyncio.Lock()

    async def ensure_on(self) -> None:
        async with self._lock:
            if not self._powered:
                await self.central.power_on()
                self._powered = True


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def ble_session(seconds: float, sampling_rate_hz: float, live_view: bool, warmup_s: float = 3.0,
                      drawn: bool = True, profiler=None, split: bool = True, background: bool = True) -> dict:
    """One run of (b). ``split``: the emulators in their own process (as real
    sensors are not on this computer's CPU); else in this one, on its loop.
    ``background``: the window analysis in the worker thread, as ``record`` runs it."""
    import multiprocessing

    from rich.console import Console

    from sensors.ble import bumble_backend
    from sensors.ble.bumble_backend import BumbleClient, BumbleScanner
    from sensors.ble.collector import Collector, Target
    from sensors.ble.sinks import RecordingSink
    from sensors.emulated import EmulatedSensor, simulator_feed
    from sensors.stream import TeeSink
    from toehold.live_view import LiveView, show_live

    keys = ("left", "right")
    proc = None
    if split:
        from bumble.transport.tcp_client import open_tcp_client_transport

        ours, theirs = multiprocessing.get_context("spawn").Pipe()
        proc = multiprocessing.get_context("spawn").Process(
            target=_emulator_process, args=(theirs, len(keys), sampling_rate_hz), daemon=True)
        proc.start()
        info = await asyncio.get_running_loop().run_in_executor(None, ours.recv)
        transport = await open_tcp_client_transport(f"127.0.0.1:{info['port']}")
        bumble_backend._RADIOS[asyncio.get_running_loop()] = _RemoteRadio(transport)
        addresses, t_power = info["addresses"], info["t_power"]
    else:
        emus = [await EmulatedSensor("generic", address=f"C4:2A:11:00:3B:{0xA0 + i:02X}",
                                     feed=simulator_feed(seed=i)).start() for i in range(len(keys))]
        addresses, t_power = [e.address for e in emus], [e._t_power for e in emus]
    with tempfile.TemporaryDirectory() as tmp:
        files = RecordingSink({k: Path(tmp) / f"{k}.csv" for k in keys},
                              {k: {"placement": "foot", "side": k} for k in keys},
                              describe=lambda k: ("generic", sampling_rate_hz))
        counter = _Count()
        view = LiveView(placement={k: "foot" for k in keys}, analysis=live_view, background=background)
        col = Collector(TeeSink(files, view, counter), client_backend=BumbleClient,
                        scanner_backend=BumbleScanner, sampling_rate_hz=sampling_rate_hz)
        view.stats = col.stats
        marks = {}
        # CPU seconds (thread time) spent inside toehold's parts of the
        # process, apart from the transport and the emulators, whatever else
        # the machine runs meanwhile. The buckets nest: "notify" (the
        # collector's handling of a notification: decode, time stamps, the
        # sinks) holds "csv" (the file sink) and part of "analysis" (feeding
        # the LiveAnalyzers); "view" (reading the analysers' state 4 times a
        # second, building the view and rich drawing it when that changed)
        # holds the rest of "analysis" (the reading); "worker" is the window
        # analyses' worker process (from /proc, not a thread time).
        spent = dict.fromkeys(("notify", "csv", "analysis", "view", "worker"), 0.0)

        def timed(fn, *buckets):
            def call(*a, **k):
                c = time.thread_time()
                try:
                    return fn(*a, **k)
                finally:
                    d = time.thread_time() - c
                    for b in buckets:
                        spent[b] += d
            call.timed = True
            return call

        # What the view showed, each time it was built: (monotonic time,
        # {key: (exercise, reps, circles, holding, reps the window analysis counted)}).
        shown = []
        render = view.render

        def render_and_note(*a, **k):
            out = render(*a, **k)
            now = time.monotonic()
            shown.append((now, {k: (d.analyzer._state.exercise, d.analyzer._state.reps,
                                    d.analyzer._state.circles_cw + d.analyzer._state.circles_ccw,
                                    d.analyzer._state.holding_s, d.analyzer._found[1].reps)
                                for k, d in view.devs.items() if d.analyzer is not None}))
            return out

        # (show_live reads the analysis 4 times a second and draws only
        # what changed: the reading is the view's work too.)
        view.analysis_text = timed(view.analysis_text, "analysis", "view")
        view.render = timed(render_and_note, "view")
        files.on_samples = timed(files.on_samples, "csv")
        on_samples = view.on_samples
        gaps = []
        on_gap = view.on_gap

        def note_gap(key, a, b):
            gaps.append((key, a, b))
            on_gap(key, a, b)
        view.on_gap = note_gap

        def feed(key, rows):
            on_samples(key, rows)
            d = view.devs[key]
            if d.analyzer is not None and not hasattr(d.analyzer.push, "timed"):
                d.analyzer.push = timed(d.analyzer.push, "analysis")
        view.on_samples = feed
        start_notify = BumbleClient.start_notify

        async def timed_start_notify(client, char, callback, **kw):
            return await start_notify(client, char, timed(callback, "notify"), **kw)
        BumbleClient.start_notify = timed_start_notify
        from rich.live import Live
        refresh = Live.refresh
        Live.refresh = timed(refresh, "view")
        lags = []
        tick = [time.monotonic()]
        stalls = []  # (how long the loop had not ticked, its thread's stack then)

        async def probe():
            # How late the event loop wakes from a 10 ms sleep: what a
            # notification waits for while something else holds the loop.
            while True:
                t = time.monotonic()
                await asyncio.sleep(0.01)
                tick[0] = time.monotonic()
                lags.append(tick[0] - t - 0.01)

        import sys as _sys
        import threading
        import traceback

        loop_thread = threading.get_ident()

        def watchdog():
            # Where the loop's thread is when it has not ticked for 0.5 s.
            seen = None
            while not marks.get("end"):
                time.sleep(0.1)
                late = time.monotonic() - tick[0]
                if late > 0.5 and "start" in marks and seen != tick[0]:
                    seen = tick[0]
                    frame = _sys._current_frames().get(loop_thread)
                    stalls.append((late, "".join(traceback.format_stack(frame)[-6:]) if frame else ""))
        threading.Thread(target=watchdog, daemon=True).start()

        def cpus():
            # The window analyses' worker process is toehold's too.
            from analysis import live

            pool = live._WORKER
            worker = sum(proc_cpu_s(pid) for pid in (pool._processes or {})) if pool is not None else 0.0
            return cpu_s(), (proc_cpu_s(proc.pid) if proc is not None else 0.0), worker

        async def mark():
            # Connection, service discovery and the emulators' feed
            # generation happen first: measure the steady state after them.
            while len(counter.n) < 2:
                await asyncio.sleep(0.05)
            await asyncio.sleep(warmup_s)
            if live_view and background:
                # The window analyses' worker process is spawned at the first
                # rows and imports numpy, pandas, scipy and the detectors
                # (2.4 CPU s, 10 s at load 19): a cost once per session, not
                # of the steady state measured here (it is reported apart).
                from analysis import live

                t_ready = time.perf_counter()
                await asyncio.get_running_loop().run_in_executor(None, live._worker().submit(live._forget, -1).result)
                marks["worker_ready_s"] = time.perf_counter() - t_ready
                marks["worker_start_cpu_s"] = cpus()[2]
            prober = asyncio.ensure_future(probe())
            marks["start"] = (time.perf_counter(), cpus(), dict(counter.n), dict(spent), len(gaps))
            if profiler is not None:
                profiler.enable()
            await asyncio.sleep(seconds)
            if profiler is not None:
                profiler.disable()
            marks["end"] = (time.perf_counter(), cpus(), dict(counter.n), dict(spent), len(gaps))
            prober.cancel()
            col.stop()

        # ``drawn=False``: a console that is no terminal, so nothing is drawn.
        console = Console(file=open(os.devnull, "w"), force_terminal=drawn, width=100)
        marker = asyncio.ensure_future(mark())
        err = await show_live(view, col.run([Target(k, a, "generic") for k, a in zip(keys, addresses)],
                                            duration_s=seconds + 60), col.stop, console)
        await marker
        BumbleClient.start_notify = start_notify
        Live.refresh = refresh
        files.close()
        for d in view.devs.values():
            if d.analyzer is not None:
                d.analyzer.wait()
        if proc is not None:
            ours.send("stop")
            max_lag = (await asyncio.get_running_loop().run_in_executor(None, ours.recv))["max_lag_s"]
            proc.join(10)
            await transport.close()
        else:
            max_lag = [e.max_lag_s for e in emus]
            for e in emus:
                await e.stop()
    if err:
        raise err
    (w0, (c0, e0, p0), n0, a0, g0), (w1, (c1, e1, p1), n1, a1, g1) = marks["start"], marks["end"]
    spent = {k: a1[k] - a0[k] for k in a1}
    spent["worker"] = p1 - p0
    return {"wall": w1 - w0, "cpu": c1 - c0 + p1 - p0, "emulator_cpu": e1 - e0,
            "rows": {k: n1[k] - n0[k] for k in keys}, **spent, "gaps": g1 - g0, "lags": np.array(lags), "shown": shown,
            "t_power": dict(zip(keys, t_power)), "max_lag_s": max_lag, "t0_wall": w0, "stalls": stalls,
            "worker_start_cpu_s": marks.get("worker_start_cpu_s"), "worker_ready_s": marks.get("worker_ready_s")}


def report_delays(label: str, delays: dict, missed: dict) -> None:
    for k, d in delays.items():
        d = np.array(d)
        if len(d):
            print(f"{label} {k}{'' if k == 'hold start' else ' end'} -> "
                  f"{'timer shown' if k == 'hold start' else 'counted live'}: median {np.median(d):.2f} s, 90th pct "
                  f"{np.percentile(d, 90):.2f} s, max {d.max():.2f} s over {len(d)} "
                  f"({missed[k]} never {'shown' if k == 'hold start' else 'counted live'}) (target <= 0.3 s)")


def report_withdrawn(label: str, withdrawn: list) -> None:
    """Counts shown and taken back, over all sets."""
    back = [w for w in withdrawn if w[2]]
    print(f"{label} counts shown and then taken back: {sum(w[2] for w in withdrawn)} in {len(back)} of "
          f"{len(withdrawn)} sets" + "".join(f"; {ex} at {t0:.0f} s: {n}" for ex, t0, n in back))


def main() -> int:
    ap = argparse.ArgumentParser(description="live analysis CPU, latency and the BLE path")
    ap.add_argument("--quick", action="store_true", help="one session, 15 s of BLE")
    ap.add_argument("--ble-seconds", type=float, default=60.0)
    ap.add_argument("--part", choices=("all", "replay", "ble"), default="all",
                    help="(a) and (c) only, (b) only, or both")
    ap.add_argument("--ble-only", action="append", choices=list(VARIANTS),
                    help="(b) only this variant (repeatable): " + "; ".join(
                        f"{k}: {v[0]}" for k, v in VARIANTS.items()))
    ap.add_argument("--session", action="append", metavar="SEED[:TIER]",
                    help="(a) and (c) on these simulated sessions (repeatable; default 11, 12 realistic, "
                         "13 clean, 14 hard; the BLE part streams seeds 0 and 1 of the default tier)")
    args = ap.parse_args()
    print(f"start {time.strftime('%H:%M:%S')} {load()}", flush=True)
    if args.part != "replay":
        ble(15.0 if args.quick else args.ble_seconds, args.ble_only)
    if args.part == "ble":
        return 0
    seeds = [(11, "realistic")] if args.quick else [(11, "realistic"), (12, "realistic"),
                                                    (13, "clean"), (14, "hard")]
    if args.session:
        seeds = [(int(s.split(":")[0]), s.split(":")[1] if ":" in s else None) for s in args.session]
    total_cpu = total_s = misnamed = 0.0
    delays = {"rep": [], "circle": [], "hold start": []}
    missed = {"rep": 0, "circle": 0, "hold start": 0}
    per_rep, withdrawn = [], []
    for seed, tier in seeds:
        r = replay(seed, tier)
        per_rep += [{**row, "session": seed} for row in r["per_rep"]]
        withdrawn += r["withdrawn"]
        total_cpu += r["cpu"]
        total_s += r["duration"]
        for k in delays:
            delays[k] += r["delays"][k]
            missed[k] += r["missed"][k]
        misnamed += r["misnamed"]
        print(f"(a) session {seed} ({tier}, {r['duration']:.0f} s): live analysis "
              f"{r['cpu']:.1f} CPU s = {100 * r['cpu'] / r['duration']:.1f} % of one core {load()}", flush=True)
    print(f"(a) all {len(seeds)} sessions: {100 * total_cpu / total_s:.1f} % of one core "
          f"(target < 10 %) {load()}")
    report_per_rep("(c) per rep: session", [r for r in per_rep if r["exercise"] != "ankle_circles"])
    report_per_rep("(c) per circle: session", [r for r in per_rep if r["exercise"] == "ankle_circles"])
    report_delays("(c)", delays, missed)
    report_withdrawn("(c)", withdrawn)
    print(f"(c) live name differs from the truth during {100 * misnamed / len(seeds):.0f} % of "
          f"the exercise time (mean over sessions)")
    return 0


VARIANTS = {
    # name: (label, live analysis, drawn, emulators in their own process, analysis in the worker thread)
    "view": ("with live view (window analysis in its process + drawing 4/s)", True, True, True, True),
    "view-onloop": ("with live view, analysis on the event loop (before)", True, True, True, False),
    "drawn": ("view drawn 4/s, no analysis", False, True, True, True),
    "bare": ("bare (no view drawn, no analysis)", False, False, True, True),
    "inline": ("with live view, emulators in the same process", True, True, False, True),
}


def ble(seconds: float, only: list | None = None) -> None:
    """(b): the BLE path, each variant of ``VARIANTS`` (or those in ``only``)."""
    from sensors.simulator import simulate_session

    for name, (label, live_view, drawn, split, background) in VARIANTS.items():
        if only and name not in only:
            continue
        b = asyncio.run(ble_session(seconds, 200.0, live_view, drawn=drawn, split=split, background=background))
        rate = {k: n / b["wall"] for k, n in b["rows"].items()}
        ours = 100 * b["cpu"] / b["wall"]
        theirs = 100 * b["emulator_cpu"] / b["wall"]
        lag = b["lags"] * 1000
        print(f"(b) BLE 2 x 200 Hz {label} [{name}]: toehold's processes {ours:.1f} % of one core"
              + (f", the emulators' process {theirs:.1f} %, together {ours + theirs:.1f} %" if split else
                 " (emulators included)")
              + f" over {b['wall']:.0f} s (rows/s {', '.join(f'{k} {v:.0f}' for k, v in rate.items())}; "
              f"{b['gaps']} gaps) {load()}", flush=True)
        print(f"    event loop late from a 10 ms sleep: median {np.median(lag):.1f} ms, 99th pct "
              f"{np.percentile(lag, 99):.1f} ms, max {lag.max():.0f} ms; emulators' packets at most "
              f"{max(b['max_lag_s']) * 1000:.0f} ms late"
              + (" (their 1 s FIFO full: the emulators' own process was starved and skipped samples, "
                 "so gaps here are not toehold's)" if max(b["max_lag_s"]) >= 0.9 else ""), flush=True)
        for late, stack in b["stalls"][:3]:
            print(f"    the loop's thread {late:.1f} s after its last tick:\n" + stack, flush=True)
        if min(rate.values()) < 0.95 * 200.0:
            print("    NOT COMPARABLE: fewer rows than 200/s arrived, so the process was starved (the "
                  "emulated sensors skip what their 1 s FIFO cannot hold) and did less work", flush=True)
        if b["worker_start_cpu_s"] is not None:
            print(f"    measured from once the window analyses' process was up (waited {b['worker_ready_s']:.1f} s "
                  f"more; its start took {b['worker_start_cpu_s']:.1f} CPU s, once per session, not counted above)",
                  flush=True)
        share = {k: 100 * b[k] / b["wall"] for k in ("notify", "csv", "analysis", "view", "worker")}
        toehold = share["notify"] + share["view"] + share["worker"]
        print(f"    toehold's own code: {toehold:.1f} % = collector per notification {share['notify']:.1f} % "
              f"(of which CSV files {share['csv']:.1f} %) + view built and drawn {share['view']:.1f} % "
              f"+ window analyses' process {share['worker']:.1f} %; live analysis on the loop "
              f"{share['analysis']:.1f} %; the rest of the process "
              f"({'bumble host stack, HCI over a socket' if split else 'bumble, the emulators'}, the event loop) "
              f"{ours - toehold:.1f} %", flush=True)
        if live_view:
            delays = {"rep": [], "circle": [], "hold start": []}
            missed = dict.fromkeys(delays, 0)
            per_rep, withdrawn = [], []
            for i, key in enumerate(b["t_power"]):
                _, truth = simulate_session(seed=i)
                t0 = b["t_power"][key]
                trace = [(now - t0, *st[key][:3], st[key][4]) for now, st in b["shown"] if key in st]
                timer = [now - t0 for now, st in b["shown"] if key in st and st[key][3] is not None]
                r = score(trace, timer, truth, upto_s=trace[-1][0] if trace else 0.0)
                for k in delays:
                    delays[k] += r["delays"][k]
                    missed[k] += r["missed"][k]
                per_rep += [{**row, "session": i} for row in r["per_rep"]]
                withdrawn += r["withdrawn"]
            report_per_rep("    (c) wall clock per rep: sensor", [r for r in per_rep if r["exercise"] != "ankle_circles"])
            report_per_rep("    (c) wall clock per circle: sensor",
                           [r for r in per_rep if r["exercise"] == "ankle_circles"])
            report_delays("    (c) wall clock, truth ->", delays, missed)
            report_withdrawn("    (c) wall clock:", withdrawn)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"[load average {one:.1f} {five:.1f} {fifteen:.1f}]"


if __name__ == "__main__":
    sys.exit(main())
