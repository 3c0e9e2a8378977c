"""The simulator's sensor faults (issue 12, branch ``reps7``): the bias
stepping during a session and readings stuck at the full scale. Expected
values come from the construction."""
from __future__ import annotations

import numpy as np

from sensors.contract import G
from sensors.simulator import simulate_session

KW = dict(distractors=False, exercises=["tiptoe_walk", "toe_press"], packet_loss=0.0, sampling_rate_hz=50.0)
OFF = dict(bias_steps=0, acc_range_g=0.0, gyr_range_dps=0.0)
ACC = ["acc_x", "acc_y", "acc_z"]
GYR = ["gyr_x", "gyr_y", "gyr_z"]


def test_without_faults_the_session_is_the_same_and_the_faults_draw_nothing_else():
    # Off, the session is what the config without the fields gives; on,
    # only the readings change (same times, same truth).
    a, ta = simulate_session(seed=5, tier="hard", **KW, **OFF)
    b, tb = simulate_session(seed=5, tier="hard", **KW, bias_steps=2, acc_range_g=0.0, gyr_range_dps=0.0)
    assert a.data.t.equals(b.data.t)
    assert ta["exercises"] == tb["exercises"]
    assert not np.array_equal(a.data[ACC].to_numpy(), b.data[ACC].to_numpy())


def test_readings_stick_at_the_full_scale():
    # A full scale below the session's peaks (its tiptoe walk's heel
    # strikes and swings): no reading lies beyond it, some sit on it, and
    # the readings below it are untouched.
    a, _ = simulate_session(seed=5, tier="hard", **KW, **OFF)
    acc0, gyr0 = a.data[ACC].to_numpy(), a.data[GYR].to_numpy()
    acc_g, gyr_dps = 0.8 * np.abs(acc0).max() / G, 0.8 * np.abs(gyr0).max()
    b, _ = simulate_session(seed=5, tier="hard", **KW, **{**OFF, "acc_range_g": acc_g, "gyr_range_dps": gyr_dps})
    acc, gyr = b.data[ACC].to_numpy(), b.data[GYR].to_numpy()
    lsb_a, lsb_g = 16 * G / 32768, 2000 / 32768   # the quantisation after the clip
    assert np.abs(acc).max() <= acc_g * G + lsb_a and np.abs(gyr).max() <= gyr_dps + lsb_g
    assert (np.abs(acc) >= acc_g * G - lsb_a).sum() > 0 and (np.abs(gyr) >= gyr_dps - lsb_g).sum() > 0
    for x0, x, scale in ((acc0, acc, acc_g * G), (gyr0, gyr, gyr_dps)):
        inside = np.abs(x0) < 0.9 * scale
        assert np.array_equal(x0[inside], x[inside])


def test_a_bias_step_stays_from_where_it_happens():
    # One step: the difference to the session without it is zero before a
    # moment and one constant vector after it (acc and gyr alike).
    a, _ = simulate_session(seed=6, tier="hard", **KW, **OFF)
    b, _ = simulate_session(seed=6, tier="hard", **KW, **{**OFF, "bias_steps": 1})
    for cols, lsb in ((ACC, 16 * G / 32768), (GYR, 2000 / 32768)):
        d = b.data[cols].to_numpy() - a.data[cols].to_numpy()
        moved = np.flatnonzero(np.abs(d).max(axis=1) > 1.5 * lsb)
        assert len(moved) > 0
        k = moved[0]
        assert np.abs(d[:k]).max() <= lsb + 1e-9
        # After it: the same step everywhere, to within the quantisation.
        assert np.abs(d[k:] - np.median(d[k:], axis=0)).max() <= 1.5 * lsb
