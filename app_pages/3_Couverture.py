"""Couverture: how much of the scope (a région, Brittany by default, or France) the documented CPTS cover
(computed), beside the sources' figures."""
from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.formatting import fr_date, fr_int, fr_pct, plural
from geo.scope import scope_of
from geo.views.coverage import (communes_outside, context_rows, coverage_table, filter_communes, quiet_territories,
                                scope_view, signature_timeline)
from geo.views import coverage
from geo.views.region_split import coverage_note, region_split
from geo.views.registry_scope import known_cpts_sentence
from geo.views.timeline import covered_at
from ui.data import get_atlas, get_layer_urls, get_map_data
from ui.map import build_base_map
from ui.pages_common import (FMT_INT, FMT_PCT1, attribution_caption, frame, french_table, partial_registry_caption,
                             text_table)
from ui.text import md

st.set_page_config(layout="wide", page_title="Couverture — Carte des CPTS")

atlas = get_atlas()
reg = atlas.registry
Col = st.column_config
mapped = [t for t in atlas.territories if t.perimetre_connu]
QUIET_NAMED = 12      # départements with nothing to say are named in one line up to this many
BUTTONS_MAX = 8       # a territory choice with more options (France: ~100 départements) is a list, not buttons

# The scope (geo/scope.py, chosen in the sidebar): a région and its départements, or France.
here = scope_of(atlas)
REGION = None if here.is_france else here.code
PLAIN = "France" if here.is_france else here.nom      # as the sources name it (context figures' perimetre)
DEPS = [d for d in (sorted(set(atlas.communes["departement"])) if here.is_france else here.departements)
        if (atlas.communes["departement"] == d).any()]

st.title(f"Couverture {here.de_article}")
partial_registry_caption(atlas)
cov = coverage_table(atlas.communes, atlas.territories, REGION, PLAIN, DEPS, code=here.code)
known = known_cpts_sentence(atlas)
st.warning(
    f"**Minimum des CPTS documentées, pas couverture réelle.** Les chiffres calculés ci-dessous ne comptent que les "
    f"{len(mapped)} CPTS dont les documents sources du registre décrivent le périmètre ({len(atlas.territories)} CPTS "
    "connues du registre)"
    + (f", alors que {md(known)}" if known else "")
    + ". Le registre est incomplet : la couverture calculée est une borne basse.")

# --- computed vs declared --------------------------------------------------------------------
scope_names = {r.code: r.territoire for r in cov.itertuples()}
plain_names = {here.code: PLAIN} | {
    d: atlas.communes.loc[atlas.communes["departement"] == d, "departement_nom"].iloc[0] for d in DEPS}
declared = context_rows(reg, plain_names.values())

st.subheader("Calculé et déclaré, territoire par territoire")
outside_note = coverage_note(region_split({c for t in mapped for c in t.codes}, atlas.communes, atlas.territories,
                                          REGION), here.de_nom)
with_sources = {r.code for r in cov.itertuples() if any(d["perimetre"] == plain_names[r.code] for d in declared)}
quiet = set(quiet_territories(cov, with_sources, keep=here.code))
lines = []
for r in cov.itertuples():
    if r.code in quiet:
        continue
    if r.communes_dans_cpts:
        text = (f"- **{md(r.territoire)}** — calculé : {fr_int(r.communes_dans_cpts)} communes sur {fr_int(r.communes)}, "
                f"{fr_int(r.population_dans_cpts)} habitants sur {fr_int(r.population)} "
                f"(**{fr_pct(r.part_population_pct, 1)}**) dans au moins une des "
                f"{plural(r.cpts, 'CPTS documentée', 'CPTS documentées')}.")
    else:
        text = (f"- **{md(r.territoire)}** — calculé : aucune commune dans une CPTS documentée (le registre ne décrit "
                f"le périmètre d'aucune CPTS de ce département ; {fr_int(r.population)} habitants).")
    src = [d for d in declared if d["perimetre"] == plain_names[r.code]]
    by_date: dict[tuple, list[dict]] = {}
    for d in src:
        by_date.setdefault((d["date"], d["infere"]), []).append(d)
    for (date, inf), ds in by_date.items():
        text += (f"\n  - Sources, {'au plus tôt le ' if inf else ''}{fr_date(date)} : "
                 + " ; ".join(f"{md(d['libelle'])} : **{md(d['valeur'])}**" for d in ds) + " :blue-badge[déclaré]")
    if not src:
        text += "\n  - Aucun chiffre des sources du registre pour ce territoire."
    if r.code == here.code and outside_note:   # why the home map gives a larger figure, computed
        text += f"\n  - {md(outside_note)}"
    lines.append(text)
