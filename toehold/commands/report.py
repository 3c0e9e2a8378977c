"""``toehold report``: the PNG report of a session, or of a folder of days."""
from __future__ import annotations

import sys
from pathlib import Path

from sensors.contract import PLACEMENTS, SIDES
from toehold.args import Output, add_output
from toehold.commands.analyze import add_batch_options, add_privacy_option

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "demo.csv"


def _drawn_by_toehold(path: Path) -> bool:
    """True for a report toehold drew (its metadata says so): redrawing it needs no --force."""
    from toehold.report import SOFTWARE

    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
            fh.seek(max(0, path.stat().st_size - (1 << 16)))
            tail = fh.read()
    except OSError:
        return False
    mark = SOFTWARE.encode()
    return mark in head or mark in tail


OUTPUT = Output(suffixes=(".png", ".pdf", ".svg"), replaceable=_drawn_by_toehold)


def register(sub) -> None:
    p = sub.add_parser("report", help="draw the PNG report (default: the bundled demo)",
                       description="Analyse recordings and draw one PNG: the latest session in "
                                   "detail and, for several sessions, the adherence calendar.")
    p.add_argument("paths", nargs="*", help="recording CSVs or folders of them (default: the demo)")
    add_output(p, OUTPUT, default="report.png",
               help="picture to write: .png (default report.png), .pdf or .svg; a report drawn "
                    "before is redrawn, any other existing file needs --force")
    p.add_argument("--prescription", help="prescription TOML (default: the seed programme)")
    p.add_argument("--placement", choices=PLACEMENTS)
    p.add_argument("--side", choices=SIDES)
    add_batch_options(p)
    add_privacy_option(p)
    p.set_defaults(func=run)


def collect(paths: list[str]) -> list[Path]:
    """Recording files named directly or found in folders (default: the demo)."""
    from toehold.batch import collect as collect_any

    return collect_any(paths, default=DEMO)


def _counts(panel: dict) -> str:
    """What one exercise panel counted, in a few words."""
    if "reps" in panel:
        return f"{panel['reps']} reps"
    if "cw" in panel:
        return f"{panel['cw']} cw + {panel['ccw']} ccw circles"
    if "seconds" in panel:
        return f"{panel['seconds']:.0f} s"
    return "-"


def run(args) -> int:
    from analysis.adherence import history_adherence
    from analysis.prescription import PrescriptionError, load
    from analysis.trends import history_trends
    from sensors.sessionlog import logs_for
    from toehold.batch import analyze_many
    from toehold.cli import UserError
    from toehold.commands.analyze import report_errors, shareable
    from toehold.report import render_report

    try:
        prescription = load(args.prescription)
    except PrescriptionError as err:
        raise UserError(str(err)) from None
    results = analyze_many(collect(args.paths), args.placement, args.side, prescription,
                           jobs=args.jobs, use_cache=not args.no_cache, progress=True)
    status = report_errors(results)
    # Each recording's session log (what the person reported) rides along with its analysis.
    ok = [r for r in results if r.doc is not None]
    logs, problems = logs_for(r.path for r in ok)
    for line in problems:
        print(f"toehold: {line}", file=sys.stderr)
    pairs = sorted(zip((r.doc for r in ok), logs), key=lambda p: p[0]["recording"].get("start_time") or "")
    if not pairs:
        return status  # the errors said why
    docs = shareable([d for d, _ in pairs], args.private)
    history = history_adherence(docs, prescription) if len(docs) > 1 else None
    trends = history_trends(docs, [log for _, log in pairs]) if len(docs) > 1 else None
    summary = render_report(docs, args.output, history=history, trends=trends)
    done = ", ".join(f"{k}: {_counts(v)}" for k, v in summary["exercises"].items() if v.get("state") == "done")
    print(f"wrote {args.output} ({len(docs)} session{'s' if len(docs) > 1 else ''}; {done or 'no exercises'})")
    if "trends" in summary:
        from toehold.report_trends import headline

        print(f"progress: {headline(trends)}")
    return status
