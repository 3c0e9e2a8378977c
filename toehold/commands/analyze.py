"""``toehold analyze``: what was done in a recording, as text or contract JSON."""
from __future__ import annotations

import json
import sys

TARGET_HOLD_S = {"toe_press": 4.0, "resistance_band": 5.0, "pencil_pickup": 10.0}


def register(sub) -> None:
    p = sub.add_parser("analyze", help="detect exercises, reps, holds, circles and strides",
                       description="Analyse recordings. Prints a readable summary, or with "
                                   "--json the toehold-analysis/1 document.")
    p.add_argument("recordings", nargs="+", help="recording CSV(s) or phone-app exports (zip, folder)")
    p.add_argument("--json", action="store_true", help="print the toehold-analysis/1 JSON")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p.add_argument("--placement", choices=["foot", "ankle"])
    p.add_argument("--side", choices=["left", "right"])
    p.set_defaults(func=run)


def load(path, placement=None, side=None):
    """Read a recording in any supported format (ours, or a phone app's export)."""
    from sensors.importers import open_any

    return open_any(path, placement=placement, side=side)


def _mmss(t: float) -> str:
    return f"{int(t // 60)}:{int(t % 60):02d}"


def summary(doc: dict) -> str:
    rec = doc["recording"]
    gaps = rec["gaps"]
    lost = sum(g["end_s"] - g["start_s"] for g in gaps)
    lines = [f"{rec['path']}: {rec['placement'] or 'placement unknown'}, {rec['side'] or 'side unknown'}, "
             f"{rec['duration_s'] / 60:.1f} min at {rec['sample_rate_hz']:.0f} Hz"
             + (f", {len(gaps)} gaps ({lost:.1f} s lost)" if gaps else "")]
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
            target = TARGET_HOLD_S.get(name)
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
        lines.append(f"  {span:>11}  {name:<16} {detail}")
    for what, why in doc.get("not_observable", {}).items():
        lines.append(f"not observable with this placement: {what} ({why})")
    return "\n".join(lines)


def run(args) -> int:
    from analysis.pipeline import analyze_recording

    docs = []
    for path in args.recordings:
        rec = load(path, args.placement, args.side)
        docs.append(analyze_recording(rec))
    if args.json:
        text = json.dumps(docs[0] if len(docs) == 1 else docs, indent=1) + "\n"
    else:
        text = "\n\n".join(summary(d) for d in docs) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0
