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


def test_hand_written_packet_and_declared_range():
    """``ble_tms_raw_t`` little-endian, by hand: acc x 0x0400 = 1024 in Q6.10 = 1 g,
    acc z 0xF800 = -2048 = -2 g (the ±2 g limit), gyro y 0x0C80 = 3200 in Q11.5 = 100 deg/s."""
    data = bytes.fromhex("00 04 00 00 00 F8  00 00 80 0C 00 00  00 00 00 00 00 00")
    rows = ThingyDecoder().feed(data)
    np.testing.assert_allclose(rows[0, 1:7], [G, 0, -2 * G, 0, 100.0, 0])
    assert P.acc_range_g == 2.0  # the firmware leaves the MPU-9250 at its ±2 g default


def test_clipping_at_the_declared_range_is_a_recording_warning(tmp_path):
    """A Thingy file whose z axis sits at -2 g for 5 of 100 samples: ``info`` and
    the analysis (hence the report) say the peaks are clipped."""
    from sensors.recording import RecordingWriter, read_recording
    from toehold.commands.info import summary_lines

    path = tmp_path / "thingy.csv"
    rows = np.zeros((100, 7))
    rows[:, 0] = np.arange(100) / 100.0
    rows[:, 3] = G
    rows[40:45, 3] = -2 * G
    with RecordingWriter(path, {"device": "Thingy (thingy) C4:00:00:00:00:01", "sample_rate_hz": "100"}) as w:
        w.write_rows(rows)
    rec = read_recording(path)
    warning = [w for w in rec.warnings if "±2 g range" in w]
    assert warning and "5 samples" in warning[0]
    assert any("clipped" in line for line in summary_lines(rec))
    # The analysis carries it into the report's notes ("About this recording").
    from analysis.pipeline import analyze_recording
    long = np.zeros((3000, 7))
    long[:, 0] = np.arange(3000) / 100.0
    long[:, 3] = G
    long[1000:1005, 3] = -2 * G
    path3 = tmp_path / "thingy_long.csv"
    with RecordingWriter(path3, {"device": "Thingy (thingy) C4:00:00:00:00:01", "sample_rate_hz": "100",
                                 "placement": "foot", "side": "left"}) as w:
        w.write_rows(long)
    doc = analyze_recording(read_recording(path3))
    assert any("±2 g range in 5 samples" in w for w in doc["recording"]["warnings"])
    # The same numbers from a device with a wider range are no warning.
    path2 = tmp_path / "wit.csv"
    with RecordingWriter(path2, {"device": "WT901BLE67 (witmotion) C4:00:00:00:00:02"}) as w:
        w.write_rows(rows)
    assert not any("range" in w for w in read_recording(path2).warnings)


# ---- start and stop (docs/devices/thingy.md: read the owner's motion
# configuration, write it back with only the MPU frequency changed, and only
# if needed; put it back at the stop, since the firmware keeps it in flash) --

CONFIG_UUID = "ef680401-9b35-4933-9b10-52ffa9740042"


class FakeLink:
    """What a profile's start/stop may do (sensors.devices.base.DeviceLink), recorded."""

    def __init__(self, current: bytes) -> None:
        self.current, self.state, self.reads, self.writes = current, {}, 0, []

    async def read(self, uuid):
        assert uuid == CONFIG_UUID
        self.reads += 1
        return self.current

    async def write(self, uuid, payload):
        self.writes.append((uuid, bytes(payload)))


def _run(coro):
    import asyncio

    return asyncio.run(coro)


def _config(pedo, temp, comp, freq, wake):
    return struct.pack("<HHHHB", pedo, temp, comp, freq, wake)   # the 9-byte layout, by hand


def test_start_changes_only_the_frequency_and_stop_puts_the_owners_back():
    from sensors.devices.thingy import start, stop

    owner = _config(500, 2000, 100, 50, 1)
    link = FakeLink(owner)
    _run(start(link, 100.0))
    assert link.writes == [(CONFIG_UUID, _config(500, 2000, 100, 100, 1))]
    # A reconnect in the same session: the owner's settings are not re-read
    # (the device now holds ours), the rate is written again.
    link.current = _config(500, 2000, 100, 100, 1)
    _run(start(link, 100.0))
    assert link.reads == 1 and link.writes[-1] == (CONFIG_UUID, _config(500, 2000, 100, 100, 1))
    _run(stop(link))
    assert link.writes[-1] == (CONFIG_UUID, owner)
    _run(stop(link))                       # a second stop restores nothing more
    assert len(link.writes) == 3


def test_an_owner_already_at_the_rate_is_left_alone():
    from sensors.devices.thingy import start, stop

    link = FakeLink(_config(1000, 1000, 1000, 100, 0))
    _run(start(link, 100.0))
    _run(stop(link))
    assert link.writes == []


def test_an_unreadable_configuration_gets_the_defaults_and_nothing_is_restored():
    from sensors.devices.thingy import start, stop

    link = FakeLink(b"\x01\x02")
    _run(start(link, 400.0))               # clipped to the MPU's 200 Hz
    assert link.writes == [(CONFIG_UUID, _config(1000, 1000, 1000, 200, 0))]
    _run(stop(link))
    assert len(link.writes) == 1


@pytest.mark.parametrize("asked, freq", [(0.2, 1), (1.4, 1), (52.0, 52), (200.4, 200), (1000.0, 200)])
def test_the_frequency_is_the_asked_rate_within_1_to_200_hz(asked, freq):
    assert config_command(asked)[6:8] == struct.pack("<H", freq)


def test_the_compass_is_unknown_until_a_packet_and_a_wrong_length_says_so():
    dec = ThingyDecoder()
    assert dec.compass.shape == (3,) and np.isnan(dec.compass).all()
    with pytest.raises(MalformedPacket, match="17 bytes, a raw motion packet has 18"):
        dec.feed(bytes(17))
