"""Keyed notes: what the domain's estimates and the engine's analyses have to say, as data. A note names its
sentence in the catalogue (``sourcing/labels``) and carries the figures to put in it, each typed by how a
reader is shown it; the doors say them (:func:`sourcing.words.note_text`), in the reader's language and
locale, so that no wording reaches an estimate or the engine and no test compares prose to check a figure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class Share(NamedTuple):
    """A fraction, shown as a percentage with ``digits`` decimals (``signed``: with its sign, ``+3.2 %``)."""

    value: float
    digits: int = 0
    signed: bool = False


class Number(NamedTuple):
    """A number, shown with ``digits`` decimals and the locale's grouping (``significant``: ``digits``
    significant figures, as a p-value is shown)."""

    value: float
    digits: int = 0
    significant: bool = False


class Note(NamedTuple):
    """A sentence of the catalogue by its key, and the values it takes (text, :class:`Share`,
    :class:`Number`, or a nested :class:`Note` said in its place: a word of the catalogue is a note without
    values)."""

    key: str
    values: Mapping[str, object] = {}
