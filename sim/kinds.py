"""The model's categories by name: the integer codes the state's kind, tier, level and
origin arrays hold.

Compiled code reads these module-level ints as constants, so a name costs nothing at run
time. Each group's names tuple gives a code's name (``TIERS[LEADING_TIER]`` is
``"leading"``), as the Mesa face shows it.
"""

from __future__ import annotations

# Edge kinds of the innovation network (``edge_kind``), in order of formality: a tie
# keeps the most formal kind it has had. A freed slot of the edge store holds FREED.
FREED = -1
PARTNERSHIP, CONSORTIUM, CENTER = 0, 1, 2
EDGE_KINDS = ("partnership", "consortium", "center")

# Enterprise tiers (``ent_tier``): start-ups become SMEs, SMEs leading firms.
LEADING_TIER, SME_TIER, STARTUP_TIER = 0, 1, 2
TIERS = ("leading", "sme", "startup")

# How an enterprise came to be (``ent_origin``).
INITIAL_FIRM, SPIN_OFF, ENTRANT = 0, 1, 2
ENTERPRISE_ORIGINS = ("initial", "spin-off", "entrant")

# Institute kinds (``inst_kind``): only universities become colleges.
UNIVERSITY, RESEARCH_INSTITUTE = 0, 1
INSTITUTE_KINDS = ("university", "research institute")

# Talent levels (``tal_level``).
REGULAR, HIGH_LEVEL = 0, 1
LEVELS = ("regular", "high-level")

# Where a talent comes from (``tal_origin``): the initial population and colleges'
# graduates are local; the inflow and the Array plan's hires come from outside Shanghai.
LOCAL, FROM_OUTSIDE = 0, 1
TALENT_ORIGINS = ("local", "from outside")

NO_EMPLOYER = -1  # ``tal_employer`` of a talent without a job (or gone)

# Technology readiness a product needs to be sold (``ent_trl``): system prototype proven
# in an operational environment (TRL 7).
SELLING_TRL = 7
