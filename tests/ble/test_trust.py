"""Trust boundaries: the chosen device only, no pairing, files are data, names are text."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import numpy as np

from sensors.ble.bumble_backend import BumbleClient, BumbleScanner
from sensors.ble.collector import Collector, Target
from sensors.emulated import EmulatedSensor, Faults, sine_feed
from sensors.stream import MemorySink

from . import one_packet

ROOT = Path(__file__).resolve().parents[2]


def run(coro, timeout=30):
    return asyncio.run(asyncio.wait_for(coro, timeout))


class SpyClient(BumbleClient):
    """The virtual-link client, noting every pairing request."""

    pair_calls: list = []

    async def connect(self, pair: bool = False, **kwargs):
        SpyClient.pair_calls.append(("connect", pair))
        await super().connect(pair=False, **kwargs)

    async def pair(self, *args, **kwargs):
        SpyClient.pair_calls.append(("pair", args, kwargs))


def test_reconnect_goes_back_to_the_chosen_address_not_a_same_name_device():
    """Two sensors advertise the same name; the user gave B's address. After B drops, A
    is on the air and B is not: the collector waits for B and takes nothing from A."""
    async def go():
        a = await EmulatedSensor("generic", address="C4:00:00:00:03:0A", feed=sine_feed(seed=1)).start()
        b = await EmulatedSensor("generic", address="C4:00:00:00:03:0B", feed=sine_feed(seed=2),
                                 faults=Faults(drop_link_at_s=0.5, offline_for_s=0.8)).start()
        assert a.name == b.name
        mem = MemorySink()
        SpyClient.pair_calls = []
        col = Collector(mem, client_backend=SpyClient, scanner_backend=BumbleScanner,
                        scan_timeout_s=2.0, give_up_after_s=5)
        await col.run([Target("x", "c4:00:00:00:03:0b")], duration_s=2.5)
        return a, b, col.stats["x"], mem
    a, b, st, mem = run(go())
    assert st.address == "C4:00:00:00:03:0B" and st.reconnects == 1
    assert a.connections == 0 and b.connections == 2
    got, sent = mem.array("x"), b.sent_rows()
    assert 0 <= len(sent) - len(got) <= one_packet("generic")
    np.testing.assert_allclose(got[:, 4:7], sent[: len(got), 4:7], atol=0.06)
    # Never asked to pair or bond: none of the supported sensors needs it.
    assert SpyClient.pair_calls and all(c == ("connect", False) for c in SpyClient.pair_calls)


def test_collector_never_pairs():
    """The source has no pairing call, so a future edit that adds one must come with a reason."""
    src = (ROOT / "sensors" / "ble" / "collector.py").read_text()
    assert not re.search(r"\.pair\(|pair\s*=\s*True", src)


def test_input_files_are_data_only():
    """No code path that turns file contents into code or objects."""
    pattern = re.compile(r"\bpickle\b|read_pickle|allow_pickle\s*=\s*True|\beval\(|\bexec\(|"
                         r"yaml\.load\(|yaml\.unsafe_load|\bmarshal\b|\bshelve\b|torch\.load")
    hits = []
    for folder in ("sensors", "toehold", "analysis"):
        for p in (ROOT / folder).rglob("*.py"):
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line.split("#")[0]):
                    hits.append(f"{p.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not hits, hits


def test_metadata_with_mathtext_renders_literally(tmp_path, monkeypatch):
    """A subject or device name with ``$`` or ``\\`` is drawn as typed, not parsed as mathtext."""
    import matplotlib.pyplot as plt

    from analysis.pipeline import analyze_recording
    from sensors.recording import read_recording, write_recording
    from sensors.simulator import simulate_session
    from toehold import report

    subject = "$x^2$ O'Brien \\alpha"
    device = "WT901 $\\frac{1}{ (cheap $ fw)"   # unbalanced: mathtext would raise
    rec, _ = simulate_session(seed=3)
    rec.metadata.update({"subject": subject, "device": device, "placement": "foot", "side": "left"})
    path = tmp_path / "m.csv"
    write_recording(path, rec.data, rec.metadata)
    doc = analyze_recording(read_recording(path))
    figs = []
    real_close = plt.close
    monkeypatch.setattr(report.plt, "close", lambda fig=None: figs.append(fig))
    report.render_report([doc], tmp_path / "r.png")
    real_close("all")
    texts = [t for ax in figs[0].axes for t in ax.texts]
    drawn = [t for t in texts if subject in t.get_text()]
    assert drawn and device in drawn[0].get_text()
    assert not any(t.get_parse_math() for t in drawn)
    assert (tmp_path / "r.png").stat().st_size > 10_000
