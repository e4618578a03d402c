"""Across replications: means with confidence intervals that stay honest at small n, and paired differences.

A replication's figure is often skewed (a few replications where everything goes wrong: a long queue, a
whole team away), and the mean of ten such replications is skewed too. Student's t interval then misses
low far more often than high (on a one-year M/M/1 at load 0.8, 16 misses low for 2 high) and covers less
than it says. Every interval here is Hall's skewness-corrected interval instead (P. Hall, 1992, "On the
removal of skewness by transformation", JRSS B 54(1)): the Studentised mean T is mapped by
g(T) = T + a T² + a² T³ / 3 + b, a = γ / (3 √n), b = γ / (6 √n), γ the adjusted sample skewness G1 of the
values (or of the jackknife pseudo-values of a controlled mean), whose distribution is close to Student's; inverting g gives
an interval that reaches further on the side of the skew. It is reported symmetric, as mean ± the larger of
its two sides, so that every table reads "mean ± half-width" and never claims more precision than the
interval has. Without skew it is Student's t interval exactly.
"""

from __future__ import annotations

import numpy as np
from scipy.special import stdtrit


def skew_half_width(values: np.ndarray, variance: np.ndarray | float, df: np.ndarray | float,
                    confidence: float = 0.95) -> np.ndarray:
    """Half-width of the symmetric interval that contains Hall's skewness-corrected interval of a mean.

    ``values`` are the replications (n, or n x G for G figures at once) whose skewness shapes the interval:
    the replications themselves for a plain mean, the jackknife pseudo-values for a controlled one;
    ``variance`` is the variance of the mean's estimate and ``df`` the degrees of freedom of its
    Student quantile."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    deviations = values - values.mean(axis=0)
    return hall_half_width(np.mean(deviations ** 2, axis=0), np.mean(deviations ** 3, axis=0), values.shape[0],
                           variance, df, confidence)


def hall_half_width(m2: np.ndarray, m3: np.ndarray, n: np.ndarray | int, variance: np.ndarray | float,
                    df: np.ndarray | float, confidence: float = 0.95) -> np.ndarray:
    """:func:`skew_half_width` from the second and third central moments (divided by n) of the values."""
    m2, m3, n = np.asarray(m2, dtype=float), np.asarray(m3, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        gamma = np.where(m2 > 0, m3 / np.where(m2 > 0, m2, 1.0) ** 1.5, 0.0)
        # the adjusted sample skewness G1 (pandas' and Excel's): g1 underestimates the skew of a few values
        gamma = np.where(n > 2, gamma * np.sqrt(n * (n - 1)) / np.maximum(n - 2, 1), gamma)
        a = gamma / (3 * np.sqrt(n))
        b = gamma / (6 * np.sqrt(n))
    quantile = stdtrit(np.maximum(df, 1), 0.5 + confidence / 2)

    def inverse(u: np.ndarray) -> np.ndarray:
        flat = np.abs(a) < 1e-12
        safe = np.where(flat, 1.0, a)
        return np.where(flat, u - b, (np.cbrt(1 + 3 * safe * (u - b)) - 1) / safe)

    spread = np.sqrt(np.maximum(variance, 0.0))
    return spread * np.maximum(inverse(quantile), -inverse(-quantile))


def half_width(values: np.ndarray, confidence: float = 0.95) -> float:
    """95 % half-width of the mean of ``values`` (NaN left out; NaN with fewer than 2 values)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n < 2:
        return float("nan")
    return float(skew_half_width(values, values.var(ddof=1) / n, n - 1, confidence)[0])
