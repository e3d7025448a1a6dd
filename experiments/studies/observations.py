"""What is observed of Shanghai's future industries in 2021-2025, and how a run shows it.

Calibration holds runs to these facts (``OBSERVATIONS``, each with its source, copied
from the project's fact sheet; ``observe`` measures them on a run and its final state);
validation reports the same growth (``growth_over_band_years``). Both studies import
them from here, so neither imports the other.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rainforest.runs.result import RunResult
from rainforest.scenarios.schema import MARKET_FORMS

GROWTH_YEARS = (2023, 2025)
PRIOR_YEAR = 2022
YEARLY_GROWTH_FLOOR = 0.065  # strategic emerging industries' output, 2025: the slowest proxy
YOUNG_CLUSTER_MARGIN = 0.10  # the younger future clusters may outgrow the proxies by this

# Each year's growth of the related industries (observed range, sources). The three
# leading industries (integrated circuits, biomedicine, AI): 1,270 bn (2021), 1,600 bn
# (2023), 1,800 bn (2024), "over 2,000 bn" (2025).
YEARLY_GROWTH: dict[int, tuple[tuple[float, float], str]] = {
    2023: ((0.069, 0.14),
           "strategic emerging industries' value added +6.9 % (news.cyol.com 2024-05-22); "
           "the three leading industries +14 % (lyredcross.com/xy/gdcj/1538269.html)"),
    2024: ((0.11, 0.125),
           "the three leading industries 1,600 to 1,800 bn, +12.5 % (pinhui.wang/215448.shtml; "
           "2025 government work report, Jiefang Daily); Shanghai Robot Industrial Park "
           "17.0 bn (2020) to 25.87 bn (2024), about 11 % a year "
           "(reportify.cn/news/1212514750039199744)"),
    2025: ((0.065, 0.151),
           "strategic emerging industries' output +6.5 %; the three leading industries' "
           "manufacturing +9.6 %, their scale 1,800 to over 2,000 bn (+11 % at least); "
           "integrated-circuit manufacturing +15.1 %, AI manufacturing +13.6 % "
           "(reportify.cn/news/1211471678857678848)"),
}  # fmt: skip


@dataclass(frozen=True)
class Observation:
    """One observed fact the model is held to: what it reads, the band, the source.

    ``indicator`` and ``years`` say exactly which simulated quantity the term reads (a
    test checks that no term reads a year after 2025 or a target's year). ``observed``
    is the published range; ``band`` is what a run must hit: the range widened by the
    stated tolerance.
    """

    name: str
    indicator: str
    years: tuple[int, ...]
    measure: str
    observed: tuple[float, float]
    band: tuple[float, float]
    source: str
    why: str
    forms: tuple[str, ...] = MARKET_FORMS  # the market forms whose runs it describes
    final_state: bool = False  # read from the run's final state: only a run ending then


OBSERVATIONS: tuple[Observation, ...] = (
    Observation(
        "output_2022_bn", "output_value_bn", (2022,), "annualised output at the end of 2022",
        (80.0, 200.0), (80.0, 200.0),
        "facts.toml future_industry_output_2022_bn: no published figure; the prior range "
        "of shared/data/fields.toml [market] output_2022_bn",
        "the unknown 2022 output enters as its prior range, no tolerance",
    ),
    *(
        Observation(
            f"growth_{year}", "output_value_bn", (year - 1, year),
            f"yearly growth of annualised output, end {year - 1} to end {year}",
            observed, (YEARLY_GROWTH_FLOOR, observed[1] + YOUNG_CLUSTER_MARGIN), source,
            "the range of the related industries' growth that year; the top widened by "
            f"{YOUNG_CLUSTER_MARGIN:.2f} because the future clusters are younger than the "
            f"industries observed, the bottom set at {YEARLY_GROWTH_FLOOR} (the slowest "
            "related industry of 2023-2025)",
        )
        for year, (observed, source) in YEARLY_GROWTH.items()
    ),
    Observation(
        "founding_rate_2023_2025", "startups_founded", (2023, 2025),
        "start-ups founded a year in 2023-2025 / mean firms alive (real firms)",
        (0.05, 0.15), (0.03, 0.20),
        "business demography: yearly enterprise birth rates mostly 5-15 % of active "
        "enterprises (OECD Structural and Demographic Business Statistics; Eurostat "
        "business demography)",
        "widened to 3-20 % for the higher churn of young technology sectors",
    ),
    Observation(
        "exit_rate_2023_2025", "exits", (2023, 2025),
        "exits a year in 2023-2025 / mean firms alive (real firms)",
        (0.05, 0.15), (0.03, 0.20),
        "business demography: yearly enterprise death rates mostly 5-15 % of active "
        "enterprises (OECD SDBS; Eurostat business demography)",
        "widened to 3-20 % as the founding rate",
    ),
    Observation(
        "pilot_areas_2023", "pilot_areas", (2023,), "pilot areas designated by the end of 2023",
        (3.0, 3.0), (3.0, 3.0),
        "the first three pilot areas (Zhangjiang, Lingang, Grand NeoBay) named in March "
        "2023 (shine.cn/biz/economy/2303262939)",
        "exact: the plan's money must pay for the areas it named",
    ),
    Observation(
        "pilot_areas_2025", "pilot_areas", (2025,), "pilot areas designated by the end of 2025",
        (3.0, 3.0), (3.0, 3.0),
        "still the three pilot areas in March 2024 and March 2025, no fourth municipal area "
        "found through February 2026; from 2025 the city launched single-field "
        "agglomeration zones instead (thestar.com.my/business/business-news/2024/03/28/"
        "shanghai-continues-boosting-advanced-industries; chinanews 2025-03-07; "
        "investsh.org.cn/investsh/xwqsen/2025071811470400956457)",
        "exact: designations are results of the plan's money and the areas' readiness, "
        "and the city designated no fourth area by 2025",
    ),
    Observation(
        "colleges_2025", "future_technical_colleges", (2025,),
        "future technical colleges designated by the end of 2025",
        (1.0, 1.0), (1.0, 1.0),
        "only SJTU's future technology college (Ministry of Education, first batch, 2021) "
        "is formally designated by 2025; Fudan's 2024-25 new-engineering colleges are "
        "analogues, not designations (thepaper.cn/newsDetail_forward_14116369)",
        "exact, as the pilot areas",
    ),
    Observation(
        "pilot_firms_per_area_2025", "pilot_area_firms", (2025,),
        "real firms in working pilot areas at the end of 2025, per pilot area",
        (0.0, 8000.0), (0.0, 8000.0),
        "Zhangjiang one year on: 24,000 firms of which 1,900 high-tech (kankanews "
        "2024-04-06); Grand NeoBay over 4,000 technology firms (China Daily April 2024, "
        "galleon.cc/press_to.asp?id=1545); Lingang 109 projects, 100.76 bn (same source)",
        "an upper bound: the first three areas hold about 28,000 firms of all industries "
        "(about 9,000 an area); the model's future-industry firms must be fewer",
        final_state=True,
    ),
    Observation(
        "national_share_2021", "national_share", (2021,),
        "Shanghai's sales over China's demand for its fields and their exports, 2021 Q4",
        (0.13, 0.20), (0.10, 0.25),
        "integrated circuits: Shanghai 250 bn of 1,045.8 bn national sales in 2021, 'about "
        "25 %' (SCIO press conference 2022-09-14, pinhui.wang/215448.shtml; CSIA via "
        "shine.cn/biz/economy/2203193280); biomedicine: about a quarter of China's innovative "
        "drugs, about 6 % of pharmaceutical manufacturing (chinanews 2022-09-14); the three "
        "leading industries 'about 20-30 % of national'; foreign suppliers serve about 30 % "
        "of China's demand (scenarios/regions.py)",
        "a share of national output of 0.19-0.29 times the 0.7 of the demand China's own "
        "producers serve; widened by 0.03-0.05 for the fields' difference from the proxies",
        ("frontier",),
    ),
    Observation(
        "national_share_change_2021_2025", "national_share", (2021, 2025),
        "change in national_share from 2021 Q4 to 2025 Q4",
        (-0.01, 0.04), (-0.03, 0.06),
        "Shanghai's integrated circuits 0.226 of national sales (2019), about 0.25 (2021-22), "
        "about 0.3 (2025: over 480 bn, reportify.cn/news/1212514750039199744, against a "
        "national 1,500-1,650 bn assumed from CSIA's 2024 half-year +16.9 %); the three "
        "leading industries grew about 15 % a year 2020-25, a little faster than the "
        "national industries",
        "0 to +0.06 of national output times 0.7; widened by 0.02 on each side for the "
        "proxies' difference from the 16 fields",
        ("frontier",),
    ),
)  # fmt: skip


def observations_for(form: str) -> tuple[Observation, ...]:
    """The observations a run of market form ``form`` is held to."""
    return tuple(ob for ob in OBSERVATIONS if form in ob.forms)


def annual_growth(output_start: float, output_end: float, years: int) -> float:
    """Compound annual growth between two annualised outputs (-1 if the start is 0)."""
    if output_start <= 0.0:
        return -1.0 if output_end <= 0.0 else math.inf
    return (output_end / output_start) ** (1.0 / years) - 1.0


def growth_over_band_years(result: Any) -> float:
    """A run's compound yearly output growth over ``GROWTH_YEARS`` (year-end values)."""
    y0, y1 = GROWTH_YEARS
    return annual_growth(
        result.at_year_end(y0)["output_value_bn"],
        result.at_year_end(y1)["output_value_bn"],
        y1 - y0,
    )


def _rate(result: RunResult, indicator: str, years: tuple[int, int]) -> float:
    """(cumulative ``indicator`` at the end of years[1] - at the end of years[0] - 1) a year,
    over the mean number of firms alive in those years."""
    y0, y1 = years
    ind = result.indicators
    inside = ind[(ind["year"] >= y0) & (ind["year"] <= y1)]
    before = float(ind[ind["year"] == y0 - 1][indicator].iloc[-1])
    after = float(inside[indicator].iloc[-1])
    mean_firms = float(inside["enterprises"].mean())
    return (after - before) / (y1 - y0 + 1) / max(mean_firms, 1.0)


def pilot_area_firms(state: Any) -> tuple[float, int]:
    """(real firms alive in designated pilot areas, pilot areas) of a final state."""
    from rainforest.sim.state import N_ENT

    n_ent = int(state.counts[N_ENT])
    alive = np.asarray(state.ent_alive[:n_ent], dtype=bool)
    pilot = np.asarray(state.pilot)
    areas = int(np.count_nonzero(pilot))
    if areas == 0:
        return 0.0, 0
    district = np.asarray(state.ent_district[:n_ent])
    cluster = np.asarray(_field_cluster())[np.asarray(state.ent_field[:n_ent])]
    inside = alive & (pilot[district, cluster] > 0)
    weight = np.asarray(state.ent_weight[:n_ent], dtype=np.float64)
    return float(weight[inside].sum()), areas


def _field_cluster() -> np.ndarray:
    from rainforest.scenarios.fields import FIELD_CLUSTER

    return np.asarray(FIELD_CLUSTER)


def _measures(result: RunResult, state: Any) -> dict[str, Callable[[], float]]:
    """How each ``OBSERVATIONS`` term is measured on a run and its final state."""

    def at(year: int, indicator: str) -> float:
        return float(result.at_year_end(year)[indicator])

    def per_area() -> float:
        firms, areas = pilot_area_firms(state)
        return firms / max(areas, 1)

    def growth(year: int) -> Callable[[], float]:
        return lambda: annual_growth(
            at(year - 1, "output_value_bn"), at(year, "output_value_bn"), 1
        )

    return {
        "output_2022_bn": lambda: at(PRIOR_YEAR, "output_value_bn"),
        **{f"growth_{year}": growth(year) for year in YEARLY_GROWTH},
        "founding_rate_2023_2025": lambda: _rate(result, "startups_founded", GROWTH_YEARS),
        "exit_rate_2023_2025": lambda: _rate(result, "exits", GROWTH_YEARS),
        "pilot_areas_2023": lambda: at(2023, "pilot_areas"),
        "pilot_areas_2025": lambda: at(2025, "pilot_areas"),
        "colleges_2025": lambda: at(2025, "future_technical_colleges"),
        "pilot_firms_per_area_2025": per_area,
        "national_share_2021": lambda: at(2021, "national_share"),
        "national_share_change_2021_2025": (
            lambda: at(2025, "national_share") - at(2021, "national_share")
        ),
    }


def observe(result: RunResult, state: Any) -> dict[str, float]:
    """The value of every ``OBSERVATIONS`` term a run can show: those whose years end by
    the run's last year (a run ending in 2024, as a backtest's, shows no 2025 term); a
    term read from the final state (``final_state``) only by a run ending in its year."""
    last = int(result.indicators["year"].max())
    measures = _measures(result, state)
    return {
        ob.name: measures[ob.name]()
        for ob in OBSERVATIONS
        if max(ob.years) <= last and (not ob.final_state or last == max(ob.years))
    }


def with_growth_margin(observations: Sequence[Observation], margin: float) -> list[Observation]:
    """``observations`` with the yearly growth bands' tops widened by ``margin`` instead of
    ``YOUNG_CLUSTER_MARGIN``: a calibration choice (``rainforest calibrate
    --growth-margin``), whose effect on the answer ``calibration_choices`` measures."""
    import dataclasses

    if not margin >= 0.0:
        raise ValueError(f"growth margin: must be >= 0, got {margin}")
    out = []
    for ob in observations:
        if ob.name.startswith("growth_") and ob.name[7:].isdigit():
            ob = dataclasses.replace(ob, band=(YEARLY_GROWTH_FLOOR, ob.observed[1] + margin))
        out.append(ob)
    return out
