"""Emphasis in the catalogue's sentences: ``**bold**`` (Markdown, as the app shows it), read here once for
every other medium: plain text, HTML, or pieces a terminal styles."""

from __future__ import annotations

import html


def pieces(line: str) -> list[tuple[str, bool]]:
    """The line cut at its ``**`` marks: each piece and whether it is emphasised."""
    return [(part, k % 2 == 1) for k, part in enumerate(line.split("**")) if part]


def plain(line: str) -> str:
    """The line without its emphasis marks."""
    return "".join(part for part, _ in pieces(line))


def as_html(line: str) -> str:
    """The line as HTML: emphasis in ``<strong>``, everything else escaped."""
    return "".join(f"<strong>{html.escape(part)}</strong>" if bold else html.escape(part)
                   for part, bold in pieces(line))
