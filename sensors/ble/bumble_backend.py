"""A bleak backend on bumble's in-process virtual radio.

Why: the machine that runs the tests (and anyone trying toehold without a
sensor) has no Bluetooth adapter. bumble ships a full host stack (HCI, L2CAP,
ATT, GATT client and server) and a software ``Controller``; controllers that
share a ``bumble.link.LocalLink`` exchange advertising and ACL data in
memory. So the collector talks to an emulated sensor through the *real*
bleak API, bumble's real GATT client and the emulator's real GATT server: the
same code path as with hardware, minus the radio. This follows the approach
discussed for bleak upstream (bleak PR #1681, "bumble backend"), cut down to
the virtual link only.

One :class:`VirtualRadio` exists per event loop: the central (one bumble
``Device`` playing the phone/PC) and every emulated peripheral
(``sensors.emulated``) hang their controllers on its link.
"""
from __future__ import annotations

import asyncio
import logging
import uuid as _uuid
import weakref
from collections.abc import Callable
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bumble import att, hci
from bumble.controller import Controller
from bumble.core import UUID as BumbleUUID
from bumble.core import AdvertisingData, BaseBumbleError
from bumble.device import Device, Peer
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

log = logging.getLogger(__name__)

CENTRAL_ADDRESS = "F0:F0:F0:F0:F0:01"
# Keyed weakly by loop: a radio lives exactly as long as its event loop.
_RADIOS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, VirtualRadio] = weakref.WeakKeyDictionary()


def _bleak_uuid(u: BumbleUUID) -> str:
    """bumble UUID -> bleak's lower-case 128-bit string."""
    b = bytes(u.to_bytes(force_128=True))
    return str(_uuid.UUID(bytes=b[::-1]))


def _bumble_debug() -> bool:
    return logging.getLogger("bumble").isEnabledFor(logging.DEBUG)


# bumble's controller and host format every HCI packet for a debug log line
# (an f-string, built whether or not that log is on): in a guided session at
# --speed max that formatting was over a quarter of the profile (cProfile,
# tests/test_session_e2e.py). These two pass the packets on as bumble does,
# and let bumble log them only when its debug log is on.
class _QuietController(Controller):
    def on_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if _bumble_debug():
            return super().on_hci_packet(packet)
        if isinstance(packet, hci.HCI_Command):
            self.on_hci_command_packet(packet)
        elif isinstance(packet, hci.HCI_AclDataPacket):
            self.on_hci_acl_data_packet(packet)
        elif isinstance(packet, hci.HCI_Event):
            self.on_hci_event_packet(packet)
        else:
            super().on_hci_packet(packet)  # bumble's warning

    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if _bumble_debug():
            return super().send_hci_packet(packet)
        if self.host:
            asyncio.get_running_loop().call_soon(self.host.on_packet, bytes(packet))


class _QuietHost(Host):
    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if _bumble_debug() or self.snooper:
            return super().send_hci_packet(packet)
        if self.hci_sink:
            self.hci_sink.on_packet(bytes(packet))

    def on_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if _bumble_debug() or self.snooper:
            return super().on_hci_packet(packet)
        if isinstance(packet, hci.HCI_Event):
            self.on_hci_event_packet(packet)
        elif isinstance(packet, hci.HCI_AclDataPacket):
            self.on_hci_acl_data_packet(packet)
        else:
            super().on_hci_packet(packet)  # the rare kinds, as bumble handles them


def make_device(link: LocalLink, address: str, name: str) -> Device:
    """A bumble ``Device`` with its own software controller on ``link``."""
    ctrl = _QuietController(name, link=link, public_address=address)
    dev = Device(name=name, address=hci.Address(address), host=_QuietHost(ctrl, AsyncPipeSink(ctrl)))
    dev.toehold_controller = ctrl  # to take it off the link when the device powers off
    return dev


class VirtualRadio:
    """The shared in-memory link, its central, and the peripherals on it."""

    def __init__(self) -> None:
        self.link = LocalLink()
        self.central = make_device(self.link, CENTRAL_ADDRESS, "toehold-central")
        self._powered = False
        self._lock = asyncio.Lock()
        # Extra RSSI per address (dBm), settable by emulators, since the
        # virtual link reports a fixed level.
        self.rssi: dict[str, int] = {}

    async def ensure_on(self) -> None:
        async with self._lock:
            if not self._powered:
                await self.central.power_on()
                self._powered = True


