"""``toehold analyze``: what was done in a recording, as text or contract JSON."""
from __future__ import annotations

import sys

from sensors.contract import PLACEMENTS, SIDES
from toehold.args import Output, UserError, add_output, at_least_one, same_file

# A summary is text, --json a JSON document; --dask writes a CSV table unless -o says .json.
OUTPUT = Output(suffixes=(".txt", ".json", ".csv"),
                default_suffix=lambda a: ".json" if a.json else ".csv" if a.dask else ".txt")


def register(sub) -> None:
    p = sub.add_parser("analyze", help="detect exercises, reps, holds, circles and strides",
                       description="Analyse recordings (files, app exports or folders of them) in "
                                   "parallel, each result cached in the user's private cache folder. "
                                   "Prints a readable summary, with --json the "
                                   "toehold-analysis/1 document, with --dask one summary row "
                                   "per recording.")
    p.add_argument("recordings", nargs="+", help="recording CSVs, app exports, or folders of them")
    p.add_argument("--json", action="store_true", help="print the toehold-analysis/1 JSON")
    add_output(p, OUTPUT, help="write to this file (.txt, .json; with --dask a .csv or .json "
                               "table) instead of standard output")
    p.add_argument("--placement", choices=PLACEMENTS)
    p.add_argument("--side", choices=SIDES)
    add_batch_options(p)
    add_privacy_option(p)
    p.add_argument("--dask", metavar="SCHEDULER",
                   help="run one Dask task per recording on this scheduler address, or 'local' "
                        "for a cluster on this machine; writes one summary row per recording "
                        "(needs pip install 'toehold[dask]'; see docs/scaling.md)")
    p.set_defaults(func=run)


def add_batch_options(p) -> None:
    """``--jobs`` and ``--no-cache``, shared by ``analyze`` and ``report``."""
    p.add_argument("-j", "--jobs", type=at_least_one, metavar="N",
                   help="analyse N recordings at once (default: one per CPU core); a recording "
                        "analysed alone, if an hour or longer, uses up to N processes for its own "
                        "analysis (--jobs 1: one process)")
    p.add_argument("--no-cache", action="store_true",
                   help="neither read nor write the cached analyses (in the user's cache "
                        "folder; see docs/privacy.md)")


def add_privacy_option(p) -> None:
    """``--private`` (the default) / ``--no-private``, shared by ``analyze`` and ``report``."""
    import argparse

    p.add_argument("--private", action=argparse.BooleanOptionalAction, default=True,
                   help="leave the sensor's Bluetooth address and the folders of file names out "
                        "of the JSON, files and PNGs written (default; --no-private keeps them; "
                        "see docs/privacy.md)")


def shareable(docs: list[dict], private: bool) -> list[dict]:
    """The analysis documents as they may be written out (``private_doc`` unless --no-private)."""
    from toehold.safe_output import private_doc

    return [private_doc(d) for d in docs] if private else docs


def _mmss(t: float) -> str:
    return f"{int(t // 60)}:{int(t % 60):02d}"


