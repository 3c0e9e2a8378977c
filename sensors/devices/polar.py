"""Polar Verity Sense over the Polar Measurement Data (PMD) service.

The older Polar OH1 speaks the same PMD protocol but has no gyroscope (ACC
only, at 50 Hz: ``documentation/products/PolarOH1.md``); toehold needs the
angular rate, so the OH1 is not a recognised type.

Protocol, as implemented by Polar's own SDK (polarofficial/polar-ble-sdk,
Android sources under ``sources/Android/android-communications/library/src/
main/java/com/polar/androidcommunications/api/ble/model/gatt/client/pmd/``):

* Service ``FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8``; control point ``…5C81``
  (read: feature bitmap; write: commands; indicate: responses); data
  ``…5C82`` (notify). ``BlePMDClient.kt`` (``PMD_SERVICE``, ``PMD_CP``,
  ``PMD_DATA``).
* Commands (``PmdControlPointCommand.kt``): ``01 type`` get measurement
  settings, ``02 type settings…`` start, ``03 type`` stop. Measurement types
  (``PmdMeasurementType.kt``): ACC ``0x02``, GYRO ``0x05``. Settings
  (``PmdSetting.kt``) are ``setting_type, count, value…`` little-endian:
  sample rate (0, u16), resolution (1, u16), range (2, u16), factor (5,
  4 bytes: the bits of an IEEE-754 float32).
* Responses (``PmdControlPointResponse.kt``): ``F0 op type status more
  params…``; status 0 is success, 5 invalid parameter, 8 invalid sample rate,
  6 already in state, … The start response carries the factor that scales
  the stream's integers (``PmdSetting.updateSelectedFromStartResponse``).
* Data frames (``PmdDataFrame.kt``): ``type:u8, timestamp:u64 (ns), frame
  type:u8`` then the samples. The timestamp is that of the frame's *last*
  sample; earlier samples are spread back to the previous frame's timestamp
  (``PmdTimeStampUtils.getTimeStamps``; the SDK's ``AccDataTest`` asserts the
  last sample's time equals the frame's). Bit 7 of the frame type marks a
  delta-compressed frame.
* ACC (``AccData.kt``): raw types 0/1/2 are int8/int16/int24 xyz in mG;
  compressed type 0 is int16 × factor in g, compressed type 1 int16 × factor
  in mG. GYRO (``GyrData.kt``): compressed type 0 int16 × factor deg/s,
  compressed type 1 float32 (deltas on the bit pattern) × factor; the SDK
  defines no raw gyro frame.
* Delta frames (``BlePMDClient.parseDeltaFramesAll``): a reference sample
  (channels × ceil(resolution/8) bytes, little-endian), then blocks of
  ``bit width:u8, sample count:u8`` and ``ceil(width·count·channels/8)``
  bytes of signed deltas packed LSB first; each sample is the previous one
  plus its delta.
* Verity Sense (``documentation/products/PolarVeritySense.md``): ACC and
  GYRO at 52 Hz (8 g, 2000 deg/s); in SDK mode 26, 52, 104, 208 or 416 Hz
  (``technical_documentation/SdkModeExplained.md``). The nominal rate here is
  52 Hz, which a sensor in its normal mode accepts.

ACC and GYRO arrive as two streams with their own timestamps. The decoder
returns 6-axis rows on the ACC stream's sample times with the gyro linearly
interpolated onto them; it never extrapolates: an ACC sample waits until gyro
samples on both sides of it have arrived, and one that falls inside a hole of
the gyro stream is dropped (the hole becomes a recorded gap, nothing is
invented).
"""
from __future__ import annotations

import math
import struct

import numpy as np

from sensors.contract import G
from sensors.devices.base import CommandRefused, MalformedPacket, Profile

SERVICE = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CONTROL = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"

