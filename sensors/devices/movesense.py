"""Movesense (Suunto/Amer) sensors over the GATT SensorData Protocol (GSP).

Sources
-------
* Movesense ``gatt_sensordata_app`` sample, ``GATTSensorDataClient.cpp``
  (movesense-device-lib, ``samples/gatt_sensordata_app``; the copy read is
  github.com/JonasPrimbs/movesense-ble-ecg-firmware at 6534c149): service
  ``34802252-7185-4d5d-b431-630e7050e8f0``, command characteristic
  ``34800001-…`` (write), data characteristic ``34800002-…`` (notify); a
  command is ``[cmd, client reference (not 0), data]`` with HELLO = 0,
  SUBSCRIBE = 1 (data: the resource path as text), UNSUBSCRIBE = 2; every
  answer comes back on the *data* characteristic as ``[type, reference,
  ...]`` with COMMAND_RESULT = 1 (then a u16 HTTP status) and DATA = 2 (then
  the SBEM serialisation of the resource's notification).
* Its Python client ``python_client/movesense_sensor_data.py`` (same
  library; subscribes with ``[1, 99] + b"/Meas/Acc/13"``, unsubscribes with
  ``[2, 99]``, reads the u32 timestamp at offset 2).
* The Movesense API ``meas/imu.yaml`` (``/Meas/IMU6/{SampleRate}``:
  ``Timestamp`` u32 ms, then ``ArrayAcc`` and ``ArrayGyro``, FloatVector3D
  in m/s² and deg/s; the API describes ``Timestamp`` as "Local timestamp of
  first measurement", as quoted in github.com/AndyCW/MovesenseDotNet's
  ``GyroData``). SBEM
  writes the fields in order, so a notification holds the timestamp, *all*
  acceleration vectors, then *all* gyro vectors — not interleaved per sample
  (github.com/sensein/movesense-py ``src/movensense/protocol.py`` parses it
  the same way).
* DATA_PART2 = 3: when a notification does not fit the link (IMU9 at 104 Hz
  and IMU6 at 104 Hz both exceed the sensor's 161-byte MTU), the sample app
  sends it as a DATA packet and a DATA_PART2 packet whose bytes after its
  2-byte header continue the first (Movesense-based clients, e.g. the IMU9
  dashboards that reassemble ``part1 + part2[2:]`` and read 8 samples per
  notification at 104 Hz).

Packet (after reassembly), little-endian::

    u8 2 | u8 ref | u32 t_ms | n x (f32 ax, ay, az) | n x (f32 gx, gy, gz)

The IMU sends ``rate / 13`` samples per notification (8 at 104 Hz). Sample
``k`` is at ``t_ms / 1000 + k / rate`` on the device clock (ms since boot),
so ``has_clock`` is True and a lost notification is a jump in that clock.
"""
from __future__ import annotations

import struct

import numpy as np

from sensors.devices.base import CommandRefused, MalformedPacket, Profile

SERVICE = "34802252-7185-4d5d-b431-630e7050e8f0"
COMMAND = "34800001-7185-4d5d-b431-630e7050e8f0"
DATA = "34800002-7185-4d5d-b431-630e7050e8f0"

CMD_HELLO, CMD_SUBSCRIBE, CMD_UNSUBSCRIBE = 0, 1, 2
RESP_COMMAND_RESULT, RESP_DATA, RESP_DATA_PART2 = 1, 2, 3
#: Client reference of toehold's IMU6 subscription (any non-zero byte works).
REF = 0x63
RATES_HZ = (13, 26, 52, 104, 208, 416, 833, 1666)
#: Bytes of one notification the sensor sends at most (MTU 161 - 3).
MAX_NOTIFICATION = 158
_HEAD = struct.Struct("<BBI")
_VEC = np.dtype("<f4")


def samples_per_notification(sampling_rate_hz: float) -> int:
    """Samples the IMU packs into one notification at ``sampling_rate_hz`` (13 Hz: 1)."""
    return max(1, int(round(sampling_rate_hz / 13.0)))


def subscribe_command(sampling_rate_hz: float, ref: int = REF) -> bytes:
    """SUBSCRIBE to ``/Meas/IMU6/<rate>`` at the nearest supported rate."""
    rate = min(RATES_HZ, key=lambda r: abs(r - sampling_rate_hz))
    return bytes([CMD_SUBSCRIBE, ref]) + f"/Meas/IMU6/{rate}".encode()


