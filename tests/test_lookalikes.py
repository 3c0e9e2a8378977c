"""Look-alikes of the exercises, kind by kind: none is counted as an exercise (issue 12).

Each session holds one activity that is not an exercise of the programme
(``sensors.simulator.LOOKALIKES``), so every counted bout is false: the
expected "nothing counted" comes from the simulator's truth, not from the
analyser. Seeds are tuning seeds (below 10000); ``benchmarks/lookalikes.py``
measures every kind over many more sessions and seeds.

The hardest case is a mounting that is known (declared, or found from
walking): the posture is then trusted, and only the posture gate and the
signs of a look-alike (analysis/confidence.py) can keep the activity out.
"""
import numpy as np
import pytest

from analysis.confidence import THRESHOLD, ConfidenceRater, is_counted
from analysis.pipeline import analyze_recording
from analysis.posture import posture_masks
from analysis.scoring import match_bouts
from sensors.simulator import simulate_session


def counted_bouts(seed, kind, **config):
    rec, truth = simulate_session(seed=seed, tier="negatives", lookalikes=[kind], **config)
    assert truth["exercises"] == []
    assert kind in {d["kind"] for d in truth["distractors"]}
    doc = analyze_recording(rec)
    return [(e["exercise"], e["start_s"], e["confidence"], e["doubts"]) for e in doc["exercises"] if is_counted(e)]


# The real recordings: lying and seated leg exercises with a shank
# sensor at 25 Hz, 5 s holds, recorded on their own (never standing), the
# mounting unknown or declared.
@pytest.mark.parametrize("kind,declared", [
    ("knee_extension", False), ("straight_leg_raise", True), ("side_lying_abduction", False),
    ("prone_hip_extension", True), ("other_leg_lying", False),
])
def test_leg_exercises_lying_or_seated_are_not_toe_presses(kind, declared):
    config = dict(placement="ankle", sampling_rate_hz=25.0, bare=True, lookalike_plan={"hold_s": 5.0})
    if declared:
        config.update(mounting="upside_down", declare_mounting=True)
    assert counted_bouts(4700 + len(kind), kind, **config) == []


# Look-alikes that were counted before the signs of sitting down, the side-
# lying posture and the short tiptoe bout (seeds and configurations of
# benchmarks/lookalikes.py), with the mounting declared or found from gait.
@pytest.mark.parametrize("kind,seed,placement,rate,bare,mounting", [
    ("sit_stand", 2004, "foot", 63.0, False, "upside_down"),
    ("sit_stand", 2005, "ankle", 88.0, False, "upside_down"),
    ("sit_stand", 2006, "foot", 75.0, True, "aligned"),
    ("fidget_seated", 3407, "ankle", 122.0, True, "aligned"),
    ("side_lying_abduction", 3006, "foot", 255.0, True, "aligned"),
    ("stairs", 2703, "ankle", 52.0, True, None),   # mounting from the stairs' gait
    ("stairs", 2707, "ankle", 252.0, True, "aligned"),
    ("jump", 4715, "foot", 30.0, False, "upside_down"),
])
def test_look_alikes_count_nothing_with_a_known_mounting(kind, seed, placement, rate, bare, mounting):
    known = dict(mounting=mounting, declare_mounting=True) if mounting else {}
    assert counted_bouts(seed, kind, placement=placement, sampling_rate_hz=rate, bare=bare, **known) == []


# -- the signs, one by one, on a toe-press set that would count -----------------------------

SET = {"in_posture": 1.0, "reps": 10, "range_deg": 5.0, "range_cv": 0.1, "lift_m": 0.005,
       "hold_s": 4.0, "hold_cv": 0.1, "peak_g": 1.1, "flight_s": 0.0,
       "overshoot": 1.15, "rest_s": 2.0, "posture_cue": 0.8}


@pytest.mark.parametrize("change,word", [
    # Sitting down tips the shank (and a little the foot) far past where it
    # settles seated: 3x the held level.
    ({"overshoot": 3.0}, "swings"),
    # Seated and standing stretches read as holds and rests last as long as
    # the person stays: 60 % spread. People who lose count vary as much
    # (1.5-8 s in one set), so at the foot it takes a second sign: here
    # rests not clearly at the level around the set (branch harddoubt).
    ({"hold_cv": 0.6, "posture_cue": 0.2}, "holds unlike"),
    # One posture's "release" is the next one's "move": 0.2 s of "rest".
    ({"rest_s": 0.2}, "no rest"),
    # Rests of the "set" are away from, holds at, the level before and after it.
    ({"posture_cue": -0.9}, "held position"),
])
def test_signs_of_sitting_down_and_standing_up_make_a_set_uncertain(change, word):
    assert ConfidenceRater().rate("toe_press", SET, "declared").confidence_ >= THRESHOLD
    r = ConfidenceRater().rate("toe_press", {**SET, **change}, "declared")
    assert r.confidence_ < THRESHOLD
    assert any(word in d for d in r.doubts_)


