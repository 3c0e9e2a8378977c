"""Lost packets counted from a device's u16 packet counter (the live view's "lost pkts").

The expected counts follow from the counter's definition (one step per
packet, modulo 2**16), worked out by hand for each case.
"""
from __future__ import annotations

import numpy as np
import pytest

from sensors.ble.collector import count_lost


@pytest.mark.parametrize("last, seqs, lost, last_after", [
    (None, [0, 0, 0, 0], 0, 0),          # the first packet: nothing before it to miss
    (0, [1, 1, 1, 1], 0, 1),             # the next packet
    (1, [4, 4, 4, 4], 2, 4),             # 2 and 3 never came
    (65535, [0, 0, 0, 0], 0, 0),         # the counter wraps: still the next packet
    (65534, [1, 1], 2, 1),               # 65535 and 0 lost across the wrap
    (5, [5, 5], 0, 5),                   # a duplicate loses nothing
    (5, [3, 3], 0, 3),                   # a packet behind (late) loses nothing
    (7, [8, 8, 10, 10], 1, 10),          # two packets at once, 9 missing between them
    (None, [0, 0, 2, 2], 1, 2),          # the same in the first batch
    (10, [12, 12, 13, 13], 1, 13),       # a hole before the first of two
])
def test_lost_packets_from_the_counter(last, seqs, lost, last_after):
    assert count_lost(last, np.array(seqs, dtype=float)) == (lost, last_after)
