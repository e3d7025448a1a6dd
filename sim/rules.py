"""The model's behaviour, once: small ``@njit`` functions the steps call.

Each function is one decision or one update of the model (docs/ODD.md, "Submodels",
names them). They take plain numbers or 1-D knowledge vectors and return a number, or
write into an output vector; the Mesa face's agents call some of them to show a
decision for inspection. Loops over fields always run in field order so sums round the
same way wherever they are called.
"""

from __future__ import annotations

import math

from numba import njit
from rainforest.sim.kinds import CENTER, CONSORTIUM, HIGH_LEVEL, PARTNERSHIP, STARTUP_TIER

# ---------------------------------------------------------------- talents


@njit(cache=True, inline="always", error_model="numpy")
def outflow_probability(level, unemployed, retention_cut, talent_outflow, high_level_outflow,
                        unemployed_outflow):  # fmt: skip
    """Chance a talent leaves Shanghai this quarter; ``retention_cut`` is the share of
    high-level talents' outflow the Array plan's retention spending prevents."""
    if unemployed:
        return unemployed_outflow
    if level == HIGH_LEVEL:
        return high_level_outflow * (1.0 - retention_cut)
    return talent_outflow


@njit(cache=True, inline="always", error_model="numpy")
def dose_response(spend_per_unit, half):
    """The share of an effect's largest size that money buys: ``x / (x + half)`` for the
    money spent per real firm or talent reached. Zero money, zero effect; each further RMB
    buys less (half the largest effect at ``half``)."""
    if spend_per_unit <= 0.0:
        return 0.0
    return spend_per_unit / (spend_per_unit + half)


@njit(cache=True, inline="always", error_model="numpy")
def build_up(quarters_since, build_up_quarters):
    """How far a new college, center or pilot area has built up: linearly from a
    ``1 / build_up_quarters`` share in its first quarter to all of it."""
    if quarters_since < 0:
        return 0.0
    return min(1.0, (quarters_since + 1.0) / build_up_quarters)


@njit(cache=True, inline="always", error_model="numpy")
def lagged(stock, spend, lag_quarters):
    """Research money's working stock after a quarter's spending: a geometric distributed
    lag with a mean lag of ``lag_quarters`` quarters (0: at once). A pulse adds to the
    stock, and so to knowledge, over the following quarters, and in sum exactly once."""
    share = 1.0 / (1.0 + lag_quarters)
    return stock + share * (spend - stock)


@njit(cache=True, inline="always", error_model="numpy")
def pilot_ready(firms, sellers, knowledge, min_firms, min_sellers, min_knowledge):
    """Whether a (district, cluster) area is ready to be a pilot area: at least
    ``min_firms`` real firms of the cluster, ``min_sellers`` of them selling, and a mean
    own knowledge (``knowledge``: the sum over the area's real firms) of ``min_knowledge``.
    Counts are of real firms and knowledge is a mean, so the answer is the same at every
    scale."""
    return (
        firms > 0.0
        and firms >= min_firms
        and sellers >= min_sellers
        and knowledge >= min_knowledge * firms
    )


@njit(cache=True, inline="always", error_model="numpy")
def institute_ready(knowledge, partners, min_knowledge, min_partners):
    """Whether an institute is ready to host a designation: its knowledge (in its strongest
    field; per real institute) at least ``min_knowledge`` and its real partner firms (ties
    per real institute) at least ``min_partners``."""
    return knowledge >= min_knowledge and partners >= min_partners


@njit(cache=True, inline="always", error_model="numpy")
def employer_attractiveness(own_knowledge, revenue_per_firm_bn, pilot_level, designated):
    """How attractive an organisation is to a talent: knowledge, pay capacity, status.
    ``pilot_level`` and ``designated`` (0..1) are how far its pilot area and its own
    designation (the share of the agent's real organisations that hold it) are working."""
    a = math.log1p(own_knowledge)
    if revenue_per_firm_bn > 0.0:  # most firms sell nothing, and log1p(0) adds nothing
        a += math.log1p(100.0 * revenue_per_firm_bn)
    return a + 0.5 * pilot_level + 0.5 * designated


