"""Fuzzing every device decoder in ``sensors.devices.PROFILES``.

Radio noise, a firmware update or another vendor's sensor can put any bytes
in a notification. A decoder must answer with rows the collector can use
(a finite ``(n, 8)`` array, NaN only where the device has no clock or no
counter) or raise :class:`MalformedPacket`, which the collector counts; any
other exception would end a patient's session. New device modules are
covered as soon as they are registered.

``TOEHOLD_FUZZ_EXAMPLES`` sets the number of generated inputs per test and
decoder (default 50; 10000 for the full run).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors.devices import PROFILES, MalformedPacket
from sensors.devices.base import CommandRefused

EXAMPLES = int(os.environ.get("TOEHOLD_FUZZ_EXAMPLES", "50"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
CORPUS = Path(__file__).parent / "corpus" / "devices"
KINDS = sorted(PROFILES)


def check_packet(decoder, data: bytes, profile) -> None:
    """One notification: usable rows or MalformedPacket, nothing else."""
    try:
        rows = decoder.feed(data)
    except (MalformedPacket, CommandRefused):
        return
    rows = np.asarray(rows)
    assert rows.ndim == 2 and rows.shape[1] == 8, rows.shape
    assert np.all(np.isfinite(rows[:, 1:7])), "non-finite acc/gyr"
    for col, present in ((0, profile.has_clock), (7, None)):
        c = rows[:, col]
        if present:
            assert np.all(np.isfinite(c)), "device clock missing"
        # NaN means "not provided"; an infinity is never a time or a counter.
        assert not np.any(np.isinf(c))


def valid_packets(kind: str, n: int = 6) -> list[bytes]:
    """Real packets of this device, from its encoder (empty when it has none)."""
    from sensors.emulated.encoders import make_encoder

    p = PROFILES[kind]
    enc = make_encoder(p)
    if enc is None:
        return []
    spp = enc.samples_per_packet
    rng = np.random.default_rng(0)
    out = []
    for k in range(n):
        block = np.empty((spp, 7))
        block[:, 0] = (k * spp + np.arange(spp)) / p.sampling_rate_hz
        block[:, 1:4] = rng.normal(0, 3, (spp, 3)) + [0, 0, 9.81]
        block[:, 4:7] = rng.normal(0, 100, (spp, 3))
        payload = enc.encode(block, k)
        # Some devices send one block as several notifications (Polar: ACC and GYRO frames).
        out.extend([bytes(payload)] if isinstance(payload, (bytes, bytearray)) else map(bytes, payload))
    return out


@st.composite
def mutated(draw, packets: list[bytes]) -> bytes:
    """A real packet with bit flips, cut short, extended or spliced."""
    data = bytearray(draw(st.sampled_from(packets)))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["flip", "cut", "extend", "byte", "splice"]))
        if op == "flip" and data:
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "byte" and data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.sampled_from([0, 0x7F, 0x80, 0xFF]))
        elif op == "cut":
            data = data[: draw(st.integers(0, len(data)))]
        elif op == "extend":
            data += draw(st.binary(min_size=1, max_size=40))
        elif op == "splice":
            other = draw(st.sampled_from(packets))
            data = data[: draw(st.integers(0, len(data)))] + other[draw(st.integers(0, len(other))):]
    return bytes(data)


@pytest.mark.parametrize("kind", KINDS)
def test_random_bytes(kind):
    p = PROFILES[kind]

    @FUZZ
    @given(packets=st.lists(st.binary(max_size=260), min_size=1, max_size=8))
    def go(packets):
        dec = p.make_decoder()  # a stream of packets: decoders keep state (clock unwrap)
        for data in packets:
            check_packet(dec, data, p)
    go()


@pytest.mark.parametrize("kind", KINDS)
def test_mutated_valid_packets(kind):
    p = PROFILES[kind]
    packets = valid_packets(kind)
    if not packets:
        pytest.skip(f"{kind} has no encoder to make valid packets from")
    dec0 = p.make_decoder()
    # The unmutated packets decode (a multi-frame device may emit its rows
    # on the last frame of a block).
    assert sum(len(dec0.feed(data)) for data in packets) > 0

    @FUZZ
    @given(stream=st.lists(mutated(packets), min_size=1, max_size=8))
    def go(stream):
        dec = p.make_decoder()
        for data in stream:
            check_packet(dec, data, p)
    go()


@pytest.mark.parametrize("kind", KINDS)
def test_replies_fuzzed(kind):
    """Command replies (on decoders that take them) are bytes from the air too."""
    p = PROFILES[kind]
    if not hasattr(p.make_decoder(), "feed_reply"):
        pytest.skip(f"{kind} takes no replies")

    @FUZZ
    @given(replies=st.lists(st.binary(max_size=64), min_size=1, max_size=4),
           data=st.binary(max_size=120))
    def go(replies, data):
        dec = p.make_decoder()
        for r in replies:
            try:
                dec.feed_reply(r)
            except MalformedPacket:
                pass
        check_packet(dec, data, p)
    go()


def test_regression_corpus():
    """Stored packets (``<kind>__<name>.bin``) that once broke a decoder."""
    files = sorted(CORPUS.glob("*.bin"))
    assert files
    for f in files:
        kind = f.name.split("__")[0]
        if kind not in PROFILES:
            continue
        p = PROFILES[kind]
        check_packet(p.make_decoder(), f.read_bytes(), p)
