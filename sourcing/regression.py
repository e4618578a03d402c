"""Log-linear Poisson regression, the one fit behind the calibration's trend, its level-shift tests and the
guard against trends a filter makes."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import optimize


class PoissonFit(NamedTuple):
    coefficients: np.ndarray
    covariance: np.ndarray
    deviance: float
    pearson: float


def poisson_regression(design: np.ndarray, counts: np.ndarray, offset: np.ndarray) -> PoissonFit:
    """Log-linear Poisson regression of ``counts`` on ``design`` with a log ``offset`` (maximum likelihood)."""
    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = offset + design @ beta
        mu = np.exp(eta)
        return float(np.sum(mu - counts * eta)), design.T @ (mu - counts)

    def hessian(beta: np.ndarray) -> np.ndarray:
        mu = np.exp(offset + design @ beta)
        return design.T @ (design * mu[:, None])

    start = np.zeros(design.shape[1])
    start[0] = np.log(max(counts.sum(), 0.5) / np.exp(offset).sum())
    found = optimize.minimize(loss, start, jac=True, hess=hessian, method="trust-exact")
    mu = np.exp(offset + design @ found.x)
    with np.errstate(divide="ignore", invalid="ignore"):
        deviance = 2 * float(np.sum(np.where(counts > 0, counts * np.log(counts / mu), 0.0) - (counts - mu)))
    return PoissonFit(found.x, np.linalg.pinv(hessian(found.x)), deviance, float(np.sum((counts - mu) ** 2 / mu)))
