"""Text from files reaches the map only as data: never a Jinja template, never HTML (issue 12).

The maps are rendered the way the app renders them — the whole figure (``get_root().render()``,
which st_folium runs on every rerun) and the pieces streamlit-folium sends to its iframe — with
CPTS names that are template, HTML, Markdown, mathtext, formula and bidi payloads.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re

import branca.element
import folium
import folium.elements
import folium.map
import pytest
import streamlit_folium

from geo.mapdata import build_map_data
from ui.map import MapStyle, build_base_map, default_legend, selection_group, territory_map
from ui.map_elements import DataElement, js_data
from ui.map_legend import Legend

CANARY = "/tmp/cpts-ssti-canary"
HOSTILE = [
    "CPTS A{{7*7}}Z",
    "CPTS {% for x in range(3) %}X{% endfor %}",
    "CPTS {{ cycler.__init__.__globals__.os.popen(dict(id=1)|first).read() }}",
    "CPTS {{ cycler.__init__.__globals__.os.popen('touch " + CANARY + "').read() }}",
    "CPTS {# hidden #} commentaire",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "CPTS $x^2$ et **gras** [lien](http://evil.example/)",
    '=HYPERLINK("http://evil.example","x")',
    "CPTS \u202eevil\u202c fin \u200b\u200dcachée",
    "CPTS l'Émeraude & « Rance » \U0001F600 map_div _abc",
]
URLS = {"communes": "/app/static/generated/communes-x.json", "territoires": "/app/static/generated/territoires-x.json",
        "departements": "/app/static/generated/departements-x.json"}
LITERAL_SCRIPT = re.compile(r"<script[^>]*>\s*alert|<img\s", re.I)


@pytest.fixture(scope="module")
def hostile_atlas(atlas):
    """The real territories, every mapped one renamed with payloads (ids kept)."""
    mapped = [t for t in atlas.territories if t.perimetre_connu]
    names = {t.id: " ".join(HOSTILE[i::len(mapped)]) for i, t in enumerate(mapped)}  # every payload used
    territories = [dataclasses.replace(t, nom=names[t.id]) if t.id in names else t for t in atlas.territories]
    return territories, names


@pytest.fixture(scope="module")
def hostile_md(atlas, hostile_atlas):
    return build_map_data(atlas.communes, hostile_atlas[0])


def _everything_st_folium_renders(m: folium.Map, fg: folium.FeatureGroup | None = None) -> str:
    """The full figure, then the html/header/script/feature-group strings st_folium sends."""
    if os.path.exists(CANARY):
        os.remove(CANARY)
    parts = [m.get_root().render()]
    m.render()
    parts += [streamlit_folium._get_html(m), streamlit_folium._get_header(m), streamlit_folium._get_map_string(m)]
    if fg is not None:
        parts.append(streamlit_folium._get_feature_group_string(fg, m))
    return "\n".join(parts)


def _assert_inert(out: str) -> None:
    assert not os.path.exists(CANARY), "a CPTS name ran a command on the server"
    assert "uid=" not in out
    assert "A49Z" not in out and "XXX" not in out
    for delim in ("{%", "{#"):
        assert delim not in out
    assert "{{" not in out  # st_folium leaves no template expression either
    assert not LITERAL_SCRIPT.search(out)
    assert "http://evil" not in out  # the link text stays escaped data, never a URL in the page


def _decoded_literals(out: str) -> set[str]:
    """Every JS string literal of the script, decoded (what the browser will hold as text)."""
    found = set()
    for s in re.findall(r'"(?:[^"\\]|\\.)*"', out):
        try:
            found.add(json.loads(s))
        except ValueError:
            pass
    return found


def test_js_data_is_inert_and_round_trips():
    for s in HOSTILE:
        lit = js_data(s)
        assert re.fullmatch(r'"[A-Za-z0-9 .,:\\u-]*"', lit), lit
        assert json.loads(lit) == s
    nested = {"a_b": [1, 2.5, None, True, {"c{{": "d}}"}]}
    assert json.loads(js_data(nested)) == nested
    assert "{{" not in js_data(nested) and "_" not in js_data(nested)
    with pytest.raises(ValueError):
        js_data(float("nan"))


def test_map_data_keeps_names_raw(hostile_md, hostile_atlas):
    """The GeoJSON files hold the names as typed: the browser writes them as text, not HTML."""
    _, names = hostile_atlas
    assert {i["nom"] for i in hostile_md.legend} == set(names.values())
    assert {f["properties"]["nom"] for f in hostile_md.territories["features"]} == set(names.values())
    cpts_labels = " ; ".join(f["properties"]["cpts"] for f in hostile_md.communes["features"])
    assert "<img src=x" in cpts_labels and "&lt;" not in cpts_labels


@pytest.mark.parametrize("presentation", [False, True])
def test_home_map_renders_hostile_names_as_data(hostile_md, hostile_atlas, presentation):
    territories, names = hostile_atlas
    labels = tuple((48.1, -1.2 - i / 10, n) for i, n in enumerate(names.values())) if presentation else ()
    style = MapStyle(legend_title="Titre {{7*7}} <b>", legend_items=default_legend(hostile_md),
                     labels=labels, presentation=presentation)
    m = build_base_map(hostile_md, URLS, style=style)
    t = next(t for t in territories if t.perimetre_connu)
    out = _everything_st_folium_renders(m, selection_group(hostile_md, t.codes[0], [t.id]))
    _assert_inert(out)
    texts = _decoded_literals(out)
    assert set(names.values()) <= {s.removesuffix(" (périmètre approché)") for s in texts}
    assert "Titre {{7*7}} <b>" in texts


def test_fiche_map_renders_hostile_names_as_data(hostile_md, hostile_atlas):
    territories, _ = hostile_atlas
    t = next(t for t in territories if t.perimetre_connu)
    out = _everything_st_folium_renders(territory_map(hostile_md, URLS, t.id, list(t.codes), "#0072B2"))
    _assert_inert(out)
    assert set(t.codes) <= _decoded_literals(out)


def test_legend_output_is_never_rendered_again():
    """A DataElement's output is added verbatim: even a template delimiter in it stays text."""
    m = folium.Map(tiles=None)

    class Raw(DataElement):
        _template = branca.element.Template("{% macro html(this, kwargs) %}{{ this.s }}{% endmacro %}")

        def __init__(self, s):
            super().__init__()
            self.s = s
    Raw("A{{ 6*7 }}Z").add_to(m)
    Legend("A{{ 6*7 }}Z", [("#123456", "A{{ 6*7 }}Z")]).add_to(m)
    out = m.get_root().render()
    assert "A{{ 6*7 }}Z" in out and "A42Z" not in out


