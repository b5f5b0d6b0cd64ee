"""What the validator and the generator report: one problem, located, with the fix to offer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wizard.errors import PolicyError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy file, printed as `file:line: what is wrong — what to do`."""

    file: str
    line: int | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message} — {self.fix}"


class PolicyProblemsError(PolicyError):
    """A PolicyError that carries the located problems, so commands can print one line each."""

    def __init__(self, what: str, fix: str, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        listing = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{what}\n{listing}" if listing else what, fix)
