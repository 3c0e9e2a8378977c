"""Sessions of the held-out generator: who does what, in which order, with
which sensor, and the truth that goes with it (tiers, seeds, files)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from .quat import Q as Rot

from .body import R_ANKLE, R_INSTEP, R_SHANK_SENSOR, Body, heading_rot
from .sensor import SensorSpec, axis_mounting, sample, segment_signals

TIERS = ("clean", "realistic", "hard", "ankle", "lookalikes")
HOLD_EXERCISES = ("toe_press", "resistance_band", "pencil_pickup")
NOTES = ("Held-out generator (benchmarks/heldout): for measuring only, never for tuning. "
         "A rep counts only if the held position was reached and held >= 1 s; aborted reps "
         "(15-35 % of the amplitude, no hold) are not listed. Circle direction per the "
         "contract's (d x d') . x. Strides: contacts of the instrumented foot. Times are "
         "file times (the device clock).")


def U(rng, lo, hi):
    return float(rng.uniform(lo, hi))


# --------------------------------------------------------------------- people
def make_person(rng, tier, placement, side):
    wide = tier in ("hard", "lookalikes")
    s = 1.0 if side == "left" else -1.0
    return {
        "placement": placement, "side": side, "wide": wide, "tier": tier,
        "toe_out_deg": s * U(rng, 0, 20),
        "stand_shank_deg": U(rng, -3, 5), "stand_shank_roll_deg": U(rng, -3, 3),
        "stand_foot_roll_deg": U(rng, -3, 3),
        "chair_shank_deg": U(rng, -20, 12), "chair_foot_deg": U(rng, -5, 10),
        "floor_knee_deg": U(rng, 0, 15), "floor_ext_deg": s * U(rng, 0, 35),
        "floor_plantar_deg": U(rng, 15, 45),
        "lie_ext_deg": s * U(rng, 10, 50), "lie_plantar_deg": U(rng, 20, 50),
        "raise_deg": U(rng, 25, 90), "raise_ext_deg": s * U(rng, -10, 25),
        "raise_plantar_deg": U(rng, 0, 35), "hook_deg": U(rng, 30, 55),
    }


def sensor_spec(rng, tier, placement):
    """Sensor parameters per tier (ranges in the README)."""
    if tier == "lookalikes":
        tier = "hard" if rng.random() < 0.5 else "realistic"
    sp = SensorSpec()
    misalign = lambda deg, pct: (np.eye(3) + np.diag(rng.uniform(-pct, pct, 3) / 100)
                                 ) @ Rot.from_rotvec(rng.normal(0, np.deg2rad(deg), 3)).as_matrix()
    if tier == "clean":
        sp.rate_hz = 100.0
        sp.declared = "x=forward,y=left,z=up"
        sp.acc_noise, sp.gyr_noise = U(rng, 0.005, 0.02), U(rng, 0.03, 0.1)
        return sp
    if tier in ("realistic", "ankle"):
        sp.rate_hz = float(rng.choice([50, 52, 100, 104, 100, 200] if tier == "realistic"
                                      else [25, 50, 52, 100, 104, 200]))
        m, decl = axis_mounting(rng)
        tilt = Rot.from_rotvec(rng.normal(0, 1, 3) / np.sqrt(3) * np.deg2rad(U(rng, 0, 25)))
        if placement == "ankle":   # a strap turns freely about the shank
            tilt = Rot.from_euler("z", U(rng, 0, 360), degrees=True) * tilt
        sp.mounting = tilt * m
        sp.declared = decl if (placement == "foot" and rng.random() < 0.25) else None
        if sp.declared:
            sp.mounting = Rot.from_rotvec(rng.normal(0, np.deg2rad(3), 3)) * m
        sp.acc_noise, sp.gyr_noise = U(rng, 0.02, 0.12), U(rng, 0.1, 0.5)
        sp.acc_bias = rng.uniform(-0.25, 0.25, 3)
        sp.gyr_bias = rng.uniform(-2, 2, 3)
        sp.acc_drift, sp.gyr_drift = U(rng, 0, 0.003), U(rng, 0, 0.02)
        sp.acc_scale, sp.gyr_scale = misalign(1.0, 2.0), misalign(1.0, 2.0)
        sp.clock_ppm = U(rng, -300, 300)
        sp.jitter_s = U(rng, 0, 0.003)
        sp.loss_frac = U(rng, 0, 0.03)
        sp.burst_s = U(rng, 0.03, 0.2)
        return sp
    # hard
    sp.rate_hz = float(rng.choice([20, 25, 26, 30, 40, 50, 52, 60, 100, 104, 200, 400]))
    sp.mounting = Rot.random(rng)
    sp.acc_noise, sp.gyr_noise = U(rng, 0.05, 0.4), U(rng, 0.2, 1.5)
    sp.acc_bias = rng.uniform(-0.6, 0.6, 3)
    sp.gyr_bias = rng.uniform(-5, 5, 3)
    sp.acc_drift, sp.gyr_drift = U(rng, 0, 0.01), U(rng, 0, 0.08)
    sp.acc_scale, sp.gyr_scale = misalign(3.0, 4.0), misalign(3.0, 4.0)
    sp.acc_range_g = float(rng.choice([2, 4, 8, 16]))
    sp.gyr_range_dps = float(rng.choice([250, 500, 1000, 2000]))
    sp.clock_ppm = U(rng, -2000, 2000)
    sp.jitter_s = U(rng, 0, 0.008)
    sp.loss_frac = U(rng, 0.02, 0.10)
    sp.burst_s = U(rng, 0.03, 0.5)
    sp.dropout_s = U(rng, 1.0, 5.0) if rng.random() < 0.3 else 0.0
    return sp


# ----------------------------------------------------------- moving about
POSTURE_OF = {"toe_press": "stand", "tiptoe_walk": "stand", "pencil_pickup": "chair",
              "resistance_band": "floor", "ankle_circles": "lie"}
LINKS = {("stand", "chair"): ("stand_to_chair", 1.8, 3.5, (-0.05, 0, 0), 0.02, 12),
         ("chair", "stand"): ("chair_to_stand", 1.5, 3.0, (0.05, 0, 0), 0.02, 12),
         ("stand", "floor"): ("stand_to_floor", 3.5, 7.0, (0.35, 0, 0), 0.15, 45),
         ("floor", "stand"): ("floor_to_stand", 3.5, 7.0, (-0.35, 0, 0), 0.15, 45),
         ("floor", "lie"): ("floor_to_lie", 2.0, 4.0, (0.1, 0, 0), 0.04, 15),
         ("lie", "floor"): ("lie_to_floor", 2.0, 4.0, (-0.1, 0, 0), 0.04, 15),
         ("stand", "side_lie"): ("stand_to_side_lie", 4.0, 7.0, (0.4, 0, 0), 0.15, 45),
         ("side_lie", "stand"): ("side_lie_to_stand", 4.0, 7.0, (-0.4, 0, 0), 0.15, 45),
         ("stand", "prone"): ("stand_to_prone", 4.0, 7.0, (0.4, 0, 0), 0.15, 45),
         ("prone", "stand"): ("prone_to_stand", 4.0, 7.0, (-0.4, 0, 0), 0.15, 45)}


def walk_steps(b, rng, n=None):
    n = n or int(rng.integers(3, 9))
    t0 = b.t
    b.walk(n, "walk", stride_s=U(rng, 0.95, 1.3), duty=U(rng, 0.58, 0.64),
           stride_m=U(rng, 1.0, 1.5), swing_h_m=U(rng, 0.05, 0.1),
           impact_ms2=U(rng, 8, 25), shank_scale=U(rng, 0.7, 1.2))
    b.distractors.append({"kind": "walk", "start_s": t0, "end_s": b.t})
    if rng.random() < 0.5:
        b.turn(U(rng, -180, 180), U(rng, 0.8, 1.6))


def go(b, rng, target):
    """Move to posture ``target`` (via standing), walking a few steps between."""
    if b.posture == target:
        return
    route = []
    if b.posture != "stand":
        route.append((b.posture, "stand") if (b.posture, "stand") in LINKS
                     else None)
        if route[-1] is None:                      # lie → floor → stand
            route[-1:] = [(b.posture, "floor"), ("floor", "stand")]
    for a, c in route:
        kind, lo, hi, disp, lift, via = LINKS[(a, c)]
        b.move_to(c, U(rng, lo, hi), disp, lift, via, kind=kind)
    if target == "stand":
        return
    walk_steps(b, rng)
    if (("stand", target)) in LINKS:
        kind, lo, hi, disp, lift, via = LINKS[("stand", target)]
        b.move_to(target, U(rng, lo, hi), disp, lift, via, kind=kind)
    else:                                           # stand → floor → lie
        for a, c in (("stand", "floor"), ("floor", "lie")):
            kind, lo, hi, disp, lift, via = LINKS[(a, c)]
            b.move_to(c, U(rng, lo, hi), disp, lift, via, kind=kind)


def quiet_stance(b, rng, lo=10.0, hi=30.0):
    ap, ml = U(rng, 0.2, 1.5), U(rng, 0.1, 1.2)
    b.still(U(rng, lo, hi), tremor_deg=0.05,
            sway=(ap, ml, U(rng, 0.2, 0.8)) if b.p["placement"] == "ankle" else None,
            stance=True)


# -------------------------------------------------------------- exercises
def _w(p, clean, realistic, hard):
    return {"clean": clean, "realistic": realistic, "ankle": realistic}.get(p["tier"], hard)


def hold_reps(b, rng, name, n_reps, hold_rng, make_rep, rest_rng, abort_p):
    """Reps with holds; aborted half-reps and fidgets between reps are not
    counted. ``make_rep(frac, hold)`` performs one excursion."""
    reps = []
    for i in range(n_reps):
        if i and rng.random() < abort_p:
            make_rep(U(rng, 0.15, 0.35), U(rng, 0.0, 0.4))
            b.still(U(rng, 0.5, 2.0), tremor_deg=0.1)
        hold = U(rng, *hold_rng)
        t0, t1, t2, t3 = make_rep(1.0, hold)
        reps.append({"start_s": t0, "end_s": t3, "hold_s": t2 - t1})
        if i + 1 < n_reps:
            if b.p["wide"] and rng.random() < 0.15:
                b.fidget(U(rng, 1.0, 3.0), amp_deg=U(rng, 0.5, 2.0), move_m=0.005, kind=None)
            b.still(U(rng, *rest_rng), tremor_deg=0.1)
    return {"exercise": name, "start_s": reps[0]["start_s"], "end_s": reps[-1]["end_s"],
            "reps": reps, "circles": [], "strides": []}


def toe_press(b, rng):
    p = b.p
    ankle = p["placement"] == "ankle"
    amp = U(rng, *_w(p, (3, 8), (2, 8), (1, 8)))
    sign = 1.0 if rng.random() < 0.7 else -1.0
    knee_per_rep = ankle or rng.random() < 0.5
    bend = U(rng, 8, 25)
    if not knee_per_rep:   # knees bent for the whole set
        b.move_to((b.foot, heading_rot(b.heading, [0, np.deg2rad(bend), 0])[0] * b.shank),
                  U(rng, 0.8, 1.5), lift_m=0.0, via_deg=2)
    ramp = _w(p, (0.4, 1.2), (0.3, 1.5), (0.25, 2.0))
    knee_amp = U(rng, 1, 8)
    roll = U(rng, -0.4, 0.4)

    def rep(frac, hold):
        foot_rv = (roll * amp, sign * amp, 0.0) if not ankle else (0.0, U(rng, 0, 3), 0.0)
        shank_rv = (0.0, knee_amp if knee_per_rep else U(rng, 0, 1.5), 0.0)
        return b.excursion(U(rng, *ramp), hold, U(rng, *ramp), foot_rv, shank_rv,
                           frac=frac, tremor_deg=U(rng, *_w(p, (0.03, 0.1), (0.05, 0.2), (0.05, 0.4))))
    bout = hold_reps(b, rng, "toe_press", int(rng.integers(*_w(p, (8, 13), (5, 13), (3, 16)))),
                     _w(p, (3, 6), (2, 8), (1.2, 20)), rep, _w(p, (1, 4), (0.8, 5), (0.3, 8)),
                     _w(p, 0.0, 0.08, 0.15))
    if not knee_per_rep:
        b.move_to("stand", U(rng, 0.8, 1.5), lift_m=0.0, via_deg=2)
    return bout


def resistance_band(b, rng):
    p = b.p
    amp = U(rng, *_w(p, (12, 30), (8, 30), (5, 35)))
    ramp = _w(p, (0.5, 1.2), (0.4, 1.5), (0.3, 2.0))
    roll, yaw = U(rng, -0.3, 0.3), U(rng, -0.2, 0.2)

    def rep(frac, hold):
        return b.excursion(U(rng, *ramp), hold, U(rng, *ramp), (roll * amp, -amp, yaw * amp),
                           (0.0, 0.0, 0.0), foot_pivot="ankle", frac=frac,
                           tremor_deg=U(rng, *_w(p, (0.05, 0.2), (0.1, 0.3), (0.1, 0.6))))
    return hold_reps(b, rng, "resistance_band", int(rng.integers(*_w(p, (8, 13), (6, 13), (3, 16)))),
                     _w(p, (4, 6), (3, 8), (1.2, 15)), rep, _w(p, (1, 4), (0.8, 5), (0.3, 8)),
                     _w(p, 0.0, 0.08, 0.15))


def pencil_pickup(b, rng):
    p = b.p
    lift = U(rng, 10, 35)
    curl = U(rng, 3, 20)
    ramp = _w(p, (0.5, 1.2), (0.4, 1.5), (0.3, 2.0))

    def rep(frac, hold):
        if frac == 1.0:   # feeling for the pencil with the toes
            b.fidget(U(rng, 0.8, 2.5), amp_deg=U(rng, 1.0, 3.0), move_m=0.01, kind=None)
        return b.excursion(U(rng, *ramp), hold, U(rng, *ramp), (U(rng, -3, 3), curl, 0.0),
                           (0.0, -lift, 0.0), shank_pivot="knee", frac=frac,
                           tremor_deg=U(rng, *_w(p, (0.1, 0.3), (0.15, 0.5), (0.2, 0.8))),
                           drift=0.08)
    return hold_reps(b, rng, "pencil_pickup", int(rng.integers(*_w(p, (3, 4), (2, 5), (2, 6)))),
                     _w(p, (10, 15), (8, 18), (1.2, 20)), rep, _w(p, (1.5, 4), (1, 6), (0.5, 8)),
                     _w(p, 0.0, 0.05, 0.1))


def ankle_circles(b, rng):
    p = b.p
    b.move_to("lie_raised", U(rng, 1.5, 3.0), lift_m=0.1, via_deg=10, kind="leg_raise")
    b.still(U(rng, 0.5, 2.0), tremor_deg=0.5)
    first = "cw" if rng.random() < 0.5 else "ccw"
    period = U(rng, *_w(p, (0.8, 1.5), (0.7, 2.5), (0.5, 3.5)))
    var = _w(p, 0.05, 0.12, 0.3)
    pause_p, pause_rng = _w(p, (0.0, (0, 0)), (0.1, (0.3, 1.0)), (0.2, (0.3, 2.0)))
    plan = []
    for d in (first, "ccw" if first == "cw" else "cw"):
        n = int(rng.integers(*_w(p, (6, 11), (4, 13), (3, 16))))
        if p["wide"] and rng.random() < 0.3:
            period = period * U(rng, 0.6, 1.6)     # speed changes between directions
        durs = list(period * np.clip(1 + var * rng.standard_normal(n), 0.4, 2.0))
        pauses = [U(rng, *pause_rng) if (rng.random() < pause_p and i + 1 < n) else 0.0
                  for i in range(n)]
        plan.append((d, durs, pauses))
    circles, t0, t1 = b.circles(
        plan, amp_deg=U(rng, *_w(p, (12, 20), (8, 22), (4, 25))),
        ell=U(rng, *_w(p, (0.8, 1.0), (0.6, 1.0), (0.35, 1.0))), tilt_deg=U(rng, 0, 180),
        leg_couple=U(rng, *_w(p, (0, 0.1), (0, 0.3), (0, 0.5))),
        speed_mod=_w(p, 0.1, 0.3, 0.6), wobble_deg=_w(p, 0.5, 1.0, 2.0))
    b.still(U(rng, 0.3, 1.5), tremor_deg=0.5)
    b.move_to("lie", U(rng, 1.5, 3.0), lift_m=0.05, via_deg=10, kind="leg_lower")
    circ = [{"start_s": a, "end_s": c, "direction": d} for a, c, d in circles]
    return {"exercise": "ankle_circles", "start_s": circ[0]["start_s"], "end_s": circ[-1]["end_s"],
            "reps": [], "circles": circ, "strides": []}


def tiptoe_walk(b, rng):
    p = b.p
    dur = U(rng, *_w(p, (20, 30), (15, 35), (10, 40)))
    stride_s = U(rng, *_w(p, (0.9, 1.3), (0.8, 1.4), (0.6, 1.8)))
    contacts, end, _ = b.walk(
        max(int(round(dur / stride_s)), 5), "tiptoe", stride_s=stride_s,
        duty=U(rng, 0.55, 0.68), stride_m=U(rng, *_w(p, (0.6, 1.1), (0.5, 1.2), (0.3, 1.4))),
        swing_h_m=U(rng, 0.03, 0.1), heel_deg=U(rng, *_w(p, (20, 40), (15, 40), (8, 45))),
        cv=U(rng, *_w(p, (0.02, 0.04), (0.02, 0.05), (0.02, 0.10))),
        impact_ms2=U(rng, *_w(p, (6, 15), (5, 15), (3, 25))), shank_scale=U(rng, 0.6, 1.3))
    return {"exercise": "tiptoe_walk", "start_s": float(contacts[0]), "end_s": float(end),
            "reps": [], "circles": [], "strides": [{"t_s": float(c)} for c in contacts]}


def other_leg(b, rng, ex):
    """The programme asks for pencil pickups and ankle circles with each foot:
    after the instrumented foot's bout the other foot does it, and this one
    stays put, moved a little by the other leg's effort (no bout)."""
    t0 = b.t
    if ex == "pencil_pickup":            # seated, foot flat: weight shifts per lift
        axis = rng.normal(0, 1, 3)
        axis /= np.linalg.norm(axis)
        for _ in range(int(rng.integers(2, 5))):
            amp = U(rng, 0.3, 1.5)
            b.excursion(U(rng, 0.5, 1.5), U(rng, 8, 15), U(rng, 0.5, 1.5), tuple(axis * amp * 0.3),
                        tuple(axis * amp), tremor_deg=0.1)
            b.still(U(rng, 1.5, 5.0), tremor_deg=0.1)
        b.distractors.append({"kind": "other_leg_pencil", "start_s": t0, "end_s": b.t})
    else:                                # lying, knee bent, foot flat; the other leg circles
        b.move_to("hook", U(rng, 1.0, 2.5), lift_m=0.05, via_deg=10, kind="knee_bend")
        period = U(rng, 0.8, 2.0)
        b.rock(U(rng, 16, 30), period, U(rng, 0.3, 2.0), kind="other_leg_circles")
        b.move_to("lie", U(rng, 1.0, 2.5), lift_m=0.05, via_deg=10, kind="leg_down")


