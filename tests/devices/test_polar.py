"""Polar Verity Sense / OH1 (PMD service): sensors/devices/polar.py.

Test vectors are the byte arrays of Polar's own SDK unit tests
(polarofficial/polar-ble-sdk, Android library, directory
``sources/Android/android-communications/library/src/test/java/com/polar/
androidcommunications/api/ble/model/gatt/client/pmd/``), with the values
those tests assert:

* ``model/AccDataTest.kt``: "process acc raw data frame type 1",
  "process acc compressed data type 0", "process acc compressed data type 1";
* ``model/GyrDataTest.kt``: "process gyro compressed data type 0",
  "process gyro compressed data type 1" (and "... with factor");
* ``PmdSettingTest.kt``: "testPmdSettingsWithRange" (a 52 Hz gyro's settings);
* ``BlePmdClientControlPointResponseTest.kt``: "failing control point
  response for mag stream settings".
"""
from __future__ import annotations

import asyncio
import dataclasses
import struct

import numpy as np
import pytest

from sensors.devices import get_profile
from sensors.devices.base import CommandRefused, MalformedPacket
from sensors.devices.polar import ACC, GYR_FACTOR, GYRO, PROFILE, PolarDecoder, _Stream, parse_frame, parse_settings
from sensors.emulated.encoders import PolarEncoder

HDR_TS_2E9 = "00 94 35 77 00 00 00 00"  # u64 LE 2 000 000 000 ns

ACC_RAW_TYPE1 = bytes.fromhex(
    "02" + HDR_TS_2E9 + "01"
    "F7 FF FF FF E7 03 F8 FF FE FF E5 03 F9 FF FF FF E5 03 FA FF FF FF E6 03 FA FF FE FF E6 03 F9 FF FF FF"
    "E5 03 F8 FF FF FF E6 03 F8 FF FE FF E6 03 FA FF FF FF E5 03 FA FF FF FF E7 03 FA FF FF FF E5 03 F8 FF"
    "FF FF E6 03 F7 FF FF FF E6 03 F8 FF FE FF E6 03 F9 FF FE FF E7 03 F9 FF 00 00 E6 03 F9 FF FF FF E6 03"
    "F7 FF FE FF E5 03 F9 FF FF FF E5 03 F9 FF FF FF E5 03 FA FF 00 00 E6 03 F9 FF FE FF E6 03 F8 FF FF FF"
    "E6 03 F8 FF FF FF E5 03 F9 FF FF FF E6 03 F9 FF FF FF E5 03 FA FF FF FF E6 03 F9 FF FF FF E5 03 F9 FF"
    "FF FF E5 03 F8 FF FE FF E6 03 F9 FF FF FF E6 03 F9 FF FF FF E6 03 F9 FF 00 00 E5 03 F9 FF FE FF E6 03"
    "F8 FF FE FF E6 03 F7 FF FE FF E6 03")

ACC_DELTA_TYPE0 = bytes.fromhex(
    "02" + HDR_TS_2E9 + "80"
    "71 07 F0 6A 9E 8D 0A 38 BE 5C BE BA 2F 96 B3 EE 4B E5 AD FB 42 B9 EB BE 4C FE BA 2F 92 BF EE 4B E4 B1"
    "FB 12 B9 EC BD 3C 3E BB 2F 8F D3 DE 4B E3 B5 F7 D2 B8 ED BD 30 7E 7B 2F 8B E3 CE 8B E2 BA F7 A2 B8 EE"
    "BC 20 BE 7B 2F 88 F3 CE CB E1 BD EF 52 F8 EF BC 18 FE 3B 2F 84 03 BF CB E0 C2 EF 32 B8 F0 BB 04 4E BC"
    "2E 81 13 AF 0B E0 C6 EF F2 F7 F1 B9 FC 7D BC 2E 7D 27 9F 4B DF CA EB C2 F7 F2 B8 EC CD 7C 2E 7B 37 8F"
    "4B DE CE E3 92 F7 F3 B8 E0 0D FD 2D 77 4B 7F CB DD D2 DF 62 37 F5 B7 D4 4D BD 2D 74 5B 6F CB DC D7 D7"
    "32 37 F6 B5 C8 8D 7D 2D 71 6B 4F 4B DC DC D3 F2 36 F7 B4 BC DD FD 2C 6F 7B 3F 4B DB E0 CF D2 36 F8 B2"
    "B0 2D BE 2C 6C 8F 1F CB DA E3 C7 A2 76 F9")

ACC_DELTA_TYPE1 = bytes.fromhex("02 65 00 00 00 00 00 00 00 81 F1 FF 14 00 F0 03 06 01 7B 0F 08")
GYR_DELTA_TYPE0 = bytes.fromhex("05 FF FF FF FF FF FF FF 7F 80 EA FF 08 00 0D 00 03 01 DF 00")
GYR_DELTA_FLOAT = bytes.fromhex(
    "05" + HDR_TS_2E9 + "81 00 00 80 3F 00 00 20 41 00 00 A0 41 1C 01 00 00 A0 01 00 00 08 CD CC EC 0D")
GYRO_SETTINGS = bytes.fromhex("00 01 34 00 01 01 10 00 02 04 F5 00 F4 01 E8 03 D0 07 04 01 03")


def f32(bits: int) -> float:
    return struct.unpack("<f", struct.pack("<I", bits & 0xFFFFFFFF))[0]


# ---- SDK test vectors ---------------------------------------------------
def test_sdk_acc_raw_frame_type1():
    mtype, ts, v = parse_frame(ACC_RAW_TYPE1)
    assert (mtype, ts) == (ACC, 2_000_000_000)
    assert v.shape == (36, 3)  # 216 bytes / 2 bytes / 3 channels
    np.testing.assert_array_equal(v[:2], [[-9, -1, 999], [-8, -2, 997]])  # mG
    # No previous frame: spread back from the frame's (last sample's) time at
    # the sample rate, 52 Hz in the test.
    t = _Stream(52.0).times(ts, len(v))
    assert t[-1] == 2_000_000_000
    assert t[0] == pytest.approx(2e9 - 35 * 1e9 / 52)


def test_sdk_acc_delta_frame_type0_is_g_times_factor():
    factor = 2.44e-4
    mtype, ts, v = parse_frame(ACC_DELTA_TYPE0, factor)
    assert v.shape == (57, 3)  # reference sample + one block of 56
    s0 = np.array([1905, 27376, -29282])
    s1 = s0 + [190, -105, -85]
    # The SDK asserts (factor * sample * 1000).toInt() mG.
    np.testing.assert_allclose(v[0], factor * s0 * 1000, atol=1e-6)
    np.testing.assert_allclose(v[1], factor * s1 * 1000, atol=1e-6)
    assert np.all(np.abs(v) <= 8 * 1000)  # within the 8 g range
    st = _Stream(57 / 2.0)  # previous frame 100 ns: consecutive at this rate
    st.prev = 100
    t = st.times(ts, 57)
    assert round(t[0]) == round(100 + (2e9 - 100) / 57) and t[-1] == 2e9


