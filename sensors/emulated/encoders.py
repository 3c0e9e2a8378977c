"""The emulated sensors' side of each protocol: samples in, the device's bytes out.

Written from the vendors' documents with their own constants, not the
decoders' (``sensors.devices``): a protocol misread in a decoder must not
be "confirmed" by an emulator that shares the mistake. Each encoder has
``samples_per_packet``, ``encode(block (n, 7), seq) -> bytes | list of
bytes`` (rows: t on the device clock (s), acc (m/s²), gyr (deg/s)) and
``command(bytes) -> Command | None`` for a write to the control
characteristic; optionally ``read_value`` and ``write_value(bytes)`` (a
readable, writable configuration) and ``refuse(bytes)`` (the reply of a
device that says no to a start).
"""
from __future__ import annotations

import struct

import numpy as np

from sensors.contract import G
from sensors.devices.base import Command


def _int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), -32768, 32767).astype("<i2")


class GenericEncoder:
    """toehold's DIY profile (README "A DIY sensor"): seq u16, t0 µs u32, n u8,
    then n × (acc xyz int16 in mg, gyr xyz int16 in 0.1 deg/s)."""

    samples_per_packet = 4
    resizable = True

    def encode(self, block: np.ndarray, seq: int) -> bytes:
        acc_mg = _int16(block[:, 1:4] / G * 1000.0)
        gyr_dd = _int16(block[:, 4:7] * 10.0)
        t0_us = int(round(block[0, 0] * 1e6)) & 0xFFFFFFFF
        body = np.concatenate([acc_mg, gyr_dd], axis=1).astype("<i2").tobytes()
        return struct.pack("<HIB", seq & 0xFFFF, t0_us, len(block)) + body

    def command(self, data: bytes) -> Command | None:
        if len(data) >= 3 and data[0] == 0x01:
            return Command("start", float(int.from_bytes(data[1:3], "little")))
        if data[:1] == b"\x00":
            return Command("stop")
        return None


class WitEncoder:
    """WitMotion BLE: ``55 61`` + int16 acc (g·32768/16), gyro (deg/s·32768/2000),
    angle (deg·32768/180), 20 bytes; ``FF AA 03 <code> 00`` sets the rate
    (WIT standard protocol table: 0x06 10 Hz … 0x09 100 Hz, 0x0A 125 Hz, 0x0B 200 Hz).

    ``stream = True``: the module's UART feeds the radio a byte stream, so
    the emulator may cut and join packets at notification boundaries.
    """

    samples_per_packet = 1
    stream = True
    RATES = {0x06: 10.0, 0x07: 20.0, 0x08: 50.0, 0x09: 100.0, 0x0A: 125.0, 0x0B: 200.0}

    def encode(self, block: np.ndarray, seq: int) -> bytes:
        acc = block[0, 1:4] / G * (32768.0 / 16.0)
        gyr = block[0, 4:7] * (32768.0 / 2000.0)
        return bytes([0x55, 0x61]) + _int16(np.concatenate([acc, gyr, np.zeros(3)])).tobytes()

    def command(self, data: bytes) -> Command | None:
        if len(data) == 5 and data[0] == 0xFF and data[1] == 0xAA and data[2] == 0x03:
            return Command("start", self.RATES.get(data[3]))
        return None


class ThingyEncoder:
    """Nordic Thingy:52 raw motion (``ble_tms_raw_t``): int16 acc in Q6.10 g,
    gyro Q11.5 deg/s, compass Q12.4 µT; configuration ``ble_tms_config_t``
    (u16 ×4, u8) is readable and writable and kept (like the firmware's flash)."""

    samples_per_packet = 1

    def __init__(self, config: bytes = struct.pack("<HHHHB", 1000, 1000, 1000, 100, 1)) -> None:
        self.config = config
        self.writes: list[bytes] = []

    def encode(self, block: np.ndarray, seq: int) -> bytes:
        acc = block[0, 1:4] / G * 1024.0
        gyr = block[0, 4:7] * 32.0
        return _int16(np.concatenate([acc, gyr, np.zeros(3)])).tobytes()

    @property
    def read_value(self) -> bytes:
        return self.config

    def command(self, data: bytes) -> Command | None:
        if len(data) != 9:
            return None
        freq = struct.unpack("<HHHHB", data)[3]
        if not 1 <= freq <= 200:
            return None  # the firmware rejects an out-of-range configuration
        self.config = bytes(data)
        self.writes.append(bytes(data))
        # Only the rate: streaming is started by enabling notifications.
        return Command(None, float(freq))