EXERCISES = {"toe_press": toe_press, "resistance_band": resistance_band,
             "pencil_pickup": pencil_pickup, "ankle_circles": ankle_circles,
             "tiptoe_walk": tiptoe_walk}


# ------------------------------------------------------------- look-alikes
def _reps(b, rng, kind, n_rng, fn, rest=(0.5, 3.0)):
    t0 = b.t
    for _ in range(int(rng.integers(*n_rng))):
        fn()
        b.still(U(rng, *rest), tremor_deg=0.2)
    b.distractors.append({"kind": kind, "start_s": t0, "end_s": b.t})


def la_sit_stand(b, rng):
    go(b, rng, "chair")
    t0 = b.t
    for _ in range(int(rng.integers(4, 11))):
        b.move_to("stand", U(rng, 1.2, 3.0), (0.05, 0, 0), 0.01, 10)
        b.still(U(rng, 0.5, 6.0), tremor_deg=0.2)
        b.move_to("chair", U(rng, 1.2, 3.0), (-0.05, 0, 0), 0.01, 10)
        b.still(U(rng, 0.5, 5.0), tremor_deg=0.2)
    b.distractors.append({"kind": "sit_stand", "start_s": t0, "end_s": b.t})


def la_squats(b, rng):
    go(b, rng, "stand")
    d, heel = U(rng, 25, 50), U(rng, 0, 10)
    _reps(b, rng, "squat", (5, 13), lambda: b.excursion(
        U(rng, 0.7, 1.6), U(rng, 0, 4), U(rng, 0.7, 1.6), (0, heel, 0), (0, d, 0)))


