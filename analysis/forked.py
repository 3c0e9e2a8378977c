"""Work beside the analysis on the second core: a forked child process.

A day of wear's analysis is mostly numpy and scipy over whole-day arrays,
with Python between the calls: two threads share the GIL and measured no
wall gain (benchmarks/README.md, "stage 2 in two threads"). A child forked
from the analysing process sees its arrays as they are at the fork, shared
copy-on-write (nothing is copied or pickled on the way in), runs one piece
of work and sends its (small) result back through a pipe.

Where ``fork`` is not available (not Linux or macOS), in a daemon process
(a batch's pool worker, which may not have children) or when asked not to,
the work runs in this process when its result is asked for: the same result
either way.
"""
from __future__ import annotations

import multiprocessing
import warnings
from collections.abc import Callable
from typing import Any


class ChildFailedWarning(RuntimeWarning):
    """The forked child gave no result; its work was done again in this process."""


def can_fork() -> bool:
    """Whether this process may fork a child for the analysis."""
    return ("fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


class Beside:
    """Run ``work()`` in a forked child while this process goes on; :meth:`result` waits for it.

    Parameters
    ----------
    work : callable
        Takes no argument; its inputs are what it refers to (closures),
        seen by the child as they were at the fork. Its return value must
        be picklable and should be small: it crosses a pipe from this
        process's own forked child (never from a file or a device).
    fork : bool
        False runs ``work`` in this process at :meth:`result` (the serial path).

    If the child fails (it raises, is killed, or ends without a result),
    :meth:`result` warns (:class:`ChildFailedWarning`, saying why) and runs
    ``work`` in this process: the same result as serially, or the same
    error raised here. The child never outlives :meth:`result`,
    :meth:`cancel` or this object.
    """

    def __init__(self, work: Callable[[], Any], fork: bool = True):
        self.work = work
        self.forked_ = False
        self._proc = self._conn = None
        if not (fork and can_fork()):
            return
        ctx = multiprocessing.get_context("fork")
        reader, writer = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(work, writer), name="toehold-analysis", daemon=True)
        try:
            proc.start()
        except OSError as err:  # no memory or process slot for a child: serial
            warnings.warn(f"could not start a second process ({err}); analysing in one",
                          ChildFailedWarning, stacklevel=2)
            reader.close()
            writer.close()
            return
        # Only the child writes: its end of the pipe closes when it ends,
        # so a child that dies is an end-of-file here, never a wait.
        writer.close()
        self._proc, self._conn, self.forked_ = proc, reader, True

    def result(self) -> Any:
        """The work's return value (from the child, or computed here if there was none)."""
        if self._proc is None:
            return self.work()
        status, value = "died", None
        try:
            status, value = self._conn.recv()
        except (EOFError, OSError):
            pass
        finally:
            self._conn.close()
            if status != "ok":
                self._proc.kill()
            self._proc.join()
            code = self._proc.exitcode
            self._proc.close()
            self._proc = None
        if status == "ok":
            return value
        why = value
        if why is None:
            why = (f"killed by signal {-code}" if code is not None and code < 0
                   else f"ended with status {code} and no result")
        warnings.warn(f"the analysis's second process failed ({why}); its part was analysed again "
                      "in this process", ChildFailedWarning, stacklevel=2)
        return self.work()

    def cancel(self) -> None:
        """End the child without waiting for its result (this process failed meanwhile)."""
        if self._proc is not None:
            self._conn.close()
            self._proc.kill()
            self._proc.join()
            self._proc.close()
            self._proc = None

    def __del__(self):
        # Dropped without its result (an error in this process meanwhile):
        # the child, which may be blocked sending it, is ended.
        if getattr(self, "_proc", None) is not None:
            self.cancel()


def _child(work: Callable[[], Any], writer) -> None:
    try:
        value = ("ok", work())
    except BaseException as err:  # reported to the parent, which redoes the work
        value = ("error", f"{type(err).__name__}: {err}")
    try:
        writer.send(value)
    except Exception as err:  # e.g. a result that does not pickle
        writer.send(("error", f"result not sent: {type(err).__name__}: {err}"))
    writer.close()
