"""``toehold record``: record one or two BLE sensors to ``toehold-recording/1`` files.

``--emulate TYPE`` runs the whole live path (bleak, GATT, protocol, reconnect)
against an emulated sensor on bumble's virtual radio: no hardware needed.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path

from sensors.devices import TYPES
from sensors.devices.base import FAULT_KINDS


def register(sub) -> None:
    p = sub.add_parser("record", help="record BLE sensors live (or an emulated one) to CSV")
    p.add_argument("--device", action="append", metavar="NAME|ADDRESS",
                   help="sensor name (prefix) or address; repeat for two sensors")
    p.add_argument("--type", choices=TYPES, help="sensor type (default: recognised from the advertisement)")
    p.add_argument("--placement", choices=["foot", "ankle"], default="foot")
    p.add_argument("--side", choices=["left", "right"])
    p.add_argument("-o", "--output", metavar="FILE", help="output CSV (default recordings/<time>_<side>.csv)")
    p.add_argument("--emulate", action="append", choices=TYPES, metavar="TYPE",
                   help="record an emulated sensor of TYPE over the virtual radio; repeat for two")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds (default: Ctrl-C)")
    p.add_argument("--give-up-after", type=float, default=30.0, metavar="S",
                   help="stop if a lost sensor is not back within S seconds (default 30)")
    p.add_argument("--rate", type=float, help="sample rate to ask for in Hz (default: device's ~100)")
    p.add_argument("--fault", choices=FAULT_KINDS, metavar="KIND",
                   help="with --emulate: make the emulated sensor misbehave as real ones do "
                        f"({', '.join(FAULT_KINDS)})")
    p.set_defaults(func=run)


def _plan(args) -> list[dict]:
    """One entry per sensor: key, device selector, type, side, path."""
    n = max(len(args.device or []), len(args.emulate or []), 1)
    if n > 2:
        from toehold.cli import UserError
        raise UserError("at most two sensors at once")
    sides = [args.side] if n == 1 else (["left", "right"] if args.side is None else [args.side, args.side])
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    if args.output:
        out = Path(args.output)
        paths = [out] if n == 1 else [out.with_name(f"{out.stem}_{i + 1}{out.suffix or '.csv'}") for i in range(n)]
    else:
        paths = [Path("recordings") / f"{stamp}_{s or 'sensor'}{'' if n == 1 else f'_{i + 1}'}.csv"
                 for i, s in enumerate(sides)]
    plan = []
    for i in range(n):
        key = sides[i] if n == 1 or sides[0] != sides[1] else f"sensor{i + 1}"
        plan.append({"key": key or "sensor", "device": (args.device or [None] * n)[i] if args.device and i < len(args.device) else None,
                     "type": args.type or ((args.emulate or [None] * n)[i] if args.emulate else None),
                     "side": sides[i], "path": paths[i]})
    return plan


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
        return f"{st.name} ({st.type}) {st.address}", col.sample_rate_hz(key)

    files = RecordingSink({p["key"]: p["path"] for p in plan},
                          {p["key"]: {"placement": args.placement, "side": p["side"]} for p in plan},
                          describe=describe)
    view = LiveView(placement={p["key"]: args.placement for p in plan})
    col = Collector(TeeSink(files, view), give_up_after_s=args.give_up_after, rate_hz=args.rate, **kw)
    view.stats = col.stats
    targets = [Target(p["key"], p["device"], p["type"]) for p in plan]
    try:
        error = await show_live(view, col.run(targets, duration_s=args.duration), col.stop, console)
    finally:
        files.close()
        for emu in emulators:
            await emu.stop()
    return view, files, error


def run(args) -> int:
    from rich.console import Console

    from sensors.recording import check_writable
    from toehold.cli import UserError
    from toehold.live_view import print_summary

    if args.fault and not args.emulate:
        from toehold.cli import UserError
        raise UserError("--fault only applies to an emulated sensor (--emulate TYPE)")
    plan = _plan(args)
    for p in plan:
        if not args.output and not p["path"].parent.exists():
            p["path"].parent.mkdir(parents=True)
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
    print_summary(console, view, [*lines, f"session {files.session}"])
    if error is not None:
        raise UserError(str(error))
    return 0
