"""Ankle circles on hand-built toe paths whose answer is known by construction.

Each trace is a toe tip drawn round a circle of known radius, a known number
of times each way, with pauses, gaps and lead-ins placed by hand; the foot's
angular rate is read from its orientations as a gyroscope would. Expected
counts, directions, sizes, times and toe positions come from the
construction, and the direction from the contract (``ccw`` when
``(d × ḋ) · x > 0``, x the foot's long axis; the toe tip at ``(1, y, z)``
turning from +y toward +z is ccw). ``circle_sets`` is fed circle tables
written by hand against its documented rules.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.transform import Rotation

from analysis.circles import CircleDetector, circle_sets, pose_fidgets

FS = 50.0


def gyro_of(y_deg: np.ndarray, z_deg: np.ndarray, fs: float = FS) -> np.ndarray:
    """Foot-frame angular rate (deg/s) of a foot whose toe tip tilts by (y, z) degrees.

    The orientation turns the foot's long axis toward +y by ``y`` (about z)
    and toward +z by ``z`` (about −y); the rate is the relative rotation of
    consecutive orientations in the foot's own frame (central difference).
    """
    rot = Rotation.from_rotvec(np.radians(np.column_stack([np.zeros_like(y_deg), -z_deg, y_deg])))
    q = rot.as_quat()
    rel = Rotation.from_quat(q[:-2]).inv() * Rotation.from_quat(q[2:])
    w = np.degrees(rel.as_rotvec()) * fs / 2
    return np.vstack([w[:1], w, w[-1:]])


def still(seconds: float, fs: float = FS) -> np.ndarray:
    return np.zeros(int(round(seconds * fs)))


def circling(turns: float, period_s: float, radius_deg: float, sign: int,
             pauses: tuple = (), fs: float = FS):
    """Toe tilt (y, z) going ``turns`` times round a circle from neutral and back.

    The radius grows from 0 over the first quarter turn and shrinks over the
    last (moving out from and back to neutral); the toes turn at one turn per
    ``period_s``. At each ``(after_turns, seconds)`` of ``pauses`` the toes
    slow to a stop on the circle (0.3 s ramps), stay still, and go on.
    Returns (y, z, phase) with phase in turns, rising for both signs.
    """
    n_move = int(round(turns * period_s * fs))
    speed = np.full(n_move, 1.0 / period_s)  # turns per second
    ramp = int(0.3 * fs)
    down = 0.5 * (1 + np.cos(np.linspace(0, np.pi, ramp)))
    for after_turns, pause_s in sorted(pauses, reverse=True):  # the last first: indices hold
        k = int(round(after_turns * period_s * fs))
        speed = np.r_[speed[:k - ramp], speed[0] * down, np.zeros(int(round(pause_s * fs))),
                      speed[0] * down[::-1], speed[k + ramp:]]
        # The ramps lose ramp/2 samples' worth of turning each: draw them on.
        speed = np.r_[speed, np.full(ramp, 1.0 / period_s)]
    phase = np.r_[0.0, np.cumsum(speed[:-1])] / fs
    phase *= turns / (phase[-1] + speed[-1] / fs)
    env = np.clip(np.minimum(phase, turns - phase) / 0.25, 0, 1)
    ang = sign * 2 * np.pi * phase
    return radius_deg * env * np.cos(ang), radius_deg * env * np.sin(ang), phase


def trace(*parts) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate (y, z) pieces; a piece of one array is still at neutral."""
    ys, zs = [], []
    for p in parts:
        if isinstance(p, tuple):
            ys.append(p[0])
            zs.append(p[1])
        else:
            ys.append(p)
            zs.append(p)
    return np.concatenate(ys), np.concatenate(zs)


def detect(y, z, fs: float = FS) -> pd.DataFrame:
    return CircleDetector().detect(gyro_of(y, z, fs), fs).circles_


def test_turning_from_y_toward_z_is_ccw_by_the_contracts_formula():
    # The vector formula itself, on the toe tip (1, y, z): d × ḋ · x for a
    # toe going from +y toward +z is positive, so that is ccw.
    y, z, _ = circling(3.0, 1.2, 10.0, +1)
    d = np.column_stack([np.zeros_like(y), y, z])
    assert np.sum(np.cross(d, np.gradient(d, axis=0))[:, 0]) > 0
    assert list(detect(*trace(still(2), (y, z), still(2))).direction) == ["ccw"] * 3


def test_a_set_each_way_is_counted_each_way_in_order():
    ccw = circling(5.0, 1.2, 8.0, +1)[:2]
    cw = circling(4.0, 1.0, 8.0, -1)[:2]
    y, z = trace(still(2), ccw, still(3), cw, still(2))
    c = detect(y, z)
    assert list(c.direction) == ["ccw"] * 5 + ["cw"] * 4
    # Sizes: a round path of radius 8 deg is 16 deg across (the first and
    # last turn of each set are smaller: the toes move out from neutral).
    sizes = c.size_deg.to_numpy()
    np.testing.assert_allclose(np.r_[sizes[1:4], sizes[6:8]], 16.0, rtol=0.02)
    assert np.all(sizes[[0, 4, 5, 8]] < 16.0)
    # The cw set starts after the ccw set ends and the 3 s pause.
    first_cw = int(c.start[5])
    assert first_cw >= (2 + 6.0 + 3) * FS - 0.3 * FS
    assert int(c.stop[4]) <= (2 + 6.0) * FS + 1