def test_knee_bends_of_a_squat_are_not_a_toe_press_at_the_shank():
    # A simulated toe press bends the knee by up to ~22°; a squat by 25° or more.
    assert ConfidenceRater().rate("toe_press", {**SET, "range_deg": 20.0}, "gait", "ankle").confidence_ >= THRESHOLD
    assert ConfidenceRater().rate("toe_press", {**SET, "range_deg": 30.0}, "gait", "ankle").confidence_ < THRESHOLD


def test_a_heel_raise_tipping_the_foot_35_degrees_is_not_a_pencil_pickup():
    pencil = {**SET, "reps": 3, "hold_s": 11.0, "range_deg": 12.0, "lift_m": 0.05}
    assert ConfidenceRater().rate("pencil_pickup", pencil, "gait").confidence_ >= THRESHOLD
    assert ConfidenceRater().rate("pencil_pickup", {**pencil, "range_deg": 35.0}, "gait").confidence_ < THRESHOLD


def test_lying_on_the_side_the_foot_is_neither_toes_up_nor_raised():
    # Foot frame: x heel→toe, y left, z out of the instep. On the side, the
    # sole faces sideways: up is mostly along y; the toes point 20° up.
    up = np.array([[np.sin(np.radians(20)) * 0.4, 0.9, np.cos(np.radians(20)) * 0.15]])
    up /= np.linalg.norm(up)
    masks = posture_masks(up, "foot")
    assert not masks["toes_up"][0] and not masks["raised"][0] and not masks["flat"][0]
    # Seated with the legs out, the toes 60° up: toes up.
    seated = np.array([[np.sin(np.radians(60)), 0.0, np.cos(np.radians(60))]])
    assert posture_masks(seated, "foot")["toes_up"][0]


def test_brisk_circles_are_not_hops_but_a_jump_in_the_air_is():
    # Simulated clean sets of brisk circles swing the foot through up to
    # 4.4 g without leaving the floor; a lateral jump is 0.35 s in the air.
    circles = {"in_posture": 1.0, "directions": 2, "peak_g": 4.4, "flight_s": 0.04}
    assert ConfidenceRater().rate("ankle_circles", circles, "declared").confidence_ >= THRESHOLD
    jump = ConfidenceRater().rate("ankle_circles", {**circles, "flight_s": 0.35}, "declared")
    assert jump.confidence_ < THRESHOLD and any("air" in d for d in jump.doubts_)


def test_without_a_walk_three_alike_pencil_pickups_that_lift_the_foot_count():
    # The prescription is three pickups per foot: a set of three, held
    # alike, each lifting the foot 4 cm, is all a pencil set can show. With
    # a mounting from resting postures that told forward clearly it counts;
    # a foot that does not lift, or a mounting found from nothing, does not.
    pencil = {**SET, "reps": 3, "hold_s": 11.0, "range_deg": 12.0, "lift_m": 0.04}
    assert ConfidenceRater().rate("pencil_pickup", pencil, "posture", "foot", 0.8).confidence_ >= THRESHOLD
    assert ConfidenceRater().rate("pencil_pickup", {**pencil, "lift_m": 0.01}, "posture", "foot", 0.8
                                  ).confidence_ < THRESHOLD
    assert ConfidenceRater().rate("pencil_pickup", pencil, "guess", "foot", 0.0).confidence_ < THRESHOLD
    # Three toe presses are not a set (ten are prescribed).
    assert ConfidenceRater().rate("toe_press", {**SET, "reps": 3}, "posture", "foot", 0.8).confidence_ < THRESHOLD


# The other leg exercising standing while this one carries the weight (the
# body shifts over it, the foot stays planted), and seated heel raises (the
# heel and the shank sensor lift 3-8 cm each rep): no toe presses.
@pytest.mark.parametrize("kind,seed,placement,rate", [
    ("other_leg_standing", 4801, "foot", 50.0),
    ("other_leg_standing", 4802, "ankle", 25.0),
    ("seated_heel_raise", 4803, "ankle", 25.0),
    ("seated_heel_raise", 4806, "ankle", 100.0),
])
def test_the_other_leg_standing_and_seated_heel_raises_count_nothing(kind, seed, placement, rate):
    assert counted_bouts(seed, kind, placement=placement, sampling_rate_hz=rate,
                         mounting="aligned", declare_mounting=True) == []


# -- daily life and the still leg (benchmarks/lookalikes.py, tuning seeds; each was counted
# before the sign that now keeps it out) -------------------------------------------------

