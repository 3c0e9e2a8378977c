"""``toehold analyze --dask``: one task per recording on a Dask cluster, one table back."""
import csv
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from toehold import batch

# Found, not imported, at collection: dask's import (0.6 s of CPU) is paid
# only by the xdist worker that runs these tests, not by every worker.
pytestmark = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="dask[distributed] is not installed")


@pytest.fixture(scope="module")
def distributed():
    import distributed

    return distributed

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "recordings" / "demo.csv"


@pytest.fixture
def folder(tmp_path):
    tmp_path = tmp_path / "recordings"
    tmp_path.mkdir()
    lines = DEMO.read_text().splitlines(keepends=True)
    head = next(i for i, line in enumerate(lines) if line.startswith("t,"))
    shutil.copy(DEMO, tmp_path / "a.csv")
    (tmp_path / "b.csv").write_text("".join(lines[:head + 1 + 24000]))
    (tmp_path / "c_bad.csv").write_text("t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0,1,2,3,4,5,6\n0.01,1,x,3,4,5,6\n")
    return tmp_path


def test_dask_cluster_gives_one_row_per_recording_as_the_local_batch(folder, distributed):
    files = batch.collect([folder])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        rows = batch.analyze_dask(files, cluster.scheduler_address, use_cache=False)
    local = [batch.summary_row(r) for r in batch.analyze_many(files, jobs=1, use_cache=False)]
    assert rows == local
    assert [Path(r["path"]).name for r in rows] == ["a.csv", "b.csv", "c_bad.csv"]
    a, b, bad = rows
    assert a["toe_press_reps"] == 11 and a["ankle_circles_cw"] + a["ankle_circles_ccw"] > 0
    assert b["duration_s"] < a["duration_s"] and b["ankle_circles_bouts"] == 0
    assert "c_bad.csv:3: column acc_y is not a number" in bad["error"] and bad["duration_s"] is None


def test_dask_workers_share_the_users_cache(folder, monkeypatch, private_cache_dir, distributed):
    files = batch.collect([folder])[:2]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        first = batch.analyze_dask(files, cluster.scheduler_address)
        assert len(list(private_cache_dir.glob("*.json"))) == 2
        calls = []
        monkeypatch.setattr("analysis.pipeline.analyze_recording",
                            lambda *a, **k: calls.append(1) or {})
        again = batch.analyze_dask(files, cluster.scheduler_address)
    assert again == first and not calls


def test_cli_writes_the_table_as_csv_or_json(folder, cli, distributed):
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        for name in ("table.csv", "table.json"):
            out = cli("analyze", folder, "--dask", cluster.scheduler_address, "-o", folder.parent / name,
                      cwd=ROOT)
            assert out.returncode == 1  # c_bad.csv
            assert out.stderr.count("\n") == 1 and "c_bad.csv:3:" in out.stderr
            assert "3 recordings, 1 failed" in out.stdout
    with open(folder.parent / "table.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [Path(r["path"]).name for r in table] == ["a.csv", "b.csv", "c_bad.csv"]
    assert table[0]["toe_press_reps"] == "11"
    assert json.loads((folder.parent / "table.json").read_text())[0]["toe_press_reps"] == 11


def test_unreachable_scheduler_is_one_clear_line(folder):
    from toehold.cli import UserError

    with pytest.raises(UserError, match=r"^cannot reach the Dask scheduler tcp://127.0.0.1:9: ") as err:
        batch.analyze_dask([folder / "a.csv"], "tcp://127.0.0.1:9", connect_timeout_s=1)
    assert "\n" not in str(err.value)
