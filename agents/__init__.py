"""The Mesa face of the model: enterprises, institutes, talents and the government on the
innovation network, reading the one state that ``rainforest.sim`` advances."""

from rainforest.agents.government import Consortium, Government
from rainforest.agents.model import STEPS, EcosystemModel
from rainforest.agents.organisations import Enterprise, Institute, Organisation
from rainforest.agents.talent import Talent

__all__ = [
    "STEPS",
    "Consortium",
    "EcosystemModel",
    "Enterprise",
    "Government",
    "Institute",
    "Organisation",
    "Talent",
]
