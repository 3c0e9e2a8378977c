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
import re
import time
from typing import Any

import numpy as np
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError

from sensors.devices import Profile, get_profile, recognise
from sensors.devices.base import CommandRefused
from sensors.stream import SampleSink

log = logging.getLogger(__name__)
# Devices remembered from one scan (a crowded room, or a flood of forged
# advertisements, cannot grow it without bound).
_MAX_CANDIDATES = 64
_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f-]{36}$")


# A device clock ahead of the arrivals by more than this (s) is re-anchored.
MAX_CLOCK_LEAD_S = 10.0


class CollectorError(RuntimeError):
    """A device could not be recorded; the message says which and why."""


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

    def effective_rate_hz(self) -> float:
        """Samples per second over the last ~2 s of arrivals."""
        w = self.rate_window
        if len(w) < 2 or w[-1][0] <= w[0][0]:
            return 0.0
        return (w[-1][1] - w[0][1]) / (w[-1][0] - w[0][0])


class _Clock:
    """Maps decoded samples onto the session clock.

    With a device clock: a fixed offset set at the first packet (arrival time
    minus device time), kept across reconnects while the device clock runs on
    (re-anchored if it went backwards, i.e. the device rebooted). Without one:
    arrival time smoothed at the nominal period, re-anchored after a hole.
    """

    def __init__(self, rate_hz: float, has_clock: bool) -> None:
        self.period = 1.0 / rate_hz
        self.has_clock = has_clock
        self.offset: float | None = None
        self.last_dev = -np.inf
        self.last_t: float | None = None

    def stamp(self, dev_t: np.ndarray, arrival: float) -> np.ndarray:
        n = len(dev_t)
        if self.has_clock and np.all(np.isfinite(dev_t)):
            if self.offset is None or dev_t[0] < self.last_dev or \
                    dev_t[-1] + self.offset - arrival > MAX_CLOCK_LEAD_S:
                # The first packet of a connection (the collector drops late
                # packets within one), or a device clock that leapt far ahead
                # of the arrivals (a forged or broken clock could push t to
                # 1e7 s in 200 packets): anchored to the arrivals again.
                self.offset = arrival - dev_t[-1]
            self.last_dev = float(dev_t[-1])
            t = dev_t + self.offset
        else:
            k = np.arange(1, n + 1) * self.period
            # Within one connection BLE notifications are acknowledged, so a
            # pause in arrivals shorter than ~0.25 s is the host (a busy event
            # loop) and not lost samples; only a longer one re-anchors.
            if self.last_t is None or arrival - self.last_t > max(0.25, (5 + n) * self.period):
                t = arrival - (n - k[::-1]) * self.period
            else:
                t = self.last_t + k
                # Pull slowly toward arrival so clock drift cannot accumulate,
                # without passing on per-packet radio jitter.
                t += 0.02 * ((arrival - t[-1]))
        if self.last_t is not None:
            # t never decreases (contract), even if arrival jitter says otherwise.
            t = np.maximum(t, self.last_t + 1e-6 * np.arange(1, n + 1))
        self.last_t = float(t[-1])
        return t


