"""``toehold simulate``: a synthetic session with its ground truth."""
from __future__ import annotations

import json

from sensors.contract import PLACEMENTS, SIDES
from toehold.args import (
    Output,
    add_output,
    check_output,
    exercise_list,
    fraction,
    in_range,
    seed,
)


def register(sub) -> None:
    p = sub.add_parser("simulate", help="simulate an exercise session (CSV + truth JSON)",
                       description="Write a simulated recording and, beside it, "
                                   "NAME.truth.json with what really happened.")
    add_output(p, Output(recording=True), required=True, help="recording to write (CSV)")
    p.add_argument("--seed", type=seed, default=0, help="random seed, 0 or more (default 0)")
    p.add_argument("--tier", choices=["clean", "realistic", "hard", "ankle", "lookalikes", "negatives"],
                   default="realistic")
    p.add_argument("--placement", choices=PLACEMENTS)
    p.add_argument("--side", choices=SIDES)
    # Below 10 Hz a stride or a circle is a handful of samples; the simulator
    # integrates at 4× the rate, so very high rates only cost memory.
    p.add_argument("--rate", type=in_range(10, 2000, " Hz"), dest="sampling_rate_hz",
                   help="sample rate, 10–2000 Hz (default: the tier's, 100 Hz)")
    p.add_argument("--mounting", choices=["aligned", "instep", "random", "upside_down"])
    p.add_argument("--packet-loss", type=fraction, dest="packet_loss",
                   help="fraction of packets lost, 0 to below 1 (e.g. 0.05)")
    p.add_argument("--exercises", type=exercise_list,
                   help="comma-separated exercise names, in order (toe_press, resistance_band, "
                        "tiptoe_walk, pencil_pickup, ankle_circles)")
    p.add_argument("--no-distractors", action="store_false", dest="distractors", default=None)
    p.set_defaults(func=run)


def run(args) -> int:
    from sensors.recording import write_recording
    from sensors.simulator import simulate_session

    overrides = {k: getattr(args, k) for k in
                 ("placement", "side", "sampling_rate_hz", "mounting", "packet_loss", "distractors")
                 if getattr(args, k) is not None}
    if args.exercises:
        overrides["exercises"] = args.exercises
    out = args.output  # checked by toehold.args before the work
    truth_path = out.with_name(out.stem + ".truth.json")
    check_output(truth_path, Output(suffixes=(".json",)), args.force)
    rec, truth = simulate_session(seed=args.seed, tier=args.tier, **overrides)
    truth["recording"]["path"] = out.name
    write_recording(out, rec.data, rec.metadata)
    truth_path.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    n = sum(len(e["reps"]) for e in truth["exercises"])
    print(f"wrote {out} ({len(rec.data)} samples, {rec.duration_s:.0f} s, "
          f"{len(truth['exercises'])} exercise bouts, {n} reps) and {truth_path}")
    return 0
