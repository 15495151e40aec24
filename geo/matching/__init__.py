"""Resolve commune names, as written in press releases or hand-typed spreadsheets,
to current INSEE codes (COG of the referential given to :class:`Matcher`).

No Streamlit, no network.  Build one :class:`Matcher` per referential and reuse
it: every index is built once in ``__init__``; an exact or normalised hit costs a
few dictionary look-ups, a typo one rapidfuzz pass over the names of the requested
départements (of France without départements), batched over the typos of one
``resolve_many`` call.

Resolution order for one name (the first step that decides wins):

1. empty input → ``"vide"``;
2. a 5-character INSEE code (``35360``, ``2A004``; also ``1001`` for ``01001``
   when a spreadsheet ate the leading zero) → ``"code_insee"`` if it is a
   current code, ``"ancien_code"`` if it is a former / délégué code.  A 5-digit
   string that is neither — typically a postal code such as ``35500`` — is
   *not* taken for a commune: ``"non_resolu"``, naming the communes that use it
   as postal code;
3. current commune names: the official spelling (``"exact"``), then the
   :func:`normalize_name` key (``"normalise"``; where several communes share the
   key only because of accents — Champagné / Champagne — the accented spelling
   typed decides);
4. names of communes déléguées / associées (``anciens_noms``) → ``"ancien_nom"``.
   A current commune with the same name always wins over an ancien nom;
5. steps 3-4 ignoring a leading article (« Chapelle-Fleurigné » →
   La Chapelle-Fleurigné);
6. typos (``"fuzzy"``): similarity on normalised names against every name of the
   requested départements (all of France when none are given).
   Auto-correction only when the best similarity is ≥ :data:`FUZZY_THRESHOLD`
   and ahead of the best *other* commune by ≥ :data:`FUZZY_MARGIN`; otherwise
   ``"non_resolu"`` with suggestions.

Homonyms: when several communes carry the name, ``departements`` decides:
exactly one in those départements → ``"homonyme_departement"``; otherwise
``"ambigu"`` (code ``None``) with the candidates.  A trailing département in the
name itself, « Sainte-Marie (35) », is used the same way.  A name that exists
only outside the requested départements is reported (``"non_resolu"``, the
out-of-area communes as candidates), never silently turned into a look-alike
inside them.

Similarity: ``2·LCS / (len(a) + len(b))`` on normalised names, LCS being the
longest common subsequence — rapidfuzz's normalized Indel similarity (see
:mod:`geo.matching.similarity`).

Package layout: ``normalize`` (keys of names and cells), ``similarity``
(rapidfuzz), ``model`` (rules and results), ``index`` (indexes over the
referential), ``fuzzy`` (typo ranking and decision), ``matcher`` (resolution
order, codes, names).
"""

from __future__ import annotations

from .matcher import Matcher
from .model import (
    ARTICLE_PENALTY,
    FUZZY_MARGIN,
    FUZZY_THRESHOLD,
    MAX_CANDIDATES,
    METHODS,
    RESOLVED_METHODS,
    SUGGESTION_FLOOR,
    Candidate,
    Resolution,
)
from .normalize import cell_text, normalize_name
from .similarity import similarity

__all__ = [
    "Candidate",
    "Resolution",
    "Matcher",
    "normalize_name",
    "cell_text",
    "similarity",
    "FUZZY_THRESHOLD",
    "FUZZY_MARGIN",
    "ARTICLE_PENALTY",
    "MAX_CANDIDATES",
    "SUGGESTION_FLOOR",
    "RESOLVED_METHODS",
    "METHODS",
]
