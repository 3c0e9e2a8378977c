"""Where live samples go: the sink interface between collectors and writers/views.

Rows are ``(n, >=7)`` float arrays in contract order: ``t`` (s from the session
start, shared by every device of the session), ``acc_x..z`` (m/s²),
``gyr_x..z`` (deg/s), optionally ``seq`` (device packet counter).
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class SampleSink(Protocol):
    """Receiver of a live session's rows, gaps and status lines."""

    def on_samples(self, device_key: str, rows: np.ndarray) -> None:
        """Rows ``(n, >=7)``: t (s), acc (m/s²), gyr (deg/s)[, seq]."""

    def on_gap(self, device_key: str, start_s: float, end_s: float) -> None:
        """No data from ``start_s`` to ``end_s`` (s from session start)."""

    def on_status(self, device_key: str, text: str) -> None:
        """A human-readable state change (connecting, streaming, reconnecting…)."""


class MemorySink:
    """Keeps everything in memory (tests, summaries)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[np.ndarray]] = {}
        self.gaps: dict[str, list[tuple[float, float]]] = {}
        self.status: dict[str, list[str]] = {}

    def on_samples(self, device_key: str, rows: np.ndarray) -> None:
        self.rows.setdefault(device_key, []).append(np.array(rows, copy=True))

    def on_gap(self, device_key: str, start_s: float, end_s: float) -> None:
        self.gaps.setdefault(device_key, []).append((start_s, end_s))

    def on_status(self, device_key: str, text: str) -> None:
        self.status.setdefault(device_key, []).append(text)

    def array(self, device_key: str) -> np.ndarray:
        parts = self.rows.get(device_key, [])
        return np.concatenate(parts) if parts else np.empty((0, 8))


class TeeSink:
    """Forwards every call to several sinks (file + live view)."""

    def __init__(self, *sinks: SampleSink) -> None:
        self.sinks = [s for s in sinks if s is not None]

    def on_samples(self, device_key, rows):
        for s in self.sinks:
            s.on_samples(device_key, rows)

    def on_gap(self, device_key, start_s, end_s):
        for s in self.sinks:
            s.on_gap(device_key, start_s, end_s)

    def on_status(self, device_key, text):
        for s in self.sinks:
            s.on_status(device_key, text)
