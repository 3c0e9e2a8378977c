"""Is the simulator's circle truth one full turn of the toe path per listed circle?

    python benchmarks/circle_truth.py [--seeds 20] [--first 32300]

Draws sets of circles (``sensors.simulator.simulate_circle_set``) with the
sensor and the leg made ideal (no noise, bias, wobble, drift of the centre,
lead-in or twist), integrates the toe velocity across the foot from the
foot-frame rate (``(ω_z, -ω_y)``, exact here) and measures how far the toe
path turns about the circling's centre (the mean of the path over the inner
circles) over each listed circle, by case: plain, uneven + paused, 3.8:1,
with part turns at the ends (not listed), and spiralling out of neutral
over the first turn and back in over the last. A listed circle should turn
the path once; prints percentiles per case, the spirals' first, inner and
last circles apart; then the turns of the toes' direction of motion over
each direction's whole move (the detector's measure) less the listed
circles. Simulator only (seeds below 40000, never the held-out
generator).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from sensors.simulator import simulate_circle_set  # noqa: E402

IDEAL = dict(gyr_noise_dps=0.0, gyr_bias_dps=0.0, wobble_deg=0.0, drift=0.0, lead_in=False, twist=0.0)
CASES = {
    "plain": dict(spiral=False),
    "uneven + paused": dict(spiral=False, uneven=0.6, pauses=[{"at": 0.4, "seconds": 1.2, "depth": 1.0}]),
    "3.8:1": dict(spiral=False, ellipticity=3.8),
    "part turns": dict(spiral=False, partial_in=0.45, partial_out=0.4),
    "spiral": dict(spiral=True),
}


def listed_turns(seed: int, pins: dict) -> list[np.ndarray]:
    """Per direction: the turns of the toe path about the circling's centre over each listed circle."""
    data, truth = simulate_circle_set(seed, **IDEAL, **pins)
    t = data.t.to_numpy()
    fs = 1 / np.median(np.diff(t))
    d = np.cumsum(np.column_stack([data.gyr_z, -data.gyr_y]), axis=0) / fs
    out = []
    for direction in ("cw", "ccw"):
        tr = [c for c in truth if c["direction"] == direction]
        edges = np.clip(np.searchsorted(t, [c["start_s"] for c in tr] + [tr[-1]["end_s"]]), 0, len(t) - 1)
        inner = slice(edges[1], edges[-2]) if len(tr) > 2 else slice(edges[0], edges[-1])
        ph = np.unwrap(np.arctan2(*(d - d[inner].mean(axis=0)).T[::-1]))
        out.append((1 if direction == "ccw" else -1) * np.diff(ph[edges]) / (2 * np.pi))
    return out


def motion_turns(seed: int, pins: dict) -> list[float]:
    """Per direction: the turns of the toes' direction of motion over the whole move, less the listed circles.

    From where the toes leave neutral (or the last stop) to where they stop
    again, between moving samples (the detector's measure; exact here, no
    noise). A whole move whose direction turns ``n + x`` times with x in
    [-0.45, 0.55) has ``n`` circles for a detector that counts a last turn
    this close to complete (``CircleDetector.last_turn_slack``).
    """
    data, truth = simulate_circle_set(seed, **IDEAL, **pins)
    t = data.t.to_numpy()
    v = np.column_stack([data.gyr_z, -data.gyr_y])
    speed = np.hypot(*v.T)
    ang = np.arctan2(v[:, 1], v[:, 0])
    out = []
    for direction in ("cw", "ccw"):
        tr = [c for c in truth if c["direction"] == direction]
        a, b = np.searchsorted(t, [tr[0]["start_s"], tr[-1]["end_s"]])
        moving = speed > 0.02 * np.median(speed[a:b])
        while a > 0 and moving[a - 1]:
            a -= 1
        while b < len(t) - 1 and moving[b]:
            b += 1
        idx = a + np.flatnonzero(moving[a:b])
        turned = np.sum(np.angle(np.exp(1j * np.diff(ang[idx])))) / (2 * np.pi)
        out.append((1 if direction == "ccw" else -1) * turned - len(tr))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first", type=int, default=32300)
    args = ap.parse_args()
    print(f"turns of the toe path about the circling's centre per listed circle, 5/25/50/75/95 % "
          f"(seeds {args.first}..{args.first + args.seeds - 1})")
    for name, pins in CASES.items():
        runs = [r for seed in range(args.first, args.first + args.seeds) for r in listed_turns(seed, pins)]
        parts = {"all": np.concatenate(runs)}
        if name == "spiral":
            parts = {"first": np.array([r[0] for r in runs]), "inner": np.concatenate([r[1:-1] for r in runs]),
                     "last": np.array([r[-1] for r in runs])}
        for part, x in parts.items():
            q = " ".join(f"{v:5.2f}" for v in np.percentile(x, [5, 25, 50, 75, 95]))
            print(f"{name:>16} {part:>5}: {q}  ({len(x)} circles, {100 * np.mean(x < 0.75):.0f} % under 0.75)")
    print("turns of the toes' direction of motion over the whole move less the listed circles, 5/25/50/75/95 %")
    for name, pins in CASES.items():
        x = np.array([m for seed in range(args.first, args.first + args.seeds) for m in motion_turns(seed, pins)])
        q = " ".join(f"{v:5.2f}" for v in np.percentile(x, [5, 25, 50, 75, 95]))
        print(f"{name:>16}: {q}  ({len(x)} directions, {100 * np.mean((x < -0.45) | (x >= 0.55)):.0f} % outside"
              " [-0.45, 0.55))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
