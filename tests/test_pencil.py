"""Pencil pickups as people do them (issue 12): sets of known counts from the simulator's
pinned :func:`sensors.simulator.pencil_plan`, analysed whole.

The programme says only "pick the pencil up with your toes, hold it at least
10 s, 3 times with each foot": seated or standing, the foot lifted or only
the toes curled are all the exercise. Expected counts are the pinned plan's.
"""
import numpy as np
import pytest

from analysis.confidence import is_counted
from analysis.families import lifted_reps
from analysis.pipeline import analyze_recording
from analysis.scoring import match_bouts
from sensors.simulator import simulate_session

# A realistic consumer sensor on the instep, its axes declared.
SENSOR = dict(exercises=("pencil_pickup",), mounting="aligned", declare_mounting=True,
              sampling_rate_hz=100.0, packet_loss=0.01, sloppiness=0.3)
STILL = dict(roll_deg=0.0, turn_deg=0.0, move_m=[0.0, 0.0], drops=0, hold_spread=0.08, other_first=False)


def analyse(seed: int, **plan):
    rec, truth = simulate_session(seed=seed, pencil_plan={**STILL, **plan}, **SENSOR)
    sets = [e for e in truth["exercises"] if e["exercise"] == "pencil_pickup"]
    return sets, analyze_recording(rec)["exercises"]


def test_toes_curled_round_the_pencil_are_two_pencil_sets_not_toe_presses():
    # The foot stays on the floor and tips 2.5°: a foot sensor tells this
    # from toe presses by the set (three reps held 15 s alike, not ten held
    # 4 s). Two sets with the other foot's turn between were one "toe press"
    # set of seven (the turn's shift read as a rep). Held as prescribed,
    # the set is the evidence of a pencil held (branch pencil4): counted,
    # no longer listed as "the foot does not lift".
    sets, found = analyse(4101, posture="chair", grip="curl", tip_deg=2.5, hold_s=15.0, reps=3, rest_s=4.0,
                          sets=2)
    assert [len(s["reps"]) for s in sets] == [3, 3]
    assert not [b for b in found if is_counted(b) and b["exercise"] == "toe_press"]
    pencils = [b for b in found if b["exercise"] == "pencil_pickup"]
    pairs = match_bouts(sets, pencils)
    assert len(pairs) == 2
    assert [len(pencils[j]["reps"]) for _, j in pairs] == [3, 3]
    assert all(is_counted(pencils[j]) for _, j in pairs)
    assert not any("does not lift" in d for _, j in pairs for d in pencils[j]["doubts"])


@pytest.mark.parametrize("seed,plan", [
    # Standing on one leg, the knee bent to lift the foot behind, tipped
    # 17° toes-down: the sensor rises about 1.5 cm. Two reps held 9 s.
    (4102, dict(posture="stand", grip="lift", lift_m=0.035, tip_deg=17.0, shank_deg=10.0, hold_s=9.0,
                reps=2, rest_s=2.0, sets=1)),
    # Seated, the knee straightened a little to lift the foot 5 cm, tipped
    # only 3°: the lift starts before the tilt shows the move.
    (4103, dict(posture="chair", grip="lift", lift_m=0.05, tip_deg=3.0, shank_deg=-15.0, hold_s=12.0,
                reps=3, rest_s=5.0, sets=1)),
    # Seated on the floor, knees up, the foot lifted 12 cm and tipped only
    # 2°: the lift's push swings the accelerometer's tilt as far as the foot
    # tips.
    (4104, dict(posture="floor_knees", grip="lift", lift_m=0.12, tip_deg=-2.0, shank_deg=2.0, hold_s=11.0,
                reps=3, rest_s=3.0, sets=1)),
    # The pencil carried 10 cm forward and 20 cm aside mid-hold before it
    # is put down: the carry's push read as tilt cut each hold in two.
    (4107, dict(posture="floor_knees", grip="lift", lift_m=0.10, tip_deg=3.0, shank_deg=10.0, hold_s=11.0,
                reps=3, rest_s=2.0, sets=1, move_m=[0.1, 0.2])),
    # Held 6.5 s, shorter than prescribed (and than the 7 s that tells a
    # pencil set from toe presses), the foot lifted 10 cm and tipped 7°:
    # three reps that no toe press set is (ten reps, the foot on the floor).
    (4111, dict(posture="chair", grip="lift", lift_m=0.10, tip_deg=7.0, shank_deg=0.0, hold_s=6.5,
                reps=3, rest_s=6.0, sets=1)),
    # A pencil dropped at once (held 1.7 s) after the set's third rep is not
    # a rep, and no reason to split the set (it split as 2 + 2 and lost a rep).
    (4110, dict(posture="chair", grip="lift", lift_m=0.06, tip_deg=10.0, shank_deg=0.0, hold_s=12.0,
                reps=3, rest_s=4.0, sets=1, drops=1)),
    # Seated, the pencil lifted 5 cm by the hip with the foot kept level
    # (tipped 0.5°): the tilt the other reps are found on shows nothing;
    # the foot's moves up and down in the vertical acceleration do.
    (4201, dict(posture="chair", grip="lift", lift_m=0.05, tip_deg=0.5, shank_deg=1.0, hold_s=12.0,
                reps=3, rest_s=5.0, sets=1)),
    # Standing on the other leg, the foot lifted 8 cm tipped 1°: the
    # lifted foot sways while it holds.
    (4202, dict(posture="stand", grip="lift", lift_m=0.08, tip_deg=1.0, shank_deg=1.0, hold_s=10.0,
                reps=3, rest_s=4.0, sets=1)),
])
def test_pencil_sets_done_differently_are_found_and_counted(seed, plan):
    bout, counted, _ = _the_counted_set(seed, plan)
    assert len(bout["reps"]) == plan["reps"]
    assert len(counted) == 1


