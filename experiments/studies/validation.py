"""Stylized facts of innovation ecosystems, measured on a run's final state.

Calibration fits output levels and growth only; these measures check patterns it did not
use: firm output is heavy-tailed (a few firms hold much of it, with a Pareto tail), the
innovation network has hubs and is clustered far beyond a random graph of its density,
and start-ups are founded and exit at plausible rates. docs/VALIDATION.md gives the
ranges and why.

A simulated firm stands for ``ent_weight`` real firms of equal size, so firm-size
measures expand each simulated firm into its real firms (weights), as the indicators do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from rainforest.experiments.files import write_atomic
from rainforest.experiments.studies.observations import growth_over_band_years
from rainforest.runs.execute import run_with_state
from rainforest.runs.result import RunResult
from rainforest.scenarios.schema import PLAN_START_YEAR
from rainforest.sim.state import N_ENT, N_INST


@dataclass(frozen=True)
class StylizedFacts:
    """The measures of one run (2030 state, or the horizon's)."""

    top1_share: float  # share of output held by the top 1 % of real firms
    hill_alpha: float  # Pareto tail exponent of per-firm output (Hill, top 10 % of sellers)
    max_degree: int
    median_degree: float  # over organisations with at least one tie
    clustering: float  # average clustering coefficient
    random_clustering: float  # expected clustering of a G(n, p) graph of the same density
    founding_rate: float  # start-ups founded a year / mean firms alive (real firms)
    exit_rate: float  # exits a year / mean firms alive (real firms)


def weighted_top_share(values: np.ndarray, weights: np.ndarray, top: float = 0.01) -> float:
    """Share of the total held by the top ``top`` of units, each value repeated weight times."""
    total = float(np.sum(values * weights))
    if total <= 0.0:
        return 0.0
    order = np.argsort(-values)
    v, w = values[order], weights[order].astype(np.float64)
    cut = top * float(np.sum(w))
    cum = np.cumsum(w)
    held = 0.0
    taken = 0.0
    for vi, wi, ci in zip(v, w, cum, strict=True):
        take = min(wi, cut - taken)
        if take <= 0.0:
            break
        held += vi * take
        taken += take
        if ci >= cut:
            break
    return held / total


def hill_alpha(values: np.ndarray, tail: float = 0.1) -> float:
    """Hill estimator of the Pareto tail exponent from the largest ``tail`` of values > 0."""
    x = np.sort(values[values > 0.0])[::-1]
    k = max(int(tail * len(x)), 2)
    if len(x) <= k:
        return float("nan")
    logs = np.log(x[:k]) - np.log(x[k])
    return float(1.0 / np.mean(logs))


def network_measures(state: Any) -> tuple[int, float, float, float]:
    """(max degree, median degree of tied organisations, clustering, random clustering)."""
    import networkx as nx

    n_inst = int(state.counts[N_INST])
    n_ent = int(state.counts[N_ENT])
    slots = int(len(state.edge_kind))
    live = np.asarray(state.edge_kind[:slots]) >= 0
    a = np.asarray(state.edge_a[:slots])[live]
    b = np.asarray(state.edge_b[:slots])[live]
    alive = np.flatnonzero(np.asarray(state.ent_alive[:n_ent])) + n_inst
    nodes = np.concatenate([np.arange(n_inst), alive])
    graph = nx.Graph()
    graph.add_nodes_from(nodes.tolist())
    graph.add_edges_from(zip(a.tolist(), b.tolist(), strict=True))
    degrees = np.array([d for _, d in graph.degree()], dtype=np.float64)
    n = graph.number_of_nodes()
    density = 2.0 * graph.number_of_edges() / (n * (n - 1)) if n > 1 else 0.0
    tied = degrees[degrees > 0]
    median = float(np.median(tied)) if len(tied) else 0.0
    return int(degrees.max(initial=0)), median, float(nx.average_clustering(graph)), density


def organisation_graph(state: Any) -> Any:
    """The innovation network of a final state as a NetworkX graph over tied organisations
    (nodes ``0 .. n_inst - 1`` are institutes, the rest firms)."""
    import networkx as nx

    slots = int(len(state.edge_kind))
    live = np.asarray(state.edge_kind[:slots]) >= 0
    a = np.asarray(state.edge_a[:slots])[live]
    b = np.asarray(state.edge_b[:slots])[live]
    graph = nx.Graph()
    graph.add_edges_from(zip(a.tolist(), b.tolist(), strict=True))
    return graph


def configuration_clustering(degrees: np.ndarray) -> float:
    """Expected average clustering of a configuration-model graph with these degrees:
    (<k^2> - <k>)^2 / (n <k>^3) (Newman 2003, SIAM Review 45: 167-256, eq. 3.5)."""
    k = np.asarray(degrees, dtype=np.float64)
    k = k[k > 0]
    if len(k) == 0:
        return 0.0
    m1, m2 = float(k.mean()), float((k * k).mean())
    return (m2 - m1) ** 2 / (len(k) * m1**3)


def swapped_clustering(graph: Any, seed: int, swaps_per_edge: float = 2.0) -> float:
    """Average clustering of ``graph`` after degree-preserving double-edge swaps (seeded):
    the configuration-model null by rewiring."""
    import networkx as nx

    null = graph.copy()
    m = null.number_of_edges()
    nswap = max(int(swaps_per_edge * m), 1)
    nx.double_edge_swap(null, nswap=nswap, max_tries=50 * nswap, seed=int(seed) % 2**32)
    return float(nx.average_clustering(null))


@dataclass(frozen=True)
class NetworkFacts:
    """Clustering against a degree-preserving null, and who the hubs are."""

    clustering: float  # average clustering over tied organisations
    configuration_clustering: float  # its expectation in a configuration model
    hub_firms: int  # firms among the top 1 % of tied organisations by degree
    hub_institutes: int  # institutes among them
    top_firm_degree_ratio: float  # best-connected firm's degree / median degree


def network_facts(state: Any) -> NetworkFacts:
    """The network measures of one final state (hubs: top 1 % by degree, at least 10)."""
    import networkx as nx

    graph = organisation_graph(state)
    n_inst = int(state.counts[N_INST])
    nodes = np.array(list(graph.nodes()), dtype=np.int64)
    degrees = np.array([graph.degree(int(n)) for n in nodes], dtype=np.float64)
    order = np.argsort(-degrees, kind="stable")
    top = max(10, len(nodes) // 100)
    hubs = nodes[order[:top]]
    firm_deg = degrees[nodes >= n_inst]
    median = float(np.median(degrees)) if len(degrees) else 1.0
    return NetworkFacts(
        clustering=float(nx.average_clustering(graph)),
        configuration_clustering=configuration_clustering(degrees),
        hub_firms=int(np.count_nonzero(hubs >= n_inst)),
        hub_institutes=int(np.count_nonzero(hubs < n_inst)),
        top_firm_degree_ratio=float(firm_deg.max(initial=0.0)) / max(median, 1.0),
    )


def readiness_by_field(state: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per field (FIELDS order): (share of real firms alive at TRL >= 7, share of output)."""
    from rainforest.scenarios.fields import N_FIELDS

    n_ent = int(state.counts[N_ENT])
    alive = np.asarray(state.ent_alive[:n_ent], dtype=bool)
    field = np.asarray(state.ent_field[:n_ent])[alive]
    weight = np.asarray(state.ent_weight[:n_ent], dtype=np.float64)[alive]
    trl = np.asarray(state.ent_trl[:n_ent])[alive]
    revenue = np.asarray(state.ent_revenue[:n_ent], dtype=np.float64)[alive]
    firms = np.bincount(field, weights=weight, minlength=N_FIELDS)
    ready = np.bincount(field, weights=weight * (trl >= 7), minlength=N_FIELDS)
    out = np.bincount(field, weights=revenue, minlength=N_FIELDS)
    return ready / np.maximum(firms, 1.0), out / max(float(out.sum()), 1e-12)


def stylized_facts(result: RunResult, state: Any) -> StylizedFacts:
    """Every stylized-fact measure of one run."""
    n_ent = int(state.counts[N_ENT])
    alive = np.asarray(state.ent_alive[:n_ent], dtype=bool)
    weight = np.asarray(state.ent_weight[:n_ent], dtype=np.float64)[alive]
    revenue = np.asarray(state.ent_revenue[:n_ent], dtype=np.float64)[alive]
    per_firm = np.where(weight > 0, revenue / np.maximum(weight, 1.0), 0.0)
    max_deg, median_deg, clustering, density = network_measures(state)
    ind = result.indicators
    years = (len(ind) / 4.0) or 1.0
    mean_firms = float(ind["enterprises"].mean())
    last = ind.iloc[-1]
    return StylizedFacts(
        top1_share=weighted_top_share(per_firm, weight),
        hill_alpha=hill_alpha(per_firm),
        max_degree=max_deg,
        median_degree=median_deg,
        clustering=clustering,
        random_clustering=density,
        founding_rate=float(last["startups_founded"]) / years / mean_firms,
        exit_rate=float(last["exits"]) / years / mean_firms,
    )


PLAN_SCENARIOS: dict[str, str] = {
    "foundation": "no_foundation",
    "leading": "no_leading",
    "hand_in_hand": "no_hand_in_hand",
    "open_source": "no_open_source",
    "array": "no_array",
    "rainforest": "no_rainforest",
}


def _outputs(name: str, seeds: list[int], scale: str) -> tuple[np.ndarray, list[RunResult]]:
    from rainforest.runs.execute import run_one
    from rainforest.scenarios.loader import load_scenario

    sc = load_scenario(name)
    runs = [run_one(sc, s, scale=scale) for s in seeds]
    return np.array([r.at_year_end(2030)["output_value_bn"] for r in runs]), runs


def plan_contributions(
    replicates: int = 20, scale: str = "district", root_seed: int = 2022, boot: int = 2000
) -> dict[str, Any]:
    """Each plan's marginal contribution: 2030 output lost without it per RMB bn it spends.

    Leave-one-outs share the action plan's seeds (paired differences); the interval is a
    95 % bootstrap over replicates of the mean paired difference divided by the plan's
    mean cumulative spend over the run in the action plan (a leave-one-out removes all of
    it, the settling years' pre-plan support included).
    """
    seeds = [int(s) for s in _seeds(root_seed, replicates)]
    plan_out, plan_runs = _outputs("action_plan", seeds, scale)
    base_out, base_runs = _outputs("baseline", seeds, scale)
    rng = np.random.default_rng(root_seed)
    rows: dict[str, Any] = {}
    for plan, loo in PLAN_SCENARIOS.items():
        out, _ = _outputs(loo, seeds, scale)
        spend = float(np.mean([r.at_year_end(2030)[f"spent_{plan}_bn"] for r in plan_runs]))
        diff = plan_out - out
        idx = rng.integers(0, len(diff), size=(boot, len(diff)))
        means = diff[idx].mean(axis=1) / spend
        rows[plan] = {
            "median_output_2030_bn": float(np.median(out)),
            "mean_loss_bn": float(diff.mean()),
            "spent_bn": spend,
            "bn_per_bn": float(diff.mean() / spend),
            "ci95": [float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))],
        }
    return {
        "replicates": replicates,
        "scale": scale,
        "root_seed": root_seed,
        "action_plan": _summary(plan_out, plan_runs),
        "baseline": _summary(base_out, base_runs),
        "plans": rows,
        "_runs": {"action_plan": plan_runs, "baseline": base_runs},
    }


def _seeds(root_seed: int, replicates: int) -> list[int]:
    from rainforest.sim.seeds import derive_seed

    return [derive_seed(root_seed, 0, r) for r in range(replicates)]


def _summary(out: np.ndarray, runs: list[RunResult]) -> dict[str, Any]:
    growth = [growth_over_band_years(r) for r in runs]
    return {
        "median_output_2030_bn": float(np.median(out)),
        "p05": float(np.quantile(out, 0.05)),
        "p95": float(np.quantile(out, 0.95)),
        "reach_probability": float(np.mean(out >= 500.0)),
        "median_output_2023_bn": float(
            np.median([r.at_year_end(2023)["output_value_bn"] for r in runs])
        ),
        "median_growth_2023_2025": float(np.median(growth)),
    }


def facts_summary(replicates: int = 20, scale: str = "district", root_seed: int = 31) -> dict:
    """Median, 5 % and 95 % of every validation measure over replicates of the action plan:
    the stylized facts, the network against its degree-preserving null and its hubs, and
    readiness by field in 2023 and 2030 (the measures test_validation.py checks)."""
    from rainforest.scenarios.loader import load_scenario
    from rainforest.scenarios.overrides import apply_overrides

    sc = load_scenario("action_plan")
    seeds = _seeds(root_seed, replicates)
    states = [run_with_state(sc, s, scale) for s in seeds]
    facts = [stylized_facts(*rs) for rs in states]
    nets = [network_facts(state) for _, state in states]
    out: dict[str, Any] = {"replicates": replicates, "scale": scale, "root_seed": root_seed}

    def q(v: Any) -> list[float]:
        v = np.asarray(v, dtype=np.float64)
        return [float(np.quantile(v, x)) for x in (0.05, 0.5, 0.95)]

    for name in StylizedFacts.__dataclass_fields__:
        out[name] = q([getattr(f, name) for f in facts])
    out["clustering_ratio_gnp"] = q([f.clustering / f.random_clustering for f in facts])
    for name in NetworkFacts.__dataclass_fields__:
        out[f"network_{name}"] = q([getattr(n, name) for n in nets])
    out["clustering_ratio_configuration"] = q(
        [n.clustering / n.configuration_clustering for n in nets]
    )
    out["clustering_ratio_swapped"] = q(
        [n.clustering / swapped_clustering(organisation_graph(st), root_seed)
         for n, (_, st) in list(zip(nets, states, strict=True))[:2]]
    )  # fmt: skip
    early = apply_overrides(sc, {"horizon_year": 2023})
    from rainforest.scenarios.fields import FIELDS

    for year, runs in ((2023, [run_with_state(early, s, scale) for s in seeds]), (2030, states)):
        pairs = [readiness_by_field(st) for _, st in runs]
        ready = np.median([p[0] for p in pairs], axis=0)
        output = np.median([p[1] for p in pairs], axis=0)
        out[f"trl7_share_{year}"] = dict(zip(FIELDS, map(float, ready), strict=True))
        out[f"output_share_{year}"] = dict(zip(FIELDS, map(float, output), strict=True))
    return out


def write_figures(contrib: dict[str, Any], folder: Any) -> list[str]:
    """Two small PNGs: output paths against the target, and each plan's contribution."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=90)
    for name, colour in (("action_plan", "tab:green"), ("baseline", "tab:grey")):
        runs = contrib["_runs"][name]
        paths = np.array([r.indicators["output_value_bn"].to_numpy() for r in runs])
        t = runs[0].indicators["year"].to_numpy() + (runs[0].indicators["quarter"] - 1) / 4
        ax.fill_between(t, np.quantile(paths, 0.05, 0), np.quantile(paths, 0.95, 0),
                        color=colour, alpha=0.25)  # fmt: skip
        ax.plot(t, np.median(paths, 0), color=colour, label=name)
    ax.axhline(500.0, color="black", ls="--", lw=1, label="2030 target")
    if t[0] < PLAN_START_YEAR:
        ax.axvspan(t[0], PLAN_START_YEAR, color="black", alpha=0.06, lw=0, label="settling years")
    ax.set_ylabel("output value, RMB bn / yr")
    ax.legend(frameon=False)
    fig.tight_layout()
    write_atomic(folder / "validation_output_paths.png", lambda tmp: fig.savefig(tmp, format="png"))
    plt.close(fig)
    written.append("validation_output_paths.png")
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=90)
    plans = list(contrib["plans"])
    mid = [contrib["plans"][p]["bn_per_bn"] for p in plans]
    lo = [m - contrib["plans"][p]["ci95"][0] for p, m in zip(plans, mid, strict=True)]
    hi = [contrib["plans"][p]["ci95"][1] - m for p, m in zip(plans, mid, strict=True)]
    ax.bar(plans, mid, yerr=[lo, hi], color="tab:green", capsize=4)
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_ylabel("2030 output per RMB bn spent")
    ax.tick_params(axis="x", labelrotation=20)
    fig.tight_layout()
    write_atomic(
        folder / "validation_plan_contributions.png", lambda tmp: fig.savefig(tmp, format="png")
    )
    plt.close(fig)
    written.append("validation_plan_contributions.png")
    return written


def uncertainty_summary(results: Any, figure: Any = None, target: float = 500.0) -> dict:
    """Reach probability per assumption set of an uncertainty sweep's results folder.

    Reports its range, how many sets always or never reach the target, and the mean
    reach probability in the lower and upper third of each varied parameter; optionally
    a PNG of reach probability against each parameter.
    """
    from rainforest.experiments.sweeps.storage import load_results

    df = load_results(results)
    cols = [c for c in df.columns if c.startswith(("market.", "behaviour.", "plans."))]
    agg = {c: (c, "first") for c in cols}
    groups = df.groupby("sample").agg(
        **agg,
        p=("output_value_bn_2030", lambda x: float(np.mean(np.asarray(x) >= target))),
        median=("output_value_bn_2030", "median"),
    )
    out: dict[str, Any] = {
        "sets": len(groups),
        "runs": len(df),
        "reach_min": float(groups.p.min()),
        "reach_median": float(groups.p.median()),
        "reach_max": float(groups.p.max()),
        "always": int((groups.p == 1.0).sum()),
        "never": int((groups.p == 0.0).sum()),
        "median_output_range": [float(groups["median"].min()), float(groups["median"].max())],
        "by_parameter": {},
    }
    for c in cols:
        lo, hi = np.quantile(groups[c], [1 / 3, 2 / 3])
        out["by_parameter"][c] = {
            "reach_lower_third": float(groups[groups[c] <= lo].p.mean()),
            "reach_upper_third": float(groups[groups[c] > hi].p.mean()),
            "spearman_median_output": float(
                groups[[c, "median"]].corr(method="spearman").iloc[0, 1]
            ),
        }
    if figure is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, len(cols), figsize=(9, 2.6), dpi=90, sharey=True)
        for ax, c in zip(np.atleast_1d(axes), cols, strict=True):
            ax.scatter(groups[c], groups.p, s=12, color="tab:green")
            ax.set_xlabel(c.split(".", 1)[1], fontsize=8)
            ax.tick_params(labelsize=7)
        np.atleast_1d(axes)[0].set_ylabel(f"P(2030 output >= {target:g})", fontsize=8)
        fig.tight_layout()
        write_atomic(figure, lambda tmp: fig.savefig(tmp, format="png"))
        plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m rainforest.experiments.studies.validation [--out docs/figures]``: the
    numbers and figures of docs/VALIDATION.md."""
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m rainforest.experiments.studies.validation")
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--scale", default="district")
    parser.add_argument("--out", default=None, help="folder for the PNG figures")
    parser.add_argument(
        "--uncertainty", default=None, help="an uncertainty sweep's results folder: summarise it"
    )
    parser.add_argument("--facts", action="store_true", help="only the validation measures")
    args = parser.parse_args(argv)
    if args.facts:
        print(json.dumps(facts_summary(args.replicates, args.scale), indent=1))
        return 0
    if args.uncertainty:
        from pathlib import Path

        figure = None if args.out is None else Path(args.out) / "validation_uncertainty.png"
        print(json.dumps(uncertainty_summary(args.uncertainty, figure), indent=1))
        return 0
    contrib = plan_contributions(args.replicates, args.scale)
    facts = facts_summary(args.replicates, args.scale)
    if args.out:
        write_figures(contrib, args.out)
    contrib.pop("_runs")
    print(json.dumps({"contributions": contrib, "facts": facts}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
