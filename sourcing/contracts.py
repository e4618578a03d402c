"""Contract clocks: whether each incident met its GTI or GTR, and by how many covered hours it missed.

Pure functions over arrays of measured times, so that each rule can be checked by hand. The GTI and
GTR clocks count covered hours of the offer's coverage window from the declaration. What a breach
costs (penalties, their cap, SaaS credits) is a money rule: see :mod:`sourcing.money`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import PRIORITIES


@dataclass(frozen=True)
class Outcomes:
    """Per incident: whether it was judged, breached its deadline, and by how many covered hours."""

    judged: np.ndarray
    breached: np.ndarray
    late_hours: np.ndarray


def deadline_outcomes(elapsed: np.ndarray, deadline: np.ndarray, finished: np.ndarray) -> Outcomes:
    """Compare covered hours elapsed with deadlines (NaN deadline: best effort, never breached).

    ``finished`` is False for incidents still open at the horizon, whose ``elapsed`` runs to the
    horizon: they are judged only if they have already passed their deadline.
    """
    has_deadline = ~np.isnan(deadline)
    late = np.where(has_deadline, elapsed - np.nan_to_num(deadline, nan=0.0), 0.0)
    breached = has_deadline & (late > 1e-9)
    judged = has_deadline & (finished | breached)
    return Outcomes(judged=judged, breached=breached & judged, late_hours=np.where(breached, late, 0.0))


def deadlines(table: dict[str, float | None], priority: np.ndarray) -> np.ndarray:
    """Each incident's deadline in covered hours from a per-priority table (NaN where none)."""
    values = np.array([np.nan if table.get(p) is None else table[p] for p in PRIORITIES])
    return values[priority]
