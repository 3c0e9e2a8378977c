"""``toehold export``: every session's metrics as CSV, or as an HL7 FHIR R4 Bundle for a clinic."""
from __future__ import annotations

from pathlib import Path

from sensors.contract import PLACEMENTS, SIDES
from toehold.args import Output, add_output
from toehold.commands.analyze import add_batch_options

OUTPUT = Output(suffixes=(".csv", ".json"), default_suffix=lambda a: ".json" if a.format == "fhir" else ".csv")


def register(sub) -> None:
    p = sub.add_parser("export", help="export session metrics as CSV or a FHIR R4 Bundle",
                       description="Analyse recordings (files or folders) and write one row per session, "
                                   "exercise and foot with every quality metric and what the person "
                                   "reported (--format csv), or an HL7 FHIR R4 Bundle of Observations, "
                                   "one per session metric (--format fhir; needs pip install "
                                   "'toehold[fhir]'). Columns and codes: docs/export.md.")
    p.add_argument("paths", nargs="+", help="recording CSVs, app exports, or folders of them")
    p.add_argument("--format", choices=["csv", "fhir"], required=True)
    add_output(p, OUTPUT, required=True, help="file to write (.csv, or .json for FHIR)")
    p.add_argument("--patient", help="the patient's identifier in the clinic's system (written as given)")
    p.add_argument("--placement", choices=PLACEMENTS)
    p.add_argument("--side", choices=SIDES)
    add_batch_options(p)
    p.set_defaults(func=run)


def _an_export(path: Path) -> bool:
    """True for a CSV this command wrote (an earlier export in the folder being exported)."""
    from toehold.export import CSV_COLUMNS

    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    with open(path, "rb") as fh:
        return fh.read(len(CSV_COLUMNS[0]) + len(CSV_COLUMNS[1]) + 2) == f"{CSV_COLUMNS[0]},{CSV_COLUMNS[1]},".encode()


def run(args) -> int:
    import sys

    from analysis.trends import session_table
    from sensors.sessionlog import logs_for
    from toehold.batch import analyze_many, collect
    from toehold.cli import UserError
    from toehold.commands.analyze import report_errors
    from toehold.export import ExportError, _fhir, csv_text, fhir_json

    out = Path(args.output)  # checked by toehold.args before we get here (exists, folder, type)
    # Everything else that can be refused is refused before any analysis.
    if args.patient is not None and not args.patient.strip():
        raise UserError("--patient is empty")
    if args.format == "fhir":
        try:
            _fhir()
        except ExportError as err:
            raise UserError(str(err)) from None
    # The output (and an earlier export) may sit in a folder being exported: it is not a recording.
    files = [f for f in collect(args.paths) if f.resolve() != out.resolve() and not _an_export(f)]
    results = analyze_many(files, args.placement, args.side, None, jobs=args.jobs,
                           use_cache=not args.no_cache, progress=True)
    status = report_errors(results)
    ok = [r for r in results if r.doc is not None]
    logs, problems = logs_for(r.path for r in ok)
    for line in problems:
        print(f"toehold: {line}", file=sys.stderr)
    table = session_table([r.doc for r in ok], logs)
    if not len(table):
        raise UserError("no dated sessions with exercises to export")
    text = csv_text(table, args.patient) if args.format == "csv" else fhir_json(table, args.patient)
    out.write_text(text, encoding="utf-8")
    sessions = table["time"].nunique()
    print(f"wrote {out} ({args.format}: {len(table)} session×exercise rows from {sessions} sessions"
          + ("" if args.patient else "; no --patient, so no subject") + ")")
    return status
