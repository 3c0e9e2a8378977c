"""Exports a clinic takes in: the FHIR Bundle validates and round-trips, the CSV's columns are documented."""
import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from analysis.synthetic_history import simulate_history
from analysis.trends import session_table
from toehold.export import CSV_COLUMNS, csv_text

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def table():
    h = simulate_history(days=10, seed=11, sessions_per_day=1)
    h.logs[0]["reported"]["note"] = "=HYPERLINK(\"http://x\")"
    return session_table(h.docs, h.logs)


def test_fhir_bundle_validates_and_reads_back_with_the_same_values(table, tmp_path):
    pytest.importorskip("fhir.resources")
    from toehold.export import fhir_json, read_fhir

    path = tmp_path / "bundle.json"
    path.write_text(fhir_json(table, patient="P-0042"))
    bundle = read_fhir(path.read_text())  # the library parses and validates it again
    assert bundle.type == "collection"
    got = {}
    for e in bundle.entry:
        o = e.resource
        assert o.__resource_type__ == "Observation" and o.status == "final"
        assert o.subject.identifier.value == "P-0042"
        assert o.valueQuantity.system == "http://unitsofmeasure.org"
        side = o.bodySite.text.split()[0] if o.bodySite else None
        code = o.code.coding[-1].code
        got[(o.effectiveDateTime.isoformat().replace("+00:00", "Z"), code, side)] = (
            float(o.valueQuantity.value), o.valueQuantity.code)
    # Expected: every metric value in the session table (from the documents), one Observation each.
    want = {}
    units = {"range_deg": "deg", "hold_s": "s", "tempo_rpm": "/min", "reps": "{reps}", "heel_rise_deg": "deg",
             "circle_size_deg": "deg", "cadence_spm": "/min", "circle_roundness": "1"}
    for r in table.to_dict("records"):
        when = r["time"].strftime("%Y-%m-%dT%H:%M:%SZ")
        for m, unit in units.items():
            v = r.get(m)
            if v is not None and v == v:
                want[(when, f"{r['exercise']}.{m}", r["side"])] = (float(v), unit)
        for k in ("pain_0_10", "effort_0_10"):
            if r[k] is not None and r[k] == r[k]:
                want[(when, f"reported.{k}", None)] = (float(r[k]), "{score}")
    for key, value in want.items():
        assert got[key] == value, key
    pain = [e.resource for e in bundle.entry if e.resource.code.coding[0].code == "72514-3"]
    assert len(pain) == table["time"].nunique()  # once per session, though both feet have a log
    # Exported twice, the same ids: a clinic importing again updates rather than duplicates.
    assert fhir_json(table, patient="P-0042") == path.read_text()


def _documented_columns():
    text = (ROOT / "docs" / "export.md").read_text(encoding="utf-8")
    text = text[text.index("## CSV"):text.index("## FHIR")]
    return re.findall(r"^\| `([a-z0-9_]+)` \|", text, flags=re.M)


def test_every_csv_column_is_documented_in_order(table):
    rows = list(csv.reader(io.StringIO(csv_text(table, patient="P-1"))))
    assert rows[0] == CSV_COLUMNS
    assert _documented_columns() == CSV_COLUMNS
    assert len(rows) == len(table) + 1


def test_csv_values_are_the_sessions_values_and_spreadsheet_safe(table):
    rows = list(csv.DictReader(io.StringIO(csv_text(table))))
    first = table.iloc[0]
    r = rows[0]
    assert r["exercise"] == first["exercise"] and r["side"] == first["side"]
    assert r["session_start"] == first["time"].strftime("%Y-%m-%dT%H:%M:%SZ")
    noted = [x for x in rows if x["note"]]
    assert noted and all(x["note"] == "'=HYPERLINK(\"http://x\")" for x in noted)
    band = next(x for x in rows if x["exercise"] == "resistance_band")
    assert float(band["range_deg"]) == pytest.approx(
        table[table.exercise == "resistance_band"].iloc[0]["range_deg"])


def _toehold(*args):
    from toehold.cli import main

    return main([str(a) for a in args])


def test_export_command_refuses_to_overwrite_and_names_no_folders(tmp_path, capsys):
    data = tmp_path / "patient data"
    data.mkdir()
    shutil.copy(ROOT / "recordings" / "demo.csv", data / "monday.csv")
    assert _toehold("log", "--pain", 4, "--effort", 7, data / "monday.csv") == 0
    out = tmp_path / "out.csv"
    out.write_text("keep me")
    assert _toehold("export", data, "--format", "csv", "-o", out) == 1
    assert "--force" in capsys.readouterr().err and out.read_text() == "keep me"
    assert _toehold("export", data, "--format", "csv", "-o", out, "--force", "--patient", "P-7") == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {r["exercise"] for r in rows} == {"toe_press", "resistance_band", "tiptoe_walk", "pencil_pickup",
                                            "ankle_circles"}
    assert all(r["patient"] == "P-7" and r["recording"] == "monday.csv" for r in rows)
    assert all(r["pain_0_10"] == "4" and r["effort_0_10"] == "7" for r in rows)
    assert "patient data" not in out.read_text()
    # An export saved in the folder is not taken for a recording the next time.
    again = data / "export.csv"
    assert _toehold("export", data, "--format", "csv", "-o", again) == 0
    assert _toehold("export", data, "--format", "csv", "-o", again, "--force") == 0


def test_report_of_a_folder_reads_the_logs_and_draws_progress(tmp_path, capsys):
    data = tmp_path / "days"
    data.mkdir()
    text = (ROOT / "recordings" / "demo.csv").read_text()
    (data / "monday.csv").write_text(text)
    (data / "tuesday.csv").write_text(text.replace("2026-11-11T19:01:00Z", "2026-11-12T18:30:00Z", 1))
    assert _toehold("log", "--pain", 5, data / "monday.csv") == 0
    assert _toehold("log", "--pain", 3, "--note", "better", data / "tuesday.csv") == 0
    (data / "broken.session.json").write_text("{")  # a log without its recording is ignored
    out = tmp_path / "history.png"
    assert _toehold("report", data, "-o", out) == 0
    said = capsys.readouterr().out
    assert "progress: 1 week · too few sessions for a trend" in said
    assert "2 sessions with pain or effort reported" in said
    assert out.stat().st_size > 50_000