class MovesenseDecoder:
    """IMU6 notifications of the GSP data characteristic → samples.

    The subscribed rate is not repeated in the data, so it is read from the
    packets: a complete notification holds ``n = rate / 13`` samples, and
    its length says ``n``. That keeps ``toehold record --rate 52`` working
    with the same decoder.

    Parameters
    ----------
    sampling_rate_hz : float
        Rate expected before the first complete notification (Hz).

    Attributes
    ----------
    n : int
        Samples per notification seen last (8 at 104 Hz).
    status : int or None
        HTTP status of the last COMMAND_RESULT (200/201 on a good subscribe).
    orphan_parts : int
        DATA_PART2 packets whose first part never arrived (a lost packet,
        shown as a gap by the timestamps, not a malformed one).
    """

    def __init__(self, sampling_rate_hz: float = 104.0) -> None:
        self.n = samples_per_notification(sampling_rate_hz)
        self.status: int | None = None
        self.orphan_parts = 0
        self._part1: bytes | None = None
        self._wraps = 0
        self._last_ms: int | None = None

    def feed(self, data: bytes) -> np.ndarray:
        """Decode one notification.

        Returns
        -------
        ndarray, shape (n, 8)
            Device time (s), acc xyz (m/s²), gyr xyz (deg/s), seq (NaN: GSP
            has no counter). Zero rows for a command result, a first part
            waiting for its DATA_PART2, or an orphan continuation.

        Raises
        ------
        MalformedPacket
            Unknown packet type, a length that is not whole samples (nor a
            plausible first part), or a non-finite value.
        """
        if len(data) < 2:
            raise MalformedPacket(f"{len(data)} bytes, shorter than the GSP header")
        kind = data[0]
        if kind == RESP_COMMAND_RESULT:
            if len(data) >= 4:
                self.status = struct.unpack_from("<H", data, 2)[0]
                if self.status >= 400 and data[1] == REF:
                    # An HTTP-style error to the subscribe: no data will come.
                    raise CommandRefused(f"subscribe answered {self.status}")
            return np.empty((0, 8))
        if kind == RESP_DATA_PART2:
            first, self._part1 = self._part1, None
            if first is None:
                self.orphan_parts += 1
                return np.empty((0, 8))
            return self._decode(first + bytes(data[2:]))
        if kind != RESP_DATA:
            raise MalformedPacket(f"GSP packet type {kind}, expected 1, 2 or 3")
        # A first part whose continuation never came is a lost packet: the
        # device clock shows the hole, so it is dropped rather than counted.
        self._part1 = None
        if len(data) > _HEAD.size and (len(data) - _HEAD.size) % 24 == 0:
            return self._decode(bytes(data))
        # Not whole samples: the first part of a split notification. The
        # sensor splits only what exceeds a full-size notification, so a first
        # part holds at least half the packet; anything shorter was cut off.
        if 2 * len(data) < _HEAD.size + 24 * self.n:
            raise MalformedPacket(f"{len(data)} bytes, not whole IMU6 samples")
        self._part1 = bytes(data)
        return np.empty((0, 8))

    def _decode(self, data: bytes) -> np.ndarray:
        n, rest = divmod(len(data) - _HEAD.size, 24)
        if n < 1 or rest:
            raise MalformedPacket(f"{len(data)} bytes, not whole IMU6 samples")
        _, _, t_ms = _HEAD.unpack_from(data)
        v = np.frombuffer(data, _VEC, 6 * n, _HEAD.size).reshape(2, n, 3)
        if not np.all(np.isfinite(v)):
            # The IMU never produces NaN or infinity: these bytes are not IMU6.
            raise MalformedPacket("non-finite float in an IMU6 notification")
        # The u32 ms clock wraps after 49.7 days of uptime: unwrap it.
        if self._last_ms is not None and t_ms < self._last_ms - (1 << 31):
            self._wraps += 1
        self._last_ms = t_ms
        self.n = n
        out = np.empty((n, 8))
        out[:, 0] = (t_ms + self._wraps * (1 << 32)) * 1e-3 + np.arange(n) / (13.0 * n)
        out[:, 1:4] = v[0]
        out[:, 4:7] = v[1]
        out[:, 7] = np.nan
        return out


# Real sensors advertise "Movesense <serial>"; the emulator's name is cut to
# what fits beside a 128-bit service UUID in 31 advertising bytes.
PROFILE = Profile(
    key="movesense", name_prefixes=("Movesense",), advertised_name="Movesense 192",
    service_uuid=SERVICE, notify_uuid=DATA, control_uuid=COMMAND, reply_uuid=DATA,
    sampling_rate_hz=104.0, has_clock=True,
    # float32 on the wire: the relative step 6e-8 of 16 g and 2000 deg/s.
    acc_quantum=1e-5, gyr_quantum=2.5e-4,
    start_commands=lambda rate: [(COMMAND, subscribe_command(rate))],
    stop_commands=lambda: [(COMMAND, bytes([CMD_UNSUBSCRIBE, REF]))],
    make_decoder=MovesenseDecoder, make_encoder=None,
    # The sample app's notifications are up to 158 bytes (DATA + DATA_PART2
    # at 104 Hz): a link that cannot carry them loses every packet.
    min_mtu=161,
    setup_advice="this Movesense has no GATT sensor data app; flash Movesense's "
                 "gatt_sensordata_app (movesense-device-lib, samples/gatt_sensordata_app) with the "
                 "Movesense Showcase app's DFU, then record again.",
)
