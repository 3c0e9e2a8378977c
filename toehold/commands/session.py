"""``toehold session``: the day's programme, coached live, recorded and analysed.

The record path (collector → recording file + live analysis) with a coach
on top: :class:`analysis.coach.Coach` decides (announce, count, rest, next),
this module only draws it, reads keys and writes the files. With
``--emulate TYPE`` the sensor is emulated on the virtual radio and worn by
an emulated person (:mod:`sensors.emulated.person`) who does what each step
asks.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
from pathlib import Path

from sensors.contract import HOLD_EXERCISES, PLACEMENTS, SIDES
from sensors.devices import TYPES
from toehold.args import Output, UserError, check_output, in_range

SPEEDS = ("1", "max")
# The virtual link carries about this many notifications a second on a busy
# 2-core machine (WitMotion, one sample per packet: 5x real time held, 10x lost
# a third of the samples); "max" stays under it.
MAX_PACKETS_PER_S = 300.0
MAX_SPEED = 10.0


def emulation_speed(kind: str, speed: str) -> float:
    """Real-time factor of an emulated sensor of type ``kind`` for ``--speed``."""
    if speed != "max":
        return float(speed)
    from sensors.devices import get_profile
    from sensors.emulated.encoders import make_encoder

    p = get_profile(kind)
    # The emulator's own encoder: the profiles of the built-in types leave theirs unset.
    spp = getattr(make_encoder(p), "samples_per_packet", 1)
    return max(1.0, min(MAX_SPEED, MAX_PACKETS_PER_S * spp / p.sampling_rate_hz))
RECORDING = Output(recording=True)
REPORT = Output(suffixes=(".png",))
LOG = Output(suffixes=(".json",))


def register(sub) -> None:
    p = sub.add_parser(
        "session", help="guided session: the day's programme, coached live",
        description="Walk through the day's programme (the prescription's exercises in order): each "
                    "step announced with its foot and how to do it, the live rep count, a hold timer "
                    "up to the target, a rest timer and feedback per rep; the next step comes when "
                    "the set is complete. Keys: s skip, r repeat, q stop. At the end: a few "
                    "questions (when run in a terminal), the analysis, and the report. Writes the "
                    "recording NAME.csv, the session log NAME.session.json and the report NAME.png "
                    "into FOLDER.")
    p.add_argument("--device", metavar="NAME|ADDRESS", help="sensor name (prefix) or address")
    p.add_argument("--type", choices=TYPES, help="sensor type (default: recognised from the advertisement)")
    p.add_argument("--emulate", choices=TYPES, metavar="TYPE",
                   help=f"an emulated sensor of TYPE ({', '.join(TYPES)}) worn by an emulated person "
                        "who follows the prompts; no hardware needed")
    p.add_argument("--prescription", metavar="FILE", help="prescription TOML (default: the seed programme)")
    p.add_argument("--side", choices=SIDES, default="left",
                   help="the foot wearing the sensor (default left)")
    p.add_argument("--placement", choices=PLACEMENTS, default="foot")
    p.add_argument("-o", "--output", metavar="FOLDER", default="recordings",
                   help="folder for the recording, session log and report (default recordings/)")
    p.add_argument("--name", help="file name stem (default session-<date>-<time>)")
    p.add_argument("--speed", choices=SPEEDS, default="1",
                   help="with --emulate: 1 = real time, max = as fast as the link and the live analysis "
                        "keep up (the emulated person reacts to the coach in recording time)")
    p.add_argument("--quiet", action="store_true",
                   help="no terminal bell at the end of each hold, and no spoken cues (spoken where a "
                        "text-to-speech engine is present: pyttsx3, espeak-ng, espeak or say)")
    p.add_argument("--force", action="store_true", help="overwrite existing files of the same name")
    p.add_argument("--screenshot", metavar="SVG",
                   help="also save the view as SVG (the latest moment a hold timer was running)")
    p.add_argument("--rest", type=in_range(0, 600, " s"), default=None, metavar="S",
                   help="rest between steps, 0-600 s (default 8 s)")
    p.set_defaults(func=run)


def _paths(args) -> dict:
    folder = Path(args.output).expanduser()
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: is a file; -o takes a folder")
    if not folder.exists():
        if not folder.parent.is_dir():
            raise UserError(f"{folder}: folder {folder.parent} does not exist")
        folder.mkdir()
    stem = args.name or dt.datetime.now().strftime("session-%Y%m%d-%H%M%S")
    if any(c in stem for c in "/\\") or stem.startswith("."):
        raise UserError(f"--name {stem!r}: a plain file name is needed")
    csv = check_output(folder / f"{stem}.csv", RECORDING, args.force, pick_new_name=not args.force)
    stem = csv.stem
    return {"csv": csv,
            "log": check_output(folder / f"{stem}.session.json", LOG, args.force),
            "png": check_output(folder / f"{stem}.png", REPORT, args.force)}


_WORKER = None


def _worker_init(placement: str) -> None:
    global _WORKER
    from analysis.guided_live import GuidedLive

    _WORKER = GuidedLive(placement=placement)


def _worker_state(rows, step):
    _WORKER.push(rows)
    return _WORKER.state(*step)


class LiveAnalysis:
    """The live analysis (``analysis.guided_live.GuidedLive``: the step under way, its exercise known) in a
    worker process.

    The sensor's stream (and an emulated sensor) share this process's event
    loop; an analysis in it, or in a thread holding the interpreter lock,
    stalled them past the sensor's buffer and lost samples (measured: 2-3
    gaps in 90 s of a 10x emulated stream, none without the analysis).
    :meth:`poll` never waits: it hands the rows received so far to the
    worker and returns the newest state it has finished (None before the
    first), so the coach runs on the analysis's own time.
    """

    def __init__(self, placement: str) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_worker_init, initargs=(placement,))
        self.sent = 0
        self.done = 0  # rows the newest finished state has seen
        self.pending = None

    def poll(self, analyzer, step: tuple = (None, None)):
        """The newest finished state, after handing over the rows ``analyzer`` (buffer only) holds.

        ``step``: the exercise of the step under way and its start (s), or Nones.
        """
        out = None
        if self.pending is not None and self.pending.done():
            out = self.pending.result()
            self.pending = None
            self.done = self.sent  # sent moves only when a new state is asked for
        if self.pending is None and analyzer._n > self.sent:
            n = analyzer._n
            rows = analyzer._buf[self.sent:n].copy()
            self.sent = n
            self.pending = self.pool.submit(_worker_state, rows, step)
        return out

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


class _Keys:
    """Single keys from a terminal's standard input (cbreak mode), else nothing."""

    def __init__(self) -> None:
        self.queue: list[str] = []
        self._saved = None
        self.fd = None

    def __enter__(self):
        try:
            if sys.stdin.isatty():
                import termios
                import tty

                self.fd = sys.stdin.fileno()
                self._saved = termios.tcgetattr(self.fd)
                tty.setcbreak(self.fd)
                asyncio.get_running_loop().add_reader(self.fd, self._read)
        except (OSError, ValueError, ImportError, NotImplementedError):
            self.fd = None
        return self

    def _read(self) -> None:
        try:
            ch = os.read(self.fd, 1).decode(errors="ignore").lower()
        except OSError:
            return
        if ch in ("s", "r", "q"):
            self.queue.append(ch)

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            import termios

            asyncio.get_running_loop().remove_reader(self.fd)
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)