def get_radio() -> VirtualRadio:
    """The virtual radio of the running event loop (created on first use)."""
    loop = asyncio.get_running_loop()
    radio = _RADIOS.get(loop)
    if radio is None:
        radio = _RADIOS[loop] = VirtualRadio()
    return radio


def reset_radio() -> None:
    """Forget the radio of the running loop (tests start from a clean link)."""
    _RADIOS.pop(asyncio.get_running_loop(), None)


def _adv_to_bleak(adv) -> tuple[str | None, list[str], dict[int, bytes], dict[str, bytes], int | None]:
    d = adv.data
    name = d.get(AdvertisingData.COMPLETE_LOCAL_NAME) or d.get(AdvertisingData.SHORTENED_LOCAL_NAME)
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    uuids: list[str] = []
    for t in (AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
              AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
              AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
              AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS):
        for lst in d.get_all(t):
            for u in lst:
                s = _bleak_uuid(u)
                if s not in uuids:
                    uuids.append(s)
    mfr: dict[int, bytes] = {}
    for item in d.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA):
        if isinstance(item, tuple):
            mfr[int(item[0])] = bytes(item[1])
    tx = d.get(AdvertisingData.TX_POWER_LEVEL)
    return name, uuids, mfr, {}, tx


class BumbleScanner(BaseBleakScanner):
    """bleak scanner backend: bumble active scanning on the virtual link."""

    def __init__(self, detection_callback=None, service_uuids=None, scanning_mode="active", **kwargs: Any):
        super().__init__(detection_callback, service_uuids)
        self._radio: VirtualRadio | None = None

    def _on_adv(self, adv) -> None:
        name, uuids, mfr, sdata, tx = _adv_to_bleak(adv)
        if not self.is_allowed_uuid(uuids):
            return
        address = str(adv.address).split("/")[0]
        rssi = int(adv.rssi) + self._radio.rssi.get(address, 0)
        ad = AdvertisementData(local_name=name, manufacturer_data=mfr, service_data=sdata,
                               service_uuids=uuids, tx_power=tx, rssi=rssi, platform_data=(adv,))
        dev = self.create_or_update_device(address, address, name, adv, ad)
        self.call_detection_callbacks(dev, ad)

    async def start(self) -> None:
        self._radio = get_radio()
        await self._radio.ensure_on()
        self.seen_devices = {}
        self._radio.central.on("advertisement", self._on_adv)
        await self._radio.central.start_scanning(filter_duplicates=False)

    async def stop(self) -> None:
        if self._radio is None:
            return
        self._radio.central.remove_listener("advertisement", self._on_adv)
        if self._radio.central.is_scanning:
            await self._radio.central.stop_scanning()


