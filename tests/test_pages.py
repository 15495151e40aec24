"""The four app pages run headless (streamlit.testing AppTest) and show the right figures."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.atlas import Atlas
from geo.registry.quality import quality_report

ROOT = Path(__file__).resolve().parents[1]
PAGES = {name: str(ROOT / "app_pages" / name) for name in
         ("1_Fiches_CPTS.py", "2_Comparer.py", "3_Couverture.py", "4_Sources.py")}


def _app(page: str, **query) -> AppTest:
    at = AppTest.from_file(PAGES[page], default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _shown(element):
    """The text a dataframe shows (pandas Styler display values sent to the browser), as a DataFrame."""
    import pyarrow as pa

    return pa.ipc.open_stream(element.proto.arrow_data.styler.display_values).read_all().to_pandas()


def _texts(at: AppTest) -> str:
    """Everything written as Markdown/captions/alerts, with the narrow no-break spaces of French
    numbers turned into plain spaces."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error")
             for e in getattr(at, kind)]
    return "\n".join(parts).replace("\u202f", " ").replace("\\", "")



# --- Fiches CPTS --------------------------------------------------------------------------------

def test_fiches_deep_link_shows_the_vitre_card_and_its_communes(atlas):
    at = _app("1_Fiches_CPTS.py", cpts="pays-de-vitre")
    text = _texts(at)
    assert at.title[0].value == "Fiches CPTS"
    assert at.selectbox(key="fiche_cpts").value == "pays-de-vitre"
    assert "CPTS du Pays de Vitré" in text
    assert "81 205" in text and "83 737" in text                 # déclaré and calculé
    assert "46 communes" in text
    table = at.dataframe[0].value.set_index("code")
    assert list(table.index) == atlas.territory("pays-de-vitre").codes
    assert table.loc["35096", "resolution"] == "corrigé de « Domgané »"
    assert table.loc["35192", "resolution"].startswith("d'après l'EPCI")
    assert at.dataframe[0].proto.placeholder == "non renseigné"
    assert at.query_params["cpts"] == "pays-de-vitre"


def test_fiches_commune_table_columns_fit_a_laptop():
    """Issue 9.8: full width under the card and map; the département column only when there are several."""
    at = _app("1_Fiches_CPTS.py", cpts="pays-de-vitre")
    grid = at.dataframe[0].proto
    assert list(grid.column_order) == ["code", "nom", "epci", "population", "resolution"]
    assert "département de toutes : Ille-et-Vilaine (35)" in _texts(at)
    assert json.loads(grid.columns)["resolution"]["label"] == "Rattachement"
    at = _app("1_Fiches_CPTS.py", cpts="pays-de-redon")                     # 35, 44 and 56
    assert list(at.dataframe[0].proto.column_order) == ["code", "nom", "departement", "epci", "population",
                                                         "resolution"]


def test_fiches_approximate_perimeter_said_once_and_french_plurals():
    at = _app("1_Fiches_CPTS.py", cpts="pays-de-ploermel-coeur-de-bretagne")
    warnings = [w.value.replace("\\", "") for w in at.warning]
    first = next(w for w in warnings if w.startswith("Périmètre approché : "))
    assert "approximatif" not in first.lower() and first.count("Périmètre") == 1
    labels = [e.label for e in at.expander]
    assert not any("(s)" in label for label in labels), labels
    assert any(re.fullmatch(r"Qualité des données \(\d+ écarts?\)", label) for label in labels), labels


def test_fiches_choosing_a_cpts_updates_the_url():
    at = _app("1_Fiches_CPTS.py", cpts="pays-de-vitre")
    at.selectbox(key="fiche_cpts").select("pays-de-fougeres").run()
    assert not at.exception
    assert at.query_params["cpts"] == "pays-de-fougeres"
    assert "CPTS du Pays de Fougères" in _texts(at)
    table = at.dataframe[0].value.set_index("code")
    assert "ancien nom « Fleurigné »" in table.loc["35062", "resolution"]


