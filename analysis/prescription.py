"""The exercise prescription: a TOML file, the seed programme by default."""
from __future__ import annotations

import dataclasses
import tomllib
from importlib import resources
from pathlib import Path

EXERCISES = ("toe_press", "resistance_band", "tiptoe_walk", "pencil_pickup", "ankle_circles")


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


def _number(where: str, key: str, value, kind=float, positive=True):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PrescriptionError(f"{where}: '{key}' must be a number, not {value!r}")
    if positive and value <= 0:
        raise PrescriptionError(f"{where}: '{key}' must be positive, not {value!r}")
    return kind(value)


def parse(text: str, source: str = "<prescription>") -> Prescription:
    """Parse prescription TOML; raises :class:`PrescriptionError` naming the key."""
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
        unknown = set(it) - {"exercise", "reps", "hold_s", "duration_s", "per_foot", "sessions_per_day"}
        if unknown:
            raise PrescriptionError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        ex = it.get("exercise")
        if ex not in EXERCISES:
            raise PrescriptionError(f"{where}: 'exercise' must be one of {', '.join(EXERCISES)}, not {ex!r}")
        dur = it.get("duration_s")
        if dur is not None:
            if not (isinstance(dur, list) and len(dur) == 2):
                raise PrescriptionError(f"{where}: 'duration_s' must be [min, max] seconds")
            dur = (_number(where, "duration_s", dur[0]), _number(where, "duration_s", dur[1]))
        items.append(Item(
            exercise=ex,
            reps=_number(where, "reps", it["reps"], int) if "reps" in it else None,
            hold_s=_number(where, "hold_s", it["hold_s"]) if "hold_s" in it else None,
            duration_s=dur,
            per_foot=bool(it.get("per_foot", False)),
            sessions_per_day=_number(where, "sessions_per_day", it.get("sessions_per_day", spd), int)))
    return Prescription(str(doc.get("name", source)), spd, tuple(items))


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
