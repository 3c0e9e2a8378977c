"""Live acquisition from BLE IMUs with bleak, device-agnostic via :mod:`sensors.devices`.

Per device: find it (by name, or only that address when one is given),
connect (``bleak_retry_connector.establish_connection``, which retries the
transient failures real adapters produce), subscribe, send the start
commands, decode notifications, put samples on the session clock and hand
them to a :class:`sensors.stream.SampleSink`. When the link drops the
device is reconnected until ``give_up_after_s``; rows on both sides are
kept and the hole is reported with ``on_gap``. Malformed notifications are
counted, never raised. A link that stays up but stops notifying for
``stall_timeout_s`` is dropped and reconnected (which sends the start
commands again).

Duplicated and out-of-order notifications: for a device with a packet
counter (or a clock), a packet that is not ahead of the last one taken (a
retransmitted duplicate, or one overtaken by its successor) is dropped and
counted in ``DeviceStats.late_packets``, so no sample is written twice and
``t`` never goes back. A device with neither cannot be told apart from one
whose readings repeat; its packets are taken as they come.

Session clock: every device of one :class:`Collector` shares ``t = 0`` (the
session start, ``loop.time()``), so two sensors' files line up.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import re
import time
from typing import Any

import numpy as np
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError

from sensors.contract import GAP_FACTOR
from sensors.devices import Profile, get_profile, recognise
from sensors.devices.base import CommandRefused, DeviceLink, MalformedPacket, SetupFailed
from sensors.stream import SampleSink

log = logging.getLogger(__name__)
# Devices remembered from one scan (a crowded room, or a flood of forged
# advertisements, cannot grow it without bound).
_MAX_CANDIDATES = 64
_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f-]{36}$")


# A device clock that runs ahead of the arrivals by more than this (s)
# between two packets has leapt (not drifted) and is re-anchored.
MAX_CLOCK_LEAP_S = 10.0


class CollectorError(RuntimeError):
    """A device could not be recorded; the message says which and why."""


class SetupError(SetupFailed):
    """The device answered but cannot be recorded as it is (no service,
    refused command, needs pairing): retrying will not help."""


class ScannerError(CollectorError):
    """The adapter's scanner failed (as opposed to: the device was not seen)."""


@dataclasses.dataclass
class Target:
    """One device to record.

    Attributes
    ----------
    key : str
        Name used with the sink (one file per key).
    device : str or None
        Advertised name (prefix) or address; None: the first recognised device.
    type : str or None
        Profile key; None: recognised from the advertisement.
    """

    key: str
    device: str | None = None
    type: str | None = None

    @property
    def is_address(self) -> bool:
        return bool(self.device and _ADDRESS.match(self.device))


@dataclasses.dataclass
class DeviceStats:
    """Live counters of one device (what the live view shows)."""

    state: str = "idle"
    name: str = ""
    address: str = ""
    type: str = ""
    samples: int = 0
    packets: int = 0
    malformed: int = 0
    lost_packets: int = 0
    late_packets: int = 0
    reconnects: int = 0
    gaps: list = dataclasses.field(default_factory=list)
    last_t: float = float("nan")
    first_t: float = float("nan")
    rate_window: list = dataclasses.field(default_factory=list)
    last_reconnect_s: float = float("nan")
    warnings: list = dataclasses.field(default_factory=list)

    def effective_rate_hz(self) -> float:
        """Samples per second over the last ~2 s of arrivals."""
        w = self.rate_window
        if len(w) < 2 or w[-1][0] <= w[0][0]:
            return 0.0
        return (w[-1][1] - w[0][1]) / (w[-1][0] - w[0][0])


class _RateMeter:
    """Samples per second from packet times (arrival, or the device clock).

    The slope of a least-squares line through (packet time, samples so far),
    pooled over segments. A segment is one connection; a pause of more than
    ``break_s`` inside one also starts a new one, so a stall does not count
    as slow sampling. Notifications that arrive in bursts (a host stack
    delivering several connection events at once) make a staircase whose
    slope is still the rate, where first-to-last counting would be off by a
    burst.
    """

    def __init__(self, break_s: float = 0.5) -> None:
        self.break_s = break_s
        self.sxx = 0.0   # pooled sums of squares and products about each segment's means
        self.sxy = 0.0
        self.span = 0.0
        self._seg: list | None = None

    def _moments(self) -> tuple[float, float, float]:
        n, t0, t1, st, sc, stt, stc, c = self._seg
        if n < 2:
            return 0.0, 0.0, 0.0
        return stt - st * st / n, stc - st * sc / n, t1 - t0

    def new_segment(self) -> None:
        if self._seg is not None:
            sxx, sxy, span = self._moments()
            self.sxx += sxx
            self.sxy += sxy
            self.span += span
        self._seg = None

    def add(self, n: int, t: float) -> None:
        if self._seg is not None and not 0 <= t - self._seg[2] <= self.break_s:
            self.new_segment()
        if self._seg is None:
            self._seg = [0, t, t, 0.0, 0.0, 0.0, 0.0, 0]
        seg = self._seg
        seg[7] += n
        x, y = t - seg[1], float(seg[7])
        seg[0] += 1
        seg[2] = t
        seg[3] += x
        seg[4] += y
        seg[5] += x * x
        seg[6] += x * y

    def span_s(self) -> float:
        return self.span + (self._moments()[2] if self._seg is not None else 0.0)

    def sampling_rate_hz(self) -> float:
        sxx, sxy = self.sxx, self.sxy
        if self._seg is not None:
            a, b, _ = self._moments()
            sxx, sxy = sxx + a, sxy + b
        return sxy / sxx if sxx > 0 else float("nan")


