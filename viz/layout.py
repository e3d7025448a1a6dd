"""Where each organisation of the innovation network is drawn.

A force-directed (spring) layout of a thousand nodes takes seconds, and recomputing it
every frame would also move every node whenever one tie changes, so students could not
follow anything. The layout here is computed once, when the model is built (on Reset),
from what does not change during a run: each organisation's cluster and field.

* The five clusters are five discs on a ring.
* Inside a disc, the cluster's institutes sit in the middle, and its enterprises fill the
  rest in slices, one slice per field (sized by the field's number of firms), spread
  evenly over each slice's area.
* Enterprises founded during the run (start-ups, leaders drawn into the fields) take the
  next free place in their field's slice; nothing already drawn moves.

So a tie between two discs is a cross-cluster tie, and a disc that fills with lines is a
cluster whose organisations work together.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from rainforest.scenarios.fields import N_CLUSTERS

if TYPE_CHECKING:
    from rainforest.agents.model import EcosystemModel

RING_RADIUS = 1.0
DISC_RADIUS = 0.5
INSTITUTE_RADIUS = 0.17 * DISC_RADIUS
FIRM_INNER_RADIUS = 0.3 * DISC_RADIUS
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0  # successive multiples spread evenly over [0, 1)
SLICE_MARGIN = 0.06  # share of each slice's angle left empty on both sides
PICK_REACH = 0.06  # a click this close (layout units) to an organisation selects it


def cluster_anchor(cluster: int) -> tuple[float, float]:
    """Centre of a cluster's disc: clusters clockwise from the top."""
    angle = math.pi / 2.0 - 2.0 * math.pi * cluster / N_CLUSTERS
    return RING_RADIUS * math.cos(angle), RING_RADIUS * math.sin(angle)


def _sunflower(j: int, n: int, r_in: float, r_out: float) -> tuple[float, float]:
    """Point j of n spread over the ring r_in..r_out with equal area per point.

    Returns (radius, angle fraction in [0, 1)).
    """
    share = (j + 0.5) / max(n, 1)
    radius = math.sqrt(r_in * r_in + (r_out * r_out - r_in * r_in) * share)
    return radius, (j * GOLDEN) % 1.0


class NetworkLayout:
    """Positions of every organisation, by org id; grows as enterprises are founded."""

    def __init__(self, model: EcosystemModel) -> None:
        field_cluster = np.asarray(model.params.field_cluster)
        n_fields = len(field_cluster)
        self.n_institutes = model.n_institutes
        xy = np.zeros((model.n_institutes + len(model.enterprises), 2))

        by_cluster: list[list[int]] = [[] for _ in range(N_CLUSTERS)]
        for inst in model.institutes:
            by_cluster[inst.cluster].append(inst.org_id)
        for cluster, members in enumerate(by_cluster):
            cx, cy = cluster_anchor(cluster)
            for j, org_id in enumerate(members):
                radius, frac = _sunflower(j, len(members), 0.0, INSTITUTE_RADIUS)
                angle = 2.0 * math.pi * frac
                xy[org_id] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))

        # One slice per field; its angle is proportional to the field's firms (plus one,
        # so that a field without firms at the start still has room for its start-ups).
        counts = np.bincount([e.field for e in model.enterprises], minlength=n_fields)
        self._slice_start = np.zeros(n_fields)
        self._slice_width = np.zeros(n_fields)
        self._capacity = np.maximum(counts, 8)
        self._placed = np.zeros(n_fields, dtype=np.int64)
        for cluster in range(N_CLUSTERS):
            fields = [f for f in range(n_fields) if field_cluster[f] == cluster]
            total = float(sum(counts[f] + 1 for f in fields))
            start = 0.0
            for f in fields:
                width = 2.0 * math.pi * (counts[f] + 1) / total
                self._slice_start[f] = start
                self._slice_width[f] = width
                start += width
        self._field_cluster = field_cluster
        self._xy = xy
        for firm in model.enterprises:
            self._xy[firm.org_id] = self._place(firm.field)

    def _place(self, field: int) -> tuple[float, float]:
        """The next free place in the field's slice (past capacity, a second lap)."""
        j = int(self._placed[field])
        self._placed[field] += 1
        cap = int(self._capacity[field])
        lap, k = divmod(j, cap)
        radius, frac = _sunflower(k, cap, FIRM_INNER_RADIUS, DISC_RADIUS)
        frac = (frac + 0.5 * GOLDEN * lap) % 1.0
        usable = 1.0 - 2.0 * SLICE_MARGIN
        angle = self._slice_start[field] + self._slice_width[field] * (SLICE_MARGIN + usable * frac)
        cx, cy = cluster_anchor(int(self._field_cluster[field]))
        return cx + radius * math.cos(angle), cy + radius * math.sin(angle)

    def positions(self, model: EcosystemModel) -> np.ndarray:
        """(x, y) of every organisation ever created, by org id.

        Enterprises founded since the last call are placed now; earlier positions are
        never changed.
        """
        n_orgs = model.n_institutes + len(model.enterprises)
        known = len(self._xy)
        if n_orgs > known:
            grown = np.zeros((n_orgs, 2))
            grown[:known] = self._xy
            for firm in model.enterprises[known - model.n_institutes :]:
                grown[firm.org_id] = self._place(firm.field)
            self._xy = grown
        return self._xy


def nearest_organisation(
    model: EcosystemModel, xy: np.ndarray, x: float, y: float, reach: float = PICK_REACH
) -> int | None:
    """The organisation drawn nearest to (x, y), if one is within ``reach`` (layout units):
    an alive firm or an institute."""
    ids = [i.org_id for i in model.institutes] + [e.org_id for e in model.enterprises if e.alive]
    if not ids:
        return None
    points = xy[ids]
    d2 = (points[:, 0] - x) ** 2 + (points[:, 1] - y) ** 2
    best = int(np.argmin(d2))
    return ids[best] if d2[best] <= reach * reach else None
