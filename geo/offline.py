"""Make folium maps use only local, vendored front-end assets.

This is the ONE place that knows how a ``folium.Map`` goes offline.  Pure
Python: it imports folium/branca, never Streamlit.

How it works
------------
folium declares the JS/CSS each element needs as ``default_js`` /
``default_css`` class attributes (``folium.folium._default_js`` for the Map:
Leaflet, jQuery, bootstrap, Leaflet.awesome-markers, font-awesome, ... all on
CDNs).  Both folium's own renderer (``JSCSSMixin.render``) and
streamlit-folium's ``st_folium`` (which walks the element tree and sends every
``getattr(elem, "default_js")`` URL to its iframe as ``js_links``/``css_links``)
read those attributes through the *instance*, so setting instance attributes
is enough -- no monkey-patching of folium classes, no global state.

* :func:`new_map` creates a Map with ``tiles=None`` and local Leaflet/jQuery.
* :func:`make_offline` (call it LAST, right before ``st_folium``) rewrites the
  Map's assets and checks every element of the figure: it raises
  :class:`OfflineAssetError` for anything that would still pull a file from
  the Internet (a plugin with CDN assets, ``folium.Icon`` which needs the
  dropped awesome-markers, a branca ColorMap for which st_folium hard-codes
  d3 CDN URLs, a tile layer nobody asked for).
* :func:`add_online_basemaps` adds OpenStreetMap / Plan IGN v2 tile layers,
  only when the app passes ``enabled=True`` (user opt-in).
* :func:`external_urls` lists every external URL in generated HTML/JS; the
  tests assert it is empty when no basemap was requested.

The vendored files live in ``static/vendor/`` (see its README.md, rebuilt by
``scripts/vendor_assets.py``) and are served by Streamlit's static file
serving at ``/app/static/vendor/...``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import branca.colormap
import branca.element
import folium
import folium.elements
import folium.map
import folium.raster_layers

__all__ = [
    "VENDOR_BASE_URL",
    "LEAFLET_VERSION",
    "JQUERY_VERSION",
    "BASEMAPS",
    "LOCAL_ASSETS",
    "OfflineAssetError",
    "local_js",
    "local_css",
    "new_map",
    "make_offline",
    "online_basemaps",
    "add_online_basemaps",
    "external_urls",
]

#: URL prefix under which Streamlit serves ``static/vendor/`` (needs
#: ``server.enableStaticServing = true``).  Absolute path on the Streamlit
#: server: it resolves the same from the main page and from the
#: streamlit-folium component iframe (same origin).  If the app is ever served
#: under ``server.baseUrlPath=X``, pass ``base_url="/X/app/static/vendor"``.
VENDOR_BASE_URL = "/app/static/vendor"

LEAFLET_VERSION = "1.9.4"
JQUERY_VERSION = "3.7.1"

# folium 0.20 also declares, for every Map, bootstrap JS/CSS, glyphicons,
# font-awesome, Leaflet.awesome-markers and its rotate CSS.  They only serve
# folium.Icon (refused below), so make_offline() simply drops them.

# Marker put on tile layers created by add_online_basemaps(): make_offline()
# lets those (and only those) keep their external tile URL.
_OPT_IN_ATTR = "_cpts_online_basemap"


class OfflineAssetError(RuntimeError):
    """An element of the map needs a resource that is not vendored locally."""


#: folium asset name -> file under static/vendor/.  The Map uses the first
#: three; to support a folium plugin, vendor its files (scripts/vendor_assets.py)
#: and add its asset names here: make_offline() then rewrites them.
LOCAL_ASSETS: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "jquery": "jquery/jquery.min.js",
    "leaflet_css": "leaflet/leaflet.css",
}
_MAP_JS = ("leaflet", "jquery")  # load order matters
_MAP_CSS = ("leaflet_css",)


def _local(name: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/{LOCAL_ASSETS[name]}"


def local_js(base_url: str = VENDOR_BASE_URL) -> list[tuple[str, str]]:
    """The Map's JS, in load order: ``[(name, url), ...]`` (folium's names)."""
    return [(n, _local(n, base_url)) for n in _MAP_JS]


def local_css(base_url: str = VENDOR_BASE_URL) -> list[tuple[str, str]]:
    """The Map's CSS: ``[(name, url), ...]`` (folium's names)."""
    return [(n, _local(n, base_url)) for n in _MAP_CSS]


# --------------------------------------------------------------------------
# URL detection
# --------------------------------------------------------------------------

# XML namespaces etc. that appear as text in HTML/SVG but are never fetched.
_NEVER_FETCHED = (
    "http://www.w3.org/",
    "https://www.w3.org/",
)

_ABS_URL = re.compile(
    r"""(?i)\b(?:https?|wss?|ftp):(?://|\\/\\/)(?:[^\s"'<>()\\`]|\\u[0-9a-f]{4}|\\/)+"""
)
# protocol-relative URLs in attributes, CSS url() and @import
_PROTO_REL = re.compile(
    r"""(?i)(?:(?:src|href|action|poster|data)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])(//[^\s"'<>()\\`]+)"""
)