def test_circles_are_listed_in_time_order_whichever_way_comes_first():
    cw = circling(3.0, 1.2, 8.0, -1)[:2]
    ccw = circling(3.0, 1.2, 8.0, +1)[:2]
    c = detect(*trace(still(2), cw, still(3), ccw, still(2)))
    assert list(c.direction) == ["cw"] * 3 + ["ccw"] * 3
    assert list(c.index) == list(range(6)) and c.start.is_monotonic_increasing


def test_toe_path_about_a_centre_away_from_neutral():
    # The toes move out to (10, 25) deg (the leg raised and the foot pointed)
    # and circle there, radius 8 deg, 1.2 s a turn: the path is given about
    # that centre.
    period = 1.2
    y, z, _ = circling(6.0, period, 8.0, 1)
    out = 0.5 * (1 - np.cos(np.linspace(0, np.pi, int(FS))))
    cy, cz = np.r_[10 * out, np.full(len(y), 10.0), 10 * out[::-1]], np.r_[25 * out, np.full(len(y), 25.0), 25 * out[::-1]]
    y, z = trace(still(2), (cy + np.r_[np.zeros(int(FS)), y, np.zeros(int(FS))],
                            cz + np.r_[np.zeros(int(FS)), z, np.zeros(int(FS))]), still(2))
    d = CircleDetector().toe_displacement(gyro_of(y, z), FS)
    mid = slice(int((3 + 1.5 * period) * FS), int((3 + 4.5 * period) * FS))
    # Tolerances: the integrated foot-frame rate itself is 0.37 deg (y) and
    # 0.54 deg (z) off the drawn tilt at 25 deg (rotations do not add up
    # like tilts); a centre taken over a window one sample short or long of
    # the turn is 0.55 / 0.93 deg off or more.
    np.testing.assert_allclose(d[mid, 0], y[mid] - 10, atol=0.45)
    np.testing.assert_allclose(d[mid, 1], z[mid] - 25, atol=0.7)


def test_each_circle_spans_one_turn_and_the_next_starts_where_it_ends():
    period = 1.25
    y, z = trace(still(2), circling(6.0, period, 10.0, -1)[:2], still(2))
    c = detect(y, z)
    assert len(c) == 6
    starts, stops = c.start.to_numpy(), c.stop.to_numpy()
    np.testing.assert_array_equal(starts[1:], stops[:-1])
    # Away from the ease in and out, a turn takes one period.
    np.testing.assert_allclose((stops - starts)[1:-1] / FS, period, atol=0.06)
    # The circles lie within the circling (2 s to 2 + 7.5 s): the first
    # starts where the toes begin going round, each ends within 0.15 s of a
    # whole turn of the drawn path (measured: 0.1 s early, the toes' direction
    # of motion leads their position).
    assert starts[0] >= 2 * FS and stops[-1] <= (2 + 6 * period) * FS
    assert starts[0] / FS == pytest.approx(2.0, abs=0.15)
    np.testing.assert_allclose(stops[:-1] / FS, 2 + period * np.arange(1, 6), atol=0.15)


@pytest.mark.parametrize("sign", [1, -1])
def test_joining_the_circle_on_its_slow_side_the_first_circle_starts_where_the_toes_begin(sign):
    # An uneven loop (the toes' angular speed 1 -/+ 0.5 of its mean over
    # each 1.2 s turn), slowest where they join it at 2 s, moving out from
    # neutral over a quarter turn; 5.6 turns drawn, so the last counts on
    # the slack. The first circle starts where the toes begin going round
    # (measured: 2.02 s; 2.24 s if its start is left at the steady part).
    turns, period = 5.6, 1.2
    t = np.arange(int(round(turns * period * FS))) / FS
    ph = t / period - 0.5 / (2 * np.pi) * np.sin(2 * np.pi * t / period)
    env = np.clip(np.minimum(ph, turns - ph) / 0.25, 0, 1)
    y, z = 8.0 * env * np.cos(sign * 2 * np.pi * ph), 8.0 * env * np.sin(sign * 2 * np.pi * ph)
    c = detect(*trace(still(2), (y, z), still(2)))
    assert list(c.direction) == ["ccw" if sign > 0 else "cw"] * 6
    assert c.start.iloc[0] / FS == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize("sign", [1, -1])
def test_moving_out_to_the_circle_in_a_straight_line_is_not_part_of_the_first_circle(sign):
    # The toes move straight out from neutral to the circle's edge (2.0 to
    # 2.3 s, 8 deg), then go round an uneven loop from its slow side, 5.6
    # turns. The first circle starts where they begin going round (2.3 s;
    # measured 2.18 s: the 4 Hz low-pass rounds the corner), not where the
    # straight move began (2.0 s).
    turns, period, radius = 5.6, 1.2, 8.0
    t = np.arange(int(round(turns * period * FS))) / FS
    ph = t / period - 0.5 / (2 * np.pi) * np.sin(2 * np.pi * t / period)
    env = np.clip((turns - ph) / 0.25, 0, 1)
    y, z = radius * env * np.cos(sign * 2 * np.pi * ph), radius * env * np.sin(sign * 2 * np.pi * ph)
    out = radius * 0.5 * (1 - np.cos(np.linspace(0, np.pi, int(0.3 * FS))))
    c = detect(*trace(still(2), (out, np.zeros_like(out)), (y, z), still(2)))
    assert len(c) == 6
    assert 2.15 <= c.start.iloc[0] / FS <= 2.4


