"""Ankle circles sample by sample: toe velocities written by hand, answers worked out by hand.

The toe tip's velocity across the foot is ``(ω_z, −ω_y)`` (the module's
docstring), so a foot-frame rate of ``(0, −u sin θ, u cos θ)`` moves the toes
at ``u`` deg/s in the direction ``θ`` (rad, from +y toward +z: turning that
way is ``ccw`` by the contract). At 50 Hz a detector with ``max_hz=25`` does
not low-pass (only below Nyquist does it), so every sample's speed and
direction are the ones written here and the expected sample indices follow
from the detector's documented rules:

* a turn is 2π of the direction of motion, followed from moving sample to
  moving sample; the toes move when at least ``moving_frac`` (0.2) of the
  run's median speed; a last turn ``last_turn_slack`` (0.45) short of whole
  counts;
* the counting starts where the toes first move at ``end_frac`` (0.7) of
  the median speed, and the first turn goes back from there over the moving
  samples that turn the circle's way, by no more than the last turn's slack
  fills in;
* a run's turning is shared equally by its circles; a circle's size is its
  path's length over π.

The direction turns ``2π / 48.5`` a sample (48.5 samples, 0.97 s, a turn):
a whole number of turns never falls on a sample, so no expected index sits
on a floating-point tie.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.circles import CircleDetector, _window_mean

FS = 50.0
PER_TURN = 48.5          # samples a turn
STEP = 2 * np.pi / PER_TURN
FAST, SLOW = 40.0, 20.0  # deg/s: circling, and a lead-in at half its speed


def raw() -> CircleDetector:
    """The default detector without its low-pass (25 Hz is Nyquist at 50 Hz)."""
    return CircleDetector(max_hz=FS / 2)


def rates(speed: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Foot-frame rates (deg/s) that move the toes at ``speed`` in ``direction``."""
    g = np.zeros((len(speed), 3))
    g[:, 2] = speed * np.cos(direction)
    g[:, 1] = -speed * np.sin(direction)
    return g


def toes(*parts: tuple[float, int], sign: int = 1, first: float = 0.0):
    """Speed and direction of ``(speed, samples)`` parts, still before and after.

    The direction turns ``sign * STEP`` from each moving sample to the next,
    starting at ``sign * first`` steps (a pause keeps it); 150 still
    samples (3 s) lead and trail. Returns (speed, direction, index of the
    first moving sample).
    """
    speed = np.r_[np.zeros(150), np.concatenate([np.full(k, u) for u, k in parts]), np.zeros(150)]
    moving = speed > 0
    direction = np.where(moving, sign * STEP * (np.cumsum(moving) - 1 + first), 0.0)
    return speed, direction, 150


def circles(speed, direction, det: CircleDetector | None = None, fs: float = FS) -> pd.DataFrame:
    return (det or raw()).detect(rates(speed, direction), fs).circles_


# ---- the first turn's start ------------------------------------------------
@pytest.mark.parametrize("sign, direction", [(1, "ccw"), (-1, "cw")])
def test_a_slow_lead_in_gives_the_first_turn_what_the_last_turn_lacks(sign, direction):
    # 15 samples at half speed turning the circle's way, then 233 at full
    # speed (232 steps: 4.7835 turns counted from the first fast sample, the
    # last turn 0.2165 short: 5 circles). The first turn takes back what the
    # last lacks, 0.2165 * 48.5 = 10.5 steps: 10 whole steps, so the first
    # circle starts 10 samples before the full speed, 5 after the lead-in's
    # first sample.
    speed, ang, first = toes((SLOW, 15), (FAST, 233), sign=sign)
    c = circles(speed, ang)
    assert list(c.direction) == [direction] * 5
    assert c.start.iloc[0] == first + 15 - 10


@pytest.mark.parametrize("sign", [1, -1])
def test_a_short_slow_lead_in_belongs_to_the_first_turn_from_its_first_moving_sample(sign):
    # 8 lead-in samples (8 steps, within the 10.5 the last turn lacks): the
    # first circle starts at the first of them. That one moves at exactly
    # moving_frac (0.2) of the median speed, 8 deg/s: "at least" that share
    # moves. Its direction is 0 (straight along +y), so the toes' speed
    # there is exactly 8.
    speed, ang, first = toes((0.2 * FAST, 1), (SLOW, 7), (FAST, 233), sign=sign)
    assert speed[first] == raw().moving_frac * FAST and ang[first] == 0.0
    c = circles(speed, ang)
    assert len(c) == 5 and c.start.iloc[0] == first