class Collector:
    """Record one or more BLE IMUs into a sink.

    Parameters
    ----------
    sink : SampleSink
    client_backend, scanner_backend : type, optional
        bleak backend classes (``sensors.ble.bumble_backend.BumbleClient`` /
        ``BumbleScanner`` for the virtual link); None: the platform's.
    give_up_after_s : float
        Stop reconnecting after the link has been down this long (s).
    start_timeout_s : float
        Time (s) allowed from the start command to the first sample.
    scan_timeout_s : float
        Time (s) allowed to find each device.
    stall_timeout_s : float
        A connected device silent this long (s) is disconnected and
        reconnected, as for a dropped link.
    rate_hz : float, optional
        Rate to ask for (default: the profile's nominal ~100 Hz).
    match_window_s : float
        When a device is chosen by name (or as any recognised sensor), how
        long (s) the scan goes on after the first match to hear any other
        device that matches too (several matches are refused).
    """

    def __init__(self, sink: SampleSink, *, client_backend=None, scanner_backend=None,
                 give_up_after_s: float = 30.0, start_timeout_s: float = 5.0,
                 scan_timeout_s: float = 10.0, rate_hz: float | None = None,
                 connect_attempts: int = 3, stall_timeout_s: float = 3.0,
                 match_window_s: float = 3.0) -> None:
        self.sink = sink
        self.client_backend = client_backend
        self.scanner_backend = scanner_backend
        self.give_up_after_s = give_up_after_s
        self.start_timeout_s = start_timeout_s
        self.scan_timeout_s = scan_timeout_s
        self.rate_hz = rate_hz
        self.connect_attempts = connect_attempts
        self.stall_timeout_s = stall_timeout_s
        self.match_window_s = match_window_s
        self.stats: dict[str, DeviceStats] = {}
        self.profiles: dict[str, Profile] = {}
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

    def stop(self) -> None:
        """Ask every device loop to end (Ctrl-C, duration reached)."""
        self._stop.set()

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
                        except asyncio.TimeoutError:
                            pass
            except (OSError, BleakError) as err:
                # No adapter, BlueZ not running, no permission: say so plainly.
                raise CollectorError(
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

    async def _connect(self, ble_device, name: str, on_disconnect) -> BleakClient:
        from bleak_retry_connector import establish_connection

        try:
            async with self._lock_connect:
                return await establish_connection(
                    BleakClient, ble_device, name, disconnected_callback=on_disconnect,
                    max_attempts=self.connect_attempts, **self._bleak_kwargs())
        except Exception as err:  # BleakNotFoundError, BleakConnectionError, …
            raise BleakError(str(err)) from err

    # ---- main loops ---------------------------------------------------
    async def run(self, targets: list[Target], duration_s: float | None = None) -> dict[str, DeviceStats]:
        """Record every target until ``stop()``, ``duration_s`` or a device fails.

        Raises
        ------
        CollectorError
            A device was not found, never started streaming, or stayed
            disconnected longer than ``give_up_after_s``. The other devices
            are stopped and everything received so far has been delivered.
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

    async def _run_device(self, target: Target) -> None:
        key = target.key
        st = self.stats[key]
        self._status(key, "scanning", "scanning")
        ble_device, adv = await self._find(target)
        kind = target.type or recognise(adv.local_name, adv.service_uuids) or "generic"
        profile = get_profile(kind)
        self.profiles[key] = profile
        st.name, st.address, st.type = adv.local_name or "", ble_device.address, kind
        rate = self.rate_hz or profile.rate_hz
        clock = _Clock(rate, profile.has_clock)
        decoder = profile.make_decoder()
        lost_at: float | None = None
        last_seq: float | None = None
        order = {"fresh": True, "behind": 0, "last_arrival": 0.0}

        while not self._stop.is_set():
            disconnected = asyncio.Event()
            first_packet = asyncio.Event()
            self._status(key, f"connecting to {st.name} {st.address}", "connecting")
            t_attempt = self.now()
            if lost_at is not None:
                remaining = self.give_up_after_s - (self.now() - lost_at)
                if remaining <= 0:
                    raise CollectorError(
                        f"{key}: link lost at {lost_at:.1f} s and not back after "
                        f"{self.give_up_after_s:g} s; giving up")
                # A device is connectable only while it advertises: wait for
                # it to show up again before the (slow-failing) connect.
                try:
                    ble_device, _adv = await self._find(Target(key, st.address),
                                                        timeout_s=min(remaining, self.scan_timeout_s))
                except CollectorError:
                    continue
            else:
                remaining = None
            try:
                client = await asyncio.wait_for(
                    self._connect(ble_device, st.name or st.address, lambda _c: disconnected.set()),
                    remaining)
            except (BleakError, asyncio.TimeoutError) as err:
                if lost_at is None:
                    raise CollectorError(f"{key}: cannot connect to {st.name} {st.address}: {err}") from err
                continue

            order["fresh"] = True

            def on_notify(_char, data: bytearray) -> None:
                nonlocal last_seq
                arrival = self.now()
                order["last_arrival"] = arrival
                st.packets += 1
                try:
                    dec = decoder.feed(bytes(data))
                    rows = np.asarray(dec, float)
                    if rows.size == 0:
                        return
                    if rows.ndim != 2 or rows.shape[1] < 7 or not np.isfinite(rows[:, 1:7]).all():
                        # A NaN or infinite reading (a forged packet, a bad
                        # scale factor) would make the saved file unreadable.
                        raise ValueError("non-finite or misshapen decoded values")
                except Exception as err:  # any decoder failure is a bad packet, not a crash
                    st.malformed += 1
                    log.debug("%s: malformed notification (%s): %s", key, err, bytes(data).hex())
                    return
                seq = rows[0, 7] if rows.shape[1] > 7 else np.nan
                if self._is_late(rows, seq, last_seq, clock, order):
                    st.late_packets += 1
                    return
                order["fresh"] = False
                if np.isfinite(seq) and last_seq is not None:
                    step = (seq - last_seq) % 65536
                    if 1 < step < 32768:
                        st.lost_packets += int(step - 1)
                if np.isfinite(seq):
                    last_seq = seq
                t = clock.stamp(rows[:, 0], arrival)
                out = np.empty((len(rows), 8))
                out[:, 0] = t
                out[:, 1:7] = rows[:, 1:7]
                out[:, 7] = rows[:, 7] if rows.shape[1] > 7 else np.nan
                self._deliver(key, out)
                first_packet.set()

            refused: list[str] = []

            def on_reply(_char, data: bytearray) -> None:
                # Command replies (e.g. a control point's status): a decoder
                # that needs them (stream settings) takes them; a bad one is
                # a malformed packet like any other.
                feed_reply = getattr(decoder, "feed_reply", None)
                if feed_reply is None:
                    return
                try:
                    feed_reply(bytes(data))
                except CommandRefused as err:
                    # The device said no (e.g. a rate it does not offer): no
                    # data will come, so end the wait for it with the reason.
                    refused.append(str(err))
                    first_packet.set()
                except Exception as err:  # noqa: BLE001 — counted, never raised
                    st.malformed += 1
                    log.debug("%s: malformed reply (%s): %s", key, err, bytes(data).hex())

            try:
                await client.start_notify(profile.notify_uuid, on_notify)
                if profile.reply_uuid and profile.reply_uuid != profile.notify_uuid:
                    await client.start_notify(profile.reply_uuid, on_reply)
                for uuid, payload in profile.start_commands(rate):
                    await client.write_gatt_char(uuid, payload, response=True)
                try:
                    await asyncio.wait_for(first_packet.wait(), self.start_timeout_s)
                    if refused:
                        raise CollectorError(f"{key}: {st.name} {st.address}: device refused "
                                             f"the start command ({refused[0]})")
                except asyncio.TimeoutError:
                    if disconnected.is_set():
                        raise BleakError("disconnected before streaming")
                    raise CollectorError(
                        f"{key}: {st.name} {st.address} did not answer its start command "
                        f"within {self.start_timeout_s:g} s (no data)") from None
            except BleakError as err:
                log.debug("%s: setup failed: %s", key, err)
                await self._close(client)
                if lost_at is None:
                    lost_at = st.last_t if np.isfinite(st.last_t) else t_attempt
                continue
            except CollectorError:
                await self._close(client)
                raise

            if lost_at is not None:
                st.reconnects += 1
                st.last_reconnect_s = self.now() - lost_at
                self._status(key, f"reconnected after {st.last_reconnect_s:.2f} s", "streaming")
            else:
                self._status(key, f"streaming at {rate:g} Hz", "streaming")
            lost_at = None

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
                    for uuid, payload in profile.stop_commands():
                        await client.write_gatt_char(uuid, payload, response=True)
                except Exception:  # best effort: the device may already be gone
                    pass
                await self._close(client)
                self._status(key, "stopped", "stopped")
                return
            lost_at = st.last_t if np.isfinite(st.last_t) else self.now()
            self._status(key, f"link lost at {lost_at:.2f} s; reconnecting", "reconnecting")

    @staticmethod
    def _is_late(rows: np.ndarray, seq: float, last_seq: float | None, clock: "_Clock",
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
            period = 1.0 / (self.rate_hz or self.profiles[key].rate_hz)
            # A hole of more than 1.5 nominal periods is lost data (the
            # recording contract's GAP_FACTOR), whether from a dropped link, a
            # stall or a malformed packet; reported once its far side is known.
            if rows[0, 0] - st.last_t > 1.5 * period:
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
