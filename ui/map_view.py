"""How the map sits in its window (issue 9.1, 9.2): it fills its iframe, fits its territory tightly
once it has its final size, shows a metric scale, and a click never scrolls the page.

The same rules as ui/map_elements.py: constant templates, values only as :func:`js_data` literals.
"""
from __future__ import annotations

from jinja2 import Template

from .map_elements import DataElement, js_data


class MetricScale(DataElement):
    """Leaflet's scale bar in kilometres only (folium's control_scale adds miles too)."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    L.control.scale({imperial: false, position: "bottomright"}).addTo({{ this._parent.get_name() }});
    {% endmacro %}
    """)


class FitOnLoad(DataElement):
    """Fit the given bounds tightly once the map has its final size, and again when that size
    changes (the iframe follows the window) until the user moves the map himself.

    Sets ``body[data-map-fitted]`` once fitted at the final size (tests wait on it; the legend
    has decided whether it opens by then)."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    (function (map, bounds) {
        var fitting = false, userMoved = false;
        function fit() {
            map.invalidateSize({pan: false});
            var size = map.getSize();
            if (size.x <= 12 || size.y <= 12) { return; }  // not laid out yet: no zoom fits
            fitting = true;
            var snap = map.options.zoomSnap;
            map.options.zoomSnap = 0;  // tight: a 0.25 snap could leave 16 % of the map empty
            try {
                map.fitBounds(bounds, {padding: [6, 6], animate: false});
            } finally {
                map.options.zoomSnap = snap;
                fitting = false;
            }
        }
        map.on("dragstart", function () { userMoved = true; });
        map.on("zoomstart", function () { if (!fitting) { userMoved = true; } });
        map.on("resize", function () { if (!userMoved) { fit(); } });
        fit();
        window.requestAnimationFrame(function () {  // the iframe has its final size: fit for good
            if (!userMoved) { fit(); }
            document.body.setAttribute("data-map-fitted", "1");
        });
    })({{ this._parent.get_name() }}, {{ this.data }});
    {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "FitOnLoad"
        self.data = js_data([[float(v) for v in corner] for corner in bounds])


class WindowSizedMap(DataElement):
    """The map fills its iframe (whose height the page sets from the window, ui/map_component.py),
    and a click never scrolls the page.

    Why the focus handler: Leaflet's keyboard handler focuses the map container on the first
    mousedown with ``focus()``, which scrolls every ancestor — the Streamlit PAGE included — to
    show the whole container. When the map ran below the fold (1366×768), the page jumped ~40 px
    between mousedown and mouseup, the two landed on different points and the browser fired no
    click: the first click was lost, the second (container already focused) worked. Focusing it
    first with ``preventScroll`` keeps the keyboard handler (it sees the map focused) and the page
    still."""

    _template = Template("""
    {% macro header(this, kwargs) %}
    <style>html, body {height: 100%; margin: 0; overflow: hidden}
    #map_div {height: 100vh !important; width: 100% !important}</style>
    {% endmacro %}
    {% macro script(this, kwargs) %}
    (function (map) {
        var box = map.getContainer();
        box.addEventListener("mousedown", function () {
            if (document.activeElement !== box) { box.focus({preventScroll: true}); }
        }, true);
    })({{ this._parent.get_name() }});
    {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "WindowSizedMap"


__all__ = ["MetricScale", "FitOnLoad", "WindowSizedMap"]
