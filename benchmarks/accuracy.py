"""Accuracy benchmark (issue 12): every target, tier by tier, in one run.

    python benchmarks/accuracy.py --sessions 8 --seed0 60000 --jobs 2 --readme

Sources of truth, all scored by ``benchmarks/_scoring.py`` (the same rules
``benchmarks/heldout_eval.py`` uses):

* the project's simulator (``sensors.simulator``) on held-back seeds
  ``100000 + 10·seed0 + 1000·k + i`` (tier k, session i; tuning and tests use
  seeds below 10000): clean, realistic, hard, ankle, look-alikes among
  exercises, look-alikes only;
* the held-out generator (``benchmarks/heldout``, written without reading
  ``analysis/``; measuring only, never tuning) on seeds ``seed0 .. seed0+N-1``
  in each of its tiers, through a CSV file and ``read_recording`` like a user's
  recording (``heldout_eval.run_one``);
* the labelled samples of an outside simulator in ``../shared/samples/`` when
  that folder exists;
* real recordings with none of the exercises (``tests/data/real/*/*.csv``,
  plus ``../shared/real/gaitmap/*.csv`` when present, same names once), each
  read as a foot and as an ankle recording: every counted bout is false;
* the bundled demo: its holds against ``recordings/demo.truth.json``.

Prints every figure next to its target with met/missed; ``--markdown FILE``
writes the README's tables, ``--readme`` puts them into README.md between
the ``accuracy-table`` markers. Only bouts that count (confidence at or above
the documented threshold) are scored.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._scoring import (  # noqa: E402
    CONF_MIN,
    IOU_MIN,
    MEASURES,
    demo_holds,
    markdown_tables,
    reported,
    score,
    summarise,
    tally,
    verdict,
)

SIM_SEED_BASE = 100_000
RATES = (20.0, 25.0, 50.0, 100.0, 200.0, 400.0)
# Column -> simulate_session arguments for session i. The index of a column
# in this dict is its seed block k, so adding a column never moves the seeds
# of the others: append new ones at the end.
SIM_TIERS = {
    "clean": lambda i: dict(tier="clean"),
    "realistic": lambda i: dict(tier="realistic"),
    "hard": lambda i: dict(tier="hard"),
    "ankle": lambda i: dict(tier="ankle"),
    "look-alikes + exercises": lambda i: dict(tier="lookalikes",
                                              placement="ankle" if i % 2 else "foot"),
    "look-alikes only": lambda i: dict(tier="negatives", placement="ankle" if i % 2 else "foot",
                                       sampling_rate_hz=RATES[i % len(RATES)]),
    # not run by default (--sim-tiers): one difficulty at a time
    "random mounting": lambda i: dict(tier="realistic", mounting="random"),
    "20-400 Hz": lambda i: dict(tier="realistic", sampling_rate_hz=RATES[i % len(RATES)]),
    "0-10 % loss": lambda i: dict(tier="realistic", packet_loss=0.10 * (i % 6) / 5),
    "sloppy": lambda i: dict(tier="realistic", sloppiness=0.9),
    # tiptoe walking drawn wide among walking, stairs, heel raises, lunges, hops
    "tiptoe wide": lambda i: dict(tier="tiptoe", placement="ankle" if i % 2 else "foot"),
    # pencil pickups drawn wide (seated or standing, lifted or toes curled,
    # carried, 1-5 reps); every eighth with a shank sensor, which cannot see them
    "pencil wide": lambda i: dict(tier="pencil", placement="ankle" if i % 8 == 7 else "foot"),
    # ankle circles drawn wide (circle_wide: 5-40 deg, 0.2-1.5 circles/s, pauses
    # of 0.5-3 s, a third seated; part turns at the ends), hard sensor conditions
    "circles wide": lambda i: dict(tier="circles"),
    # tiptoe walks drawn wider still at the shank (tiptoe_wider: slow shuffles,
    # quick short strides whose stance never rests)
    "tiptoe wider": lambda i: dict(tier="tiptoe-wide"),
    # mounted any way round, with 0-3 ordinary walks of 1-30 strides (some
    # sessions with none) and look-alikes: the mounting from walking and its
    # confidence (benchmarks/mounting.py has the angles)
    "mount": lambda i: dict(tier="mount"),
    # the exercises among look-alikes drawn slow, small and held, on the hard
    # tier's sensor (benchmarks/lookalikes.py --hard)
    "hard look-alikes": lambda i: dict(tier="hard-lookalikes"),
    # the hard tier without the tiptoe walk, 0-3 ordinary walks (walk_wide):
    # the mounting from walking weak or missing (branch hardtier)
    "hard no walk": lambda i: dict(tier="hard-nowalk"),
    # the shank drawn wide (issue 12, branch ankle): sensor 5-35 cm up, any
    # way round the shank, wobbling, 20-400 Hz, few or no walks, wide tiptoe
    # walks and toe presses of 0.3-25 deg of knee
    "ankle wide": lambda i: dict(tier="ankle-wide"),
    # pencil pickups as people do them (sensors.simulator.pencil_people: seated
    # or standing, lifted 1-15 cm, curled or the heel raised, held 1-20 s, feet
    # in turn, swaying; benchmarks/pencil.py --tier pencil-people); every eighth
    # with a shank sensor, which cannot see them
    "pencil people": lambda i: dict(tier="pencil-people", placement="ankle" if i % 8 == 7 else "foot"),
    # tiptoe walks drawn wide (tiptoe_plan) on the hard tier's sensor: 20-400
    # Hz, loss bursts inside the walk, bias steps, 4 g saturation half the
    # time, any mounting (branch tiptoehard)
    "tiptoe hard": lambda i: dict(tier="tiptoe-hard"),
    # toe presses as people may also do them (sensors.simulator press_wide: the
    # shin tipping either way by up to 10 deg, the instep lifting up to 1.5 cm
    # as the arch domes, holds counted unevenly), foot and shank in turn (branch
    # pressdoubt)
    "press wide": lambda i: dict(tier="press-wide", placement="ankle" if i % 2 else "foot"),
}
SIM_DEFAULT = list(SIM_TIERS)[:6]
# Column -> the held-out generator's tier.
HELDOUT_TIERS = {"clean": "clean", "realistic": "realistic", "hard": "hard", "ankle": "ankle",
                 "look-alikes only": "lookalikes"}
LOOKALIKE_COLUMNS = ("look-alikes + exercises", "look-alikes only")
REAL_DIRS = (ROOT / "tests" / "data" / "real", ROOT.parent / "shared" / "real")
SAMPLES = ROOT.parent / "shared" / "samples"
DEMO = ROOT / "recordings" / "demo.csv"
# Held-out seeds already opened or reported (benchmarks/heldout/README.md): figures
# on them are not held-out any more. Add the seeds of every reported run.
SPENT_HELDOUT_SEEDS = (range(1000, 1012), range(5000, 5008), range(9000, 9008), range(13000, 13008),
                       range(14000, 14008), range(15000, 15008), range(20000, 20008), range(28000, 28008),
                       # 0.13.0 (2 Dec 2026): 30000 reported, 38000, 40000 and 35000 used to choose
                       # what to revert at the merge, 44000 reported.
                       range(30000, 30008), range(35000, 35016), range(38000, 38016), range(40000, 40024),
                       range(44000, 44024),
                       # 0.14.0 (2 Dec 2026): 48000 reported (0.13.0 and 0.14.0 side by side).
                       range(48000, 48024),
                       # 0.15.0 (2 Dec 2026): 52000 looked at after the first merges (0.14.0
                       # and 0.15.0 side by side, then each branch alone on the hard tier).
                       range(52000, 52024),
                       # 0.15.0: 56000 reported (0.14.0 and 0.15.0 side by side).
                       range(56000, 56024),
                       # 0.16.0 (2 Dec 2026): 60000 looked at after the merges (0.15.0 and
                       # 0.16.0 side by side, then lookalike2's two foot checks ablated).
                       range(60000, 60024),
                       # 0.16.0: 64000 reported (0.15.0 and 0.16.0 side by side).
                       range(64000, 64024),
                       # 0.17.0 (2 Dec 2026): 64000's clean, realistic, ankle and hard sessions
                       # read bout by bout to brief the branches (failure kinds only); 68000
                       # looked at after the merges (0.16.0 and 0.17.0 side by side, two
                       # sessions traced, nothing changed); 72000 reported.
                       range(68000, 68024), range(72000, 72024))
MARK_BEGIN, MARK_END = "<!-- accuracy-table:begin -->", "<!-- accuracy-table:end -->"


def sim_seed(seed0: int, column: str, i: int) -> int:
    return SIM_SEED_BASE + 10 * seed0 + 1000 * list(SIM_TIERS).index(column) + i


def _analyse_safely(load):
    """(analysis document, error text): a crash scores as nothing found."""
    from analysis.pipeline import analyze_recording
    try:
        return analyze_recording(load()), None
    except Exception as exc:  # noqa: BLE001 - a crash is a result here
        return {"exercises": [], "balance": {}}, f"{type(exc).__name__}: {exc}"


def run_job(job):
    """One unit of work; returns (kind, column, score or figures, seconds)."""
    from sensors.recording import read_recording
    t0 = time.time()
    kind = job[0]
    if kind == "sim":
        from sensors.simulator import simulate_session
        _, column, seed, i = job
        rec, truth = simulate_session(seed=seed, **SIM_TIERS[column](i))
        doc, err = _analyse_safely(lambda: rec)
        s = score(truth, doc)
        s.update(seed=seed, error=err)
    elif kind == "heldout":
        from benchmarks.heldout_eval import run_one
        _, column, seed = job
        s = run_one((HELDOUT_TIERS[column], seed, None))
    elif kind == "sample":
        _, column, csv = job
        truth = json.loads(Path(csv).with_name(Path(csv).stem + ".truth.json").read_text())
        doc, err = _analyse_safely(lambda: read_recording(csv))
        s = score(truth, doc)
        s.update(error=err)
    elif kind == "real":
        _, column, csv, placement = job
        doc, err = _analyse_safely(lambda: read_recording(csv, placement=placement))
        rep, unc = reported(doc)
        s = {"file": Path(csv).name, "placement": placement, "false": len(rep),
             "uncertain": len(unc), "exercises": sorted({b["exercise"] for b in rep}),
             "error": err}
    elif kind == "demo":
        truth = json.loads(DEMO.with_name("demo.truth.json").read_text())
        doc, err = _analyse_safely(lambda: read_recording(DEMO))
        n, within, worst = demo_holds(truth, doc)
        s = {"holds": n, "within": within, "worst_s": worst, "error": err}
        column = "demo"
    else:
        raise ValueError(kind)
    return kind, column, s, time.time() - t0


def real_files() -> list[Path]:
    """Real recordings without exercises, one per file name (the repository's copy first)."""
    seen = {}
    for folder in REAL_DIRS:
        for csv in sorted(folder.glob("*/*.csv")):
            seen.setdefault(csv.name, csv)
    return [seen[k] for k in sorted(seen)]


def plan(args) -> list[tuple]:
    jobs = []
    for i in range(args.sessions):
        for col in args.sim_tiers:
            jobs.append(("sim", col, sim_seed(args.seed0, col, i), i))
        for col in args.heldout_tiers:
            jobs.append(("heldout", col, args.seed0 + i))
    if args.samples and SAMPLES.is_dir():
        jobs += [("sample", "shared samples", str(c)) for c in sorted(SAMPLES.glob("*.csv"))
                 if c.with_name(c.stem + ".truth.json").is_file()]
    if args.real:
        jobs += [("real", "real", str(c), p) for c in real_files() for p in ("foot", "ankle")]
    if args.demo and DEMO.is_file():
        jobs.append(("demo", "demo"))
    return jobs


def collect(results, args) -> dict:
    """The figures dict of :func:`benchmarks._scoring.markdown_tables`."""
    by = {}
    for kind, column, s, _ in results:
        by.setdefault((kind, column), []).append(s)
    sources = []
    if args.sim_tiers and args.sessions:
        sources.append({
            "title": f"The project's simulator ({args.sessions} session(s) per tier, held-back "
                     f"seeds {SIM_SEED_BASE + 10 * args.seed0} + 1000·k + i for the k-th tier "
                     "of `SIM_TIERS`)",
            "tiers": {c: summarise(by.get(("sim", c), [])) for c in args.sim_tiers},
            "lookalike_tiers": [c for c in args.sim_tiers if c in LOOKALIKE_COLUMNS]})
    if args.heldout_tiers and args.sessions:
        sources.append({
            "title": f"The held-out generator ({args.sessions} session(s) per tier, seeds "
                     f"{args.seed0}..{args.seed0 + args.sessions - 1})",
            "tiers": {c: summarise(by.get(("heldout", c), [])) for c in args.heldout_tiers},
            "lookalike_tiers": [c for c in args.heldout_tiers if c in LOOKALIKE_COLUMNS]})
    smp = by.get(("sample", "shared samples"))
    if smp:
        sources.append({"title": f"Labelled samples of an outside simulator ({len(smp)})",
                        "tiers": {"shared samples": summarise(smp)}})
    figures = {"sources": sources, "real": None, "demo": None}
    real = by.get(("real", "real"))
    if real:
        figures["real"] = {"files": len({r["file"] for r in real}), "readings": len(real),
                           "false": sum(r["false"] for r in real),
                           "uncertain": sum(r["uncertain"] for r in real),
                           "errors": sum(bool(r["error"]) for r in real),
                           "by_file": real}
    demo = by.get(("demo", "demo"))
    if demo:
        figures["demo"] = demo[0]
    return figures


def _commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def spent(seed0: int, sessions: int) -> list[int]:
    """The held-out seeds of this run that were looked at before."""
    return [s for s in range(seed0, seed0 + sessions) if any(s in r for r in SPENT_HELDOUT_SEEDS)]


def header(args, wall_s, cpu_s) -> list[str]:
    from analysis.pipeline import ANALYSER_VERSION
    used = spent(args.seed0, args.sessions) if args.heldout_tiers else []
    warn = (f" **Held-out seeds {used[0]}–{used[-1]} were looked at before: these are not "
            "held-out figures.**" if used else "")
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [f"`{args.command}` — ANALYSER_VERSION {ANALYSER_VERSION}, commit {_commit()}, "
            f"{when}; {wall_s / 60:.1f} min wall, {cpu_s / 60:.1f} min CPU with "
            f"{args.jobs} job(s) on {os.cpu_count()} cores (load average {args.load[0]:.1f} "
            f"at the start, {args.load[1]:.1f} at the end). A bout counts when its confidence is at least {CONF_MIN:g}; "
            f"a true bout is found when the reported bouts of its exercise overlapping it "
            f"reach IoU ≥ {IOU_MIN:g} together (rules: benchmarks/heldout/README.md, "
            "\"Scoring\"). In brackets: how many bouts, circle directions, walks or "
            "stances the figure rests on. Generated by `benchmarks/accuracy.py`; do not edit "
            "by hand." + warn, ""]


def print_text(figures):
    """The terminal view: every figure, its target and met/missed, and the details."""
    for src in figures["sources"]:
        look = set(src.get("lookalike_tiers", ()))
        print(f"\n== {src['title']} ==")
        for col, s in src["tiers"].items():
            print(f"  -- {col} ({s['sessions']} sessions)")
            for m in MEASURES:
                v, n = s[m.key]
                if v is None:
                    continue
                ver = verdict(m, v, col in look)
                print(f"    {m.label:<55} {m.fmt.format(v):>8}  n={n:<4} "
                      f"{m.target_text():<22} {ver or ''}")
            f1 = ", ".join(f"{ex} {v:.2f}" for ex, v in sorted(s["per_exercise_f1"].items())
                           if v is not None)
            print(f"    per-exercise F1: {f1 or '–'}")
    if figures.get("real"):
        r = figures["real"]
        print(f"\n== real recordings with none of the exercises: {r['false']} false bouts, "
              f"{r['uncertain']} uncertain, {r['readings']} readings of {r['files']} files "
              f"(target 0: {'met' if r['false'] == 0 else 'missed'}) ==")
        for x in r["by_file"]:
            print(f"    {x['file']:<45} as {x['placement']:<5} {x['false']} false "
                  f"{', '.join(x['exercises'])} {x['error'] or ''}")
    if figures.get("demo"):
        d = figures["demo"]
        ok = d["holds"] and d["within"] == d["holds"]
        print(f"\n== demo: {d['within']} of {d['holds']} holds within 0.25 s of the truth, worst "
              f"{d['worst_s']:.2f} s ({'met' if ok else 'missed'}) ==")


def write_readme(readme: Path, lines: list[str]) -> None:
    text = readme.read_text(encoding="utf-8")
    a, b = text.index(MARK_BEGIN) + len(MARK_BEGIN), text.index(MARK_END)
    readme.write_text(text[:a] + "\n\n" + "\n".join(lines).strip() + "\n\n" + text[b:],
                      encoding="utf-8")


def _columns(text, choices, default, what, ap):
    if text is None:
        return list(default)
    cols = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in cols if c not in choices]
    if bad:
        ap.error(f"unknown {what} tier(s) {bad}; choose from {list(choices)}")
    return cols


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=8, help="sessions per tier and generator")
    ap.add_argument("--seed0", type=int, default=76000,
                    help="held-out seeds seed0..seed0+N-1; simulator seeds derived from it "
                         "(use a seed0 nobody has looked at: spent "
                         + ", ".join(f"{r.start}-{r.stop - 1}" for r in SPENT_HELDOUT_SEEDS)
                         + " (SPENT_HELDOUT_SEEDS); 32000-37999 are used while working)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--sim-tiers", help=f"comma list (default {','.join(SIM_DEFAULT)}; "
                                        f"'' for none) of {list(SIM_TIERS)}".replace("%", "%%"))  # argparse formats help with %
    ap.add_argument("--heldout-tiers", help=f"comma list ('' for none) of {list(HELDOUT_TIERS)}")
    ap.add_argument("--no-real", dest="real", action="store_false", help="skip the real negatives")
    ap.add_argument("--no-samples", dest="samples", action="store_false",
                    help="skip ../shared/samples")
    ap.add_argument("--no-demo", dest="demo", action="store_false", help="skip the demo's holds")
    ap.add_argument("--markdown", metavar="FILE", help="write the README tables to FILE ('-': stdout)")
    ap.add_argument("--readme", action="store_true",
                    help=f"replace README.md's tables between {MARK_BEGIN} and {MARK_END}")
    ap.add_argument("--json", metavar="FILE", help="write the figures and per-session rows as JSON")
    args = ap.parse_args(argv)
    if args.sessions < 0 or args.jobs < 1:
        ap.error("--sessions must be ≥ 0 and --jobs ≥ 1")
    args.sim_tiers = _columns(args.sim_tiers, SIM_TIERS, SIM_DEFAULT, "simulator", ap)
    args.heldout_tiers = _columns(args.heldout_tiers, HELDOUT_TIERS, HELDOUT_TIERS, "held-out", ap)
    readme = ROOT / "README.md"
    if args.readme:
        text = readme.read_text(encoding="utf-8")
        if MARK_BEGIN not in text or MARK_END not in text.split(MARK_BEGIN, 1)[-1]:
            ap.error(f"README.md has no {MARK_BEGIN} … {MARK_END} block")
    for out in (args.markdown, args.json):
        if out and out != "-" and not Path(out).resolve().parent.is_dir():
            ap.error(f"folder of {out} does not exist")
    args.command = f"python3 benchmarks/accuracy.py --sessions {args.sessions} --seed0 {args.seed0}"
    if args.sim_tiers != SIM_DEFAULT:
        args.command += f" --sim-tiers '{','.join(args.sim_tiers)}'"
    if args.heldout_tiers != list(HELDOUT_TIERS):
        args.command += f" --heldout-tiers '{','.join(args.heldout_tiers)}'"
    args.command += f" --jobs {args.jobs}"

    if args.heldout_tiers and spent(args.seed0, args.sessions):
        print(f"warning: held-out seeds {spent(args.seed0, args.sessions)} are spent "
              "(looked at before); use a fresh --seed0 for figures to report", file=sys.stderr)
    jobs = plan(args)
    # dearest first (look-alike sessions are the longest), so the last job is a short one
    cost = {"sim": 2, "heldout": 1, "sample": 1, "real": 0, "demo": 1}
    jobs.sort(key=lambda j: -(cost[j[0]] + (j[1] in LOOKALIKE_COLUMNS)))
    t0, load0 = time.time(), os.getloadavg()[0]
    if args.jobs > 1:
        pool = Pool(args.jobs)
        try:
            results = list(pool.imap_unordered(run_job, jobs))
            pool.close()
        finally:
            pool.terminate()
            pool.join()
    else:
        results = [run_job(j) for j in jobs]
    wall = time.time() - t0
    args.load = (load0, os.getloadavg()[0])
    usage = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)
    figures = collect(results, args)
    print_text(figures)
    errors = [(k, c, s.get("seed"), s["error"]) for k, c, s, _ in results if s.get("error")]
    for e in errors:
        print(f"  analysis error: {e}")
    met, missed = tally(figures)
    print(f"\n{met} figures meet their target, {missed} miss it. {len(jobs)} jobs in {wall:.0f} s "
          f"wall, {cpu:.0f} s CPU ({args.jobs} job(s)).")
    lines = header(args, wall, cpu) + markdown_tables(figures) + [
        f"{met} figures meet their target, {missed} miss it."]
    if args.markdown == "-":
        print("\n" + "\n".join(lines))
    elif args.markdown:
        Path(args.markdown).write_text("\n".join(lines) + "\n", encoding="utf-8")
    if args.readme:
        write_readme(readme, lines)
        print(f"README.md: accuracy tables rewritten ({len(lines)} lines)")
    if args.json:
        rows = [{"kind": k, "column": c, **{x: y for x, y in s.items()}, "seconds": sec}
                for k, c, s, sec in results]
        Path(args.json).write_text(json.dumps({"figures": figures, "rows": rows}, indent=1,
                                              default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
