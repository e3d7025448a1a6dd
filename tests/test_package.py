"""The installed distribution adds one import package, ``rainforest``, to an environment."""

import importlib
import importlib.metadata

import pytest


def test_the_distribution_installs_one_top_level_package():
    dist = importlib.metadata.distribution("rainforest")
    assert dist.read_text("top_level.txt").split() == ["rainforest"]


@pytest.mark.parametrize("name", ["sim", "agents", "scenarios", "viz", "experiments"])
def test_the_layers_are_not_top_level_modules(name):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(name)