class BumbleClient(BaseBleakClient):
    """bleak client backend: bumble's GATT client over the virtual link."""

    def __init__(self, address_or_ble_device: BLEDevice | str, services=None, **kwargs: Any) -> None:
        super().__init__(address_or_ble_device,
                         disconnected_callback=kwargs.pop("disconnected_callback", None),
                         timeout=kwargs.pop("timeout", 10.0))
        self._connection = None
        self._peer: Peer | None = None
        self._subscribers: dict[int, Callable] = {}
        self._name = getattr(address_or_ble_device, "name", None) or self.address

    @property
    def name(self) -> str:
        return self._name

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool = False, **kwargs: Any) -> None:
        radio = get_radio()
        await radio.ensure_on()
        timeout = kwargs.get("timeout", self._timeout)
        if radio.link.find_le_controller(hci.Address(self.address)) is None:
            raise BleakDeviceNotFoundError(self.address, f"Device with address {self.address} was not found.")
        if radio.central.is_scanning:
            # A real adapter cannot initiate while scanning on every stack either.
            await radio.central.stop_scanning()
        try:
            conn = await radio.central.connect(hci.Address(self.address), timeout=timeout)
        except Exception as err:  # bumble raises its own timeout/connection errors
            raise BleakError(f"connect to {self.address} failed: {err}") from err
        self._connection = conn
        conn.on("disconnection", self._on_disconnection)
        peer = Peer(conn)
        self._peer = peer
        # BlueZ, CoreBluetooth and WinRT all negotiate a large ATT MTU on
        # connect; do the same, or notifications over 20 bytes are truncated.
        # Through _gatt: a device that drops the link during discovery
        # (``slow-connect``) is a BleakError, as on BlueZ, not a cancellation.
        await self._gatt(asyncio.wait_for(peer.request_mtu(247), timeout))
        await self._gatt(asyncio.wait_for(peer.discover_all(), timeout))
        self.services = self._build_services(peer)

    def _build_services(self, peer: Peer) -> BleakGATTServiceCollection:
        coll = BleakGATTServiceCollection()
        mtu = lambda: max(20, self.mtu_size - 3)  # noqa: E731
        for s in peer.services:
            bs = BleakGATTService(s, s.handle, _bleak_uuid(s.uuid))
            coll.add_service(bs)
            for c in s.characteristics:
                props = [str(p.name).lower() for p in type(c.properties) if p in c.properties]
                props = [p.replace("write_without_response", "write-without-response")
                          .replace("authenticated_signed_writes", "authenticated-signed-writes")
                          .replace("extended_properties", "extended-properties") for p in props]
                bc = BleakGATTCharacteristic(c, c.handle, _bleak_uuid(c.uuid), props, mtu, bs)
                coll.add_characteristic(bc)
                for d in c.descriptors:
                    coll.add_descriptor(BleakGATTDescriptor(d, d.handle, _bleak_uuid(d.type), bc))
        return coll

    def _on_disconnection(self, reason: int) -> None:
        was = self._connection is not None
        self._connection = None
        self._peer = None
        if was and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        conn = self._connection
        if conn is None:
            return
        # Solicited: bleak's contract is that the callback fires only on
        # unsolicited disconnects.
        self._connection = None
        self._peer = None
        try:
            await conn.disconnect()
        except Exception as err:  # already gone on the other side
            log.debug("disconnect: %s", err)

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("pairing is not needed by the emulated sensors")

    async def unpair(self) -> None:
        raise NotImplementedError("pairing is not needed by the emulated sensors")

    def _require(self) -> Peer:
        if self._peer is None:
            raise BleakError("Not connected")
        return self._peer

    @staticmethod
    def _att(err: att.ATT_Error) -> BleakError:
        # Worded as BlueZ words a failed GATT operation, so callers see the
        # same text as on Linux.
        code = err.error_code
        if 0x80 <= code <= 0x9F:
            name = "Application Error"
        else:
            try:
                name = att.ErrorCode(code).name.replace("_", " ").title()
            except ValueError:
                name = "Unknown"
        return BleakError(f"Operation failed with ATT error: 0x{err.error_code:02x} ({name})")

    async def _gatt(self, op):
        """Run a GATT operation; ATT errors and a link lost under it as BleakError."""
        try:
            return await op
        except att.ATT_Error as err:
            raise self._att(err) from err
        except BaseBumbleError as err:
            # e.g. "GATT timeout for ATT_WRITE_REQUEST": a device that stopped
            # answering, which bleak reports as a BleakError on every platform.
            raise BleakError(str(err)) from err
        except asyncio.CancelledError:
            # bumble cancels the pending request when the link drops; only
            # a cancellation of the caller itself goes on as one.
            task = asyncio.current_task()
            if self._connection is None and task is not None and not task.cancelling():
                raise BleakError("Not connected (the link dropped during the operation)") from None
            raise

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, *, use_cached=False, **kwargs) -> bytearray:
        return bytearray(await self._gatt(self._require().read_value(characteristic.obj)))

    async def read_gatt_descriptor(self, descriptor: BleakGATTDescriptor, *, use_cached=False, **kwargs) -> bytearray:
        return bytearray(await self._gatt(self._require().read_value(descriptor.obj)))

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data, response: bool) -> None:
        await self._gatt(self._require().write_value(characteristic.obj, bytes(data), with_response=response))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data) -> None:
        await self._gatt(self._require().write_value(descriptor.obj, bytes(data), with_response=True))

    async def start_notify(self, characteristic: BleakGATTCharacteristic, callback, **kwargs: Any) -> None:
        def sub(value: bytes) -> None:
            callback(bytearray(value))
        self._subscribers[characteristic.handle] = sub
        await self._gatt(self._require().subscribe(characteristic.obj, sub))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        sub = self._subscribers.pop(characteristic.handle, None)
        if self._peer is not None:
            await self._peer.unsubscribe(characteristic.obj, sub)