if quiet:   # one line for all the départements with nothing to say (a hundred in the France scope)
    rows = cov[cov["code"].isin(quiet)]
    names = ", ".join(md(n) for n in rows["territoire"]) if len(rows) <= QUIET_NAMED else "voir le tableau ci-dessous"
    lines.append(f"- **{plural(len(rows), 'autre département', 'autres départements')}** ({names}) — calculé : aucune "
                 f"commune dans une CPTS documentée ({fr_int(int(rows['population'].sum()))} habitants) ; aucun chiffre "
                 "des sources du registre.")
st.markdown("\n".join(lines))

st.subheader("Calculé")
st.caption("INSEE, COG 2026 et populations légales 2023 (population municipale), communes des périmètres "
           "documentés ; une commune de deux CPTS comptée une fois. :green-badge[calculé]")
frame(
    french_table(cov.drop(columns=["code"]), {
        "communes_dans_cpts": FMT_INT, "communes_hors_cpts": FMT_INT, "communes": FMT_INT,
        "population_dans_cpts": FMT_INT, "population_hors_cpts": FMT_INT, "population": FMT_INT,
        "part_population_pct": FMT_PCT1, "cpts": FMT_INT}),
    column_config={
        "territoire": Col.TextColumn("Territoire", pinned=True),
        "communes_dans_cpts": Col.NumberColumn("Communes en CPTS", help="Dans au moins une CPTS documentée."),
        "communes_hors_cpts": Col.NumberColumn("Hors CPTS", help="Communes dans aucune CPTS documentée."),
        "communes": Col.NumberColumn("Communes", help="Communes du territoire au COG 2026."),
        "population_dans_cpts": Col.NumberColumn("Habitants en CPTS", help="Population municipale 2023."),
        "population_hors_cpts": Col.NumberColumn("Habitants hors CPTS", help="Population municipale 2023."),
        "population": Col.NumberColumn("Habitants", help="Population municipale 2023 du territoire."),
        "part_population_pct": Col.NumberColumn("Part en CPTS", help="Habitants en CPTS ÷ habitants (calculé)."),
        "cpts": Col.NumberColumn("CPTS", help="CPTS documentées dont le périmètre touche ce territoire."),
    },
)
st.subheader("Déclaré par les sources")
st.caption("Chiffres de contexte tels que les documents sources les donnent, à leur date. :blue-badge[déclaré]")
dec = pd.DataFrame(declared, columns=["perimetre", "libelle", "valeur", "date", "infere", "source"])
dec["date"] = [("au plus tôt le " if inf else "") + fr_date(d) for d, inf in zip(dec["date"], dec["infere"])]
text_table(dec, {"perimetre": "Territoire", "libelle": "Chiffre", "valeur": "Valeur", "date": "Date",
                 "source": "Source"})


# --- communes outside ------------------------------------------------------------------------
st.header("Communes hors des CPTS documentées")
if len(scope_names) <= BUTTONS_MAX:
    scope = st.segmented_control("Territoire", options=list(scope_names), format_func=lambda k: md(scope_names[k]),
                                 default=here.code, key="couv_scope") or here.code
else:   # selectbox options are plain text (no Markdown): the COG names as they are
    scope = st.selectbox("Territoire", options=list(scope_names), format_func=scope_names.get, index=0,
                         key="couv_scope_list") or here.code
outside = communes_outside(atlas.communes, atlas.territories, None if scope == here.code else scope, REGION)
center, zoom = scope_view(atlas.communes, scope, REGION, whole=here.code)
st_folium(build_base_map(get_map_data(), get_layer_urls()), key="couv-carte", height=540,
          use_container_width=True, returned_objects=[], center=center, zoom=zoom)
st.caption("En gris : aucune CPTS documentée dans les sources du registre (ce qui ne veut pas dire « sans CPTS »).")


@st.fragment
def outside_list(outside, label: str) -> None:
    """The search and the table of the communes outside: a search reruns only them (a whole rerun of the
    France page, its map and chart included, took 6-8 s in Chromium under load for one search)."""
    q = st.text_input("Rechercher une commune hors CPTS documentée", key="couv_q", placeholder="Nom ou code INSEE")
    found = filter_communes(outside, q)
    limit = coverage.OUTSIDE_SHOWN        # read at run time (tests lower it)
    st.caption(f"{plural(len(found), 'commune')} sur {fr_int(len(outside))} hors CPTS documentée "
               f"({md(label)}), {plural(int(found['population'].fillna(0).sum()), 'habitant')} (INSEE, "
               "populations légales 2023). :green-badge[calculé]"
               + (f" Le tableau montre les {fr_int(limit)} plus peuplées : recherchez une commune ou choisissez un "
                  "territoire pour les autres ; la liste complète est sur la page Sources (Communes → CPTS, CSV)."
                  if len(found) > limit else ""))
    frame(
        french_table(found.head(limit), {"population": FMT_INT}), height=420,
        column_config={"code": Col.TextColumn("Code INSEE", width="small"), "nom": Col.TextColumn("Commune"),
                       "departement": Col.TextColumn("Département"), "epci": Col.TextColumn("EPCI (DGCL 2026)"),
                       "population": Col.NumberColumn("Population 2023")},
    )


