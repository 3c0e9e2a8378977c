"""Draw the report pictures in ``docs/``: the four cases the report is reviewed on.

    python docs/pictures.py            # about a minute on one core

* ``report-demo.png``: the bundled demo session (``toehold report`` draws the same);
* ``report-ankle.png``: an ankle-worn sensor (simulated, tier ``ankle``), which
  cannot see three of the five exercises;
* ``report-bad-day.png``: two short toe-press sets and a tiptoe walk, the rest
  skipped, with a sensor that kept losing its signal;
* ``report-history.png``: 90 days of sessions (a handful of simulated sessions
  placed on the days as a person might have done them: keen at first, a lapse,
  a restart).
"""
from __future__ import annotations

import copy
import datetime as dt
import sys
from pathlib import Path

import numpy as np

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))


def _doc(rec, path: str):
    from analysis.pipeline import analyze_recording

    rec.path = path
    return analyze_recording(rec)


def demo_doc():
    from sensors.load import load_recording

    return _doc(load_recording(ROOT / "recordings" / "demo.csv"), "recordings/demo.csv")


def ankle_doc():
    from sensors.simulator import simulate_session

    rec, _ = simulate_session(seed=11, tier="ankle", side="right")
    return _doc(rec, "ankle.csv")


def bad_day_doc():
    from sensors.simulator import simulate_session

    rec, _ = simulate_session(seed=5, tier="realistic", exercises=["toe_press", "toe_press", "tiptoe_walk"],
                              packet_loss=0.06)
    # Two stretches with no signal at all (the sensor out of range).
    t = rec.data["t"].to_numpy()
    keep = ~(((t > 60) & (t < 64)) | ((t > 150) & (t < 152.5)))
    from sensors.recording import recording_from_arrays

    return _doc(recording_from_arrays(rec.data[keep].reset_index(drop=True), rec.metadata), "bad-day.csv")


def history_docs(days: int = 90, seed: int = 4):
    """``days`` of sessions built from a few analysed ones, each given its own start time."""
    from sensors.simulator import simulate_session

    # Sessions that met the programme (simulated seeds whose analysis says
    # "done") and some that fell short (the demo, the bad day).
    good = [_doc(simulate_session(seed=k, tier="clean")[0], f"s{k}.csv") for k in (304, 306, 308, 311, 315)]
    short = [demo_doc(), bad_day_doc()]
    rng = np.random.default_rng(seed)
    day0 = dt.date(2026, 9, 1)
    docs = []
    for d in range(days):
        # Keen for a month, a lapse in the sixth week, then most days again.
        p_session = 0.9 if d < 30 else 0.25 if d < 45 else 0.75
        for _s, hour in enumerate((8, 13, 19)):
            if d < days - 3 and rng.random() > p_session:
                continue
            pool = short if rng.random() < 0.3 else good
            doc = copy.deepcopy(pool[rng.integers(len(pool))])
            when = dt.datetime.combine(day0 + dt.timedelta(days=d), dt.time(hour, int(rng.integers(60))))
            doc["recording"]["start_time"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
            docs.append(doc)
    return docs


def main() -> None:
    from analysis.adherence import history_adherence
    from analysis.prescription import load
    from toehold.report import render_report

    for name, doc in (("demo", demo_doc()), ("ankle", ankle_doc()), ("bad-day", bad_day_doc())):
        render_report([doc], DOCS / f"report-{name}.png")
        print(f"wrote docs/report-{name}.png")
    from analysis.trends import history_trends

    docs = history_docs()
    render_report(docs, DOCS / "report-history.png", history=history_adherence(docs, load()),
                  trends=history_trends(docs))
    print(f"wrote docs/report-history.png ({len(docs)} sessions)")


if __name__ == "__main__":
    main()
