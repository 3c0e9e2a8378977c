"""The recording writer's thread (``RecordingWriter(background=True)``, what ``record`` writes with)."""
import errno

import numpy as np
import pytest

from sensors.recording import RecordingWriter, read_recording

META = {"format": "toehold-recording/1", "start_time": "2026-12-01T00:00:00.000Z", "sample_rate_hz": "100"}


def rows(k):
    t = np.arange(k * 5, k * 5 + 5) / 100.0
    return np.column_stack([t, np.full((5, 6), k + 0.5)])


def test_the_thread_writes_the_same_bytes_in_the_same_order(tmp_path):
    for background in (False, True):
        with RecordingWriter(tmp_path / f"{background}.csv", META, background=background,
                             rewritable=("sample_rate_hz",)) as w:
            for k in range(200):
                w.write_rows(rows(k))
            w.rewrite_metadata("sample_rate_hz", "99.5")
            for k in range(200, 210):
                w.write_rows(rows(k))
    assert (tmp_path / "True.csv").read_bytes() == (tmp_path / "False.csv").read_bytes()
    rec = read_recording(tmp_path / "True.csv")
    assert len(rec.data) == 1050 and rec.data["acc_x"].iloc[-1] == 209.5


class _FullDisk:
    """A file whose writes fail as on a full disk."""

    def __init__(self, fh):
        self.fh = fh
        self.closed = False

    def write(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        pass

    def fileno(self):
        return self.fh.fileno()

    def close(self):
        self.closed = True
        self.fh.close()


def test_a_write_error_in_the_thread_is_raised_to_the_caller(tmp_path):
    w = RecordingWriter(tmp_path / "x.csv", META, background=True)
    w._fh = _FullDisk(w._fh)
    w.write_rows(rows(0))  # queued: the error comes from the thread
    with pytest.raises(OSError, match="No space"):
        w.flush()
    w.write_rows(rows(1))
    with pytest.raises(OSError, match="No space"):
        w.close()
    assert w._fh.closed and not w._thread.is_alive()