@pytest.mark.parametrize("sign", [1, -1])
def test_the_first_turn_does_not_reach_back_past_a_still_sample(sign):
    # As above, but the lead-in's first direction is one step on from the
    # still samples' 0: the step from the last still sample to it turns the
    # circle's way and would fit in the slack, but a standstill's direction
    # is noise: the first circle starts at the first moving sample.
    speed, ang, first = toes((SLOW, 8), (FAST, 233), sign=sign, first=1.0)
    assert sign * ang[first] == pytest.approx(STEP)
    c = circles(speed, ang)
    assert len(c) == 5 and c.start.iloc[0] == first


@pytest.mark.parametrize("sign", [1, -1])
def test_moving_out_straight_is_not_part_of_the_first_turn(sign):
    # The toes move out straight for 5 samples (no turning), then turn the
    # circle's way at half speed for 8 samples, then circle at full speed:
    # the first circle starts where the turning begins (the last straight
    # sample, from which the first turning step goes).
    speed, ang, first = toes((SLOW, 5), (SLOW, 8), (FAST, 233), sign=sign)
    ang[first:first + 5] = ang[first + 4]  # straight: the direction of the 5th
    c = circles(speed, ang)
    assert len(c) == 5 and c.start.iloc[0] == first + 4


@pytest.mark.parametrize("sign", [1, -1])
def test_the_counting_starts_where_the_direction_turns_at_steady_frac_over_0_2_s(sign):
    # The toes start at full speed going straight (samples 0-9), then turn:
    # 1.5 steps into sample 10, one step a sample after. Over 0.2 s (10
    # samples, i-5 to i+4) the direction turns 0.25 steps a sample at
    # sample 7 (steps 10 and 11) and 0.35 at sample 8 (10 to 12): the
    # counting starts at sample 8, the first over steady_frac (0.3) of the
    # median rate (one step). 251.5 steps are 5.19 turns: 5 circles and
    # no slack to take back, so the first circle starts there.
    steps = np.r_[np.zeros(9), 1.5 * STEP, np.full(250, STEP)]
    speed = np.r_[np.zeros(150), np.full(len(steps) + 1, FAST), np.zeros(150)]
    ang = np.r_[np.zeros(150), sign * np.r_[0.0, np.cumsum(steps)], np.zeros(150)]
    c = circles(speed, ang)
    assert len(c) == 5 and c.start.iloc[0] == 150 + 8


@pytest.mark.parametrize("sign", [1, -1])
def test_at_a_low_sampling_rate_the_turning_is_taken_over_3_samples(sign):
    # At 8 Hz (no low-pass: 4 Hz is Nyquist) 0.2 s is 1.6 samples: the
    # turning is taken over 3 (i-1 to i+1). Straight for samples 0-4, then
    # one step (16.5 samples a turn) into each sample from 5: sample 4 sees
    # one step in three, 1/3 of the median rate, over steady_frac (0.3):
    # the counting starts there. 86 steps are 5.21 turns: 5 circles, no
    # slack to take back.
    fs, step = 8.0, 2 * np.pi / 16.5
    steps = np.r_[np.zeros(4), np.full(86, step)]
    speed = np.r_[np.zeros(24), np.full(len(steps) + 1, FAST), np.zeros(24)]
    ang = np.r_[np.zeros(24), sign * np.r_[0.0, np.cumsum(steps)], np.zeros(24)]
    c = CircleDetector().detect(rates(speed, ang), fs).circles_
    assert len(c) == 5 and c.start.iloc[0] == 24 + 4


