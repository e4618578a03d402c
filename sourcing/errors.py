"""Problems found in a scenario file, each tied to a field path (and a line once the file is known)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (field path) and what."""

    path: tuple[str | int, ...]
    message: str
    line: int | None = None

    @property
    def field(self) -> str:
        """The path as a consultant reads it: ``services.email.incidents.per_month``, ``members[1].shift``."""
        text = ""
        for part in self.path:
            if isinstance(part, int):
                text += f"[{part}]"
            else:
                text += ("." if text else "") + str(part)
        return text or "(top level)"


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
            lines.append(f"{where}: {problem.field}: {problem.message}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()
