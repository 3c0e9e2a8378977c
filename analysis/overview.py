"""What a recording holds before it is analysed: how long it rests and which axis is up then.

``toehold info`` prints this; it is signal processing (resampling, the
still mask, the gravity direction), so it lives here and the command only
formats it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sensors.contract import ACC_COLUMNS, GYR_COLUMNS

from .preprocess import UniformResampler, rest_up_axis, still_mask


def closest_axis(up: np.ndarray) -> tuple[str, float]:
    """The sensor axis closest to ``up`` (``"+z"``, ``"-x"``, ...) and the angle between them (deg).

    Parameters
    ----------
    up : ndarray, shape (3,)
        Unit vector in the sensor frame.
    """
    i = int(np.argmax(np.abs(up)))
    sign = "+" if up[i] > 0 else "-"
    return f"{sign}{'xyz'[i]}", float(np.degrees(np.arccos(min(1.0, abs(up[i])))))


class RecordingOverview:
    """Rest, the axis pointing up at rest, and the motion's ranges.

    Parameters
    ----------
    sampling_rate_hz : float
        Rate of the grid the still periods are found on.

    Attributes
    ----------
    rest_s_ : float
        Time the sensor lay still, in all (s).
    up_ : ndarray, shape (3,), or None
        Unit vector (sensor frame) that pointed up during the longest rest;
        None when the sensor never rested.
    up_axis_ : str or None
        The sensor axis closest to ``up_`` (``"+z"``...).
    up_tilt_deg_ : float or None
        Angle between ``up_`` and that axis (deg).
    max_acc_mps2_, max_gyr_dps_ : float
        Largest acceleration (m/s²) and angular-rate (deg/s) magnitude.
    """

    def __init__(self, sampling_rate_hz: float = 50.0) -> None:
        self.sampling_rate_hz = sampling_rate_hz

    def describe(self, data: pd.DataFrame) -> RecordingOverview:
        """Fill the attributes from a recording's samples (contract columns)."""
        u = UniformResampler(self.sampling_rate_hz).resample(data)
        still = still_mask(u.acc, u.gyr, u.sampling_rate_hz) & u.valid
        self.rest_s_ = float(still.sum() / u.sampling_rate_hz)
        self.up_ = rest_up_axis(u.acc, still)
        self.up_axis_, self.up_tilt_deg_ = closest_axis(self.up_) if self.up_ is not None else (None, None)
        acc = data[list(ACC_COLUMNS)].to_numpy()
        gyr = data[list(GYR_COLUMNS)].to_numpy()
        self.max_acc_mps2_ = float(np.linalg.norm(acc, axis=1).max())
        self.max_gyr_dps_ = float(np.linalg.norm(gyr, axis=1).max())
        return self
