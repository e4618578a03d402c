"""Turn an incident's uniform draw into a time under a given distribution (inverse CDF).

Sampling by inverse CDF from the incident's own uniform keeps common random numbers
across options: the same incident is quick or slow to restore under every option.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import ndtri

from sourcing.scenario import Z90, Exponential, Fixed, Lognormal


def quantile(distribution: Lognormal | Exponential | Fixed, u: np.ndarray) -> np.ndarray:
    """Times (hours) at probabilities ``u`` in (0, 1)."""
    u = np.clip(np.asarray(u, dtype=float), 1e-12, 1 - 1e-12)
    if isinstance(distribution, Lognormal):
        sigma = np.log(distribution.p90 / distribution.median) / Z90
        return distribution.median * np.exp(sigma * ndtri(u))
    if isinstance(distribution, Exponential):
        return -distribution.mean * np.log1p(-u)
    if isinstance(distribution, Fixed):
        return np.full(u.shape, distribution.fixed)
    raise TypeError(f"unknown distribution {distribution!r}")


def by_priority(distributions: Sequence[Lognormal | Exponential | Fixed], priority: np.ndarray,
                u: np.ndarray) -> np.ndarray:
    """For each incident, the quantile of its own priority's distribution (``distributions[k]`` for priority
    ``k``)."""
    out = np.empty(len(u))
    for k, distribution in enumerate(distributions):
        mask = priority == k
        if mask.any():
            out[mask] = quantile(distribution, u[mask])
    return out
