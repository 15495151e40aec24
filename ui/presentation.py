"""Presentation mode (``?mode=presentation``, toggle « Mode présentation »): the home map for a
projector and a room (issue 9.5).

Everything on one screen without scrolling at 1366×768 and 1920×1080: a one-line header (title,
where we are in the walk and in which order, « Précédente » / « Suivante » / « Quitter »), the map
using the window's height, 3 to 5 large key figures each tagged déclaré/calculé, and the sources
as one footnote line (documents by their title and date, each opening its page). No sidebar, so
nothing here tells people to use it. The walk follows the signature date (geo/views/presentation.py)
and the keyboard arrows ← → do what the buttons do (ui/presentation_page.py, which also shrinks the
map when a note or the timeline's slider stands in its column). Names on the map never
overlap (ui/map_labels.py).

ui/home.py owns the page and the selection; it calls :func:`header`, :func:`territory_labels`,
:func:`panel` and :func:`footnote` when the mode is on and passes its own ``select_cpts``, so this
module never imports the page (no import circle). Text from files goes through md() (Markdown) or
h() (HTML).
"""
from __future__ import annotations

from typing import Callable

import streamlit as st

from geo.formatting import fr_int, plural
from geo.views import facts
from geo.views import presentation as room
from geo.scope import scope_of
from geo.views.registry_scope import partial_registry_line
from ui.cards import no_cpts_notice
from ui.data import get_atlas
from ui.document import document_href
from ui.presentation_page import NEXT_KEY, PREV_KEY, presentation_scripts
from ui.text import h, md

S = st.session_state

# Heights (px) that stand above and below the map: the header row, the footnote line, the gaps
# and paddings. The map takes the rest of the window (measured by tests/e2e/test_presentation_e2e.py).
ABOVE_BELOW_MAP_PX = 124

PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display:none}
[data-testid="stMain"] .block-container {padding: 0.5rem 1.25rem 0.25rem !important; max-width: 100% !important}
[data-testid="stMain"] .block-container [data-testid="stVerticalBlock"] {gap: 0.5rem}
.block-container p, .block-container li {font-size: 1.15rem}
.st-key-pres-head h1 {font-size: clamp(1.5rem, 2.1vw, 2.3rem); padding: 0 !important; margin: 0; line-height: 1.2}
.st-key-pres-head [data-testid="stMarkdownContainer"] p {font-size: clamp(0.95rem, 1.05vw, 1.2rem); margin: 0}
[data-testid="stMain"] .st-key-carte-cadre iframe {height: calc(100dvh - MAP_PXpx - var(--cpts-map-less, 0px)) !important;
    max-height: none !important; aspect-ratio: auto !important; min-height: 300px !important}
.st-key-pres-panel h3 {font-size: clamp(1.35rem, 1.9vw, 2.1rem); padding: 0 0 0.25rem; line-height: 1.2}
.st-key-pres-foot [data-testid="stMarkdownContainer"] {margin-bottom: 0 !important}
.st-key-pres-foot p {font-size: 0.8rem !important; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
    margin: 0; color: rgba(49, 51, 63, 0.75)}
