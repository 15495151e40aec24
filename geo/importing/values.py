"""Cell values: text of a cell, CPTS name keys and slugs, statuses, dates, départements, line ranges.

Hand-written on purpose: these are the domain rules of the regional listings (CPTS name
variants, lifecycle words, French date forms, COG département codes).
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

import pandas as pd

from ..exports.cells import unneutralize
from ..matching import cell_text, normalize_name


_MAX_CELL = 1_000  # characters kept from a cell (names are short; longer is garbage)


_STOP = {"de", "du", "des", "la", "le", "les", "l", "d"}


def _s(v: object) -> str:
    """Cell -> text: the matcher's rules ('' for None/NaN; 35360.0 -> '35360'), plus booleans and dates."""
    if isinstance(v, bool):
        return "vrai" if v else "faux"
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return cell_text(v)


@functools.lru_cache(maxsize=1 << 16)
def _fold(s: str) -> str:
    """« Périmètre non connu » -> "perimetre non connu" (memoised: rows repeat their names)."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


def _clean(v: object) -> str:
    s = unneutralize(_s(v))
    return " ".join(s.replace("\x00", "").split())[:_MAX_CELL]  # every run of whitespace -> one space


_clean_cached = functools.lru_cache(maxsize=1 << 16, typed=True)(_clean)


def clean_cell(v: object) -> str:
    """Cell text as written, whitespace collapsed; the apostrophe our exports put before a cell
    starting with = + - @ (formula neutralisation) is removed. Memoised: a listing repeats its
    CPTS names and départements on every row."""
    try:
        return _clean_cached(v)
    except TypeError:  # an unhashable cell value
        return _clean(v)


def _is_empty(cells: list[object]) -> bool:
    return all(not clean_cell(c) for c in cells)


@functools.lru_cache(maxsize=65536)
def cpts_key(name: object) -> str:
    """Key of a CPTS name: « CPTS du Pays de Vitré » == « Communauté professionnelle territoriale
    de santé Pays de Vitre » == « pays de vitré » -> "pays vitre"."""
    s = normalize_name(_s(name))
    s = re.sub(r"\bcommunaute professionnelle territoriale de sante\b", " ", s)
    words = [w for w in s.split() if w not in _STOP and w not in {"cpts", "projet", "la"}]
    return " ".join(words)


def slugify(name: str) -> str:
    key = cpts_key(re.sub(r"<[^>]*>", " ", name))  # « CPTS <b>X</b> » -> "x", not "b-x-b"
    return re.sub(r"[^a-z0-9]+", "-", key).strip("-")[:60].strip("-")


def status_step(text: str) -> str | None:
    """A status as typed -> a lifecycle step, only when the text names it unambiguously."""
    k = _fold(text)
    if not k:
        return None
    if re.search(r"\baci\b|\bsigne|\bcontrat|\bcontractualis", k):
        return "aci_signe"
    if "projet de sante" in k and "valid" in k:
        return "projet_sante_valide"
    if "lettre" in k and "intention" in k:
        return "lettre_intention_validee"
    return None


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{1,2})[/.-](\d{4})$"), ("m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), ("y", "m")),
    (re.compile(r"^(\d{4})$"), ("y",)),
)


def parse_date(value: object) -> str | None:
    """Date cell -> ISO with its precision ("2022-09-29", "2023-09", "2021"); None if unreadable."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    s = clean_cell(value)
    for rx, parts in _DATE_PATTERNS:
        m = rx.match(s)
        if not m:
            continue
        got = dict(zip(parts, (int(x) for x in m.groups())))
        y, mo, d = got.get("y"), got.get("m"), got.get("d")
        if not 1900 <= y <= 2100:
            return None
        try:
            if d is not None:
                return dt.date(y, mo, d).isoformat()
        except ValueError:
            return None
        if mo is not None:
            return f"{y:04d}-{mo:02d}" if 1 <= mo <= 12 else None
        return f"{y:04d}"
    return None


def _dep_parser(communes: pd.DataFrame):
    names = {}
    if "departement_nom" in communes.columns:
        for code, nom in communes[["departement", "departement_nom"]].drop_duplicates().itertuples(index=False):
            names[_fold(nom)] = code
    codes = set(communes["departement"])

    def parse(value: object) -> str | None:
        s = clean_cell(value)
        if not s:
            return None
        m = re.match(r"^\s*(\d{1,3}|2[AaBb])\b", s)
        if m:
            c = m.group(1).upper()
            c = c.zfill(2) if c.isdigit() and len(c) < 2 else c
            return c
        return names.get(_fold(s))

    return parse, codes


def _dep_of(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def _ranges(lines: list[int]) -> str:
    """[2, 3, 4, 7] -> "2-4, 7"."""
    out = []
    for n in sorted(set(lines)):
        if out and n == out[-1][1] + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in out)
