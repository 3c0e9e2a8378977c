"""Tiptoe walking under the hard sensor (issue 12, branch tiptoehard).

Expected values come from the simulator's truth: the walk's contacts as it
placed them, and the rows a test removes from its recording.
"""
import pytest

from analysis.pipeline import analyze_recording
from sensors.contract import G
from sensors.simulator import simulate_session


def _walk(rate_hz: float, seed: int):
    # 14 strides at 1.6 steps a second (1.25 s a stride), heel 7 cm up:
    # the stance it starts from and 14 landings.
    plan = dict(strides=14, cadence_sps=1.6, cadence_trend=1.0, stride_cv=0.02, heel_rise_cm=7.0,
                step_m=0.5, pauses=[], turns=[])
    return simulate_session(seed=seed, tier="realistic", exercises=["tiptoe_walk"], distractors=False,
                            tiptoe_plan=plan, sampling_rate_hz=rate_hz, packet_loss=0.0)


def _strides(doc: dict) -> list[float]:
    return [s["t_s"] for e in doc["exercises"] if e["exercise"] == "tiptoe_walk" for s in e["strides"]]


@pytest.mark.xfail(strict=True, reason=(
    "0.16.0: the stride detector that counted it (no contact looked for in a gap, the gap's "
    "middle a weak candidate, branch tiptoehard) lengthened an independent generator's tiptoe "
    "duration error (held-out seeds 60000: realistic 1.16 -> 1.40 s, hard 1.22 -> 1.40 s) and "
    "was taken out"))
def test_a_landing_lost_in_a_gap_at_25_hz_is_still_counted():
    rec, truth = _walk(25.0, 4307)
    true = [s["t_s"] for s in truth["exercises"][0]["strides"]]
    assert len(true) == 15
    # The packets from 0.2 s before the 8th landing to 0.3 s after it are
    # lost: its impact is not in the recording.
    lost = true[8]
    t = rec.data["t"].to_numpy()
    rec.data = rec.data[(t < lost - 0.2) | (t > lost + 0.3)].reset_index(drop=True)
    got = _strides(analyze_recording(rec))
    assert len(got) == len(true)
    # Counted in the gap, where the walk's rhythm puts it (the detector of
    # 35ce6a7 counted 14, off by 1.24 s from the 11th landing on).
    assert min(abs(x - lost) for x in got) < 0.15


def test_the_tiptoe_hard_tier_loses_bursts_inside_the_walk():
    # Two bursts pinned (SimConfig.walk_loss_bursts), each 0.1-0.8 s, no
    # other loss: the truth's gaps inside the walk are those two (or one,
    # where they overlap), on the 4 g range it was asked for.
    rec, truth = simulate_session(seed=4310, tier="tiptoe-hard", packet_loss=0.0, walk_loss_bursts=2,
                                  acc_range_g=4.0, sampling_rate_hz=100.0, distractors=False,
                                  lookalikes=None)
    walk = [e for e in truth["exercises"] if e["exercise"] == "tiptoe_walk"][0]
    inside = [g for g in truth["recording"]["gaps"]
              if g["start_s"] >= walk["start_s"] - 0.9 and g["end_s"] <= walk["end_s"] + 0.9]
    assert 1 <= len(inside) <= 2
    assert all(0.08 <= g["end_s"] - g["start_s"] <= 0.82 for g in inside)
    assert len(truth["recording"]["gaps"]) == len(inside)
    acc = rec.data[["acc_x", "acc_y", "acc_z"]].to_numpy()
    assert abs(acc).max() <= 4.0 * G + 0.01
