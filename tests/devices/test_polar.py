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
@pytest.mark.parametrize("frame, why", [
    (ACC_DELTA_TYPE1[:9], "shorter than the header"),
    (bytes([0x01]) + ACC_DELTA_TYPE1[1:], "PPG: not ACC or GYRO"),
    (ACC_DELTA_TYPE1[:9] + b"\x83" + ACC_DELTA_TYPE1[10:], "compressed frame type 3"),
    (GYR_DELTA_TYPE0[:-1], "delta block truncated"),
    (ACC_DELTA_TYPE1[:14], "reference sample truncated"),
    (ACC_DELTA_TYPE1[:17], "delta block header truncated"),
    (ACC_RAW_TYPE1[:-1], "raw ACC not whole samples"),
    (GYR_DELTA_TYPE0[:9] + b"\x00" + GYR_DELTA_TYPE0[10:], "raw gyro: no such frame"),
    (GYR_DELTA_TYPE0[:16] + b"\x00\x01\x00", "delta bit width 0"),
])
def test_malformed_frames_raise(frame, why):
    with pytest.raises(MalformedPacket):
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