@njit(cache=True, inline="always", error_model="numpy")
def founding_probability(skill, founding_rate, founding_skill, finance_boost, park_boost):
    """Chance a skilled talent founds a start-up; Rainforest finance and parks raise it."""
    if skill < founding_skill:
        return 0.0
    return min(1.0, founding_rate * (1.0 + finance_boost) * (1.0 + park_boost))


# ---------------------------------------------------------------- knowledge


@njit(cache=True, inline="always", error_model="numpy")
def knowledge_gain(rd_per_firm_bn, skill_per_firm, scale, rd_elasticity, skill_elasticity):
    """Knowledge produced in a quarter by one real organisation (Cobb-Douglas in R&D, skill).

    R&D money is measured in RMB million so that typical values are of order one.
    """
    if rd_per_firm_bn <= 0.0 or skill_per_firm <= 0.0:
        return 0.0
    return scale * (1000.0 * rd_per_firm_bn) ** rd_elasticity * skill_per_firm**skill_elasticity


@njit(cache=True, inline="always", error_model="numpy")
def agent_knowledge_gain(rd_stock, seat_stock, weight, skill_per_firm, scale, rd_elasticity,
                         skill_elasticity):  # fmt: skip
    """The mean knowledge gain of an agent's ``weight`` real firms when one of them holds
    a consortium seat whose grant's R&D is ``seat_stock``: the seat holder's gain and the
    others' averaged, so that a grant to one firm adds what it adds to one firm at every
    scale (production is concave in R&D)."""
    base = rd_stock / weight
    g = knowledge_gain(base, skill_per_firm, scale, rd_elasticity, skill_elasticity)
    if seat_stock <= 0.0:
        return g
    seat = knowledge_gain(base + seat_stock, skill_per_firm, scale, rd_elasticity,
                          skill_elasticity)  # fmt: skip
    return g + (seat - g) / weight


@njit(cache=True, inline="always", error_model="numpy")
def rd_spending(rd_intensity, revenue, legacy, grants, additionality):
    """A quarter's R&D spending: a share of sales and legacy business, plus what R&D
    grants add (``additionality`` RMB of R&D per RMB of grant: below 1 the firm cuts its
    own R&D, above 1 it adds to the grant)."""
    return rd_intensity * (revenue + legacy) + additionality * grants


@njit(cache=True, inline="always", error_model="numpy")
def grant_additional_share(grant, own_rd, deadweight):
    """The share of an R&D grant that pays for projects the firm would not have done
    anyway: ``1 - deadweight * grant / (grant + own_rd)``. The deadweight share rises
    with the grant's generosity (its share of the firm's R&D with the grant), up to
    ``deadweight`` for a grant that pays all of it; the additional R&D a grant buys,
    ``grant`` times this, still rises with the grant for ``deadweight`` <= 1."""
    if not grant > 0.0:
        return 1.0
    return 1.0 - deadweight * grant / (grant + max(own_rd, 0.0))


@njit(cache=True, inline="always", error_model="numpy")
def co_investment_ratio(public_per_firm_bn, co_investment, half):
    """Private RMB co-invested per public RMB: ``co_investment`` when public money is
    scarce, falling as the public money per real firm a year (``public_per_firm_bn``)
    rises, halved at ``half`` (private investors' appetite for the screened firms is
    limited, so a larger public share leaves less for them to add)."""
    return co_investment / (1.0 + max(public_per_firm_bn, 0.0) / half)


@njit(cache=True, inline="always", error_model="numpy")
def absorptive_capacity(own_knowledge, half):
    """Share of a neighbour's lead an organisation can take in (Cohen and Levinthal)."""
    return own_knowledge / (own_knowledge + half)