@pytest.mark.parametrize("kind,seed,placement,rate,bare,known,plan", [
    # Tapping a foot in place, read as tiptoe walking (strides that go nowhere).
    ("foot_tap", 4004, "foot", 202.0, False, "upside_down", None),
    ("foot_tap", 4002, "foot", 53.0, True, None, None),
    # Seated heel raises, foot sensor, read as toe presses (the instep rises as the toes go down).
    ("seated_heel_raise", 3704, "foot", 84.0, False, "upside_down", None),
    # The still leg beside the other one's exercise, read as toe presses.
    ("other_leg_seated", 3312, "foot", 25.0, True, "aligned", {"hold_s": 5.0}),
    ("other_leg_standing", 3607, "ankle", 77.0, True, "upside_down", None),
    ("other_leg_standing", 3613, "ankle", 25.0, True, "upside_down", {"hold_s": 5.0}),
    # A calf stretch held against a wall (read as pencil pickups, uncertain)
    # and rocking heel to toe (read as shank tiptoe walks, uncertain): the
    # simulator's widened daily life (benchmarks/lookalikes.py --seed0 5000).
    ("calf_stretch", 7300, "foot", 70.0, False, None, None),
    ("heel_toe_rock", 7407, "ankle", 181.0, True, "upside_down", None),
])
def test_daily_life_and_the_still_leg_count_nothing(kind, seed, placement, rate, bare, known, plan):
    config = dict(placement=placement, sampling_rate_hz=rate, bare=bare)
    if known:
        config.update(mounting=known, declare_mounting=True)
    if plan:
        config.update(lookalike_plan=plan)
    assert counted_bouts(seed, kind, **config) == []


def test_sitting_down_and_standing_up_with_a_foot_sensor_is_not_a_pencil_pickup():
    # The real recordings: repeated sit<->stand, recorded alone at
    # 25 Hz, seated ~5 s at a time, the mounting declared; the foot stays on
    # the floor (seated: still; standing: swaying), and was counted as a
    # set of pencil pickups (tuning seed 2014 of benchmarks/lookalikes.py).
    config = dict(placement="foot", sampling_rate_hz=25.0, bare=True, mounting="aligned",
                  declare_mounting=True, lookalike_plan={"hold_s": 5.0, "fidget": True})
    assert counted_bouts(2014, "sit_stand", **config) == []


def test_a_pencil_set_whose_holds_are_stiller_than_its_rests_is_uncertain():
    # A foot holding a pencil up trembles more than one resting on the
    # floor: the holds' activity is several times the rests'.
    pencil = {**SET, "reps": 3, "hold_s": 6.0, "range_deg": 12.0, "lift_m": 0.03}
    assert ConfidenceRater().rate("pencil_pickup", {**pencil, "hold_tremor": 8.0}, "declared").confidence_ >= THRESHOLD
    r = ConfidenceRater().rate("pencil_pickup", {**pencil, "hold_tremor": 0.04}, "declared")
    assert r.confidence_ < THRESHOLD
    assert any("stiller held than at rest" in d for d in r.doubts_)
    # Not judged so for a foot toe press: a foot is flat and still standing too.
    assert ConfidenceRater().rate("toe_press", {**SET, "hold_tremor": 0.04}, "declared").confidence_ >= THRESHOLD


def test_tapping_in_place_is_not_tiptoe_walking():
    walk = {"in_posture": None, "stride_s": 0.9, "duration_s": 20.0, "climb_m": 0.01, "peak_g": 1.5,
            "flight_s": 0.0}
    # Simulated tiptoe walks travel 0.19-0.95 m a stride (a step is 0.2-0.9 m).
    assert ConfidenceRater().rate("tiptoe_walk", {**walk, "travel_m": 0.19}, "declared").confidence_ >= THRESHOLD
    tap = ConfidenceRater().rate("tiptoe_walk", {**walk, "travel_m": 0.01}, "declared")
    assert tap.confidence_ < THRESHOLD and any("in place" in d for d in tap.doubts_)
    # A shank is never still in stance: its travel is judged against a lower
    # bar (simulated shank tiptoe walks: 0.19-0.85 m a stride).
    assert ConfidenceRater().rate("tiptoe_walk", {**walk, "travel_m": 0.08}, "declared",
                                  "ankle").confidence_ >= THRESHOLD


def test_an_instep_rising_as_the_toes_go_down_is_a_heel_raise():
    # Simulated foot toe presses: at most +0.4 cm; a seated heel raise of 13°, +3.2 cm.
    assert ConfidenceRater().rate("toe_press", {**SET, "heel_lift_m": 0.004}, "declared").confidence_ >= THRESHOLD
    assert ConfidenceRater().rate("toe_press", {**SET, "heel_lift_m": -0.007}, "declared").confidence_ >= THRESHOLD
    r = ConfidenceRater().rate("toe_press", {**SET, "heel_lift_m": 0.032, "lift_doubt_m": 0.008}, "declared")
    assert r.confidence_ < THRESHOLD and any("heel" in d for d in r.doubts_)


