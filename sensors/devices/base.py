"""What the collector and the emulators need to know about a device type.

Each supported sensor has one module in :mod:`sensors.devices` that turns
notification bytes into samples (a *decoder*, no I/O) and, for the emulator,
samples back into the device's packets and command replies (an *encoder*).
The module exposes a :class:`Profile` named ``PROFILE``; the registry in
``sensors/devices/__init__.py`` lists them.

Decoder interface
-----------------
``feed(bytes) -> ndarray (n, 8)``: columns device time (s, NaN when the
device has no clock), acc x/y/z (m/s², including gravity), gyr x/y/z (deg/s),
seq (the device's packet counter, NaN if none). Zero rows for a packet that
holds no IMU data (a command reply, a status frame). A packet that does not
parse raises :class:`MalformedPacket`; the collector counts it and goes on.
Optionally ``feed_reply(bytes)`` for the replies a device sends on
``Profile.reply_uuid`` when that is not the data characteristic.

Encoder interface (emulator side)
---------------------------------
``samples_per_packet``; ``encode(block (n, 7), seq) -> bytes`` with rows
t (s, device clock), acc (m/s²), gyr (deg/s); ``command(bytes) ->
Command | None`` for a write to the control characteristic; optionally
``read_value`` (bytes a read of the control characteristic returns).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

#: How real devices misbehave, as the emulators reproduce them
#: (``sensors.emulated.Faults.named``, ``toehold record --emulate TYPE --fault KIND``).
FAULT_KINDS = ("stock-firmware", "refuse-start", "ignore-rate", "batched", "small-mtu",
               "slow-connect", "needs-bonding")


class MalformedPacket(ValueError):
    """A notification that does not parse as the device's packet format."""


class CommandRefused(RuntimeError):
    """The device answered a command (e.g. start) with an error status.

    Raised by a decoder's ``feed_reply``; the collector ends the recording
    with the message instead of waiting for data that will not come.
    """


@dataclasses.dataclass
class Command:
    """What an emulated device does on a control write.

    Attributes
    ----------
    action : {"start", "stop", None}
        Start or stop streaming; None: only reply.
    sampling_rate_hz : float, optional
        Rate the command asks for (start).
    reply : bytes, optional
        Sent to the client on ``Profile.reply_uuid`` (notify/indicate).
    """

    action: str | None
    sampling_rate_hz: float | None = None
    reply: bytes | None = None


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
    sampling_rate_hz : float
        Nominal sample rate (Hz) the collector asks for.
    has_clock : bool
        True when decoded rows carry the device's own timestamps.
    acc_quantum, gyr_quantum : float
        Resolution of one LSB (m/s², deg/s): how far a round trip may move a value.
    start_commands : callable
        ``sampling_rate_hz -> list of (char_uuid, bytes)``, written in order after
        subscribing to ``notify_uuid`` (and ``reply_uuid``).
    make_decoder : callable
        ``() -> decoder`` (see the module docstring).
    make_encoder : callable or None
        ``() -> encoder`` for the emulator; None: no emulator.
    advertised_name : str
        Name the emulator advertises.
    stop_commands : callable
        ``() -> list of (char_uuid, bytes)`` written at the end of a session.
    reply_uuid : str, optional
        Characteristic on which the device answers commands (indications or
        notifications); the collector subscribes to it before writing. May
        equal ``control_uuid`` (a control point) or ``notify_uuid``.
    starts_on_subscribe : bool
        The device streams as soon as the client enables notifications
        (no start command needed, e.g. Thingy:52's raw motion data).
    acc_range_g : float or None
        Full scale of the accelerometer as toehold configures it (g);
        readings at this limit are clipped (``info`` and the report warn).
    alternatives : tuple of (service, notify, control) UUIDs
        Other GATT layouts the same protocol is found under (e.g. a
        WitMotion dual-mode module's Microchip transparent UART); the
        collector uses whichever the device has.
    setup_advice : str
        What the user should do when the device lacks the service (shown
        with the cause, e.g. which firmware to flash).
    start : async callable, optional
        ``start(link, sampling_rate_hz)``: a start sequence that needs the device's
        answers (Polar's settings, Thingy's current configuration); ``link``
        is a :class:`DeviceLink`. None: ``start_commands`` are written in order.
    stop : async callable, optional
        ``stop(link)``: the stop sequence (restoring what ``start`` changed);
        None: ``stop_commands`` are written.
    min_mtu : int
        Smallest ATT MTU the device's packets fit in.
    """

    key: str
    name_prefixes: tuple[str, ...]
    service_uuid: str
    notify_uuid: str
    control_uuid: str | None
    sampling_rate_hz: float
    has_clock: bool
    acc_quantum: float
    gyr_quantum: float
    start_commands: Callable[[float], list]
    make_decoder: Callable[[], object]
    make_encoder: Callable[[], object] | None
    advertised_name: str = ""
    stop_commands: Callable[[], list] = lambda: []
    reply_uuid: str | None = None
    starts_on_subscribe: bool = False
    acc_range_g: float | None = None
    alternatives: tuple = ()
    setup_advice: str = ""
    start: Callable | None = None
    stop: Callable | None = None
    min_mtu: int = 23


class DeviceLink:
    """What a profile's ``start``/``stop`` sequence may do on a connected device.

    The collector implements it over bleak; ``state`` persists across
    reconnects of one session (e.g. the owner's settings to restore).

    Attributes
    ----------
    decoder : object
        The session's decoder (it has seen every reply so far).
    state : dict
        Per-session storage of the profile.
    """

    decoder: object
    state: dict

    async def write(self, uuid: str, payload: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    async def read(self, uuid: str) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError

    async def reply(self, timeout_s: float = 3.0) -> bytes:  # pragma: no cover - interface
        """The next command reply (after the decoder took it); raises
        :class:`CommandRefused` when the device said no."""
        raise NotImplementedError

    def warn(self, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class SetupFailed(RuntimeError):
    """The device is there but cannot be set up (no service, refused, not bonded).

    Retrying does not help; the message says the cause and what to do.
    """
