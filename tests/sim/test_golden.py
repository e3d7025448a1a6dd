"""Golden trajectories: every indicator at every tick, bit for bit.

They pin the model's numbers. A refactor must reproduce them exactly; a deliberate model
change regenerates them with ``make golden`` (which prints, for each case, every
indicator whose trajectory moved and its 2030 value before and after) and shows that
diff in its note.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rainforest.runs.execute import run_one
from rainforest.scenarios import apply_overrides, load_scenario
from rainforest.scenarios.ensemble import as_overrides, median_overrides
from rainforest.sim.indicators import INDICATOR_NAMES

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
# The compounding_outside market form, with its own ensemble's median set: its
# trajectories are pinned like the default form's (regenerated with them, on purpose).
EARLIER = GOLDEN / "compounding_outside"

CASES = [
    *[
        (name, "classroom", seed)
        for name in ("baseline", "action_plan", "no_array", "no_rainforest")
        for seed in (0, 1, 2)
    ],
    ("action_plan", "district", 0),
    ("action_plan", "city", 0),
]


def _path(name: str, scale: str, seed: int) -> Path:
    return GOLDEN / f"{name}-{scale}-{seed}.parquet"


def _trajectory(name: str, scale: str, seed: int) -> np.ndarray:
    """(tick, indicator) values of one run, as float64."""
    frame = run_one(load_scenario(name), seed, scale=scale).indicators
    return frame[list(INDICATOR_NAMES)].to_numpy(dtype=np.float64)


def _read(path: Path) -> dict[str, np.ndarray]:
    table = pq.read_table(path)
    return {name: table.column(name).to_numpy() for name in table.column_names}


def _write(path: Path, values: np.ndarray) -> None:
    columns = {"tick": np.arange(len(values), dtype=np.int64)}
    columns.update({name: values[:, i] for i, name in enumerate(INDICATOR_NAMES)})
    tmp = path.with_suffix(".tmp")
    pq.write_table(pa.table(columns), tmp)
    tmp.replace(path)


def _moved(before: dict[str, np.ndarray], after: np.ndarray) -> list[str]:
    lines = []
    for i, name in enumerate(INDICATOR_NAMES):
        old = before.get(name)
        new = after[:, i]
        if old is None or len(old) != len(new) or not np.array_equal(old, new):
            first = "new" if old is None else f"{old[-1]:.6g}"
            lines.append(f"  {name}: {first} -> {new[-1]:.6g} (last tick)")
    return lines


@pytest.mark.parametrize(("name", "scale", "seed"), CASES, ids=lambda v: str(v))
def test_every_indicator_equals_its_golden_trajectory(request, name, scale, seed):
    path = _path(name, scale, seed)
    values = _trajectory(name, scale, seed)
    if request.config.getoption("--update-golden"):
        before = _read(path) if path.exists() else {}
        moved = _moved(before, values)
        _write(path, values)
        print(f"\n{path.name}: " + ("unchanged" if not moved else "moved\n" + "\n".join(moved)))
        return
    golden = _read(path)
    assert np.array_equal(golden["tick"], np.arange(len(values)))
    moved = _moved(golden, values)
    assert not moved, f"{path.name} moved (run `make golden` if on purpose):\n" + "\n".join(moved)


def _compounding_trajectory(name: str, scale: str, seed: int) -> np.ndarray:
    median = as_overrides(median_overrides(form="compounding_outside"))
    scenario = apply_overrides(
        load_scenario(name), {**median, "market.form": "compounding_outside"}
    )
    frame = run_one(scenario, seed, scale=scale).indicators
    return frame[list(INDICATOR_NAMES)].to_numpy(dtype=np.float64)


@pytest.mark.parametrize(("name", "scale", "seed"), CASES, ids=lambda v: str(v))
def test_the_compounding_outside_form_equals_its_golden_trajectory(request, name, scale, seed):
    path = EARLIER / f"{name}-{scale}-{seed}.parquet"
    values = _compounding_trajectory(name, scale, seed)
    if request.config.getoption("--update-golden"):
        before = _read(path) if path.exists() else {}
        moved = _moved(before, values)
        _write(path, values)
        print(
            f"\n{path.name} (compounding): "
            + ("unchanged" if not moved else "moved\n" + "\n".join(moved))
        )
        return
    golden = _read(path)
    assert np.array_equal(golden["tick"], np.arange(len(values)))
    moved = _moved(golden, values)
    assert not moved, f"{path.name} moved (run `make golden` if on purpose):\n" + "\n".join(moved)
