"""The home page: the map of Brittany's CPTS; click a commune to read its CPTS.

Data and GeoJSON come cached from ui.data (geo/ does the work); the folium map is rebuilt
identically on each rerun and the selection is drawn with feature_group_to_add, so the map
never jumps or flickers. Deep links: ?commune=<INSEE code>, ?cpts=<id>, ?mode=presentation.
Views: colour by an indicator (geo/views/indicators.py), coverage at a date (geo/views/timeline.py), and a
presentation mode for meetings (no sidebar, large type, names on the map, next/previous CPTS).
"""
from __future__ import annotations

import datetime as dt

import streamlit as st

from geo.formatting import fr_date, fr_int, plural
from geo.views.indicators import INDICATORS, classify
from geo.referential.search import CommuneSearch
from geo.views.region_split import map_note, region_split
from geo.views.timeline import signature_events, timeline_view
from ui.cards import commune_panel, cpts_card, no_cpts_notice
from geo.scope import scope_of, scope_region
from ui.data import _data_version, get_atlas, get_map_data, map_scope_note
from ui.exports import fiche_pdf_button, map_png_button, tables_xlsx_button
from ui.map import MapStyle, default_legend, thematic_style
from ui.map_component import base_map_pieces, home_selection, show_map
from ui.pages_common import partial_registry_caption
from ui.scope import scope_params
from ui import presentation as presentation_mode
from ui.text import md

S = st.session_state
TODAY = "aujourd'hui"


@st.cache_resource
def _search(_atlas, version: int) -> CommuneSearch:
    return CommuneSearch(_atlas.communes, _atlas.matcher)


# --- selection ------------------------------------------------------------------------------

def select_commune(code: str, zoom_to: bool) -> None:
    S["commune"], S["cpts"] = code, None
    md_ = get_map_data()
    if zoom_to and code in md_.centroids:
        S["center"], S["zoom"] = md_.centroids[code], 10


def select_cpts(cpts_id: str) -> None:
    S["cpts"], S["commune"] = cpts_id, None
    t = get_atlas().territory(cpts_id)
    if t is not None and t.geometry is not None:
        c = t.geometry.representative_point()
        S["center"], S["zoom"] = (round(c.y, 5), round(c.x, 5)), 9


def handle_click(value: dict | None) -> bool:
    """Select the clicked commune; True if the selection changed. Pans and zooms are ignored."""
    clicked = (value or {}).get("last_object_clicked")
    if not clicked or clicked == S.get("last_click"):
        return False
    S["last_click"] = clicked
    props = ((value or {}).get("last_active_drawing") or {}).get("properties") or {}
    code = props.get("code")
    atlas = get_atlas()
    if not code:
        row = atlas.locator.locate(clicked["lat"], clicked["lng"])
        code = None if row is None else atlas.communes["code"].iat[row]
    if code and code != S.get("commune"):
        select_commune(code, zoom_to=False)
        return True
    return False


def on_map_change() -> None:
    """streamlit-folium calls this before the rerun: the rerun then draws the new selection at once.
    The rerun is the map's fragment's; the open export buttons' fragment reruns with it when the
    CPTS they are about changed."""
    before = export_focus()
    handle_click(S.get("carte"))
    if S.get("exports_open") and export_focus() != before:
        st.rerun(scope=[MAP_FRAGMENT, EXPORTS_FRAGMENT])


def on_search() -> None:
    search = _search(get_atlas(), id(get_atlas()))
    hits = search.search(S.get("q", ""))
    S["hits"] = hits
    # a former code or name says since when it belongs to its commune; a commune outside the scope says so
    S["hits_note"] = hits[0].explication if hits else search.outside_note(S.get("q", ""))
    if hits:
        select_commune(hits[0].code, zoom_to=True)


def _init_from_url(atlas) -> None:
    if "init" in S:
        return
    qp = st.query_params
    S.update(init=True, commune=None, cpts=None, center=None, zoom=None, last_click=None, link_error=None, link_note=None,
             presentation=qp.get("mode") == "presentation", indicateur="cpts", timeline=False, online=False)
    S["fit_on_load"] = not (qp.get("commune") or qp.get("cpts"))
    if qp.get("commune"):
        code, why = atlas.resolve_link_code(qp["commune"])  # a former code opens its current commune
        if code is not None:
            select_commune(code, zoom_to=True)
            S["link_note"] = why
        else:
            S["link_error"] = why or f"Le lien demande la commune « {qp['commune']} », inconnue du référentiel."
    elif qp.get("cpts"):
        if atlas.territory(qp["cpts"]) is not None:
            select_cpts(qp["cpts"])
        else:
            S["link_error"] = f"Le lien demande la CPTS « {qp['cpts']} », inconnue du registre."


# --- map views ------------------------------------------------------------------------------

def indicator_style(atlas, md_, key: str, presentation: bool, labels) -> tuple[MapStyle, list[str]]:
    if key == "cpts":
        return MapStyle(legend_items=default_legend(md_), labels=labels, presentation=presentation), []
    c = classify(key, atlas.territories, atlas.registry)
    return thematic_style(c, atlas.territories, labels, presentation), c.notes


