"""Movesense GSP decoder.

No captured IMU6 notification is published (the Movesense sample app and its
Python client print only the timestamp and length), so the vectors below are
built by hand from the documented layout: ``[2, ref, u32 ms]``, then all
acceleration vectors, then all gyro vectors, float32 little-endian (SBEM of
``/Meas/IMU6``, see ``sensors/devices/movesense.py``).
"""
from __future__ import annotations

import struct

import numpy as np
import pytest

from sensors.devices import MalformedPacket, get_profile
from sensors.devices.movesense import MAX_NOTIFICATION, MovesenseDecoder, subscribe_command
from sensors.emulated.encoders import MovesenseEncoder


def split(packet: bytes, max_len: int = 158) -> list[bytes]:
    """As the sample app sends an over-long DATA packet: DATA, then DATA_PART2 (3, ref, rest)."""
    return [packet[:max_len], bytes([3, packet[1]]) + packet[max_len:]]

P = get_profile("movesense")


def imu6(t_ms: int, acc, gyr, ref: int = 0x63) -> bytes:
    """A DATA notification built by hand from the documented layout."""
    acc, gyr = np.asarray(acc, "<f4"), np.asarray(gyr, "<f4")
    return struct.pack("<BBI", 2, ref, t_ms) + acc.tobytes() + gyr.tobytes()


ACC = np.array([[0.0, 0.0, 9.81]] * 8) + np.arange(8)[:, None] * [0.5, -0.25, 0.0]
GYR = np.array([[10.0, -20.0, 30.0]] * 8) * (1 + np.arange(8)[:, None])


def test_hand_built_packet_all_acc_then_all_gyro():
    rows = MovesenseDecoder().feed(imu6(1000, ACC, GYR))
    assert rows.shape == (8, 8)
    np.testing.assert_allclose(rows[:, 1:4], ACC, rtol=1e-6)
    np.testing.assert_allclose(rows[:, 4:7], GYR, rtol=1e-6)
    # The timestamp is that of the first sample; the others follow at 1/104 s.
    np.testing.assert_allclose(rows[:, 0], 1.0 + np.arange(8) / 104.0)
    assert np.all(np.isnan(rows[:, 7]))


def test_subscribe_and_unsubscribe_commands_match_the_sample_client():
    # The sample client writes bytearray([1, 99]) + b"/Meas/Acc/13"; 99 == 0x63.
    assert subscribe_command(104) == bytes([1, 99]) + b"/Meas/IMU6/104"
    assert subscribe_command(100) == bytes([1, 99]) + b"/Meas/IMU6/104"  # nearest supported rate
    assert P.start_commands(104) == [(P.control_uuid, bytes([1, 99]) + b"/Meas/IMU6/104")]
    assert P.stop_commands() == [(P.control_uuid, bytes([2, 99]))]


def test_command_result_gives_no_rows_and_keeps_the_status():
    dec = MovesenseDecoder()
    assert dec.feed(bytes([1, 99]) + struct.pack("<H", 200)).shape == (0, 8)
    assert dec.status == 200


def test_split_notification_is_reassembled():
    packet = imu6(5000, ACC, GYR)
    assert len(packet) > MAX_NOTIFICATION  # IMU6 at 104 Hz does not fit the sensor's MTU
    part1, part2 = split(packet)
    assert part1[0] == 2 and part2[:2] == bytes([3, 0x63])
    dec = MovesenseDecoder()
    assert dec.feed(part1).shape == (0, 8)
    rows = dec.feed(part2)
    np.testing.assert_allclose(rows[:, 1:4], ACC, rtol=1e-6)
    np.testing.assert_allclose(rows[:, 4:7], GYR, rtol=1e-6)


def test_lost_continuation_drops_only_that_packet():
    dec = MovesenseDecoder()
    a, b = split(imu6(0, ACC, GYR)), split(imu6(77, ACC, GYR))
    dec.feed(a[0])                      # its DATA_PART2 is lost
    assert dec.feed(b[0]).shape == (0, 8)
    assert dec.feed(b[1])[0, 0] == pytest.approx(0.077)
    assert dec.feed(a[1]).shape == (0, 8) and dec.orphan_parts == 1  # late/orphan part: no rows


def test_timestamp_jump_is_a_gap():
    """A lost notification shows as a hole of more than 1.5 periods (the contract's gap)."""
    dec = MovesenseDecoder()
    period_ms = 8 / 104 * 1000
    t = [dec.feed(imu6(int(round(k * period_ms)), ACC, GYR))[:, 0] for k in (0, 1, 3)]
    assert np.diff(np.concatenate(t[:2])).max() < 1.5 / 104
    assert t[2][0] - t[1][-1] > 1.5 / 104


