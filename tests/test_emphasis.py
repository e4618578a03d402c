"""Emphasis (reports/emphasis.py): the catalogue's **bold** read once for every medium."""

from __future__ import annotations

from reports.emphasis import as_html, pieces, plain


def test_a_line_is_cut_at_its_marks():
    assert pieces("Choose **In-house** over 5 years") == [("Choose ", False), ("In-house", True),
                                                          (" over 5 years", False)]
    assert pieces("nothing emphasised") == [("nothing emphasised", False)]


def test_plain_text_drops_the_marks_and_html_escapes_everything_else():
    line = "**<SaaS & co>** wins"
    assert plain(line) == "<SaaS & co> wins"
    assert as_html(line) == "<strong>&lt;SaaS &amp; co&gt;</strong> wins"
