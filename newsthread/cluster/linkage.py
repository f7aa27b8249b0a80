"""Average-linkage agglomerative clustering over a sparse similarity graph.

Two groups merge while the mean similarity over all their cross pairs (a pair without an
edge counts 0) is at least the threshold, best pair of groups first. A merge needs at least
one edge ≥ threshold between the groups, so the work splits into the connected components
of the ≥ threshold edges: singletons and pairs are settled at once, and only the few larger
components run the heap (O(E log E) in their edges).
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components


def average_linkage(
    n: int, left: np.ndarray, right: np.ndarray, sims: np.ndarray, threshold: float, size_slope: float = 0.0
) -> np.ndarray:
    """Cluster label (0..k-1) of each of n nodes; edges (left[k], right[k]) have similarity sims[k].

    The threshold for a merge grows by `size_slope` per doubling of the merged size beyond 2.
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    strong = sims >= threshold
    graph = sp.coo_matrix((np.ones(int(strong.sum())), (left[strong], right[strong])), shape=(n, n))
    n_comp, comp = connected_components(graph, directed=False)
    sizes = np.bincount(comp, minlength=n_comp)
    labels = comp.astype(np.int64).copy()
    big = sizes[comp[left]] >= 3
    inside = big & (comp[left] == comp[right])
    if not inside.any():
        return labels
    eI, eJ, eS = left[inside], right[inside], sims[inside]
    order = np.argsort(comp[eI], kind="stable")
    eI, eJ, eS = eI[order], eJ[order], eS[order]
    bounds = np.flatnonzero(np.diff(comp[eI])) + 1
    next_label = n_comp
    for part_i, part_j, part_s in zip(
        np.split(eI, bounds), np.split(eJ, bounds), np.split(eS, bounds), strict=True
    ):
        groups = _link_component(part_i.tolist(), part_j.tolist(), part_s.tolist(), threshold, size_slope)
        for group in groups[1:]:  # the first group keeps the component's label
            labels[group] = next_label
            next_label += 1
    return _compact(labels)


def _link_component(
    left: list[int], right: list[int], sims: list[float], threshold: float, size_slope: float = 0.0
) -> list[list[int]]:
    """Average linkage inside one component; returns its groups of node ids."""
    sums: dict[int, dict[int, float]] = {}
    for i, j, s in zip(left, right, sims, strict=True):
        row_i = sums.setdefault(i, {})
        row_j = sums.setdefault(j, {})
        row_i[j] = row_i.get(j, 0.0) + s
        row_j[i] = row_j.get(i, 0.0) + s
    members: dict[int, list[int]] = {node: [node] for node in sums}
    heap = [(-s, i, j) for i, j, s in zip(left, right, sims, strict=True) if s >= threshold]
    heapq.heapify(heap)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        current = sums[a].get(b, 0.0) / (len(members[a]) * len(members[b]))
        if abs(current + negative) > 1e-9:
            continue  # stale entry: the groups changed since it was pushed
        if size_slope and current < threshold + size_slope * math.log2(
            (len(members[a]) + len(members[b])) / 2
        ):
            continue
        if len(sums[a]) < len(sums[b]):
            a, b = b, a  # fold the group with fewer neighbours into the other
        members[a].extend(members.pop(b))
        neighbours_b = sums.pop(b)
        neighbours_a = sums[a]
        neighbours_a.pop(b, None)
        for other, value in neighbours_b.items():
            if other == a:
                continue
            row = sums[other]
            row.pop(b, None)
            total = neighbours_a.get(other, 0.0) + value
            neighbours_a[other] = total
            row[a] = total
        size_a = len(members[a])
        for other, total in neighbours_a.items():
            mean = total / (size_a * len(members[other]))
            if mean >= threshold:
                heapq.heappush(heap, (-mean, a, other))
    return list(members.values())


def _compact(labels: np.ndarray) -> np.ndarray:
    _, compact = np.unique(labels, return_inverse=True)
    return compact.astype(np.int64)
