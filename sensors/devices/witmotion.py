"""WitMotion WT901BLE family (BWT901BLECL, WT9011DCL) over BLE.

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
  int16 registers (20 bytes).
* Return rate ``FF AA 03 <RATE> 00``: WIT's standard protocol and the
  WT901/HWT905 datasheets' RATE table, 0x06 10 Hz (default), 0x07 20 Hz,
  0x08 50 Hz, 0x09 100 Hz, 0x0A 125 Hz, 0x0B 200 Hz. A BLE 4.0 module
  (WT901BLECL) tops out at 50 Hz whatever is asked: the collector measures
  the rate it really gets.
* WitMotion's Python SDK, github.com/WITMOTION/WitBluetooth_BWT901BLE5_0
  ``Python/BWT901BLE5.0_python_sdk/device_model.py``: service ``FFE5``,
  notify ``FFE4``, write ``FFE9``; the same scales; a register write is
  preceded by the unlock ``FF AA 69 88 B5`` (register 0x69, value 0xB588).
  The SDK appends every notification to a byte buffer and cuts packets out
  of it: a notification may hold several packets or part of one.
* Dual-mode modules (BLE + SPP) expose the same byte stream over
  Microchip's (ISSC) transparent UART service ``49535343-FE7D-…``, notify
  ``49535343-1E4D-…``, write ``49535343-8841-…``.

No device clock in the 20-byte packet and no packet counter: samples are
stamped on arrival, at the measured rate.
"""
from __future__ import annotations

import numpy as np

from sensors.contract import G
from sensors.devices.base import MalformedPacket, Profile

SERVICE = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE = "0000ffe9-0000-1000-8000-00805f9a34fb"
#: Microchip (ISSC) transparent UART of dual-mode modules: service, notify (TX), write (RX).
UART = ("49535343-fe7d-4ae5-8fa9-9fafd205e455", "49535343-1e4d-4bd9-ba61-23c647249616",
        "49535343-8841-43f4-a8d4-ecbe34729bb3")
# RATE register codes (WIT standard protocol; 0x0A is 125 Hz, 0x0B 200 Hz).
RATE_CODES = {10.0: 0x06, 20.0: 0x07, 50.0: 0x08, 100.0: 0x09, 125.0: 0x0A, 200.0: 0x0B}
ACC_LSB = 16.0 * G / 32768.0
GYR_LSB = 2000.0 / 32768.0
PACKET = 20
_FLAGS = (0x61, 0x71)


def rate_code(sampling_rate_hz: float) -> int:
    """The output-rate register code nearest to ``sampling_rate_hz``."""
    return RATE_CODES[min(RATE_CODES, key=lambda r: abs(r - sampling_rate_hz))]


class WitDecoder:
    """WT901BLE byte stream: ``0x55 0x61`` samples and ``0x55 0x71`` register replies.

    Notifications are appended to a buffer and 20-byte packets cut out of
    it, as WitMotion's SDK does: one notification may carry several packets
    (a module batching them) or part of one (a small MTU). A packet's start
    held over from the previous notification is continued only when the new
    bytes fit (the next packet starts right after); otherwise it was cut
    off, is dropped and counted in ``discarded``.

    Attributes
    ----------
    registers : dict of int to int
        Register values (raw int16) from the last ``0x55 0x71`` replies,
        e.g. 0x3A–0x3C magnetic field (mG), 0x40 temperature (0.01 °C).
    discarded : int
        Packet starts dropped because their rest never came.
    """

    def __init__(self) -> None:
        self.registers: dict[int, int] = {}
        self.discarded = 0
        self._part = b""

    def finish(self) -> None:
        """End of the stream: a packet start still waiting for its rest is lost."""
        if self._part:
            self.discarded += 1
            self._part = b""

    @staticmethod
    def _starts_packet(data: bytes, i: int = 0) -> bool:
        return len(data) > i + 1 and data[i] == 0x55 and data[i + 1] in _FLAGS

    def feed(self, data: bytes) -> np.ndarray:
        """Decode one notification.

        Returns
        -------
        ndarray, shape (n, 8)
            NaN device time, acc xyz (m/s²), gyr xyz (deg/s), NaN seq; one
            row per whole 0x61 packet, none for register replies.

        Raises
        ------
        MalformedPacket
            Bytes that are not WitMotion packets (no ``0x55`` header where a
            packet must start, an unknown flag, stray bytes after packets).
            A packet start that is never completed is counted in
            ``discarded`` when the next notification shows it (or at
            :meth:`finish`).
        """
        data = bytes(data)
        if (len(data) == 28 and self._starts_packet(data) and data[1] == 0x61 and data[PACKET] != 0x55
                and not self._part):
            data = data[:PACKET]  # one packet with the clock's time appended
        buf = b""
        if self._part:
            need = PACKET - len(self._part)
            if len(data) <= need or self._starts_packet(data, need) or not self._starts_packet(data):
                buf = self._part + data
            else:
                self.discarded += 1
        self._part = b""
        if not buf:
            if not (self._starts_packet(data) or data == b"\x55"):
                raise MalformedPacket(f"{len(data)} bytes, not starting a 0x55 0x61/0x71 packet")
            buf = data
        n, rest = divmod(len(buf), PACKET)
        whole = np.frombuffer(buf, np.uint8, n * PACKET).reshape(n, PACKET)
        tail = buf[n * PACKET:]
        if n and not (np.all(whole[:, 0] == 0x55) and np.all(np.isin(whole[:, 1], _FLAGS))):
            raise MalformedPacket(f"{len(data)} bytes that do not cut into 0x55 packets")
        if tail:
            if tail[0] != 0x55 or (len(tail) > 1 and tail[1] not in _FLAGS):
                raise MalformedPacket(f"{len(tail)} stray bytes after {n} packets")
            self._part = tail  # continued by the next notification
        samples = whole[whole[:, 1] == 0x61]
        for reply in whole[whole[:, 1] == 0x71]:
            reg = int(reply[2]) | int(reply[3]) << 8
            vals = reply[4:20].copy().view("<i2")
            self.registers.update({reg + i: int(v) for i, v in enumerate(vals)})
        v = samples[:, 2:14].copy().view("<i2").astype(float)
        out = np.full((len(samples), 8), np.nan)
        out[:, 1:4] = v[:, 0:3] * ACC_LSB
        out[:, 4:7] = v[:, 3:6] * GYR_LSB
        return out


PROFILE = Profile(
    key="witmotion",
    # The product names (BWT901BLECL advertises "WT901BLE<nn>", the
    # WT9011DCL "WT9011DCL…"); a bare "WT" matches unrelated devices.
    name_prefixes=("WT901",), advertised_name="WT901BLE67",
    service_uuid=SERVICE, notify_uuid=NOTIFY, control_uuid=WRITE,
    sampling_rate_hz=100.0, has_clock=False, acc_quantum=ACC_LSB, gyr_quantum=GYR_LSB,
    start_commands=lambda rate: [(WRITE, b"\xff\xaa\x69\x88\xb5"),
                                 (WRITE, bytes([0xFF, 0xAA, 0x03, rate_code(rate), 0x00]))],
    make_decoder=WitDecoder, make_encoder=None, acc_range_g=16.0, alternatives=(UART,),
    setup_advice="toehold reads WitMotion's BLE modules (WT901BLECL, BWT901BLECL, WT9011DCL) "
                 "through service FFE5 or the Microchip UART service; a UART-only WT901 needs a "
                 "BLE module.",
)
