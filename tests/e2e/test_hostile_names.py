"""End-to-end (issue 12): CPTS with hostile names, imported through ``python -m geo import`` into a
copy of data/, show literally everywhere in Chromium — map legend, tooltip, panel, presentation
labels and every page — and nothing runs: no template evaluated on the server (``{{7*7}}`` never
becomes 49, ``id`` never runs), no script or dialog in the browser, no request leaving localhost,
no traceback in the server log.

The app runs on its own server with CPTS_DATA_DIR=<the copy> (``hostile_app``); it shares
static/generated/ with any other server of the checkout, as two real servers would.
"""
from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest
import yaml

from app_server import copy_data, geo_cli, running_app
from conftest import APP_EXCEPTION, FOLIUM_IFRAME, run_and_wait_for_rerun, wait_for_folium_map
from geo.views.presentation import short_label

pytestmark = pytest.mark.e2e

MAIN = '[data-testid="stMain"]'
CANARY = Path("/tmp/cpts-e2e-ssti-canary")
# (name, INSEE code, commune): communes of Finistère, in no documented CPTS.
ROWS = [
    ("CPTS A{{7*7}}Z", "29232", "Quimper"),
    ("CPTS {% for x in range(3) %}X{% endfor %}", "29019", "Brest"),
    ("CPTS {{ cycler.__init__.__globals__.os.popen(dict(id=1)|first).read() }}", "29151", "Morlaix"),
    ("CPTS {{ cycler.__init__.__globals__.os.popen('touch " + str(CANARY) + "').read() }}", "29020", "Briec"),
    ("<script>alert(1)</script> CPTS", "29039", "Concarneau"),
    ("<img src=x onerror=alert(1)> CPTS", "29233", "Quimperlé"),
    ("CPTS $x^2$ **gras** [lien](http://127.0.0.2/x)", "29046", "Douarnenez"),
    ('=HYPERLINK("http://127.0.0.2/f") CPTS', "29103", "Landerneau"),
    ("CPTS \u202eesrever\u202c zéro\u200blargeur", "29024", "Carhaix-Plouguer"),
]
NAMES = [r[0] for r in ROWS]
EVALUATED = ("A49Z", "XXX", "uid=")  # what the payloads become if a template ran


def _plain(text: str) -> str:
    """Text as a reader sees it: word joiners some escaping inserts are invisible."""
    return text.replace("\u2060", "")


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory):
    """A copy of data/ with the hostile CPTS imported and published by the CLI; their ids by name."""
    root = tmp_path_factory.mktemp("hostile-data")
    data = copy_data(root / "data")
    listing = root / "liste.csv"
    with open(listing, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["CPTS", "Code INSEE", "Commune"])
        w.writerows(ROWS)
    out = geo_cli(data, "import", str(listing), "--json")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    result = json.loads(out.stdout)
    ids = {t["nom"]: t["id"] for t in result["territories"]}
    assert set(ids) == set(NAMES), ids
    # The registry may normalise a name on publishing (invisible bidi/zero-width marks): what the
    # pages must show literally is the published name.
    published = {}
    for raw, cid in ids.items():
        published[raw] = yaml.safe_load((data / "registry" / "cpts" / f"{cid}.yaml").read_text(encoding="utf-8"))["nom"]
    return data, ids, published


@pytest.fixture(scope="module")
def hostile_app(hostile_data, tmp_path_factory):
    """The app on the hostile copy; yields (base URL, log path)."""
    log_path = tmp_path_factory.mktemp("hostile-log") / "streamlit.log"
    CANARY.unlink(missing_ok=True)
    with running_app(hostile_data[0], log_path) as base:
        yield base, log_path


@pytest.fixture
def dialogs(page):
    """Every alert/confirm/prompt any frame of the page opened (dismissed at once)."""
    seen: list[str] = []

    def on_dialog(d):
        seen.append(d.message)
        d.dismiss()
    page.on("dialog", on_dialog)
    return seen