def test_sdk_acc_delta_frame_type1_is_mg():
    mtype, ts, v = parse_frame(ACC_DELTA_TYPE1)
    assert (mtype, ts) == (ACC, 101)
    np.testing.assert_array_equal(v, [[-15, 20, 1008], [-20, 17, 1008]])
    st = _Stream(2e9)  # previous frame at 100 ns, one sample every 0.5 ns
    st.prev = 100
    np.testing.assert_array_equal(np.round(st.times(ts, 2)), [100, 101])


def test_sdk_gyro_delta_frame_type0():
    mtype, ts, v = parse_frame(GYR_DELTA_TYPE0)
    assert (mtype, ts) == (GYRO, 9223372036854775807)
    np.testing.assert_array_equal(v, [[-22, 8, 13], [-23, 11, 16]])


@pytest.mark.parametrize("factor", [1.0, 0.5])
def test_sdk_gyro_delta_frame_float(factor):
    mtype, ts, v = parse_frame(GYR_DELTA_FLOAT, factor)
    assert (mtype, ts) == (GYRO, 2_000_000_000)
    want = [[f32(0x3F800000), f32(0x41200000), f32(0x41A00000)],
            [f32(0x3F800000 + 0x1A00000), f32(0x41200000 + 0x0800000), f32(0x41A00000 + 0xFDECCCCD)]]
    np.testing.assert_array_equal(v, factor * np.array(want))


def test_sdk_settings_and_control_point_responses():
    s = parse_settings(GYRO_SETTINGS)
    assert s == {0: [52], 1: [16], 2: [245, 500, 1000, 2000], 4: [3]}
    dec = PolarDecoder()
    dec.feed_reply(bytes([0xF0, 0x01, GYRO, 0x00, 0x00]) + GYRO_SETTINGS)
    assert dec.settings[GYRO][0] == [52]
    # SDK: get-settings for MAG failing with ERROR_INVALID_RESOLUTION; not a
    # start, so nothing to refuse.
    dec.feed_reply(bytes.fromhex("F0 01 06 07 00"))


# ---- control point ------------------------------------------------------
def test_start_error_response_raises_command_refused():
    dec = PolarDecoder()
    with pytest.raises(CommandRefused, match="start ACC refused: ERROR_INVALID_SAMPLE_RATE"):
        dec.feed_reply(bytes([0xF0, 0x02, ACC, 8, 0]))
    dec.feed_reply(bytes([0xF0, 0x02, ACC, 6, 0]))  # already running: fine
    with pytest.raises(MalformedPacket):
        dec.feed_reply(b"\xf0\x02")


def test_start_response_factor_scales_gyro():
    dec = PolarDecoder()
    dec.feed_reply(bytes([0xF0, 0x02, GYRO, 0, 0, 0x05, 0x01]) + struct.pack("<f", 0.5))
    assert dec.factor[GYRO] == 0.5
    # Same frame as the SDK's gyro type 0 vector, now scaled: feed it with an ACC
    # frame at the same time to get rows out.
    enc = PolarEncoder()
    block = np.zeros((2, 7))
    block[:, 0] = [0.0, 1 / 52]
    block[:, 4:7] = [[-22, 8, 13], [-23, 11, 16]]
    acc, gyr = enc.encode(block, 0)
    dec.feed(acc)
    rows = dec.feed(gyr)
    np.testing.assert_allclose(rows[:, 4:7], 0.5 * np.round(block[:, 4:7] / GYR_FACTOR))


def test_encoder_answers_the_collectors_commands():
    enc = PolarEncoder()
    actions = []
    for _uuid, cmd in PROFILE.start_commands(52.0):
        c = enc.command(cmd)
        assert c.reply[:4] == bytes([0xF0, cmd[0], cmd[1], 0])  # success
        actions.append(c.action)
    assert actions == [None, None, None, "start"]  # streams once ACC and GYRO both run
    assert PolarEncoder(rates=(26,)).command(PROFILE.start_commands(52.0)[2][1]).reply[3] == 8
    assert [enc.command(c).action for _u, c in PROFILE.stop_commands()] == ["stop", "stop"]
    assert enc.read_value[1] & 0x24 == 0x24  # feature bitmap: ACC and GYRO


# ---- malformed frames ----------------------------------------------------
@pytest.mark.parametrize("frame, message", [
    (ACC_DELTA_TYPE1[:9], "PMD frame of 9 bytes"),                         # shorter than the header
    (bytes([0x01]) + ACC_DELTA_TYPE1[1:], "type 0x01 is not ACC or GYRO"),  # PPG
    (ACC_DELTA_TYPE1[:11], "delta frame of 1 bytes: reference sample truncated"),  # header + 1 byte
    (ACC_DELTA_TYPE1[:9] + b"\x83" + ACC_DELTA_TYPE1[10:], "compressed frame type 3 of ACC"),
    (GYR_DELTA_TYPE0[:-1], "delta block of 1 samples x 3 bits truncated"),
    (ACC_DELTA_TYPE1[:14], "delta frame of 4 bytes: reference sample truncated"),
    (ACC_DELTA_TYPE1[:17], "^delta block header truncated$"),
    (ACC_RAW_TYPE1[:-1], "not whole int16 xyz samples"),
    (GYR_DELTA_TYPE0[:9] + b"\x00" + GYR_DELTA_TYPE0[10:], "raw frame type 0 of GYRO"),   # no raw gyro
    (GYR_DELTA_TYPE0[:16] + b"\x00\x01\x00", "delta bit width 0"),
])
def test_malformed_frames_raise(frame, message):
    with pytest.raises(MalformedPacket, match=message):
        PolarDecoder().feed(frame)