def la_heel_raises(b, rng):
    go(b, rng, "stand")
    h = U(rng, 12, 35)
    _reps(b, rng, "heel_raise", (8, 21), lambda: b.excursion(
        U(rng, 0.4, 1.2), U(rng, 0, 3), U(rng, 0.4, 1.2), (0, h, 0), (0, U(rng, 2, 8), 0)),
        rest=(0.2, 2.0))


def la_lunges(b, rng):
    go(b, rng, "stand")
    t0 = b.t
    for _ in range(int(rng.integers(4, 11))):
        if rng.random() < 0.5:   # instrumented leg steps forward
            b.move_to("stand", U(rng, 0.6, 1.0), (0.6, 0, 0), 0.1, 5)
            b.excursion(U(rng, 0.6, 1.2), U(rng, 0, 2), U(rng, 0.6, 1.2), (0, 0, 0),
                        (0, U(rng, 15, 35), 0))
            b.move_to("stand", U(rng, 0.6, 1.0), (-0.6, 0, 0), 0.1, 5)
        else:                    # back leg: heel up, knee toward the floor
            b.excursion(U(rng, 0.6, 1.2), U(rng, 0, 2), U(rng, 0.6, 1.2),
                        (0, U(rng, 30, 60), 0), (0, U(rng, 30, 55), 0))
        b.still(U(rng, 0.3, 2.0), tremor_deg=0.2)
    b.distractors.append({"kind": "lunge", "start_s": t0, "end_s": b.t})