def test_toes_down_rise_is_up_for_a_heel_raise_and_down_for_a_turn_about_the_ankle():
    import pandas as pd

    from analysis.confidence import toes_down_rise
    fs = 100.0
    t = np.arange(int(4 * fs)) / fs
    # One rep: moves over 0-1 s, holds 1-3 s, back over 3-4 s.
    prof = np.clip(np.minimum(t, 4 - t), 0, 1)
    prof = prof ** 2 * (3 - 2 * prof)
    reps = pd.DataFrame({"start": [0], "hold_start": [int(1.0 * fs)], "hold_stop": [int(3.0 * fs)]})
    tilt = -10.0 * prof                      # the toes go down 10°
    for rise_m, sign in ((0.02, 1), (-0.01, -1)):
        z = rise_m * prof
        acc = np.zeros((len(t), 3))
        acc[:, 2] = np.gradient(np.gradient(z, 1 / fs), 1 / fs)
        got = toes_down_rise(acc, tilt, reps, 0, fs)
        assert got.shape == (1,) and np.sign(got[0]) == sign and abs(got[0] - rise_m) < 0.002
    # Toes up with the instep rising: the turn about the ankle of a toe press the other way.
    acc[:, 2] = np.gradient(np.gradient(0.01 * prof, 1 / fs), 1 / fs)
    assert toes_down_rise(acc, -tilt, reps, 0, fs)[0] < 0


def test_a_still_leg_swaying_either_way_is_not_a_toe_press():
    # The still leg moves 2-3° with the other leg's reps, either way of where
    # it rests (posture cue -0.39 to 0.32 simulated); toe presses under 4°
    # go one way (0.54 and more).
    small = {**SET, "range_deg": 2.3}
    assert ConfidenceRater().rate("toe_press", {**small, "posture_cue": 0.54}, "declared").confidence_ >= THRESHOLD
    for cue in (-0.39, 0.32):
        r = ConfidenceRater().rate("toe_press", {**small, "posture_cue": cue}, "declared")
        assert r.confidence_ < THRESHOLD and any("still leg" in d for d in r.doubts_)
    # A wider press keeps the old rule (a cue below -0.5).
    assert ConfidenceRater().rate("toe_press", {**SET, "posture_cue": -0.2}, "declared").confidence_ >= THRESHOLD


def test_exercises_among_daily_life_keep_their_bouts():
    """True sets in the same sessions as the look-alikes fixed above are still counted."""
    from analysis.scoring import match_bouts
    rec, truth = simulate_session(seed=4905, tier="lookalikes", exercises=["toe_press", "tiptoe_walk"],
                                  lookalikes=["foot_tap", "seated_heel_raise", "other_leg_seated"],
                                  mounting="aligned", declare_mounting=True)
    doc = analyze_recording(rec)
    counted = [e for e in doc["exercises"] if is_counted(e)]
    assert len(match_bouts(truth["exercises"], counted)) == len(truth["exercises"]) == 2
    assert len(counted) == 2


def test_seated_heel_raises_at_the_shank_are_not_toe_presses():
    # Shank sensor, 25 Hz, 5 s holds, a fidgety person: the shank tilts
    # 3.6° and rises 2.6 cm a rep (counted as toe presses with the limit at 2.5 cm).
    assert counted_bouts(3715, "seated_heel_raise", placement="ankle", sampling_rate_hz=25.0, bare=True,
                         mounting="upside_down", declare_mounting=True,
                         lookalike_plan={"hold_s": 5.0, "fidget": True}) == []


def test_heel_raises_straight_after_a_toe_press_set_are_not_more_of_it():
    # Tuning seed 3406 of the look-alike tier: 11 toe presses, then seated
    # heel raises 12 s later, were one 21-rep toe-press bout (counted, or,
    # with the heel sign, the true set uncertain with them).
    from analysis.scoring import match_bouts
    rec, truth = simulate_session(seed=3406, tier="lookalikes", placement="foot")
    press = [b for b in truth["exercises"] if b["exercise"] == "toe_press"]
    raises = [d for d in truth["distractors"] if d["kind"] == "seated_heel_raise"]
    assert len(press) == 1 and len(raises) == 1
    counted = [e for e in analyze_recording(rec)["exercises"] if is_counted(e) and e["exercise"] == "toe_press"]
    assert len(match_bouts(press, counted)) == 1
    assert not [e for e in counted if e["end_s"] > raises[0]["start_s"] + 5]


def test_split_by_heel_needs_two_parts_apart():
    import pandas as pd

    from analysis.families import HoldSetDetector
    det = HoldSetDetector()
    group = pd.DataFrame({"start": np.arange(12) * 100})
    lifts = np.zeros(12)
    # Six presses (the instep sinks 0.4 cm) then six heel raises (up 2 cm): two sets.
    heel = np.r_[np.full(6, -0.004), np.full(6, 0.02)]
    parts = det._split_by_heel([(group, lifts)], group, heel)
    assert [len(p) for p, _ in parts] == [6, 6]
    # A noisy set whose rises go up and down from rep to rep: one set.
    noisy = np.array([-0.7, 0.95, 2.4, -0.6, 1.3, 4.0, -0.7, 2.5, 2.0, -0.5, 1.1, 3.0]) / 100
    assert [len(p) for p, _ in det._split_by_heel([(group, lifts)], group, noisy)] == [12]
    # A shank set (no heel rise measured): as it was.
    assert det._split_by_heel([(group, lifts)], group, None) == [(group, lifts)]


