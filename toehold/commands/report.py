"""``toehold report``: the PNG report of a session, or of a folder of days."""
from __future__ import annotations

from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "demo.csv"
SUFFIXES = (".csv",)


def register(sub) -> None:
    p = sub.add_parser("report", help="draw the PNG report (default: the bundled demo)",
                       description="Analyse recordings and draw one PNG: the latest session in "
                                   "detail and, for several sessions, the adherence calendar.")
    p.add_argument("paths", nargs="*", help="recording CSVs or folders of them (default: the demo)")
    p.add_argument("-o", "--output", default="report.png", help="PNG to write (default report.png)")
    p.add_argument("--prescription", help="prescription TOML (default: the seed programme)")
    p.add_argument("--placement", choices=["foot", "ankle"])
    p.add_argument("--side", choices=["left", "right"])
    p.set_defaults(func=run)


def collect(paths: list[str]) -> list[Path]:
    """Recording files named directly or found in folders, in name order."""
    from toehold.cli import UserError

    files: list[Path] = []
    for p in map(Path, paths or [str(DEMO)]):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES
                           and not f.name.endswith(".truth.json"))
            if not found:
                raise UserError(f"{p}: no recordings (*.csv) in this folder")
            files += found
        elif p.exists():
            files.append(p)
        else:
            raise UserError(f"{p}: no such file or folder")
    return files


def run(args) -> int:
    from analysis.adherence import history_adherence
    from analysis.pipeline import analyze_recording
    from analysis.prescription import PrescriptionError, load
    from toehold.cli import UserError
    from toehold.commands.analyze import load as load_recording
    from toehold.report import render_report

    try:
        prescription = load(args.prescription)
    except PrescriptionError as err:
        raise UserError(str(err)) from None
    docs = []
    for f in collect(args.paths):
        rec = load_recording(f, args.placement, args.side)
        docs.append(analyze_recording(rec, prescription=prescription))
    docs.sort(key=lambda d: d["recording"].get("start_time") or "")
    history = history_adherence(docs, prescription) if len(docs) > 1 else None
    summary = render_report(docs, args.output, history=history)
    done = ", ".join(f"{k}: {v.get('reps', v.get('cw', v.get('seconds', '-')))}"
                     for k, v in summary["exercises"].items() if v.get("state") == "done")
    print(f"wrote {args.output} ({len(docs)} session{'s' if len(docs) > 1 else ''}; {done or 'no exercises'})")
    return 0
