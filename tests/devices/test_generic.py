"""toehold's DIY ``generic`` profile: the layout documented in the README and
``docs/diy-sensor.md``. There is no vendor here; the vectors are built by
hand from that documented layout."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from sensors.devices import G, MalformedPacket, get_profile
from sensors.devices.generic import GenericDecoder
from sensors.emulated.encoders import GenericEncoder

P = get_profile("generic")


def packet(seq: int, t0_us: int, samples) -> bytes:
    samples = np.asarray(samples, "<i2")
    return struct.pack("<HIB", seq, t0_us, len(samples)) + samples.tobytes()


def test_hand_built_packet_units_clock_and_counter():
    # 1000 mg = 1 g on z, 900 = 90.0 deg/s on x
    dec = GenericDecoder()
    # The first packet waits for the second to time it; alone, finish() gives it at the asked rate.
    assert dec.feed(packet(7, 2_000_000, [[0, 0, 1000, 900, 0, -15], [500, 0, 0, 0, 0, 0]])).shape == (0, 8)
    rows = dec.finish()
    np.testing.assert_allclose(rows[:, 0], [2.0, 2.01])       # t0 + k / 100 Hz
    np.testing.assert_allclose(rows[0, 1:7], [0, 0, G, 90.0, 0, -1.5])
    np.testing.assert_allclose(rows[1, 1:4], [0.5 * G, 0, 0])
    assert np.all(rows[:, 7] == 7)


def test_bytes_written_from_the_documented_layout():
    """docs/diy-sensor.md, item 3 of "What the board must do": ``seq u16, t0_us
    u32, n u8`` then n × six int16 (mg, 0.1 deg/s), little-endian. Written by
    hand: seq 7, t0 2 000 000 µs (0x001E8480), 2 samples; then seq 8 at
    2 040 000 µs (0x001F20C0): the board samples every 20 ms."""
    first = bytes.fromhex("0700 80841E00 02"
                          "0000 0000 E803 8403 0000 F1FF"    # 1000 mg z, 90.0 / -1.5 deg/s
                          "F401 0CFE 0000 0000 0000 0100")   # 500 mg x, -500 mg y, 0.1 deg/s z
    second = bytes.fromhex("0800 C0201F00 01" "18FC 0000 0000 0000 0000 0000")  # -1000 mg x
    dec = GenericDecoder()
    assert dec.feed(first).shape == (0, 8)
    rows = dec.feed(second)
    np.testing.assert_allclose(rows[:, 0], [2.0, 2.02, 2.04])  # the board's 20 ms, not the asked 10
    np.testing.assert_allclose(rows[:, 1:7], [[0, 0, G, 90.0, 0, -1.5],
                                              [0.5 * G, -0.5 * G, 0, 0, 0, 0.1],
                                              [-G, 0, 0, 0, 0, 0]])
    assert list(rows[:, 7]) == [7, 7, 8]


def test_documented_commands():
    assert P.start_commands(100) == [(P.control_uuid, b"\x01\x64\x00")]
    assert P.stop_commands() == [(P.control_uuid, b"\x00")]


def test_sequence_and_time_jump_show_the_loss():
    dec = GenericDecoder()
    assert dec.feed(packet(1, 0, [[0] * 6] * 4)).shape == (0, 8)
    rows = dec.feed(packet(3, 80_000, [[0] * 6] * 4))    # packet 2 lost
    a, b = rows[:4], rows[4:]
    assert b[0, 7] - a[0, 7] == 2
    assert b[0, 0] - a[-1, 0] > 1.5 / P.sampling_rate_hz


def test_microsecond_clock_wrap():
    dec = GenericDecoder()
    dec.feed(packet(1, 2**32 - 10_000, [[0] * 6]))
    a, b = dec.feed(packet(2, 30_000, [[0] * 6]))
    assert 0 < b[0] - a[0] < 0.1


@pytest.mark.parametrize("data", [
    b"", b"\x01\x00", packet(1, 0, [[0] * 6] * 2)[:-1],   # cut short
    packet(1, 0, [[0] * 6] * 2) + b"\x00",                 # trailing byte
    struct.pack("<HIB", 1, 0, 0),                          # zero samples
])
def test_malformed_packets_raise(data):
    with pytest.raises(MalformedPacket):
        GenericDecoder().feed(data)


def test_encoder_decoder_round_trip_within_quantisation():
    rng = np.random.default_rng(4)
    enc, dec = GenericEncoder(), GenericDecoder()
    block = np.empty((4, 7))
    block[:, 0] = 3.0 + np.arange(4) / 100
    block[:, 1:4] = rng.normal(0, 30, (4, 3))
    block[:, 4:7] = rng.normal(0, 500, (4, 3))
    assert dec.feed(enc.encode(block, 9)).shape == (0, 8)
    rows = dec.finish()
    np.testing.assert_allclose(rows[:, 1:4], block[:, 1:4], atol=P.acc_quantum / 2 + 1e-12)
    np.testing.assert_allclose(rows[:, 4:7], block[:, 4:7], atol=P.gyr_quantum / 2 + 1e-12)
    np.testing.assert_allclose(rows[:, 0], block[:, 0], atol=1e-6)


# ---- the clock and the period (docs/devices/generic.md: timed on the board's
# u32 µs clock; the period between samples is read from consecutive packets) --

ZERO = [[0] * 6]


def _times(dec, packets):
    rows = [dec.feed(p) for p in packets] + [dec.finish()]
    out = np.concatenate(rows)
    assert out.shape[1] == 8  # the decoder interface: (n, 8)
    return out[:, 0]


@pytest.mark.parametrize("data, says", [(b"\x01\x00\x00\x00\x00\x00", "6 bytes, shorter than the header"),
                                        (struct.pack("<HIB", 1, 0, 0), "length 7 does not match 0 samples")])
def test_a_packet_without_samples_is_refused_saying_why(data, says):
    with pytest.raises(MalformedPacket, match=says):
        GenericDecoder().feed(data)


def test_a_late_packet_is_not_a_clock_wrap():
    # Packet 3 overtaken by... packet 2 arriving after it: 40 ms back, not 71 min forward.
    t = _times(GenericDecoder(), [packet(1, 2_000_000, ZERO * 4), packet(3, 2_080_000, ZERO * 4),
                                  packet(2, 2_040_000, ZERO * 4)])
    assert t[-4] == pytest.approx(2.04) and t.max() < 3.0


def test_two_clock_wraps_keep_the_time_going_forward():
    # 2**32 µs = 4294.967296 s: the clock wraps twice in a 2.5 h session.
    wrap = 2**32 * 1e-6
    stamps = [2**32 - 10_000, 30_000, 2**31, 2**32 - 10_000, 30_000]
    t = _times(GenericDecoder(), [packet(k + 1, s, ZERO) for k, s in enumerate(stamps)])
    np.testing.assert_allclose(t, [wrap - 0.01, wrap + 0.03, wrap + 2**31 * 1e-6, 2 * wrap - 0.01, 2 * wrap + 0.03])


def test_the_period_is_learnt_only_from_consecutive_packets():
    # Packet 2 lost: 80 ms between packets 1 and 3 is 8 samples' time, not
    # 4, so the first packet keeps the asked 10 ms.
    t = _times(GenericDecoder(), [packet(1, 0, ZERO * 4), packet(3, 80_000, ZERO * 4)])
    np.testing.assert_allclose(t[:4], [0.0, 0.01, 0.02, 0.03])


def test_a_board_faster_than_asked_is_timed_at_its_own_rate():
    # Asked for 100 Hz, the board runs at 200: 4 samples in 20 ms.
    t = _times(GenericDecoder(), [packet(1, 0, ZERO * 4), packet(2, 20_000, ZERO * 4)])
    np.testing.assert_allclose(t, np.arange(8) * 0.005)


def test_a_step_over_five_periods_between_consecutive_packets_is_not_a_rate():
    # 4 samples in 220 ms would be 55 ms a sample (5.5 x 10 ms): a stall,
    # not the board's rate; the asked 10 ms stays.
    t = _times(GenericDecoder(), [packet(1, 0, ZERO * 4), packet(2, 220_000, ZERO * 4)])
    np.testing.assert_allclose(t[:4], [0.0, 0.01, 0.02, 0.03])


def test_finish_without_any_packet_gives_no_rows():
    rows = GenericDecoder().finish()
    assert rows.shape == (0, 8)