ACC, GYRO = 0x02, 0x05
TYPE_NAMES = {ACC: "ACC", GYRO: "GYRO"}
GET_SETTINGS, START, STOP = 0x01, 0x02, 0x03
RESPONSE = 0xF0
SAMPLE_RATE, RESOLUTION, RANGE, RANGE_MILLIUNIT, CHANNELS, FACTOR = range(6)
_FIELD_SIZE = {SAMPLE_RATE: 2, RESOLUTION: 2, RANGE: 2, RANGE_MILLIUNIT: 4, CHANNELS: 1, FACTOR: 4}
STATUS = ("SUCCESS", "ERROR_INVALID_OP_CODE", "ERROR_INVALID_MEASUREMENT_TYPE", "ERROR_NOT_SUPPORTED",
          "ERROR_INVALID_LENGTH", "ERROR_INVALID_PARAMETER", "ERROR_ALREADY_IN_STATE",
          "ERROR_INVALID_RESOLUTION", "ERROR_INVALID_SAMPLE_RATE", "ERROR_INVALID_RANGE",
          "ERROR_INVALID_MTU", "ERROR_INVALID_NUMBER_OF_CHANNELS", "ERROR_INVALID_STATE",
          "ERROR_DEVICE_IN_CHARGER", "ERROR_DISK_FULL")
ALREADY_IN_STATE = 6
RATES_HZ = (26, 52, 104, 208, 416)  # SDK mode; 52 Hz in the normal mode
RANGES = {ACC: 8, GYRO: 2000}       # g, deg/s
GYR_FACTOR = 2000.0 / 32768.0       # deg/s per LSB at 2000 deg/s, 16 bit
_HEADER = 10


def nearest_rate(sampling_rate_hz: float) -> int:
    """The PMD sample rate (Hz) nearest to ``sampling_rate_hz``."""
    return min(RATES_HZ, key=lambda r: abs(r - sampling_rate_hz))


def settings_bytes(settings: dict[int, int]) -> bytes:
    """Serialise ``{setting_type: value}`` as PMD settings (one value each)."""
    out = bytearray()
    for kind, value in settings.items():
        out += bytes([kind, 1]) + int(value).to_bytes(_FIELD_SIZE[kind], "little")
    return bytes(out)


def parse_settings(params: bytes) -> dict[int, list[int]]:
    """PMD settings ``type, count, values…`` -> ``{setting_type: [values]}``.

    Raises
    ------
    MalformedPacket
        Unknown setting type or truncated list.
    """
    out: dict[int, list[int]] = {}
    i = 0
    while i < len(params):
        if i + 2 > len(params) or params[i] not in _FIELD_SIZE:
            raise MalformedPacket(f"bad PMD settings at byte {i}: {params.hex()}")
        kind, count = params[i], params[i + 1]
        size = _FIELD_SIZE[kind]
        i += 2
        if i + count * size > len(params):
            raise MalformedPacket(f"truncated PMD setting {kind}: {params.hex()}")
        out[kind] = [int.from_bytes(params[i + k * size: i + (k + 1) * size], "little")
                     for k in range(count)]
        i += count * size
    return out


def _signed(u: np.ndarray, bits: int) -> np.ndarray:
    """Two's complement of ``bits``-wide unsigned integers (int64)."""
    u = u.astype(np.int64)
    return u - ((u >> (bits - 1)) & 1) * (1 << bits)


