"""The core's keyed notes (:mod:`simulation.notes`) in the reader's words."""

from __future__ import annotations

from simulation.notes import Note, Number, Share
from sourcing.words import number, percent, say


def value_text(value: object, lang: str = "en") -> str:
    """One value of a note as the reader is shown it."""
    if isinstance(value, Note):
        return note_text(value, lang)
    if isinstance(value, Share):
        return percent(value.value, lang, value.digits)
    if isinstance(value, Number):
        return number(value.value, lang, value.digits)
    return str(value)


def note_text(note: Note, lang: str = "en") -> str:
    """A note said: its sentence from the catalogue with its values in the reader's locale."""
    return say(note.key, lang, **{name: value_text(value, lang) for name, value in note.values.items()})
