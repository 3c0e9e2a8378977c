"""WitMotion WT901BLE decoder against WitMotion's Bluetooth 5.0 protocol document.

Vectors: the register reply ``55 71 3A 00 68 01 69 00 7A 00 00 ...`` and its
decoded magnetic field x=360, y=105, z=122 are the document's own example
("Magnetic Field Output"). The document gives no example 0x61 packet, so the
0x61 vectors are built by hand from its formulas (``/32768*16`` g,
``/32768*2000`` deg/s). The commands are those of the document and of
WitMotion's Python SDK (``get_writeBytes(0x69, 0xb588)`` unlock).
"""
from __future__ import annotations

import struct

import numpy as np
import pytest

from sensors.devices import G, MalformedPacket, get_profile
from sensors.devices.witmotion import WitDecoder, rate_code
from sensors.emulated.encoders import WitEncoder

P = get_profile("witmotion")


def test_documented_register_reply_magnetic_field():
    data = bytes.fromhex("55 71 3A 00 68 01 69 00 7A 00 00 00 00 00 00 00 00 00 00 00")
    dec = WitDecoder()
    assert dec.feed(data).shape == (0, 8)  # not a sample
    assert [dec.registers[r] for r in (0x3A, 0x3B, 0x3C)] == [360, 105, 122]


def test_hand_built_0x61_packet_scales():
    # acc (1 g, -0.5 g, 2 g), gyro (1000, -250, 0.06103515625) deg/s, angles ignored
    raw = struct.pack("<9h", 2048, -1024, 4096, 16384, -4096, 1, 100, 200, 300)
    rows = WitDecoder().feed(b"\x55\x61" + raw)
    np.testing.assert_allclose(rows[0, 1:4], [G, -0.5 * G, 2 * G])
    np.testing.assert_allclose(rows[0, 4:7], [1000.0, -250.0, 2000 / 32768])
    assert np.isnan(rows[0, 0]) and np.isnan(rows[0, 7])  # stamped on arrival


def test_28_byte_packet_with_time_decodes_the_same():
    raw = b"\x55\x61" + struct.pack("<9h", 2048, 0, 0, 0, 0, 0, 0, 0, 0)
    rows = WitDecoder().feed(raw + bytes([25, 11, 25, 8, 15, 2]) + struct.pack("<H", 120))
    np.testing.assert_allclose(rows[0, 1:4], [G, 0, 0])


def test_rate_commands_from_the_document():
    unlock = bytes.fromhex("FF AA 69 88 B5")
    assert P.start_commands(100) == [(P.control_uuid, unlock), (P.control_uuid, bytes.fromhex("FF AA 03 09 00"))]
    # WIT standard protocol's RATE table: 0x0A is 125 Hz, 0x0B 200 Hz.
    assert rate_code(200) == 0x0B and rate_code(125) == 0x0A
    assert rate_code(10) == 0x06 and rate_code(50) == 0x08


@pytest.mark.parametrize("data", [
    b"", b"\x55", bytes(20),                                   # no 0x55 header
    b"\x55\x61" + bytes(17), b"\x55\x61" + bytes(19),          # wrong length
    b"\x55\x62" + bytes(18),                                   # unknown flag
    b"\x55\x71" + bytes(10),                                   # short register reply
])
def test_malformed_packets_raise(data):
    with pytest.raises(MalformedPacket):
        WitDecoder().feed(data)


def test_encoder_decoder_round_trip_within_quantisation():
    rng = np.random.default_rng(3)
    enc, dec = WitEncoder(), WitDecoder()
    for _ in range(50):
        block = np.zeros((1, 7))
        block[0, 1:4] = rng.normal(0, 30, 3)
        block[0, 4:7] = rng.normal(0, 500, 3)
        rows = dec.feed(enc.encode(block, 0))
        np.testing.assert_allclose(rows[0, 1:4], block[0, 1:4], atol=P.acc_quantum / 2 + 1e-12)
        np.testing.assert_allclose(rows[0, 4:7], block[0, 4:7], atol=P.gyr_quantum / 2 + 1e-12)
