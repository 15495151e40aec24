"""Fiches CPTS: one CPTS at a time — its card, its territory, its communes and how each was found.

``?cpts=<id>`` selects a CPTS; choosing one in the list updates the URL (shareable link).
"""
from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo.formatting import plural
from geo.mapdata import territory_colors
from geo.registry import format_source
from geo.scope import scope_of
from geo.views.tables import commune_table
from ui.cards import cpts_card
from ui.data import get_atlas, get_map_data
from ui.exports import fiche_pdf_button, map_png_button
from ui.fiche_map import fiche_map
from ui.pages_common import FMT_INT, attribution_caption, frame, french_table, partial_registry_caption
from ui.text import md

st.set_page_config(layout="wide", page_title="Fiches CPTS — Carte des CPTS")

atlas = get_atlas()
S = st.session_state
ids = [t.id for t in atlas.territories]
KEY = "fiche_cpts"
if not ids:   # a scope (geo/scope.py) the registry does not cover yet
    st.title("Fiches CPTS")
    st.info(f"Le registre ne décrit encore aucune CPTS {md(scope_of(atlas).de_nom)}. Choisissez un autre territoire "
            "dans le panneau latéral, ou importez la liste de ses CPTS (page Importer).")
    st.stop()

# --- the URL decides (deep link), the list writes back to the URL ------------------------------
wanted = st.query_params.get("cpts")
link_error = None
if wanted:
    if wanted in ids:
        S[KEY] = wanted
    else:
        link_error = f"Le lien demande la CPTS « {wanted} », inconnue du registre. Choisissez-en une dans la liste."
if S.get(KEY) not in ids:
    S[KEY] = next((t.id for t in atlas.territories if t.perimetre_connu), ids[0])
if not wanted:
    st.query_params["cpts"] = S[KEY]


def _on_choose() -> None:
    st.query_params["cpts"] = S[KEY]


def _label(cpts_id: str) -> str:
    t = atlas.territory(cpts_id)
    return t.nom + ("" if t.perimetre_connu else " — périmètre non documenté")


st.title("Fiches CPTS")
partial_registry_caption(atlas)
if link_error:
    st.error(md(link_error))
st.selectbox("CPTS", options=ids, key=KEY, format_func=_label, on_change=_on_choose,
             help="Les CPTS du registre (documents sources). Le lien de la page désigne la CPTS choisie.")
t = atlas.territory(S[KEY])
b1, b2, _ = st.columns([0.2, 0.2, 0.6])
with b1:
    fiche_pdf_button(t.id, key="fiche-pdf")
with b2:
    map_png_button("cpts", t.id if t.perimetre_connu else None, key="fiche-png")

left, right = st.columns([0.48, 0.52], gap="large")
with left:
    cpts_card(atlas, t, full=True)

with right:
    if t.perimetre_connu:
        st.subheader("Territoire")
        md_ = get_map_data()
        color = territory_colors(atlas.territories)[t.id]
        # a tile-drawn scope (France) gets the CPTS's own small layers: ui/fiche_map.py
        st_folium(fiche_map(md_, t, color), key=f"fiche-carte-{t.id}", height=420,
                  use_container_width=True, returned_objects=[])
        if t.approximatif:
            st.warning("Périmètre approché : la carte montre les communes que les sources permettent d'identifier, "
                       "pas nécessairement le territoire exact.")
    else:
        st.subheader("Territoire")
        st.info("**Périmètre non documenté.** Aucun document source du registre ne donne la liste des communes de "
                "cette CPTS : elle n'apparaît pas sur la carte et n'entre dans aucun calcul de population ni de "
                "couverture.")
        c = t.cpts
        dep_names = dict(zip(atlas.communes["departement"], atlas.communes["departement_nom"]))
        deps = ", ".join(f"{md(dep_names.get(d, d))} ({md(d)})" for d in c.departements) or "non renseigné"
        lines = [f"- {'Départements cités' if len(c.departements) > 1 else 'Département cité'} : {deps}"]
        if c.perimetre.note:
            lines.append(f"- Périmètre : {md(c.perimetre.note)}")
        lines.append("- Chiffres, étapes et notes du registre : voir la fiche ci-contre.")
        st.markdown("**Ce que disent les sources**\n" + "\n".join(lines))
        st.caption("Sources : " + " ; ".join(md(format_source(j.source, atlas.registry))
                                            for j in dict((j.source, j) for j in c.statut.jalons).values()))

# --- communes: full width under the card and the map, so every column shows on a laptop (issue 9.8) --
if t.perimetre_connu:
    st.subheader("Communes du territoire")
    table = commune_table(t, atlas.communes)
    one_dep = table["departement"].nunique() == 1
    st.markdown(
        f"**{plural(t.n_communes, 'commune')}**, **{plural(t.population, 'habitant')}** :green-badge[calculé]")
    st.caption(f"INSEE, COG 2026 et populations légales {t.population_millesime} (population municipale), "
               "sur le périmètre décrit par les sources"
               + (f" ; département de toutes : {md(table['departement'].iloc[0])}." if one_dep and len(table) else "."))
    frame(
        french_table(table, {"population": FMT_INT}),
        height=min(38 + 35 * len(table), 560),
        # widths add up to the 905 px of the main area on a 1366 px laptop (issue 9.8); one département:
        # said in the caption, its column would only take the room of the others
        column_order=[c for c in table.columns if not (one_dep and c == "departement")],
        column_config={
            "code": st.column_config.TextColumn("Code INSEE", width=80),
            "nom": st.column_config.TextColumn("Commune", width=180),
            "departement": st.column_config.TextColumn("Département", width=145),
            "epci": st.column_config.TextColumn("EPCI (DGCL 2026)", width=200),
            "population": st.column_config.NumberColumn(
                f"Population {t.population_millesime}", width=105, help="Population municipale, INSEE (calculé)"),
            "resolution": st.column_config.TextColumn(
                "Rattachement", width=190,
                help="Comment le nom écrit par la source a été rattaché à la commune du COG 2026."),
        },
    )
    st.caption(
        "Rattachement — « nom exact » : écrit comme au COG (à la typographie près quand « écrit … ») ; « corrigé "
        "de » : faute de frappe corrigée automatiquement ; « ancien nom » : commune déléguée ou associée depuis une "
        "fusion ; « d'après l'EPCI » : commune de l'intercommunalité citée par la source, absente de sa liste "
        "nominative.")


attribution_caption()