def la_split_squats(b, rng):
    go(b, rng, "stand")
    t0 = b.t
    if rng.random() < 0.5:
        b.move_to("bench", U(rng, 1.5, 3.0), (-0.5, 0, 0.45), 0.2, 20)
        rep = lambda: b.excursion(U(rng, 0.8, 1.5), U(rng, 0, 2), U(rng, 0.8, 1.5),
                                  (0, U(rng, -10, 10), 0), (0, U(rng, 10, 25), 0))
    else:
        rep = lambda: b.excursion(U(rng, 0.8, 1.5), U(rng, 0, 2), U(rng, 0.8, 1.5),
                                  (0, 0, 0), (0, U(rng, 15, 35), 0))
    for _ in range(int(rng.integers(5, 13))):
        rep()
        b.still(U(rng, 0.3, 2.0), tremor_deg=0.2)
    if b.posture == "bench":
        b.move_to("stand", U(rng, 1.5, 3.0), (0.5, 0, -0.45), 0.2, 20)
    b.distractors.append({"kind": "split_squat", "start_s": t0, "end_s": b.t})


def la_hops(b, rng):
    go(b, rng, "stand")
    t0 = b.t
    lateral = rng.random() < 0.5
    for _ in range(int(rng.integers(4, 11))):
        side = U(rng, 0.2, 0.5) * (1 if rng.random() < 0.5 else -1)
        b.ballistic(U(rng, 0.15, 0.35), dx_m=0 if lateral else U(rng, 0, 0.4),
                    dy_m=side if lateral else 0.0, crouch_deg=U(rng, 10, 25), land_g=U(rng, 1.5, 4))
        b.still(U(rng, 0.2, 1.5), tremor_deg=0.3)
    b.distractors.append({"kind": "hops", "start_s": t0, "end_s": b.t})


