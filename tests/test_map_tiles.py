"""ui/map_tiles.py: what the tile map's script carries (issue 10, France speed)."""
from __future__ import annotations

import re

import pytest

from geo.tiles import TilesInfo
from ui.map_elements import js_data
from ui.map_tiles import TileLayers, fill_groups

TILES = TilesInfo(url="/app/static/tiles/53/cpts-0000000000000000.pmtiles", path=None, digest="x", minzoom=3,
                  maxzoom=10, communes_minzoom=7, bounds=(-5.0, 47.0, -1.0, 49.0), n_communes=3, size=1)


def test_fills_travel_grouped_by_colour_and_expand_to_every_commune():
    fills = {"35360": "#aa0000", "35238": "#00bb00", "2A004": "#aa0000", "35001": "#00bb00"}
    groups = fill_groups(fills)
    assert groups == {"#00bb00": "35001,35238", "#aa0000": "2A004,35360"}
    # what the browser rebuilds from them (the same loop as the template's)
    back = {code: c for c, codes in groups.items() for code in codes.split(",")}
    assert back == fills


def test_a_france_sized_colouring_is_small_in_the_script():
    codes = [f"{d:02d}{i:03d}" for d in range(1, 96) for i in range(1, 370)]   # ~35 000 communes
    fills = {c: ("#123456", "#abcdef", "#fedcba")[i % 3] for i, c in enumerate(codes)}
    one_pair_each = len(js_data(fills))
    grouped = len(TileLayers(TILES, fills).data)
    assert grouped < one_pair_each / 3.5, (grouped, one_pair_each)


def test_fills_refuse_bad_colours_and_codes():
    with pytest.raises(ValueError):
        fill_groups({"35360": "red;background:url(x)"})
    with pytest.raises(ValueError):
        fill_groups({"35360,35238": "#aa0000"})


def test_the_script_is_data_only():
    layer = TileLayers(TILES, {"35360": "#aa0000"}, {"t1": "#aa0000"}, ids=["t1"])
    assert re.fullmatch(r"[\x20-\x7e]*", layer.data)
    assert "{{" not in layer.data and "{%" not in layer.data
    assert js_data("#aa0000") in layer.data and "35360" in layer.data
