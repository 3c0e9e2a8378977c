"""``toehold replay``: a saved recording through the live pipeline of ``record``."""
import asyncio
import json
from pathlib import Path

import pytest

from sensors.recording import read_recording
from sensors.replay import Player
from sensors.stream import MemorySink
from toehold.commands.replay import final_analysis, replay
from toehold.live_view import LiveView

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "recordings" / "demo.csv"


@pytest.fixture(scope="module")
def demo():
    return read_recording(DEMO)


def test_replay_at_max_speed_finds_what_the_demo_holds(demo, assert_matches_truth):
    view, player, error = replay(demo, speed=None)
    assert error is None and not player.stopped
    live = final_analysis(view, "left", demo)
    # Against the demo's labels (recordings/demo.truth.json), not against
    # analyze_recording, which the closing analysis runs.
    # Circle starts within 0.25 s: since 0.12.0 the circle detector looks up
    # to 1 s before its averaged turning rate for a set's first turn, and the
    # demo's fourth circle starts 0.205 s before the truth's (0.16 s before).
    assert_matches_truth(live, json.loads(DEMO.with_name("demo.truth.json").read_text()), circle_s=0.25)
    # Every sample and every gap of the file went through the view.
    assert view.devs["left"].samples == len(demo.data)
    assert len(view.devs["left"].gaps) == len(demo.gaps)


def test_live_state_during_replay_shows_the_current_exercise_and_reps(demo):
    view = LiveView(placement={"left": "foot"}, title="toehold replay")
    seen = []
    read_at = [-1.0]

    class Probe(MemorySink):
        """Reads the view every 5 s of recording time, as a person glancing at it."""

        def on_samples(self, key, rows):
            view.on_samples(key, rows)
            # Whenever the rows crossed a 5 s mark (the player's chunks are of
            # any length: a chunk ending within 0.1 s after a mark, as asked
            # before, came only a few times in the demo, and the test passed
            # on the demo's pencil set shown as "toe press, 11 reps").
            if rows[-1, 0] // 5 != read_at[0]:
                read_at[0] = rows[-1, 0] // 5
                seen.append(view.analysis_text(key))

        def on_gap(self, key, a, b):
            view.on_gap(key, a, b)

    asyncio.run(Player(demo, Probe(), "left", speed=None).run())
    toe = [s for s in seen if s.startswith("toe press")]
    assert toe, seen
    counts = [int(s.split("reps ")[1].split()[0]) for s in toe]
    assert max(counts) >= 5
    assert any(s.startswith("ankle circles") and "cw" in s for s in seen)


def test_gaps_are_announced_between_the_rows_either_side(demo):
    sink = MemorySink()
    asyncio.run(Player(demo, sink, "k", speed=None).run())
    rows = sink.array("k")
    assert len(rows) == len(demo.data)
    first = demo.gaps.iloc[0]
    assert sink.gaps["k"][0] == (pytest.approx(first.start_s), pytest.approx(first.end_s))
    assert sink.status["k"][-1] == "finished"


def test_stop_ends_cleanly_with_what_was_replayed(demo):
    sink = MemorySink()
    player = Player(demo, sink, "k", speed=None)

    class StopAfter(MemorySink):
        def on_samples(self, key, rows):
            sink.on_samples(key, rows)
            if rows[-1, 0] > 30:
                player.stop()

    player.sink = StopAfter()
    asyncio.run(player.run())
    assert player.stopped and 30 < player.fed_s < 31
    assert sink.array("k")[-1, 0] < 31


def test_replay_command_ends_with_the_summary(tmp_path, demo, cli):
    out = cli("replay", DEMO, "--speed", "max")
    assert out.returncode == 0, out.stderr
    assert f"left: {len(demo.data)} samples" in out.stdout
    total = demo.data.t.iloc[-1] - demo.data.t.iloc[0]
    assert f"replayed {total:.1f} of {total:.1f} s" in out.stdout
    assert "toe_press        11 reps" in out.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("hello\n")
    out = cli("replay", bad)
    assert out.returncode == 1 and out.stderr.startswith("toehold: ") and "Traceback" not in out.stderr
