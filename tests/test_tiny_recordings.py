"""Recordings of 0–3 rows, equal or non-finite times: every command answers in one line, never a traceback.

Each command is called in-process through ``toehold.cli.main``: an exception
that escapes it is exactly the traceback a user would see, and an analysis
that failed inside a batch shows as "analysis failed (TypeError ...)".
"""
import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toehold.cli import main

HEADER = "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z"
EXAMPLES = int(os.environ.get("TOEHOLD_FUZZ_EXAMPLES", "15"))

# Times a cut-off or hand-edited file holds: equal, tiny steps, huge, non-finite.
times = st.sampled_from([0.0, 0.0, 0.01, 0.02, 1e-9, 5.0, 3600.0, 1e9, -1.0,
                         math.nan, math.inf, -math.inf])
values = st.one_of(st.floats(-200, 200), st.sampled_from([0.0, 9.81, math.nan, math.inf]))
rows = st.lists(st.tuples(times, values, values, values, values, values, values), min_size=0, max_size=3)
meta = st.sampled_from(["", "# placement: foot\n# side: left\n", "# placement: ankle\n",
                        "# format: toehold-recording/1\n# sample_rate_hz: 100\n"])


def _write(path, head, body) -> None:
    lines = [head + HEADER] + [",".join(f"{v:g}" for v in r) for r in body]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


COMMANDS = {
    "info": lambda f, d: ["info", f],
    "analyze": lambda f, d: ["analyze", "--no-cache", "-j", "1", f],
    "analyze --json": lambda f, d: ["analyze", "--json", "--no-cache", "-j", "1", f],
    "report": lambda f, d: ["report", "--no-cache", "-j", "1", f, "-o", d / "r.png", "--force"],
    "replay": lambda f, d: ["replay", "--speed", "max", f],
    "import": lambda f, d: ["import", f, "-o", d / "imported.csv", "--force"],
    "export": lambda f, d: ["export", f, "--format", "csv", "-o", d / "e.csv", "--force"],
    # log only writes what the person reported beside the file: it need not read the samples.
    "log": lambda f, d: ["log", "--pain", "3", f, "--force"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(head=meta, body=rows)
def test_every_command_answers_tiny_recordings_in_one_line(command, head, body, tmp_path, capsys):
    rec = tmp_path / "tiny.csv"
    _write(rec, head, body)
    status = main([str(a) for a in COMMANDS[command](rec, tmp_path)])  # raises = a traceback
    out, err = capsys.readouterr()
    assert "analysis failed (" not in err, err  # an exception caught inside the batch
    assert "nan" not in out.lower().replace("nanosecond", ""), out
    if status != 0:
        # One line per problem (export also says it had nothing left to export).
        assert all(line.startswith("toehold: ") for line in err.strip().splitlines()), (status, out, err)
        assert len(err.strip().splitlines()) <= 2, err
    distinct = {r[0] for r in body if math.isfinite(r[0])}
    if len(distinct) < 2 and command != "log":
        # Fewer than two sample times: no rate, no length — refused, not "analysed".
        assert status == 1, (status, out, err)


@pytest.mark.parametrize("n_rows, message", [
    (0, "no samples"), (1, "1 sample; nothing to analyse"), (2, "2 samples all at t = 0 s")])
@pytest.mark.parametrize("command", ["info", "analyze", "report", "replay", "import"])
def test_too_short_recordings_are_refused_by_name(tmp_path, capsys, command, n_rows, message):
    rec = tmp_path / "cut.csv"
    _write(rec, "# placement: foot\n", [(0.0, 0, 0, 9.81, 0, 0, 0)] * n_rows)
    status = main([str(a) for a in COMMANDS[command](rec, tmp_path)])
    err = capsys.readouterr().err
    assert status == 1
    expected = "the header is there but there are no samples" if n_rows == 0 else message
    assert err.startswith(f"toehold: {rec}: ") and expected in err, err


def test_three_rows_at_100_hz_are_a_valid_if_empty_session(tmp_path, capsys):
    rec = tmp_path / "three.csv"
    _write(rec, "# placement: foot\n# side: left\n",
           [(0.00, 0, 0, 9.81, 0, 0, 0), (0.01, 0, 0, 9.81, 0, 0, 0), (0.02, 0, 0, 9.81, 0, 0, 0)])
    assert main(["analyze", "--no-cache", str(rec)]) == 0
    out = capsys.readouterr().out
    assert "at 100 Hz" in out and "no exercises detected" in out


@pytest.mark.parametrize("times, message", [
    ([0.0, 0.01, 0.02, 1e9], "the times span 1.16e+04 days"),  # the reader's limit (sensors.limits)
    ([0.0, 0.01, 0.02, 3 * 86400.0], None),
    ([0.0, 3600.0], None),
    ([0.0, 10.0, 20.0, 30.0], None),  # 100 Hz written in milliseconds
])
# info and analyze build the analysis grid; the other commands share their reader and analysis.
@pytest.mark.parametrize("command", ["info", "analyze"])
def test_far_apart_samples_are_refused_or_answered_in_bounded_memory(
        tmp_path, capsys, command, times, message):
    """A 3-row file spanning 31 years once asked numpy for a 373 GiB grid (info)."""
    import tracemalloc

    rec = tmp_path / "odd.csv"
    _write(rec, "# placement: foot\n", [(t, 0, 0, 9.81, 0, 0, 0) for t in times])
    tracemalloc.start()
    try:
        status = main([str(a) for a in COMMANDS[command](rec, tmp_path)])
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    err = capsys.readouterr().err
    assert peak < 200 << 20, f"{peak >> 20} MB"
    if message:
        assert status == 1 and err.startswith(f"toehold: {rec}: ") and message in err, err
    else:
        assert status == 0 or (status == 1 and err.startswith("toehold: ")), err
