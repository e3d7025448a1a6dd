"""The plans' integer ids: a plan's index in ``scenarios.schema.PLAN_NAMES``, which is
also its row in the budget and ledger arrays."""

from __future__ import annotations

from rainforest.scenarios.schema import PLAN_NAMES

N_PLANS = len(PLAN_NAMES)
FOUNDATION = PLAN_NAMES.index("foundation")
LEADING = PLAN_NAMES.index("leading")
HAND_IN_HAND = PLAN_NAMES.index("hand_in_hand")
OPEN_SOURCE = PLAN_NAMES.index("open_source")
ARRAY = PLAN_NAMES.index("array")
RAINFOREST = PLAN_NAMES.index("rainforest")

__all__ = [
    "ARRAY",
    "FOUNDATION",
    "HAND_IN_HAND",
    "LEADING",
    "N_PLANS",
    "OPEN_SOURCE",
    "PLAN_NAMES",
    "RAINFOREST",
]