def _assert_nothing_ran(page, dialogs, network_log) -> None:
    """No template evaluated, no markup from a name, no dialog, nothing fetched outside localhost."""
    assert not CANARY.exists(), "a CPTS name ran a command on the server"
    texts = [page.locator("body").inner_text()]
    for frame in page.frames:
        try:
            texts.append(frame.evaluate("() => document.body ? document.body.innerText : ''"))
        except Exception:  # a frame detached meanwhile
            pass
    for text in texts:
        for bad in EVALUATED:
            assert bad not in text, f"{bad!r} in the page: a template ran"
    injected = page.evaluate("""() => {
        const bad = [];
        const docs = [document, ...[...document.querySelectorAll('iframe')].map(f => {
            try { return f.contentDocument; } catch (e) { return null; } }).filter(Boolean)];
        for (const d of docs) {
            d.querySelectorAll('img[src="x"], a[href*="127.0.0.2"], .katex').forEach(e => bad.push(e.outerHTML.slice(0, 120)));
            d.querySelectorAll('script').forEach(s => { if (s.textContent.includes('alert(1)') && !s.src) bad.push('script'); });
            d.querySelectorAll('strong, b').forEach(e => {
                if (e.textContent.trim() === 'gras') bad.push(e.outerHTML); });
        }
        return bad;
    }""")
    assert injected == [], injected
    assert dialogs == []
    assert page.locator(APP_EXCEPTION).count() == 0, page.locator(APP_EXCEPTION).first.inner_text()[:2000]
    network_log.assert_only_local()


def _latlon_to_page(m, lat: float, lon: float) -> tuple[float, float]:
    x, y = m.frame.evaluate("([a, b]) => { const p = window.map.latLngToContainerPoint([a, b]); return [p.x, p.y]; }",
                            [lat, lon])
    box = m.iframe.bounding_box()
    assert 0 < x < box["width"] and 0 < y < box["height"], (x, y, box)
    under = m.frame.evaluate("([x, y]) => document.elementFromPoint(x, y).getAttribute('class')", [x, y])
    assert "leaflet-interactive" in (under or ""), under
    return box["x"] + x, box["y"] + y


def _hover(page, x: float, y: float) -> None:
    """Move onto (x, y) in a few steps: Leaflet opens a sticky tooltip on the moves after mouseover."""
    page.mouse.move(x - 6, y - 6)
    page.mouse.move(x, y, steps=4)


def _commune_center(m, code: str) -> tuple[float, float]:
    """The centre of the commune's drawn polygon, brought to the upper right of the map (away from
    the legend, which hides the lower left and grows with nine long names)."""
    m.frame.wait_for_selector("body[data-communes-loaded]", state="attached")
    return m.frame.evaluate("""(code) => {
        let found = null;
        window.map.eachLayer(l => { if (!found && l.feature && l.feature.properties && l.feature.properties.code === code) found = l; });
        const c = found.getCenter();
        window.map.setView(c, 11, {animate: false});
        const size = window.map.getSize();
        window.map.panBy([-0.25 * size.x, 0.25 * size.y], {animate: false});
        return [c.lat, c.lng];
    }""", code)


def test_map_legend_tooltip_and_panel_show_names_literally(hostile_app, hostile_data, page, network_log, dialogs):
    base, _ = hostile_app
    shown = hostile_data[2]
    t0 = time.monotonic()
    page.goto(base + "/", wait_until="commit")
    m = wait_for_folium_map(page, started=t0)
    legend = m.frame.locator(".cpts-legend")
    legend.wait_for()
    if not legend.evaluate("e => e.open"):  # folded into « Légende » on a narrow map (issue 9.2)
        legend.locator("summary").click()
    legend_text = legend.inner_text()
    for name in NAMES:
        assert shown[name] in legend_text, name
    # hover Quimper: the tooltip names its CPTS as typed
    lat, lon = _commune_center(m, "29232")
    _hover(page, *_latlon_to_page(m, lat, lon))
    tip = m.frame.locator(".leaflet-tooltip").first
    tip.wait_for(state="visible")
    assert "CPTS : CPTS A{{7*7}}Z" in tip.inner_text() and "Quimper" in tip.inner_text()
    # hover then click Concarneau (<script> name), the panel shows the CPTS by its name
    lat, lon = _commune_center(m, "29039")
    xy = _latlon_to_page(m, lat, lon)
    _hover(page, *xy)
    run_and_wait_for_rerun(page, lambda: page.mouse.click(*xy))
    page.locator(MAIN).get_by_text("Code INSEE 29039").wait_for()
    assert "<script>alert(1)</script> CPTS" in _plain(page.locator(MAIN).inner_text())
    assert "<script>alert(1)</script> CPTS" in m.frame.locator(".leaflet-tooltip").first.inner_text()
    assert m.frame.locator(".cpts-load-error").count() == 0
    _assert_nothing_ran(page, dialogs, network_log)