def test_clock_wrap_keeps_time_increasing():
    dec = MovesenseDecoder()
    a = dec.feed(imu6(2**32 - 40, ACC, GYR))
    b = dec.feed(imu6(37, ACC, GYR))
    assert b[0, 0] > a[-1, 0]
    assert b[0, 0] - a[-1, 0] < 0.02


@pytest.mark.parametrize("data", [
    b"", b"\x02", imu6(0, ACC, GYR)[:60],                  # truncated
    bytes([9, 99]) + imu6(0, ACC, GYR)[2:],                  # unknown packet type
    imu6(0, np.full((8, 3), np.nan), GYR),                   # not IMU data
])
def test_malformed_packets_raise(data):
    with pytest.raises(MalformedPacket):
        MovesenseDecoder().feed(data)


def test_encoder_decoder_round_trip():
    enc, dec = MovesenseEncoder(), MovesenseDecoder()
    rng = np.random.default_rng(1)
    block = np.empty((enc.samples_per_packet, 7))
    block[:, 0] = 12.3 + np.arange(len(block)) / 104
    block[:, 1:4] = rng.normal(0, 20, (len(block), 3))
    block[:, 4:7] = rng.normal(0, 500, (len(block), 3))
    part1, part2 = enc.encode(block, 0)   # split as the sensor splits it
    assert len(part1) == MAX_NOTIFICATION and dec.feed(part1).shape == (0, 8)
    rows = dec.feed(part2)
    np.testing.assert_allclose(rows[:, 1:4], block[:, 1:4], atol=P.acc_quantum)
    np.testing.assert_allclose(rows[:, 4:7], block[:, 4:7], atol=P.gyr_quantum)
    np.testing.assert_allclose(rows[:, 0], block[:, 0], atol=6e-4)  # ms timestamp


def test_emulated_device_answers_subscribe_on_the_data_characteristic():
    cmd = MovesenseEncoder().command(subscribe_command(104))
    assert cmd.action == "start" and cmd.sampling_rate_hz == 104
    assert cmd.reply == bytes([1, 99]) + struct.pack("<H", 200)
    assert MovesenseEncoder().command(bytes([1, 99]) + b"/Meas/Nope").action is None


def test_other_rates_decode_from_the_packet_length():
    """``--rate 52`` subscribes /Meas/IMU6/52: 4 samples per notification, 1/52 s apart."""
    dec = MovesenseDecoder()
    rows = dec.feed(imu6(2000, ACC[:4], GYR[:4]))
    assert rows.shape == (4, 8)
    np.testing.assert_allclose(rows[:, 0], 2.0 + np.arange(4) / 52.0)
    np.testing.assert_allclose(rows[:, 4:7], GYR[:4], rtol=1e-6)
    # 208 Hz: 16 samples, split by the sensor, reassembled.
    acc16, gyr16 = np.tile(ACC, (2, 1)), np.tile(GYR, (2, 1))
    part1, part2 = split(imu6(3000, acc16, gyr16))
    assert dec.feed(part1).shape == (0, 8)
    rows = dec.feed(part2)
    assert rows.shape == (16, 8)
    np.testing.assert_allclose(rows[1, 0] - rows[0, 0], 1 / 208.0)


def test_first_part_and_continuation_must_make_whole_samples():
    dec = MovesenseDecoder()
    assert dec.feed(imu6(0, ACC, GYR) + b"\x00" * 4).shape == (0, 8)  # could be a first part
    with pytest.raises(MalformedPacket):
        dec.feed(bytes([3, 0x63, 0, 0]))                                # ...but 204 bytes are not samples