class MovesenseEncoder:
    """Movesense GATT SensorData app: replies and IMU6 data on the data
    characteristic as ``[type, ref, …]``; DATA (2) = u32 ms, n acc float32
    xyz, n gyro float32 xyz; a packet over 158 bytes is sent as DATA +
    DATA_PART2 (3)."""

    MAX_NOTIFICATION = 158

    def __init__(self, sampling_rate_hz: float = 104.0) -> None:
        self.set_rate(sampling_rate_hz)
        self.ref = 0

    def set_rate(self, sampling_rate_hz: float) -> None:
        """The IMU sends rate / 13 samples per notification (8 at 104 Hz)."""
        self.samples_per_packet = max(1, int(round(sampling_rate_hz / 13.0)))

    def encode(self, block: np.ndarray, seq: int) -> list[bytes]:
        t_ms = int(round(block[0, 0] * 1000.0)) & 0xFFFFFFFF
        floats = np.concatenate([block[:, 1:4], block[:, 4:7]]).astype("<f4").tobytes()
        packet = struct.pack("<BBI", 2, self.ref, t_ms) + floats
        m = self.MAX_NOTIFICATION
        if len(packet) <= m:
            return [packet]
        return [packet[:m], bytes([3, self.ref]) + packet[m:]]

    def _result(self, ref: int, status: int) -> bytes:
        return bytes([1, ref]) + struct.pack("<H", status)

    def command(self, data: bytes) -> Command | None:
        if len(data) < 2:
            return None
        cmd, ref = data[0], data[1]
        if cmd == 1:  # SUBSCRIBE
            path = bytes(data[2:]).decode(errors="replace")
            if not path.startswith("/Meas/IMU6/"):
                return Command(None, reply=self._result(ref, 404))
            self.ref = ref
            return Command("start", float(path.rsplit("/", 1)[1]), reply=self._result(ref, 200))
        if cmd == 2:  # UNSUBSCRIBE
            return Command("stop", reply=self._result(ref, 200))
        if cmd == 0:  # HELLO
            return Command(None, reply=bytes([1, ref]) + b"Hello")
        return None

    def refuse(self, data: bytes) -> bytes:
        return self._result(data[1] if len(data) > 1 else 0, 500)


def pack_delta_frame(values: np.ndarray, resolution: int = 16) -> bytes:
    """A Polar PMD delta frame of ``values`` (n, channels) integers: the first
    sample in full, then blocks of ``bit width, count`` and the deltas packed
    LSB first (polar-ble-sdk ``BlePMDClient.parseDeltaFramesAll``)."""
    values = np.asarray(values, np.int64)
    nb = (resolution + 7) // 8
    out = bytearray(b"".join(int(v & ((1 << resolution) - 1)).to_bytes(nb, "little") for v in values[0]))
    d = np.diff(values, axis=0)
    for k in range(0, len(d), 255):
        blk = d[k:k + 255]
        lim = max(int(blk.max(initial=0)), int(-blk.min(initial=0)) - 1)
        # Signed width that holds every delta; at least 2 bits (the SDK's sign
        # extension of a 1-bit field does not give -1).
        width = max(2, lim.bit_length() + 1)
        u = (blk.ravel() & ((1 << width) - 1))[:, None] >> np.arange(width)
        out += bytes([width, len(blk)]) + np.packbits((u & 1).astype(np.uint8).ravel(),
                                                      bitorder="little").tobytes()
    return bytes(out)