@pytest.mark.parametrize("sign, direction", [(1, "ccw"), (-1, "cw")])
def test_toe_path_is_the_drawn_circle_about_its_centre(sign, direction):
    radius, period = 10.0, 1.2
    y, z, phase = circling(6.0, period, radius, sign)
    y, z = trace(still(2), (y, z), still(2))
    gyr = gyro_of(y, z)
    det = CircleDetector()
    d = det.toe_displacement(gyr, FS)
    assert d.shape == (len(y), 2)
    # During steady circling (turns 1 to 5), the path is the drawn one: the
    # circle's centre is neutral.
    mid = slice(int((2 + 1.5 * period) * FS), int((2 + 4.5 * period) * FS))
    np.testing.assert_allclose(d[mid, 0], y[mid], atol=0.6)
    np.testing.assert_allclose(d[mid, 1], z[mid], atol=0.6)
    det.detect(gyr, FS)
    np.testing.assert_allclose(det.radius_[mid], radius, atol=0.6)
    turned = (det.phase_[mid][-1] - det.phase_[mid][0]) / (2 * np.pi)
    assert turned == pytest.approx(sign * 3.0, abs=0.05)
    assert list(det.circles_.direction) == [direction] * 6


def test_toe_path_of_a_slow_circle_is_the_drawn_circle():
    # 3.5 s a turn: the centre is the mean over that long a turn.
    per = 3.5
    y, z = trace(still(2), circling(5.0, per, 10.0, 1)[:2], still(2))
    d = CircleDetector().toe_displacement(gyro_of(y, z), FS)
    mid = slice(int((2 + 1.5 * per) * FS), int((2 + 3.5 * per) * FS))
    np.testing.assert_allclose(d[mid, 0], y[mid], atol=0.3)
    np.testing.assert_allclose(d[mid, 1], z[mid], atol=0.3)


def test_toe_path_is_at_rest_once_the_toes_have_been_still_a_while():
    # Circling, then the toes move 20 deg up in 1 s (lowering the leg) and
    # stay there: from 1.5 s after they stop, the path is at rest at its
    # centre (0), not pulled by the move before (measured: 1.27 deg at 1 s).
    period = 1.2
    y, z, _ = circling(4.0, period, 8.0, 1)
    move = 20 * 0.5 * (1 - np.cos(np.linspace(0, np.pi, int(FS))))
    y, z = trace(still(2), (y, z), still(1), (np.zeros(len(move)), move),
                 (np.zeros(int(4 * FS)), np.full(int(4 * FS), 20.0)))
    d = CircleDetector().toe_displacement(gyro_of(y, z), FS)
    stopped = int((2 + 4 * period + 1 + 1) * FS)
    np.testing.assert_allclose(d[stopped + int(1.5 * FS): stopped + int(3.5 * FS)], 0.0, atol=0.05)


def test_toe_path_centre_follows_a_drifting_leg():
    # The same circle about a centre that drifts 6 deg up over the set (the
    # leg sinking back): the path is given about the moving centre.
    radius, period = 8.0, 1.0
    y, z, _ = circling(8.0, period, radius, 1)
    drift = np.linspace(0.0, 6.0, len(y))
    y, z = trace(still(2), (y, z + drift), (still(2), np.full(int(2 * FS), 6.0)))
    d = CircleDetector().toe_displacement(gyro_of(y, z), FS)
    mid = slice(int((2 + period) * FS), int((2 + 7 * period) * FS))
    centre_z = 2 * FS <= np.arange(len(z))
    zc = np.where(centre_z, np.interp(np.arange(len(z)), 2 * FS + np.arange(len(drift)), drift), 0.0)
    np.testing.assert_allclose(d[mid, 1], (z - zc)[mid], atol=0.8)
    np.testing.assert_allclose(d[mid, 0], y[mid], atol=0.8)


@pytest.mark.parametrize("pause_s", [3.0, 6.0, 9.0])
def test_a_pause_mid_set_within_max_pause_does_not_end_the_set(pause_s):
    # 5 turns with the toes stopping on the circle after 2.5 of them (at
    # 2 + 2.5 * 1.2 = 5 s). The turning rate is a 2 s average, so the still
    # stretch the detector sees is the pause less 3 to 4 s (measured: an 8 s
    # pause is bridged, 8.5 s is not): through a 3 s pause the averaged
    # rate never stops; a 6 s pause stops it for 2-3 s, within max_pause_s
    # (5 s), so the turn it interrupts is counted across it, once; a 9 s
    # pause ends the run (max_pause_s 6 would bridge it): no circle spans it.
    y, z, _ = circling(5.0, 1.2, 9.0, -1, pauses=[(2.5, pause_s)])
    c = detect(*trace(still(2), (y, z), still(2)))
    a, b = 5.0 * FS, (5.0 + pause_s) * FS
    spans = (c.start < a) & (c.stop > b)
    assert set(c.direction) == {"cw"}
    assert (c.stop <= a + 0.3 * FS).sum() == 2  # before the pause: 2 whole turns
    if pause_s < 8.0:
        assert len(c) == 5 and spans.sum() == 1
    else:
        assert spans.sum() == 0 and (c.start >= b - 0.3 * FS).sum() == 3


def test_two_pauses_in_a_set_are_each_bridged():
    # 7 turns, the toes stopping 6 s after 2.5 and after 5 turns: one circle
    # spans each pause and all 7 are counted.
    y, z, _ = circling(7.0, 1.2, 9.0, 1, pauses=[(2.5, 6.0), (5.0, 6.0)])
    c = detect(*trace(still(2), (y, z), still(2)))
    assert list(c.direction) == ["ccw"] * 7
    for a_s in (2 + 2.5 * 1.2, 2 + 5.0 * 1.2 + 6.0):
        assert ((c.start < a_s * FS) & (c.stop > (a_s + 6.0) * FS)).sum() == 1


