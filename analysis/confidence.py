"""How sure the analysis is that a bout is the exercise it was named (contract §4).

Every bout gets ``confidence`` in 0–1. Reports and adherence count a bout
only when its confidence is at least :data:`THRESHOLD`; the others are
listed as *uncertain*, with the reasons (``doubts``).

The confidence is the product of

1. **what the mounting rests on**: the sensor's axes declared in the
   recording (1.0) or found from walking (0.9; at a foot sensor only when
   that mounting's confidence is at least
   :attr:`ConfidenceRater.min_gait_mounting`: a few
   strides, or strides that disagree, may have forward the wrong way round,
   and are rated as a mounting from postures). Without either, "up" is only
   the most common resting direction, which is the lying or the seated
   direction in a recording made lying or seated, and so the posture and the
   exercise names built on it are guesses: 0.45 found from resting postures,
   0.25 not found at all. A hold exercise (toe press, band, pencil) or
   circling then needs stronger evidence to be counted: with resting
   postures that told the forward direction clearly (mounting confidence
   ≥ 0.6), a set of at least five alike reps (holds varying by at most
   35 %) with nothing that suggests a look-alike raises it to 0.55; circles
   in both directions, to 0.55 as well;
2. **factors for each sign of a look-alike** (each 0.3–0.4, so one sign
   puts a bout found with a walked-in mounting below the threshold):

   * out of the exercise's posture (:mod:`analysis.posture`);
   * impacts above :attr:`ConfidenceRater.impact_g` or flight (free fall):
     hops and jumps, never part of these exercises;
   * a range of motion outside the exercise's (a toe press tips the foot by
     a few degrees; a squat, a heel raise or sitting down moves the foot or
     shank much further; a band rep moves the foot clearly);
   * holds far shorter than the exercise's, reps unlike each other, or a
     "set" of very few reps (fidgeting, tapping); a few circles in another
     pose right beside a set of circles (a fidget before the leg's raise);
   * reps that swing far past the position they hold (sitting down and
     standing up: the segment tips well forward on the way, then settles
     near where it was), measured per rep from the rest it left and net of
     the hold's own wobble (:func:`rep_extent`), so that noise under a
     1-3° press is no swing;
   * a pencil pickup whose foot never lifts (sitting down and standing up);
   * the sensor rising or falling per rep (a heel raise lifts the ankle,
     a leg raise the whole foot; toe presses and band reps turn about the
     ankle and leave it in place), by more than the rep's turn can fake
     through the accelerometer's bias (:func:`rise_doubt`);
   * for tiptoe walking: a stride pace unlike walking (lunges, split
     squats), climbing (stairs) or a few steps only;
   * posture at the shank, which is upright standing and seated alike: a
     "toe press" that tips the shin back as far as a knee extension does,
     or swings the sensor about the knee (the foot going forward: a
     seated knee extension), or whose holds are stiller than
     its rests (seated holds between standing rests), and, without walking
     nor a declared mounting, no shank toe press is strong evidence.

The numbers were set on simulated look-alike sessions (tuning seeds in
``tests/test_confidence.py``) and the real recordings under
``tests/data/real/``; the benchmark measures them on other seeds.
"""
from __future__ import annotations

import numpy as np

from sensors.contract import HOLD_EXERCISES, G

from .reps import _median

THRESHOLD = 0.5
MOUNTING_BASE = {"declared": 1.0, "gait": 0.9, "posture": 0.45, "guess": 0.25}


def is_counted(bout: dict, min_confidence: float = THRESHOLD) -> bool:
    """Whether a ``toehold-analysis/1`` exercise entry counts (confidence ≥ threshold).

    Entries without a confidence (documents from before it existed) count;
    a confidence that is not a number (a hand-edited file) does not.
    """
    c = bout.get("confidence")
    return c is None or (isinstance(c, (int, float)) and c >= min_confidence)


class DisplacementMemo:
    """An earth-frame acceleration whose :func:`displacement` over each ``(a, b)`` is worked out once.

    Sliced as the array it wraps. The hold-set detector asks for the rise
    of the same reps several times (each rep's lift, its heel rise, the
    set's evidence): on a day of wear 5774 calls for 2226 distinct
    stretches, each computing the earth-frame rows anew.
    """

    def __init__(self, earth_acc):
        self.earth_acc = earth_acc
        self.done: dict = {}
        self.vertical_done: dict = {}  # vertical_displacement's, where only the rise was asked for

    def __getitem__(self, key):
        return self.earth_acc[key]

    def __len__(self) -> int:
        return len(self.earth_acc)


def displacement(earth_acc: np.ndarray, a: int, b: int, sampling_rate_hz: float) -> np.ndarray:
    """Sensor displacement (m, earth frame) from sample ``a`` to ``b``.

    Double integration of gravity-free acceleration, assuming the sensor is
    still at both ends (a rest and a hold, or two foot contacts): the
    velocity's linear drift is removed, which also cancels a constant error
    in the acceleration (a tilt estimate a degree off). ``earth_acc`` may
    be a :class:`DisplacementMemo` (the same values, each worked out once).
    """
    if isinstance(earth_acc, DisplacementMemo):
        key = (int(a), int(b), float(sampling_rate_hz))
        d = earth_acc.done.get(key)
        if d is None:
            d = earth_acc.done[key] = displacement(earth_acc.earth_acc, a, b, sampling_rate_hz)
        return d.copy()
    if b - a < 3:
        return np.zeros(3)
    acc = earth_acc[a:b]
    v = np.cumsum(acc, axis=0) / sampling_rate_hz
    v -= np.outer(np.linspace(0.0, 1.0, len(v)), v[-1])
    return v.sum(axis=0) / sampling_rate_hz


def vertical_displacement(earth_acc, a: int, b: int, sampling_rate_hz: float) -> float:
    """``displacement(earth_acc, a, b, sampling_rate_hz)[2]``, the same value, from the vertical alone.

    Most callers want only the rise. From an
    :class:`~analysis.orientation.EarthAcceleration` (or a
    :class:`DisplacementMemo` of one) the vertical column is worked out
    without the rotation's other two rows (``EarthAcceleration.vertical``:
    the same bits as the full rows' third column), then integrated with
    the same operations: ``cumsum`` along the samples as along axis 0, the
    drift's product per element, and the closing sum in sample order, as
    numpy's axis-0 sum over the (m, 3) rows adds (``np.add.accumulate``:
    not the pairwise sum a 1-D ``sum`` would take).
    """
    memo = earth_acc if isinstance(earth_acc, DisplacementMemo) else None
    if memo is not None:
        key = (int(a), int(b), float(sampling_rate_hz))
        d = memo.done.get(key)
        if d is not None:
            return d[2]
        z = memo.vertical_done.get(key)
        if z is None:
            z = memo.vertical_done[key] = vertical_displacement(memo.earth_acc, a, b, sampling_rate_hz)
        return z
    if not hasattr(earth_acc, "vertical"):
        return displacement(earth_acc, a, b, sampling_rate_hz)[2]
    if b - a < 3:
        return np.float64(0.0)
    v = np.cumsum(earth_acc.vertical(a, b)) / sampling_rate_hz
    v -= np.linspace(0.0, 1.0, len(v)) * v[-1]
    return np.add.accumulate(v)[-1] / sampling_rate_hz


def rise_doubt(turn_deg: float, move_s: float, acc_error_mps2: float = 0.5) -> float:
    """How far (m) a rise integrated over a move that turns the sensor may be off.

    :func:`displacement` removes the velocity's linear drift, which cancels
    a constant error in the acceleration but not one that changes during
    the move: turning the sensor by ``turn_deg`` brings up to
    ``acc_error_mps2·sin(turn)`` of its per-axis bias and scale error into
    the vertical (consumer sensors' zero-g offsets are ±40-80 mg, 0.4-0.8
    m/s²: 0.17 m/s² at 0.5 for a knee bent 20°). That step, halfway through
    a move of ``move_s``, reads as ``step·move_s²/8`` of rise: 4.8 cm for a
    1.5 s move, as much as a heel raise lifts a shank sensor, where a knee
    bend turning the shank about the ankle lifts it not at all. A heel
    raise turns the shank a few degrees: its allowance stays below a
    centimetre.
    """
    step = acc_error_mps2 * abs(np.sin(np.radians(min(abs(turn_deg), 90.0))))
    return float(step * move_s ** 2 / 8)


