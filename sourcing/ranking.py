"""Multi-criteria ranking of offers: weighted sum and TOPSIS, and how robust the winner is.

Weighted sum works on min-max normalised criteria (the best offer on a criterion scores 1, the
worst 0); TOPSIS on vector-normalised criteria (closeness to the ideal offer). A criterion on which
every offer is equal cannot separate them and is left out. The sensitivity check moves one weight
at a time, rescaling the others so that weights still add up to 1, and finds how far it must move
before another offer comes first. When some offers are not eligible (they fail a mandatory requirement of
the tender), the winner is the best-scored eligible offer, and only another eligible offer can take its
place: the others are ranked apart. The scores are pymcdm's (its normalisations, and a test holding them to
its WSM and TOPSIS), computed for a whole scan of weightings at once: 200 weightings cost one NumPy pass
instead of 200 calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pymcdm.helpers import normalize_matrix
from pymcdm.normalizations import minmax_normalization, vector_normalization

METHODS = ("weighted_sum", "topsis")
NORMALISATION = {"weighted_sum": minmax_normalization, "topsis": vector_normalization}
"""pymcdm's normalisation of each method: min-max for the weighted sum, vector for TOPSIS."""


@dataclass(frozen=True)
class Ranking:
    """Scores and ranks of the offers under both methods, and the sensitivity of the winner."""

    matrix: pd.DataFrame
    weights: dict[str, float]
    """Normalised: they add up to 1."""
    directions: dict[str, str]
    scores: pd.DataFrame
    sensitivity: pd.DataFrame
    entered: dict[str, float]
    """The weights as the buyer entered them (tender file, --weight, sliders), on any scale."""
    eligible: tuple[str, ...] | None = None
    """The offers that may win (they meet every mandatory requirement); every offer when None."""

    def winner(self, method: str = "topsis") -> str:
        """The best-scored eligible offer (the best-scored offer when none is eligible)."""
        column = self.scores[method]
        pool = column[[o in self.eligible for o in column.index]] if self.eligible else column
        return str((pool if len(pool) else column).idxmax())


@dataclass(frozen=True)
class _Problem:
    """The decision matrix as arrays: criteria that separate the offers, their directions and weights,
    and the matrix normalised once per method (normalisation does not depend on the weights)."""

    names: list[str]
    offers: list[str]
    values: np.ndarray
    types: np.ndarray
    weights: np.ndarray
    separating: np.ndarray
    normalised: dict[str, np.ndarray]
    eligible: np.ndarray
    """Offers that may win (all when none is named, or none qualifies)."""

    @classmethod
    def of(cls, matrix: pd.DataFrame, weights: dict[str, float], directions: dict[str, str],
           eligible: tuple[str, ...] | None = None) -> _Problem:
        names = [c for c in matrix.columns if c in weights]
        values = matrix[names].to_numpy(dtype=float)
        types = np.array([1 if directions[c] == "max" else -1 for c in names])
        separating = np.ptp(values, axis=0) > 0 if len(values) else np.zeros(len(names), dtype=bool)
        normalised = {}
        for method in METHODS:  # criteria that do not separate the offers are left out (zero)
            normalised[method] = np.zeros_like(values)
            if separating.any():
                normalised[method][:, separating] = normalize_matrix(values[:, separating], NORMALISATION[method],
                                                                     types[separating])
        offers = [str(i) for i in matrix.index]
        mask = np.array([eligible is None or o in eligible for o in offers], dtype=bool)
        if not mask.any():
            mask[:] = True
        return cls(names, offers, values, types, np.array([weights[c] for c in names], dtype=float), separating,
                   normalised, mask)

    def scores_many(self, weights: np.ndarray, method: str) -> np.ndarray:
        """Scores of every offer (columns) for each row of weights: pymcdm's WSM and TOPSIS on the
        criteria that separate the offers, computed for many weightings at once (the sensitivity scan)."""
        if method not in METHODS:
            raise ValueError(f"unknown method '{method}' (methods: {', '.join(METHODS)})")
        weights = np.atleast_2d(weights)
        used = np.where(self.separating, weights, 0.0)
        total = used.sum(axis=1, keepdims=True)
        out = np.ones((len(weights), len(self.offers)))
        live = total[:, 0] > 0
        if not live.any():
            return out
        w = used[live] / total[live]
        weighted = self.normalised[method][None, :, :] * w[:, None, :]
        if method == "weighted_sum":
            out[live] = weighted.sum(axis=2)
        else:
            to_best = np.sqrt(((weighted - weighted.max(axis=1, keepdims=True)) ** 2).sum(axis=2))
            to_worst = np.sqrt(((weighted - weighted.min(axis=1, keepdims=True)) ** 2).sum(axis=2))
            with np.errstate(invalid="ignore"):
                out[live] = to_worst / (to_worst + to_best)
        return out

    def scores(self, weights: np.ndarray, method: str) -> np.ndarray:
        return self.scores_many(weights[None, :], method)[0]

    def winners(self, weights: np.ndarray, method: str) -> np.ndarray:
        """The best-scored eligible offer for each row of weights."""
        return np.where(self.eligible, self.scores_many(weights, method), -np.inf).argmax(axis=1)

    def winner(self, weights: np.ndarray, method: str) -> int:
        return int(self.winners(weights[None, :], method)[0])