def plural(n: int, word: str) -> str:
    """'1 gap', '2 gaps'."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def _hz(rate) -> str:
    return "an unknown rate" if rate is None else f"{rate:.0f} Hz" if rate >= 10 else f"{rate:.2g} Hz"


def summary(doc: dict) -> str:
    from analysis.confidence import THRESHOLD, is_counted
    from sensors.recording import lost_seconds

    rec = doc["recording"]
    gaps = rec["gaps"]
    lost = lost_seconds(gaps, rec["sample_rate_hz"])
    # The targets the session was compared with (the prescription in use).
    hold_targets = {it["exercise"]: it.get("hold_target_s")
                    for it in (doc.get("adherence") or {}).get("items", [])}
    where = rec["placement"] or "placement unknown"
    if rec.get("placement_source") == "assumed":
        where += " (assumed)"
    lines = [f"{rec['path']}: {where}, {rec['side'] or 'side unknown'}, "
             f"{rec['duration_s'] / 60:.1f} min at {_hz(rec['sample_rate_hz'])}"
             + (f", {plural(len(gaps), 'gap')} ({lost:.1f} s lost)" if gaps else "")]
    m = doc.get("mounting", {})
    if m:
        lines.append(f"sensor mounting: {m['method']} (confidence {m['confidence']:.2f})")
    for w in rec.get("warnings", []):
        lines.append(f"warning: {w}")
    if not doc["exercises"]:
        lines.append("no exercises detected")
    for ex in doc["exercises"]:
        name, span = ex["exercise"], f"{_mmss(ex['start_s'])}–{_mmss(ex['end_s'])}"
        if ex["reps"]:
            holds = [r["hold_s"] for r in ex["reps"]]
            target = hold_targets.get(name)
            met = sum(h >= target for h in holds) if target else 0
            detail = (f"{len(holds)} reps, holds {min(holds):.1f}–{max(holds):.1f} s"
                      + (f" ({met} of {len(holds)} ≥ {target:g} s)" if target else ""))
        elif ex["circles"]:
            cw = sum(c["direction"] == "cw" for c in ex["circles"])
            detail = f"{cw} circles cw, {len(ex['circles']) - cw} ccw"
        elif ex["strides"]:
            dur = ex["end_s"] - ex["start_s"]
            detail = f"{dur:.0f} s, {len(ex['strides'])} strides"
            if ex.get("cadence_spm"):
                detail += f", {ex['cadence_spm']:.0f} steps/min"
            if ex.get("heel_rise_deg") is not None:
                detail += f", heel raised {ex['heel_rise_deg']:.0f}°"
        else:
            detail = ""
        if not is_counted(ex):
            why = "; ".join(ex.get("doubts") or [])
            detail = (f"UNCERTAIN (confidence {ex['confidence']:.2f} < {THRESHOLD:g}, not counted"
                      + (f": {why}" if why else "") + f") {detail}")
        lines.append(f"  {span:>11}  {name:<16} {detail}")
    for what, why in doc.get("not_observable", {}).items():
        lines.append(f"not observable with this placement: {what} ({why})")
    return "\n".join(lines)


def report_errors(results) -> int:
    """Print each failed recording's one-line error; the exit status of the batch."""
    from toehold.safe_output import terminal_text

    bad = [r for r in results if r.error]
    for r in bad:
        print(f"toehold: {terminal_text(r.error, None)}", file=sys.stderr)
    return 1 if bad else 0


def _write(text: str, output: str | None) -> None:
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)


def run(args) -> int:
    from toehold import batch
    from toehold.safe_output import strict_json, terminal_text

    paths = batch.collect(args.recordings)
    if args.output is not None and any(same_file(args.output, p) for p in paths):
        raise UserError(f"{args.output}: is one of the recordings analysed; give another -o")
    if args.dask:
        rows = batch.analyze_dask(paths, args.dask, args.placement, args.side,
                                  use_cache=not args.no_cache, progress=True, n_workers=args.jobs)
        fmt = "json" if str(args.output or "").lower().endswith(".json") or args.json else "csv"
        if args.private:
            from toehold.safe_output import private_text
            rows = [dict(r, path=private_text(r["path"], [r["path"]]),
                         error=private_text(r["error"] or "", [r["path"]])) for r in rows]
        _write(batch.table_text(rows, fmt), args.output)
        failed = [r["error"] for r in rows if r["error"]]
        for err in failed:
            print(f"toehold: {terminal_text(err, None)}", file=sys.stderr)
        if args.output:
            print(f"wrote {args.output} ({len(rows)} recordings, {len(failed)} failed)")
        return 1 if failed else 0
    results = batch.analyze_many(paths, args.placement, args.side, jobs=args.jobs,
                                 use_cache=not args.no_cache, progress=True)
    # What may be shared (JSON, a file) is private by default; the summary
    # on your own terminal names the recordings as you gave them.
    docs = shareable([r.doc for r in results if r.doc is not None],
                     args.private and bool(args.json or args.output))
    if docs:
        if args.json:
            text = strict_json(docs[0] if len(paths) == 1 else docs) + "\n"
        else:
            text = "\n\n".join(summary(d) for d in docs) + "\n"
            if not args.output:
                # A file name may hold escape sequences: shown, not obeyed.
                text = "\n".join(terminal_text(line, None) for line in text.split("\n"))
        _write(text, args.output)
        if args.output:
            print(f"wrote {args.output}", file=sys.stderr)
    return report_errors(results)