def la_jumps(b, rng):
    go(b, rng, "stand")
    t0 = b.t
    for _ in range(int(rng.integers(3, 7))):
        lateral = rng.random() < 0.4
        b.ballistic(U(rng, 0.3, 0.55), dx_m=0 if lateral else U(rng, 0, 0.8),
                    dy_m=U(rng, 0.5, 1.0) * (1 if rng.random() < 0.5 else -1) if lateral else 0,
                    crouch_deg=U(rng, 25, 45), land_g=U(rng, 2, 5))
        b.still(U(rng, 1.0, 4.0), tremor_deg=0.3)
    b.distractors.append({"kind": "jumps", "start_s": t0, "end_s": b.t})


def la_stairs(b, rng):
    go(b, rng, "stand")
    t0 = b.t
    for updown in (1, -1) if rng.random() < 0.5 else (-1, 1):
        b.walk(int(rng.integers(4, 11)), "walk", stride_s=U(rng, 1.0, 1.5), duty=0.62,
               stride_m=U(rng, 0.5, 0.65), swing_h_m=U(rng, 0.05, 0.12),
               impact_ms2=U(rng, 5, 20), shank_scale=U(rng, 0.8, 1.4),
               step_rise_m=updown * U(rng, 0.30, 0.38))
        b.turn(180, U(rng, 1.0, 2.0))
    b.distractors.append({"kind": "stairs", "start_s": t0, "end_s": b.t})