class PolarEncoder:
    """Emulated Verity Sense (polar-ble-sdk's PMD): control point answers
    ``F0 op type status more params`` and ACC (0x02) + GYRO (0x05) frames
    ``type, u64 ns timestamp (last sample), frame type`` then content.

    Parameters
    ----------
    raw : bool
        Send ACC as raw int16 mG frames (frame type 0x01) instead of the
        delta-compressed ones (0x81); GYRO is always delta-compressed (0x80).
    rates : tuple of int
        Sample rates (Hz) the device lists and accepts; others are refused
        with status 8 (ERROR_INVALID_SAMPLE_RATE).
    """

    samples_per_packet = 4
    resizable = True
    # Feature bitmap (PmdMeasurementType.fromByteArray): PPG, ACC, PPI, GYRO,
    # MAG in byte 1, SDK mode in byte 2.
    read_value = bytes([0x0F, 0x02 | 0x04 | 0x08 | 0x20 | 0x40, 0x02])
    GYRO_FACTOR = 2000.0 / 32768.0  # deg/s per count at ±2000 deg/s, 16 bit
    RANGE = {0x02: 8, 0x05: 2000}
    # The device clock counts ns since 2000-01-01; the emulator's is set to 2026-01-01.
    EPOCH_NS = 9497 * 86400 * 10**9

    def __init__(self, raw: bool = False, rates: tuple[int, ...] = (26, 52, 104, 208, 416)) -> None:
        self.raw = raw
        self.rates = rates
        self.running: set[int] = set()
        self.started_with: dict[int, dict[int, int]] = {}

    @staticmethod
    def _frame(mtype: int, ftype: int, ts_ns: int, content: bytes) -> bytes:
        return bytes([mtype]) + ts_ns.to_bytes(8, "little") + bytes([ftype]) + content

    def encode(self, block: np.ndarray, seq: int) -> list[bytes]:
        ts = self.EPOCH_NS + int(round(block[-1, 0] * 1e9))
        acc_mg = np.clip(np.round(block[:, 1:4] / G * 1000.0), -32768, 32767).astype(np.int64)
        gyr = np.clip(np.round(block[:, 4:7] / self.GYRO_FACTOR), -32768, 32767).astype(np.int64)
        if self.raw:
            acc_frame = self._frame(0x02, 0x01, ts, acc_mg.astype("<i2").tobytes())
        else:
            acc_frame = self._frame(0x02, 0x81, ts, pack_delta_frame(acc_mg))
        return [acc_frame, self._frame(0x05, 0x80, ts, pack_delta_frame(gyr))]

    def command(self, data: bytes) -> Command | None:
        if len(data) < 2:
            return Command(None, reply=bytes([0xF0, data[0] if data else 0, 0, 4, 0]))
        op, mtype = data[0], data[1] & 0x3F

        def reply(status: int, params: bytes = b"") -> bytes:
            return bytes([0xF0, op, mtype, status, 0]) + params

        if mtype not in (0x02, 0x05):
            return Command(None, reply=reply(2))
        if op == 0x01:  # get settings: rates, resolution, range, channels
            listing = (bytes([0, len(self.rates)]) + b"".join(r.to_bytes(2, "little") for r in self.rates)
                       + bytes([1, 1]) + (16).to_bytes(2, "little")
                       + bytes([2, 1]) + self.RANGE[mtype].to_bytes(2, "little")
                       + bytes([4, 1, 3]))
            return Command(None, reply=reply(0, listing))
        if op == 0x02:  # start
            asked = _parse_pmd_settings(bytes(data[2:]))
            if asked is None:
                return Command(None, reply=reply(5))
            rate = asked.get(0, 52)
            if rate not in self.rates:
                return Command(None, reply=reply(8))
            self.started_with[mtype] = asked
            factor = 1.0 if mtype == 0x02 else self.GYRO_FACTOR
            self.running.add(mtype)
            # Frames of both streams go out together, so streaming starts once both run.
            action = "start" if self.running == {0x02, 0x05} else None
            return Command(action, float(rate), reply(0, bytes([5, 1]) + struct.pack("<f", factor)))
        if op == 0x03:  # stop
            self.running.discard(mtype)
            return Command("stop", reply=reply(0))
        return Command(None, reply=reply(1))

    def refuse(self, data: bytes) -> bytes:
        # ERROR_INVALID_STATE: what a sensor busy with its own measurement says.
        return bytes([0xF0, data[0] if data else 0, data[1] if len(data) > 1 else 0, 12, 0])


def _parse_pmd_settings(params: bytes) -> dict[int, int] | None:
    """``type, count, values`` settings (first value each); None if malformed."""
    sizes = {0: 2, 1: 2, 2: 2, 3: 4, 4: 1, 5: 4}
    out, i = {}, 0
    while i < len(params):
        if i + 2 > len(params) or params[i] not in sizes:
            return None
        kind, count, size = params[i], params[i + 1], sizes[params[i]]
        if count < 1 or i + 2 + count * size > len(params):
            return None
        out[kind] = int.from_bytes(params[i + 2:i + 2 + size], "little")
        i += 2 + count * size
    return out


ENCODERS = {"generic": GenericEncoder, "witmotion": WitEncoder, "thingy": ThingyEncoder,
            "movesense": MovesenseEncoder, "polar": PolarEncoder}


def make_encoder(profile):
    """The emulator's encoder for ``profile`` (its own ``make_encoder`` if set), or None."""
    if profile.make_encoder is not None:
        return profile.make_encoder()
    cls = ENCODERS.get(profile.key)
    return cls() if cls is not None else None
