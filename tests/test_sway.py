"""Quiet-stance sway of known RMS (issue 12).

The shank is an inverted pendulum swaying about the ankle; a sensor r
above the ankle feels gravity tilted by the sway angle plus the sway's
own tangential and centripetal accelerations. The expected RMS is the
hand-made sway's: A / sqrt(2) for a sine of amplitude A.
"""
import numpy as np
import pytest

from analysis.balance import SwayMetrics, shank_sway
from sensors.simulator import SimConfig, _Builder

G = 9.81


def _shank_sensor(theta_deg: np.ndarray, axis: str, r_m: float, sampling_rate_hz: float):
    """Specific force (m/s²) and rate (deg/s), shank frame, of a sensor r_m up a shank tilted by theta."""
    th = np.radians(theta_deg)
    dt = 1.0 / sampling_rate_hz
    w = np.gradient(th, dt)
    al = np.gradient(w, dt)
    # In the plane of the sway, the sensor at r (sin theta, cos theta) from
    # the ankle: its acceleration r·θ̈ across the shank and -r·θ̇² along it,
    # plus gravity's reaction. "across" is what the tilt reads as g·sin(theta).
    along = G * np.cos(th) - r_m * w ** 2
    across = G * np.sin(th) - r_m * al
    acc = np.zeros((len(th), 3))
    gyr = np.zeros((len(th), 3))
    acc[:, 2] = along
    if axis == "ap":
        # Leaning forward (+ about y) tips the sensor's x down: it reads -g sin theta.
        acc[:, 0] = -across
        gyr[:, 1] = np.degrees(w)
    else:
        acc[:, 1] = across
        gyr[:, 0] = np.degrees(w)
    return acc, gyr


@pytest.mark.parametrize("axis", ["ap", "ml"])
def test_sway_of_a_sensor_high_on_the_shank_has_its_true_rms(axis):
    # 0.8° at 0.4 Hz, the sensor 30 cm up the shank (mid-shank): its
    # tangential acceleration r·θ̈ = -r·ω²·θ reads as a further tilt of
    # r·ω²/g = 19 % of the sway, so the accelerometer alone reads it 19 %
    # too large.
    fs, amp, f = 100.0, 0.8, 0.4
    t = np.arange(int(30 * fs)) / fs
    acc, gyr = _shank_sensor(amp * np.sin(2 * np.pi * f * t), axis, 0.30, fs)
    ap, ml = shank_sway(acc, gyr, fs)
    keep = slice(int(fs), -int(fs))
    sw = SwayMetrics().compute(ap[keep], ml[keep], fs)
    got, other = (sw.rms_ap_deg_, sw.rms_ml_deg_) if axis == "ap" else (sw.rms_ml_deg_, sw.rms_ap_deg_)
    assert got == pytest.approx(amp / np.sqrt(2), rel=0.015)
    assert other < 0.01
    # The accelerometer's tilt alone is off by the lever arm.
    tilt = np.degrees(np.arctan2(-acc[:, 0], acc[:, 2]) if axis == "ap" else np.arctan2(acc[:, 1], acc[:, 2]))
    alone = SwayMetrics().compute(tilt[keep], 0 * tilt[keep], fs).rms_ap_deg_
    assert alone / (amp / np.sqrt(2)) - 1 == pytest.approx(0.30 * (2 * np.pi * f) ** 2 / G, abs=0.02)


def test_a_slow_lean_is_kept_where_the_gyro_would_drift():
    # A 0.05 Hz lean of 1° (well below the 0.2 Hz blend) and a gyro bias of
    # 0.3 deg/s left over: the slow part comes from the accelerometer, and
    # the bias only shifts the angle by a constant.
    fs = 50.0
    t = np.arange(int(40 * fs)) / fs
    acc, gyr = _shank_sensor(1.0 * np.sin(2 * np.pi * 0.05 * t), "ap", 0.10, fs)
    gyr[:, 1] += 0.3
    ap, _ = shank_sway(acc, gyr, fs)
    keep = slice(int(5 * fs), -int(5 * fs))
    expected = np.std(np.sin(2 * np.pi * 0.05 * t[keep]))
    assert np.std(ap[keep]) == pytest.approx(expected, rel=0.05)


