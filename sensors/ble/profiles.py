"""What the collector and the emulators need to know about a device type.

The protocol decoders/encoders proper belong in ``sensors.devices`` (another
module, being written alongside). Until a device's module lands there, the
toehold DIY ``generic`` profile is defined here so that the whole live path
can run end to end; :func:`get_profile` prefers ``sensors.devices`` when it
provides the type.

Generic profile (toehold DIY firmware), all little-endian:

* service ``7a1e0001-…``, notify ``7a1e0002-…`` (IMU), write ``7a1e0003-…``
  (control).
* control: ``0x01 rate_hz:u16`` starts streaming, ``0x00`` stops.
* IMU packet: ``seq:u16, t0_us:u32, n:u8`` then ``n`` samples of
  ``acc_xyz:i16`` (mg, i.e. 1/1000 g) and ``gyr_xyz:i16`` (0.1 deg/s);
  sample ``k`` is at ``t0_us + k * period``: the device clock.
"""
from __future__ import annotations

import dataclasses
import struct
from typing import Callable

import numpy as np

G = 9.80665
GENERIC_SERVICE = "7a1e0001-6f65-686f-6c64-000000000001"
GENERIC_NOTIFY = "7a1e0002-6f65-686f-6c64-000000000001"
GENERIC_CONTROL = "7a1e0003-6f65-686f-6c64-000000000001"
_HDR = struct.Struct("<HIB")
_SAMPLE = np.dtype([("a", "<i2", 3), ("g", "<i2", 3)])


class MalformedPacket(ValueError):
    """A notification that does not parse as the device's packet format."""


@dataclasses.dataclass
class Profile:
    """One device type as the live path sees it.

    Attributes
    ----------
    key : str
        Type name (``generic``, ``witmotion``, ...).
    name_prefixes : tuple of str
        Advertised-name prefixes that identify the type in a scan.
    service_uuid, notify_uuid, control_uuid : str
        GATT UUIDs; ``control_uuid`` may be None when nothing is written.
    rate_hz : float
        Nominal sample rate (Hz) the collector asks for.
    has_clock : bool
        True when decoded rows carry the device's own timestamps.
    acc_quantum, gyr_quantum : float
        Resolution of one LSB (m/s², deg/s): how far a round trip may move a value.
    start_commands : callable
        ``rate_hz -> list of (char_uuid, bytes)``, written in order.
    make_decoder : callable
        ``() -> decoder`` with ``feed(bytes) -> ndarray (n, 8)``: columns
        device time (s, NaN without clock), acc (m/s²), gyr (deg/s), seq (NaN if
        none). Raises :class:`MalformedPacket` on a bad packet.
    make_encoder : callable
        Emulator side: ``() -> encoder`` with ``samples_per_packet``,
        ``encode(block (n, 7), seq) -> bytes`` and ``command(bytes) ->
        ("start", rate) | ("stop", None) | None``.
    """

    key: str
    name_prefixes: tuple[str, ...]
    service_uuid: str
    notify_uuid: str
    control_uuid: str | None
    rate_hz: float
    has_clock: bool
    acc_quantum: float
    gyr_quantum: float
    start_commands: Callable[[float], list]
    make_decoder: Callable[[], object]
    make_encoder: Callable[[], object] | None
    advertised_name: str = ""
    stop_commands: Callable[[], list] = lambda: []


class GenericDecoder:
    """Decoder of the DIY profile's IMU packets (see module docstring)."""

    def __init__(self, rate_hz: float = 100.0) -> None:
        self.period = 1.0 / rate_hz
        self._wraps = 0
        self._last_t0: int | None = None

    def feed(self, data: bytes) -> np.ndarray:
        if len(data) < _HDR.size:
            raise MalformedPacket(f"{len(data)} bytes, shorter than the header")
        seq, t0_us, n = _HDR.unpack_from(data)
        if n == 0 or len(data) != _HDR.size + n * _SAMPLE.itemsize:
            raise MalformedPacket(f"length {len(data)} does not match {n} samples")
        # The u32 µs clock wraps after 71 min: unwrap so long sessions stay monotonic.
        if self._last_t0 is not None and t0_us < self._last_t0 - (1 << 31):
            self._wraps += 1
        self._last_t0 = t0_us
        s = np.frombuffer(data, _SAMPLE, n, _HDR.size)
        out = np.empty((n, 8))
        out[:, 0] = (t0_us + self._wraps * (1 << 32)) * 1e-6 + np.arange(n) * self.period
        out[:, 1:4] = s["a"] * (G / 1000.0)
        out[:, 4:7] = s["g"] * 0.1
        out[:, 7] = seq
        return out