@pytest.mark.parametrize("sign", [1, -1])
def test_the_counting_starts_at_exactly_end_frac_of_the_median_speed(sign):
    # The first moving sample goes at exactly end_frac (0.7) of the others'
    # 40 deg/s, 28 deg/s, along +y: "at end_frac" counts. 252 steps (5.2
    # turns, no slack to take back): the first circle starts at it.
    k = 253
    speed = np.r_[np.zeros(150), 0.7 * FAST, np.full(k - 1, FAST), np.zeros(150)]
    ang = np.r_[np.zeros(150), sign * STEP * np.arange(k), np.zeros(150)]
    assert speed[150] == raw().end_frac * FAST and ang[150] == 0.0
    c = circles(speed, ang)
    assert len(c) == 5 and c.start.iloc[0] == 150


# ---- the last turn, the circles' edges and sizes ------------------------------
@pytest.mark.parametrize("steps, n", [(221, 5), (220, 4)])
def test_a_last_turn_counts_when_no_more_than_the_slack_short(steps, n):
    # 221 steps are 4.5567 turns: the fifth is 0.4433 short, within the
    # slack (0.45), and counts; 220 steps are 4.5361 turns, 0.4639 short:
    # it does not. The toes then slow to half speed for 5 samples, still
    # turning: the counting ends where they last move at end_frac (0.7) of
    # the median speed.
    speed, ang, first = toes((FAST, steps + 1), (SLOW, 5))
    c = circles(speed, ang)
    assert len(c) == n and c.start.iloc[0] == first
    if n == 5:
        # The 221 steps shared by 5 circles, 44.2 each: each ends at the
        # first sample on or past its share (ceil(44.2 k)), the last at the
        # toes' last moving sample; circles follow one another.
        assert list(c.stop) == [first + s for s in (45, 89, 133, 177, 221)]
        assert list(c.start[1:]) == list(c.stop[:-1])
    else:
        # 4.5361 turns are more than 4: whole turns, 48.5 samples each.
        assert list(c.stop[:3]) == [first + s for s in (49, 97, 146)]


@pytest.mark.parametrize("sign", [1, -1])
def test_a_last_turn_of_exactly_max_end_turn_ratio_median_turns_is_kept(sign):
    # 4.75 turns, 5 circles of 0.95 turn each: the first 180 steps turn
    # 0.95 / 44.9 turns a step (circles end at ceil(44.9 k): 45, 90, 135,
    # 180, 45 samples each), the last 81 steps the rest, 0.55 times as fast:
    # the last turn takes 81 samples, exactly 1.8 times the median 45.
    # Dropped are end turns that took "longer than" max_end_turn_ratio
    # (1.8) median turns: this one is kept.
    c_turn = 0.95
    fast = c_turn / 44.9
    slow = (5 * c_turn - 180 * fast) / 81
    steps = 2 * np.pi * np.r_[np.full(180, fast), np.full(81, slow)]
    speed = np.r_[np.zeros(150), np.full(len(steps) + 1, FAST), np.zeros(150)]
    ang = np.r_[np.zeros(150), sign * np.r_[0.0, np.cumsum(steps)], np.zeros(150)]
    c = circles(speed, ang)
    assert list(c.stop - c.start) == [45, 45, 45, 45, 81]


def test_sizes_are_path_lengths_over_pi_from_a_recording_that_starts_circling():
    # The recording starts mid-circle (no still samples first) at 40 deg/s:
    # circle k spans samples stop - start, a path of 40 * (stop - start) / 50
    # deg, and its size is that over π.
    speed, ang, _ = toes((FAST, 222))
    speed, ang = speed[150:], ang[150:]
    c = circles(speed, ang)
    assert len(c) == 5 and c.start.iloc[0] == 0
    np.testing.assert_allclose(c.size_deg, FAST * (c.stop - c.start) / FS / np.pi, rtol=1e-12)


@pytest.mark.parametrize("sign", [1, -1])
def test_a_quick_tiny_loop_at_the_end_is_not_a_circle(sign):
    # 242 steps of circling (4.99 turns), then the toes flick round a whole
    # turn in 10 steps at the same speed: 5.99 turns, 6 counted, each 0.9983
    # of a turn. The sixth spans the flick (from 4.9914 turns, one step into
    # it): 9 samples, a path of 7.2 deg, 2.3 deg across, under 0.3 of the
    # median size (12.4 deg): the direction spun while the toes barely went
    # anywhere. Five circles, the last ending one step into the flick.
    steps = np.r_[np.full(242, STEP), np.full(10, 2 * np.pi / 10)]
    speed = np.r_[np.zeros(150), np.full(len(steps) + 1, FAST), np.zeros(150)]
    ang = np.r_[np.zeros(150), sign * np.r_[0.0, np.cumsum(steps)], np.zeros(150)]
    c = circles(speed, ang)
    assert len(c) == 5 and c.stop.iloc[-1] == 150 + 243


