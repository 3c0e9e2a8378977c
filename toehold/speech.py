"""Cues a person can hear during a guided session: the terminal bell, and spoken words where a
text-to-speech engine is present.

The bell rings at the end of each hold by default. Where an engine is
found, the session also speaks: the step ("toe press, left foot"),
"release" when a hold reaches its target, and "set complete" / "rest".
``--quiet`` turns both off. Engines, first found wins:

- ``pyttsx3`` (the optional extra ``toehold[speech]``: SAPI5, NSSpeechSynthesizer, espeak);
- ``espeak-ng`` or ``espeak`` on PATH (Linux), ``say`` (macOS).

Nothing here is required: without an engine the session runs exactly as
before. Speaking never blocks the session's event loop: words go to a
worker thread that hands them to the engine one at a time.
"""
from __future__ import annotations

import queue
import shutil
import subprocess
import threading


class CommandEngine:
    """A text-to-speech program on PATH (``espeak-ng``, ``espeak``, ``say``): ``say(text)`` runs it."""

    def __init__(self, program: str, args: tuple = ()) -> None:
        self.program = program
        self.args = tuple(args)

    def say(self, text: str) -> None:
        # The words are one argument, never a shell line: nothing in them is run.
        subprocess.run([self.program, *self.args, text], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30, check=False)


class Pyttsx3Engine:
    """``pyttsx3`` behind the same ``say(text)``."""

    def __init__(self) -> None:
        import pyttsx3

        self._engine = pyttsx3.init()

    def say(self, text: str) -> None:
        self._engine.say(text)
        self._engine.runAndWait()


def find_engine(which=shutil.which, use_pyttsx3: bool = True):
    """The first text-to-speech engine present (see the module's list), or None."""
    if use_pyttsx3:
        try:
            return Pyttsx3Engine()
        except Exception:  # not installed, or no speech driver on this machine
            pass
    for program, args in (("espeak-ng", ("-s", "165")), ("espeak", ("-s", "165")), ("say", ())):
        path = which(program)
        if path:
            return CommandEngine(path, args)
    return None


class Speaker:
    """Hand words to ``engine`` (anything with ``say(text)``) on a worker thread, in order.

    At most ``backlog`` phrases wait while the engine speaks; older ones
    are dropped (a cue spoken long after its moment is worse than none).
    """

    def __init__(self, engine, backlog: int = 3) -> None:
        self.engine = engine
        self.failed: str | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=backlog)
        self._thread = threading.Thread(target=self._run, name="toehold-speech", daemon=True)
        self._thread.start()

    def say(self, text: str) -> None:
        if self.failed is None:
            self._put(text)

    def _put(self, item) -> None:
        while True:
            try:
                self._queue.put_nowait(item)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    pass

    def _run(self) -> None:
        while True:
            text = self._queue.get()
            if text is None:
                return
            try:
                self.engine.say(text)
            except Exception as err:  # an engine that breaks stops speaking; the session goes on
                self.failed = f"{type(err).__name__}: {err}"
                return

    def close(self, timeout_s: float = 5.0) -> None:
        """Finish what is queued (up to ``timeout_s``) and stop the worker."""
        self._put(None)
        self._thread.join(timeout_s)


class Cues:
    """What the person hears for the coach's events.

    Parameters
    ----------
    bell : callable or None
        Rings the terminal bell (None: no terminal).
    speaker : Speaker or None
        Spoken cues (None: no engine).
    quiet : bool
        Neither bell nor speech.
    """

    def __init__(self, bell=None, speaker: Speaker | None = None, quiet: bool = False) -> None:
        self.bell = None if quiet else bell
        self.speaker = None if quiet else speaker

    def on_event(self, ev: tuple) -> None:
        """React to one coach event (``analysis.coach.Coach.update``'s)."""
        kind = ev[0]
        if kind == "release":
            if self.bell is not None:
                self.bell()
            self._say("release")
        elif kind == "announce":
            step = ev[1]
            self._say(f"{step.exercise.replace('_', ' ')}, {step.side} foot")
        elif kind == "step_end":
            self._say({"done": "set complete, rest", "partial": "set ended, rest",
                       "skipped": "skipped"}.get(ev[1].outcome, "rest"))
        elif kind == "finished":
            self._say("programme finished")

    def _say(self, text: str) -> None:
        if self.speaker is not None:
            self.speaker.say(text)

    def close(self) -> None:
        if self.speaker is not None:
            self.speaker.close()