@njit(cache=True, inline="always", error_model="numpy")
def spillover_coefficient(kind, strength, pilot_level, rate, consortium_mult, center_mult,
                          pilot_bonus, tie_share, center_level):  # fmt: skip
    """Strength of knowledge flow along one edge, by its kind and co-location.

    ``tie_share``: the real ties the edge stands for over the receiving agent's weight
    (a consortium or center seat is one firm's; a partnership one per real firm of the
    agent that searched), so the agent receives what its real organisations would on
    average. A center's tie carries the center's extra flow as far as the center works
    (``center_level``), and a plain tie's otherwise. ``pilot_level``: how far a pilot
    area both ends share works (0: none).
    """
    c = rate * strength * (1.0 + pilot_bonus * pilot_level) * tie_share
    if kind == CONSORTIUM:
        c *= consortium_mult
    elif kind == CENTER:
        c *= 1.0 + (center_mult - 1.0) * center_level
    return c


@njit(cache=True, inline="always", error_model="numpy")
def add_spillover(k_self, k_neighbour, coefficient, absorb, out):
    """out[f] += coefficient * absorb * max(0, neighbour's lead in f), for every field f."""
    for f in range(len(out)):
        lead = k_neighbour[f] - k_self[f]
        # adding an exact 0.0 where there is no lead leaves the (non-negative) sum's bits
        # unchanged, and a select is cheaper than a branch that goes either way
        out[f] += coefficient * absorb * (lead if lead > 0.0 else 0.0)


@njit(cache=True, inline="always", error_model="numpy")
def update_knowledge(k_old, gain, spill, depreciation, out):
    """New knowledge: old plus production plus spillovers, then depreciation."""
    for f in range(len(out)):
        out[f] = (k_old[f] + gain[f] + spill[f]) * (1.0 - depreciation)


@njit(cache=True, inline="always", error_model="numpy")
def institute_own_knowledge(knowledge, cluster, field_cluster):
    """An institute's knowledge in its own cluster: the mean over the cluster's fields."""
    total = 0.0
    n = 0
    for f in range(len(knowledge)):
        if field_cluster[f] == cluster:
            total += knowledge[f]
            n += 1
    return total / n


@njit(cache=True, inline="always", error_model="numpy")
def total_knowledge(knowledge):
    total = 0.0
    for f in range(len(knowledge)):
        total += knowledge[f]
    return total


@njit(cache=True, inline="always", error_model="numpy")
def weighted_knowledge(knowledge, field_weight):
    """Knowledge weighted by the government's support across fields (funding key)."""
    total = 0.0
    for f in range(len(knowledge)):
        total += knowledge[f] * field_weight[f]
    return total


# ---------------------------------------------------------------- partnering


@njit(cache=True, inline="always", error_model="numpy")
def complementarity(k_a, k_b):
    """SKIN-style complementarity: highest when knowledge overlaps by half."""
    lo = 0.0
    hi = 0.0
    for f in range(len(k_a)):
        a = k_a[f]
        b = k_b[f]
        # selects, not branches: which of the two is smaller is a coin toss per field
        lo += a if a < b else b
        hi += b if a < b else a
    if hi <= 0.0:
        return 0.0
    r = lo / hi
    return 4.0 * r * (1.0 - r)


@njit(cache=True, inline="always", error_model="numpy")
def partner_attraction(k_self, k_other, half):
    """How much an organisation wants a partner: complementarity times capability."""
    tot = total_knowledge(k_other)
    return complementarity(k_self, k_other) * tot / (tot + 4.0 * half)


@njit(cache=True, inline="always", error_model="numpy")
def edge_decay(strength, kind, partnership_decay, consortium_decay):
    """An edge's strength one quarter later, unless renewed; center edges do not decay."""
    if kind == PARTNERSHIP:
        return strength * (1.0 - partnership_decay)
    if kind == CONSORTIUM:
        return strength * (1.0 - consortium_decay)
    return strength


# ---------------------------------------------------------------- maturation


@njit(cache=True, inline="always", error_model="numpy")
def trl_advance_probability(trl, effective_knowledge, half, hazard, boost):
    """Chance a firm's technology readiness rises one level this quarter.

    Harder at higher levels; saturating in knowledge (own plus partners'); ``boost`` adds
    the test sites', demonstrations' and innovation centers' effects.
    """
    if trl >= 9:
        return 0.0
    p = hazard / (1.0 + 0.25 * (trl - 1))
    p *= effective_knowledge / (effective_knowledge + half)
    p *= 1.0 + boost
    return min(p, 0.95)


