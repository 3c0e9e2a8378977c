"""The command line as a user meets it: outputs, files written, errors without tracebacks."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "recordings" / "demo.csv"


def toehold(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "toehold", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT)


# In-process (the ``cli`` fixture) where the test is about what a command
# prints or writes; as the user's process where that is the point (the
# bad-input test, the second simulate run).
def test_info_on_the_demo_says_what_a_user_needs(cli):
    out = cli("info", DEMO)
    assert out.returncode == 0, out.stderr
    for word in ("duration", "sample rate", "placement    foot", "gaps", "axis pointing up"):
        assert word in out.stdout


def test_simulate_writes_a_recording_and_its_truth_and_is_reproducible(tmp_path, cli):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert cli("simulate", "--seed", 1, "-o", a).returncode == 0
    # The same bytes from another process (its own hash seed, its own state).
    assert toehold("simulate", "--seed", 1, "-o", b).returncode == 0
    assert a.read_bytes() == b.read_bytes()
    truth = json.loads((tmp_path / "a.truth.json").read_text())
    assert truth["format"] == "toehold-analysis/1" and truth["exercises"]


def test_analyze_prints_a_summary_and_json(tmp_path, cli):
    out = cli("analyze", DEMO)
    assert out.returncode == 0, out.stderr
    assert "reps" in out.stdout and "circles" in out.stdout and "strides" in out.stdout
    js = tmp_path / "demo.json"
    assert cli("analyze", DEMO, "--json", "-o", js).returncode == 0
    doc = json.loads(js.read_text())
    names = {e["exercise"] for e in doc["exercises"]}
    assert names == {"toe_press", "resistance_band", "tiptoe_walk", "pencil_pickup", "ankle_circles"}


def test_bad_input_gives_one_clear_line_not_a_traceback(tmp_path, cli):
    bad = tmp_path / "bad.csv"
    bad.write_text("t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0,1,2,3,4,5,6\n0.01,1,x,3,4,5,6\n")
    # In-process for each command (an escaping exception fails the test),
    # then once as the user's process: exit code 1 and one line on stderr.
    for args in (("info", bad), ("analyze", bad), ("analyze", tmp_path / "missing.csv")):
        out = cli(*args)
        assert out.returncode == 1
        assert "Traceback" not in out.stderr
        assert out.stderr.startswith("toehold: ")
    out = toehold("info", bad)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("toehold: ")
    assert "bad.csv:3: column acc_y is not a number" in out.stderr


def test_malloc_settings_are_left_to_a_user_who_made_their_own(monkeypatch):
    from toehold.cli import ANALYSING, keep_freed_memory

    assert set(ANALYSING) == {"analyze", "report", "export"}  # not record/session: long-lived processes
    for name, value in (("TOEHOLD_MALLOC", "default"), ("MALLOC_ARENA_MAX", "2"),
                        ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0")):
        with monkeypatch.context() as m:
            m.setenv(name, value)
            assert keep_freed_memory() is False