def test_bytes_written_from_the_documented_layout():
    """One IMU6 DATA notification written byte by byte (no encoder, no struct):
    gatt_sensordata_app's GSP answer ``[DATA = 2, reference]`` then the SBEM of
    ``/Meas/IMU6/26`` as the Movesense API's ``meas/imu.yaml`` declares it:
    ``Timestamp`` (u32 ms), ``ArrayAcc`` then ``ArrayGyro`` (float32 xyz,
    m/s² and deg/s), little-endian. 26 Hz gives 2 samples per notification.
    The floats are IEEE 754 single, written by hand: 1.0 = 3F800000,
    -0.5 = BF000000, 9.75 = 411C0000, 2.0 = 40000000, 90.0 = 42B40000,
    -250.0 = C37A0000, 0.5 = 3F000000, 0.25 = 3E800000, 1000.0 = 447A0000."""
    data = bytes.fromhex(
        "02 63"                                   # DATA, client reference 0x63
        "40 E2 01 00"                             # 123456 ms since boot
        "0000803F 000000BF 00001C41"              # acc 1: (1.0, -0.5, 9.75) m/s²
        "00000040 00000000 00001CC1"              # acc 2: (2.0, 0.0, -9.75)
        "0000B442 00007AC3 0000003F"              # gyro 1: (90.0, -250.0, 0.5) deg/s
        "0000B4C2 0000803E 00007A44")             # gyro 2: (-90.0, 0.25, 1000.0)
    assert len(data) == 54
    rows = MovesenseDecoder().feed(data)
    np.testing.assert_array_equal(rows[:, 1:7], [[1.0, -0.5, 9.75, 90.0, -250.0, 0.5],
                                                 [2.0, 0.0, -9.75, -90.0, 0.25, 1000.0]])
    # The timestamp is the first sample's; the second follows at 1/26 s.
    np.testing.assert_allclose(rows[:, 0], [123.456, 123.456 + 1 / 26])


# ---- edges (docs/devices/movesense.md: rate/13 samples a DATA packet, a
# COMMAND_RESULT of 400 or more ends the recording, u32 ms clock) ------------

@pytest.mark.parametrize("rate, n", [(6.0, 1), (13.0, 1), (26.0, 2), (104.0, 8), (208.0, 16), (416.0, 32)])
def test_samples_per_notification_are_the_rate_over_13(rate, n):
    from sensors.devices.movesense import samples_per_notification

    assert samples_per_notification(rate) == n


def test_a_one_sample_packet_at_13_hz_decodes():
    rows = MovesenseDecoder(13.0).feed(imu6(1000, [[0.0, 0.0, 9.81]], [[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(rows[:, 1:7], [[0.0, 0.0, 9.81, 1.0, 2.0, 3.0]], rtol=1e-6)
    assert rows[0, 0] == pytest.approx(1.0) and np.isnan(rows[0, 7])


@pytest.mark.parametrize("status, ref, refused", [
    (400, 0x63, True), (399, 0x63, False), (0xFFFF, 0x63, True),   # status is u16 (HTTP-style)
    (404, 0x10, False),                                            # someone else's request
])
def test_a_refused_subscribe_ends_it_and_other_results_do_not(status, ref, refused):
    from sensors.devices.base import CommandRefused

    dec = MovesenseDecoder()
    assert dec.status is None
    packet = bytes([1, ref]) + struct.pack("<H", status)
    if refused:
        with pytest.raises(CommandRefused, match=f"subscribe answered {status}"):
            dec.feed(packet)
    else:
        assert dec.feed(packet).shape == (0, 8)
    assert dec.status == status


def test_every_orphan_continuation_is_counted():
    dec = MovesenseDecoder()
    for _ in range(3):
        assert dec.feed(bytes([3, 0x63]) + bytes(40)).shape == (0, 8)
    assert dec.orphan_parts == 3


@pytest.mark.parametrize("data, says", [
    (b"\x02", "1 bytes, shorter than the GSP header"),
    (b"\x07\x63", "GSP packet type 7, expected 1, 2 or 3"),
    (struct.pack("<BBI", 2, 0x63, 0) + bytes(10), "16 bytes, not whole IMU6 samples"),
])
def test_malformed_packets_say_what_is_wrong(data, says):
    with pytest.raises(MalformedPacket, match=says):
        MovesenseDecoder().feed(data)


def test_a_non_finite_value_is_refused_as_not_imu6():
    with pytest.raises(MalformedPacket, match="non-finite float in an IMU6 notification"):
        MovesenseDecoder(13.0).feed(imu6(0, [[np.nan, 0.0, 9.81]], [[0.0, 0.0, 0.0]]))


def test_a_late_packet_is_not_a_clock_wrap_and_two_wraps_keep_time_going():
    one = ([[0.0, 0.0, 9.81]], [[0.0, 0.0, 0.0]])
    dec = MovesenseDecoder(13.0)
    dec.feed(imu6(2000, *one))
    assert dec.feed(imu6(1900, *one))[0, 0] == pytest.approx(1.9)    # 100 ms back: late, not 49 days on
    wrap = 2**32 * 1e-3
    dec = MovesenseDecoder(13.0)
    t = [dec.feed(imu6(ms, *one))[0, 0] for ms in (2**32 - 100, 50, 2**31, 2**32 - 100, 50)]
    np.testing.assert_allclose(t, [wrap - 0.1, wrap + 0.05, wrap + 2**31 * 1e-3, 2 * wrap - 0.1, 2 * wrap + 0.05])
