"""The collector's rate measurement and clock for devices without a sample clock.

Arrival times are made by hand: a device sampling at a known rate whose
notifications arrive in bursts (a phone's stack delivering several
connection events at once) or late (a busy host).
"""
from __future__ import annotations

import numpy as np

from sensors.ble.collector import _Clock, _RateMeter


def test_rate_from_bursty_arrivals():
    # 47.3 Hz, one sample per packet, delivered every 0.2 s in bursts 1 ms apart.
    rate, meter = 47.3, _RateMeter()
    k = np.arange(int(10 * rate))
    sampled = k / rate
    burst_end = (np.floor(sampled / 0.2) + 1) * 0.2
    arrival = burst_end + 1e-3 * (k - np.searchsorted(sampled, burst_end - 0.2))
    for t in arrival:
        meter.add(1, float(t))
    assert abs(meter.sampling_rate_hz() - rate) < 0.01 * rate


def test_pause_and_reconnect_do_not_count_as_slow_sampling():
    meter = _RateMeter()
    for t in np.arange(0, 3, 0.01):
        meter.add(1, float(t))
    meter.new_segment()  # a reconnect, 5 s later
    for t in np.arange(8, 10, 0.01):
        meter.add(1, float(t))
    assert abs(meter.sampling_rate_hz() - 100.0) < 0.5


def test_clock_spaces_bursts_at_the_period_without_gaps():
    # 50 Hz, arriving in 0.2 s bursts: stamped 20 ms apart, never 1.5 periods.
    clock = _Clock(50.0, has_clock=False)
    t = [clock.stamp(np.array([np.nan]), 0.2 * (i // 10 + 1) + 1e-4 * (i % 10))[0] for i in range(200)]
    dt = np.diff(t)
    assert dt.max() < 1.5 * 0.02 and dt.min() > 0.5 * 0.02
    # and it keeps up with the arrivals (drift pulled in)
    assert abs(t[-1] - 4.0) < 0.25