def _the_counted_set(seed, plan):
    """The one counted bout over the plan's single true set (asserted), every counted bout, and the true sets."""
    sets, found = analyse(seed, **plan)
    assert [len(s["reps"]) for s in sets] == [plan["reps"]]
    counted = [b for b in found if is_counted(b)]
    pairs = match_bouts(sets, counted)
    assert len(pairs) == 1, [(b["exercise"], b["confidence"], b["doubts"]) for b in found]
    return counted[pairs[0][1]], counted, sets


def test_two_level_sets_with_the_other_foot_between_are_two_pencil_sets():
    # Seated on the floor, the foot lifted 3 cm tipped -1°, two sets of three
    # held 15 s with the other foot's turn between (its shifts move this
    # foot up and straight back down): the tilt alone read a set of two
    # across the turn and missed the first set.
    sets, found = analyse(4202, posture="floor_knees", grip="lift", lift_m=0.03, tip_deg=-1.0, shank_deg=2.0,
                          hold_s=15.0, reps=3, rest_s=8.0, sets=2)
    assert [len(s["reps"]) for s in sets] == [3, 3]
    counted = [b for b in found if is_counted(b)]
    pairs = match_bouts(sets, counted)
    assert len(pairs) == 2 and len(counted) == 2, [(b["exercise"], b["confidence"], b["doubts"]) for b in found]
    assert all(counted[j]["exercise"] == "pencil_pickup" and len(counted[j]["reps"]) == 3 for _, j in pairs)


def _min_jerk_acc(rise_m: float, move_s: float, fs: float) -> np.ndarray:
    """Vertical acceleration (m/s²) of a minimum-jerk move by ``rise_m`` over ``move_s``."""
    u = (np.arange(int(move_s * fs)) + 0.5) / (move_s * fs)
    return rise_m / move_s ** 2 * (60 * u - 180 * u ** 2 + 120 * u ** 3)


def test_level_lifts_are_found_from_the_vertical_acceleration_alone():
    # Three lifts of 4 cm in 0.8 s, held 10 s in the air with 9 Hz tremor
    # of 1 m/s² (a strong tremor's acceleration at the instep), put down in
    # 1 s, 5 s of rest between; then a resting foot's shift, 3 cm up and
    # straight back down in 1.2 s. Expected: the three reps, each from the
    # lift's start to the put-down's end, and nothing for the shift.
    fs = 50.0
    rng = np.random.default_rng(0)
    parts, truth, t = [np.zeros(int(5 * fs))], [], 5.0
    for _ in range(3):
        hold = np.arange(int(10 * fs)) / fs
        parts += [_min_jerk_acc(0.04, 0.8, fs), 1.0 * np.sin(2 * np.pi * 9 * hold),
                  _min_jerk_acc(-0.04, 1.0, fs), np.zeros(int(5 * fs))]
        truth.append((t, t + 0.8 + 10 + 1.0))
        t += 0.8 + 10 + 1.0 + 5
    parts += [_min_jerk_acc(0.03, 0.6, fs), _min_jerk_acc(-0.03, 0.6, fs), np.zeros(int(20 * fs))]
    acc = np.concatenate(parts) + rng.normal(0, 0.05, sum(len(p) for p in parts))
    reps = lifted_reps(acc, fs)
    assert len(reps) == 3
    for (a, b), (_, r) in zip(truth, reps.iterrows()):
        assert abs(r["start"] / fs - a) < 0.2 and abs(r["stop"] / fs - b) < 0.2
        assert 0.03 < r["rise_m"] < 0.05


