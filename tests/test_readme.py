"""The README as a new user reads it: every command in it parses, the ones that need no hardware run,
and every output it quotes is what the command prints.

Commands are taken from the README's ``sh`` code blocks and from inline
code spans that start with ``toehold``; the quoted outputs are the plain
code blocks after "prints:" / "says what it found:".
"""
import re
import shlex
import zipfile
from pathlib import Path

import numpy as np
import pytest

from toehold.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.DOTALL)


def _shell_commands() -> list[str]:
    out = []
    for lang, body in BLOCKS:
        if lang != "sh":
            continue
        for line in body.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith(("toehold ", "python3 -m toehold")):
                    out.append(part)
    return out


def _inline_commands() -> list[str]:
    spans = re.findall(r"`(toehold [^`]+)`", README)
    # Table rows show a syntax ([OPTIONAL], a|b), not a command to type; a
    # bare `toehold analyze` in a sentence names the command.
    return [s for s in spans if not re.search(r"[\[\]|]|\.\.\.|COMMAND", s) and len(s.split()) > 2
            or s == "toehold --version"]


def _argv(command: str) -> list[str]:
    words = shlex.split(command)
    return words[3:] if words[:3] == ["python3", "-m", "toehold"] else words[1:]


def _quoted_output(after: str) -> str:
    """The plain code block that follows the sentence ``after``."""
    i = README.index(after)
    block = re.search(r"```\n(.*?)```", README[i:], flags=re.DOTALL)
    return block.group(1)


COMMANDS = _shell_commands() + _inline_commands()


def test_the_readme_has_the_commands_a_user_types():
    assert "python3 -m toehold report" in COMMANDS
    assert any(c.startswith("toehold record --emulate") for c in COMMANDS)
    assert any(c.startswith("toehold import ") for c in COMMANDS)
    assert len(COMMANDS) >= 15


@pytest.mark.parametrize("command", COMMANDS)
def test_every_readme_command_parses(command, capsys):
    if _argv(command) == ["--version"]:
        with pytest.raises(SystemExit) as exc:
            build_parser().parse_args(["--version"])
        assert exc.value.code == 0 and capsys.readouterr().out.startswith("toehold ")
        return
    args = build_parser().parse_args(_argv(command))  # SystemExit(2) on a wrong option
    assert callable(args.func)


def test_the_first_command_draws_the_demo_report(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(_argv("python3 -m toehold report")) == 0
    png = tmp_path / "report.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert capsys.readouterr().out.startswith("wrote report.png (1 session; toe_press: 11 reps")
    assert "![The report of the demo session](docs/report-demo.png)" in README
    assert (ROOT / "docs" / "report-demo.png").is_file()


def test_analyze_demo_prints_what_the_readme_quotes(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(_argv("toehold analyze recordings/demo.csv")) == 0
    assert capsys.readouterr().out == _quoted_output("`toehold analyze recordings/demo.csv` prints:")


def _sensor_logger_zip(path: Path) -> None:
    """The demo session as Sensor Logger exports it (Android: epoch ns, SI units, z,y,x order)."""
    from sensors.recording import read_recording

    d = read_recording(ROOT / "recordings" / "demo.csv").data
    t0_ns = 1_764_000_000 * 10**9  # 2025-11-24T16:00:00Z, the date in the README's file name
    with zipfile.ZipFile(path, "w") as zf:
        for name, cols, scale in (("TotalAcceleration.csv", ["acc_x", "acc_y", "acc_z"], 1.0),
                                  ("Gyroscope.csv", ["gyr_x", "gyr_y", "gyr_z"], np.pi / 180)):
            ns = t0_ns + np.round(d["t"].to_numpy() * 1e9).astype(np.int64)
            lines = ["time,seconds_elapsed,z,y,x"] + [
                f"{n},{s:.6f},{z:.6f},{y:.6f},{x:.6f}" for n, s, z, y, x in
                zip(ns.tolist(), d["t"].tolist(), (d[cols[2]] * scale).tolist(),
                    (d[cols[1]] * scale).tolist(), (d[cols[0]] * scale).tolist())]
            zf.writestr(name, "\n".join(lines) + "\n")


def test_import_and_analyze_of_a_phone_export_as_the_readme_shows(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "recordings").mkdir()
    _sensor_logger_zip(tmp_path / "Recording_2025-11-24.zip")
    imp, ana = [c for c in COMMANDS if c.startswith(("toehold import Recording", "toehold analyze recordings/2025"))]
    assert main(_argv(imp)) == 0
    assert capsys.readouterr().out == _quoted_output("`toehold import` says what it found:")
    assert main(_argv(ana)) == 0
    assert "ankle, left, 7.6 min at 100 Hz" in capsys.readouterr().out
    # Run again, the recording is kept: a second import refuses to overwrite it.
    assert main(_argv(imp)) == 1
    assert "already exists" in capsys.readouterr().err


def test_scan_with_an_emulated_sensor_lists_it(capsys):
    cmd = next(c for c in COMMANDS if c.startswith("toehold scan --emulate"))
    assert main(_argv(cmd) + ["--timeout", "2"]) == 0
    assert "witmotion" in capsys.readouterr().out


def test_the_cache_folder_is_the_one_the_readme_gives(monkeypatch, tmp_path):
    import sys

    from toehold.batch import cache_dir

    if not sys.platform.startswith("linux"):
        pytest.skip("the README gives the Linux folder")
    assert "(`~/.cache/toehold/analyses/` on Linux" in README
    monkeypatch.delenv("TOEHOLD_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "toehold" / "analyses"


def test_the_python_example_runs_and_names_the_signals_columns():
    block = next(body for lang, body in BLOCKS if lang == "python" and "run_analysis" in body)
    code = "\n".join(line for line in block.splitlines() if not line.startswith("fit."))
    env: dict = {}
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(code, env)  # noqa: S102 - the README's own example
    finally:
        os.chdir(cwd)
    fit, doc = env["fit"], env["doc"]
    assert doc["format"] == "toehold-analysis/1"
    comment = re.search(r"analysis grid: (.*?)```", README, flags=re.DOTALL).group(1)
    comment = re.sub(r"\([^)]*\)|#", " ", comment).split(", in the")[0]
    named = set()
    for word in re.findall(r"[a-z_]+(?:\.\.z)?", comment):
        named |= {word[:-4] + a for a in "xyz"} if word.endswith("..z") else {word}
    assert named == set(fit.signals_.columns)


def test_the_recording_example_is_a_recording_the_reader_takes(tmp_path):
    from sensors.recording import read_recording

    example = _quoted_output("a header row, then one row per sample:")
    path = tmp_path / "example.csv"
    path.write_text(example, encoding="utf-8")
    rec = read_recording(path)
    assert rec.placement == "foot" and rec.side == "left" and rec.nominal_rate_hz == 100
    assert rec.start_time == "2026-11-24T08:15:02.120Z"
    assert rec.data["acc_z"].iloc[0] == 9.797
