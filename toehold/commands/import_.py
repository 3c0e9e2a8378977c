"""``toehold import``: turn a phone app's export into a ``toehold-recording/1`` CSV."""
from __future__ import annotations

from sensors.contract import PLACEMENTS, SIDES
from toehold.args import Output, UserError, add_output, same_file


def register(sub) -> None:
    p = sub.add_parser(
        "import", help="convert a phone-app export (phyphox, Sensor Logger, MetaBase) to a recording",
        description="Read a phyphox, Sensor Logger or MbientLab MetaBase export (a zip, a "
                    "folder or one of its CSVs), align the accelerometer and gyroscope on one "
                    "time base, convert to m/s² and deg/s, and write a toehold-recording/1 CSV.")
    p.add_argument("source", metavar="FILE_OR_FOLDER", help="the export: zip, folder or CSV")
    add_output(p, Output(recording=True), required=True, help="recording CSV to write")
    p.add_argument("--placement", choices=PLACEMENTS)
    p.add_argument("--side", choices=SIDES)
    p.set_defaults(func=run)


def run(args) -> int:
    from sensors.load import load_recording
    from sensors.recording import check_writable, lost_seconds, write_recording

    out = args.output  # checked by toehold.args before the work
    if same_file(out, args.source):
        raise UserError(f"{out}: the output would overwrite the input")
    rec = load_recording(args.source, placement=args.placement, side=args.side)
    check_writable(out, min_free_bytes=1 << 20)
    write_recording(out, rec.data, rec.metadata)
    lost = lost_seconds(rec.gaps, rec.sampling_rate_hz)
    from toehold.safe_output import terminal_text

    print(terminal_text(f"{args.source}: {rec.source_format or 'recording'}", None))
    print(f"  {rec.duration_s:.1f} s ({rec.duration_s / 60:.1f} min), {len(rec.data)} samples "
          f"at {rec.sampling_rate_hz:.1f} Hz, {len(rec.gaps)} gaps ({lost:.1f} s lost)")
    if rec.start_time:
        print(f"  start time {rec.start_time}")
    for note in rec.import_notes:
        print(f"  {note}")
    for w in rec.warnings:
        print(terminal_text(f"  warning: {w}", None))
    if not rec.placement or not rec.side:
        print("  placement/side not known: give --placement foot|ankle and --side left|right "
              "(here or when analysing)")
    print(f"wrote {out}")
    return 0
