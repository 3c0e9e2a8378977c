"""``toehold record``: record one or two BLE sensors to ``toehold-recording/1`` files.

``--emulate TYPE`` runs the whole live path (bleak, GATT, protocol, reconnect)
against an emulated sensor on bumble's virtual radio: no hardware needed.
"""
from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sensors.contract import PLACEMENTS, SIDES
from sensors.devices import TYPES
from sensors.devices.base import FAULT_KINDS
from toehold.args import Output, UserError, check_output, in_range, positive

OUTPUT = Output(recording=True)


def register(sub) -> None:
    p = sub.add_parser(
        "record", help="record BLE sensors live (or an emulated one) to CSV",
        description="Connect to one or two Bluetooth LE motion sensors, write every sample to a "
                    "toehold-recording/1 CSV as it arrives (reconnecting if the link drops), show "
                    "the live analysis, and end (Ctrl-C or --duration) with the analysis of the "
                    "file written. An existing file is never overwritten: the next free name "
                    "(NAME-2.csv) is used unless --force. With two sensors, -o today.csv writes "
                    "today_1.csv and today_2.csv.")
    p.add_argument("--device", action="append", metavar="NAME|ADDRESS",
                   help="sensor name (prefix) or address; repeat for two sensors")
    p.add_argument("--type", choices=TYPES, help="sensor type (default: recognised from the advertisement)")
    p.add_argument("--placement", choices=PLACEMENTS, default="foot")
    p.add_argument("--side", choices=SIDES)
    # Not declared with add_output: one -o names one file per sensor, each
    # checked (and renamed if taken) by _plan before connecting.
    p.add_argument("-o", "--output", metavar="FILE",
                   help="output CSV (default recordings/<time>_<side>.csv); with two sensors "
                        "FILE_1.csv and FILE_2.csv")
    p.add_argument("--force", action="store_true", help="overwrite an existing recording")
    p.add_argument("--emulate", action="append", choices=TYPES, metavar="TYPE",
                   help=f"record an emulated sensor of TYPE ({', '.join(TYPES)}) over the virtual "
                        "radio, no hardware needed; repeat for two")
    p.add_argument("--duration", type=positive, metavar="S", help="stop after S seconds (default: Ctrl-C)")
    p.add_argument("--give-up-after", type=positive, default=30.0, metavar="S",
                   help="stop if a lost sensor is not back within S seconds (default 30)")
    p.add_argument("--rate", type=in_range(1, 1000, " Hz"), metavar="HZ",
                   help="sample rate to ask for, 1–1000 Hz (default: the device's, ~100)")
    p.add_argument("--fault", choices=FAULT_KINDS, metavar="KIND",
                   help="with --emulate: make the emulated sensor misbehave as real ones do "
                        f"({', '.join(FAULT_KINDS)})")
    p.set_defaults(func=run)


def _plan(args) -> list[dict]:
    """One entry per sensor: key, device selector, type, side, path."""
    n = max(len(args.device or []), len(args.emulate or []), 1)
    if n > 2:
        raise UserError("at most two sensors at once")
    sides = [args.side] if n == 1 else (list(SIDES) if args.side is None else [args.side, args.side])
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    if args.output:
        out = Path(args.output)
        paths = [out] if n == 1 else [out.with_name(f"{out.stem}_{i + 1}{out.suffix or '.csv'}") for i in range(n)]
    else:
        paths = [Path("recordings") / f"{stamp}_{s or 'sensor'}{'' if n == 1 else f'_{i + 1}'}.csv"
                 for i, s in enumerate(sides)]
        paths[0].parent.mkdir(exist_ok=True)  # the default folder only: a typo in -o is an error
    # Before connecting: a session cannot be repeated, so a taken name gets the next free one.
    asked = [path if path.suffix else path.with_suffix(".csv") for path in paths]
    paths = [check_output(path, OUTPUT, args.force, pick_new_name=True) for path in paths]
    plan = []
    for i in range(n):
        key = sides[i] if n == 1 or sides[0] != sides[1] else f"sensor{i + 1}"
        device = args.device[i] if args.device and i < len(args.device) else None
        plan.append({"key": key or "sensor", "device": device,
                     "type": args.type or ((args.emulate or [None] * n)[i] if args.emulate else None),
                     "side": sides[i], "path": paths[i],
                     "renamed_from": asked[i] if paths[i] != asked[i] else None})
    return plan


