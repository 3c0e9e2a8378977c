"""Measure toehold on the held-out generator (issue 12): tier by tier.

    python benchmarks/heldout_eval.py --sessions 6 --jobs 1
    python benchmarks/heldout_eval.py --tiers hard,ankle --sessions 20 --jobs 2 --markdown
    python benchmarks/heldout_eval.py --real          # real recordings without exercises

Sessions come from ``benchmarks/heldout`` (its own body and sensor models,
written without reading ``analysis/``); seeds are ``seed0 .. seed0+N-1`` per
tier. Each is written as a toehold-recording/1 CSV in a scratch folder, read
with ``sensors.recording.read_recording`` and analysed with
``analysis.pipeline.analyze_recording`` (the public entry points), then scored
against the generator's truth with ``benchmarks/_scoring.py`` (the rules
``benchmarks/accuracy.py`` uses too, which runs this generator, the project's
simulator and the real recordings in one command). This is a measuring stick: never tune the
detector on it (see benchmarks/heldout/README.md for the scoring rules).
"""
from __future__ import annotations

import argparse
import glob
import json
import shutil
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._scoring import CONF_MIN, IOU_MIN, MEASURES, reported, score, summarise  # noqa: E402,F401
from benchmarks.heldout import TIERS, generate, write_session  # noqa: E402

# The real walks and stairs copied into the repository (MIT, see its README).
REAL = ROOT / "tests" / "data" / "real" / "gaitmap"


# ----------------------------------------------------------------- analysis
def analyse(path):
    from analysis.pipeline import analyze_recording
    from sensors.recording import read_recording
    return analyze_recording(read_recording(str(path)))


# ---------------------------------------------------------------- running
def run_one(job):
    tier, seed, keep = job
    t0 = time.time()
    sess = generate(seed, tier)
    gen_s = time.time() - t0
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="heldout_"))
    try:
        path = write_session(sess, folder, force=True)
        t1 = time.time()
        try:
            doc = analyse(path)
            err = None
        except Exception as exc:   # a crash is a result: score it as nothing found
            doc, err = {"exercises": [], "balance": {}}, f"{type(exc).__name__}: {exc}"
        an_s = time.time() - t1
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    s = score(sess.truth, doc)
    s.update(tier=tier, seed=seed, error=err, gen_s=gen_s, analyse_s=an_s,
             duration_s=float(sess.t[-1]))
    return s


def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, int):
        return str(v)
    return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"


def print_tables(summ, markdown):
    for tier, s in summ.items():
        print(f"\n### tier `{tier}` ({s['sessions']} sessions)\n" if markdown
              else f"\n== tier {tier} ({s['sessions']} sessions) ==")
        lines = [("measure", "value", "n", "target")]
        for m in MEASURES:
            v, n = s[m.key]
            lines.append((m.label, fmt(v), str(n), m.target_text()))
        f1 = ", ".join(f"{ex} {fmt(v)}" for ex, v in sorted(s["per_exercise_f1"].items()))
        _table(lines, markdown)
        print(("\nper-exercise F1: " if markdown else "per-exercise F1: ") + (f1 or "–"))
    # one wide table: measures × tiers
    print("\n### all tiers\n" if markdown else "\n== all tiers ==")
    lines = [("measure",) + tuple(summ)]
    for m in MEASURES:
        lines.append((m.label,) + tuple(fmt(summ[t][m.key][0]) for t in summ))
    _table(lines, markdown)


def _table(lines, markdown):
    if markdown:
        print("| " + " | ".join(lines[0]) + " |")
        print("|" + "|".join(" --- " for _ in lines[0]) + "|")
        for row in lines[1:]:
            print("| " + " | ".join(row) + " |")
    else:
        w = [max(len(r[i]) for r in lines) for i in range(len(lines[0]))]
        for row in lines:
            print("  ".join(c.ljust(w[i]) for i, c in enumerate(row)))


def run_real(markdown):
    files = sorted(glob.glob(str(REAL / "*.csv")))
    if not files:
        print(f"no real recordings under {REAL}")
        return
    lines = [("recording", "reported bouts (false)", "uncertain", "exercises")]
    tot = unc_tot = 0
    for f in files:
        try:
            rep, unc = reported(analyse(f))
            names = ", ".join(sorted({b["exercise"] for b in rep})) or "–"
        except Exception as exc:
            rep, unc, names = [], [], f"error: {type(exc).__name__}"
        tot += len(rep)
        unc_tot += len(unc)
        lines.append((Path(f).name, str(len(rep)), str(len(unc)), names))
    lines.append(("total", str(tot), str(unc_tot), f"{len(files)} files"))
    print("\n### real recordings without exercises\n" if markdown else "\n== real ==")
    _table(lines, markdown)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=6, help="sessions per tier")
    ap.add_argument("--tiers", default=",".join(TIERS), help=f"comma list of {TIERS}")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed0", type=int, default=1000, help="first seed of every tier")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ap.add_argument("--keep", metavar="DIR", help="keep the generated sessions in DIR")
    ap.add_argument("--real", action="store_true",
                    help=f"also count false bouts on {REAL}/*.csv")
    ap.add_argument("--json", metavar="FILE", help="write per-session rows as JSON")
    a = ap.parse_args(argv)
    tiers = [t.strip() for t in a.tiers.split(",") if t.strip()]
    bad = [t for t in tiers if t not in TIERS]
    if bad:
        ap.error(f"unknown tier(s) {bad}; choose from {TIERS}")
    if a.sessions < 1 or a.jobs < 1:
        ap.error("--sessions and --jobs must be ≥ 1")
    if a.keep:
        Path(a.keep).mkdir(parents=True, exist_ok=True)
    jobs = [(t, a.seed0 + i, a.keep) for t in tiers for i in range(a.sessions)]
    t0 = time.time()
    if a.jobs > 1:
        with Pool(a.jobs) as pool:
            rows = list(pool.imap(run_one, jobs))
    else:
        rows = [run_one(j) for j in jobs]
    summ = {t: summarise([r for r in rows if r["tier"] == t]) for t in tiers}
    print(f"held-out generator: {len(rows)} sessions ({a.sessions} per tier, seeds "
          f"{a.seed0}..{a.seed0 + a.sessions - 1}), {sum(r['duration_s'] for r in rows) / 60:.0f} "
          f"min of recordings, generation {sum(r['gen_s'] for r in rows):.1f} s, analysis "
          f"{sum(r['analyse_s'] for r in rows):.1f} s, wall {time.time() - t0:.0f} s")
    print(f"rules: reported bouts = no `confidence` or confidence ≥ {CONF_MIN}; a true bout is "
          f"found when its same-exercise fragments reach IoU ≥ {IOU_MIN}")
    for r in rows:
        if r["error"]:
            print(f"  analysis error on {r['tier']} seed {r['seed']}: {r['error']}")
    print_tables(summ, a.markdown)
    if a.real:
        run_real(a.markdown)
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1, default=str))


if __name__ == "__main__":
    main()
