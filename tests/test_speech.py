"""Cues a person can hear (toehold/speech.py): the bell by default, spoken words where an engine is."""
from __future__ import annotations

import sys

from analysis.coach import Step, StepRecord
from toehold.speech import CommandEngine, Cues, Speaker, find_engine


class FakeEngine:
    """An output sink with the engines' interface: say(text)."""

    def __init__(self, fail: bool = False) -> None:
        self.said: list[str] = []
        self.fail = fail

    def say(self, text: str) -> None:
        if self.fail:
            raise OSError("audio device gone")
        self.said.append(text)


def _events():
    step = Step("toe_press", "left", {"reps": 10, "hold_s": 4.0})
    rec = StepRecord("toe_press", "left", 0.0, 50.0, {"reps": 10, "hold_s": 4.0}, outcome="done")
    return [("announce", step), ("begin", step), ("rep", 1, "good"), ("release",), ("step_end", rec),
            ("finished",)]


def test_cues_go_to_the_engine_and_the_bell():
    engine, rings = FakeEngine(), []
    cues = Cues(bell=lambda: rings.append(1), speaker=Speaker(engine))
    for ev in _events()[:4]:  # announce, begin, rep, release
        cues.on_event(ev)
    cues.close()
    assert engine.said == ["toe press, left foot", "release"]
    assert rings == [1]  # the bell rings at the end of the hold only


def test_quiet_turns_off_bell_and_speech():
    engine, rings = FakeEngine(), []
    cues = Cues(bell=lambda: rings.append(1), speaker=Speaker(engine), quiet=True)
    for ev in _events():
        cues.on_event(ev)
    cues.close()
    assert engine.said == [] and rings == []


def test_nothing_breaks_without_an_engine_or_when_it_fails():
    assert find_engine(which=lambda name: None, use_pyttsx3=False) is None
    cues = Cues(bell=None, speaker=None)
    for ev in _events():
        cues.on_event(ev)
    cues.close()
    broken = Speaker(FakeEngine(fail=True))
    broken.say("release")
    broken.close()
    assert broken.failed and "audio device gone" in broken.failed
    broken.say("release")  # a failed engine is left alone; no exception


def test_a_program_on_path_gets_the_words_as_one_argument(tmp_path):
    """espeak/say are run without a shell: the words are never a command line."""
    out = tmp_path / "said.txt"
    engine = find_engine(which=lambda name: sys.executable if name == "espeak" else None, use_pyttsx3=False)
    assert isinstance(engine, CommandEngine) and engine.program == sys.executable
    probe = CommandEngine(sys.executable, ("-c", f"import sys; open({str(out)!r}, 'w').write(sys.argv[1])"))
    probe.say("toe press; left foot $(touch x)")
    assert out.read_text() == "toe press; left foot $(touch x)"