class _LateAnalysis:
    """The live view's sink, its exercise analysis started once the first rows are written.

    ``analysis.live`` imports scipy and the detectors: seconds on a slow
    machine. Imported on the event loop before the first sample (as the
    view would when the first status arrives), it delays the first row and
    stalls the stream; so it is imported beside the loop after the first
    rows, and the rows that arrive meanwhile are kept and given to the
    analysis when it is ready (it sees the whole session).
    """

    def __init__(self, view) -> None:
        import threading

        self.view = view
        view.analysis = False  # counters now; the analysis once imported
        self._held: dict[str, list] = {}  # rows seen before the analysis was ready
        self._imported = threading.Event()
        self._live = None  # the analysis.live module (None: not installed)
        self._thread: threading.Thread | None = None

    def _import(self) -> None:
        try:
            from analysis import live

            self._live = live
        except ImportError:  # analysis not installed: counters only, as the view does
            pass
        self._imported.set()

    def on_samples(self, key: str, rows) -> None:
        if self._thread is None:
            import threading

            self._thread = threading.Thread(target=self._import, name="import-analysis", daemon=True)
            self._thread.start()
        if self._held is not None:
            self._held.setdefault(key, []).append(rows)
            if self._imported.is_set():
                held, self._held = self._held, None
                for k, chunks in held.items():
                    if self._live is not None:
                        d = self.view._dev(k)
                        d.analyzer = self.view.new_analyzer(self._live, k)
                        for chunk in chunks[:-1] if k == key else chunks:
                            d.analyzer.push(chunk)
        self.view.on_samples(key, rows)

    def wait(self) -> None:
        """Let the import finish: the closing analysis imports the same modules,
        and two threads importing one package at once can see it half made."""
        if self._thread is not None:
            self._thread.join()

    def on_gap(self, key: str, start_s: float, end_s: float) -> None:
        self.view.on_gap(key, start_s, end_s)

    def on_status(self, key: str, text: str) -> None:
        self.view.on_status(key, text)


async def _session(args, plan, console) -> tuple:
    from sensors.ble.collector import Collector, Target
    from sensors.ble.sinks import RecordingSink
    from sensors.stream import TeeSink
    from toehold.live_view import LiveView, show_live

    kw = {}
    emulators = []
    if args.emulate:
        from sensors.ble.bumble_backend import BumbleClient, BumbleScanner
        from sensors.devices import get_profile
        from sensors.emulated import EmulatedSensor, Faults, simulator_feed

        console.print(f"starting emulated {', '.join(args.emulate)} on the virtual radio"
                      + (f" with fault {args.fault}" if args.fault else "") + "…")
        for i, kind in enumerate(args.emulate):
            faults = Faults.named(args.fault, get_profile(kind)) if args.fault else None
            # quick_start: the simulated session is generated beside the
            # stream (the foot rests until it is ready), so data flows at once.
            emu = await EmulatedSensor(kind, address=f"C4:2A:11:00:3B:{0x9E + i:02X}",
                                       feed=simulator_feed(seed=i), faults=faults, quick_start=True).start()
            emulators.append(emu)
            if plan[i]["device"] is None:
                plan[i]["device"] = emu.address
        kw = {"client_backend": BumbleClient, "scanner_backend": BumbleScanner}

    col = None

    def describe(key):
        st = col.stats[key]
        return f"{st.name} ({st.type}) {st.address}", col.declared_sampling_rate_hz(key)

    files = RecordingSink({p["key"]: p["path"] for p in plan},
                          {p["key"]: {"placement": args.placement, "side": p["side"]} for p in plan},
                          describe=describe)
    view = LiveView(placement={p["key"]: args.placement for p in plan}, background=True)
    late = _LateAnalysis(view)
    col = Collector(TeeSink(files, late), give_up_after_s=args.give_up_after,
                    sampling_rate_hz=args.rate, **kw)
    view.stats = col.stats
    targets = [Target(p["key"], p["device"], p["type"]) for p in plan]
    try:
        error = await show_live(view, col.run(targets, duration_s=args.duration), col.stop, console)
    finally:
        files.close()
        for emu in emulators:
            await emu.stop()
        late.wait()
    return view, files, error


def _analyses(plan, files) -> list[str]:
    """The analysis of each file written, as ``toehold analyze`` prints it (and caches it)."""
    out = []
    for p in plan:
        w = files.writers.get(p["key"])
        if w is None or not w.rows_written:
            continue
        # Imported only for a file to analyse: a sensor that failed its setup
        # ends at once, without seconds of importing the analysis.
        from toehold.batch import analyze_path
        from toehold.commands.analyze import summary

        result = analyze_path(p["path"])
        out += ["", summary(result.doc) if result.doc is not None else f"not analysed: {result.error}"]
    return out


def run(args) -> int:
    from rich.console import Console

    from sensors.recording import check_writable
    from toehold.live_view import print_summary

    if args.fault and not args.emulate:
        raise UserError("--fault only applies to an emulated sensor (--emulate TYPE)")
    plan = _plan(args)
    for p in plan:
        if p["renamed_from"]:
            print(f"{p['renamed_from']} already exists: recording to {p['path']} instead "
                  "(--force overwrites)")
        elif len(plan) > 1:
            print(f"{p['key']}: recording to {p['path']}")
        try:
            check_writable(p["path"])  # before connecting: a session must not be lost to a bad path
        except OSError as err:
            raise UserError(str(err)) from err
    console = Console(stderr=False)
    try:
        view, files, error = asyncio.run(_session(args, plan, console))
    except (ValueError, KeyError) as err:  # e.g. no emulator for that type yet
        raise UserError(str(err).strip("'\"")) from err
    lines = [f"{p['key']}: wrote {files.writers[p['key']].rows_written} rows to {p['path']}"
             for p in plan if p["key"] in files.writers]
    lines += [f"{key}: warning: {w}" for key, st in view.stats.items() for w in st.warnings]
    print_summary(console, view, [*lines, f"session {files.session}", *_analyses(plan, files)])
    if error is not None:
        raise UserError(str(error))
    return 0