def parse_delta_frame(content: bytes, channels: int, resolution: int) -> np.ndarray:
    """Decompress a PMD delta frame.

    Parameters
    ----------
    content : bytes
        Frame content after the 10-byte header.
    channels : int
        Channels per sample (3 for ACC and GYRO).
    resolution : int
        Bits of the reference sample (16, or 32 for float frames).

    Returns
    -------
    ndarray, shape (n, channels), int64
        Reference sample then each sample = previous + delta (not wrapped).

    Raises
    ------
    MalformedPacket
        Truncated reference sample or delta block, bad bit width.
    """
    nb = (resolution + 7) // 8
    off = channels * nb
    if len(content) < off:
        raise MalformedPacket(f"delta frame of {len(content)} bytes: reference sample truncated")
    ref = _signed(np.frombuffer(content[:off], np.uint8).reshape(channels, nb).astype(np.int64)
                  @ (1 << (8 * np.arange(nb, dtype=np.int64))), resolution)
    deltas = [ref[None, :]]
    # A short loop over blocks (a frame holds a few); each block is unpacked vectorised.
    while off < len(content):
        if off + 2 > len(content):
            raise MalformedPacket("delta block header truncated")
        width, count = content[off], content[off + 1]
        off += 2
        if not 1 <= width <= 32:
            raise MalformedPacket(f"delta bit width {width}")
        nbits = width * count * channels
        nbytes = (nbits + 7) // 8
        if off + nbytes > len(content):
            raise MalformedPacket(f"delta block of {count} samples x {width} bits truncated")
        bits = np.unpackbits(np.frombuffer(content, np.uint8, nbytes, off), bitorder="little")[:nbits]
        u = bits.reshape(-1, width).astype(np.int64) @ (1 << np.arange(width, dtype=np.int64))
        deltas.append(_signed(u, width).reshape(count, channels))
        off += nbytes
    return np.cumsum(np.concatenate(deltas), axis=0)


def parse_frame(data: bytes, factor: float = 1.0) -> tuple[int, int, np.ndarray]:
    """One PMD data frame of ACC or GYRO.

    Parameters
    ----------
    data : bytes
        The notification on the data characteristic.
    factor : float
        The stream's factor from the start response (1.0 when none came).

    Returns
    -------
    mtype : int
        0x02 (ACC) or 0x05 (GYRO).
    timestamp_ns : int
        Device time of the frame's last sample (ns).
    values : ndarray, shape (n, 3), float
        ACC in mG, GYRO in deg/s.

    Raises
    ------
    MalformedPacket
        Short frame, unknown measurement or frame type, content that does not
        fill whole samples, truncated delta block.
    """
    if len(data) < _HEADER + 1:
        raise MalformedPacket(f"PMD frame of {len(data)} bytes")
    mtype = data[0] & 0x3F
    if mtype not in (ACC, GYRO):
        raise MalformedPacket(f"PMD measurement type {data[0]:#04x} is not ACC or GYRO")
    ts = int.from_bytes(data[1:9], "little")
    ftype = data[9]
    kind, compressed = ftype & 0x7F, bool(ftype & 0x80)
    content = data[_HEADER:]
    if compressed:
        if kind not in (0, 1):
            raise MalformedPacket(f"compressed frame type {kind} of {TYPE_NAMES[mtype]}")
        if mtype == GYRO and kind == 1:
            raw = parse_delta_frame(content, 3, 32)
            # Float frames: deltas act on the IEEE-754 bit pattern (32-bit wrap).
            vals = (raw & 0xFFFFFFFF).astype(np.uint32).view(np.float32).astype(float)
        else:
            vals = parse_delta_frame(content, 3, 16).astype(float)
        vals = vals * factor
        if mtype == ACC and kind == 0:
            vals = vals * 1000.0  # compressed type 0 is in g
    else:
        if mtype != ACC or kind not in (0, 1, 2):
            raise MalformedPacket(f"raw frame type {kind} of {TYPE_NAMES[mtype]}")
        w = kind + 1
        if len(content) % (3 * w):
            raise MalformedPacket(f"raw ACC frame: {len(content)} bytes is not whole int{8 * w} xyz samples")
        b = np.frombuffer(content, np.uint8).reshape(-1, w).astype(np.int64)
        vals = _signed(b @ (1 << (8 * np.arange(w, dtype=np.int64))), 8 * w).reshape(-1, 3).astype(float)
    return mtype, ts, vals


