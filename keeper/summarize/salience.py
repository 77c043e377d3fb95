"""Pick the most central turns of a thread, without near-duplicates (MMR).

Degree centrality in cosine space: a turn's centrality is the sum of its similarities to
every other turn, which for unit vectors equals its dot product with the sum of all
vectors minus one. That makes it O(n) instead of the O(n²) similarity matrix, so a
5,000-message thread costs milliseconds. Maximal marginal relevance then trades
centrality against similarity to turns already chosen, so the abstract does not quote
the same point twice.
"""

from __future__ import annotations

import numpy as np

LAMBDA = 0.7  # weight of centrality vs. redundancy in MMR
POOL = 12  # MMR looks at the POOL × k most central turns only (the usual re-ranking cut)


def _mmr(centrality: list[float], sim: object, k: int, lam: float) -> list[int]:
    chosen: list[int] = []
    best_sim = [0.0] * len(centrality)
    top = max(centrality, default=0.0) or 1.0
    scaled = [c / top for c in centrality]
    pool = sorted(range(len(scaled)), key=lambda i: -scaled[i])[: POOL * k]
    while len(chosen) < min(k, len(pool)):
        taken = set(chosen)
        candidates = [i for i in pool if i not in taken]
        pick = max(candidates, key=lambda i: lam * scaled[i] - (1 - lam) * best_sim[i])
        chosen.append(pick)
        for i in candidates:
            best_sim[i] = max(best_sim[i], sim(i, pick))  # type: ignore[operator]
    return chosen


def central_dense(
    matrix: np.ndarray, weights: list[float], k: int, lam: float = LAMBDA
) -> list[int]:
    """Indices of ``k`` central, mutually different turns (embedding rows), best first."""
    if len(matrix) == 0:
        return []
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit = matrix / norms
    degree = unit @ unit.sum(axis=0) - 1.0
    centrality = [float(d) * w for d, w in zip(degree, weights, strict=True)]
    return _mmr(centrality, lambda i, j: float(unit[i] @ unit[j]), k, lam)
