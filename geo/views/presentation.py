"""Presentation mode (issue 9.5), the pure part: the order of the walk through the CPTS and where
their names are written on the map.

The walk follows the **signature date** of each CPTS's ACI (the registry's ``aci_signe`` jalon,
the same dates as the timeline, geo/views/timeline.py), so a room sees the CPTS in the order they
were signed; mapped CPTS without a documented signature come after them, from west to east. The
order is said on screen (:data:`ORDER_LABEL`).

Names sit at the pole of inaccessibility of the territory (shapely's ``polylabel``: the point
inside farthest from its edges, so the name stands in the middle of the territory, never outside as
a centroid can be), without the « CPTS du » prefix every name shares; a long name also has a short
form (parenthesis dropped, cut at a word) that the browser uses when the full one would overlap
another label or the legend (ui/map_labels.py). Pure: no Streamlit, no folium.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from shapely.geometry import MultiPolygon, Polygon
from shapely.ops import polylabel

from ..formatting import fr_date
from ..registry import Registry
from ..territories import Territory
from . import facts
from .timeline import DAY, signature_of

ORDER_LABEL = "date de signature"
SHORT_MAX = 22  # characters of a short label (about 9 em at the map's label size)
TITLE_MAX = 72  # characters of a document title in the one-line footnote
MAX_FIGURES = 5

_PREFIX = re.compile(r"^CPTS\s+(?:du\s+|des\s+)?")
_PAREN = re.compile(r"\s*\([^)]*\)\s*$")


@dataclass(frozen=True)
class Stop:
    """One CPTS of the walk."""
    id: str
    nom: str
    signed: str | None    # « ACI signé le 29 septembre 2022 », None when the sources date no signature


def walk(territories: list[Territory]) -> list[Stop]:
    """The mapped CPTS in the order of the walk: signature date (then name), then the CPTS whose
    signature the sources do not date, west to east."""
    signed, undated = [], []
    for t in territories:
        if not t.perimetre_connu:
            continue
        s = signature_of(t)
        if s is None:
            lat, lon = label_point(t.geometry) if t.geometry is not None else (0.0, 0.0)
            undated.append(((lon, t.nom), Stop(t.id, t.nom, None)))
        else:
            when = f"le {fr_date(s.date)}" if s.precision == DAY else f"en {fr_date(s.date)}"
            signed.append(((s.end, s.start, t.nom), Stop(t.id, t.nom, f"ACI signé {when}")))
    return [s for _, s in sorted(signed, key=lambda x: x[0])] + [s for _, s in sorted(undated, key=lambda x: x[0])]


def step(ids: list[str], current: str | None, delta: int) -> str | None:
    """The id ``delta`` stops from ``current`` (wrapping round); from no CPTS (or one outside the
    walk), « next » is the first and « previous » the last."""
    if not ids:
        return None
    if current in ids:
        return ids[(ids.index(current) + delta) % len(ids)]
    return ids[0] if delta > 0 else ids[-1]


def display_name(nom: str) -> str:
    """The name written on the map: without the « CPTS », « CPTS du », « CPTS des » prefix."""
    return _PREFIX.sub("", nom, count=1) or nom


def short_label(text: str, limit: int = SHORT_MAX) -> str | None:
    """A shorter form of a map label, or None when the label is already short.

    « non nommée (16 communes d'Amanlis à Vern-sur-Seiche) » -> « non nommée » ; a long name is cut
    at a word with « … »."""
    s = _PAREN.sub("", text).strip() or text
    if len(s) > limit:
        cut = s[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-–—") or s[:limit]
        s = cut + "…"
    return None if s == text else s


def label_point(geometry) -> tuple[float, float]:
    """(lat, lon) of the point inside the territory farthest from its edges (its largest part for a
    multipolygon), to 4 decimals (~10 m)."""
    if isinstance(geometry, MultiPolygon):
        geometry = max(geometry.geoms, key=lambda g: g.area)
    if isinstance(geometry, Polygon) and not geometry.is_empty:
        minx, miny, maxx, maxy = geometry.bounds
        p = polylabel(geometry, tolerance=max(maxx - minx, maxy - miny) / 200 or 1e-6)
        if not geometry.contains(p):  # polylabel works on the exterior ring's cells: be sure
            p = geometry.representative_point()
    else:
        p = geometry.representative_point()
    return round(p.y, 4), round(p.x, 4)


def territory_labels(territories: list[Territory]) -> tuple[tuple, ...]:
    """(lat, lon, label, CPTS id, ((south, west), (north, east))) of every territory with a
    geometry, largest territory first: the browser keeps the first labels when two would overlap,
    and keeps each label over its territory's box."""
    out = []
    for t in territories:
        g = t.geometry
        if g is None or g.is_empty:
            continue
        w, s, e, n = (round(v, 4) for v in g.bounds)
        out.append((g.area, t.id, (*label_point(g), display_name(t.nom), t.id, ((s, w), (n, e)))))
    return tuple(label for _, _, label in sorted(out, key=lambda x: (-x[0], x[1])))


def map_labels(labels: tuple, only=None) -> tuple:
    """What the map element takes from :func:`territory_labels`: (lat, lon, label, bounds), for
    the CPTS ids in ``only`` (all when None)."""
    return tuple((lat, lon, text, bounds) for lat, lon, text, cid, bounds in labels if only is None or cid in only)


def room_figures(t: Territory, registry: Registry) -> tuple[list[facts.Figure], str | None]:
    """The 3 to 5 figures a room reads, each tagged déclaré/calculé (geo/views/facts.py), and the
    sentence on the gap between the declared and the calculated population (or None).

    In this order, as far as the sources give them: population déclarée and calculée, communes
    (COG), share of patients without médecin traitant, funding, communes déclarées."""
    pops, gap = facts.population_figures(t, registry)
    communes = facts.commune_figures(t, registry)
    figs = (pops + [f for f in communes if f.nature == facts.CALCULE] + facts.smt_figures(t, registry)[:1]
            + facts.funding_figures(t, registry)[:1] + [f for f in communes if f.nature == facts.DECLARE])
    return figs[:MAX_FIGURES], gap


@dataclass(frozen=True)
class Document:
    """A source document as the footnote cites it."""
    id: str
    title: str          # the document's own title, cut at a word past TITLE_MAX characters
    kind: str           # « communiqué de presse »
    date: str           # « 29 septembre 2022 »


def cut(text: str, limit: int) -> str:
    """``text`` cut at a word with « … » when longer than ``limit`` characters."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    return (text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-–—") or text[:limit]) + "…"


def documents(ids: list[str], registry: Registry) -> list[Document]:
    """The source documents ``ids`` (first-use order, unknown ids skipped) with title and date."""
    out = []
    for i in dict.fromkeys(ids):
        s = registry.sources.get(i)
        if s is not None:
            out.append(Document(s.id, cut(s.titre, TITLE_MAX), s.type.lower(),
                                fr_date(str(s.date)) + (" (date déduite)" if s.infere else "")))
    return out


__all__ = ["room_figures", "Document", "documents", "cut", "ORDER_LABEL", "Stop", "walk", "step", "display_name", "short_label", "label_point", "territory_labels", "map_labels"]
