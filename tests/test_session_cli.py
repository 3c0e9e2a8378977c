"""`toehold session` from the command line, without a terminal, at ``--speed max``.

Apart from tests/test_session_e2e.py so that the two run on different
workers: that file's module fixture streams a whole guided session (about
45 s of wall time), this one a short programme in its own process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_cli_session_without_a_terminal_finishes_and_writes_its_files(tmp_path):
    """`toehold session --emulate witmotion --speed max -o DIR`, stdin not a terminal."""
    short = tmp_path / "short.toml"
    short.write_text('name = "short"\n[[item]]\nexercise = "toe_press"\nreps = 3\nhold_s = 4.0\n')
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "toehold", "session", "--emulate", "witmotion",
                           "--speed", "max", "-o", str(out), "--prescription", str(short), "--rest", "1"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=400, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert len(names) == 3
    csv, png, log = (out / n for n in names)
    assert csv.suffix == ".csv" and png.suffix == ".png" and log.name.endswith(".session.json")
    steps = json.loads(log.read_text())["steps"]
    assert [s["exercise"] for s in steps] == ["toe_press"] and steps[0]["outcome"] == "done"
    assert "3 reps" in proc.stdout
