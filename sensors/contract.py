"""The names the contracts fix, in one place (``shared/contracts/README.md``).

Every package imports these instead of writing them again: the exercise
names, the recording's columns and placements, standard gravity, the gap
rule, the "not observable" explanations and the shape of the
``toehold-analysis/1`` document.

This module sits at the bottom of the project: it imports nothing from
``sensors``, ``analysis`` or ``toehold``, so any of them can import it
without importing upward.
"""
from __future__ import annotations

import enum
from typing import Literal, TypedDict

# --- Contract §1: frames, units, names -------------------------------------

# In the contract's order (the order of the programme and of reports).
EXERCISES = ("toe_press", "resistance_band", "tiptoe_walk", "pencil_pickup", "ankle_circles")
# Counted as reps, each with its hold (``hold_s`` is a number for these).
HOLD_EXERCISES = ("toe_press", "resistance_band", "pencil_pickup")
Exercise = Literal["toe_press", "resistance_band", "tiptoe_walk", "pencil_pickup", "ankle_circles"]



class Placement(enum.StrEnum):
    """Where the sensor is worn (contract §1): on the foot (instep) or just above the ankle."""

    FOOT = "foot"
    ANKLE = "ankle"

    @classmethod
    def parse(cls, value) -> Placement:
        """The placement named by ``value``; anything else is analysed as a foot sensor."""
        try:
            return cls(value)
        except ValueError:
            return cls.FOOT


PLACEMENTS = tuple(p.value for p in Placement)
SIDES = ("left", "right")
# Contract §4 ``recording.placement_source``.
PLACEMENT_SOURCES = ("declared", "option", "assumed")
CIRCLE_DIRECTIONS = ("cw", "ccw")

# Standard gravity (m/s² per g, CGPM 1901): a sensor lying still reads this
# on its up axis.
G = 9.80665

# --- Contract §2: the recording CSV ----------------------------------------

RECORDING_FORMAT = "toehold-recording/1"

ACC_COLUMNS = ("acc_x", "acc_y", "acc_z")
GYR_COLUMNS = ("gyr_x", "gyr_y", "gyr_z")
# ``t`` then the six motion channels, in the header's order.
REQUIRED_COLUMNS = ("t", *ACC_COLUMNS, *GYR_COLUMNS)
MAG_COLUMNS = ("mag_x", "mag_y", "mag_z")
QUAT_COLUMNS = ("quat_w", "quat_x", "quat_y", "quat_z")
OPTIONAL_COLUMNS = (*MAG_COLUMNS, *QUAT_COLUMNS, "seq")

# A sample interval this many times the nominal one marks lost samples: one
# missing sample at 100 Hz makes a 20 ms step, well above clock jitter.
GAP_FACTOR = 1.5

# --- What a placement cannot see -------------------------------------------

SWAY_NOT_OBSERVABLE = ("quiet-standing sway is a shank (inverted pendulum) motion; a foot on the "
                       "floor does not move with it")
FOOT_ROLL_NOT_OBSERVABLE = "foot roll is not seen from the shank"
# The analysis document's ``not_observable``: per placement, what it cannot
# measure and why.
NOT_OBSERVABLE: dict[str, dict[str, str]] = {
    "ankle": {
        "resistance_band": "the shank stays still while the foot dorsiflexes against the band",
        "pencil_pickup": "gripping and lifting with the toes barely moves the shank",
        "ankle_circles": "the foot circles about the ankle; the shank above it stays still",
    },
    "foot": {
        "sway": SWAY_NOT_OBSERVABLE,
    },
}

# --- Contracts §3 and §4: the analysis document ----------------------------

ANALYSIS_FORMAT = "toehold-analysis/1"
# Contract §5: the guided session log beside a recording.
SESSION_FORMAT = "toehold-session/1"


class Gap(TypedDict):
    start_s: float
    end_s: float


class RecordingInfo(TypedDict, total=False):
    """``recording``: ``path``, ``duration_s``, ``sample_rate_hz``, ``placement``,
    ``side`` and ``gaps`` are the contract's; the rest are the project's additions."""

    path: str | None
    duration_s: float | None
    sample_rate_hz: float | None
    placement: str  # one of PLACEMENTS
    placement_source: Literal["declared", "option", "assumed"]
    side: str | None  # one of SIDES
    gaps: list[Gap]
    start_time: str | None
    device: str | None
    subject: str | None
    cut_off: bool
    warnings: list[str]


class _RepRequired(TypedDict):
    start_s: float
    end_s: float


class Rep(_RepRequired, total=False):
    hold_s: float
    range_deg: float
    hold_wobble_deg: float | None


class _CircleRequired(TypedDict):
    start_s: float
    end_s: float
    direction: Literal["cw", "ccw"]


class Circle(_CircleRequired, total=False):
    size_deg: float


class Stride(TypedDict):
    t_s: float


class _BoutRequired(TypedDict):
    exercise: Exercise
    start_s: float
    end_s: float
    reps: list[Rep]
    circles: list[Circle]
    strides: list[Stride]


class Bout(_BoutRequired, total=False):
    """One entry of ``exercises``: every entry has all three lists (contract §3)."""

    confidence: float
    doubts: list[str]
    heel_rise_deg: float | None
    exercise_source: str
    toe_path: dict


class _AnalysisRequired(TypedDict):
    format: str
    recording: RecordingInfo
    exercises: list[Bout]
    balance: dict
    adherence: dict


class AnalysisDocument(_AnalysisRequired, total=False):
    """A ``toehold-analysis/1`` document as ``analyze --json`` prints it."""

    mounting: dict
    not_observable: dict[str, str]
    analyser_version: str
    session: dict
    confidence_threshold: float