class _Stream:
    """Sample times of one PMD stream (ns), as ``PmdTimeStampUtils`` spreads them."""

    def __init__(self, sampling_rate_hz: float) -> None:
        self.nominal = self.period = 1e9 / sampling_rate_hz
        self.prev: int | None = None
        self.frames = 0
        self.last_step: float | None = None
        self.t = np.empty(0)
        self.v = np.empty((0, 3))

    def times(self, ts: int, n: int) -> np.ndarray:
        k = np.arange(n)
        step = (ts - self.prev) / n if self.prev is not None else 0.0
        if (self.prev is not None and not 0.5 * self.period < step < 1.5 * self.period
                and 0.2 * self.nominal < step < 5.0 * self.nominal
                and (self.frames == 1 or (self.last_step is not None
                                          and abs(step - self.last_step) <= 0.02 * self.last_step))):
            # A device that samples at another rate than the one asked (the
            # emulated ``ignore-rate``): its second frame, or the same step
            # twice running, is its period. Frames are not lost within a
            # connection (BLE acknowledges them), so these are not holes.
            self.period = step
        self.last_step = step if self.prev is not None else None
        self.frames += 1
        if self.prev is not None and 0.5 * self.period < step < 1.5 * self.period:
            # Consecutive frames: spread over the span since the previous one
            # (tracks the device's real rate, as the SDK does) ...
            self.period += 0.05 * (step - self.period)
            t = self.prev + step * (k + 1)
        else:
            # ... first frame or frames lost in between: count back from this
            # frame's last sample at the nominal period, so the loss stays a gap.
            t = ts - self.period * (n - 1 - k)
        t[-1] = ts  # the frame's timestamp is its last sample's, exactly
        self.prev = ts
        return t


