"""toehold's DIY ``generic`` profile: for a maker's own board (an Arduino Nano
33 BLE, an ESP32 with an IMU), documented in the README ("A DIY sensor") with
an Arduino sketch in ``docs/diy-sensor.md``. toehold defines this protocol;
``tests/devices/test_generic.py`` pins it.

All little-endian:

* service ``7a1e0001-…``, notify ``7a1e0002-…`` (IMU), write ``7a1e0003-…``
  (control).
* control: ``0x01 sampling_rate_hz:u16`` starts streaming, ``0x00`` stops.
* IMU packet: ``seq:u16, t0_us:u32, n:u8`` then ``n`` samples of
  ``acc_xyz:i16`` (mg, i.e. 1/1000 g) and ``gyr_xyz:i16`` (0.1 deg/s);
  sample ``k`` is at ``t0_us + k * period``: the device clock. The period
  is the board's, read from consecutive packets (``t0`` step over the
  previous packet's ``n``), so a board that ignores the asked rate is still
  timed right; the asked rate is only the first guess. The very first
  packet is held until the second gives the period (``finish`` hands it
  over if no second one comes), so it is not spread at a guessed period.
"""
from __future__ import annotations

import struct

import numpy as np

from sensors.contract import G
from sensors.devices.base import MalformedPacket, Profile

SERVICE = "7a1e0001-6f65-686f-6c64-000000000001"
NOTIFY = "7a1e0002-6f65-686f-6c64-000000000001"
CONTROL = "7a1e0003-6f65-686f-6c64-000000000001"
_HDR = struct.Struct("<HIB")
_SAMPLE = np.dtype([("a", "<i2", 3), ("g", "<i2", 3)])
# Per column of a sample's six i16: mg to m/s², 0.1 deg/s to deg/s.
_SCALE = np.array([G / 1000.0] * 3 + [0.1] * 3)


class GenericDecoder:
    """Decoder of the DIY profile's IMU packets (see module docstring)."""

    def __init__(self, sampling_rate_hz: float = 100.0) -> None:
        self.period = 1.0 / sampling_rate_hz
        self._wraps = 0
        self._last_t0: int | None = None
        self._last = None  # (seq, t0 unwrapped in µs, n) of the previous packet
        self._held: tuple | None = None  # the first packet: (seq, t0 µs, samples)

    def feed(self, data: bytes) -> np.ndarray:
        """Decode one IMU notification.

        Returns
        -------
        ndarray, shape (n, 8)
            Device time (s, the board's µs clock unwrapped), acc xyz (m/s²),
            gyr xyz (deg/s), seq (the packet counter, for loss counting).

        Raises
        ------
        MalformedPacket
            Shorter than the header, ``n == 0``, or a length that is not
            ``7 + 12 n``.
        """
        if len(data) < _HDR.size:
            raise MalformedPacket(f"{len(data)} bytes, shorter than the header")
        seq, t0_us, n = _HDR.unpack_from(data)
        if n == 0 or len(data) != _HDR.size + n * _SAMPLE.itemsize:
            raise MalformedPacket(f"length {len(data)} does not match {n} samples")
        # The u32 µs clock wraps after 71 min: unwrap so long sessions stay monotonic.
        if self._last_t0 is not None and t0_us < self._last_t0 - (1 << 31):
            self._wraps += 1
        self._last_t0 = t0_us
        t0 = t0_us + self._wraps * (1 << 32)
        if self._last is not None and seq == (self._last[0] + 1) & 0xFFFF:
            step = (t0 - self._last[1]) * 1e-6 / self._last[2]
            if 0.2 * self.period < step < 5.0 * self.period:
                self.period = step
        first = self._last is None
        self._last = (seq, t0, n)
        # The samples' six i16 per row, read in place: one multiply puts
        # them into the rows (a 4-sample packet 50 times a second per sensor).
        s = np.frombuffer(data, "<i2", 6 * n, _HDR.size).reshape(n, 6)
        if first:
            s = s.copy()  # ``data`` may be a caller's buffer, reused
            # Spread at a guessed period, a board at another rate would show
            # a hole (or an overlap) before the second packet.
            self._held = (seq, t0, s)
            return np.empty((0, 8))
        out = self._rows(seq, t0, s)
        if self._held is not None:
            held, self._held = self._held, None
            out = np.concatenate([self._rows(*held), out])
        return out

    def finish(self) -> np.ndarray:
        """The first packet, if no second one came to time it (at the guessed period)."""
        held, self._held = self._held, None
        return self._rows(*held) if held is not None else np.empty((0, 8))

    def _rows(self, seq: int, t0: int, s: np.ndarray) -> np.ndarray:
        """Rows (n, 8) of samples ``s`` (n, 6) of raw i16 (acc xyz, gyr xyz)."""
        out = np.empty((len(s), 8))
        out[:, 0] = t0 * 1e-6 + np.arange(len(s)) * self.period
        np.multiply(s, _SCALE, out=out[:, 1:7])
        out[:, 7] = seq
        return out


PROFILE = Profile(
    key="generic", name_prefixes=("toehold-imu", "TOEHOLD"), advertised_name="toehold-imu",
    service_uuid=SERVICE, notify_uuid=NOTIFY, control_uuid=CONTROL,
    sampling_rate_hz=100.0, has_clock=True, acc_quantum=G / 1000.0, gyr_quantum=0.1,
    start_commands=lambda rate: [(CONTROL, b"\x01" + struct.pack("<H", int(round(rate))))],
    stop_commands=lambda: [(CONTROL, b"\x00")],
    make_decoder=GenericDecoder, make_encoder=None,
    setup_advice="flash the sketch of docs/diy-sensor.md (it defines the 7a1e0001 service).",
)
