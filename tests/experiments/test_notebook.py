"""docs/quickstart.ipynb: stored without outputs, and it runs from top to bottom."""

from __future__ import annotations

import sys
from pathlib import Path

import nbclient
import nbformat
from jupyter_client.kernelspec import KernelSpecManager

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "quickstart.ipynb"
KERNEL = "python3"
CELL_TIMEOUT_S = 120


def test_the_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code, "the quickstart has no code"
    for i, cell in enumerate(code):
        assert cell.outputs == [], f"code cell {i} has stored outputs"
        assert cell.execution_count is None, f"code cell {i} has an execution count"


def test_the_notebook_runs(tmp_path):
    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    # the kernel must be this environment's Python, which has rainforest installed
    assert Path(spec.resource_dir).resolve().is_relative_to(Path(sys.prefix).resolve()), (
        f"kernel {KERNEL!r} is not this environment's ({spec.resource_dir})"
    )
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(tmp_path)}},
    )  # fmt: skip
    client.execute()
    shown = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in shown if out.output_type == "error"]
    assert any("image/png" in out.get("data", {}) for out in shown), "no fan chart shown"
