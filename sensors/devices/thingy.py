"""Nordic Thingy:52 over its Motion service (TMS), raw data characteristic.

Sources
-------
* Nordic-Thingy52-FW (github.com/NordicSemiconductor/Nordic-Thingy52-FW),
  ``include/ble_services/ble_tms.h``: the Motion service is ``0x0400`` on
  the Thingy base UUID ``EF68xxxx-9B35-4933-9B10-52FFA9740042``; the raw
  data notification is ``ble_tms_raw_t`` = packed int16 accel xyz, gyro xyz,
  compass xyz (18 bytes); the configuration characteristic ``EF680401`` is
  ``ble_tms_config_t`` = u16 pedometer interval (ms, 100–5000), u16
  temperature compensation interval (ms, 100–5000), u16 magnetometer
  compensation interval (ms, 100–5000), u16 motion processing unit
  frequency (Hz, 1–200), u8 wake-on-motion (0/1), 9 bytes little-endian.
* Same firmware, ``source/modules/m_motion.c``: the raw values are the
  driver's Q16.16 shifted right by ``RAW_Q_FORMAT_ACC_INTEGER_BITS`` 6,
  ``..._GYR_...`` 11 and ``..._CMP_...`` 12, i.e. accelerometer Q6.10 in g,
  gyroscope Q11.5 in deg/s, compass Q12.4 in µT.
* Raw data characteristic ``EF680406`` (Nordic's Thingy:52 documentation and
  the Python clients that write ``struct.pack("<4H B", ...)`` to
  ``EF680401`` and then enable notifications on ``EF680406``).

No device clock and no counter: rows are stamped on arrival, at the
measured rate. The Thingy streams raw data as soon as notifications on
``EF680406`` are enabled; the configuration only sets the rate.

The firmware stores a written configuration in flash (``m_motion.c`` saves
it with its other settings), so a write outlives the session. toehold reads
the owner's configuration first, writes only when the MPU frequency differs
from the one asked for (keeping the owner's intervals and wake-on-motion),
and writes the owner's configuration back when the session stops.

The firmware runs the accelerometer at ±2 g, so heel strikes clip at 2 g:
``acc_range_g`` declares it and ``info`` and the report warn when readings
sit at the limit.
"""
from __future__ import annotations

import struct

import numpy as np

from sensors.contract import G
from sensors.devices.base import MalformedPacket, Profile


def _uuid(short: int) -> str:
    return f"ef68{short:04x}-9b35-4933-9b10-52ffa9740042"


SERVICE = _uuid(0x0400)
CONFIG = _uuid(0x0401)
RAW = _uuid(0x0406)
#: ble_tms_config_t: pedometer, temperature and compass intervals (ms), MPU frequency (Hz), wake-on-motion.
_CONFIG = struct.Struct("<HHHHB")
FREQ_MIN_HZ, FREQ_MAX_HZ = 1, 200
ACC_LSB_G = 1.0 / (1 << 10)      # Q6.10 g
GYR_LSB = 1.0 / (1 << 5)         # Q11.5 deg/s
CMP_LSB = 1.0 / (1 << 4)         # Q12.4 µT
_RAW = np.dtype([("acc", "<i2", 3), ("gyr", "<i2", 3), ("cmp", "<i2", 3)])


def config_command(sampling_rate_hz: float, pedo_ms: int = 1000, temp_ms: int = 1000, comp_ms: int = 1000,
                   wake_on_motion: bool = False) -> bytes:
    """The 9-byte motion configuration with the MPU frequency clipped to 1–200 Hz."""
    freq = int(np.clip(round(sampling_rate_hz), FREQ_MIN_HZ, FREQ_MAX_HZ))
    return _CONFIG.pack(pedo_ms, temp_ms, comp_ms, freq, int(wake_on_motion))


class ThingyDecoder:
    """Raw motion notifications (18 bytes) → one sample each.

    Attributes
    ----------
    compass : ndarray, shape (3,)
        Last magnetic field (µT); not part of the recording contract's rows.
    """

    def __init__(self) -> None:
        self.compass = np.full(3, np.nan)

    def feed(self, data: bytes) -> np.ndarray:
        """Decode one notification.

        Returns
        -------
        ndarray, shape (1, 8)
            NaN device time, acc xyz (m/s²), gyr xyz (deg/s), NaN seq.

        Raises
        ------
        MalformedPacket
            Any length other than 18 bytes (the characteristic has no header
            or checksum, so the length is all there is to check).
        """
        if len(data) != _RAW.itemsize:
            raise MalformedPacket(f"{len(data)} bytes, a raw motion packet has {_RAW.itemsize}")
        r = np.frombuffer(data, _RAW, 1)[0]
        self.compass = r["cmp"] * CMP_LSB
        out = np.full((1, 8), np.nan)
        out[0, 1:4] = r["acc"] * (ACC_LSB_G * G)
        out[0, 4:7] = r["gyr"] * GYR_LSB
        return out


async def start(link, sampling_rate_hz: float) -> None:
    """Set the MPU frequency only if needed, keeping the owner's other settings."""
    freq = int(np.clip(round(sampling_rate_hz), FREQ_MIN_HZ, FREQ_MAX_HZ))
    if "owner" not in link.state:
        # First connection of the session: what the owner had (kept across reconnects).
        current = await link.read(CONFIG)
        link.state["owner"] = bytes(current) if len(current) == _CONFIG.size else None
    owner = link.state["owner"]
    if owner is None:
        new = config_command(sampling_rate_hz)
    else:
        pedo, temp, comp, owner_freq, wake = _CONFIG.unpack(owner)
        if owner_freq == freq:
            return  # already right: nothing is written, nothing to restore
        new = _CONFIG.pack(pedo, temp, comp, freq, wake)
    await link.write(CONFIG, new)
    link.state["changed"] = True


async def stop(link) -> None:
    """Put the owner's configuration back (the firmware keeps writes in flash)."""
    if link.state.get("changed") and link.state.get("owner"):
        await link.write(CONFIG, link.state["owner"])
    link.state["changed"] = False


PROFILE = Profile(
    key="thingy", name_prefixes=("Thingy",), advertised_name="Thingy",
    service_uuid=SERVICE, notify_uuid=RAW, control_uuid=CONFIG,
    sampling_rate_hz=100.0, has_clock=False, acc_quantum=ACC_LSB_G * G, gyr_quantum=GYR_LSB,
    start_commands=lambda rate: [(CONFIG, config_command(rate))],
    make_decoder=ThingyDecoder, make_encoder=None, starts_on_subscribe=True,
    start=start, stop=stop, acc_range_g=2.0,
    setup_advice="toehold reads the Thingy:52's Motion service of Nordic's stock firmware "
                 "(v2.x); reflash it with Nordic's Thingy:52 firmware if it was replaced.",
)
