"""A ground-truth simulator of foot-exercise sessions.

The simulator moves a lower leg through a session (standing, walking,
sitting, lying and the five exercises of the programme) and measures it with
a virtual IMU strapped to the foot (instep) or the shank (just above the
ankle). It is physically consistent:

* the shank's orientation in a world frame (x forward, y left, z up) is
  ``Rz(heading) · Ry(shank_pitch) · Rx(shank_roll)``; the foot's is the
  shank's followed by the ankle's rotation, so both placements see one body;
* the gyroscope reads the segment's angular velocity in the sensor frame
  (from consecutive orientations on a fine internal grid);
* the accelerometer reads specific force, ``Rᵀ (p̈ + g ẑ)``, with ``p`` the
  sensor's position in the world;
* then the sensor's own faults: a mounting rotation, biases, scale errors,
  white noise, quantisation, a drifting clock and bursty packet loss.

Everything is drawn from one ``numpy.random.Generator`` seeded by the caller,
so a seed gives the same samples (and the same file bytes) every time.

Angles follow the right-hand rule about the segment's own y axis (left):
a positive pitch turns the foot's toes *down* (plantarflexion) and tilts
the shank forward (knee ahead of the ankle).

The ground truth is a ``toehold-analysis/1`` document (contract section 3)
plus ``balance.stances``, ``distractors``, ``tier`` and ``seed``.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.fft import next_fast_len
from scipy.ndimage import gaussian_filter1d
from scipy.spatial.transform import Rotation

from sensors.contract import (
    ANALYSIS_FORMAT,
    CIRCLE_DIRECTIONS,
    EXERCISES,
    HOLD_EXERCISES,
    NOT_OBSERVABLE,
    PLACEMENTS,
    RECORDING_FORMAT,
    SIDES,
    G,
)

from .recording import Recording, find_gaps

# Exercises a shank-worn sensor cannot see: the shank stays put while the
# foot moves (dorsiflexion against a band, toe gripping while seated, circles
# about the ankle). See analysis.placement for how the analysis reports them.
ANKLE_OBSERVABLE = tuple(e for e in EXERCISES if e not in NOT_OBSERVABLE["ankle"])

# Posture of the leg in each resting state: shank pitch (deg), ankle
# plantarflexion relative to neutral (deg). Standing: both upright, foot flat.
POSTURES = {
    "stand": (0.0, 0.0),
    "chair": (5.0, -5.0),      # knee at about 90°, foot flat on the floor
    "floor": (-90.0, 25.0),    # seated, legs extended: heel down, toes up
    "floor_knees": (45.0, -45.0),  # seated on the floor, knees up: foot flat on the floor
    "lie": (-90.0, 28.0),      # on the back, legs extended
    "lie_raised": (-150.0, 20.0),  # on the back, one leg raised for circles
    "chair_raised": (-80.0, 15.0),  # seated on a chair, the leg held out straight for circles
    "side_lie": (0.0, 15.0),   # on the side, this leg on top (shank roll 90°, see POSTURE_ROLL)
    "prone": (90.0, 40.0),     # face down, toes on the mat: the shin faces down
    # Daily life (DAILY_LOOKALIKES):
    "kneel": (90.0, 65.0),     # kneeling: the shin on the floor, the instep on it too
    "car": (-40.0, 10.0),      # driving: the knee up and back, the foot on the pedal, toes 30° up
    "bike": (-15.0, 25.0),     # on a stationary bike, the crank's mean (the pedalling moves it)
}
# Shank roll (deg, about its forward axis, toward the person's left for a
# left leg) of postures that have one: lying on the side puts the leg's
# outer face up.
POSTURE_ROLL = {"side_lie": 90.0}
# Where each exercise is done.
EXERCISE_POSTURE = {
    "toe_press": "stand", "tiptoe_walk": "stand", "pencil_pickup": "chair",
    "resistance_band": "floor", "ankle_circles": "lie",
}

# Sensor offset from the ankle joint (m), in the segment frame.
FOOT_SENSOR_OFFSET = np.array([0.07, 0.0, 0.05])
SHANK_SENSOR_OFFSET = np.array([0.03, 0.0, 0.10])


@dataclasses.dataclass
class SimConfig:
    """What to simulate. Units in the names; angles in degrees.

    The defaults are a realistic consumer sensor on the instep at 100 Hz.
    """

    placement: str = "foot"
    side: str = "left"
    # A number, or a (low, high) range drawn log-uniformly per session.
    sampling_rate_hz: float | tuple = 100.0
    duration_hint_s: float = 600.0
    exercises: Sequence[str] | None = None      # None: all that the placement can see
    # sensor
    mounting: str = "instep"     # "aligned", "instep" (random yaw, tilt ≤ 30°), "random"
    # A number, or a (low, high) range drawn log-uniformly per session.
    acc_noise_mps2: float | tuple = 0.03
    gyr_noise_dps: float | tuple = 0.15
    acc_bias_mps2: float = 0.1
    gyr_bias_dps: float = 1.0
    scale_error: float = 0.01
    acc_lsb_mps2: float = 16 * G / 32768
    gyr_lsb_dps: float = 2000 / 32768
    clock_drift_ppm: float = 300.0
    packet_loss: float | tuple = 0.01  # fraction lost, in bursts; or a (low, high) range
    loss_burst_mean_samples: float = 6.0
    # person
    sloppiness: float = 0.3            # 0 textbook … 1 sloppy (timing, amplitude, extras)
    rep_count_spread: int = 2          # reps done = prescribed ± this
    distractors: bool = True
    declare_mounting: bool = False
    # Look-alikes (see LOOKALIKES): names to put between the exercises, or a
    # number of them drawn at random; none by default.
    lookalikes: Sequence[str] | int | None = None
    # Per-session spread (deg) of the resting postures (how upright one sits,
    # how far the toes point up lying down ...); 0 keeps the textbook postures.
    posture_spread_deg: float = 0.0
    # A recording of its activities alone (someone records one exercise
    # lying down): no standing rests at its start and end, and it starts in
    # the first activity's posture, so the recording may never stand.
    bare: bool = False
    circle_plan: dict | None = None    # pins for circle_plan() (tests, studies)
    # Pins for the hold exercises' person (tests, studies): any of
    # ``amp_deg`` (foot tip per rep; or a dict of it per exercise), ``knee_deg`` (toe press knee bend at
    # full amplitude), ``hold_s`` (the person's hold), ``tempo`` (move-time
    # factor), ``rest_s`` (the person's rest between reps), ``reps`` (how
    # many reps, with no aborted or rushed ones), ``hold_spread`` (rep-to-rep
    # log-spread of the hold, replacing the sloppiness-based one).
    hold_plan: dict | None = None
    # A resistance-band set drawn rep by rep (tests, studies; see
    # ``_Builder.band_set``): ``reps``, a list of dicts with any of
    # ``amp_deg``, ``move_in_s``, ``hold_s``, ``move_out_s``, ``rest_s``
    # (after the rep), ``return_frac`` (share of the rep's way back it
    # goes before the next pull; 1 is back to rest), ``sag_frac`` (share of
    # the rep the held level gives up by the hold's end; negative creeps
    # on), ``counted`` (False: a pull given up, left out of the truth); and
    # ``drift_dps`` (the rest level drifting, the leg sliding on the
    # floor). Replaces ``hold_reps`` for the band when set.
    band_set: dict | None = None
    # Pins for the look-alikes' person (tests, studies): any of ``tempo``
    # (move-time factor), ``depth`` (how far it bends or raises, a factor),
    # ``hold_s`` (the person's hold, ±30 % rep to rep) and ``fidget``
    # (True: a fidget between some of the reps).
    lookalike_plan: dict | None = None
    # Tiptoe walking drawn far wider than people walk it (see
    # :func:`tiptoe_plan`: cadence, its change, heel height, shuffling,
    # pauses on tiptoe, turns, short walks). Off by default, so the tiers'
    # sessions stay what they were for every seed; ``tiptoe_plan`` pins
    # (tests, studies) imply it.
    tiptoe_wide: bool = False
    tiptoe_plan: dict | None = None
    # Wider still (issue 12, branch tiptoe; implies nothing by itself, used
    # with ``tiptoe_wide``): slow shuffles of 6-30 cm steps swinging a shank
    # 4-20 deg, quick short strides whose stance never rests, 0.6-3.6
    # steps/s (tiptoe_plan). Drawn from a stream of its own, so ``tiptoe_wide`` sessions
    # stay what they were.
    tiptoe_wider: bool = False
    # Pencil pickups drawn far wider than the programme's text says (see
    # :func:`pencil_plan`: seated on a chair or the floor or standing, the
    # foot lifted 0-15 cm or only the toes curled, tipped or turned while
    # held, moved before release, 1-5 reps held 5-25 s, sets for each foot
    # in turn). Off by default, so the tiers' sessions stay what they were
    # for every seed; ``pencil_plan`` pins (tests, studies) imply it.
    pencil_wide: bool = False
    pencil_plan: dict | None = None
    # Wider still (issue 12, branch pencil7; implies ``pencil_wide``): holds
    # of 1-20 s varying up to 2:1 within a set, 1-12 reps, a still or
    # slowly sinking foot, pencils dropped and picked up again. Drawn from a
    # stream of its own, so ``pencil_wide`` sessions stay what they were.
    pencil_wider: bool = False
    # Widest (issue 12, branch pencil; implies ``pencil_wide``): the foot
    # carried forward, sideways or both as it rises (``reach_m``, up to 3x
    # the lift), lifted 2-20 cm, held 1-10 s, a lift grip whose toe curl
    # may not tip the foot at all, tempo 0.3-3. Drawn from a stream of its
    # own (:func:`pencil_widest`), so other pencil sessions stay what they were.
    pencil_widest: bool = False
    # As people do it (issue 12, branch pencil, from the exercise's text,
    # implies ``pencil_wide``; :func:`pencil_people`): seated or standing;
    # the toes curl with the foot flat, the foot lifted 1-15 cm, or only the
    # heel raised; held 1-10 s; moved forward, aside or across or not;
    # dropped or placed; slow or fast; missed and tried again; 3-15 reps
    # with uneven rests. A stream of its own: other sessions stay as they were.
    pencil_people: bool = False
    # How unevenly people hold (0 textbook): each person's press overshoots
    # the position it holds by up to 40 % ·hold_shape and settles into it,
    # and the held level sags (fatigue) or creeps on by up to 40 % · hold_shape
    # over the hold. Drawn from a stream of its own (the session's other
    # draws stay as they were).
    hold_shape: float = 0.0
    # Slow wander (RMS, m/s², ~0.005 Hz) of the accelerometer's bias: the
    # sensor warming up on the skin tips the measured "up" by a degree or so
    # over minutes, under a set of 1-3 degree presses.
    acc_bias_wander_mps2: float = 0.0
    # Issue 12's widest conditions (all off by default; each drawn from a
    # stream of its own, so the session's other draws stay as they were):
    # the largest share of a turn done before the first full circle and
    # after the last (begun or unfinished circles, not circles; the two
    # scaled to 0.9 of a turn together at most) ...
    circle_partial: float = 0.0
    # ... ankle circles drawn wider again (issue 12, branch circ7; 0 off, 1
    # on; from the same stream): 5-40 deg paths, 0.2-1.5 circles a second
    # (0.67-5 s a turn), ellipses up to 4:1 at any angle, the speed changing
    # within a turn (uneven 0-0.65) and over the set (last turn's speed 0.5-2x
    # the first's), 0-3 pauses of 0.5-3 s mid-set, either direction first,
    # lying on the back or seated with the leg held out (a third of sets) ...
    circle_wide: float = 0.0
    # ... the recorded timestamps jittering by up to this (s; at most 0.4 of
    # a sample period, so they stay in order: a phone or a BLE bridge
    # stamping samples on arrival) ...
    timestamp_jitter_s: float = 0.0
    # ... single long gaps (a sensor out of range) of 0.5-3 s, this many
    # (a number, or a (low, high) range of integers drawn per session),
    # half of them inside the exercises ...
    long_gaps: int | tuple = 0
    # ... bursts of loss of 0.1-0.8 s inside each tiptoe walk, this many
    # (a number, or a (low, high) range of integers drawn per walk): a
    # sensor on the moving foot drops out mid-walk, a landing or two lost
    # at 20 Hz (issue 12, branch tiptoehard) ...
    walk_loss_bursts: int | tuple = 0
    # ... and the strap slipping once during a hold set: the sensor turns
    # on the limb by this many degrees (a (low, high) range) about a random
    # axis over 0.2-0.6 s, and stays so (its mounting changes mid-set).
    strap_slip_deg: float | tuple = 0.0
    # Toe presses and band reps drawn as widely as people do them (0 off, 1
    # on; issue 12, from its own stream): at a shank sensor the knee bends
    # 2-20 deg per rep, by a depth of its own each rep (±25 % log), before,
    # with or after the toes (up to 0.8 s either way) and faster or slower
    # than them; the heel lifting 0-6 mm as the toes grip (half the people;
    # the foot then tips toes-down by up to 2 deg); the body swaying
    # 0.3-2.5 deg between reps; tempo from brisk to slow (moves 0.2-4 s);
    # reps of unequal depth in one set (±20 % log); holds
    # wandering by 2-25 % of the press; rests of 0.3-8 s; band reps whose
    # return the band's pull makes fast (0.15-0.45 s).
    hold_wide: float = 0.0
    # The sensor's own faults (issue 12; off by default, drawn from a stream
    # of their own): the bias stepping this many times a session (a number,
    # or a (low, high) range of integers), each step a fresh bias of
    # acc_bias_mps2 / gyr_bias_dps per axis that stays (a knock, a
    # temperature jump) ...
    bias_steps: int | tuple = 0
    # ... and the full scale the firmware set (0: none): a tuple is the
    # choice a session draws from (consumer IMUs ship at ±2-16 g and
    # ±250-2000 deg/s); readings beyond it stick at the rail.
    acc_range_g: float | tuple = 0.0
    gyr_range_dps: float | tuple = 0.0
    # A shank sensor's height above the ankle joint (m; a (low, high) range
    # is drawn per session from a stream of its own); None: 0.10 m, just
    # above the ankle. People strap it anywhere up to mid-shank.
    shank_sensor_m: float | tuple | None = None
    # The look-alikes drawn wider (issue 12, from a stream of their own, so
    # the tiers' sessions stay what they were): partial and full knee
    # extensions seated or lying over a roll, leg raises of 8-80 deg, prone
    # knee curls, the still leg tipping with the pelvis by up to 6 deg,
    # chairs of every height for sit-to-stand.
    lookalike_wide: bool = False
    # Ordinary walks drawn wide (issue 12, branch mount; see :func:`walk_plan`:
    # none to three walks of 1-30 strides, 0.3-1.5 m steps, 0.8-1.6 s
    # strides), in place of the walks between stations, so that a session
    # may carry no walk at all. Off by default, so the tiers' sessions stay
    # what they were; ``walk_plan`` pins (tests, studies) imply it.
    walk_wide: bool = False
    walk_plan: dict | None = None
    # A shank sensor drawn as people strap it (issue 12, branch ankle; 0
    # off, 1 on; from streams of their own, so the other draws stay as they
    # were): the strap and the soft tissue under it a damped 8-20 Hz
    # resonance (damping ratio 0.05-0.35, the sensor tipping 0.3-2 deg per
    # g), and toe presses whose knee bends 0.3-20 deg a rep (log-uniform:
    # a shank that hardly moves to a deep dip; deeper is a squat).
    ankle_wide: float = 0.0
    # Toe presses drawn as people may also do them (issue 12, branch
    # pressdoubt; 0 off, 1 on; from a stream of its own, so the other draws
    # stay as they were): at a shank sensor, gripping the floor with the
    # toes shifts the weight forward or back, so the shin tips either way
    # by 0.5-10 deg a rep (in place of the forward knee bend); at a foot
    # sensor, the toes' grip domes the arch and lifts the instep 0-1.5 cm a
    # rep with no heel lifting (the foot does not turn about its ball); and
    # each rep's hold varies by up to 60 % (log-normal sigma 0.15-0.55)
    # about the person's (counting unevenly).
    press_wide: float = 0.0


TIERS = {
    "clean": dict(mounting="aligned", acc_noise_mps2=0.01, gyr_noise_dps=0.05,
                  acc_bias_mps2=0.0, gyr_bias_dps=0.1, scale_error=0.0, clock_drift_ppm=0,
                  packet_loss=0.0, sloppiness=0.1, declare_mounting=True),
    "realistic": dict(mounting="instep", packet_loss=0.01, sloppiness=0.3),
    # Everything at once: the sensor any way round, 20-400 Hz, up to 10 %
    # lost in bursts, a fast or slow clock, noisy, biased and its bias
    # wandering (noise 0.03-0.25 m/s², 0.1-1 deg/s); holds that overshoot,
    # sag or creep.
    "hard": dict(mounting="random", acc_noise_mps2=(0.03, 0.25), gyr_noise_dps=(0.1, 1.0),
                 acc_bias_mps2=0.3, gyr_bias_dps=3.0, scale_error=0.03,
                 clock_drift_ppm=2000, packet_loss=(0.0, 0.10), sloppiness=0.7,
                 sampling_rate_hz=(20.0, 400.0), hold_shape=1.0, acc_bias_wander_mps2=0.1,
                 hold_wide=1.0, bias_steps=(0, 3), acc_range_g=(4.0, 8.0, 16.0),
                 gyr_range_dps=(500.0, 1000.0, 2000.0)),
    # The hard tier and more (issue 12): part turns at the ends of a run of
    # circles, jittering timestamps, single gaps of 0.5-3 s, the strap
    # slipping 5-20 degrees during a hold set.
    "hard-wide": dict(mounting="random", acc_noise_mps2=(0.03, 0.25), gyr_noise_dps=(0.1, 1.0),
                      acc_bias_mps2=0.3, gyr_bias_dps=3.0, scale_error=0.03,
                      clock_drift_ppm=2000, packet_loss=(0.0, 0.10), sloppiness=0.7,
                      sampling_rate_hz=(20.0, 400.0), hold_shape=1.0, acc_bias_wander_mps2=0.1,
                      circle_partial=0.8, timestamp_jitter_s=0.01, long_gaps=(0, 3), strap_slip_deg=(5.0, 20.0),
                      hold_wide=1.0, bias_steps=(0, 3), acc_range_g=(4.0, 8.0, 16.0),
                      gyr_range_dps=(500.0, 1000.0, 2000.0)),
    # Ankle circles drawn wide (circle_wide) with part turns at each end, in
    # the hard tier's sensor conditions (issue 12, branch circ7).
    "circles": dict(mounting="random", acc_noise_mps2=(0.03, 0.25), gyr_noise_dps=(0.1, 1.0),
                    acc_bias_mps2=0.3, gyr_bias_dps=3.0, scale_error=0.03,
                    clock_drift_ppm=2000, packet_loss=(0.0, 0.10), sloppiness=0.7,
                    sampling_rate_hz=(20.0, 400.0), circle_wide=1.0, circle_partial=0.8),
    "ankle": dict(placement="ankle", mounting="instep", packet_loss=0.01, sloppiness=0.3, hold_wide=1.0),
    # The shank drawn wide (issue 12, branch ankle): strapped 5-35 cm above
    # the ankle, turned any way about the shank, tilted up to 30 deg and
    # worn either way up, wobbling on the soft tissue, 20-400 Hz; none to
    # three ordinary walks (walk_plan) to learn the mounting from; tiptoe
    # walks drawn wide (tiptoe_plan: slow to quick, short, turning, heels
    # 1-15 cm up); toe presses with 0.3-20 deg of knee, the body swaying
    # through the reps too, holds overshot, sagging or creeping (hold_shape).
    "ankle-wide": dict(placement="ankle", mounting="strap", acc_noise_mps2=(0.02, 0.12),
                       gyr_noise_dps=(0.1, 0.6), acc_bias_mps2=0.2, gyr_bias_dps=2.0, scale_error=0.02,
                       clock_drift_ppm=1000, packet_loss=(0.0, 0.05), sloppiness=0.5,
                       sampling_rate_hz=(20.0, 400.0), hold_wide=1.0, hold_shape=1.0, tiptoe_wide=True,
                       walk_wide=True, shank_sensor_m=(0.05, 0.35), ankle_wide=1.0),
    # Toe presses as people may also do them (press_wide, issue 12, branch
    # pressdoubt): the shin tipping either way by up to 10 deg, the instep
    # lifting up to 1.5 cm as the arch domes, holds counted unevenly; the
    # ankle tier's person and sensor otherwise, a tiptoe walk to find the
    # mounting from (accuracy.py's "press wide" column, foot and shank in turn).
    "press-wide": dict(placement="ankle", mounting="instep", packet_loss=0.01, sloppiness=0.3, hold_wide=1.0,
                       press_wide=1.0, exercises=("tiptoe_walk", "toe_press")),
    # The exercises among things that look like them, the sensor any way round.
    "lookalikes": dict(mounting="random", packet_loss=0.02, sloppiness=0.5, lookalikes=4,
                       posture_spread_deg=12.0),
    # The exercises among their look-alikes on the hard tier's sensor (any
    # way round, 20-400 Hz, up to 10 % lost, noisy, biased, drifting):
    # what the look-alike rules must not lose true sets to (issue 12).
    "hard-lookalikes": dict(mounting="random", acc_noise_mps2=(0.03, 0.25), gyr_noise_dps=(0.1, 1.0),
                            acc_bias_mps2=0.3, gyr_bias_dps=3.0, scale_error=0.03,
                            clock_drift_ppm=2000, packet_loss=(0.0, 0.10), sloppiness=0.7,
                            sampling_rate_hz=(20.0, 400.0), hold_shape=1.0, lookalikes=4,
                            posture_spread_deg=12.0),
    # No exercise at all: only look-alikes (real negatives' simulated cousins).
    "negatives": dict(mounting="random", packet_loss=0.02, sloppiness=0.5, exercises=(),
                      lookalikes=5, posture_spread_deg=12.0),
    # Tiptoe walking drawn wide (tiptoe_plan) among its look-alikes, the
    # sensor any way round on the foot or the shank, 20-400 Hz, up to 10 %
    # lost, noisy, biased and drifting.
    "tiptoe": dict(mounting="random", acc_noise_mps2=0.08, gyr_noise_dps=0.4,
                   acc_bias_mps2=0.3, gyr_bias_dps=3.0, scale_error=0.03,
                   clock_drift_ppm=2000, packet_loss=(0.0, 0.10), sloppiness=0.7,
                   sampling_rate_hz=(20.0, 400.0), exercises=("tiptoe_walk",), tiptoe_wide=True,
                   lookalikes=("walk", "stairs", "heel_raise", "lunge", "hop")),
    # Tiptoe walks drawn wide (tiptoe_plan) on the hard tier's sensor: any
    # way round, 20-400 Hz, up to 10 % lost in bursts and 0-3 bursts of
    # 0.1-0.8 s inside the walk, noisy, biased, its bias stepping and
    # wandering, the accelerometer saturating at 4 g half the time (the
    # landings clipped), among the tiptoe tier's look-alikes (issue 12,
    # branch tiptoehard).
    "tiptoe-hard": dict(mounting="random", acc_noise_mps2=(0.03, 0.25), gyr_noise_dps=(0.1, 1.0),
                        acc_bias_mps2=0.3, gyr_bias_dps=3.0, scale_error=0.03,
                        clock_drift_ppm=2000, packet_loss=(0.0, 0.10), sloppiness=0.7,
                        sampling_rate_hz=(20.0, 400.0), acc_bias_wander_mps2=0.1, bias_steps=(0, 3),
                        acc_range_g=(4.0, 4.0, 8.0, 16.0), gyr_range_dps=(500.0, 1000.0, 2000.0),
                        walk_loss_bursts=(0, 3), exercises=("tiptoe_walk",), tiptoe_wide=True,
                        lookalikes=("walk", "stairs", "heel_raise", "lunge", "hop")),
    # Tiptoe walks drawn wider still (tiptoe_wider) at the shank, the
    # tiptoe tier's sensor and look-alikes otherwise.
    "tiptoe-wide": dict(mounting="random", acc_noise_mps2=0.08, gyr_noise_dps=0.4,
                        acc_bias_mps2=0.3, gyr_bias_dps=3.0, scale_error=0.03,
                        clock_drift_ppm=2000, packet_loss=(0.0, 0.10), sloppiness=0.7,
                        sampling_rate_hz=(20.0, 400.0), exercises=("tiptoe_walk",), tiptoe_wide=True,
                        tiptoe_wider=True, placement="ankle",
                        lookalikes=("walk", "stairs", "heel_raise", "lunge", "hop")),
    # Pencil pickups drawn wide (pencil_plan), the sensor any way round on
    # the foot, 20-400 Hz, up to 5 % lost, noisy and biased.
    "pencil": dict(mounting="random", acc_noise_mps2=(0.02, 0.12), gyr_noise_dps=(0.1, 0.6),
                   acc_bias_mps2=0.2, gyr_bias_dps=2.0, scale_error=0.02, clock_drift_ppm=1000,
                   packet_loss=(0.0, 0.05), sloppiness=0.5, sampling_rate_hz=(20.0, 400.0),
                   exercises=("pencil_pickup",), pencil_wide=True),
    # Pencil pickups drawn wider still (pencil_wider: holds 1-20 s, 1-12
    # reps, retries, a sinking foot) on the hard tier's sensor.
    "pencil-hard": dict(mounting="random", acc_noise_mps2=(0.03, 0.25), gyr_noise_dps=(0.1, 1.0),
                        acc_bias_mps2=0.3, gyr_bias_dps=3.0, scale_error=0.03,
                        clock_drift_ppm=2000, packet_loss=(0.0, 0.10), sloppiness=0.7,
                        sampling_rate_hz=(20.0, 400.0), acc_bias_wander_mps2=0.1,
                        exercises=("pencil_pickup",), pencil_wide=True, pencil_wider=True),
    # Widest (pencil_widest: lifts forward/sideways as well as up, 2-20 cm,
    # held 1-10 s, tempo 0.3-3) on the pencil tier's sensor.
    "pencil-widest": dict(mounting="random", acc_noise_mps2=(0.02, 0.12), gyr_noise_dps=(0.1, 0.6),
                          acc_bias_mps2=0.2, gyr_bias_dps=2.0, scale_error=0.02, clock_drift_ppm=1000,
                          packet_loss=(0.0, 0.05), sloppiness=0.5, sampling_rate_hz=(20.0, 400.0),
                          exercises=("pencil_pickup",), pencil_wide=True, pencil_widest=True),
    # As people do it (pencil_people) on a sensor from clean to hard: 20-400
    # Hz, up to 10 % lost.
    "pencil-people": dict(mounting="random", acc_noise_mps2=(0.02, 0.2), gyr_noise_dps=(0.1, 0.8),
                          acc_bias_mps2=0.25, gyr_bias_dps=2.5, scale_error=0.02, clock_drift_ppm=1500,
                          packet_loss=(0.0, 0.10), sloppiness=0.5, sampling_rate_hz=(20.0, 400.0),
                          exercises=("pencil_pickup",), pencil_wide=True, pencil_people=True),
    # The mounting found from walking (issue 12, branch mount): the sensor
    # any way round, ordinary walks drawn wide (walk_plan: none, a few
    # strides or long walks), two look-alikes, and no tiptoe walk, so that
    # a session without a planned walk has no gait at all.
    "mount": dict(mounting="random", packet_loss=0.02, sloppiness=0.5, walk_wide=True, lookalikes=2,
                  exercises=("toe_press", "resistance_band", "pencil_pickup", "ankle_circles")),
    # The hard tier's sensor and people without the tiptoe walk, and with
    # none to three ordinary walks of 1-30 strides (walk_wide): the
    # mounting from walking weak or missing, as in a recording of the hold
    # exercises alone (issue 12 item 1: any mounting; branch hardtier).
    "hard-nowalk": dict(mounting="random", acc_noise_mps2=(0.03, 0.25), gyr_noise_dps=(0.1, 1.0),
                        acc_bias_mps2=0.3, gyr_bias_dps=3.0, scale_error=0.03,
                        clock_drift_ppm=2000, packet_loss=(0.0, 0.10), sloppiness=0.7,
                        sampling_rate_hz=(20.0, 400.0), hold_shape=1.0, acc_bias_wander_mps2=0.1,
                        hold_wide=1.0, bias_steps=(0, 3), acc_range_g=(4.0, 8.0, 16.0),
                        gyr_range_dps=(500.0, 1000.0, 2000.0), walk_wide=True,
                        exercises=("toe_press", "resistance_band", "pencil_pickup", "ankle_circles")),
}
# Activities that are not exercises but share something with one: a posture,
# a hold, a knee bend, a heel rise, an impact or a rotation.
LOOKALIKES = ("sit_stand", "squat", "lunge", "split_squat", "heel_raise", "hop", "jump",
              "stairs", "knee_extension", "straight_leg_raise", "side_lying_abduction",
              "prone_hip_extension", "other_leg_lying", "other_leg_seated", "fidget_seated",
              "fidget_lying", "other_leg_standing", "seated_heel_raise")
# Look-alikes of tiptoe walking that are named, never drawn (drawing from
# LOOKALIKES would change every seed's session): ordinary walking.
GAIT_LOOKALIKES = ("walk",)
# Daily life that is no exercise, named and never drawn into the tiers'
# sessions (for the same reason; benchmarks/lookalikes.py runs them kind by
# kind): kneeling, crossing the legs seated, tapping the foot, pedalling a
# stationary bike, driving (pedal presses held at lights, the car's own
# accelerations on the sensor).
DAILY_LOOKALIKES = ("kneel", "cross_legs", "foot_tap", "stationary_bike", "driving",
                    # Appended (the kinds before keep their seeds in
                    # benchmarks/lookalikes.py): a calf stretch held against a
                    # wall, rocking heel to toe standing.
                    "calf_stretch", "heel_toe_rock",
                    # Appended likewise: a seated leg raise (the thigh lifted
                    # from the chair, the foot off the floor, held), the
                    # pencil pickup's nearest look-alike.
                    "seated_leg_raise")
# Where each look-alike is done (standing otherwise).
LOOKALIKE_POSTURE = {"knee_extension": "chair", "straight_leg_raise": "lie",
                     "side_lying_abduction": "side_lie", "prone_hip_extension": "prone",
                     "other_leg_lying": "lie", "other_leg_seated": "chair",
                     "fidget_seated": "chair", "fidget_lying": "lie", "seated_heel_raise": "chair",
                     "kneel": "stand", "cross_legs": "chair", "foot_tap": "chair",
                     "stationary_bike": "bike", "driving": "car", "calf_stretch": "stand",
                     "heel_toe_rock": "stand", "seated_leg_raise": "chair"}
# Length of the segments that swing about the knee or the hip (m).
SHANK_LENGTH_M = 0.42
LEG_LENGTH_M = 0.85


def tier_config(tier: str, **overrides) -> SimConfig:
    """A :class:`SimConfig` for a named tier (clean, realistic, hard, ankle)."""
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; choose from {', '.join(TIERS)}")
    return SimConfig(**{**TIERS[tier], **overrides})


# --------------------------------------------------------------------------
# motion primitives (all on the internal grid, vectorised)
# --------------------------------------------------------------------------

def _min_jerk(u: np.ndarray) -> np.ndarray:
    """Minimum-jerk profile 0→1 for u in [0, 1] (human point-to-point reaches)."""
    u = np.clip(u, 0.0, 1.0)
    return u ** 3 * (10 - 15 * u + 6 * u ** 2)


def _smooth_noise(rng: np.random.Generator, n: int, sampling_rate_hz: float, corner_hz: float,
                  rms: float) -> np.ndarray:
    """Gaussian noise low-passed to ``corner_hz``, scaled to ``rms``.

    The scale comes from a padded buffer several filter lengths long, so a
    short stretch of slow noise keeps its true (small) variation instead of
    being blown up to ``rms``.
    """
    if n == 0:
        return np.zeros(0)
    sigma = sampling_rate_hz / (2 * math.pi * corner_hz)
    pad = int(max(200, 4 * sigma))
    x = rng.standard_normal(n + 2 * pad)
    if sigma > 64:
        # A direct Gaussian this wide costs O(n * 8 sigma): the gyro bias
        # wander at 0.005 Hz took 8 of a session's 14 s. Its transfer function
        # over the FFT is O(n log n); the ends are reflected as
        # gaussian_filter1d's default mode does, so a seed gives the same
        # session as before (within 1e-3 of the noise's rms).
        # The reflected buffer is reflected on to a length whose FFT is
        # quick (only small prime factors): an awkward length (a prime) made
        # the FFT 10-30x slower, a third of a session's simulation. The
        # samples kept differ by ~1e-15 of the noise's rms, the scale by
        # ~1e-6 (the wrap-around at the buffer's ends, inside the padding).
        r = int(4 * sigma + 0.5)
        xp = np.pad(x, r, mode="symmetric")
        xp = np.pad(xp, (0, next_fast_len(len(xp), real=True) - len(xp)), mode="symmetric")
        f = np.fft.rfftfreq(len(xp))
        x = np.fft.irfft(np.fft.rfft(xp) * np.exp(-0.5 * (2 * np.pi * f * sigma) ** 2),
                         n=len(xp))[r:r + len(x)]
    else:
        x = gaussian_filter1d(x, sigma=sigma)
    sd = x.std()
    x = x[pad:pad + n]
    return x * (rms / sd) if sd > 0 else x


def _taper(n: int, sampling_rate_hz: float, ramp_s: float = 0.3) -> np.ndarray:
    """Envelope rising from 0 to 1 and back over ``ramp_s`` at both ends.

    Noise added to a stretch of motion is multiplied by this so that the
    stretches join without jumps (a jump would read as a huge angular rate).
    """
    k = np.arange(n)
    return np.clip(np.minimum(k, n - 1 - k) / max(1.0, ramp_s * sampling_rate_hz), 0.0, 1.0)


def _tremor(rng: np.random.Generator, n: int, sampling_rate_hz: float, rms_deg: float) -> np.ndarray:
    """Physiological tremor during effortful holds: 6–12 Hz, small angle."""
    if n == 0:
        return np.zeros(0)
    t = np.arange(n) / sampling_rate_hz
    f = rng.uniform(7, 11)
    env = 1 + 0.5 * _smooth_noise(rng, n, sampling_rate_hz, 0.5, 1.0)
    return rms_deg * math.sqrt(2) * env * np.sin(2 * math.pi * f * t + rng.uniform(0, 2 * math.pi)) \
        + _smooth_noise(rng, n, sampling_rate_hz, 4.0, rms_deg * 0.5)


@dataclasses.dataclass
class Track:
    """Leg kinematics on the internal grid for one stretch of the session.

    Angles in degrees, positions in metres (ankle joint, world frame).
    ``foot_extra`` is an optional per-sample rotation applied after the
    ankle (ankle circles); ``None`` means identity.
    """

    heading: np.ndarray
    shank_pitch: np.ndarray
    shank_roll: np.ndarray
    ankle_pitch: np.ndarray
    ankle_roll: np.ndarray
    ankle_pos: np.ndarray
    foot_extra: Rotation | None = None

    @classmethod
    def still(cls, n: int, posture: str, heading: float, pos: np.ndarray) -> Track:
        sp, ap = POSTURES[posture]
        return cls(np.full(n, heading), np.full(n, sp), np.full(n, POSTURE_ROLL.get(posture, 0.0)),
                   np.full(n, ap),
                   np.zeros(n), np.tile(pos, (n, 1)))

    def __len__(self) -> int:
        return len(self.heading)


def _concat(tracks: Sequence[Track]) -> Track:
    fields = ("heading", "shank_pitch", "shank_roll", "ankle_pitch", "ankle_roll", "ankle_pos")
    out = {f: np.concatenate([getattr(t, f) for t in tracks]) for f in fields}
    if any(t.foot_extra is not None for t in tracks):
        quats = [t.foot_extra.as_quat() if t.foot_extra is not None else
                 np.tile([0, 0, 0, 1.0], (len(t), 1)) for t in tracks]
        out["foot_extra"] = Rotation.from_quat(np.concatenate(quats))
    return Track(**out)


class _Builder:
    """Appends activities to a session, keeping the leg's state continuous."""

    def __init__(self, rng: np.random.Generator, sampling_rate_hz: float, cfg: SimConfig):
        self.rng, self.sampling_rate_hz, self.cfg = rng, sampling_rate_hz, cfg
        self.tracks: list[Track] = []
        self.n = 0
        self.posture = "stand"
        self.heading = rng.uniform(-180, 180)
        self.pos = np.array([0.0, 0.0, 0.08])
        self.exercises: list[dict] = []
        self.distractors: list[dict] = []
        self.stances: list[dict] = []
        # Every standing rest: (first sample, samples, AP sway, ML sway, recorded).
        self.standing: list[tuple] = []
        self.side_sign = 1.0 if cfg.side == "left" else -1.0
        self.labels: list[tuple[int, str]] = []   # (samples, posture) as pushed
        self.tiptoe_plans: list[dict] = []   # tiptoe_plan() of each wide tiptoe walk
        self.pencil_plans: list[dict] = []   # pencil_plan() of each wide pencil set
        # Hold shapes are drawn from a stream of their own (seeded by
        # simulate_session), so a config without them gives the same session.
        self.shape_rng = np.random.default_rng(41)
        # The same for SimConfig.hold_wide's draws.
        self.wide_rng = np.random.default_rng(43)
        # The same for the tiptoe tier's heel-to-toe walks (_walk_wide).
        self.walk_rng = np.random.default_rng(47)
        # The same for SimConfig.lookalike_wide's draws.
        self.look_rng = np.random.default_rng(61)
        # walk_plan()'s walks, when SimConfig.walk_wide: no other walks then.
        self.walk_plans: list[dict] | None = None
        # The same for SimConfig.ankle_wide's draws.
        self.ankle_rng = np.random.default_rng(79)
        # The same for SimConfig.press_wide's draws.
        self.press_rng = np.random.default_rng(89)

    @property
    def t(self) -> float:
        return self.n / self.sampling_rate_hz

    def _push(self, track: Track) -> None:
        if len(track) == 0:
            return
        self.tracks.append(track)
        self.labels.append((len(track), self.posture))
        self.n += len(track)
        self.heading = float(track.heading[-1])
        self.pos = track.ankle_pos[-1].copy()

    def _grid(self, duration_s: float) -> np.ndarray:
        return np.arange(int(round(duration_s * self.sampling_rate_hz))) / self.sampling_rate_hz

    def sloppy(self, scale: float) -> float:
        """A multiplicative variation: more spread for sloppier people."""
        return float(np.exp(self.rng.normal(0, scale * (0.3 + self.cfg.sloppiness))))

    # -- resting ------------------------------------------------------------
    def rest(self, duration_s: float, sway_deg: float = 0.0, record_stance: bool = False) -> None:
        n = len(self._grid(duration_s))
        tr = Track.still(n, self.posture, self.heading, self.pos)
        if self.posture == "stand":
            # Inverted-pendulum sway of the body about the ankle: the shank
            # tilts, the foot stays flat on the floor.
            env = _taper(n, self.sampling_rate_hz, 1.0)
            ap = env * _smooth_noise(self.rng, n, self.sampling_rate_hz, 0.4, sway_deg or self.rng.uniform(0.3, 1.0))
            ml = env * _smooth_noise(self.rng, n, self.sampling_rate_hz, 0.4, sway_deg * 0.8 or self.rng.uniform(0.2, 0.8))
            tr.shank_pitch = tr.shank_pitch + ap
            tr.ankle_pitch = tr.ankle_pitch - ap
            tr.shank_roll = ml
            tr.ankle_roll = -ml
            self.standing.append((self.n, n, ap, ml, record_stance))
            if record_stance:
                self.stances.append({
                    "start_s": self.t, "end_s": self.t + n / self.sampling_rate_hz,
                    "sway_rms_ap_deg": float(np.std(ap)) if self.cfg.placement == "ankle" else None,
                    "sway_rms_ml_deg": float(np.std(ml)) if self.cfg.placement == "ankle" else None,
                })
        else:
            env = _taper(n, self.sampling_rate_hz, 0.5)
            for arr in (tr.shank_pitch, tr.ankle_pitch):
                arr += env * _smooth_noise(self.rng, n, self.sampling_rate_hz, 0.2, 0.3)
        self._push(tr)

    def quiet_stances(self) -> list[dict]:
        """The recorded stances, each grown over the standing rests it runs on into.

        A person who stands on after a recorded stance, or stood before it
        (the seconds after an exercise), stands one stance: the truth is
        the sway of all of it (two recorded stances in a row had been two
        truths for one stretch of standing, which no measurement can split).

        The sway RMS is the documented one (docs/adherence-and-balance.md):
        about the mean, from 1 s after the stance starts to 1 s before it
        ends. Over the whole stance it took in the 1 s ramps at its ends
        where this simulator's sway rises from zero, and read 1-5 % below
        the documented quantity (branch ``sway``, benchmarks/README.md).
        """
        groups: list[list[tuple]] = []
        for rest in self.standing:
            if groups and groups[-1][-1][0] + groups[-1][-1][1] == rest[0]:
                groups[-1].append(rest)
            else:
                groups.append([rest])
        out = []
        ankle = self.cfg.placement == "ankle"
        for g in groups:
            if not any(r[4] for r in g):
                continue
            ap = np.concatenate([r[2] for r in g])
            ml = np.concatenate([r[3] for r in g])
            edge = int(round(self.sampling_rate_hz))
            if len(ap) > 2 * edge + 1:
                ap, ml = ap[edge:-edge], ml[edge:-edge]
            out.append({"start_s": g[0][0] / self.sampling_rate_hz,
                        "end_s": (g[-1][0] + g[-1][1]) / self.sampling_rate_hz,
                        "sway_rms_ap_deg": float(np.std(ap)) if ankle else None,
                        "sway_rms_ml_deg": float(np.std(ml)) if ankle else None})
        return out

    # -- posture changes ----------------------------------------------------
    def transition(self, to: str, duration_s: float | None = None, kind: str | None = None,
                   shift_m=(0.1, 0.05, 0.15)) -> None:
        """Sit down, stand up, lie down …: a smooth change with some wobble.

        ``shift_m``: how far the ankle moves out of its way (forward, left,
        up) half-way through.
        """
        if to == self.posture:
            return
        duration_s = duration_s or self.rng.uniform(2.5, 4.5)
        t = self._grid(duration_s)
        n = len(t)
        sp0, ap0 = POSTURES[self.posture]
        sp1, ap1 = POSTURES[to]
        u = _min_jerk(t / duration_s)
        # Getting up and down moves the leg through intermediate angles.
        bump = np.sin(np.pi * u) * self.rng.uniform(10, 30)
        tr = Track(
            heading=self.heading + np.sin(np.pi * u) * self.rng.uniform(-20, 20),
            shank_pitch=sp0 + (sp1 - sp0) * u + bump,
            shank_roll=np.sin(np.pi * u) * self.rng.uniform(-10, 10)
            + POSTURE_ROLL.get(self.posture, 0.0) * (1 - u) + POSTURE_ROLL.get(to, 0.0) * u,
            ankle_pitch=ap0 + (ap1 - ap0) * u - 0.5 * bump,
            ankle_roll=_smooth_noise(self.rng, n, self.sampling_rate_hz, 1.0, 3.0) * np.sin(np.pi * u),
            ankle_pos=self.pos + np.outer(np.sin(np.pi * u), shift_m),
        )
        self.distractors.append({"kind": kind or f"{self.posture}_to_{to}",
                                 "start_s": self.t, "end_s": self.t + n / self.sampling_rate_hz})
        self._push(tr)
        self.posture = to

    # -- gait ---------------------------------------------------------------
    def walk(self, duration_s: float, tiptoe: bool = False, label: bool = True,
             strides: dict | None = None) -> list[float]:
        """Walk straight (normal heel-to-toe or on tiptoe); returns contact times.

        ``strides``: one walk of :func:`walk_strides` (heel-to-toe; its
        stride count replaces ``duration_s``).
        """
        assert self.posture == "stand"
        if tiptoe and (self.cfg.tiptoe_wide or self.cfg.tiptoe_plan):
            return self._tiptoe_wide(duration_s, label)
        # Tiptoe gait varies far more than people's: cadence, stance share,
        # step length, heel height and how far the shank swings.
        wide = strides if strides and not tiptoe else None if tiptoe else self._walk_wide()
        stride_s = (self.rng.uniform(0.7, 1.5) if tiptoe else wide["stride_s"] if wide
                    else self.rng.uniform(1.0, 1.25))
        stride_s *= 1 / (1 + 0.05 * self.cfg.sloppiness * self.rng.standard_normal())
        n_strides = max(2, int(duration_s / stride_s)) if not strides else int(strides["strides"])
        # Stride-to-stride variability (healthy adults: CV 1.5–3 %).
        cv = 0.02 + 0.03 * self.cfg.sloppiness
        durations = stride_s * (1 + cv * self.rng.standard_normal(n_strides)).clip(0.7, 1.3)
        t0 = self.t
        start_heading = self.heading
        turn = self.rng.uniform(-40, 40)
        stance_frac = 0.6 if not tiptoe else self.rng.uniform(0.45, 0.65)
        step_len = (self.rng.uniform(1.1, 1.4) if not tiptoe else self.rng.uniform(0.4, 1.0))
        if wide:
            stance_frac, step_len = wide["stance_frac"], wide["step_m"]
        shank_arc = self.rng.uniform(14, 34) if tiptoe else 50.0
        shank_mid = self.rng.uniform(-2, 8) if tiptoe else 5.0
        heel_rises: list[np.ndarray] = []
        tracks, contacts = [], []
        ground_z = self.pos[2]
        # Heel height on tiptoe: one level for the bout, wandering a little.
        tip_level = self.rng.uniform(10, 45) * self.sloppy(0.1)
        tip_wander = _smooth_noise(self.rng, int(durations.sum() * self.sampling_rate_hz) + 10, self.sampling_rate_hz, 0.3, 2.0)
        k0 = 0
        # Lead-in: the gait starts from standing; first contact after a swing.
        for k, dur in enumerate(durations):
            t = self._grid(dur)
            n = len(t)
            ph = t / dur  # 0 = contact, stance until stance_frac, then swing
            stance = ph < stance_frac
            sw = np.clip((ph - stance_frac) / (1 - stance_frac), 0, 1)
            if tiptoe:
                hold = tip_level + tip_wander[k0:k0 + n]
                k0 += n
                foot = np.where(stance, hold + 5 * np.sin(np.pi * ph / stance_frac),
                                hold + 15 * np.sin(np.pi * sw))
                shank = np.where(stance, shank_mid - shank_arc / 2 + shank_arc * ph / stance_frac,
                                 shank_mid + shank_arc / 2 - shank_arc * _min_jerk(sw))
                lift = np.where(stance, 0.0, 0.05 * np.sin(np.pi * sw))
                if k > 0:  # the first stride eases in from standing
                    heel_rises.append(foot[stance])
            else:
                # Heel strike toes-up, foot flat, heel-off and push-off toes-down,
                # swing back to toes-up for the next heel strike.
                s = ph / stance_frac
                if wide:
                    # Heel strike toes-up by ``heel_deg`` (a careful walker
                    # lands nearly flat), push-off to ``push_deg``; the shank
                    # swings ``arc`` about ``mid`` (short slow steps: 30°).
                    hs, po, arc, mid = wide["heel_deg"], wide["push_deg"], wide["arc_deg"], wide["mid_deg"]
                    foot = np.where(stance, np.interp(s, [0, 0.15, 0.6, 0.85, 1.0], [-hs, 0, 0, 0.45 * po, po]),
                                    np.interp(sw, [0, 0.3, 0.8, 1.0], [po, 0.35 * po, -0.75 * hs, -hs]))
                    shank = np.where(stance, mid - arc / 2 + arc * s, mid + arc / 2 - arc * _min_jerk(sw))
                    lift = np.where(stance, 0.0, wide["lift_m"] * np.sin(np.pi * sw))
                else:
                    foot = np.where(
                        stance,
                        np.interp(s, [0, 0.15, 0.6, 0.85, 1.0], [-20, 0, 0, 25, 55]),
                        np.interp(sw, [0, 0.3, 0.8, 1.0], [55, 20, -15, -20]))
                    shank = np.where(stance, -20 + 50 * s, 30 - 50 * _min_jerk(sw))
                    lift = np.where(stance, 0.0, 0.12 * np.sin(np.pi * sw))
            foot = gaussian_filter1d(foot, self.sampling_rate_hz * 0.02)
            shank = gaussian_filter1d(shank, self.sampling_rate_hz * 0.02)
            if k == 0:
                # Gait starts from standing still: ease into the first stride.
                lead = _min_jerk(t / min(0.5, 0.5 * dur))
                foot, shank = foot * lead, shank * lead
            heading = start_heading + turn * (k + ph) / n_strides
            fwd = np.where(stance, 0.0, _min_jerk(sw)) * step_len
            hrad = np.radians(heading)
            base = self.pos.copy()
            pos = np.column_stack([base[0] + fwd * np.cos(hrad), base[1] + fwd * np.sin(hrad),
                                   ground_z + lift + 0.04 * np.clip(np.radians(foot), 0, None)])
            roll = _taper(n, self.sampling_rate_hz, 0.1) * _smooth_noise(
                self.rng, n, self.sampling_rate_hz, 2.0, 2.0 if tiptoe else 1.0)
            tr = Track(heading, shank, roll * 0.5, foot - shank, roll, pos)
            contacts.append(self.t)
            self._push(tr)
            tracks.append(tr)
        # The last swing lands: one more contact, on which the person stops.
        contacts.append(self.t)
        if label:
            # Heel rise: the foot's pitch (toes down) in stance, median over the bout.
            self.exercises.append({
                "exercise": "tiptoe_walk", "start_s": contacts[0], "end_s": self.t,
                "reps": [], "circles": [], "strides": [{"t_s": c} for c in contacts],
                **({"heel_rise_deg": float(np.median(np.concatenate(heel_rises)))}
                   if tiptoe and heel_rises else {})})
        else:
            self.distractors.append({"kind": "walk", "start_s": t0, "end_s": self.t})
        # Come to a stop with both feet flat.
        self.settle()
        return contacts

    def _walk_wide(self) -> dict | None:
        """Heel-to-toe walking drawn wide beside the wide tiptoe walks (None: the tiers' one walk).

        A shank sensor sees the shank's swing, not the foot's: people walk
        with strides of 0.8-1.6 s, slow careful steps (0.5 m) swinging the
        shank 30° and long brisk ones 60° (the tiers' walk: 1.0-1.25 s,
        50°), landing on the heel toes-up by 3-25° (a shuffler lands
        nearly flat) and pushing off 20-60° toes-down. Drawn from a stream
        of its own, so the tiptoe tier's other draws stay what they were.
        """
        if not self.cfg.tiptoe_wide:
            return None
        rng = self.walk_rng
        step = rng.uniform(0.5, 1.4)
        return {"stride_s": rng.uniform(0.8, 1.6), "step_m": step, "stance_frac": rng.uniform(0.55, 0.68),
                "arc_deg": float(np.clip(30 + 30 * (step - 0.5) / 0.9 + rng.normal(0, 4), 28, 62)),
                "mid_deg": rng.uniform(0, 10), "heel_deg": rng.uniform(3, 25), "push_deg": rng.uniform(20, 60),
                "lift_m": rng.uniform(0.06, 0.14)}

    def _tiptoe_wide(self, duration_s: float, label: bool = True) -> list[float]:
        """Tiptoe walking as :func:`tiptoe_plan` draws it; returns contact times.

        Each stride starts with the forefoot's contact: the foot stays
        pitched toes-down (the heel off the floor) through stance while the
        shank rolls forward over it; the swing carries the foot
        ``step_m`` forward. A pause is a stance held on tiptoe (swaying);
        a turn changes the heading over one or two strides, pivoting on
        the toes.
        """
        rng, fs = self.rng, self.sampling_rate_hz
        plan = tiptoe_plan(rng, self.cfg.sloppiness, duration_s, wider_rng=(
            np.random.default_rng([int(self.wide_rng.integers(2 ** 31)), 67]) if self.cfg.tiptoe_wider else None),
            **(self.cfg.tiptoe_plan or {}))
        self.tiptoe_plans.append(plan)
        n = plan["strides"]
        trend = plan["cadence_trend"] ** (np.arange(n) / max(1, n - 1))
        durations = 2.0 / plan["cadence_sps"] * trend * np.exp(
            plan["stride_cv"] * rng.standard_normal(n)).clip(0.6, 1.6)
        pauses = {int(p["after"]): float(p["seconds"]) for p in plan["pauses"]}
        turn_per = np.zeros(n)
        for tu in plan["turns"]:
            k, m = int(tu["at"]), int(tu["strides"])
            turn_per[k:k + m] += tu["deg"] / len(turn_per[k:k + m])
        # Heel height (cm) to foot pitch: the foot turns about the ball,
        # ~18 cm ahead of the heel.
        rise = lambda cm: np.degrees(np.arcsin(np.clip(cm / 18.0, 0, 0.95)))  # noqa: E731
        ground_z = self.pos[2]
        contacts, heel_rises = [], []
        sf, arc, mid = plan["stance_frac"], plan["shank_arc_deg"], plan["shank_mid_deg"]
        wander = _smooth_noise(rng, int((durations.sum() + sum(pauses.values())) * fs) + 10, fs, 0.3,
                               plan["heel_wander_cm"])
        k0 = 0

        def push(foot_deg, shank_deg, heading, fwd_m, lift_m, roll_deg):
            hrad = np.radians(heading)
            pitch = np.radians(np.clip(foot_deg, 0, None))
            # The ankle rises with the heel (it sits ~15 cm behind the ball).
            pos = np.column_stack([self.pos[0] + fwd_m * np.cos(hrad), self.pos[1] + fwd_m * np.sin(hrad),
                                   ground_z + lift_m + 0.15 * np.sin(pitch)])
            self._push(Track(heading, shank_deg, roll_deg * 0.5, foot_deg - shank_deg, roll_deg, pos))

        heading0 = self.heading
        soft = plan.get("soft", 0.0)
        cushion, v_land = plan.get("cushion_s", 0.0), 0.0
        # The instrumented foot takes the first step (``lead_first``): its
        # heel rises and it swings at once; else it stands through a stance
        # while the other foot steps first.
        rise_s = min(0.3, sf * durations[0]) if plan.get("lead_first") else None
        for k, dur in enumerate(durations):
            if k == 0 and rise_s:
                t = self._grid(rise_s + (1 - sf) * dur)
                ph = np.where(t < rise_s, sf * t / rise_s, sf + (t - rise_s) / dur)
            else:
                t = self._grid(dur)
                ph = t / dur
            m = len(t)
            stance = ph < sf
            sw = np.clip((ph - sf) / (1 - sf), 0, 1)
            level = rise(plan["heel_rise_cm"] + wander[k0:k0 + m])
            k0 += m
            flat = k in plan.get("flat_at", ())
            if flat:
                # A step heel first: the foot lands toes-up and lies flat
                # through stance, the shank swinging farther over it.
                level = np.where(stance, np.interp(ph / sf, [0, 0.15, 0.8, 1.0], [-10, 0, 0, level.mean()]), level)
            elif k > 0 and rng.random() < plan.get("heel_touch_p", 0.0):
                # The heel touches the floor mid-stance and rises again.
                level = level * (1 - np.where(stance, np.sin(np.pi * np.clip(ph / sf, 0, 1)) ** 2, 0.0))
            # This swing's length over the others': half steps to start and
            # to stop, short steps turning on the spot.
            frac = (plan.get("first_step", 1.0) if k == 0 else plan.get("last_step", 1.0) if k == n - 1
                    else 1.0) * (0.3 if turn_per[k] else 1.0)
            arc_k = arc * (0.4 + 0.6 * frac) * (1.4 if flat else 1.0)
            # (With a cushion the toes swing down to the floor and stop
            # there, the heel giving as they land, not hitting it at speed.)
            foot = np.where(stance, level + plan.get("stance_rock_deg", 3.0) * np.sin(np.pi * ph / sf),
                            level + plan["swing_deg"] * (0.5 + 0.5 * frac)
                            * np.sin(np.pi * sw) ** (2 if cushion else 1))
            # Limbs have mass: with a cushioned landing the shank's swing
            # eases into its roll over the forefoot (a roll at full rate from
            # the landing on is a kink that jolts a sensor 10 cm up the shank
            # by ~0.02 g per degree of arc).
            roll_in = _min_jerk(np.clip(ph / sf, 0, 1)) if cushion and not flat else ph / sf
            shank = np.where(stance, mid - arc_k / 2 + arc_k * roll_in, mid + arc_k / 2 - arc_k * _min_jerk(sw))
            foot = gaussian_filter1d(foot, fs * 0.02)
            shank = gaussian_filter1d(shank, fs * 0.02)
            if k == 0:
                # From standing flat: the heel rises and the first swing follows.
                lead = _min_jerk(t / (rise_s or min(0.5, 0.5 * dur)))
                foot, shank = foot * lead, shank * lead
            elif not flat:
                heel_rises.append(foot[stance])
            heading = heading0 + turn_per[k] * ph
            heading0 += turn_per[k]
            # A foot is carried, not thrown: the swing's accelerations stay
            # within what legs do (~4 g forward, under 1 g up and down:
            # more would read as a hop's free fall).
            swing_s = (1 - sf) * dur
            step = min(plan["step_m"], 40.0 * swing_s ** 2 / 5.77) * frac
            fwd = np.where(stance, 0.0, _min_jerk(sw)) * step
            # sin² sets the toes down without speed: ``soft`` of it.
            up = np.sin(np.pi * sw)
            if cushion:
                # The toes leave the floor from rest (no jolt at push-off).
                up = np.where(sw < 0.5, up ** 2, up)
            arch = (1 - soft) * up + soft * np.sin(np.pi * sw) ** 2
            lift_m = min(plan["swing_lift_m"], 0.6 * G * (swing_s / np.pi) ** 2)
            lift = np.where(stance, 0.0, lift_m * arch)
            if cushion and k > 0 and not flat:
                # Landing on the forefoot, the calf lets the heel give: the
                # ankle comes to rest over ``cushion_s`` (a heel strike, in
                # a few hundredths of a second), and rises back in stance.
                tc = np.where(stance, t, 0.0)
                lift = lift - np.where(stance, v_land * cushion * (1 - np.exp(-tc / cushion))
                                       * (1 - _min_jerk(np.clip(ph / sf, 0, 1))), 0.0)
            v_land = (1 - soft) * lift_m * np.pi / max(swing_s, 1e-3)
            # Side wobble: the ankle rolls out and back in each stance, and
            # a little at random.
            roll = plan["roll_deg"] * np.sin(np.pi * np.clip(ph / sf, 0, 1)) + _taper(m, fs, 0.1) * _smooth_noise(
                rng, m, fs, 2.0, plan["wobble_deg"])
            contacts.append(self.t)
            if k in pauses and k > 0:
                # Standing on tiptoe: the stance held, swaying a little.
                tp = self._grid(pauses[k])
                q = len(tp)
                sway = _taper(q, fs, 0.3) * _smooth_noise(rng, q, fs, 0.5, 1.0)
                lv = np.full(q, foot[0]) + _taper(q, fs, 0.3) * _smooth_noise(rng, q, fs, 0.3, 1.5)
                push(lv, np.full(q, shank[0]) + sway, np.full(q, heading[0]), np.zeros(q), np.zeros(q),
                     _taper(q, fs, 0.3) * _smooth_noise(rng, q, fs, 0.5, 1.0))
            push(foot, shank, heading, fwd, lift, roll)
        contacts.append(self.t)
        if plan.get("end_drop_s"):
            # The heel comes down, gathering speed: a quick drop lands on
            # the heel with an impact (a bump of jerk, like a contact's).
            last = self.tracks[-1]
            if plan.get("end_hold_s"):
                q = len(self._grid(plan["end_hold_s"]))
                f0 = float(last.ankle_pitch[-1] + last.shank_pitch[-1])
                push(np.full(q, f0), np.full(q, float(last.shank_pitch[-1])), np.full(q, self.heading),
                     np.zeros(q), np.zeros(q), np.zeros(q))
                last = self.tracks[-1]
            tq = self._grid(plan["end_drop_s"])
            u = (tq / plan["end_drop_s"]) ** 2
            f0 = float(last.ankle_pitch[-1] + last.shank_pitch[-1])
            push(f0 * (1 - u), np.full(len(tq), float(last.shank_pitch[-1])), np.full(len(tq), self.heading),
                 np.zeros(len(tq)), np.zeros(len(tq)), np.zeros(len(tq)))
        down = self.t
        # The walk ends when the foot has come down from tiptoe after its
        # last contact (as the outside simulator's samples have it, about
        # two thirds of a stride after the last contact).
        self.settle()
        end = down if plan.get("end_drop_s") else self.t
        if label:
            self.exercises.append({
                "exercise": "tiptoe_walk", "start_s": contacts[0], "end_s": end,
                "reps": [], "circles": [], "strides": [{"t_s": c} for c in contacts],
                **({"heel_rise_deg": float(np.median(np.concatenate(heel_rises)))} if heel_rises else {})})
        else:
            self.distractors.append({"kind": "tiptoe_walk", "start_s": contacts[0], "end_s": end})
        return contacts

    def settle(self, duration_s: float = 0.6) -> None:
        """Ease the leg back to its resting posture."""
        last = self.tracks[-1]
        t = self._grid(duration_s)
        u = _min_jerk(t / duration_s)
        sp, ap = POSTURES[self.posture]
        tr = Track(
            heading=np.full(len(t), self.heading),
            shank_pitch=last.shank_pitch[-1] + (sp - last.shank_pitch[-1]) * u,
            shank_roll=last.shank_roll[-1] * (1 - u),
            ankle_pitch=last.ankle_pitch[-1] + (ap - last.ankle_pitch[-1]) * u,
            ankle_roll=last.ankle_roll[-1] * (1 - u),
            ankle_pos=np.column_stack([np.full(len(t), self.pos[0]), np.full(len(t), self.pos[1]),
                                       last.ankle_pos[-1, 2] + (0.08 - last.ankle_pos[-1, 2]) * u]))
        self._push(tr)

    # -- hold exercises -----------------------------------------------------
    def hold_reps(self, exercise: str, reps: int, hold_target_s: float, amp_deg: float | None = None) -> None:
        """Reps of a move–hold–release exercise (toe press, band, pencil); ``amp_deg`` fixes the
        person's range of motion (drawn at random otherwise)."""
        assert self.posture == EXERCISE_POSTURE[exercise]
        rng = self.rng
        sign = rng.choice([-1.0, 1.0])  # instep geometry differs between people
        entry = {"exercise": exercise, "start_s": None, "end_s": None,
                 "reps": [], "circles": [], "strides": []}
        # Per person, far wider than people show: a toe press tips the foot
        # 1–8°, a knee bends with it by a little or a lot; holds from 1 s to
        # twice the prescription, brisk or slow moves, short or long rests.
        amp_person = {"toe_press": rng.uniform(1, 8), "resistance_band": rng.uniform(8, 30),
                      "pencil_pickup": rng.uniform(4, 16)}[exercise]
        if amp_deg is not None:
            amp_person = float(amp_deg)
        knee = rng.uniform(3, 20)
        hold_person = float(np.clip(hold_target_s * np.exp(rng.normal(0, 0.5)),
                                    0.9 * hold_target_s if exercise == "pencil_pickup" else 1.3, 20.0))
        tempo = np.exp(rng.normal(0, 0.5))           # slow or brisk mover
        rest_person = rng.uniform(0.4, 6.0)
        pins = self.cfg.hold_plan or {}
        pinned = pins.get("amp_deg")
        if isinstance(pinned, dict):  # per exercise
            pinned = pinned.get(exercise)
        amp_person = float(amp_person if pinned is None else pinned)
        knee = float(pins.get("knee_deg", knee))
        hold_person = float(pins.get("hold_s", hold_person))
        tempo = float(pins.get("tempo", tempo))
        rest_person = float(pins.get("rest_s", rest_person))
        if "reps" in pins:
            reps = int(pins["reps"])
        drift_frac = rng.uniform(0.02, 0.12)         # how much the held angle wanders
        # SimConfig.hold_wide: the person drawn wider (own stream; pins win).
        wide = self.cfg.hold_wide if exercise in ("toe_press", "resistance_band") else 0.0
        knee_lag_s, knee_pace, knee_spread, heel_m, rest_sway = 0.0, 1.0, 0.0, 0.0, 0.0
        amp_spread, move_range = 0.1, (0.3, 3.0)
        if wide:
            wr = self.wide_rng
            knee = float(pins.get("knee_deg", wr.uniform(2.0, 20.0)))
            if self.cfg.ankle_wide and exercise == "toe_press" and "knee_deg" not in pins:
                # Some people keep the knee still (a shank sensor then sees
                # only the calf's tremor and the heel's lift), others dip.
                knee = float(np.exp(self.ankle_rng.uniform(np.log(0.3), np.log(20.0))))
            knee_lag_s = float(pins.get("knee_lag_s", wr.uniform(-0.8, 0.8) * wide))
            knee_pace = float(np.exp(wr.normal(0, 0.4 * wide)))
            knee_spread = 0.25 * wide
            heel_m = float(pins.get("heel_lift_m", wr.uniform(0.0, 0.006) if wr.random() < 0.5 else 0.0))
            rest_sway = float(wr.uniform(0.3, 2.5))
            amp_spread = 0.2 * wide
            move_range = (0.2, 4.0)
            tempo = float(pins.get("tempo", np.exp(wr.normal(0, 0.7 * wide))))
            rest_person = float(pins.get("rest_s", np.exp(wr.uniform(np.log(0.3), np.log(8.0)))))
            drift_frac = float(wr.uniform(0.02, 0.25))
        # SimConfig.press_wide (own stream; pins win): the toes' grip shifts
        # the weight forward or back, so the shin tips either way (in place
        # of the knee's forward bend), the arch domes and lifts the instep
        # with the heel down, and the holds are counted unevenly.
        press = self.cfg.press_wide if exercise == "toe_press" else 0.0
        arch_m, hold_sigma = 0.0, 0.0
        if press:
            pr = self.press_rng
            shin = float(pr.choice([-1.0, 1.0]) * pr.uniform(0.5, 10.0) * press)
            knee = float(pins.get("knee_deg", shin))
            arch_m = float(pins.get("arch_lift_m", pr.uniform(0.0, 0.015) * press))
            hold_sigma = float(pr.uniform(0.15, 0.55) * press)
        # Most people tip the foot toes-down to hold the pencil up; the same
        # way every rep.
        pencil_sign = 1.0 if rng.random() < 0.75 else -1.0
        plan: list[str] = ["rep"] * reps
        # Sloppy people abort some reps half-way and rush some holds.
        n_abort = rng.binomial(3, 0.15 + 0.3 * self.cfg.sloppiness)
        n_short = rng.binomial(2, 0.1 + 0.3 * self.cfg.sloppiness)
        if "reps" in pins:
            n_abort = n_short = 0
        for _ in range(n_abort):
            plan.insert(rng.integers(0, len(plan) + 1), "abort")
        for _ in range(n_short):
            plan.insert(rng.integers(0, len(plan) + 1), "touch")
        # How this person holds: overshoot into the position and settle
        # (over settle_s), then sag or creep by the hold's end.
        shape = self.cfg.hold_shape
        over_frac, settle_s, sag_frac = 0.0, 0.5, 0.0
        if shape:
            srng = self.shape_rng
            over_frac = srng.uniform(0, 0.4 * shape) if srng.random() < 0.6 else 0.0
            settle_s = srng.uniform(0.3, 1.5)
            sag_frac = srng.uniform(-0.2 * shape, 0.4 * shape) if srng.random() < 0.7 else 0.0
        for what in plan:
            move_in = float(np.clip(rng.uniform(0.6, 1.4) * tempo * self.sloppy(0.1), *move_range))
            move_out = float(np.clip(rng.uniform(0.6, 1.4) * tempo * self.sloppy(0.1), *move_range))
            if wide and exercise == "resistance_band":
                # The band pulls the foot back: the return is quick.
                move_out = float(self.wide_rng.uniform(0.15, 0.45))
            if what == "rep":
                # Drawn wide, a rep is held 1-20 s (the textbook person at least 1.2 s).
                shortest = 1.0 if wide else 1.2
                if "hold_spread" in pins:
                    hold = float(np.clip(hold_person * np.exp(rng.normal(0, pins["hold_spread"])), shortest, 20.0))
                else:
                    hold = float(np.clip(rng.normal(hold_person, 0.15 * hold_person * (1 + self.cfg.sloppiness)),
                                         shortest, 20.0))
                amp = amp_person * (self.sloppy(0.1) if not wide else
                                    float(np.exp(self.wide_rng.normal(0, amp_spread))))
                if hold_sigma and "hold_spread" not in pins:
                    hold = float(np.clip(hold_person * np.exp(self.press_rng.normal(0, hold_sigma)), shortest, 20.0))
            elif what == "touch":   # reaches the position but does not hold it
                hold, amp = rng.uniform(0.0, 0.3), amp_person * self.sloppy(0.1)
            else:                   # aborted half-movement: a third of the way or less
                hold, amp = rng.uniform(0.0, 1.5), amp_person * rng.uniform(0.1, 0.33)
            dur = move_in + hold + move_out
            # The knee's own moves (hold_wide): ahead of the toes or behind
            # them by knee_lag_s, its own pace; the rep spans both.
            k_in, k_out = move_in * knee_pace, move_out * knee_pace
            lead = max(0.0, -knee_lag_s) if exercise == "toe_press" else 0.0
            k0 = lead + knee_lag_s
            if exercise == "toe_press" and wide:
                dur = max(lead + dur, k0 + k_in + hold + k_out)
            t = self._grid(dur)
            n = len(t)
            t_k = t - k0
            t = t - lead
            prof = np.where(t < move_in, _min_jerk(t / move_in),
                            np.where(t < move_in + hold, 1.0,
                                     1 - _min_jerk((t - move_in - hold) / move_out)))
            if shape and what == "rep":
                # The level held: from 1 + overshoot settling to 1, sagging
                # (or creeping) linearly; the release starts from where it is.
                u = np.clip((t - move_in) / max(hold, 1e-3), 0, 1)
                level = 1 + over_frac * np.exp(-np.clip(t - move_in, 0, None) / settle_s) - sag_frac * u
                prof = np.where(t < move_in, (1 + over_frac) * _min_jerk(t / move_in),
                                np.where(t < move_in + hold, level,
                                         (1 - sag_frac) * (1 - _min_jerk((t - move_in - hold) / move_out))))
            holding = np.clip(np.minimum(t - move_in, move_in + hold - t) / 0.2, 0, 1)
            # A planted foot barely trembles; one holding a pencil in the air does.
            tremor_deg = {"toe_press": 0.04, "resistance_band": 0.1, "pencil_pickup": 0.1}[exercise]
            tremor = _tremor(rng, n, self.sampling_rate_hz, tremor_deg * (1 + rng.random())) * holding
            # The held angle wanders, and the release starts from wherever
            # it wandered to (no snap back to the planned level).
            drift = _smooth_noise(rng, n, self.sampling_rate_hz, 0.3, drift_frac * amp) * prof
            tr = Track.still(n, self.posture, self.heading, self.pos)
            lift = np.zeros(n)
            shank_range = 0.0
            if exercise == "toe_press" and shape:
                # The body sways over the planted foot through the whole rep
                # as it does at rest (0.3-1 deg): the shank tilts, the foot
                # stays flat.
                sway = _taper(n, self.sampling_rate_hz, 0.5) * _smooth_noise(
                    self.shape_rng, n, self.sampling_rate_hz, 0.4, self.shape_rng.uniform(0.3, 1.0) * shape)
                tr.shank_pitch = tr.shank_pitch + sway
                tr.ankle_pitch = tr.ankle_pitch - sway
            if exercise == "toe_press":
                # Knees bend (shank tilts forward, foot stays flat) while the
                # toes grip the floor, which arches the instep; the knee
                # wobbles a little while held.
                depth = knee * amp / amp_person
                k_prof = prof
                if wide:
                    depth *= float(np.exp(self.wide_rng.normal(0, knee_spread)))
                    k_prof = np.where(t_k < k_in, _min_jerk(t_k / k_in),
                                      np.where(t_k < k_in + hold, 1.0, 1 - _min_jerk((t_k - k_in - hold) / k_out)))
                    # The heel lifts off as the toes grip: the foot turns
                    # about the ball, toes down, the ankle rising.
                    tr.ankle_pitch = tr.ankle_pitch + np.degrees(heel_m / 0.16) * prof
                    lift = 0.7 * heel_m * prof
                bend = depth * k_prof + 0.3 * drift * knee / max(amp_person, 1.0)
                tr.shank_pitch = tr.shank_pitch + bend
                tr.ankle_pitch = tr.ankle_pitch - bend
                shank_range = abs(depth)
                if arch_m and self.cfg.placement == "foot":
                    # The arch domes under the instep sensor, the heel and
                    # the ball stay down: the instep rises, the foot does
                    # not turn about its ball as in a heel raise.
                    lift = lift + arch_m * float(self.press_rng.uniform(0.8, 1.2)) * prof
                foot_delta = sign * amp * prof + tremor + drift
                tr.ankle_pitch = tr.ankle_pitch + foot_delta
                tr.shank_pitch = tr.shank_pitch + 0.5 * tremor
            elif exercise == "resistance_band":
                # Dorsiflexion toward the shin against the band: toes go up.
                tr.ankle_pitch = tr.ankle_pitch - (amp * prof + tremor + drift)
            else:
                # Toes grip the pencil, the foot lifts it off the floor
                # (knee extends a little) and holds it in the air.
                # The knee extends a little to lift the foot; the toes curl
                # round the pencil and the foot tips, mostly toes-down.
                knee_ext = 0.3 * amp * prof
                foot_tip = pencil_sign * amp * prof
                tr.shank_pitch = tr.shank_pitch - knee_ext + 0.5 * tremor
                tr.ankle_pitch = tr.ankle_pitch + knee_ext + foot_tip + tremor + drift
                lift = 0.06 * prof
            tr.ankle_pos = tr.ankle_pos + np.outer(lift, [0, 0, 1.0])
            rep_start = self.t
            self._push(tr)
            if what == "rep":
                # Range: the instrumented segment's pitch change from rest to
                # the held position (the foot's tip for a foot sensor, the
                # knee bend for a shank one).
                rng_deg = shank_range if self.cfg.placement == "ankle" else amp
                entry["reps"].append({"start_s": rep_start, "end_s": self.t, "hold_s": hold,
                                      "range_deg": rng_deg})
                if entry["start_s"] is None:
                    entry["start_s"] = rep_start
                entry["end_s"] = self.t
            self.rest(rest_person * rng.uniform(0.7, 1.4) * self.sloppy(0.2), sway_deg=rest_sway)
        if entry["reps"]:
            self.exercises.append(entry)

    def band_set(self, spec: dict) -> None:
        """A resistance-band set drawn rep by rep (``SimConfig.band_set``).

        The foot's dorsiflexion is one continuous curve over the set: each
        rep a minimum-jerk pull from where the last release left the foot
        to ``amp_deg`` above rest, a hold sagging linearly by ``sag_frac``
        of the rep, a release going ``return_frac`` of its way back, then
        ``rest_s`` there; the rest level drifts by ``drift_dps`` through
        the set (the leg sliding on the floor turns the whole foot) and is
        brought back over 3 s after the last rep. Tremor and the held
        angle's wander as
        :meth:`hold_reps` draws them for the band.
        """
        assert self.posture == EXERCISE_POSTURE["resistance_band"]
        rng, fs = self.rng, self.sampling_rate_hz
        drift_dps = float(spec.get("drift_dps", 0.0))
        entry = {"exercise": "resistance_band", "start_s": None, "end_s": None,
                 "reps": [], "circles": [], "strides": []}
        pieces, level, t0 = [], 0.0, self.t
        for r in spec["reps"]:
            amp = float(r.get("amp_deg", 20.0))
            m_in, hold = float(r.get("move_in_s", 0.8)), float(r.get("hold_s", 5.0))
            m_out, rest_s = float(r.get("move_out_s", 0.3)), float(r.get("rest_s", 2.0))
            ret, sag = float(r.get("return_frac", 1.0)), float(r.get("sag_frac", 0.0))
            start = t0 + sum(len(p) for p in pieces) / fs
            # The pull goes to the held position whatever the release before
            # left the foot at.
            top = amp
            t = self._grid(m_in + hold + m_out)
            held = top - sag * amp * np.clip((t - m_in) / max(hold, 1e-3), 0, 1)
            low = (1 - ret) * amp
            end_hold = top - sag * amp
            curve = np.where(t < m_in, level + (top - level) * _min_jerk(t / m_in),
                             np.where(t < m_in + hold, held,
                                      end_hold - (end_hold - low) * _min_jerk((t - m_in - hold) / m_out)))
            holding = np.clip(np.minimum(t - m_in, m_in + hold - t) / 0.2, 0, 1)
            curve = (curve + _tremor(rng, len(t), fs, 0.1 * (1 + rng.random())) * holding
                     + _smooth_noise(rng, len(t), fs, 0.3, 0.05 * amp) * holding)
            pieces.append(curve)
            if r.get("counted", True):
                entry["reps"].append({"start_s": start, "end_s": start + len(t) / fs, "hold_s": hold,
                                      "range_deg": amp})
            pieces.append(np.full(len(self._grid(rest_s)), low))
            level = low
        # Back to the posture's rest over 3 s (the partial return's level too).
        back = self._grid(3.0)
        pieces.append(pieces[-1][-1] * (1 - _min_jerk(back / 3.0)) if len(pieces[-1]) else back * 0)
        foot = np.concatenate(pieces)
        n = len(foot)
        t = np.arange(n) / fs
        slide = drift_dps * np.minimum(t, t[-len(back)] if len(back) else t[-1])
        slide = slide * np.where(t > t[-len(back)], 1 - _min_jerk((t - t[-len(back)]) / 3.0), 1.0)
        tr = Track.still(n, self.posture, self.heading, self.pos)
        env = _taper(n, fs, 0.5)
        tr.shank_pitch = tr.shank_pitch + slide + env * _smooth_noise(rng, n, fs, 0.2, 0.3)
        tr.ankle_pitch = tr.ankle_pitch - foot
        self._push(tr)
        entry["start_s"], entry["end_s"] = entry["reps"][0]["start_s"], entry["reps"][-1]["end_s"]
        self.exercises.append(entry)

    def pencil_wide(self) -> None:
        """One foot's pencil pickups as :func:`pencil_plan` draws them, with the other
        foot's turn before, between or after its sets.

        Truth: one bout per set of this foot; a rep counts when the pencil
        was held (a pencil dropped within 2.5 s is not a rep); its
        ``range_deg`` is the instrumented segment's pitch change (the
        foot's tip, or the knee's part for a shank sensor).
        """
        rng = self.rng
        plan = pencil_plan(rng, self.cfg.sloppiness, wider_rng=(
            np.random.default_rng([int(self.wide_rng.integers(2 ** 31)), 61]) if self.cfg.pencil_wider else None),
            **(self.cfg.pencil_plan or {}))
        if self.cfg.pencil_widest:
            pencil_widest(plan, np.random.default_rng([int(self.wide_rng.integers(2 ** 31)), 71]),
                          pins=self.cfg.pencil_plan or {})
        if self.cfg.pencil_people:
            pencil_people(plan, np.random.default_rng([int(self.wide_rng.integers(2 ** 31)), 81]),
                          side_sign=self.side_sign, pins=self.cfg.pencil_plan or {})
        self.pencil_plans.append(plan)
        posture = plan["posture"]
        if posture == "floor_knees":
            self.go_to("floor")
            self.transition("floor_knees")
            self.rest(rng.uniform(1.0, 3.0))
        else:
            self.go_to(posture)
        # The other foot's turn: about as long as this foot's set.
        other_s = plan["reps"] * (plan["hold_s"] + plan["rest_s"] + 2.0) * rng.uniform(0.7, 1.3)
        sway = plan["wobble_deg"] if posture == "stand" else 0.0
        if plan["other_first"]:
            self.other_side(other_s, "other_foot_pencil", sway)
        for k in range(plan["sets"]):
            if k:
                self.other_side(other_s, "other_foot_pencil", sway)
            self._pencil_set(plan)
        if not plan["other_first"] and plan["sets"] == 1 and rng.random() < 0.7:
            self.other_side(other_s, "other_foot_pencil", sway)
        if posture == "floor_knees":
            self.transition("floor")

    def _pencil_set(self, plan: dict) -> None:
        """One set of :meth:`pencil_wide`: reps of pick up, hold (moving it), put down, rest."""
        rng, fs = self.rng, self.sampling_rate_hz
        entry = {"exercise": "pencil_pickup", "start_s": None, "end_s": None,
                 "reps": [], "circles": [], "strides": []}
        what = ["rep"] * plan["reps"]
        for _ in range(plan["drops"]):
            what.insert(int(rng.integers(0, len(what) + 1)), "drop")
        wider = plan.get("wider", False)
        for _ in range(plan.get("retries", 0)):
            # The pencil slips out as the foot lifts; the foot goes down and
            # picks it up again after a short pause.
            k = int(rng.integers(0, len(what)))
            what.insert(k, "retry")
        head = math.radians(self.heading)
        fwd = np.array([math.cos(head), math.sin(head), 0.0])
        left = np.array([-math.sin(head), math.cos(head), 0.0])
        move = plan["move_m"][0] * fwd + plan["move_m"][1] * left
        reach_m = plan.get("reach_m", (0.0, 0.0))
        reach = reach_m[0] * fwd + reach_m[1] * left
        for kind in what:
            if kind == "rep" and plan.get("sweep_deg"):
                # Fetching the pencil: the foot slides out to it and back,
                # turning on the heel with the toes raised over it (pencil4).
                self._pencil_sweep(plan["sweep_deg"])
            tempo = plan["tempo"]
            slowest = 4.0 if plan.get("widest") or plan.get("people") else 3.0
            move_in = float(np.clip(rng.uniform(0.6, 1.4) * tempo, 0.3, slowest))
            move_out = float(np.clip(rng.uniform(0.6, 1.4) * tempo, 0.3, slowest))
            if plan.get("people") and kind == "rep":
                # Let fall from the air the foot comes down at once; put
                # down, it is lowered as slowly as it went up or slower.
                drop = plan["release"] == "drop" or (plan["release"] == "either" and rng.random() < 0.5)
                move_out = (float(rng.uniform(0.15, 0.5)) if drop
                            else float(np.clip(move_out * rng.uniform(1.0, 1.5), 0.3, slowest)))
            if kind == "rep":
                hold = float(np.clip(plan["hold_s"] * np.exp(rng.normal(0, plan["hold_spread"])),
                                     1.0 if wider else 3.0, 30.0))
            elif wider:
                # Gone at once: a held pencil lasts a second and more.
                hold = float(rng.uniform(0.1, 0.6))
            else:
                hold = float(rng.uniform(0.3, 2.5))
            t = self._grid(move_in + hold + move_out)
            n = len(t)
            if n == 0:
                continue
            prof = np.where(t < move_in, _min_jerk(t / move_in),
                            np.where(t < move_in + hold, 1.0, 1 - _min_jerk((t - move_in - hold) / move_out)))
            holding = np.clip(np.minimum(t - move_in, move_in + hold - t) / 0.2, 0, 1)
            # Where the pencil goes: moved while held (in the hold's middle
            # part), put down there.
            moving = kind == "rep" and np.any(plan["move_m"])
            move_s = float(np.clip(rng.uniform(0.5, 1.5) * tempo, 0.4, 0.6 * hold))
            t_move = move_in + rng.uniform(0.2, 0.8) * max(hold - move_s, 0.0)
            mv = _min_jerk((t - t_move) / move_s) if moving else np.zeros(n)
            amp = self.sloppy(0.1)
            tr = Track.still(n, self.posture, self.heading, self.pos)
            # A braced foot (pencil4: the knee or heel propped) holds steadier
            # than a foot at rest between reps.
            steady = 0.1 if plan.get("brace") else 1.0
            tremor = _tremor(rng, n, fs, steady * plan["tremor_deg"]) * holding
            tremor_roll = _tremor(rng, n, fs, steady * plan["tremor_deg"]) * holding
            drift = _smooth_noise(rng, n, fs, 0.3, plan["drift_frac"] * max(abs(plan["tip_deg"]), 1.0)) * prof
            shank = amp * plan["shank_deg"] * prof
            if plan["grip"] == "lift" and self.posture == "stand" and not plan.get("brace"):
                # On one leg, the lifted one wobbles in the air.
                wob = _taper(n, fs, 0.5) * prof
                shank = shank + wob * _smooth_noise(rng, n, fs, 0.7, plan["wobble_deg"])
                tr.shank_roll = tr.shank_roll + wob * _smooth_noise(rng, n, fs, 0.7, plan["wobble_deg"])
            if plan.get("sink", 0.0):
                # A tiring foot sinks slowly while it holds (the lift and the
                # tip alike), then is put down from where it got to.
                prof = prof * (1.0 - plan["sink"] * np.clip((t - move_in) / max(hold, 1e-3), 0.0, 1.0))
            if kind == "rep" and (plan.get("hold_wobble_deg") or plan.get("knee_drift_deg")):
                # A foot held up without support sways slowly about the ankle
                # (pitch and roll) and the knee drifts as the thigh tires
                # (pencil_people); none of it while the foot is down.
                sway_env = holding * (1.0 if plan["grip"] == "lift" else 0.3)
                drift = drift + sway_env * _smooth_noise(rng, n, fs, rng.uniform(0.2, 1.0),
                                                         plan.get("hold_wobble_deg", 0.0))
                tr.ankle_roll = tr.ankle_roll + sway_env * _smooth_noise(rng, n, fs, rng.uniform(0.2, 1.0),
                                                                         plan.get("hold_wobble_deg", 0.0))
                shank = shank + sway_env * _smooth_noise(rng, n, fs, 0.15, plan.get("knee_drift_deg", 0.0))
            tip = amp * plan["tip_deg"] * prof + tremor + drift
            tr.shank_pitch = tr.shank_pitch + shank
            # The foot's pitch in the world is the shank's plus the ankle's.
            tr.ankle_pitch = tr.ankle_pitch - shank + tip
            tr.ankle_roll = tr.ankle_roll + amp * plan["roll_deg"] * prof + tremor_roll
            tr.heading = tr.heading + plan["turn_deg"] * prof
            lift = amp * plan["lift_m"] * prof
            if kind == "rep" and plan.get("hold_wave_m") and plan["grip"] == "lift":
                # The held foot rises and sinks a little as the leg tires.
                lift = lift + holding * _smooth_noise(rng, n, fs, 0.4, plan["hold_wave_m"])
            # A knee that bends or straightens swings the ankle about it.
            swing = SHANK_LENGTH_M * np.sin(np.radians(shank))
            # The foot may go forward or aside as it rises (reach_m), and
            # back as it comes down.
            tr.ankle_pos = (tr.ankle_pos + np.outer(lift, [0, 0, 1.0]) - np.outer(swing, fwd)
                            + np.outer(mv, move) + np.outer(amp * prof, reach))
            start = self.t
            self._push(tr)
            if kind == "rep" and plan.get("sweep_deg") and rng.random() < 0.5:
                # Putting it back where it lay: the same slide the other way.
                self._pencil_sweep(-plan["sweep_deg"])
            if kind == "rep":
                range_deg = abs(plan["shank_deg"]) if self.cfg.placement == "ankle" else abs(plan["tip_deg"])
                entry["reps"].append({"start_s": start, "end_s": self.t, "hold_s": hold,
                                      "range_deg": amp * range_deg})
                entry["start_s"] = start if entry["start_s"] is None else entry["start_s"]
                entry["end_s"] = self.t
            if kind == "retry":
                pause = rng.uniform(0.4, 2.0)
            elif plan.get("rest_spread"):
                pause = float(np.clip(plan["rest_s"] * np.exp(rng.normal(0, plan["rest_spread"])), 0.5,
                                      28.0 if plan.get("alternate") else 25.0))
            else:
                pause = plan["rest_s"] * rng.uniform(0.7, 1.4)
            self.rest(pause, sway_deg=plan["wobble_deg"] if self.posture == "stand" else 0.0)
        if entry["reps"]:
            self.exercises.append(entry)

    def _pencil_sweep(self, sweep_deg: float) -> None:
        """A slow slide of the foot on the floor to fetch a pencil (or put it back).

        The toes swing out ``sweep_deg`` about the heel and back over 1.5-3.5 s,
        lifted 2-6° on the way out and lowered on the way back (a loop in
        turn and pitch, which a circle detector may take for a circle), the
        foot sliding 3-8 cm forward and back.
        """
        rng = self.rng
        n = len(self._grid(rng.uniform(1.5, 3.5)))
        if n < 2:
            return
        u = np.linspace(0.0, 1.0, n)
        out = 0.5 * (1 - np.cos(2 * np.pi * u))
        tr = Track.still(n, self.posture, self.heading, self.pos)
        tr.heading = tr.heading + self.side_sign * sweep_deg * out
        tr.ankle_pitch = tr.ankle_pitch - np.sign(sweep_deg) * rng.uniform(2.0, 6.0) * np.sin(2 * np.pi * u)
        head = math.radians(self.heading)
        tr.ankle_pos = tr.ankle_pos + np.outer(rng.uniform(0.03, 0.08) * out,
                                               [math.cos(head), math.sin(head), 0.0])
        self._push(tr)

    # -- ankle circles --------------------------------------------------------
    def circles(self, seconds_each: float) -> None:
        """Raise the leg, settle, circle one way, pause, circle the other way, lower.

        Drawn far wider than people circle (:func:`circle_plan`): 3–40° paths,
        0.4–3 s a turn, ellipses up to 4:1 at any angle, uneven speed within
        and between turns, pauses, a wobbling leg. ``seconds_each`` is the
        prescribed time (8–10 s); people do 3–15 turns each way whatever it is.
        """
        assert self.posture in ("lie", "chair")
        rng = self.rng
        plan = circle_plan(rng, self.cfg.sloppiness, **(self.cfg.circle_plan or {}))
        if self.cfg.circle_wide:
            circle_wide(plan, self.shape_rng, pinned=set(self.cfg.circle_plan or {}))
        if self.cfg.circle_partial and not {"partial_in", "partial_out"} & set(self.cfg.circle_plan or {}):
            # Drawn from a stream of their own: the session's other draws stay.
            for p in plan["directions"]:
                p["partial_in"], p["partial_out"] = self.shape_rng.uniform(0, self.cfg.circle_partial, 2)
                # Together less than a turn: more would be one more circle,
                # wherever the person thinks the first one began.
                total = p["partial_in"] + p["partial_out"]
                if total > 0.9:
                    p["partial_in"], p["partial_out"] = 0.9 * p["partial_in"] / total, 0.9 * p["partial_out"] / total
        resting = self.posture
        raised = "lie_raised" if resting == "lie" else "chair_raised"
        self.transition(raised, rng.uniform(1.5, 2.5), kind="raise_leg")
        entry = {"exercise": "ankle_circles", "start_s": None, "end_s": None,
                 "reps": [], "circles": [], "strides": []}
        sampling_rate_hz = self.sampling_rate_hz
        # (dy, dz): the toe tip's displacement across the foot (rad of tilt),
        # y to the left, z up; ccw (contract) is the phase of this path rising.
        parts_d, parts_pitch, truth = [], [], []
        t_at = 0.0

        def still(seconds):
            n = int(round(seconds * sampling_rate_hz))
            parts_d.append(np.zeros((n, 2)))
            parts_pitch.append(np.zeros(n))
            return n / sampling_rate_hz

        def move(seconds, start, stop):
            """Toe from one point to another (min-jerk), e.g. out to the circle."""
            u = _min_jerk(np.arange(int(round(seconds * sampling_rate_hz))) / (seconds * sampling_rate_hz))
            parts_d.append(start + np.outer(u, np.subtract(stop, start)))
            parts_pitch.append(np.zeros(len(u)))
            return len(u) / sampling_rate_hz

        if plan["lead_in"]:
            # Settling after the raise: the leg bobs, the person points the
            # toes once or fidgets before the first turn.
            n = int(round(rng.uniform(0.8, 3.0) * sampling_rate_hz))
            t = np.arange(n) / sampling_rate_hz
            bob = rng.uniform(2, 8) * np.exp(-t / rng.uniform(0.3, 1.0)) * np.sin(2 * np.pi * rng.uniform(0.7, 2.0) * t)
            parts_pitch.append(bob * _taper(n, sampling_rate_hz, 0.1))
            d = np.zeros((n, 2))
            if rng.random() < 0.5:
                # Point the toes and back: a there-and-back along one line.
                ang = rng.uniform(0, 2 * np.pi)
                amp = np.radians(rng.uniform(5, 25)) * np.sin(np.pi * _min_jerk(t / t[-1]))
                d = np.outer(amp, [np.cos(ang), np.sin(ang)])
            elif rng.random() < 0.5:
                d = np.radians(rng.uniform(1, 4)) * np.column_stack(
                    [_smooth_noise(rng, n, sampling_rate_hz, 1.0, 1.0), 0.5 * _smooth_noise(rng, n, sampling_rate_hz, 1.0, 1.0)])
                d *= _taper(n, sampling_rate_hz, 0.3)[:, None]
            parts_d.append(d)
            t_at += n / sampling_rate_hz
        t_at += still(rng.uniform(0.2, 1.5))
        direct = bool(plan.get("direct_switch", False))
        last_end = np.zeros(2)  # where the toes are when a direction ends
        for k, direction in enumerate(plan["order"]):
            p = plan["directions"][k]
            n_circ = p["n"]
            a = np.radians(p["size_deg"]) / (1 + 1 / p["ellipticity"])  # semi-major: mean of the axes = size/2
            b = a / p["ellipticity"]
            rot = np.radians(p["orientation_deg"])
            # Per-turn periods: a trend over the set and turn-to-turn spread.
            trend = np.exp(np.linspace(0, np.log(p["speed_trend"]), n_circ))
            periods = p["period_s"] * trend * np.exp(rng.normal(0, p["period_spread"], n_circ))
            # A part turn before the first full circle and after the last,
            # at the speed of its neighbour (phase targets below).
            p_in, p_out = p.get("partial_in", 0.0), p.get("partial_out", 0.0)
            periods = np.r_[p_in * periods[0], periods, p_out * periods[-1]]
            edges = np.concatenate([[0.0], np.cumsum(periods)])
            # Pauses and hesitations: the phase clock slows (to a stop) for a while.
            total = edges[-1]
            extra = sum(pa["seconds"] for pa in p["pauses"])
            n = int(round((total + extra + 1.0) * sampling_rate_hz))
            rate = np.ones(n)
            tt = np.arange(n) / sampling_rate_hz
            for pa in p["pauses"]:
                c = pa["at"] * total
                w = pa["seconds"]
                dip = np.clip(1 - np.abs(tt - c - w / 2) / (w / 2 + 0.15), 0, 1)
                rate -= pa["depth"] * np.clip(dip * 1.6, 0, 1)
            tau = np.concatenate([[0.0], np.cumsum(np.clip(rate, 0, 1))[:-1]]) / sampling_rate_hz
            n = int(np.searchsorted(tau, total)) + 1
            tau = np.minimum(tau[:n], total)
            ph_lin = np.interp(tau, edges, 2 * np.pi * np.r_[0.0, p_in + np.arange(n_circ + 1), p_in + n_circ + p_out])
            # Uneven speed round each turn (faster on one side); the phase
            # still gains exactly 2π a turn.
            th1, th2 = rng.uniform(0, 2 * np.pi, 2)
            ph = ph_lin - p["uneven"] * (np.sin(ph_lin + th1) - np.sin(th1)) \
                - 0.3 * p["uneven"] * (np.sin(2 * ph_lin + th2) - np.sin(th2)) / 2
            sgn = 1.0 if direction == "ccw" else -1.0
            phi = rng.uniform(0, 2 * np.pi) + sgn * ph
            # Centre of the circles: off neutral, drifting a little.
            centre = np.radians(rng.normal(0, 3, 2)) + np.column_stack(
                [_smooth_noise(rng, n, sampling_rate_hz, 0.2, np.radians(p["drift"] * p["size_deg"])) for _ in range(2)])
            path = centre + _ellipse(phi, a, b, rot)
            if direct and k == 1:
                # The toes reverse where they are: the second way starts at
                # the point of its loop nearest the first way's end, and the
                # little left between them is taken up by shifting the loop.
                cand = np.linspace(0, 2 * np.pi, 144, endpoint=False)
                best = cand[np.argmin(np.hypot(*(centre[0] + _ellipse(cand, a, b, rot) - last_end).T))]
                path = centre + _ellipse(best + sgn * ph, a, b, rot)
                path += last_end - path[0]
            if p["spiral"] and not direct:
                # Start from neutral and spiral out over the first turn (and
                # in over the last): the turn still counts when it closes.
                grow = np.clip(ph / (2 * np.pi * rng.uniform(0.2, 0.6)), 0, 1)
                shrink = np.clip((ph[-1] - ph) / (2 * np.pi * rng.uniform(0.2, 0.6)), 0, 1)
                env = np.minimum(_min_jerk(grow), _min_jerk(shrink))
                path = path * env[:, None]
            elif direct and k == 1:
                # Reversing, the toes stop for a moment.
                t_at += move(rng.uniform(0.1, 0.25), last_end, path[0])
            else:
                t_at += move(rng.uniform(0.25, 0.8), np.zeros(2), path[0])
            t0 = t_at
            parts_d.append(path)
            parts_pitch.append(np.zeros(n))
            t_edges = t0 + np.interp(edges, tau, tt[:n])
            for i in range(1, n_circ + 1):  # the full turns (edges 0 and -1 bound the part turns)
                sl = slice(int(round((t_edges[i] - t0) * sampling_rate_hz)), int(round((t_edges[i + 1] - t0) * sampling_rate_hz)))
                # Mean diameter (mean width) of a loop = its length / π.
                size = np.degrees(np.sum(np.hypot(*np.diff(path[sl], axis=0).T))) / np.pi
                truth.append({"start_s": float(t_edges[i]), "end_s": float(t_edges[i + 1]), "direction": direction,
                              "size_deg": round(float(size), 2)})
            t_at += n / sampling_rate_hz
            last_end = path[-1]
            if direct and k == 0:
                # Drawn all the same: the sets stay those without the switch.
                rng.uniform(0.25, 0.8)
                rng.uniform(0.3, 3.0)
                continue
            if not p["spiral"] or direct:
                t_at += move(rng.uniform(0.25, 0.8), path[-1], np.zeros(2))
            if k == 0:
                t_at += still(rng.uniform(0.3, 3.0))
        t_at += still(rng.uniform(0.5, 1.5))
        d = np.concatenate(parts_d)
        n = len(d)
        tr = Track.still(n, raised, self.heading, self.pos)
        # Inversion/eversion goes with the toes' sideways swing (a twist
        # about the foot's long axis that does not move the toe tip).
        twist = plan["twist"] * d[:, 0]
        tr.foot_extra = Rotation.from_rotvec(np.column_stack([np.zeros(n), -d[:, 1], d[:, 0]])) \
            * Rotation.from_rotvec(np.column_stack([twist, np.zeros(n), np.zeros(n)]))
        # The raised leg is not fixed: it bobs after the raise, sags, sways at the hip.
        env = _taper(n, sampling_rate_hz, 0.5)
        w = plan["wobble_deg"]
        tr.shank_pitch = tr.shank_pitch + np.concatenate(parts_pitch) \
            + env * _smooth_noise(rng, n, sampling_rate_hz, rng.uniform(0.1, 0.5), w)
        tr.shank_roll = tr.shank_roll + env * _smooth_noise(rng, n, sampling_rate_hz, rng.uniform(0.1, 0.5), 0.7 * w)
        tr.heading = tr.heading + env * _smooth_noise(rng, n, sampling_rate_hz, rng.uniform(0.1, 0.5), 0.7 * w)
        start = self.t
        self._push(tr)
        entry["circles"] = [{**c, "start_s": start + c["start_s"], "end_s": start + c["end_s"]}
                            for c in truth]
        entry["start_s"] = entry["circles"][0]["start_s"]
        entry["end_s"] = entry["circles"][-1]["end_s"]
        self.exercises.append(entry)
        self.transition(resting, rng.uniform(1.5, 2.5), kind="lower_leg")

    # -- things that are not exercises --------------------------------------
    def other_side(self, duration_s: float, kind: str, sway_deg: float = 0.0) -> None:
        """The other foot exercises; this one rests, shifting a little (standing on it:
        swaying by ``sway_deg``, drawn if 0)."""
        start = self.t
        left = duration_s
        while left > 0:
            chunk = min(left, self.rng.uniform(4, 9))
            self.rest(chunk, sway_deg=sway_deg)
            left -= chunk
            if left > 2 and self.rng.random() < 0.4:
                self.fidget(1.5, kind="shift")
                self.distractors.pop()  # part of the larger stretch below
                left -= 1.5
        self.distractors.append({"kind": kind, "start_s": start, "end_s": self.t})

    def fidget(self, duration_s: float, kind: str = "fidget") -> None:
        """Shuffling, tapping, adjusting a band: motion without holds."""
        rng = self.rng
        t = self._grid(duration_s)
        n = len(t)
        tr = Track.still(n, self.posture, self.heading, self.pos)
        env = np.clip(np.minimum(t, t[-1] - t) / 0.5, 0, 1)
        if rng.random() < 0.4:
            # Foot tapping: quick toe-up/down at 1.5–3 Hz, no holds.
            f = rng.uniform(1.5, 3.0)
            tr.ankle_pitch = tr.ankle_pitch - env * rng.uniform(5, 15) * np.abs(np.sin(np.pi * f * t))
        else:
            tr.ankle_pitch = tr.ankle_pitch + env * _smooth_noise(rng, n, self.sampling_rate_hz, 1.5, rng.uniform(4, 10))
            tr.ankle_roll = env * _smooth_noise(rng, n, self.sampling_rate_hz, 1.5, rng.uniform(3, 8))
            tr.heading = tr.heading + env * _smooth_noise(rng, n, self.sampling_rate_hz, 0.8, rng.uniform(3, 10))
        tr.ankle_pos = tr.ankle_pos + env[:, None] * np.column_stack(
            [_smooth_noise(rng, n, self.sampling_rate_hz, 1.0, 0.02) for _ in range(3)])
        self.distractors.append({"kind": kind, "start_s": self.t, "end_s": self.t + n / self.sampling_rate_hz})
        self._push(tr)

    def go_to(self, posture: str) -> None:
        """Move between exercise stations the way a person would."""
        if posture == self.posture:
            return
        lying_only = ("side_lie", "prone")
        if "lie" not in (self.posture, posture) and (self.posture in lying_only or posture in lying_only):
            self.go_to("lie")  # turn on the side or onto the front from the back
            self.go_to(posture)
            return
        route = {
            ("lie", "side_lie"): ["side_lie"], ("side_lie", "lie"): ["lie"],
            ("lie", "prone"): ["side_lie", "prone"], ("prone", "lie"): ["side_lie", "lie"],
            ("stand", "chair"): ["chair"], ("chair", "stand"): ["stand"],
            ("stand", "floor"): ["floor"], ("floor", "stand"): ["stand"],
            ("floor", "lie"): ["lie"], ("lie", "floor"): ["floor"],
            ("chair", "floor"): ["floor"], ("floor", "chair"): ["stand", "chair"],
            ("stand", "lie"): ["lie"], ("lie", "stand"): ["stand"],
            ("chair", "lie"): ["floor", "lie"], ("lie", "chair"): ["stand", "chair"],
            ("stand", "kneel"): ["kneel"], ("kneel", "stand"): ["stand"],
            ("stand", "car"): ["car"], ("car", "stand"): ["stand"],
            ("stand", "bike"): ["bike"], ("bike", "stand"): ["stand"],
        }.get((self.posture, posture))
        if route is None:  # the daily-life postures are reached from standing
            self.go_to("stand")
            self.go_to(posture)
            return
        for step in route:
            if (self.posture == "stand" and self.cfg.distractors and self.walk_plans is None
                    and self.rng.random() < 0.6):
                self.walk(self.rng.uniform(6, 14), label=False)
            self.transition(step)
            self.rest(self.rng.uniform(1.0, 3.0))

    # -- look-alikes: not exercises, but like one in some way ------------------
    def lookalike(self, kind: str) -> None:
        """One look-alike activity, listed in ``distractors`` as ``kind``.

        Each is done by its own person, drawn wider than people do it: a
        tempo factor (0.5-2, how long each move takes), a depth factor
        (0.5-1.5, how far a squat bends or a leg rises), holds from about
        1 s to 12 s and how many reps.
        """
        rng = self.rng
        start, n_before = self.t, len(self.distractors)
        loguni = lambda lo, hi: float(np.exp(rng.uniform(np.log(lo), np.log(hi))))  # noqa: E731
        tempo, depth = loguni(0.5, 2.0), loguni(0.5, 1.5)
        held = loguni(1.0, 12.0)
        pins = self.cfg.lookalike_plan or {}
        tempo, depth = float(pins.get("tempo", tempo)), float(pins.get("depth", depth))
        held = float(pins.get("hold_s", held))
        hold = (0.7 * held, 1.3 * held)
        if kind == "walk":
            self.go_to("stand")
            self.walk(rng.uniform(6, 30) * tempo, label=False)
        elif kind == "sit_stand":
            self.go_to("stand")
            seated, standing = loguni(0.5, 10.0), loguni(0.5, 10.0)
            # The feet stay on the floor or shuffle a little (a few cm).
            shift = rng.uniform(0, 1, 3) * [0.05, 0.03, 0.04] * (rng.random() < 0.5)
            for _ in range(int(rng.integers(3, 13))):
                self.transition("chair", rng.uniform(1.5, 3.5) * tempo, shift_m=shift)
                self.rest(seated * rng.uniform(0.7, 1.3))
                self.transition("stand", rng.uniform(1.5, 3.5) * tempo, shift_m=shift)
                self.rest(standing * rng.uniform(0.7, 1.3))
        elif kind == "squat":
            self.go_to("stand")
            bend = min(80.0, rng.uniform(25, 55) * depth)
            # The heel may come up a little at the bottom of a deep squat:
            # the foot turns about its ball, lifting the ankle with the heel.
            reps = int(rng.integers(5, 16))
            heel = rng.uniform(0, 8)
            self._pose_reps(reps, {"shank_pitch": bend, "ankle_pitch": -bend + heel},
                            hold_s=(0.0, rng.choice([0.5, hold[1]])), tempo=tempo,
                            lift_m=0.16 * np.sin(np.radians(heel)))
        elif kind in ("lunge", "split_squat"):
            self.go_to("stand")
            front = rng.random() < 0.5
            bend = min(60.0, rng.uniform(20, 40) * depth)
            lunge_hold = (0.0, rng.choice([0.5, 2.5, hold[1]]))
            for _k in range(int(rng.integers(4, 13))):
                if kind == "lunge" and front:
                    self._step(rng.uniform(0.6, 0.9))
                if front:
                    pose = {"shank_pitch": bend, "ankle_pitch": -bend}
                else:
                    # The back leg: heel up, knee down toward the floor.
                    sp = rng.uniform(50, 80)
                    pose = {"shank_pitch": sp, "ankle_pitch": rng.uniform(35, 55) - sp}
                    if kind == "split_squat" and rng.random() < 0.5:
                        # Bulgarian: the back foot's laces rest on a bench.
                        pose["ankle_pitch"] = rng.uniform(100, 140) - sp
                self._pose_reps(1, pose, hold_s=lunge_hold, rest_s=(0.3, 1.0), tempo=tempo)
                if kind == "lunge" and front:
                    self._step(-rng.uniform(0.6, 0.9))
                if kind == "lunge" and rng.random() < 0.8:
                    front = not front  # alternating legs
        elif kind == "heel_raise":
            self.go_to("stand")
            rise = min(45.0, rng.uniform(18, 40) * depth)
            # The ankle joint rises with the heel; the body leans a little forward.
            self._pose_reps(int(rng.integers(8, 16)), {"ankle_pitch": rise, "shank_pitch": rng.uniform(1, 6)},
                            hold_s=(0.3, max(0.6, hold[1])), lift_m=0.16 * np.sin(np.radians(rise)), tempo=tempo)
        elif kind == "hop":
            self.go_to("stand")
            lateral = rng.random() < 0.5
            for _ in range(int(rng.integers(5, 16))):
                d = rng.uniform(0.2, 0.4) * rng.choice([-1, 1]) if lateral else 0.0
                self._jump(rng.uniform(0.2, 0.35), sideways_m=d)
                self.rest(rng.uniform(0.1, 0.6) * tempo)
        elif kind == "jump":
            self.go_to("stand")
            for _ in range(int(rng.integers(1, 4))):
                # Sideways as often as forward: a lateral jump turns the foot
                # about its long axis at take-off and landing.
                self._jump(rng.uniform(0.35, 0.6), sideways_m=rng.uniform(-0.8, 0.8),
                           forward_m=rng.uniform(0, 0.8) * (rng.random() < 0.6))
                self.rest(rng.uniform(1.0, 4.0) * tempo)
        elif kind == "stairs":
            self.go_to("stand")
            for direction in ((1, -1) if rng.random() < 0.5 else (rng.choice([1, -1]),)):
                self._stairs(int(rng.integers(6, 14)), up=direction > 0)
                self.rest(rng.uniform(1, 4))
        elif kind == "knee_extension" and self.cfg.lookalike_wide:
            # Full or partial (terminal) extensions, seated on a chair or
            # lying with a roll under the knee (short-arc quads: the shank
            # lifts about the knee from about level), the ankle pulled up or
            # relaxed; some people barely move.
            w = self.look_rng
            lying = w.random() < 0.35
            self.go_to("lie" if lying else "chair")
            ext = min(95.0, loguni(8.0, 35.0 if lying else 95.0))
            self._pose_reps(int(w.integers(4, 16)), {"shank_pitch": -ext, "ankle_pitch": -float(w.uniform(-10, 20))},
                            hold_s=hold, pivot_m=SHANK_LENGTH_M, tempo=tempo)
        elif kind == "knee_extension":
            self.go_to("chair")
            ext = min(95.0, rng.uniform(45, 95) * depth)
            self._pose_reps(int(rng.integers(6, 13)), {"shank_pitch": -ext, "ankle_pitch": -rng.uniform(0, 15)},
                            hold_s=hold, pivot_m=SHANK_LENGTH_M, tempo=tempo)
        elif kind == "straight_leg_raise":
            self.go_to("lie")
            # (The reps drawn first, as before lookalike_wide: the tiers' sessions stay as they were.)
            reps = int(rng.integers(5, 11))
            rise = (loguni(8.0, 80.0) if self.cfg.lookalike_wide else min(70.0, rng.uniform(25, 50) * depth))
            self._pose_reps(reps, {"shank_pitch": -rise},
                            hold_s=hold, pivot_m=LEG_LENGTH_M, tempo=tempo)
        elif kind == "side_lying_abduction":
            self.go_to("side_lie")
            self._pose_reps(int(rng.integers(6, 13)), {"shank_roll": rng.uniform(20, 40) * depth},
                            hold_s=hold, pivot_m=LEG_LENGTH_M, tempo=tempo)
        elif kind == "prone_hip_extension" and self.cfg.lookalike_wide and self.look_rng.random() < 0.4:
            # Prone knee curls: the shank swings up about the knee, 20-100°.
            self.go_to("prone")
            self._pose_reps(int(self.look_rng.integers(5, 14)), {"shank_pitch": loguni(20.0, 100.0)},
                            hold_s=hold, pivot_m=SHANK_LENGTH_M, tempo=tempo)
        elif kind == "prone_hip_extension":
            self.go_to("prone")
            self._pose_reps(int(rng.integers(6, 13)), {"shank_pitch": rng.uniform(10, 25) * depth},
                            hold_s=hold, pivot_m=LEG_LENGTH_M, tempo=tempo)
        elif kind in ("other_leg_lying", "other_leg_seated"):
            # The other leg raises or extends with holds; this one, lying or
            # seated beside it, moves only with the pelvis: a degree or two
            # in time with the other leg's reps.
            lying = kind == "other_leg_lying"
            self.go_to("lie" if lying else "chair")
            shank = rng.uniform(-3, 3) * depth
            # Lying, the whole leg rolls and tips with the pelvis; seated, the
            # foot stays planted and only the shank sways over it.
            foot = (rng.uniform(-3, 3) if lying else rng.uniform(-1, 1)) * depth
            if self.cfg.lookalike_wide:
                # A pelvis that tips more (a raise without bracing): up to 6°.
                shank = float(self.look_rng.uniform(1, 6) * self.look_rng.choice([-1, 1]))
            self._pose_reps(int(rng.integers(6, 13)), {"shank_pitch": shank, "ankle_pitch": foot - shank,
                                                       "shank_roll": rng.uniform(-3, 3) * depth},
                            hold_s=hold, tempo=tempo)
        elif kind == "other_leg_standing":
            # The other leg does its standing exercise (toe presses, heel
            # raises, a leg lifted to the side) with holds; this one carries
            # the weight and the body shifts over it: the shank tilts a few
            # degrees sideways and a degree or so forward or back in time,
            # the foot stays planted (its load shifts: a fraction of a degree).
            self.go_to("stand")
            pitch = rng.uniform(0.3, 1.5) * depth * rng.choice([-1, 1])
            roll = rng.uniform(1.0, 4.0) * depth * rng.choice([-1, 1])
            self._pose_reps(int(rng.integers(6, 13)),
                            {"shank_pitch": pitch, "shank_roll": roll,
                             "ankle_pitch": -pitch * rng.uniform(0.8, 1.0), "ankle_roll": -roll * rng.uniform(0.8, 1.0)},
                            hold_s=hold, tempo=tempo)
        elif kind == "seated_heel_raise":
            # Seated calf raises: the heel lifts, the forefoot stays on the
            # floor, the knee rises with it; held.
            self.go_to("chair")
            rise = min(40.0, rng.uniform(12, 30) * depth)
            self._pose_reps(int(rng.integers(6, 16)), {"ankle_pitch": rise, "shank_pitch": -rng.uniform(0, 4)},
                            hold_s=hold, lift_m=0.16 * np.sin(np.radians(rise)), tempo=tempo)
        elif kind == "kneel":
            # Down on a knee to garden, to play with a child, to look under
            # the bed: this shin on the floor (instep flat or toes tucked),
            # or this foot planted in front; a while there, leaning and
            # reaching, then up again.
            self.go_to("stand")
            for _ in range(int(rng.integers(1, 5))):
                if rng.random() < 0.65:
                    self.transition("kneel", rng.uniform(1.5, 3.5) * tempo, kind="kneel")
                    base = {"ankle_pitch": -rng.uniform(45, 65)} if rng.random() < 0.4 else {}
                else:
                    lean = rng.uniform(15, 40)
                    base = {"shank_pitch": lean, "ankle_pitch": -lean}
                for _k in range(int(rng.integers(1, 6))):
                    reach = loguni(1.0, 8.0) * rng.choice([-1, 1])
                    pose = {**base, "shank_pitch": base.get("shank_pitch", 0.0) + reach,
                            "ankle_pitch": base.get("ankle_pitch", 0.0) - 0.7 * reach,
                            "shank_roll": rng.uniform(-5, 5)}
                    self._pose_once(pose, loguni(2.0, 40.0), tempo)
                self.go_to("stand")
                self.rest(loguni(1.0, 10.0))
        elif kind == "cross_legs":
            # Seated, this leg crossed over the other (the knee up, the shank
            # rolled, the foot dangling and now and then swinging), or the
            # other over this one (this foot stays put, the shank shifts).
            self.go_to("chair")
            for _ in range(int(rng.integers(2, 6))):
                if rng.random() < 0.6:
                    pose = {"shank_pitch": -rng.uniform(5, 40), "shank_roll": rng.uniform(15, 45) * rng.choice([-1, 1]),
                            "ankle_pitch": rng.uniform(10, 35), "heading": rng.uniform(-20, 20)}
                    self._pose_once(pose, loguni(5.0, 60.0), tempo, lift_m=rng.uniform(0.12, 0.35),
                                    swing=rng.random() < 0.5)
                else:
                    sh = rng.uniform(-8, 8)
                    self._pose_once({"shank_pitch": sh, "ankle_pitch": -sh, "shank_roll": rng.uniform(-6, 6)},
                                    loguni(5.0, 60.0), tempo)
                self.rest(loguni(2.0, 20.0))
        elif kind == "foot_tap":
            # Tapping to music, waiting, nervous: toe taps (the heel stays
            # down), heel taps (the ankle rises a little) or a heel jiggling
            # fast; beats from slow to quick, sometimes held a moment.
            self.go_to("chair" if rng.random() < 0.7 else "stand")
            for _ in range(int(rng.integers(2, 7))):
                self._tap(loguni(3.0, 30.0), tempo)
                self.rest(loguni(1.0, 15.0))
        elif kind == "stationary_bike":
            self.go_to("bike")
            for _ in range(int(rng.integers(1, 3))):
                self._pedal(loguni(30.0, 150.0))
                self.rest(loguni(1.0, 10.0))
        elif kind == "driving":
            self.go_to("car")
            self._drive(loguni(40.0, 150.0))
        elif kind == "calf_stretch":
            # Hands on a wall, this leg back with the heel down and the
            # knee straight or bent (the shank leaning forward over a flat
            # foot), or this foot forward with its toes up the wall (the
            # foot tipped toes-up, the shank leaning in); held 10-45 s,
            # two to four times, the body easing further in now and then.
            self.go_to("stand")
            toes_up = rng.random() < 0.35
            lean = loguni(8.0, 35.0) * depth
            for _ in range(int(rng.integers(2, 5))):
                stay = loguni(10.0, 45.0)
                pose = ({"shank_pitch": lean, "ankle_pitch": -lean - loguni(15.0, 40.0)} if toes_up
                        else {"shank_pitch": lean, "ankle_pitch": -lean})
                # Slow, careful moves into and out of a stretch.
                self._pose_once(pose, stay, tempo * rng.uniform(1.0, 2.0))
                self.rest(loguni(2.0, 15.0))
        elif kind == "heel_toe_rock":
            # Standing, rocking from the heels (toes up) to the toes (heels
            # up) and back, in rhythm or lingering a moment at each end;
            # a few bouts of it while waiting.
            self.go_to("stand")
            for _ in range(int(rng.integers(1, 4))):
                self._rock(loguni(5.0, 30.0), tempo, depth)
                self.rest(loguni(1.0, 10.0))
        elif kind == "seated_leg_raise":
            # Seated marching or a hip-flexor raise: the thigh lifts off the
            # chair and takes the foot 3-30 cm off the floor, the shank
            # tipping a little either way, the foot hanging relaxed (toes
            # dropping) or held level, or pulled up; held 1-12 s, 3-15
            # times, some people barely lifting it.
            self.go_to("chair")
            lift = loguni(0.03, 0.30) * depth
            shank = float(rng.uniform(-12, 12))
            foot = float(rng.choice([rng.uniform(0, 25), rng.uniform(-3, 3), -rng.uniform(5, 20)], p=[0.5, 0.3, 0.2]))
            self._pose_reps(int(rng.integers(3, 16)), {"shank_pitch": shank, "ankle_pitch": foot - shank,
                                                       "shank_roll": rng.uniform(-5, 5)},
                            hold_s=hold, lift_m=lift, tempo=tempo, rest_s=(0.5, 4.0))
        elif kind in ("fidget_seated", "fidget_lying"):
            self.go_to("chair" if kind == "fidget_seated" else "lie")
            for _ in range(int(rng.integers(3, 8))):
                self.fidget(rng.uniform(1.5, 6))
                self.rest(rng.uniform(0.5, 4))
        else:
            raise ValueError(f"unknown look-alike {kind!r}; choose from "
                             f"{', '.join(LOOKALIKES + GAIT_LOOKALIKES + DAILY_LOOKALIKES)}")
        del self.distractors[n_before:]  # one entry for the whole activity
        self.distractors.append({"kind": kind, "start_s": start, "end_s": self.t})

    def _pose_reps(self, reps: int, pose: dict, hold_s=(0.0, 1.0), rest_s=(1.0, 3.0),
                   pivot_m: float | None = None, lift_m: float = 0.0, tempo: float = 1.0) -> None:
        """Reps from the resting posture to ``pose`` (peak offsets, deg) and back.

        ``pivot_m``: the leg swings about a joint this far up the shank's
        axis (the knee or the hip) instead of about the ankle; ``lift_m``:
        the ankle joint rises this much at the pose (a heel raise);
        ``tempo``: factor on the time each move takes.
        """
        rng = self.rng
        for _ in range(reps):
            move_in, move_out = rng.uniform(0.6, 2.0) * tempo, rng.uniform(0.6, 2.0) * tempo
            hold = rng.uniform(*hold_s)
            t = self._grid(move_in + hold + move_out)
            n = len(t)
            prof = np.where(t < move_in, _min_jerk(t / move_in),
                            np.where(t < move_in + hold, 1.0,
                                     1 - _min_jerk((t - move_in - hold) / move_out)))
            scale = self.sloppy(0.1)
            tr = Track.still(n, self.posture, self.heading, self.pos)
            for field, deg in pose.items():
                arr = getattr(tr, field)
                arr += scale * deg * prof + 0.3 * _smooth_noise(rng, n, self.sampling_rate_hz, 1.0, 1.0) * prof
            if pivot_m:
                tr.ankle_pos = self._swing_about(tr, pivot_m)
            tr.ankle_pos = tr.ankle_pos + np.outer(lift_m * prof, [0, 0, 1.0])
            self._push(tr)
            self.rest(rng.uniform(*rest_s))
            if (self.cfg.lookalike_plan or {}).get("fidget") and rng.random() < 0.4:
                # A fidgety person shifts, taps or scratches between reps.
                self.fidget(rng.uniform(1.0, 4.0), kind="fidget")
                self.rest(rng.uniform(0.3, 1.5))

    def _pose_once(self, pose: dict, hold_s: float, tempo: float = 1.0, lift_m: float = 0.0,
                   swing: bool = False) -> None:
        """Move from the resting posture to ``pose`` (offsets, deg; ``heading`` too), stay
        ``hold_s`` drifting a little (swinging the dangling foot if ``swing``), and back."""
        rng, fs = self.rng, self.sampling_rate_hz
        move_in, move_out = rng.uniform(0.6, 2.0) * tempo, rng.uniform(0.6, 2.0) * tempo
        t = self._grid(move_in + hold_s + move_out)
        n = len(t)
        prof = np.where(t < move_in, _min_jerk(t / move_in),
                        np.where(t < move_in + hold_s, 1.0, 1 - _min_jerk((t - move_in - hold_s) / move_out)))
        tr = Track.still(n, self.posture, self.heading, self.pos)
        for field, deg in pose.items():
            arr = getattr(tr, field)
            arr += deg * prof + _smooth_noise(rng, n, fs, 0.3, 1.0) * prof
        if swing:
            # The crossed leg's foot swings or bounces for part of the stay.
            f, amp = rng.uniform(0.8, 2.5), rng.uniform(3, 12)
            on = np.clip(np.minimum(t - move_in - 0.3 * hold_s, move_in + 0.9 * hold_s - t) / 0.5, 0, 1)
            tr.ankle_pitch = tr.ankle_pitch + on * amp * np.sin(2 * np.pi * f * t)
        tr.ankle_pos = tr.ankle_pos + np.outer(lift_m * prof, [0, 0, 1.0])
        self._push(tr)
        # Back in the resting posture (the heading offset is undone, too).
        self.heading = float(tr.heading[0])

    def _tap(self, duration_s: float, tempo: float = 1.0) -> None:
        """Tapping the foot for ``duration_s``: toe taps, heel taps or a heel jiggle."""
        rng, fs = self.rng, self.sampling_rate_hz
        t = self._grid(duration_s)
        n = len(t)
        style = rng.choice(["toe", "heel", "jiggle"], p=[0.5, 0.3, 0.2])
        if style == "jiggle":
            f, amp = rng.uniform(3.5, 6.0), rng.uniform(1.5, 5.0)
        else:
            f, amp = float(np.clip(rng.uniform(0.7, 3.5) / tempo, 0.4, 4.0)), rng.uniform(4, 20)
        # Raised-cosine beats, clipped flat on top by a factor: a beat held a moment.
        wave = np.clip(rng.uniform(1.0, 2.5) * (0.5 - 0.5 * np.cos(2 * np.pi * f * t)), 0, 1)
        wave = wave * _taper(n, fs, 0.3) * np.exp(_smooth_noise(rng, n, fs, 0.3, 0.15))
        tr = Track.still(n, self.posture, self.heading, self.pos)
        if style == "toe":
            tr.ankle_pitch = tr.ankle_pitch - amp * wave
        else:
            tr.ankle_pitch = tr.ankle_pitch + amp * wave
            tr.shank_pitch = tr.shank_pitch - 0.2 * amp * wave
            tr.ankle_pos = tr.ankle_pos + np.outer(0.12 * np.sin(np.radians(amp)) * wave, [0, 0, 1.0])
        self._push(tr)

    def _rock(self, duration_s: float, tempo: float = 1.0, depth: float = 1.0) -> None:
        """Rock heel to toe standing for ``duration_s``: toes up (on the heels), then heels up
        (on the toes), 0.2-1 rocks a second, flattened at each end by a factor (lingering)."""
        rng, fs = self.rng, self.sampling_rate_hz
        t = self._grid(duration_s)
        n = len(t)
        f = float(np.clip(rng.uniform(0.2, 1.0) / tempo, 0.1, 1.2))
        up, down = rng.uniform(3, 20) * depth, rng.uniform(5, 30) * depth  # toes up, heels up (deg)
        wave = np.clip(rng.uniform(1.0, 2.5) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)), -1, 1)
        wave = wave * _taper(n, fs, 0.5) * np.exp(_smooth_noise(rng, n, fs, 0.3, 0.15))
        tr = Track.still(n, self.posture, self.heading, self.pos)
        foot = np.where(wave > 0, down * wave, up * wave)  # + toes down (heels up)
        # The body sways with it over the ankle: the shank a third as far, opposite.
        sway = -0.3 * foot
        tr.shank_pitch = tr.shank_pitch + sway
        tr.ankle_pitch = tr.ankle_pitch + foot - sway
        # On the toes the foot turns about the ball and the ankle rises.
        heels = np.clip(foot, 0, None)
        tr.ankle_pos = tr.ankle_pos + np.outer(0.16 * np.sin(np.radians(heels)), [0, 0, 1.0])
        self._push(tr)

    def _windowed(self, tr: Track, ramp_s: float = 1.0) -> Track:
        """Ease a track in from, and out to, the resting posture at the current place."""
        n = len(tr)
        w = _taper(n, self.sampling_rate_hz, ramp_s)
        still = Track.still(n, self.posture, self.heading, self.pos)
        for field in ("heading", "shank_pitch", "shank_roll", "ankle_pitch", "ankle_roll"):
            a, b = getattr(still, field), getattr(tr, field)
            setattr(tr, field, a + w * (b - a))
        tr.ankle_pos = still.ankle_pos + w[:, None] * (tr.ankle_pos - still.ankle_pos)
        return tr

    def _pedal(self, duration_s: float) -> None:
        """Pedal a stationary bike (upright or recumbent) for ``duration_s``.

        The ankle follows the pedal round the crank (radius 0.17 m) with
        the foot pitching through the stroke; knee and shank follow from the
        hip's place (two-segment leg, thigh 0.45 m, shank 0.42 m).
        """
        rng, fs = self.rng, self.sampling_rate_hz
        t = self._grid(duration_s)
        n = len(t)
        rpm = rng.uniform(40, 100) * np.exp(_smooth_noise(rng, n, fs, 0.02, 0.1))
        theta = 2 * np.pi * np.cumsum(rpm / 60) / fs + rng.uniform(0, 2 * np.pi)
        radius = 0.17
        recumbent = rng.random() < 0.3
        hip = (np.array([rng.uniform(-0.85, -0.75), rng.uniform(0.0, 0.15)]) if recumbent
               else np.array([rng.uniform(-0.25, -0.12), rng.uniform(0.62, 0.74)]))
        phi = np.radians(rng.uniform(0, 25) + rng.uniform(5, 15) * np.sin(theta + rng.uniform(0, 2 * np.pi)))
        pedal = radius * np.column_stack([np.cos(theta), np.sin(theta)])
        ankle = pedal - 0.13 * np.column_stack([np.cos(phi), -np.sin(phi)]) + 0.07 * np.column_stack(
            [np.sin(phi), np.cos(phi)])
        thigh, shank_len = 0.45, SHANK_LENGTH_M
        v = ankle - hip
        d = np.clip(np.linalg.norm(v, axis=1), 0.3, 0.99 * (thigh + shank_len))
        alpha = np.arccos(np.clip((thigh ** 2 + d ** 2 - shank_len ** 2) / (2 * thigh * d), -1, 1))
        vh = v / np.linalg.norm(v, axis=1)[:, None]
        knee = hip + thigh * np.column_stack([vh[:, 0] * np.cos(alpha) - vh[:, 1] * np.sin(alpha),
                                              vh[:, 0] * np.sin(alpha) + vh[:, 1] * np.cos(alpha)])
        sk = knee - ankle
        shank_pitch = np.degrees(np.arctan2(sk[:, 0], sk[:, 1]))
        h = np.radians(self.heading)
        rel = ankle - ankle[0]
        pos = self.pos + np.column_stack([rel[:, 0] * np.cos(h), rel[:, 0] * np.sin(h), rel[:, 1]])
        tr = Track(np.full(n, self.heading), shank_pitch, _smooth_noise(rng, n, fs, 0.5, 2.0),
                   np.degrees(phi) - shank_pitch, _smooth_noise(rng, n, fs, 0.5, 2.0), pos)
        self._push(self._windowed(tr))

    def _drive(self, duration_s: float) -> None:
        """Drive a car for ``duration_s``: the foot holds the accelerator, lifts to
        the brake and holds it at a stop; the car's accelerations, turns and
        the road's vibration reach the sensor with it."""
        rng, fs = self.rng, self.sampling_rate_hz
        t = self._grid(duration_s)
        n = len(t)
        gas, brake = np.zeros(n), np.zeros(n)
        k = int(rng.uniform(1, 3) * fs)
        while k < n:
            what = rng.choice(["gas", "coast", "brake"], p=[0.5, 0.2, 0.3])
            m = int(float(np.exp(rng.uniform(np.log(2), np.log(40)))) * fs)
            if what == "gas":
                gas[k:k + m] = rng.uniform(3, 15)
            elif what == "brake":
                brake[k:k + m] = rng.uniform(5, 20)
            k += m + int(rng.uniform(0.3, 1.5) * fs)
        # Parked at the end: braked to a stop.
        brake[max(0, n - int(8 * fs)):] = 15.0
        on_brake = gaussian_filter1d((brake > 0).astype(float), 0.25 * fs)
        gas = gaussian_filter1d(gas, 0.2 * fs) + _smooth_noise(rng, n, fs, 0.5, 1.0) * (gas > 0)
        brake = gaussian_filter1d(brake, 0.2 * fs)
        # The car: the accelerator speeds it up, the brake stops it (the
        # speed from a 10 Hz loop, which the clipping at standstill needs).
        step = max(1, int(fs / 10))
        speed, vs = 0.0, []
        for i in range(0, n, step):
            speed = float(np.clip(speed + (0.2 * gas[i] - 0.3 - 0.3 * brake[i]) / 10, 0.0, 15.0))
            vs.append(speed)
        vel = gaussian_filter1d(np.interp(t, t[::step], vs), 0.2 * fs)
        turn = np.cumsum(_smooth_noise(rng, n, fs, 0.05, 6.0) * (vel > 1)) / fs   # deg
        ch = np.radians(self.heading + turn)
        path = np.column_stack([np.cumsum(vel * np.cos(ch)), np.cumsum(vel * np.sin(ch))]) / fs
        road = np.column_stack([_smooth_noise(rng, n, fs, 8.0, 1e-4) * (vel > 0.5) for _ in range(3)])
        tr = Track.still(n, self.posture, self.heading, self.pos)
        tr.heading = self.heading + turn + 15 * on_brake * rng.choice([-1, 1])
        tr.ankle_pitch = tr.ankle_pitch + gas + brake
        tr.shank_roll = tr.shank_roll + 5 * on_brake
        lift = 0.05 * 4 * on_brake * (1 - on_brake)
        moved = tr.ankle_pos + np.column_stack([path, lift]) + road
        tr = self._windowed(tr, 0.5)
        tr.ankle_pos = moved   # the car's path is not eased: it ends parked
        self._push(tr)

    def _shank_axis(self, tr: Track) -> np.ndarray:
        rot = Rotation.from_euler("ZYX", np.column_stack(
            [tr.heading, tr.shank_pitch, self.side_sign * tr.shank_roll]), degrees=True)
        return rot.apply([0.0, 0.0, 1.0])

    def _swing_about(self, tr: Track, length_m: float) -> np.ndarray:
        """Ankle positions when the leg turns about a joint ``length_m`` up its axis."""
        axis = self._shank_axis(tr)
        joint = tr.ankle_pos[0] + length_m * axis[0]
        return joint - length_m * axis

    def _step(self, forward_m: float) -> None:
        """One step forward (or back) of this foot: lift, carry, set down."""
        t = self._grid(self.rng.uniform(0.6, 1.0))
        u = _min_jerk(t / t[-1])
        tr = Track.still(len(t), self.posture, self.heading, self.pos)
        h = np.radians(self.heading)
        tr.ankle_pos = tr.ankle_pos + np.column_stack(
            [forward_m * u * np.cos(h), forward_m * u * np.sin(h), 0.08 * np.sin(np.pi * u)])
        tr.ankle_pitch = tr.ankle_pitch + 15 * np.sin(np.pi * u)
        tr.shank_pitch = tr.shank_pitch + np.sign(forward_m) * 15 * np.sin(np.pi * u)
        self._push(tr)

    def _jump(self, flight_s: float, sideways_m: float = 0.0, forward_m: float = 0.0) -> None:
        """Crouch, push off on the toes, fly (free fall), land and absorb.

        The ankle's path is physical: the push speeds it up to take-off
        speed, it falls freely in flight (the accelerometer reads ~0) and the
        shoe and heel pad stop it over ~30 ms (several g, not infinitely many).
        """
        rng = self.rng
        crouch_s, push_s, land_s = rng.uniform(0.25, 0.5), rng.uniform(0.12, 0.2), rng.uniform(0.2, 0.4)
        stop_s = 0.03
        bend = rng.uniform(15, 35)
        h = np.radians(self.heading)
        # Horizontal direction and take-off speeds.
        dxy = np.array([forward_m * np.cos(h) - sideways_m * np.sin(h),
                        forward_m * np.sin(h) + sideways_m * np.cos(h)])
        v = np.r_[dxy / flight_s, G * flight_s / 2]
        parts = []
        t = self._grid(crouch_s)
        u = _min_jerk(t / crouch_s)
        parts.append((bend * u, -bend * u, np.zeros((len(t), 3))))
        # Knee straightens, ankle plantarflexes: the toes leave the floor last.
        t = self._grid(push_s)
        u = _min_jerk(t / push_s)
        parts.append((bend * (1 - u), -bend * (1 - u) + 35 * u, np.outer(t ** 2 / (2 * push_s), v)))
        p0 = v * push_s / 2
        t = self._grid(flight_s)
        fly = p0 + np.outer(t, v)
        fly[:, 2] -= G * t ** 2 / 2
        parts.append((np.zeros(len(t)), 35 * (1 - _min_jerk(t / flight_s)), fly))
        p1 = p0 + v * flight_s
        p1[2] = p0[2]
        v1 = np.r_[v[:2], -v[2]]
        t = self._grid(land_s)
        tc = np.minimum(t, stop_s)
        land = p1 + np.outer(tc - tc ** 2 / (2 * stop_s), v1)
        # Then the ankle settles back to the floor's height.
        land[:, 2] -= (land[-1, 2]) * _min_jerk((t - stop_s) / max(land_s - stop_s, 1e-3))
        u = np.sin(np.pi * t / land_s)
        parts.append((bend * u, -bend * u, land))
        base = self.pos.copy()
        for sp, ap, dpos in parts:
            tr = Track.still(len(sp), self.posture, self.heading, self.pos)
            tr.shank_pitch = tr.shank_pitch + sp
            tr.ankle_pitch = tr.ankle_pitch + ap
            tr.ankle_pos = base + dpos
            self._push(tr)

    def _stairs(self, steps: int, up: bool) -> None:
        """Climb or descend ``steps`` stairs, one at a time (this foot on every other one)."""
        rng = self.rng
        rise, run = rng.uniform(0.15, 0.19), rng.uniform(0.25, 0.32)
        stride_s = rng.uniform(1.1, 1.6)
        h = np.radians(self.heading)
        for _ in range(max(1, steps // 2)):
            t = self._grid(stride_s)
            ph = t / stride_s
            stance = ph < 0.6
            sw = np.clip((ph - 0.6) / 0.4, 0, 1)
            u = _min_jerk(sw)
            if up:
                # Foot lands flat on the next stair; the shank tilts forward to climb.
                foot = np.where(stance, np.interp(ph / 0.6, [0, 0.7, 1], [0, 0, 20]), 20 * (1 - u))
                shank = np.where(stance, 25 - 35 * ph / 0.6, -10 + 35 * u)
            else:
                # Lands on the forefoot, the heel lowers, the knee bends forward.
                foot = np.where(stance, np.interp(ph / 0.6, [0, 0.2, 1], [20, 0, -5]), -5 + 25 * u)
                shank = np.where(stance, -5 + 35 * ph / 0.6, 30 - 35 * u)
            dz = (1 if up else -1) * 2 * rise * u
            dx = 2 * run * u
            pos = np.column_stack([self.pos[0] + dx * np.cos(h), self.pos[1] + dx * np.sin(h),
                                   self.pos[2] + dz + 0.05 * np.sin(np.pi * sw)])
            tr = Track(np.full(len(t), self.heading), gaussian_filter1d(shank, self.sampling_rate_hz * 0.02),
                       np.zeros(len(t)), gaussian_filter1d(foot - shank, self.sampling_rate_hz * 0.02),
                       np.zeros(len(t)), pos)
            self._push(tr)
        # Stop on the landing, the shank back upright.
        t = self._grid(0.6)
        u = _min_jerk(t / t[-1])
        last = self.tracks[-1]
        tr = Track.still(len(t), "stand", self.heading, self.pos)
        tr.shank_pitch = last.shank_pitch[-1] * (1 - u)
        tr.ankle_pitch = last.ankle_pitch[-1] * (1 - u)
        self._push(tr)


def _ellipse(phi: np.ndarray, a: float, b: float, rot: float) -> np.ndarray:
    """Points at parameter ``phi`` (rad) of an ellipse of semi-axes ``a``, ``b`` turned by ``rot`` (rad), (n, 2)."""
    x, y = a * np.cos(phi), b * np.sin(phi)
    return np.column_stack([x * np.cos(rot) - y * np.sin(rot), x * np.sin(rot) + y * np.cos(rot)])


def circle_plan(rng: np.random.Generator, sloppiness: float = 0.3, **pins) -> dict:
    """How one person does their ankle circles, drawn wider than people do.

    Keys (any can be pinned by the caller, e.g. from ``SimConfig.circle_plan``):
    ``order`` (first direction, then the other), ``lead_in`` (settling moves
    after raising the leg), ``wobble_deg`` (RMS sway of the raised leg),
    ``twist`` (inversion per unit of sideways toe swing) and per direction
    ``size_deg`` (mean diameter of the toe path, deg of foot tilt),
    ``ellipticity`` (major/minor axis), ``orientation_deg``, ``period_s``
    (mean time a turn), ``speed_trend`` (last turn's speed over the
    first's), ``period_spread`` (turn-to-turn log-spread), ``uneven``
    (speed modulation within a turn, 0–0.65), ``pauses`` (list of
    ``{"at", "seconds", "depth"}``: where in the set, how long, how near a
    stop), ``spiral`` (spirals out of neutral instead of moving out first),
    ``drift`` (wander of the circles' centre, a share of their size), ``n`` (turns),
    ``partial_in`` / ``partial_out`` (share of a turn before the first full
    circle / after the last: begun or unfinished circles, not counted; 0;
    together under one turn, or they would make one more circle wherever
    the first one is said to begin), ``direct_switch`` (the toes reverse
    on the circle and go round the other way at once: no move back to
    neutral, no pause between the directions; off unless pinned).
    Pinned per-direction keys apply to both directions; ``per_direction``
    (two dicts) pins them for the first and the second direction done.
    """
    loguni = lambda lo, hi: float(np.exp(rng.uniform(np.log(lo), np.log(hi))))  # noqa: E731
    first = str(rng.choice(CIRCLE_DIRECTIONS))
    size, period, ell = loguni(3, 40), loguni(0.4, 3.0), loguni(1, 4)
    orient = rng.uniform(0, 180)
    dirs = []
    for _ in range(2):
        # The second set is like the first, not the same.
        dirs.append({
            "n": int(rng.integers(3, 16)),
            "size_deg": float(np.clip(size * np.exp(rng.normal(0, 0.15)), 3, 40)),
            "ellipticity": float(np.clip(ell * np.exp(rng.normal(0, 0.15)), 1, 4)),
            "orientation_deg": float(orient + rng.normal(0, 15)),
            "period_s": float(np.clip(period * np.exp(rng.normal(0, 0.15)), 0.4, 3.0)),
            "speed_trend": loguni(0.6, 1.6),
            "period_spread": rng.uniform(0.02, 0.1 + 0.15 * sloppiness),
            "uneven": rng.uniform(0, 0.65),
            "pauses": [{"at": rng.uniform(0.15, 0.85), "seconds": rng.uniform(0.2, 1.5),
                        "depth": rng.uniform(0.6, 1.0)} for _ in range(rng.poisson(0.3 + 0.7 * sloppiness))],
            "spiral": bool(rng.random() < 0.3),
            "drift": rng.uniform(0, 0.2),
        })
    plan = {"order": [first, "ccw" if first == "cw" else "cw"], "lead_in": bool(rng.random() < 0.7),
            "wobble_deg": rng.uniform(0.1, 1.5), "twist": rng.uniform(-1, 1), "directions": dirs,
            # Off unless pinned: drawing it would change every session's draws.
            "direct_switch": False}
    for p in dirs:
        # Share of a turn done before the first full circle and after the
        # last (a circle begun or left unfinished: not a circle); none
        # unless pinned or drawn (``SimConfig.circle_partial``).
        p["partial_in"] = p["partial_out"] = 0.0
    for key, value in pins.items():
        if key == "per_direction":
            # Pins for the first and for the second direction done.
            for p, own in zip(dirs, value):
                p.update(own)
        elif key in plan:
            plan[key] = value
        else:
            for p in dirs:
                p[key] = value
    return plan


def circle_wide(plan: dict, rng: np.random.Generator, pinned: set = frozenset()) -> dict:
    """Redraw a :func:`circle_plan` wider, in place (``SimConfig.circle_wide``; issue 12).

    From first principles rather than from what the detector was built on:
    paths of 5-40 deg, 0.2-1.5 circles a second, ellipses up to 4:1 at any
    angle, the speed uneven within a turn and changing 0.5-2x over the set,
    0-3 pauses of 0.5-3 s each way (a near or full stop), either direction
    first. Keys in ``pinned`` (the caller's ``circle_plan`` pins) stay.
    """
    loguni = lambda lo, hi: float(np.exp(rng.uniform(np.log(lo), np.log(hi))))  # noqa: E731
    size, period, ell, orient = loguni(5, 40), 1 / loguni(0.2, 1.5), loguni(1, 4), rng.uniform(0, 180)
    first = str(rng.choice(CIRCLE_DIRECTIONS))
    if "order" not in pinned:
        plan["order"] = [first, "ccw" if first == "cw" else "cw"]
    for p in plan["directions"]:
        # The second direction like the first, not the same.
        wide = {"size_deg": float(np.clip(size * np.exp(rng.normal(0, 0.2)), 5, 40)),
                "period_s": float(np.clip(period * np.exp(rng.normal(0, 0.2)), 1 / 1.5, 5.0)),
                "ellipticity": float(np.clip(ell * np.exp(rng.normal(0, 0.15)), 1, 4)),
                "orientation_deg": float(orient + rng.normal(0, 15)),
                "uneven": rng.uniform(0, 0.65), "speed_trend": loguni(0.5, 2.0),
                "pauses": [{"at": rng.uniform(0.15, 0.85), "seconds": rng.uniform(0.5, 3.0),
                            "depth": rng.uniform(0.8, 1.0)} for _ in range(int(rng.integers(0, 4)))]}
        p.update({k: v for k, v in wide.items() if k not in pinned})
    return plan


def tiptoe_plan(rng: np.random.Generator, sloppiness: float = 0.3, duration_s: float = 25.0,
                wider_rng: np.random.Generator | None = None, **pins) -> dict:
    """How one person walks on tiptoe, drawn far wider than people do.

    Keys (any can be pinned): ``strides`` (swings of the instrumented foot;
    a short walk of 3-6 one time in five, else as many as fit
    ``duration_s``), ``cadence_sps`` (steps a second, 0.8-3.2, log-uniform;
    a stride is two steps), ``cadence_trend`` (last stride's time over the
    first's, 0.6-1.6), ``stride_cv`` (stride-to-stride log-spread, uneven
    steps), ``stance_frac`` (share of a stride on the floor), ``heel_rise_cm``
    (2-15 cm), ``heel_wander_cm`` (RMS wander of it), ``step_m`` (0.2-0.9 m;
    shuffling below ~0.3), ``swing_lift_m`` (0.01-0.08 m), ``swing_deg``
    (extra toe-down pitch in the swing, 8-30°), ``shank_arc_deg`` and
    ``shank_mid_deg`` (the shank's swing and its centre), ``roll_deg`` (the
    ankle's roll out in each stance), ``wobble_deg`` (random side wobble),
    ``pauses`` (``{"after", "seconds"}``: standing on tiptoe after
    that stride's contact, 0.5-4 s), ``turns`` (``{"at", "deg",
    "strides"}``: 45-180° over one or two strides, on the spot: steps of
    0.3 of the others), ``first_step`` and ``last_step`` (the first and
    last swing's length over the others', 0.3-0.7 half the time: starting
    and ending with a half step), ``soft`` (share of the landing speed
    taken off, 0-0.95: a hand on a rail), ``heel_touch_p`` (chance a
    stance lets the heel down), ``end_hold_s`` (standing on tiptoe after
    the last contact, 0-1 s) and ``end_drop_s`` (the heel coming down
    after it, 0.12-0.7 s; quick drops land with an impact), ``flat_at``
    (strides stepped flat, heel first, inside the walk: one or two in a
    third of the walks of 6 strides or more) and ``cushion_s`` (0.05-0.15 s:
    how long the calf takes to stop the ankle after a forefoot landing, so
    that a shank sees no heel strike's jolt; the toes then leave the floor
    from rest). Pinned plans without the last eight keys get 1, 1, 0, 0, 0,
    None, [] and 0 (the walks drawn before they existed). ``lead_first``
    (pinned only, default False): the instrumented foot takes the first
    step, its heel rising for 0.3 s and the swing following at once (else
    it stands a stance while the other foot steps first). The walk's true
    strides are the stance it starts from (at its start, as the labelled
    samples from outside the project list it), then one landing per swing.

    With ``wider_rng`` (``SimConfig.tiptoe_wider``) these are redrawn wider
    still from it: ``cadence_sps`` 0.6-3.6 (strides of 3.3 s down to 0.55 s),
    ``step_m`` 0.06-0.9 (a slow shuffle of a few centimetres), the shank's
    arc 4-42° (short steps swing it little), ``stance_frac`` 0.3-0.8 (quick
    walks whose stance hardly lasts), ``swing_lift_m`` 0.005-0.08,
    ``stance_rock_deg`` (the foot rocking on the forefoot through stance,
    else 3°) 1-12°, and ``strides`` to fit ``duration_s`` at the new
    cadence (unless pinned).
    """
    loguni = lambda lo, hi: float(np.exp(rng.uniform(np.log(lo), np.log(hi))))  # noqa: E731
    # 0.8-3.2 steps/s: strides of 0.6-1.6 Hz, quick short tiptoe steps up
    # to slow careful ones, and slower still (strides of 2.5 s).
    cadence = float(pins.get("cadence_sps", loguni(0.8, 3.2)))
    if "strides" in pins:
        n = int(pins["strides"])
    elif rng.random() < 0.2:
        n = int(rng.integers(3, 7))
    else:
        n = max(3, int(round(duration_s * cadence / 2)))
    step = loguni(0.2, 0.9)
    plan = {
        "strides": n, "cadence_sps": cadence, "cadence_trend": loguni(0.6, 1.6),
        "stride_cv": rng.uniform(0.02, 0.08 + 0.1 * sloppiness),
        "stance_frac": rng.uniform(0.4, 0.75), "heel_rise_cm": loguni(1.0, 15.0),
        "heel_wander_cm": rng.uniform(0.1, 1.5), "step_m": step,
        "swing_lift_m": loguni(0.01, 0.08), "swing_deg": rng.uniform(8, 30),
        # Short steps swing the shank less.
        "shank_arc_deg": float(np.clip(rng.uniform(20, 45) * step / 0.6, 10, 40)),
        "shank_mid_deg": rng.uniform(-3, 8), "roll_deg": rng.uniform(-6.0, 6.0),
        "wobble_deg": rng.uniform(0.2, 1.5),
        "pauses": [{"after": int(rng.integers(1, max(2, n - 1))), "seconds": rng.uniform(0.5, 4.0)}
                   for _ in range(rng.poisson(0.3 + 0.6 * sloppiness) if n >= 4 else 0)],
        "turns": [{"at": int(rng.integers(0, n)), "deg": float(rng.choice([-1, 1]) * rng.uniform(45, 180)),
                   "strides": int(rng.integers(1, 3))} for _ in range(rng.poisson(0.6))],
        # Drawn last, so the keys above stay what they were for every seed.
        # A walk starts from feet side by side: the first swing of the
        # instrumented foot is a half step when it leads, a full one when it
        # trails; it ends bringing the feet together (a closing half step).
        "first_step": float(rng.uniform(0.3, 0.7)) if rng.random() < 0.5 else 1.0,
        "last_step": float(rng.uniform(0.3, 0.7)) if rng.random() < 0.5 else 1.0,
        # Share of the landing's downward speed taken off (0: the swing's arc
        # meets the floor at speed; near 1: the toes are set down, a hand on a
        # rail or careful steps): the impact's size.
        "soft": float(rng.uniform(0.0, 0.95)),
        # Chance that a stance lets the heel touch the floor (tiring calves).
        "heel_touch_p": float(rng.uniform(0.05, 0.3)) if rng.random() < 0.4 else 0.0,
        # The heel coming down after the last contact (s): quick drops land
        # on the heel with an impact of their own.
        "end_drop_s": float(loguni(0.12, 0.7)),
        # Standing on tiptoe after the last contact before the heel comes down (s).
        "end_hold_s": float(rng.uniform(0.0, 1.0)),
    }
    if wider_rng is not None:
        w = wider_rng
        wlog = lambda lo, hi: float(np.exp(w.uniform(np.log(lo), np.log(hi))))  # noqa: E731
        cadence = float(pins.get("cadence_sps", wlog(0.6, 3.6)))
        step = wlog(0.06, 0.9)
        plan.update(wider=True, cadence_sps=cadence, step_m=step,
                    shank_arc_deg=float(np.clip(w.uniform(15, 45) * step / 0.6, 4, 42)),
                    stance_frac=w.uniform(0.3, 0.8), swing_lift_m=wlog(0.005, 0.08),
                    stance_rock_deg=w.uniform(1.0, 12.0))
        if "strides" not in pins and n > 6:
            # Pauses and turns stay where they were in the walk, as a share of it.
            m = max(7, int(round(duration_s * cadence / 2)))
            plan["strides"] = m
            for p in plan["pauses"]:
                p["after"] = int(np.clip(p["after"] * m // n, 1, m - 2))
            for tu in plan["turns"]:
                tu["at"] = int(min(tu["at"] * m // n, m - 1))
    if pins:
        # Pinned walks draw nothing more: the session's later draws (noise,
        # loss) stay what they were for the pinned tests.
        plan.update(first_step=1.0, last_step=1.0, soft=0.0, heel_touch_p=0.0, end_drop_s=None, end_hold_s=0.0,
                    flat_at=[], cushion_s=0.0)
    else:
        plan.update({
            # Strides stepped flat, heel first, inside the walk (a tired
            # calf, a stumble): none in two walks of three, else one or two.
            "flat_at": sorted({int(k) for k in rng.integers(1, max(2, n - 1), size=int(rng.integers(1, 3)))})
            if rng.random() < 1 / 3 and n >= 6 else [],
            # How long the calf takes to stop the ankle after a forefoot landing (s).
            "cushion_s": float(rng.uniform(0.05, 0.15)),
        })
    plan.update({k: v for k, v in pins.items() if k in plan})
    return plan


def pencil_plan(rng: np.random.Generator, sloppiness: float = 0.3,
                wider_rng: np.random.Generator | None = None, **pins) -> dict:
    """How one person picks up a pencil with the toes, drawn far wider than people do.

    The programme says only "put a pencil on the floor and pick it up with
    your toes; hold it for at least 10 seconds; 3 times with each foot".
    Keys (any can be pinned): ``posture`` (``chair``; ``floor_knees``,
    seated on the floor with the knees up; ``stand``, holding on),
    ``grip`` (``lift``: the foot lifts the pencil off the floor; ``curl``:
    only the toes curl round it, the foot stays down and tips 0.3-3°),
    ``lift_m`` (0.01-0.15 m; 0 curled), ``tip_deg`` (the foot's pitch
    while held, + toes down, -12 to 25°), ``roll_deg`` (inversion or
    eversion while held), ``turn_deg`` (turned about the vertical while
    held), ``shank_deg`` (the knee's part: the shank's pitch change; ±3°
    when the hip lifts the leg), ``move_m`` (forward, left: where the
    pencil is put down from where it was picked up), ``hold_s`` (5-25 s,
    log-uniform), ``hold_spread`` (rep-to-rep log-spread), ``reps``
    (1-5), ``drops`` (pencils dropped within 2.5 s: not reps),
    ``retries`` (pencils slipping out as the foot lifts, picked up again
    after a short pause; ``wider`` only), ``sink`` (the held foot's lift and
    tip lost by the end of a hold, 0-0.6; ``wider`` only),
    ``rest_s`` (1-15 s), ``tempo`` (move-time factor, 0.5-2),
    ``tremor_deg``, ``drift_frac`` (the held angle's wander), ``wobble_deg``
    (standing: sway on one leg), ``sets`` (1-2 sets of this foot) and
    ``other_first`` (the other foot's turn first). Pinned only, never drawn
    here: ``rest_spread`` (:func:`pencil_people`'s rest-to-rest log-spread),
    ``brace`` (the held foot braced: a tenth of the tremor, no wobble on
    one leg) and ``sweep_deg`` (the foot slid on the floor to fetch each
    pencil, and half the time to put it back: :meth:`_Builder._pencil_sweep`).

    With ``wider_rng`` (``SimConfig.pencil_wider``) some keys are drawn
    again from it, wider than the programme allows: holds 1-20 s
    (log-uniform) varying rep to rep by a log-spread of up to 0.45, 1-12
    reps, tremor 0.01-0.5° (a still foot), drops of 0.1-0.6 s, retries and
    sinking; the others stay the draw above.
    """
    loguni = lambda lo, hi: float(np.exp(rng.uniform(np.log(lo), np.log(hi))))  # noqa: E731
    posture = str(rng.choice(["chair", "floor_knees", "stand"], p=[0.45, 0.2, 0.35]))
    curl = bool(rng.random() < 0.25)
    knee = bool(rng.random() < 0.5)
    curl_tip = float(rng.choice([-1.0, 1.0], p=[0.3, 0.7]) * rng.uniform(0.3, 3.0))
    plan = {
        "posture": posture,
        "grip": "curl" if curl else "lift",
        "lift_m": rng.uniform(0.01, 0.15),
        "tip_deg": rng.uniform(-12.0, 25.0),
        "roll_deg": rng.uniform(-15.0, 15.0) if rng.random() < 0.4 else 0.0,
        "turn_deg": rng.uniform(-30.0, 30.0) if rng.random() < 0.3 else 0.0,
        "shank_deg": rng.uniform(-30.0, 30.0) if knee else rng.uniform(-3.0, 3.0),
        "move_m": [rng.uniform(-0.2, 0.2), rng.uniform(-0.3, 0.3)] if rng.random() < 0.5 else [0.0, 0.0],
        "hold_s": loguni(5.0, 25.0),
        "hold_spread": rng.uniform(0.05, 0.1 + 0.2 * sloppiness),
        "reps": int(rng.choice([1, 2, 3, 4, 5], p=[0.08, 0.15, 0.45, 0.17, 0.15])),
        "drops": int(rng.random() < 0.1 + 0.2 * sloppiness),
        "rest_s": loguni(1.0, 15.0),
        "tempo": loguni(0.5, 2.0),
        "tremor_deg": loguni(0.05, 0.5),
        "drift_frac": rng.uniform(0.02, 0.2),
        "wobble_deg": rng.uniform(0.3, 2.0),
        "sets": int(rng.integers(1, 3)),
        "other_first": bool(rng.random() < 0.4),
    }
    if wider_rng is not None:
        w = wider_rng
        plan.update(
            wider=True,
            hold_s=float(np.exp(w.uniform(np.log(1.0), np.log(20.0)))),
            hold_spread=w.uniform(0.05, 0.45),
            reps=int(w.choice([1, 2, 3, 4, 5, 6, 8, 10, 12], p=[0.15, 0.12, 0.2, 0.1, 0.1, 0.1, 0.08, 0.08, 0.07])),
            tremor_deg=float(np.exp(w.uniform(np.log(0.01), np.log(0.5)))),
            retries=int(w.choice([0, 1, 2], p=[0.6, 0.3, 0.1])),
            sink=float(w.uniform(0.0, 0.6)) if w.random() < 0.4 else 0.0,
        )
    if plan["grip"] != pins.get("grip", plan["grip"]):
        plan["grip"] = pins["grip"]
    if plan["grip"] == "curl":
        # The foot stays on the floor: nothing lifts or moves it, the
        # instep tips a little as the toes curl.
        plan.update(lift_m=0.0, tip_deg=curl_tip, shank_deg=0.0, roll_deg=0.0, turn_deg=0.0, move_m=[0.0, 0.0])
    # Pinned only (benchmarks/pencil4.py), so no drawn plan changes: a
    # foot braced while it holds, a slide of the foot to fetch each pencil.
    plan.update({k: v for k, v in pins.items() if k in plan or k in ("brace", "sweep_deg", "rest_spread")})
    plan["move_m"] = [float(v) for v in plan["move_m"]]
    return plan


LIFT_DIRECTIONS = ("up", "forward", "sideways", "mixed")


def pencil_widest(plan: dict, rng: np.random.Generator, pins: dict | None = None) -> dict:
    """``plan`` (:func:`pencil_plan`) drawn widest, in place (``SimConfig.pencil_widest``).

    ``lift_dir`` (``up``, ``forward``, ``sideways`` or ``mixed``, a quarter
    each) and ``reach_m`` (forward, left: how far the foot goes that way as
    it rises, 0.5-3 times the lift, back as it comes down; either sign;
    zero ``up``), ``lift_m`` 2-20 cm (log-uniform), ``hold_s`` 1-10 s
    (log-uniform), ``tempo`` 0.3-3, and for a lift grip ``tip_deg`` under
    1° a third of the time (the toes' curl not tipping the foot the sensor
    is on). Curled grips stay on the floor. ``pins`` (e.g. ``SimConfig.pencil_plan``)
    are kept, its own keys among them.
    """
    loguni = lambda lo, hi: float(np.exp(rng.uniform(np.log(lo), np.log(hi))))  # noqa: E731
    lift_dir = str(rng.choice(LIFT_DIRECTIONS))
    lift = loguni(0.02, 0.20)
    reach = lift * rng.uniform(0.5, 3.0)
    ang = rng.uniform(0.2, 1.37)
    way = {"up": (0.0, 0.0), "forward": (1.0, 0.0), "sideways": (0.0, 1.0), "mixed": (np.cos(ang), np.sin(ang))}[lift_dir]
    sign = rng.choice([-1.0, 1.0], size=2)
    draw = {"widest": True, "lift_dir": lift_dir, "lift_m": lift, "hold_s": loguni(1.0, 10.0),
            "tempo": loguni(0.3, 3.0), "tip_deg": float(rng.uniform(-1.0, 1.0)) if rng.random() < 1 / 3 else None,
            "reach_m": [0.0, 0.0] if lift_dir == "up" else
            [float(sign[0] * reach * way[0]), float(sign[1] * reach * way[1])]}
    if plan["grip"] == "curl":
        draw.update(lift_dir="up", lift_m=0.0, tip_deg=None, reach_m=[0.0, 0.0])
    pins = pins or {}
    plan.update({k: v for k, v in draw.items() if k not in pins and v is not None})
    plan.update({k: v for k, v in pins.items() if k in draw})
    plan["reach_m"] = [float(v) for v in plan.get("reach_m", (0.0, 0.0))]
    plan["wider"] = True
    return plan


PENCIL_GRIPS = ("lift", "curl", "heel")
PENCIL_CARRIES = ("none", "forward", "sideways", "across")


def pencil_people(plan: dict, rng: np.random.Generator, side_sign: float = 1.0, pins: dict | None = None) -> dict:
    """``plan`` (:func:`pencil_plan`) drawn as people do it, in place (``SimConfig.pencil_people``).

    From the exercise's text ("put a pencil on the floor and pick it up with
    your toes; hold it; repeat") and nothing else: ``grip`` ``lift`` (the
    foot lifted 1-15 cm, log-uniform, straight up or carried forward or
    aside as it rises, ``lift_dir``/``reach_m``; its tip a third of the
    time under 1°), ``curl`` (the toes curl round it, the foot flat) or
    ``heel`` (the toes keep hold of it on the floor and only the heel
    rises: the foot turns 6-25° toes down about the ball, the ankle rising
    0.16 m·sin); ``hold_s`` 1-10 s (log-uniform) varying rep to rep by a
    log-spread up to 0.45; ``carry`` (a lifted pencil moved while held:
    ``none``, ``forward`` or back, ``sideways`` out or ``across`` toward
    the other foot, 15-40 cm; ``move_m``); ``release`` (``drop``: let fall
    from the air, the foot coming down in 0.15-0.5 s; ``place``: lowered
    and put down; ``either``, rep by rep); ``tempo`` 0.3-3; ``retries``
    (0-3 pencils missed and tried again: a brief lift without a hold);
    ``reps`` 3-15; ``rest_s`` 1-15 s with a log-spread of 0.2-0.7 rest to
    rest (``rest_spread``; at most 25 s: longer is a new set). Posture
    (chair, floor, standing) stays :func:`pencil_plan`'s. ``side_sign``: +1
    left foot (its outside is to the left), -1 right. ``pins`` are kept.
    Half the people instead hold as the text says: 3-5 reps held 8-20 s
    (spread 0.05-0.3); ``alternate`` (feet in turn rep by rep: rests of the
    other foot's hold plus 2-6 s, up to 28 s), ``hold_wobble_deg`` (a held
    foot swaying 0.3-4° in pitch and roll), ``hold_wave_m`` (rising and
    sinking 0.2-1.5 cm) and ``knee_drift_deg`` (up to 8°) are drawn after
    the keys above, which stay what they were for a seed.
    """
    loguni = lambda lo, hi: float(np.exp(rng.uniform(np.log(lo), np.log(hi))))  # noqa: E731
    pins = pins or {}
    grip = str(rng.choice(PENCIL_GRIPS, p=[0.55, 0.2, 0.25]))
    lift_dir = str(rng.choice(["up", "forward", "sideways"], p=[0.5, 0.25, 0.25]))
    lift = loguni(0.01, 0.15)
    reach = lift * rng.uniform(0.5, 2.0) * rng.choice([-1.0, 1.0])
    carry = str(rng.choice(PENCIL_CARRIES, p=[0.35, 0.25, 0.2, 0.2]))
    far = rng.uniform(0.15, 0.4)
    heel_tip = rng.uniform(6.0, 25.0)
    draw = {
        "people": True, "grip": grip, "lift_m": lift, "lift_dir": lift_dir,
        "reach_m": {"up": [0.0, 0.0], "forward": [reach, 0.0], "sideways": [0.0, reach]}[lift_dir],
        "tip_deg": float(rng.uniform(-1.0, 1.0)) if rng.random() < 1 / 3 else None,
        "hold_s": loguni(1.0, 10.0), "hold_spread": float(rng.uniform(0.05, 0.45)),
        "carry": carry,
        "move_m": {"none": [0.0, 0.0], "forward": [far * rng.choice([-0.5, 1.0]), 0.0],
                   "sideways": [0.0, side_sign * far], "across": [0.0, -side_sign * far]}[carry],
        "release": str(rng.choice(["drop", "place", "either"])),
        "tempo": loguni(0.3, 3.0),
        "retries": int(rng.choice(4, p=[0.5, 0.3, 0.15, 0.05])),
        "reps": int(rng.choice([3, 4, 5, 6, 8, 10, 12, 15], p=[0.25, 0.12, 0.15, 0.08, 0.1, 0.15, 0.07, 0.08])),
        "rest_s": loguni(1.0, 15.0), "rest_spread": float(rng.uniform(0.2, 0.7)),
        "tremor_deg": loguni(0.01, 0.5),
        "sink": float(rng.uniform(0.0, 0.4)) if rng.random() < 0.3 else 0.0,
    }
    if pins.get("grip", grip) != "lift":
        # Curled toes or a raised heel leave the toes on the floor: nothing
        # carries the foot, which tips only as the curl or the heel makes it.
        heel = pins.get("grip", grip) == "heel"
        draw.update(lift_dir="up", reach_m=[0.0, 0.0], move_m=[0.0, 0.0], carry="none", roll_deg=0.0, turn_deg=0.0,
                    tip_deg=heel_tip if heel else float(np.sign(plan["tip_deg"] or 1.0)
                                                        * min(abs(plan["tip_deg"]), 3.0) or 1.0),
                    lift_m=0.16 * float(np.sin(np.radians(heel_tip))) if heel else 0.0,
                    shank_deg=-float(rng.uniform(0.0, 4.0)) if heel else 0.0)
    # Drawn after the keys above so that those stay what they were for a
    # seed (branch pencil3). Many do what the text says: the pencil held
    # 10 s or more, counted (8-20 s here, as people count); the feet taken
    # in turn rep by rep ("3 times with each foot"), so this foot rests
    # while the other one holds its pencil; a foot held up unsupported
    # sways slowly about the ankle and rises and sinks a little, the knee
    # drifting as the thigh tires.
    text = rng.random() < 0.5
    alternate = rng.random() < 0.35
    draw.update(
        hold_s=loguni(8.0, 20.0) if text else draw["hold_s"],
        hold_spread=float(rng.uniform(0.05, 0.3)) if text else draw["hold_spread"],
        reps=int(rng.choice([3, 3, 4, 5])) if text else draw["reps"],
        alternate=alternate,
        hold_wobble_deg=float(rng.uniform(0.3, 4.0)) if rng.random() < 0.6 else 0.0,
        hold_wave_m=float(rng.uniform(0.002, 0.015)) if rng.random() < 0.5 else 0.0,
        knee_drift_deg=float(rng.uniform(0.0, 8.0)) if rng.random() < 0.4 else 0.0,
    )
    if alternate:
        # The other foot's rep between two of this foot's: its move up, its
        # hold (about as long as this foot's) and its move down, then a pause.
        draw["rest_s"] = float(min(draw["hold_s"] * rng.uniform(0.8, 1.2) + rng.uniform(2.0, 6.0), 28.0))
        draw["rest_spread"] = float(rng.uniform(0.05, 0.2))
    plan.update({k: v for k, v in draw.items() if k not in pins and v is not None})
    plan.update({k: v for k, v in pins.items() if k in draw})
    plan["reach_m"] = [float(v) for v in plan["reach_m"]]
    plan["move_m"] = [float(v) for v in plan["move_m"]]
    plan["wider"] = True
    return plan


def walk_strides(rng: np.random.Generator, **pins) -> dict:
    """One ordinary walk drawn wide: how many strides, how long and how fast.

    ``strides``: 1-3 (a few steps to the next room) one walk in three, else
    4-30; ``step_m`` 0.3-1.5 m (a shuffle to a brisk stride); ``stride_s``
    0.8-1.6 s; the stance share, the shank's arc and the foot's heel-strike
    and push-off angles and the swing's lift as in ``_Builder._walk_wide``
    (short slow steps swing the shank less). Any of them can be pinned.
    """
    short = rng.random() < 1 / 3
    out = {"strides": int(rng.integers(1, 4) if short else rng.integers(4, 31)),
           "step_m": float(rng.uniform(0.3, 1.5)), "stride_s": float(rng.uniform(0.8, 1.6)),
           "stance_frac": float(rng.uniform(0.55, 0.68)), "mid_deg": float(rng.uniform(0, 10)),
           "heel_deg": float(rng.uniform(3, 25)), "push_deg": float(rng.uniform(20, 60)),
           "lift_m": float(rng.uniform(0.04, 0.14))}
    step = pins.get("step_m", out["step_m"])
    out["arc_deg"] = float(np.clip(30 + 30 * (step - 0.5) / 0.9 + rng.normal(0, 4), 20, 62))
    out.update(pins)
    return out


def walk_plan(rng: np.random.Generator, walks: int | None = None, **pins) -> dict:
    """A session's ordinary walks (``SimConfig.walk_wide``): ``{"walks": [walk_strides(), ...]}``.

    ``walks``: how many, 0-3 (none in a fifth of the sessions: the mounting
    then has no gait to be found from); other pins go to every walk
    (:func:`walk_strides`).
    """
    n = int(rng.choice(4, p=[0.2, 0.3, 0.3, 0.2])) if walks is None else int(walks)
    return {"walks": [walk_strides(rng, **pins) for _ in range(n)]}


def _session_plan(rng: np.random.Generator, cfg: SimConfig) -> list[str]:
    if cfg.exercises is not None:
        todo = list(cfg.exercises)
    elif cfg.placement == "ankle":
        # What an ankle sensor can see, toe presses twice as in a clinic's
        # balance-and-strength block.
        todo = ["toe_press", "tiptoe_walk", "toe_press"]
    else:
        todo = list(EXERCISES)
        rng.shuffle(todo)
    return todo


def build_session(rng: np.random.Generator, cfg: SimConfig, fs_int: float,
                  shape_rng: np.random.Generator | None = None,
                  wide_rng: np.random.Generator | None = None,
                  walk_rng: np.random.Generator | None = None,
                  look_rng: np.random.Generator | None = None,
                  ankle_rng: np.random.Generator | None = None,
                  press_rng: np.random.Generator | None = None) -> _Builder:
    """Script a session: stand, the exercises in some order, stand."""
    b = _Builder(rng, fs_int, cfg)
    if press_rng is not None:
        b.press_rng = press_rng
    if ankle_rng is not None:
        b.ankle_rng = ankle_rng
    if walk_rng is not None:
        b.walk_rng = walk_rng
    if shape_rng is not None:
        b.shape_rng = shape_rng
    if wide_rng is not None:
        b.wide_rng = wide_rng
    if look_rng is not None:
        b.look_rng = look_rng
    if not cfg.bare:
        b.rest(rng.uniform(20, 32), record_stance=True)
    spread = cfg.rep_count_spread
    plan = _session_plan(rng, cfg)
    if cfg.lookalikes:
        # Drawn from their own stream, so sessions without look-alikes stay
        # what they were for every seed.
        extra = np.random.default_rng([int(rng.integers(2 ** 31)), 7])
        kinds = (list(extra.choice(LOOKALIKES, size=int(cfg.lookalikes), replace=False))
                 if isinstance(cfg.lookalikes, (int, np.integer)) else list(cfg.lookalikes))
        for kind in kinds:
            plan.insert(int(extra.integers(0, len(plan) + 1)), f"lookalike:{kind}")
    if cfg.bare and plan:
        first = plan[0]
        b.posture = (LOOKALIKE_POSTURE.get(first.split(":", 1)[1], "stand") if first.startswith("lookalike:")
                     else EXERCISE_POSTURE[first])
        b.rest(rng.uniform(3, 10))
    if cfg.walk_wide or cfg.walk_plan is not None:
        # Drawn from their own stream; each walk goes before an item of the plan (or at the end).
        wrng = np.random.default_rng([int(rng.integers(2 ** 31)), 71])
        b.walk_plans = walk_plan(wrng, **(cfg.walk_plan or {}))["walks"]
        for w in b.walk_plans:
            plan.insert(int(wrng.integers(0, len(plan) + 1)), w)
    for name in plan:
        if isinstance(name, dict):
            b.go_to("stand")
            b.walk(0.0, label=False, strides=name)
            b.rest(rng.uniform(1.5, 3))
            continue
        if name.startswith("lookalike:"):
            b.lookalike(name.split(":", 1)[1])
            b.rest(rng.uniform(2, 6))
            continue
        if name == "pencil_pickup" and (cfg.pencil_wide or cfg.pencil_plan or cfg.pencil_wider
                                         or cfg.pencil_widest or cfg.pencil_people):
            b.pencil_wide()
            b.rest(rng.uniform(2, 5))
            continue
        if cfg.distractors and b.walk_plans is None and b.posture == "stand" \
                and EXERCISE_POSTURE[name] == "stand" and rng.random() < 0.6:
            # Walking over to the next station.
            b.walk(rng.uniform(6, 14), label=False)
            b.rest(rng.uniform(1.5, 3))
        seated = name == "ankle_circles" and cfg.circle_wide and b.shape_rng.random() < 1 / 3
        b.go_to("chair" if seated else EXERCISE_POSTURE[name])
        if cfg.distractors and rng.random() < 0.5:
            b.fidget(rng.uniform(3, 8), kind="adjust_band" if name == "resistance_band" else "fidget")
            b.rest(rng.uniform(1, 3))
        if name == "toe_press":
            b.hold_reps(name, int(10 + rng.integers(-spread, spread + 1)), 4.0)
        elif name == "resistance_band" and cfg.band_set is not None:
            b.band_set(cfg.band_set)
        elif name == "resistance_band":
            b.hold_reps(name, int(10 + rng.integers(-spread, spread + 1)), 5.0)
        elif name == "pencil_pickup":
            b.hold_reps(name, int(3 + rng.integers(0, 2)), 10.0 + rng.uniform(0, 1.5))
            if rng.random() < 0.7:
                # "3 times with each foot": the instrumented foot waits.
                b.other_side(rng.uniform(35, 50), "other_foot_pencil")
        elif name == "tiptoe_walk":
            b.rest(rng.uniform(1.5, 3))
            b.walk(rng.uniform(10, 40), tiptoe=True)
        elif name == "ankle_circles":
            b.circles(rng.uniform(8, 10))
            if rng.random() < 0.7:
                # "Change the leg and repeat": this leg lies still meanwhile.
                b.other_side(rng.uniform(20, 28), "other_leg_circles")
        b.rest(rng.uniform(2, 5))
        if cfg.placement == "ankle" and b.posture == "stand" and rng.random() < 0.7:
            b.rest(rng.uniform(25, 35), record_stance=True)
    if cfg.bare:
        b.rest(rng.uniform(3, 10))
    else:
        b.go_to("stand")
        b.rest(rng.uniform(20, 30), record_stance=True)
    return b


def _smooth_steps(x: np.ndarray, sigma: float) -> np.ndarray:
    """``gaussian_filter1d(x, sigma, axis=0)`` of a piecewise-constant ``x``:
    the same numbers, bit for bit, at a small part of the cost.

    The offsets of ``_spread_postures`` change only where the posture does,
    a few dozen times a session, but the filter is 0.4 s wide (up to 3000
    taps on the internal grid): run whole, it took a third of a look-alike
    session's simulation. A point whose kernel (reflected at the ends as the
    filter does) sees one value only gets the filter of a constant, which
    is the same number wherever it lies, since the filter sums the same
    products in the same order; so only the points within the kernel's
    reach of a change are filtered, on windows that hold their whole kernel.
    """
    n = len(x)
    r = int(4.0 * sigma + 0.5)  # gaussian_filter1d's radius (truncate=4)
    change = np.flatnonzero(np.any(x[1:] != x[:-1], axis=1)) + 1
    # Windows of about 4r points a change: filtered whole when they would
    # cover much of it anyway.
    if n <= 4 * r or 8 * r * len(change) > n:
        return gaussian_filter1d(x, sigma, axis=0)
    out = np.empty_like(x)
    starts = np.r_[0, change]
    ends = np.r_[change, n]
    for a, b in zip(starts, ends):
        out[a:b] = gaussian_filter1d(np.repeat(x[a:a + 1], 2 * r + 1, axis=0), sigma, axis=0)[r]
    # The points within reach of a change, as merged intervals [lo, hi).
    if len(change) == 0:
        return out
    lo_all = np.maximum(change - r, 0)
    hi_all = np.minimum(change + r, n)
    lo, hi = lo_all[0], hi_all[0]
    spans = []
    for a, b in zip(lo_all[1:], hi_all[1:]):
        if a <= hi:
            hi = max(hi, b)
        else:
            spans.append((lo, hi))
            lo, hi = a, b
    spans.append((lo, hi))
    for lo, hi in spans:
        w0, w1 = max(0, lo - r), min(n, hi + r)
        out[lo:hi] = gaussian_filter1d(x[w0:w1], sigma, axis=0)[lo - w0:hi - w0]
    return out


def _spread_postures(track: Track, labels: list[tuple[int, str]], rng: np.random.Generator,
                     spread_deg: float, sampling_rate_hz: float) -> None:
    """Shift each resting posture by a per-session offset, in place.

    People sit more or less upright, lie with the toes more or less
    pointed, raise the leg higher or lower. Standing stays standing (foot
    flat, shank upright: what the analysis calls standing). Offsets change
    smoothly (0.4 s) where the posture changes.
    """
    def u(k=1.0):
        return k * spread_deg * rng.uniform(-1, 1)

    chair_shank = u(1.2)
    offsets = {  # posture: (shank pitch, shank roll, ankle pitch)
        "chair": (chair_shank, 0.0, -chair_shank + u(0.5)),
        "floor": (u(0.5), u(0.3), u()), "lie": (u(0.5), u(0.5), u()),
        "lie_raised": (u(1.5), u(0.3), u()), "side_lie": (u(0.3), u(), u()),
        "prone": (u(0.5), u(0.3), u()),
    }
    if any(posture == "chair_raised" for _, posture in labels):
        # Drawn last, and only when there (SimConfig.circle_wide): the other
        # postures' offsets stay what they were for every seed.
        offsets["chair_raised"] = (u(1.0), u(0.3), u())
    n = len(track)
    off = np.zeros((n, 3))
    k = 0
    for length, posture in labels:
        off[k:k + length] = offsets.get(posture, (0.0, 0.0, 0.0))
        k += length
    off = _smooth_steps(off, 0.4 * sampling_rate_hz)
    track.shank_pitch = track.shank_pitch + off[:, 0]
    track.shank_roll = track.shank_roll + off[:, 1]
    track.ankle_pitch = track.ankle_pitch + off[:, 2]


# --------------------------------------------------------------------------
# the virtual IMU
# --------------------------------------------------------------------------

def _mounting(rng: np.random.Generator, how: str) -> Rotation:
    """Rotation from sensor axes to segment axes (v_segment = M · v_sensor)."""
    if how == "aligned":
        return Rotation.identity()
    if how == "instep":
        yaw = rng.uniform(-180, 180)
        tilt = Rotation.from_rotvec(np.radians(rng.uniform(0, 30)) *
                                    np.array([*_unit2(rng), 0.0]))
        return tilt * Rotation.from_euler("z", yaw, degrees=True)
    if how == "random":
        return Rotation.random(random_state=rng.integers(2 ** 31))
    if how == "strap":
        # A strap round the shank: any turn about it, tilted by the strap's
        # slant or the calf's taper up to 30 deg, and the device worn either
        # way up (its z toward the knee or the foot).
        yaw = rng.uniform(-180, 180)
        tilt = Rotation.from_rotvec(np.radians(rng.uniform(0, 30)) * np.array([*_unit2(rng), 0.0]))
        flip = Rotation.from_euler("x", 180.0 if rng.random() < 0.5 else 0.0, degrees=True)
        return tilt * Rotation.from_euler("z", yaw, degrees=True) * flip
    if how == "upside_down":
        return Rotation.from_euler("x", 180, degrees=True)
    raise ValueError(f"unknown mounting {how!r}")


def _unit2(rng: np.random.Generator) -> np.ndarray:
    a = rng.uniform(0, 2 * np.pi)
    return np.array([np.cos(a), np.sin(a)])


def mounting_string(m: Rotation) -> str | None:
    """``x=forward,y=left,z=up`` style declaration when the axes are aligned."""
    mat = np.round(m.as_matrix(), 6)
    names = {(1, 0, 0): "forward", (-1, 0, 0): "back", (0, 1, 0): "left",
             (0, -1, 0): "right", (0, 0, 1): "up", (0, 0, -1): "down"}
    parts = []
    for i, axis in enumerate("xyz"):
        col = tuple(int(v) for v in mat[:, i])
        if col not in names:
            return None
        parts.append(f"{axis}={names[col]}")
    return ",".join(parts)


# Quaternions (x, y, z, w; scalar last, as scipy's Rotation) on whole arrays.
# scipy's Rotation costs ~1 µs a sample per operation here (0.35 s for one
# from_euler over a 10-minute session on the 400 Hz internal grid); these
# numpy kernels do the same algebra about ten times faster, and the
# simulator's orientation work was two thirds of a session's cost.

def _q_axis(axis: int, angle_deg: np.ndarray) -> np.ndarray:
    """Rotations by ``angle_deg`` about one body axis (0, 1, 2 = x, y, z), shape (n, 4)."""
    half = np.radians(np.asarray(angle_deg, dtype=float)) / 2
    q = np.zeros((len(half), 4))
    q[:, axis] = np.sin(half)
    q[:, 3] = np.cos(half)
    return q


def _q_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product ``a ⊗ b`` (apply ``b`` first, then ``a``: scipy's ``a * b``)."""
    ax, ay, az, aw = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bx, by, bz, bw = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return np.stack([aw * bx + ax * bw + ay * bz - az * by,
                     aw * by - ax * bz + ay * bw + az * bx,
                     aw * bz + ax * by - ay * bx + az * bw,
                     aw * bw - ax * bx - ay * by - az * bz], axis=-1)


def _q_conj(q: np.ndarray) -> np.ndarray:
    return q * np.array([-1.0, -1.0, -1.0, 1.0])


def _q_apply(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (shape (3,) or (n, 3)) by unit quaternions ``q`` (n, 4)."""
    u, w = q[:, :3], q[:, 3:]
    t = 2 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def _q_rotvec(q: np.ndarray) -> np.ndarray:
    """Rotation vectors (rad) of unit quaternions, angles in [0, π] (scipy's ``as_rotvec``)."""
    q = np.where(q[:, 3:] < 0, -q, q)
    s = np.linalg.norm(q[:, :3], axis=1)
    angle = 2 * np.arctan2(s, q[:, 3])
    # angle / sin(angle / 2), by its series where the angle is tiny.
    small = angle < 1e-3
    a2 = angle ** 2
    scale = np.where(small, 2 + a2 / 12 + 7 * a2 ** 2 / 2880,
                     angle / np.where(small, 1.0, np.sin(angle / 2)))
    return q[:, :3] * scale[:, None]


def segment_kinematics(track: Track, sampling_rate_hz: float, placement: str, side_sign: float = 1.0,
                       offset: np.ndarray | None = None):
    """Orientation, angular velocity (deg/s, body frame) and specific force.

    ``offset``: the sensor's place in the segment frame (m; from the ankle
    joint), the placement's usual one if None.

    Returns
    -------
    rot : Rotation, length n
        Segment-to-world rotation.
    gyr : ndarray, shape (n, 3)
        Angular velocity in the segment frame (deg/s).
    acc : ndarray, shape (n, 3)
        Specific force in the segment frame (m/s²).
    """
    # Intrinsic Z-Y-X (heading, pitch, roll): Rz · Ry · Rx.
    q = _q_mul(_q_mul(_q_axis(2, track.heading), _q_axis(1, track.shank_pitch)),
               _q_axis(0, side_sign * track.shank_roll))
    if placement == "foot":
        q = _q_mul(q, _q_mul(_q_axis(1, track.ankle_pitch), _q_axis(0, side_sign * track.ankle_roll)))
        if track.foot_extra is not None:
            q = _q_mul(q, track.foot_extra.as_quat())
        offset = FOOT_SENSOR_OFFSET if offset is None else offset
    else:
        offset = SHANK_SENSOR_OFFSET if offset is None else offset
    n = len(track)
    # Central difference of orientation: ω = log(R_{k-1}ᵀ R_{k+1}) / 2dt.
    w = _q_rotvec(_q_mul(_q_conj(q[:-2]), q[2:])) * sampling_rate_hz / 2
    gyr = np.degrees(np.vstack([w[:1], w, w[-1:]]))
    pos = track.ankle_pos + _q_apply(q, offset)
    # Small smoothing before differentiating twice keeps the numerical noise
    # of the piecewise tracks out of the accelerometer.
    pos = gaussian_filter1d(pos, sigma=max(1.0, sampling_rate_hz * 0.004), axis=0)
    acc_w = np.gradient(np.gradient(pos, 1 / sampling_rate_hz, axis=0), 1 / sampling_rate_hz, axis=0)
    acc_w[:, 2] += G
    acc = _q_apply(_q_conj(q), acc_w)
    assert len(gyr) == n
    return Rotation.from_quat(q), gyr, acc


def _strap_wobble(gyr: np.ndarray, acc: np.ndarray, sampling_rate_hz: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The sensor rocking on the soft tissue and strap under it.

    The sensor is a mass on a damped spring (natural frequency 8-20 Hz,
    damping ratio 0.05-0.35) driven by the quick changes of the specific
    force the shank feels there; it moves ``x`` relative to the shank, and
    that move tips it across the shank by 0.3-2 deg per g of the force
    that would hold it there (tissue studies put a strapped sensor's tilt
    at heel strike at a few degrees). Its accelerometer reads the shank's specific
    force plus ``x''`` in its own (tipped) frame, its gyroscope the shank's
    rate plus the tipping's. Both arrays are in the segment frame
    (deg/s, m/s²).
    """
    from scipy.signal import bilinear, lfilter

    f_hz = rng.uniform(8.0, 20.0)
    zeta = rng.uniform(0.05, 0.35)
    tilt_deg_per_g = rng.uniform(0.3, 2.0)
    w = 2 * np.pi * f_hz
    # Only quick changes excite it: the tissue's slow sag as the shank tilts
    # is part of the mounting.
    drive = acc - gaussian_filter1d(acc, sampling_rate_hz * 0.3, axis=0)
    # x'' + 2ζω x' + ω² x = -drive  ->  x = H(s)·drive with H = -1 / (s² + 2ζωs + ω²).
    b, a = bilinear([-1.0], [1.0, 2 * zeta * w, w * w], fs=sampling_rate_hz)
    x = lfilter(b, a, drive, axis=0)
    dt = 1.0 / sampling_rate_hz
    x_dd = np.gradient(np.gradient(x, dt, axis=0), dt, axis=0)
    # The sensor tips toward where it moves across the shank (about the axis
    # normal to the move and the shank); a move along the shank tips nothing.
    tip = np.column_stack([-x[:, 1], x[:, 0], np.zeros(len(x))]) * (np.radians(tilt_deg_per_g) * w * w / G)
    turn = Rotation.from_rotvec(tip)
    gyr_out = turn.inv().apply(gyr) + np.degrees(np.gradient(tip, dt, axis=0))
    acc_out = turn.inv().apply(acc + x_dd)
    return gyr_out, acc_out


def _loss_mask(rng: np.random.Generator, n: int, fraction: float, burst_mean: float) -> np.ndarray:
    """Samples kept (True) under bursty loss (a two-state Gilbert model)."""
    keep = np.ones(n, dtype=bool)
    if fraction <= 0 or n == 0:
        return keep
    n_bursts = rng.poisson(fraction * n / burst_mean)
    starts = rng.integers(1, max(2, n - 1), size=n_bursts)
    lengths = 1 + rng.geometric(1 / burst_mean, size=n_bursts)
    for s, ln in zip(starts, lengths):  # a few dozen bursts, not samples
        keep[s:s + ln] = False
    keep[0] = keep[-1] = True
    return keep


def _ranged_draw(rng: np.random.Generator, value) -> float:
    """A number, or uniformly within a (low, high) range."""
    return float(rng.uniform(*value)) if isinstance(value, (tuple, list)) else float(value)


def _strap_slip(cfg: SimConfig, exercises: list[dict], t_int: np.ndarray, rng: np.random.Generator):
    """The strap slipping once, in the middle part of the first hold set, or None.

    Returns the rotation taking the sensor's old frame to its new one at
    each internal sample, the slip's own angular velocity (deg/s, in the
    sensor's frame: about a fixed axis, which the turn leaves as it is)
    and the slip (``start_s``, ``end_s``, ``deg``; internal time).
    """
    sets = [e for e in exercises if e["exercise"] in HOLD_EXERCISES]
    deg = _ranged_draw(rng, cfg.strap_slip_deg)
    if not deg or not sets:
        return None
    e = sets[0]
    start = e["start_s"] + rng.uniform(0.3, 0.7) * (e["end_s"] - e["start_s"])
    dur = rng.uniform(0.2, 0.6)
    axis = _unit3(rng)
    u = np.clip((t_int - start) / dur, 0, 1)
    angle = np.radians(deg) * _min_jerk(u)
    rate = np.gradient(angle, t_int)
    # The sensor turns by +angle about ``axis`` on the limb: what it
    # measured is seen turned by -angle (v_new = R(angle)^-1 v_old), and its
    # gyro adds its own turn rate about that axis.
    turned = Rotation.from_rotvec(-angle[:, None] * axis[None, :])
    omega = np.degrees(rate)[:, None] * axis[None, :]
    return turned, omega, {"start_s": start, "end_s": start + dur, "deg": deg, "axis": axis}


def _unit3(rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal(3)
    return v / np.linalg.norm(v)


def _long_gaps(cfg: SimConfig, exercises: list[dict], t_true: np.ndarray, sampling_rate_hz: float,
               rng: np.random.Generator) -> np.ndarray:
    """Samples kept (True) with ``cfg.long_gaps`` single gaps of 0.5-3 s, half of them
    (rounded up) inside the exercises, the rest anywhere."""
    keep = np.ones(len(t_true), dtype=bool)
    lo_hi = cfg.long_gaps
    n = int(rng.integers(lo_hi[0], lo_hi[1] + 1)) if isinstance(lo_hi, (tuple, list)) else int(lo_hi)
    if n <= 0 or len(t_true) < 2:
        return keep
    spans = [(e["start_s"], e["end_s"]) for e in exercises if e["end_s"] > e["start_s"]]
    for k in range(n):
        length = rng.uniform(0.5, 3.0)
        if spans and k % 2 == 0:
            a, b = spans[int(rng.integers(len(spans)))]
            at = rng.uniform(a, max(a, b - length))
        else:
            at = rng.uniform(t_true[0], max(t_true[0], t_true[-1] - length))
        keep[(t_true >= at) & (t_true < at + length)] = False
    keep[0] = keep[-1] = True
    return keep


def _walk_loss(cfg: SimConfig, exercises: list[dict], t_true: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """Samples kept (True) with ``cfg.walk_loss_bursts`` bursts of 0.1-0.8 s
    inside each tiptoe walk (log-uniform lengths, anywhere from its start to its end)."""
    keep = np.ones(len(t_true), dtype=bool)
    lo_hi = cfg.walk_loss_bursts
    if not lo_hi or len(t_true) < 2:
        return keep
    for e in exercises:
        if e["exercise"] != "tiptoe_walk":
            continue
        n = int(rng.integers(lo_hi[0], lo_hi[1] + 1)) if isinstance(lo_hi, (tuple, list)) else int(lo_hi)
        for _ in range(n):
            length = float(np.exp(rng.uniform(np.log(0.1), np.log(0.8))))
            at = rng.uniform(e["start_s"], max(e["start_s"], e["end_s"] - length))
            keep[(t_true >= at) & (t_true < at + length)] = False
    keep[0] = keep[-1] = True
    return keep


def _sensor_faults(cfg: SimConfig, acc: np.ndarray, gyr: np.ndarray,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Bias steps and saturation (``SimConfig.bias_steps``, ``acc_range_g``, ``gyr_range_dps``).

    Parameters
    ----------
    acc, gyr : ndarray, shape (n, 3)
        The sensor's readings (m/s², deg/s), changed in place and returned.
    rng : Generator
        This stream alone: a config without these faults draws nothing.
    """
    n = len(acc)
    steps = cfg.bias_steps
    if isinstance(steps, (tuple, list)):
        steps = int(rng.integers(steps[0], steps[1] + 1))
    for _ in range(int(steps)):
        k = int(rng.integers(0, n))
        acc[k:] += cfg.acc_bias_mps2 * rng.standard_normal(3)
        gyr[k:] += cfg.gyr_bias_dps * rng.standard_normal(3)
    for x, scale, unit in ((acc, cfg.acc_range_g, G), (gyr, cfg.gyr_range_dps, 1.0)):
        if isinstance(scale, (tuple, list)):
            scale = float(rng.choice(scale))
        if scale:
            np.clip(x, -scale * unit, scale * unit, out=x)
    return acc, gyr


def _draw_ranges(cfg: SimConfig, seed: int) -> SimConfig:
    """The config with its (low, high) ranges drawn for this session.

    Drawn from a stream of their own, so a config without ranges gives the
    same session for a seed as before ranges existed.
    """
    rate, loss = cfg.sampling_rate_hz, cfg.packet_loss
    acc_noise, gyr_noise = cfg.acc_noise_mps2, cfg.gyr_noise_dps
    ranged = [isinstance(v, (tuple, list)) for v in (rate, loss, acc_noise, gyr_noise)]
    if not any(ranged):
        return cfg
    rng = np.random.default_rng([abs(int(seed)), 23])
    if ranged[0]:
        rate = float(np.round(np.exp(rng.uniform(np.log(rate[0]), np.log(rate[1])))))
    if ranged[1]:
        loss = float(rng.uniform(loss[0], loss[1]))
    # Drawn after the rate and the loss, so those stay as they were.
    if ranged[2]:
        acc_noise = float(np.exp(rng.uniform(np.log(acc_noise[0]), np.log(acc_noise[1]))))
    if ranged[3]:
        gyr_noise = float(np.exp(rng.uniform(np.log(gyr_noise[0]), np.log(gyr_noise[1]))))
    return dataclasses.replace(cfg, sampling_rate_hz=rate, packet_loss=loss, acc_noise_mps2=acc_noise,
                               gyr_noise_dps=gyr_noise)


def simulate_session(seed: int = 0, config: SimConfig | None = None,
                     tier: str | None = None, **overrides) -> tuple[Recording, dict]:
    """Simulate one exercise session.

    Parameters
    ----------
    seed : int
        Everything random is drawn from ``numpy.random.default_rng(seed)``.
    config : SimConfig, optional
        Defaults to the ``tier`` preset (or :class:`SimConfig` defaults).
    tier : str, optional
        ``clean``, ``realistic``, ``hard`` or ``ankle``.
    **overrides
        Fields of :class:`SimConfig` to change.

    Returns
    -------
    recording : Recording
        The samples (contract columns, sensor frame) with metadata.
    truth : dict
        A ``toehold-analysis/1`` document with what really happened.
    """
    rng = np.random.default_rng(seed)
    if config is None:
        config = tier_config(tier, **overrides) if tier else SimConfig(**overrides)
    elif overrides:
        config = dataclasses.replace(config, **overrides)
    cfg = _draw_ranges(config, seed)
    if cfg.placement not in PLACEMENTS or cfg.side not in SIDES:
        raise ValueError("placement must be foot/ankle and side left/right")
    sampling_rate_hz = float(cfg.sampling_rate_hz)
    fs_int = max(400.0, 4 * sampling_rate_hz)
    b = build_session(rng, cfg, fs_int, shape_rng=np.random.default_rng([abs(int(seed)), 41]),
                      wide_rng=np.random.default_rng([abs(int(seed)), 43]),
                      walk_rng=np.random.default_rng([abs(int(seed)), 47]),
                      look_rng=np.random.default_rng([abs(int(seed)), 61]),
                      ankle_rng=np.random.default_rng([abs(int(seed)), 79]),
                      press_rng=np.random.default_rng([abs(int(seed)), 89]))
    track = _concat(b.tracks)
    if cfg.posture_spread_deg:
        _spread_postures(track, b.labels, np.random.default_rng([abs(int(seed)), 11]),
                         cfg.posture_spread_deg, fs_int)
    # Safety net against any remaining corner where two stretches meet.
    for name in ("heading", "shank_pitch", "shank_roll", "ankle_pitch", "ankle_roll"):
        setattr(track, name, gaussian_filter1d(getattr(track, name), fs_int * 0.005))
    side_sign = 1.0 if cfg.side == "left" else -1.0
    offset = None
    if cfg.placement != "foot" and cfg.shank_sensor_m is not None:
        height = cfg.shank_sensor_m
        if isinstance(height, tuple):
            height = np.random.default_rng([abs(int(seed)), 67]).uniform(*height)
        offset = np.array([SHANK_SENSOR_OFFSET[0], 0.0, float(height)])
    _, gyr_seg, acc_seg = segment_kinematics(track, fs_int, cfg.placement, side_sign, offset=offset)
    if cfg.ankle_wide and cfg.placement == "ankle":
        gyr_seg, acc_seg = _strap_wobble(gyr_seg, acc_seg, fs_int, np.random.default_rng([abs(int(seed)), 83]))
    mount = _mounting(rng, cfg.mounting)
    inv = mount.inv()
    gyr_s = inv.apply(gyr_seg)
    acc_s = inv.apply(acc_seg)
    t_int = np.arange(len(track)) / fs_int
    slip = _strap_slip(cfg, b.exercises, t_int, np.random.default_rng([abs(int(seed)), 53]))
    if slip is not None:
        turned, omega_dps, slip = slip
        gyr_s = turned.apply(gyr_s) + omega_dps
        acc_s = turned.apply(acc_s)

    # The sensor's clock runs fast or slow: its sample k is taken at true
    # time k/sampling_rate_hz · (1 + drift). Truth times are converted to the recording's clock.
    drift = rng.uniform(-1, 1) * cfg.clock_drift_ppm * 1e-6
    n_out = int(t_int[-1] * sampling_rate_hz / (1 + drift))
    t_rec = np.arange(n_out) / sampling_rate_hz
    t_true = t_rec * (1 + drift)
    gyr = np.column_stack([np.interp(t_true, t_int, gyr_s[:, i]) for i in range(3)])
    acc = np.column_stack([np.interp(t_true, t_int, acc_s[:, i]) for i in range(3)])

    # Sensor errors: per-axis scale, bias (plus slow bias wander), noise, quantisation.
    scale_a = 1 + cfg.scale_error * rng.standard_normal(3)
    scale_g = 1 + cfg.scale_error * rng.standard_normal(3)
    acc = acc * scale_a + cfg.acc_bias_mps2 * rng.standard_normal(3)
    gyr = gyr * scale_g + cfg.gyr_bias_dps * rng.standard_normal(3)
    gyr += np.column_stack([_smooth_noise(rng, n_out, sampling_rate_hz, 0.005, 0.1 * cfg.gyr_bias_dps)
                            for _ in range(3)])
    if cfg.acc_bias_wander_mps2:
        wander_rng = np.random.default_rng([abs(int(seed)), 43])
        acc += np.column_stack([_smooth_noise(wander_rng, n_out, sampling_rate_hz, 0.005, cfg.acc_bias_wander_mps2)
                                for _ in range(3)])
    acc += cfg.acc_noise_mps2 * rng.standard_normal(acc.shape)
    gyr += cfg.gyr_noise_dps * rng.standard_normal(gyr.shape)
    acc, gyr = _sensor_faults(cfg, acc, gyr, np.random.default_rng([abs(int(seed)), 61]))
    if cfg.acc_lsb_mps2:
        acc = np.round(acc / cfg.acc_lsb_mps2) * cfg.acc_lsb_mps2
    if cfg.gyr_lsb_dps:
        gyr = np.round(gyr / cfg.gyr_lsb_dps) * cfg.gyr_lsb_dps

    keep = _loss_mask(rng, n_out, cfg.packet_loss, cfg.loss_burst_mean_samples)
    wide_rng = np.random.default_rng([abs(int(seed)), 59])
    keep &= _long_gaps(cfg, b.exercises, t_true, sampling_rate_hz, wide_rng)
    if cfg.walk_loss_bursts:
        keep &= _walk_loss(cfg, b.exercises, t_true, np.random.default_rng([abs(int(seed)), 89]))
    t_stamp = t_rec
    if cfg.timestamp_jitter_s:
        # Stamped on arrival: each stamp off by up to the jitter, never by
        # 0.4 of a period or more, so the stamps stay in order.
        j = min(cfg.timestamp_jitter_s, 0.4 / sampling_rate_hz)
        t_stamp = t_rec + wide_rng.uniform(-j, j, n_out)
        t_stamp[0] = t_rec[0]
    data = pd.DataFrame({
        "t": np.round(t_stamp[keep], 4),
        "acc_x": acc[keep, 0], "acc_y": acc[keep, 1], "acc_z": acc[keep, 2],
        "gyr_x": gyr[keep, 0], "gyr_y": gyr[keep, 1], "gyr_z": gyr[keep, 2],
    })
    metadata = {
        "format": RECORDING_FORMAT,
        "start_time": _start_time(rng),
        "device": f"toehold simulator (seed {seed})",
        "placement": cfg.placement,
        "side": cfg.side,
        "sample_rate_hz": f"{sampling_rate_hz:g}",
    }
    declared = mounting_string(mount)
    if cfg.declare_mounting and declared:
        metadata["mounting"] = declared
    rec = Recording(data=data, metadata=metadata, gaps=find_gaps(data["t"].to_numpy(), None, sampling_rate_hz))
    # The truth's gaps come from the loss mask, not from the reader's rule,
    # so that comparing the two tests the rule: each run of dropped samples
    # is one gap, from the last kept sample before it to the first after it.
    kept = np.flatnonzero(keep)
    jump = np.flatnonzero(np.diff(kept) > 1)
    t_kept = data["t"].to_numpy()
    true_gaps = [{"start_s": float(t_kept[j]), "end_s": float(t_kept[j + 1])} for j in jump]

    to_rec = 1 / (1 + drift)
    def conv(x: float) -> float:
        return round(x * to_rec, 3)
    exercises = []
    for e in sorted(b.exercises, key=lambda e: e["start_s"]):
        exercises.append({
            "exercise": e["exercise"], "start_s": conv(e["start_s"]), "end_s": conv(e["end_s"]),
            "reps": [{"start_s": conv(r["start_s"]), "end_s": conv(r["end_s"]),
                      "hold_s": round(r["hold_s"] * to_rec, 3),
                      **({"range_deg": round(r["range_deg"], 2)} if "range_deg" in r else {})}
                     for r in e["reps"]],
            "circles": [{**c, "start_s": conv(c["start_s"]), "end_s": conv(c["end_s"])}
                        for c in e["circles"]],
            "strides": [{"t_s": conv(s["t_s"])} for s in e["strides"]],
            **({"heel_rise_deg": round(e["heel_rise_deg"], 2)} if "heel_rise_deg" in e else {}),
        })
    truth = {
        "format": ANALYSIS_FORMAT,
        "recording": {"path": "", "duration_s": round(float(data["t"].iloc[-1]), 3),
                      "sample_rate_hz": sampling_rate_hz, "placement": cfg.placement, "side": cfg.side,
                      "gaps": true_gaps},
        "exercises": exercises,
        "balance": {"stances": [{**s, "start_s": conv(s["start_s"]), "end_s": conv(s["end_s"])}
                                for s in b.quiet_stances()]},
        "adherence": {},
        "distractors": [{**d, "start_s": conv(d["start_s"]), "end_s": conv(d["end_s"])}
                        for d in b.distractors],
        "seed": seed,
        "config": {k: (list(v) if isinstance(v, tuple) else v)
                   for k, v in dataclasses.asdict(cfg).items()},
        "mounting_matrix": np.round(mount.as_matrix(), 6).tolist(),
        **({"tiptoe_plans": b.tiptoe_plans} if b.tiptoe_plans else {}),
        **({"pencil_plans": b.pencil_plans} if b.pencil_plans else {}),
        **({"walk_plans": b.walk_plans} if b.walk_plans is not None else {}),
        "clock_drift_ppm": round(drift * 1e6, 1),
        **({"strap_slip": {"start_s": conv(slip["start_s"]), "end_s": conv(slip["end_s"]),
                           "deg": round(slip["deg"], 2), "axis": np.round(slip["axis"], 6).tolist()}}
           if slip is not None else {}),
        "notes": ("Reps count only when the held position was reached and held; aborted "
                  "half-movements and touch-and-go reps are not listed. Circle direction per "
                  "the contract. Strides: ground contacts of the instrumented foot."),
    }
    return rec, truth


def simulate_circle_set(seed: int, sampling_rate_hz: float = 100.0, packet_loss: float = 0.0,
                        gyr_noise_dps: float = 0.15, gyr_bias_dps: float = 0.2, side: str = "left",
                        **pins) -> tuple[pd.DataFrame, list[dict]]:
    """One set of ankle circles (both ways), lying down, in the foot frame.

    A quick stand-in for a whole session when only the circles matter:
    the leg is raised, circles one way then the other (``circle_plan``,
    pinned by ``pins``), and lowered; sampled at ``sampling_rate_hz`` with white
    noise, a residual gyro bias and bursty loss. No mounting rotation: the
    samples are in the foot frame, as the analysis sees them once the
    mounting is found.

    Returns
    -------
    data : DataFrame
        Contract columns ``t``, ``acc_*``, ``gyr_*``; lost samples dropped.
    circles : list of dict
        The true circles: ``start_s``, ``end_s``, ``direction``, ``size_deg``.
    """
    rng = np.random.default_rng(seed)
    cfg = SimConfig(side=side, circle_plan=pins or None, sloppiness=0.5)
    fs_int = max(400.0, 4 * sampling_rate_hz)
    b = _Builder(rng, fs_int, cfg)
    b.posture = "lie"
    b.rest(2.0)
    b.circles(9.0)
    b.rest(2.0)
    _, gyr, acc = segment_kinematics(_concat(b.tracks), fs_int, "foot", 1.0 if side == "left" else -1.0)
    t_int = np.arange(len(gyr)) / fs_int
    t = np.arange(0, t_int[-1], 1 / sampling_rate_hz)
    cols = {f"{k}_{a}": np.interp(t, t_int, src[:, i]) for k, src in (("acc", acc), ("gyr", gyr))
            for i, a in enumerate("xyz")}
    for a in "xyz":
        cols[f"gyr_{a}"] += gyr_noise_dps * rng.standard_normal(len(t)) + gyr_bias_dps * rng.standard_normal()
    keep = _loss_mask(rng, len(t), packet_loss, 6.0)
    data = pd.DataFrame({"t": t, **cols})[keep].reset_index(drop=True)
    return data, b.exercises[-1]["circles"]


def _start_time(rng: np.random.Generator) -> str:
    day = int(rng.integers(1, 28))
    hour = int(rng.choice([8, 13, 19]))
    minute = int(rng.integers(0, 60))
    return f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:00Z"