.cpts-tiles {display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0.6rem}
.cpts-tile {border: 1px solid #d6d9e0; border-radius: 0.5rem; padding: 0.45rem 0.7rem; background: #fafbfc}
.cpts-tile .lab {font-size: clamp(0.9rem, 0.95vw, 1.1rem); color: #31333f; line-height: 1.25}
.cpts-tile .val {font-size: clamp(1.4rem, 2.1vw, 2.6rem); font-weight: 700; line-height: 1.15; color: #0e1117}
.cpts-tile .tag {line-height: 1.2}
.cpts-tile .note {font-size: 0.8rem; color: #5c5f6a}
.cpts-badge {display: inline-block; font-size: 0.85rem; font-weight: 600; padding: 0 0.4rem; border-radius: 0.3rem}
.cpts-badge.declare {background: #e0ecff; color: #0b4ea2}
.cpts-badge.calcule {background: #dff3e4; color: #1b6b35}
</style>""".replace("MAP_PX", str(ABOVE_BELOW_MAP_PX))

BADGE = {facts.DECLARE: ("declare", "déclaré"), facts.CALCULE: ("calcule", "calculé")}


def walk_ids() -> list[str]:
    """The mapped CPTS in the order of the walk (signature date)."""
    return [s.id for s in room.walk(get_atlas().territories)]


def step_cpts(delta: int, select: Callable[[str], None]) -> None:
    """« Suivante » (+1) / « Précédente » (-1): the next/previous CPTS of the walk."""
    target = room.step(walk_ids(), S.get("cpts"), delta)
    if target is not None:
        select(target)


def territory_labels(atlas) -> tuple:
    """(lat, lon, name, id, bounds) of every territory, largest first, at a point inside it."""
    return room.territory_labels(atlas.territories)


def map_labels(labels: tuple, only=None) -> tuple:
    """The map's labels (lat, lon, name, bounds) of :func:`territory_labels`, for the CPTS ids in
    ``only`` (all when None): what MapStyle.labels takes."""
    return room.map_labels(labels, only)


def header(atlas, select: Callable[[str], None]) -> None:
    """Hide the sidebar, size the page to the window, and draw the one-line header with the walk's
    buttons (← → on the keyboard do the same)."""
    st.markdown(PRESENTATION_CSS, unsafe_allow_html=True)
    presentation_scripts(ABOVE_BELOW_MAP_PX)
    stops = room.walk(atlas.territories)
    ids = [s.id for s in stops]
    cur = S.get("cpts")
    where = (f"CPTS {ids.index(cur) + 1} sur {len(ids)}" if cur in ids
             else plural(len(ids), "CPTS cartographiée", "CPTS cartographiées"))
    with st.container(key="pres-head"):
        c1, c2, c3, c4, c5 = st.columns([0.36, 0.31, 0.12, 0.11, 0.10], vertical_alignment="center")
        c1.title(f"CPTS {scope_of(atlas).de_nom}", anchor=False)
        c2.markdown(f"{where} · **ordre : {room.ORDER_LABEL}** · touches ← →")
        c3.button("◀ Précédente", key=PREV_KEY, on_click=step_cpts, args=(-1, select), use_container_width=True,
                  disabled=not ids)
        c4.button("Suivante ▶", key=NEXT_KEY, on_click=step_cpts, args=(1, select), use_container_width=True,
                  disabled=not ids)
        c5.button("Quitter", key="pres-quit", on_click=lambda: S.update(presentation=False), use_container_width=True)


def panel(atlas) -> None:
    """The right-hand panel: the selected CPTS's key figures, a clicked commune's CPTS, or the start screen."""
    with st.container(key="pres-panel"):
        if S.get("cpts") and atlas.territory(S["cpts"]) is not None:
            key_figures(atlas, atlas.territory(S["cpts"]))
        elif S.get("commune"):
            commune_figures(atlas, S["commune"])
        else:
            start_screen(atlas)


def commune_figures(atlas, code: str) -> None:
    c = atlas.commune_dict(code)
    if c is None:
        st.warning(f"Code INSEE {md(code)} inconnu du référentiel.")
        return
    ts = atlas.territories_of(code)
    pop = f" · {fr_int(c['population'])} hab." if c["population"] is not None else ""
    st.markdown(f"Commune : **{md(c['nom'])}** ({md(c['code'])}){pop}")
    if not ts:
        no_cpts_notice(atlas)
        return
    if len(ts) > 1:
        st.warning(f"Cette commune figure dans {len(ts)} CPTS d'après les sources (chevauchement de périmètres) : "
                   + ", ".join(md(t.nom) for t in ts) + ".")
    key_figures(atlas, ts[0])


def key_figures(atlas, t) -> None:
    """The CPTS's name, where it stands (signature), and its 3 to 5 key figures, large, each tagged."""
    st.subheader(md(t.nom), anchor=False)
    stop = next((s for s in room.walk(atlas.territories) if s.id == t.id), None)
    st.markdown(md(stop.signed if stop and stop.signed else facts.status_line(t))
                + (" · :orange[périmètre approché]" if t.approximatif else ""))
    figs, gap = room.room_figures(t, atlas.registry)
    st.html(tiles_html(figs))
    if gap:
        st.caption(f":orange[{md(gap)}]")


def tiles_html(figs: list[facts.Figure]) -> str:
    """The figures as large tiles: label, value, then its déclaré/calculé tag (escaped HTML: labels
    and values may come from files)."""
    tiles = []
    for f in figs:
        cls, tag = BADGE[f.nature]
        note = f' <span class="note">{h(f.note)}</span>' if f.note and f.nature == facts.CALCULE else ""
        tiles.append(f'<div class="cpts-tile" data-nature="{cls}"><div class="lab">{h(f.label)}</div>'
                     f'<div class="val">{h(f.value)}</div>'
                     f'<div class="tag"><span class="cpts-badge {cls}">{tag}</span>{note}</div></div>')
    return f'<div class="cpts-tiles">{"".join(tiles)}</div>'


def start_screen(atlas) -> None:
    """What the room sees first: what the map shows, and how to go through it (no sidebar here)."""
    mapped = [t for t in atlas.territories if t.perimetre_connu]
    codes = {c for t in mapped for c in t.codes}
    pop = int(atlas.communes.loc[atlas.communes["code"].isin(codes), "population"].sum())
    st.subheader("Les CPTS documentées", anchor=False)
    st.html(tiles_html([
        facts.Figure("Territoires de CPTS cartographiés", fr_int(len(mapped)), facts.CALCULE, "registre"),
        facts.Figure("Habitants couverts", fr_int(pop), facts.CALCULE, "INSEE"),
        facts.Figure("Communes", fr_int(len(codes)), facts.CALCULE, "INSEE"),
    ]))
    st.markdown(f"« Suivante » ou la flèche → présente les CPTS une par une, par **{room.ORDER_LABEL}**. "
                "Cliquez sur une commune de la carte pour afficher sa CPTS.")
    st.caption(f"Habitants : INSEE, populations légales, chaque commune comptée une fois. Les communes en gris "
               f"n'appartiennent à aucune CPTS documentée ({len(atlas.territories)} CPTS connues du registre).")


def footnote(atlas) -> None:
    """One line: the source documents of what is shown (title and date, each opening its page), the
    INSEE/IGN data, and the partial-registry warning."""
    cur = S.get("cpts")
    if not cur and S.get("commune"):
        cur = next((t.id for t in atlas.territories_of(S["commune"])), None)
    t = atlas.territory(cur) if cur else None
    parts = []
    if t is not None:
        docs = room.documents(facts.source_ids(t, atlas.registry), atlas.registry)
        parts += [f"[{md(d.title)}]({document_href(d.id)}) ({md(d.kind)}, {md(d.date)})" for d in docs]
    else:
        n = len({s for tt in atlas.territories if tt.perimetre_connu for s in facts.source_ids(tt, atlas.registry)})
        parts.append(f"{plural(n, 'document source', 'documents sources')} du registre (page Sources)")
    parts.append("INSEE, populations légales et COG ; contours IGN ADMIN EXPRESS")
    line = partial_registry_line(atlas)
    with st.container(key="pres-foot"):  # the warning first: a long title is what the line may cut
        st.markdown((f"**{md(line)}** · " if line else "") + "Sources : " + " ; ".join(parts))


__all__ = ["header", "panel", "footnote", "territory_labels", "map_labels", "key_figures", "step_cpts", "walk_ids",
           "PRESENTATION_CSS"]
