"""Validation findings of the registry (errors and warnings, with file and path), the errors that
load_registry and a publication raise, and the wording of values in French messages."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
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


@dataclass
class Findings:
    """The problems found in one registry file (``file`` relative to the root)."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, path, message, ERROR))

    def warn(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, path, message, WARNING))


def type_fr(value: Any) -> str:
    """« un texte », « un nombre entier »… : what a YAML value is, for a message."""
    if value is None:
        return "vide (null)"
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, int):
        return "un nombre entier"
    if isinstance(value, float):
        return "un nombre décimal"
    if isinstance(value, str):
        return "un texte"
    if isinstance(value, (dt.date, dt.datetime)):
        return "une date"
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, dict):
        return "un dictionnaire"
    return type(value).__name__


def shown(value: Any) -> str:
    """A value as quoted in a message, cut at 60 characters."""
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "…"


class PublishError(Exception):
    """Publication refused or failed; the registry is as it was. French message, and the exit code
    of ``python -m geo import`` for this kind of failure (README, « Exit codes »)."""

    REFUSED = 2     # publication refused: registry missing or invalid, result invalid, rewrite impossible
    CONFLICT = 3    # the registry changed since the analysis (another publication): analyse again
    BUSY = 4        # another publication has held the lock for more than a minute
    READ_ONLY = 5   # registry or backups folder not writable (read-only file system, permissions)
    DISK_FULL = 6   # no space left on the disk (or quota) for the backup or the new files
    IO = 7          # any other system error while writing

    def __init__(self, message: str, exit_code: int = REFUSED):
        super().__init__(message)
        self.exit_code = exit_code
