"""``toehold log``: reported outcomes added after the fact, never at the cost of what was there."""
import json
import os

import pytest

from toehold.cli import main


def _log(*args):
    return main(["log", *map(str, args)])


@pytest.fixture
def rec(tmp_path):
    p = tmp_path / "tuesday.csv"
    p.write_text("t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0,0,0,9.81,0,0,0\n")
    return p


def test_log_creates_the_session_log_beside_the_recording(rec, capsys):
    assert _log("--pain", 3, "--effort", 6, "--note", "left toes cramped", rec) == 0
    log = json.loads((rec.parent / "tuesday.session.json").read_text())
    assert log["format"] == "toehold-session/1" and log["recording"] == "tuesday.csv"
    assert log["reported"]["pain_0_10"] == 3 and log["reported"]["effort_0_10"] == 6
    assert log["reported"]["note"] == "left toes cramped"
    assert "pain 3/10" in capsys.readouterr().out


def test_log_keeps_everything_else_in_an_existing_log(rec):
    path = rec.parent / "tuesday.session.json"
    guided = {"format": "toehold-session/1", "recording": "tuesday.csv", "prescription": "default",
              "steps": [{"exercise": "toe_press", "side": "left", "start_s": 31.0, "end_s": 96.4,
                         "target": {"reps": 10, "hold_s": 4.0}, "outcome": "done"}],
              "reported": {"note": "from the guided session"}, "something_new": [1, 2]}
    path.write_text(json.dumps(guided))
    assert _log("--effort", 8, rec) == 0
    log = json.loads(path.read_text())
    assert log["steps"] == guided["steps"] and log["something_new"] == [1, 2]
    assert log["prescription"] == "default"
    assert log["reported"]["note"] == "from the guided session" and log["reported"]["effort_0_10"] == 8


def test_a_value_already_reported_changes_only_with_force(rec, capsys):
    path = rec.parent / "tuesday.session.json"
    assert _log("--pain", 3, rec) == 0
    before = path.read_bytes()
    assert _log("--pain", 5, rec) == 1
    assert "--force" in capsys.readouterr().err
    assert path.read_bytes() == before
    assert _log("--pain", 5, "--force", rec) == 0
    assert json.loads(path.read_text())["reported"]["pain_0_10"] == 5


@pytest.mark.parametrize("bad", ["11", "-1", "2.5", "abc", ""])
def test_scores_outside_0_to_10_are_refused_and_nothing_is_written(rec, capsys, bad):
    assert _log("--pain", bad, rec) == 1
    err = capsys.readouterr().err
    assert err.startswith("toehold: ") and "0 to 10" in err
    assert not (rec.parent / "tuesday.session.json").exists()


def test_an_unreadable_log_is_left_alone(rec, capsys):
    path = rec.parent / "tuesday.session.json"
    path.write_text('{"format": "toehold-session/1", "reported": {"pain_0_10": 2}')  # cut off
    assert _log("--pain", 4, rec) == 1
    assert "not a readable session log" in capsys.readouterr().err
    assert path.read_text().endswith('{"pain_0_10": 2}')


def test_nothing_to_log_or_no_recording_is_one_clear_line(rec, tmp_path, capsys):
    assert _log(rec) == 1
    assert "nothing to log" in capsys.readouterr().err
    assert _log("--pain", 1, tmp_path / "missing.csv") == 1
    assert "no such file" in capsys.readouterr().err


def test_a_folder_means_its_newest_recording(rec, tmp_path, capsys):
    older = tmp_path / "monday.csv"
    older.write_text(rec.read_text())
    os.utime(older, (1_000_000, 1_000_000))
    assert _log("--pain", 2, tmp_path) == 0
    assert (tmp_path / "tuesday.session.json").exists() and not (tmp_path / "monday.session.json").exists()