def test_standing_on_after_a_recorded_stance_is_one_stance_of_the_whole_sway():
    # Two recorded rests in a row are one stretch of standing: one truth,
    # the RMS of both rests' sway together.
    b = _Builder(np.random.default_rng(3), 100.0, SimConfig(placement="ankle"))
    b.rest(12.0, sway_deg=0.4, record_stance=True)
    b.rest(15.0, sway_deg=1.0, record_stance=True)
    (st,) = b.quiet_stances()
    assert (st["start_s"], st["end_s"]) == pytest.approx((0.0, 27.0))
    ap = np.concatenate([b.standing[0][2], b.standing[1][2]])[100:-100]  # less 1 s at each end
    assert st["sway_rms_ap_deg"] == pytest.approx(float(np.sqrt(np.mean((ap - ap.mean()) ** 2))))


def test_the_true_sway_is_the_documented_quantity_without_the_first_and_last_second():
    # The documented sway is measured from 1 s after the stance starts to 1 s
    # before it ends. A stance of 0.5° at 0.3 Hz for 12 s: the truth is the
    # RMS of those 10 s, whatever the first and last second hold.
    b = _Builder(np.random.default_rng(5), 100.0, SimConfig(placement="ankle"))
    b.rest(12.0, sway_deg=0.5, record_stance=True)
    ap = b.standing[0][2]
    ap[:100] += 5.0 * np.hanning(200)[:100]   # a lean settling in the first second
    (st,) = b.quiet_stances()
    inner = ap[100:-100]
    assert st["sway_rms_ap_deg"] == pytest.approx(float(np.std(inner)), rel=1e-9)


def _calm_signals(pitch_deg: np.ndarray, sampling_rate_hz: float, foot: bool = False):
    """What QuietStanceDetector reads of a shank that the calm mask passed throughout."""
    from types import SimpleNamespace
    n = len(pitch_deg)
    gyr = np.zeros((n, 3))
    gyr[:, 1] = np.gradient(pitch_deg) * sampling_rate_hz
    return SimpleNamespace(t=np.arange(n) / sampling_rate_hz, sampling_rate_hz=sampling_rate_hz,
                           grav_smooth=np.tile([0.0, 0.0, 1.0], (n, 1)), calm=np.ones(n, dtype=bool),
                           foot=foot, gyr_seg=gyr)


def test_a_slow_smooth_movement_before_a_stance_is_not_part_of_it():
    # Settling after an exercise: the shank tips 15° forward and back in 3 s
    # (peak 15.7 deg/s, steady enough for the calm mask, which judges the
    # rate's spread), then stands swaying 0.5° at 0.3 Hz for 25 s. The stance
    # is the 25 s: the tip read as sway made its RMS 8x too large (2.9°
    # against 0.35°, over the stance less its first and last second).
    from analysis.families import QuietStanceDetector
    fs = 50.0
    t = np.arange(int(3 * fs)) / fs
    tip = 7.5 * (1 - np.cos(2 * np.pi * t / 3.0))
    ts = np.arange(int(25 * fs)) / fs
    sway = 0.5 * np.sin(2 * np.pi * 0.3 * ts)
    pitch = np.concatenate([np.zeros(int(2 * fs)), tip, sway])
    st = QuietStanceDetector().detect(_calm_signals(pitch, fs), np.zeros(len(pitch), dtype=bool), []).stances_
    assert len(st) == 1
    assert 5.0 <= st.start_s.iloc[0] <= 6.5     # the tip ends at 5 s
    assert st.end_s.iloc[0] == pytest.approx(len(pitch) / fs, abs=0.05)


def test_a_large_slow_sway_is_one_stance():
    # 2° of sway at 0.5 Hz turns the shank at up to 6.3 deg/s: within the
    # 8 deg/s a sway may turn, one stance of 30 s (and a foot sensor's stance is never cut).
    from analysis.families import QuietStanceDetector
    fs = 100.0
    ts = np.arange(int(30 * fs)) / fs
    pitch = 2.0 * np.sin(2 * np.pi * 0.5 * ts)
    for foot in (False, True):
        st = QuietStanceDetector().detect(_calm_signals(pitch, fs, foot), np.zeros(len(ts), dtype=bool), []).stances_
        assert len(st) == 1
        assert (st.start_s.iloc[0], st.end_s.iloc[0]) == pytest.approx((0.0, 29.99), abs=0.02)