def test_every_map_element_is_inert(hostile_md, hostile_atlas):
    """Guard for later changes: only our DataElements (or elements with no text) in the app's maps."""
    territories, _ = hostile_atlas
    t = next(t for t in territories if t.perimetre_connu)
    maps = [build_base_map(hostile_md, URLS, online_basemap=True), territory_map(hostile_md, URLS, t.id, list(t.codes), "#0072B2")]
    allowed = (DataElement, folium.Map, folium.TileLayer, folium.LayerControl, branca.element.Figure,
               folium.elements.ElementAddToElement,
               branca.element.JavascriptLink, branca.element.CssLink)
    for m in maps:
        m.get_root().render()
        for el in _walk(m):
            if isinstance(el, folium.GeoJson):
                assert el.data["features"][0]["properties"] == {} if "features" in el.data else el.data["properties"] == {}
            elif type(el) is branca.element.Element:
                continue  # the figure's header/html/script holders and branca's meta tags
            else:
                assert isinstance(el, allowed), f"{type(el).__name__} could carry text into a template"
            assert not isinstance(el, (folium.Tooltip, folium.Popup, folium.DivIcon, folium.map.Marker))


def _walk(el):
    yield el
    for child in list(getattr(el, "_children", {}).values()):
        yield from _walk(child)
