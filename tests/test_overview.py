"""analysis.overview: rest time and the axis up at rest, from a recording built with known values."""
import numpy as np
import pandas as pd
import pytest

from analysis.overview import RecordingOverview, closest_axis


def _still(seconds: float, up: np.ndarray, rate: float = 100.0) -> pd.DataFrame:
    n = int(seconds * rate)
    rng = np.random.default_rng(0)
    acc = 9.80665 * up + 0.01 * rng.standard_normal((n, 3))
    gyr = 0.05 * rng.standard_normal((n, 3))
    return pd.DataFrame({"t": np.arange(n) / rate, "acc_x": acc[:, 0], "acc_y": acc[:, 1],
                         "acc_z": acc[:, 2], "gyr_x": gyr[:, 0], "gyr_y": gyr[:, 1], "gyr_z": gyr[:, 2]})


def test_closest_axis_and_its_tilt():
    tilt = np.radians(20.0)
    assert closest_axis(np.array([0.0, -np.cos(tilt), np.sin(tilt)])) == ("-y", pytest.approx(20.0))
    assert closest_axis(np.array([0.0, 0.0, 1.0])) == ("+z", pytest.approx(0.0))


def test_a_sensor_lying_still_on_its_tilted_minus_y_axis():
    tilt = np.radians(20.0)
    up = np.array([0.0, -np.cos(tilt), np.sin(tilt)])
    data = _still(30.0, up)
    # 5 s of swinging in the middle (1 Hz, ±200 deg/s): not rest.
    data.loc[1000:1499, "gyr_x"] = 200.0 * np.sin(2 * np.pi * data.t[1000:1500])
    o = RecordingOverview().describe(data)
    assert o.up_axis_ == "-y" and o.up_tilt_deg_ == pytest.approx(20.0, abs=1.0)
    assert np.dot(o.up_, up) > np.cos(np.radians(1.0))
    assert 20.0 <= o.rest_s_ <= 25.0  # 25 s still, less the edges the still mask trims
    assert o.max_gyr_dps_ == pytest.approx(200.0, abs=1.0)
    assert o.max_acc_mps2_ == pytest.approx(9.81, abs=0.1)


def test_a_sensor_that_never_rests_has_no_up_axis():
    data = _still(20.0, np.array([0.0, 0.0, 1.0]))
    data["gyr_z"] = 150.0 * np.sin(2 * np.pi * 1.0 * data["t"])
    o = RecordingOverview().describe(data)
    assert o.up_ is None and o.up_axis_ is None and o.rest_s_ < 2.0
