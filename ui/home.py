"""The home page: the map of Brittany's CPTS; click a commune to read its CPTS.

Data and GeoJSON come cached from ui.data (geo/ does the work); the folium map is rebuilt
identically on each rerun and the selection is drawn with feature_group_to_add, so the map
never jumps or flickers. Deep links: ?commune=<INSEE code>, ?cpts=<id>.
"""
from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo.formatting import fr_int
from geo.search import CommuneSearch
from ui.cards import commune_panel, cpts_card, no_cpts_notice
from ui.data import get_atlas, get_layer_urls, get_map_data
from ui.map import build_base_map, selection_group
from ui.text import md


@st.cache_resource
def _search(_atlas, version: int) -> CommuneSearch:
    return CommuneSearch(_atlas.communes, _atlas.matcher)


def render() -> None:
    atlas = get_atlas()
    md_ = get_map_data()
    S = st.session_state

    search = _search(atlas, id(atlas))

    def select_commune(code: str, zoom_to: bool) -> None:
        S["commune"] = code
        S["cpts"] = None
        if zoom_to and code in md_.centroids:
            S["center"] = md_.centroids[code]
            S["zoom"] = 10

    def select_cpts(cpts_id: str) -> None:
        S["cpts"] = cpts_id
        S["commune"] = None
        t = atlas.territory(cpts_id)
        if t is not None and t.geometry is not None:
            c = t.geometry.representative_point()
            S["center"] = (round(c.y, 5), round(c.x, 5))
            S["zoom"] = 9

    # --- first run: deep links (?commune=35360, ?cpts=pays-de-vitre) -----------------------------
    if "init" not in S:
        S.update(init=True, commune=None, cpts=None, center=None, zoom=None, last_click=None, link_error=None)
        S["fit_on_load"] = not (st.query_params.get("commune") or st.query_params.get("cpts"))
        qp = st.query_params
        if qp.get("commune"):
            code = qp["commune"].strip().upper()
            if atlas.commune(code) is not None:
                select_commune(code, zoom_to=True)
            else:
                S["link_error"] = f"Le lien demande la commune « {qp['commune']} », inconnue du référentiel."
        elif qp.get("cpts"):
            if atlas.territory(qp["cpts"]) is not None:
                select_cpts(qp["cpts"])
            else:
                S["link_error"] = f"Le lien demande la CPTS « {qp['cpts']} », inconnue du registre."

    def handle_click(value: dict | None) -> bool:
        """Select the clicked commune; True if the selection changed. Pans and zooms are ignored."""
        clicked = (value or {}).get("last_object_clicked")
        if not clicked or clicked == S.get("last_click"):
            return False
        S["last_click"] = clicked
        props = ((value or {}).get("last_active_drawing") or {}).get("properties") or {}
        code = props.get("code")
        if not code:
            row = atlas.locator.locate(clicked["lat"], clicked["lng"])
            code = None if row is None else atlas.communes["code"].iat[row]
        if code and code != S.get("commune"):
            select_commune(code, zoom_to=False)
            return True
        return False

    def on_map_change() -> None:
        """streamlit-folium calls this before the rerun: the rerun then draws the new selection at once."""
        handle_click(S.get("carte"))

    def on_search() -> None:
        hits = search.search(S.get("q", ""))
        S["hits"] = hits
        if hits:
            select_commune(hits[0].code, zoom_to=True)

    # --- sidebar: search and options ------------------------------------------------------------
    with st.sidebar:
        st.text_input("Rechercher une commune", key="q", on_change=on_search,
                      placeholder="Nom, code postal ou code INSEE", help="Sans accents ni majuscules : « vitre », « 35500 », « 35360 ».")
        hits = S.get("hits")
        if hits is not None and S.get("q"):
            if not hits:
                st.warning(f"Aucune commune trouvée pour « {md(S['q'])} ».")
            elif len(hits) > 1:
                st.caption("Autres résultats :")
                for h in hits[1:]:
                    st.button(h.label, key=f"hit-{h.code}", on_click=select_commune, args=(h.code, True),
                              use_container_width=True)
        online = st.toggle("Fond de carte en ligne (IGN, OpenStreetMap)", value=False,
                           help="Désactivé par défaut : la carte fonctionne sans Internet.")
        mapped = [t for t in atlas.territories if t.perimetre_connu]
        st.selectbox("Aller à une CPTS", options=[t.id for t in mapped], index=None, key="goto_cpts",
                     format_func=lambda i: atlas.territory(i).nom, placeholder="Choisir une CPTS",
                     on_change=lambda: S["goto_cpts"] and select_cpts(S["goto_cpts"]))

    st.title("Carte des CPTS de Bretagne")
    if S.get("link_error"):
        st.error(md(S["link_error"]))

    left, right = st.columns([0.6, 0.4], gap="medium")

    with left:
        commune = S.get("commune")
        selected_cpts = [t.id for t in atlas.territories_of(commune)] if commune else ([S["cpts"]] if S.get("cpts") else [])
        out = st_folium(
            build_base_map(md_, get_layer_urls()["communes"], online_basemap=online, fit=S["fit_on_load"]),
            key="carte",
            height=680,
            use_container_width=True,
            returned_objects=["last_object_clicked", "last_active_drawing"],
            feature_group_to_add=selection_group(md_, commune, selected_cpts),
            center=S.get("center"),
            zoom=S.get("zoom"),
            on_change=on_map_change,
        )
        st.caption("Contours : IGN — ADMIN EXPRESS ; communes : INSEE — COG 2026 ; populations : INSEE — populations "
                   "légales 2023 ; EPCI : DGCL 2026 (Licence Ouverte 2.0). Périmètres des CPTS : documents sources du "
                   "registre (page Sources).")

    # --- a click on the map selects the commune under it (not pans or zooms) ---------------------
    if handle_click(out):
        st.rerun()  # only when the on_change callback did not already see this click

    # --- shareable URL ------------------------------------------------------------------------
    wanted = {"commune": S["commune"]} if S.get("commune") else ({"cpts": S["cpts"]} if S.get("cpts") else {})
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)

    with right:
        if S.get("commune"):
            commune_panel(atlas, S["commune"])
            ts = atlas.territories_of(S["commune"])
            if not ts:
                no_cpts_notice(atlas)
            elif len(ts) > 1:
                st.warning(f"Cette commune figure dans {len(ts)} CPTS d'après les sources (chevauchement de périmètres).")
            for t in ts:
                cpts_card(atlas, t)
        elif S.get("cpts"):
            cpts_card(atlas, atlas.territory(S["cpts"]))
        else:
            st.subheader("Cliquez sur une commune")
            pop = sum(t.population for t in mapped)
            st.markdown(
                f"La carte montre **{len(mapped)} territoires de CPTS** documentés par les sources du registre "
                f"({len(atlas.territories)} CPTS connues au total), soit **{fr_int(pop)} habitants** "
                "(populations légales 2023, communes comptées une fois par CPTS).\n\n"
                "Cliquez sur une commune pour voir sa CPTS, ou cherchez-la dans le panneau latéral. "
                "Les communes en gris n'appartiennent à aucune CPTS **documentée** : le registre ne contient "
                "pas encore la liste complète de l'ARS.")
            unmapped = [t for t in atlas.territories if not t.perimetre_connu]
            if unmapped:
                st.caption("CPTS connues sans périmètre dans les sources : " + ", ".join(md(t.nom) for t in unmapped) + ".")