class GenericEncoder:
    """Emulator side of the DIY profile."""

    samples_per_packet = 4

    def __init__(self) -> None:
        self.rate_hz = 100.0

    def encode(self, block: np.ndarray, seq: int) -> bytes:
        n = len(block)
        s = np.empty(n, _SAMPLE)
        s["a"] = np.clip(np.round(block[:, 1:4] / G * 1000.0), -32768, 32767)
        s["g"] = np.clip(np.round(block[:, 4:7] * 10.0), -32768, 32767)
        t0_us = int(round(block[0, 0] * 1e6)) & 0xFFFFFFFF
        return _HDR.pack(seq & 0xFFFF, t0_us, n) + s.tobytes()

    def command(self, data: bytes):
        if len(data) >= 3 and data[0] == 0x01:
            return ("start", float(struct.unpack_from("<H", data, 1)[0]))
        if data[:1] == b"\x00":
            return ("stop", None)
        return None


GENERIC = Profile(
    key="generic", name_prefixes=("toehold-imu", "TOEHOLD"), advertised_name="toehold-imu",
    service_uuid=GENERIC_SERVICE, notify_uuid=GENERIC_NOTIFY, control_uuid=GENERIC_CONTROL,
    rate_hz=100.0, has_clock=True, acc_quantum=G / 1000.0, gyr_quantum=0.1,
    start_commands=lambda rate: [(GENERIC_CONTROL, b"\x01" + struct.pack("<H", int(round(rate))))],
    stop_commands=lambda: [(GENERIC_CONTROL, b"\x00")],
    make_decoder=GenericDecoder, make_encoder=GenericEncoder,
)

# ---- WitMotion WT901BLE (built-in until sensors.devices.witmotion lands) ----
# Service FFE5, notify FFE4, write FFE9. Default output packet, 20 bytes:
# 0x55 0x61 then int16 LE acc xyz (±16 g), gyr xyz (±2000 deg/s), angle xyz
# (±180 deg). No device clock and no packet counter: samples are stamped on
# arrival. Rate: unlock FF AA 69 88 B5, then FF AA 03 <code> 00.
WIT_SERVICE = "0000ffe5-0000-1000-8000-00805f9a34fb"
WIT_NOTIFY = "0000ffe4-0000-1000-8000-00805f9a34fb"
WIT_WRITE = "0000ffe9-0000-1000-8000-00805f9a34fb"
WIT_RATE_CODES = {10.0: 0x06, 20.0: 0x07, 50.0: 0x08, 100.0: 0x09, 200.0: 0x0B}
_WIT_ACC = 16.0 * G / 32768.0
_WIT_GYR = 2000.0 / 32768.0


def _wit_rate_code(rate_hz: float) -> int:
    best = min(WIT_RATE_CODES, key=lambda r: abs(r - rate_hz))
    return WIT_RATE_CODES[best]


class WitDecoder:
    """WT901BLE default packets (0x55 0x61); other register replies are skipped."""

    def feed(self, data: bytes) -> np.ndarray:
        if len(data) < 20 or data[0] != 0x55:
            raise MalformedPacket(f"{len(data)} bytes, not a 0x55 packet")
        if data[1] != 0x61:
            return np.empty((0, 8))  # register read reply etc.: not IMU data
        v = np.frombuffer(data, "<i2", 9, 2).astype(float)
        out = np.full((1, 8), np.nan)
        out[0, 1:4] = v[0:3] * _WIT_ACC
        out[0, 4:7] = v[3:6] * _WIT_GYR
        return out


class WitEncoder:
    samples_per_packet = 1

    def encode(self, block: np.ndarray, seq: int) -> bytes:
        raw = np.empty(9)
        raw[0:3] = block[0, 1:4] / _WIT_ACC
        raw[3:6] = block[0, 4:7] / _WIT_GYR
        raw[6:9] = 0.0  # angles: the collector does not use the device's fusion
        return b"\x55\x61" + np.clip(np.round(raw), -32768, 32767).astype("<i2").tobytes()

    def command(self, data: bytes):
        if len(data) == 5 and data[:3] == b"\xff\xaa\x03":
            rates = {c: r for r, c in WIT_RATE_CODES.items()}
            return ("start", rates.get(data[3]))
        return None


WITMOTION = Profile(
    key="witmotion", name_prefixes=("WT901", "WT9011", "WT"), advertised_name="WT901BLE67",
    service_uuid=WIT_SERVICE, notify_uuid=WIT_NOTIFY, control_uuid=WIT_WRITE,
    rate_hz=100.0, has_clock=False, acc_quantum=_WIT_ACC, gyr_quantum=_WIT_GYR,
    start_commands=lambda rate: [(WIT_WRITE, b"\xff\xaa\x69\x88\xb5"),
                                 (WIT_WRITE, bytes([0xFF, 0xAA, 0x03, _wit_rate_code(rate), 0x00]))],
    make_decoder=WitDecoder, make_encoder=WitEncoder,
)

_BUILTIN = {"generic": GENERIC, "witmotion": WITMOTION}
TYPES = ("witmotion", "polar", "movesense", "thingy", "generic")


def _attr(obj, *names, default=None):
    for n in names:
        v = getattr(obj, n, None)
        if v is not None:
            return v
    return default


