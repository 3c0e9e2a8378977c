"""Link-fault soak: forced disconnects at random moments across every emulated device type.

    python3 benchmarks/soak.py                    # the full run: 100 disconnects
    python3 benchmarks/soak.py --disconnects 10 --seed 3

Every emulated type streams at once into one Collector and its recording
files over bumble's virtual radio; each device drops its link at random
moments (random offline time too) until the disconnects are spread over the
types. Then, per device, the file is read back and compared with the
emulator's ``sent`` log (every packet handed to the radio): the rows must
be the same rows in the same order (only the packet in flight when the
session stopped may be missing), and every disconnect must show up as a
recorded gap. ``tests/ble/test_faults.py`` runs a short form in CI.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sensors.ble.bumble_backend import BumbleClient, BumbleScanner  # noqa: E402
from sensors.ble.collector import Collector, Target  # noqa: E402
from sensors.ble.sinks import RecordingSink  # noqa: E402
from sensors.devices import emulated_types, get_profile  # noqa: E402
from sensors.emulated import EmulatedSensor, Faults, sine_feed  # noqa: E402
from sensors.recording import REQUIRED_COLUMNS, read_recording  # noqa: E402


def drop_schedule(rng: np.random.Generator, n: int, offline: np.ndarray) -> tuple:
    """``n`` drop times (s of streaming): a random stretch of streaming after each reconnect."""
    times, t = [], 0.0
    for k in range(n):
        # Reconnecting takes ~0.3-0.6 s on the virtual link; the drop lands
        # at a random moment of the streaming that follows.
        t += offline[k - 1] + 0.7 if k else 0.0
        t += rng.uniform(0.25, 1.2)
        times.append(round(float(t), 4))
    return tuple(times)


def compare(path: Path, emu: EmulatedSensor, kind: str) -> dict:
    """Rows of the file against the emulator's log: lost, extra, mismatched."""
    p = get_profile(kind)
    rec = read_recording(path)
    got = rec.data[list(REQUIRED_COLUMNS)].to_numpy()
    sent = emu.sent_rows()
    n = min(len(got), len(sent))
    tol_a, tol_g = p.acc_quantum / 2 + 1e-4, p.gyr_quantum / 2 + 1e-3
    same = (np.abs(got[:n, 1:4] - sent[:n, 1:4]) <= tol_a).all(axis=1) & \
        (np.abs(got[:n, 4:7] - sent[:n, 4:7]) <= tol_g).all(axis=1)
    first_bad = int(np.argmin(same)) if not same.all() else None
    gap_len = (rec.gaps["end_s"] - rec.gaps["start_s"]).to_numpy()
    spp = emu.encoder.samples_per_packet
    return {
        "type": kind,
        "sent_rows": int(len(sent)),
        "file_rows": int(len(got)),
        # The packet in flight when the session stopped is not lost data.
        "rows_lost": int(max(0, len(sent) - len(got) - spp)),
        "rows_extra": int(max(0, len(got) - len(sent))),
        "first_mismatch_row": first_bad,
        "disconnects": emu.drops,
        "gaps": int(len(gap_len)),
        "gaps_from_disconnects": int(np.sum(gap_len >= 0.25)),
        "gap_s_median": float(np.median(gap_len)) if len(gap_len) else 0.0,
        "gap_s_max": float(gap_len.max()) if len(gap_len) else 0.0,
        "t_never_decreases": bool(np.all(np.diff(got[:, 0]) >= 0)),
        "cut_off": rec.cut_off,
    }


async def soak(disconnects: int, folder: Path, seed: int = 0, kinds: list[str] | None = None,
               offline_s: tuple[float, float] = (0.1, 0.6)) -> dict:
    """Run the soak; returns per-device results and totals.

    Parameters
    ----------
    disconnects : int
        Forced disconnects in all, spread over the device types.
    folder : Path
        Where the recording files go.
    seed : int
        Seeds the drop moments and offline times.
    kinds : list of str, optional
        Device types (default: every emulated type).
    offline_s : (float, float)
        Range of the time a device stays off the air after a drop (s).
    """
    rng = np.random.default_rng(seed)
    kinds = kinds or emulated_types()
    per = [disconnects // len(kinds) + (i < disconnects % len(kinds)) for i in range(len(kinds))]
    emus, targets, paths, longest = {}, [], {}, 0.0
    for i, (kind, n) in enumerate(zip(kinds, per)):
        offline = rng.uniform(*offline_s, max(n, 1))
        drops = drop_schedule(rng, n, offline)
        # One offline time per drop: the emulator takes a single value, so
        # use the median of the draws for this device.
        faults = Faults(drop_times_s=drops, offline_for_s=float(np.median(offline)))
        emu = await EmulatedSensor(kind, address=f"C4:50:AA:00:00:{i + 1:02X}",
                                   feed=sine_feed(seed=i), faults=faults).start()
        emus[kind] = emu
        targets.append(Target(kind, emu.address, kind))
        paths[kind] = folder / f"soak_{kind}.csv"
        longest = max(longest, (drops[-1] if drops else 0.0) + 1.5 * n * 0.8 + 1.5)
    col = None

    def describe(key):
        return f"{col.stats[key].name} ({key}) {col.stats[key].address}", get_profile(key).sampling_rate_hz

    sink = RecordingSink(paths, {k: {"placement": "foot", "side": "left"} for k in kinds},
                         describe=describe)
    col = Collector(sink, client_backend=BumbleClient, scanner_backend=BumbleScanner,
                    give_up_after_s=15.0, scan_timeout_s=5.0)
    t0 = time.perf_counter()
    # Run until every scheduled drop has happened and the device streamed after it.
    run = asyncio.create_task(col.run(targets))
    while not run.done():
        await asyncio.sleep(0.25)
        if all(e.drops >= n for e, n in zip(emus.values(), per)) and all(
                col.stats[k].reconnects >= n and col.stats[k].samples > 0 for k, n in zip(kinds, per)):
            await asyncio.sleep(0.5)
            col.stop()
    await run
    sink.close()
    for e in emus.values():
        await e.stop()
    results = [compare(paths[k], emus[k], k) for k in kinds]
    for r, k in zip(results, kinds):
        r["reconnects"] = col.stats[k].reconnects
        r["malformed"] = col.stats[k].malformed
    return {
        "seed": seed,
        "seconds": round(time.perf_counter() - t0, 1),
        "disconnects": sum(r["disconnects"] for r in results),
        "reconnects": sum(r["reconnects"] for r in results),
        "rows_sent": sum(r["sent_rows"] for r in results),
        "rows_lost": sum(r["rows_lost"] for r in results),
        "devices": results,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--disconnects", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--types", nargs="*", help="device types (default: every emulated type)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        out = asyncio.run(soak(args.disconnects, Path(d), args.seed, args.types))
    print(json.dumps(out, indent=1))
    bad = [r for r in out["devices"] if r["rows_lost"] or r["rows_extra"] or r["first_mismatch_row"]
           is not None or r["gaps_from_disconnects"] < r["disconnects"] or not r["t_never_decreases"]]
    print(f"{out['disconnects']} disconnects, {out['reconnects']} reconnects, "
          f"{out['rows_sent']} rows sent, {out['rows_lost']} lost, in {out['seconds']} s: "
          f"{'FAIL' if bad else 'ok'}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