class _Clock:
    """Maps decoded samples onto the session clock.

    With a device clock: a fixed offset set at the first packet (arrival time
    minus device time), kept across reconnects while the device clock runs on
    (re-anchored if it went backwards, i.e. the device rebooted). Without one:
    consecutive samples one ``period`` apart (the *measured* period: such
    devices may not give the rate they were asked for), pulled slowly toward
    arrival; re-anchored on arrival at each new connection, or when arrivals
    run more than a second ahead (samples were lost with the link up).
    """

    def __init__(self, sampling_rate_hz: float, has_clock: bool, ahead_s: float = 1.0) -> None:
        self.period = 1.0 / sampling_rate_hz
        self.ahead_s = ahead_s
        self.has_clock = has_clock
        self.offset: float | None = None
        self.last_dev = -np.inf
        self.last_arrival = 0.0
        self.last_t: float | None = None
        self.fresh = True

    def new_connection(self) -> None:
        self.fresh = True

    def stamp(self, dev_t: np.ndarray, arrival: float) -> np.ndarray:
        n = len(dev_t)
        if self.has_clock and np.all(np.isfinite(dev_t)):
            leap = (self.offset is not None and
                    (dev_t[-1] - self.last_dev) - (arrival - self.last_arrival) > MAX_CLOCK_LEAP_S)
            if self.offset is None or dev_t[0] < self.last_dev or leap:
                # The first packet of a connection (the collector drops late
                # packets within one), or a device clock that leapt far ahead
                # between two packets (a forged or broken clock could push t
                # to 1e7 s in 200 packets): anchored to the arrivals again.
                self.offset = arrival - dev_t[-1]
            self.last_dev = float(dev_t[-1])
            self.last_arrival = arrival
            t = dev_t + self.offset
        else:
            k = np.arange(1, n + 1) * self.period
            # Within one connection BLE notifications are acknowledged: a
            # pause in arrivals is the host (a busy loop, a stack delivering
            # in bursts), not lost samples, so t runs on at the period.
            if self.last_t is None or self.fresh or arrival - (self.last_t + k[-1]) > self.ahead_s:
                t = arrival - (n - 1 - np.arange(n)) * self.period
            else:
                t = self.last_t + k
                # Pull slowly toward arrival so drift cannot accumulate,
                # without passing on radio jitter or bursts.
                t += 0.01 * (arrival - t[-1])
        self.fresh = False
        if self.last_t is not None:
            # t never decreases (contract), even if arrival jitter says otherwise.
            t = np.maximum(t, self.last_t + 1e-6 * np.arange(1, n + 1))
        self.last_t = float(t[-1])
        return t


def count_lost(last_seq: float | None, seqs: np.ndarray) -> tuple[int, float]:
    """Packets missing before a decoded batch, from the device's u16 packet counter.

    Parameters
    ----------
    last_seq : float or None
        Counter of the last packet taken (None: none yet).
    seqs : ndarray, shape (n,)
        The batch's counter per row (a packet's rows share it; a decoder may
        hand over two packets at once).

    Returns
    -------
    (lost, last_seq) : (int, float)
        Counter steps of more than one, modulo 2**16, are lost packets; a
        step of half the counter's range or more is a packet behind, not
        ahead (counted late elsewhere), and loses none.
    """
    if seqs[0] == seqs[-1]:
        # One packet's rows, the usual case: scalar arithmetic (numpy's
        # per-call overhead on a 4-row packet was most of this step's cost).
        step = (float(seqs[0]) - last_seq) % 65536 if last_seq is not None else 1.0
        return (int(step) - 1 if 1 < step < 32768 else 0), float(seqs[0])
    new = np.ones(len(seqs), bool)
    np.not_equal(seqs[1:], seqs[:-1], out=new[1:])
    chain = seqs[new]
    steps = (np.diff(chain) if last_seq is None else np.diff(chain, prepend=last_seq)) % 65536
    return int(np.sum(np.where((steps > 1) & (steps < 32768), steps - 1, 0))), float(chain[-1])


# An ATT error (or the stacks' words for it) from a GATT operation on a live
# link: the device answered, so retrying will not help.
_AUTH_ERROR = re.compile(r"authenticat|encrypt|not ?paired|pairing|notpermitted|notauthorized|"
                         r"att error: 0x0(5|8|f)\b|protocol error 0x0(5|8|f)\b", re.I)
_ATT_ERROR = re.compile(r"att error|protocol error|not permitted|not supported|notsupported|rejected", re.I)
# What a stack says when a UUID is not in the (possibly cached) service table.
_NOT_FOUND = re.compile(r"characteristic .*not found|service .*not found|not found", re.I)


