"""``toehold log``: what the person felt, added to a recording's session log after the fact."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("log", help="add pain, effort or a note to a recording's session log",
                       description="Add what the person reported (pain and effort 0-10, a note) to "
                                   "REC's session log, NAME.session.json beside NAME.csv; the log is "
                                   "created if there is none, and everything else in it is kept. "
                                   "REC may be a folder: its most recently modified recording is used.")
    p.add_argument("recording", nargs="?", default=".", metavar="REC",
                   help="recording, or a folder (default: the current folder's newest recording)")
    p.add_argument("--pain", metavar="N", help="pain, 0 (none) to 10 (worst imaginable)")
    p.add_argument("--effort", metavar="N", help="effort, 0 (none) to 10 (maximal)")
    p.add_argument("--note", help="a short note in the person's words")
    p.add_argument("--force", action="store_true", help="replace a value already in the log")
    p.set_defaults(func=run)


def _newest(folder: Path) -> Path:
    from toehold.batch import collect

    found = collect([folder])  # raises a one-line error for a folder without recordings
    return max(found, key=lambda p: (p.stat().st_mtime, str(p)))


def run(args) -> int:
    from sensors.sessionlog import SessionLogError, add_reported, check_score
    from toehold.cli import UserError

    try:
        # Arguments first: nothing is read or written for a bad value.
        for name in ("pain", "effort"):
            if getattr(args, name) is not None:
                check_score(getattr(args, name), name)
        if args.pain is None and args.effort is None and args.note is None:
            raise SessionLogError("nothing to log: give --pain, --effort or --note")
        rec = Path(args.recording)
        if not rec.exists():
            raise UserError(f"{rec}: no such file or folder")
        if rec.is_dir():
            from toehold.batch import _app_export

            if not _app_export(rec):
                rec = _newest(rec)
        path, log = add_reported(rec, args.pain, args.effort, args.note, replace=args.force)
    except SessionLogError as err:
        raise UserError(str(err)) from None
    from toehold.safe_output import terminal_text

    said = ", ".join(f"{k.split('_')[0]} {v}/10" for k, v in log["reported"].items() if k.endswith("_0_10"))
    note = log["reported"].get("note")
    # The note may come from a log someone else wrote: no control characters to the terminal.
    print(terminal_text(f"{path}: {said}" + (f", note: {note}" if note else "")))
    return 0