def _foot_up(elevation_deg):
    """Up in the foot frame with the toes ``elevation_deg`` up (90: vertical)."""
    e = np.radians(np.asarray(elevation_deg, dtype=float))
    return np.column_stack([np.sin(e), np.zeros_like(e), np.cos(e)])


def test_a_band_rep_held_past_vertical_stays_toes_up():
    """Seated with the legs out the toes rest 65° up; a band rep pulls them
    40° further, 15° past vertical, for 6 s (50 Hz): the set's posture goes on
    (before: the hold was no posture the band allows, and a set of such reps
    was cut into stretches whose reps were lost: tuning seed 3005)."""
    fs = 50.0
    elev = np.r_[np.full(150, 65.0), np.full(300, 105.0), np.full(150, 65.0)]
    masks = posture_masks(_foot_up(elev), "foot", fs)
    assert masks["toes_up"].all()
    assert not posture_masks(_foot_up(elev), "foot")["toes_up"][150:450].any()  # no rate: as before


@pytest.mark.parametrize("elev_held, held_s", [
    (140.0, 6.0),    # a leg raised lying on the back: 50° past vertical is no dorsiflexion
    (105.0, 40.0),   # past vertical longer than any hold: lying with the leg up
])
def test_the_toes_past_vertical_too_far_or_too_long_are_not_toes_up(elev_held, held_s):
    fs = 50.0
    n = int(held_s * fs)
    elev = np.r_[np.full(150, 65.0), np.full(n, elev_held), np.full(150, 65.0)]
    masks = posture_masks(_foot_up(elev), "foot", fs)
    assert not masks["toes_up"][150:150 + n].any() and masks["toes_up"][:150].all()


def test_a_pencil_set_lifted_high_is_not_doubted_for_a_still_hold():
    # A foot lifted 5 cm and more is held up in the air whatever its
    # tremor: held still, it is no less a pencil held (pencil-hard seed
    # 7037, 7 cm); sitting down and standing up leaves the foot on the floor.
    pencil = {**SET, "reps": 3, "hold_s": 6.0, "range_deg": 12.0, "hold_tremor": 0.14}
    high = ConfidenceRater().rate("pencil_pickup", {**pencil, "lift_m": 0.07}, "declared")
    assert high.confidence_ >= THRESHOLD and not high.doubts_
    low = ConfidenceRater().rate("pencil_pickup", {**pencil, "lift_m": 0.03}, "declared")
    assert low.confidence_ < THRESHOLD

# -- posture gating: seated and lying leg exercises drawn wide (issue 12, branch look7) ------
# Sessions of benchmarks/lookalikes.py --wide (tuning seeds), each counted
# before its gate: the look-alikes drawn wider (partial knee extensions,
# seated or lying over a roll) and a shank sensor strapped 6-32 cm up.

WIDE = dict(lookalike_wide=True, shank_sensor_m=(0.06, 0.32))


@pytest.mark.parametrize("seed,placement,rate,bare,mounting,plan,gate", [
    # Seated knee extensions of 12°, shank sensor, 25 Hz, declared: the shin
    # tips back 11° a rep (a toe press bends the knee forward): counted 1.0.
    (2813, "ankle", 25.0, True, "aligned", {"hold_s": 5.0}, "shin tips back"),
    # Recorded seated throughout (no walk): up is the seated shank, which a
    # standing one looks like; counted 0.55 as strong evidence.
    (2803, "ankle", 56.0, True, None, None, "mounting not found"),
    # Short-arc knee extensions lying, foot sensor: toes up as for the band,
    # the foot lifted 11 cm a rep (a band rep turns it about the ankle):
    # counted as band sets 1.0.
    (2804, "foot", 69.0, False, "aligned", None, "rises"),
    (2812, "foot", 25.0, True, "upside_down", {"hold_s": 5.0}, "rises"),
])
def test_knee_extensions_seated_or_lying_are_no_toe_press_nor_band(seed, placement, rate, bare, mounting, plan,
                                                                    gate):
    config = dict(placement=placement, sampling_rate_hz=rate, bare=bare, **WIDE)
    if mounting:
        config.update(mounting=mounting, declare_mounting=True)
    if plan:
        config.update(lookalike_plan=plan)
    rec, truth = simulate_session(seed=seed, tier="negatives", lookalikes=["knee_extension"], **config)
    assert truth["exercises"] == []
    doc = analyze_recording(rec)
    assert [e["exercise"] for e in doc["exercises"] if is_counted(e)] == []
    # Found, and held back by the gate (not missed by the detector).
    assert any(gate in d for e in doc["exercises"] for d in e["doubts"])


