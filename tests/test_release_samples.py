"""toehold analyze drops a recording's samples once they are on the analysis grid
(analysis.pipeline.run_analysis(release_samples=True)): the document must be the
one computed with the samples kept, and the recording left with no rows."""
import json

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d

from analysis.pipeline import analyze_recording
from analysis.preprocess import UniformResampler
from sensors.recording import read_recording
from sensors.simulator import simulate_session


def test_released_samples_give_the_same_document_and_an_empty_recording():
    kept = read_recording("recordings/demo.csv")
    released = read_recording("recordings/demo.csv")
    columns = list(released.data.columns)
    doc_kept = analyze_recording(kept)
    doc_released = analyze_recording(released, release_samples=True)
    assert json.dumps(doc_released, sort_keys=True) == json.dumps(doc_kept, sort_keys=True)
    # The recording's own facts were read before the samples went.
    assert doc_released["recording"]["duration_s"] > 400
    assert len(released.data) == 0 and list(released.data.columns) == columns
    assert len(kept.data) > 40000


def test_a_too_short_recording_is_reported_empty_when_released():
    rec, _ = simulate_session(seed=7001, tier="clean")
    rec.data = rec.data.iloc[:100].copy()  # 1 s at 100 Hz: shorter than any exercise
    doc = analyze_recording(rec, release_samples=True)
    assert doc["exercises"] == []


def test_resampler_averages_and_interpolates_each_column_as_by_hand():
    # 100 Hz with a lost stretch, onto the 50 Hz grid: the grid's values are
    # the 2-sample running mean (edges repeated) interpolated at grid times.
    rng = np.random.default_rng(3)
    t = np.arange(0, 20, 0.01)
    t = np.delete(t, np.arange(500, 520))  # 0.2 s lost: a gap on the grid
    cols = {c: rng.normal(size=len(t)) for c in ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")}
    u = UniformResampler(50.0).resample(pd.DataFrame({"t": t, **cols}))
    for k, c in enumerate(("acc_x", "acc_y", "acc_z")):
        want = np.interp(u.t, t, uniform_filter1d(cols[c], 2, mode="nearest"))
        np.testing.assert_array_equal(u.acc[:, k], want)
    for k, c in enumerate(("gyr_x", "gyr_y", "gyr_z")):
        want = np.interp(u.t, t, uniform_filter1d(cols[c], 2, mode="nearest"))
        np.testing.assert_array_equal(u.gyr[:, k], want)
    assert not u.valid.all() and u.valid[:200].all()