def scores(matrix: pd.DataFrame, weights: dict[str, float], directions: dict[str, str], method: str) -> np.ndarray:
    """Preference score of each offer (higher is better) under a method."""
    problem = _Problem.of(matrix, weights, directions)
    return problem.scores(problem.weights, method)


def scores_of_matrices(ranking: Ranking, matrices: np.ndarray, method: str) -> np.ndarray:
    """Scores (draws x offers) of many decision matrices (draws x offers x criteria, in the columns of
    ``ranking.matrix``) under the ranking's weights: the same normalisations as pymcdm's, applied along the
    offers of each matrix at once (the ranking's uncertainty recomputes 2,000 resampled matrices). Criteria
    that do not separate the offers of the ranking's matrix are left out, as :func:`scores` does."""
    problem = _Problem.of(ranking.matrix, ranking.weights, ranking.directions)
    columns = [list(ranking.matrix.columns).index(c) for c in problem.names]
    values = np.asarray(matrices, dtype=float)[:, :, columns]
    used = np.where(problem.separating, problem.weights, 0.0)
    if used.sum() <= 0:
        return np.ones(values.shape[:2])
    w = used / used.sum()
    cost = problem.types < 0
    if method == "weighted_sum":
        low, high = values.min(axis=1, keepdims=True), values.max(axis=1, keepdims=True)
        span = high - low
        with np.errstate(invalid="ignore", divide="ignore"):
            normal = np.where(cost, (high - values) / span, (values - low) / span)
        normal = np.where(span > 0, normal, 0.0)
        return (normal * w).sum(axis=2)
    if method != "topsis":
        raise ValueError(f"unknown method '{method}' (methods: {', '.join(METHODS)})")
    norm = np.sqrt((values ** 2).sum(axis=1, keepdims=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        normal = np.where(cost, 1 - values / norm, values / norm)
    normal = np.where(norm > 0, normal, 0.0)
    weighted = normal * w
    to_best = np.sqrt(((weighted - weighted.max(axis=1, keepdims=True)) ** 2).sum(axis=2))
    to_worst = np.sqrt(((weighted - weighted.min(axis=1, keepdims=True)) ** 2).sum(axis=2))
    with np.errstate(invalid="ignore"):
        return to_worst / (to_worst + to_best)


def moved(weights: np.ndarray, index: int, value: float) -> np.ndarray:
    """Weights with one criterion set to ``value`` and the others rescaled to keep the total at 1."""
    rest = 1.0 - weights[index]
    out = (weights * (1.0 - value) / rest) if rest > 1e-12 else np.full(len(weights), (1.0 - value) /
                                                                           max(len(weights) - 1, 1))
    out[index] = value
    return out


def switching_point(problem: _Problem, method: str, index: int, towards: float,
                    steps: int = 200) -> tuple[float, str] | None:
    """Nearest weight between the current one and ``towards`` (0 or 1) at which another offer comes
    first, with that offer; None if the winner holds all the way."""
    start = problem.weights[index]
    winner = problem.winner(problem.weights, method)
    grid = np.linspace(start, towards, steps + 1)
    scan = np.array([moved(problem.weights, index, value) for value in grid[1:]])
    changed = np.flatnonzero(problem.winners(scan, method) != winner)
    if not len(changed):
        return None
    low, high = grid[changed[0]], grid[changed[0] + 1]
    for _ in range(40):
        middle = (low + high) / 2
        if problem.winner(moved(problem.weights, index, middle), method) != winner:
            high = middle
        else:
            low = middle
    return float(high), problem.offers[problem.winner(moved(problem.weights, index, high), method)]


def sensitivity(matrix: pd.DataFrame, weights: dict[str, float], directions: dict[str, str],
                eligible: tuple[str, ...] | None = None) -> pd.DataFrame:
    """For each method and weight: how far the weight must fall or rise before the winner (the best-scored
    eligible offer) changes."""
    problem = _Problem.of(matrix, weights, directions, eligible)
    rows = []
    for method in METHODS:
        winner = problem.offers[problem.winner(problem.weights, method)]
        for index, criterion in enumerate(problem.names):
            weight = float(problem.weights[index])
            down = switching_point(problem, method, index, 0.0)
            up = switching_point(problem, method, index, 1.0)
            moves = [abs(p[0] - weight) for p in (down, up) if p is not None]
            rows.append({
                "method": method, "criterion": criterion, "weight": weight, "winner": winner,
                "switch_below": down[0] if down else np.nan, "winner_below": down[1] if down else "",
                "switch_above": up[0] if up else np.nan, "winner_above": up[1] if up else "",
                "margin": min(moves) if moves else np.nan,
            })
    return pd.DataFrame(rows)


def normalised(entered: dict[str, float]) -> dict[str, float]:
    """Weights on any scale (``price: 50``) as shares that add up to 1: the one rule of every ranking."""
    total = sum(entered.values())
    if not total > 0 or any(v < 0 for v in entered.values()):
        raise ValueError("weights must be zero or more, with at least one above zero")
    return {k: v / total for k, v in entered.items()}


def rank(matrix: pd.DataFrame, entered: dict[str, float], directions: dict[str, str],
         eligible: list[str] | tuple[str, ...] | None = None) -> Ranking:
    """Scores, ranks (1 = best) and the winner's sensitivity to each weight. ``entered`` are the weights on
    any scale (``price: 50``); they are normalised to add up to 1 and both are kept. ``eligible`` offers (those
    that meet every mandatory requirement; all when None) are ranked first, the others after them, apart."""
    weights = normalised(entered)
    pool = None if eligible is None else tuple(str(o) for o in eligible)
    allowed = pd.Series([pool is None or str(o) in pool for o in matrix.index], index=matrix.index)
    table = pd.DataFrame(index=matrix.index)
    for method in METHODS:
        table[method] = scores(matrix, weights, directions, method)
        within = table[method].groupby(allowed).rank(ascending=False, method="min")
        table[f"{method}_rank"] = (within + np.where(allowed, 0, int(allowed.sum()))).astype(int)
    table["eligible"] = allowed
    return Ranking(matrix, weights, dict(directions), table,
                   sensitivity(matrix, weights, directions, pool) if len(matrix) > 1 else pd.DataFrame(),
                   dict(entered), pool)
