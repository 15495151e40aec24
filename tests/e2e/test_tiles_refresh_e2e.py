"""End-to-end: the tile-drawn map follows a publication (ui/tiles_refresh.py) and the Fiches page's
small map of a tile-drawn scope draws the CPTS's communes (ui/fiche_map.py), in headless Chromium.

Its own server (not test_tiles_e2e.py's): this module publishes into its data copy and the server
rebuilds the tiles, which would change what the other module's tests see. The data set is a copy of
data/ drawn from tiles whatever its size (CPTS_TILES_MIN_COMMUNES=0), so tippecanoe runs in seconds.
"""
from __future__ import annotations

import json
import time

import pytest

from app_server import copy_data, running_app
from conftest import FOLIUM_IFRAME, MAP_TIMEOUT_MS

pytestmark = pytest.mark.e2e

SHRUNK_VITRE = "CPTS;Commune\r\nCPTS du Pays de Vitré;Vitré\r\nCPTS du Pays de Vitré;Balazé\r\n".encode()


@pytest.fixture(scope="module")
def tiles_app(tmp_path_factory):
    from geo.scope import get_scope
    from geo.tiles import build_tiles

    mp = pytest.MonkeyPatch()
    data = copy_data(tmp_path_factory.mktemp("tiles-refresh") / "data")
    scope = get_scope("53", root=data)
    info = build_tiles(scope, log=lambda s: None, registry_root=data / "registry")
    mp.setenv("CPTS_TILES_MIN_COMMUNES", "0")
    try:
        with running_app(data, tmp_path_factory.mktemp("tiles-refresh-log") / "streamlit.log") as base:
            yield base, data, scope, info
    finally:
        mp.undo()


def _map_frame(page):
    handle = page.wait_for_selector(FOLIUM_IFRAME, state="attached", timeout=MAP_TIMEOUT_MS)
    return handle.content_frame()


def test_fiches_small_map_of_a_tile_scope_draws_the_cptss_communes(tiles_app, page, network_log):
    base, data, scope, info = tiles_app
    from geo.atlas import Atlas
    codes = Atlas.load(registry_root=data / "registry", scope=scope).territory("pays-de-vitre").codes
    page.goto(base + "/Fiches_CPTS?cpts=pays-de-vitre", wait_until="commit")
    frame = _map_frame(page)
    frame.wait_for_function(f"() => document.body.getAttribute('data-communes-loaded') === '{len(codes)}'",
                            timeout=MAP_TIMEOUT_MS)
    assert frame.locator("path.leaflet-interactive").count() == len(codes)   # its communes, no others
    assert not any("/generated/communes-" in u for _, _, u in network_log.requests)
    network_log.assert_only_local()
    assert not network_log.page_errors, network_log.page_errors


def test_a_publication_shows_a_notice_then_the_rebuilt_tiles(tiles_app, page, network_log):
    base, data, scope, info = tiles_app
    from geo.atlas import Atlas
    from geo.importing import analyze, registry_codes
    from geo.matching import Matcher
    from geo.registry import load_registry
    from geo.registry.store import publish

    reg = data / "registry"
    atlas = Atlas.load(registry_root=reg, scope=scope)
    matcher, registry = Matcher(atlas.communes), load_registry(reg)
    publish(analyze(SHRUNK_VITRE, "liste.csv", atlas.communes, matcher, registry,
                    registry_codes(registry, atlas.communes, matcher)), reg, data / "backups")

    # the next visit draws the old tiles, never as current: a notice on the map, in French
    page.goto(base + "/", wait_until="commit")
    frame = _map_frame(page)
    frame.wait_for_selector(".cpts-tiles-notice", timeout=MAP_TIMEOUT_MS)
    text = frame.locator(".cpts-tiles-notice").inner_text()
    assert text.startswith("Carte en cours de mise à jour après la publication du ")
    assert text.endswith("les contours affichés peuvent dater d'avant.")

    # the server rebuilt the tiles in the background: the manifest names new tiles of the new data
    manifest = scope.dir / "tiles.json"
    deadline = time.monotonic() + MAP_TIMEOUT_MS / 1000
    while json.loads(manifest.read_text())["file"] == info.path.name:
        assert time.monotonic() < deadline, "the tiles were not rebuilt after the publication"
        time.sleep(0.5)
    new_file = json.loads(manifest.read_text())["file"]
    page.goto(base + "/", wait_until="commit")
    frame = _map_frame(page)
    frame.wait_for_selector("body[data-tiles-loaded]", state="attached", timeout=MAP_TIMEOUT_MS)
    assert frame.locator(".cpts-tiles-notice").count() == 0
    assert any(u.endswith(new_file) for _, _, u in network_log.requests)
    network_log.assert_only_local()
