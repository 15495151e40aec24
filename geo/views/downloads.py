"""The files the app hands out: communes → CPTS CSV, quality report CSV, territories GeoJSON.

CSV files are written for Excel FR (UTF-8 with BOM, ``;``) by ``geo.registry.export.to_csv_bytes``,
which neutralises every cell a spreadsheet would take for a formula.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

from ..territories import Territory, territories_frame
from .coverage import REGION_BRETAGNE, owners_by_commune
from .tables import commune_table


def to_excel_csv(rows: Iterable[Iterable[object]], header: list[str]) -> bytes:
    """UTF-8 with BOM, ';' separator, CRLF (what Excel FR opens directly), every cell neutralised against
    formula injection — the writer of ``geo.registry.export``, shared by every CSV download."""
    from ..registry.export import to_csv_bytes

    return to_csv_bytes(header, ([None if (v is not None and not isinstance(v, str) and pd.isna(v)) else v for v in row]
                                 for row in rows))


COMMUNE_CPTS_HEADER = ["code_insee", "commune", "departement", "epci", "population_municipale",
                       "millesime_population", "cpts_id", "cpts_nom", "perimetre_cpts", "resolution"]


def commune_cpts_rows(communes: pd.DataFrame, territories: list[Territory],
                      region: str | None = REGION_BRETAGNE) -> list[list[object]]:
    """One row per (commune, documented CPTS), then every commune of the ``region`` (geo/scope.py;
    None: every commune) in no documented CPTS (empty CPTS columns). Ordered by INSEE code, then
    CPTS name."""
    tables = {t.id: commune_table(t, communes).set_index("code")["resolution"] for t in territories if t.perimetre_connu}
    owners = owners_by_commune(territories)
    ref = pd.DataFrame(communes[["code", "nom", "departement", "epci_nom", "population", "population_millesime", "region"]])
    keep = ref if region is None else ref[(ref["region"] == region) | ref["code"].isin(owners.keys())]
    keep = keep.sort_values("code")
    rows = []
    for r in keep.itertuples(index=False):
        base = [r.code, r.nom, r.departement, None if pd.isna(r.epci_nom) else r.epci_nom,
                None if pd.isna(r.population) else int(r.population), int(r.population_millesime)]
        ts = sorted(owners.get(r.code, []), key=lambda t: t.nom)
        if not ts:
            rows.append(base + [None, None, None, None])
        for t in ts:
            rows.append(base + [t.id, t.nom, "approché" if t.approximatif else "documenté", tables[t.id][r.code]])
    return rows


def commune_cpts_csv(communes: pd.DataFrame, territories: list[Territory], region: str | None = REGION_BRETAGNE) -> bytes:
    return to_excel_csv(commune_cpts_rows(communes, territories, region), COMMUNE_CPTS_HEADER)


QUALITY_HEADER = ["cpts_id", "cpts_nom", "gravite", "type", "message"]

#: French words for the machine kinds of geo.territories.Discrepancy (unknown kinds show as is).
QUALITY_KIND_LABELS = {
    "registre": "avertissement du registre", "nom_non_resolu": "commune non retrouvée",
    "epci_non_resolu": "EPCI non retrouvé", "nom_corrige": "nom corrigé", "ancien_nom": "ancien nom",
    "homonyme": "homonyme écarté", "noms_fusionnes": "communes fusionnées", "epci": "EPCI reconnu",
    "liste_incomplete": "liste incomplète", "hors_epci": "commune hors EPCI", "compte_liste": "compte de la liste",
    "compte_communes": "nombre de communes", "population": "population", "perimetre_approche": "périmètre approché",
    "perimetre_inconnu": "périmètre non documenté", "perimetre_importe": "périmètre importé",
    "chevauchement": "chevauchement", "taille_aci": "taille ACI",
}


def quality_kind_label(kind: str) -> str:
    return QUALITY_KIND_LABELS.get(kind, kind)


def quality_csv(rows: list[dict]) -> bytes:
    """geo.registry.quality.quality_report(...).rows as CSV (gravité in French words)."""
    from ..registry.quality import SEVERITY_LABELS

    return to_excel_csv(([r["cpts_id"], r["cpts_nom"], SEVERITY_LABELS.get(r["gravite"], r["gravite"]), r["type"],
                          r["message"]] for r in rows), QUALITY_HEADER)


def territories_geojson(territories: list[Territory]) -> str:
    """GeoJSON FeatureCollection (EPSG:4326), one feature per mapped territory: its figures
    (``Territory.to_dict``), its INSEE codes and its dissolved contour."""
    gdf = territories_frame(territories)
    fc = json.loads(gdf.to_json(na="null", drop_id=True, ensure_ascii=False))
    codes = {t.id: list(t.codes) for t in territories}
    for f in fc["features"]:
        p = f["properties"]
        for k in ("population_declaree", "communes_declarees"):
            if isinstance(p.get(k), float) and p[k].is_integer():
                p[k] = int(p[k])
        p["communes"] = codes[p["id"]]
    return json.dumps(fc, ensure_ascii=False)
