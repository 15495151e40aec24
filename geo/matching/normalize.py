"""Text normalisation for commune names and cells: the keys the matcher's indexes are built on.

Hand-written because it is domain-specific (French commune naming: articles moved to the end in
official lists, « St »/« Ste », « s/ » for « sur », œ/æ ligatures); the string *similarity* itself is
rapidfuzz's (see :mod:`geo.matching.similarity`).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["cell_text", "normalize_name", "fold_accents", "strip_article", "article_of", "norm_dep", "norm_deps", "as_list",
           "CODE_RE", "DEP_SUFFIX"]

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


def strip_article(key: str) -> str:
    """The key without its leading article (« la chapelle fleurigne » -> « chapelle fleurigne »)."""
    for art in _ARTICLES:
        if key.startswith(art) and len(key) > len(art):
            return key[len(art) :]
    return key


def article_of(key: str) -> str:
    """The leading article of a key (« la », « le », « les », « l ») with its space, or ''."""
    return key[: len(key) - len(strip_article(key))]


CODE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
DEP_SUFFIX = re.compile(r"^(.*?)[\s,-]*\(\s*(\d{2}|2[AB]|97\d)\s*\)[\s.]*$", re.IGNORECASE)


def norm_dep(d: object) -> str:
    """A département code as the COG writes it ("5" -> "05", "2a" -> "2A")."""
    s = cell_text(d).strip().upper()
    if s.isdigit() and len(s) == 1:
        s = "0" + s
    return s


def norm_deps(departements) -> frozenset[str] | None:
    """None, or the set of département codes; an empty list means no restriction."""
    if departements is None:
        return None
    if isinstance(departements, (str, int)):
        departements = [departements]
    deps = frozenset(d for d in map(norm_dep, departements) if d)
    return deps or None


def as_list(v: object) -> list:
    """A list-like cell (list, array, None, NaN, scalar) as a list without missing values."""
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


def fold_accents(s: object) -> str:
    """Like :func:`normalize_name` but keeping accents (tells Champagné from Champagne)."""
    return _fold(s, accents=True)
