"""docs/ODD.md must describe the code: its parameters, rules, indicators, steps and fields.

The checks read the code (the scenario schema, the compiled rules, the indicator list, the
tick's steps, the fields table, the sim modules) and fail when the document misses or
misstates any of them.
"""

from __future__ import annotations

import importlib
import math
import re
import types
import typing
from pathlib import Path

import pytest
from numba.core.dispatcher import Dispatcher
from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from rainforest.scenarios import fields
from rainforest.scenarios.schema import Scenario
from rainforest.sim import rules
from rainforest.sim.indicators import INDICATOR_NAMES
from rainforest.sim.loop import STEPS

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
SKIPPED = {"name", "description"}  # identify a scenario; no part of the model


@pytest.fixture(scope="module")
def odd() -> str:
    assert ODD.is_file(), f"{ODD} is missing"
    return ODD.read_text(encoding="utf-8")


def _submodel(annotation) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (``Model`` or ``Model | None``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None


def schema_parameters() -> dict[str, object]:
    """Every leaf parameter of the scenario schema by dotted name, with its default."""
    out: dict[str, object] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            if not prefix and name in SKIPPED:
                continue
            sub = _submodel(info.annotation)
            if sub is not None:
                walk(sub, f"{prefix}{name}.")
            elif info.is_required():
                out[prefix + name] = PydanticUndefined
            else:
                out[prefix + name] = info.get_default(call_default_factory=True)

    walk(Scenario, "")
    return out


def section(text: str, title: str) -> str:
    """The body of the heading containing ``title``, up to the next heading of its level."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(#+)\s", line)
        if m and title in line:
            level = len(m.group(1))
            body = []
            for nxt in lines[i + 1 :]:
                h = re.match(r"^(#+)\s", nxt)
                if h and len(h.group(1)) <= level:
                    break
                body.append(nxt)
            return "\n".join(body)
    raise AssertionError(f"docs/ODD.md has no heading containing {title!r}")


def table_rows(text: str) -> list[list[str]]:
    """Cells of every Markdown table row (separator rows left out)."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("|") or re.fullmatch(r"\|[\s:|-]+\|", line):
            continue
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def parameter_rows(odd: str) -> dict[str, str]:
    """Parameter table rows by the backticked dotted name in their first cell -> default cell."""
    rows: dict[str, str] = {}
    for cells in table_rows(section(odd, "Parameter table")):
        m = re.fullmatch(r"`([A-Za-z0-9_.]+)`", cells[0])
        if m and len(cells) >= 2:
            assert m.group(1) not in rows, f"{m.group(1)} is listed twice"
            rows[m.group(1)] = cells[1]
    return rows


def default_matches(cell: str, default: object) -> bool:
    text = cell.replace("`", "").strip().strip('"').strip("'")
    if default is PydanticUndefined:
        return "required" in text.lower()
    if isinstance(default, bool):
        return text.lower() == str(default).lower()
    if isinstance(default, dict):
        return text == "{}" and not default
    if isinstance(default, int | float):
        try:
            return math.isclose(float(text.replace(",", "").replace("_", "")), default)
        except ValueError:
            return False
    return text == str(default)


def test_every_schema_parameter_is_in_the_parameter_table(odd):
    rows = parameter_rows(odd)
    missing = [name for name in schema_parameters() if name not in rows]
    assert not missing, f"not in docs/ODD.md's parameter table: {missing}"


def test_the_parameter_table_gives_the_schema_defaults(odd):
    rows = parameter_rows(odd)
    wrong = {
        name: (rows[name], default)
        for name, default in schema_parameters().items()
        if name in rows and not default_matches(rows[name], default)
    }
    assert not wrong, f"defaults in docs/ODD.md differ from the schema (doc, code): {wrong}"


def test_the_parameter_table_lists_no_unknown_parameter(odd):
    known = schema_parameters()
    stale = [name for name in parameter_rows(odd) if name not in known]
    assert not stale, f"docs/ODD.md lists parameters the schema does not have: {stale}"


def rule_functions() -> list[str]:
    return sorted(
        name
        for name, obj in vars(rules).items()
        if isinstance(obj, Dispatcher)
        and not name.startswith("_")
        and obj.py_func.__module__ == rules.__name__
    )


def test_rules_are_found():
    assert len(rule_functions()) >= 20


def test_every_rule_function_is_named(odd):
    missing = [name for name in rule_functions() if f"`{name}`" not in odd]
    assert not missing, f"rule functions of sim/rules.py not named in docs/ODD.md: {missing}"


def test_every_indicator_is_defined(odd):
    rows = table_rows(section(odd, "Indicators"))
    defined = {cells[0].strip("`") for cells in rows if cells[0].startswith("`")}
    missing = [name for name in INDICATOR_NAMES if name not in defined]
    assert not missing, f"indicators missing from docs/ODD.md's indicator table: {missing}"


def test_every_step_is_named_in_tick_order(odd):
    body = section(odd, "Process overview and scheduling")
    missing = [step for step in STEPS if f"`{step}`" not in body]
    assert not missing, f"steps of sim.loop.STEPS not in the scheduling section: {missing}"
    firsts = [body.index(f"`{step}`") for step in STEPS]
    assert firsts == sorted(firsts), "the scheduling section names the steps out of order"


def test_fields_table_matches_the_code(odd):
    rows = {
        cells[0].strip("`"): cells
        for cells in table_rows(section(odd, "The sixteen fields"))
        if cells[0].startswith("`")
    }
    for f, name in enumerate(fields.FIELDS):
        assert name in rows, f"field {name} missing from docs/ODD.md"
        _, cluster, trl_range, start_trl, share, *_ = rows[name]
        lo, hi = fields.FIELD_TRL_RANGE[f]
        assert cluster == fields.CLUSTERS[fields.FIELD_CLUSTER[f]], name
        assert trl_range == f"{lo}–{hi}", name
        assert int(start_trl) == fields.FIELD_START_TRL[f], name
        assert math.isclose(float(share), fields.FIELD_SHARE[f]), name


def test_market_ranges_are_given(odd):
    rows = {
        cells[0].strip("`"): " ".join(cells)
        for cells in table_rows(section(odd, "Parameter table"))
        if cells[0].startswith("`market.")
    }
    for key, (lo, hi) in fields.MARKET_RANGES.items():
        text = rows[f"market.{key}"].replace(",", "")
        assert f"{lo:g}–{hi:g}" in text, f"market.{key}: range {lo:g}–{hi:g} not stated"


def test_the_sim_functions_named_are_where_the_document_says(odd):
    rows = table_rows(section(odd, "Where each submodel is in the code"))
    checked = 0
    for cells in rows:
        m = re.fullmatch(r"`sim/([a-z_/]+)\.py`", cells[1])
        if not m:
            continue
        module = importlib.import_module("rainforest.sim." + m.group(1).replace("/", "."))
        for name in re.findall(r"`([A-Za-z_]+)`", cells[2]):
            function = getattr(module, name, None)
            # compiled, or (the government and indicators steps) Python calling compiled code
            defined = function.py_func if isinstance(function, Dispatcher) else function
            assert callable(defined), (cells[1], name)
            assert defined.__module__ == module.__name__, (cells[1], name)
            checked += 1
    assert checked >= 14
