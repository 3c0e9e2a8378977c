"""CPU of the collector's steps per BLE notification, each alone in a tight loop.

Seed 0 of the simulator at 200 Hz as the ``generic`` profile's 4-sample
packets (what ``benchmarks/live.py --part ble`` streams), then each step the
collector takes per notification run over all of them: decode, checks, loss
count, rate meter, time stamps, the copy to the contract's columns, the CSV
sink, the live view's push. In a live session the same code, woken 100
times a second among other processes, costs several times more (cold
caches): ``live.py --part ble`` measures that.

    python -m benchmarks.live_packet
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sensors.ble.collector import _Clock, _RateMeter, count_lost
from sensors.ble.sinks import RecordingSink
from sensors.contract import G
from sensors.devices.generic import _HDR, GenericDecoder
from sensors.emulated import simulator_feed
from toehold.live_view import LiveView


def packets(seconds: float = 400.0) -> list[bytes]:
    data = simulator_feed(seed=0)(200.0)
    data = data[data[:, 0] < seconds]
    out = []
    for i in range(0, len(data) - 4, 4):
        raw = np.empty((4, 6), "<i2")
        raw[:, :3] = np.round(data[i:i + 4, 1:4] / G * 1000)
        raw[:, 3:] = np.round(data[i:i + 4, 4:7] * 10)
        out.append(_HDR.pack((i // 4) & 0xFFFF, int(data[i, 0] * 1e6) & 0xFFFFFFFF, 4) + raw.tobytes())
    return out


def main() -> int:
    pk = packets()
    n = len(pk)

    def timed(name: str, fn) -> float:
        c = time.process_time()
        fn()
        us = 1e6 * (time.process_time() - c) / n
        print(f"{name:28s} {us:6.1f} us a packet = {us * 0.01:.2f} % of a core at 100 packets/s")
        return us

    dec = GenericDecoder(200.0)
    rows = []
    total = timed("decode", lambda: rows.extend(dec.feed(p) for p in pk))
    rows = [r for r in rows if len(r)]
    total += timed("checks", lambda: [r.ndim != 2 or not np.isfinite(r[:, 1:7]).all() for r in rows])

    def lost():
        last = None
        for r in rows:
            _, last = count_lost(last, r[:, 7])
    total += timed("loss count", lost)
    meter = _RateMeter()
    total += timed("rate meter", lambda: [meter.add(len(r), float(r[-1, 0])) for r in rows])
    clock, stamped = _Clock(200.0, True), []
    total += timed("time stamps", lambda: stamped.extend(clock.stamp(r[:, 0], r[-1, 0] + 0.01) for r in rows))

    def columns():
        for r, t in zip(rows, stamped):
            out = np.empty((len(r), 8))
            out[:, 0] = t
            out[:, 1:7] = r[:, 1:7]
            out[:, 7] = r[:, 7]
    total += timed("copy to the columns", columns)
    with tempfile.TemporaryDirectory() as tmp:
        files = RecordingSink({"l": Path(tmp) / "l.csv"}, {"l": {}}, describe=lambda k: ("generic", 200.0))
        total += timed("CSV sink (queued)", lambda: [files.on_samples("l", r) for r in rows])
        files.close()
    view = LiveView(placement={"l": "foot"})
    view.on_samples("l", rows[0])
    total += timed("live view push", lambda: [view.on_samples("l", r) for r in rows])
    print(f"{'all':28s} {total:6.1f} us a packet = {total * 0.01:.2f} % of a core at 100 packets/s ({n} packets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
