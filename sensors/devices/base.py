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
from typing import Callable

G = 9.80665


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
    rate_hz : float, optional
        Rate the command asks for (start).
    reply : bytes, optional
        Sent to the client on ``Profile.reply_uuid`` (notify/indicate).
    """

    action: str | None
    rate_hz: float | None = None
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
    rate_hz : float
        Nominal sample rate (Hz) the collector asks for.
    has_clock : bool
        True when decoded rows carry the device's own timestamps.
    acc_quantum, gyr_quantum : float
        Resolution of one LSB (m/s², deg/s): how far a round trip may move a value.
    start_commands : callable
        ``rate_hz -> list of (char_uuid, bytes)``, written in order after
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
    reply_uuid: str | None = None
    starts_on_subscribe: bool = False