def la_walking(b, rng):
    go(b, rng, "stand")
    for _ in range(int(rng.integers(1, 4))):
        walk_steps(b, rng, int(rng.integers(8, 25)))


def _leg_holds(b, rng, posture, kind, angle_rng, pivot):
    go(b, rng, posture)
    sign = -1.0
    _reps(b, rng, kind, (6, 13), lambda: b.excursion(
        U(rng, 0.8, 1.8), U(rng, 3, 7), U(rng, 0.8, 1.8), (0, U(rng, -20, 10), 0),
        (0, sign * U(rng, *angle_rng), 0), shank_pivot=pivot, tremor_deg=U(rng, 0.2, 0.8)),
        rest=(1.0, 4.0))


def la_knee_ext(b, rng):
    _leg_holds(b, rng, "chair", "seated_knee_extension", (45, 85), "knee")


def la_slr(b, rng):
    _leg_holds(b, rng, "lie", "straight_leg_raise", (25, 60), "hip")


def la_side_abduction(b, rng):
    _leg_holds(b, rng, "side_lie", "side_lying_hip_abduction", (20, 40), "hip")


def la_prone_ext(b, rng):
    _leg_holds(b, rng, "prone", "prone_hip_extension", (8, 20), "hip")


def la_still_leg(b, rng):
    """The instrumented leg stays while the other leg exercises with holds:
    the body rocks it a little with each of the other leg's reps."""
    go(b, rng, str(rng.choice(["lie", "chair", "stand", "floor"])))
    axis = rng.normal(0, 1, 3)
    axis /= np.linalg.norm(axis)
    _reps(b, rng, "other_leg_exercising", (6, 13), lambda: b.excursion(
        U(rng, 0.8, 1.8), U(rng, 3, 7), U(rng, 0.8, 1.8), tuple(axis * U(rng, 0.3, 2.0)),
        tuple(axis * U(rng, 0.3, 2.5)), shank_pivot="hip", tremor_deg=0.1), rest=(1.0, 4.0))


