"""Tiptoe walks drawn wider still at the shank (``SimConfig.tiptoe_wider``,
tier ``tiptoe-wide``).
Expected values come from the construction (the plan's documented ranges)."""
from __future__ import annotations

import numpy as np

from sensors.simulator import simulate_session, tiptoe_plan


def test_tiptoe_wider_off_gives_the_tiptoe_tier_s_session():
    # The wider draws come from a stream of their own: off, the tier is the
    # tiptoe tier's session at the shank, sample for sample.
    a, _ = simulate_session(seed=11, tier="tiptoe", placement="ankle", distractors=False)
    b, _ = simulate_session(seed=11, tier="tiptoe-wide", tiptoe_wider=False, distractors=False)
    assert a.data.equals(b.data)


def test_walks_drawn_wider_reach_shuffles_and_quick_strides_that_never_rest():
    rng = np.random.default_rng(5)
    plans = [tiptoe_plan(rng, 0.7, 30.0, wider_rng=np.random.default_rng([k, 67])) for k in range(400)]
    step = np.array([p["step_m"] for p in plans])
    cadence = np.array([p["cadence_sps"] for p in plans])
    stance = np.array([p["stance_frac"] for p in plans])
    arc = np.array([p["shank_arc_deg"] for p in plans])
    # Documented ranges, reached at both ends (400 draws).
    assert 0.06 <= step.min() < 0.08 and 0.8 < step.max() <= 0.9
    assert 0.6 <= cadence.min() < 0.7 and 3.3 < cadence.max() <= 3.6
    assert 0.3 <= stance.min() < 0.32 and 0.78 < stance.max() <= 0.8
    assert 4.0 <= arc.min() < 5.0 and arc.max() <= 42.0
    for p in plans:
        n = p["strides"]
        if n > 6:
            # As many strides as fit 30 s at the walk's own cadence.
            assert n == max(7, int(round(30.0 * p["cadence_sps"] / 2)))
        assert all(1 <= q["after"] <= n - 2 for q in p["pauses"])
        assert all(0 <= t["at"] < n for t in p["turns"])
