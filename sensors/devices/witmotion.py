"""WitMotion WT901BLE family (BWT901BLECL, WT9011DCL) over BLE.

Service ``FFE5``, notify ``FFE4``, write ``FFE9``. Default output packet, 20
bytes: ``0x55 0x61`` then int16 LE acceleration xyz (±16 g), angular rate xyz
(±2000 deg/s), angle xyz (±180 deg). No device clock and no packet counter:
samples are stamped on arrival. Output rate: unlock ``FF AA 69 88 B5``, then
``FF AA 03 <code> 00`` (0x06 10 Hz … 0x09 100 Hz, 0x0B 200 Hz).
"""
from __future__ import annotations

import numpy as np

from sensors.devices.base import G, Command, MalformedPacket, Profile

SERVICE = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE = "0000ffe9-0000-1000-8000-00805f9a34fb"
RATE_CODES = {10.0: 0x06, 20.0: 0x07, 50.0: 0x08, 100.0: 0x09, 200.0: 0x0B}
ACC_LSB = 16.0 * G / 32768.0
GYR_LSB = 2000.0 / 32768.0


def rate_code(rate_hz: float) -> int:
    """The output-rate register code nearest to ``rate_hz``."""
    return RATE_CODES[min(RATE_CODES, key=lambda r: abs(r - rate_hz))]


class WitDecoder:
    """WT901BLE default packets (0x55 0x61); other register replies are skipped."""

    def feed(self, data: bytes) -> np.ndarray:
        if len(data) < 20 or data[0] != 0x55:
            raise MalformedPacket(f"{len(data)} bytes, not a 0x55 packet")
        if data[1] != 0x61:
            return np.empty((0, 8))  # register read reply etc.: not IMU data
        v = np.frombuffer(data, "<i2", 9, 2).astype(float)
        out = np.full((1, 8), np.nan)
        out[0, 1:4] = v[0:3] * ACC_LSB
        out[0, 4:7] = v[3:6] * GYR_LSB
        return out


class WitEncoder:
    samples_per_packet = 1

    def encode(self, block: np.ndarray, seq: int) -> bytes:
        raw = np.empty(9)
        raw[0:3] = block[0, 1:4] / ACC_LSB
        raw[3:6] = block[0, 4:7] / GYR_LSB
        raw[6:9] = 0.0  # angles: the collector does not use the device's fusion
        return b"\x55\x61" + np.clip(np.round(raw), -32768, 32767).astype("<i2").tobytes()

    def command(self, data: bytes) -> Command | None:
        if len(data) == 5 and data[:3] == b"\xff\xaa\x03":
            rates = {c: r for r, c in RATE_CODES.items()}
            return Command("start", rates.get(data[3]))
        return None


PROFILE = Profile(
    key="witmotion", name_prefixes=("WT901", "WT9011", "WT"), advertised_name="WT901BLE67",
    service_uuid=SERVICE, notify_uuid=NOTIFY, control_uuid=WRITE,
    rate_hz=100.0, has_clock=False, acc_quantum=ACC_LSB, gyr_quantum=GYR_LSB,
    start_commands=lambda rate: [(WRITE, b"\xff\xaa\x69\x88\xb5"),
                                 (WRITE, bytes([0xFF, 0xAA, 0x03, rate_code(rate), 0x00]))],
    make_decoder=WitDecoder, make_encoder=WitEncoder,
)
