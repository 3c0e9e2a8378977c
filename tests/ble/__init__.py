"""Shared by the BLE tests: how many samples one packet of each device holds.

A session stopped mid-stream may lose the packet in flight, so a test
allows one packet's samples missing at the end: no more. The counts come
from the devices' protocols (docs/devices/):

* witmotion: a ``55 61`` packet of 20 bytes is one sample;
* thingy: one raw-motion notification is one sample (acc, gyro, compass);
* movesense: IMU6 sends rate / 13 samples per DATA packet (8 at 104 Hz);
* generic and polar: the protocol carries ``n`` samples a packet (a PMD
  frame, the DIY ``n u8``); the emulated boards send 4.
"""
from __future__ import annotations

import numpy as np

from sensors.devices import get_profile


def one_packet(kind: str, sampling_rate_hz: float | None = None) -> int:
    """Samples in one packet of device ``kind`` at ``sampling_rate_hz`` (default its nominal rate)."""
    rate = sampling_rate_hz or get_profile(kind).sampling_rate_hz
    return {"witmotion": 1, "thingy": 1, "movesense": max(1, round(rate / 13.0)),
            "generic": 4, "polar": 4}[kind]


def assert_rows_match(got: np.ndarray, sent: np.ndarray, kind: str, sampling_rate_hz: float | None = None) -> None:
    """Every sent sample arrived once, in order, within the device's quantisation;
    only the packet in flight when the session stopped may be missing."""
    profile = get_profile(kind) if isinstance(kind, str) else kind
    assert 0 <= len(sent) - len(got) <= one_packet(profile.key, sampling_rate_hz), (len(sent), len(got))
    sent = sent[: len(got)]
    # Half an LSB of the device plus the CSV's printed precision.
    np.testing.assert_allclose(got[:, 1:4], sent[:, 1:4], atol=profile.acc_quantum / 2 + 1e-4)
    np.testing.assert_allclose(got[:, 4:7], sent[:, 4:7], atol=profile.gyr_quantum / 2 + 1e-3)