def test_quick_turns_at_a_low_sampling_rate_are_counted():
    # 0.4 s a turn (period_range_s allows 0.3 s) at 8 Hz: 3.2 samples a turn,
    # the direction of motion turning 112.5 deg from sample to sample.
    per, fs = 3.2, 8.0
    k = int(10 * per) + 1
    speed = np.r_[np.zeros(24), np.full(k, FAST), np.zeros(24)]
    ang = np.r_[np.zeros(24), 2 * np.pi / per * np.arange(k), np.zeros(24)]
    c = CircleDetector().detect(rates(speed, ang), fs).circles_
    assert list(c.direction) == ["ccw"] * 10


def test_the_toe_path_of_a_tiny_slow_circle_is_about_its_centre():
    # 0.9 deg/s, 50 samples (1 s) a turn: the toe goes round a 50-gon of
    # circumradius R = (0.9 / 50) / (2 sin(π / 50)) = 0.143 deg. The centre
    # is the mean over 2 * round(25) + 1 = 51 samples, one turn and one
    # sample: off by that sample's R / 51, so the toe is R +- R / 51 from it.
    k = 8 * 50 + 1
    speed = np.r_[np.zeros(150), np.full(k, 0.9), np.zeros(150)]
    ang = np.r_[np.zeros(150), 2 * np.pi / 50 * np.arange(k), np.zeros(150)]
    det = raw().detect(rates(speed, ang), FS)
    r = (0.9 / FS) / (2 * np.sin(np.pi / 50))
    np.testing.assert_allclose(det.radius_[150 + 100:150 + k - 100], r, atol=r / 51 + 1e-9)
    assert det.circles_.empty  # 0.29 deg across: under min_size_deg


# ---- pauses ----------------------------------------------------------------------
@pytest.mark.parametrize("still, n", [(348, 5), (349, 4)])
def test_a_pause_of_exactly_max_pause_s_in_the_turning_rate_is_bridged(still, n):
    # 112 moving samples (111 steps, 2.29 turns), a pause, 112 more; the
    # direction goes on from where it stopped. The turning rate is a
    # 100-sample mean (2 s: samples i-50 to i+49, scipy's centring) weighted
    # by the slower of each step's two speeds, so a step from or to a still
    # sample weighs nothing: it is zero from 51 samples after the last
    # weighted step to 50 before the next, the pause's still samples less
    # 98. 348 still samples: 250 samples, exactly max_pause_s (5 s), and the
    # set goes on: 223 steps across the pause, 4.60 turns, 5 circles. 349:
    # 5.02 s, two runs of 2.29 turns, 2 circles each.
    speed, ang, _ = toes((FAST, 112), (0.0, still), (FAST, 112))
    c = circles(speed, ang)
    assert list(c.direction) == ["ccw"] * n


# ---- settings ------------------------------------------------------------------
@pytest.mark.parametrize("samples_per_turn, n", [(75.0, 5), (150.0, 0)])
def test_min_turn_rate_is_turns_per_slowest_turn_time(samples_per_turn, n):
    # min_turn_rate 2: two turns per 4 s (period_range_s's slowest), 0.5
    # turns a second. Circling at 1.5 s a turn (0.67 turns/s) counts; at 3 s
    # a turn (0.33 turns/s) the toes never turn fast enough.
    step = 2 * np.pi / samples_per_turn
    k = int(5.2 * samples_per_turn)
    speed = np.r_[np.zeros(150), np.full(k, FAST), np.zeros(150)]
    ang = np.r_[np.zeros(150), step * np.arange(k), np.zeros(150)]
    det = CircleDetector(max_hz=FS / 2, min_turn_rate=2.0)
    assert len(circles(speed, ang, det)) == n
    assert len(circles(speed, ang)) == 5  # the default (0.125 turns/s) counts both


