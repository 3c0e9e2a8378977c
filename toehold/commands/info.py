"""``toehold info``: what a recording holds, before analysing it."""
from __future__ import annotations

from sensors.contract import PLACEMENTS, SIDES


def register(sub) -> None:
    p = sub.add_parser("info", help="summarise a recording (duration, rate, gaps, mounting)")
    p.add_argument("recording", help="recording CSV, or a phone app's export (file, folder or zip)")
    p.add_argument("--placement", choices=PLACEMENTS)
    p.add_argument("--side", choices=SIDES)
    p.set_defaults(func=run)


def describe_axis(axis: str, tilt_deg: float) -> str:
    """'+z (tilted 12°)': the sensor axis closest to up and how far off it is."""
    return axis + (f" (tilted {tilt_deg:.0f}°)" if tilt_deg >= 3 else "")


def summary_lines(rec) -> list[str]:
    from analysis.overview import RecordingOverview
    from sensors.recording import lost_seconds

    t = rec.data["t"].to_numpy()
    gaps = rec.gaps
    lost_s = lost_seconds(gaps, rec.sampling_rate_hz)
    lines = [
        f"file         {rec.path}",
        f"duration     {rec.duration_s:.1f} s ({rec.duration_s / 60:.1f} min), {len(t)} samples",
        f"sample rate  {rec.sampling_rate_hz:.1f} Hz effective"
        + (f" ({rec.nominal_rate_hz:g} Hz declared)" if rec.nominal_rate_hz else ""),
        f"placement    {rec.placement or 'unknown (use --placement foot|ankle)'}"
        + (f" ({rec.placement_origin})" if rec.placement else ""),
        f"side         {rec.side or 'unknown (use --side left|right)'}",
    ]
    for key in ("start_time", "device", "subject", "session", "mounting"):
        if rec.metadata.get(key):
            lines.append(f"{key:<12} {rec.metadata[key]}")
    if len(gaps):
        longest = float((gaps["end_s"] - gaps["start_s"]).max())
        lines.append(f"gaps         {len(gaps)}, {lost_s:.2f} s lost in all, longest {longest:.2f} s "
                     f"(first at {gaps['start_s'].iloc[0]:.2f} s)")
    else:
        lines.append("gaps         none")
    o = RecordingOverview().describe(rec.data)
    if o.up_ is None:
        lines.append("at rest      never (no still period found)")
    else:
        lines.append(f"at rest      {o.rest_s_:.0f} s in all; sensor axis pointing up: "
                     f"{describe_axis(o.up_axis_, o.up_tilt_deg_)}")
    lines.append(f"ranges       |acc| ≤ {o.max_acc_mps2_:.1f} m/s², |gyr| ≤ {o.max_gyr_dps_:.0f} deg/s")
    for w in rec.warnings:
        lines.append(f"warning      {w}")
    if rec.placement_origin == "assumed":
        from analysis.pipeline import ASSUMED_WARNING

        lines.append(f"warning      {ASSUMED_WARNING}")
    return lines


def run(args) -> int:
    from sensors.load import load_recording

    rec = load_recording(args.recording, placement=args.placement, side=args.side)
    from toehold.safe_output import terminal_text

    # File names and metadata are the file's: shown, escape sequences not obeyed.
    print("\n".join(terminal_text(line, None) for line in summary_lines(rec)))
    return 0