def test_a_pencil_held_still_and_high_is_counted_without_the_tremor_doubt():
    # The hard tier's sensor, the foot lifted 7 cm (floor, knees up) and
    # held ~6 s with next to no tremor (0.03°, the simulator's pencil-hard
    # tier, seed 7037): the holds read 0.14 times as active as the rests,
    # and "the foot is stiller held than at rest" (meant for sitting down
    # and standing up, the foot on the floor) listed the set as uncertain.
    from benchmarks.pencil import pencil_config

    rec, truth = simulate_session(seed=7037, **pencil_config(7037, 37, "pencil-hard"))
    sets = [e for e in truth["exercises"] if e["exercise"] == "pencil_pickup"]
    assert truth["pencil_plans"][0]["lift_m"] > 0.05 and truth["pencil_plans"][0]["tremor_deg"] < 0.05
    found = [b for b in analyze_recording(rec)["exercises"] if b["exercise"] == "pencil_pickup"]
    assert not any("stiller held" in d for b in found for d in b["doubts"])
    assert len(match_bouts(sets, [b for b in found if is_counted(b)])) == len(sets) == 1


def _foot_up(elevation_deg):
    """Up in the foot frame with the toes ``elevation_deg`` up (90: vertical)."""
    e = np.radians(np.asarray(elevation_deg, dtype=float))
    return np.column_stack([np.sin(e), np.zeros_like(e), np.cos(e)])


@pytest.mark.parametrize("elev_held, held_s, flat", [
    (40.0, 12.0, True),    # the knee straightened 35° under a pencil held 12 s: still seated, foot-flat
    (-40.0, 12.0, True),   # toes down 40°: a foot pointed to grip a pencil (pencil4); heel raises are
                           # told by their set (6-16 brief holds) and the confidence's range doubt
    (-60.0, 12.0, False),  # toes down 60°: past any pencil grip
    (-40.0, 45.0, False),  # longer than any pencil is held
    (65.0, 12.0, False),   # a knee extension proper (or the band's legs-out rest)
    (40.0, 45.0, False),   # longer than any pencil is held: another posture
])
def test_a_foot_carried_toes_up_by_the_knee_between_flat_rests_is_foot_flat(elev_held, held_s, flat):
    from analysis.posture import posture_masks

    fs = 50.0
    n = int(held_s * fs)
    elev = np.r_[np.full(150, 3.0), np.full(n, elev_held), np.full(150, 3.0)]
    masks = posture_masks(_foot_up(elev), "foot", fs)
    assert masks["flat"][:150].all() and masks["flat"][-150:].all()
    assert masks["flat"][150:150 + n].all() == flat and masks["flat"][150:150 + n].any() == flat


def test_a_pencil_lifted_by_straightening_the_knee_is_listed_not_missed():
    # Seated on a chair, the knee straightens 33° to lift the pencil and
    # the foot is carried with the shank: the toes tip up 27° from a resting
    # foot already pitched a few degrees, past the 30° a flat foot allows.
    # Each hold was no posture and the set was lost; now it is found with
    # its count (and doubted for its range: a knee extension tips as far).
    sets, found = analyse(9104, posture="chair", grip="lift", lift_m=0.069, tip_deg=-27.0, shank_deg=-33.0,
                          hold_s=11.0, reps=4, rest_s=4.0, sets=1)
    assert [len(s["reps"]) for s in sets] == [4]
    pencils = [b for b in found if b["exercise"] == "pencil_pickup"]
    pairs = match_bouts(sets, pencils)
    assert len(pairs) == 1, [(b["exercise"], b["confidence"], b["doubts"]) for b in found]
    assert len(pencils[pairs[0][1]]["reps"]) == 4


def test_a_toe_press_on_a_noisy_sensor_is_not_renamed_a_pencil_by_its_rise():
    # Simulator hard tier, seed 502008 (benchmarks/accuracy.py's held-back
    # hard session 8 of --seed0 40000): a toe-press set whose integrated rise
    # drifts past 3 cm under the hard tier's bias and noise. A rule naming
    # brief holds pencils by their rise alone (0.13.0's merge of branch
    # pencil, reverted) counted it as a pencil pickup and lost the toe press.
    rec, truth = simulate_session(seed=502008, tier="hard")
    presses = [e for e in truth["exercises"] if e["exercise"] == "toe_press"]
    found = analyze_recording(rec)["exercises"]
    counted = [b for b in found if is_counted(b)]
    assert len(presses) == 1
    assert len(match_bouts(presses, [b for b in counted if b["exercise"] == "toe_press"])) == 1
    assert match_bouts(presses, [b for b in counted if b["exercise"] == "pencil_pickup"]) == []


