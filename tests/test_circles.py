"""Ankle circles: counts and direction over a range wider than people circle.

The cases come from the simulator's circle generator (``circle_plan``),
run through the segment kinematics and a sensor's rate, noise and loss,
then the analysis grid; the expected counts are the generator's truth.
"""
import numpy as np
import pandas as pd
import pytest

from analysis.circles import CircleDetector
from analysis.preprocess import UniformResampler
from sensors.simulator import SimConfig, _Builder, _concat, _loss_mask, segment_kinematics

FS = 50.0


def circle_stretch(seed, rate_hz=100.0, loss=0.0, noise_dps=0.15, bias_dps=0.2, side="left", **pins):
    """Analysis-grid foot-frame rate (deg/s), valid mask and true circles of one set."""
    rng = np.random.default_rng(seed)
    cfg = SimConfig(side=side, circle_plan=pins or None, sloppiness=0.5)
    fs_int = max(400.0, 4 * rate_hz)
    b = _Builder(rng, fs_int, cfg)
    b.posture = "lie"
    b.rest(2.0)
    b.circles(9.0)
    b.rest(2.0)
    _, gyr, acc = segment_kinematics(_concat(b.tracks), fs_int, "foot", 1.0 if side == "left" else -1.0)
    t_int = np.arange(len(gyr)) / fs_int
    t = np.arange(0, t_int[-1], 1 / rate_hz)
    cols = {f"{k}_{a}": np.interp(t, t_int, src[:, i]) for k, src in (("acc", acc), ("gyr", gyr))
            for i, a in enumerate("xyz")}
    df = pd.DataFrame({"t": t, **cols})
    for i, a in enumerate("xyz"):
        df[f"gyr_{a}"] += noise_dps * rng.standard_normal(len(t)) + bias_dps * rng.standard_normal()
    keep = _loss_mask(rng, len(t), loss, 6.0)
    u = UniformResampler(FS).resample(df[keep].reset_index(drop=True))
    truth = b.exercises[-1]["circles"]
    return u.gyr, u.valid, truth


def counts(circles):
    return {d: sum(c["direction"] == d for c in circles) for d in ("cw", "ccw")}


def detected(seed, **kw):
    gyr, valid, truth = circle_stretch(seed, **kw)
    det = CircleDetector().detect(gyr, FS, valid=valid)
    return counts(truth), set_counts(det), det, truth


def set_counts(det):
    """What the session keeps of the detector's circles (its sets)."""
    from analysis.circles import circle_sets
    sets = [g for g in circle_sets(det.circles_, FS) if len(g) >= 5]
    return counts(pd.concat(sets).to_dict("records")) if sets else {"cw": 0, "ccw": 0}
