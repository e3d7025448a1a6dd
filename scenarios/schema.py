"""The scenario: a typed, closed description of one policy setting.

Every field has a default here and nowhere else; docs/ODD.md lists them. Unknown keys are
refused (``extra="forbid"``) so a misspelt lever fails loudly instead of doing nothing.
Money is in RMB bn; budgets are per calendar year; designation schedules give the
cumulative number the government aims to have designated by each year. Years after the
horizon are allowed (a shortened run simply does not reach them); years before the start
are refused.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator
from rainforest.scenarios.fields import MARKET_RANGES

MIN_YEAR = 2015
PLAN_START_YEAR = 2023  # the plan's first year (released 2022-11-23)
# Runs start before the plan's first year by default: the settling years of docs/ODD.md 5.5.
SETTLING_YEARS = 2
DEFAULT_START_YEAR = PLAN_START_YEAR - SETTLING_YEARS
MAX_YEAR = 2035

# Population presets, smallest first. City (one simulated firm per real firm) is the
# reference scale the parameters are calibrated at, and every run's default unless its
# scenario file names another; the view's animated model defaults to classroom.
SCALE_NAMES: tuple[str, ...] = ("classroom", "district", "city")
ScaleName = Literal["classroom", "district", "city"]
DEFAULT_SCALE: ScaleName = "city"
assert get_args(ScaleName) == SCALE_NAMES

NonNeg = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Pos = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Prob = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
Schedule = dict[Year, Annotated[int, Field(ge=0, le=1000)]]

# Upper bounds (docs/ODD.md 8 states each): far above any plausible policy, below what the
# model's integers and memory hold, so a mistyped exponent is refused on load instead of
# taking all memory or overflowing mid-run.
MAX_YEARLY_BN = 100.0  # one plan's budget in one year (the action plan's largest is 3)
MAX_BN = 100.0  # any other amount of money: a price, a cap, a cost, a threshold
MAX_FACTOR = 100.0  # multipliers, boosts, coefficients and knowledge units
MAX_TALENTS_PER_BN = 20_000.0
MAX_GRADUATES = 1_000.0  # real graduates per college per quarter
# real talents the Array plan may recruit in one year: half the city's researchers
MAX_ARRAY_TALENTS_A_YEAR = 100_000
MAX_DESCRIPTION = 2_000  # characters
MAX_REAL_FIRMS = 100_000.0  # a gate's count of real firms: about five times the city's

Money = Annotated[float, Field(ge=0.0, le=MAX_BN, allow_inf_nan=False)]
Price = Annotated[float, Field(gt=0.0, le=MAX_BN, allow_inf_nan=False)]
Factor = Annotated[float, Field(ge=0.0, le=MAX_FACTOR, allow_inf_nan=False)]
PosFactor = Annotated[float, Field(gt=0.0, le=MAX_FACTOR, allow_inf_nan=False)]
TalentsPerBn = Annotated[float, Field(gt=0.0, le=MAX_TALENTS_PER_BN, allow_inf_nan=False)]
Graduates = Annotated[float, Field(ge=0.0, le=MAX_GRADUATES, allow_inf_nan=False)]
# a number of real firms (a readiness gate): weights summed, so the same at every scale
RealFirms = Annotated[float, Field(ge=0.0, le=MAX_REAL_FIRMS, allow_inf_nan=False)]
Budget = dict[Year, Annotated[float, Field(ge=0.0, le=MAX_YEARLY_BN, allow_inf_nan=False)]]


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Plan(Closed):
    enabled: bool = True
    budget_bn: Budget = Field(default_factory=dict)


class FoundationPlan(Plan):
    """Basic research: institute funding, future technical colleges, innovation centers."""

    colleges: Schedule = Field(default_factory=dict)
    centers: Schedule = Field(default_factory=dict)
    college_cost_bn: Price = 0.2
    center_cost_bn: Price = 0.4
    center_members: Annotated[int, Field(ge=1, le=50)] = 6
    college_graduates_per_quarter: Graduates = 150.0
    # running costs: a college or center works in a year only if its running cost is paid
    college_running_bn: Money = 0.05
    center_running_bn: Money = 0.1
    # readiness gates (docs/ODD.md 7.1.2): the schedule is an intention; a university or
    # institute is designated only if it meets them
    college_min_knowledge: Factor = 6.0
    center_min_knowledge: Factor = 5.0
    center_min_partners: RealFirms = 20.0


class LeadingPlan(Plan):
    """Carriers: pilot areas with accelerator parks and test sites."""

    pilot_areas: Schedule = Field(default_factory=dict)
    pilot_area_cost_bn: Price = 0.3
    pilot_running_bn: Money = 0.05
    # readiness gates (docs/ODD.md 7.1.3): an area is designated only if it meets them
    pilot_min_firms: RealFirms = 100.0
    pilot_min_sellers: RealFirms = 10.0
    pilot_min_knowledge: Factor = 0.5
    cost_cut: Prob = 0.2
    spillover_bonus: Factor = 0.5
    test_site_boost: Factor = 1.5
    park_founding_boost: Factor = 0.5


class HandInHandPlan(Plan):
    """Partners: funded consortia around leading firms, and leaders drawn into the fields."""

    consortium_grant_bn: Price = 0.15
    consortium_size: Annotated[int, Field(ge=2, le=20)] = 5
    consortium_quarters: Annotated[int, Field(ge=1, le=40)] = 12
    leader_entry_share: Prob = 0.3
    # at least RMB 10 m: the year's entrants are its money over this price
    leader_entry_cost_bn: Annotated[float, Field(ge=0.01, le=MAX_BN, allow_inf_nan=False)] = 0.5


class OpenSourcePlan(Plan):
    """Scenarios and demonstration: grants, faster maturation and early demand."""

    demo_grant_bn: Price = 0.004
    demo_quarters: Annotated[int, Field(ge=1, le=40)] = 8
    demo_trl_boost: Factor = 1.5
    demo_procurement_bn: Money = 0.004
    demo_adoption_effect: Factor = 2.0


class ArrayPlan(Plan):
    """Talent: high-level talents attracted per RMB bn, and better retention."""

    talents_per_bn: TalentsPerBn = 2000.0
    retention: Prob = 0.5
    retention_share: Prob = 0.2
    retention_half_bn: Price = 0.00002

    @model_validator(mode="after")
    def _recruits_a_year_bounded(self) -> ArrayPlan:
        most = max(self.budget_bn.values(), default=0.0) * self.talents_per_bn
        if most > MAX_ARRAY_TALENTS_A_YEAR:
            raise ValueError(
                f"budget_bn x talents_per_bn: at most {MAX_ARRAY_TALENTS_A_YEAR:,} talents "
                f"recruited in a year, got {most:,.0f}"
            )
        return self


class RainforestPlan(Plan):
    """Factor supply: equity and credit for start-ups and SMEs, cheaper factors."""

    knowledge_screen: Factor = 1.0
    finance_cap_bn: Money = 0.003
    startup_priority: Factor = 5.0
    co_investment: Factor = 1.0
    co_investment_half_bn: Price = 0.01
    factor_share: Prob = 0.3
    cost_cut: Prob = 0.2
    founding_boost: Factor = 2.0
    founding_finance_half_bn: Price = 0.0002


class Plans(Closed):
    foundation: FoundationPlan = Field(default_factory=FoundationPlan)
    leading: LeadingPlan = Field(default_factory=LeadingPlan)
    hand_in_hand: HandInHandPlan = Field(default_factory=HandInHandPlan)
    open_source: OpenSourcePlan = Field(default_factory=OpenSourcePlan)
    array: ArrayPlan = Field(default_factory=ArrayPlan)
    rainforest: RainforestPlan = Field(default_factory=RainforestPlan)


PLAN_NAMES: tuple[str, ...] = tuple(Plans.model_fields)


MarketForm = Literal["frontier", "compounding_outside"]
MARKET_FORMS: tuple[str, ...] = get_args(MarketForm)
DEFAULT_MARKET_FORM: MarketForm = "frontier"
YearlyRate = Annotated[float, Field(ge=0.0, le=2.0, allow_inf_nan=False)]


class Market(Closed):
    """Market assumptions (ranges in scenarios/fields.py and docs/ODD.md).

    ``form`` chooses the competition Shanghai's sellers face (docs/ODD.md 7.7):
    ``frontier`` (the default) sells into China's market and exports against competitor
    regions that, like Shanghai's firms, catch up with a growing world frontier;
    ``compounding_outside`` is the earlier form, the city's own demand against an outside
    option whose quality compounds for ever (``total_potential_bn``,
    ``initial_market_bn``, ``outside_competition`` and ``outside_progress`` are read by
    it alone).
    """

    form: MarketForm = DEFAULT_MARKET_FORM
    # compounding_outside: the city's addressable demand and an ever-improving outside
    total_potential_bn: Annotated[float, Field(gt=0.0, le=1e6, allow_inf_nan=False)] = 2000.0
    initial_market_bn: Annotated[float, Field(gt=0.0, le=1e6, allow_inf_nan=False)] = 120.0
    outside_competition: Annotated[float, Field(gt=0.0, le=1e9, allow_inf_nan=False)] = 40000.0
    outside_progress: Annotated[float, Field(ge=0.0, le=5.0, allow_inf_nan=False)] = 0.2
    # frontier: China's market plus exports, competitor regions, the world frontier
    national_potential_bn: Annotated[float, Field(gt=0.0, le=1e6, allow_inf_nan=False)] = 8000.0
    national_market_bn: Annotated[float, Field(gt=0.0, le=1e6, allow_inf_nan=False)] = 800.0
    market_growth: Annotated[float, Field(ge=0.0, le=0.5, allow_inf_nan=False)] = 0.05
    frontier_knowledge: Annotated[float, Field(gt=0.0, le=1e3, allow_inf_nan=False)] = 3.0
    frontier_growth: Annotated[float, Field(ge=0.0, le=0.5, allow_inf_nan=False)] = 0.05
    frontier_absorption: YearlyRate = 0.1
    frontier_link_bonus: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)] = 1.0
    competitor_sellers: Annotated[float, Field(gt=0.0, le=1e7, allow_inf_nan=False)] = 30000.0
    competitor_catch_up: YearlyRate = 0.1
    # both forms
    bass_p: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = 0.01
    bass_q: Annotated[float, Field(gt=0.0, le=2.0, allow_inf_nan=False)] = 0.3
    logit_beta: Annotated[float, Field(gt=0.0, le=20.0, allow_inf_nan=False)] = 1.5

    @model_validator(mode="after")
    def _market_below_potential(self) -> Market:
        if self.national_market_bn >= self.national_potential_bn:
            raise ValueError(
                f"national_market_bn ({self.national_market_bn:g}) must be below "
                f"national_potential_bn ({self.national_potential_bn:g}): adoption is a share"
            )
        return self


class Behaviour(Closed):
    """Behavioural parameters; each is an assumption listed in docs/ODD.md."""

    # talents (probabilities per quarter)
    talent_outflow: Prob = 0.02
    high_level_outflow: Prob = 0.03
    unemployed_outflow: Prob = 0.3
    talent_inflow: Prob = 0.02
    high_level_share: Prob = 0.05
    job_mobility: Prob = 0.05
    founding_rate: Prob = 0.004
    founding_skill: Prob = 0.8
    spinoff_knowledge: Prob = 0.3
    wage_bn: Money = 0.00008
    # knowledge
    depreciation: Prob = 0.02
    production_scale: Factor = 0.03
    rd_elasticity: Prob = 0.5
    skill_elasticity: Prob = 0.5
    spillover_rate: Factor = 0.03
    consortium_spillover: Factor = 2.0
    center_spillover: Factor = 3.0
    absorptive_half: PosFactor = 1.0
    institute_research_bn: Money = 0.005
    rd_additionality: Factor = 1.0
    grant_deadweight: Prob = 0.5
    research_lag_quarters: Annotated[float, Field(ge=0.0, le=20.0, allow_inf_nan=False)] = 2.0
    build_up_quarters: Annotated[int, Field(ge=1, le=20)] = 4
    # partnering
    firm_search: Prob = 0.15
    institute_search: Prob = 0.3
    attraction_threshold: Prob = 0.25
    partnership_decay: Prob = 0.1
    consortium_decay: Prob = 0.02
    min_edge_strength: Prob = 0.2
    # maturation
    trl_hazard: Prob = 0.2
    trl_knowledge_half: PosFactor = 2.0
    partner_knowledge_weight: Factor = 0.3
    center_trl_boost: Factor = 0.5
    # market and finance
    gross_margin: Prob = 0.35
    rd_intensity: Prob = 0.1
    fixed_cost_bn: Money = 0.0015
    legacy_cover: Factor = 1.0
    startup_seed_bn: Money = 0.008
    private_finance_rate: Prob = 0.08
    private_round_bn: Money = 0.01
    finance_rd_share: Prob = 0.5
    exit_quarters: Annotated[int, Field(ge=1, le=20)] = 2
    # firms: capacity, demand shocks, learning, exit by age
    capital_output_ratio: PosFactor = 0.6
    capacity_depreciation: Prob = 0.025
    capacity_headroom: Factor = 0.25
    investment_share: Prob = 0.5
    pilot_capacity_bn: Money = 0.0125
    learning_by_doing: Factor = 0.1
    experience_bn: Price = 0.1
    demand_shock_sd: Prob = 0.1
    demand_shock_persistence: Annotated[float, Field(ge=0.0, lt=1.0, allow_inf_nan=False)] = 0.95
    shock_size_elasticity: Prob = 0.2
    exit_hazard_young: Prob = 0.15
    exit_hazard_old: Prob = 0.04
    newness_years: Annotated[float, Field(gt=0.0, le=50.0, allow_inf_nan=False)] = 3.0
    # indicator thresholds
    leading_revenue_bn: Money = 2.0
    ecosystem_partners: Annotated[int, Field(ge=1, le=100)] = 3
    high_tech_knowledge: Factor = 3.0
    sme_revenue_bn: Money = 0.05
    startup_quarters: Annotated[int, Field(ge=1, le=80)] = 20


class Population(Closed):
    """Explicit population sizes; when given, they replace the scale preset's."""

    enterprises: Annotated[int, Field(gt=0, le=200_000)]
    institutes: Annotated[int, Field(gt=0, le=10_000)]
    talents: Annotated[int, Field(gt=0, le=2_000_000)]