class PolarDecoder:
    """PMD ACC + GYRO frames -> 6-axis rows on the ACC sample times.

    Parameters
    ----------
    sampling_rate_hz : float
        Nominal rate of both streams (Hz): spreads a frame's samples when the
        previous frame is missing, and sizes what counts as a gyro hole.
    """

    MAX_PENDING_S = 5.0
    # Also capped by count: frames whose timestamps step by 1 ns stay within
    # MAX_PENDING_S for ever (765 000 samples piled up in a crafted stream).
    MAX_PENDING_SAMPLES = 4096
    REBOOT_BACK_NS = 2 * 10**9  # a frame this far behind its stream: the clock restarted

    def __init__(self, sampling_rate_hz: float = 52.0) -> None:
        self.streams = {ACC: _Stream(sampling_rate_hz), GYRO: _Stream(sampling_rate_hz)}
        self._late_frames: dict[int, list] = {ACC: [], GYRO: []}
        self.factor = {ACC: 1.0, GYRO: 1.0}
        self.settings: dict[int, dict[int, list[int]]] = {}

    def feed_reply(self, data: bytes) -> None:
        """A control-point indication: settings, and the start response's factor.

        Raises
        ------
        CommandRefused
            The device answered a start command with an error status.
        MalformedPacket
            Too short to be a response.
        """
        if len(data) >= 1 and data[0] != RESPONSE:
            return  # e.g. 0x01 "online measurement stopped" from the device
        if len(data) < 4:
            raise MalformedPacket(f"PMD control point response of {len(data)} bytes")
        op, mtype, status = data[1], data[2] & 0x3F, data[3]
        name = TYPE_NAMES.get(mtype, f"type {mtype:#04x}")
        if status != 0:
            if op == START and status != ALREADY_IN_STATE:
                what = STATUS[status] if status < len(STATUS) else f"status {status}"
                raise CommandRefused(f"start {name} refused: {what}")
            return
        params = parse_settings(bytes(data[5:]))  # none after the "more" byte: {}
        if op == GET_SETTINGS:
            self.settings[mtype] = params
        elif op == START and FACTOR in params and mtype in self.factor:
            factor = struct.unpack("<f", params[FACTOR][0].to_bytes(4, "little"))[0]
            # A NaN or absurd factor would turn every sample non-finite (the
            # saved file unreadable) or wrong: the session ends with the reason.
            if not (math.isfinite(factor) and 1e-6 < abs(factor) < 1e3):
                raise CommandRefused(f"start {name}: the device's scale factor is {factor!r}; "
                                     f"its samples cannot be converted")
            self.factor[mtype] = factor

    def feed(self, data: bytes) -> np.ndarray:
        """One data notification -> rows (n, 8): t (s), acc (m/s²), gyr (deg/s), NaN."""
        data = bytes(data)
        mtype, ts, vals = parse_frame(data, self.factor.get(data[0] & 0x3F, 1.0) if data else 1.0)
        if mtype == ACC:
            vals = vals * (G / 1000.0)
        s = self.streams[mtype]
        if s.prev is not None and ts <= s.prev:
            if ts > s.prev - self.REBOOT_BACK_NS:
                return self._late(mtype, ts, vals)
            # The device clock went far back (a reboot): the old buffers are
            # another timeline.
            for st in self.streams.values():
                st.prev, st.t, st.v = None, np.empty(0), np.empty((0, 3))
            self._late_frames = {ACC: [], GYRO: []}
        t = s.times(ts, len(vals))
        s.t = np.concatenate([s.t, t])
        s.v = np.concatenate([s.v, vals])
        return self._merge()

    def _late(self, mtype: int, ts: int, vals: np.ndarray) -> np.ndarray:
        """A frame not newer than its stream's last (duplicate or overtaken).

        The live buffers have moved on, so it is paired only with the other
        stream's late frame of the same timestamp; the rows go out (behind
        the newest) and the collector, seeing device time go back, counts and
        drops them. Never merged into the live stream: no row twice.
        """
        period = self.streams[mtype].period
        t = ts - period * np.arange(len(vals) - 1, -1, -1.0)
        mine, other = self._late_frames[mtype], self._late_frames[GYRO if mtype == ACC else ACC]
        for i, (ts2, t2, v2) in enumerate(other):
            if abs(ts2 - ts) <= 0.01 * period:
                del other[i]
                (ta, va), (tg, vg) = ((t, vals), (t2, v2)) if mtype == ACC else ((t2, v2), (t, vals))
                out = np.full((len(ta), 8), np.nan)
                out[:, 0] = ta * 1e-9
                out[:, 1:4] = va
                out[:, 4:7] = np.column_stack([np.interp(ta, tg, vg[:, c]) for c in range(3)])
                return out
        mine.append((ts, t, vals))
        del mine[:-4]  # a few are enough to pair a swapped ACC/GYRO frame pair
        return np.empty((0, 8))

    def _merge(self) -> np.ndarray:
        a, g = self.streams[ACC], self.streams[GYRO]
        out = np.empty((0, 8))
        if len(g.t) and len(a.t):
            # "On" a gyro sample: within 1 % of a period (the two streams' times
            # are computed from different frames, so equal instants differ by ns).
            tol = 0.01 * g.period
            ready = a.t <= g.t[-1] + tol
            ta = a.t[ready]
            j = np.minimum(np.searchsorted(g.t, ta), len(g.t) - 1)  # g.t[j] >= ta, or the last
            exact = (g.t[j] - ta <= tol) | ((j > 0) & (ta - g.t[np.maximum(j - 1, 0)] <= tol))
            span = np.where(j > 0, g.t[j] - g.t[np.maximum(j - 1, 0)], np.inf)
            # Interpolate only between gyro samples one period apart: an ACC sample
            # before the gyro stream began or inside a gyro hole is dropped.
            keep = exact | (span <= 1.5 * g.period)
            if keep.any():
                tk = ta[keep]
                out = np.full((len(tk), 8), np.nan)
                out[:, 0] = tk * 1e-9
                out[:, 1:4] = a.v[ready][keep]
                out[:, 4:7] = np.column_stack([np.interp(tk, g.t, g.v[:, c]) for c in range(3)])
            a.t, a.v = a.t[~ready], a.v[~ready]
            if len(ta):
                # Keep the gyro sample at or before the last ACC time used: the next
                # ACC samples interpolate from it.
                i0 = max(0, np.searchsorted(g.t, ta[-1], side="right") - 1)
                g.t, g.v = g.t[i0:], g.v[i0:]
        # Bounded memory when one stream stops (e.g. only ACC was started).
        for s in (a, g):
            if len(s.t) and s.t[-1] - s.t[0] > self.MAX_PENDING_S * 1e9:
                k = np.searchsorted(s.t, s.t[-1] - self.MAX_PENDING_S * 1e9)
                s.t, s.v = s.t[k:], s.v[k:]
            if len(s.t) > self.MAX_PENDING_SAMPLES:
                s.t, s.v = s.t[-self.MAX_PENDING_SAMPLES:], s.v[-self.MAX_PENDING_SAMPLES:]
        return out


