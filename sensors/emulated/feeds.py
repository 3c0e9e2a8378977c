"""Sample feeds for emulated sensors: ``(n, 7)`` arrays ``t`` (s), acc (m/s²), gyr (deg/s).

A feed is any callable ``feed(sampling_rate_hz) -> ndarray (n, 7)``; the emulator
streams it in order and loops it (with continuing time) when it runs out.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from sensors.contract import REQUIRED_COLUMNS, G

SAMPLE_CSV = Path("/work/shared/samples/clean_9001.csv")


def sine_feed(duration_s: float = 60.0, seed: int = 0):
    """Gravity on +z plus slow sines: a quiet foot that moves a little."""
    def feed(sampling_rate_hz: float) -> np.ndarray:
        n = int(duration_s * sampling_rate_hz)
        t = np.arange(n) / sampling_rate_hz
        rng = np.random.default_rng(seed)
        ph = rng.uniform(0, 2 * np.pi, 6)
        out = np.empty((n, 7))
        out[:, 0] = t
        out[:, 1:4] = 0.8 * np.sin(2 * np.pi * 0.5 * t[:, None] + ph[:3])
        out[:, 3] += G
        out[:, 4:7] = 40.0 * np.sin(2 * np.pi * 0.3 * t[:, None] + ph[3:])
        return out
    return feed


def rest_feed(duration_s: float = 30.0, seed: int = 0):
    """A foot at rest: gravity on +z and an IMU's white noise (0.02 m/s², 0.1 deg/s)."""
    def feed(sampling_rate_hz: float) -> np.ndarray:
        n = int(duration_s * sampling_rate_hz)
        rng = np.random.default_rng(seed)
        out = np.empty((n, 7))
        out[:, 0] = np.arange(n) / sampling_rate_hz
        out[:, 1:4] = rng.normal(0.0, 0.02, (n, 3))
        out[:, 3] += G
        out[:, 4:7] = rng.normal(0.0, 0.1, (n, 3))
        return out
    return feed


def _resample(data: np.ndarray, sampling_rate_hz: float) -> np.ndarray:
    t = data[:, 0] - data[0, 0]
    tn = np.arange(0.0, t[-1], 1.0 / sampling_rate_hz)
    out = np.empty((len(tn), 7))
    out[:, 0] = tn
    for j in range(1, 7):
        out[:, j] = np.interp(tn, t, data[:, j])
    return out


def csv_feed(path: str | Path = SAMPLE_CSV, max_s: float | None = 120.0):
    """Replay a recording CSV (resampled to the device rate)."""
    def feed(sampling_rate_hz: float) -> np.ndarray:
        import pandas as pd

        df = pd.read_csv(path, comment="#")
        data = df[list(REQUIRED_COLUMNS)].to_numpy(float)
        if max_s is not None:
            data = data[data[:, 0] - data[0, 0] <= max_s]
        return _resample(data, sampling_rate_hz)
    return feed


class SimulatorFeed:
    """Stream ``sensors.simulator.simulate_session`` output (falls back to the sample CSV).

    A class rather than a closure so that it pickles: the emulator can then
    generate it in another process (seconds of CPU) without slowing the
    event loop that paces the stream.
    """

    def __init__(self, seed: int = 0, **kwargs) -> None:
        self.seed = seed
        self.kwargs = kwargs

    def __call__(self, sampling_rate_hz: float) -> np.ndarray:
        try:
            from sensors.simulator import simulate_session
        except ImportError:
            return csv_feed()(sampling_rate_hz)
        rec, _truth = simulate_session(seed=self.seed, **self.kwargs)
        return _resample(rec.data[list(REQUIRED_COLUMNS)].to_numpy(float), sampling_rate_hz)


def simulator_feed(seed: int = 0, **kwargs) -> SimulatorFeed:
    """Stream ``sensors.simulator.simulate_session`` output (falls back to the sample CSV)."""
    return SimulatorFeed(seed, **kwargs)
