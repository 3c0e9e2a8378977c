"""Long recordings for the benchmarks: a day of wear with exercise sessions in it.

A day is mostly everyday life (standing, walking about, sitting, fidgeting,
lying down) with an exercise session every ``session_every_h`` hours. The
pieces are simulated once (``sensors.simulator``: a few exercise sessions and
a few everyday blocks of ~20 min, all with the same sensor mounting, as one
day's wear would have) and tiled; files are cached in ``benchmarks/.data/``.
Shorter files are prefixes of the same day, so 1 min / 1 h / 24 h differ only
in length.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / ".data"
sys.path.insert(0, str(ROOT))

from sensors.contract import REQUIRED_COLUMNS  # noqa: E402

COLUMNS = list(REQUIRED_COLUMNS)


def _everyday(b, minutes: float) -> None:
    """Script ``minutes`` of everyday motion into a simulator builder."""
    rng = b.rng
    end = b.t + 60 * minutes
    while b.t < end:
        what = rng.choice(["stand", "walk", "sit", "fidget", "lie"], p=[0.25, 0.3, 0.3, 0.1, 0.05])
        if what == "walk":
            b.go_to("stand")
            b.walk(rng.uniform(8, 90), label=False)
            b.rest(rng.uniform(1, 4))
        elif what == "stand":
            b.go_to("stand")
            b.rest(rng.uniform(10, 120))
        elif what == "sit":
            b.go_to("chair")
            b.rest(rng.uniform(30, 300))
        elif what == "lie":
            b.go_to("lie")
            b.rest(rng.uniform(60, 300))
        else:
            b.fidget(rng.uniform(3, 10))
            b.rest(rng.uniform(2, 10))
    b.go_to("stand")
    b.rest(rng.uniform(5, 10))


def _simulate(seed: int, everyday_min: float | None):
    """One simulated piece (exercise session, or everyday block when minutes given)."""
    import sensors.simulator as sim

    if everyday_min is None:
        return sim.simulate_session(seed=seed, tier="realistic", mounting="aligned")[0]
    real = sim.build_session

    def build(rng, cfg, fs_int, **rngs):
        b = sim._Builder(rng, fs_int, cfg)
        # As sim.build_session does, for whichever generators it is given
        # (shape_rng, wide_rng, walk_rng, look_rng, ...).
        for name, r in rngs.items():
            if r is not None:
                setattr(b, name, r)
        _everyday(b, everyday_min)
        return b

    sim.build_session = build
    try:
        return sim.simulate_session(seed=seed, tier="realistic", mounting="aligned")[0]
    finally:
        sim.build_session = real


def _pieces() -> tuple[list[np.ndarray], list[np.ndarray]]:
    cache = DATA / "pieces.npz"
    if cache.exists():
        z = np.load(cache)
        return ([z[k] for k in sorted(z.files) if k.startswith("s")],
                [z[k] for k in sorted(z.files) if k.startswith("e")])
    DATA.mkdir(exist_ok=True)
    sessions = [_simulate(100 + k, None).data[COLUMNS].to_numpy() for k in range(3)]
    everyday = [_simulate(200 + k, 20.0).data[COLUMNS].to_numpy() for k in range(3)]
    np.savez(cache, **{f"s{k}": a for k, a in enumerate(sessions)},
             **{f"e{k}": a for k, a in enumerate(everyday)})
    return sessions, everyday


def day_file(seconds: float, session_every_h: float = 8.0) -> Path:
    """A ``toehold-recording/1`` file of ``seconds`` at 100 Hz (cached)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from sensors.recording import metadata_block

    path = DATA / f"day_{int(seconds)}s.csv"
    if path.exists():
        return path
    sessions, everyday = _pieces()
    DATA.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as fh:
        fh.write(metadata_block({"start_time": "2026-11-24T07:00:00Z", "placement": "foot",
                                 "side": "left", "sample_rate_hz": 100,
                                 "device": "benchmarks/_days.py"}))
        fh.write(",".join(COLUMNS) + "\n")
    t0 = 0.0
    k_sess = k_day = 0
    next_session = 0.0
    with open(tmp, "ab") as fh:
        while t0 < seconds:
            if t0 >= next_session:
                block = sessions[k_sess % len(sessions)]
                k_sess += 1
                next_session += session_every_h * 3600
            else:
                block = everyday[k_day % len(everyday)]
                k_day += 1
            block = block.copy()
            block[:, 0] += t0 - block[0, 0]
            t0 = float(block[-1, 0]) + 0.01
            block = block[block[:, 0] < seconds]
            table = pa.table({c: np.round(block[:, i], 4) for i, c in enumerate(COLUMNS)})
            pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False))
    tmp.rename(path)
    return path


if __name__ == "__main__":
    for s in (60, 3600, 86400):
        print(day_file(s))


def metadata_lines(path) -> int:
    """How many ``# key: value`` lines a recording starts with (bare parsers skip them)."""
    with open(path) as fh:
        skip = 0
        for line in fh:
            if not line.startswith("#"):
                break
            skip += 1
    return skip
