"""Trend recovery: do the history report's trends find the rates a person improved at?

    python benchmarks/trends.py [--quick] [--seeds 20] [--png docs/report-history-90d.png]

For each seed, :func:`analysis.synthetic_history.simulate_history` writes 90
days of analysis documents (3 sessions a day planned, 85 % done, both feet,
the right improving at half the left's rates, 5 % of bouts misdetected with
low confidence) and :func:`analysis.trends.history_trends` fits them. Prints,
per exercise, metric and foot, the median and worst relative error of the
weekly rate over the seeds, the share of estimates within 10 %, how often the
lagging foot was named (and how often a foot was named in histories where
both feet improve alike), and the time the trends took. With ``--png``,
renders the history report of seed 3 and its trend section alone (the
README's figures).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.synthetic_history import simulate_history  # noqa: E402
from analysis.trends import TREND_METRICS, history_trends  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="3 seeds")
    ap.add_argument("--png", help="also render the 90-day history report of seed 3 here, and its trend "
                                  "section alone beside it (NAME-trends.png)")
    args = ap.parse_args()
    n = 3 if args.quick else args.seeds
    errs: dict = {}
    named = false_named = 0
    fit_s = []
    for seed in range(n):
        h = simulate_history(days=90, seed=seed)
        t = time.perf_counter()
        r = history_trends(h.docs, h.logs)
        fit_s.append(time.perf_counter() - t)
        named += r["lagging_side"] == "right"
        for ex, metrics in TREND_METRICS.items():
            for side in ("left", "right"):
                for m in metrics:
                    tr = r["trends"][ex][side][m]
                    errs.setdefault((ex, m, side), []).append(abs(tr["per_week"] / h.truth[ex][side][m][1] - 1))
        errs.setdefault(("pain", "pain_0_10", "-"), []).append(
            abs(r["outcome_trends"]["pain_0_10"]["per_week"] / h.truth["pain_per_week"] - 1))
        even = simulate_history(days=90, seed=1000 + seed, lagging=None)
        false_named += bool(history_trends(even.docs, even.logs)["lagging"])
    print(f"{n} histories of 90 days ({len(h.docs)} documents in the last), weekly rate error:")
    print(f"{'exercise':16} {'metric':16} {'foot':5} {'median':>7} {'worst':>7}")
    all_errs = []
    for (ex, m, side), e in errs.items():
        e = np.asarray(e)
        all_errs += list(e)
        print(f"{ex:16} {m:16} {side:5} {100 * np.median(e):6.1f}% {100 * e.max():6.1f}%")
    all_errs = np.asarray(all_errs)
    print(f"within 10 %: {np.mean(all_errs < 0.10):.1%} of {len(all_errs)} estimates; "
          f"median error {100 * np.median(all_errs):.1f} %")
    print(f"lagging right foot named: {named} of {n}; a foot named where both improve alike: {false_named} of {n}")
    print(f"history_trends on one history: median {np.median(fit_s):.2f} s (wall, this machine)")
    if args.png:
        from analysis.adherence import history_adherence
        from analysis.prescription import load
        from toehold.report import render_report

        h = simulate_history(days=90, seed=3)
        t = time.perf_counter()
        s = render_report(h.docs, args.png, history=history_adherence(h.docs, load()),
                          trends=history_trends(h.docs, h.logs))
        print(f"wrote {args.png} in {time.perf_counter() - t:.1f} s; panels: {len(s['panels'])}")
        from toehold.report_trends import render_trends

        alone = Path(args.png).with_name(Path(args.png).stem + "-trends.png")
        render_trends(history_trends(h.docs, h.logs), alone)
        print(f"wrote {alone}")


if __name__ == "__main__":
    main()
