"""An emulated IMU sensor: a bumble GATT peripheral on the virtual link.

It advertises like the real device (name, service UUID), exposes the
device's GATT service, obeys its start/stop commands and notifies packets
encoded with the device's own encoder, paced in real time (or ``speed``
times faster) from a pluggable feed. Its clock runs from power-on, so a
reconnect resumes at the current time and the samples produced while the
link was down are lost, as with hardware.

Fault injection (:class:`Faults`): drop the link (once or at many moments),
stall notifications, send malformed, duplicated or swapped packets, never
answer the start command, die for good (a flat battery); and the ways real
devices misbehave, by name (``Faults.named``, ``toehold record --emulate
TYPE --fault KIND``): ``stock-firmware`` (the vendor's firmware without the
service toehold reads), ``refuse-start`` (the start command answered with an
error), ``ignore-rate`` (streams at half its nominal rate whatever is asked),
``batched`` (packets delivered in bursts every 0.2 s; a byte-stream device
joins them into MTU-sized notifications that cut packets apart),
``small-mtu`` (ATT MTU 23: 20-byte notifications), ``slow-connect`` (drops
the first two connections as they are made, advertises every 0.5 s) and
``needs-bonding`` (control reads and writes fail with Insufficient
Authentication until paired).

Packets are encoded by :mod:`sensors.emulated.encoders`, written apart from
the decoders so that a misread protocol does not round-trip.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading

import numpy as np
from bumble import att, gatt
from bumble.core import UUID, AdvertisingData

from sensors.ble.bumble_backend import get_radio, make_device
from sensors.devices import Profile, get_profile
from sensors.devices.base import FAULT_KINDS
from sensors.emulated.encoders import make_encoder
from sensors.emulated.feeds import rest_feed, sine_feed

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Faults:
    """Faults to inject, times in seconds of streaming since the first start command.

    Attributes
    ----------
    drop_link_at_s : float or None
        Peripheral-side disconnect at this time (once).
    offline_for_s : float
        After the drop, stay silent (no advertising) this long.
    stall_at_s, stall_for_s : float or None, float
        Stop notifying for ``stall_for_s`` (the link stays up).
    malformed_every : int
        Replace every N-th packet by a truncated one (0: never).
    ignore_start : bool
        Never answer the start command.
    drop_times_s : sequence of float
        Further peripheral-side disconnects, one at each of these times; a
        time that passes while the link is down drops it right after the
        reconnect. Each is followed by ``offline_for_s`` of silence.
    stalls : sequence of (float, float)
        Further stalls, ``(at_s, for_s)``: notifications stop, link stays up.
    duplicate_every : int
        Notify every N-th packet twice (a radio retransmission); ``sent``
        holds it once (0: never).
    swap_every : int
        Notify every N-th packet after the one that follows it (0: never).
    dies_at_s : float or None
        The battery dies: the device leaves the air for good.
    stock_firmware : bool
        The GATT table lacks the profile's service (only Device Information)
        and the advertisement names no service.
    refuse_start : bool
        The start command is answered with an error (the device's own
        refusal, or an ATT error where the protocol has none).
    ignore_rate_hz : float or None
        Stream at this rate whatever is asked.
    batch_s : float
        Deliver notifications in bursts every ``batch_s`` (0: as sampled).
    max_mtu : int or None
        Largest ATT MTU the device accepts (23: the BLE 4.0 minimum).
    slow_connect : int
        Drop this many first connections as soon as they are made.
    advertising_interval_ms : float
        Advertising interval.
    needs_bonding : bool
        Reads and writes of the control characteristic fail with
        Insufficient Authentication (the device wants pairing).
    """

    drop_link_at_s: float | None = None
    offline_for_s: float = 0.3
    stall_at_s: float | None = None
    stall_for_s: float = 0.0
    malformed_every: int = 0
    ignore_start: bool = False
    drop_times_s: tuple = ()
    stalls: tuple = ()
    duplicate_every: int = 0
    swap_every: int = 0
    dies_at_s: float | None = None
    stock_firmware: bool = False
    refuse_start: bool = False
    ignore_rate_hz: float | None = None
    batch_s: float = 0.0
    max_mtu: int | None = None
    slow_connect: int = 0
    advertising_interval_ms: float = 50.0
    needs_bonding: bool = False

    @classmethod
    def named(cls, kind: str, profile: Profile) -> Faults:
        """The faults of a named misbehaviour (one of ``FAULT_KINDS``) for ``profile``."""
        presets = {
            "stock-firmware": dict(stock_firmware=True),
            "refuse-start": dict(refuse_start=True),
            "ignore-rate": dict(ignore_rate_hz=profile.sampling_rate_hz / 2),
            "batched": dict(batch_s=0.2),
            "small-mtu": dict(max_mtu=23),
            "slow-connect": dict(slow_connect=2, advertising_interval_ms=500.0),
            "needs-bonding": dict(needs_bonding=True),
        }
        if kind not in presets:
            raise ValueError(f"unknown fault {kind!r} (have: {', '.join(FAULT_KINDS)})")
        return cls(**presets[kind])

    def stalled(self, since: float) -> bool:
        """True while a stall is on at ``since`` (s of streaming)."""
        spans = list(self.stalls)
        if self.stall_at_s is not None:
            spans.append((self.stall_at_s, self.stall_for_s))
        return any(a <= since < a + d for a, d in spans)


def _feed_worker(feed, sampling_rate_hz: float, conn) -> None:
    conn.send(np.asarray(feed(sampling_rate_hz), float))
    conn.close()


def _in_process(feed, sampling_rate_hz: float, procs: list) -> np.ndarray:
    """``feed(sampling_rate_hz)`` computed in a daemon process (no GIL shared with the
    loop; ``procs`` holds it so that ``stop()`` can end it)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_feed_worker, args=(feed, sampling_rate_hz, child), daemon=True)
    proc.start()
    procs.append(proc)
    child.close()
    try:
        return parent.recv()
    finally:
        proc.join(1.0)


