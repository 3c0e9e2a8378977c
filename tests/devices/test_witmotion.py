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


def test_0x61_bytes_written_from_the_document():
    """A 0x61 packet written byte by byte (no encoder, no struct) from WitMotion's
    WT901BLECL 5.0 manual, section 6.1.1 "Acceleration, Angular velocity,
    Angle, Data pack (default)" (wiki.wit-motion.com): ``55 61``, then AxL AxH AyL AyH AzL AzH,
    WxL … WzH, RollL … YawH, each a signed 16-bit little-endian value;
    acceleration = value / 32768 × 16 g, angular velocity = value / 32768 ×
    2000 deg/s. 0x0800 = 2048 is 1 g, 0xFC00 = -1024 is -0.5 g, 0x1000 = 4096
    is 2 g; 0x4000 = 16384 is 1000 deg/s, 0xF000 = -4096 is -250 deg/s."""
    data = bytes.fromhex("55 61" "00 08 00 FC 00 10" "00 40 00 F0 01 00" "64 00 C8 00 2C 01")
    rows = WitDecoder().feed(data)
    np.testing.assert_allclose(rows[0, 1:4], [G, -0.5 * G, 2 * G])
    np.testing.assert_allclose(rows[0, 4:7], [1000.0, -250.0, 2000 / 32768])


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
def test_malformed_packets_are_refused(data):
    """Raised at once, or (a packet start that may continue in the next
    notification) held and counted as discarded when nothing completes it."""
    dec = WitDecoder()
    try:
        rows = dec.feed(data)
    except MalformedPacket:
        return
    assert len(rows) == 0
    dec.finish()
    assert dec.discarded == 1


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


# ---- byte stream (WitMotion's SDK cuts packets out of a buffer) ---------------------------
# Hand-written packets; expected values by hand from the document's scales:
# acc = raw/32768*16 g, gyro = raw/32768*2000 deg/s.
# 0x0800 = 2048 -> 1 g; 0xF800 = -2048 -> -1 g; 0x4000 = 16384 -> 1000 deg/s; 0x0010 = 16 -> 0.9765625 deg/s
PKT_A = bytes.fromhex("55 61 00 08 00 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00")  # ax 1 g, gx 1000
PKT_B = bytes.fromhex("55 61 00 00 00 F8 00 00 00 00 10 00 00 00 00 00 00 00 00 00")  # ay -1 g, gy 0.977
PKT_C = bytes.fromhex("55 61 00 00 00 00 00 10 00 00 00 00 00 C0 11 22 33 44 55 66")  # az 2 g, gz -1000
EXPECTED = np.array([[G, 0, 0, 1000.0, 0, 0],
                     [0, -G, 0, 0, 2000 * 16 / 32768, 0],
                     [0, 0, 2 * G, 0, 0, -1000.0]])


def test_several_packets_in_one_notification():
    rows = WitDecoder().feed(PKT_A + PKT_B + PKT_C)
    np.testing.assert_allclose(rows[:, 1:7], EXPECTED)


@pytest.mark.parametrize("cuts", [(7,), (20, 33), (13, 27, 41), (1, 2, 3, 59)])
def test_packets_cut_across_notifications_are_reassembled(cuts):
    stream = PKT_A + PKT_B + PKT_C
    edges = (0, *cuts, len(stream))
    dec = WitDecoder()
    rows = np.concatenate([dec.feed(stream[a:b]) for a, b in zip(edges, edges[1:]) if b > a])
    np.testing.assert_allclose(rows[:, 1:7], EXPECTED)
    assert dec.discarded == 0


def test_a_cut_off_packet_is_dropped_and_counted_not_glued_to_the_next():
    dec = WitDecoder()
    head = dec.feed(PKT_A + PKT_B[:8])          # a packet and the start of the next
    rows = dec.feed(PKT_C)                       # the rest of PKT_B never came
    np.testing.assert_allclose(head[:, 1:7], EXPECTED[:1])
    np.testing.assert_allclose(rows[:, 1:7], EXPECTED[2:])
    assert dec.discarded == 1


