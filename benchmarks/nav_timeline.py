"""Where the time of one cold navigation goes, in Chromium: ``bench_app.py --timeline`` (issue 10).

The page's and the map iframe's resource timings (Streamlit's front-end folded into one line) and
marks set by a script injected in every frame: the script run's states, the component iframe's
arrival, Leaflet evaluated, each layer's JSON.parse and L.GeoJSON.addData, the communes loaded.
All times are ms from the navigation's start (frames share the epoch clock).
"""
from __future__ import annotations

# Marks of one navigation, in every frame (ms since the epoch, comparable across frames): the
# script run's state changes, the iframe's appearance, Leaflet's arrival, the communes' JSON parse
# and drawing (L.GeoJSON.addData), the communes layer loaded.
_MARKS_JS = r"""
(() => {
  const T = () => performance.timeOrigin + performance.now(), marks = window.__benchMarks = [];
  const mark = (what, t0) => marks.push([what, t0 === undefined ? T() : t0, T()]);
  Response.prototype.json = function () {
    const name = this.url.split("/").pop().split("-")[0];
    return this.text().then(s => { const t0 = T(), v = JSON.parse(s); mark("JSON.parse " + name, t0); return v; });
  };
  let leaflet;
  Object.defineProperty(window, "L", {configurable: true, get() { return leaflet; }, set(v) {
    leaflet = v; mark("Leaflet evaluated");
    const addData = v.GeoJSON.prototype.addData;
    v.GeoJSON.prototype.addData = function (d) {
      const t0 = T(), out = addData.call(this, d);
      if (d && d.features) { mark("addData " + d.features.length + " features", t0); }
      return out;
    };
  }});
  let state = null, iframe = false, loaded = false;
  new MutationObserver(() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const now = app && app.getAttribute("data-test-script-state");
    if (now && now !== state) { state = now; mark("script state " + now); }
    if (!iframe && document.querySelector("iframe")) { iframe = true; mark("component iframe in the page"); }
    if (!loaded && document.body && document.body.hasAttribute("data-communes-loaded")) {
      loaded = true; mark("communes loaded");
    }
  }).observe(document, {attributes: true, childList: true, subtree: true});
})();
"""
_ENTRIES_JS = """() => [performance.getEntriesByType("resource").map(e => [e.name, performance.timeOrigin + e.startTime,
    performance.timeOrigin + e.responseEnd, e.decodedBodySize]), window.__benchMarks || [], performance.timeOrigin]"""


def timeline(browser, url: str, wait, viewport: dict) -> list[tuple[float, str]]:
    """Where one cold navigation's time goes, in ms from its start: resources (start -> end) and
    marks. ``wait(page)`` returns the map's frame once the map is interactive."""
    ctx = browser.new_context(viewport=viewport)
    ctx.add_init_script(_MARKS_JS)
    page = ctx.new_page()
    page.goto(url + "/")
    frame = wait(page)
    done = page.evaluate("() => performance.timeOrigin + performance.now()")
    (res, marks, origin), (fres, fmarks, forigin) = page.evaluate(_ENTRIES_JS), frame.evaluate(_ENTRIES_JS)
    ctx.close()
    out = [(origin, origin, "navigation start"), (forigin, forigin, "component iframe document requested")]
    st_js = [e for e in res if "/static/js/" in e[0] or "/static/css/" in e[0]]
    if st_js:
        out.append((min(e[1] for e in st_js), max(e[2] for e in st_js),
                    f"Streamlit front-end: {len(st_js)} files, {sum(e[3] for e in st_js) / 1e6:.2f} MB"))
    for name, t0, t1, size in [*res, *fres]:
        if "/static/js/" in name or "/static/css/" in name or "/static/media/" in name:
            continue
        out.append((t0, t1, f"{name.split('?')[0].replace(url, '')} ({size / 1e3:.0f} kB)"))
    out += [(t0, t1, what) for what, t0, t1 in [*marks, *fmarks]] + [(done, done, "interactive (seen by the benchmark)")]
    return [(t0 - origin, f"{what}" + (f" -> {t1 - origin:.0f}" if t1 - t0 >= 1 else ""))
            for t0, t1, what in sorted(out)]


__all__ = ["timeline"]
