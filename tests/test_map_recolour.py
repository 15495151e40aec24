"""A new colouring of the home map keeps the map's script (so streamlit-folium keeps its iframe,
Leaflet and the fetched layers) and reaches the browser as data in the selection's script."""
from __future__ import annotations

import pytest
import streamlit_folium as sf

from geo.mapdata import build_map_data
from geo.views.indicators import classify
from ui.map import MapStyle, build_base_map, default_legend, thematic_style
from ui.map_component import pieces_of, show_map
from ui.map_elements import CommuneLayer, js_data
from ui.map_recolour import colouring_data, neutral_style, recolour_script

URLS = {"communes": "/app/static/generated/communes-a.json", "territoires": "/app/static/generated/territoires-b.json",
        "departements": "/app/static/generated/departements-c.json"}


@pytest.fixture(scope="module")
def md(atlas):
    return build_map_data(atlas.communes, atlas.territories)


@pytest.fixture(scope="module")
def styles(atlas, md):
    out = {"cpts": MapStyle(legend_items=default_legend(md))}
    for key in ("population", "sans_medecin_traitant", "annee_signature"):
        out[key] = thematic_style(classify(key, atlas.territories, atlas.registry), atlas.territories)
    return out


def test_every_colouring_has_the_same_base_script(md, styles):
    scripts = {pieces_of(build_base_map(md, URLS, style=neutral_style(s))).script for s in styles.values()}
    assert len(scripts) == 1
    assert "cptsRecolourCommunes" in scripts.pop()
    # and the colourings differ: each one's script carries its own fills and legend
    assert len({recolour_script(s) for s in styles.values()}) == len(styles)


def test_the_browser_gets_the_fills_the_map_used_to_carry(styles):
    s = styles["sans_medecin_traitant"]
    data = colouring_data(s)
    layer = CommuneLayer(URLS["communes"], dict(s.fills), opacity=s.opacity, hatched=list(s.hatched),
                         default_fill=s.default_fill)
    assert js_data(data["fills"]) in layer.data and js_data(data["hatched"]) in layer.data
    assert data["opacity"] == s.opacity and data["defaultFill"] == s.default_fill and data["outline"] == s.outline_color
    assert [i[1] for i in data["items"]] == [i[1] for i in s.legend_items] and data["title"] == s.legend_title
    assert data["fills"] and data["hatched"]


def test_a_hostile_legend_is_inert_data():
    evil = "{{ cycler.__init__.__globals__.os.popen('id').read() }}</script><img src=x onerror=alert(1)>"
    script = recolour_script(MapStyle(legend_title=evil, legend_items=(("#123456", evil),)))
    assert "{{" not in script and "<" not in script and "__" not in script and "'" not in script
    assert script.count(js_data(evil)) == 2


def test_a_bad_colour_is_refused():
    with pytest.raises(ValueError):
        recolour_script(MapStyle(fills=(("35360", "red;background:url(x)"),)))


def test_a_new_colouring_keeps_the_component_key_and_sends_its_colours(md, styles, monkeypatch):
    calls = []
    monkeypatch.setattr(sf, "_component_func", lambda **kw: calls.append(kw))
    base = pieces_of(build_base_map(md, URLS, style=neutral_style(styles["cpts"])))
    for s in (styles["cpts"], styles["population"]):
        show_map(base.__class__(**{**base.__dict__, "recolour": recolour_script(s)}), "SEL;", key="carte",
                 height=600, returned_objects=[])
    a, b = calls
    assert a["key"] == b["key"] and a["script"] == b["script"]
    assert a["feature_group"] == "SEL;" + recolour_script(styles["cpts"])
    assert b["feature_group"] == "SEL;" + recolour_script(styles["population"])
