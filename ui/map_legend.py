"""The map's legend, a Leaflet control that folds into a « Légende » button, and the hatch pattern
of « Non renseigné » it shares with the communes layer (issue 9.3).

Same rules as ui/map_elements.py: a constant template, values only as :func:`js_data` literals,
text written with ``textContent`` inside ``<bdi>``. Items come from
geo.views.indicators.legend_items (thematic maps, the PNG draws the same) or ui.map.default_legend.
"""
from __future__ import annotations

from jinja2 import Template

from .map_elements import HATCH_JS, DataElement, color, hatch_data, js_data

KINDS = ("fill", "hatch", "line", "text")


def legend_rows(items: list[tuple]) -> list[tuple[str, str, str]]:
    """(colour, label, kind) rows, colours checked: what the browser's legend receives as data."""
    rows = []
    for item in items:
        c, label, kind = (*item, "fill") if len(item) == 2 else item
        if kind not in KINDS:
            raise ValueError(f"type d'entrée de légende inconnu : {kind!r}")
        rows.append(("" if kind == "text" else color(c), str(label), kind))
    return rows


class Legend(DataElement):
    """The legend, folded by default when the map is narrower than ``open_min_px`` (a laptop's half
    screen: the open legend covered 17 % of the map and the south coast) or when, open, it would
    cover more than ``open_max_share`` of the map; open on a projector, compact (small type, a
    narrow box where long names wrap).

    ``items``: (colour, label) or (colour, label, kind) with kind "fill" (a coloured box), "hatch"
    (the hatch of geo.views.indicator_model.HATCH over the colour, as the map and the PNG draw it),
    "line" (a CPTS outline) or "text" (a line without a swatch, colour "")."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    (function (map, d) {
        {{ this.hatch_js }}
        var NS = "http://www.w3.org/2000/svg";
        function swatch(row, it) {
            if (it[2] === "text") { row.style.fontStyle = "italic"; row.style.paddingLeft = "0"; row.style.textIndent = "0"; return; }
            var sw = row.appendChild(document.createElementNS(NS, "svg"));
            sw.setAttribute("width", "12");
            sw.setAttribute("height", "12");
            sw.setAttribute("class", "cpts-legend-swatch cpts-legend-" + it[2]);
            sw.style.cssText = "vertical-align:-2px;margin-right:5px;overflow:visible;";
            var shape = sw.appendChild(document.createElementNS(NS, it[2] === "line" ? "line" : "rect"));
            if (it[2] === "line") {
                shape.setAttribute("x1", "0"); shape.setAttribute("x2", "12");
                shape.setAttribute("y1", "6"); shape.setAttribute("y2", "6");
                shape.setAttribute("stroke", it[0]); shape.setAttribute("stroke-width", "2.5");
            } else {
                shape.setAttribute("x", "0.5"); shape.setAttribute("y", "0.5");
                shape.setAttribute("width", "11"); shape.setAttribute("height", "11");
                shape.setAttribute("stroke", "#444444"); shape.setAttribute("stroke-width", "1");
                shape.setAttribute("fill", it[2] === "hatch" ? cptsHatch(d.hatch, it[0]) : it[0]);
            }
        }
        function fill(body, titleText, items) {
            while (body.firstChild) { body.removeChild(body.firstChild); }
            var title = L.DomUtil.create("div", "cpts-legend-title", body);
            title.style.cssText = "font-weight:600;margin-bottom:2px;";
            title.appendChild(document.createElement("bdi")).textContent = titleText;
            items.forEach(function (it) {
                var row = L.DomUtil.create("div", "cpts-legend-item", body);
                row.style.cssText = "padding-left:18px;text-indent:-18px;";
                row.setAttribute("data-kind", it[2]);
                swatch(row, it);
                row.appendChild(document.createElement("bdi")).textContent = it[1];
            });
        }
        var c = L.control({position: "bottomleft"});
        c.onAdd = function () {
            var box = L.DomUtil.create("details", "cpts-legend");
            // its own width (max-content), so its size is right before leaflet.css has loaded
            box.style.cssText = "width:max-content;background:rgba(255,255,255,.94);border-radius:6px;" +
                "font:12px/1.3 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);font-size:" + d.px + "px;";
            var sum = L.DomUtil.create("summary", "cpts-legend-toggle", box);
            sum.style.cssText = "cursor:pointer;padding:4px 8px;font-weight:600;";
            sum.textContent = "L\u00e9gende";
            var body = L.DomUtil.create("div", "cpts-legend-body", box);
            body.style.cssText = "padding:0 8px 6px;max-width:" + d.maxw + "px;";
            fill(body, d.title, d.items);
            L.DomEvent.disableClickPropagation(box);
            L.DomEvent.disableScrollPropagation(box);
            return box;
        };
        c.addTo(map);
        // open only where it hides little of the map (a projector), otherwise a « Légende » button;
        // decided again when the map takes its final size, until the user opens or folds it
        var box = c.getContainer(), touched = false;
        box.querySelector("summary").addEventListener("click", function () { touched = true; });
        function decide() {
            if (touched) { return; }
            var size = map.getSize();
            box.open = size.x >= d.openMin;
            if (box.open && box.offsetWidth * box.offsetHeight > d.maxShare * size.x * size.y) { box.open = false; }
        }
        decide();
        map.on("resize", decide);
        // a new colouring rewrites the legend in place (ui/map_recolour.py), same text rules
        map.cptsRecolourLegend = function (titleText, items) {
            fill(box.querySelector(".cpts-legend-body"), titleText, items);
            decide();
        };
        window.requestAnimationFrame(function () { map.invalidateSize({pan: false}); decide(); });
    })({{ this._parent.get_name() }}, {{ this.data }});
    {% endmacro %}
    """)

    def __init__(self, title: str, items: list[tuple], font_px: int = 12, open_min_px: int = 760,
                 open_max_share: float = 0.10):
        """Any text, written literally in the browser; colours must be '#rrggbb' (except "text" items)."""
        super().__init__()
        self._name = "Legend"
        self.hatch_js = HATCH_JS
        self.title = str(title)
        self.items = legend_rows(items)
        self.data = js_data({"title": self.title, "items": self.items, "px": int(font_px),
                             "openMin": int(open_min_px), "maxw": 20 * int(font_px),
                             "maxShare": float(open_max_share), "hatch": hatch_data()})


__all__ = ["Legend", "KINDS", "legend_rows"]