def choose_settings(listed: dict[int, list[int]], sampling_rate_hz: float, mtype: int) -> dict[int, int]:
    """One value for every setting the device listed, as the SDK sends them.

    The sample rate nearest to ``sampling_rate_hz``; for resolution, range and
    channels the largest offered (heel strikes need the range). Without a
    listing (an old firmware): rate, 16 bit and the Verity Sense's range.
    """
    if not listed.get(SAMPLE_RATE):
        return {SAMPLE_RATE: nearest_rate(sampling_rate_hz), RESOLUTION: 16, RANGE: RANGES[mtype]}
    out = {}
    for kind, values in listed.items():
        if kind == FACTOR or not values:
            continue  # the factor comes back in the start response
        out[kind] = min(values, key=lambda r: abs(r - sampling_rate_hz)) if kind == SAMPLE_RATE else max(values)
    return out


async def _response(link, op: int, mtype: int) -> bytes:
    """Wait for the control point's answer to ``op`` (other indications are skipped)."""
    while True:
        data = await link.reply()
        if len(data) >= 3 and data[0] == RESPONSE and data[1] == op and data[2] & 0x3F == mtype:
            return data


async def start(link, sampling_rate_hz: float) -> None:
    """Ask each stream's settings, then start it with every listed setting,
    one control-point write at a time (each waits for its response)."""
    for m in (ACC, GYRO):
        await link.write(CONTROL, bytes([GET_SETTINGS, m]))
        try:
            await _response(link, GET_SETTINGS, m)
        except MalformedPacket:
            # Cut off (a 23-byte ATT MTU truncates the listing): start with
            # the Verity Sense's settings instead.
            link.decoder.settings.pop(m, None)
            link.warn(f"the {TYPE_NAMES[m]} settings answer was cut off; starting with defaults")
    for m in (ACC, GYRO):
        chosen = choose_settings(link.decoder.settings.get(m, {}), sampling_rate_hz, m)
        await link.write(CONTROL, bytes([START, m]) + settings_bytes(chosen))
        await _response(link, START, m)  # a refusal raises CommandRefused


async def stop(link) -> None:
    for m in (ACC, GYRO):
        await link.write(CONTROL, bytes([STOP, m]))
        await _response(link, STOP, m)


def _start(sampling_rate_hz: float) -> list:
    rate = nearest_rate(sampling_rate_hz)
    cmds = [(CONTROL, bytes([GET_SETTINGS, m])) for m in (ACC, GYRO)]
    for m in (ACC, GYRO):
        cmds.append((CONTROL, bytes([START, m]) + settings_bytes(
            {SAMPLE_RATE: rate, RESOLUTION: 16, RANGE: RANGES[m]})))
    return cmds


PROFILE = Profile(
    key="polar", name_prefixes=("Polar Sense",),
    advertised_name="Polar Sense",
    service_uuid=SERVICE, notify_uuid=DATA, control_uuid=CONTROL, reply_uuid=CONTROL,
    sampling_rate_hz=52.0, has_clock=True, acc_quantum=G / 1000.0, gyr_quantum=GYR_FACTOR,
    start_commands=_start,
    stop_commands=lambda: [(CONTROL, bytes([STOP, m])) for m in (ACC, GYRO)],
    make_decoder=PolarDecoder, make_encoder=None, start=start, stop=stop, acc_range_g=8.0,
    setup_advice="toehold reads the Polar Measurement Data service of Polar's own firmware "
                 "(Verity Sense); update the sensor with Polar Flow if it is missing.",
)
