"""Problems found in a scenario file, each tied to a field path (and a line once the file is known)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NOT_PRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064"
                            "\u2066-\u206f\ufeff\ufff9-\ufffb]")


def printable(text: str) -> str:
    """Text safe to show in a terminal or a page: control and invisible characters written as escapes."""
    return _NOT_PRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (field path) and what."""

    path: tuple[str | int, ...]
    message: str
    line: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", printable(self.message))

    @property
    def field(self) -> str:
        """The path as a consultant reads it: ``services.email.incidents.per_month``, ``members[1].shift``."""
        text = ""
        for part in self.path:
            if isinstance(part, int):
                text += f"[{part}]"
            else:
                text += ("." if text else "") + str(part)
        return printable(text) or "(top level)"


@dataclass
class ScenarioError(Exception):
    """The input cannot be used; carries every problem found, with the file it came from."""

    problems: list[Problem]
    source: str | None = field(default=None)

    def __post_init__(self) -> None:
        super().__init__(self.describe())

    def describe(self) -> str:
        lines = []
        for problem in self.problems:
            where = self.source or "<input>"
            if problem.line is not None:
                where += f":{problem.line}"
            lines.append(printable(f"{where}: {problem.field}: {problem.message}"))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()
