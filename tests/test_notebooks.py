"""The notebooks run top to bottom, so they never rot."""
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
# Smaller inputs than a reader's run (papermill's convention: a cell after
# the one tagged "parameters" overrides it), so the suite stays under 3
# minutes: every cell still runs, on fewer simulated sessions or people.
SMALLER = {
    "adherence_history.ipynb": "plan = [plan[0], plan[-1]]  # two days",
    "cohort_progress.ipynb": "n_people = 4",
}


# The first notebook a reader opens runs in the default run; the cohort and
# adherence notebooks (13 s of CPU, a kernel each) with TOEHOLD_LONG=1.
@pytest.mark.parametrize("path", [pytest.param(p, marks=[] if p.name == "explore_recording.ipynb" else pytest.mark.long)
                                  for p in NOTEBOOKS], ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    # Imported here, not at collection: nbclient pulls in jupyter_client and
    # zmq (0.35 s of CPU), which only the worker running a notebook needs.
    import nbformat
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell

    nb = nbformat.read(path, as_version=4)
    if path.name in SMALLER:
        (k,) = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
        nb.cells.insert(k + 1, new_code_cell(SMALLER[path.name]))
    # Run in a scratch folder that sees the repository's recordings, so what
    # a notebook writes (a report PNG) does not land in the checkout.
    (tmp_path / "recordings").symlink_to(path.parents[1] / "recordings")
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