class Scenario(Closed):
    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] = ""
    start_year: Year = DEFAULT_START_YEAR
    horizon_year: Year = 2030
    scale: ScaleName = DEFAULT_SCALE
    population: Population | None = None
    field_allocation: Literal["fixed", "horse_race"] = "fixed"
    horse_race_rate: Prob = 0.3
    plans: Plans = Field(default_factory=Plans)
    market: Market = Field(default_factory=Market)
    behaviour: Behaviour = Field(default_factory=Behaviour)

    @model_validator(mode="after")
    def _years_in_horizon(self) -> Scenario:
        if self.horizon_year < self.start_year:
            raise ValueError(
                f"horizon_year ({self.horizon_year}) is before start_year ({self.start_year})"
            )
        for plan_name in PLAN_NAMES:
            plan = getattr(self.plans, plan_name)
            for key in ("budget_bn", "colleges", "centers", "pilot_areas"):
                years = getattr(plan, key, None)
                if not years:
                    continue
                for year in years:
                    if year < self.start_year:
                        raise ValueError(
                            f"plans.{plan_name}.{key}: year {year} is before "
                            f"start_year {self.start_year}"
                        )
        return self

    @property
    def scale_label(self) -> str:
        """The scale a run reports: the preset's name, or "custom" for explicit sizes."""
        return "custom" if self.population is not None else self.scale

    @property
    def years(self) -> int:
        """Years simulated, start_year to horizon_year inclusive."""
        return self.horizon_year - self.start_year + 1

    @property
    def ticks(self) -> int:
        """Quarters from the first quarter of start_year to the last of horizon_year."""
        return 4 * self.years


__all__ = [
    "DEFAULT_SCALE",
    "MARKET_FORMS",
    "MARKET_RANGES",
    "PLAN_NAMES",
    "SCALE_NAMES",
    "Scenario",
    "ScaleName",
]
