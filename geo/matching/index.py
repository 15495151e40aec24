"""The matcher's indexes over a communes referential, built once, and the helpers its messages share.

Every matchable name is an *entry*: each current commune name, then each name of a commune
déléguée / associée (``anciens_noms``).  Dictionaries map exact spellings, normalised keys and keys
without article to entries; numpy arrays describe the entries for fuzzy scoring; per-département
sets of entries are cut lazily and cached, so a typo searched in a few départements is scored
against their names only.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from .model import MAX_CANDIDATES, Candidate, Resolution
from .normalize import article_of, as_list, cell_text, norm_dep, normalize_name, strip_article

__all__ = ["ARTICLE_IDS", "NameIndex", "de_commune", "fmt_score"]

ARTICLE_IDS = {"": 0, "les ": 1, "le ": 2, "la ": 3, "l ": 4}
#: At most this many sets of départements are cached (every single département of France fits).
_MAX_CACHED_SUBSETS = 512


def de_commune(nom: str) -> str:
    """« de » before a commune name, French style: du Pertre, des Fougerêts, d'Arboys, de La Gacilly."""
    if nom.startswith("Le "):
        return "du " + nom[3:]
    if nom.startswith("Les "):
        return "des " + nom[4:]
    if nom[:1] in "AEIOUYÉÈÊÂÎÔÛ" and nom[:1]:
        return "d'" + nom
    return "de " + nom


def fmt_score(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


class Subset:
    """Entries of some départements (or all), as the arrays fuzzy scoring reads."""

    __slots__ = ("ids", "keys", "bares", "key_lens", "bare_lens", "arts", "with_article")

    def __init__(self, index: "NameIndex", ids: np.ndarray):
        self.ids = ids
        lst = ids.tolist()
        self.keys = [index._e_key[i] for i in lst]
        self.bares = [index._e_bare[i] for i in lst]
        self.key_lens = index._e_len[ids]
        self.bare_lens = index._e_bare_len[ids]
        self.arts = index._e_art[ids]
        # positions (in this subset) of the names that have an article
        self.with_article = np.flatnonzero(self.arts != 0)


class NameIndex:
    """Indexes a communes referential once (see :class:`geo.matching.Matcher`)."""

    def __init__(self, communes: pd.DataFrame):
        missing = {"code", "nom", "departement"} - set(communes.columns)
        if missing:
            raise ValueError(f"colonnes manquantes dans le référentiel des communes : {sorted(missing)}")
        n = len(communes)

        def col(name: str, default):
            return communes[name].tolist() if name in communes.columns else [default] * n

        self._ancien_code: dict[str, list[str]] = {}
        self._postal: dict[str, list[str]] = {}
        # name indexes, [0] current names, [1] anciens noms: text -> entry ids
        self._raw: tuple[dict, dict] = ({}, {})
        self._key: tuple[dict, dict] = ({}, {})
        self._bare: tuple[dict, dict] = ({}, {})

        codes = [(c if type(c) is str else cell_text(c)).strip() for c in communes["code"].tolist()]
        noms = [x if type(x) is str else cell_text(x) for x in communes["nom"].tolist()]
        dep_cache: dict[object, str] = {}
        deps = []
        for d in communes["departement"].tolist():
            nd = dep_cache.get(d)
            if nd is None:
                nd = dep_cache[d] = norm_dep(d)
            deps.append(nd)
        if "population" in communes.columns:
            pops = pd.to_numeric(communes["population"], errors="coerce").fillna(0).astype("int64").tolist()
        else:
            pops = [0] * n
        self._nom: dict[str, str] = dict(zip(codes, noms))
        self._dep: dict[str, str] = dict(zip(codes, deps))
        self._pop: dict[str, int] = dict(zip(codes, pops))
        keys = [normalize_name(x) for x in noms]
        # entries: every matchable name (current names, then anciens noms)
        e_code, e_dep, e_label, e_key = list(codes), list(deps), list(noms), list(keys)
        e_anc = [False] * n

        for code, acodes in zip(codes, col("anciens_codes", None)):
            for a in as_list(acodes):
                a = cell_text(a).strip()
                if a and a != code:
                    lst = self._ancien_code.setdefault(a, [])
                    if code not in lst:
                        lst.append(code)
        for code, cps in zip(codes, col("codes_postaux", None)):
            for p in as_list(cps):
                p = cell_text(p).strip()
                if p:
                    self._postal.setdefault(p, []).append(code)
        for code, dep, key, anoms in zip(codes, deps, keys, col("anciens_noms", None)):
            seen: set[str] = set()
            for a in as_list(anoms):
                a = cell_text(a)
                akey = normalize_name(a)
                if not akey or akey == key or akey in seen:
                    continue
                seen.add(akey)
                e_code.append(code)
                e_dep.append(dep)
                e_label.append(a)
                e_key.append(akey)
                e_anc.append(True)

        e_bare = [strip_article(k) for k in e_key]
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
        self._e_anc = e_anc
        self.departements: frozenset[str] = frozenset(self._dep.values())
        self._build_arrays()

    def _build_arrays(self) -> None:
        """Per-entry numpy arrays for fuzzy scoring and ranking."""
        m = len(self._e_key)
        self._e_len = np.fromiter(map(len, self._e_key), dtype=np.int64, count=m)
        self._e_bare_len = np.fromiter(map(len, self._e_bare), dtype=np.int64, count=m)
        self._e_art = np.fromiter(
            (ARTICLE_IDS[article_of(k)] for k in self._e_key), dtype=np.int8, count=m
        )
        self._e_anc_arr = np.asarray(self._e_anc, dtype=bool)
        self._e_pop = np.fromiter((self._pop.get(c, 0) for c in self._e_code), dtype=np.int64, count=m)
        rank = {c: r for r, c in enumerate(sorted(set(self._e_code)))}
        self._e_code_rank = np.fromiter((rank[c] for c in self._e_code), dtype=np.int64, count=m)
        by_dep: dict[str, list[int]] = {}
        for i, d in enumerate(self._e_dep):
            by_dep.setdefault(d, []).append(i)
        self._dep_ids = {d: np.asarray(ids, dtype=np.int64) for d, ids in by_dep.items()}
        self._subsets: dict[frozenset[str] | None, Subset] = {}

    def _subset(self, deps: frozenset[str] | None) -> Subset:
        """The entries of ``deps`` (all entries for None), cut once and cached."""
        sub = self._subsets.get(deps)
        if sub is None:
            if deps is None:
                ids = np.arange(len(self._e_key), dtype=np.int64)
            else:
                parts = [self._dep_ids[d] for d in deps if d in self._dep_ids]
                ids = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
            if len(self._subsets) >= _MAX_CACHED_SUBSETS:
                self._subsets = {k: v for k, v in self._subsets.items() if k is None}
            sub = self._subsets[deps] = Subset(self, ids)
        return sub

    # ------------------------------------------------------------------ #
    # public look-ups
    # ------------------------------------------------------------------ #

    def __len__(self) -> int:
        return len(self._nom)

    def nom(self, code: str) -> str | None:
        """Official current name of an INSEE code (None if not current)."""
        return self._nom.get(code)

    # ------------------------------------------------------------------ #
    # results and message helpers
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

    def _entry_txt(self, i: int) -> str:
        code = self._e_code[i]
        if self._e_anc[i]:
            return f"« {self._e_label[i]} » (commune déléguée {de_commune(self._label(code))})"
        return f"« {self._e_label[i]} » ({code})"