def la_fidget(b, rng):
    go(b, rng, str(rng.choice(["chair", "lie", "floor"])))
    b.fidget(U(rng, 10, 40), amp_deg=U(rng, 3, 12), move_m=U(rng, 0.01, 0.05),
             kind="fidget_" + b.posture, taps=b.posture == "chair" and rng.random() < 0.6)


LOOKALIKES = [la_sit_stand, la_squats, la_heel_raises, la_lunges, la_split_squats, la_hops,
              la_jumps, la_stairs, la_walking, la_knee_ext, la_slr, la_side_abduction,
              la_prone_ext, la_still_leg, la_fidget]


# ---------------------------------------------------------------- scripts
def script(b, rng, tier):
    bouts = []
    quiet_stance(b, rng, 10, 30)
    walk_steps(b, rng)
    if tier == "lookalikes":
        picks = rng.choice(len(LOOKALIKES), size=int(rng.integers(4, 8)), replace=False)
        for i in picks:
            LOOKALIKES[i](b, rng)
            if rng.random() < 0.4:
                go(b, rng, "stand")
                quiet_stance(b, rng, 10, 25)
    else:
        if tier == "ankle":
            order = ["toe_press", "tiptoe_walk"] + [str(rng.choice(["toe_press", "tiptoe_walk"]))]
            rng.shuffle(order)
        else:
            order = list(EXERCISES)
            rng.shuffle(order)
            if tier == "hard" and rng.random() < 0.5:
                order.insert(int(rng.integers(0, len(order))), str(rng.choice(order)))
        for ex in order:
            go(b, rng, POSTURE_OF[ex])
            if tier != "clean" and b.posture != "stand" and rng.random() < 0.5:
                b.fidget(U(rng, 3, 10), amp_deg=U(rng, 2, 8), move_m=0.02,
                         kind="fidget_" + b.posture)
            else:
                b.still(U(rng, 1.0, 4.0), tremor_deg=0.2)
            bouts.append(EXERCISES[ex](b, rng))
            b.still(U(rng, 1.0, 4.0), tremor_deg=0.2)
            if (tier in ("realistic", "hard") and ex in ("pencil_pickup", "ankle_circles")
                    and rng.random() < 0.5):
                other_leg(b, rng, ex)
                b.still(U(rng, 1.0, 3.0), tremor_deg=0.2)
            if tier == "ankle":
                walk_steps(b, rng)
                quiet_stance(b, rng, 10, 40)
    go(b, rng, "stand")
    walk_steps(b, rng)
    quiet_stance(b, rng, 10, 30)
    return bouts


