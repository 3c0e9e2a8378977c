"""The benchmarks' day of wear (benchmarks/_days.py) can be made with today's simulator."""
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def test_an_everyday_block_is_simulated_with_every_generator_the_simulator_passes(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    sys.modules.pop("_days", None)
    import _days

    rec = _days._simulate(200, 0.5)  # half a minute of everyday life
    t = rec.data["t"].to_numpy()
    assert t[-1] - t[0] >= 30.0
    assert list(rec.data.columns[:7]) == _days.COLUMNS
