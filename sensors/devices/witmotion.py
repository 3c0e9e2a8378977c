"""WitMotion WT901BLE family (BWT901BLECL, WT9011DCL) over BLE 5.0.

Sources
-------
* WitMotion, "Bluetooth 5.0 communication protocol" (WitMotion SDK docs,
  https://wit-motion.gitbook.io/witmotion-sdk/ble-5.0-protocol/bluetooth-5.0-communication-protocol;
  Chinese original https://wit-motion.yuque.com/wumwnr/docs/gpare3): the
  default upload is ``0x55 0x61`` then int16 little-endian acceleration xyz
  (``/32768*16`` g), angular rate xyz (``/32768*2000`` deg/s) and angle xyz
  (``/32768*180`` deg), 20 bytes; models with a clock append YY MM DD HH MN
  SS and a u16 ms (28 bytes, "maximum 28 bytes per upload"). A register read
  ``FF AA 27 <reg> 00`` is answered by ``0x55 0x71 <reg u16>`` and eight
  int16 registers (20 bytes). Return rate: ``FF AA 03 <RATE> 00`` with 0x06
  10 Hz (default), 0x07 20 Hz, 0x08 50 Hz, 0x09 100 Hz, 0x0A 200 Hz.
* WitMotion's Python SDK, github.com/WITMOTION/WitBluetooth_BWT901BLE5_0
  ``Python/BWT901BLE5.0_python_sdk/device_model.py``: service ``FFE5``,
  notify ``FFE4``, write ``FFE9``; the same scales; a register write is
  preceded by the unlock ``FF AA 69 88 B5`` (register 0x69, value 0xB588).

No device clock in the 20-byte packet and no packet counter: samples are
stamped on arrival.
"""
from __future__ import annotations

import numpy as np

from sensors.devices.base import G, Command, MalformedPacket, Profile

SERVICE = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE = "0000ffe9-0000-1000-8000-00805f9a34fb"
# BLE 5.0 protocol's RATE register values (0x0A is 200 Hz here; the UART
# WT901 manuals differ, so this table is the BLE document's).
RATE_CODES = {10.0: 0x06, 20.0: 0x07, 50.0: 0x08, 100.0: 0x09, 200.0: 0x0A}
ACC_LSB = 16.0 * G / 32768.0
GYR_LSB = 2000.0 / 32768.0


def rate_code(rate_hz: float) -> int:
    """The output-rate register code nearest to ``rate_hz``."""
    return RATE_CODES[min(RATE_CODES, key=lambda r: abs(r - rate_hz))]


class WitDecoder:
    """WT901BLE notifications: ``0x55 0x61`` samples and ``0x55 0x71`` register replies.

    Attributes
    ----------
    registers : dict of int to int
        Register values (raw int16) from the last ``0x55 0x71`` replies,
        e.g. 0x3A–0x3C magnetic field (mG), 0x40 temperature (0.01 °C).
    """

    def __init__(self) -> None:
        self.registers: dict[int, int] = {}

    def feed(self, data: bytes) -> np.ndarray:
        """Decode one notification.

        Returns
        -------
        ndarray, shape (1, 8) or (0, 8)
            NaN device time, acc xyz (m/s²), gyr xyz (deg/s), NaN seq; no
            rows for a register reply.

        Raises
        ------
        MalformedPacket
            Not starting ``0x55``, an unknown flag, or the wrong length.
        """
        if len(data) < 2 or data[0] != 0x55:
            raise MalformedPacket(f"{len(data)} bytes, not a 0x55 packet")
        if data[1] == 0x71:
            if len(data) != 20:
                raise MalformedPacket(f"register reply of {len(data)} bytes, expected 20")
            reg = int.from_bytes(data[2:4], "little")
            vals = np.frombuffer(data, "<i2", 8, 4)
            self.registers.update({reg + i: int(v) for i, v in enumerate(vals)})
            return np.empty((0, 8))
        if data[1] != 0x61:
            raise MalformedPacket(f"flag 0x{data[1]:02x}, expected 0x61 or 0x71")
        if len(data) not in (20, 28):
            raise MalformedPacket(f"{len(data)} bytes, a 0x61 packet has 20 (or 28 with time)")
        v = np.frombuffer(data, "<i2", 6, 2).astype(float)
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
    key="witmotion", name_prefixes=("WT901",), advertised_name="WT901BLE67",
    service_uuid=SERVICE, notify_uuid=NOTIFY, control_uuid=WRITE,
    rate_hz=100.0, has_clock=False, acc_quantum=ACC_LSB, gyr_quantum=GYR_LSB,
    start_commands=lambda rate: [(WRITE, b"\xff\xaa\x69\x88\xb5"),
                                 (WRITE, bytes([0xFF, 0xAA, 0x03, rate_code(rate), 0x00]))],
    make_decoder=WitDecoder, make_encoder=WitEncoder,
)
