"""Comparer: every CPTS side by side — declared and computed indicators, then missions × CPTS."""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from geo.views.facts import short_source
from geo.registry import MISSIONS
from geo.views.tables import comparison_table, cpts_without_missions, mission_actions, missions_matrix
from ui.data import get_atlas
from ui.pages_common import (FMT_DATE, FMT_EUR, FMT_EUR_CENTS, FMT_INT, FMT_PCT, FMT_SIGNED_PCT1, FMT_YEAR,
                             attribution_caption, frame, french_table, partial_registry_caption, text_table)
from ui.text import md

st.set_page_config(layout="wide", page_title="Comparer les CPTS — Carte des CPTS")

atlas = get_atlas()
reg = atlas.registry
Col = st.column_config

st.title("Comparer les CPTS")
partial_registry_caption(atlas)
st.markdown(
    f"Les **{len(atlas.territories)} CPTS du registre**, côte à côte. Une valeur **déclarée** vient d'un document "
    "source (sa date est dans la colonne voisine) ; une valeur **calculée** vient des données de l'INSEE "
    "(COG 2026, populations légales) sur le périmètre décrit par les sources. « non renseigné » : aucune source "
    "du registre ne donne la valeur. Cliquez sur un en-tête de colonne pour trier.")

df = comparison_table(atlas.territories, reg)
shown = df.drop(columns=["id", "sans_medecin_traitant_qualificatif"])
styler = french_table(shown, {
    "date_aci": FMT_DATE, "population_declaree": FMT_INT, "population_declaree_date": FMT_DATE,
    "population_calculee": FMT_INT, "population_millesime": FMT_YEAR, "ecart_pct": FMT_SIGNED_PCT1,
    "communes_declarees": FMT_INT, "communes_calculees": FMT_INT, "financement": FMT_EUR,
    "financement_annee": FMT_YEAR, "eur_par_habitant": FMT_EUR_CENTS, "sans_medecin_traitant_pct": FMT_PCT,
    "taille_aci_declaree": FMT_INT, "taille_aci_calculee": FMT_INT,
})
# « plus de 11 % » : the qualifier travels with the value it qualifies.
for i, q in df["sans_medecin_traitant_qualificatif"].items():
    if isinstance(q, str) and q:
        styler = styler.format(lambda v, q=q: f"{q} {FMT_PCT(v)}", subset=pd.IndexSlice[[i], ["sans_medecin_traitant_pct"]])

# What people compare first, visible without scrolling sideways on a 1366 px laptop (issue 9.8), with
# whole CPTS names (« CPTS Pays de Ploërmel Cœur de Bretagne » needs ~260 px: at 175 px the names were cut)
# and whole « non renseigné » cells; the other columns (€ per inhabitant, dates of the sources, millésime,
# counts of communes, ACI size, sources) open on demand. Widths add up to 900 px: a 1366 px screen gives the
# grid 905 px, its borders included (at 905 px it scrolled by 1 px).
ESSENTIAL = ["nom", "population_declaree", "population_calculee", "ecart_pct", "sans_medecin_traitant_pct",
             "financement", "date_aci"]
everything = st.toggle("Toutes les colonnes", key="cmp_all",
                       help="Ajoute le financement par habitant, l'étape, les dates des sources, le millésime INSEE, les communes déclarées et "
                            "calculées, l'année du financement, la taille ACI, le périmètre et les sources.")