@pytest.mark.parametrize("gap_s", [0.4, 1.0, 1.2])
def test_a_long_recording_gap_ends_the_run_a_short_one_does_not(gap_s):
    # 5 turns; a gap (interpolated linearly upstream, flagged invalid) half
    # way through the third. Shorter than max_bridged_gap_s (1 s): the turns
    # on both sides add up to 5, one circle across the gap; 1 s, not shorter,
    # or longer: the run ends, no circle spans the gap (max_bridged_gap_s 2
    # would span 1.2 s).
    y, z = trace(still(2), circling(5.0, 1.2, 9.0, 1)[:2], still(2))
    gyr = gyro_of(y, z)
    valid = np.ones(len(y), dtype=bool)
    a = int((2 + 2.5 * 1.2) * FS)
    valid[a:a + int(round(gap_s * FS))] = False
    idx = np.arange(len(y))
    for k in range(3):
        gyr[~valid, k] = np.interp(idx[~valid], idx[valid], gyr[valid, k])
    c = CircleDetector().detect(gyr, FS, valid=valid).circles_
    spans = ((c.start < a) & (c.stop > a + gap_s * FS)).sum()
    assert set(c.direction) == {"ccw"}
    if gap_s < 1.0:
        assert len(c) == 5 and spans == 1
    else:
        assert spans == 0 and ((c.stop <= a) | (c.start >= a + gap_s * FS)).all()


@pytest.mark.parametrize("radius, expected", [(0.5, 0), (1.0, 5), (1.5, 5)])
def test_circles_under_the_minimum_size_are_not_counted(radius, expected):
    # min_size_deg 1.5: a 1 deg-wide path is not a circle, 2 and 3 deg ones are.
    y, z = trace(still(2), circling(5.0, 1.5, radius, 1)[:2], still(2))
    c = detect(y, z)
    assert len(c) == expected
    if expected:
        np.testing.assert_allclose(c.size_deg[1:-1], 2 * radius, rtol=0.02)


def test_slow_small_circles_are_counted():
    # period_range_s: a turn may take up to 4 s; min_speed_dps 0.5: a
    # 1.8 deg-wide circle at 3.8 s a turn moves at 1.5 deg/s, and a 20 deg
    # one at 3.5 s a turn turns at 0.29 turns/s (min_turn_rate 0.5 turns per
    # 4 s is 0.125 turns/s).
    y, z = trace(still(2), circling(4.0, 3.8, 0.9, 1)[:2], still(2))
    assert list(detect(y, z).direction) == ["ccw"] * 4
    y, z = trace(still(2), circling(4.0, 3.5, 10.0, -1)[:2], still(2))
    assert list(detect(y, z).direction) == ["cw"] * 4


def test_circles_at_a_low_sampling_rate_are_counted():
    # At 8 Hz the 4 Hz low-pass is at Nyquist: no filtering (and no error);
    # 2 s turns are 16 samples each.
    fs = 8.0
    y, z = trace(still(2, fs), circling(5.0, 2.0, 10.0, 1, fs=fs)[:2], still(2, fs))
    c = detect(y, z, fs)
    assert list(c.direction) == ["ccw"] * 5


def test_pointing_the_toes_back_and_forth_is_not_circling():
    # Toes up and down (z only), then side to side (y only), 10 deg, 1 s a swing.
    t = np.arange(int(8 * FS)) / FS
    swing = 10.0 * np.sin(2 * np.pi * t / 1.0)
    y, z = trace(still(2), (np.zeros_like(t), swing), still(1), (swing, np.zeros_like(t)), still(2))
    assert detect(y, z).empty


@pytest.mark.parametrize("settle_s, radius", [(3.0, 20.0), (2.5, 18.0)])
def test_a_slow_settling_turn_before_the_circling_is_not_a_circle(settle_s, radius):
    # One big slow loop (the leg settling) straight into five 1 s turns of
    # radius 8 deg: the slow turn took over 1.8 times the run's median turn
    # (2.5 s is under 2.8 times: max_end_turn_ratio 2.8 keeps it), so it is
    # dropped. Its radius keeps its speed near the circling's.
    y1, z1, _ = circling(1.0, settle_s, radius, 1)
    y2, z2, _ = circling(5.0, 1.0, 8.0, 1)
    c = detect(*trace(still(2), (y1, z1), (y2, z2), still(2)))
    assert list(c.direction) == ["ccw"] * 5
    assert c.start.min() >= (2 + 0.75 * settle_s) * FS


@pytest.mark.parametrize("fast_turns, expected", [(5, 5), (3, 3), (2, 3)])
def test_a_slow_last_turn_is_dropped_in_runs_of_four_turns_or_more(fast_turns, expected):
    # Circling, then one big slow loop (2.5 s, radius 18 deg: swinging the
    # leg before lowering it). In a run of four turns or more it took over
    # 1.8 times the median turn and is dropped; in a run of three (two
    # circles and the loop) the rule does not apply and it counts.
    y1, z1, _ = circling(float(fast_turns), 1.0, 8.0, 1)
    y2, z2, _ = circling(1.0, 2.5, 18.0, 1)
    c = detect(*trace(still(2), (y1, z1), (y2, z2), still(2)))
    assert list(c.direction) == ["ccw"] * expected
    slow_loop_starts = (2 + fast_turns + 0.25 * 2.5) * FS
    assert (c.stop > slow_loop_starts).sum() == (1 if fast_turns == 2 else 0)