@pytest.mark.parametrize("seed,tier,exercise", [
    (3300, "ankle", "toe_press"), (3302, "ankle", "toe_press"),   # the shank bends forward 2-17° a rep
    (3000, "clean", "resistance_band"), (3103, "realistic", "resistance_band"),  # the foot lifts 0.3-1.8 cm
])
def test_true_sets_pass_the_posture_gates(seed, tier, exercise):
    rec, truth = simulate_session(seed=seed, tier=tier)
    doc = analyze_recording(rec)
    true = [b for b in truth["exercises"] if b["exercise"] == exercise]
    counted = [e for e in doc["exercises"] if is_counted(e) and e["exercise"] == exercise]
    assert true and len(match_bouts(true, counted)) == len(true)


def test_a_shank_toe_press_tipping_the_shin_back_is_a_knee_extension():
    shank = {**SET, "range_deg": 12.0}
    assert ConfidenceRater().rate("toe_press", {**shank, "lean_deg": -12.0}, "gait", "ankle").confidence_ >= THRESHOLD
    back = ConfidenceRater().rate("toe_press", {**shank, "lean_deg": 11.0}, "gait", "ankle")
    assert back.confidence_ < THRESHOLD and any("shin tips back" in d for d in back.doubts_)
    # A mounting from postures may have forward the wrong way round: not judged.
    assert not any("shin" in d for d in ConfidenceRater().rate("toe_press", {**shank, "lean_deg": 11.0},
                                                                "posture", "ankle", 0.9).doubts_)


def test_without_walking_a_shank_toe_press_is_never_strong_evidence():
    # Up from the commonest rest: standing, seated and lying all look upright.
    assert ConfidenceRater().rate("toe_press", SET, "posture", "foot", 0.9).confidence_ >= THRESHOLD
    assert ConfidenceRater().rate("toe_press", SET, "posture", "ankle", 0.9).confidence_ < THRESHOLD
    assert ConfidenceRater().rate("toe_press", SET, "gait", "ankle").confidence_ >= THRESHOLD


def test_a_band_rep_does_not_lift_the_foot_as_a_leg_raise_does():
    band = {**SET, "range_deg": 25.0}
    assert ConfidenceRater().rate("resistance_band", {**band, "lift_m": 0.018}, "gait").confidence_ >= THRESHOLD
    # A short-arc knee extension of 8° lifts the foot 0.42·sin 8° = 6 cm.
    assert ConfidenceRater().rate("resistance_band", {**band, "lift_m": 0.06}, "gait").confidence_ < THRESHOLD


@pytest.mark.parametrize("seed,rate", [(4808, 25.0), (4812, 50.0), (4815, 50.0)])
def test_sitting_down_and_standing_up_is_held_back_by_posture_at_the_shank(seed, rate):
    """Sit<->stand with a shank sensor 6-32 cm up, the mounting declared
    (tuning seeds 4800-4819). Its range (29-42°), the missing rest between
    "reps" and the holds' spread depend on the chair and the person; the
    posture does not: seated, the holds are stiller than the standing rests
    and the shin tips back. With those three signs switched off, the
    posture signs alone keep every set out."""
    from analysis.pipeline import run_analysis
    rec, truth = simulate_session(seed=seed, tier="negatives", lookalikes=["sit_stand"], placement="ankle",
                                  sampling_rate_hz=rate, bare=bool(seed % 2), mounting="aligned",
                                  declare_mounting=True, shank_sensor_m=(0.06, 0.32),
                                  lookalike_plan={"hold_s": float(np.random.default_rng([seed, 5]).uniform(3, 8))})
    assert truth["exercises"] == []
    fit = run_analysis(rec)
    lenient = ConfidenceRater(range_deg={"ankle": {"toe_press": (0.0, 90.0)}}, min_rest_s=0.0, max_hold_cv=9.0)
    sets = [k for k in range(len(fit.bouts_)) if fit.bouts_.exercise[k] == "toe_press"]
    assert sets
    for k in sets:
        r = lenient.rate("toe_press", fit.evidence_[k], fit.mounting_.method, "ankle", fit.mounting_.confidence)
        assert r.confidence_ < THRESHOLD
        assert any("stiller held" in d or "shin tips back" in d for d in r.doubts_)


def test_a_shank_toe_press_held_stiller_than_its_rests_is_sitting_down():
    # Standing, the body sways through holds and rests alike (true simulated
    # ankle sets 0.23-1.8); seated holds between standing rests: 0.02-0.08.
    assert ConfidenceRater().rate("toe_press", {**SET, "hold_tremor": 0.25}, "gait", "ankle").confidence_ >= THRESHOLD
    r = ConfidenceRater().rate("toe_press", {**SET, "hold_tremor": 0.04}, "gait", "ankle")
    assert r.confidence_ < THRESHOLD and any("stiller held" in d for d in r.doubts_)


# -- branch look: three signs a look-alike gives with a known mounting ------------------------

