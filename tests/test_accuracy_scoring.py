"""The accuracy benchmark's scoring (benchmarks/_scoring.py) and table writer.

Every expected value below is worked out by hand from the hand-made cases,
not taken from the code.
"""
import pytest

from benchmarks._scoring import MEASURES, demo_holds, markdown_tables, score, summarise, tally, verdict


def bout(ex, a, b, reps=(), circles=(), strides=(), conf=None):
    d = {"exercise": ex, "start_s": a, "end_s": b, "reps": list(reps), "circles": list(circles),
         "strides": list(strides)}
    if conf is not None:
        d["confidence"] = conf
    return d


def rep(a, b, hold):
    return {"start_s": a, "end_s": b, "hold_s": hold}


def circ(a, b, d):
    return {"start_s": a, "end_s": b, "direction": d}


def doc(exercises, stances=(), **kw):
    return {"exercises": exercises, "balance": {"stances": list(stances)}, **kw}


def test_bout_f1_of_two_found_one_false_one_missed():
    truth = doc([bout("toe_press", 0, 10), bout("toe_press", 20, 30), bout("toe_press", 40, 50)])
    found = doc([bout("toe_press", 0, 10), bout("toe_press", 21, 30),     # found (IoU 0.9)
                 bout("toe_press", 60, 70),                                # false
                 bout("toe_press", 100, 110, conf=0.2)])                   # uncertain: not scored
    s = score(truth, found)
    assert s["per_ex"]["toe_press"] == [2, 1, 1]
    assert s["false"] == 1 and s["uncertain"] == 1
    # F1 = 2TP / (2TP + FP + FN) = 4 / 6
    assert summarise([s])["bout_f1"] == (pytest.approx(2 / 3), 3)


def test_macro_f1_averages_exercises_and_a_low_iou_is_a_miss_and_a_false_bout():
    truth = doc([bout("resistance_band", 0, 10), bout("tiptoe_walk", 20, 40)])
    # the walk is reported over 20..60: IoU 20/40 = 0.5 (found); the band over
    # 0..30 overlaps its truth 10 s of a 30 s union: IoU 1/3, missed and false
    found = doc([bout("resistance_band", 0, 30), bout("tiptoe_walk", 20, 60)])
    s = score(truth, found)
    assert s["per_ex"]["resistance_band"] == [0, 1, 1]
    assert s["per_ex"]["tiptoe_walk"] == [1, 0, 0]
    assert summarise([s])["bout_f1"][0] == pytest.approx((0.0 + 1.0) / 2)


def test_reps_exact_counts_found_bouts_and_holds_pair_by_overlap():
    truth = doc([bout("toe_press", 0, 30, [rep(0, 8, 4), rep(10, 18, 5), rep(20, 28, 6)]),
                 bout("pencil_pickup", 40, 80, [rep(40, 55, 12), rep(60, 75, 10)]),
                 bout("resistance_band", 100, 120, [rep(100, 110, 5)])])
    found = doc([bout("toe_press", 0, 30, [rep(0, 8, 4.5), rep(10, 18, 5), rep(20, 28, 5)]),
                 bout("pencil_pickup", 40, 80, [rep(40, 70, 20)])])
    s = summarise([score(truth, found)])
    assert s["reps_exact"] == (50.0, 2)               # 3 = 3, 1 ≠ 2; the band was missed
    assert s["reps_exact_all"] == (pytest.approx(100 / 3), 3)
    # |4.5-4|, |5-5|, |5-6|, and the pencil's one rep paired with the rep it overlaps
    # most (40..55 by 15 s, 60..75 by 10 s): |20-12|
    assert s["hold_mae"] == (pytest.approx((0.5 + 0 + 1 + 8) / 4), 4)