def render(coach, view=None, key: str = "sensor", width: int = 80):
    """The session view: the step, its count, hold and rest timers, the sensor's state."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    v = coach.view
    lines = []
    if v.phase == "finished" or v.step is None:
        lines.append(Text("programme finished" if v.phase == "finished" else "waiting for the sensor…",
                          style="bold"))
    else:
        s = v.step
        title = f"{s.exercise.replace('_', ' ')} · {s.side} foot"
        lines.append(Text(title, style="bold cyan"))
        lines.append(Text(s.how_to, style="dim"))
        lines.append(Text(""))
        if v.phase == "announce":
            lines.append(Text(f"get ready…  {v.message}", style="yellow"))
        elif v.phase == "rest":
            lines.append(Text(f"{v.message} · rest {v.rest_s or 0:.0f} s, then the next step",
                              style="green"))
        if not s.measured:
            lines.append(Text(f"the {s.side} foot is not measured: {v.waited_s:.0f} s"))
        elif s.exercise in HOLD_EXERCISES:
            target = s.target.get("reps", 0)
            hold_t = s.target.get("hold_s") or 0
            count = Text(f"rep {v.reps} / {target}", style="bold")
            if v.holding_s is not None and v.phase == "active":
                frac = min(1.0, v.holding_s / hold_t) if hold_t else 1.0
                bar = "█" * int(round(20 * frac)) + "░" * (20 - int(round(20 * frac)))
                cue = "  release" if v.holding_s >= hold_t else ""
                count.append(f"   hold {v.holding_s:4.1f} / {hold_t:g} s {bar}{cue}",
                             style="bold green" if cue else "")
            elif v.rest_s is not None and v.phase == "active":
                count.append(f"   rest {v.rest_s:4.1f} s")
            lines.append(count)
        elif s.exercise == "tiptoe_walk":
            lines.append(Text(f"on tiptoe {v.seconds_done:4.1f} / {s.target.get('duration_s', 0):g} s",
                              style="bold"))
        else:
            lines.append(Text(f"circles  cw {v.circles['cw']}  ccw {v.circles['ccw']}   "
                              f"{v.seconds_done:4.1f} / {2 * s.target.get('duration_s', 0):g} s",
                              style="bold"))
        if v.feedback:
            lines.append(Text(f"last rep: {v.feedback}",
                              style="green" if v.feedback == "good" else "yellow"))
    if view is not None:
        d = view.devs.get(key)
        st = view.stats.get(key) if view.stats else None
        if d is not None:
            state = st.state if st else d.status
            lines.append(Text(""))
            lines.append(Text(f"sensor {state} · {d.samples} samples · t {d.last_t:.0f} s · "
                              f"{len(d.gaps)} gaps", style="dim"))
    if coach.steps_:
        marks = {"done": "✓", "partial": "½", "skipped": "✗"}
        prog = Text("steps ", style="dim")
        for k in range(v.n_steps):
            if k < len(coach.steps_) and coach.steps_[k].outcome:
                prog.append(marks[coach.steps_[k].outcome] + " ", style="green")
            else:
                prog.append("▶ " if k == v.step_index and v.phase != "finished" else "· ")
        lines.append(prog)
    lines.append(Text("keys: s skip · r repeat · q stop", style="dim"))
    title = (f"toehold session · step {min(v.step_index + 1, v.n_steps)}/{v.n_steps}"
             if v.n_steps else "toehold session")
    return Panel(Group(*lines), title=title, width=width)


async def _run(args, paths, prescription, console) -> tuple:
    from analysis.coach import Coach, plan_steps
    from sensors.ble.collector import Collector, Target
    from sensors.ble.sinks import RecordingSink
    from sensors.stream import TeeSink
    from toehold.live_view import LiveView

    speed = emulation_speed(args.emulate, args.speed) if args.emulate else 1.0
    key = args.side
    kw = {}
    person = emu = None
    device = args.device
    if args.emulate:
        from sensors.ble.bumble_backend import BumbleClient, BumbleScanner
        from sensors.emulated import EmulatedSensor
        from sensors.emulated.person import EmulatedPerson

        person = getattr(args, "person", None) or EmulatedPerson(side=args.side, placement=args.placement)
        emu = EmulatedSensor(args.emulate, address="C4:2A:11:00:3B:9E", feed=person, speed=speed)
        # Many times real time on a busy machine the host may fall seconds behind
        # (measured: stalls of over 5 s with the machine's load at 13 on 2 cores);
        # the emulated person's motion must not be lost to that.
        emu.fifo_s = 1.0 if speed == 1 else 30.0
        await emu.start()
        device = emu.address
        kw = {"client_backend": BumbleClient, "scanner_backend": BumbleScanner}
    col = None

    def describe(k):
        st = col.stats[k]
        return f"{st.name} ({st.type}) {st.address}", col.sampling_rate_hz or col.profiles[k].sampling_rate_hz

    files = RecordingSink({key: paths["csv"]}, {key: {"placement": args.placement, "side": args.side,
                                                      "notes": "guided session"}}, describe=describe)
    view = LiveView(placement={key: args.placement}, title="toehold session")
    col = Collector(TeeSink(files, view), time_scale=speed, **kw)
    view.stats = col.stats
    steps = plan_steps(prescription, args.side)
    # coach_options: timing overrides for tests (a session in seconds, not minutes).
    coach_kw = {**({} if args.rest is None else {"rest_s": args.rest}), **getattr(args, "coach_options", {})}
    coach = Coach(steps, **coach_kw)
    lines: list[str] = []
    analysis = LiveAnalysis(args.placement)
    if emu is not None and speed > 1 and emu.profile.has_clock:
        # The emulated person reacts to the coach: faster than real time, the
        # sensor slows to real time while it is a few seconds of data ahead of
        # the analysis, instead of the person starting a step as late as the
        # machine is busy. Only a sensor with its own clock: without one the
        # collector times samples by their arrival at ``time_scale``, and a
        # slower stream would read as lost samples (measured: 466 gaps).
        emu.paced_by = lambda: analysis.done
    task = asyncio.ensure_future(col.run([Target(key, device, args.type or args.emulate)]))
    error = None
    live = None
    loop = asyncio.get_running_loop()
    interrupts: list[str] = []
    import signal

    try:
        # Ctrl-C is "q": the session ends with its log, analysis and report.
        loop.add_signal_handler(signal.SIGINT, lambda: interrupts.append("q"))
    except (NotImplementedError, RuntimeError):
        pass

    cues = _cues(args, console)

    def handle(events):
        for ev in events:
            cues.on_event(ev)
            if ev[0] == "begin" and person is not None:
                person.begin(ev[1])
            elif ev[0] == "announce":
                s = ev[1]
                lines.append(f"step {coach.view.step_index + 1}/{len(steps)}: "
                             f"{s.exercise.replace('_', ' ')}, {s.side} foot")
            elif ev[0] == "step_end":
                r = ev[1]
                lines.append(f"  {r.outcome} after {r.end_s - r.start_s:.0f} s"
                             + (f" ({', '.join(f'{k} {v}' for k, v in r.counted.items())})" if r.counted else ""))
            elif ev[0] == "finished":
                col.stop()

    try:
        with _Keys() as keys:
            from contextlib import nullcontext

            from rich.live import Live

            ctx = Live(render(coach), console=console, refresh_per_second=4) if console.is_terminal \
                else nullcontext()
            with ctx as screen:
                started = False
                while not task.done():
                    await asyncio.sleep(0.25)
                    d = view.devs.get(key)
                    if d is None or not d.samples:
                        continue
                    if not started:
                        handle(coach.start(d.first_t))
                        started = True
                    new = analysis.poll(d.analyzer, coach.counting())
                    if new is not None:
                        live = new
                    # The coach's clock is the analysis's: what it counts and when are one time.
                    t = live.t_s if live is not None else d.first_t
                    for queue in (keys.queue, interrupts):
                        while queue:
                            handle(coach.key(queue.pop(0), t))
                    if new is not None:
                        handle(coach.update(t, live, d.last_t))
                    if screen is not None:
                        screen.update(render(coach, view, key))
                    if args.screenshot and coach.view.holding_s is not None and coach.view.reps >= 2:
                        _save_svg(render(coach, view, key), args.screenshot)
                    if coach.finished:
                        col.stop()
                await task
    except Exception as err:  # the files and the log are written first
        error = err
    finally:
        try:
            loop.remove_signal_handler(signal.SIGINT)
        except (NotImplementedError, RuntimeError):
            pass
        files.close()
        analysis.close()
        cues.close()
        if emu is not None:
            await emu.stop()
    if not coach.finished:
        t = view.devs[key].last_t if key in view.devs else 0.0
        coach.key("q", t)
    return coach, view, files, lines, error


def _cues(args, console):
    """The bell (on a terminal) and spoken cues (where an engine is present), unless ``--quiet``."""
    from toehold.speech import Cues, Speaker, find_engine

    if args.quiet:
        return Cues(quiet=True)
    # speech_engine: an engine object put there by a test (anything with say(text)).
    engine = getattr(args, "speech_engine", None) or find_engine()
    return Cues(bell=console.bell if console.is_terminal else None,
                speaker=Speaker(engine) if engine is not None else None)


def _save_svg(renderable, path) -> None:
    from rich.console import Console

    shot = Console(record=True, width=80, file=open(os.devnull, "w"), force_terminal=True)
    shot.print(renderable)
    shot.save_svg(str(path), title="toehold session")
    shot.file.close()


def _ask(prompt: str, score: bool):
    from sensors.sessionlog import SessionLogError, check_score

    while True:
        try:
            answer = input(prompt).strip()
        except EOFError:
            return None
        if not answer:
            return None
        if not score:
            return answer[:2000]
        try:
            return check_score(answer, "the answer")
        except SessionLogError as err:
            print(err)


def questions() -> dict:
    """Pain, effort and a note, asked only on a terminal; empty answers are left out."""
    if not sys.stdin.isatty():
        return {}
    out = {}
    for key, prompt, score in (("pain_0_10", "pain now, 0 (none) to 10 (worst)? ", True),
                               ("effort_0_10", "effort, 0 (none) to 10 (maximal)? ", True),
                               ("note", "a note (enter to skip)? ", False)):
        v = _ask(prompt, score)
        if v is not None:
            out[key] = v
    if out:
        out["reported_at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


def write_log(path: Path, recording: Path, prescription_name: str, coach, reported: dict) -> dict:
    """Write the ``toehold-session/1`` log (atomically, as ``toehold log`` does)."""
    from sensors.contract import SESSION_FORMAT
    from sensors.sessionlog import _write_atomic

    log = {"format": SESSION_FORMAT, "recording": recording.name, "prescription": prescription_name,
           "steps": [r.as_dict() for r in coach.steps_], "reported": reported}
    _write_atomic(path, json.dumps(log, indent=1, ensure_ascii=False) + "\n")
    return log


def run(args) -> int:
    from rich.console import Console

    from analysis.prescription import PrescriptionError, load
    from sensors.recording import check_writable

    if args.speed != "1" and not args.emulate:
        raise UserError("--speed is for --emulate: a real sensor streams in real time")
    try:
        prescription = load(args.prescription)
    except PrescriptionError as err:
        raise UserError(str(err)) from None
    paths = _paths(args)
    try:
        check_writable(paths["csv"])
    except OSError as err:
        raise UserError(str(err)) from err
    console = Console()
    name = "default" if args.prescription is None else Path(args.prescription).name
    try:
        coach, view, files, lines, error = asyncio.run(_run(args, paths, prescription, console))
    except (ValueError, KeyError) as err:
        raise UserError(str(err).strip("'\"")) from err
    w = files.writers.get(args.side)
    if w is None or not w.rows_written:
        raise UserError(f"no data recorded{f': {error}' if error else ''}")
    console.print("\n".join(lines), highlight=False)
    reported = questions()
    write_log(paths["log"], paths["csv"], name, coach, reported)
    return finish(paths, prescription, console, error)


def finish(paths: dict, prescription, console, error=None) -> int:
    """The closing analysis (with the session log) and the report of the session."""
    from toehold.batch import analyze_path
    from toehold.commands.analyze import summary
    from toehold.report import render_report

    result = analyze_path(paths["csv"], prescription=prescription)
    if result.doc is None:
        raise UserError(f"not analysed: {result.error}")
    doc = result.doc
    render_report([doc], paths["png"])
    adh = doc.get("adherence") or {}
    g = adh.get("guided_steps") or {}
    console.print("\n".join([
        "", summary(doc), "",
        f"today: {g.get('done', 0)} of {g.get('steps', 0)} steps done, {g.get('partial', 0)} partial, "
        f"{g.get('skipped', 0)} skipped; completion {100 * (adh.get('completion') or 0):.0f} %",
        f"wrote {paths['csv']}", f"wrote {paths['log']}", f"wrote {paths['png']}"]), highlight=False)
    if error is not None:
        raise UserError(str(error))
    return 0
