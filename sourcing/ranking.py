"""Multi-criteria ranking of offers: weighted sum and TOPSIS (pymcdm), and how robust the winner is.

Weighted sum works on min-max normalised criteria (the best offer on a criterion scores 1, the
worst 0); TOPSIS on vector-normalised criteria (closeness to the ideal offer). A criterion on which
every offer is equal cannot separate them and is left out. The sensitivity check moves one weight
at a time, rescaling the others so that weights still add up to 1, and finds how far it must move
before another offer comes first.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pymcdm.methods import TOPSIS, WSM
from pymcdm.normalizations import minmax_normalization, vector_normalization

METHODS = ("weighted_sum", "topsis")


@dataclass(frozen=True)
class Ranking:
    """Scores and ranks of the offers under both methods, and the sensitivity of the winner."""

    matrix: pd.DataFrame
    weights: dict[str, float]
    directions: dict[str, str]
    scores: pd.DataFrame
    sensitivity: pd.DataFrame

    def winner(self, method: str = "topsis") -> str:
        return str(self.scores[method].idxmax())


@dataclass(frozen=True)
class _Problem:
    """The decision matrix as arrays: criteria that separate the offers, their directions and weights."""

    names: list[str]
    offers: list[str]
    values: np.ndarray
    types: np.ndarray
    weights: np.ndarray

    @classmethod
    def of(cls, matrix: pd.DataFrame, weights: dict[str, float], directions: dict[str, str]) -> _Problem:
        names = [c for c in matrix.columns if c in weights]
        values = matrix[names].to_numpy(dtype=float)
        return cls(names, [str(i) for i in matrix.index], values,
                   np.array([1 if directions[c] == "max" else -1 for c in names]),
                   np.array([weights[c] for c in names], dtype=float))

    def scores(self, weights: np.ndarray, method: str) -> np.ndarray:
        separating = (weights > 0) & (np.ptp(self.values, axis=0) > 0)
        if not separating.any():
            return np.ones(len(self.offers))
        if method not in METHODS:
            raise ValueError(f"unknown method '{method}' (methods: {', '.join(METHODS)})")
        model = (WSM(normalization_function=minmax_normalization) if method == "weighted_sum"
                 else TOPSIS(normalization_function=vector_normalization))
        w = weights[separating] / weights[separating].sum()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # pymcdm warns about dominated offers; they are legitimate
            return np.asarray(model(self.values[:, separating], w, self.types[separating]), dtype=float)

    def winner(self, weights: np.ndarray, method: str) -> int:
        return int(np.argmax(self.scores(weights, method)))


def scores(matrix: pd.DataFrame, weights: dict[str, float], directions: dict[str, str], method: str) -> np.ndarray:
    """Preference score of each offer (higher is better) under a method."""
    problem = _Problem.of(matrix, weights, directions)
    return problem.scores(problem.weights, method)


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
    previous = start
    for value in np.linspace(start, towards, steps + 1)[1:]:
        if problem.winner(moved(problem.weights, index, value), method) != winner:
            low, high = previous, value
            for _ in range(40):
                middle = (low + high) / 2
                if problem.winner(moved(problem.weights, index, middle), method) != winner:
                    high = middle
                else:
                    low = middle
            return float(high), problem.offers[problem.winner(moved(problem.weights, index, high), method)]
        previous = value
    return None


def sensitivity(matrix: pd.DataFrame, weights: dict[str, float], directions: dict[str, str]) -> pd.DataFrame:
    """For each method and weight: how far the weight must fall or rise before the winner changes."""
    problem = _Problem.of(matrix, weights, directions)
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


def rank(matrix: pd.DataFrame, weights: dict[str, float], directions: dict[str, str]) -> Ranking:
    """Scores, ranks (1 = best) and the winner's sensitivity to each weight."""
    table = pd.DataFrame(index=matrix.index)
    for method in METHODS:
        table[method] = scores(matrix, weights, directions, method)
        table[f"{method}_rank"] = table[method].rank(ascending=False, method="min").astype(int)
    return Ranking(matrix, dict(weights), dict(directions), table,
                   sensitivity(matrix, weights, directions) if len(matrix) > 1 else pd.DataFrame())
