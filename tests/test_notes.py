"""Keyed notes (sourcing/notes.py) said by sourcing/words.py: the core's figures reach the reader in their
locale, through the catalogue, and a nested note is said in its place."""

from __future__ import annotations

from sourcing.notes import Note, Number, Share
from sourcing.words import note_text, note_value


def test_values_are_shown_in_the_readers_locale():
    assert note_value(Share(0.5433), "en") == "54 %"
    assert note_value(Share(0.5433, 1), "fr") == "54,3\u202f%"
    assert note_value(Number(12345.678, 1), "en") == "12,345.7"
    assert note_value(Number(12345.678, 1), "fr") == "12\u202f345,7"
    assert note_value("as written", "fr") == "as written"


def test_a_note_is_its_catalogue_sentence_with_its_values():
    note = Note("rest.on_call_share", {"share": Share(0.55)})
    english, french = note_text(note, "en"), note_text(note, "fr")
    assert "55 %" in english and "55\u202f%" in french and english != french


def test_a_nested_note_is_said_in_its_place():
    inner = Note("rest.on_call_share", {"share": Share(0.55)})
    assert note_value(inner, "fr") == note_text(inner, "fr")


def test_signed_shares_significant_numbers_and_catalogue_words():
    assert note_value(Share(0.032, 1, signed=True), "en") == "+3.2 %"
    assert note_value(Number(0.0123456, 3, significant=True), "en") == "0.0123"
    assert note_value(Note("calibrate.month.jan"), "fr") != note_value(Note("calibrate.month.jan"), "en")
