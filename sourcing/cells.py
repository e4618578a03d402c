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
    """A copy of ``frame`` whose text cells, column names and index labels are neutralised."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    if out.index.dtype == object or pd.api.types.is_string_dtype(out.index):
        out.index = [neutralise(i) for i in out.index]
    return out