@pytest.mark.parametrize("seed,plan", [
    # Seated, four pencils each held only 3.5 s with the foot 8 cm up and
    # tipped 8° toes-down: no toe press lifts the foot off the floor.
    (4601, dict(posture="chair", grip="lift", lift_m=0.08, tip_deg=8.0, shank_deg=0.0, hold_s=3.5,
                reps=4, rest_s=4.0, sets=1)),
    # On the floor, knees up, three held 3 s with the foot 12 cm up and
    # tipped 5° toes-up.
    (4602, dict(posture="floor_knees", grip="lift", lift_m=0.12, tip_deg=-5.0, shank_deg=2.0, hold_s=3.0,
                reps=3, rest_s=3.0, sets=1)),
])
def test_pencils_held_briefly_with_the_foot_lifted_clear_are_pencils_not_toe_presses(seed, plan):
    bout, counted, _ = _the_counted_set(seed, plan)
    assert bout["exercise"] == "pencil_pickup"
    assert len(bout["reps"]) == plan["reps"]
    assert not [b for b in counted if b["exercise"] == "toe_press"]


@pytest.mark.parametrize("seed,plan", [
    # Seated, the foot lifted level 8 cm by the hip, four pencils each held
    # 2.5 s: no tilt to find the reps on, and under the level search's 3 s
    # holds (nothing was found; simulator pencil-people).
    (4701, dict(posture="chair", grip="lift", lift_m=0.08, tip_deg=0.0, shank_deg=0.0, hold_s=2.5,
                reps=4, rest_s=5.0, sets=1)),
    # Standing on one leg, lifted level 10 cm, three held 1.5 s.
    (4702, dict(posture="stand", grip="lift", lift_m=0.10, tip_deg=0.5, shank_deg=0.0, hold_s=1.5,
                reps=3, rest_s=4.0, sets=1)),
])
def test_pencils_lifted_level_and_held_a_second_or_two_are_counted(seed, plan):
    sets, found = analyse(seed, **plan)
    pencils = [b for b in found if is_counted(b) and b["exercise"] == "pencil_pickup"]
    pairs = match_bouts(sets, pencils)
    assert len(sets) == 1 and len(pairs) == 1
    assert len(pencils[pairs[0][1]]["reps"]) == plan["reps"]
    # Each hold as the simulator held it (within half a second).
    got = sorted(r["hold_s"] for r in pencils[pairs[0][1]]["reps"])
    want = sorted(r["hold_s"] for r in sets[0]["reps"])
    assert np.allclose(got, want, atol=0.5)


def test_a_foot_shifted_briefly_an_inch_is_no_pencil_set():
    # Four level lifts of 2.5 cm held 1.5 s: under the 5 cm a foot lifted
    # clear of the floor rises, as likely a foot shifting or tapped (what
    # the tilt makes of it is another matter: here a toe-press set).
    sets, found = analyse(4703, posture="chair", grip="lift", lift_m=0.025, tip_deg=0.0, shank_deg=0.0,
                          hold_s=1.5, reps=4, rest_s=4.0, sets=1)
    assert not [b for b in found if is_counted(b) and b["exercise"] == "pencil_pickup"]


def test_ten_pencils_lifted_clear_and_held_briefly_are_a_pencil_set_not_toe_presses():
    # Seated, ten pencils (people do 3-15) each held 2.5 s with the foot
    # 8 cm up and tipped 8° toes-down: the clear lift was asked of five
    # reps or fewer, so this was a doubted toe-press set.
    sets, found = analyse(4704, posture="chair", grip="lift", lift_m=0.08, tip_deg=8.0, shank_deg=0.0,
                          hold_s=2.5, reps=10, rest_s=5.0, sets=1)
    counted = [b for b in found if is_counted(b)]
    pairs = match_bouts(sets, [b for b in counted if b["exercise"] == "pencil_pickup"])
    assert len(sets) == 1 and len(pairs) == 1
    assert len([b for b in counted if b["exercise"] == "pencil_pickup"][pairs[0][1]]["reps"]) == 10
    assert not [b for b in counted if b["exercise"] == "toe_press"]