@njit(cache=True, inline="always", error_model="numpy")
def maturation_boost(trl, pilot_level, demo_active, center_share, test_site_boost, demo_boost,
                     center_boost):  # fmt: skip
    """The plans' extra hazard: test sites for 6->7 (as far as the pilot area works),
    demonstrations for 5-7, centers always (``center_share``: the working center seats
    over the agent's real firms)."""
    b = 0.0
    if trl == 6:
        b += test_site_boost * pilot_level
    if demo_active and 5 <= trl <= 7:
        b += demo_boost
    return b + center_boost * center_share


# ---------------------------------------------------------------- market


@njit(cache=True, inline="always", error_model="numpy")
def bass_step(adoption, p, q):
    """One quarter of discrete Bass diffusion (p, q per year)."""
    return adoption + 0.25 * (p + q * adoption) * (1.0 - adoption)


@njit(cache=True, inline="always", error_model="numpy")
def product_quality(own_knowledge, trl):
    return math.log1p(own_knowledge) + 0.3 * (trl - 7)


@njit(cache=True, inline="always", error_model="numpy")
def experience_quality(experience, learning, scale):
    """Quality a seller has learnt by doing: it rises with the log of its cumulative sales
    per real firm (Arrow 1962; learning curves, Thompson 2012), so early sales compound."""
    return learning * math.log1p(experience / scale)


@njit(cache=True, inline="always", error_model="numpy")
def shock_sd(sd, size, reference, elasticity):
    """The spread of a firm's quarterly demand shock: ``sd`` at the size of a first
    production line (``reference``, per real firm) and below, falling as
    ``(size / reference) ** -elasticity`` for larger firms, whose sales come from more
    products and customers (Stanley et al. 1996; Bottazzi & Secchi 2006)."""
    if size <= reference:
        return sd
    return sd * (size / reference) ** (-elasticity)


@njit(cache=True, inline="always", error_model="numpy")
def next_shock(shock, persistence, sd, normal):
    """A firm's demand shock one quarter on, AR(1) in its log logit weight: persistent
    product-specific demand (Foster, Haltiwanger & Syverson 2008)."""
    return persistence * shock + sd * normal


@njit(cache=True, inline="always", error_model="numpy")
def capacity_investment(capacity, potential, headroom, cash, share, ratio):
    """What a seller spends this quarter on capacity (RMB bn): enough for its potential
    sales plus ``headroom`` (desired utilisation below one: Dosi, Fagiolo & Roventini
    2010), at ``ratio`` RMB per RMB of annual capacity, but at most ``share`` of its cash;
    a firm without cash cannot build (financing constraints: Fazzari, Hubbard & Petersen
    1988)."""
    gap = (1.0 + headroom) * potential - capacity
    if gap <= 0.0 or cash <= 0.0:
        return 0.0
    return min(4.0 * ratio * gap, share * cash)


@njit(cache=True, inline="always", error_model="numpy")
def market_weight(weight, quality, beta):
    """A seller's logit weight in its field's demand (``weight`` real firms of that quality)."""
    return weight * math.exp(beta * quality)


@njit(cache=True, inline="always", error_model="numpy")
def outside_weight(competition, field_share, beta, progress, tick):
    """The outside option's logit weight in a field at ``tick``.

    Firms outside Shanghai improve too: their quality rises by ``progress`` units a year,
    so Shanghai gains share only where its firms improve faster than the rest.
    """
    return competition * field_share * math.exp(beta * progress * tick / 4.0)


@njit(cache=True, inline="always", error_model="numpy")
def market_potential(potential, growth, tick):
    """A field's demand at saturation at ``tick``: China's market plus exports grows by
    ``growth`` a year whatever the diffusion of the new products within it."""
    return potential * math.exp(growth * tick / 4.0)


