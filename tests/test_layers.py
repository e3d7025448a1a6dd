"""Imports only go downwards through the layers, so each layer can be read without those above.

The layers, top to bottom, are the top-level folders in ``LAYERS``; each is installed as
``rainforest.<folder>``. A module may import its own layer and any layer below it. What
counts as an import: every ``import`` and ``from ... import`` statement anywhere in a file,
including those inside functions (a lazy import is still a dependency) and those under
``if TYPE_CHECKING:`` (a type named from a higher layer still ties the lower layer's meaning
to it), relative imports resolved against the file's package, and
``importlib.import_module("rainforest...")`` with a literal name.

``rainforest/__init__.py`` is exempt: it is the Python API (``import rainforest as rf``), a
facade above every layer that re-exports names from all of them lazily; nothing in a layer
imports it.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "rainforest"
# Top to bottom. A folder not (yet) in the tree is skipped but keeps its place.
LAYERS = ("experiments", "viz", "runs", "agents", "sim", "scenarios")


def _module_name(path: Path, root: Path) -> tuple[str, bool]:
    """The installed dotted name of a file, and whether it is a package's ``__init__``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join([PACKAGE, *parts]), is_package


def _resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name a relative ``from`` import means inside ``module``."""
    base = module.split(".")
    drop = level - 1 if is_package else level
    base = base[: len(base) - drop] if drop else base
    return ".".join([*base, name] if name else base)


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """Every module the file imports, as (line, absolute dotted name)."""
    module, is_package = _module_name(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                target = _resolve_relative(module, is_package, node.level, node.module)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from rainforest import viz`` names a layer as the imported name
            if target == PACKAGE:
                found.extend((node.lineno, f"{PACKAGE}.{alias.name}") for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def _layer_of(module: str, layers: tuple[str, ...]) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == PACKAGE and parts[1] in layers:
        return parts[1]
    return None


def upward_imports(root: Path, layers: tuple[str, ...] = LAYERS) -> list[str]:
    """Each import of a higher layer, as ``file:line imports rainforest.X``."""
    rank = {name: i for i, name in enumerate(layers)}  # 0 is the top
    offences = []
    for layer in layers:
        folder = root / layer
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            for line, target in imported_modules(path, root):
                other = _layer_of(target, layers)
                if other is not None and rank[other] < rank[layer]:
                    where = path.relative_to(root).as_posix()
                    offences.append(f"{where}:{line} imports {target}")
    return offences


def test_no_module_imports_a_layer_above_it():
    offences = upward_imports(ROOT)
    assert not offences, "imports that go up the layers:\n" + "\n".join(offences)


def test_the_layers_exist_and_hold_modules():
    """The guard checks something: the layers it knows are where it looks for them."""
    present = [layer for layer in LAYERS if (ROOT / layer).is_dir()]
    assert {"experiments", "viz", "agents", "sim", "scenarios"} <= set(present)
    for layer in present:
        assert any((ROOT / layer).rglob("*.py")), layer


def test_every_installed_layer_has_a_place_in_the_order():
    """A new top-level folder installed as ``rainforest.<folder>`` must be placed in
    ``LAYERS``, or the guard would not look at it."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_dir = pyproject["tool"]["setuptools"]["package-dir"]
    installed = {name.split(".", 1)[1] for name in package_dir if name.startswith("rainforest.")}
    assert installed <= set(LAYERS), f"layers without a place: {sorted(installed - set(LAYERS))}"


def _plant(root: Path, relative: str, source: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


def test_the_guard_catches_planted_upward_imports(tmp_path):
    _plant(tmp_path, "sim/__init__.py", "")
    _plant(tmp_path, "sim/ok.py", "from rainforest.scenarios import load_scenario\n")
    _plant(tmp_path, "sim/steps/__init__.py", "")
    _plant(
        tmp_path,
        "sim/steps/lazy.py",
        "def f():\n    import rainforest.agents.model\n",
    )
    _plant(
        tmp_path,
        "sim/typed.py",
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from rainforest.viz import view\n",
    )
    _plant(tmp_path, "scenarios/rel.py", "from ..sim import loop\n")
    _plant(tmp_path, "scenarios/named.py", "from rainforest import experiments\n")
    _plant(
        tmp_path,
        "agents/dyn.py",
        "import importlib\nm = importlib.import_module('rainforest.runs.door')\n",
    )
    _plant(tmp_path, "experiments/top.py", "import rainforest.scenarios\nfrom . import x\n")
    assert sorted(upward_imports(tmp_path)) == [
        "agents/dyn.py:2 imports rainforest.runs.door",
        "scenarios/named.py:1 imports rainforest.experiments",
        "scenarios/rel.py:1 imports rainforest.sim",
        "sim/steps/lazy.py:2 imports rainforest.agents.model",
        "sim/typed.py:3 imports rainforest.viz",
    ]


def test_relative_imports_resolve_against_the_package():
    assert _resolve_relative("rainforest.sim.steps", True, 1, "talents") == (
        "rainforest.sim.steps.talents"
    )
    assert _resolve_relative("rainforest.sim.steps.talents", False, 2, "rules") == (
        "rainforest.sim.rules"
    )
    assert _resolve_relative("rainforest.sim.loop", False, 1, None) == "rainforest.sim"
