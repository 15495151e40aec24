"""Resolve commune names, as written in press releases or hand-typed spreadsheets,
to current INSEE codes (COG of the referential given to :class:`Matcher`).

Pure Python (pandas/numpy for the input frame and the trigram index); no
Streamlit, no network.  Build one :class:`Matcher` per referential and reuse it:
every index is built once in ``__init__``; an exact or normalised hit costs a few
dictionary look-ups, a typo a few small array look-ups plus ~40 string
comparisons within the requested départements.

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
6. typos (``"fuzzy"``): similarity on normalised names over a candidate set drawn
   from a trigram index (per département when départements are given).
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
longest common subsequence — the quantity :class:`difflib.SequenceMatcher.ratio`
approximates (difflib's greedy blocks give a value ≤ it), computed exactly with
a bit-parallel algorithm because difflib costs ~100 µs per pair.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

__all__ = [
    "Candidate",
    "Resolution",
    "Matcher",
    "normalize_name",
    "similarity",
    "FUZZY_THRESHOLD",
    "FUZZY_MARGIN",
    "ARTICLE_PENALTY",
    "MAX_CANDIDATES",
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
#: How many entries, ranked by shared trigrams, are scored exactly.
_FUZZY_POOL = 40
#: Up to this many départements, fuzzy reads per-département postings only.
_MAX_DEP_PROBES = 12

RESOLVED_METHODS = frozenset(
    {"code_insee", "exact", "normalise", "ancien_nom", "ancien_code", "fuzzy", "homonyme_departement"}
)
METHODS = RESOLVED_METHODS | {"non_resolu", "ambigu", "vide"}

# --------------------------------------------------------------------------- #
# Normalisation
# --------------------------------------------------------------------------- #

_PRE = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "ʼ": "'",
        "′": "'",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "−": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "_": " ",
    }
)
# « Chapelle-Fleurigné (La) », « Hermitage (L') », « Pertre, Le »
_ARTICLE_SUFFIX = re.compile(
    r"^(.*?)[\s,]*\(\s*(les|le|la|l)\s*'?\s*\)[\s.]*$|^(.*?)\s*,\s*(les|le|la|l)\s*'?[\s.]*$"
)
# « Pocé s/ Bois » → « Pocé sur Bois »
_SUR_ABBR = re.compile(r"(?<![^\W\d_])s\s*/\s*")
_NON_ALNUM_ASCII = re.compile(r"[^a-z0-9]+")
_NON_WORD = re.compile(r"[\W_]+")
_TOKENS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_ST = re.compile(r"(?<!\S)(?:st|ste|sts|stes)(?!\S)")
_ARTICLES = ("les ", "le ", "la ", "l ")


def _st_repl(m: re.Match) -> str:
    return _TOKENS[m.group(0)]


def cell_text(s: object) -> str:
    """Any cell value → str ('' for None/NaN; 35360.0 → '35360'). Shared with geo/importing."""
    if s is None:
        return ""
    if isinstance(s, str):
        return s
    if isinstance(s, float):
        if s != s:
            return ""
        if s.is_integer():
            return str(int(s))
    return str(s)


def _fold(s: object, accents: bool) -> str:
    if type(s) is not str:
        s = cell_text(s)
    if accents:
        s = unicodedata.normalize("NFC", unicodedata.normalize("NFC", s.translate(_PRE)).casefold())
    else:
        s = unicodedata.normalize("NFKD", s)
        if not s.isascii():  # œ, typographic quotes and dashes, then drop accents
            s = s.translate(_PRE).encode("ascii", "ignore").decode("ascii")
        s = s.lower()
    if "/" in s:
        s = _SUR_ABBR.sub(" sur ", s)
    if "(" in s or "," in s:
        m = _ARTICLE_SUFFIX.match(s)
        if m:
            body, art = (m.group(1), m.group(2)) if m.group(2) else (m.group(3), m.group(4))
            s = f"{art} {body}"
    s = (_NON_WORD if accents else _NON_ALNUM_ASCII).sub(" ", s).strip()
    if s.startswith("st") or " st" in s:
        s = _ST.sub(_st_repl, s)
    return s


def normalize_name(s: str) -> str:
    """Canonical key of a commune name: lower-case ASCII words separated by one space.

    Folds case and accents (NFKD; œ/æ → oe/ae), treats hyphens, apostrophes
    (’ ‘ ` '), underscores, dots and any other punctuation as word separators,
    expands ``St``/``Ste``/``St.``/``Ste.`` to ``saint``/``sainte`` and ``s/``
    to ``sur``, and moves a trailing article back to the front
    (« Chapelle-Fleurigné (La) », « Pertre, Le » → « la chapelle fleurigne »,
    « le pertre »).  Idempotent; never raises (None/NaN → "").  Characters
    without an ASCII equivalent are dropped.
    """
    return _fold(s, accents=False)


def _strip_article(key: str) -> str:
    for art in _ARTICLES:
        if key.startswith(art) and len(key) > len(art):
            return key[len(art) :]
    return key


def _trigram_codes(key: str) -> list[int]:
    b = f" {key} ".encode("ascii", "ignore")
    return sorted({(b[i] << 16) | (b[i + 1] << 8) | b[i + 2] for i in range(len(b) - 2)})


def _lcs_masks(b: str) -> dict[str, int]:
    masks: dict[str, int] = {}
    for i, ch in enumerate(b):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    return masks


def _lcs_len(a: str, masks: dict[str, int], lb: int) -> int:
    """Length of the longest common subsequence of ``a`` and the string ``masks`` was built on
    (bit-parallel, Allison-Dix / Hyyrö)."""
    full = (1 << lb) - 1
    v = full
    for ch in a:
        m = masks.get(ch)
        if m:
            u = v & m
            v = ((v + u) | (v - u)) & full
    return lb - v.bit_count()


def _sim(a: str, b: str, masks: dict[str, int]) -> float:
    """similarity(a, b) with ``masks = _lcs_masks(b)`` precomputed."""
    la, lb = len(a), len(b)
    if not la and not lb:
        return 1.0
    lcs = _lcs_len(a, masks, lb)
    if lcs == lb - 1 and la == lb:
        # one adjacent transposition (« Domgané ») counts as one typo, like one missing letter
        i = 0
        while a[i] == b[i]:
            i += 1
        if i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]:
            return 1.0 - 1.0 / (2 * la)
    return 2.0 * lcs / (la + lb)


def similarity(a: str, b: str) -> float:
    """Similarity of two strings, in [0, 1], symmetric, 1.0 only for equal strings.

    ``2·LCS / (len(a)+len(b))`` (LCS: longest common subsequence), the quantity
    ``difflib.SequenceMatcher.ratio`` approximates; one swap of two adjacent
    letters scores ``1 - 1/(2·len)``, like one missing letter, instead of the
    ``1 - 1/len`` the LCS would give.
    """
    return _sim(a, b, _lcs_masks(b))


def _de(nom: str) -> str:
    """« de » before a commune name, French style: du Pertre, des Fougerêts, d'Arboys, de La Gacilly."""
    if nom.startswith("Le "):
        return "du " + nom[3:]
    if nom.startswith("Les "):
        return "des " + nom[4:]
    if nom[:1] in "AEIOUYÉÈÊÂÎÔÛ" and nom[:1]:
        return "d'" + nom
    return "de " + nom


def _fmt_score(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


_CODE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_DEP_SUFFIX = re.compile(r"^(.*?)[\s,-]*\(\s*(\d{2}|2[AB]|97\d)\s*\)[\s.]*$", re.IGNORECASE)


def _norm_dep(d: object) -> str:
    s = cell_text(d).strip().upper()
    if s.isdigit() and len(s) == 1:
        s = "0" + s
    return s


def _norm_deps(departements) -> frozenset[str] | None:
    """None, or the set of département codes; an empty list means no restriction."""
    if departements is None:
        return None
    if isinstance(departements, (str, int)):
        departements = [departements]
    deps = frozenset(d for d in map(_norm_dep, departements) if d)
    return deps or None


def _as_list(v: object) -> list:
    if type(v) is list:
        return v
    if v is None:
        return []
    if isinstance(v, float):
        return [] if v != v else [v]
    if isinstance(v, str):
        return [v] if v else []
    try:
        return [x for x in v if x is not None and x == x and x != ""]
    except TypeError:
        return [v]


# --------------------------------------------------------------------------- #
# Results
# --------------------------------------------------------------------------- #


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


# --------------------------------------------------------------------------- #
# Matcher
# --------------------------------------------------------------------------- #


class Matcher:
    """Indexes a communes referential once; resolves names and codes against it.

    ``communes`` needs the columns ``code``, ``nom``, ``departement``; used when
    present: ``population`` (orders homonyms), ``codes_postaux``,
    ``anciens_codes``, ``anciens_noms`` (list-like cells).  Other columns
    (geometry…) are ignored.
    """

    def __init__(self, communes: pd.DataFrame):
        missing = {"code", "nom", "departement"} - set(communes.columns)
        if missing:
            raise ValueError(f"colonnes manquantes dans le référentiel des communes : {sorted(missing)}")
        n = len(communes)

        def col(name: str, default):
            return communes[name].tolist() if name in communes.columns else [default] * n

        self._nom: dict[str, str] = {}
        self._dep: dict[str, str] = {}
        self._pop: dict[str, int] = {}
        self._ancien_code: dict[str, list[str]] = {}
        self._postal: dict[str, list[str]] = {}
        # entries: every matchable name (current names, then anciens noms)
        e_code: list[str] = []
        e_dep: list[str] = []
        e_label: list[str] = []
        e_key: list[str] = []
        e_anc: list[bool] = []
        # name indexes, [0] current names, [1] anciens noms: text -> entry ids
        self._raw: tuple[dict, dict] = ({}, {})
        self._key: tuple[dict, dict] = ({}, {})
        self._bare: tuple[dict, dict] = ({}, {})

        codes = [c if type(c) is str else cell_text(c) for c in communes["code"].tolist()]
        codes = [c.strip() for c in codes]
        noms = [x if type(x) is str else cell_text(x) for x in communes["nom"].tolist()]
        dep_cache: dict[object, str] = {}
        deps = []
        for d in communes["departement"].tolist():
            nd = dep_cache.get(d)
            if nd is None:
                nd = dep_cache[d] = _norm_dep(d)
            deps.append(nd)
        if "population" in communes.columns:
            pops = pd.to_numeric(communes["population"], errors="coerce").fillna(0).astype("int64").tolist()
        else:
            pops = [0] * n
        self._nom = dict(zip(codes, noms))
        self._dep = dict(zip(codes, deps))
        self._pop = dict(zip(codes, pops))
        keys = [normalize_name(x) for x in noms]
        e_code.extend(codes)
        e_dep.extend(deps)
        e_label.extend(noms)
        e_key.extend(keys)
        e_anc.extend([False] * n)

        for code, acodes in zip(codes, col("anciens_codes", None)):
            for a in _as_list(acodes):
                a = cell_text(a).strip()
                if a and a != code:
                    lst = self._ancien_code.setdefault(a, [])
                    if code not in lst:
                        lst.append(code)
        postal = self._postal
        for code, cps in zip(codes, col("codes_postaux", None)):
            for p in _as_list(cps):
                p = cell_text(p).strip()
                if p:
                    postal.setdefault(p, []).append(code)
        for code, dep, key, anoms in zip(codes, deps, keys, col("anciens_noms", None)):
            seen = None
            for a in _as_list(anoms):
                a = cell_text(a)
                akey = normalize_name(a)
                if not akey or akey == key:
                    continue
                if seen is None:
                    seen = set()
                elif akey in seen:
                    continue
                seen.add(akey)
                e_code.append(code)
                e_dep.append(dep)
                e_label.append(a)
                e_key.append(akey)
                e_anc.append(True)

        e_bare = [_strip_article(k) for k in e_key]
        for i, (label, key, bare, anc) in enumerate(zip(e_label, e_key, e_bare, e_anc)):
            j = 1 if anc else 0
            self._raw[j].setdefault(label.strip(), []).append(i)
            self._key[j].setdefault(key, []).append(i)
            self._bare[j].setdefault(bare, []).append(i)

        self._e_code = e_code
        self._e_dep = e_dep
        self._e_label = e_label
        self._e_key = e_key
        self._e_bare = e_bare
        # same letters in another order: a swap of two letters kills up to 4 trigrams,
        # so « Auvres » may share too few with « Auvers » to be drawn by the trigram pool
        self._anagram: dict[str, list[int]] = {}
        for i, key in enumerate(e_key):
            self._anagram.setdefault("".join(sorted(key.replace(" ", ""))), []).append(i)
        self._e_anc = e_anc
        self.departements: frozenset[str] = frozenset(self._dep.values())
        self._build_trigrams()

    def _build_trigrams(self) -> None:
        """Sorted (trigram → entry) postings, whole referential and per département (numpy)."""
        keys = self._e_key
        n = len(keys)
        self._dep_id = {d: k for k, d in enumerate(sorted(self.departements))}
        padded = np.array([f" {k} ".encode("ascii") for k in keys] or [b"  "])
        width = padded.dtype.itemsize
        mat = padded.view(np.uint8).reshape(len(padded), width).astype(np.int64)
        lens = np.fromiter((len(k) + 2 for k in keys), dtype=np.int64, count=n) if n else np.zeros(1, np.int64)
        codes = (mat[:, :-2] << 16) | (mat[:, 1:-1] << 8) | mat[:, 2:] if width >= 3 else np.zeros((len(padded), 0), np.int64)
        valid = np.arange(codes.shape[1])[None, :] < (lens - 2)[:, None]
        ent = np.broadcast_to(np.arange(len(padded), dtype=np.int64)[:, None], codes.shape)[valid]
        pairs = np.sort((ent << 24) | codes[valid])
        if len(pairs):
            pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
        ent = pairs >> 24
        tri = pairs & 0xFFFFFF
        self._ntri = np.bincount(ent, minlength=max(n, 1)).astype(np.float64)
        order = np.argsort(tri, kind="stable")
        self._g_keys = tri[order]
        self._g_ids = ent[order]
        dep_ids = np.fromiter((self._dep_id[d] for d in self._e_dep), dtype=np.int64, count=n) if n else np.zeros(1, np.int64)
        self._e_dep_id = dep_ids
        self._masks: dict[frozenset[str], np.ndarray] = {}
        dk = (dep_ids[ent] << 24) | tri
        order = np.argsort(dk, kind="stable")
        self._d_keys = dk[order]
        self._d_ids = ent[order]

    # ------------------------------------------------------------------ #
    # public API
    # ------------------------------------------------------------------ #

    def __len__(self) -> int:
        return len(self._nom)

    def resolve(self, name: str, departements: Iterable[str] | None = None) -> Resolution:
        """Resolve one commune name or INSEE code.

        ``departements``: codes ("35", "2A", "974") the commune is expected in;
        used to pick among homonyms and to restrict typo correction.  Never
        raises on odd input (None, NaN, numbers, garbage).
        """
        return self._resolve(name, _norm_deps(departements))

    def resolve_many(self, names: Iterable[str], departements: Iterable[str] | None = None) -> list[Resolution]:
        """Exactly one :class:`Resolution` per input, in order (a repeated string is resolved once)."""
        deps = _norm_deps(departements)
        cache: dict[str, Resolution] = {}
        out: list[Resolution] = []
        for name in names:
            if type(name) is str:
                r = cache.get(name)
                if r is None:
                    r = cache[name] = self._resolve(name, deps)
            else:
                r = self._resolve(name, deps)
            out.append(r)
        return out

    def nom(self, code: str) -> str | None:
        """Official current name of an INSEE code (None if not current)."""
        return self._nom.get(code)

    # ------------------------------------------------------------------ #
    # internals
    # ------------------------------------------------------------------ #

    def _cand(self, code: str, score: float = 1.0) -> Candidate:
        return Candidate(code, self._nom[code], self._dep[code], float(score))

    def _done(self, query, code, method, score, message, candidates=()) -> Resolution:
        return Resolution(
            query=query,
            code=code,
            nom=self._nom[code],
            method=method,
            score=float(score),
            message=message,
            candidates=tuple(candidates)[:MAX_CANDIDATES],
            departement=self._dep[code],
        )

    @staticmethod
    def _fail(query, method, message, candidates=()) -> Resolution:
        return Resolution(query, None, None, method, 0.0, message, tuple(candidates)[:MAX_CANDIDATES], None)

    def _label(self, code: str) -> str:
        return f"{self._nom[code]} ({code})"

    @staticmethod
    def _deps_txt(deps: Iterable[str]) -> str:
        ds = sorted(deps)
        if not ds:
            return "aucun département"
        return ("le département " if len(ds) == 1 else "les départements ") + ", ".join(ds)

    def _by_population(self, codes: Iterable[str]) -> list[str]:
        return sorted(set(codes), key=lambda c: (-self._pop.get(c, 0), c))

    def _resolve(self, query, deps: frozenset[str] | None) -> Resolution:
        s = cell_text(query).strip()
        if not s:
            return self._fail(query, "vide", "Nom de commune vide.")

        # INSEE code given directly (also a code whose leading 0 a spreadsheet dropped)
        up = s.upper()
        if len(up) == 4 and up.isdigit() and (("0" + up) in self._nom or ("0" + up) in self._ancien_code):
            return self._by_code(query, "0" + up, deps, padded=True)
        if _CODE_RE.match(up):
            return self._by_code(query, up, deps)

        # département given in the name itself: « Sainte-Marie (35) »
        hint = None
        m = _DEP_SUFFIX.match(s)
        if m and normalize_name(m.group(1)):
            hint = _norm_dep(m.group(2))
            s = m.group(1).strip()
            deps = frozenset({hint})

        key = normalize_name(s)
        if not key:
            return self._fail(query, "non_resolu", f"« {s} » ne contient aucune lettre exploitable.")

        outside: set[str] = set()  # exact-name hits outside the requested départements
        for j in (0, 1):  # current names first: they win over anciens noms
            hits = self._raw[j].get(s)
            if hits:
                r = self._decide(query, s, hits, deps, j, "raw", outside, hint)
                if r is not None:
                    return r
            hits = self._key[j].get(key)
            if hits:
                if len({self._e_code[i] for i in hits}) > 1:
                    # Champagné / Champagne: the accents typed may tell them apart
                    folded = _fold(s, accents=True)
                    same = [i for i in hits if _fold(self._e_label[i], accents=True) == folded]
                    if same and len(same) < len(hits):
                        r = self._decide(query, s, same, deps, j, "key", outside, hint)
                        if r is not None:
                            return r
                r = self._decide(query, s, hits, deps, j, "key", outside, hint)
                if r is not None:
                    return r
        bare = _strip_article(key)
        for j in (0, 1):
            hits = self._bare[j].get(bare)
            if hits:
                r = self._decide(query, s, hits, deps, j, "bare", outside, hint)
                if r is not None:
                    return r
        return self._fuzzy(query, s, key, deps, outside, hint)

    def _by_code(self, query, code: str, deps, padded: bool = False) -> Resolution:
        note = " (zéro initial rétabli)" if padded else ""
        if code in self._nom:
            msg = f"Code INSEE {code}{note} : {self._label(code)}."
            if deps is not None and self._dep[code] not in deps:
                msg += f" Attention : hors de {self._deps_txt(deps)}."
            also_cp = [c for c in self._postal.get(code, []) if c != code]
            if also_cp:
                msg += (
                    f" ({code} est aussi le code postal de "
                    + ", ".join(self._label(c) for c in self._by_population(also_cp)[:3])
                    + " ; c'est bien le code INSEE qui a été retenu.)"
                )
            return self._done(query, code, "code_insee", 1.0, msg)
        targets = self._ancien_code.get(code)
        if targets:
            if len(targets) == 1:
                t = targets[0]
                msg = (
                    f"{code} est un ancien code INSEE (commune fusionnée, déléguée ou associée) : "
                    f"la commune actuelle est {self._label(t)}."
                )
                if deps is not None and self._dep[t] not in deps:
                    msg += f" Attention : hors de {self._deps_txt(deps)}."
                return self._done(query, t, "ancien_code", 1.0, msg)
            return self._fail(
                query,
                "ambigu",
                f"L'ancien code INSEE {code} est repris par plusieurs communes actuelles ("
                + ", ".join(self._label(t) for t in targets)
                + ") : précisez la commune.",
                [self._cand(t) for t in self._by_population(targets)],
            )
        postal = self._by_population(self._postal.get(code, []))
        if postal:
            more = len(postal) - MAX_CANDIDATES
            return self._fail(
                query,
                "non_resolu",
                f"« {code} » n'est pas un code INSEE ; c'est le code postal de "
                + ", ".join(self._label(c) for c in postal[:MAX_CANDIDATES])
                + (f" et {more} autre{'s' if more > 1 else ''}" if more > 0 else "")
                + " : donnez le nom ou le code INSEE de la commune.",
                [self._cand(c) for c in postal],
            )
        return self._fail(query, "non_resolu", f"« {code} » n'est ni un code INSEE ni un code postal connu.")

    def _decide(self, query, s, hits, deps, j, level, outside: set[str], hint) -> Resolution | None:
        """Resolution for a set of entries sharing the name, or None to go on searching."""
        codes = self._by_population(self._e_code[i] for i in hits)
        inside = codes if deps is None else [c for c in codes if self._dep[c] in deps]
        if not inside:
            outside.update(codes)
            return None
        anc = j == 1
        hint_txt = f" (département {hint} indiqué dans le nom)" if hint else ""
        if len(inside) > 1:
            dep_list = sorted({self._dep[c] for c in inside})
            if deps is None and len(dep_list) > 1:
                msg = (
                    f"« {s} » existe dans {len(dep_list)} départements ({', '.join(dep_list)}) : "
                    "précisez le département."
                )
            else:
                what = "anciennes communes (déléguées ou associées)" if anc else "communes"
                where = f"dans {self._deps_txt(deps)}" if deps is not None else f"dans le département {dep_list[0]}"
                msg = (
                    f"« {s} » désigne {len(inside)} {what} {where} ("
                    + ", ".join(self._label(c) for c in inside[:MAX_CANDIDATES])
                    + ") : précisez le code INSEE."
                )
            return self._fail(query, "ambigu", msg, [self._cand(c) for c in inside])

        code = inside[0]
        discarded = [c for c in codes if c != code]
        article = " (sans tenir compte de l'article)" if level == "bare" else ""
        if anc:
            via = sorted({self._e_label[i] for i in hits if self._e_code[i] == code})[0]
            name = f"« {s} »" if normalize_name(via) == normalize_name(s) else f"« {s} » (« {via} »)"
            msg = f"{name} est une commune déléguée ou associée {_de(self._label(code))} depuis la fusion{article}{hint_txt}."
            if discarded:
                msg = msg[:-1] + f" ; {len(discarded)} homonyme(s) hors de {self._deps_txt(deps)} écarté(s)."
            return self._done(query, code, "ancien_nom", 1.0, msg)
        # a current commune wins over a commune déléguée of the same name: say so
        hit_key = next(self._e_key[i] for i in hits if self._e_code[i] == code)
        shadowed = [
            self._e_code[i]
            for i in self._key[1].get(hit_key, ())
            if self._e_code[i] != code and (deps is None or self._e_dep[i] in deps)
        ]
        also = ""
        if shadowed:
            also = (
                " Ce nom est aussi celui d'une commune déléguée ou associée "
                + ", ".join(_de(self._label(c)) for c in self._by_population(shadowed)[:3])
                + " : la commune actuelle a été préférée."
            )
        if discarded:
            n = len(discarded)
            msg = (
                f"« {s} » : {len(codes)} communes portent ce nom ; retenue {self._label(code)}, "
                f"seule dans {self._deps_txt(deps)}{hint_txt} — {n} homonyme{'s' if n > 1 else ''} "
                f"écarté{'s' if n > 1 else ''} ("
                + ", ".join(f"{self._nom[c]}, {self._dep[c]}" for c in discarded[:3])
                + ("…" if n > 3 else "")
                + ")."
            )
            return self._done(query, code, "homonyme_departement", 1.0, msg + also)
        if level == "raw":
            return self._done(query, code, "exact", 1.0, f"« {s} » : {self._label(code)}{hint_txt}.{also}")
        msg = f"« {s} » reconnu comme « {self._nom[code]} » ({code}){article}{hint_txt}.{also}"
        return self._done(query, code, "normalise", 1.0, msg)

    # fuzzy ----------------------------------------------------------------

    def _pool(self, key: str, deps) -> list[int]:
        """Entry ids sharing the most trigrams with ``key`` (Dice), at most _FUZZY_POOL."""
        tq = np.asarray(_trigram_codes(key), dtype=np.int64)
        if not len(tq):
            return []
        mask = None
        if deps is None:
            keys, ids, probes = self._g_keys, self._g_ids, tq
        else:
            dep_ids = [self._dep_id[d] for d in deps if d in self._dep_id]
            if not dep_ids:
                return []
            if len(dep_ids) <= _MAX_DEP_PROBES:
                # one posting list per (département, trigram): only those départements are read
                keys, ids = self._d_keys, self._d_ids
                probes = ((np.asarray(dep_ids, dtype=np.int64)[:, None] << 24) | tq[None, :]).ravel()
            else:
                # many départements: whole-referential postings, filtered
                keys, ids, probes = self._g_keys, self._g_ids, tq
                mask = self._dep_mask(deps)
        lo = np.searchsorted(keys, probes, "left").tolist()
        hi = np.searchsorted(keys, probes, "right").tolist()
        parts = [ids[a:b] for a, b in zip(lo, hi) if b > a]
        if not parts:
            return []
        idx = np.concatenate(parts)
        if mask is not None:
            idx = idx[mask[idx]]
            if not len(idx):
                return []
        n = len(self._e_key)
        if len(idx) > n // 8:
            counts = np.bincount(idx, minlength=n)
            cand = np.flatnonzero(counts)
            cnt = counts[cand]
        else:
            cand, cnt = np.unique(idx, return_counts=True)
        dice = cnt / (len(tq) + self._ntri[cand])
        if len(cand) > _FUZZY_POOL:
            top = np.argpartition(-dice, _FUZZY_POOL)[:_FUZZY_POOL]
            cand = cand[top]
        return cand.tolist()

    def _dep_mask(self, deps: frozenset[str]) -> np.ndarray:
        mask = self._masks.get(deps)
        if mask is None:
            if len(self._masks) > 64:
                self._masks.clear()
            wanted = np.zeros(len(self._dep_id), dtype=bool)
            wanted[[self._dep_id[d] for d in deps if d in self._dep_id]] = True
            mask = self._masks[deps] = wanted[self._e_dep_id]
        return mask

    def _fuzzy_ranking(self, key: str, deps) -> list[tuple[str, float, int]]:
        """(code, similarity, entry id) per commune, best first."""
        pool = self._pool(key, deps)
        anagrams = self._anagram.get("".join(sorted(key.replace(" ", ""))))
        if anagrams:
            pool = list(dict.fromkeys(pool + [i for i in anagrams if deps is None or self._e_dep[i] in deps]))
        if not pool:
            return []
        qbare = _strip_article(key)
        qart = key[: len(key) - len(qbare)]
        masks = _lcs_masks(key)
        bmasks = _lcs_masks(qbare) if qbare != key else masks
        e_key, e_bare = self._e_key, self._e_bare
        best: dict[str, tuple[float, int]] = {}
        for i in pool:
            ek = e_key[i]
            score = _sim(ek, key, masks)
            ebare = e_bare[i]
            if ebare != ek or qbare != key:
                bare_score = _sim(ebare, qbare, bmasks)
                if ek[: len(ek) - len(ebare)] != qart:
                    bare_score -= ARTICLE_PENALTY  # « La Orge » is closer to La Forge than to Le Porge
                score = max(score, bare_score)
            c = self._e_code[i]
            prev = best.get(c)
            if prev is None or (score, not self._e_anc[i]) > (prev[0], not self._e_anc[prev[1]]):
                best[c] = (score, i)
        ranking = [(c, sc, i) for c, (sc, i) in best.items()]
        ranking.sort(key=lambda x: (-x[1], -self._pop.get(x[0], 0), x[0]))
        return ranking

    def _fuzzy(self, query, s, key, deps, outside: set[str], hint) -> Resolution:
        ranking = self._fuzzy_ranking(key, deps)
        area = "" if deps is None else f" dans {self._deps_txt(deps)}"
        suggestions = [self._cand(c, sc) for c, sc, _ in ranking[: 2 * MAX_CANDIDATES] if sc >= SUGGESTION_FLOOR]

        if outside:
            out_codes = self._by_population(outside)
            cands = [self._cand(c) for c in out_codes] + [x for x in suggestions if x.code not in outside]
            return self._fail(
                query,
                "non_resolu",
                f"« {s} » n'existe pas{area} ; ce nom désigne "
                + ", ".join(f"{self._label(c)}, département {self._dep[c]}" for c in out_codes[:3])
                + ("…" if len(out_codes) > 3 else "")
                + " : vérifiez le département.",
                cands,
            )
        if not ranking or ranking[0][1] < SUGGESTION_FLOOR:
            return self._fail(query, "non_resolu", f"« {s} » : aucune commune approchante{area}.")

        best_code, best, bi = ranking[0]
        second = ranking[1][1] if len(ranking) > 1 else 0.0
        hint_txt = f" (département {hint} indiqué dans le nom)" if hint else ""
        label = self._e_label[bi]
        if best >= FUZZY_THRESHOLD and best - second >= FUZZY_MARGIN:
            if self._e_anc[bi]:
                msg = (
                    f"« {s} » corrigé en « {label} », commune déléguée ou associée "
                    f"{_de(self._label(best_code))}, similarité {_fmt_score(best)}{hint_txt}."
                )
            else:
                msg = f"« {s} » corrigé en « {label} » ({best_code}), similarité {_fmt_score(best)}{hint_txt}."
            return self._done(query, best_code, "fuzzy", best, msg, suggestions)
        if best >= FUZZY_THRESHOLD:
            close = [x for x in ranking if x[1] > best - FUZZY_MARGIN]
            bkey = self._e_key[bi]
            if all(self._e_key[i] == bkey for _, _, i in close):
                # the typo is clear, but the corrected name has homonyms
                dep_list = sorted({self._dep[c] for c, _, _ in close})
                where = (
                    f"existe dans {len(dep_list)} départements ({', '.join(dep_list)})"
                    if len(dep_list) > 1
                    else f"désigne {len(close)} communes du département {dep_list[0]}"
                )
                msg = (
                    f"« {s} » ressemble à « {label} » (similarité {_fmt_score(best)}), qui {where} : "
                    "précisez le département."
                )
                return self._fail(query, "ambigu", msg, [self._cand(c, sc) for c, sc, _ in close])
            # name the closest commune *with another name* (homonyms of the best say nothing more)
            o_code, o_score, oi = next((x for x in close if self._e_key[x[2]] != bkey), ranking[1])
            msg = (
                f"« {s} » introuvable{area} ; hésitation entre {self._entry_txt(bi)} "
                f"(similarité {_fmt_score(best)}) et {self._entry_txt(oi)} ({_fmt_score(o_score)}) : précisez."
            )
        else:
            msg = (
                f"« {s} » introuvable{area} ; la plus proche est {self._entry_txt(bi)}, "
                f"similarité {_fmt_score(best)}, sous le seuil de correction automatique "
                f"({_fmt_score(FUZZY_THRESHOLD)})."
            )
        return self._fail(query, "non_resolu", msg, suggestions)

    def _entry_txt(self, i: int) -> str:
        code = self._e_code[i]
        if self._e_anc[i]:
            return f"« {self._e_label[i]} » (commune déléguée {_de(self._label(code))})"
        return f"« {self._e_label[i]} » ({code})"
