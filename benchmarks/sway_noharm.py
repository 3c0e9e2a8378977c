"""accuracy.py's sway figures before and after the shank's rate cut, from one analysis per session.

    python benchmarks/sway_noharm.py --seed0 37000 --sessions 8

The same sessions as ``accuracy.py --sessions N --seed0 S --sim-tiers
ankle,"look-alikes + exercises","look-alikes only" --heldout-tiers
ankle,"look-alikes only"``; each document is scored twice by
``_scoring.score``, its ``balance`` built from the stances found with and
without the cut (``QuietStanceDetector(max_rate_dps=inf)``). Every other
figure is the same document's, and is checked to be identical.
"""
from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import analysis.pipeline as pipeline  # noqa: E402
import analysis.session as session_mod  # noqa: E402
from analysis.families import QuietStanceDetector  # noqa: E402
from benchmarks._scoring import score, summarise  # noqa: E402
from benchmarks.accuracy import HELDOUT_TIERS, SIM_TIERS, sim_seed  # noqa: E402

_before: dict = {}


class _Both(QuietStanceDetector):
    def detect(self, signals, claimed, bouts):
        _before["stances"] = QuietStanceDetector(self.min_stance_s, max_rate_dps=math.inf).detect(
            signals, claimed, bouts).stances_
        return super().detect(signals, claimed, bouts)


_balance_section = pipeline.balance_section


def _balance_both(fitted, placement):
    after = _balance_section(fitted, placement)
    keep, fitted.stances_ = fitted.stances_, _before["stances"]
    try:
        _before["doc"] = _balance_section(fitted, placement)
    finally:
        fitted.stances_ = keep
    return after


def one(kind: str, column: str, i: int, seed0: int):
    """(score before, score after) of one session."""
    if kind == "sim":
        from sensors.simulator import simulate_session
        rec, truth = simulate_session(seed=sim_seed(seed0, column, i), **SIM_TIERS[column](i))
        doc = pipeline.analyze_recording(rec)
    else:
        from benchmarks.heldout import generate, write_session
        from sensors.recording import read_recording
        sess = generate(seed0 + i, HELDOUT_TIERS[column])
        truth = sess.truth
        folder = tempfile.mkdtemp(prefix="heldout_")
        try:
            doc = pipeline.analyze_recording(read_recording(str(write_session(sess, folder, force=True))))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return score(truth, {**doc, "balance": _before["doc"]}), score(truth, doc)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed0", type=int, default=37000)
    ap.add_argument("--sessions", type=int, default=8)
    args = ap.parse_args(argv)
    session_mod.QuietStanceDetector = _Both
    pipeline.balance_section = _balance_both
    plan = [("sim", c) for c in ("ankle", "look-alikes + exercises", "look-alikes only")] + \
           [("heldout", c) for c in ("ankle", "look-alikes only")]
    sway_keys = ("sway_err", "stance_found")
    for kind, column in plan:
        rows = [one(kind, column, i, args.seed0) for i in range(args.sessions)]
        same = all({k: v for k, v in b.items() if k not in sway_keys} == {k: v for k, v in a.items() if k not in sway_keys}
                   for b, a in rows)
        figs = [summarise([r[k] for r in rows]) for k in (0, 1)]
        def f(x):
            return "–" if x is None else f"{x:.2f}"
        print(f"{kind} {column}: sway RMS error {f(figs[0]['sway_err'][0])} -> {f(figs[1]['sway_err'][0])} % "
              f"({figs[1]['sway_err'][1]} stances), found {f(figs[0]['stances_found'][0])} -> "
              f"{f(figs[1]['stances_found'][0])} %; other figures {'identical' if same else 'DIFFER'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
