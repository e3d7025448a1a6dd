"""The Mesa engine: enterprises, institutes, talents and the government on the network."""

from agents.government import Government
from agents.model import STEPS, EcosystemModel
from agents.organisations import Enterprise, Institute
from agents.talent import Talent

__all__ = ["STEPS", "EcosystemModel", "Enterprise", "Government", "Institute", "Talent"]