def heel_raise_rise_m(range_deg: float, reach_m: float = 0.09) -> float:
    """How far (m) a heel raise of ``range_deg`` lifts a foot sensor.

    A heel raise turns the foot about the ball of the foot: the instep
    sensor, ``reach_m`` behind it (7 cm ahead of the ankle, which is 16 cm
    behind the ball), rises by ``reach_m·sin(range)`` as the toes go down:
    1.6 cm at 10°, 3.7 cm at 24° (a simulated standing heel raise of 24°
    read 2.1 cm).
    """
    return float(reach_m * np.sin(np.radians(min(abs(range_deg), 90.0))))


def shank_rise_allowance_m(range_deg: float, lift_doubt_m: float = 0.0, still_m: float = 0.012,
                           sensor_height_m: float = 0.32, doubt_share: float = 1 / 3) -> float:
    """How far (m) a shank sensor may rise or fall in a rep that turns the shank about the ankle.

    A knee bend over a planted foot (a toe press, a squat's lower half)
    turns the shank about the ankle: a sensor ``sensor_height_m`` above it
    (6-32 cm) rises or falls by at most ``h·(1 − cos(range))``, 0.5 cm at
    10° and 2.4 cm at 22°, plus ``still_m`` of integration noise, plus
    ``doubt_share`` of the rep's :func:`rise_doubt` (``lift_doubt_m``: the
    bias a slow turn brings into the vertical, worked out for a 0.5 m/s²
    bias; a slow simulated ankle-tier press read 4.1 cm at 12° with a doubt
    of 17 cm, a quarter of it). Simulated shank toe presses otherwise: at
    most 1.3 cm at 10.6°, 2.1 cm at 20.7°. A rep rising further moves the
    whole leg: a heel raise lifting the ankle (2.4-3 cm at 5° with doubts of
    1.6-2.1 cm), a leg or knee raised seated or lying, sitting down and
    standing up, a lunge.
    """
    turn = sensor_height_m * (1.0 - np.cos(np.radians(min(abs(range_deg), 90.0))))
    return float(still_m + turn + doubt_share * lift_doubt_m)


def toes_down_rise(earth_acc: np.ndarray, tilt_deg: np.ndarray, reps, offset: int,
                   sampling_rate_hz: float) -> np.ndarray:
    """Rise (m) of a foot sensor in each rep, counted up when the rep tips the toes down.

    A heel raise, standing or seated, turns the foot about the ball of the
    foot: the toes go down and the instep (the sensor) rises with the heel,
    by about ``0.09·sin(turn)`` for a sensor 7 cm ahead of the ankle. A toe
    press or a pencil grip turns the foot about the ankle, so a toes-down
    rep lowers the sensor ahead of it (and a toes-up one raises it): the
    value is then negative or about nil.

    Parameters
    ----------
    earth_acc : ndarray, shape (n, 3)
        Gravity-free acceleration, earth frame (m/s²).
    tilt_deg : ndarray, shape (n,)
        The foot's pitch, + = toes up (``SessionSignals.tilt_deg``).
    reps : DataFrame
        ``start``, ``hold_start``, ``hold_stop`` (samples from ``offset``).

    Returns
    -------
    ndarray, shape (len(reps),)
    """
    out = []
    for a, h0, h1 in zip(*(np.asarray(reps[c]) for c in ("start", "hold_start", "hold_stop"))):
        a, h0, h1 = offset + int(a), offset + int(h0), offset + int(h1)
        turn = float(_median(tilt_deg[h0:max(h1, h0 + 1)])) - float(tilt_deg[a])
        rise = float(vertical_displacement(earth_acc, a, h0, sampling_rate_hz))
        out.append(-rise if turn > 0 else rise)
    return np.array(out)


def rep_extent(angle_deg: np.ndarray, reps, sampling_rate_hz: float, noise_sds: float = 2.0,
               ) -> tuple[np.ndarray, np.ndarray]:
    """How far each rep goes and where it holds, from the rest it left (deg).

    Parameters
    ----------
    angle_deg : ndarray, shape (n,)
        The low-passed angle the reps were found on (either sign: each rep
        is measured in the direction it moved).
    reps : DataFrame
        ``start``, ``stop``, ``hold_start``, ``hold_stop`` (samples).
    noise_sds : float
        The peak counts beyond the held level only by what exceeds this many
        standard deviations of the angle during the hold.

    Returns
    -------
    peak, held : ndarray, shape (len(reps),)
        ``held``: median held level above the rest (the median of the second
        before the rep); ``peak``: ``held`` plus how far the rep swung past
        it. The largest sample of a hold lies a few noise standard
        deviations above its median, and a running minimum as rest lies as
        far below: a 1.5° press under 0.7° of noise (a 25 Hz sensor's
        accelerometer noise of 0.25 m/s², low-passed) "swung" twice as far
        as it held. Measured so, the hold's own wobble (noise, tremor, a
        sag, the settling after an overshoot) is not a swing; sitting down,
        which tips the segment far past where it settles, is.
    """
    x = np.asarray(angle_deg, dtype=float)
    w = max(1, int(sampling_rate_hz))
    n = len(reps)
    peak, held = np.zeros(n), np.zeros(n)
    # Columns as arrays: a DataFrame or the set detector's numpy columns.
    for i, (a, b, h0, h1) in enumerate(zip(*(np.asarray(reps[c]) for c in ("start", "stop", "hold_start",
                                                                           "hold_stop")))):
        a, b, h0, h1 = int(a), int(b), int(h0), int(h1)
        rest = float(_median(x[max(0, a - w):a + 1]))
        hold = x[h0:max(h1, h0 + 1)]
        level = float(_median(hold)) - rest
        way = 1.0 if level >= 0 else -1.0
        swing = float(np.max(way * (x[a:max(b, a + 1)] - rest)))
        excess = max(0.0, swing - abs(level) - noise_sds * float(np.std(hold)))
        held[i] = abs(level)
        peak[i] = abs(level) + excess
    return peak, held


def stride_travel(earth_acc: np.ndarray, gyr: np.ndarray, contacts: np.ndarray,
                  sampling_rate_hz: float) -> tuple[float, float]:
    """Median rise or fall (m, absolute) and median forward travel (m) of the sensor per stride.

    Integrated between the calmest instants of consecutive strides (the foot
    or shank nearly still in mid-stance, where velocity is ~0): a climb of
    about 0 on level ground, 0.3 m a stride on stairs; a travel of a step's
    length walking (0.2-0.9 m on tiptoe), about 0 tapping a foot in place.
    """
    if len(contacts) < 3:
        return 0.0, 0.0
    w = max(1, int(0.1 * sampling_rate_hz))
    # Only the walk's rows, with a window's margin on each side, are
    # smoothed (each value sums the same samples as over the whole day,
    # whose norm per walk was a 200 MB temporary).
    lo, hi = max(0, int(contacts[0]) - w), min(len(gyr), int(contacts[-1]) + w)
    calm_rate = np.convolve(np.linalg.norm(gyr[lo:hi], axis=1), np.ones(w), mode="same")
    calm = [c0 + int(np.argmin(calm_rate[c0 - lo:c1 - lo])) for c0, c1 in zip(contacts[:-1], contacts[1:]) if c1 > c0]
    moves = np.array([displacement(earth_acc, a, b, sampling_rate_hz) for a, b in zip(calm[:-1], calm[1:])])
    if not len(moves):
        return 0.0, 0.0
    return float(np.median(np.abs(moves[:, 2]))), float(np.median(np.hypot(moves[:, 0], moves[:, 1])))


def motion_evidence(acc: np.ndarray, a: int, b: int, sampling_rate_hz: float, free_fall_g: float = 0.35) -> dict:
    """Impacts and flight in samples ``a:b`` of the accelerometer (m/s², any frame).

    Returns ``peak_g`` (largest |acc| in g) and ``flight_s`` (longest stretch
    of free fall, |acc| below ``free_fall_g``).
    """
    if b <= a:
        return {"peak_g": 0.0, "flight_s": 0.0}
    norm = np.linalg.norm(acc[a:b], axis=1) / G
    low = np.r_[False, norm < free_fall_g, False].astype(np.int8)
    edges = np.diff(low)
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    return {"peak_g": float(norm.max()), "flight_s": float(runs.max() / sampling_rate_hz) if len(runs) else 0.0}