def test_the_low_pass_applies_below_nyquist():
    # At 10 Hz the 4 Hz Butterworth low-pass applies (4 < 5 Hz) and removes
    # an alternation at 5 Hz (Nyquist) entirely: a Butterworth low-pass has
    # its zeros there. Away from the ends, the filtered rate is ~0.
    g = np.zeros((200, 3))
    g[:, 2] = np.where(np.arange(200) % 2, 10.0, -10.0)
    v = CircleDetector().toe_velocity(g, 10.0)
    assert np.abs(v[40:160]).max() < 0.05
    # At 8 Hz (4 Hz is Nyquist) it does not: the rates pass unchanged.
    np.testing.assert_array_equal(CircleDetector().toe_velocity(g, 8.0)[:, 0], g[:, 2])


def test_whole_number_rates_are_analysed_like_any_other():
    # A device that reports whole deg/s as integers, at 8 Hz (no low-pass):
    # 5 turns of 16 samples (2 s a turn) at 40 deg/s, rounded.
    step = 2 * np.pi / 16
    k = 5 * 16 + 1
    speed = np.r_[np.zeros(24), np.full(k, FAST), np.zeros(24)]
    ang = np.r_[np.zeros(24), step * np.arange(k), np.zeros(24)]
    g = np.round(rates(speed, ang)).astype(np.int64)
    c = CircleDetector().detect(g, 8.0).circles_
    assert list(c.direction) == ["ccw"] * 5


# ---- small inputs and the pieces -------------------------------------------------
def test_three_samples_have_a_toe_path_and_no_circles():
    # 50 deg/s along +y for 3 samples at 50 Hz: the toe is at 1, 2, 3 deg.
    # Nothing turns, so the centre is the mean over the 1 s window used
    # where nothing circles (25 samples each side, the ends repeated):
    # 100/51, 102/51 and 104/51 deg; the toe is 49/51 deg behind it, on it,
    # and 49/51 deg ahead.
    det = CircleDetector().detect(np.tile([0.0, 0.0, 50.0], (3, 1)), FS)
    np.testing.assert_allclose(det.radius_, [49 / 51, 0.0, 49 / 51], atol=1e-12)
    np.testing.assert_allclose(np.cos(det.phase_[[0, 2]]), [-1.0, 1.0])
    assert det.circles_.empty


def test_period_is_the_turn_time_within_the_range_and_1_s_where_nothing_circles():
    # period_range_s (0.3, 4): turns faster than 0.3 s or slower than 4 s
    # are taken as 0.3 and 4 s; below half min_turn_rate (0.25 turns per
    # 4 s) nothing circles and the period is 1 s. π/8 rad/s is exactly that.
    t = np.array([0.2, 0.3, 1.5, 4.0, 6.0, 15.0, 17.0])
    rate = 2 * np.pi / t
    expected = [0.3, 0.3, 1.5, 4.0, 4.0, 4.0, 1.0]
    det = CircleDetector()
    np.testing.assert_allclose(det._period(rate), expected, rtol=1e-12)
    np.testing.assert_allclose(det._period(-rate), expected, rtol=1e-12)
    np.testing.assert_allclose(det._period(np.array([0.0, np.pi / 8])), [1.0, 4.0], rtol=1e-12)


def test_window_mean_repeats_the_end_values():
    x = np.array([[0.0, 1.0], [0.0, 1.0], [3.0, 1.0], [0.0, 1.0], [6.0, 1.0]])
    # Over 5 samples, the ends repeated: (0 0 | 0 0 3 0 6 | 6 6).
    np.testing.assert_allclose(_window_mean(x, np.full(5, 2.0)),
                               np.column_stack([[0.6, 0.6, 1.8, 3.0, 4.2], np.ones(5)]))
    # Each sample its own half width: 0, 1, 2, 1, 0.
    np.testing.assert_allclose(_window_mean(x, np.array([0.0, 1, 2, 1, 0]))[:, 0], [0.0, 1.0, 1.8, 3.0, 6.0])
