"""``toehold info``: what a recording holds, before analysing it."""
from __future__ import annotations

import numpy as np

from sensors.contract import ACC_COLUMNS, PLACEMENTS, SIDES


def register(sub) -> None:
    p = sub.add_parser("info", help="summarise a recording (duration, rate, gaps, mounting)")
    p.add_argument("recording", help="recording CSV, or a phone app's export (file, folder or zip)")
    p.add_argument("--placement", choices=PLACEMENTS)
    p.add_argument("--side", choices=SIDES)
    p.set_defaults(func=run)


def describe_axis(up: np.ndarray) -> str:
    """'+z (tilted 12°)': the sensor axis closest to up and how far off it is."""
    i = int(np.argmax(np.abs(up)))
    sign = "+" if up[i] > 0 else "-"
    tilt = float(np.degrees(np.arccos(min(1.0, abs(up[i])))))
    return f"{sign}{'xyz'[i]}" + (f" (tilted {tilt:.0f}°)" if tilt >= 3 else "")


def summary_lines(rec) -> list[str]:
    from analysis.preprocess import UniformResampler, rest_up_axis, still_mask
    from sensors.recording import lost_seconds

    t = rec.data["t"].to_numpy()
    gaps = rec.gaps
    lost_s = lost_seconds(gaps, rec.sample_rate_hz)
    lines = [
        f"file         {rec.path}",
        f"duration     {rec.duration_s:.1f} s ({rec.duration_s / 60:.1f} min), {len(t)} samples",
        f"sample rate  {rec.sample_rate_hz:.1f} Hz effective"
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
    u = UniformResampler().resample(rec.data)
    still = still_mask(u.acc, u.gyr, u.fs) & u.valid
    up = rest_up_axis(u.acc, still)
    rest_s = still.sum() / u.fs
    if up is None:
        lines.append("at rest      never (no still period found)")
    else:
        lines.append(f"at rest      {rest_s:.0f} s in all; sensor axis pointing up: {describe_axis(up)}")
    acc = rec.data[list(ACC_COLUMNS)].to_numpy()
    gyr = rec.data[["gyr_x", "gyr_y", "gyr_z"]].to_numpy()
    lines.append(f"ranges       |acc| ≤ {np.linalg.norm(acc, axis=1).max():.1f} m/s², "
                 f"|gyr| ≤ {np.linalg.norm(gyr, axis=1).max():.0f} deg/s")
    for w in rec.warnings:
        lines.append(f"warning      {w}")
    if rec.placement_origin == "assumed":
        from analysis.pipeline import ASSUMED_WARNING

        lines.append(f"warning      {ASSUMED_WARNING}")
    return lines


def run(args) -> int:
    from toehold.commands.analyze import load

    rec = load(args.recording, placement=args.placement, side=args.side)
    from toehold.safe_output import terminal_text

    # File names and metadata are the file's: shown, escape sequences not obeyed.
    print("\n".join(terminal_text(line, None) for line in summary_lines(rec)))
    return 0