def test_circles_exact_per_direction_and_direction_accuracy():
    cw, ccw = "cw", "ccw"      # the contract's direction names
    # bout 1: 3 clockwise then 2 counter-clockwise; reported 3 + 1, all named right
    t1 = [circ(i, i + 1, cw) for i in range(3)] + [circ(3 + i, 4 + i, ccw) for i in range(2)]
    d1 = [circ(i + 0.1, i + 0.9, cw) for i in range(3)] + [circ(3.1, 3.9, ccw)]
    # bout 2: 2 clockwise; reported 1 clockwise and 1 counter-clockwise
    t2 = [circ(10, 11, cw), circ(11, 12, cw)]
    d2 = [circ(10.1, 10.9, cw), circ(11.1, 11.9, ccw)]
    s = summarise([score(doc([bout("ankle_circles", 0, 5, circles=t1)]),
                         doc([bout("ankle_circles", 0, 5, circles=d1)])),
                   score(doc([bout("ankle_circles", 10, 12, circles=t2)]),
                         doc([bout("ankle_circles", 10, 12, circles=d2)]))])
    # per bout and direction: (3=3 yes, 1=2 no), (1=2 no, 1=0 no)
    assert s["circles_exact"] == (25.0, 4)
    # 5 of the 6 reported circles have the direction of the true circle at their middle
    assert s["direction"] == (pytest.approx(100 * 5 / 6), 6)


def test_tiptoe_duration_strides_and_sway():
    truth = doc([bout("tiptoe_walk", 10, 30, strides=[{"t_s": 11 + 1.8 * i} for i in range(10)])],
                stances=[{"start_s": 40, "end_s": 60, "sway_rms_ap_deg": 1.0,
                          "sway_rms_ml_deg": 0.5}])
    found = doc([bout("tiptoe_walk", 11, 30.5, strides=[{"t_s": 12 + 2 * i} for i in range(9)])],
                stances=[{"start_s": 41, "end_s": 60, "sway_rms_ap_deg": 1.1,
                          "sway_rms_ml_deg": 0.45}])
    s = summarise([score(truth, found)])
    assert s["tiptoe_found"] == (100.0, 1)
    assert s["tiptoe_duration"] == (pytest.approx(0.5), 1)     # |19.5 - 20|
    assert s["stride_err"] == (pytest.approx(10.0), 1)         # |9 - 10| / 10
    # AP 10 % off, ML 10 % off: their mean
    assert s["sway_err"] == (pytest.approx(10.0), 1)
    assert s["stances_found"] == (100.0, 1)


def test_bouts_the_analysis_says_it_cannot_see_are_not_scored():
    truth = doc([bout("ankle_circles", 0, 10), bout("toe_press", 20, 30)])
    found = doc([bout("toe_press", 20, 30)], not_observable={"ankle_circles": "ankle sensor"})
    s = score(truth, found)
    assert "ankle_circles" not in s["per_ex"] and s["not_observable"] == 1
    assert summarise([s])["bout_f1"] == (1.0, 1)


def test_demo_holds_within_tolerance():
    truth = doc([bout("toe_press", 0, 20, [rep(0, 8, 4.0), rep(10, 18, 5.0)]),
                 bout("pencil_pickup", 30, 50, [rep(30, 48, 13.0)]),
                 bout("tiptoe_walk", 60, 70)])
    found = doc([bout("toe_press", 0, 20, [rep(0, 8, 4.2), rep(10, 18, 5.3)])])
    # the missed pencil's hold is not within; 0.2 is, 0.3 is not
    assert demo_holds(truth, found) == (3, 1, pytest.approx(0.3))


def _figures(f1_clean, sway_ankle, false_look, real_false, demo_within):
    def tier(**figs):
        base = {m.key: (None, 0) for m in MEASURES}
        base.update(figs)
        return {"sessions": 4, "per_exercise_f1": {}, **base}
    return {"sources": [{
        "title": "gen",
        "tiers": {"clean": tier(bout_f1=(f1_clean, 20), false_per_session=(0.5, 4)),
                  "ankle": tier(sway_err=(sway_ankle, 12)),
                  "look-alikes only": tier(false_per_session=(false_look, 4))},
        "lookalike_tiers": ["look-alikes only"]}],
        "real": {"files": 8, "readings": 16, "false": real_false, "uncertain": 2},
        "demo": {"holds": 25, "within": demo_within, "worst_s": 0.3}}


def _row(lines, label):
    return next(ln for ln in lines if ln.startswith(f"| {label}"))


