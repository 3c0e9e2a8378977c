"""A run's first circle starts where the toes began turning the circle's way (issue 13).

Hand-built direction of motion: still for 0.5 s, then five full turns at one
turn per second (50 Hz), the first fifth of a turn on the slow side of the
loop (half the run's speed, under the 70 % the steady core needs). The
circling begins at sample 25 by construction; each turn is 50 samples.
"""
import numpy as np

from analysis.circles import CircleDetector

FS = 50.0


def _run(slow_turn: float = 0.2):
    n_still, n_turns = 25, 5
    k = np.arange(n_turns * 50)
    ang = np.angle(np.exp(1j * 2 * np.pi * k / 50))  # the direction turns ccw, one turn per 50 samples
    speed = np.full(len(k), 30.0)
    speed[: int(slow_turn * 50)] = 15.0
    ang = np.r_[np.zeros(n_still), ang]
    speed = np.r_[np.zeros(n_still), speed]
    return CircleDetector()._count(ang, speed, +1, "ccw", 0, FS)


def test_first_circle_starts_where_the_turning_began():
    circles = _run()
    assert len(circles) == 5
    # The first starts at the circling's first sample, not where the toes
    # reached 70 % of the run's speed (sample 35): then every turn sat a
    # fifth of a turn late.
    assert circles[0][0] == 25
    assert [c[0] for c in circles] == [25 + 50 * i for i in range(5)]


def test_the_start_moves_back_no_further_than_the_last_turns_slack():
    # 0.6 of a turn on the slow side: from the steady core 4.4 turns remain,
    # which the slack (0.45) does not round up to 5, so no part of a turn is
    # missing and the start stays where the core begins (the count is kept).
    circles = _run(slow_turn=0.6)
    assert len(circles) == 4
    assert circles[0][0] == 25 + 30
