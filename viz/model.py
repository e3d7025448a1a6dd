"""The model as the interactive view builds it: from a few keyword parameters.

Mesa's ``ModelController`` rebuilds the model on Reset as ``model.__class__(**params)``,
with one keyword per control on the page. ``ViewModel`` is that class: it takes a scenario name,
a population scale, a seed and one budget multiplier per plan, builds the scenario and
hands it to ``EcosystemModel``. A multiplier scales the plan's budget for every year of
the scenario (1 leaves it as the scenario sets it, 0 takes the plan's money away), which
is a lever students can reason about without knowing the budget tables.

The view also needs things the model's state does not keep: where each organisation is
drawn (computed once per model, see ``viz.layout``) and when the run is over (Mesa's
``running`` flag, which disables Step and Play at the horizon).
"""

from __future__ import annotations

from collections.abc import Mapping

from rainforest.agents.model import EcosystemModel
from rainforest.runs.request import DEFAULT_SEED
from rainforest.scenarios.loader import library_names, load_scenario
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import PLAN_NAMES, PLAN_START_YEAR, SCALE_NAMES, Scenario
from rainforest.viz.layout import NetworkLayout

# The animated model's populations (a city of Mesa agents is too many to draw), the
# smallest its default; the what-if's compiled runs take every scale.
SCALES: tuple[str, ...] = SCALE_NAMES[:2]
ANIMATED_DEFAULT_SCALE = SCALES[0]
WHATIF_SCALES: tuple[str, ...] = SCALE_NAMES
DEFAULT_SCENARIO = "action_plan"
MAX_MULTIPLIER = 3.0

PLAN_TITLES: dict[str, str] = {
    "foundation": "Foundation",
    "leading": "Leading",
    "hand_in_hand": "Hand-in-hand",
    "open_source": "Open source",
    "array": "Array",
    "rainforest": "Rainforest",
}

PLAN_HELP: dict[str, str] = {
    "foundation": (
        "Basic research. Funds universities and institutes in proportion to their "
        "knowledge, designates future technical colleges (which send graduates into the "
        "firms of their cluster) and innovation centers (an institute tied to leading "
        "firms, which mature faster)."
    ),
    "leading": (
        "Carriers. Designates pilot areas (one district for one cluster) with accelerator "
        "parks and test sites, and subsidises the firms inside them: they mature faster, "
        "pay less for factors and learn more from their partners."
    ),
    "hand_in_hand": (
        "Partners. Funds consortia around leading firms, with partner firms and an "
        "institute of their cluster, and draws established leaders into the future fields."
    ),
    "open_source": (
        "Scenarios and demonstration. Grants demonstration projects to firms close to "
        "market (TRL 5-7): they mature faster, and their field's early demand grows."
    ),
    "array": (
        "Talent. Attracts high-level talents, a number per RMB bn spent, and keeps more "
        "of the talents already in Shanghai from leaving."
    ),
    "rainforest": (
        "Factor supply. Equity and credit for start-ups and SMEs whose knowledge passes a "
        "screen, cheaper factors, and more start-ups founded."
    ),
}


def view_scenario(
    scenario: str | Scenario, scale: str, multipliers: Mapping[str, float]
) -> Scenario:
    """``scenario`` at ``scale``, each plan's budget multiplied by its multiplier.

    Plans without a multiplier keep their budget. A plan the scenario switches off stays
    off: its budget table is empty, and any multiple of nothing is nothing.
    """
    base = load_scenario(scenario) if isinstance(scenario, str) else scenario
    if scale not in WHATIF_SCALES:
        raise ValueError(f"scale: {scale!r} is not one of {', '.join(WHATIF_SCALES)}")
    overrides: dict[str, object] = {"scale": scale}
    for plan, factor in multipliers.items():
        if plan not in PLAN_NAMES:
            raise ValueError(f"{plan!r} is not a plan (plans: {', '.join(PLAN_NAMES)})")
        if not 0.0 <= float(factor) <= MAX_MULTIPLIER:
            raise ValueError(f"{plan}: multiplier {factor} is outside 0-{MAX_MULTIPLIER:g}")
        budget = getattr(base.plans, plan).budget_bn
        overrides[f"plans.{plan}.budget_bn"] = {
            year: float(amount) * float(factor) for year, amount in budget.items()
        }
    return apply_overrides(base, overrides)


