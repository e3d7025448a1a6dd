"""The Mesa engine: enterprises, institutes, talents and the government on the network."""

from rainforest.agents.government import Government
from rainforest.agents.model import STEPS, EcosystemModel
from rainforest.agents.organisations import Enterprise, Institute
from rainforest.agents.talent import Talent

__all__ = ["STEPS", "EcosystemModel", "Enterprise", "Government", "Institute", "Talent"]
