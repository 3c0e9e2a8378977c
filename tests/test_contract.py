"""The shared names (sensors/contract.py) say what shared/contracts/README.md fixes.

The expected values below are copied from the contracts document, not from
the code: a rename in sensors/contract.py breaks users' files and must fail here.
"""
import ast
import typing
from pathlib import Path

from sensors import contract

ROOT = Path(__file__).resolve().parents[1]


def test_names_are_the_contracts():
    # Contract §1 table, in its order.
    assert contract.EXERCISES == ("toe_press", "resistance_band", "tiptoe_walk", "pencil_pickup", "ankle_circles")
    # Contract §3: "hold_s is a number for toe_press, resistance_band and pencil_pickup reps".
    assert set(contract.HOLD_EXERCISES) == {"toe_press", "resistance_band", "pencil_pickup"}
    assert set(typing.get_args(contract.Exercise)) == set(contract.EXERCISES)
    assert contract.PLACEMENTS == ("foot", "ankle") and contract.SIDES == ("left", "right")
    assert contract.Placement("ankle") is contract.Placement.ANKLE and contract.Placement.FOOT == "foot"
    assert set(contract.PLACEMENT_SOURCES) == {"declared", "option", "assumed"}
    assert set(contract.CIRCLE_DIRECTIONS) == {"cw", "ccw"}
    # Contract §2: required and optional columns.
    assert contract.REQUIRED_COLUMNS == ("t", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
    assert set(contract.OPTIONAL_COLUMNS) == {"mag_x", "mag_y", "mag_z", "quat_w", "quat_x", "quat_y",
                                              "quat_z", "seq"}
    assert contract.RECORDING_FORMAT == "toehold-recording/1"
    assert contract.ANALYSIS_FORMAT == "toehold-analysis/1"
    assert contract.SESSION_FORMAT == "toehold-session/1"
    # Standard gravity, CGPM 1901 (exact by definition).
    assert contract.G == 9.80665


def test_contract_imports_nothing_from_the_project():
    """Any package can import it: it must not import one of them back."""
    tree = ast.parse((ROOT / "sensors" / "contract.py").read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and n.level == 0}
    assert not any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(tree))
    assert not imported & {"sensors", "analysis", "toehold"}


def _check(value, cls, where):
    """Every required key of the TypedDict ``cls`` present, no key it does not declare."""
    hints = typing.get_type_hints(cls)
    assert cls.__required_keys__ <= value.keys(), (where, cls.__required_keys__ - value.keys())
    assert value.keys() <= hints.keys(), (where, value.keys() - hints.keys())


def test_analysis_document_matches_its_types(samples_dir):
    from analysis.pipeline import analyze_recording
    from sensors.recording import read_recording

    doc = analyze_recording(read_recording(samples_dir / "clean_9001.csv"))
    _check(doc, contract.AnalysisDocument, "document")
    _check(doc["recording"], contract.RecordingInfo, "recording")
    assert doc["format"] == "toehold-analysis/1"
    kinds = set()
    for bout in doc["exercises"]:
        _check(bout, contract.Bout, bout["exercise"])
        assert bout["exercise"] in contract.EXERCISES
        for rep in bout["reps"]:
            _check(rep, contract.Rep, "rep")
        for circle in bout["circles"]:
            _check(circle, contract.Circle, "circle")
            assert circle["direction"] in ("cw", "ccw")
        for stride in bout["strides"]:
            _check(stride, contract.Stride, "stride")
        kinds |= {k for k in ("reps", "circles", "strides") if bout[k]}
    # The sample has hold exercises and ankle circles (its truth file), no tiptoe walk.
    assert kinds >= {"reps", "circles"}