def test_fiches_without_query_param_selects_a_mapped_cpts_and_sets_the_url(atlas):
    at = _app("1_Fiches_CPTS.py")
    first_mapped = next(t.id for t in atlas.territories if t.perimetre_connu)
    assert at.selectbox(key="fiche_cpts").value == first_mapped
    assert at.query_params["cpts"] == first_mapped


def test_fiches_unknown_cpts_in_the_link_says_so_in_french():
    at = _app("1_Fiches_CPTS.py", cpts="nulle-part")
    assert any("« nulle-part », inconnue du registre" in e.value.replace("\\", "") for e in at.error)


def test_fiches_cpts_without_perimeter_says_so_plainly():
    at = _app("1_Fiches_CPTS.py", cpts="marches-de-bretagne")
    text = _texts(at)
    assert "Périmètre non documenté" in text
    assert "22 000" in text                                       # what the source does give
    assert not at.dataframe                                       # no commune table to show


def test_fiches_escapes_file_text(monkeypatch):
    """A CPTS name with HTML/Markdown from a registry file is shown as typed, never as markup."""
    real = Atlas.load()
    t = real.territory("pays-de-vitre")
    evil = "<script>alert(1)</script> **gras** [lien](http://example.invalid)"
    t.nom = evil
    t.cpts = dataclasses.replace(t.cpts, nom=evil)
    monkeypatch.setattr(Atlas, "load", classmethod(lambda cls, *a, **k: real))
    st.cache_resource.clear()
    try:
        at = _app("1_Fiches_CPTS.py", cpts="pays-de-vitre")
        rendered = [e.value for kind in ("markdown", "caption") for e in getattr(at, kind)]
        assert not any("<script>" in v for v in rendered)
        assert any("&lt;script&gt;" in v for v in rendered)
        assert not any("[lien](http" in v for v in rendered)
        assert any("\\*\\*gras\\*\\*" in v for v in rendered)
    finally:
        st.cache_resource.clear()


# --- Comparer -----------------------------------------------------------------------------------

def test_comparer_shows_first_what_people_compare_and_opens_the_rest():
    """Issue 9.8: 7 columns fit a 1366 px laptop with whole CPTS names (pinned column wide enough for the
    longest mapped name); « Toutes les colonnes » shows all 18."""
    at = _app("2_Comparer.py")
    assert list(at.dataframe[0].proto.column_order) == [
        "nom", "population_declaree", "population_calculee", "ecart_pct", "sans_medecin_traitant_pct",
        "financement", "date_aci"]
    cols = json.loads(at.dataframe[0].proto.columns)
    assert cols["nom"]["width"] >= 260          # « CPTS Pays de Ploërmel Cœur de Bretagne » was cut at 175 px
    assert sum(cols[c]["width"] for c in at.dataframe[0].proto.column_order) <= 900   # 905 px at 1366, borders
    at.toggle(key="cmp_all").set_value(True).run()
    assert not at.exception and list(at.dataframe[0].proto.column_order) == []
    assert len(at.dataframe[0].value.columns) == 18


