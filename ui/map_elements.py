"""The Leaflet pieces of the app's maps, written so that text from files reaches the page only as data.

Why not plain folium/branca elements: branca renders every element's HTML/JS with Jinja, then
wraps the result in ``branca.element.Element(text)``, which compiles and renders that text AGAIN
as a Jinja template when the figure is rendered (``st_folium`` does so on every rerun). A CPTS
named ``{{ cycler.__init__.__globals__.os.popen('id').read() }}`` in a legend, a label, a tooltip,
a popup or GeoJSON properties therefore ran code on the server, and ``html.escape`` does not touch
``{{ }}``. Hence three rules, kept by every element of this module:

1. ``DataElement`` adds its rendered pieces to the figure as :class:`Verbatim` elements, which are
   returned as they are and never compiled or rendered as a template;
2. the templates themselves are constants of this module; values travel only as
   :func:`js_data` literals, in which every character of a string outside ``[A-Za-z0-9 .,:-]`` is a
   ``\\uXXXX`` escape — so whatever a file says, the script holds no ``{{``/``{%``/``{#``, no
   ``<``/``>``/``&``, no quote, and no ``_`` (streamlit-folium renames ``*_<id>`` words in the script);
3. the browser writes text with ``textContent`` (never ``innerHTML``), inside ``<bdi>`` so a
   right-to-left override in a name cannot reorder what follows it.

The big GeoJSON layers are fetched from static files (ui/data.py): their properties are raw text,
written with ``textContent`` too. A layer that cannot be fetched says so in the map, in French.
How the map sits in its window (size, fit, scale, focus) is ui/map_view.py, its legend ui/map_legend.py,
under the same rules.
"""
from __future__ import annotations

import json
import math
import re
import string

from branca.element import Element, MacroElement
from jinja2 import Template

from geo.views.indicator_model import HATCH

_JS_SAFE = frozenset(string.ascii_letters + string.digits + " .,:-")
_NUMBERS_ONLY = re.compile(r"[\[\]0-9.,eE+-]*")  # a JSON array of (arrays of) finite numbers only


def _u(c: str) -> str:
    o = ord(c)
    if o > 0xFFFF:  # astral plane: a UTF-16 surrogate pair, as JavaScript strings are
        o -= 0x10000
        return "\\u%04x\\u%04x" % (0xD800 + (o >> 10), 0xDC00 + (o & 0x3FF))
    return "\\u%04x" % o