def _is_external(url: str) -> bool:
    u = url.strip().lower()
    return u.startswith(("http://", "https://", "//", "ws://", "wss://", "ftp://"))


def external_urls(html: str) -> list[str]:
    """Every external URL found in *html* (or any generated JS/CSS text).

    Absolute ``http(s)``/``ws(s)``/``ftp`` URLs and protocol-relative
    ``//host/...`` references in ``src``/``href``/``url()``/``@import``.
    Relative paths, ``data:`` and ``blob:`` URLs are local and not reported;
    XML namespace strings (``http://www.w3.org/...``) are never fetched and
    are ignored.  Order of first appearance, without duplicates.

    It is deliberately conservative: an attribution link
    (``<a href="https://www.openstreetmap.org/copyright">``) counts too, so
    an empty result means the page cannot reach the Internet at all.
    """
    found: dict[str, None] = {}
    for m in _ABS_URL.finditer(html):
        url = m.group(0).rstrip(".,;:")
        if not url.replace("\\/", "/").lower().startswith(_NEVER_FETCHED):
            found.setdefault(url)
    for m in _PROTO_REL.finditer(html):
        found.setdefault(m.group(1))
    return list(found)


# --------------------------------------------------------------------------
# Map construction / conversion
# --------------------------------------------------------------------------


def _walk(element: branca.element.Element) -> Iterator[branca.element.Element]:
    yield element
    for child in list(getattr(element, "_children", {}).values()):
        yield from _walk(child)


def new_map(
    location: Iterable[float] | None = None,
    *,
    base_url: str = VENDOR_BASE_URL,
    **kwargs: Any,
) -> folium.Map:
    """A ``folium.Map`` with no tile layer and local Leaflet/jQuery.

    Same keyword arguments as ``folium.Map`` except ``tiles`` (always None:
    add an online basemap explicitly with :func:`add_online_basemaps`).
    """
    if kwargs.pop("tiles", None) is not None:
        raise ValueError(
            "new_map() never adds tiles: use add_online_basemaps(m, enabled=True)"
        )
    m = folium.Map(location=location, tiles=None, **kwargs)
    return make_offline(m, base_url=base_url)


