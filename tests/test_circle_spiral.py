"""Spiralled ankle circles: toe paths built by hand, counts known by construction.

A spiral grows out of the circling's centre over the first turn and back in
over the last; the toes first move there from neutral in a straight line
and return the same way. Each full turn of the loop's phase is a circle
(the phase is the loop's angle about its centre, which a spiral grown about
that centre turns exactly once per circle), so a path of ``n`` phase turns
holds ``n`` circles, wherever the centre lies from neutral.

The toe tip's velocity across the foot is ``(ω_z, −ω_y)`` (analysis/circles.py),
so a path ``d(t)`` (deg of tilt) is drawn by the foot-frame rate
``(0, −ḋ_z, ḋ_y)``.
"""
from __future__ import annotations

import numpy as np
import pytest

from analysis.circles import CircleDetector

FS = 100.0


def _min_jerk(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0, 1)
    return u ** 3 * (10 - 15 * u + 6 * u ** 2)


def spiral_rates(n: int, sign: int, centre_deg: tuple[float, float], radius_deg: float = 5.0,
                 turn_s: float | list = 1.0, grow_turns: float = 0.4, move_s: float = 0.5) -> np.ndarray:
    """Foot-frame rates (deg/s) of: still 3 s, a move from neutral to ``centre_deg``, ``n`` turns
    spiralling out of it and back in (``grow_turns`` each), a move back, still 3 s. ``turn_s``:
    the time of each turn (one for all, or one per turn)."""
    centre = np.asarray(centre_deg, dtype=float)
    still = np.zeros((int(3 * FS), 2))
    u = np.arange(int(move_s * FS)) / (move_s * FS)
    out_move = np.outer(_min_jerk(u), centre)
    edges_s = np.r_[0.0, np.cumsum(np.broadcast_to(turn_s, (n,)))]
    t = np.arange(int(round(edges_s[-1] * FS)) + 1) / FS
    turns = np.interp(t, edges_s, np.arange(n + 1))  # phase in turns, 0 .. n
    env = np.minimum(_min_jerk(turns / grow_turns), _min_jerk((n - turns) / grow_turns))
    phase = 2 * np.pi * turns * sign + 0.7
    loop = centre + radius_deg * env[:, None] * np.column_stack([np.cos(phase), 1.3 * np.sin(phase)])
    back = centre - np.outer(_min_jerk(u), centre)
    d = np.concatenate([still, out_move, loop, back, still + 0.0])
    v = np.gradient(d, axis=0) * FS
    g = np.zeros((len(d), 3))
    g[:, 2] = v[:, 0]
    g[:, 1] = -v[:, 1]
    return g


@pytest.mark.parametrize("n, sign, centre", [
    (6, -1, (7.0, 4.0)),   # neutral outside the loop (8.1 deg from a 5-6.5 deg loop's centre)
    (9, 1, (7.0, -4.0)),
    (5, 1, (1.0, 1.0)),    # neutral inside the loop
    (12, -1, (-2.0, 0.5)),
])
def test_spiral_out_of_its_centre_counts_each_phase_turn(n, sign, centre):
    found = CircleDetector().detect(spiral_rates(n, sign, centre), FS).circles_
    direction = "ccw" if sign > 0 else "cw"
    assert (found.direction == direction).sum() == n
    assert (found.direction != direction).sum() == 0


@pytest.mark.parametrize("turn_s", [[1.0, 1.1, 1.7, 2.6], [0.6, 0.6, 0.65, 0.7, 0.8, 1.0, 1.2, 1.9]])
def test_a_set_slowing_down_keeps_its_last_turn(turn_s):
    """The same loop drawn slower turn by turn (a 2.6 s last turn after 1.7 s): each phase turn
    is a circle, however much longer the last is than the set's median turn."""
    found = CircleDetector().detect(spiral_rates(len(turn_s), -1, (3.0, 2.0), radius_deg=6.0, turn_s=turn_s,
                                                 grow_turns=0.15), FS).circles_
    assert list(found.direction) == ["cw"] * len(turn_s)