def test_two_slow_loops_at_the_end_are_both_dropped():
    # Five 1 s turns, then two big 2.5 s loops: each end turn slower than
    # 1.8 times the median is dropped, working inwards from the end.
    y1, z1, _ = circling(5.0, 1.0, 8.0, 1)
    y2, z2, _ = circling(2.0, 2.5, 18.0, 1)
    c = detect(*trace(still(2), (y1, z1), (y2, z2), still(2)))
    assert list(c.direction) == ["ccw"] * 5 and c.stop.max() <= (2 + 5.0 + 0.25 * 2.5) * FS


def test_too_short_or_motionless_input_has_no_circles():
    det = CircleDetector().detect(np.zeros((2, 3)), FS)
    assert det.circles_.empty and list(det.circles_.columns) == ["start", "stop", "direction", "size_deg"]
    assert len(det.phase_) == 2
    det = CircleDetector().detect(np.zeros((500, 3)), FS)
    assert det.circles_.empty


# ---- circle_sets on hand-written circle tables ---------------------------
def table(*runs_) -> pd.DataFrame:
    """Circles from ``(start_s, n, dur_s, direction, size_deg[, gap_s])`` runs at FS.

    Each run's circles follow one another (each starts where the last
    ended, or ``gap_s`` later).
    """
    rows = []
    for r in runs_:
        start_s, n, dur_s, direction, size = r[:5]
        gap = r[5] if len(r) > 5 else 0.0
        t = start_s
        for _ in range(n):
            rows.append((int(round(t * FS)), int(round((t + dur_s) * FS)), direction, size))
            t += dur_s + gap
    return pd.DataFrame(rows, columns=["start", "stop", "direction", "size_deg"])


def test_no_circles_no_sets():
    assert circle_sets(pd.DataFrame(columns=["start", "stop", "direction", "size_deg"]), FS) == []


@pytest.mark.parametrize("pause_s, n_sets", [(7.0, 1), (9.0, 2)])
def test_a_pause_over_gap_s_starts_another_set(pause_s, n_sets):
    # 6 ccw turns of 1.2 s (ending at 7.2 s), a pause, then 6 cw: gap_s is 8 s.
    c = table((0.0, 6, 1.2, "ccw", 15.0), (7.2 + pause_s, 6, 1.2, "cw", 15.0))
    sets = circle_sets(c, FS)
    assert [len(g) for g in sets] == ([12] if n_sets == 1 else [6, 6])
    assert [list(g.direction.unique()) for g in sets] == (
        [["ccw", "cw"]] if n_sets == 1 else [["ccw"], ["cw"]])


def test_fidgeting_before_a_set_does_not_hide_the_set():
    # Two loops each way, then after 10 s (a new set) six turns the same way.
    c = table((0.0, 2, 1.0, "ccw", 12.0), (2.0, 2, 1.0, "cw", 12.0), (14.0, 6, 1.0, "cw", 12.0))
    (g,) = circle_sets(c, FS)
    assert list(g.start) == list(c.start[4:])


def test_sets_are_found_whatever_order_the_circles_come_in():
    c = table((0.0, 5, 1.0, "cw", 12.0))
    sets = circle_sets(c.iloc[::-1], FS)
    assert len(sets) == 1 and list(sets[0].start) == sorted(c.start)


def test_a_sets_circles_keep_their_labels_in_the_callers_table():
    # A lone turn, then a set of 5; the table shuffled and labelled 100-105:
    # the set's rows are the caller's rows, found by their labels.
    c = table((0.0, 1, 1.0, "ccw", 12.0), (3.0, 5, 1.0, "cw", 12.0))
    c.index = [100 + i for i in range(len(c))]
    shuffled = c.iloc[[3, 0, 5, 1, 4, 2]]
    (g,) = circle_sets(shuffled, FS)
    assert list(g.index) == [101, 102, 103, 104, 105]
    pd.testing.assert_frame_equal(g, c.loc[g.index])


def test_fidgeting_a_loop_or_two_each_way_is_not_a_set():
    # Runs of 2 turns, alternating direction: no run reaches min_run (3).
    c = table((0.0, 2, 1.0, "ccw", 12.0), (2.0, 2, 1.0, "cw", 12.0), (4.0, 2, 1.0, "ccw", 12.0))
    assert circle_sets(c, FS) == []
    # Three the same way running is a set (the 2-turn runs beside it alike).
    c3 = table((0.0, 2, 1.0, "ccw", 12.0), (2.0, 3, 1.0, "cw", 12.0))
    assert [len(g) for g in circle_sets(c3, FS)] == [5]


def test_a_lone_turn_apart_from_the_others_is_not_a_circle():
    # 5 turns, then one more 2 s later (more than join_s 0.5 s: not joined).
    c = table((0.0, 5, 1.0, "ccw", 12.0), (7.0, 1, 1.0, "ccw", 12.0))
    (g,) = circle_sets(c, FS)
    assert list(g.start) == list(c.start[:5])
    # 0.3 s later it is joined to the run and kept.
    c = table((0.0, 5, 1.0, "ccw", 12.0), (5.3, 1, 1.0, "ccw", 12.0))
    (g,) = circle_sets(c, FS)
    assert len(g) == 6


def test_turns_a_little_apart_still_make_a_run():
    # Every turn starts 0.3 s after the last ended (within join_s): one run of 4.
    c = table((0.0, 4, 1.0, "cw", 12.0, 0.3))
    (g,) = circle_sets(c, FS)
    assert len(g) == 4
    # 0.7 s apart nothing joins: lone turns, no set.
    assert circle_sets(table((0.0, 4, 1.0, "cw", 12.0, 0.7)), FS) == []