@pytest.mark.parametrize("code", ["29151", "29019", "29024"])
def test_deep_link_to_a_hostile_commune(hostile_app, hostile_data, page, network_log, dialogs, code):
    base, _ = hostile_app
    name = hostile_data[2][next(r[0] for r in ROWS if r[1] == code)]
    page.goto(f"{base}/?commune={code}", wait_until="commit")
    wait_for_folium_map(page)
    page.locator(MAIN).get_by_text(f"Code INSEE {code}").wait_for()
    assert name in _plain(page.locator(MAIN).inner_text())
    _assert_nothing_ran(page, dialogs, network_log)


def test_presentation_mode_labels_and_key_figures(hostile_app, hostile_data, page, network_log, dialogs):
    base, _ = hostile_app
    _, ids, shown = hostile_data
    name = "CPTS {{ cycler.__init__.__globals__.os.popen(dict(id=1)|first).read() }}"
    page.goto(f"{base}/?mode=presentation&cpts={ids[name]}", wait_until="commit")
    m = wait_for_folium_map(page)
    m.frame.locator("body[data-labels-placed]").wait_for(state="attached")
    # the text of every label (a label that would overlap another is shortened or hidden: issue 9.5)
    labels = m.frame.evaluate("() => [...document.querySelectorAll('.cpts-label-text')].map(e => e.textContent)")
    # presentation labels drop the « CPTS » prefix; written literally, in full or in their short form
    for full in shown.values():
        short = full.replace("CPTS ", "", 1) if full.startswith("CPTS ") else full
        assert short in labels or short_label(short) in labels, (short, labels)
    assert shown[name] in _plain(page.locator(MAIN).inner_text())
    _assert_nothing_ran(page, dialogs, network_log)


def _open_page(page, url: str, ready: str) -> None:
    page.goto(url, wait_until="commit")
    page.locator(f"{MAIN}, {APP_EXCEPTION}").first.wait_for()
    page.locator(f"{ready}, {APP_EXCEPTION}").first.wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]')"
                           ".getAttribute('data-test-script-state') === 'notRunning'")


@pytest.mark.parametrize("name", [NAMES[0], NAMES[2], NAMES[4], NAMES[5], NAMES[6], NAMES[8]])
def test_fiche_page_shows_the_name_literally(hostile_app, hostile_data, page, network_log, dialogs, name):
    base, _ = hostile_app
    _, ids, shown = hostile_data
    _open_page(page, f"{base}/Fiches_CPTS?cpts={ids[name]}", f"{MAIN} h1")
    page.locator(FOLIUM_IFRAME).first.wait_for()
    frame = page.frame_locator(FOLIUM_IFRAME).first
    frame.locator("body[data-communes-loaded]").wait_for(state="attached")
    assert shown[name] in _plain(page.locator(MAIN).inner_text())
    _assert_nothing_ran(page, dialogs, network_log)


@pytest.mark.parametrize("path, ready", [
    ("/Comparer", f"{MAIN} h1"),
    ("/Couverture", f"{MAIN} h1"),
    ("/Sources", f"{MAIN} h1"),
    ("/Importer", f"{MAIN} h1"),
])
def test_other_pages_render_nothing_from_the_names(hostile_app, page, network_log, dialogs, path, ready):
    base, _ = hostile_app
    _open_page(page, base + path, ready)
    _assert_nothing_ran(page, dialogs, network_log)


def test_server_log_has_no_traceback(hostile_app):
    """Last of the module: everything above ran on this server."""
    _, log_path = hostile_app
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-4000:]
    assert "uid=" not in log
    assert not CANARY.exists()
