"""Thingy:52 raw motion decoder.

Nordic publishes the layout (``ble_tms_raw_t`` in Nordic-Thingy52-FW
``include/ble_services/ble_tms.h``: int16 accel, gyro, compass xyz) and the
fixed-point formats (``m_motion.c``: Q6.10 g, Q11.5 deg/s, Q12.4 µT) but no
captured packet, so the vectors are built by hand from those.
"""
from __future__ import annotations

import struct

import numpy as np
import pytest

from sensors.devices import G, MalformedPacket, get_profile
from sensors.devices.thingy import ThingyDecoder, config_command
from sensors.emulated.encoders import ThingyEncoder

P = get_profile("thingy")


def test_hand_built_packet_fixed_point_scales():
    # acc (0.5 g, -0.25 g, 1 g) in Q6.10; gyro (1, -90, 250.5) deg/s in Q11.5; compass (1, 2, -3) µT in Q12.4
    data = struct.pack("<9h", 512, -256, 1024, 32, -2880, 8016, 16, 32, -48)
    dec = ThingyDecoder()
    rows = dec.feed(data)
    assert rows.shape == (1, 8)
    np.testing.assert_allclose(rows[0, 1:4], [0.5 * G, -0.25 * G, G])
    np.testing.assert_allclose(rows[0, 4:7], [1.0, -90.0, 250.5])
    np.testing.assert_allclose(dec.compass, [1.0, 2.0, -3.0])
    # No device clock, no counter: the collector stamps rows on arrival.
    assert np.isnan(rows[0, 0]) and np.isnan(rows[0, 7])
    assert not P.has_clock and P.starts_on_subscribe


def test_configuration_sets_the_motion_processing_frequency():
    data = config_command(100)
    assert data == struct.pack("<HHHHB", 1000, 1000, 1000, 100, 0)
    assert P.start_commands(100) == [(P.control_uuid, data)]
    # The firmware accepts 1–200 Hz (BLE_TMS_CONFIG_MPUF_MIN/MAX).
    assert struct.unpack("<HHHHB", config_command(1000))[3] == 200
    assert struct.unpack("<HHHHB", config_command(0))[3] == 1
    assert ThingyEncoder().command(struct.pack("<HHHHB", 100, 100, 100, 500, 0)) is None


@pytest.mark.parametrize("n", [0, 1, 12, 17, 19, 20])
def test_wrong_length_raises(n):
    with pytest.raises(MalformedPacket):
        ThingyDecoder().feed(bytes(n))


def test_encoder_decoder_round_trip_within_quantisation():
    rng = np.random.default_rng(2)
    enc, dec = ThingyEncoder(), ThingyDecoder()
    for _ in range(50):
        block = np.zeros((1, 7))
        block[0, 1:4] = rng.normal(0, 15, 3)
        block[0, 4:7] = rng.normal(0, 300, 3)
        rows = dec.feed(enc.encode(block, 0))
        np.testing.assert_allclose(rows[0, 1:4], block[0, 1:4], atol=P.acc_quantum / 2 + 1e-12)
        np.testing.assert_allclose(rows[0, 4:7], block[0, 4:7], atol=P.gyr_quantum / 2 + 1e-12)
