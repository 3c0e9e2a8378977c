"""An emulated IMU sensor: a bumble GATT peripheral on the virtual link.

It advertises like the real device (name, service UUID), exposes the
device's GATT service, obeys its start/stop commands and notifies packets
encoded with the device's own encoder, paced in real time (or ``speed``
times faster) from a pluggable feed. Its clock runs from power-on, so a
reconnect resumes at the current time and the samples produced while the
link was down are lost, as with hardware.

Fault injection (:class:`Faults`): drop the link (once or at many moments),
stall notifications, send malformed, duplicated or swapped packets, never
answer the start command, die for good (a flat battery).
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging

import numpy as np
from bumble import gatt
from bumble.core import UUID, AdvertisingData

from sensors.ble.bumble_backend import get_radio, make_device
from sensors.devices import Profile, get_profile
from sensors.emulated.feeds import sine_feed

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

    def stalled(self, since: float) -> bool:
        """True while a stall is on at ``since`` (s of streaming)."""
        spans = list(self.stalls)
        if self.stall_at_s is not None:
            spans.append((self.stall_at_s, self.stall_for_s))
        return any(a <= since < a + d for a, d in spans)


class EmulatedSensor:
    """One emulated device; ``await start()`` puts it on the running loop's radio.

    Parameters
    ----------
    profile : str or Profile
        Device type.
    address : str
        Random static address ("C4:…", top two bits set).
    feed : callable, optional
        ``feed(rate_hz) -> (n, 7)``: t (s), acc (m/s²), gyr (deg/s). Looped.
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
                 speed: float = 1.0, rssi_offset: int = 0) -> None:
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
        if self.profile.make_encoder is None:
            raise ValueError(f"no emulator for device type {self.profile.key!r} yet")
        self.encoder = self.profile.make_encoder()
        # Every packet actually notified: (seq, rows (n, 7)); tests compare against it.
        self.sent: list[tuple[int, np.ndarray]] = []
        self.commands: list[bytes] = []
        self.malformed_sent = 0
        self.connections = 0
        self._data: np.ndarray | None = None
        self._rate = self.profile.rate_hz
        self._stream_task: asyncio.Task | None = None
        self._t_power = 0.0
        self._t_first_start: float | None = None
        self._dropped = False
        self._drops_done = 0
        self._offline_after_drop = False
        self._held: tuple | None = None  # a packet held back to swap with the next
        self.duplicates_sent = 0
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
        p = self.profile
        props = gatt.Characteristic.Properties
        self.notify_char = gatt.Characteristic(
            p.notify_uuid, props.NOTIFY, gatt.Characteristic.READABLE, b"")
        chars = [self.notify_char]
        self.reply_char = self.notify_char if p.reply_uuid == p.notify_uuid else None
        if p.control_uuid and p.control_uuid != p.notify_uuid:
            cprops = props.WRITE | props.WRITE_WITHOUT_RESPONSE
            read_value = getattr(self.encoder, "read_value", None)
            if read_value is not None:
                cprops |= props.READ
            if p.reply_uuid == p.control_uuid:
                cprops |= props.INDICATE | props.NOTIFY  # a control point answers where it is written
            control = gatt.Characteristic(
                p.control_uuid, cprops, gatt.Characteristic.READABLE | gatt.Characteristic.WRITEABLE,
                gatt.CharacteristicValue(read=lambda _conn: read_value or b"", write=self._on_write))
            chars.append(control)
            if p.reply_uuid == p.control_uuid:
                self.reply_char = control
        self.device.add_service(gatt.Service(p.service_uuid, chars))
        self.device.on("connection", self._on_connection)
        if p.starts_on_subscribe:
            self.device.on("characteristic_subscription", self._on_subscription)

    def _adv_data(self) -> bytes:
        u = UUID(self.profile.service_uuid)
        kind = (AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS if len(u.to_bytes()) == 2
                else AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS)
        return bytes(AdvertisingData([
            (AdvertisingData.FLAGS, bytes([0x06])),
            (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode()[:29 - len(u.to_bytes())]),
            (kind, bytes(u.to_bytes())),
        ]))

    async def start(self) -> "EmulatedSensor":
        self._build()
        self.radio.rssi[self.address] = self.rssi_offset
        # Off the event loop: a simulated session takes seconds to generate.
        # A feed with ``rows(i0, n, rate_hz)`` (an emulated person) makes rows on demand.
        if not hasattr(self.feed, "rows"):
            self._data = np.asarray(await asyncio.to_thread(self.feed, self._rate), float)
        await self.device.power_on()
        await self._advertise()
        self._t_power = asyncio.get_running_loop().time()
        return self

    async def _advertise(self) -> None:
        if not self._closed and not self.device.is_advertising:
            # 50 ms: a short interval keeps scans (and tests) quick; real
            # sensors advertise every 20 ms to 1 s.
            await self.device.start_advertising(advertising_data=self._adv_data(), auto_restart=False,
                                                advertising_interval_min=50, advertising_interval_max=50)

    async def stop(self) -> None:
        """Power off: drop connections, stop advertising."""
        self._closed = True
        self._stop_stream()
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

    def _on_disconnection(self) -> None:
        self._stop_stream()
        # A packet held back for a swap dies with the link, unsent.
        self._held = None
        delay = self.faults.offline_for_s if self._offline_after_drop else 0.0
        self._offline_after_drop = False
        asyncio.get_running_loop().call_later(delay, lambda: asyncio.ensure_future(self._advertise()))

    # ---- commands ------------------------------------------------------
    def _on_write(self, connection, value: bytes) -> None:
        self.commands.append(bytes(value))
        cmd = self.encoder.command(bytes(value))
        if cmd is None or self.faults.ignore_start:
            return
        if cmd.reply is not None and self.reply_char is not None:
            asyncio.ensure_future(self.device.notify_subscribers(self.reply_char, cmd.reply))
        if cmd.action == "start":
            if cmd.rate_hz:
                self._set_rate(cmd.rate_hz)
            self._start_stream(connection)
        elif cmd.action == "stop":
            self._stop_stream()

    def _on_subscription(self, connection, characteristic, notify_enabled, indicate_enabled) -> None:
        # Devices like Thingy:52 stream as soon as notifications are enabled.
        if characteristic.uuid != self.notify_char.uuid or self.faults.ignore_start:
            return
        if notify_enabled or indicate_enabled:
            self._start_stream(connection)
        else:
            self._stop_stream()

    def _start_stream(self, connection) -> None:
        if self._stream_task is None or self._stream_task.done():
            self._stream_task = asyncio.ensure_future(self._stream(connection))

    def _set_rate(self, rate: float) -> None:
        if rate != self._rate:
            self._rate = float(rate)
            if not hasattr(self.feed, "rows"):
                self._data = np.asarray(self.feed(self._rate), float)

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
        rows = data[idx % len(data)].copy()
        rows[:, 0] = idx / self._rate
        return rows

    async def _stream(self, connection) -> None:
        loop = asyncio.get_running_loop()
        spp = self.encoder.samples_per_packet
        if self._t_first_start is None:
            self._t_first_start = loop.time()
        f = self.faults
        next_i = None  # a (re)connection resumes at the present: the rest was lost
        try:
            while True:
                now = loop.time()
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

    async def _notify(self, payloads: list, record: tuple | None) -> None:
        """Notify ``payloads``; log ``record`` (seq, rows) in ``sent`` once handed over."""
        try:
            for p in payloads:
                await self.device.notify_subscribers(self.notify_char, p)
        finally:
            # bumble queues the PDU before it yields, so a packet whose send
            # was cancelled (stop command) still went out.
            if record is not None:
                self.sent.append(record)

    def sent_rows(self) -> np.ndarray:
        """All rows notified in well-formed packets, (n, 7), device clock."""
        return np.concatenate([r for _, r in self.sent]) if self.sent else np.empty((0, 7))
