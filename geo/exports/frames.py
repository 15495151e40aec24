"""The tables users take away, as pandas frames with French column names: the comparison of
the CPTS (declared and computed figures side by side, plus the classes of the thematic indicators)
and the commune → CPTS list; and the territories as GeoJSON (figures and indicator values; a CPTS
without documented perimeter is a feature with a null geometry: nothing is dropped).

Content only: the CSV/XLSX encodings are in spreadsheet.py, the assembly of a file in tables.py.
Builds on geo/views/tables.py and geo/views/downloads.py."""
from __future__ import annotations

import json
import math

import pandas as pd

from ..views import downloads, tables
from ..views.indicators import NON_RENSEIGNE, classify
from .common import ExportError

TABLES = ("comparaison", "communes")
NO_CPTS = "Aucune CPTS documentée"

COMPARISON_COLUMNS = {
    "id": "Identifiant",
    "nom": "CPTS",
    "statut": "Étape du cycle de vie",
    "date_aci": "Date de signature de l'ACI",
    "population_declaree": "Population déclarée",
    "population_declaree_date": "Date de la population déclarée",
    "population_calculee": "Population calculée (INSEE)",
    "population_millesime": "Millésime de la population calculée",
    "ecart_pct": "Écart calculé − déclaré (%)",
    "communes_declarees": "Communes déclarées",
    "communes_calculees": "Communes (COG, calculé)",
    "financement": "Financement déclaré (€)",
    "financement_annee": "Année du financement",
    "eur_par_habitant": "Financement par habitant déclaré (€)",
    "sans_medecin_traitant_pct": "Patients sans médecin traitant (%, déclaré)",
    "sans_medecin_traitant_qualificatif": "Qualificatif (sans médecin traitant)",
    "taille_aci_declaree": "Taille ACI déclarée",
    "taille_aci_calculee": "Taille ACI calculée",
    "perimetre": "Périmètre",
    "sources": "Sources",
}
# indicator key -> column of its class
CLASS_COLUMNS = {
    "population": "Classe de population (taille ACI)",
    "sans_medecin_traitant": "Classe sans médecin traitant",
    "financement_par_habitant": "Classe de financement par habitant",
    "annee_signature": "Année de signature",
}
COMMUNE_COLUMNS = {
    "code_insee": "Code INSEE",
    "commune": "Commune",
    "departement": "Département",
    "epci": "EPCI",
    "population_municipale": "Population municipale",
    "millesime_population": "Millésime de la population",
    "cpts_id": "Identifiant CPTS",
    "cpts_nom": "CPTS",
    "perimetre_cpts": "Périmètre de la CPTS",
    "resolution": "Rattachement à la CPTS",
}
# decimals written for float columns (others: integers or text)
DECIMALS = {"Écart calculé − déclaré (%)": 1, "Financement déclaré (€)": 0,
            "Financement par habitant déclaré (€)": 2, "Patients sans médecin traitant (%, déclaré)": 1}
# columns holding dates (ISO text in the frame; real dates in the XLSX)
DATE_COLUMNS = ("Date de signature de l'ACI", "Date de la population déclarée")


def comparison_frame(atlas) -> pd.DataFrame:
    """One row per CPTS: declared and computed figures side by side, plus the indicator classes."""
    df = tables.comparison_table(atlas.territories, atlas.registry)
    df = df.rename(columns={k: v for k, v in COMPARISON_COLUMNS.items() if k in df.columns})
    for key, col in CLASS_COLUMNS.items():
        c = classify(key, atlas.territories, atlas.registry)
        labels = {tid: (NON_RENSEIGNE.label if cls is NON_RENSEIGNE else cls.label) for tid, cls in c.classes.items()}
        df[col] = [labels[i] for i in df[COMPARISON_COLUMNS["id"]]]
    return df


def communes_frame(atlas) -> pd.DataFrame:
    """One row per (commune, CPTS); the scope's communes in no documented CPTS have one row saying so."""
    from ..scope import scope_region
    rows = downloads.commune_cpts_rows(atlas.communes, atlas.territories, scope_region(atlas))
    df = pd.DataFrame(rows, columns=[COMMUNE_COLUMNS.get(h, h) for h in downloads.COMMUNE_CPTS_HEADER])
    name_col, id_col = COMMUNE_COLUMNS["cpts_nom"], COMMUNE_COLUMNS["cpts_id"]
    df[name_col] = [NO_CPTS if (i is None or (isinstance(i, float) and math.isnan(i))) else n
                    for i, n in zip(df[id_col], df[name_col])]
    for col in (COMMUNE_COLUMNS["population_municipale"], COMMUNE_COLUMNS["millesime_population"]):
        df[col] = pd.array(df[col].tolist(), dtype="Int64")
    return df


def table_frame(atlas, name: str) -> pd.DataFrame:
    if name == "comparaison":
        return comparison_frame(atlas)
    if name == "communes":
        return communes_frame(atlas)
    raise ExportError(f"table inconnue « {name} » (tables : {', '.join(TABLES)})")


def territories_geojson(atlas) -> str:
    """FeatureCollection of the territories: downloads.territories_geojson (mapped ones, with their
    dissolved contour) + indicator values, + one null-geometry feature per unmapped CPTS."""
    fc = json.loads(downloads.territories_geojson(atlas.territories))
    cls = {k: classify(k, atlas.territories, atlas.registry) for k in CLASS_COLUMNS}
    by_id = {f["properties"]["id"]: f for f in fc["features"]}
    for t in atlas.territories:
        if t.id not in by_id:
            d = t.to_dict()
            fc["features"].append({"type": "Feature", "geometry": None, "properties": d})
            by_id[t.id] = fc["features"][-1]
        p = by_id[t.id]["properties"]
        p["indicateurs"] = {
            k: {"valeur": c.values[t.id].value, "texte": c.values[t.id].text, "nature": c.values[t.id].nature,
                "classe": c.classes[t.id].label}
            for k, c in cls.items()}
    order = {t.id: i for i, t in enumerate(atlas.territories)}
    fc["features"].sort(key=lambda f: order[f["properties"]["id"]])
    return json.dumps(fc, ensure_ascii=False)


__all__ = ["TABLES", "NO_CPTS", "COMPARISON_COLUMNS", "CLASS_COLUMNS", "COMMUNE_COLUMNS", "DECIMALS", "DATE_COLUMNS",
           "comparison_frame", "communes_frame", "table_frame", "territories_geojson"]