class ViewModel(EcosystemModel):
    """An ``EcosystemModel`` built from the page's controls; stops at the horizon.

    It takes the controls' values as keywords, or ``controls`` (``viz.controls.Controls``),
    whose values at construction it uses instead: that is how the page's Reset builds it.
    """

    def __init__(
        self,
        scenario_name: str = DEFAULT_SCENARIO,
        scale: str = ANIMATED_DEFAULT_SCALE,
        seed: int = DEFAULT_SEED,
        foundation: float = 1.0,
        leading: float = 1.0,
        hand_in_hand: float = 1.0,
        open_source: float = 1.0,
        array: float = 1.0,
        rainforest: float = 1.0,
        controls=None,
    ) -> None:
        if controls is not None:  # the page's settings (viz.controls), as they are now
            settings = controls.settings()
            scenario_name, scale, seed = settings.scenario_name, settings.scale, settings.seed
            foundation, leading, hand_in_hand, open_source, array, rainforest = (
                dict(settings.multipliers)[plan] for plan in PLAN_TITLES
            )
        if scale not in SCALES:
            raise ValueError(f"scale: {scale!r} is not one of {', '.join(SCALES)}")
        if int(seed) < 0:
            raise ValueError(f"seed: must be >= 0, got {seed}")
        if scenario_name not in library_names():
            raise ValueError(
                f"scenario: {scenario_name!r} is not a built-in scenario "
                f"({', '.join(library_names())})"
            )
        self.multipliers: dict[str, float] = {
            "foundation": float(foundation),
            "leading": float(leading),
            "hand_in_hand": float(hand_in_hand),
            "open_source": float(open_source),
            "array": float(array),
            "rainforest": float(rainforest),
        }
        # What the run was built with, as ``Settings.model_kwargs`` names it: the page marks
        # the run when the settings have moved on since (viz.controls).
        self.built_with: dict[str, object] = {
            "scenario_name": scenario_name,
            "scale": scale,
            "seed": int(seed),
            **self.multipliers,
        }
        self.base_scenario = load_scenario(scenario_name)
        built = view_scenario(self.base_scenario, scale, self.multipliers)
        super().__init__(built, seed=int(seed))
        self.running = self.tick < self.params.n_ticks
        self.layout = NetworkLayout(self)

    def step(self) -> None:
        """One quarter; past the horizon there is nothing left to simulate."""
        if self.tick >= self.params.n_ticks:
            self.running = False
            return
        super().step()
        self.running = self.tick < self.params.n_ticks

    def quarter_label(self) -> str:
        """The quarter last simulated, as students read it ("2024 Q3")."""
        if self.tick == 0:
            return f"start of {self.params.start_year}"
        done = self.tick - 1
        return f"{self.params.start_year + done // 4} Q{done % 4 + 1}"

    def plan_budget(self, plan: str) -> float:
        """RMB bn a year the plan has in the year now simulated (0 if switched off).

        During the settling years before the plan (docs/ODD.md 5.5) it is the plan's
        first-year budget, so the panel shows what the plan will pay, not the pre-plan
        support the run starts with.
        """
        budget = self.params.budget
        first_plan_year = max(0, PLAN_START_YEAR - self.run_scenario.start_year)
        year = min(max(self.year_index, first_plan_year), budget.shape[1] - 1)
        return float(budget[PLAN_NAMES.index(plan), year])

    def plan_enabled(self, plan: str) -> bool:
        """Whether the chosen scenario has the plan at all (before any multiplier)."""
        return bool(getattr(self.base_scenario.plans, plan).enabled)