def timeline_style(atlas, md_, day: dt.date, presentation: bool, labels) -> tuple[MapStyle, list[str], str]:
    v = timeline_view(day, atlas.territories, atlas.communes,   # legend title and sentence at the same date
                      region_code=scope_region(atlas), region_de=scope_of(atlas).de_nom)
    style = MapStyle(legend_title=v.title, legend_items=v.items, fills=v.fills, territory_ids=v.territory_ids,
                     labels=presentation_mode.map_labels(labels, set(v.territory_ids)), presentation=presentation)
    return style, v.notes, v.sentence


# --- page -------------------------------------------------------------------------------------

def render() -> None:
    atlas = get_atlas()
    md_ = get_map_data()
    _init_from_url(atlas)
    presentation = S.get("presentation", False)
    online = S.get("online", False)

    if presentation:
        presentation_mode.header(atlas, select_cpts)
    else:
        st.title(f"Carte des CPTS {scope_of(atlas).de_nom}")
    if S.get("link_error"):
        st.error(md(S["link_error"]))
    if S.get("link_note"):
        st.info(md(S["link_note"]))

    labels = presentation_mode.territory_labels(atlas) if presentation else ()
    notes, timeline_text = [], None
    if S.get("timeline"):
        events = signature_events(atlas.territories, atlas.communes)
        options = [e.date for e in events] + [dt.date.today()]
        # select_slider renders its options as Markdown: the CPTS name is escaped
        fmt = {e.date: f"{fr_date(e.date.isoformat())} — {md(e.signature.nom)}" for e in events}
        day = st.select_slider("Date", options=options, value=options[-1], key="timeline_day",
                               format_func=lambda d: fmt.get(d, f"{fr_date(d.isoformat())} ({TODAY})"))
        style, notes, timeline_text = timeline_style(atlas, md_, day, presentation, labels)
    else:
        style, notes = indicator_style(atlas, md_, S.get("indicateur", "cpts"), presentation,
                                       presentation_mode.map_labels(labels))

    if scope_note := map_scope_note():   # a scope too big to draw every commune (France)
        notes.append(scope_note)
    map_and_panel(style, tuple(notes), timeline_text, presentation, online)

    sidebar(atlas)



# --- map and panel: a fragment, so a click reruns only them (issue 11) --------------------------

MAP_FRAGMENT, EXPORTS_FRAGMENT = "carte-panneau", "exports"


def _rerun_here() -> None:
    """Rerun this fragment only (a fragment rerun), or the page (the fragment ran with the page)."""
    from streamlit.errors import StreamlitAPIException
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:
        st.rerun()


@st.fragment(key=MAP_FRAGMENT)
def map_and_panel(style: MapStyle, notes: tuple, timeline_text: str | None, presentation: bool, online: bool) -> None:
    """The map and the panel of the selection. A map click reruns this fragment alone: the title,
    the view's settings and the sidebar are not redrawn (the map's script and the view's style come
    from the last full run, whose arguments Streamlit keeps); the export buttons follow the new
    selection through :func:`on_map_change` when they are open."""
    atlas = get_atlas()
    left, right = st.columns([0.68, 0.32] if presentation else [0.6, 0.4], gap="medium")
    with left:
        commune = S.get("commune")
        selected = [t.id for t in atlas.territories_of(commune)] if commune else ([S["cpts"]] if S.get("cpts") else [])
        # st_folium split in two (ui/map_component.py): the base map's pieces are cached per data
        # version and view, only the selection is rendered on a click.
        out = show_map(
            base_map_pieces(style, online=online, fit=S["fit_on_load"]),
            home_selection(commune, selected),
            key="carte",
            height=780 if presentation else 680,
            returned_objects=["last_object_clicked", "last_active_drawing"],
            center=S.get("center"),
            zoom=S.get("zoom"),
            on_change=on_map_change,
        )
        if timeline_text:
            st.markdown(f"**{md(timeline_text)}**")
        for n in notes:
            st.caption(md(n))
        if not presentation:  # presentation: one footnote line under the page (ui/presentation.py)
            partial_registry_caption(atlas)
            st.caption("Contours : IGN — ADMIN EXPRESS ; communes : INSEE — COG 2026 ; populations : INSEE — populations "
                       "légales 2023 ; EPCI : DGCL 2026 (Licence Ouverte 2.0). Périmètres des CPTS : documents sources du "
                       "registre (page Sources).")

    if handle_click(out):
        _rerun_here()  # only when the on_change callback did not already see this click

    wanted = {"commune": S["commune"]} if S.get("commune") else ({"cpts": S["cpts"]} if S.get("cpts") else {})
    if presentation:
        wanted["mode"] = "presentation"
    wanted.update(scope_params())  # ?region= (app.py's keep_in_url does not run with the fragment)
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)

    with right:
        if presentation:
            presentation_mode.panel(atlas)
        elif S.get("commune"):
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
            intro(atlas)
    if presentation:
        presentation_mode.footnote(atlas)