def test_table_marks_met_and_missed():
    lines = markdown_tables(_figures(0.97, 10.5, 0.0, 1, 24))
    assert _row(lines, "bout macro-F1 |") == "| bout macro-F1 | 0.970 (20) met | – | – | ≥ 0.97 |"
    assert "10.5 (12) **missed**" in _row(lines, "quiet-stance sway")
    # false bouts: a target on look-alike tiers only (the clean tier's F1 counts them)
    assert _row(lines, "false bouts per session") == (
        "| false bouts per session | 0.50 | – | 0.00 met | = 0 (look-alikes) |")
    assert "1 false bouts (2 uncertain) **missed**" in _row(lines, "real recordings")
    assert "24 of 25 (worst 0.30 s) **missed**" in _row(lines, "demo")
    # rows with no figure in any tier are left out
    assert not any(ln.startswith("| circle direction") for ln in lines)
    assert tally(_figures(0.97, 10.5, 0.0, 1, 24)) == (2, 3)

    lines = markdown_tables(_figures(0.969, 10.0, 0.25, 0, 25))
    assert "0.969 (20) **missed**" in _row(lines, "bout macro-F1")
    assert "10.0 (12) met" in _row(lines, "quiet-stance sway")
    assert "0.25 **missed**" in _row(lines, "false bouts per session")
    assert "0 false bouts (2 uncertain) met" in _row(lines, "real recordings")
    assert "25 of 25 (worst 0.30 s) met" in _row(lines, "demo")
    assert tally(_figures(0.969, 10.0, 0.25, 0, 25)) == (3, 2)


def test_verdict_without_a_figure_or_target_is_none():
    by = {m.key: m for m in MEASURES}
    assert verdict(by["bout_f1"], None) is None
    assert verdict(by["hold_mae"], 3.0) is None
    assert verdict(by["false_per_session"], 1.0) is None
    assert verdict(by["false_per_session"], 1.0, lookalike_tier=True) == "missed"
    assert verdict(by["direction"], 99.5) == "met"


def test_readme_tables_are_rewritten_between_the_markers_only(tmp_path):
    from benchmarks.accuracy import MARK_BEGIN, MARK_END, ROOT, write_readme
    readme = tmp_path / "README.md"
    readme.write_text(f"head\n{MARK_BEGIN}\nold table\n{MARK_END}\ntail\n", encoding="utf-8")
    write_readme(readme, ["| new | table |", "", "1 figures meet their target"])
    assert readme.read_text(encoding="utf-8") == (
        f"head\n{MARK_BEGIN}\n\n| new | table |\n\n1 figures meet their target\n\n{MARK_END}\ntail\n")
    # the project's README has one such block, in its accuracy section
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count(MARK_BEGIN) == 1 and text.count(MARK_END) == 1
    assert text.index("## Accuracy") < text.index(MARK_BEGIN) < text.index(MARK_END)


def test_spent_held_out_seeds_are_flagged():
    from benchmarks.accuracy import spent
    assert spent(1010, 4) == [1010, 1011]
    assert spent(13007, 2) == [13007] and spent(9007, 1) == [9007] and spent(8999, 1) == []
    # Reported after 13000 (READMEs' tables and closing notes): 14000, 15000, 20000, 28000.
    assert spent(27998, 4) == [28000, 28001] and spent(20007, 2) == [20007] and spent(16000, 8) == []
    # 0.13.0: 30000-30007 and 44000-44023 reported, 38000-38015 and 40000-40023 used to choose.
    assert spent(30006, 4) == [30006, 30007] and spent(38015, 2) == [38015]
    assert spent(40023, 2) == [40023] and spent(44020, 8) == [44020, 44021, 44022, 44023]
    # 0.14.0: 48000-48023 reported.
    assert spent(47999, 2) == [48000] and spent(48023, 2) == [48023]
    # 0.15.0: 52000-52023 looked at to choose.
    assert spent(51999, 2) == [52000] and spent(52023, 2) == [52023]
    # 0.15.0: 56000-56023 reported.
    assert spent(55999, 2) == [56000] and spent(56023, 2) == [56023]
    # 0.16.0: 60000-60023 looked at to choose.
    assert spent(59999, 2) == [60000] and spent(60023, 2) == [60023]
    # 0.16.0: 64000-64023 reported.
    assert spent(63999, 2) == [64000] and spent(64023, 2) == [64023]
    # 0.17.0: 68000-68023 looked at to choose, 72000-72023 reported.
    assert spent(67999, 2) == [68000] and spent(68023, 2) == [68023]
    assert spent(71999, 2) == [72000] and spent(72023, 2) == [72023]
    assert spent(76000, 24) == []


def test_help_lists_the_options(capsys):
    # argparse %-formats help text: a tier named "0-10 % loss" once made --help crash.
    from benchmarks.accuracy import main
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    assert "--seed0" in capsys.readouterr().out
