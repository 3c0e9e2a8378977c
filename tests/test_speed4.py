"""The hold sets' day-long carry-free pitch and the rep detector's merges with
less work (issue 13, speed4): each against the computation it replaced, to the
bit, and a merge against the rep built."""
import numpy as np
import pandas as pd
import pytest
from test_reps_units import FS, _flat, _mj, _reps_trace

import analysis.reps as reps_module
from analysis.families import CircleSetDetector, HoldSetDetector, TiptoeWalkDetector, _upsample_linear, carry_free_tilt
from analysis.reps import HoldRepDetector, detect_many
from analysis.signals import SignalExtractor
from sensors.simulator import simulate_session


def test_upsampling_every_step_samples_is_np_interp_to_the_bit():
    rng = np.random.default_rng(4)
    for n in [*range(1, 30), 4321, 10_000]:
        for step in (1, 2, 3, 10):
            coarse = np.arange(0, n, step)
            values = rng.normal(size=len(coarse)) * 10.0 ** rng.integers(-3, 4)
            values[rng.random(len(values)) < 0.2] = -0.0  # np.interp keeps a -0.0 at its point
            want = np.interp(np.arange(n), coarse, values)
            assert _upsample_linear(values, step, n).tobytes() == want.tobytes(), (n, step)
            if len(values) > 2:
                values[1] = np.nan
                want = np.interp(np.arange(n), coarse, values)
                assert _upsample_linear(values, step, n).tobytes() == want.tobytes(), (n, step)


def test_a_line_upsampled_by_hand():
    # 0, 10, 4 every 5 samples: a line up, then down, then held past the last point.
    got = _upsample_linear(np.array([0.0, 10.0, 4.0]), 5, 13)
    assert got.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 8.8, 7.6, 6.4, 5.2, 4.0, 4.0, 4.0]


@pytest.fixture(scope="module")
def clean_session():
    rec, truth = simulate_session(seed=1, tier="clean")
    sig = SignalExtractor().extract(rec.data, rec.placement, mounting=rec.metadata.get("mounting")).signals_
    return sig, truth


def test_the_final_hold_set_run_takes_the_pitch_of_the_run_ahead(clean_session):
    # The day-long carry-free pitch is worked out once (the run ahead) and
    # the sets are those of a run without one ahead.
    sig, _ = clean_session
    tiptoe = TiptoeWalkDetector().detect(sig)
    claimed = tiptoe.claimed_ | CircleSetDetector().detect(sig, claimed=tiptoe.claimed_).claimed_
    alone = HoldSetDetector().detect(sig, claimed=claimed)
    ahead = HoldSetDetector().detect(sig)
    assert np.array_equal(ahead.tilt_, carry_free_tilt(sig.tilt_deg, sig.elevation_deg, sig.sampling_rate_hz))
    again = HoldSetDetector().detect(sig, claimed=claimed, ahead=ahead)
    assert again.tilt_ is ahead.tilt_
    pd.testing.assert_frame_equal(again.bouts_, alone.bouts_, check_exact=True)
    pd.testing.assert_frame_equal(again.reps_, alone.reps_, check_exact=True)
    assert again.evidence_ == alone.evidence_


def test_merges_of_two_signals_are_judged_together_and_each_is_its_rep(monkeypatch):
    # Two signals, each with 20 deg reps and a 10 deg hold that sags to 5 deg
    # for 0.5 s (shorter than max_dip_s: one rep, as
    # test_reps_boundaries.py's dip). Both merges are judged in one call
    # after the detector's passes, and each signal gets its 10 deg rep.
    big, _ = _reps_trace([20.0] * 3, [3.0] * 3)
    sag = np.concatenate([_mj(0, 10, 1.0), _flat(10.0, 3.0), _mj(10, 5, 0.5), _flat(5.0, 0.5), _mj(5, 10, 0.5),
                          _flat(10.0, 3.0), _mj(10, 0, 1.0), _flat(0.0, 3.0)])
    x1, x2 = np.concatenate([big, sag, big]), np.concatenate([big, big, sag, big])
    calls = []
    judge = HoldRepDetector._judge

    def counted(self, x, e, speed, sampling_rate_hz, s, t, peak):
        calls.append(len(s))
        return judge(self, x, e, speed, sampling_rate_hz, s, t, peak)

    monkeypatch.setattr(reps_module.HoldRepDetector, "_judge", counted)
    d1, d2 = detect_many([HoldRepDetector(), HoldRepDetector()], [x1, x2], FS)
    np.testing.assert_allclose(d1.reps_.range_deg, [20.0] * 3 + [10.0] + [20.0] * 3, atol=0.05)
    np.testing.assert_allclose(d2.reps_.range_deg, [20.0] * 6 + [10.0] + [20.0] * 3, atol=0.05)
    # Two passes, then the merges together (one call of two), nothing one by one.
    assert calls[2:] == [2]
    monkeypatch.undo()
    for det, x in ((d1, x1), (d2, x2)):
        alone = HoldRepDetector().detect(x, FS)
        pd.testing.assert_frame_equal(det.reps_, alone.reps_, check_exact=True)
