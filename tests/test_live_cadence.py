"""When the live window analysis runs: at its pace while something moves, rarely while nothing does.

The window analysis is most of the live view's CPU (``benchmarks/README.md``,
issue 13); more still samples at the window's end change no count, so a
sensor at rest is analysed every ``idle_every_s`` instead of every
``update_every_s``. What must hold: a still sensor is not taken as moving
(or it saves nothing), the smallest rep the detector counts is taken as
moving (or its set would be seen late), and a set that begins after a rest
is still counted.
"""
import numpy as np

from analysis.live import LiveAnalyzer, moved
from sensors.contract import G
from sensors.emulated.feeds import rest_feed

RATE_HZ = 200.0


def still_rows(seconds: float, seed: int = 0) -> np.ndarray:
    """A foot at rest on a noisier part than the simulator's: 0.05 m/s² and 0.3 deg/s
    white noise per sample, and a gyro offset of 2 deg/s."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE_HZ)
    rows = np.empty((n, 7))
    rows[:, 0] = np.arange(n) / RATE_HZ
    rows[:, 1:4] = rng.normal(0.0, 0.05, (n, 3))
    rows[:, 3] += G
    rows[:, 4:7] = rng.normal(0.0, 0.3, (n, 3)) + 2.0
    return rows


def test_a_still_sensor_has_not_moved_and_the_smallest_rep_has():
    rows = still_rows(3.0)
    assert not moved(rows)
    # The smallest rep the detector counts (min_foot_range_deg = 0.6 deg),
    # pressed in over half a second: gravity moves G·sin(0.6°) = 0.10 m/s²
    # onto the forward axis, and the foot turns at 1.2 deg/s on average.
    t = rows[:, 0]
    angle = np.radians(0.6) * np.clip((t - 1.0) / 0.5, 0.0, 1.0)
    pressed = rows.copy()
    pressed[:, 1] += G * np.sin(angle)
    pressed[:, 3] += G * (np.cos(angle) - 1.0)
    pressed[:, 5] += np.degrees(np.gradient(angle, t))
    assert moved(pressed)


def window_runs(live: LiveAnalyzer, rows: np.ndarray, chunk_s: float = 0.25) -> list[float]:
    """Data times at which ``live`` ran its window analysis, fed ``rows`` in ``chunk_s`` packets."""
    ran = []
    update = live._update

    def noted(data):
        ran.append(float(data[-1, 0]))
        update(data)
    live._update = noted
    step = int(chunk_s * RATE_HZ)
    for i in range(0, len(rows), step):
        live.push(rows[i:i + step])
        live.state()
    return ran


def test_a_resting_sensor_is_analysed_every_idle_every_s_and_a_moving_one_at_the_usual_pace():
    live = LiveAnalyzer(placement="foot")
    rest = rest_feed(duration_s=60.0)(RATE_HZ)
    ran = window_runs(live, rest)
    # The first rows are too few to tell (taken as moved): the usual pace
    # for ``settle_s``, then one run every ``idle_every_s`` of data: 9 runs
    # in the minute instead of 30.
    late = np.array([t for t in ran if t > live.settle_s + live.update_every_s])
    assert len(late) <= 60.0 / live.idle_every_s
    assert np.all(np.diff(late) >= live.idle_every_s - 0.25)
    assert len(ran) <= 10
    # The foot moves at 60 s (a 3 deg tilt held): from the next check on,
    # every 2 s again, for ``settle_s`` after the move.
    moving = still_rows(10.0, seed=1)
    moving[:, 0] += rest[-1, 0] + 1.0 / RATE_HZ
    angle = np.radians(3.0) * np.clip((moving[:, 0] - moving[0, 0] - 1.0) / 0.5, 0.0, 1.0)
    moving[:, 1] += G * np.sin(angle)
    moving[:, 3] += G * (np.cos(angle) - 1.0)
    after = window_runs(live, moving)
    start = moving[0, 0]
    assert after and after[0] - start <= live.update_every_s + 1.5  # the move (at +1 s) seen at the next due check
    settle = [t for t in after if t - start <= 1.5 + live.settle_s]
    assert np.all(np.diff(settle) <= live.update_every_s + 0.25)