class _Link(DeviceLink):
    """:class:`sensors.devices.base.DeviceLink` over a connected bleak client."""

    def __init__(self, client, uuids: dict, decoder, state: dict, replies: asyncio.Queue, warn,
                 disconnected: asyncio.Event, no_answer, timeout_s: float) -> None:
        self.client, self.uuids, self.decoder, self.state = client, uuids, decoder, state
        self.replies = replies
        self.warn = warn
        self.disconnected = disconnected
        self.no_answer = no_answer
        self.timeout_s = timeout_s

    async def write(self, uuid: str, payload: bytes) -> None:
        await self.client.write_gatt_char(self.uuids.get(uuid, uuid), payload, response=True)

    async def read(self, uuid: str) -> bytes:
        return bytes(await self.client.read_gatt_char(self.uuids.get(uuid, uuid)))

    async def reply(self, timeout_s: float | None = None) -> bytes:
        timeout_s = timeout_s or self.timeout_s
        get = asyncio.ensure_future(self.replies.get())
        gone = asyncio.ensure_future(self.disconnected.wait())
        try:
            await asyncio.wait([get, gone], timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            if not get.done():
                get.cancel()
        if not get.done() or get.cancelled():
            if self.disconnected.is_set():
                raise BleakError("disconnected while waiting for an answer")
            raise CollectorError(self.no_answer(timeout_s))
        item = get.result()
        if isinstance(item, Exception):
            raise item
        return item


class Collector:
    """Record one or more BLE IMUs into a sink.

    Parameters
    ----------
    sink : SampleSink
    client_backend, scanner_backend : type, optional
        bleak backend classes (``sensors.ble.bumble_backend.BumbleClient`` /
        ``BumbleScanner`` for the virtual link); None: the platform's.
    give_up_after_s : float
        Stop reconnecting after the link has been down this long (s); also
        the time allowed to get a first connection going.
    start_timeout_s : float
        Time (s) allowed from the start command to the first sample.
    scan_timeout_s : float
        Time (s) allowed to find each device.
    stall_timeout_s : float
        A connected device silent this long (s) is disconnected and
        reconnected, as for a dropped link.
    sampling_rate_hz : float, optional
        Rate to ask for (default: the profile's nominal ~100 Hz).
    max_backoff_s : float
        Longest wait between two connection tries (s); the waits grow
        exponentially up to it, with ±50 % jitter.
    time_scale : float
        Session seconds per wall-clock second: an emulated sensor streaming
        ``speed`` times faster than real time is stamped (and its rate
        measured) on its own time scale, so a clockless device's samples keep
        their spacing; timeouts stay in wall-clock seconds.
    match_window_s : float
        When a device is chosen by name (or as any recognised sensor), how
        long (s) the scan goes on after the first match to hear any other
        device that matches too (several matches are refused).

    Notes
    -----
    Setup failures (the device lacks the service, refuses a command, asks
    for pairing) end the device's recording at once with the cause and what
    to do (:class:`SetupError`); only a lost link is retried. Devices
    without a sample clock are stamped at their *measured* rate: the first
    ``calibrate_s`` of samples is held back until the rate is known.
    """

    calibrate_s = 0.75
    rate_check_s = 3.0

    def __init__(self, sink: SampleSink, *, client_backend=None, scanner_backend=None,
                 give_up_after_s: float = 30.0, start_timeout_s: float = 5.0,
                 scan_timeout_s: float = 10.0, sampling_rate_hz: float | None = None,
                 connect_attempts: int = 3, stall_timeout_s: float = 3.0,
                 max_backoff_s: float = 2.0, match_window_s: float = 3.0, time_scale: float = 1.0) -> None:
        self.sink = sink
        self.time_scale = float(time_scale)
        self.client_backend = client_backend
        self.scanner_backend = scanner_backend
        self.give_up_after_s = give_up_after_s
        self.start_timeout_s = start_timeout_s
        self.scan_timeout_s = scan_timeout_s
        self.sampling_rate_hz = sampling_rate_hz
        self.connect_attempts = connect_attempts
        self.stall_timeout_s = stall_timeout_s
        self.max_backoff_s = max_backoff_s
        self.match_window_s = match_window_s
        self.stats: dict[str, DeviceStats] = {}
        self.profiles: dict[str, Profile] = {}
        self.meters: dict[str, _RateMeter] = {}
        self.t0: float | None = None
        self.start_wall: float | None = None
        self._stop = asyncio.Event()
        self._lock_scan = asyncio.Lock()
        # Scans and connection attempts one at a time: an adapter refuses a
        # second LE Create Connection while one is pending (bumble's
        # controller too, and its host then loses track of the link), and
        # initiating stops a running scan.
        self._lock_connect = self._lock_scan

    # ---- helpers ------------------------------------------------------
    def now(self) -> float:
        """Seconds since the session start."""
        return asyncio.get_running_loop().time() - self.t0

    def _status(self, key: str, text: str, state: str | None = None) -> None:
        st = self.stats[key]
        if state:
            st.state = state
        self.sink.on_status(key, text)

    def _warn(self, key: str, text: str) -> None:
        st = self.stats[key]
        if text not in st.warnings:
            st.warnings.append(text)
            log.warning("%s: %s", key, text)
            self.sink.on_status(key, text)

    def stop(self) -> None:
        """Ask every device loop to end (Ctrl-C, duration reached)."""
        self._stop.set()

    def asked_rate_hz(self, key: str) -> float:
        return self.sampling_rate_hz or self.profiles[key].sampling_rate_hz

    def declared_sampling_rate_hz(self, key: str) -> float:
        """The rate to declare in the file: measured once known, else the asked one.

        Within 1 % of the asked rate the asked (nominal) rate is kept.
        """
        asked = self.asked_rate_hz(key)
        meter = self.meters.get(key)
        if meter is None or meter.span_s() < self.calibrate_s:
            return asked
        rate = meter.sampling_rate_hz()
        if not np.isfinite(rate) or abs(rate - asked) <= 0.01 * asked:
            return asked
        return float(round(rate, 2))

    def _gap_rate_hz(self, key: str) -> float:
        """The rate that sizes a gap: a device clock's rate is known from its
        second packet on; otherwise the declared one."""
        meter, asked = self.meters.get(key), self.asked_rate_hz(key)
        if meter is not None and self.profiles[key].has_clock:
            r = meter.sampling_rate_hz()
            if np.isfinite(r) and asked / 10 < r < asked * 10:
                return r
        return self.declared_sampling_rate_hz(key)

    def _bleak_kwargs(self) -> dict[str, Any]:
        return {"backend": self.client_backend} if self.client_backend else {}

    async def _find(self, target: Target, timeout_s: float | None = None):
        """The one advertiser that ``target`` names.

        An address is unique: the first advertisement from it ends the scan.
        A name (or no name: any recognised sensor) is matched over a whole
        window, because the first advertiser is not necessarily the right
        one (anything nearby can advertise "WT901BLE67"): the scan goes on
        for ``match_window_s`` after the first match (sensors advertise
        every 0.02–1 s, so each one in range is heard), then an exact
        name beats a prefix, and if several devices still match the scan is
        refused with their addresses, so the user can pick one with
        ``--device ADDRESS``.
        """
        kw = {"backend": self.scanner_backend} if self.scanner_backend else {}
        taken = {s.address for k, s in self.stats.items() if k != target.key and s.address}

        def match(dev, adv) -> bool:
            if dev.address in taken:
                return False
            if target.is_address:
                return dev.address.upper() == target.device.upper()
            if target.device:
                return bool(adv.local_name) and adv.local_name.startswith(target.device)
            kind = recognise(adv.local_name, adv.service_uuids)
            return kind is not None and (target.type is None or kind == target.type)

        # One scan at a time: a real adapter cannot run two.
        async with self._lock_scan:
            found: dict[str, tuple] = {}

            def cb(dev, adv):
                if len(found) < _MAX_CANDIDATES and match(dev, adv):
                    found[dev.address.upper()] = (dev, adv)
                    if target.is_address:
                        done.set()

            done = asyncio.Event()
            window = timeout_s or self.scan_timeout_s
            try:
                async with BleakScanner(detection_callback=cb, **kw):
                    loop = asyncio.get_running_loop()
                    end = loop.time() + window
                    first_seen = None
                    while not done.is_set() and loop.time() < end:
                        if found and first_seen is None:
                            first_seen = loop.time()
                            end = min(end, first_seen + self.match_window_s)
                        try:
                            await asyncio.wait_for(done.wait(), min(0.1, max(end - loop.time(), 0)))
                        except TimeoutError:
                            pass
            except (OSError, BleakError) as err:
                # No adapter, BlueZ not running, no permission: say so plainly.
                raise ScannerError(
                    f"Bluetooth is not available ({err}); check the adapter and that BlueZ "
                    f"is running, or try --emulate witmotion") from err
        what = f"address {target.device}" if target.is_address else (
            f"name {target.device!r}" if target.device else "recognised sensor")
        if not found:
            raise CollectorError(f"{target.key}: no device with {what} found within "
                                 f"{timeout_s or self.scan_timeout_s:g} s")
        if target.device and not target.is_address:
            exact = {a: f for a, f in found.items() if f[1].local_name == target.device}
            found = exact or found
        if len(found) > 1:
            listed = ", ".join(f"{f[1].local_name or '?'} {a}" for a, f in sorted(found.items()))
            raise CollectorError(
                f"{target.key}: {len(found)} devices match {what} ({listed}); choose one "
                f"with --device ADDRESS")
        return next(iter(found.values()))

    async def _connect(self, ble_device, name: str, on_disconnect, use_cache: bool = True) -> BleakClient:
        from bleak_retry_connector import establish_connection

        try:
            async with self._lock_connect:
                return await establish_connection(
                    BleakClient, ble_device, name, disconnected_callback=on_disconnect,
                    max_attempts=self.connect_attempts, use_services_cache=use_cache,
                    **self._bleak_kwargs())
        except Exception as err:  # BleakNotFoundError, BleakConnectionError, …
            raise BleakError(str(err)) from err

    def _backoff_s(self, tries: int, err: BaseException | None) -> float:
        """Wait before connection try ``tries + 1``: exponential from the
        error's own backoff (bleak-retry-connector's table), ±50 % jitter."""
        from bleak_retry_connector import calculate_backoff_time

        base = max(0.1, calculate_backoff_time(err) if isinstance(err, Exception) else 0.1)
        return min(self.max_backoff_s, base * 2 ** (tries - 1)) * random.uniform(0.5, 1.5)

    @staticmethod
    async def _first_of(*events: asyncio.Event, timeout_s: float) -> None:
        """Wait until one of ``events`` is set; asyncio.TimeoutError after ``timeout_s``."""
        waits = [asyncio.ensure_future(e.wait()) for e in events]
        try:
            done, _ = await asyncio.wait(waits, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
        if not done:
            raise TimeoutError

    async def _sleep_unless_stopped(self, delay_s: float) -> None:
        try:
            await asyncio.wait_for(self._stop.wait(), delay_s)
        except TimeoutError:
            pass

    # ---- main loops ---------------------------------------------------
    async def run(self, targets: list[Target], duration_s: float | None = None) -> dict[str, DeviceStats]:
        """Record every target until ``stop()``, ``duration_s`` or a device fails.

        Raises
        ------
        CollectorError
            A device was not found, could not be set up (:class:`SetupError`),
            never started streaming, or stayed disconnected longer than
            ``give_up_after_s``. The other devices are stopped and everything
            received so far has been delivered.
        """
        loop = asyncio.get_running_loop()
        self.t0 = loop.time()
        self.start_wall = time.time()
        for t in targets:
            self.stats[t.key] = DeviceStats()
        tasks = [asyncio.create_task(self._run_device(t), name=t.key) for t in targets]
        if duration_s is not None:
            loop.call_later(duration_s, self._stop.set)
        try:
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                if task.exception() is not None:
                    self._stop.set()
                    await asyncio.gather(*pending, return_exceptions=True)
                    raise task.exception()
        finally:
            self._stop.set()
            for task in tasks:
                if not task.done():
                    task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return self.stats

    def _resolve(self, client, profile: Profile, what: str) -> dict:
        """The device's UUIDs for the profile's (its first layout the device has).

        Raises
        ------
        SetupError
            None of the profile's services (or its characteristics) is there.
        """
        services = client.services
        layouts = [(profile.service_uuid, profile.notify_uuid, profile.control_uuid),
                   *profile.alternatives]
        for service, notify, control in layouts:
            svc = services.get_service(service) if services is not None else None
            if svc is None:
                continue
            uuids = {profile.service_uuid: service, profile.notify_uuid: notify}
            if profile.control_uuid:
                uuids[profile.control_uuid] = control
            if profile.reply_uuid:
                uuids[profile.reply_uuid] = uuids.get(profile.reply_uuid, profile.reply_uuid)
            missing = [u for u in {notify, control} if u and svc.get_characteristic(u) is None]
            if missing:
                raise SetupError(f"{what} has the {profile.key} service but not its characteristic "
                                 f"{missing[0]}. {profile.setup_advice}".strip())
            return uuids
        raise SetupError(f"{what} has no {profile.key} service ({profile.service_uuid}): it is "
                         f"not running the firmware toehold talks to. {profile.setup_advice}".strip())

    @staticmethod
    def _classify(err: BaseException, what: str, action: str) -> SetupError | None:
        """A GATT error on a live link as a setup failure (None: treat as link loss)."""
        text = str(err)
        if _AUTH_ERROR.search(text):
            return SetupError(
                f"{what} asks for pairing (bonding) before it accepts {action}: pair it once "
                f"in the system's Bluetooth settings (Linux: bluetoothctl, then 'pair' and "
                f"'trust' with its address) and record again ({text})")
        if _ATT_ERROR.search(text):
            return SetupError(f"{what} refused {action} ({text}); check its firmware and battery, "
                              f"or switch it off and on")
        return None

    async def _run_device(self, target: Target) -> None:
        key = target.key
        st = self.stats[key]
        self._status(key, "scanning", "scanning")
        ble_device, adv = await self._find(target)
        kind = target.type or recognise(adv.local_name, adv.service_uuids) or "generic"
        profile = get_profile(kind)
        self.profiles[key] = profile
        st.name, st.address, st.type = adv.local_name or "", ble_device.address, kind
        what = f"{st.name or kind} {st.address}".strip()
        rate = self.asked_rate_hz(key)
        clock = _Clock(rate, profile.has_clock, ahead_s=1.0 * self.time_scale)
        meter = self.meters[key] = _RateMeter()
        decoder = profile.make_decoder()
        state: dict = {}  # the profile's per-session storage (settings to restore)
        lost_at: float | None = None
        last_seq: float | None = None
        order = {"fresh": True, "behind": 0, "last_arrival": 0.0}
        # Devices without a clock: samples held until the rate is measured.
        pending: list = []
        connection_no = 0
        calibrated = profile.has_clock
        tries = 0                 # failed connection tries since the last stream
        last_err: BaseException | None = None
        first_try_at = self.now()
        cache_refreshed = False
        scanner_failures = 0

        def deliver_stamped(rows: np.ndarray, arrival: float) -> None:
            t = clock.stamp(rows[:, 0], arrival)
            out = np.empty((len(rows), 8))
            out[:, 0] = t
            out[:, 1:7] = rows[:, 1:7]
            out[:, 7] = rows[:, 7] if rows.shape[1] > 7 else np.nan
            self._deliver(key, out)

        def calibrate() -> None:
            nonlocal calibrated
            clock.period = 1.0 / self.declared_sampling_rate_hz(key)
            calibrated = True
            held, pending[:] = list(pending), []
            conn = None
            for rows, arrival, c in held:
                if conn is not None and c != conn:
                    clock.new_connection()  # a reconnect inside the held stretch: a real hole
                conn = c
                deliver_stamped(rows, arrival)

        discarded = [0]

        def count_discarded() -> None:
            # Broken packets a reassembling decoder dropped (seen only later).
            d = getattr(decoder, "discarded", 0)
            if d > discarded[0]:
                st.malformed += d - discarded[0]
                discarded[0] = d

        rate_checked = False

        def no_answer(timeout_s: float) -> str:
            return f"{key}: {what} did not answer its start command within {timeout_s:g} s (no data)"

        def check_rate() -> None:
            nonlocal rate_checked
            rate_checked = True
            declared = self.declared_sampling_rate_hz(key)
            if declared != rate:
                source = "its clock" if profile.has_clock else "arrivals"
                self._warn(key, f"asked for {rate:g} Hz but {st.name or kind} sends about "
                                f"{declared:.3g} Hz (measured from {source}); the file declares "
                                f"the measured rate")

        try:
            while not self._stop.is_set():
                if tries:
                    since = lost_at if lost_at is not None else first_try_at
                    remaining = self.give_up_after_s - (self.now() - since)
                    if remaining <= 0:
                        if lost_at is not None:
                            raise CollectorError(
                                f"{key}: link lost at {lost_at:.1f} s and not back after "
                                f"{self.give_up_after_s:g} s; giving up")
                        raise CollectorError(f"{key}: cannot connect to {what} within "
                                             f"{self.give_up_after_s:g} s: {last_err}")
                    delay = min(self._backoff_s(tries, last_err), remaining)
                    log.info("%s: connection try %d failed (%s); next in %.2f s", key, tries, last_err, delay)
                    await self._sleep_unless_stopped(delay)
                    if self._stop.is_set():
                        break
                else:
                    remaining = None
                disconnected = asyncio.Event()
                first_packet = asyncio.Event()
                self._status(key, f"connecting to {st.name} {st.address}", "connecting")
                log.info("%s: connecting to %s (try %d)", key, what, tries + 1)
                if lost_at is not None:
                    # A device is connectable only while it advertises: wait for
                    # it to show up again before the (slow-failing) connect.
                    try:
                        ble_device, _adv = await self._find(Target(key, st.address),
                                                            timeout_s=min(remaining or self.scan_timeout_s,
                                                                          self.scan_timeout_s))
                        scanner_failures = 0
                    except ScannerError as err:
                        # The adapter itself failed: say so, wait, and stop after a few.
                        scanner_failures += 1
                        log.warning("%s: scanner failed while reconnecting (%s)", key, err)
                        if scanner_failures >= 3:
                            raise CollectorError(f"{key}: {err}") from err
                        tries, last_err = tries + 1, err
                        continue
                    except CollectorError as err:
                        tries, last_err = tries + 1, err
                        continue
                try:
                    client = await asyncio.wait_for(
                        self._connect(ble_device, st.name or st.address, lambda _c: disconnected.set(),
                                      use_cache=not cache_refreshed),
                        remaining if remaining is not None else max(self.give_up_after_s, 1.0))
                except (TimeoutError, BleakError) as err:
                    tries, last_err = tries + 1, err if str(err) else BleakError("connection timed out")
                    continue

                order["fresh"] = True
                clock.new_connection()
                connection_no += 1
                meter.new_segment()
                replies: asyncio.Queue = asyncio.Queue()

                def on_notify(_char, data: bytearray) -> None:
                    nonlocal last_seq
                    arrival = self.now()
                    order["last_arrival"] = arrival
                    arrival *= self.time_scale  # session time (emulation faster than real time)
                    st.packets += 1
                    try:
                        try:
                            dec = decoder.feed(bytes(data))
                        finally:
                            count_discarded()
                        rows = np.asarray(dec, float)
                        if rows.size == 0:
                            return
                        if rows.ndim != 2 or rows.shape[1] < 7 or not np.isfinite(rows[:, 1:7]).all():
                            # A NaN or infinite reading (a forged packet, a bad
                            # scale factor) would make the saved file unreadable.
                            raise ValueError("non-finite or misshapen decoded values")
                    except CommandRefused as err:  # an answer on the data characteristic (Movesense)
                        replies.put_nowait(err)
                        first_packet.set()
                        return
                    except Exception as err:  # any decoder failure is a bad packet, not a crash
                        st.malformed += 1
                        log.debug("%s: malformed notification (%s): %s", key, err, bytes(data).hex())
                        return
                    seq = rows[0, 7] if rows.shape[1] > 7 else np.nan
                    if self._is_late(rows, seq, last_seq, clock, order):
                        st.late_packets += 1
                        return
                    order["fresh"] = False
                    if np.isfinite(seq) and np.isfinite(rows[:, 7]).all():
                        # Each packet's counter once: a decoder may hand over
                        # two at once (the DIY board's first waits for the second).
                        lost, last_seq = count_lost(last_seq, rows[:, 7])
                        st.lost_packets += lost
                    meter.add(len(rows), arrival if not profile.has_clock else float(rows[-1, 0]))
                    first_packet.set()
                    if not calibrated:
                        pending.append((rows, arrival, connection_no))
                        if meter.span_s() >= self.calibrate_s:
                            calibrate()
                        return
                    if not profile.has_clock and meter.span_s() >= self.calibrate_s:
                        clock.period = 1.0 / self.declared_sampling_rate_hz(key)
                    if not rate_checked and meter.span_s() >= self.rate_check_s:
                        check_rate()
                    deliver_stamped(rows, arrival)

                def on_reply(_char, data: bytearray) -> None:
                    # Command replies (e.g. a control point's status): a decoder
                    # that needs them (stream settings) takes them; a bad one is
                    # a malformed packet like any other.
                    feed_reply = getattr(decoder, "feed_reply", None)
                    if feed_reply is None:
                        return
                    try:
                        feed_reply(bytes(data))
                        replies.put_nowait(bytes(data))
                    except CommandRefused as err:
                        # The device said no (e.g. a rate it does not offer): no
                        # data will come, so end the wait for it with the reason.
                        replies.put_nowait(err)
                        first_packet.set()
                    except Exception as err:  # noqa: BLE001 — counted, never raised
                        st.malformed += 1
                        log.debug("%s: malformed reply (%s): %s", key, err, bytes(data).hex())
                        if isinstance(err, MalformedPacket):
                            replies.put_nowait(err)  # a start sequence waiting for it decides

                step = "subscribing"
                try:
                    uuids = self._resolve(client, profile, what)
                    mtu = getattr(client, "mtu_size", 247)
                    if mtu < profile.min_mtu and (disconnected.is_set() or not getattr(client, "is_connected", True)):
                        # A link dropped since the connect reads as the 23-byte
                        # minimum (a device that drops its first connections,
                        # a loaded machine): lost, so retried, not too small.
                        raise BleakError("disconnected before streaming")
                    if mtu < profile.min_mtu:
                        raise SetupError(f"{what}: the link's packet size (ATT MTU {mtu}) is below the "
                                         f"{profile.min_mtu} its data needs; use a newer Bluetooth "
                                         f"adapter or system")
                    await client.start_notify(uuids[profile.notify_uuid], on_notify)
                    if profile.reply_uuid and profile.reply_uuid != profile.notify_uuid:
                        await client.start_notify(uuids[profile.reply_uuid], on_reply)
                    step = "the start command"
                    link = _Link(client, uuids, decoder, state, replies, lambda text: self._warn(key, text),
                             disconnected, no_answer, self.start_timeout_s)
                    if profile.start is not None:
                        await profile.start(link, rate)
                    else:
                        for uuid, payload in profile.start_commands(rate):
                            await link.write(uuid, payload)
                    try:
                        # Data, the link dropping or the session ending: whichever comes first.
                        await self._first_of(first_packet, disconnected, self._stop, timeout_s=self.start_timeout_s)
                        if disconnected.is_set() and not first_packet.is_set():
                            raise BleakError("disconnected before streaming") from None
                        while not replies.empty():
                            item = replies.get_nowait()
                            if isinstance(item, Exception):
                                raise item
                    except TimeoutError:
                        if disconnected.is_set():
                            raise BleakError("disconnected before streaming") from None
                        raise CollectorError(no_answer(self.start_timeout_s)) from None
                except SetupError as err:
                    await self._close(client)
                    if not cache_refreshed and "service" in str(err):
                        # A firmware update changes the services, and BlueZ may
                        # still hold the old table: refresh it once and look again.
                        cache_refreshed = True
                        await self._clear_cache(st.address)
                        log.info("%s: %s; refreshing the service cache and trying once more", key, err)
                        continue
                    raise CollectorError(f"{key}: {err}") from None
                except CommandRefused as err:
                    await self._close(client)
                    raise CollectorError(f"{key}: {what} refused {step} ({err})") from None
                except CollectorError:
                    await self._close(client)
                    raise
                except (TimeoutError, BleakError, OSError) as err:
                    live = getattr(client, "is_connected", False) and not disconnected.is_set()
                    failure = self._classify(err, what, step) if live else None
                    if failure is None and live and _NOT_FOUND.search(str(err)) and not cache_refreshed:
                        cache_refreshed = True
                        await self._clear_cache(st.address)
                    await self._close(client)
                    if failure is not None:
                        raise CollectorError(f"{key}: {failure}") from None
                    log.info("%s: link lost during setup (%s)", key, err)
                    if lost_at is None and np.isfinite(st.last_t):
                        lost_at = st.last_t
                    tries, last_err = tries + 1, err
                    continue

                if lost_at is not None:
                    st.reconnects += 1
                    st.last_reconnect_s = self.now() - lost_at
                    self._status(key, f"reconnected after {st.last_reconnect_s:.2f} s", "streaming")
                    log.info("%s: reconnected after %.2f s", key, st.last_reconnect_s)
                else:
                    self._status(key, f"streaming at {rate:g} Hz", "streaming")
                lost_at = None
                tries, last_err = 0, None

                stop_wait = asyncio.create_task(self._stop.wait())
                disc_wait = asyncio.create_task(disconnected.wait())
                while True:
                    await asyncio.wait([stop_wait, disc_wait], return_when=asyncio.FIRST_COMPLETED,
                                       timeout=min(1.0, self.stall_timeout_s))
                    if stop_wait.done() or disc_wait.done():
                        break
                    silent = self.now() - order["last_arrival"]
                    if silent > self.stall_timeout_s:
                        # Connected but mute (a firmware hang, a lost start):
                        # reconnecting resubscribes and sends the start commands.
                        self._status(key, f"no data for {silent:.1f} s; reconnecting", "reconnecting")
                        await self._close(client)
                        disconnected.set()
                        break
                stop_wait.cancel()
                disc_wait.cancel()
                if self._stop.is_set() and not disconnected.is_set():
                    try:
                        link = _Link(client, uuids, decoder, state, replies, lambda text: self._warn(key, text),
                             disconnected, no_answer, self.start_timeout_s)
                        if profile.stop is not None:
                            await asyncio.wait_for(profile.stop(link), 3.0)
                        else:
                            for uuid, payload in profile.stop_commands():
                                await link.write(uuid, payload)
                    except Exception as err:  # best effort: the device may already be gone
                        log.info("%s: stop sequence failed (%s)", key, err)
                    await self._close(client)
                    break
                lost_at = st.last_t if np.isfinite(st.last_t) else self.now()
                self._status(key, f"link lost at {lost_at:.2f} s; reconnecting", "reconnecting")
                log.info("%s: link lost at %.2f s; reconnecting", key, lost_at)
        finally:
            finish = getattr(decoder, "finish", None)
            if finish is not None:
                # A decoder may hold rows until the next packet (to time them): they are the device's.
                rest = finish()
                count_discarded()
                if rest is not None and len(rest):
                    rest = np.asarray(rest, float)
                    arrival = order["last_arrival"] * self.time_scale
                    if calibrated:
                        deliver_stamped(rest, arrival)
                    else:
                        pending.append((rest, arrival, connection_no))
            # Rows held for the rate measurement are delivered whatever ends the session.
            if pending:
                calibrate()
            if not rate_checked and meter.span_s() >= self.calibrate_s:
                check_rate()
        if state.get("changed"):
            # The session ended without the stop sequence (link lost, device
            # gone): the device keeps what toehold changed.
            self._warn(key, f"could not put {what}'s own settings back (the link was down at the "
                            f"end); connect and stop a short recording to restore them")
        self._status(key, "stopped", "stopped")

    async def _clear_cache(self, address: str) -> None:
        """Drop BlueZ's cached service table of ``address`` (no-op elsewhere)."""
        if self.client_backend is not None:
            return  # not BlueZ
        try:
            from bleak_retry_connector import clear_cache

            await clear_cache(address)
        except Exception as err:  # noqa: BLE001 — a refresh that fails changes nothing
            log.info("service cache refresh failed: %s", err)

    @staticmethod
    def _is_late(rows: np.ndarray, seq: float, last_seq: float | None, clock: _Clock,
                 order: dict) -> bool:
        """Whether a decoded packet is a duplicate or overtaken (not ahead of the last taken).

        The first packet of a connection is always taken: a device that
        rebooted starts its counter and clock again. So is one after 16 late
        ones in a row, so a counter reset without a reconnect cannot mute a
        device for good.
        """
        if order["fresh"]:
            order["behind"] = 0
            return False
        if np.isfinite(seq) and last_seq is not None:
            behind = (seq - last_seq) % 65536 == 0 or (seq - last_seq) % 65536 >= 32768
        elif clock.has_clock and np.isfinite(rows[0, 0]):
            behind = rows[0, 0] <= clock.last_dev
        else:
            return False
        if behind and order["behind"] < 16:
            order["behind"] += 1
            return True
        order["behind"] = 0
        return False

    def _deliver(self, key: str, rows: np.ndarray) -> None:
        st = self.stats[key]
        if np.isfinite(st.last_t):
            period = 1.0 / self._gap_rate_hz(key)
            # A hole of more than 1.5 periods is lost data (the recording
            # contract's GAP_FACTOR), whether from a dropped link, a stall or
            # a malformed packet; reported once its far side is known.
            if rows[0, 0] - st.last_t > GAP_FACTOR * period:
                gap = (st.last_t, float(rows[0, 0]))
                st.gaps.append(gap)
                self.sink.on_gap(key, *gap)
        else:
            st.first_t = float(rows[0, 0])
        st.samples += len(rows)
        st.last_t = float(rows[-1, 0])
        now = self.now()
        st.rate_window.append((now, st.samples))
        while len(st.rate_window) > 2 and now - st.rate_window[0][0] > 2.0:
            st.rate_window.pop(0)
        self.sink.on_samples(key, rows)

    async def _close(self, client: BleakClient) -> None:
        try:
            await asyncio.wait_for(client.disconnect(), 2.0)
        except Exception:  # already disconnected / timed out: nothing more to do
            pass