@pytest.mark.parametrize("size, kept", [(12.0 * 1.8, True), (12.0 * 2.5, False), (12.0 / 2.5, False)])
def test_a_run_of_turns_much_bigger_or_smaller_than_the_sets_is_dropped(size, kept):
    # 6 turns of 12 deg, then (joined, the other way) 2 of another size:
    # within max_ratio (2) of the set's size they are circles, beyond it not.
    c = table((0.0, 6, 1.0, "ccw", 12.0), (6.0, 2, 1.0, "cw", size))
    (g,) = circle_sets(c, FS)
    assert len(g) == (8 if kept else 6)
    assert (g.direction == "cw").any() == kept


@pytest.mark.parametrize("dur_s, n, kept", [(1.8, 2, True), (2.5, 2, False),
                                            (3.5, 3, True), (4.5, 3, False), (0.4, 2, False)])
def test_a_run_much_slower_than_the_sets_is_dropped(dur_s, n, kept):
    # 6 turns of 1 s. A run shorter than min_run may differ by max_ratio (2x)
    # in time; one as long as a set needs, by 2 * max_ratio (4x).
    c = table((0.0, 6, 1.0, "ccw", 12.0), (6.0, n, dur_s, "cw", 12.0))
    (g,) = circle_sets(c, FS)
    assert len(g) == (6 + n if kept else 6)


def test_the_sets_typical_turn_is_weighted_by_run_length():
    # Runs of 6 turns at 1 s and 3 at 3.5 s: the median turn is 1 s, so
    # the slow run is within 4x and kept; a 2-turn run at 2.2 s is not (2x).
    c = table((0.0, 6, 1.0, "ccw", 12.0), (6.0, 3, 3.5, "cw", 12.0), (16.5, 2, 2.2, "ccw", 12.0))
    (g,) = circle_sets(c, FS)
    assert len(g) == 9 and list(g.direction[-3:]) == ["cw"] * 3


def test_settings_of_circle_sets_are_honoured():
    c = table((0.0, 3, 1.0, "ccw", 12.0), (4.0, 3, 1.0, "cw", 12.0))
    assert [len(g) for g in circle_sets(c, FS)] == [6]
    assert [len(g) for g in circle_sets(c, FS, gap_s=0.5)] == [3, 3]
    assert circle_sets(c, FS, min_run=4) == []
    assert [len(g) for g in circle_sets(c, FS, join_s=0.0)] == [6]


def test_the_limits_of_circle_sets_are_inclusive_as_documented():
    # "A pause longer than gap_s starts another": exactly 8 s does not.
    c = table((0.0, 6, 1.0, "ccw", 12.0), (6.0 + 8.0, 6, 1.0, "cw", 12.0))
    assert [len(g) for g in circle_sets(c, FS)] == [12]
    # Runs "up to max_ratio" (2x) the set's size, and a short run up to 2x /
    # a run of min_run up to 4x its turn time, are alike.
    c = table((0.0, 6, 1.0, "ccw", 12.0), (6.0, 2, 1.0, "cw", 24.0))
    assert [len(g) for g in circle_sets(c, FS)] == [8]
    c = table((0.0, 6, 1.0, "ccw", 12.0), (6.0, 2, 2.0, "cw", 12.0))
    assert [len(g) for g in circle_sets(c, FS)] == [8]
    c = table((0.0, 6, 1.0, "ccw", 12.0), (6.0, 3, 4.0, "cw", 12.0))
    assert [len(g) for g in circle_sets(c, FS)] == [9]


# --- issue 12, branch circ3: circles unlike the simulator's ----------------

def test_a_direction_circled_far_smaller_than_the_other_is_still_counted():
    # 6 turns one way with the toes going round 12° from neutral, then 6 the
    # other way drawn with the toes alone, 3° round (a quarter the size):
    # one person may circle one way far smaller, and both are circles.
    big = circling(6.0, 1.2, 12.0, +1)[:2]
    small = circling(6.0, 1.2, 3.0, -1)[:2]
    c = detect(*trace(still(2), big, still(2), small, still(2)))
    (g,) = circle_sets(c, FS)
    assert (g.direction == "ccw").sum() == 6
    assert (g.direction == "cw").sum() == 6


def test_a_short_run_with_one_odd_turn_is_not_taken_as_circles():
    # Raising the leg reads as one big turn (30°), settling as one of 8°:
    # a two-turn run whose median (19°) is within 2x of the 10° circles
    # that follow the other way, but whose turns are not alike them.
    c = table((0.0, 1, 2.7, "cw", 30.0), (2.7, 1, 1.1, "cw", 8.0),
              (5.0, 9, 2.3, "ccw", 7.5), (27.0, 6, 2.5, "cw", 10.0))
    (g,) = circle_sets(c, FS)
    assert (g.direction == "ccw").sum() == 9
    assert (g.direction == "cw").sum() == 6
    assert g.start.min() == int(5.0 * FS)


def test_quick_loops_of_settling_before_slow_circles_are_not_counted():
    # The leg's bob after the raise swings the toes round twice (6° out), 0.9 s a
    # loop, just before 6 circles of 2.6 s the same way: those two are not
    # circles (the "circles counted before the bout really starts").
    bob = circling(2.0, 0.9, 6.0, -1)[:2]
    slow = circling(6.0, 2.6, 10.0, -1)[:2]
    c = detect(*trace(still(2), bob, slow, still(2)))
    assert list(c.direction) == ["cw"] * 6
    assert c.start.min() >= (2 + 1.8) * FS - 0.3 * 2.6 * FS


