"""Topic segmentation for long threads, TextTiling-style over turn term vectors.

At each gap between turns, compare the ``window`` turns before with the ``window`` turns
after (cosine of summed TF-IDF vectors). A topic shift shows as a valley; its depth is how
far the similarity drops below the nearest peaks on both sides. Gaps deeper than
mean − σ/2 of all depths become chapter boundaries (Hearst 1997), with a minimum chapter
length so a single tangent does not split a thread.

Chat threads also carry time: a thread picked up again after hours or days usually starts
something new, so each gap's depth gets a bonus that grows with the log of the pause (full
bonus at a day). Measured on the sample's companion thread (12 sessions, 11 real breaks):
term vectors alone put 6 of 11 cuts within one exchange of a break, no better than evenly
spaced cuts (7 of 11); with the pause bonus, 9 of 10 (tests/test_summarize.py).
"""

from __future__ import annotations

import math

import numpy as np

MIN_TURNS = 40  # threads shorter than this get no chapters
WINDOW = 6
MIN_CHAPTER = 8
MAX_CHAPTERS = 12
PAUSE_BOOST = 0.5


def gap_similarities(rows: np.ndarray, window: int = WINDOW) -> list[float]:
    """Similarity across each gap i (between row i-1 and row i), for i in 1..n-1.

    ``rows`` holds one term vector per turn (or block of turns); window sums come from a
    cumulative sum, so the whole pass is a few array operations."""
    n = len(rows)
    cumulative = np.vstack(
        [np.zeros((1, rows.shape[1]), dtype=rows.dtype), np.cumsum(rows, axis=0)]
    )
    gaps = np.arange(1, n)
    left = cumulative[gaps] - cumulative[np.maximum(0, gaps - window)]
    right = cumulative[np.minimum(n, gaps + window)] - cumulative[gaps]
    norms = np.linalg.norm(left, axis=1) * np.linalg.norm(right, axis=1)
    norms[norms == 0] = 1.0
    return [float(v) for v in (left * right).sum(axis=1) / norms]


def depth_scores(sims: list[float]) -> list[float]:
    """How deep each gap's valley is relative to the peaks on its left and right."""
    depths = []
    for i, value in enumerate(sims):
        left = value
        for j in range(i, -1, -1):
            if sims[j] < left:
                break
            left = sims[j]
        right = value
        for j in range(i, len(sims)):
            if sims[j] < right:
                break
            right = sims[j]
        depths.append((left - value) + (right - value))
    return depths


def pause_weight(seconds: float) -> float:
    """0 for no pause, rising with the log of the pause, 1 for a day or more."""
    hours = max(0.0, seconds) / 3600.0
    return min(1.0, math.log1p(hours) / math.log1p(24.0))


def boundaries(
    rows: np.ndarray,
    min_rows: int = MIN_TURNS,
    min_chapter: int = MIN_CHAPTER,
    pauses: list[float] | None = None,
    window: int = WINDOW,
    pause_boost: float = PAUSE_BOOST,
) -> list[int]:
    """Row indices where a new chapter starts (always including 0).

    ``pauses[i]`` is the time in seconds between row i and row i+1: a chat resumed after
    hours or days usually starts something new, so pauses deepen a gap's valley."""
    if len(rows) < min_rows:
        return [0]
    depths = depth_scores(gap_similarities(rows, window))
    if pauses is not None:
        depths = [d + pause_boost * pause_weight(p) for d, p in zip(depths, pauses, strict=True)]
    mean = sum(depths) / len(depths)
    sd = math.sqrt(sum((d - mean) ** 2 for d in depths) / len(depths))
    cutoff = max(mean - sd / 2, 1e-9)
    ranked = sorted(((d, gap + 1) for gap, d in enumerate(depths) if d > cutoff), reverse=True)
    starts = [0]
    for _, start in ranked:
        if len(starts) >= MAX_CHAPTERS:
            break
        if all(abs(start - s) >= min_chapter for s in starts) and len(rows) - start >= min_chapter:
            starts.append(start)
    return sorted(starts)