class ConfidenceRater:
    """Rate one bout from its evidence.

    Parameters
    ----------
    impact_g : float
        Peaks above this (g) are hops, jumps or stamps. Toe presses, band
        reps and pencil pickups stay near 1 g; walking on tiptoe lands
        softly, and brisk circles swing the foot through 2.5-4.5 g
        (simulated clean sessions): the rule is not applied to them,
        flight is (a jump's landing follows its flight).
    pencil_drop_g : float
        A pencil set whose foot rises ``pencil_strong_lift_m`` or more may
        let the foot fall to the floor with the pencil (people drop it
        rather than put it down: simulator pencil-people, foot down in
        0.15-0.5 s, landing at 2.6-2.9 g); its impacts doubt it only past
        this. A hop's landing comes after its flight (``max_flight_s``).
    max_flight_s : float
        Free fall this long or longer is a hop or a jump.
    shank_tiptoe_flight_s : float
        The same for a shank sensor's tiptoe walk: a quick swing dips the
        shank under the free-fall level for 0.1-0.14 s (its forward swing
        and the foot's drop; tiptoe walks at 150+ steps/min, branch
        ankletiptoe), a hop's flight lasts 0.26 s and more (tiptoe tiers'
        hops at the shank, seeds 17000-17064).
    range_deg : dict
        Plausible median range of motion per rep (deg), per placement and
        exercise: ``(low, high)``.
    max_lift_m : dict
        Largest plausible median rise of the sensor per rep (m), per
        placement and exercise, beyond the evidence's ``lift_doubt_m``
        (:func:`rise_doubt`: a knee bent 20° in 1.5 s may read as 5 cm).
    stride_s : tuple
        Plausible tiptoe stride time (s; one foot's contacts).
    max_climb_m : float
        Median rise or fall per stride beyond this is stairs (a stair is
        ~0.17 m, a stride two stairs). Judged with a foot sensor only: the
        shank is never still in stance, so its rise cannot be integrated
        stride by stride.
    shank_tiptoe_arc_deg : float
        A shank sensor's tiptoe walk swinging it this far a stride or more
        (median sagittal arc, deg) may be heel-to-toe walking with short
        steps: the shank cannot see the heel (the detector keeps walks up
        to ``families.SHANK_UNSURE_ARC_DEG``), unless its landings are soft.
        One cue of several (``shank_heel_to_toe_cues``; :meth:`_heel_to_toe_sign`).
    shank_firm_landing_g, shank_walk_arc_deg, shank_brief_s, shank_heel_to_toe_cues
        The second cues :meth:`_heel_to_toe_sign` asks for: landings of
        ``shank_firm_landing_g`` (g) or more with a long swing, an arc of
        ``shank_walk_arc_deg`` (deg) or more with a heel strike's jolt, a
        walk shorter than ``shank_brief_s`` (s) with either. With
        ``shank_heel_to_toe_cues`` 1, one cue is enough (the rule before
        branch ankletiptoe).
    shank_soft_landing_g, shank_heel_strike_g : float
        A shank's median contact jolt (``landing_g``, g; ``gait.contact_impacts``)
        under the first is a forefoot landing (no heel strike: the arc rule
        is waived, as ``families.SHANK_SOFT_LANDING_G``); at or above the
        second, a heel strike: walking or stairs, however short the steps
        (tiptoe tier 1000-1029: 8 of the 14 heel-to-toe walks swinging the
        shank under 38° land at 2.6-4.1 g; the standard ankle tier's tiptoe
        walks, landing rigidly, 1.1-2.3 g).
    shank_heel_strike_arc_deg, shank_heel_strike_g_per_deg : float
        A heel strike comes at the end of a heel-to-toe swing: a walk
        swinging the shank less than ``shank_heel_strike_arc_deg`` a stride
        must land ``shank_heel_strike_g_per_deg`` g harder for each degree
        it falls short to be taken for one. A quick tiptoe walk lands hard
        through a small arc (standard ankle tier seeds 100-123: 2.8-3.05 g at
        15-24°, walking 0.7-0.84 s strides), heel-to-toe walks that short
        land harder (tiptoe tier 100-123 and 1000-1029: the shortest, 27.5°,
        at 4.5 g; the rest 32° and more).
    strong_min_reps, strong_max_hold_cv, strong_min_mounting : int, float, float
        What makes a hold set strong evidence without a known mounting: this
        many reps, holds this alike, and resting postures that told the
        forward direction at least this clearly (a recording made lying
        down throughout has no posture to tell it: its "up" is lying).
        Pencil pickups (three per foot) need three reps instead, and the
        foot rising at least ``pencil_strong_lift_m`` per rep.
    pencil_strong_lift_m : float
        See above (simulated pencil sets rise 2-7 cm per rep).
    min_hold_s : float
        A set whose median hold is shorter is fidgeting or tapping, not one
        of the hold exercises (held 4–10 s by prescription, though some
        people hold a toe press barely past the counting rule's 1 s).
    pencil_min_lift_m : float
        A pencil pickup lifts the foot (with the pencil) off the floor: a
        set whose median rise per rep is smaller is something else.
    min_reps : dict
        Fewer reps than this (per exercise) are a fidget rather than a set:
        toe presses and band reps are prescribed ten at a time. Pencil
        pickups (three per foot) are left to the detector's own minimum.
    max_range_cv : float
        Reps of one set move alike; a set whose ranges vary more (standard
        deviation over mean) is fidgeting.
    max_overshoot : float
        A rep moves to the position it holds (peak about 1.0-1.4 times the
        held level above rest); a set whose median peak is further out than
        this times its held level passes through a posture on its way
        (sitting down: the shank and foot tip well forward, then settle
        near where they were) or shakes about (fidgeting). The peak is
        :func:`rep_extent`'s: from the rep's own rest, net of two standard
        deviations of its hold (measured against a running minimum and the
        hold's largest sample, 1.5° presses under a 25 Hz sensor's noise
        "swung" 2.1-2.6 times as far as they held).
    min_travel_m : float
        A foot walking on tiptoe moves a step's length each stride (0.2-0.9
        m simulated, 0.19 m the least measured); tapping a foot in place
        reads as strides that go nowhere (0.005-0.16 m measured, the most
        at 25 Hz). Judged with a foot sensor only (see ``max_climb_m``).
    max_heel_lift_m : float
        A foot toe-press set whose instep rises by more than this per rep as
        the toes go down (:func:`toes_down_rise`; beyond the rep's
        ``lift_doubt_m`` too) is a heel raise, seated or standing.
    still_leg_range_deg, still_leg_min_cue : float
        A set moving less than ``still_leg_range_deg`` per rep whose
        posture cue is below ``still_leg_min_cue``: the leg sways either
        way of where it rests, as the still leg does while the other one
        exercises (simulated: cues -0.39 to 0.32), where a press goes one
        way from it (simulated sets under 4°: 0.54 and more).
    min_tiptoe_s : float
        Tiptoe walking is prescribed for 20-30 s; a few steps on the
        forefoot (a flight of stairs seen by a shank sensor, whose climb
        cannot be integrated) are shorter than this.
    max_hold_cv : float
        A person holds the reps of a set alike (simulated sets: at most
        0.33); sitting and standing in turn, read as holds and rests, are
        held however long the person stays.
    uneven_max_hold_cv, uneven_min_posture_cue, uneven_max_overshoot : float
        Holds varying past ``max_hold_cv`` alone do not doubt a foot toe
        press or band set: people lose count and hold 1.5 s one rep, 8 s the
        next (wide hard-tier simulated sets, 1.5-8 s in one set: 0.51-0.63
        with posture cues 0.49-0.76 and overshoots 1.00-1.22; an independent
        generator's hard tier: true sets at 0.50-0.74). Such a set is
        doubted only with a second sign of postures held in turn: holds
        varying past ``uneven_max_hold_cv``, a posture cue unknown or below
        ``uneven_min_posture_cue``, an overshoot past
        ``uneven_max_overshoot``, or moves under ``still_leg_range_deg``
        (benchmarks/README.md, "harddoubt").
    min_rest_s : float
        Reps are rested between (simulated sets: median rest at least
        0.74 s); read as reps, sitting down and standing up leave no rest:
        one posture's "release" is the next one's "move".
    band_return_s : float
        The band pulls the foot back: a band set whose reps return to rest
        (median ``return_s``) quicker than this is not doubted for short
        rests (simulated band sets return in 0.28-0.41 s and people rest as
        little as 0.3 s between them; sitting down or standing up read as
        reps returned in 0.52-1.86 s). Band sets only: a quick return is no
        band's alone (look-alikes named toe press with no rest: lunges and
        hops 0.18-0.30 s), and a foot sensor sees the band toes-up where
        sitting or standing leaves the foot flat.
    min_posture_cue : float
        :func:`analysis.reps.set_cues`' posture cue: a set's rests are at
        the level the person stays in around it (> 0.5 for simulated
        sets, -0.27 at worst); below this the holds are, and the "reps"
        are changes of posture.
    shank_back_max_deg : float
        A toe press standing bends the knee over the toes, if at all: a
        shank sensor's pitch goes forward each rep (``lean_deg`` < 0:
        :func:`analysis.families.shank_lean`; simulated ankle sets -2 to
        -17°, the outside simulator's -16 to -29°). A "toe press" whose
        shin tips back by more than this per rep is the foot swinging
        forward about the knee (a seated knee extension), when it tips back
        as far as a knee extension swings it (``shank_swing_deg``) or the
        sensor swung about a point above it (``shank_knee_pivot_m``).
        Judged only with a mounting declared or found from walking (a
        mounting from postures may have forward the wrong way round).
    shank_swing_deg, shank_knee_pivot_m : float
        Gripping the floor with the toes can shift the weight back over a
        planted foot and tip the shin back a few degrees about the ankle
        (issue 12: an outside generator's true ankle sets, 2-8°;
        ``SimConfig.press_wide``: up to 10°). Below ``shank_swing_deg`` a
        shin tipping back is doubted only when the shank turned about a
        point above the sensor (``pivot_m`` plus twice its standard error
        ``pivot_se_m`` below ``shank_knee_pivot_m``;
        :func:`analysis.families.shank_pivot_m`: the sensor pushed against
        the shin's turn, as the foot is swinging about the knee). Tuning
        sessions: true presses tipping the shin back or forward +0.08 to
        +0.10 m (the sensor 10 cm up; SE 0.002-0.013), a knee extension of
        12° (look-alike seed 2813) -0.34 m.
    shank_seated_tremor : float
        A shank toe press whose holds are at least this active against
        its rests (``hold_tremor``: standing, the body sways through holds
        and rests alike) is not doubted for holds unlike each other alone:
        sitting down and standing up in turn, the cue that names, leaves
        the seated "holds" stiller than the standing rests (0.02-0.5 in
        the tuning look-alikes). People count their holds unevenly (an
        outside generator's true ankle sets varied by 54-56 %).
    heel_arch_max_m, heel_raise_min_range_deg : float
        See :meth:`_heel_raise_sign`.
    shank_min_tremor : float
        The same cue for a shank sensor's toe press: standing, the body
        sways over the ankle through the rests and the holds alike (true
        simulated ankle sets 0.23-1.8, the outside simulator's 89-93);
        seated on a chair the shank is still, so sitting down and standing
        up read as holds far stiller than their rests (0.025-0.08 in
        ``benchmarks/lookalikes.py``). Not applied to a foot sensor, which
        is flat and still standing too (a true clean-tier set: 0.02).
    pencil_min_tremor : float
        :func:`analysis.reps.set_cues`' tremor cue (``hold_tremor``: the
        holds' gyro activity over the rests'): a foot holding a pencil up
        trembles more than one resting on the floor (simulated pencil sets
        7.8-25); a pencil "set" whose holds are stiller than this fraction
        of its rests is a posture held on the floor between moves, as
        sitting (still) and standing (swaying) in turn (tuning seed 2014 of
        ``benchmarks/lookalikes.py``: 0.035).
    pencil_tremor_lift_m : float
        A set lifting the foot this far per rep (median) is held up in the
        air whatever its tremor says: a foot held still enough tells
        nothing (pencil-hard seed 7037: lifted 7 cm, held 6 s, tremor cue
        0.14 with the foot kept still), while sitting down and standing up
        leaves the foot on the floor (2.8 cm read on seed 2014). See
        benchmarks/README.md, "Pencil pickups held still, briefly, or once".
    pencil_held_reps, pencil_held_s, pencil_held_cv, pencil_held_rest_s : (int, int), float, float, float
        A pencil set held as prescribed (:meth:`held_as_prescribed`): this
        many reps (2-5), each held ``pencil_held_s`` or longer (median; the
        text says 10 s), alike (holds varying by at most ``pencil_held_cv``)
        and put down between (median rest ``pencil_held_rest_s`` or more),
        with no swing past the held position (``max_overshoot``) and reps
        alike in size (``max_range_cv``). Such a set is itself the
        evidence that a pencil is held: it is not doubted for a foot that
        barely lifts (toes curled round the pencil, the heel down), for a
        foot stiller held than at rest (people brace the leg while holding,
        and slide the foot to fetch the pencil between reps) down to
        ``pencil_held_min_tremor`` (sitting down and standing up read
        0.035: tuning seed 2014 of ``benchmarks/lookalikes.py``). A tip past
        the pencil range is still doubted: a foot pointed 30-45° with the
        pencil held clear of the floor is lifted 0.19 m·sin(tip) at the
        ankle or more, which puts the instep where a heel raise of that tip
        puts it (0.12 m·sin(tip)), and a held heel raise is such a set
        (tests/test_lookalikes.py; seed 905's heel raises gave a pair held
        8 s, 45°, 2.0 cm). Benchmarks: ``benchmarks/pencil4.py`` (branch
        pencil4).
    pencil_held_min_range_deg : float
        A set held as prescribed whose foot does not lift must still hold a
        tip of this much (median) and have three reps or more: the toes'
        curl tips the instep, a foot merely resting does not, and two holds
        may be the resting foot shifting during the other foot's turn.
    min_gait_mounting : float
        A foot sensor's mounting from walking whose confidence
        (``Mounting.confidence``: the strides' agreement and number) is below
        this is no mounting from walking here (``mount`` tier,
        benchmarks/mounting.py).
    heel_raise_reach_m : float
        How far behind the ball of the foot a foot sensor sits
        (:func:`heel_raise_rise_m`): a toe-press set's toes-down rise is
        judged against half of what a heel raise of its range lifts the
        sensor, however large its integration doubt (a slow heel raise's),
        but never against less than ``doubtful_heel_lift_m`` when the doubt
        is that large (a true 6° set with a 5.7 cm doubt read +0.84 cm:
        tuning seed 3702 of ``lookalikes.py --exercises``, realistic-wide;
        a seated heel raise of 13°, +1.5 cm, seed 3703 of ``--hard``).
    press_reach_m : float
        How far ahead of the ankle a foot sensor sits: a toe press turning
        the foot about the ankle moves the instep about
        ``press_reach_m·sin(range)``. (A check that a toes-down rise nearer
        a turn about the ball than about the ankle is a heel raise was
        tried on branch lookalike2 and dropped: an independently written
        generator's toe presses rise as the toes grip, and 0.16.0 doubted
        a quarter of its true sets; benchmarks/README.md, "0.16.0 on
        held-out seeds 60000".)
    foot_still_rise_m : float
        A foot toe press rises per rep at most what its turn about the
        ankle lifts the instep (``press_reach_m·sin(range)``) plus this
        much integration noise plus a third of its ``lift_doubt_m``
        (simulated foot sets: at most 1.8 cm at 9.5° with a 5.7 cm doubt);
        a foot lifted off the floor (a seated leg raise, tuning seed 34504
        of ``lookalikes.py``: 2.1 cm at 4.4°) rises further.
    shank_squat_range_deg, shank_max_hold_cv : float
        A shank sees a toe press only as its knee bend, the same turn
        about the ankle as a squat's or a lunge's: from
        ``shank_squat_range_deg`` of bend (a shallow squat's) a shank toe
        press whose holds vary by more than ``shank_max_hold_cv`` is
        doubted. A press is held for a count (simulated shank sets of 15°
        and more: at most 0.29, but for one of 28°, doubted for its range
        anyway); a squat is held at the bottom as long as each rep happens
        to take (tuning seeds: squats and a split squat of 16-27° at 0.42-0.50,
        counted before; one at 0.34 is not caught).
    shank_still_rise_m, shank_sensor_height_m : float
        :func:`shank_rise_allowance_m`: a shank hold set rising further per
        rep than a turn about the ankle can lift the sensor moves the whole
        leg (heel raises, leg raises, sitting down, lunges).
    shank_min_travel_m : float
        A shank sensor's tiptoe walk whose strides travel less than this
        (median, m) is in place: hops, heel raises, marching on the spot
        (the foot sensor's ``min_travel_m``, lower: a shank's travel is
        integrated through a swing that is never still).
    """

    def __init__(self, impact_g: float = 2.5, max_flight_s: float = 0.1,
                 range_deg: dict | None = None, max_lift_m: dict | None = None,
                 stride_s: tuple = (0.6, 2.5), max_climb_m: float = 0.2,
                 strong_min_reps: int = 5, strong_max_hold_cv: float = 0.35, min_hold_s: float = 1.2,
                 pencil_strong_lift_m: float = 0.02,
                 pencil_min_lift_m: float = 0.008, max_range_cv: float = 0.5,
                 min_reps: dict | None = None, strong_min_mounting: float = 0.6,
                 max_overshoot: float = 2.0, max_hold_cv: float = 0.5, min_rest_s: float = 0.5,
                 band_return_s: float = 0.5,
                 min_posture_cue: float = -0.5, min_tiptoe_s: float = 8.0, min_travel_m: float = 0.1,
                 max_heel_lift_m: float = 0.008, still_leg_range_deg: float = 4.0,
                 still_leg_min_cue: float = 0.35, shank_tiptoe_arc_deg: float = 38.0,
                 shank_soft_landing_g: float = 0.8, shank_heel_strike_g: float = 2.5,
                 shank_heel_strike_arc_deg: float = 28.0, shank_heel_strike_g_per_deg: float = 0.12,
                 shank_firm_landing_g: float = 1.4, shank_walk_arc_deg: float = 33.0, shank_brief_s: float = 20.0,
                 shank_heel_to_toe_cues: int = 2, shank_tiptoe_flight_s: float = 0.15,
                 pencil_min_tremor: float = 0.5, pencil_drop_g: float = 3.5, shank_back_max_deg: float = 1.0,
                 shank_min_tremor: float = 0.15, pencil_tremor_lift_m: float = 0.05,
                 heel_raise_reach_m: float = 0.09, doubtful_heel_lift_m: float = 0.01, shank_still_rise_m: float = 0.012,
                 shank_sensor_height_m: float = 0.32, shank_min_travel_m: float = 0.06,
                 min_gait_mounting: float = 0.5, press_reach_m: float = 0.07,
                 foot_still_rise_m: float = 0.012,
                 shank_squat_range_deg: float = 15.0, shank_max_hold_cv: float = 0.4,
                 shank_swing_deg: float = 10.0, shank_knee_pivot_m: float = -0.03,
                 shank_seated_tremor: float = 1.0, heel_arch_max_m: float = 0.012,
                 heel_raise_min_range_deg: float = 10.0,
                 pencil_held_reps: tuple[int, int] = (2, 5), pencil_held_s: float = 8.0,
                 pencil_held_cv: float = 0.25, pencil_held_rest_s: float = 1.5,
                 pencil_held_min_tremor: float = 0.05, pencil_held_min_range_deg: float = 1.0,
                 uneven_max_hold_cv: float = 0.85, uneven_min_posture_cue: float = 0.35,
                 uneven_max_overshoot: float = 1.5):
        self.shank_swing_deg = shank_swing_deg
        self.shank_knee_pivot_m = shank_knee_pivot_m
        self.shank_seated_tremor = shank_seated_tremor
        self.heel_arch_max_m = heel_arch_max_m
        self.heel_raise_min_range_deg = heel_raise_min_range_deg
        self.pencil_held_reps = pencil_held_reps
        self.pencil_held_s = pencil_held_s
        self.pencil_held_cv = pencil_held_cv
        self.pencil_held_rest_s = pencil_held_rest_s
        self.pencil_held_min_tremor = pencil_held_min_tremor
        self.pencil_held_min_range_deg = pencil_held_min_range_deg
        self.uneven_max_hold_cv = uneven_max_hold_cv
        self.uneven_min_posture_cue = uneven_min_posture_cue
        self.uneven_max_overshoot = uneven_max_overshoot
        self.shank_squat_range_deg = shank_squat_range_deg
        self.shank_max_hold_cv = shank_max_hold_cv
        self.min_gait_mounting = min_gait_mounting
        self.press_reach_m = press_reach_m
        self.foot_still_rise_m = foot_still_rise_m
        self.heel_raise_reach_m = heel_raise_reach_m
        self.doubtful_heel_lift_m = doubtful_heel_lift_m
        self.shank_still_rise_m = shank_still_rise_m
        self.shank_sensor_height_m = shank_sensor_height_m
        self.shank_min_travel_m = shank_min_travel_m
        self.shank_min_tremor = shank_min_tremor
        self.pencil_min_tremor = pencil_min_tremor
        self.pencil_tremor_lift_m = pencil_tremor_lift_m
        self.shank_back_max_deg = shank_back_max_deg
        self.shank_tiptoe_arc_deg = shank_tiptoe_arc_deg
        self.shank_soft_landing_g = shank_soft_landing_g
        self.shank_heel_strike_g = shank_heel_strike_g
        self.shank_heel_strike_arc_deg = shank_heel_strike_arc_deg
        self.shank_heel_strike_g_per_deg = shank_heel_strike_g_per_deg
        self.shank_firm_landing_g = shank_firm_landing_g
        self.shank_brief_s = shank_brief_s
        self.shank_walk_arc_deg = shank_walk_arc_deg
        self.shank_heel_to_toe_cues = shank_heel_to_toe_cues
        self.shank_tiptoe_flight_s = shank_tiptoe_flight_s
        self.min_tiptoe_s = min_tiptoe_s
        self.min_travel_m = min_travel_m
        self.max_heel_lift_m = max_heel_lift_m
        self.still_leg_range_deg = still_leg_range_deg
        self.still_leg_min_cue = still_leg_min_cue
        self.max_overshoot = max_overshoot
        self.max_hold_cv = max_hold_cv
        self.min_rest_s = min_rest_s
        self.band_return_s = band_return_s
        self.min_posture_cue = min_posture_cue
        self.strong_min_mounting = strong_min_mounting
        self.pencil_min_lift_m = pencil_min_lift_m
        self.min_reps = min_reps or {"toe_press": 4, "resistance_band": 4}
        self.max_range_cv = max_range_cv
        self.min_hold_s = min_hold_s
        self.impact_g = impact_g
        self.pencil_drop_g = pencil_drop_g
        self.max_flight_s = max_flight_s
        self.range_deg = range_deg or {
            # Simulated sets: toe presses 1.5-9° (foot), knee bends up to
            # 22° (shank); pencils 5-17°; band 10-35°. A heel raise tips
            # the foot 20-45°, a squat bends the knee 25° and more.
            "foot": {"toe_press": (0.0, 15.0), "resistance_band": (6.0, 60.0),
                     "pencil_pickup": (0.0, 30.0)},
            "ankle": {"toe_press": (0.0, 28.0)},
        }
        # A shank turning about the ankle (a knee bend) barely lifts a sensor
        # just above it; a heel raise lifts the whole shank. Simulated shank
        # toe presses: at most 1.2 cm under 12° of knee bend, 2.3 cm at 19°
        # (whose rise_doubt is 11 cm); a seated heel raise of a few degrees
        # at the shank, 2.6 cm.
        # A band rep turns the foot about the ankle: the instep sensor, ~9
        # cm from the joint, moves at most 9·2·sin(θ/2) cm (4.4 cm at 30°),
        # mostly back toward the shin (simulated band sets: 0.3-1.8 cm); a
        # knee extended or a leg raised lying lifts the whole foot 10-30 cm.
        self.max_lift_m = max_lift_m or {
            "foot": {"toe_press": 0.04, "resistance_band": 0.04, "pencil_pickup": 0.2},
            "ankle": {"toe_press": 0.02},
        }
        self.stride_s = stride_s
        self.max_climb_m = max_climb_m
        self.strong_min_reps = strong_min_reps
        self.pencil_strong_lift_m = pencil_strong_lift_m
        self.strong_max_hold_cv = strong_max_hold_cv

    def heel_strike_g(self, arc_deg: float | None) -> float:
        """The median landing jolt (g) from which a shank walk of median arc ``arc_deg`` lands on its heels."""
        short = 0.0 if arc_deg is None else max(0.0, self.shank_heel_strike_arc_deg - float(arc_deg))
        return self.shank_heel_strike_g + self.shank_heel_strike_g_per_deg * short

    def _heel_raise_sign(self, exercise: str, ev: dict, placement: str) -> str | None:
        """A foot set that rises as a heel raise does, in words (None if not).

        A toe press turns the foot about the ankle and lowers the instep as
        the toes go down (simulated sets: -0.2 to -0.9 cm); a heel raise
        turns it about the ball and lifts it. A set's ``lift_doubt_m`` (the
        bias a slow turn brings into the vertical) is large for a slow heel
        raise too, so the toes-down rise is judged against at most half of
        what a heel raise of the set's range gives. Not applied to pencil
        pickups: under the hard tier's sensor a true set read 1.9 cm at 19°
        toes down (tuning seed 3602 of ``lookalikes.py --exercises``), as
        low as a heel raise of 24° (2.1 cm, seed 2406).

        A set tipping the foot less than ``heel_raise_min_range_deg`` (a
        heel raise's plantarflexion: simulated 7-45°; toe presses 1-9°)
        whose holds are alike (``hold_cv`` at most ``strong_max_hold_cv``:
        held for a count) is judged against ``heel_arch_max_m`` at least:
        gripping the floor with the toes domes the arch and lifts the
        instep with the heel down (``SimConfig.press_wide``: 0-1.5 cm).
        Heel raises that tipped the foot less read 1.3-1.5 cm (tuning seeds
        21404, 22702 of ``benchmarks/pressdoubt.py``); squats whose heel
        comes up a little read 0.8-0.9 cm at 5-8°, as a true press with
        its arch domed does, but their holds last as long as each rep
        takes (hold_cv 0.38-0.49: accuracy.py seed 439176, pressdoubt.py
        seed 33800).
        """
        heel, rng = ev.get("heel_lift_m"), ev.get("range_deg")
        if placement != "foot" or heel is None:
            return None
        raise_m = heel_raise_rise_m(rng or 0.0, self.heel_raise_reach_m)
        limit = max(self.max_heel_lift_m, min(ev.get("lift_doubt_m", 0.0),
                                              max(self.doubtful_heel_lift_m, 0.5 * raise_m)))
        if (abs(rng or 0.0) < self.heel_raise_min_range_deg
                and ev.get("hold_cv", 1.0) <= self.strong_max_hold_cv):
            # Without a heel raise's plantarflexion, a rise up to an arch's
            # dome is the toes' grip (issue 12: an outside generator's true
            # presses rose 0.9-1.0 cm toes down), in a set held for a count.
            limit = max(limit, self.heel_arch_max_m)
        if exercise == "toe_press" and heel > limit:
            return f"the instep rises {100 * heel:.1f} cm as the toes go down: the heel lifts (heel raises?)"
        return None

    def _foot_rise_sign(self, exercise: str, ev: dict, placement: str) -> str | None:
        """A foot toe press rising further than its turn about the ankle lifts the instep, in words."""
        lift, rng = ev.get("lift_m"), ev.get("range_deg")
        if placement != "foot" or exercise != "toe_press" or lift is None or rng is None or ev.get("lift_judged"):
            return None
        allowed = (self.foot_still_rise_m + self.press_reach_m * np.sin(np.radians(min(abs(rng), 90.0)))
                   + ev.get("lift_doubt_m", 0.0) / 3)
        if lift <= allowed:
            return None
        return (f"the foot rises {100 * lift:.1f} cm per rep, more than a {rng:.0f}° press about the ankle lifts "
                f"it ({100 * allowed:.1f} cm): the foot leaves the floor (a leg raised seated?)")

    def _shank_rise_sign(self, exercise: str, ev: dict, placement: str) -> str | None:
        """A shank hold set rising further than a turn about the ankle lifts the sensor, in words."""
        lift, rng = ev.get("lift_m"), ev.get("range_deg")
        if (placement != "ankle" or exercise not in HOLD_EXERCISES or lift is None or rng is None
                or ev.get("lift_judged")):
            return None
        allowed = shank_rise_allowance_m(rng, ev.get("lift_doubt_m", 0.0), self.shank_still_rise_m,
                                         self.shank_sensor_height_m)
        if lift <= allowed:
            return None
        return (f"the shank sensor rises {100 * lift:.1f} cm per rep, more than a {rng:.0f}° turn about the "
                f"ankle lifts it ({100 * allowed:.1f} cm): the whole leg moves (sitting down, lunges, "
                f"heel or leg raises?)")

    def _heel_to_toe_sign(self, ev: dict, placement: str) -> str | None:
        """A shank walk that may be heel-to-toe walking or stairs, in words (None if not).

        A shank sensor sees neither the heel nor the foot's pitch, and each
        cue of heel-to-toe walking alone is one tiptoe walks show too: long
        tiptoe strides swing the shank 38-50°, brisk tiptoe landings jolt
        it 3-5 g (branch ankletiptoe; the outside generator's tiptoe walks
        were rated uncertain by one cue or the other). A cue needs a second:

        * a swing of ``shank_tiptoe_arc_deg`` or more (landings not soft),
          with landings of ``shank_firm_landing_g`` or more (a heel-to-toe
          step lands firmly: tiptoe tier walks at 38-46°, 1.3-2.5 g; long
          tiptoe strides, cushioned, 0.3-1.3 g);
        * a heel strike's jolt (:meth:`heel_strike_g`), through a
          heel-to-toe stride's arc of ``shank_walk_arc_deg`` or more
          (walks landing at 2.6-3.7 g swing the shank 34-38°; quick tiptoe
          walks land as hard through 15-30°);
        * either, or a firm landing through a stride's arc, in a walk
          shorter than the exercise (``shank_brief_s``: a walk across the
          room, the exercise is 20-30 s; a 10.6 s walk swinging 37.9° and
          landing at 2.46 g, just under both lines, was counted: tiptoe wide
          tier, accuracy.py seed 463017).

        ``shank_heel_to_toe_cues`` 1: one cue is enough (as before).
        """
        arc, jolt, walked = ev.get("arc_deg"), ev.get("landing_g"), ev.get("duration_s")
        if placement != "ankle" or (arc is None and jolt is None):
            return None
        soft = jolt is not None and jolt < self.shank_soft_landing_g
        swing = arc is not None and arc >= self.shank_tiptoe_arc_deg and not soft
        strike = jolt is not None and jolt >= self.heel_strike_g(arc)
        brief = walked is not None and walked < self.shank_brief_s
        if self.shank_heel_to_toe_cues <= 1:
            seconded = swing or strike
        else:
            firm = jolt is not None and jolt >= self.shank_firm_landing_g
            stride_arc = arc is not None and arc >= self.shank_walk_arc_deg
            seconded = ((swing and (firm or brief)) or (strike and (stride_arc or brief))
                        or (brief and firm and stride_arc))
        if not seconded:
            return None
        said = []
        if strike:
            said.append(f"each landing jolts the shank {jolt:.1f} g, as a heel strike does")
        elif swing and jolt is not None:
            said.append(f"each landing jolts the shank {jolt:.1f} g")
        if arc is not None and (swing or strike):
            said.append(f"the shank swings {arc:.0f}° a stride, as heel-to-toe steps swing it")
        if brief and self.shank_heel_to_toe_cues > 1:
            said.append(f"{walked:.0f} s, a walk across the room")
        return "; ".join(said) + ": a shank sensor cannot see the heel (walking, or stairs?)"

    def _in_place_sign(self, exercise: str, ev: dict, placement: str) -> str | None:
        """A shank sensor's tiptoe walk that goes nowhere, in words."""
        travel = ev.get("travel_m")
        if exercise != "tiptoe_walk" or placement != "ankle" or travel is None or travel >= self.shank_min_travel_m:
            return None
        return (f"the shank moves {100 * travel:.0f} cm per stride: hopping, heel raises or stepping in "
                f"place, not walking")

    def held_as_prescribed(self, exercise: str, ev: dict) -> bool:
        """Whether a pencil set is held as the exercise is written: a few alike
        long holds, put down between, with no swing past the held position."""
        if exercise != "pencil_pickup":
            return False
        reps, hold, cv = ev.get("reps"), ev.get("hold_s"), ev.get("hold_cv")
        rest, over, spread = ev.get("rest_s"), ev.get("overshoot"), ev.get("range_cv")
        if reps is None or hold is None or cv is None or rest is None:
            return False
        return (self.pencil_held_reps[0] <= reps <= self.pencil_held_reps[1] and hold >= self.pencil_held_s
                and cv <= self.pencil_held_cv and rest >= self.pencil_held_rest_s
                and (over is None or over <= self.max_overshoot)
                and (spread is None or spread <= self.max_range_cv))

    def _posture_change_held(self, exercise: str, ev: dict, placement: str) -> bool:
        """Whether a set whose holds vary past ``max_hold_cv`` shows a second
        sign of postures held in turn (see ``uneven_max_hold_cv``).

        A foot toe press or band set: only when its holds vary past
        ``uneven_max_hold_cv``, its posture cue is unknown or below
        ``uneven_min_posture_cue`` (rests not clearly at the level the person
        stays in around the set), its reps overshoot what they hold by
        ``uneven_max_overshoot`` (sitting down tips the foot past where it
        settles), or it moves less than ``still_leg_range_deg`` per rep (the
        still leg's sway). Other exercises and a shank sensor: always (as
        before).
        """
        if placement != "foot" or exercise not in ("toe_press", "resistance_band"):
            return True
        cue, over, rng = ev.get("posture_cue"), ev.get("overshoot"), ev.get("range_deg")
        return (ev["hold_cv"] > self.uneven_max_hold_cv or cue is None or cue < self.uneven_min_posture_cue
                or (over is not None and over > self.uneven_max_overshoot)
                # A set of small moves, as the still leg sways beside the
                # other one's exercise (simulated: 1.9° with holds varying
                # by 51 %, posture cue 0.44).
                or rng is None or rng < self.still_leg_range_deg)

    def weak_gait(self, mounting_method: str, placement: str, mounting_confidence: float) -> bool:
        """Whether a mounting found from walking is too unsure to count as one (rated as postures).

        A shank's gait confidence is the |cos| alone (:mod:`analysis.mounting`): not judged here.
        """
        return (mounting_method == "gait" and placement == "foot"
                and mounting_confidence < self.min_gait_mounting)

    def rate(self, exercise: str, evidence: dict, mounting_method: str,
             placement: str = "foot", mounting_confidence: float = 1.0) -> ConfidenceRater:
        """Rate a bout.

        Parameters
        ----------
        exercise : str
        evidence : dict
            Any of ``in_posture`` (0–1), ``peak_g``, ``flight_s``,
            ``range_deg`` (median per rep), ``lift_m`` (median |rise| per
            rep), ``lift_doubt_m`` (:func:`rise_doubt`), ``range_cv``,
            ``overshoot`` (median peak over held level, :func:`rep_extent`),
            ``rest_s`` (median rest between reps), ``return_s`` (median time a
            rep takes back to rest), ``posture_cue``, ``level_steps``
            (rep-like moves in the set that ended at a new level), ``way_unsure``
            (the cues of the set's direction disagree), ``reps``,
            ``hold_s`` (median), ``hold_cv``, ``stride_s`` (median),
            ``duration_s``, ``arc_deg``, ``landing_g`` (tiptoe bout), ``climb_m`` (median |rise| per
            stride), ``directions`` (circle directions seen), ``pose_fidget`` (circles beside a longer set in
            another pose), ``hold_tremor`` (holds' activity over
            the rests'), ``lean_deg`` (a shank's pitch change per rep, + = shin back:
            :func:`analysis.families.shank_lean`), ``pivot_m``, ``pivot_se_m`` (where the
            shank turned about, + = below the sensor, and its standard error:
            :func:`analysis.families.shank_pivot_m`).
        mounting_method : {"declared", "gait", "posture", "guess"}
        placement : {"foot", "ankle"}
        mounting_confidence : float
            How clearly the resting postures told the forward direction
            (``Mounting.confidence``); below :attr:`strong_min_mounting`, a
            mounting from postures is no better than a guess.

        Attributes
        ----------
        confidence_ : float
            0–1, rounded to 0.01.
        doubts_ : list of str
            Why it is below 1, in words.
        lookalike_ : float
            The product of the look-alike signs' factors alone, without the
            mounting's base: what the confidence would be with the mounting
            declared (the live view judges a set under way by it,
            :mod:`analysis.live`).
        """
        doubts: list[str] = []
        weak_gait = self.weak_gait(mounting_method, placement, mounting_confidence)
        if weak_gait:
            mounting_method = "posture"
        base = MOUNTING_BASE.get(mounting_method, 0.25)
        factor = 1.0

        def doubt(f: float, why: str) -> None:
            nonlocal factor
            factor *= f
            doubts.append(why)

        ev = evidence
        frac = ev.get("in_posture")
        if frac is not None and frac < 0.7:
            doubt(0.3, f"done in another posture than {exercise}'s ({100 * frac:.0f}% of it in that posture)")
        dropped = exercise == "pencil_pickup" and (ev.get("lift_m") or 0.0) >= self.pencil_strong_lift_m
        impact_g = self.pencil_drop_g if dropped else self.impact_g
        if exercise not in ("tiptoe_walk", "ankle_circles") and ev.get("peak_g", 0.0) > impact_g:
            doubt(0.3, f"impacts of {ev['peak_g']:.1f} g (hops or jumps?)")
        flight_s = (self.shank_tiptoe_flight_s if exercise == "tiptoe_walk" and placement == "ankle"
                    else self.max_flight_s)
        if ev.get("flight_s", 0.0) >= flight_s:
            doubt(0.3, f"in the air for {ev['flight_s']:.2f} s (hops or jumps?)")
        lo_hi = self.range_deg.get(placement, {}).get(exercise)
        rng = ev.get("range_deg")
        # A pencil set held as prescribed is the evidence of a pencil held
        # up that the single thresholds below ask for (pencil4).
        held = placement == "foot" and self.held_as_prescribed(exercise, ev)
        if lo_hi and rng is not None and rng > lo_hi[1]:
            doubt(0.35, f"moves {rng:.0f}° per rep, more than {lo_hi[1]:g}° "
                        f"(squats, heel raises, leg raises or sitting down?)")
        elif lo_hi and rng is not None and rng < lo_hi[0]:
            doubt(0.35, f"moves {rng:.0f}° per rep, less than {lo_hi[0]:g}° "
                        f"(the other leg exercising, or fidgeting?)")
        if ev.get("pose_fidget"):
            doubt(0.35, "a few loops in another pose right beside a longer set of circles "
                        "(fidgeting before raising the leg, or after lowering it?)")
        n_reps = ev.get("reps")
        if n_reps is not None and n_reps < self.min_reps.get(exercise, 0):
            doubt(0.35, f"only {n_reps} reps (a set is {self.min_reps[exercise]} or more; fidgeting?)")
        hold = ev.get("hold_s")
        if hold is not None and hold < self.min_hold_s:
            doubt(0.35, f"holds of {hold:.1f} s, too brief for {exercise} (fidgeting?)")
        # A sign of the sensor's rise fires only when the rise is past the
        # limit by more than the reps' turn can have made up (rise_doubt).
        lift = ev.get("lift_m")
        lift_doubt = ev.get("lift_doubt_m", 0.0)
        max_lift = self.max_lift_m.get(placement, {}).get(exercise)
        if lift is not None and max_lift is not None and lift > max_lift + lift_doubt:
            ev = {**ev, "lift_judged": True}  # one sign for one rise (_shank_rise_sign)
            doubt(0.35, f"the sensor rises {100 * lift:.0f} cm per rep (heel or leg raises?)")
        # Two holds of a foot that neither lifts are as likely the resting
        # foot shifting during the other foot's turn: listed, not counted.
        curled = (held and rng is not None and rng >= self.pencil_held_min_range_deg
                  and ev.get("reps", 0) >= 3)
        if (lift is not None and exercise == "pencil_pickup" and lift + lift_doubt < self.pencil_min_lift_m
                and not curled):
            doubt(0.35, f"the foot does not lift ({100 * lift:.1f} cm per rep): no pencil held up "
                        f"(sitting down and standing up?)")
        over = ev.get("overshoot")
        if over is not None and over > self.max_overshoot:
            doubt(0.35, f"each rep swings {over:.1f} times as far as the position it holds "
                        f"(sitting down and standing up, or fidgeting?)")
        held_cv = ev.get("hold_cv")
        tremor = ev.get("hold_tremor")
        # At a shank, sitting down and standing up in turn leaves the holds
        # (seated) stiller than the rests (standing, swaying): a toe press
        # held standing for unlike counts is not doubted for them alone.
        shank_standing = (exercise == "toe_press" and placement == "ankle" and tremor is not None
                          and tremor >= self.shank_seated_tremor)
        if (held_cv is not None and held_cv > self.max_hold_cv and not shank_standing
                and self._posture_change_held(exercise, ev, placement)):
            doubt(0.35, f"holds unlike each other (they vary by {100 * held_cv:.0f}%: "
                        f"sitting down and standing up in turn?)")
        gap = ev.get("rest_s")
        # A brisk band set rests briefly: its quick return is the band's
        # pull, not a change of posture (hard tier 32044, hard-wide 32106:
        # rests of 0.3-0.45 s, returns of 0.34-0.36 s).
        brisk = (exercise == "resistance_band" and ev.get("return_s") is not None
                 and ev["return_s"] < self.band_return_s)
        if gap is not None and gap < self.min_rest_s and not brisk:
            doubt(0.35, f"no rest between reps ({gap:.1f} s): each \"rep\" goes from one posture "
                        f"straight to another (sitting down and standing up?)")
        cue = ev.get("posture_cue")
        if cue is not None and cue < self.min_posture_cue:
            doubt(0.35, "the held position is the one rested in before and after the set "
                        "(a change of posture, not reps?)")
        elif (cue is not None and rng is not None and rng < self.still_leg_range_deg
              and cue < self.still_leg_min_cue
              # A still leg does not lift the foot: a pencil lifted 2 cm
              # and more, tipped a few degrees, is no sway (pencil seed 4107).
              and not (exercise == "pencil_pickup" and (ev.get("lift_m") or 0.0) >= self.pencil_strong_lift_m)):
            doubt(0.35, f"{rng:.1f}° swayed either way of where the leg rests, not pressed "
                        f"(the still leg beside the other one's exercise?)")
        braced = held and tremor is not None and tremor >= self.pencil_held_min_tremor
        if (exercise == "pencil_pickup" and tremor is not None and tremor < self.pencil_min_tremor
                and (lift or 0.0) < self.pencil_tremor_lift_m and not braced):
            doubt(0.35, f"the foot is stiller held than at rest ({tremor:.2f} times as active): no pencil "
                        f"held up (sitting down and standing up?)")
        elif (exercise == "toe_press" and placement == "ankle" and tremor is not None
              and tremor < self.shank_min_tremor):
            doubt(0.35, f"the shank is stiller held than at rest ({tremor:.2f} times as active): seated "
                        f"between standing rests, not a press held standing (sitting down and standing up?)")
        if (exercise == "toe_press" and placement == "ankle" and rng is not None and held_cv is not None
                and rng >= self.shank_squat_range_deg and held_cv > self.shank_max_hold_cv):
            doubt(0.35, f"a knee bend of {rng:.0f}° held for unlike times (they vary by {100 * held_cv:.0f}%): "
                        f"a squat's or a lunge's, held as long as each rep takes; a toe press is held for a "
                        f"count (squats?)")
        lean, pivot = ev.get("lean_deg"), ev.get("pivot_m")
        # A few degrees back is a press's weight shifting over a planted
        # foot as well as a small knee extension: doubted when the shank
        # swung about a point above the sensor (the knee), or as far as a
        # knee extension swings it.
        about_knee = pivot is not None and pivot + 2 * ev.get("pivot_se_m", 0.0) < self.shank_knee_pivot_m
        if (exercise == "toe_press" and placement == "ankle" and lean is not None
                and mounting_method in ("declared", "gait") and lean > self.shank_back_max_deg
                and (lean >= self.shank_swing_deg or about_knee)):
            doubt(0.3, f"the shin tips back {lean:.0f}° per rep, the foot swinging forward about the knee: "
                       f"a toe press bends the knee forward, if at all (a seated knee extension?)")
        stepped = ev.get("level_steps", 0)
        if stepped:
            # Where the angle rested moved mid-set: a rep there is not
            # counted, and the signal cannot tell whether it was one.
            doubt(0.5, f"{stepped} rep-like move{'s' if stepped > 1 else ''} in the set ended at a new "
                       f"level (the strap slipped, or the foot shifted?): the count may be off")
        if ev.get("way_unsure") and exercise == "toe_press":  # studied on toe-press sets only
            doubt(0.5, "which way the reps go is unclear (the holds look like rests): "
                       "the count may be off")
        for sign in (self._heel_raise_sign(exercise, ev, placement), self._shank_rise_sign(exercise, ev, placement),
                     self._foot_rise_sign(exercise, ev, placement), self._in_place_sign(exercise, ev, placement)):
            if sign:
                doubt(0.35, sign)
        spread = ev.get("range_cv")
        if spread is not None and spread > self.max_range_cv:
            doubt(0.35, f"reps unlike each other (range varies by {100 * spread:.0f}%: fidgeting?)")
        if exercise == "tiptoe_walk":
            st = ev.get("stride_s")
            if st is not None and not self.stride_s[0] <= st <= self.stride_s[1]:
                doubt(0.35, f"a stride every {st:.1f} s, unlike walking (lunges?)")
            walked = ev.get("duration_s")
            if walked is not None and walked < self.min_tiptoe_s:
                doubt(0.35, f"{walked:.0f} s on tiptoe, a few steps (stairs, or a stretch?)")
            sign = self._heel_to_toe_sign(ev, placement)
            if sign:
                doubt(0.35, sign)
            climb = ev.get("climb_m")
            if placement == "foot" and climb is not None and climb > self.max_climb_m:
                doubt(0.35, f"rises or falls {100 * climb:.0f} cm per stride (stairs?)")
            travel = ev.get("travel_m")
            if placement == "foot" and travel is not None and travel < self.min_travel_m:
                doubt(0.35, f"the foot moves {100 * travel:.0f} cm per stride: stepping or tapping "
                            f"in place, not walking")
        if mounting_method not in ("declared", "gait"):
            strong = False
            if exercise in HOLD_EXERCISES:
                # Pencil pickups are prescribed three at a time: their
                # strong set is all three, each lifting the foot.
                need = 3 if exercise == "pencil_pickup" else self.strong_min_reps
                strong = (ev.get("reps", 0) >= need
                          and ev.get("hold_cv", 1.0) <= self.strong_max_hold_cv
                          and (exercise != "pencil_pickup"
                               or ev.get("lift_m", 0.0) >= self.pencil_strong_lift_m))
            elif exercise == "ankle_circles":
                strong = ev.get("directions", 0) >= 2
            # A shank is upright standing and seated alike, and lying too
            # when its "up" is the lying rest a recording made lying down
            # holds most: without walking nor a declared mounting a shank's
            # "toe press" may be a knee extension seated or a leg raise
            # lying (issue 12: 55 of 60 such real recordings). Never strong.
            if exercise == "toe_press" and placement == "ankle":
                strong = False
            if (strong and factor == 1.0 and mounting_method == "posture"
                    and mounting_confidence >= self.strong_min_mounting):
                base = 0.55
            elif weak_gait:
                doubts.append(f"too little walking to find the sensor mounting (confidence "
                              f"{mounting_confidence:.2f}): posture and exercise are guesses")
            else:
                doubts.append("sensor mounting not found from walking nor declared: "
                              "posture and exercise are guesses")
        self.confidence_ = round(float(np.clip(base * factor, 0.0, 1.0)), 2)
        self.lookalike_ = round(float(np.clip(factor, 0.0, 1.0)), 2)
        self.doubts_ = doubts
        return self
