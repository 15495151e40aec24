"""Commune search for the app: by name (accent-insensitive, tolerant), postal code or INSEE code."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from .matching import Matcher, normalize_name


@dataclass(frozen=True)
class Hit:
    code: str
    nom: str
    departement: str
    why: str        # French: "code INSEE", "code postal 35500", "nom", "ancien nom : Fleurigné", "orthographe proche"

    @property
    def label(self) -> str:
        return f"{self.nom} ({self.departement}) — {self.code}" + ("" if self.why in ("nom", "code INSEE") else f" · {self.why}")


class CommuneSearch:
    def __init__(self, communes: pd.DataFrame, matcher: Matcher | None = None):
        self._matcher = matcher or Matcher(communes)
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

    def _hit(self, i: int, why: str) -> Hit:
        r = self._rows.iloc[i]
        return Hit(r["code"], r["nom"], r["departement"], why)

    def search(self, query: str, limit: int = 8) -> list[Hit]:
        q = (query or "").strip()
        if not q:
            return []
        hits: list[Hit] = []
        seen: set[str] = set()

        def add(i: int, why: str) -> None:
            code = self._rows["code"].iat[i]
            if code not in seen:
                seen.add(code)
                hits.append(self._hit(i, why))

        if re.fullmatch(r"\d{5}|2[ABab]\d{3}", q):
            if q.upper() in self._by_code:
                add(self._by_code[q.upper()], "code INSEE")
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
        for group in (exact, sorted(prefix, key=lambda i: -pop[i]), sorted(words, key=lambda i: -pop[i])):
            for i in group:
                add(i, "nom")
        for k, i, old in self._old:
            if k == key or k.startswith(key):
                add(i, f"ancien nom : {old}")
        if not hits and len(key) >= 4:  # nothing spelled like it: try a tolerant match
            r = self._matcher.resolve(q)
            if r.ok and r.code in self._by_code:
                add(self._by_code[r.code], "orthographe proche" if r.method == "fuzzy" else "nom")
            for c in r.candidates:
                if c.code in self._by_code:
                    add(self._by_code[c.code], "orthographe proche")
        return hits[:limit]