frame(
    styler, height=38 + 35 * len(shown), column_order=None if everything else ESSENTIAL,
    column_config={
        "nom": Col.TextColumn("CPTS", pinned=True, width=260),
        "statut": Col.TextColumn("Étape", help="Dernière étape du cycle de vie datée par les sources (déclaré)."),
        "date_aci": Col.TextColumn("ACI signé le", width=120,
                                   help="Signature de l'accord conventionnel interprofessionnel (déclaré)."),
        "population_declaree": Col.NumberColumn("Pop. déclarée", width=95,
                                                help="Habitants annoncés par la source, à sa date (déclaré)."),
        "population_declaree_date": Col.TextColumn("… à la date du", help="Date du document qui déclare la population."),
        "population_calculee": Col.NumberColumn(
            "Pop. calculée", width=95,
            help="Somme des populations municipales INSEE des communes du périmètre (calculé)."),
        "population_millesime": Col.NumberColumn("Millésime INSEE", help="Populations légales utilisées pour le calcul."),
        "ecart_pct": Col.NumberColumn("Écart", width=95,
                                      help="(calculée − déclarée) / déclarée ; millésimes et dates différents (calculé)."),
        "communes_declarees": Col.NumberColumn("Communes déclarées", help="Nombre annoncé par la source (déclaré)."),
        "communes_calculees": Col.NumberColumn("Communes COG 2026", help="Communes actuelles du périmètre (calculé)."),
        "financement": Col.NumberColumn("Financement", width=95, help="Montant annoncé par la source (déclaré)."),
        "financement_annee": Col.NumberColumn("Année du financement"),
        "eur_par_habitant": Col.NumberColumn(
            "€ / hab.", width=90,
            help="Financement ÷ population déclarée, deux chiffres du même document (calculé)."),
        "sans_medecin_traitant_pct": Col.NumberColumn(
            "Sans médecin traitant", width=140,
            help="Part de patients sans médecin traitant donnée par la source (déclaré) ; population et année "
                 "varient : voir la fiche."),
        "taille_aci_declaree": Col.NumberColumn("Taille ACI déclarée", help="Classe de taille annoncée (déclaré)."),
        "taille_aci_calculee": Col.NumberColumn(
            "Taille ACI calculée", help="Classe de l'ACI d'après la population calculée ; non calculée pour un "
                                        "périmètre approché."),
        "perimetre": Col.TextColumn("Périmètre", help="documenté, approché (la source ne nomme pas toutes les "
                                                      "communes) ou non documenté."),
        "sources": Col.TextColumn("Sources", width="large"),
    },
)
approx = [t.nom for t in atlas.territories if t.approximatif]
if approx:
    st.caption("Périmètre approché pour " + ", ".join(md(n) for n in approx) + " : la population calculée et "
               "l'écart sont indicatifs. Le détail de chaque chiffre, avec sa citation, est sur la page Fiches CPTS.")

# --- missions -------------------------------------------------------------------------------
st.header("Missions de l'ACI")
st.markdown("Nombre d'actions citées par les sources pour chaque mission de l'accord conventionnel "
            "interprofessionnel (4 missions socles obligatoires, 2 complémentaires). :blue-badge[déclaré]")
matrix = missions_matrix(atlas.territories)
cpts_cols = [c for c in matrix.columns if c not in ("mission", "type")]
cells = matrix.copy()
for c in cpts_cols:
    cells[c] = [f"✓ {n} action{'s' if n > 1 else ''}" if n else "—" for n in matrix[c]]
# A static table whose texts wrap (text_table escapes every cell and header: CPTS names are file text):
# in a grid the mission names were cut at 300 px and the fourth CPTS fell off a 1366 px screen.
short = {c: re.sub(r"^CPTS (du |des |de |d')?", "", c) for c in cpts_cols}
if len(set(short.values())) < len(short):     # two CPTS would share a header: keep their full names
    short = {c: c for c in cpts_cols}
text_table(cells, {"mission": "Mission", "type": "Type"} | {c: md(n) for c, n in short.items()})   # headers: Markdown
described = [t for t in atlas.territories if t.cpts.missions is not None]
st.caption("— : aucune action citée par la source pour cette mission (ce qui ne prouve pas qu'il n'y en a pas). "
           "Sources : " + " ; ".join(f"{md(t.nom)} — {md(short_source(t.cpts.missions.source, reg))}" for t in described)
           + ".")
missing = cpts_without_missions(atlas.territories)
if missing:
    st.caption("Missions non renseignées par les sources pour : " + ", ".join(md(t.nom) for t in missing) + ".")

labels = {m.key: f"{m.label} ({m.kind})" for m in MISSIONS}
key = st.selectbox("Voir les actions d'une mission", options=list(labels), index=None, format_func=labels.get,
                   placeholder="Choisir une mission")
if key:
    actions = mission_actions(atlas.territories, key, reg)
    if not actions:
        st.info("Aucune action citée par les sources pour cette mission.")
    by_cpts: dict[str, list[dict]] = {}
    for a in actions:
        by_cpts.setdefault(a["cpts"], []).append(a)
    for nom, items in by_cpts.items():
        st.markdown(f"**{md(nom)}** — {md(items[0]['source'])}\n"
                    + "\n".join(f"- {md(a['action'])}" + (f" *({md(a['note'])})*" if a["note"] else "") for a in items))

attribution_caption()