# --- issue 12, branch circ7: the kinds found in whole simulated sessions ----

def _min_jerk_out_and_back(amp_deg: float, seconds: float, angle_deg: float):
    """The toes pointed along one line and back (a there-and-back, no turning)."""
    u = np.linspace(0, 1, int(round(seconds * FS)))
    s = amp_deg * np.sin(np.pi * u) ** 2
    return s * np.cos(np.radians(angle_deg)), s * np.sin(np.radians(angle_deg))


def test_pointing_the_toes_before_circling_is_not_part_of_the_first_circle():
    # A small loop the circles' way as the leg settles (0.6 of a turn, 1°),
    # the toes pointed 25° and back, a second's rest, then 6 slow circles:
    # the stretch between the loop and the circles does not turn, but the
    # toes went 50° in it, so it is no pause of the circling (it was
    # bridged, the loop and the pointing became part of the first turn and
    # that turn was dropped as too slow: 5 counted; simulator hard seed 16).
    loop = circling(0.6, 1.0, 1.0, +1)[:2]
    y, z = trace(still(1.0), loop, _min_jerk_out_and_back(25.0, 1.2, 30.0), still(1.0),
                 circling(6.0, 2.5, 10.0, +1)[:2], still(2.0))
    c = detect(y, z)
    assert list(c.direction) == ["ccw"] * 6
    # The first circle starts with the circling, after the pointing (at 3.8 s).
    assert c.start.iloc[0] >= 3.6 * FS


def test_a_turn_the_direction_of_motion_lost_is_still_counted():
    # 8 turns of a flat loop (semi-axes 8° and 1.5°, 1 s a turn); during
    # the 5th the leg drifts up at 15 deg/s, faster than the toes move up
    # and down on the loop (at most 1.5° · 2π/s = 9.4 deg/s): the toes'
    # direction of motion swings back instead of going round, and that turn
    # and the next read as one turn of twice the path and time. 8 circles.
    n = int(8 * FS)
    ph = 2 * np.pi * np.arange(n) / FS
    drift = np.clip((np.arange(n) / FS - 4.0), 0, 1) * 15.0
    env = np.clip(np.minimum(np.arange(n), n - np.arange(n)) / (0.25 * FS), 0, 1)
    y, z = 8.0 * env * np.cos(ph), 1.5 * env * np.sin(ph) + drift
    y, z = trace(still(1.0), (y, z), (np.zeros(int(2 * FS)), np.full(int(2 * FS), 15.0)))
    c = detect(y, z)
    assert list(c.direction) == ["ccw"] * 8


def test_a_loop_or_two_cut_off_from_their_ways_circling_are_not_circles():
    # Two cw loops as the leg settles, 6 circles ccw, then 6 cw: the two
    # loops are not next to the cw circling (the ccw set is between them);
    # a direction done only in short runs stays counted
    # (test_the_limits_of_circle_sets_are_inclusive_as_documented).
    c = table((0.0, 2, 1.0, "cw", 12.0), (2.5, 6, 1.0, "ccw", 12.0), (9.0, 6, 1.0, "cw", 12.0))
    (g,) = circle_sets(c, FS)
    assert list(g.direction) == ["ccw"] * 6 + ["cw"] * 6
    # The same two loops just before the cw circling continue it.
    c = table((0.0, 6, 1.0, "ccw", 12.0), (6.5, 2, 1.0, "cw", 12.0), (8.7, 6, 1.0, "cw", 12.0))
    (g,) = circle_sets(c, FS)
    assert len(g) == 14


def test_a_single_turn_next_to_a_long_run_the_other_way_is_a_circle():
    # 6 ccw circles, then one cw circle alike them in size and time, right
    # after: the cw way has no run of its own, so its one turn is a circle.
    c = table((0.0, 6, 1.0, "ccw", 12.0), (6.0, 1, 1.0, "cw", 12.0))
    (g,) = circle_sets(c, FS)
    assert list(g.direction) == ["ccw"] * 6 + ["cw"]
    # Not when it is far bigger (a swing of the leg), nor when the cw way
    # is circled in a long run of its own elsewhere (it is then a loop of
    # settling cut off from that circling).
    c = table((0.0, 6, 1.0, "ccw", 12.0), (6.0, 1, 1.0, "cw", 30.0))
    assert list(circle_sets(c, FS)[0].direction) == ["ccw"] * 6
    c = table((0.0, 1, 1.0, "cw", 12.0), (1.0, 6, 1.0, "ccw", 12.0), (7.5, 5, 1.0, "cw", 12.0))
    assert list(circle_sets(c, FS)[0].direction) == ["ccw"] * 6 + ["cw"] * 5



