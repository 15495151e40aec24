"""Presentation mode (``?mode=presentation``): the home map for a projector and a room.

No sidebar, large type, territory names on the map, one CPTS at a time with « Précédente » /
« Suivante ». ui/home.py owns the page and the selection; it calls :func:`header` and
:func:`key_figures` here when the mode is on, and passes its own ``select_cpts`` so this module
never imports the page (no import circle)."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from geo.views import facts
from ui.cards import figure_line
from ui.data import get_atlas
from ui.text import md

S = st.session_state

PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display:none}
.block-container {padding-top:0.6rem; max-width:100%}
.block-container p, .block-container li {font-size:1.25rem}
.block-container h1 {font-size:2.2rem}
</style>"""


def walk_ids(territories) -> list[str]:
    """The mapped CPTS in the order of the walk (by name)."""
    return [t.id for t in sorted(territories, key=lambda t: t.nom) if t.perimetre_connu]


def step_cpts(delta: int, select: Callable[[str], None]) -> None:
    """Go to the next/previous mapped CPTS of the walk."""
    ids = walk_ids(get_atlas().territories)
    if not ids:
        return
    cur = S.get("cpts")
    i = ids.index(cur) + delta if cur in ids else (0 if delta > 0 else len(ids) - 1)
    select(ids[i % len(ids)])


def header(atlas, select: Callable[[str], None]) -> None:
    """Hide the sidebar, show the title and the walk's buttons."""
    st.markdown(PRESENTATION_CSS, unsafe_allow_html=True)
    c1, c2, c3, c4 = st.columns([0.55, 0.15, 0.15, 0.15])
    c1.title("CPTS de Bretagne")
    c2.button("◀ Précédente", on_click=step_cpts, args=(-1, select), use_container_width=True)
    c3.button("Suivante ▶", on_click=step_cpts, args=(1, select), use_container_width=True)
    c4.button("Quitter", on_click=lambda: S.update(presentation=False), use_container_width=True)


def key_figures(atlas, t) -> None:
    """The few figures that matter, large, each with its nature and source."""
    st.subheader(md(t.nom))
    st.markdown(md(facts.status_line(t)))
    figs, gap = facts.population_figures(t, atlas.registry)
    for f in figs + facts.commune_figures(t, atlas.registry) + facts.funding_figures(t, atlas.registry) \
            + facts.smt_figures(t, atlas.registry):
        figure_line(f)
    if gap:
        st.markdown(f":orange[{md(gap)}]")
