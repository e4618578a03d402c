"""Cells safe to open: text that a spreadsheet would run as a formula is neutralised in every export.

A provider's name such as ``=cmd|' /C calc'!A0`` typed in a grid must reach the buyer's Excel as
text, never as a live formula (OWASP "CSV injection"). Every CSV and Excel export passes its text
cells through :func:`neutralise` (numbers are left as numbers, so CSV stays machine-readable).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""


def neutralise(value: Any) -> Any:
    """Text starting with a formula trigger gets a leading apostrophe; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (categorical columns included), column names, index labels and
    axis names are neutralised, multi-level labels too: the one rule every CSV and Excel export applies."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object)
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = _axis(out.columns)
    out.index = _axis(out.index)
    return out


def _axis(axis: pd.Index) -> pd.Index:
    names = [neutralise(n) for n in axis.names]
    if isinstance(axis, pd.MultiIndex):
        return pd.MultiIndex.from_tuples([tuple(neutralise(v) for v in t) for t in axis], names=names)
    if axis.dtype == object or pd.api.types.is_string_dtype(axis.dtype) or isinstance(axis.dtype, pd.CategoricalDtype):
        return pd.Index([neutralise(v) for v in axis], dtype=object, name=names[0])
    return axis.rename(names[0])