def test_comparer_table_and_missions(atlas):
    at = _app("2_Comparer.py")
    assert at.title[0].value == "Comparer les CPTS"
    df = at.dataframe[0].value.set_index("nom")
    assert len(df) == len(atlas.territories)
    vitre = df.loc["CPTS du Pays de Vitré"]
    assert vitre["population_declaree"] == 81205
    assert vitre["population_calculee"] == atlas.territory("pays-de-vitre").population
    assert at.dataframe[0].proto.placeholder == "non renseigné"
    shown = _shown(at.dataframe[0]).set_index("nom")
    row = shown.loc["CPTS du Pays de Vitré"]
    assert row["population_declaree"] == "81\u202f205" and row["population_declaree_date"] == "29 septembre 2022"
    assert row["financement"] == "196\u202f875\u202f€" and row["sans_medecin_traitant_pct"] == "12,7\u202f%"
    assert row["ecart_pct"] == "+3,1\u202f%"
    assert shown.loc["CPTS Pays de Redon", "sans_medecin_traitant_pct"] == "plus de 11\u202f%"
    assert shown.loc["CPTS d'Auray", "population_declaree"] == "non renseigné"
    assert shown.loc["CPTS d'Auray", "financement"] == "non renseigné"
    # missions: 6 rows, one column per CPTS whose missions are described; a static table whose mission
    # names wrap (in a grid they were cut at 300 px and the 4th CPTS was off a 1366 px screen)
    assert len(at.dataframe) == 1
    m = next(t.value for t in at.table if "Mission" in t.value.columns)
    assert len(m) == 6 and list(m["Type"]).count("socle") == 4
    assert list(m.columns) == ["Mission", "Type", "Pays de Fougères", "Pays de Vitré",
                               "Pays de Ploërmel Cœur de Bretagne", "Pays de Redon"]
    assert m.set_index("Mission").iloc[2]["Pays de Vitré"] == "✓ 4 actions"
    assert m["Mission"].iloc[0] == "Améliorer l'accès aux soins \\(médecin traitant, soins non programmés\\)"
    assert "Missions non renseignées par les sources pour" in _texts(at)
    at.selectbox[0].select("prevention").run()
    assert not at.exception
    assert "Actions de prévention sur la vaccination" in _texts(at)


# --- Couverture ---------------------------------------------------------------------------------

def test_couverture_computed_beside_declared_with_the_caveat(atlas):
    at = _app("3_Couverture.py")
    text = _texts(at)
    assert "borne basse" in text and "29 CPTS reconnues et 8 projets" in text
    cov = at.dataframe[0].value.set_index("territoire")
    r = cov.loc["Ille-et-Vilaine (35)"]
    assert r["communes_dans_cpts"] + r["communes_hors_cpts"] == 332
    assert f"{int(r['communes_dans_cpts'])} communes sur 332" in text
    assert "70,64 %" in text and "80 %" in text                  # the sources' own figures
    assert "Signatures au fil du temps" in [h.value for h in at.header]
    tl = at.dataframe[-1].value
    assert list(tl["cpts"]).index("CPTS du Pays de Vitré") < list(tl["cpts"]).index("CPTS du Pays de Fougères")


def test_couverture_outside_list_by_departement_and_search(atlas):
    at = _app("3_Couverture.py")
    at.button_group(key="couv_scope").set_value("35").run()
    assert not at.exception
    outside = at.dataframe[1].value
    cov = at.dataframe[0].value.set_index("territoire")
    assert len(outside) == cov.loc["Ille-et-Vilaine (35)", "communes_hors_cpts"]
    assert set(outside["departement"]) == {"Ille-et-Vilaine (35)"}
    at.text_input(key="couv_q").input("rennes").run()
    found = at.dataframe[1].value
    assert "35238" in set(found["code"]) and len(found) < len(outside)


# --- Sources ------------------------------------------------------------------------------------

def test_sources_page_lists_datasets_documents_quality_and_downloads(atlas):
    at = _app("4_Sources.py")
    assert [h.value for h in at.header] == ["Données de référence", "Documents sources du registre",
                                            "Qualité des données", "Téléchargements"]
    text = _texts(at)
    assert "ADMIN EXPRESS" in text and "Licence Ouverte" in text
    docs = at.table[1].value
    assert len(docs) == len(atlas.registry.sources)
    report = quality_report(atlas)
    assert len(at.table[2].value) == len(report.rows)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Communes → CPTS (CSV)", "Territoires des CPTS (GeoJSON)", "Rapport de qualité (CSV)"]


def test_sources_quality_filters(atlas):
    at = _app("4_Sources.py")
    at.multiselect(key="src_gravite").set_value(["Écart"]).run()
    report = quality_report(atlas)
    ecarts = [r for r in report.rows if r["gravite"] == "ecart"]
    assert len(at.table[2].value) == len(ecarts)
    at.multiselect(key="src_cpts").set_value(["CPTS du Pays de Vitré"]).run()
    shown = at.table[2].value
    assert len(shown) == sum(1 for r in ecarts if r["cpts_nom"] == "CPTS du Pays de Vitré") > 0
    assert set(shown["CPTS"]) == {"CPTS du Pays de Vitré"}
