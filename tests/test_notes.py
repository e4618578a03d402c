"""Keyed notes (simulation/notes.py) said by reports/notes.py: the core's figures reach the reader in their
locale, through the catalogue, and a nested note is said in its place."""

from __future__ import annotations

from reports.notes import note_text, value_text
from simulation.notes import Note, Number, Share


def test_values_are_shown_in_the_readers_locale():
    assert value_text(Share(0.5433), "en") == "54 %"
    assert value_text(Share(0.5433, 1), "fr") == "54,3\u202f%"
    assert value_text(Number(12345.678, 1), "en") == "12,345.7"
    assert value_text(Number(12345.678, 1), "fr") == "12\u202f345,7"
    assert value_text("as written", "fr") == "as written"


def test_a_note_is_its_catalogue_sentence_with_its_values():
    note = Note("rest.on_call_share", {"share": Share(0.55)})
    english, french = note_text(note, "en"), note_text(note, "fr")
    assert "55 %" in english and "55\u202f%" in french and english != french


def test_a_nested_note_is_said_in_its_place():
    inner = Note("rest.on_call_share", {"share": Share(0.55)})
    assert value_text(inner, "fr") == note_text(inner, "fr")
