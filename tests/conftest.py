import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "samples"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def samples_dir():
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples is not present in this checkout")
    return SAMPLES


@pytest.fixture(autouse=True)
def private_cache_dir(tmp_path_factory, monkeypatch):
    """Each test's analysis cache in a folder of its own, never the user's real one."""
    d = tmp_path_factory.mktemp("toehold-cache")
    monkeypatch.setenv("TOEHOLD_CACHE_DIR", str(d))
    return d
