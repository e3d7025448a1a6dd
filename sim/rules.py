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

# ---------------------------------------------------------------- talents


@njit(cache=True, inline="always", error_model="numpy")
def outflow_probability(
    level, unemployed, retention_active, talent_outflow, high_level_outflow,
    unemployed_outflow, retention,
):  # fmt: skip
    """Chance a talent leaves Shanghai this quarter; the Array plan retains high-level talents."""
    if unemployed:
        return unemployed_outflow
    if level == 1:
        p = high_level_outflow
        if retention_active:
            p *= 1.0 - retention
        return p
    return talent_outflow


@njit(cache=True, inline="always", error_model="numpy")
def employer_attractiveness(own_knowledge, revenue_per_firm_bn, in_pilot, designated):
    """How attractive an organisation is to a talent: knowledge, pay capacity, status."""
    a = math.log1p(own_knowledge) + math.log1p(100.0 * max(revenue_per_firm_bn, 0.0))
    if in_pilot:
        a += 0.5
    if designated:
        a += 0.5
    return a


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
def absorptive_capacity(own_knowledge, half):
    """Share of a neighbour's lead an organisation can take in (Cohen and Levinthal)."""
    return own_knowledge / (own_knowledge + half)


@njit(cache=True, inline="always", error_model="numpy")
def spillover_coefficient(kind, strength, same_pilot_area, rate, consortium_mult, center_mult,
                          pilot_bonus):  # fmt: skip
    """Strength of knowledge flow along one edge, by its kind and co-location."""
    c = rate * strength
    if kind == 1:
        c *= consortium_mult
    elif kind == 2:
        c *= center_mult
    if same_pilot_area:
        c *= 1.0 + pilot_bonus
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
    if kind == 0:
        return strength * (1.0 - partnership_decay)
    if kind == 1:
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
def maturation_boost(trl, in_pilot, demo_active, center_member, test_site_boost, demo_boost,
                     center_boost):  # fmt: skip
    """The plans' extra hazard: test sites for 6->7, demonstrations for 5-7, centers always."""
    b = 0.0
    if in_pilot and trl == 6:
        b += test_site_boost
    if demo_active and 5 <= trl <= 7:
        b += demo_boost
    if center_member:
        b += center_boost
    return b


# ---------------------------------------------------------------- market


@njit(cache=True, inline="always", error_model="numpy")
def bass_step(adoption, p, q):
    """One quarter of discrete Bass diffusion (p, q per year)."""
    return adoption + 0.25 * (p + q * adoption) * (1.0 - adoption)


@njit(cache=True, inline="always", error_model="numpy")
def product_quality(own_knowledge, trl):
    return math.log1p(own_knowledge) + 0.3 * (trl - 7)


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
def private_finance_probability(own_knowledge, rate, half):
    """Chance a firm raises a private round this quarter; investors screen on knowledge."""
    return rate * own_knowledge / (own_knowledge + half)


@njit(cache=True, inline="always", error_model="numpy")
def cost_multiplier(in_pilot, pilot_cut, factor_supported, factor_cut):
    """Share of fixed costs a firm pays after pilot-area and Rainforest factor support."""
    m = 1.0
    if in_pilot:
        m *= 1.0 - pilot_cut
    if factor_supported:
        m *= 1.0 - factor_cut
    return m


@njit(cache=True, inline="always", error_model="numpy")
def capital_change(legacy, revenue, gross_margin, rd_spend, wages, fixed_costs):
    """Quarterly cash flow: legacy business, margin on future-field sales, R&D, wages, costs."""
    return legacy + gross_margin * revenue - rd_spend - wages - fixed_costs


@njit(cache=True, inline="always", error_model="numpy")
def finance_key(weight, field_weight, tier, startup_priority):
    """A firm's claim on Rainforest finance: real firms x field support; start-ups first."""
    key = weight * field_weight
    if tier == 2:
        key *= startup_priority
    return key


@njit(cache=True, inline="always", error_model="numpy")
def exit_due(negative_quarters, exit_quarters, grace):
    """A firm exits after ``exit_quarters`` quarters of negative capital, plus any grace."""
    return negative_quarters >= exit_quarters + grace


# ---------------------------------------------------------------- government


@njit(cache=True, inline="always", error_model="numpy")
def horse_race_weight(old_weight, progress, total_progress, rate):
    """Support shifts toward the fields whose knowledge grew fastest over the year."""
    if total_progress <= 0.0:
        return old_weight
    return (1.0 - rate) * old_weight + rate * progress / total_progress
