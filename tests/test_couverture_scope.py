"""The Couverture page in a scope of many départements (France), headless (AppTest): the départements
with nothing to say are one line, not one paragraph each (a hundred in the real France scope), and the
territory of the « communes hors CPTS » list is chosen in a list, not a wall of buttons. Bretagne keeps
its buttons and names its quiet départements."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from geo.views.coverage import quiet_territories
from tests.scope_fixtures import data_dir, multi  # noqa: F401 -- fixtures

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "app_pages" / "3_Couverture.py")
NOTHING = "Aucun chiffre des sources du registre pour ce territoire"


def _page(scope: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=300)
    if scope is not None:
        at.session_state["scope"] = scope
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _coverage_text(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("- **"))


def test_quiet_territories_are_those_without_cpts_nor_sources():
    cov = pd.DataFrame({"code": ["france", "13", "35", "22", "29"], "territoire": ["France", "B", "I", "C", "F"],
                        "communes_dans_cpts": [5, 0, 3, 0, 0]})
    assert quiet_territories(cov, with_sources={"29"}, keep="france") == ["13", "22"]
    assert quiet_territories(cov.assign(communes_dans_cpts=0), with_sources=set(), keep="france") == ["13", "35", "22", "29"]


def test_france_scope_says_the_quiet_departements_once_and_lists_territories(data_dir, multi):
    data_dir(multi)
    at = _page(scope="france")
    text = _coverage_text(at)
    paragraphs = [p for p in text.split("\n") if p.startswith("- **")]
    # was one paragraph per département, « aucune commune … Aucun chiffre des sources … » each time
    assert not any(p.startswith("- **Bouches") or p.startswith("- **Finistère") for p in paragraphs)
    quiet = paragraphs[-1]
    assert quiet.startswith("- **5 autres départements** (") and "Bouches\\-du\\-Rhône \\(13\\)" in quiet
    assert "aucun chiffre des sources du registre" in quiet
    assert any(p.startswith("- **Ille\\-et\\-Vilaine \\(35\\)** — calculé : 96 communes") for p in paragraphs)
    assert not at.button_group                       # no wall of buttons: a list
    box = next(s for s in at.selectbox if s.label == "Territoire")
    assert box.value == "france" and "Bouches-du-Rhône (13)" in box.options
    box.select("13").run()
    assert not at.exception
    outside = at.dataframe[1].value
    assert set(outside["departement"]) == {"Bouches-du-Rhône (13)"} and "13055" in set(outside["code"])


def test_bretagne_keeps_buttons_and_names_its_quiet_departements():
    at = _page()
    text = _coverage_text(at)
    assert text.count(NOTHING) == 0                  # Côtes-d'Armor and Finistère: one line together
    assert "- **2 autres départements** (Côtes\\-d'Armor \\(22\\), Finistère \\(29\\))" in text
    assert at.button_group(key="couv_scope").value == "53"


def test_france_map_opens_on_metropolitan_france_not_between_it_and_the_overseas_departements():
    import geopandas as gpd
    from shapely.geometry import Point

    from geo.views.coverage import scope_view

    communes = gpd.GeoDataFrame(
        {"code": ["35238", "13055", "97411", "97302"], "departement": ["35", "13", "974", "973"],
         "region": ["53", "93", "04", "03"]},
        geometry=[Point(-1.68, 48.11), Point(5.37, 43.30), Point(55.45, -20.88), Point(-52.33, 4.92)], crs="EPSG:4326")
    (lat, lon), zoom = scope_view(communes, "france", region=None, whole="france")
    assert 43.3 <= lat <= 48.11 and -1.68 <= lon <= 5.37 and zoom == 5.5   # was (13.6, 1.6): off West Africa
    (lat, lon), _ = scope_view(communes, "974", region=None, whole="france")
    assert (lat, lon) == (-20.88, 55.45)                                       # a département d'outre-mer itself


def test_signature_table_fits_a_laptop_screen():
    """At 1366 px the grid has 905 px: the « Communes cumulées » column was cut off (no width given)."""
    import json

    at = _page()
    table = at.dataframe[-1]
    cols = json.loads(table.proto.columns)
    shown = [c for c in table.value.columns]
    assert all(cols.get(c, {}).get("width") for c in shown), cols
    assert sum(cols[c]["width"] for c in shown) <= 900


def test_outside_table_shows_the_most_populous_and_a_search_reaches_the_others(monkeypatch):
    """France has ~34 700 communes outside the documented CPTS: styling them all took 2.6 s CPU on every
    rerun. The table shows the most populous (geo.views.coverage.OUTSIDE_SHOWN) and says so; the count,
    the search and the département choice still cover every commune."""
    import geo.views.coverage as coverage

    monkeypatch.setattr(coverage, "OUTSIDE_SHOWN", 100)
    at = _page()
    table = at.dataframe[1].value
    assert len(table) == 100 and table["code"].iloc[0] == "35238"              # Rennes first
    note = next(c.value for c in at.caption if "hors CPTS documentée" in c.value)
    assert note.startswith("1\u202f038 communes sur 1\u202f038") and "les 100 plus peuplées" in note
    at.text_input(key="couv_q").input("Île-Molène").run()
    found = at.dataframe[1].value
    assert list(found["nom"]) == ["Île-Molène"] and "plus peuplées" not in next(
        c.value for c in at.caption if "hors CPTS documentée" in c.value)