outside_list(outside, scope_names[scope])

# --- signatures over time --------------------------------------------------------------------
st.header("Signatures au fil du temps")
tl = signature_timeline(atlas.communes, atlas.territories, REGION)
st.markdown(f"Population {md(here.de_nom)} dans les périmètres documentés, cumulée à chaque signature d'un accord "
            "conventionnel interprofessionnel (ACI). Dates : jalons des documents sources :blue-badge[déclaré] ; population : "
            "INSEE, populations légales 2023, communes comptées une fois :green-badge[calculé].")
if tl.empty:
    st.info("Aucune date de signature dans les sources du registre.")
else:
    chart_df = tl.assign(
        date=pd.to_datetime(tl["date"]),
        date_fr=[fr_date(d) for d in tl["date_iso"]],
        ajoutee=[fr_int(v) if pd.notna(v) else "non calculable (périmètre non documenté)" for v in tl["population_ajoutee"]],
        cumul=[fr_int(v) for v in tl["population_cumulee"]],
    )[["date", "date_fr", "cpts", "ajoutee", "cumul", "population_cumulee"]]
    tooltip = [alt.Tooltip("cpts:N", title="CPTS"), alt.Tooltip("date_fr:N", title="Signature de l'ACI"),
               alt.Tooltip("ajoutee:N", title="Population ajoutée"), alt.Tooltip("cumul:N", title="Population cumulée")]
    base = alt.Chart(chart_df).encode(
        x=alt.X("date:T", title="Date de signature de l'ACI", axis=alt.Axis(format="%Y", tickCount="year")),
        y=alt.Y("population_cumulee:Q", title="Population cumulée (habitants)", axis=alt.Axis(format=",d")),
    )
    chart = (base.mark_line(interpolate="step-after") + base.mark_point(size=80, filled=True).encode(tooltip=tooltip)
             ).configure(locale={"number": {"decimal": ",", "thousands": "\u202f", "grouping": [3],
                                            "currency": ["", "\u202f€"]}})
    st.altair_chart(chart, width="stretch")
    shown_tl = tl.assign(date_iso=[fr_date(d) + (" (date déduite)" if inf else "")
                                   for d, inf in zip(tl["date_iso"], tl["date_deduite"])])
    frame(
        french_table(shown_tl.drop(columns=["date", "cpts_id", "date_deduite"]),
                     {"population_ajoutee": FMT_INT, "population_cumulee": FMT_INT,
                      "communes_cumulees": FMT_INT}),
        # widths add up to 865 px: at 1366 px (905 px for the grid) the last column was cut
        column_config={"date_iso": Col.TextColumn("Signature de l'ACI", width=180),
                       "cpts": Col.TextColumn("CPTS", width=260), "perimetre": Col.TextColumn("Périmètre", width=110),
                       "population_ajoutee": Col.NumberColumn("Pop. ajoutée", width=100,
                                                              help="Habitants des communes ajoutées par cette "
                                                                   "signature (INSEE, populations légales 2023)."),
                       "population_cumulee": Col.NumberColumn("Pop. cumulée", width=100,
                                                              help="Habitants couverts après cette signature."),
                       "communes_cumulees": Col.NumberColumn("Communes", width=115,
                                                             help="Communes couvertes après cette signature (cumul).")},
    )
    undated = [t.nom for t in mapped if t.id not in set(tl["cpts_id"])]
    notes = []
    unmapped_signed = tl[tl["perimetre"] == "non documenté"]
    if len(unmapped_signed):
        notes.append("ACI signé mais périmètre non documenté (population non calculable) : "
                     + ", ".join(md(n) for n in unmapped_signed["cpts"]))
    if undated:
        notes.append("Périmètre documenté mais sans date de signature dans les sources (absent du graphique, "
                     "compté dans la couverture) : " + ", ".join(md(n) for n in undated))
    if notes:
        st.caption(" — ".join(notes) + ".")
    today = covered_at(dt.date.today(), atlas.territories, atlas.communes)
    tl_note = coverage_note(region_split(today.codes, atlas.communes, atlas.territories, REGION), here.de_nom,
                            page="l'évolution dans le temps de la page Carte")
    if tl_note:   # the cumulated population above is the region's; the home map's timeline counts more
        st.caption(md(tl_note))

attribution_caption()
