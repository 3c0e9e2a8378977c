"""What the live view says at the end of each set, against the closing analysis.

Feeds a recording to ``analysis.live.LiveAnalyzer`` one second at a time (as
``toehold replay`` does) and prints, each time the shown set changes, what
was shown and the view's "last set" line (the set as the analysis of
everything so far counts it), then the closing analysis's bouts. Issue 14:
the count shown at the end of a set must equal the closing analysis.

    python benchmarks/live_sets.py recordings/demo.csv /work/shared/samples/clean_9001.csv
"""
from __future__ import annotations

import sys

import numpy as np

from analysis.live import LiveAnalyzer
from analysis.pipeline import analyze_recording
from sensors.contract import REQUIRED_COLUMNS
from sensors.recording import read_recording


def count(exercise: str, reps: int, circles: int, strides: int) -> int:
    return circles if exercise == "ankle_circles" else strides if exercise == "tiptoe_walk" else reps


def main(paths: list[str]) -> None:
    for path in paths:
        rec = read_recording(path)
        doc = analyze_recording(rec)
        d = rec.data[list(REQUIRED_COLUMNS)].to_numpy()
        la = LiveAnalyzer(placement=rec.placement or "foot", mounting=rec.metadata.get("mounting"))
        step = int(round(1.0 / np.median(np.diff(d[:, 0]))))
        print(path)
        prev = None
        for i in range(0, len(d), step):
            la.push(d[i:i + step])
            s = la.state()
            if prev is not None and prev.exercise and s.exercise != prev.exercise:
                shown = count(prev.exercise, prev.reps, prev.circles_cw + prev.circles_ccw, prev.strides)
                print(f"  live  {prev.t_s:6.1f} s  showed {prev.exercise} {shown}; "
                      f"then: {s.exercise or 'last set: ' + str(s.last_set)}")
            prev = s
        for e in doc["exercises"]:
            n = count(e["exercise"], len(e["reps"]), len(e["circles"]), len(e["strides"]))
            print(f"  final {e['start_s']:6.1f}-{e['end_s']:6.1f} s  {e['exercise']} {n}")


if __name__ == "__main__":
    main(sys.argv[1:])
