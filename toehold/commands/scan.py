"""``toehold scan``: list nearby BLE devices and which sensor type each is."""
from __future__ import annotations

import asyncio

from sensors.devices import TYPES
from toehold.args import positive


def register(sub) -> None:
    p = sub.add_parser("scan", help="list nearby BLE sensors (name, address, RSSI, type)",
                       description="Listen for Bluetooth LE advertisements and list the sensors "
                                   f"toehold can record ({', '.join(TYPES)}), strongest signal "
                                   "first, with the name or address to give `toehold record "
                                   "--device`.")
    p.add_argument("--timeout", type=positive, default=5.0, help="scan time in seconds (default 5)")
    p.add_argument("--all", action="store_true", help="also list devices of no known type")
    p.add_argument("--emulate", action="append", choices=TYPES, metavar="TYPE",
                   help=f"scan a virtual radio with an emulated sensor of TYPE ({', '.join(TYPES)}); "
                        "no hardware needed")
    p.set_defaults(func=run)


async def scan(timeout: float, emulate: list[str] | None = None) -> list[dict]:
    """Advertisements seen in ``timeout`` s: dicts name, address, rssi (dBm), type."""
    from bleak import BleakScanner

    from sensors.devices import recognise

    kw = {}
    if emulate:
        from sensors.ble.bumble_backend import BumbleScanner
        from sensors.emulated import EmulatedSensor

        for i, kind in enumerate(emulate):
            await EmulatedSensor(kind, address=f"C4:2A:11:00:3B:{0x9E + i:02X}",
                                 rssi_offset=-8 * i).start()
        kw["backend"] = BumbleScanner
    found = await BleakScanner.discover(timeout=timeout, return_adv=True, **kw)
    out = [{"name": adv.local_name or "", "address": dev.address, "rssi": adv.rssi,
            "type": recognise(adv.local_name, adv.service_uuids)}
           for dev, adv in found.values()]
    return sorted(out, key=lambda d: -d["rssi"])


def run(args) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from toehold.cli import UserError
    from toehold.safe_output import terminal_text

    try:
        rows = asyncio.run(scan(args.timeout, args.emulate))
    except Exception as err:  # no adapter, BlueZ not running, permission…
        raise UserError(f"scan failed: Bluetooth is not available ({err}); check the adapter "
                        f"and that BlueZ is running, or try --emulate witmotion") from err
    if not args.all:
        rows = [r for r in rows if r["type"]]
    console = Console()
    if not rows:
        console.print("no sensors found" + ("" if args.all else " (--all lists every BLE device)"))
        return 1
    table = Table(show_edge=False)
    for col in ("name", "address", "RSSI", "type"):
        table.add_column(col)
    for r in rows:
        # Names are whatever a nearby device advertises: plain text, never markup.
        table.add_row(Text(terminal_text(r["name"], 60)), Text(terminal_text(r["address"], 60)),
                      f"{r['rssi']} dBm", r["type"] or "-")
    console.print(table)
    return 0
