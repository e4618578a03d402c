"""Turn an incident's uniform draw into a time under a given distribution (inverse CDF).

Sampling by inverse CDF from the incident's own uniform keeps common random numbers
across options: the same incident is quick or slow to restore under every option.
Gamma and Weibull times are given by their median and P90 (like the lognormal); their
shape and scale are solved from those two quantiles once per distribution. A table of
quantiles is read geometrically between its rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq
from scipy.special import gammaincinv, ndtri

from sourcing.model import Gamma, QuantileTable, Weibull
from sourcing.scenario import Z90, Exponential, Fixed, Lognormal

LN2, LN10 = np.log(2.0), np.log(10.0)


def weibull_shape_scale(median: float, p90: float) -> tuple[float, float]:
    """Shape and scale of the Weibull with this median and P90 (closed form)."""
    shape = np.log(LN10 / LN2) / np.log(p90 / median)
    return float(shape), float(median / LN2 ** (1 / shape))


@lru_cache(maxsize=256)
def gamma_shape_scale(median: float, p90: float) -> tuple[float, float]:
    """Shape and scale of the gamma with this median and P90: the ratio P90/median falls as the shape
    grows, so one root is found by bracketing."""
    ratio = p90 / median

    def gap(log_shape: float) -> float:
        shape = np.exp(log_shape)
        return np.log(gammaincinv(shape, 0.9) / gammaincinv(shape, 0.5)) - np.log(ratio)

    shape = float(np.exp(brentq(gap, np.log(1e-3), np.log(1e6), xtol=1e-12)))
    return shape, float(median / gammaincinv(shape, 0.5))


AnyDistribution = Lognormal | Exponential | Fixed | Gamma | Weibull | QuantileTable


def quantile(distribution: AnyDistribution, u: np.ndarray) -> np.ndarray:
    """Times (hours) at probabilities ``u`` in (0, 1)."""
    u = np.clip(np.asarray(u, dtype=float), 1e-12, 1 - 1e-12)
    if isinstance(distribution, Lognormal):
        sigma = np.log(distribution.p90 / distribution.median) / Z90
        return distribution.median * np.exp(sigma * ndtri(u))
    if isinstance(distribution, Exponential):
        return -distribution.mean * np.log1p(-u)
    if isinstance(distribution, Fixed):
        return np.full(u.shape, distribution.fixed)
    if isinstance(distribution, Gamma):
        shape, scale = gamma_shape_scale(distribution.median, distribution.p90)
        return scale * gammaincinv(shape, u)
    if isinstance(distribution, Weibull):
        shape, scale = weibull_shape_scale(distribution.median, distribution.p90)
        return scale * (-np.log1p(-u)) ** (1 / shape)
    if isinstance(distribution, QuantileTable):
        probabilities, hours = distribution.table()
        return np.exp(np.interp(u, probabilities, np.log(hours)))
    raise TypeError(f"unknown distribution {distribution!r}")


def by_priority(distributions: Sequence[AnyDistribution], priority: np.ndarray, u: np.ndarray,
                by_service: dict[int, Sequence[AnyDistribution]] | None = None,
                service: np.ndarray | None = None) -> np.ndarray:
    """For each incident, the quantile of its own priority's distribution (``distributions[k]`` for priority
    ``k``), or of its service's own (``by_service[s][k]``) where one is given."""
    out = np.empty(len(u))
    for k, distribution in enumerate(distributions):
        mask = priority == k
        if mask.any():
            out[mask] = quantile(distribution, u[mask])
    for s, own in (by_service or {}).items():
        for k, distribution in enumerate(own):
            mask = (service == s) & (priority == k)
            if mask.any():
                out[mask] = quantile(distribution, u[mask])
    return out
