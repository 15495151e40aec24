"""Commune search for the app: by name (accent-insensitive, tolerant), postal code, INSEE code —
current or former (« 35112 », « Fleurigné » -> La Chapelle-Fleurigné, saying since when)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..matching import Matcher, normalize_name


@dataclass(frozen=True)
class Hit:
    code: str
    nom: str
    departement: str
    why: str        # French: "code INSEE", "code postal 35500", "nom", "ancien nom : Fleurigné", "orthographe proche"
    # French, why a former code or name leads here: « Fleurigné fait partie de La Chapelle-Fleurigné
    # depuis le 1er janvier 2024. » (None for a current name or code)
    explication: str | None = None

    @property
    def label(self) -> str:
        return f"{self.nom} ({self.departement}) — {self.code}" + ("" if self.why in ("nom", "code INSEE") else f" · {self.why}")


class CommuneSearch:
    """Search over the loaded referential; with a matcher built with a national index
    (``Matcher(communes, outside=NationalIndex())``) former codes and names are explained with the
    date of the change, and :meth:`outside_note` says when a query is a commune outside the scope."""

    def __init__(self, communes: pd.DataFrame, matcher: Matcher | None = None):
        self._matcher = matcher or Matcher(communes)
        self._national = getattr(self._matcher, "outside", None)
        self._rows = communes[["code", "nom", "departement", "population"]].reset_index(drop=True)
        self._keys = [normalize_name(n) for n in self._rows["nom"]]
        self._by_code = {c: i for i, c in enumerate(self._rows["code"])}
        self._by_cp: dict[str, list[int]] = {}
        for i, cps in enumerate(communes["codes_postaux"]):
            for cp in cps:
                self._by_cp.setdefault(cp, []).append(i)
        self._old: list[tuple[str, int, str]] = []   # (normalised former name, row, former name)
        for i, olds in enumerate(communes["anciens_noms"]):
            self._old += [(normalize_name(o), i, o) for o in olds]
        self._old_code: dict[str, int] = {}           # former INSEE code -> row of its current commune
        for i, olds in enumerate(communes["anciens_codes"]):
            for o in olds:
                self._old_code.setdefault(o, i)

    def _hit(self, i: int, why: str, explication: str | None = None) -> Hit:
        r = self._rows.iloc[i]
        return Hit(r["code"], r["nom"], r["departement"], why, explication)

    def _change(self, former_code: str | None) -> str | None:
        note = self._national.change(former_code) if self._national is not None and former_code else None
        return f"{note}." if note else None

    def _add_old(self, add, i: int, old: str) -> None:
        code = self._rows["code"].iat[i]
        former = self._national.former_code_of(old, code) if self._national is not None else None
        add(i, f"ancien nom : {old}", self._change(former))

    def search(self, query: str, limit: int = 8) -> list[Hit]:
        q = (query or "").strip()
        if not q:
            return []
        hits: list[Hit] = []
        seen: set[str] = set()

        def add(i: int, why: str, explication: str | None = None) -> None:
            code = self._rows["code"].iat[i]
            if code not in seen:
                seen.add(code)
                hits.append(self._hit(i, why, explication))

        if re.fullmatch(r"\d{5}|2[ABab]\d{3}", q):
            q = q.upper()
            if q in self._by_code:
                add(self._by_code[q], "code INSEE")
            elif q in self._old_code:
                add(self._old_code[q], f"ancien code INSEE {q}", self._change(q))
            for i in sorted(self._by_cp.get(q, []), key=lambda i: -(self._rows["population"].iat[i] or 0)):
                add(i, f"code postal {q}")
            return hits[:limit]

        key = normalize_name(q)
        if not key:
            return []
        pop = self._rows["population"].fillna(0).to_numpy()
        exact = [i for i, k in enumerate(self._keys) if k == key]
        prefix = [i for i, k in enumerate(self._keys) if k.startswith(key) and k != key]
        words = [i for i, k in enumerate(self._keys) if f" {key}" in f" {k}" and not k.startswith(key)]
        for i in exact:
            add(i, "nom")
        # a former name typed whole comes before current names that merely contain it (« Fleurigné »)
        olds = [(k, i, old) for k, i, old in self._old if k == key] + \
               [(k, i, old) for k, i, old in self._old if k.startswith(key) and k != key]
        for k, i, old in olds[: len([o for o in olds if o[0] == key])]:
            self._add_old(add, i, old)
        for group in (sorted(prefix, key=lambda i: -pop[i]), sorted(words, key=lambda i: -pop[i])):
            for i in group:
                add(i, "nom")
        for k, i, old in olds:
            self._add_old(add, i, old)
        if not hits and self.outside_note(q):
            return []  # a real commune elsewhere: no look-alike here (the caller shows outside_note)
        if not hits and len(key) >= 4:  # nothing spelled like it: try a tolerant match
            r = self._matcher.resolve(q)
            if r.ok and r.code in self._by_code:
                add(self._by_code[r.code], "orthographe proche" if r.method == "fuzzy" else "nom")
            for c in r.candidates:
                if c.code in self._by_code:
                    add(self._by_code[c.code], "orthographe proche")
        return hits[:limit]

    def outside_note(self, query: str) -> str | None:
        """« Paris (75056, Paris, Île-de-France) est une commune réelle, hors du territoire chargé
        (Bretagne, …). » when the query names or codes a commune outside the loaded scope."""
        return self._matcher.outside_note(query) if hasattr(self._matcher, "outside_note") else None