@pytest.mark.parametrize("jump_deg, arc_turns", [(160.0, 0.2), (150.0, 0.15)])
def test_a_move_after_the_last_circle_and_a_stop_is_not_counted(jump_deg, arc_turns):
    # Five 1.5 s turns of radius 8 deg (out from neutral to the circle in a
    # straight line first), a 1.2 s stop on the circle, then the leg lowered
    # along a gentle arc (20 deg in 0.6 s, turning arc_turns of a turn) that
    # leaves jump_deg away from the circle's last direction of motion.
    # Followed across the stop, that change of direction read as turning:
    # 5.4-5.6 turns, 6 circles (simulator clean seed 7018: 10 read as 11).
    r, turns, period = 8.0, 5, 1.5
    n = int(round(turns * period * FS))
    th = 2 * np.pi * turns * np.arange(n + 1) / n
    u = np.linspace(0, 1, int(0.5 * FS), endpoint=False)
    u = u ** 3 * (10 - 15 * u + 6 * u ** 2)
    k = int(0.6 * FS)
    heading = np.radians(90 + jump_deg) + 2 * np.pi * arc_turns * np.arange(k) / k
    ty, tz = r + np.cumsum(20.0 / k * np.cos(heading)), np.cumsum(20.0 / k * np.sin(heading))
    stop = int(1.2 * FS)
    y, z = trace(still(1), (r * u, 0 * u), (r * np.cos(th), r * np.sin(th)),
                 (np.full(stop, r), np.zeros(stop)), (ty, tz), (np.full(int(FS), ty[-1]), np.full(int(FS), tz[-1])))
    c = detect(y, z)
    assert list(c.direction) == ["ccw"] * 5
    assert c.stop.max() <= (1.5 + turns * period + 0.2) * FS


def _posed(c: pd.DataFrame, raise_at_s: float, raise_deg: float) -> np.ndarray:
    """Gravity direction per sample for table ``c``: the foot's pose turned by ``raise_deg`` about y at ``raise_at_s``."""
    n = int(c.stop.max()) + 1
    down = np.tile([0.0, 0.0, 1.0], (n, 1))
    after = np.arange(n) >= raise_at_s * FS
    down[after] = Rotation.from_euler("y", raise_deg, degrees=True).apply([0.0, 0.0, 1.0])
    return down


@pytest.mark.parametrize("raise_deg, sets", [(55.0, [4, 12]), (15.0, [16])])
def test_circles_either_side_of_raising_the_leg_are_not_one_set(raise_deg, sets):
    # Four loops of a fidget with the leg down (0-3.2 s), the leg raised
    # (a pose 55 deg away), then 6 ccw and 6 cw circles from 8.7 s: within
    # gap_s, but the fidget is not part of the circling (simulator realistic
    # seed 32109: 15 ccw read as 19). The circles' own centres move a few
    # degrees between directions (15 deg here): one set.
    c = table((0.0, 4, 0.8, "ccw", 10.0), (8.7, 6, 1.0, "ccw", 12.0), (15.2, 6, 1.0, "cw", 12.0))
    grav = _posed(c, 5.0, raise_deg)
    assert [len(g) for g in circle_sets(c, FS, grav=grav)] == sets
    # Without the pose, as before: one set.
    assert [len(g) for g in circle_sets(c, FS)] == [16]


def test_a_pose_change_between_turns_that_follow_on_one_another_does_not_split_a_set():
    # The same 55 deg change of the mean gravity direction, but between two
    # turns with no gap (a turn split into circles has off-centre parts):
    # the leg cannot be raised in no time.
    c = table((0.0, 6, 1.0, "ccw", 12.0), (6.0, 6, 1.0, "ccw", 12.0))
    grav = _posed(c, 6.0, 55.0)
    assert [len(g) for g in circle_sets(c, FS, grav=grav)] == [12]


@pytest.mark.parametrize("fidget_first", [True, False])
def test_a_few_loops_in_another_pose_beside_a_set_are_a_fidget(fidget_first):
    # 3 cw + 2 ccw loops with the leg down, a 55 deg raise, then 13 ccw and
    # 13 cw circles (simulator realistic seed 32102: 4 cw + 1 ccw 6 s before
    # 26 circles, a false 5-circle bout); the same loops after lowering the
    # leg. The loops are a set of their own (the pose rule), and a fidget.
    if fidget_first:
        c = table((0.0, 3, 0.8, "cw", 10.0), (2.4, 2, 0.8, "ccw", 10.0),
                  (10.0, 13, 1.0, "ccw", 12.0), (23.0, 13, 1.0, "cw", 12.0))
        grav = _posed(c, 6.0, 55.0)
    else:
        c = table((0.0, 13, 1.0, "ccw", 12.0), (13.0, 13, 1.0, "cw", 12.0),
                  (31.0, 3, 0.8, "cw", 10.0), (33.4, 2, 0.8, "ccw", 10.0))
        grav = _posed(c, 28.0, 55.0)
    groups = circle_sets(c, FS, grav=grav)
    assert [len(g) for g in groups] == ([5, 26] if fidget_first else [26, 5])
    assert list(pose_fidgets(groups, FS, grav)) == ([True, False] if fidget_first else [False, True])


def test_sets_done_in_one_pose_and_then_another_are_both_sets():
    # 5 ccw + 5 cw circles seated, the leg raised (55 deg), then 6 ccw + 6 cw:
    # two sets, neither a fidget (each a set's length).
    c = table((0.0, 5, 1.2, "ccw", 12.0), (6.0, 5, 1.2, "cw", 12.0),
              (16.0, 6, 1.0, "ccw", 10.0), (22.0, 6, 1.0, "cw", 10.0))
    grav = _posed(c, 13.0, 55.0)
    groups = circle_sets(c, FS, grav=grav)
    assert [len(g) for g in groups] == [10, 12]
    assert not pose_fidgets(groups, FS, grav).any()
    # Without a pose change, one set, nothing beside it.
    one = circle_sets(c, FS, grav=_posed(c, 13.0, 0.0))
    assert [len(g) for g in one] == [22]
    assert not pose_fidgets(one, FS, _posed(c, 13.0, 0.0)).any()