def test_a_slow_heel_raise_is_no_toe_press_however_large_its_rise_doubt():
    # A slow 10° rep may read 3 cm of rise from the sensor's bias alone, but a
    # heel raise of 10° lifts the instep only 0.09·sin 10° = 1.6 cm: the bar is
    # half of that, and 1 cm at least when the doubt is that large.
    slow = {**SET, "range_deg": 10.0, "lift_m": 0.015, "lift_doubt_m": 0.03}
    assert ConfidenceRater().rate("toe_press", {**slow, "heel_lift_m": 0.015}, "declared").confidence_ < THRESHOLD
    assert ConfidenceRater().rate("toe_press", {**slow, "heel_lift_m": -0.005}, "declared").confidence_ >= THRESHOLD
    # A true 6° set with a 5.7 cm doubt read +0.84 cm (tuning seed 3702, realistic-wide).
    assert ConfidenceRater().rate("toe_press", {**slow, "range_deg": 6.2, "lift_doubt_m": 0.057,
                                                "heel_lift_m": 0.0084}, "declared").confidence_ >= THRESHOLD


@pytest.mark.parametrize("range_deg,lift_m,counted", [
    # 1.2 cm + 32 cm·(1 − cos range) + a third of the 3 cm doubt: 2.3 cm at 5°,
    # 2.7 cm at 10°, 4.5 cm at 22°.
    (5.0, 0.015, True), (5.0, 0.030, False), (10.0, 0.020, True), (10.0, 0.035, False),
    (22.0, 0.040, True), (22.0, 0.048, False),
])
def test_a_shank_rising_more_than_a_turn_about_the_ankle_is_the_whole_leg(range_deg, lift_m, counted):
    # The old bar, 2 cm + the doubt (5 cm), passed them all.
    ev = {**SET, "range_deg": range_deg, "lift_m": lift_m, "lift_doubt_m": 0.03, "lean_deg": -range_deg}
    r = ConfidenceRater().rate("toe_press", ev, "declared", "ankle")
    assert (r.confidence_ >= THRESHOLD) == counted


def test_a_shank_tiptoe_walk_going_nowhere_is_in_place():
    walk = {"in_posture": 1.0, "stride_s": 0.9, "duration_s": 20.0, "arc_deg": 20.0, "landing_g": 0.5,
            "peak_g": 1.5, "flight_s": 0.0}
    assert ConfidenceRater().rate("tiptoe_walk", {**walk, "travel_m": 0.19}, "declared", "ankle").confidence_ >= THRESHOLD
    hop = ConfidenceRater().rate("tiptoe_walk", {**walk, "travel_m": 0.03}, "declared", "ankle")
    assert hop.confidence_ < THRESHOLD and any("in place" in d for d in hop.doubts_)


# Sessions counted before these signs (benchmarks/lookalikes.py --hard tuning
# seeds), the mounting declared.
@pytest.mark.parametrize("seed,config", [
    (2402, dict(placement="ankle", sampling_rate_hz=28.0, bare=False, mounting="aligned",
                lookalike_plan={"tempo": 2.1230483258604345, "depth": 0.7290444217171459,
                                "hold_s": 4.300221948778039})),
    (2407, dict(placement="ankle", sampling_rate_hz=26.0, bare=True, mounting="aligned",
                lookalike_plan={"tempo": 1.4525125900077822, "depth": 0.547724457437684,
                                "hold_s": 8.405277671697396, "fidget": True})),
])
def test_heel_raises_at_the_shank_are_not_toe_presses(seed, config):
    assert counted_bouts(seed, "heel_raise", declare_mounting=True, **config) == []


# True sets the first version of these signs made uncertain (held-back seeds of
# accuracy.py --seed0 32200, looked at since): a slow shank press whose rise
# reads 4.1 cm at 12° (doubt 17 cm), a hard-tier pencil set lifting 3.7 cm at 19°
# (the heel-raise sign is not applied to pencils: another read 1.9 cm at 19°).
@pytest.mark.parametrize("seed,tier,exercise", [(425003, "ankle", "toe_press"), (424000, "hard", "pencil_pickup")])
def test_true_sets_rising_within_their_doubt_still_count(seed, tier, exercise):
    rec, truth = simulate_session(seed=seed, tier=tier)
    doc = analyze_recording(rec)
    true = [b for b in truth["exercises"] if b["exercise"] == exercise]
    counted = [e for e in doc["exercises"] if e["exercise"] == exercise and is_counted(e)]
    assert len(match_bouts(true, counted)) == len(true)


# -- a true set straight before or after a look-alike in the same posture -----

def _reps(amps, t0=0):
    import pandas as pd
    rows = [(t0 + 600 * k, t0 + 600 * k + 400, t0 + 600 * k + 100, t0 + 600 * k + 300, a, a)
            for k, a in enumerate(amps)]
    return pd.DataFrame(rows, columns=["start", "stop", "hold_start", "hold_stop", "amplitude_deg", "range_deg"])


