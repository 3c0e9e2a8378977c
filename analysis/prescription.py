"""The exercise prescription: a TOML file, the seed programme by default."""
from __future__ import annotations

import dataclasses
import math
import tomllib
from importlib import resources
from pathlib import Path

from sensors.contract import EXERCISES


class PrescriptionError(ValueError):
    """A prescription file that cannot be used; the message names file and key."""


@dataclasses.dataclass(frozen=True)
class Item:
    """One prescribed exercise. Units in the names; None where it does not apply."""

    exercise: str
    reps: int | None = None
    hold_s: float | None = None
    duration_s: tuple[float, float] | None = None
    per_foot: bool = False
    sessions_per_day: int = 3


@dataclasses.dataclass(frozen=True)
class Prescription:
    name: str
    sessions_per_day: int
    items: tuple[Item, ...]

    def item(self, exercise: str) -> Item | None:
        return next((i for i in self.items if i.exercise == exercise), None)

    def hold_targets_s(self) -> dict[str, float]:
        """Hold target (s) per exercise that has one."""
        return {i.exercise: i.hold_s for i in self.items if i.hold_s is not None}


# Plausible bounds: a prescription outside them is a typo or a crafted file
# (2 000 000 sessions a day hung the report; NaN passed every "<= 0" test).
LIMITS = {"sessions_per_day": (1, 24), "reps": (1, 1000), "hold_s": (0.1, 600.0),
          "duration_s": (0.1, 3600.0)}


def _number(where: str, key: str, value, kind=float, positive=True):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PrescriptionError(f"{where}: '{key}' must be a number, not {value!r}")
    if not math.isfinite(value):
        raise PrescriptionError(f"{where}: '{key}' must be a finite number, not {value!r}")
    if positive and value <= 0:
        raise PrescriptionError(f"{where}: '{key}' must be positive, not {value!r}")
    if kind is int and value != int(value):
        raise PrescriptionError(f"{where}: '{key}' must be a whole number, not {value!r}")
    lo, hi = LIMITS.get(key, (-math.inf, math.inf))
    if not lo <= value <= hi:
        raise PrescriptionError(f"{where}: '{key}' is {value!r}; it must be between {lo:g} "
                                f"and {hi:g}")
    return kind(value)


def parse(text: str, source: str = "<prescription>") -> Prescription:
    """Parse prescription TOML; raises :class:`PrescriptionError` naming the key.

    Every number must be finite and within :data:`LIMITS`, ``duration_s``
    must be ``[min, max]`` with min ≤ max, and each exercise may appear once.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PrescriptionError(f"{source}: not valid TOML: {err}") from None
    spd = _number(source, "sessions_per_day", doc.get("sessions_per_day", 3), int)
    raw = doc.get("item")
    if not isinstance(raw, list) or not raw:
        raise PrescriptionError(f"{source}: no [[item]] tables (key 'item')")
    items = []
    for k, it in enumerate(raw):
        where = f"{source}: item {k + 1}"
        if not isinstance(it, dict):
            raise PrescriptionError(f"{where}: must be an [[item]] table")
        unknown = set(it) - {"exercise", "reps", "hold_s", "duration_s", "per_foot", "sessions_per_day"}
        if unknown:
            raise PrescriptionError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        ex = it.get("exercise")
        if ex not in EXERCISES:
            raise PrescriptionError(f"{where}: 'exercise' must be one of {', '.join(EXERCISES)}, not {ex!r}")
        if any(i.exercise == ex for i in items):
            raise PrescriptionError(f"{where}: {ex} is prescribed twice; give each exercise once")
        dur = it.get("duration_s")
        if dur is not None:
            if not (isinstance(dur, list) and len(dur) == 2):
                raise PrescriptionError(f"{where}: 'duration_s' must be [min, max] seconds")
            dur = (_number(where, "duration_s", dur[0]), _number(where, "duration_s", dur[1]))
            if dur[0] > dur[1]:
                raise PrescriptionError(f"{where}: 'duration_s' is [{dur[0]:g}, {dur[1]:g}]; "
                                        f"the minimum must not exceed the maximum")
        per_foot = it.get("per_foot", False)
        if not isinstance(per_foot, bool):
            raise PrescriptionError(f"{where}: 'per_foot' must be true or false, not {per_foot!r}")
        items.append(Item(
            exercise=ex,
            reps=_number(where, "reps", it["reps"], int) if "reps" in it else None,
            hold_s=_number(where, "hold_s", it["hold_s"]) if "hold_s" in it else None,
            duration_s=dur,
            per_foot=per_foot,
            sessions_per_day=_number(where, "sessions_per_day", it.get("sessions_per_day", spd), int)))
    return Prescription(str(doc.get("name", source))[:200], spd, tuple(items))


def load(path: str | Path | None = None) -> Prescription:
    """The prescription at ``path``, or the packaged seed programme."""
    if path is None:
        text = resources.files("analysis").joinpath("data/default_prescription.toml").read_text("utf-8")
        return parse(text, "default prescription")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PrescriptionError(f"{path}: cannot read: {err}") from None
    return parse(text, str(path))