class EmulatedSensor:
    """One emulated device; ``await start()`` puts it on the running loop's radio.

    Parameters
    ----------
    profile : str or Profile
        Device type.
    address : str
        Random static address ("C4:…", top two bits set).
    feed : callable, optional
        ``feed(sampling_rate_hz) -> (n, 7)``: t (s), acc (m/s²), gyr (deg/s). Looped.
    name : str, optional
        Advertised name (default: the profile's).
    faults : Faults, optional
    speed : float
        Stream this many times faster than real time (throughput tests).
    rssi_offset : int
        Added to the link's fixed RSSI (dBm) in scan results.
    """

    def __init__(self, profile: str | Profile = "generic", address: str = "C4:2A:11:00:3B:9E",
                 feed=None, name: str | None = None, faults: Faults | None = None,
                 speed: float = 1.0, rssi_offset: int = 0, quick_start: bool = False) -> None:
        self.profile = get_profile(profile) if isinstance(profile, str) else profile
        self.address = address.upper()
        self.name = name or self.profile.advertised_name
        self.feed = feed or sine_feed()
        self.faults = faults or Faults()
        self.speed = speed
        self.rssi_offset = rssi_offset
        # Wall-clock seconds of samples kept while the host is late (a sensor's
        # FIFO); a guided session at many times real time on a busy machine needs more.
        self.fifo_s = 1.0
        # Faster than real time, an emulated person reacts to what the app
        # shows: while the stream is over ``max_lead_s`` of data ahead of
        # ``paced_by()`` (samples the app has finished with) it goes at real
        # time, so a busy machine slows the emulation instead of making the
        # person late in data time.
        self.paced_by = None
        self.max_lead_s = 5.0
        self.samples_sent = 0
        self.encoder = make_encoder(self.profile)
        if self.encoder is None:
            raise ValueError(f"no emulator for device type {self.profile.key!r} yet")
        self.quick_start = quick_start
        self._feed_due = False  # quick_start: the feed is made when streaming starts
        # Every packet actually notified: (seq, rows (n, 7)); tests compare against it.
        self.sent: list[tuple[int, np.ndarray]] = []
        self.commands: list[bytes] = []
        self.malformed_sent = 0
        self.connections = 0
        self._data: np.ndarray | None = None
        self._rate = self.faults.ignore_rate_hz or self.profile.sampling_rate_hz
        self._offset = 0  # index of the feed's first row (a feed swapped in mid-stream)
        if hasattr(self.encoder, "set_rate"):
            self.encoder.set_rate(self._rate)
        self._feed_procs: list = []
        self._reply_busy_until = 0.0
        self._stream_task: asyncio.Task | None = None
        self._t_power = 0.0
        self._t_first_start: float | None = None
        self._dropped = False
        self._drops_done = 0
        self._offline_after_drop = False
        self._held: tuple | None = None  # a packet held back to swap with the next
        self._burst: list = []  # (payloads, record) held for a batched delivery
        self._burst_t0 = 0.0
        self._max_payload = 244
        self.duplicates_sent = 0
        self.max_lag_s = 0.0
        self.swapped = 0
        self.drops = 0
        self.dead = False
        self._seq = 0
        self._closed = False

    # ---- GATT ---------------------------------------------------------
    def _build(self) -> None:
        radio = get_radio()
        self.radio = radio
        self.device = make_device(radio.link, self.address, self.name)
        if self.faults.max_mtu:
            self.device.gatt_server.max_mtu = self.faults.max_mtu
        p = self.profile
        props = gatt.Characteristic.Properties
        self.notify_char = gatt.Characteristic(
            p.notify_uuid, props.NOTIFY, gatt.Characteristic.READABLE, b"")
        if p.starts_on_subscribe and self.faults.refuse_start:
            # A device started by subscribing (Thingy:52) refuses by failing
            # the CCCD write, as a firmware that will not stream does.
            def refuse(_connection, _value):
                raise att.ATT_Error(0x80)  # an application error: the firmware says no
            self.notify_char.descriptors = (*self.notify_char.descriptors, gatt.Descriptor(
                gatt.GATT_CLIENT_CHARACTERISTIC_CONFIGURATION_DESCRIPTOR,
                gatt.Descriptor.READABLE | gatt.Descriptor.WRITEABLE,
                gatt.CharacteristicValue(read=lambda _c: b"\x00\x00", write=refuse)))
        chars = [self.notify_char]
        self.reply_char = self.notify_char if p.reply_uuid == p.notify_uuid else None
        if p.control_uuid and p.control_uuid != p.notify_uuid:
            cprops = props.WRITE | props.WRITE_WITHOUT_RESPONSE
            if hasattr(self.encoder, "read_value"):
                cprops |= props.READ
            if p.reply_uuid == p.control_uuid:
                cprops |= props.INDICATE | props.NOTIFY  # a control point answers where it is written
            control = gatt.Characteristic(
                p.control_uuid, cprops, gatt.Characteristic.READABLE | gatt.Characteristic.WRITEABLE,
                gatt.CharacteristicValue(read=self._on_read, write=self._on_write))
            chars.append(control)
            if p.reply_uuid == p.control_uuid:
                self.reply_char = control
        if self.faults.stock_firmware:
            # The vendor's own firmware: Device Information only.
            self.device.add_service(gatt.Service("180A", [gatt.Characteristic(
                "2A24", props.READ, gatt.Characteristic.READABLE, self.name.encode())]))
        else:
            self.device.add_service(gatt.Service(p.service_uuid, chars))
        self.device.on("connection", self._on_connection)
        if p.starts_on_subscribe:
            self.device.on("characteristic_subscription", self._on_subscription)

    def _adv_data(self) -> bytes:
        u = UUID(self.profile.service_uuid)
        kind = (AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS if len(u.to_bytes()) == 2
                else AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS)
        fields = [(AdvertisingData.FLAGS, bytes([0x06])),
                  (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode()[:29 - len(u.to_bytes())])]
        if not self.faults.stock_firmware:
            fields.append((kind, bytes(u.to_bytes())))
        return bytes(AdvertisingData(fields))

    async def start(self) -> EmulatedSensor:
        self._build()
        self.radio.rssi[self.address] = self.rssi_offset
        if hasattr(self.feed, "rows"):
            pass  # a feed that makes rows on demand (an emulated person): nothing to generate
        elif self.quick_start:
            # A simulated session takes seconds to generate: the foot rests
            # (gravity and sensor noise) until it is ready, and it is made
            # only once the device streams, so that the work does not
            # compete with the connection for the processor.
            self._data = rest_feed()(self._rate)
            self._feed_due = True
        else:
            # Off the event loop: a simulated session takes seconds to generate.
            self._data = np.asarray(await asyncio.to_thread(self.feed, self._rate), float)
        await self.device.power_on()
        await self._advertise()
        self._t_power = asyncio.get_running_loop().time()
        return self

    async def _advertise(self) -> None:
        if not self._closed and not self.device.is_advertising:
            # 50 ms: a short interval keeps scans (and tests) quick; real
            # sensors advertise every 20 ms to 1 s.
            ms = self.faults.advertising_interval_ms
            await self.device.start_advertising(advertising_data=self._adv_data(), auto_restart=False,
                                                advertising_interval_min=ms, advertising_interval_max=ms)

    async def stop(self) -> None:
        """Power off: drop connections, stop advertising."""
        self._closed = True
        self._stop_stream()
        for proc in self._feed_procs:
            if proc.is_alive():
                proc.terminate()  # a session being generated that nobody will stream
        for conn in list(self.device.connections.values()):
            try:
                await conn.disconnect()
            except Exception:  # already gone
                pass
        if self.device.is_advertising:
            await self.device.stop_advertising()
        # Off the link: neither scannable nor connectable any more.
        self.radio.link.controllers.discard(self.device.toehold_controller)

    def _on_connection(self, conn) -> None:
        self.connections += 1
        conn.on("disconnection", lambda reason: self._on_disconnection())
        if self.connections <= self.faults.slow_connect:
            # A device that drops the first connections as they are made
            # (busy radio, a module still booting).
            asyncio.get_running_loop().call_later(
                0.05, lambda: asyncio.ensure_future(self._drop(conn)))

    async def _drop(self, conn) -> None:
        try:
            await conn.disconnect()
        except Exception:  # already gone
            pass

    def _on_disconnection(self) -> None:
        self._stop_stream()
        # A packet held back for a swap dies with the link, unsent.
        self._held = None
        delay = self.faults.offline_for_s if self._offline_after_drop else 0.0
        self._offline_after_drop = False
        asyncio.get_running_loop().call_later(delay, lambda: asyncio.ensure_future(self._advertise()))

    # ---- commands ------------------------------------------------------
    def _on_read(self, connection) -> bytes:
        if self.faults.needs_bonding:
            raise att.ATT_Error(att.ErrorCode.INSUFFICIENT_AUTHENTICATION)
        return getattr(self.encoder, "read_value", b"") or b""

    def _on_write(self, connection, value: bytes) -> None:
        if self.faults.needs_bonding:
            raise att.ATT_Error(att.ErrorCode.INSUFFICIENT_AUTHENTICATION)
        loop = asyncio.get_running_loop()
        control_point = self.reply_char is not None and self.reply_char is not self.notify_char
        if control_point and loop.time() < self._reply_busy_until:
            # A control point takes one command at a time: a write before
            # the previous answer went out is turned away.
            raise att.ATT_Error(0xFE)  # Procedure Already in Progress (Core Spec Supplement)
        self.commands.append(bytes(value))
        cmd = self.encoder.command(bytes(value))
        if cmd is None or self.faults.ignore_start or self.connections <= self.faults.slow_connect:
            return  # (a connection about to be dropped: the module is not ready yet)
        if self.faults.refuse_start and (cmd.action == "start" or cmd.sampling_rate_hz is not None):
            refuse = getattr(self.encoder, "refuse", None)
            if refuse is None:
                raise att.ATT_Error(0x80)  # an application error: the firmware says no
            self._reply(refuse(bytes(value)), control_point)
            return
        def act() -> None:
            if cmd.sampling_rate_hz:
                self._set_rate(cmd.sampling_rate_hz)
            if cmd.action == "start":
                self._start_stream(connection)
            elif cmd.action == "stop":
                self._stop_stream()

        if cmd.reply is not None and self.reply_char is not None:
            self._reply(cmd.reply, control_point, then=act)
        else:
            act()

    def _reply(self, data: bytes, control_point: bool, then=None) -> None:
        loop = asyncio.get_running_loop()

        async def send():
            await self.device.notify_subscribers(self.reply_char, data)
            if then is not None:
                then()  # a device answers a command before it acts on it
        if control_point:
            # The answer follows the write response by a connection event or two.
            delay = 0.03
            self._reply_busy_until = loop.time() + delay
            loop.call_later(delay, lambda: asyncio.ensure_future(send()))
        else:
            asyncio.ensure_future(send())

    def _on_subscription(self, connection, characteristic, notify_enabled, indicate_enabled) -> None:
        # Devices like Thingy:52 stream as soon as notifications are enabled.
        if (characteristic.uuid != self.notify_char.uuid or self.faults.ignore_start or self.faults.refuse_start
                or self.faults.needs_bonding):
            return  # (a device that wants pairing keeps its data for a bonded central)
        if (notify_enabled or indicate_enabled) and self.connections > self.faults.slow_connect:
            self._start_stream(connection)
        else:
            self._stop_stream()

    def _start_stream(self, connection) -> None:
        if self._feed_due:
            self._feed_due = False
            self._load_feed()
        if self._stream_task is None or self._stream_task.done():
            self._stream_task = asyncio.ensure_future(self._stream(connection))

    def _set_rate(self, rate: float) -> None:
        if self.faults.ignore_rate_hz:
            return  # the device keeps its own rate
        if rate != self._rate:
            self._rate = float(rate)
            if hasattr(self.encoder, "set_rate"):
                self.encoder.set_rate(self._rate)
            if hasattr(self.feed, "rows"):
                pass
            elif self.quick_start:
                self._load_feed()
            else:
                self._data = np.asarray(self.feed(self._rate), float)

    def _load_feed(self) -> None:
        """Generate the feed at the current rate beside the loop; swap it in when done.

        A daemon thread, not the loop's executor: ``asyncio.run`` waits for
        executor threads at exit, and a session that ends early (a fault, a
        Ctrl-C) must not wait for a simulation nobody will stream.
        """
        rate = self._rate
        loop = asyncio.get_running_loop()

        def swap(data: np.ndarray) -> None:
            if rate == self._rate and not self._closed:
                self._offset = int((loop.time() - self._t_power) * self.speed * self._rate)
                self._data = data

        def work() -> None:
            try:
                data = _in_process(self.feed, rate, self._feed_procs)
            except Exception as err:  # noqa: BLE001 — not picklable, no fork: run it here
                log.debug("feed in a process failed (%s); generating it in a thread", err)
                data = self.feed(rate)
            try:
                loop.call_soon_threadsafe(swap, np.asarray(data, float))
            except RuntimeError:  # the loop is gone: nobody wants it
                pass
        threading.Thread(target=work, name="emulator-feed", daemon=True).start()

    def _stop_stream(self) -> None:
        if self._stream_task is not None and not self._stream_task.done():
            self._stream_task.cancel()
        self._stream_task = None

    # ---- streaming -----------------------------------------------------
    def _rows(self, i0: int, n: int) -> np.ndarray:
        """Feed rows ``i0..i0+n`` (looped), t = device clock (i / rate)."""
        if hasattr(self.feed, "rows"):
            return np.asarray(self.feed.rows(i0, n, self._rate), float)
        data = self._data
        idx = np.arange(i0, i0 + n)
        rows = data[(idx - self._offset) % len(data)].copy()
        rows[:, 0] = idx / self._rate
        return rows

    def _packet_size(self, connection) -> int:
        """Samples per packet that fit the link's notifications (ATT MTU - 3)."""
        spp = self.encoder.samples_per_packet
        self._max_payload = max(20, getattr(connection, "att_mtu", 247) - 3)
        if getattr(self.encoder, "resizable", False):
            # A device fills its frames up to the MTU (Polar) or sends fewer
            # samples per packet (the DIY sketch): never more than fits.
            while spp > 1:
                out = self.encoder.encode(self._rows(0, spp), 0)
                out = [out] if isinstance(out, (bytes, bytearray)) else out
                if max(len(x) for x in out) <= self._max_payload:
                    break
                spp -= 1
        return spp

    async def _stream(self, connection) -> None:
        loop = asyncio.get_running_loop()
        spp = self._packet_size(connection)
        if self._t_first_start is None:
            self._t_first_start = loop.time()
        f = self.faults
        next_i = None  # a (re)connection resumes at the present: the rest was lost
        self._burst = []
        try:
            while True:
                if self.paced_by is not None:
                    await self._wait_for_app(loop, spp)
                now = loop.time()
                if self._burst and now - self._burst_t0 >= f.batch_s:
                    burst, self._burst = self._burst, []
                    await self._send([p for ps, _ in burst for p in ps], [r for _, r in burst])
                # Index of the next sample from the device clock: samples due
                # while disconnected are simply never sent.
                i = int((now - self._t_power) * self.speed * self._rate)
                i -= i % spp
                # While connected, a late host (a busy event loop) delays
                # packets but loses none, as a sensor's FIFO would; only more
                # than a second behind (the FIFO full) skips to the present.
                if next_i is not None and i - next_i <= self._rate * self.speed * self.fifo_s:
                    i = next_i
                rows = self._rows(i, spp)
                # How late this packet goes out (a starved event loop): a
                # device on its own clock is never late, so tests that time
                # arrivals read this to know the emulation was faithful.
                self.max_lag_s = max(self.max_lag_s,
                                     now - (self._t_power + (i + spp) / (self._rate * self.speed)))
                since = now - self._t_first_start
                drops = sorted(f.drop_times_s)
                if (f.drop_link_at_s is not None and not self._dropped and since >= f.drop_link_at_s) or (
                        self._drops_done < len(drops) and since >= drops[self._drops_done]):
                    if f.drop_link_at_s is not None and since >= f.drop_link_at_s and not self._dropped:
                        self._dropped = True
                    else:
                        self._drops_done += 1
                    self.drops += 1
                    self._offline_after_drop = True
                    await connection.disconnect()
                    return
                if f.dies_at_s is not None and since >= f.dies_at_s:
                    self.dead = True
                    # stop() cancels this task: run it beside, not inside.
                    asyncio.ensure_future(self.stop())
                    return
                next_i = None  # a stall loses its samples
                if not f.stalled(since):
                    next_i = i + spp
                    self.samples_sent += spp
                    payload = self.encoder.encode(rows, self._seq)
                    # A device may send one block as several notifications
                    # (Polar: an ACC frame and a GYRO frame): encode returns a list.
                    payloads = [payload] if isinstance(payload, (bytes, bytearray)) else list(payload)
                    k = self._seq + 1
                    bad = f.malformed_every and k % f.malformed_every == 0
                    if bad:
                        payloads[0] = payloads[0][: max(1, len(payloads[0]) // 3)]
                        self.malformed_sent += 1
                    if not bad and f.swap_every and k % f.swap_every == 0 and self._held is None:
                        self._held = (self._seq, rows, payloads)
                        self._seq += 1
                    else:
                        await self._notify(payloads, None if bad else (self._seq, rows))
                        self._seq += 1
                        if not bad and f.duplicate_every and k % f.duplicate_every == 0:
                            await self._notify(payloads, None)
                            self.duplicates_sent += 1
                        if self._held is not None:
                            held, self._held = self._held, None
                            await self._notify(held[2], held[:2])
                            self.swapped += 1
                # Pace on the device clock: next packet when its last sample is due.
                t_next = self._t_power + (i + spp) / (self._rate * self.speed)
                await asyncio.sleep(max(0.0, t_next - loop.time()))
        except asyncio.CancelledError:
            pass

    async def _wait_for_app(self, loop, samples: int) -> None:
        """While the stream is ``max_lead_s`` ahead of ``paced_by()``, send the next packet (of
        ``samples``) at real time instead: the device clock slows, no sample is skipped, and
        the link never falls silent (a stopped stream would look like a lost sensor).
        """
        if self.samples_sent - self.paced_by() > self.max_lead_s * self._rate:
            t0 = loop.time()
            await asyncio.sleep(samples / self._rate)
            self._t_power += loop.time() - t0

    async def _notify(self, payloads: list, record: tuple | None) -> None:
        """Notify ``payloads`` (or hold them for the burst); log ``record``
        (seq, rows) in ``sent`` once handed over."""
        if self.faults.batch_s > 0:
            if not self._burst:
                self._burst_t0 = asyncio.get_running_loop().time()
            self._burst.append((payloads, record))
            return
        await self._send(payloads, [record])

    async def _send(self, payloads: list, records: list) -> None:
        if getattr(self.encoder, "stream", False):
            # A UART bridge: the bytes go out in notifications as large as
            # the link allows, wherever the packets begin and end.
            data = b"".join(payloads)
            m = self._max_payload
            payloads = [data[k:k + m] for k in range(0, len(data), m)]
        try:
            for p in payloads:
                await self.device.notify_subscribers(self.notify_char, p)
        finally:
            # bumble queues the PDU before it yields, so a packet whose send
            # was cancelled (stop command) still went out.
            self.sent.extend(r for r in records if r is not None)

    def sent_rows(self) -> np.ndarray:
        """All rows notified in well-formed packets, (n, 7), device clock."""
        return np.concatenate([r for _, r in self.sent]) if self.sent else np.empty((0, 7))