def test_presses_next_to_heel_raises_are_a_set_of_their_own():
    from analysis.families import HoldSetDetector
    # Ten 3.5 deg presses then eight 20 deg heel raises, a few seconds apart:
    # two sets, each with its own reps.
    group = _reps([3.5, 3.8, 3.4, 3.6, 4.0, 3.7, 3.5, 3.9, 3.6, 3.4, 20, 21, 22, 19, 23, 21, 20, 22])
    parts = HoldSetDetector()._split_by_amplitude(group)
    assert [len(p) for p in parts] == [10, 8]
    assert parts[0].amplitude_deg.max() < 5 and parts[1].amplitude_deg.min() > 15


@pytest.mark.parametrize("amps", [
    # One person's reps varying in depth (a knee bending with the toes: up to 2.5x the median).
    [4, 9, 5, 10, 4, 8, 6, 9, 5, 10],
    # A set that deepens rep by rep, its parts overlapping.
    [3, 3.5, 4, 5, 6, 7, 8, 9, 10, 11],
    # Three big moves after a set (sitting down, adjusting): too few to be a set.
    [4, 4.2, 3.9, 4.1, 4.0, 3.8, 20, 25, 22],
])
def test_one_set_is_not_split_by_its_own_spread(amps):
    from analysis.families import HoldSetDetector
    assert len(HoldSetDetector()._split_by_amplitude(_reps(amps))) == 1


@pytest.mark.parametrize("seed,i", [(6100, 0), (6118, 18)])
def test_a_toe_press_set_next_to_a_heel_raise_set_is_found(seed, i):
    # benchmarks/accuracy.py's look-alikes + exercises column, foot sensor,
    # tuning seeds: 3-4 deg presses a few seconds from 20 deg heel raises
    # (6100: just before; 6118: seated heel raises then standing up) were
    # one group, the presses dropped as its outliers: the true set was lost.
    rec, truth = simulate_session(seed=seed, tier="lookalikes", placement="ankle" if i % 2 else "foot")
    doc = analyze_recording(rec)
    true = [b for b in truth["exercises"] if b["exercise"] == "toe_press"]
    counted = [e for e in doc["exercises"] if is_counted(e)]
    assert len(true) == 1 and len(match_bouts(true, counted)) == 1


# -- branch lookalike2: which turn the foot makes ---------------------------------------

def test_a_foot_lifted_off_the_floor_is_no_toe_press():
    # A 4.4° press lifts the instep 7·sin(4.4°) = 0.5 cm; with 1.2 cm of
    # noise and a third of a 0.4 cm doubt it may rise 1.9 cm. A seated leg
    # raise rose 2.1 cm (benchmarks/lookalikes.py seed 34504).
    ev = {**SET, "range_deg": 4.4, "heel_lift_m": -0.021, "lift_m": 0.021, "lift_doubt_m": 0.004}
    r = ConfidenceRater().rate("toe_press", ev, "declared")
    assert r.confidence_ < THRESHOLD and any("leaves the floor" in d for d in r.doubts_)
    ev.update(heel_lift_m=-0.015, lift_m=0.015)
    assert ConfidenceRater().rate("toe_press", ev, "declared").confidence_ >= THRESHOLD


@pytest.mark.xfail(strict=True, reason=(
    "0.16.0: the check that caught it (the instep rising as the toes go down, nearer a turn "
    "about the ball than the ankle) doubted a quarter of an independent generator's true toe "
    "presses (held-out seeds 60000, clean toe press F1 0.96 -> 0.74) and was dropped"))
def test_squats_whose_heel_comes_up_count_nothing_at_the_foot():
    # benchmarks/lookalikes.py squat seed 32104 (foot, 52 Hz, the mounting
    # declared): the heel rose 7° at the bottom of each squat, and the set
    # was counted as a toe press (confidence 1.0) before.
    assert counted_bouts(32104, "squat", placement="foot", sampling_rate_hz=52.0, bare=False,
                         mounting="upside_down", declare_mounting=True) == []


def test_a_deep_knee_bend_held_for_unlike_times_at_the_shank_is_a_squat():
    # A shank sees a toe press as a knee bend, as it sees a squat. From a
    # 15° bend, holds varying by more than 40 % are a squat's (held as long
    # as each rep takes); a press of the same depth held alike still counts,
    # and so does a shallow press held unevenly (a knee bend of 8° is no squat).
    bend = {**SET, "range_deg": 20.0, "lift_m": 0.01, "lift_doubt_m": 0.01, "lean_deg": -18.0,
            "hold_tremor": 1.0}
    squat = ConfidenceRater().rate("toe_press", {**bend, "hold_cv": 0.45}, "declared", placement="ankle")
    assert squat.confidence_ < THRESHOLD and any("squat" in d for d in squat.doubts_)
    assert ConfidenceRater().rate("toe_press", {**bend, "hold_cv": 0.25}, "declared",
                                  placement="ankle").confidence_ >= THRESHOLD
    assert ConfidenceRater().rate("toe_press", {**bend, "range_deg": 8.0, "lean_deg": -7.0, "hold_cv": 0.45},
                                  "declared", placement="ankle").confidence_ >= THRESHOLD
