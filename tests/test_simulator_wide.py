"""The simulator's widest conditions (issue 12, tier ``hard-wide``): jittering
timestamps, single long gaps, the strap slipping mid-set, part turns at the
ends of a run of circles. Expected values come from the construction."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from sensors.simulator import simulate_circle_set, simulate_session

NONE = dict(circle_partial=0.0, timestamp_jitter_s=0.0, long_gaps=0, strap_slip_deg=0.0)
KW = dict(distractors=False, exercises=["tiptoe_walk", "toe_press"], packet_loss=0.0)


def test_the_wide_conditions_off_give_the_hard_tier_s_session():
    a, _ = simulate_session(seed=3, tier="hard", **KW)
    b, _ = simulate_session(seed=3, tier="hard-wide", **KW, **NONE)
    assert a.data.equals(b.data)


def test_jittered_stamps_stay_in_order_within_0_4_of_a_period():
    rate = 50.0
    a, _ = simulate_session(seed=3, tier="hard-wide", **KW, **{**NONE, "timestamp_jitter_s": 0.05},
                            sampling_rate_hz=rate)
    b, _ = simulate_session(seed=3, tier="hard", **KW, sampling_rate_hz=rate)
    t, t0 = a.data.t.to_numpy(), b.data.t.to_numpy()
    assert np.all(np.diff(t) > 0)
    off = np.abs(t - t0)
    # Capped at 0.4 / 50 Hz = 8 ms (the stamps rounded to 0.1 ms), and used.
    assert off.max() <= 0.008 + 1e-4 and off.mean() > 0.002
    # The samples themselves are the same.
    assert np.array_equal(a.data.drop(columns="t").to_numpy(), b.data.drop(columns="t").to_numpy())


def test_long_gaps_are_half_a_second_to_three_seconds_and_one_lies_in_an_exercise():
    rec, truth = simulate_session(seed=4, tier="hard-wide", **KW, **{**NONE, "long_gaps": 2})
    gaps = [(g["start_s"], g["end_s"]) for g in truth["recording"]["gaps"]]
    # Gaps the loss mask made: 0.5-3 s (plus a period either side: a gap
    # runs from the last kept sample to the next).
    period = 1 / truth["recording"]["sample_rate_hz"]
    long = [(a, b) for a, b in gaps if b - a > 0.5]
    assert 1 <= len(long) <= 2 and all(b - a <= 3.0 + 2 * period for a, b in long)
    spans = [(e["start_s"], e["end_s"]) for e in truth["exercises"]]
    assert any(s <= a and b <= e + 3 for a, b in long for s, e in spans)


def test_a_slipping_strap_turns_what_the_sensor_measures_by_the_slip():
    # Same seed with and without the slip: after it, gravity (the mean of
    # the accelerometer over the last 2 s, standing still) is seen turned by
    # -deg about the slip's axis; before it, unchanged.
    kw = dict(KW, placement="foot", sampling_rate_hz=100.0)
    a, ta = simulate_session(seed=5, tier="hard-wide", **kw, **{**NONE, "strap_slip_deg": (15.0, 15.0)})
    b, _ = simulate_session(seed=5, tier="hard-wide", **kw, **NONE)
    slip = ta["strap_slip"]
    assert slip["deg"] == 15.0
    toe = [e for e in ta["exercises"] if e["exercise"] == "toe_press"][0]
    assert toe["start_s"] < slip["start_s"] < slip["end_s"] < toe["end_s"]
    t = a.data.t.to_numpy()
    acc_a = a.data[["acc_x", "acc_y", "acc_z"]].to_numpy()
    acc_b = b.data[["acc_x", "acc_y", "acc_z"]].to_numpy()
    end = t > t[-1] - 2.0
    g_b = acc_b[end].mean(axis=0)
    expect = Rotation.from_rotvec(-np.radians(15.0) * np.array(slip["axis"])).apply(g_b)
    got = acc_a[end].mean(axis=0)
    cos = got @ expect / np.linalg.norm(got) / np.linalg.norm(expect)
    assert np.degrees(np.arccos(min(cos, 1.0))) < 1.0
    early = t < slip["start_s"] - 1.0
    np.testing.assert_allclose(acc_a[early], acc_b[early], atol=1e-9)


@pytest.mark.parametrize("seed", [1, 2])
def test_part_turns_at_the_ends_of_a_run_are_not_circles(seed):
    # Five full turns each way, plus 0.7 of a turn before and 0.25 after
    # each run: still five circles each way, and the first full circle
    # starts later by the part turn before it (0.7 of a turn's time; the
    # move out to the circle is drawn anew, 0.25-0.8 s, so half of that is
    # asked).
    _, plain = simulate_circle_set(seed, n=5)
    _, part = simulate_circle_set(seed, n=5, partial_in=0.7, partial_out=0.25)
    for d in ("cw", "ccw"):
        assert sum(c["direction"] == d for c in part) == 5
    assert [c["direction"] for c in part] == [c["direction"] for c in plain]
    turn = plain[0]["end_s"] - plain[0]["start_s"]
    assert part[0]["start_s"] - plain[0]["start_s"] > 0.5 * 0.7 * turn



@pytest.mark.parametrize("lag_s", [-0.8, 0.8])
def test_a_shank_sensors_knee_bend_leads_or_follows_the_toes(lag_s):
    """SimConfig.hold_wide: the knee bends up to 0.8 s before or after the
    toes press. A rep starts when the first of the two moves: the shank (the
    sensor) turns at once when the knee leads, 0.8 s later when it follows."""
    rec, truth = simulate_session(seed=11, tier="ankle", distractors=False, exercises=["toe_press"],
                                  packet_loss=0.0, acc_noise_mps2=0.01, gyr_noise_dps=0.05,
                                  hold_plan=dict(reps=3, knee_deg=15.0, knee_lag_s=lag_s, tempo=1.0,
                                                 amp_deg=4.0, hold_s=4.0, rest_s=4.0))
    d = rec.data
    t = d["t"].to_numpy()
    rate = np.linalg.norm(d[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(), axis=1)
    rate -= np.median(rate)  # the gyro's bias, roughly
    for rep in truth["exercises"][0]["reps"]:
        near = (t >= rep["start_s"]) & (t < rep["start_s"] + 3.0)
        # The bend (a depth of its own each rep) turns the shank at 7-30
        # deg/s at its peak; standing sway and the toes' press, 1-2 deg/s.
        # A minimum-jerk move passes 30 % of its peak speed 0.2 of its
        # duration (~1 s) after it starts.
        onset = t[near][np.argmax(rate[near] > 0.3 * rate[near].max())] - rep["start_s"]
        if lag_s < 0:
            assert onset < 0.6
        else:
            assert 0.8 < onset < 1.5


def test_circles_can_be_pinned_per_direction():
    # One direction's circles a quarter the size of the other's: the truth's
    # sizes (each turn's path length over pi, measured on the drawn path)
    # follow the pins in the order the directions are done.
    _, truth = simulate_circle_set(7, n=6, ellipticity=1.0, per_direction=[{"size_deg": 24.0}, {"size_deg": 6.0}])
    first = truth[0]["direction"]
    big = [c["size_deg"] for c in truth if c["direction"] == first]
    small = [c["size_deg"] for c in truth if c["direction"] != first]
    assert len(big) == len(small) == 6
    assert np.median(big) == pytest.approx(24.0, rel=0.15)
    assert np.median(small) == pytest.approx(6.0, rel=0.15)


def test_circles_drawn_wide_stay_in_their_ranges_and_pins_hold():
    # circle_wide redraws a plan from first principles (issue 12, branch
    # circ7): 5-40 deg paths, 0.2-1.5 circles a second, up to 4:1, 0-3
    # pauses of 0.5-3 s; the caller's pins stay.
    from sensors.simulator import circle_plan, circle_wide

    rng = np.random.default_rng(5)
    periods, sizes, pauses, orders = [], [], [], set()
    for _ in range(300):
        plan = circle_wide(circle_plan(rng), rng)
        orders.add(plan["order"][0])
        for p in plan["directions"]:
            periods.append(p["period_s"])
            sizes.append(p["size_deg"])
            pauses += [pa["seconds"] for pa in p["pauses"]]
            assert 1 <= p["ellipticity"] <= 4 and len(p["pauses"]) <= 3
    assert 1 / 1.5 <= min(periods) and max(periods) <= 5.0 and max(periods) > 4.0 and min(periods) < 0.8
    assert 5 <= min(sizes) and max(sizes) <= 40
    assert 0.5 <= min(pauses) and max(pauses) <= 3.0 and max(pauses) > 2.5
    assert orders == {"cw", "ccw"}
    plan = circle_wide(circle_plan(rng, size_deg=3.0), rng, pinned={"size_deg"})
    assert [p["size_deg"] for p in plan["directions"]] == [3.0, 3.0]


def test_the_circles_tier_seats_some_sets_and_lists_whole_turns_only():
    seated, lying = 0, 0
    for seed in range(6):
        _, truth = simulate_session(seed=seed, tier="circles", exercises=["ankle_circles"], distractors=False)
        kinds = [d["kind"] for d in truth["distractors"]]
        seated += "stand_to_chair" in kinds
        lying += "stand_to_lie" in kinds
        (bout,) = [b for b in truth["exercises"] if b["exercise"] == "ankle_circles"]
        # Part turns are drawn at each end (circle_partial 0.8): the truth
        # lists the whole turns, each a full turn long and following the last.
        c = bout["circles"]
        assert all(a["end_s"] == pytest.approx(b["start_s"]) for a, b in zip(c, c[1:]) if a["direction"] == b["direction"])
    assert seated and lying


def test_pencils_drawn_widest_go_every_way_in_their_ranges_and_pins_hold():
    # SimConfig.pencil_widest (issue 12): the foot carried forward, aside or
    # both as it lifts the pencil, 2-20 cm up, held 1-10 s.
    from sensors.simulator import LIFT_DIRECTIONS, pencil_plan, pencil_widest
    plans = [pencil_widest(pencil_plan(np.random.default_rng(k), grip="lift"), np.random.default_rng([k, 71]))
             for k in range(80)]
    assert {p["lift_dir"] for p in plans} == set(LIFT_DIRECTIONS)
    for p in plans:
        assert 0.02 <= p["lift_m"] <= 0.20 and 1.0 <= p["hold_s"] <= 10.0 and 0.3 <= p["tempo"] <= 3.0
        reach = np.hypot(*p["reach_m"])
        if p["lift_dir"] == "up":
            assert reach == 0.0
        else:
            assert 0.5 * p["lift_m"] - 1e-9 <= reach <= 3.0 * p["lift_m"] + 1e-9
        assert (p["reach_m"][1] == 0.0) == (p["lift_dir"] in ("up", "forward"))
        assert (p["reach_m"][0] == 0.0) == (p["lift_dir"] in ("up", "sideways"))
    pinned = pencil_widest(pencil_plan(np.random.default_rng(1), grip="lift", lift_m=0.05),
                           np.random.default_rng(2), pins={"lift_m": 0.05, "reach_m": [0.1, 0.0]})
    assert pinned["lift_m"] == 0.05 and pinned["reach_m"] == [0.1, 0.0]
    curled = pencil_widest(pencil_plan(np.random.default_rng(1), grip="curl"), np.random.default_rng(2))
    assert curled["lift_m"] == 0.0 and curled["reach_m"] == [0.0, 0.0]


def test_a_pencil_lifted_forward_moves_the_sensor_forward_by_the_reach():
    # Level foot, sensor axes aligned (x forward): the sensor's forward
    # acceleration, integrated twice from rest before the first lift to the
    # middle of its hold, is the reach more than the same session's without it.
    plan = dict(posture="chair", grip="lift", lift_m=0.05, tip_deg=0.0, shank_deg=0.0, roll_deg=0.0,
                turn_deg=0.0, move_m=[0.0, 0.0], reps=1, sets=1, drops=0, hold_s=6.0, other_first=False,
                tempo=1.0, lift_dir="forward")
    cfg = dict(exercises=("pencil_pickup",), mounting="aligned", declare_mounting=True, sampling_rate_hz=200.0,
               packet_loss=0.0, sloppiness=0.0, acc_noise_mps2=0.0, gyr_noise_dps=0.0, acc_bias_mps2=0.0,
               gyr_bias_dps=0.0, scale_error=0.0, distractors=False, pencil_widest=True)
    went = []
    for reach in (0.0, 0.12):
        rec, truth = simulate_session(seed=5, pencil_plan=dict(plan, reach_m=[reach, 0.0]), **cfg)
        rep = truth["exercises"][0]["reps"][0]
        t = rec.data["t"].to_numpy()
        a, b = np.searchsorted(t, [rep["start_s"] - 0.5, rep["start_s"] + 0.5 * (rep["end_s"] - rep["start_s"])])
        ax = rec.data["acc_x"].to_numpy()[a:b]
        went.append(np.sum(np.cumsum(ax - ax[0]) / 200.0) / 200.0)
    assert went[1] - went[0] == pytest.approx(0.12, abs=0.01)


def test_pencils_drawn_as_people_do_them_cover_the_exercise_text_and_pins_hold():
    # SimConfig.pencil_people (issue 12): lifted 1-15 cm, curled flat or
    # the heel raised; 3-15 reps held 1-10 s; carried every way or not;
    # dropped or placed; missed and tried again.
    from sensors.simulator import PENCIL_CARRIES, PENCIL_GRIPS, pencil_people, pencil_plan
    plans = [pencil_people(pencil_plan(np.random.default_rng(k)), np.random.default_rng([k, 81]), side_sign=1.0)
             for k in range(200)]
    assert {p["grip"] for p in plans} == set(PENCIL_GRIPS)
    assert {p["release"] for p in plans} == {"drop", "place", "either"}
    assert {p["retries"] for p in plans} == {0, 1, 2, 3}
    for p in plans:
        # Held 1-10 s, or 8-20 s as the text asks (branch pencil3).
        assert 3 <= p["reps"] <= 15 and 1.0 <= p["hold_s"] <= 20.0 and 0.3 <= p["tempo"] <= 3.0
        if p["alternate"]:
            # The other foot's rep between two of this one's: its hold and its moves.
            assert min(0.8 * p["hold_s"] + 2.0, 28.0) <= p["rest_s"] <= 28.0
        if p["grip"] == "lift":
            assert 0.01 <= p["lift_m"] <= 0.15
        elif p["grip"] == "heel":
            # Only the heel rises: toes down 6-25°, the ankle up 0.16 m·sin.
            assert 6.0 <= p["tip_deg"] <= 25.0
            assert p["lift_m"] == pytest.approx(0.16 * np.sin(np.radians(p["tip_deg"])))
            assert p["move_m"] == [0.0, 0.0] and p["reach_m"] == [0.0, 0.0]
        else:
            assert p["lift_m"] == 0.0 and abs(p["tip_deg"]) <= 3.0 and p["move_m"] == [0.0, 0.0]
    assert sum(p["hold_s"] >= 10.0 for p in plans) >= 40 and sum(p["alternate"] for p in plans) >= 40
    assert sum(p["hold_wobble_deg"] >= 2.0 for p in plans) >= 20
    lifted = [p for p in plans if p["grip"] == "lift"]
    assert {p["carry"] for p in lifted} == set(PENCIL_CARRIES)
    # A left foot's outside is to its left: across goes right, toward the other foot.
    assert all(p["move_m"][1] > 0 for p in lifted if p["carry"] == "sideways")
    assert all(p["move_m"][1] < 0 for p in lifted if p["carry"] == "across")
    pinned = pencil_people(pencil_plan(np.random.default_rng(1), grip="heel"), np.random.default_rng(2),
                           pins={"grip": "heel", "reps": 12})
    assert pinned["grip"] == "heel" and pinned["reps"] == 12


def test_uneven_pencil_rests_and_drops_show_in_the_truth():
    # 12 reps whose rests spread 0.7 in log: the truth's rests (the next
    # rep's start less this one's end) vary by more than 2:1; every hold is
    # within 1-10 s x the spread.
    cfg = dict(exercises=("pencil_pickup",), sloppiness=0.0, distractors=False, pencil_people=True, packet_loss=0.0,
               pencil_plan=dict(posture="chair", grip="lift", reps=12, sets=1, drops=0, retries=0,
                                rest_s=5.0, rest_spread=0.7, release="drop"))
    _, truth = simulate_session(seed=3, **cfg)
    reps = truth["exercises"][0]["reps"]
    assert len(reps) == 12
    rests = np.array([b["start_s"] - a["end_s"] for a, b in zip(reps, reps[1:])])
    assert rests.max() > 2 * rests.min() and rests.max() <= 25.0 + 1e-6