# ---- decoder: two streams, one time base -----------------------------------
def _blocks(n_blocks: int, rate: float = 52.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = 4 * n_blocks
    b = np.empty((n, 7))
    b[:, 0] = np.arange(n) / rate
    b[:, 1:4] = [0.3, -1.2, 9.7] + rng.normal(0, 2.0, (n, 3))
    b[:, 4:7] = rng.normal(0, 150.0, (n, 3))
    return b


def _started(enc: PolarEncoder) -> PolarDecoder:
    """A decoder that has seen the device's answers to the collector's start commands."""
    dec = PolarDecoder()
    for _uuid, cmd in PROFILE.start_commands(52.0):
        dec.feed_reply(enc.command(cmd).reply)
    return dec


@pytest.mark.parametrize("raw", [False, True])
def test_round_trip_within_quantisation(raw):
    enc = PolarEncoder(raw=raw)
    dec = _started(enc)  # the start response carries the gyro factor
    assert dec.factor[GYRO] == pytest.approx(GYR_FACTOR)
    data = _blocks(50)
    frames = [f for k in range(50) for f in enc.encode(data[4 * k: 4 * k + 4], k)]
    assert frames[0][9] == (0x01 if raw else 0x81) and frames[1][9] == 0x80
    rows = np.concatenate([dec.feed(f) for f in frames])
    assert len(rows) == len(data)
    np.testing.assert_allclose(rows[:, 0] - rows[0, 0], data[:, 0], atol=1e-6)
    np.testing.assert_allclose(rows[:, 1:4], data[:, 1:4], atol=PROFILE.acc_quantum / 2 + 1e-9)
    np.testing.assert_allclose(rows[:, 4:7], data[:, 4:7], atol=PROFILE.gyr_quantum / 2 + 1e-9)
    assert np.isnan(rows[:, 7]).all()


def test_acc_waits_for_gyro_and_never_extrapolates():
    enc, dec = PolarEncoder(), PolarDecoder()
    data = _blocks(3)
    f = [enc.encode(data[4 * k: 4 * k + 4], k) for k in range(3)]
    assert len(dec.feed(f[0][0])) == 0          # ACC alone: nothing yet
    assert len(dec.feed(f[1][0])) == 0
    assert len(dec.feed(f[0][1])) == 4          # gyro covers the first block only
    assert len(dec.feed(f[1][1])) == 4
    assert len(dec.feed(f[2][1])) == 0          # gyro first this time
    assert len(dec.feed(f[2][0])) == 4


def test_timestamp_jump_is_a_gap_not_a_stretch():
    enc, dec = PolarEncoder(), PolarDecoder()
    data = _blocks(10)
    frames = [f for k in range(10) if k not in (4, 5) for f in enc.encode(data[4 * k: 4 * k + 4], k)]
    rows = np.concatenate([dec.feed(f) for f in frames])
    t = rows[:, 0] - rows[0, 0]
    want = np.concatenate([data[:16, 0], data[24:, 0]])
    np.testing.assert_allclose(t, want, atol=1e-6)  # samples after the hole at their own times
    dt = np.diff(t)
    assert np.sum(dt > 1.5 / 52) == 1 and dt.max() == pytest.approx(9 / 52, abs=1e-6)


def test_sensor_at_another_rate_than_started_is_timed_at_its_own():
    """A sensor that streams at 26 Hz when 52 Hz was started (the emulated
    ``ignore-rate``): from the second frame on its samples are at their own
    times, and no step between samples looks like a hole at 26 Hz."""
    enc, dec = PolarEncoder(), PolarDecoder(52.0)
    data = _blocks(10, rate=26.0)
    rows = np.concatenate([dec.feed(f) for k in range(10) for f in enc.encode(data[4 * k: 4 * k + 4], k)])
    assert len(rows) == 40
    t = rows[:, 0] - rows[3, 0]  # the first frame's last sample is its timestamp, exactly
    np.testing.assert_allclose(t[4:], data[4:, 0] - data[3, 0], atol=1e-6)
    assert np.diff(rows[:, 0]).max() <= 1.5 / 26.0


def test_acc_inside_a_gyro_hole_is_dropped():
    enc, dec = PolarEncoder(), PolarDecoder()
    data = _blocks(6)
    out = []
    for k in range(6):
        acc, gyr = enc.encode(data[4 * k: 4 * k + 4], k)
        out.append(dec.feed(acc))
        if k != 2:
            out.append(dec.feed(gyr))
    rows = np.concatenate(out)
    t = np.round((rows[:, 0] - rows[0, 0]) * 52).astype(int)
    # Samples 8..11 had no gyro: 8 lies one period past the last gyro sample
    # before the hole (7), 9..11 inside it; 12 onward interpolate again.
    assert list(t) == list(range(8)) + list(range(12, 24))


def test_device_clock_counts_ns_since_2000():
    """Device time (s) in column 0 is the frame's u64 ns / 1e9: monotonic, absolute."""
    enc, dec = PolarEncoder(), PolarDecoder()
    data = _blocks(2)
    rows = np.concatenate([dec.feed(f) for k in range(2) for f in enc.encode(data[4 * k: 4 * k + 4], k)])
    ts = int.from_bytes(enc.encode(data[4:8], 1)[0][1:9], "little")
    assert rows[-1, 0] == pytest.approx(ts * 1e-9, abs=1e-6)
    assert 26 * 365 * 86400 < rows[0, 0] < 27 * 366 * 86400  # the emulator's clock: 2026


# ---- through the collector (bleak over the emulated link) ------------------
def test_sensor_is_started_at_a_rate_it_lists_and_the_file_says_so():
    """The SDK picks settings from the device's own list: a sensor that offers
    only 26 Hz is started at 26 Hz (not refused at 52), and the measured
    rate, not the asked one, is what the recording declares."""
    from sensors.ble.bumble_backend import BumbleClient, BumbleScanner
    from sensors.ble.collector import Collector, Target
    from sensors.emulated import EmulatedSensor
    from sensors.stream import MemorySink

    picky = dataclasses.replace(get_profile("polar"), make_encoder=lambda: PolarEncoder(rates=(26,)))

    async def go():
        emu = await EmulatedSensor(picky, address="C4:00:00:00:02:01").start()
        col = Collector(MemorySink(), client_backend=BumbleClient, scanner_backend=BumbleScanner,
                        scan_timeout_s=2.0)
        await col.run([Target("a", "C4:00:00:00:02:01", "polar")], duration_s=2.5)
        return emu, col
    emu, col = asyncio.run(asyncio.wait_for(go(), 30))
    starts = [c for c in emu.commands if c[0] == 0x02]
    assert len(starts) == 2 and all(c[2:6] == bytes([0x00, 0x01, 26, 0x00]) for c in starts)
    assert abs(col.declared_sampling_rate_hz("a") - 26.0) < 0.02 * 26.0
    assert any("26" in w for w in col.stats["a"].warnings)


def test_swapped_frames_come_out_behind_and_leave_the_live_stream_intact():
    """An overtaken ACC/GYRO pair is returned with its own (older) times, so the
    collector can tell it is late and drop it; the frames around it are whole."""
    enc, dec = PolarEncoder(), PolarDecoder()
    data = _blocks(5)
    f = [enc.encode(data[4 * k: 4 * k + 4], k) for k in range(5)]
    out = []
    for k in (0, 1, 3, 2, 4):  # block 2 overtaken by block 3
        out.append([dec.feed(x) for x in f[k]])

    def t_of(rows):  # sample index from the first row's time
        return list(np.round((rows[:, 0] - out[0][1][0, 0]) * 52).astype(int))
    assert t_of(out[2][1]) == [12, 13, 14, 15]         # block 3 in time
    late = np.concatenate(out[3])
    assert t_of(late) == [8, 9, 10, 11]                # block 2, behind block 3
    np.testing.assert_allclose(late[:, 1:4], data[8:12, 1:4], atol=PROFILE.acc_quantum / 2 + 1e-9)
    assert t_of(np.concatenate(out[4])) == [16, 17, 18, 19]


def test_device_clock_restart_starts_a_new_timeline():
    enc, dec = PolarEncoder(), PolarDecoder()
    data = _blocks(4)
    rows = [dec.feed(x) for k in range(4) for x in enc.encode(data[4 * k: 4 * k + 4], k)]
    assert sum(map(len, rows)) == 16
    rebooted = data[:4].copy()
    rebooted[:, 0] -= 10.0  # clock 10 s behind: restarted
    again = np.concatenate([dec.feed(x) for x in enc.encode(rebooted, 0)])
    assert len(again) == 4 and again[0, 0] < rows[1][0, 0] - 9


def test_every_listed_setting_is_sent():
    """A settings answer written by hand (PmdControlPointResponse: F0, op 01, ACC,
    status 0, more 0, then type/count/values): rates 52 and 26, resolution 16,
    range 8 and 16 g, CHANNELS 3 (as a Verity Sense lists it). The start asks
    52 Hz, 16 bit, the widest range and 3 channels: every setting listed."""
    from sensors.devices.polar import SAMPLE_RATE, choose_settings, settings_bytes

    answer = bytes.fromhex("F0 01 02 00 00" "00 02 34 00 1A 00" "01 01 10 00" "02 02 08 00 10 00" "04 01 03")
    dec = PolarDecoder()
    dec.feed_reply(answer)
    chosen = choose_settings(dec.settings[ACC], 50.0, ACC)
    assert chosen == {SAMPLE_RATE: 52, 1: 16, 2: 16, 4: 3}
    assert settings_bytes(chosen) == bytes.fromhex("00 01 34 00" "01 01 10 00" "02 01 10 00" "04 01 03")


# ---- frames written by hand (PmdDataFrame: type, u64 ns timestamp of the
# last sample, frame type; raw ACC type 1 is int16 xyz in mG; compressed
# GYRO type 0 is a reference sample then blocks of (bit width, count) and
# LSB-first deltas: at width 16 a delta is its int16's little-endian bytes) --
P_NS = 1e9 / 52.0
T0_NS = 800_000_000_000_000_000  # a 2025 device time, ns since 2000


def acc_raw(ts_ns: int, mg: np.ndarray) -> bytes:
    return bytes([0x02]) + int(ts_ns).to_bytes(8, "little") + b"\x01" + np.asarray(mg, "<i2").tobytes()


def gyr_delta(ts_ns: int, lsb: np.ndarray) -> bytes:
    lsb = np.asarray(lsb, np.int64)
    deltas = np.diff(lsb, axis=0)
    block = bytes([16, len(deltas)]) + deltas.astype("<i2").tobytes() if len(deltas) else b""
    return bytes([0x05]) + int(ts_ns).to_bytes(8, "little") + b"\x80" + lsb[0].astype("<i2").tobytes() + block


def frame_ts(k: int) -> int:
    """Timestamp of frame k (4 samples a frame at 52 Hz): its last sample's time."""
    return T0_NS + round((4 * k + 3) * P_NS)


ACC_MG = np.array([[10 * i, -5 * i, 1000 + i] for i in range(40)])   # sample i of the stream
GYR_LSB = np.array([[100 + 7 * i, -50 + 3 * i, 20 * i] for i in range(40)])


def acc_frame(k, ts=None):
    return acc_raw(frame_ts(k) if ts is None else ts, ACC_MG[4 * k: 4 * k + 4])


def gyr_frame(k, ts=None):
    return gyr_delta(frame_ts(k) if ts is None else ts, GYR_LSB[4 * k: 4 * k + 4])


def test_hand_written_frames_decode_to_their_values():
    _, ts, v = parse_frame(acc_frame(1))
    assert ts == T0_NS + round(7 * P_NS)
    np.testing.assert_array_equal(v, ACC_MG[4:8])
    _, ts, v = parse_frame(gyr_frame(1), 0.5)
    np.testing.assert_array_equal(v, 0.5 * GYR_LSB[4:8])


def test_a_late_pair_pairs_whichever_stream_comes_first_and_carries_both_streams():
    """Frame 2 of both streams overtaken by frame 3; its GYRO frame comes
    before its ACC frame and 1 µs off it (the streams' clocks are read apart).
    The late rows carry frame 2's own ACC and GYRO values at its times."""
    dec = PolarDecoder()
    live = [dec.feed(f) for k in (0, 1, 3) for f in (acc_frame(k), gyr_frame(k))]
    assert sum(map(len, live)) == 12  # frames 0, 1 and 3
    assert len(dec.feed(gyr_frame(2, frame_ts(2) + 1000))) == 0
    late = dec.feed(acc_frame(2))
    assert len(late) == 4
    t = (late[:, 0] * 1e9 - T0_NS) / P_NS
    np.testing.assert_allclose(t, [8, 9, 10, 11], atol=1e-3)
    np.testing.assert_allclose(late[:, 1:4], ACC_MG[8:12] * 9.80665 / 1000, rtol=1e-9)
    # The gyro at the ACC times, 1 µs before its own samples: at most 20 LSB
    # a period (19 231 µs) off by 1 µs, 0.001 LSB.
    np.testing.assert_allclose(late[:, 4:7], GYR_LSB[8:12], atol=0.002)
    # The live stream goes on in time (frame 4 after 3).
    rows = np.concatenate([dec.feed(f) for f in (acc_frame(4), gyr_frame(4))])
    np.testing.assert_allclose((rows[:, 0] * 1e9 - T0_NS) / P_NS, [16, 17, 18, 19], atol=1e-3)


def test_late_frames_a_period_apart_are_not_a_pair():
    dec = PolarDecoder()
    for k in (0, 1, 3):
        dec.feed(acc_frame(k))
        dec.feed(gyr_frame(k))
    assert len(dec.feed(acc_frame(2))) == 0
    assert len(dec.feed(gyr_frame(1))) == 0           # frame 1's again: 4 periods apart
    assert len(dec.feed(gyr_frame(2, frame_ts(2) - round(P_NS)))) == 0  # one period apart
    assert len(dec.feed(gyr_frame(2))) == 4           # its own partner


def test_only_the_last_four_late_frames_wait_for_a_partner():
    dec = PolarDecoder()
    for k in range(9):
        dec.feed(acc_frame(k))
        dec.feed(gyr_frame(k))
    for k in range(2, 7):                              # five late ACC frames (resent)
        assert len(dec.feed(acc_frame(k))) == 0
    assert len(dec.feed(gyr_frame(2))) == 0            # the oldest was let go
    assert len(dec.feed(gyr_frame(3))) == 4


# ---- start and stop over the control point: a link whose device answers
# are written by hand (PmdControlPointResponse: F0, op, type, status, more,
# then type/count/values settings) ---------------------------------------
ACC_LISTING = bytes.fromhex("05 01 00 00 80 3F"           # factor 1.0 (comes back at start)
                            "00 02 1A 00 34 00"           # 26, 52 Hz
                            "01 01 10 00"                 # 16 bit
                            "02 04 02 00 04 00 08 00 10 00"  # 2, 4, 8, 16 g
                            "04 01 03")                   # 3 channels


class PolarLink:
    """sensors.devices.base.DeviceLink over a scripted device, recorded.

    Each write queues the device's indications for that command (stray ones
    first); ``reply`` gives them one at a time, each fed to the decoder first
    as the collector does (a decoder error is the reply's).
    """

    def __init__(self, answers: dict[bytes, list[bytes]], decoder: PolarDecoder | None = None) -> None:
        self.answers, self.decoder, self.state = answers, decoder or PolarDecoder(), {}
        self.queue: list[bytes] = []
        self.writes: list[tuple[str, bytes, int]] = []  # uuid, payload, replies still unread
        self.warnings: list[str] = []

    async def write(self, uuid, payload):
        self.writes.append((uuid, bytes(payload), len(self.queue)))
        self.queue += self.answers[bytes(payload[:2])]

    async def reply(self, timeout_s=None):
        data = self.queue.pop(0)
        self.decoder.feed_reply(data)
        return data

    def warn(self, text):
        self.warnings.append(text)


def ok(op: int, mtype: int, params: str | bytes = b"") -> bytes:
    params = bytes.fromhex(params) if isinstance(params, str) else params
    return bytes([0xF0, op, mtype, 0x00, 0x00]) + params


def test_start_asks_each_streams_settings_then_starts_it_with_its_listed_ones():
    from sensors.devices.polar import CONTROL, start

    stray = [bytes.fromhex("01 02 00"),                 # not a response (an event)
             ok(0x03, 0x02), ok(0x01, 0x09)]            # a stop's answer; another stream's settings
    link = PolarLink({b"\x01\x02": stray + [ok(0x01, 0x02, ACC_LISTING)],
                      b"\x01\x05": stray + [ok(0x01, 0x05, GYRO_SETTINGS)],
                      b"\x02\x02": stray + [ok(0x02, 0x02)],
                      b"\x02\x05": stray + [ok(0x02, 0x05, "05 01" + struct.pack("<f", 0.0625).hex())]})
    asyncio.run(start(link, 30.0))
    # Asked 30 Hz: the nearest listed rate (26 Hz for ACC; the gyro lists
    # only 52), the widest range and resolution, every channel; no factor sent.
    assert [(u, p) for u, p, _ in link.writes] == [
        (CONTROL, bytes.fromhex("01 02")), (CONTROL, bytes.fromhex("01 05")),
        (CONTROL, bytes.fromhex("02 02" "00 01 1A 00" "01 01 10 00" "02 01 10 00" "04 01 03")),
        (CONTROL, bytes.fromhex("02 05" "00 01 34 00" "01 01 10 00" "02 01 D0 07" "04 01 03"))]
    # One write at a time: each waits until the answer to the last was read.
    assert [unread for _, _, unread in link.writes] == [0, 0, 0, 0] and link.queue == []
    assert link.decoder.factor == {ACC: 1.0, GYRO: 0.0625} and not link.warnings


def test_a_cut_off_settings_answer_starts_with_the_verity_senses_settings():
    """A reconnect whose ACC settings answer is cut off (a 23-byte ATT MTU):
    the listing from the last connection is not reused; 52 Hz, 16 bit, 8 g."""
    from sensors.devices.polar import start

    answers = {b"\x01\x02": [ok(0x01, 0x02, "00 01 1A 00 01 01 10 00 02 01 04 00")],   # 26 Hz only, 4 g
               b"\x01\x05": [ok(0x01, 0x05, GYRO_SETTINGS)],
               b"\x02\x02": [ok(0x02, 0x02)], b"\x02\x05": [ok(0x02, 0x05)]}
    link = PolarLink(answers)
    asyncio.run(start(link, 52.0))
    assert link.writes[2][1] == bytes.fromhex("02 02" "00 01 1A 00" "01 01 10 00" "02 01 04 00")
    answers[b"\x01\x02"] = [ok(0x01, 0x02, "00 02 1A 00")]          # two rates listed, one there
    again = PolarLink(answers, link.decoder)
    asyncio.run(start(again, 52.0))
    assert again.writes[2][1] == bytes.fromhex("02 02" "00 01 34 00" "01 01 10 00" "02 01 08 00")
    assert again.warnings == ["the ACC settings answer was cut off; starting with defaults"]
    # The same on a first connection (nothing listed before), for the gyro.
    answers[b"\x01\x02"], answers[b"\x01\x05"] = [ok(0x01, 0x02)], [ok(0x01, 0x05, "02 04 F5 00")]
    first = PolarLink(answers)
    asyncio.run(start(first, 52.0))
    assert first.writes[3][1] == bytes.fromhex("02 05" "00 01 34 00" "01 01 10 00" "02 01 D0 07")
    assert first.warnings == ["the GYRO settings answer was cut off; starting with defaults"]


def test_a_device_listing_nothing_is_started_at_the_nearest_rate_and_its_full_range():
    """An old firmware answers the settings request with no settings: the
    nearest PMD rate to 100 Hz (104), 16 bit, 8 g for ACC and 2000 deg/s for GYRO."""
    from sensors.devices.polar import start

    link = PolarLink({b"\x01\x02": [ok(0x01, 0x02)], b"\x01\x05": [ok(0x01, 0x05)],
                      b"\x02\x02": [ok(0x02, 0x02)], b"\x02\x05": [ok(0x02, 0x05)]})
    asyncio.run(start(link, 100.0))
    assert [p for _, p, _ in link.writes[2:]] == [
        bytes.fromhex("02 02" "00 01 68 00" "01 01 10 00" "02 01 08 00"),
        bytes.fromhex("02 05" "00 01 68 00" "01 01 10 00" "02 01 D0 07")]


def test_the_collectors_fixed_start_commands_are_the_verity_senses_settings():
    from sensors.devices.polar import CONTROL

    assert PROFILE.start_commands(50.0) == [
        (CONTROL, bytes.fromhex("01 02")), (CONTROL, bytes.fromhex("01 05")),
        (CONTROL, bytes.fromhex("02 02" "00 01 34 00" "01 01 10 00" "02 01 08 00")),
        (CONTROL, bytes.fromhex("02 05" "00 01 34 00" "01 01 10 00" "02 01 D0 07"))]
    assert PROFILE.stop_commands() == [(CONTROL, bytes.fromhex("03 02")), (CONTROL, bytes.fromhex("03 05"))]


def test_stop_stops_each_stream_and_waits_for_its_answer():
    from sensors.devices.polar import CONTROL, stop

    link = PolarLink({b"\x03\x02": [ok(0x01, 0x02), ok(0x03, 0x02)],
                      b"\x03\x05": [ok(0x03, 0x02), ok(0x03, 0x05)]})
    asyncio.run(stop(link))
    assert [(u, p, unread) for u, p, unread in link.writes] == [
        (CONTROL, bytes.fromhex("03 02"), 0), (CONTROL, bytes.fromhex("03 05"), 0)]
    assert link.queue == []


@pytest.mark.parametrize("params, why", [
    ("07 01 00 00", "setting type 7 is not defined"),
    ("00 01 34 00 04", "a type without its count"),
    ("00 02 34 00", "two rates listed, one there"),
])
def test_malformed_settings_are_refused(params, why):
    with pytest.raises(MalformedPacket, match="PMD setting"):
        parse_settings(bytes.fromhex(params))


def test_a_setting_listed_with_no_values_is_accepted_and_not_sent():
    from sensors.devices.polar import choose_settings

    s = parse_settings(bytes.fromhex("00 01 34 00 04 00"))
    assert s == {0: [52], 4: []}
    assert choose_settings(s, 52.0, ACC) == {0: 52}


# ---- frame types by hand (AccData.kt: raw type 0/1/2 are int8/16/24 xyz in
# mG; compressed type 0 is int16 x factor in g, type 1 in mG) --------------
def pack_lsb_first(values, width: int) -> bytes:
    """Two's complement ``width``-bit values, bit 0 first, 8 bits a byte (bit 0 first)."""
    bits = [(v >> i) & 1 for v in values for i in range(width)]
    bits += [0] * (-len(bits) % 8)
    return bytes(sum(b << j for j, b in enumerate(bits[k:k + 8])) for k in range(0, len(bits), 8))


TS_HDR = (123_456_789).to_bytes(8, "little")
# Reference (1000, -2000, 300); a 5-bit block of 2 samples, deltas (-16, 15, 1)
# and (3, -3, 0); a 2-bit block of 1 sample, delta (1, -2, -1).
DELTA_CONTENT = (struct.pack("<3h", 1000, -2000, 300)
                 + bytes([5, 2]) + pack_lsb_first([-16, 15, 1, 3, -3, 0], 5)
                 + bytes([2, 1]) + pack_lsb_first([1, -2, -1], 2))
DELTA_SAMPLES = [[1000, -2000, 300], [984, -1985, 301], [987, -1988, 301], [988, -1990, 300]]


def test_pack_lsb_first_is_the_documented_bit_order():
    # -16 in 5 bits is 10000b, 15 is 01111b; bit 0 first: 0,0,0,0,1 then
    # 1,1,1,1,0 -> byte 0 = 1111 0000b (0xF0), byte 1 = 0000 0001b.
    assert pack_lsb_first([-16, 15], 5) == bytes([0xF0, 0x01])


@pytest.mark.parametrize("mtype_byte", [0x02, 0x42, 0xC2])
def test_compressed_acc_type1_blocks_of_any_width_are_mg_times_factor(mtype_byte):
    # The measurement type is the byte's low 6 bits (PmdMeasurementType, mask 0x3F).
    mtype, ts, v = parse_frame(bytes([mtype_byte]) + TS_HDR + b"\x81" + DELTA_CONTENT, 0.5)
    assert (mtype, ts) == (ACC, 123_456_789)
    np.testing.assert_array_equal(v, 0.5 * np.array(DELTA_SAMPLES))


def test_compressed_acc_type0_is_g_times_factor():
    _, _, v = parse_frame(b"\x02" + TS_HDR + b"\x80" + DELTA_CONTENT, 2.44e-4)
    np.testing.assert_allclose(v, 0.244 * np.array(DELTA_SAMPLES), rtol=1e-12)


def test_compressed_gyro_type0_is_deg_s_times_factor():
    mtype, _, v = parse_frame(b"\xc5" + TS_HDR + b"\x80" + DELTA_CONTENT, 0.0625)
    assert mtype == GYRO
    np.testing.assert_array_equal(v, 0.0625 * np.array(DELTA_SAMPLES))


def test_delta_blocks_of_32_bits_and_a_bad_width():
    content = struct.pack("<3h", 0, 0, 0) + bytes([32, 1]) + struct.pack("<3i", -70000, 70000, -1)
    np.testing.assert_array_equal(parse_frame(b"\x02" + TS_HDR + b"\x81" + content)[2],
                                  [[0, 0, 0], [-70000, 70000, -1]])
    bad = struct.pack("<3h", 0, 0, 0) + bytes([33, 1]) + bytes(13)
    with pytest.raises(MalformedPacket, match="bit width 33"):
        parse_frame(b"\x02" + TS_HDR + b"\x81" + bad)


def test_raw_acc_int8_and_int24_frames():
    _, _, v = parse_frame(b"\x02" + TS_HDR + b"\x00" + struct.pack("<6b", -128, 127, 1, -1, 0, 64))
    np.testing.assert_array_equal(v, [[-128, 127, 1], [-1, 0, 64]])
    int24 = bytes.fromhex("00 00 80" "FF FF 7F" "01 00 00" "FF FF FF" "E8 03 00" "18 FC FF")
    _, _, v = parse_frame(b"\x02" + TS_HDR + b"\x02" + int24)
    np.testing.assert_array_equal(v, [[-8388608, 8388607, 1], [-1, 1000, -1000]])
    with pytest.raises(MalformedPacket, match="int24"):
        parse_frame(b"\x02" + TS_HDR + b"\x02" + int24[:-1])
    with pytest.raises(MalformedPacket, match="raw frame type 3"):
        parse_frame(b"\x02" + TS_HDR + b"\x03" + int24)


def test_a_frame_with_a_header_only_has_no_samples_or_is_refused():
    with pytest.raises(MalformedPacket, match="10 bytes"):
        parse_frame(b"\x02" + TS_HDR + b"\x01")
    with pytest.raises(MalformedPacket):
        PolarDecoder().feed(b"")


# ---- control point responses (PmdControlPointResponse) ---------------------
@pytest.mark.parametrize("factor", [float("nan"), float("inf"), 0.0, 1e-7, 1e3, -2e3])
def test_an_unusable_scale_factor_ends_the_start(factor):
    with pytest.raises(CommandRefused, match="scale factor"):
        PolarDecoder().feed_reply(ok(0x02, 0x02, "05 01" + struct.pack("<f", factor).hex()))


@pytest.mark.parametrize("factor", [2.44e-4, 1e-5, 999.0, -0.5])
def test_a_usable_scale_factor_is_kept(factor):
    dec = PolarDecoder()
    dec.feed_reply(ok(0x02, 0x02, "05 01" + struct.pack("<f", factor).hex()))
    assert dec.factor[ACC] == pytest.approx(factor, rel=1e-6) and dec.factor[GYRO] == 1.0


@pytest.mark.parametrize("reply, message", [
    ("F0 02 42 08 00", "start ACC refused: ERROR_INVALID_SAMPLE_RATE"),     # type byte's low 6 bits
    ("F0 02 05 0E 00", "start GYRO refused: ERROR_DISK_FULL"),              # the last status listed
    ("F0 02 05 0F 00", "start GYRO refused: status 15"),                    # one past it
    ("F0 02 09 05 00", "start type 0x09 refused: ERROR_INVALID_PARAMETER"),  # SDK mode
    ("F0 02 02 01", "start ACC refused: ERROR_INVALID_OP_CODE"),            # no "more" byte
])
def test_a_refused_start_says_why(reply, message):
    with pytest.raises(CommandRefused, match=f"^{message}$"):
        PolarDecoder().feed_reply(bytes.fromhex(reply))


def test_replies_that_are_not_a_refused_start_are_taken_quietly():
    dec = PolarDecoder()
    for reply in ["01", "01 02", "0A 00 00 00 00", "F0 03 02 08 00", "F0 01 02 05 00",
                  "F0 02 09 00 00 05 01 00 00 00 3F",   # a factor for a stream toehold does not read
                  "F0 02 02 00 00",                      # started, no factor
                  "F0 02 05 00 01 00 01 34 00"]:         # started, settings but no factor
        dec.feed_reply(bytes.fromhex(reply))
    assert dec.factor == {ACC: 1.0, GYRO: 1.0} and dec.settings == {}
    for short in ["", "F0", "F0 02 02"]:
        with pytest.raises(MalformedPacket, match="response of"):
            dec.feed_reply(bytes.fromhex(short))


def test_a_gyro_factor_scales_only_gyro_frames():
    dec = PolarDecoder()
    dec.feed_reply(ok(0x02, 0x05, "05 01" + struct.pack("<f", 0.5).hex()))
    dec.feed(acc_frame(0))
    rows = dec.feed(bytes([0x45]) + gyr_frame(0)[1:])    # type byte 0x45: GYRO (low 6 bits)
    np.testing.assert_array_equal(rows[:, 4:7], 0.5 * GYR_LSB[:4])
    np.testing.assert_allclose(rows[:, 1:4], ACC_MG[:4] * 9.80665 / 1000, rtol=1e-12)


# ---- bounded memory ----------------------------------------------------------
def test_acc_without_gyro_keeps_only_the_last_five_seconds():
    dec = PolarDecoder()
    for k in range(0, 150):                      # 600 samples, 11.5 s, no gyro at all
        assert len(dec.feed(acc_raw(frame_ts(k), np.zeros((4, 3))))) == 0
    t = dec.streams[ACC].t
    assert 5.0 - 4 * P_NS * 1e-9 <= (t[-1] - t[0]) * 1e-9 <= 5.0


def test_frames_a_nanosecond_apart_pile_up_no_more_than_4096_samples():
    dec = PolarDecoder()
    for k in range(1100):                        # 4400 samples within 1.1 µs
        dec.feed(acc_raw(T0_NS + k, np.full((4, 3), k)))
    st = dec.streams[ACC]
    assert len(st.t) == len(st.v) == 4096
    # The newest are kept, each time with its sample.
    np.testing.assert_allclose(st.v[-4:, 0] * 1000 / 9.80665, [1099] * 4)
    np.testing.assert_array_equal(np.round(st.v[::4, 0] * 1000 / 9.80665), np.arange(1100 - 1024, 1100))


def test_a_delta_frame_of_its_reference_sample_alone_is_one_sample():
    _, _, v = parse_frame(b"\x02" + TS_HDR + b"\x81" + struct.pack("<3h", -7, 8, 1000))
    np.testing.assert_array_equal(v, [[-7, 8, 1000]])


def test_one_bit_and_empty_delta_blocks():
    # Width 1: a delta is 0 or -1. A block of no samples (width 8, count 0)
    # has no bytes; the SDK's loop reads on past it.
    content = (struct.pack("<3h", 5, 5, 5) + bytes([1, 2]) + pack_lsb_first([-1, 0, -1, -1, -1, 0], 1)
               + bytes([8, 0]) + bytes([4, 1]) + pack_lsb_first([7, -8, 0], 4) + bytes([8, 0]))
    _, _, v = parse_frame(b"\x02" + TS_HDR + b"\x81" + content)
    np.testing.assert_array_equal(v, [[5, 5, 5], [4, 5, 4], [3, 4, 4], [10, -4, 4]])


def test_a_settings_answer_cut_after_one_byte_is_malformed():
    with pytest.raises(MalformedPacket, match="bad PMD settings at byte 0"):
        PolarDecoder().feed_reply(bytes.fromhex("F0 01 02 00 00 00"))


# ---- the two streams on one time base (hand-written frames) -----------------
def test_acc_between_gyro_samples_gets_the_gyro_interpolated_linearly():
    # ACC sampled half a period after the gyro: each ACC sample lies midway
    # between two gyro samples, so its gyro is their mean.
    dec = PolarDecoder()
    rows = np.concatenate([dec.feed(f) for k in range(6)
                           for f in (acc_frame(k, frame_ts(k) + round(P_NS / 2)), gyr_frame(k))])
    assert len(rows) == 23        # the last ACC sample, after the last gyro sample, waits
    np.testing.assert_allclose((rows[:, 0] * 1e9 - T0_NS) / P_NS, np.arange(23) + 0.5, atol=1e-3)
    np.testing.assert_allclose(rows[:, 4:7], (GYR_LSB[:23] + GYR_LSB[1:24]) / 2, atol=1e-3)


def test_acc_before_the_gyro_stream_began_is_dropped():
    dec = PolarDecoder()
    dec.feed(acc_frame(0))
    rows = np.concatenate([dec.feed(f) for k in (1, 2, 3) for f in (acc_frame(k), gyr_frame(k))])
    np.testing.assert_allclose((rows[:, 0] * 1e9 - T0_NS) / P_NS, np.arange(4, 16), atol=1e-3)
    np.testing.assert_allclose(rows[:, 4:7], GYR_LSB[4:16], atol=0.001)


def test_acc_a_microsecond_off_the_gyro_is_on_it_and_a_gyro_hole_still_drops():
    # The ACC clock 1 µs behind the gyro's (the streams' times are read
    # apart): ACC sample i is on gyro sample i (within 1 % of a period), up
    # to the last one. Gyro frame 2 lost: ACC 8..11 have no gyro either side
    # one period away and are dropped; 7, on the gyro sample before the
    # hole, is kept.
    dec = PolarDecoder()
    out = []
    for k in range(5):
        out.append(dec.feed(acc_frame(k, frame_ts(k) + 1000)))
        if k != 2:
            out.append(dec.feed(gyr_frame(k)))
    rows = np.concatenate(out)
    i = np.round((rows[:, 0] * 1e9 - T0_NS) / P_NS).astype(int)
    assert list(i) == list(range(8)) + list(range(12, 20))
    np.testing.assert_allclose(rows[:, 4:7], GYR_LSB[i], atol=0.01)


# ---- sample times (PmdTimeStampUtils.getTimeStamps: a frame's samples are
# spread evenly from the previous frame's timestamp to its own; the first
# frame's are counted back from its timestamp at the sample rate) ----------
# Times are float64 ns near 8e17 (2025): 128 ns apart at the least, so
# they are compared within 256 ns (and no relative tolerance).
def _times(stream: _Stream, frame_times_ns) -> list[np.ndarray]:
    return [stream.times(int(ts), 4) for ts in frame_times_ns]


def test_a_device_2_percent_slow_has_its_samples_spread_between_frame_times():
    step = 1.02 * P_NS
    ts = [T0_NS + round((4 * k + 3) * step) for k in range(6)]
    t = _times(_Stream(52.0), ts)
    np.testing.assert_allclose(t[0], ts[0] - P_NS * np.arange(3, -1, -1), rtol=0, atol=256)   # first: at the rate
    for k in range(1, 6):
        np.testing.assert_allclose(t[k], ts[k - 1] + (ts[k] - ts[k - 1]) / 4 * np.arange(1, 5), rtol=0, atol=256)


def test_a_device_2_percent_slow_is_timed_at_its_own_rate_after_a_lost_frame():
    # 100 frames at 1.02 periods a sample, frame 100 lost: frame 101's
    # samples are counted back from its timestamp at the device's own
    # spacing (learnt from the frames before), not the nominal one.
    step = 1.02 * P_NS
    ts = [T0_NS + round((4 * k + 3) * step) for k in list(range(100)) + [101]]
    t = _times(_Stream(52.0), ts)
    np.testing.assert_allclose(np.diff(t[-1]), step, rtol=0, atol=0.002 * P_NS)


def test_a_device_four_times_faster_than_asked_is_timed_at_its_own_rate_across_a_lost_frame():
    # Asked 52 Hz, streams 208 Hz: from its second frame its period is its
    # own, and after frame 6 is lost, frame 7's samples are counted back at
    # 208 Hz (the hole stays a hole, 4 samples wide).
    q = 1e9 / 208.0
    ts = {k: T0_NS + round((4 * k + 3) * q) for k in (0, 1, 2, 3, 4, 5, 7)}
    st = _Stream(52.0)
    t = dict(zip(ts, _times(st, ts.values())))
    for k in (1, 2, 3, 4, 5, 7):
        np.testing.assert_allclose(t[k], T0_NS + q * (4 * k + np.arange(4)), rtol=0, atol=256)


def test_a_rate_change_mid_stream_is_learnt_from_the_same_step_twice():
    # 52 Hz for 4 frames, then the device streams at 26 Hz: the first 26 Hz
    # frame looks like a lost frame (counted back at 52 Hz); the second has
    # the same step, so 26 Hz is its rate and its samples are spread at it.
    ts = [T0_NS + round((4 * k + 3) * P_NS) for k in range(4)]
    ts += [ts[-1] + round(2 * P_NS * 4 * j) for j in (1, 2, 3)]
    t = _times(_Stream(52.0), ts)
    np.testing.assert_allclose(t[4], ts[4] - P_NS * np.arange(3, -1, -1), rtol=0, atol=256)
    for k in (5, 6):
        np.testing.assert_allclose(t[k], ts[k - 1] + 2 * P_NS * np.arange(1, 5), rtol=0, atol=256)


def test_a_frame_sent_twice_comes_out_once_behind_and_the_stream_goes_on():
    dec = PolarDecoder()
    live = np.concatenate([dec.feed(f) for k in (0, 1) for f in (acc_frame(k), gyr_frame(k))])
    assert len(live) == 8
    assert len(dec.feed(acc_frame(1))) == 0          # the same ACC frame again: waits for its pair
    again = dec.feed(gyr_frame(1))
    np.testing.assert_allclose(again[:, 0], live[4:, 0], rtol=0, atol=1e-6)   # behind the live stream (s)
    rows = np.concatenate([dec.feed(f) for f in (acc_frame(2), gyr_frame(2))])
    np.testing.assert_allclose((rows[:, 0] * 1e9 - T0_NS) / P_NS, [8, 9, 10, 11], atol=1e-3)
    np.testing.assert_allclose(rows[:, 4:7], GYR_LSB[8:12], atol=1e-3)


def test_after_a_clock_restart_a_resent_frame_is_still_taken_as_late():
    dec = PolarDecoder()
    for k in (0, 1, 2):
        dec.feed(acc_frame(k))
        dec.feed(gyr_frame(k))
    back = 10 * 10**9                                 # the clock restarted 10 s behind
    first = [dec.feed(f) for f in (acc_frame(0, frame_ts(0) - back), gyr_frame(0, frame_ts(0) - back))]
    assert sum(map(len, first)) == 4
    assert len(dec.feed(acc_frame(0, frame_ts(0) - back))) == 0   # sent again: late, no row twice
    assert len(dec.feed(gyr_frame(0, frame_ts(0) - back))) == 4


def test_gyro_ahead_of_acc_across_a_gyro_hole_keeps_the_acc_sample_on_its_last_gyro_sample():
    # The gyro stream runs ahead (its frames 0, 1 and 3 arrive before ACC
    # frames 1-3; its frame 2 is lost); ACC 1 µs behind. ACC 7 is on gyro 7
    # (within 1 % of a period), the last before the hole: kept; 8-11 have
    # no gyro one period either side: dropped.
    dec = PolarDecoder()
    out = [dec.feed(f) for f in (acc_frame(0, frame_ts(0) + 1000), gyr_frame(0), gyr_frame(1), gyr_frame(3))]
    out += [dec.feed(acc_frame(k, frame_ts(k) + 1000)) for k in (1, 2, 3)]
    rows = np.concatenate(out)
    i = np.round((rows[:, 0] * 1e9 - T0_NS) / P_NS).astype(int)
    assert list(i) == list(range(8)) + list(range(12, 16))
    np.testing.assert_allclose(rows[:, 4:7], GYR_LSB[i], atol=0.01)
