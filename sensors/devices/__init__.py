"""Supported BLE sensors: one module per device protocol, bytes in, samples out.

Each module exposes ``PROFILE`` (a :class:`sensors.devices.base.Profile`).
To add a device, write its module and list it in ``_MODULES``.
"""
from __future__ import annotations

import importlib

from sensors.contract import G
from sensors.devices.base import Command, MalformedPacket, Profile

# Order: the order of ``--type`` choices, and of recognition in a scan
# (the most specific name prefixes first; ``generic`` last).
_MODULES = ("witmotion", "polar", "movesense", "thingy", "generic")


def _load() -> dict[str, Profile]:
    profiles = {}
    for name in _MODULES:
        try:
            module = importlib.import_module(f"sensors.devices.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"sensors.devices.{name}":
                continue  # not written yet
            raise
        profiles[module.PROFILE.key] = module.PROFILE
    return profiles


PROFILES: dict[str, Profile] = _load()
TYPES: tuple[str, ...] = tuple(PROFILES)


def get_profile(key: str) -> Profile:
    """The profile of device type ``key``; KeyError naming the known types."""
    try:
        return PROFILES[key]
    except KeyError:
        raise KeyError(f"device type {key!r} is not available (have: {', '.join(TYPES)})") from None


def available_types() -> list[str]:
    """Types the collector can decode."""
    return list(TYPES)


def emulated_types() -> list[str]:
    """Types with an emulator (an encoder for the device's packets)."""
    from sensors.emulated.encoders import ENCODERS

    return [k for k, p in PROFILES.items() if p.make_encoder is not None or k in ENCODERS]


def recognise(name: str | None, service_uuids=()) -> str | None:
    """Device type from an advertisement (name prefix or service UUID), else None."""
    uuids = {u.lower() for u in service_uuids or ()}
    for key, p in PROFILES.items():
        if name and any(name.startswith(pre) for pre in p.name_prefixes):
            return key
        if p.service_uuid.lower() in uuids:
            return key
    return None


__all__ = ["G", "Command", "MalformedPacket", "Profile", "PROFILES", "TYPES", "get_profile",
           "available_types", "emulated_types", "recognise"]
