"""Posture from the gravity direction in the foot or shank frame, and what it allows.

Each exercise of the programme is done in one posture (contract §1):

=================  ==========================================================
exercise           posture, as the sensor's segment sees it
=================  ==========================================================
toe_press          standing: foot flat on the floor, shank upright
tiptoe_walk        standing and walking (found from gait, heel off the floor)
resistance_band    seated on the floor, legs extended: toes point up
pencil_pickup      seated or standing, foot on or just off the floor
ankle_circles      lying on the back, leg raised: toes point up or beyond
=================  ==========================================================

A movement found in another posture is not that exercise, however much it
moves like one: lying on the back, the still leg beside one doing leg raises
is not toe-pressing; a knee extension seated is not a standing exercise.
The posture is only as good as the mounting (which sensor axis is the
segment's up and forward): with a mounting guessed from resting postures
alone, a person lying down for most of a recording looks "upright", which
is why :mod:`analysis.confidence` distrusts bouts found without a mounting
from gait or a declared one.
"""
from __future__ import annotations

import numpy as np

# Tilt limits (deg). A foot on the floor is flat within ~30° (the instep's
# slope varies between shoes and people); a shank is upright within ~40°
# while standing with the knees bent or sitting on a chair.
FLAT_DEG = 30.0
TOES_UP_DEG = 35.0
UPRIGHT_DEG = 40.0
# How many of a bout's samples must be in the exercise's posture.
MIN_IN_POSTURE = 0.7


# A band rep pulls the toes up from where they rest (25-30 deg short of
# vertical with the legs out) by as much as the ankle dorsiflexes: past
# vertical, by up to ~25 deg. Such a hold between toes-up rests is still
# toes up, however steep (see :func:`posture_masks`).
BAND_PAST_VERTICAL_DEG = 120.0
BAND_MAX_HOLD_S = 25.0
# A seated foot that lifts a pencil by straightening the knee is carried
# with the shank: its toes tip up by the knee's 10-35° on top of the foot's
# own pitch, past FLAT_DEG, for as long as it holds. Between flat rests
# such a hold is still the foot-flat posture (a knee extension proper tips
# it 60-90°, a band rest is 60° and more).
PENCIL_MAX_TOES_UP_DEG = 50.0
PENCIL_MAX_HOLD_S = 30.0
# A foot pointed to grip a pencil (the toes curled down round it, the foot
# lifted) tips toes down past FLAT_DEG while it holds (30-45°, branch
# pencil4); between flat rests that hold too is the foot-flat posture.
PENCIL_MAX_TOES_DOWN_DEG = 50.0


def _bridged(mask: np.ndarray, through: np.ndarray, max_len: int) -> np.ndarray:
    """``mask`` with its gaps of at most ``max_len`` samples filled where
    ``through`` holds all along the gap (and ``mask`` on both sides)."""
    out = mask.copy()
    if max_len <= 0 or not len(mask):
        return out
    edges = np.flatnonzero(np.diff(mask.astype(np.int8)))
    # Gaps: a True -> False edge followed by a False -> True one.
    for a, b in zip(edges[:-1], edges[1:]):
        if mask[a] and not mask[a + 1] and b - a <= max_len and through[a + 1:b + 1].all():
            out[a + 1:b + 1] = True
    return out


def posture_masks(up: np.ndarray, placement: str,
                  sampling_rate_hz: float | None = None) -> dict[str, np.ndarray]:
    """Per-sample postures from the (smoothed) up direction in the segment frame.

    Parameters
    ----------
    up : ndarray, shape (n, 3)
        Unit vector pointing up, in the foot frame (x heel→toe, y left, z
        out of the instep) or the shank frame (x forward, y left, z toward
        the knee).
    placement : {"foot", "ankle"}
    sampling_rate_hz : float, optional
        With it, a foot's gaps in ``toes_up`` of up to ``BAND_MAX_HOLD_S``
        where the toes point past vertical by less than
        ``BAND_PAST_VERTICAL_DEG`` (a band rep's hold) are toes up, and its
        gaps in ``flat`` of up to ``PENCIL_MAX_HOLD_S`` with the toes up by
        less than ``PENCIL_MAX_TOES_UP_DEG`` (a pencil held up by the knee)
        are flat.

    Returns
    -------
    dict of str to ndarray of bool, shape (n,)
        Foot: ``flat`` (standing, or seated with the foot on the floor),
        ``toes_up`` (legs extended: seated on the floor or lying on the
        back), ``raised`` (toes up, or past vertical: the leg lifted, as for
        ankle circles). Shank: ``upright`` (standing or seated on a chair),
        ``horizontal`` (lying, or seated with the legs out).
    """
    up = np.asarray(up, dtype=float)
    if placement == "foot":
        elevation = np.degrees(np.arctan2(up[:, 0], up[:, 2]))
        sideways = np.abs(up[:, 1])
        # Lying on the side turns the foot's sole sideways: neither
        # toes up nor raised, whatever the toes' small up-component says.
        toes_up = (elevation > TOES_UP_DEG) & (up[:, 2] > -0.25) & (sideways < 0.7)
        if sampling_rate_hz:
            # A band rep's hold past vertical, between toes-up rests, is
            # the band's posture (tuning seed 3006, hard tier, 22-40 deg
            # reps: the set cut into seven stretches, all its reps lost).
            toes_up = _bridged(toes_up, (elevation > TOES_UP_DEG) & (elevation < BAND_PAST_VERTICAL_DEG)
                               & (sideways < 0.7), int(BAND_MAX_HOLD_S * sampling_rate_hz))
        flat = up[:, 2] > np.cos(np.radians(FLAT_DEG))
        if sampling_rate_hz:
            # Toes up (or down) past FLAT_DEG, rolled no further than a flat foot is.
            flat = _bridged(flat, (elevation > -PENCIL_MAX_TOES_DOWN_DEG) & (elevation < PENCIL_MAX_TOES_UP_DEG)
                            & (sideways < np.sin(np.radians(FLAT_DEG))),
                            int(PENCIL_MAX_HOLD_S * sampling_rate_hz))
        return {
            "flat": flat,
            "toes_up": toes_up,
            "raised": (elevation > TOES_UP_DEG) & (sideways < 0.7),
        }
    return {
        "upright": up[:, 2] > np.cos(np.radians(UPRIGHT_DEG)),
        "horizontal": np.abs(up[:, 2]) < np.sin(np.radians(30.0)),
    }


# Postures each exercise may be found in, per placement. A shank sensor
# cannot see the band, the pencil or circles (see analysis.session).
ALLOWED = {
    "foot": {"toe_press": ("flat",), "pencil_pickup": ("flat",), "resistance_band": ("toes_up",),
             "ankle_circles": ("raised",), "tiptoe_walk": None},
    "ankle": {"toe_press": ("upright",), "tiptoe_walk": ("upright",), "resistance_band": ("horizontal",),
              "pencil_pickup": ("upright",), "ankle_circles": ("horizontal",)},
}


def fraction_in_posture(masks: dict[str, np.ndarray], exercise: str, placement: str,
                        sel: np.ndarray) -> float | None:
    """Share of the selected samples in a posture the exercise allows.

    ``sel`` is a boolean or index selection of samples (e.g. a bout's rests
    and holds). None when the exercise is not gated (gait decides).
    """
    allowed = ALLOWED.get(placement, {}).get(exercise)
    if allowed is None:
        return None
    ok = np.zeros(len(next(iter(masks.values()))), dtype=bool)
    for name in allowed:
        ok |= masks[name]
    picked = ok[sel]
    return float(picked.mean()) if picked.size else 0.0
