"""Keyed notes: what the core has to say, as data. A note names its sentence in the catalogue
(``sourcing/labels``) and carries the figures to put in it, each typed by how a reader is shown it; the
doors alone turn notes into words (:func:`reports.notes.note_text`), in the reader's language and locale."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class Share(NamedTuple):
    """A fraction, shown as a percentage with ``digits`` decimals."""

    value: float
    digits: int = 0


class Number(NamedTuple):
    """A number, shown with ``digits`` decimals and the locale's grouping."""

    value: float
    digits: int = 0


class Note(NamedTuple):
    """A sentence of the catalogue by its key, and the values it takes (text, :class:`Share`,
    :class:`Number`, or a nested :class:`Note` said in its place)."""

    key: str
    values: Mapping[str, object] = {}
