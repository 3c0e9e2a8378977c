"""Measure toehold on the held-out generator (issue 12): tier by tier.

    python benchmarks/heldout_eval.py --sessions 6 --jobs 1
    python benchmarks/heldout_eval.py --tiers hard,ankle --sessions 20 --jobs 2 --markdown
    python benchmarks/heldout_eval.py --real          # real recordings without exercises

Sessions come from ``benchmarks/heldout`` (its own body and sensor models,
written without reading ``analysis/``); seeds are ``seed0 .. seed0+N-1`` per
tier. Each is written as a toehold-recording/1 CSV in a scratch folder, read
with ``sensors.recording.read_recording`` and analysed with
``analysis.pipeline.analyze_recording`` (the public entry points), then scored
here against the generator's truth. This is a measuring stick: never tune the
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

from benchmarks.heldout import TIERS, generate, write_session  # noqa: E402
from sensors.contract import CIRCLE_DIRECTIONS, HOLD_EXERCISES  # noqa: E402

CONF_MIN = 0.5
IOU_MIN = 0.5
# The real walks and stairs copied into the repository (MIT, see its README).
REAL = ROOT / "tests" / "data" / "real" / "gaitmap"


# ----------------------------------------------------------------- analysis
def analyse(path):
    from analysis.pipeline import analyze_recording
    from sensors.recording import read_recording
    return analyze_recording(read_recording(str(path)))


def reported(doc):
    """(reported bouts, uncertain bouts): a bout counts when it carries no
    ``confidence`` or one ≥ CONF_MIN."""
    rep, unc = [], []
    for b in doc.get("exercises", []):
        c = b.get("confidence")
        (rep if c is None or c >= CONF_MIN else unc).append(b)
    return rep, unc


# ------------------------------------------------------------------ scoring
def overlap(a0, a1, b0, b1):
    return max(0.0, min(a1, b1) - max(a0, b0))


def match_bouts(truth, det):
    """Assign each detected bout to the true bout of the same exercise it
    overlaps most; a true bout is found when its assigned fragments together
    have IoU ≥ IOU_MIN with it. Returns (frags per true bout or None, false
    detected bouts)."""
    assigned = [[] for _ in truth]
    false = []
    for d in det:
        best, best_ov = None, 0.0
        for i, t in enumerate(truth):
            if t["exercise"] == d["exercise"]:
                ov = overlap(t["start_s"], t["end_s"], d["start_s"], d["end_s"])
                if ov > best_ov:
                    best, best_ov = i, ov
        if best is None:
            false.append(d)
        else:
            assigned[best].append(d)
    found = []
    for t, frags in zip(truth, assigned):
        if not frags:
            found.append(None)
            continue
        inter = sum(overlap(t["start_s"], t["end_s"], f["start_s"], f["end_s"]) for f in frags)
        union = (t["end_s"] - t["start_s"]) + sum(f["end_s"] - f["start_s"] for f in frags) - inter
        if union > 0 and inter / union >= IOU_MIN:
            found.append(frags)
        else:
            found.append(None)
            false.extend(frags)
    return found, false


def pair_by_overlap(true_items, det_items):
    """One-to-one pairs (true, det), greedily by largest time overlap."""
    cand = sorted(((overlap(t["start_s"], t["end_s"], d["start_s"], d["end_s"]), i, j)
                   for i, t in enumerate(true_items) for j, d in enumerate(det_items)),
                  reverse=True)
    used_t, used_d, pairs = set(), set(), []
    for ov, i, j in cand:
        if ov <= 0:
            break
        if i not in used_t and j not in used_d:
            used_t.add(i)
            used_d.add(j)
            pairs.append((true_items[i], det_items[j]))
    return pairs


def score(truth, doc):
    """Raw counts of one session (summed per tier by ``summarise``)."""
    det, unc = reported(doc)
    true_bouts = truth["exercises"]
    found, false = match_bouts(true_bouts, det)
    s = {"per_ex": {}, "reps_exact": [], "reps_exact_all": [], "hold_err": [],
         "circ_exact": [], "circ_exact_all": [], "dir_ok": 0,
         "dir_n": 0, "tip_found": [], "tip_dur": [], "stride_err": [], "sway_err": [],
         "stance_found": [], "false": len(false), "uncertain": len(unc), "n_det": len(det)}
    for t, frags in zip(true_bouts, found):
        pe = s["per_ex"].setdefault(t["exercise"], [0, 0, 0])
        pe[0 if frags else 2] += 1
        ex = t["exercise"]
        if ex in HOLD_EXERCISES:
            dreps = [r for f in frags for r in f["reps"]] if frags else []
            s["reps_exact_all"].append(bool(frags) and len(dreps) == len(t["reps"]))
            if frags:
                s["reps_exact"].append(len(dreps) == len(t["reps"]))
            for tr, dr in pair_by_overlap(t["reps"], dreps):
                if dr.get("hold_s") is not None:
                    s["hold_err"].append(abs(dr["hold_s"] - tr["hold_s"]))
        elif ex == "ankle_circles":
            dcirc = [c for f in frags for c in f["circles"]] if frags else []
            for d in CIRCLE_DIRECTIONS:
                nt = sum(c["direction"] == d for c in t["circles"])
                nd = sum(c["direction"] == d for c in dcirc)
                s["circ_exact_all"].append(bool(frags) and nt == nd)
                if frags:
                    s["circ_exact"].append(nt == nd)
            for c in dcirc:
                mid = 0.5 * (c["start_s"] + c["end_s"])
                hit = [tc for tc in t["circles"] if tc["start_s"] <= mid <= tc["end_s"]]
                if hit:
                    s["dir_n"] += 1
                    s["dir_ok"] += hit[0]["direction"] == c["direction"]
        elif ex == "tiptoe_walk":
            s["tip_found"].append(bool(frags))
            if frags:
                d0 = min(f["start_s"] for f in frags)
                d1 = max(f["end_s"] for f in frags)
                s["tip_dur"].append(abs((d1 - d0) - (t["end_s"] - t["start_s"])))
                nd = sum(len(f["strides"]) for f in frags)
                s["stride_err"].append(100.0 * abs(nd - len(t["strides"])) / len(t["strides"]))
    for d in false:
        s["per_ex"].setdefault(d["exercise"], [0, 0, 0])[1] += 1
    dstances = (doc.get("balance") or {}).get("stances") or []
    for st in truth["balance"]["stances"]:
        if st.get("sway_rms_ap_deg") is None:
            continue
        best = max(dstances, default=None, key=lambda d: overlap(
            st["start_s"], st["end_s"], d["start_s"], d["end_s"]))
        ok = best is not None and overlap(st["start_s"], st["end_s"], best["start_s"],
                                          best["end_s"]) >= 0.5 * (st["end_s"] - st["start_s"])
        ok = ok and best.get("sway_rms_ap_deg") is not None
        s["stance_found"].append(ok)
        if ok:
            s["sway_err"].append(50.0 * (
                abs(best["sway_rms_ap_deg"] - st["sway_rms_ap_deg"]) / st["sway_rms_ap_deg"]
                + abs(best["sway_rms_ml_deg"] - st["sway_rms_ml_deg"]) / st["sway_rms_ml_deg"]))
    return s


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


def mean(xs):
    return sum(xs) / len(xs) if xs else None


def summarise(rows):
    per_ex = {}
    for r in rows:
        for ex, (tp, fp, fn) in r["per_ex"].items():
            a = per_ex.setdefault(ex, [0, 0, 0])
            a[0] += tp
            a[1] += fp
            a[2] += fn
    f1 = {ex: (2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else None)
          for ex, (tp, fp, fn) in per_ex.items()}
    def cat(k):
        return [x for r in rows for x in r[k]]
    def pct(xs):
        return (100.0 * sum(xs) / len(xs)) if xs else None
    dir_n = sum(r["dir_n"] for r in rows)
    return {
        "sessions": len(rows),
        # without true bouts (lookalikes) F1 says nothing: false bouts do
        "bout macro-F1": (mean([v for v in f1.values() if v is not None])
                          if any(tp + fn for tp, fp, fn in per_ex.values()) else None, len(f1)),
        "per-exercise F1": f1,
        "reps exact % (toe press, band, pencil)": (pct(cat("reps_exact")), len(cat("reps_exact"))),
        "reps exact %, missed bouts as wrong": (pct(cat("reps_exact_all")),
                                                  len(cat("reps_exact_all"))),
        "hold MAE (s)": (mean(cat("hold_err")), len(cat("hold_err"))),
        "circles exact per direction %": (pct(cat("circ_exact")), len(cat("circ_exact"))),
        "circles exact %, missed bouts as wrong": (pct(cat("circ_exact_all")),
                                                  len(cat("circ_exact_all"))),
        "circle direction accuracy %": ((100.0 * sum(r["dir_ok"] for r in rows) / dir_n)
                                        if dir_n else None, dir_n),
        "tiptoe walk found %": (pct(cat("tip_found")), len(cat("tip_found"))),
        "tiptoe duration error (s)": (mean(cat("tip_dur")), len(cat("tip_dur"))),
        "stride count error %": (mean(cat("stride_err")), len(cat("stride_err"))),
        "quiet stances found %": (pct(cat("stance_found")), len(cat("stance_found"))),
        "quiet-stance sway RMS error %": (mean(cat("sway_err")), len(cat("sway_err"))),
        "false bouts (total)": (sum(r["false"] for r in rows), len(rows)),
        "false bouts per session": (mean([r["false"] for r in rows]), len(rows)),
        "uncertain bouts (conf < 0.5, total)": (sum(r["uncertain"] for r in rows), len(rows)),
        "analysis errors": (sum(r["error"] is not None for r in rows), len(rows)),
    }


TARGETS = {"bout macro-F1": "≥ 0.97", "reps exact % (toe press, band, pencil)": "≥ 95",
           "circles exact per direction %": "≥ 95", "circle direction accuracy %": "≥ 99.5",
           "tiptoe walk found %": "≥ 97 (ankle)", "tiptoe duration error (s)": "≤ 1",
           "stride count error %": "≤ 2", "quiet-stance sway RMS error %": "≤ 10",
           "false bouts (total)": "0 (lookalikes)", "false bouts per session": "0 (lookalikes)"}


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
        for k, v in s.items():
            if k in ("sessions", "per-exercise F1"):
                continue
            lines.append((k, fmt(v[0]), str(v[1]), TARGETS.get(k, "")))
        f1 = ", ".join(f"{ex} {fmt(v)}" for ex, v in sorted(s["per-exercise F1"].items()))
        _table(lines, markdown)
        print(("\nper-exercise F1: " if markdown else "per-exercise F1: ") + (f1 or "–"))
    # one wide table: measures × tiers
    keys = [k for k in next(iter(summ.values())) if k not in ("sessions", "per-exercise F1")]
    print("\n### all tiers\n" if markdown else "\n== all tiers ==")
    lines = [("measure",) + tuple(summ)]
    for k in keys:
        lines.append((k,) + tuple(fmt(summ[t][k][0]) for t in summ))
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
