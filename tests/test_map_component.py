"""ui/map_component.py sends streamlit-folium's iframe exactly what st_folium would send, from
pieces that are cached per data version and view (only the selection is rendered per click)."""
from __future__ import annotations

import urllib.parse

import pytest
import streamlit_folium as sf

from geo.mapdata import build_map_data
from ui.map import MapStyle, build_base_map, default_legend, selection_group
from ui.map_component import PREFETCH_JS, _scripts_to_load, pieces_of, selection_script, show_map
from ui.map_elements import js_data

URLS = {"communes": "/app/static/generated/communes-a.json", "territoires": "/app/static/generated/territoires-b.json",
        "departements": "/app/static/generated/departements-c.json"}


@pytest.fixture(scope="module")
def md(atlas):
    return build_map_data(atlas.communes, atlas.territories)


@pytest.fixture
def sent(monkeypatch):
    """The keyword arguments of every component call."""
    calls = []
    monkeypatch.setattr(sf, "_component_func", lambda **kw: calls.append(kw) or {"sent": True})
    return calls


@pytest.mark.parametrize("presentation, online, commune", [(False, False, "35360"), (True, True, None),
                                                           (False, False, "56061")])
def test_same_payload_as_st_folium(md, atlas, sent, presentation, online, commune):
    labels = ((48.1, -1.2, "Vitré"),) if presentation else ()
    style = MapStyle(legend_items=default_legend(md), labels=labels, presentation=presentation)
    ids = [t.id for t in atlas.territories_of(commune)] if commune else ["pays-de-redon"]
    kwargs = dict(key="carte", height=680, returned_objects=["last_object_clicked", "last_active_drawing"],
                  center=(48.1, -1.2), zoom=10)
    sf.st_folium(build_base_map(md, URLS, online_basemap=online, style=style), use_container_width=True,
                 feature_group_to_add=selection_group(md, commune, ids), **kwargs)
    pieces = pieces_of(build_base_map(md, URLS, online_basemap=online, style=style))
    assert show_map(pieces, selection_script([selection_group(md, commune, ids)]), **kwargs) == {"sent": True}
    expected, got = sent
    expected.pop("on_change"), got.pop("on_change")
    # the selection's script is written without st_folium's throwaway folium figure (≈5 ms a
    # click): the same statements in the same order, only the layout (white space) differs
    want, have = expected.pop("feature_group"), got.pop("feature_group")
    assert "".join(have.split()) == "".join(want.split())
    # the scripts loaded before the map's: the layer files' early download first, no jQuery
    # (nothing in the map uses it), then Leaflet as st_folium sends it
    js, st_js = got.pop("js_links"), expected.pop("js_links")
    assert js[1:] == [u for u in st_js if not u.endswith("/jquery.min.js")] and len(st_js) == 2
    assert js[0] == PREFETCH_JS + "?" + urllib.parse.urlencode(
        [("u", URLS["communes"]), ("u", URLS["territoires"]), ("u", URLS["departements"])])
    assert got == expected
    assert "feature_group_feature_group_0" in have


def test_jquery_is_loaded_only_when_something_may_use_it():
    leaflet, jquery = "/app/static/vendor/leaflet/leaflet.js", "/app/static/vendor/jquery/jquery.min.js"
    plugin = "/app/static/vendor/protomaps-leaflet/protomaps-leaflet.js"
    assert _scripts_to_load([leaflet, jquery], "L.map(x);", []) == [leaflet]
    assert _scripts_to_load([leaflet, jquery], "$(document).ready(f);", []) == [leaflet, jquery]
    assert _scripts_to_load([leaflet, jquery, plugin], "L.map(x);", []) == [leaflet, jquery, plugin]
    assert _scripts_to_load([leaflet, jquery], "", ["/a.json"])[0] == PREFETCH_JS + "?u=%2Fa.json"


def test_pieces_do_not_depend_on_the_selection_and_are_plain_strings(md, atlas):
    a = pieces_of(build_base_map(md, URLS))
    b = pieces_of(build_base_map(md, URLS))
    assert a == b and isinstance(a.script, str) and a.map_id == "map_div"
    assert js_data(URLS["communes"]) in a.script


def test_on_change_stores_the_value_under_the_key_then_calls_back(md, sent, monkeypatch):
    import streamlit as st
    state = {}
    monkeypatch.setattr(st, "session_state", state)
    seen = []
    show_map(pieces_of(build_base_map(md, URLS)), None, key="carte", height=600, returned_objects=[],
             on_change=lambda: seen.append(dict(state)))
    call = sent[0]
    state[call["key"]] = {"last_object_clicked": {"lat": 48.1, "lng": -1.2}}
    call["on_change"]()
    assert seen == [{call["key"]: state[call["key"]], "carte": {"last_object_clicked": {"lat": 48.1, "lng": -1.2}}}]
    assert call["feature_group"] is None
