"""CPTS names written on the map (presentation mode, issue 9.5) that never overlap each other nor
the map's controls (legend, zoom buttons, scale).

Only the browser knows how wide a name is drawn and where the legend stands at this window size,
so the placement runs there, on the label's real bounding boxes, each time the view changes (load,
fit, zoom, pan, resize, legend opened or folded). Labels come largest territory first
(geo/views/presentation.py); each one tries, in order, its full name on one line, the full name
wrapped on a few lines, then its short form (computed on the server), each at its point and then
nudged just above, below or beside it; the first placement that overlaps nothing already placed
and no control is kept, otherwise the label is hidden (``data-hidden``). A label whose point is
outside the visible map is hidden too. ``body[data-labels-placed]`` counts the placements (tests
wait on it).

Same rules as ui/map_elements.py: a constant template, values only as :func:`js_data` literals,
text written with ``textContent`` inside ``<bdi>``.
"""
from __future__ import annotations

from jinja2 import Template

from geo.views.presentation import short_label

from .map_elements import DataElement, js_data


class RoomLabels(DataElement):
    """Non-overlapping CPTS names (``.cpts-label``), for a projector."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    (function (map, d) {
        var box = map.getContainer(), items = [], count = 0, M = 4;
        d.labels.forEach(function (l) {
            var el = document.createElement("bdi");
            el.className = "cpts-label-text";
            el.style.cssText = "display:inline-block;position:relative;transform:translate(-50%,-50%);" +
                "text-align:center;font:700 " + d.px + "px/1.15 sans-serif;color:#111;" +
                "text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 4px #fff;";
            el.textContent = l[2];
            L.marker([l[0], l[1]], {interactive: false, keyboard: false,
                icon: L.divIcon({className: "cpts-label", iconSize: null, html: el})}).addTo(map);
            items.push({el: el, at: L.latLng(l[0], l[1]), full: l[2], short: l[3],
                        area: l[4] ? L.latLngBounds(l[4]) : null});
        });
        function hit(a, b) {
            return a.left < b.right + M && b.left < a.right + M && a.top < b.bottom + M && b.top < a.bottom + M;
        }
        function show(it, text, wrap, dx, dy) {
            it.el.textContent = text;
            it.el.style.whiteSpace = wrap ? "normal" : "nowrap";
            it.el.style.width = wrap ? "max-content" : "";
            it.el.style.maxWidth = wrap ? d.wrapPx + "px" : "none";
            it.el.style.left = dx + "px";
            it.el.style.top = dy + "px";
        }
        function place() {
            var cb = box.getBoundingClientRect(), size = map.getSize(), placed = [], hidden = 0;
            if (size.x <= 12 || size.y <= 12) { return; }
            // larger type on a larger map (a projector): d.px on a laptop's half screen, up to 1.35 times it
            var px = Math.round(d.px * Math.max(1, Math.min(1.35, size.x / 1000)));
            items.forEach(function (it) { it.el.style.fontSize = px + "px"; });
            box.querySelectorAll(".leaflet-control").forEach(function (c) {
                var r = c.getBoundingClientRect();
                if (r.width && r.height) { placed.push(r); }
            });
            items.forEach(function (it) {
                var p = map.latLngToContainerPoint(it.at), kept = null, T = null;
                it.el.style.visibility = "hidden";
                if (it.area) {  // the territory's box on screen: a label stays over its territory
                    var sw = map.latLngToContainerPoint(it.area.getSouthWest()),
                        ne = map.latLngToContainerPoint(it.area.getNorthEast());
                    T = {left: cb.left + sw.x, right: cb.left + ne.x, top: cb.top + ne.y, bottom: cb.top + sw.y};
                }
                if (p.x >= 0 && p.y >= 0 && p.x <= size.x && p.y <= size.y) {
                    var forms = [[it.full, false], [it.full, true]];
                    if (it.short) { forms.push([it.short, false]); }
                    // first pass: the whole label within its territory's box; second: its centre
                    for (var pass = 0; pass < 2 && !kept; pass++) {
                        var oneLine = 0;
                        for (var f = 0; f < forms.length && !kept; f++) {
                            show(it, forms[f][0], forms[f][1], 0, 0);
                            var r = it.el.getBoundingClientRect(), w = r.width, h = r.height;
                            if (f === 0) { oneLine = w; }
                            if (forms[f][1] && oneLine <= d.wrapPx) { continue; }  // one line: same as form 0
                            // at its point, then just above/below/beside it, then pushed back inside the map
                            var cx0 = Math.max(0, cb.left + M + 1 - r.left) + Math.min(0, cb.right - M - 1 - r.right),
                                cy0 = Math.max(0, cb.top + M + 1 - r.top) + Math.min(0, cb.bottom - M - 1 - r.bottom);
                            var moves = [[0, 0], [0, -0.8 * h], [0, 0.8 * h], [w / 4, 0], [-w / 4, 0],
                                         [0, -1.6 * h], [0, 1.6 * h], [cx0, cy0], [cx0, cy0 - 0.8 * h], [cx0, cy0 + 0.8 * h]];
                            for (var k = 0; k < moves.length && !kept; k++) {
                                var left = r.left + moves[k][0], top = r.top + moves[k][1];
                                var q = {left: left, top: top, right: left + w, bottom: top + h};
                                if (q.left < cb.left + M || q.top < cb.top + M || q.right > cb.right - M ||
                                    q.bottom > cb.bottom - M) { continue; }
                                if (T && pass === 0 && !(q.left >= T.left - M && q.right <= T.right + M &&
                                                         q.top >= T.top - M && q.bottom <= T.bottom + M)) { continue; }
                                var cx = (q.left + q.right) / 2, cy = (q.top + q.bottom) / 2;
                                if (T && !(cx >= T.left && cx <= T.right && cy >= T.top && cy <= T.bottom)) { continue; }
                                if (placed.some(function (o) { return hit(q, o); })) { continue; }
                                show(it, forms[f][0], forms[f][1], moves[k][0], moves[k][1]);
                                kept = q;
                            }
                        }
                    }
                }
                if (kept) {
                    placed.push(kept);
                    it.el.style.visibility = "";
                    it.el.removeAttribute("data-hidden");
                } else {
                    show(it, it.full, false, 0, 0);
                    it.el.setAttribute("data-hidden", "1");
                    hidden++;
                }
            });
            count++;
            document.body.setAttribute("data-labels-placed", String(count));
            document.body.setAttribute("data-labels-hidden", String(hidden));
        }
        var pending = false;
        function later() {
            if (pending) { return; }
            pending = true;
            window.requestAnimationFrame(function () { pending = false; place(); });
        }
        map.on("zoomend moveend resize", later);
        // the legend is a <details>: opening or folding it changes what it covers
        document.addEventListener("toggle", function (e) {
            if (e.target && e.target.classList && e.target.classList.contains("cpts-legend")) { later(); }
        }, true);
        if (document.fonts && document.fonts.ready) { document.fonts.ready.then(later); }
        // leaflet.css may load after this script: until then the controls sit in the page's flow
        if (document.readyState !== "complete") { window.addEventListener("load", later); }
        if (window.ResizeObserver) {  // a control that changes size (legend styled, opened, folded)
            var watched = new ResizeObserver(later);
            map.whenReady(function () {
                box.querySelectorAll(".leaflet-control").forEach(function (c) { watched.observe(c); });
            });
        }
        later();
    })({{ this._parent.get_name() }}, {{ this.data }});
    {% endmacro %}
    """)

    def __init__(self, labels: list[tuple], font_px: int = 15, wrap_px: int = 150):
        """``labels``: (lat, lon, text) or (lat, lon, text, bounds) with the territory's
        ``[[south, west], [north, east]]``, the ones to keep first when two collide first; any
        text, written literally in the browser; its short form is computed here (server side)."""
        super().__init__()
        self._name = "RoomLabels"
        self.labels = [(float(l[0]), float(l[1]), str(l[2]), short_label(str(l[2])), _bounds(l[3] if len(l) > 3 else None))
                       for l in labels]
        self.data = js_data({"labels": self.labels, "px": int(font_px), "wrapPx": int(wrap_px)})


def _bounds(b) -> list[list[float]] | None:
    """[[south, west], [north, east]] as floats, or None (not a box: the label is only kept on screen)."""
    try:
        (s, w), (n, e) = b
        return [[float(s), float(w)], [float(n), float(e)]]
    except (TypeError, ValueError):
        return None


__all__ = ["RoomLabels"]
