"""Validation findings of the registry (errors and warnings, with file and path) and the error
load_registry raises."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ERROR = "erreur"
WARNING = "avertissement"

@dataclass(frozen=True)
class Problem:
    """One validation finding. ``file`` is relative to the registry root, ``path`` is e.g.
    ``financement[0].montant`` ("" for the whole file)."""

    file: str
    path: str
    message: str
    severity: str = ERROR  # "erreur" | "avertissement"

    def __str__(self) -> str:
        where = f"{self.file} › {self.path}" if self.path else self.file
        return f"[{self.severity}] {where} : {self.message}"


class RegistryError(Exception):
    """Raised by load_registry when the registry has at least one error."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == ERROR]
        lines = [f"Registre CPTS invalide : {len(errors)} erreur(s)."]
        lines += [f"- {p}" for p in errors]
        super().__init__("\n".join(lines))



def shown(value: Any) -> str:
    """A value as quoted in a message, cut at 60 characters."""
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "…"


class PublishError(Exception):
    """Publication refused or failed; the registry is as it was. French message."""
