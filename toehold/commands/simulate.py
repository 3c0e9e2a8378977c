"""``toehold simulate``: a synthetic session with its ground truth."""
from __future__ import annotations

import json
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("simulate", help="simulate an exercise session (CSV + truth JSON)",
                       description="Write a simulated recording and, beside it, "
                                   "NAME.truth.json with what really happened.")
    p.add_argument("-o", "--output", required=True, help="recording to write (CSV)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tier", choices=["clean", "realistic", "hard", "ankle", "lookalikes", "negatives"], default="realistic")
    p.add_argument("--placement", choices=["foot", "ankle"])
    p.add_argument("--side", choices=["left", "right"])
    p.add_argument("--rate", type=float, dest="sample_rate_hz", help="sample rate (Hz)")
    p.add_argument("--mounting", choices=["aligned", "instep", "random", "upside_down"])
    p.add_argument("--packet-loss", type=float, dest="packet_loss", help="fraction lost (0–1)")
    p.add_argument("--exercises", help="comma-separated exercise names, in order")
    p.add_argument("--no-distractors", action="store_false", dest="distractors", default=None)
    p.set_defaults(func=run)


def run(args) -> int:
    from sensors.recording import write_recording
    from sensors.simulator import simulate_session

    overrides = {k: getattr(args, k) for k in
                 ("placement", "side", "sample_rate_hz", "mounting", "packet_loss", "distractors")
                 if getattr(args, k) is not None}
    if args.exercises:
        overrides["exercises"] = [e.strip() for e in args.exercises.split(",") if e.strip()]
    rec, truth = simulate_session(seed=args.seed, tier=args.tier, **overrides)
    out = Path(args.output)
    truth["recording"]["path"] = out.name
    write_recording(out, rec.data, rec.metadata)
    truth_path = out.with_name(out.stem + ".truth.json")
    truth_path.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    n = sum(len(e["reps"]) for e in truth["exercises"])
    print(f"wrote {out} ({len(rec.data)} samples, {rec.duration_s:.0f} s, "
          f"{len(truth['exercises'])} exercise bouts, {n} reps) and {truth_path}")
    return 0
