"""One recording's analysis on two cores (analysis.forked, SessionAnalyzer(jobs=2)):
the same document as in one process, and a child that fails costs time, not the result."""
import json
import os
import signal
import time

import numpy as np
import pandas as pd
import pytest

from analysis import forked
from analysis.forked import Beside, ChildFailedWarning
from analysis.pipeline import analyze_recording
from analysis.session import SessionAnalyzer
from sensors.recording import Recording
from sensors.simulator import simulate_session

pytestmark = pytest.mark.skipif(not forked.can_fork(), reason="needs fork")


def _in_child(parent: int) -> bool:
    return os.getpid() != parent


@pytest.mark.parametrize("how, why", [
    ("exit", "ended with status 3 and no result"),
    ("kill", "killed by signal 9"),
    ("raise", "ValueError: planted in the child"),
    ("unpicklable", "result not sent"),
])
def test_a_child_that_fails_gives_a_warning_and_the_result_computed_here(how, why):
    parent = os.getpid()

    def work():
        if _in_child(parent):
            if how == "exit":
                os._exit(3)
            if how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if how == "raise":
                raise ValueError("planted in the child")
            if how == "unpicklable":
                return lambda: None  # a lambda does not pickle
        return [1, 2, 3]

    job = Beside(work)
    assert job.forked_
    t0 = time.perf_counter()
    with pytest.warns(ChildFailedWarning, match=why):
        assert job.result() == [1, 2, 3]
    assert time.perf_counter() - t0 < 30  # no wait for a child that is gone


def test_a_childs_result_comes_from_the_child_and_the_child_is_reaped():
    parent = os.getpid()
    job = Beside(lambda: (os.getpid(), np.arange(5.0)))
    pid, arr = job.result()
    assert pid != parent and arr.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ChildProcessError):  # already waited for: no zombie left
        os.waitpid(pid, os.WNOHANG)


def test_a_child_is_ended_when_this_process_fails_meanwhile():
    parent = os.getpid()
    job = Beside(lambda: time.sleep(60) if _in_child(parent) else None)
    pid = job._proc.pid
    t0 = time.perf_counter()
    job.cancel()
    assert time.perf_counter() - t0 < 10
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_child_whose_result_is_never_asked_for_ends_with_its_job():
    # An error in this process between the fork and result(): the job is
    # dropped, and the child (here blocked sending a result larger than the
    # pipe holds) must not live on.
    import gc

    job = Beside(lambda: np.zeros(1 << 20))
    pid = job._proc.pid
    time.sleep(0.5)
    del job
    gc.collect()
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_without_fork_the_work_runs_here_when_asked():
    calls = []
    job = Beside(lambda: calls.append(os.getpid()) or "done", fork=False)
    assert not job.forked_ and calls == []
    assert job.result() == "done" and calls == [os.getpid()]


@pytest.fixture(scope="module")
def two_sessions():
    """Two simulated sessions one after the other (walks, holds, circles in each):
    hold sets on both sides of the middle, where the hold-set detector's work is cut."""
    a, _ = simulate_session(seed=1, tier="clean")
    b, _ = simulate_session(seed=1003, tier="realistic")
    # The second session's sensor mounted the first's way, 60 s after it ended.
    db = b.data.copy()
    db["t"] = db["t"] - db["t"].iloc[0] + a.data["t"].iloc[-1] + 60.0
    data = pd.concat([a.data, db], ignore_index=True)
    return Recording(data=data, metadata=dict(a.metadata), path="two_sessions.csv")


def _document(rec, analyzer):
    return json.dumps(analyze_recording(rec, analyzer=analyzer), sort_keys=True)


def test_two_processes_give_the_same_document_byte_for_byte(two_sessions, monkeypatch):
    serial = SessionAnalyzer(jobs=1).detect(two_sessions.data, two_sessions.placement or "foot",
                                            two_sessions.metadata.get("mounting"))
    assert len(serial.reps_) >= 20 and len(serial.circles_) and len(serial.strides_)
    started = []
    real_init = Beside.__init__

    def spy(self, work, fork=True):
        real_init(self, work, fork)
        started.append(self.forked_)

    monkeypatch.setattr(Beside, "__init__", spy)
    one = _document(two_sessions, SessionAnalyzer(jobs=1))
    assert not any(started)
    started.clear()
    # hold_share 0.5: the hold sets of the first session here, the second's in the child.
    two = _document(two_sessions, SessionAnalyzer(jobs=2, min_forked_s=0, hold_share=0.5))
    assert started == [True, True]  # stage 1's gait bouts, stage 2's families
    assert two == one
    n_reps = sum(len(e["reps"]) for e in json.loads(one)["exercises"])
    assert n_reps == len(serial.reps_)


def test_a_short_recording_stays_in_one_process(two_sessions, monkeypatch):
    started = []
    monkeypatch.setattr(forked.multiprocessing, "get_context",
                        lambda *a: started.append(a) or pytest.fail("forked"))
    duration = float(two_sessions.data["t"].iloc[-1] - two_sessions.data["t"].iloc[0])
    SessionAnalyzer(jobs=2, min_forked_s=duration + 1).detect(two_sessions.data, "foot")
    assert started == []


def test_a_child_that_dies_mid_analysis_leaves_the_document_unchanged(two_sessions, monkeypatch):
    import analysis.families as families

    one = _document(two_sessions, SessionAnalyzer(jobs=1))
    parent = os.getpid()
    real = families.TiptoeWalkDetector.detect

    def dies_in_child(self, *a, **kw):
        if _in_child(parent):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, *a, **kw)

    monkeypatch.setattr(families.TiptoeWalkDetector, "detect", dies_in_child)
    with pytest.warns(ChildFailedWarning, match="killed by signal 9"):
        two = _document(two_sessions, SessionAnalyzer(jobs=2, min_forked_s=0))
    assert two == one