def js_data(value: object) -> str:
    """A JavaScript/JSON literal of ``value`` (str, int, float, bool, None, list, tuple, dict).

    Hand-written because no JSON encoder escapes ASCII punctuation (``json.dumps`` escapes only
    non-ASCII, Jinja's ``tojson`` only ``< > & '``): here every string character outside
    ``[A-Za-z0-9 .,:-]`` becomes ``\\uXXXX``, so the literal is inert in HTML, in JavaScript and in
    any Jinja pass. Structural braces are always followed by a quote or a closing brace, never by
    ``{``, ``%`` or ``#``."""
    if isinstance(value, str):
        return '"' + "".join(c if c in _JS_SAFE else _u(c) for c in value) + '"'
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"nombre non fini dans les données de la carte : {value!r}")
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ",".join(js_data(str(k)) + ":" + js_data(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        # geometry coordinates: json.dumps gives the same literal at C speed when it holds only
        # numbers (a click's selection carries thousands of them); anything else takes the long way
        try:
            fast = json.dumps(value, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            fast = None
        if fast is not None and _NUMBERS_ONLY.fullmatch(fast):
            return fast
        return "[" + ",".join(js_data(v) for v in value) + "]"
    raise TypeError(f"type non prévu dans les données de la carte : {type(value).__name__}")


def color(c: str) -> str:
    """Only '#rrggbb' colours reach the map's CSS."""
    if not isinstance(c, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", c):
        raise ValueError(f"couleur invalide : {c!r}")
    return c


class Verbatim(Element):
    """Text already rendered: returned as is, never compiled nor rendered as a Jinja template."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class DataElement(MacroElement):
    """A MacroElement whose rendered header/html/script are added to the figure verbatim.

    Subclasses define a constant ``_template`` and put every value in it through ``js_data``."""

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
            macro = self._template.module.__dict__.get(part)
            if macro is not None:
                target.add_child(Verbatim(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


# One helper for every fetched layer. A file that cannot be read (removed, server restarting, network)
# shows a French message in the map and is fetched again with growing delays (1 s … 30 s): the
# server rewrites a missing layer file on its next rerun (ui/data.py), and the message goes away.
_LOAD_JS = """
    function cptsLoadMessage(map) {
        var failed = map.cptsFailed || {};
        var names = Object.keys(failed);
        var box = map.getContainer().querySelector(".cpts-load-error");
        if (!names.length) {
            if (box) { box.parentNode.removeChild(box); }
            document.body.removeAttribute("data-layer-error");
            return;
        }
        if (!box) {
            box = L.DomUtil.create("div", "cpts-load-error", map.getContainer());
            box.setAttribute("role", "alert");
            box.style.cssText = "position:absolute;z-index:1001;top:10px;left:50%;transform:translateX(-50%);" +
                "max-width:80%;background:#fff4e5;color:#5c3b00;border:1px solid #e69f00;border-radius:6px;" +
                "padding:8px 12px;font:14px/1.35 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);";
        }
        box.textContent = names.map(function (what) {
            return "Les " + what + " n\\u2019ont pas pu \\u00eatre charg\\u00e9s";
        }).join(" ; ") + " \\u2014 rechargez la page si cela dure.";
        document.body.setAttribute("data-layer-error", names.join(","));
    }
    function cptsFetch(map, url, what, done, attempt) {
        attempt = attempt || 0;
        // the first attempt takes the download static/cpts/prefetch.js started before Leaflet loaded
        var early = !attempt && window.cptsPrefetch && window.cptsPrefetch[url];
        if (early) { delete window.cptsPrefetch[url]; }
        (early || fetch(url, attempt ? {cache: "reload"} : {}).then(function (r) {
            if (!r.ok) { throw new Error("HTTP " + r.status); }
            return r.json();
        })).then(function (data) {
            done(data);
            if (map.cptsFailed) { delete map.cptsFailed[what]; }
            cptsLoadMessage(map);
        }).catch(function (err) {
            if (window.console) { console.warn("couche " + what + " : " + err); }
            map.cptsFailed = map.cptsFailed || {};
            map.cptsFailed[what] = true;
            cptsLoadMessage(map);
            window.setTimeout(function () { cptsFetch(map, url, what, done, attempt + 1); },
                              Math.min(30000, 1000 * Math.pow(2, attempt)));
        });
    }
"""


# The hatch of « Non renseigné » (geo.views.indicator_model.HATCH): the PNG's matplotlib hatch redrawn
# as an SVG pattern — same period, line width, direction (« / ») and colours, in map pixels — kept in
# a hidden <svg> of the page; ``cptsHatch(h, background)`` returns the fill "url(#…)" (Leaflet's SVG
# renderer writes fillColor into the path's fill attribute).
HATCH_JS = """
    function cptsHatch(h, bg) {
        var id = "cpts-hatch-" + bg.slice(1), NS = "http://www.w3.org/2000/svg";
        if (!document.getElementById(id)) {
            var holder = document.getElementById("cpts-patterns");
            if (!holder) {
                holder = document.createElementNS(NS, "svg");
                holder.setAttribute("id", "cpts-patterns");
                holder.setAttribute("width", "0");
                holder.setAttribute("height", "0");
                holder.style.cssText = "position:absolute;width:0;height:0;overflow:hidden;";
                holder.appendChild(document.createElementNS(NS, "defs"));
                document.body.appendChild(holder);
            }
            var p = h.period, q = p / 4, pat = document.createElementNS(NS, "pattern");
            pat.setAttribute("id", id);
            pat.setAttribute("patternUnits", "userSpaceOnUse");
            pat.setAttribute("width", p);
            pat.setAttribute("height", p);
            var rect = pat.appendChild(document.createElementNS(NS, "rect"));
            rect.setAttribute("width", p);
            rect.setAttribute("height", p);
            rect.setAttribute("fill", bg);
            var line = pat.appendChild(document.createElementNS(NS, "path"));
            line.setAttribute("d", "M0," + p + "L" + p + ",0M" + (-q) + "," + q + "L" + q + "," + (-q) +
                "M" + (p - q) + "," + (p + q) + "L" + (p + q) + "," + (p - q));
            line.setAttribute("stroke", h.color);
            line.setAttribute("stroke-width", h.width);
            holder.firstChild.appendChild(pat);
        }
        return "url(#" + id + ")";
    }
"""


def hatch_data() -> dict:
    """The hatch's geometry for the browser, from the one definition the PNG uses too."""
    return {"period": round(HATCH.period_px(), 3), "width": round(HATCH.line_px(), 3), "color": color(HATCH.color)}


class Labels(DataElement):
    """CPTS names written on their territory (presentation mode), with textContent."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    (function (map, d) {
        d.labels.forEach(function (l) {
            var el = document.createElement("bdi");
            el.style.cssText = "display:inline-block;transform:translate(-50%,-50%);white-space:nowrap;" +
                "font:700 " + d.px + "px sans-serif;color:#111;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 4px #fff;";
            el.textContent = l[2];
            L.marker([l[0], l[1]], {interactive: false, keyboard: false,
                icon: L.divIcon({className: "cpts-label", iconSize: null, html: el})}).addTo(map);
        });
    })({{ this._parent.get_name() }}, {{ this.data }});
    {% endmacro %}
    """)

    def __init__(self, labels: list[tuple[float, float, str]], font_px: int = 15):
        super().__init__()
        self._name = "Labels"
        self.labels = [(float(lat), float(lon), str(text)) for lat, lon, text in labels]
        self.data = js_data({"labels": self.labels, "px": int(font_px)})


class OutlineLayer(DataElement):
    """Non-interactive outlines (CPTS territories, départements) fetched from a static GeoJSON file.

    Keeps the map script small (a rerun re-renders it): only the URL, the style and the ids to
    show travel with it. Colours come from the file's ``color`` property (validated when the file
    was built) unless ``color`` is given."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    (function (map, d) {
        {{ this.load_js }}
        function style(f) {
            return {fill: false, color: d.color || f.properties.color || d.fallback, weight: d.weight, opacity: 0.95};
        }
        var layer = L.geoJson(null, {
            interactive: false,
            filter: function (f) { return d.ids === null || d.ids.indexOf(f.properties.id) >= 0; },
            style: style
        }).addTo(map);
        // a new colouring recolours these outlines in place (ui/map_recolour.py)
        map.cptsOutlines = map.cptsOutlines || {};
        map.cptsOutlines[d.what] = function (c) { d.color = c; layer.setStyle(style); };
        cptsFetch(map, d.url, d.what, function (data) { layer.addData(data); });
    })({{ this._parent.get_name() }}, {{ this.data }});
    {% endmacro %}
    """)

    def __init__(self, url: str, weight: float, default_color: str = "#333333", ids: list[str] | None = None,
                 what: str = "contours", fixed_color: str | None = None):
        super().__init__()
        self._name = "OutlineLayer"
        self.layer_url = str(url)  # downloaded as soon as the map's iframe starts (ui/map_component.py)
        self.load_js = _LOAD_JS
        self.data = js_data({"url": str(url), "weight": float(weight), "fallback": color(default_color),
                             "color": None if fixed_color is None else color(fixed_color),
                             "ids": None if ids is None else sorted(str(i) for i in ids), "what": str(what)})


class CommuneLayer(DataElement):
    """The communes layer, filled by the browser from a static GeoJSON file.

    The L.geoJson layer exists (empty) when the map script runs, so streamlit-folium binds its click
    handler to it; features added after the fetch propagate their clicks to it. The tooltip is
    built with textContent from the file's raw properties. ``codes`` keeps only those communes
    (a CPTS's own map); ``tooltip`` is "cpts" (commune, code, its CPTS) or "commune"."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    var {{ this.get_name() }} = (function (map, d) {
        {{ this.load_js }}
        {{ this.hatch_js }}
        function line(parent, label, value, bold) {
            var row = parent.appendChild(document.createElement("div"));
            if (label) { row.appendChild(document.createTextNode(label)); }
            row.appendChild(document.createElement(bold ? "b" : "bdi")).textContent = value;
            return row;
        }
        function style(f) {
            var code = f.properties.code, fill = d.fills[code] || d.defaultFill || f.properties.fill;
            if (d.hatched[code]) { fill = cptsHatch(d.hatch, fill); }
            return {fillColor: fill, fillOpacity: (f.properties.n || d.defaultFill) ? d.opacity : 0.45,
                    color: "#ffffff", weight: 0.6};
        }
        // a new colouring recolours the communes in place (ui/map_recolour.py): same map, same layer
        map.cptsRecolourCommunes = function (c) {
            d.fills = c.fills; d.hatched = c.hatched; d.defaultFill = c.defaultFill; d.opacity = c.opacity;
            layer.setStyle(style);
        };
        var layer = L.geoJson(null, {
            filter: function (f) { return d.codes === null || d.codes.indexOf(f.properties.code) >= 0; },
            style: style
        }).addTo(map);
        // One tooltip and one pair of hover handlers for the whole layer, not one per commune: the
        // communes' events reach their L.geoJson group (Leaflet's event parents), whose tooltip
        // content receives the commune's own layer. Binding them on each of ~1 200 paths was half
        // of the layer's drawing time in Chromium (issue 10's navigation profile).
        layer.bindTooltip(function (l) {
            var p = l.feature.properties, box = document.createElement("div");
            box.className = "cpts-tooltip";
            if (d.tooltip === "commune") {
                line(box, "Commune : ", p.nom, false);
                line(box, "Code INSEE : ", p.code, false);
            } else {
                var first = line(box, "", p.nom, true);
                first.appendChild(document.createTextNode(" (" + p.code + ")"));
                line(box, "CPTS : ", p.cpts, false);
            }
            return box;
        }, {sticky: true});
        layer.on("mouseover", function (e) { e.layer.setStyle({weight: 2.5, color: "#222222", fillOpacity: Math.max(0.75, d.opacity)}); });
        layer.on("mouseout", function (e) { layer.resetStyle(e.layer); });
        cptsFetch(map, d.url, d.what, function (data) {
            // drawn in the next animation frame, after the map's own fit to its final size
            // (ui/map_view.py FitOnLoad, whose frame callback was registered first): the layer
            // file, fetched early (static/cpts/prefetch.js), often arrived before it, and the
            // ~1 200 paths were then drawn twice, once before and once after the fit
            window.requestAnimationFrame(function () {
                layer.addData(data);
                layer.bringToBack();
                document.body.setAttribute("data-communes-loaded", String(data.features.length));
            });
        });
        return layer;
    })({{ this._parent.get_name() }}, {{ this.data }});
    {% endmacro %}
    """)

    def __init__(self, url: str, fills: dict[str, str] | None = None, opacity: float = 0.55,
                 codes: list[str] | None = None, tooltip: str = "cpts", hatched: list[str] | None = None,
                 default_fill: str | None = None):
        """``fills``: INSEE code -> colour overriding the CPTS colour (thematic maps, timeline);
        ``hatched``: codes drawn with the « Non renseigné » hatch over their fill; ``default_fill``:
        the colour of every other commune (thematic maps: « Aucune CPTS documentée »), at ``opacity``."""
        super().__init__()
        if tooltip not in ("cpts", "commune"):
            raise ValueError(f"tooltip inconnu : {tooltip!r}")
        self._name = "CommuneLayer"
        self.layer_url = str(url)  # downloaded as soon as the map's iframe starts (ui/map_component.py)
        self.load_js = _LOAD_JS
        self.hatch_js = HATCH_JS
        self.data = js_data({"url": str(url), "opacity": float(opacity), "tooltip": tooltip,
                             "fills": {str(k): color(v) for k, v in sorted((fills or {}).items())},
                             "hatched": {str(k): True for k in sorted(hatched or [])}, "hatch": hatch_data(),
                             "defaultFill": None if default_fill is None else color(default_fill),
                             "codes": None if codes is None else sorted(str(c) for c in codes),
                             "what": "contours des communes"})


class SelectionShape(DataElement):
    """A non-interactive outline or highlight of one geometry (the selected commune or CPTS).

    Geometry and style only, no text; a DataElement so the click's rerun renders no Jinja template."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    L.geoJson({{ this.data }}.geometry, {interactive: false, style: function () { return {{ this.style }}; }})
        .addTo({{ this._parent.get_name() }});
    {% endmacro %}
    """)

    def __init__(self, geometry: dict, style: dict):
        super().__init__()
        self._name = "SelectionShape"
        self.data = js_data({"geometry": geometry})
        self.style = js_data(style)


__all__ = ["js_data", "color", "Verbatim", "DataElement", "Labels", "HATCH_JS", "hatch_data",
           "OutlineLayer", "CommuneLayer", "SelectionShape"]