class _SamplesDecoder:
    """Wraps a ``sensors.devices`` decoder (``feed(bytes) -> list[ImuSample]``) into rows."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def feed(self, data: bytes) -> np.ndarray:
        samples = self.inner.feed(bytes(data))
        out = np.full((len(samples), 8), np.nan)
        for i, s in enumerate(samples):  # a packet holds a handful of samples
            t = _attr(s, "t", "t_s", "device_time_s", "timestamp_s")
            out[i, 0] = np.nan if t is None else float(t)
            acc = _attr(s, "acc", "acc_ms2")
            gyr = _attr(s, "gyr", "gyr_dps", "gyro")
            out[i, 1:4] = acc if acc is not None else [s.acc_x, s.acc_y, s.acc_z]
            out[i, 4:7] = gyr if gyr is not None else [s.gyr_x, s.gyr_y, s.gyr_z]
            seq = _attr(s, "seq", "counter")
            out[i, 7] = np.nan if seq is None else float(seq)
        return out


_ADAPTED: dict[str, Profile | None] = {}


def _from_devices(key: str) -> Profile | None:
    """Adapt ``sensors.devices`` profile ``key`` when that package provides it.

    The package is written separately; its exact attribute names were not
    fixed when this was written, so the adapter looks for the documented
    ones (``PROFILES``, ``start_commands(rate_hz)``, a decoder whose
    ``feed(bytes)`` returns ``ImuSample`` objects) and falls back to the
    built-in profile on any mismatch. The emulator keeps the built-in
    encoder where there is one.
    """
    if key in _ADAPTED:
        return _ADAPTED[key]
    prof = None
    try:
        import importlib

        base = importlib.import_module("sensors.devices.base")
        try:
            importlib.import_module(f"sensors.devices.{key}")
        except ImportError:
            pass
        profiles = getattr(base, "PROFILES", {})
        dp = profiles.get(key) if isinstance(profiles, dict) else next(
            (p for p in profiles if _attr(p, "key", "name", "type") == key), None)
        if dp is not None:
            builtin = _BUILTIN.get(key)
            service = str(_attr(dp, "service_uuid", "service")).lower()
            notify = str(_attr(dp, "notify_uuid", "data_uuid", "notify_char", "data_char")).lower()
            control = _attr(dp, "control_uuid", "command_uuid", "write_uuid", "control_char")
            control = str(control).lower() if control else None
            make_dec = _attr(dp, "make_decoder", "decoder", "Decoder")

            def start_commands(rate, dp=dp, control=control):
                cmds = []
                for c in dp.start_commands(rate):
                    cmds.append(tuple(c) if isinstance(c, (tuple, list)) else (control, bytes(c)))
                return cmds

            prof = Profile(
                key=key, name_prefixes=tuple(_attr(dp, "name_prefixes", default=())) or
                (builtin.name_prefixes if builtin else ()),
                advertised_name=_attr(dp, "advertised_name", default=builtin.advertised_name if builtin else key),
                service_uuid=service, notify_uuid=notify, control_uuid=control,
                rate_hz=float(_attr(dp, "rate_hz", "nominal_rate_hz", default=100.0)),
                has_clock=bool(_attr(dp, "has_clock", "has_device_clock", default=False)),
                acc_quantum=float(_attr(dp, "acc_quantum", default=builtin.acc_quantum if builtin else 0.01)),
                gyr_quantum=float(_attr(dp, "gyr_quantum", default=builtin.gyr_quantum if builtin else 0.1)),
                start_commands=start_commands,
                make_decoder=lambda make_dec=make_dec: _SamplesDecoder(make_dec()),
                make_encoder=builtin.make_encoder if builtin else None,
            )
            if builtin and (prof.service_uuid, prof.notify_uuid) != (builtin.service_uuid, builtin.notify_uuid):
                prof.make_encoder = None  # the built-in emulator would speak another GATT layout
    except Exception:  # noqa: BLE001 — a half-written sensors.devices must not break recording
        prof = None
    _ADAPTED[key] = prof
    return prof


def get_profile(key: str) -> Profile:
    """The profile of device type ``key``; raises KeyError with the known types."""
    prof = _from_devices(key) or _BUILTIN.get(key)
    if prof is None:
        raise KeyError(f"device type {key!r} is not available (have: {', '.join(available_types())})")
    return prof


def available_types() -> list[str]:
    """Types the collector can decode."""
    return [k for k in TYPES if _from_devices(k) is not None or k in _BUILTIN]


def emulated_types() -> list[str]:
    """Types with an emulator (an encoder for the device's packets)."""
    return [k for k in available_types() if get_profile(k).make_encoder is not None]


def recognise(name: str | None, service_uuids=()) -> str | None:
    """Device type from an advertisement (name prefix or service UUID), else None."""
    for key in available_types():
        p = get_profile(key)
        if name and any(name.startswith(pre) for pre in p.name_prefixes):
            return key
        if p.service_uuid.lower() in [u.lower() for u in service_uuids]:
            return key
    return None
