"""Everything the app and the CLI need, loaded once: referential, registry, territories, locator.

``Atlas.load()`` reads the committed files; it is the one object the Streamlit app caches
(st.cache_resource) and the CLI builds per process.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from .matching import Matcher
from .referential.locator import CommuneLocator
from .referential.national import FRANCE_INDEX, NationalIndex
from .paths import COMMUNES_PARQUET, REGISTRY_DIR
from .referential import load_communes
from .registry import Registry, load_registry
from .territories import Territory, build_territories, cpts_by_commune

if TYPE_CHECKING:
    from .scope import Scope


@dataclass
class Atlas:
    communes: gpd.GeoDataFrame
    registry: Registry
    matcher: Matcher
    territories: list[Territory]
    locator: CommuneLocator
    scope: Scope | None = None   # None: the file given to load(), every CPTS of the registry

    @classmethod
    def load(cls, communes_path: Path = COMMUNES_PARQUET, registry_root: Path = REGISTRY_DIR,
             scope: Scope | None = None) -> "Atlas":
        """``scope`` (geo/scope.py) replaces ``communes_path`` by the scope's referential and keeps the
        territories of the CPTS whose départements meet the scope's (the registry stays whole)."""
        if scope is not None:
            communes_path = scope.communes_path
        communes = load_communes(communes_path)
        registry = load_registry(registry_root)
        matcher = Matcher(communes)
        shown = registry if scope is None else dataclasses.replace(
            registry, cpts=[c for c in registry.cpts if scope.includes(c.departements)])
        territories = build_territories(shown, communes, matcher)
        # Then the national index (read on first use only): links, search and imports say which
        # commune lies outside the scope and since when a former code belongs to its commune. The
        # registry's perimeters above are resolved without it: same messages, nothing more to read.
        index = scope.france_index if scope is not None else Path(communes_path).with_name(FRANCE_INDEX.name)
        matcher.outside = NationalIndex(index)
        return cls(communes, registry, matcher, territories, CommuneLocator(communes), scope)

    def __post_init__(self):
        self._by_commune = cpts_by_commune(self.territories)
        self._by_id = {t.id: t for t in self.territories}
        self._row_of = {c: i for i, c in enumerate(self.communes["code"])}

    def resolve_link_code(self, code: str) -> tuple[str | None, str | None]:
        """A commune code from a link (``?commune=``): (current code in the referential or None,
        French explanation or None).  « 35112 » -> ("35062", « Fleurigné fait partie de La
        Chapelle-Fleurigné depuis le 1er janvier 2024. »); « 75056 » -> (None, « Paris (75056, …)
        est une commune réelle, hors du territoire chargé (Bretagne, …). »)."""
        code = str(code or "").strip().upper()
        if code in self._row_of:
            return code, None
        targets = self.matcher._ancien_code.get(code, [])
        if len(targets) == 1:
            return targets[0], self.matcher.change_note(code).strip() or (
                f"{code} est un ancien code INSEE de {self.matcher.nom(targets[0])} ({targets[0]}).")
        return None, self.matcher.outside_note(code)

    def territory(self, cpts_id: str) -> Territory | None:
        return self._by_id.get(cpts_id)

    def territories_of(self, code: str) -> list[Territory]:
        return self._by_commune.get(code, [])

    def commune(self, code: str):
        """The referential row (a pandas Series) of an INSEE code, or None."""
        i = self._row_of.get(code)
        return None if i is None else self.communes.iloc[i]

    def commune_dict(self, code: str) -> dict | None:
        """The commune's attributes as plain JSON-ready values (built once for all communes)."""
        if not hasattr(self, "_dicts"):
            cols = ["code", "nom", "departement", "departement_nom", "region", "epci_siren", "epci_nom",
                    "population", "population_millesime", "codes_postaux"]
            self._dicts = {}
            for r in self.communes[cols].to_dict("records"):
                r = {k: _none(v) for k, v in r.items()}
                r["population"] = None if r["population"] is None else int(r["population"])
                r["population_millesime"] = int(r["population_millesime"])
                r["codes_postaux"] = list(r["codes_postaux"])
                self._dicts[r["code"]] = r
        d = self._dicts.get(code)
        return None if d is None else dict(d)

    def lookup_many(self, lats, lons) -> list[dict]:
        rows = self.locator.locate_many(lats, lons)
        codes = self.communes["code"].to_numpy()
        out = []
        briefs = {c: [_cpts_brief(t) for t in ts] for c, ts in self._by_commune.items()}
        for i in rows:
            if i < 0:
                out.append({"commune": None, "cpts": []})
                continue
            code = codes[i]
            out.append({"commune": self.commune_dict(code), "cpts": [dict(b) for b in briefs.get(code, [])]})
        return out

    def lookup(self, lat: float, lon: float) -> dict:
        return self.lookup_many([lat], [lon])[0]


def _none(v):
    """pandas' missing values (NaN, NA) as None; lists and other values unchanged."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return v
    return None if pd.isna(v) else v


def _cpts_brief(t: Territory) -> dict:
    return {"id": t.id, "nom": t.nom, "nom_connu": t.cpts.nom_connu, "statut": t.cpts.statut.etape,
            "approximatif": t.approximatif}