# As the text has it, standing on one leg: the pencil lifted 7 cm, the foot
# tipped 9° and swaying 2.5° about it through 10 s holds (SimConfig.pencil_people).
STANDING = dict(posture="stand", grip="lift", lift_m=0.07, tip_deg=9.0, shank_deg=0.0, hold_s=10.0, reps=3,
                rest_s=6.0, sets=1, hold_wobble_deg=2.5, tempo=1.0, retries=0, carry="none", lift_dir="up",
                reach_m=[0.0, 0.0], alternate=False, release="place", sink=0.0, hold_wave_m=0.0, knee_drift_deg=0.0)


@pytest.mark.parametrize("seed", [
    4800,   # the tilt held level through two of the holds: a rep missed (2 of 3)
    4810,   # the tilt held level through none: nothing found
])
def test_a_pencil_held_up_on_one_leg_swaying_is_counted_rep_by_rep(seed):
    rec, truth = simulate_session(seed=seed, pencil_plan={**STILL, **STANDING}, pencil_people=True, **SENSOR)
    sets = [e for e in truth["exercises"] if e["exercise"] == "pencil_pickup"]
    pencils = [b for b in analyze_recording(rec)["exercises"] if is_counted(b) and b["exercise"] == "pencil_pickup"]
    pairs = match_bouts(sets, pencils)
    assert len(sets) == 1 and len(pairs) == 1
    got = pencils[pairs[0][1]]["reps"]
    assert len(got) == len(sets[0]["reps"]) == 3
    # Each hold as the simulator held it, and each rep where it was.
    assert np.allclose([r["hold_s"] for r in got], [r["hold_s"] for r in sets[0]["reps"]], atol=0.5)
    assert np.allclose([r["start_s"] for r in got], [r["start_s"] for r in sets[0]["reps"]], atol=0.5)


# -- held as prescribed, done as people do it (branch pencil4) ------------------------

@pytest.mark.parametrize("seed,plan", [
    # Seated, the leg braced while it holds (a tenth of the tremor), the
    # foot slid 12° on the floor to fetch each pencil: the holds are
    # stiller than the rests, which was read as "no pencil held up".
    (16950, dict(posture="chair", grip="lift", lift_m=0.05, tip_deg=8.0, shank_deg=0.0, brace=True,
                 sweep_deg=12.0, hold_s=12.0, reps=3, rest_s=6.0, sets=1)),
    # Seated on the floor, four braced holds, fetched with a 10° slide.
    (16951, dict(posture="floor_knees", grip="lift", lift_m=0.04, tip_deg=6.0, shank_deg=0.0, brace=True,
                 sweep_deg=10.0, hold_s=11.0, reps=4, rest_s=5.0, sets=1)),
    # Seated, the toes curled round the pencil and lifting it 1 cm, the
    # heel down (a guard: counted before pencil4 too, read as 1.5 cm).
    (16954, dict(posture="chair", grip="lift", lift_m=0.01, tip_deg=3.0, shank_deg=0.0, hold_s=12.0,
                 reps=3, rest_s=6.0, sets=1)),
], ids=["braced-chair", "braced-floor", "curled-1cm"])
def test_pencils_held_as_prescribed_are_counted_however_the_foot_grips(seed, plan):
    bout, _, sets = _the_counted_set(seed, plan)
    assert bout["exercise"] == "pencil_pickup"
    assert len(bout["reps"]) == plan["reps"]
    # Each hold within 3 s of the simulator's (the pencil is held 10-14 s;
    # a slide of the foot putting it back may read as the hold going on:
    # braced-floor's third, 13.3 s for 10.7 s).
    true_holds = [r["hold_s"] for r in sets[0]["reps"]]
    assert np.allclose([r["hold_s"] for r in bout["reps"]], true_holds, atol=3.0)


def test_a_pencil_held_with_the_foot_pointed_past_30_degrees_is_found_and_listed():
    # Standing, the foot pointed 34° toes down to grip the pencil and lifted
    # 8 cm: each hold left the foot-flat posture and the set was nothing.
    # Now it is found with its count, and listed as uncertain for its tip
    # (a held heel raise puts the instep where this does).
    sets, found = analyse(16953, posture="stand", grip="lift", lift_m=0.08, tip_deg=34.0, shank_deg=2.0,
                          hold_s=11.0, reps=3, rest_s=5.0, sets=1)
    assert [len(s["reps"]) for s in sets] == [3]
    pencils = [b for b in found if b["exercise"] == "pencil_pickup"]
    pairs = match_bouts(sets, pencils)
    assert len(pairs) == 1, [(b["exercise"], b["confidence"], b["doubts"]) for b in found]
    bout = pencils[pairs[0][1]]
    assert len(bout["reps"]) == 3
    assert not is_counted(bout) and any("per rep, more than 30°" in d for d in bout["doubts"])
