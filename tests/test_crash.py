"""Crashes and bad output paths: what was received is on disk, a bad path fails early.

``test_kill_9_keeps_every_row_received`` kills ``toehold record --emulate
generic`` with SIGKILL at random moments and reads the file back: every
packet in order (the generic sensor numbers them) up to within a second of
the kill. ``TOEHOLD_CRASH_KILLS`` sets the number of kills (default 3; 50
for the full run).

The module's tests run in one xdist worker (``--dist loadfile``): the kills
measure how far the file lags the kill, and the tmpfs mounts are real
mounts, so they do not run beside each other.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from sensors.recording import check_writable, read_recording

ROOT = Path(__file__).resolve().parents[1]
KILLS = int(os.environ.get("TOEHOLD_CRASH_KILLS", "3"))


def _start_time(raw: bytes) -> float:
    for line in raw.decode().splitlines():
        if line.startswith("# start_time:"):
            stamp = line.split(":", 1)[1].strip().replace("Z", "+00:00")
            return dt.datetime.fromisoformat(stamp).timestamp()
    raise AssertionError("no start_time in the file")


def _first_t(raw: bytes) -> float:
    lines = [ln for ln in raw.decode().splitlines() if ln and not ln.startswith("#")]
    return float(lines[1].split(",")[0])


def _kill_once(path: Path, wait_s: float) -> tuple[float, bytes]:
    """Start a recording, SIGKILL it a random moment after its first rows; (kill time, file)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "toehold", "record", "--emulate", "generic", "--duration", "60",
         "-o", str(path)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if path.exists() and path.read_bytes().count(b"\n") >= 12:
                break
            assert proc.poll() is None, "recorder exited before streaming"
            time.sleep(0.05)
        else:
            raise AssertionError("no rows within 60 s")
        time.sleep(wait_s)
        t_kill = time.time()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return t_kill, path.read_bytes()


def test_kill_9_keeps_every_row_received(tmp_path):
    rng = random.Random(int(os.environ.get("TOEHOLD_CRASH_SEED", "0")))
    waits = [rng.uniform(0.0, 2.5) for _ in range(KILLS)]
    # Two recorders at a time: their start-up (imports, the emulator's
    # simulated session) dominates and the machine has two cores.
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda k: _kill_once(tmp_path / f"kill{k}.csv", waits[k]),
                                range(KILLS)))
    lags, rows, cut = [], 0, 0
    for k, (t_kill, raw) in enumerate(results):
        path = tmp_path / f"kill{k}.csv"
        rec = read_recording(path)
        # The reader says the last line was cut exactly when it was.
        assert rec.cut_off == (not raw.endswith(b"\n"))
        assert any("cut off" in w for w in rec.warnings) == rec.cut_off
        # Every packet in order: the generic sensor's counter steps by one.
        seq = rec.data["seq"].to_numpy()
        steps = np.diff(seq)
        assert np.all((steps == 0) | (steps == 1)), f"kill {k}: packets missing"
        # The last row is the last one received: within a second of the kill
        # on the session clock (t = 0 at the file's start_time).
        # On the session clock as written (the reader may have moved t to 0).
        last_t = _first_t(raw) + rec.data["t"].iloc[-1] - rec.data["t"].iloc[0]
        behind = (t_kill - _start_time(raw)) - last_t
        assert -0.2 < behind < 1.0, f"kill {k}: last row {behind:.2f} s before the kill"
        lags.append(behind)
        rows += len(rec.data)
        cut += rec.cut_off
    print(f"\n{KILLS} kills, {rows} rows read back, {cut} cut-off last lines, last row "
          f"{min(lags):.3f}-{max(lags):.3f} s before the kill")


@contextlib.contextmanager
def _tmpfs(tmp_path: Path, options: str):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mnt)],
                       capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.decode().strip()})")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def _record(out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "toehold", "record", "--emulate", "generic", "--duration", "5",
         "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_full_disk_is_caught_before_connecting(tmp_path):
    with _tmpfs(tmp_path, "size=64k") as mnt:
        with pytest.raises(OSError, match="MB free"):
            check_writable(mnt / "rec.csv")
        t = time.perf_counter()
        r = _record(mnt / "rec.csv")
        assert r.returncode != 0 and "free" in r.stderr + r.stdout
        assert "starting emulated" not in r.stdout  # refused before any radio work
        assert time.perf_counter() - t < 15
        assert not (mnt / "rec.csv").exists()


def test_read_only_folder_is_caught_before_connecting(tmp_path):
    with _tmpfs(tmp_path, "ro,size=1m") as mnt:
        with pytest.raises(OSError, match="not writable"):
            check_writable(mnt / "rec.csv")
        r = _record(mnt / "rec.csv")
        assert r.returncode != 0 and "not writable" in r.stderr + r.stdout
        assert "starting emulated" not in r.stdout


def test_missing_folder_and_directory_path_are_caught(tmp_path):
    with pytest.raises(OSError, match="does not exist"):
        check_writable(tmp_path / "nope" / "rec.csv")
    with pytest.raises(OSError):
        check_writable(tmp_path)  # a folder, not a file
    check_writable(tmp_path / "ok.csv", min_free_bytes=0)  # and a good path passes
