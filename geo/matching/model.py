"""The matcher's rules (thresholds) and its results (:class:`Resolution`, :class:`Candidate`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Candidate",
    "Resolution",
    "FUZZY_THRESHOLD",
    "FUZZY_MARGIN",
    "ARTICLE_PENALTY",
    "MAX_CANDIDATES",
    "SUGGESTION_FLOOR",
    "RESOLVED_METHODS",
    "METHODS",
]

#: Minimum similarity (on normalised names) for an automatic correction.
#: similarity = 2·LCS / (len(a)+len(b)): one substituted or swapped letter in a
#: name of 7 characters gives 12/14 = 0.857 (« Domgané » → Domagné); one missing
#: or extra letter gives ≥ 0.92 from 6 characters on.  One wrong letter out of 6
#: (0.83) is only *suggested*: on short names one letter is often the whole
#: difference between two real communes (Bais / Bain / Bazouges…).
FUZZY_THRESHOLD = 0.85
#: The best fuzzy candidate must beat the best *other* commune by this much,
#: otherwise the typo is reported with suggestions instead of being guessed.
FUZZY_MARGIN = 0.05
#: Subtracted from the similarity of two names compared without their article
#: when the articles differ (or one has none).
ARTICLE_PENALTY = 0.05
#: Suggestions kept in :attr:`Resolution.candidates`.
MAX_CANDIDATES = 5
#: Under this similarity a commune is not even suggested.
SUGGESTION_FLOOR = 0.5

RESOLVED_METHODS = frozenset(
    {"code_insee", "exact", "normalise", "ancien_nom", "ancien_code", "fuzzy", "homonyme_departement"}
)
METHODS = RESOLVED_METHODS | {"non_resolu", "ambigu", "vide"}


@dataclass(frozen=True)
class Candidate:
    code: str
    nom: str
    departement: str
    score: float


@dataclass(frozen=True)
class Resolution:
    query: str  # the input as given
    code: str | None  # current INSEE code, None when not resolved
    nom: str | None  # official current name
    method: str  # one of METHODS
    score: float  # 1.0 for code / exact / normalised / ancien hits; similarity for fuzzy; 0.0 unresolved
    message: str  # French, human readable
    candidates: tuple[Candidate, ...] = ()  # suggestions, best first, at most MAX_CANDIDATES
    departement: str | None = None  # département of the resolved commune

    @property
    def ok(self) -> bool:
        return self.code is not None
