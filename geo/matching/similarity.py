"""Name similarity, computed by rapidfuzz.

``similarity(a, b) = 2·LCS / (len(a) + len(b))`` (LCS: longest common subsequence) is rapidfuzz's
normalized Indel similarity (``Indel.distance = len(a) + len(b) - 2·LCS``).  The only rule kept by
hand is the matcher's: one swap of two adjacent letters (« Domgané ») weighs like one missing
letter, ``1 - 1/(2·len)``, instead of the ``1 - 1/len`` the LCS gives.

:func:`close_scores` scores a batch of query keys against many names at once with
``rapidfuzz.process.cdist`` and a score cutoff; the kept scores are rebuilt from the integer
distance exactly as ``2·LCS / (len(a)+len(b))``, so that thresholds compare the same floats as
before rapidfuzz.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Indel

__all__ = ["similarity", "close_scores"]


def _is_swap(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with two adjacent letters swapped (same length, one Indel LCS loss)."""
    i = 0
    n = len(a)
    while i < n and a[i] == b[i]:
        i += 1
    return i + 1 < n and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]


def similarity(a: str, b: str) -> float:
    """Similarity of two strings, in [0, 1], symmetric, 1.0 only for equal strings.

    ``2·LCS / (len(a)+len(b))`` (rapidfuzz's normalized Indel similarity); one swap of two adjacent
    letters scores ``1 - 1/(2·len)``, like one missing letter, instead of the ``1 - 1/len`` the LCS
    would give.
    """
    la, lb = len(a), len(b)
    if not la and not lb:
        return 1.0
    d = Indel.distance(a, b)
    if d == 2 and la == lb and _is_swap(a, b):
        return 1.0 - 1.0 / (2 * la)
    return (la + lb - d) / (la + lb)


def close_scores(
    queries: Sequence[str], choices: Sequence[str], choice_lens: np.ndarray, cutoff: float
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each query, ``(positions, similarities)`` of the choices with ``similarity ≥ cutoff``.

    rapidfuzz filters (``process.cdist`` with ``score_cutoff``, which skips most pairs on their
    lengths); the kept scores are then rebuilt from the integer Indel distance exactly as
    ``(len(a) + len(b) - distance) / (len(a) + len(b))``, the swap rule applied.
    ``choice_lens`` is ``len`` of each choice (precomputed by the caller's index).
    """
    out: list[tuple[np.ndarray, np.ndarray]] = []
    if not len(choices):
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
        return [empty for _ in queries]
    for start in range(0, len(queries), _CHUNK):
        chunk = list(queries[start : start + _CHUNK])
        norm = process.cdist(
            chunk, choices, scorer=Indel.normalized_similarity, score_cutoff=cutoff, dtype=np.float32, workers=1
        )
        rows, pos = np.nonzero(norm)
        qlens = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
        la = qlens[rows]
        total = choice_lens[pos] + la
        # float32 is exact enough here: |error| · total < 1e-4, far from the next integer
        dist = np.rint((1.0 - norm[rows, pos].astype(np.float64)) * total).astype(np.int64)
        sim = (total - dist) / np.maximum(total, 1)
        for k in np.flatnonzero((dist == 2) & (total == 2 * la)).tolist():
            q = chunk[rows[k]]
            if _is_swap(q, choices[int(pos[k])]):
                sim[k] = 1.0 - 1.0 / (2 * len(q))
        keep = sim >= cutoff
        rows, pos, sim = rows[keep], pos[keep], sim[keep]
        bounds = np.searchsorted(rows, np.arange(len(chunk) + 1))
        out.extend((pos[a:b], sim[a:b]) for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()))
    return out


#: Queries scored per rapidfuzz call (bounds the size of the score matrix).
_CHUNK = 128