def make_offline(m: folium.Map, base_url: str = VENDOR_BASE_URL) -> folium.Map:
    """Make *m* (and its whole figure) use only local assets; returns *m*.

    Idempotent.  Call it after the last element was added and right before
    rendering (``st_folium(make_offline(m), ...)``): it also validates the
    children, and raises :class:`OfflineAssetError` listing every element that
    would still need the network.
    """
    if not isinstance(m, folium.Map):
        raise TypeError(f"make_offline expects a folium.Map, got {type(m).__name__}")

    # The Map: replace folium's CDN list by local copies.  Instance
    # attributes shadow the class ones for both folium and st_folium; they
    # are fresh lists so JSCSSMixin.add_js_link() can't mutate the class'.
    m.default_js = local_js(base_url)
    m.default_css = local_css(base_url)

    root = m.get_root()
    problems: list[str] = []
    for el in _walk(root):
        label = f"{type(el).__module__}.{type(el).__name__}"
        if isinstance(el, folium.elements.JSCSSMixin) and el is not m:
            for attr in ("default_js", "default_css"):
                links = getattr(el, attr, [])
                rewritten = []
                for name, url in links:
                    if not _is_external(url):
                        rewritten.append((name, url))
                    elif name in LOCAL_ASSETS:  # vendored (or re-declared leaflet/jquery)
                        rewritten.append((name, _local(name, base_url)))
                    else:
                        problems.append(f"{label} loads {url} ({name})")
                if rewritten != list(links):
                    setattr(el, attr, rewritten)
        if isinstance(el, branca.colormap.ColorMap):
            problems.append(
                f"{label}: st_folium loads d3 from a CDN for any ColorMap added to the "
                "map; compute colours with it but draw the legend as HTML instead"
            )
        if type(el) is folium.map.Icon:
            problems.append(
                f"{label} needs Leaflet.awesome-markers/font-awesome (not vendored); "
                "use folium.CircleMarker or folium.DivIcon"
            )
        if isinstance(el, folium.raster_layers.TileLayer) and not getattr(el, _OPT_IN_ATTR, False):
            url = getattr(el, "tiles", "")
            if _is_external(str(url)):
                problems.append(
                    f"{label} fetches tiles from {url}; online basemaps must be "
                    "opt-in through add_online_basemaps()"
                )
        if isinstance(el, folium.raster_layers.WmsTileLayer) and _is_external(getattr(el, "url", "")):
            if not getattr(el, _OPT_IN_ATTR, False):
                problems.append(f"{label} fetches tiles from {el.url}")

    # Links a previous render() already put in the figure header (including
    # the dropped bootstrap/awesome-markers ones) would be rendered again.
    header = getattr(root, "header", None)
    if header is not None:
        for key, child in list(header._children.items()):
            if isinstance(child, (branca.element.JavascriptLink, branca.element.CssLink)):
                if _is_external(child.url):
                    del header._children[key]

    if problems:
        raise OfflineAssetError(
            "this map would load resources from the Internet:\n  - "
            + "\n  - ".join(dict.fromkeys(problems))
            + "\nVendor what is needed with scripts/vendor_assets.py and map it in geo/offline.py."
        )
    return m


# --------------------------------------------------------------------------
# Optional online basemaps (user opt-in only)
# --------------------------------------------------------------------------

#: name -> TileLayer keyword arguments.  Plan IGN v2 comes from the IGN
#: Géoplateforme WMTS (no API key), in the Web-Mercator "PM" tile matrix set.
BASEMAPS: dict[str, dict[str, Any]] = {
    "Plan IGN v2": dict(
        tiles=(
            "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&FORMAT=image/png"
            "&TILEMATRIXSET=PM&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
        ),
        attr='&copy; <a href="https://www.ign.fr/">IGN</a> – Géoplateforme',
        max_zoom=19,
        min_zoom=0,
    ),
    "OpenStreetMap": dict(
        tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        attr=(
            '&copy; <a href="https://www.openstreetmap.org/copyright">'
            "OpenStreetMap</a> contributors"
        ),
        max_zoom=19,
    ),
}


def online_basemaps(names: Iterable[str] | None = None) -> list[folium.TileLayer]:
    """Fresh TileLayers for the requested basemaps (default: all of BASEMAPS).

    They are base layers (``overlay=False``); only the first one is shown.
    They are marked as opted-in so that :func:`make_offline` accepts them.
    """
    selected = list(BASEMAPS) if names is None else list(names)
    layers = []
    for i, name in enumerate(selected):
        if name not in BASEMAPS:
            raise KeyError(f"unknown basemap {name!r}; choose from {sorted(BASEMAPS)}")
        layer = folium.TileLayer(name=name, overlay=False, control=True, show=(i == 0), **BASEMAPS[name])
        setattr(layer, _OPT_IN_ATTR, True)
        layers.append(layer)
    return layers


def add_online_basemaps(
    m: folium.Map,
    enabled: bool,
    names: Iterable[str] | None = None,
) -> folium.Map:
    """Add the online basemaps to *m* only if *enabled* (the user asked).

    With ``enabled=False`` (the default the app should use) nothing is added
    and the map stays fully offline.  Returns *m*.  Adding a
    ``folium.LayerControl`` to switch between them is left to the caller.
    """
    if enabled:
        for layer in online_basemaps(names):
            layer.add_to(m)
    return m
