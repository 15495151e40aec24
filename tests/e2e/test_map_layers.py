"""End-to-end (issue 11, item 1): never a blank map after a data change.

The map's layers are static files (ui/data.py). A publish made while pages are open must not
remove the files those pages use; a layer that cannot be fetched says so in the map, in French,
and the map recovers by itself once the file is back (the server rewrites a missing file on its
next rerun). The app runs on its own copy of data/ with one CPTS renamed, so its layer files are
its own and deleting them cannot disturb another server of the checkout.
"""
from __future__ import annotations

import re

import pytest
import yaml

from app_server import copy_data, geo_cli, running_app
from conftest import FOLIUM_IFRAME, MAP_TIMEOUT_MS, REPO_ROOT, http_get, wait_for_folium_map

pytestmark = pytest.mark.e2e

GENERATED = REPO_ROOT / "static" / "generated"
MESSAGE = "Les contours des communes n\u2019ont pas pu \u00eatre charg\u00e9s"


@pytest.fixture(scope="module")
def layers_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("layers")
    data = copy_data(root / "data")
    f = data / "registry" / "cpts" / "pays-de-vitre.yaml"
    doc = yaml.safe_load(f.read_text(encoding="utf-8"))
    f.write_text(f.read_text(encoding="utf-8").replace(f"nom: {doc['nom']}", f"nom: {doc['nom']} (essai couches)", 1),
                 encoding="utf-8")
    with running_app(data, root / "streamlit.log") as base:
        yield base, data, root


def _communes_url(network_log) -> str:
    urls = [u for _, _, u in network_log.requests if re.search(r"/app/static/generated/communes-[0-9a-f]+\.json$", u)]
    assert urls, "the communes layer was never requested"
    return urls[-1]


def test_unreachable_layer_says_so_and_recovers(layers_app, page, network_log):
    base, _, _ = layers_app
    page.route(re.compile(r".*/static/generated/communes-[0-9a-f]+\.json$"),
               lambda route: route.fulfill(status=404, body="File not found"))
    page.goto(base + "/", wait_until="commit")
    frame = page.frame_locator(FOLIUM_IFRAME).last
    box = frame.locator(".cpts-load-error")
    box.wait_for()
    assert MESSAGE in box.inner_text() and "rechargez la page" in box.inner_text()
    page.unroute(re.compile(r".*/static/generated/communes-[0-9a-f]+\.json$"))
    # the layer is fetched again by itself: the communes appear and the message goes away
    frame.locator("body[data-communes-loaded]").wait_for(state="attached")
    box.wait_for(state="detached")
    network_log.assert_only_local()


def test_publish_keeps_the_files_of_open_pages_and_a_removed_file_comes_back(layers_app, page, network_log, browser):
    base, data, root = layers_app
    page.goto(base + "/", wait_until="commit")
    m = wait_for_folium_map(page)
    m.frame.wait_for_selector("body[data-communes-loaded]", state="attached")
    old_url = _communes_url(network_log)

    # publish a change from the CLI while the page is open (another process, as a second server would)
    listing = root / "liste.csv"
    listing.write_text("CPTS;Code INSEE;Commune\nCPTS essai couches;29232;Quimper\n", encoding="utf-8")
    out = geo_cli(data, "import", str(listing))
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]

    # the open page's file is still served
    assert http_get(base + old_url.split(base, 1)[1])[0] == 200
    # a new page sees the new version
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(MAP_TIMEOUT_MS)  # a second visitor, with the suite's (scalable) limits
    try:
        other = ctx.new_page()
        urls: list[str] = []
        other.on("request", lambda r: urls.append(r.url))
        other.goto(base + "/", wait_until="commit")
        m2 = wait_for_folium_map(other)
        m2.frame.wait_for_selector("body[data-communes-loaded]", state="attached")
        new_url = [u for u in urls if "/generated/communes-" in u][-1]
        assert new_url != old_url
        assert http_get(base + old_url.split(base, 1)[1])[0] == 200

        # someone removes the current file: the next rerun (a new page) writes it again
        path = GENERATED / new_url.rsplit("/", 1)[1]
        path.unlink()
        other.goto(base + "/", wait_until="commit")
        m3 = wait_for_folium_map(other)
        m3.frame.wait_for_selector("body[data-communes-loaded]", state="attached")
        assert path.exists()
        assert m3.frame.locator(".cpts-load-error").count() == 0
    finally:
        ctx.close()
    network_log.assert_only_local()