def sidebar(atlas) -> None:
    """Search, views and exports. Drawn after the map so the map starts loading first; the
    widgets' values come from session state (set on the first run), not from their return values."""
    with st.sidebar:
        st.text_input("Rechercher une commune", key="q", on_change=on_search,
                      placeholder="Nom, code postal ou code INSEE",
                      help="Sans accents ni majuscules : « vitre », « 35500 », « 35360 ».")
        hits = S.get("hits")
        if hits is not None and S.get("q"):
            if not hits:
                st.warning(md(S["hits_note"]) if S.get("hits_note") else f"Aucune commune trouvée pour « {md(S['q'])} ».")
            elif S.get("hits_note"):
                st.info(md(S["hits_note"]))
            if len(hits) > 1:
                st.caption("Autres résultats :")
                for h in hits[1:]:
                    st.button(md(h.label), key=f"hit-{h.code}", on_click=select_commune, args=(h.code, True),
                              use_container_width=True)
        mapped = [t for t in atlas.territories if t.perimetre_connu]
        st.selectbox("Aller à une CPTS", options=[t.id for t in mapped], index=None, key="goto_cpts",
                     format_func=lambda i: atlas.territory(i).nom, placeholder="Choisir une CPTS",
                     on_change=lambda: S["goto_cpts"] and select_cpts(S["goto_cpts"]))
        st.selectbox("Colorer la carte par", options=list(INDICATORS), key="indicateur",
                     format_func=lambda k: INDICATORS[k].label)
        st.toggle("Évolution dans le temps (signatures)", key="timeline")
        st.toggle("Mode présentation", key="presentation",
                  help="Plein écran, grands caractères, noms sur la carte, CPTS une par une.")
        st.toggle("Fond de carte en ligne (IGN, OpenStreetMap)", key="online",
                           help="Désactivé par défaut : la carte fonctionne sans Internet.")
        export_panel()


def export_focus() -> str | None:
    """The CPTS the exports are about: the selected CPTS, else the first CPTS of the selected commune."""
    return S.get("cpts") or next((t.id for t in get_atlas().territories_of(S.get("commune"))), None)


@st.fragment(key=EXPORTS_FRAGMENT)
def export_panel() -> None:
    """The export buttons, drawn only while their expander is open (opening it reruns this fragment,
    so they are drawn for the selection of that moment; a map click that changes the CPTS reruns
    it too, see :func:`on_map_change`): file names and contents always follow the selection."""
    with st.expander("Exporter (hors ligne)", key="exports_open", on_change="rerun") as box:
        if box.open:
            focus = export_focus()
            map_png_button(S.get("indicateur", "cpts"), focus, key="dl-png")
            if focus:
                fiche_pdf_button(focus, key="dl-pdf")
            tables_xlsx_button(key="dl-xlsx")
            st.caption("La carte PNG suit l'indicateur choisi"
                       + (" et la CPTS sélectionnée." if focus else " ; sélectionnez une CPTS pour sa fiche PDF."))


@st.cache_resource(show_spinner=False, max_entries=8)
def _intro_facts(_atlas, version: str, atlas_id: int) -> tuple:
    """What the introduction says, once per data version and atlas: 40 % of a visit's script run
    otherwise (the population sum and the region split over every commune, profiled)."""
    mapped = [t for t in _atlas.territories if t.perimetre_connu]
    codes = {c for t in mapped for c in t.codes}
    pop = int(_atlas.communes.loc[_atlas.communes["code"].isin(codes), "population"].sum())
    outside = map_note(region_split(codes, _atlas.communes, _atlas.territories, scope_region(_atlas)),
                       scope_of(_atlas).de_nom)   # why Couverture says less
    unmapped = tuple(t.nom for t in _atlas.territories if not t.perimetre_connu)
    return len(mapped), len(_atlas.territories), pop, len(codes), outside, unmapped


def intro(atlas) -> None:
    n_mapped, n_known, pop, n_codes, outside, unmapped = _intro_facts(atlas, _data_version(), id(atlas))
    st.subheader("Cliquez sur une commune")
    st.markdown(
        f"La carte montre **{n_mapped} territoires de CPTS** documentés par les sources du registre "
        f"({n_known} CPTS connues au total) : **{plural(pop, 'habitant')}** dans "
        f"{fr_int(n_codes)} communes (calculé : INSEE, populations légales 2023, chaque commune comptée une fois).\n\n"
        "Cliquez sur une commune pour voir sa CPTS, ou cherchez-la dans le panneau latéral. "
        "Les communes en gris n'appartiennent à aucune CPTS **documentée** : le registre ne contient "
        "pas encore la liste complète de l'ARS.")
    if outside:
        st.caption(md(outside))
    if unmapped:
        st.caption("CPTS connues sans périmètre dans les sources : " + ", ".join(md(n) for n in unmapped) + ".")