@njit(cache=True, inline="always", error_model="numpy")
def advance_frontier(frontier, growth):
    """The world frontier's knowledge one quarter on: it grows by ``growth`` a year."""
    return frontier * math.exp(growth / 4.0)


@njit(cache=True, inline="always", error_model="numpy")
def catch_up(knowledge, frontier, rate):
    """Knowledge one quarter on, closing ``rate`` a year of its gap to the frontier
    (Nelson & Phelps 1966): a follower's gap is stationary against a growing frontier."""
    return knowledge + 0.25 * rate * max(frontier - knowledge, 0.0)


@njit(cache=True, inline="always", error_model="numpy")
def steady_catch_up_ratio(rate, growth):
    """The follower's knowledge over the frontier's at which ``catch_up`` keeps pace
    with ``advance_frontier`` (the frontier moving first each quarter)."""
    closed = 0.25 * rate
    if closed == 0.0 and growth == 0.0:
        return 1.0  # nothing moves: the limit of a still frontier, where followers reach it
    return closed / (1.0 - math.exp(-growth / 4.0) * (1.0 - closed))


@njit(cache=True, inline="always", error_model="numpy")
def frontier_absorption(knowledge, frontier, rate, absorb, linked_share, link_bonus):
    """Knowledge a firm absorbs from the world frontier in its field this quarter: the
    gap times ``rate`` a year, scaled by its absorptive capacity ``absorb`` (0..1), and
    by ``1 + link_bonus`` for the share ``linked_share`` (0..1) of its real firms that
    sit in a consortium or innovation center (whose partners bring the frontier's
    practice in: licences, visiting experts, joint projects)."""
    scale = 1.0 + link_bonus * min(linked_share, 1.0)
    return 0.25 * rate * absorb * scale * max(frontier - knowledge, 0.0)


@njit(cache=True, inline="always", error_model="numpy")
def competitor_weight(sellers, field_share, knowledge, beta):
    """A competitor region's logit weight in a field: its selling firms of the field at
    its knowledge, on the market-ready footing of a Shanghai seller at TRL 7."""
    return sellers * field_share * math.exp(beta * math.log1p(knowledge))


@njit(cache=True, inline="always", error_model="numpy")
def private_finance_probability(own_knowledge, rate, half):
    """Chance a firm raises a private round this quarter; investors screen on knowledge."""
    return rate * own_knowledge / (own_knowledge + half)


@njit(cache=True, inline="always", error_model="numpy")
def capital_change(legacy, revenue, gross_margin, rd_spend, wages, fixed_costs):
    """Quarterly cash flow: legacy business, margin on future-field sales, R&D, wages, costs."""
    return legacy + gross_margin * revenue - rd_spend - wages - fixed_costs


@njit(cache=True, inline="always", error_model="numpy")
def finance_key(weight, field_weight, tier, startup_priority):
    """A firm's claim on Rainforest finance: real firms x field support; start-ups first."""
    key = weight * field_weight
    if tier == STARTUP_TIER:
        key *= startup_priority
    return key


@njit(cache=True, inline="always", error_model="numpy")
def exit_hazard(age_quarters, young, old, newness_years):
    """The chance a firm closes this quarter whatever its cash: an annual hazard falling
    from ``young`` at founding towards ``old`` with age (the liability of newness:
    Stinchcombe 1965; Bruederl & Schuessler 1990), as a quarterly probability."""
    annual = old + (young - old) * math.exp(-age_quarters / (4.0 * newness_years))
    return 1.0 - (1.0 - annual) ** 0.25


@njit(cache=True, inline="always", error_model="numpy")
def exit_due(negative_quarters, exit_quarters):
    """A firm exits after ``exit_quarters`` quarters of negative capital."""
    return negative_quarters >= exit_quarters


# ---------------------------------------------------------------- government


@njit(cache=True, inline="always", error_model="numpy")
def horse_race_weight(old_weight, progress, total_progress, rate):
    """Support shifts toward the fields with the most traction over the year."""
    if total_progress <= 0.0:
        return old_weight
    return (1.0 - rate) * old_weight + rate * progress / total_progress
