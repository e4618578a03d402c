"""The app's words: a thin door onto the core's one catalogue (:mod:`sourcing.words`, whose labels live in
``sourcing/labels/*.toml``). ``t(key, lang, **values)`` is :func:`sourcing.words.say`."""

from __future__ import annotations

from sourcing.words import LANGUAGES, say

__all__ = ["LANGUAGES", "t"]


def t(key: str, lang: str = "en", **values: object) -> str:
    """The catalogue's text for ``key`` in the language, with ``{placeholders}`` filled."""
    return say(key, lang, **values)