def test_rate_command_for_200_hz_is_0x0b():
    """WIT standard protocol, RATE register 0x03: 0x0B = 200 Hz (0x0A is 125 Hz)."""
    assert P.start_commands(200)[-1] == (P.control_uuid, bytes.fromhex("FF AA 03 0B 00"))
    assert P.start_commands(100)[-1] == (P.control_uuid, bytes.fromhex("FF AA 03 09 00"))


def test_name_prefixes_do_not_take_other_wt_devices():
    from sensors.devices import recognise

    assert recognise("WT901BLE67") == "witmotion"
    assert recognise("WT9011DCL-BT50") == "witmotion"
    assert recognise("WT-Speaker") is None and recognise("WTX1") is None


def test_dual_mode_modules_microchip_uart_layout():
    """Microchip (ISSC) transparent UART: service 49535343-FE7D-…, TX notify
    49535343-1E4D-…, RX write 49535343-8841-…."""
    assert ("49535343-fe7d-4ae5-8fa9-9fafd205e455", "49535343-1e4d-4bd9-ba61-23c647249616",
            "49535343-8841-43f4-a8d4-ecbe34729bb3") in P.alternatives


# ---- edges of the byte stream (mutation testing, issue 19) ---------------------------------

def test_a_packet_split_after_its_two_header_bytes_is_reassembled():
    # A 23-byte MTU may cut right after "55 61": the two bytes are a packet start.
    dec = WitDecoder()
    assert len(dec.feed(PKT_A[:2])) == 0
    np.testing.assert_allclose(dec.feed(PKT_A[2:])[:, 1:7], EXPECTED[:1])
    assert dec.discarded == 0


def test_a_continuation_that_begins_with_header_bytes_is_still_the_continuation():
    # acc x raw 0x6155 (bytes 55 61) = 24917/32768*16 g: the 18 bytes that
    # complete the packet begin like a packet of their own, and fit exactly.
    pkt = b"\x55\x61" + struct.pack("<9h", 0x6155, 0, 0, 0, 0, 0, 0, 0, 0)
    dec = WitDecoder()
    dec.feed(pkt[:2])
    rows = dec.feed(pkt[2:])
    assert rows[:, 1] == pytest.approx([24917 / 32768 * 16 * G])
    assert dec.discarded == 0


def test_every_cut_off_packet_is_counted_and_the_stream_goes_on():
    dec = WitDecoder()
    dec.feed(PKT_A[:8])
    dec.feed(PKT_B)                 # PKT_A's rest never came: 1
    dec.feed(PKT_C[:5])
    dec.feed(PKT_A)                 # PKT_C's rest never came: 2
    dec.feed(PKT_B[:3])
    dec.finish()                    # the stream ended inside PKT_B: 3
    assert dec.discarded == 3
    # After the end nothing is held over: a new stream decodes from its first byte.
    np.testing.assert_allclose(dec.feed(PKT_C)[:, 1:7], EXPECTED[2:])
    assert dec.discarded == 3


@pytest.mark.parametrize("data, says", [
    (PKT_A + b"\x55\x62" + bytes(18), "40 bytes"),     # a second packet with an unknown flag
    (PKT_A + b"\x55\x62", "2 stray bytes"),            # a tail that starts no packet
    (PKT_A + b"\x12", "1 stray bytes"),
    (b"\x12" + PKT_A[1:], "20 bytes"),                 # no header where a packet must start
])
def test_bytes_that_are_no_packet_are_refused_saying_how_many(data, says):
    with pytest.raises(MalformedPacket, match=says):
        WitDecoder().feed(data)


def test_the_register_field_of_a_reply_is_u16_little_endian():
    # Document: "0x55 0x71 <reg u16>" then eight int16 registers; a reply
    # for register 0x0140 fills 0x0140..0x0147.
    reply = b"\x55\x71\x40\x01" + struct.pack("<8h", 1, 2, 3, 4, 5, 6, 7, -8)
    dec = WitDecoder()
    dec.feed(reply)
    assert {r: dec.registers[r] for r in range(0x140, 0x148)} == dict(zip(range(0x140, 0x148), [1, 2, 3, 4, 5, 6, 7, -8]))