@dataclass
class Session:
    name: str
    meta: dict
    t: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    truth: dict
    cut_last_row: bool = False   # the file ends mid-row (a pulled cable), as the contract allows


def generate(seed, tier):
    """One session of ``tier`` from ``seed`` (deterministic)."""
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; one of {TIERS}")
    rng = np.random.default_rng([int(seed), TIERS.index(tier), 12])
    placement = "ankle" if tier == "ankle" else (
        str(rng.choice(["foot", "ankle"])) if tier == "lookalikes" else "foot")
    side = str(rng.choice(["left", "right"]))
    b = Body(rng, make_person(rng, tier, placement, side))
    bouts = script(b, rng, tier)
    foot, shank, origin, impact = b.arrays()
    if placement == "foot":
        seg, pos = foot, origin + foot.apply(R_INSTEP)
    else:
        seg = shank
        pos = origin + foot.apply(R_ANKLE) + shank.apply(R_SHANK_SENSOR)
        impact = impact * 0.6          # the heel pad and ankle soften the shock
    f, w = segment_signals(seg, pos, impact)
    spec = sensor_spec(rng, tier, placement)
    t, acc, gyr, gaps, scale = sample(spec, rng, f, w)
    name = f"{tier}_{seed}"
    meta = {"format": "toehold-recording/1",
            "start_time": f"2026-10-{1 + seed % 28:02d}T{8 + seed % 10:02d}:00:00Z",
            "device": "held-out IMU model (benchmarks/heldout)", "placement": placement,
            "side": side, "sample_rate_hz": f"{spec.rate_hz:g}"}
    if spec.declared:
        meta["mounting"] = spec.declared
    truth = make_truth(name, b, bouts, t, spec, gaps, scale, placement, side, tier, seed)
    return Session(name, meta, t, acc, gyr, truth,
                   cut_last_row=tier == "hard" and rng.random() < 0.2)


def make_truth(name, b, bouts, t, spec, gaps, scale, placement, side, tier, seed):
    r = lambda x: round(float(x) * scale, 3)

    def conv(obj):
        if isinstance(obj, dict):
            return {k: (r(v) if k.endswith("_s") and k != "hold_s" and v is not None
                        else round(v * scale, 3) if k == "hold_s" else conv(v))
                    for k, v in obj.items()}
        if isinstance(obj, list):
            return [conv(v) for v in obj]
        return obj
    exercises = sorted(conv(bouts), key=lambda e: e["start_s"])
    stances = []
    for s in b.stances:
        e = conv(s)
        for k in ("sway_rms_ap_deg", "sway_rms_ml_deg"):
            e[k] = s[k]
        stances.append(e)
    return {
        "format": "toehold-analysis/1",
        "recording": {"path": f"{name}.csv", "duration_s": round(float(t[-1]), 3),
                      "sample_rate_hz": spec.rate_hz, "placement": placement, "side": side,
                      "gaps": [{"start_s": round(a, 4), "end_s": round(c, 4)} for a, c in gaps]},
        "exercises": exercises,
        "balance": {"stances": stances},
        "adherence": {},
        "tier": tier, "seed": int(seed), "generator": "heldout",
        "distractors": sorted(conv(b.distractors), key=lambda d: d["start_s"]),
        "notes": NOTES,
    }


def write_session(session, folder, force=False):
    """Write ``NAME.csv`` (toehold-recording/1) and ``NAME.truth.json``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / f"{session.name}.csv"
    if csv.exists() and not force:
        raise FileExistsError(f"{csv} exists (use force=True to overwrite)")
    head = "".join(f"# {k}: {v}\n" for k, v in session.meta.items())
    head += "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"
    data = np.column_stack([session.t, session.acc, session.gyr])
    with open(csv, "w", encoding="utf-8") as fh:
        fh.write(head)
        np.savetxt(fh, data[:-1] if session.cut_last_row else data,
                   fmt=["%.4f"] * 4 + ["%.3f"] * 3, delimiter=",")
        if session.cut_last_row:       # half of the last row, no newline
            last = ",".join(f"{v:.4f}" for v in data[-1, :4])
            fh.write(last[: len(last) // 2])
    (folder / f"{session.name}.truth.json").write_text(json.dumps(session.truth, indent=1))
    return csv
