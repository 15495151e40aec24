"""A PNG map of the CPTS of Brittany, drawn offline with matplotlib (Agg): no browser, no tiles.

Communes are coloured by an indicator of geo/indicators.py (default "cpts"), with département
borders, CPTS outlines, a title, a legend (with "Non renseigné" and "Aucune CPTS documentée"),
the classes' explanation and a source line with the millésimes and the date of the map.
Geometries are the app's simplified coverage (geo/mapdata.py), so the PNG and the app agree.

The image has exactly the requested size in pixels, and the same inputs give the same bytes
(Pillow writes the PNG: no timestamp, no software tag; the only date is the visible one).

    from geo.render_png import render_map_png
    png = render_map_png(atlas, indicator="population", cpts_id="pays-de-vitre", width=1600, height=1200)
"""
from __future__ import annotations

import datetime as _dt
import io
import math
import textwrap

import matplotlib

matplotlib.use("Agg")  # before any pyplot import anywhere; we never import pyplot ourselves

import numpy as np
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.path import Path as MplPath
from PIL import Image

from .export_tables import millesimes, write_atomic  # noqa: F401  (re-exported)
from .exports.fonts import printable
from .views.facts import short_source, source_ids
from .formatting import fr_date, fr_int, plural
from .views.indicators import Classification, classify, get_indicator, legend_label
from .mapdata import MapData, build_map_data

DPI = 100
from .export_tables import DEFAULT_HEIGHT, DEFAULT_WIDTH  # noqa: E402  (one definition, CLI-cheap)
MIN_SIZE, MAX_SIZE = 400, 8000
BRETON_DEPARTEMENTS = ("22", "29", "35", "56")
HATCH_COLOR = "#636363"
TEXT_COLOR = "#1a1a1a"


LITERAL = {"parse_math": False, "usetex": False}


def _text(target, x, y, s, **kw):
    """Every text of the map goes through here: registry and file text is drawn literally
    (never matplotlib mathtext: a name with « $…$ » once broke every map, nor LaTeX), with only
    the characters the font can draw (geo/exports/fonts.py)."""
    return target.text(x, y, printable(s), **LITERAL, **kw)


class RenderError(ValueError):
    """Bad rendering request (unknown CPTS or indicator, bad size): French message."""


def source_line(atlas, territories, today: _dt.date) -> str:
    """'Contours : IGN ADMIN EXPRESS ; INSEE COG 2026, populations légales 2023 ; registre des CPTS
    (sources : …) — carte du 22 novembre 2025'."""
    cog, pop = millesimes()
    ids: list[str] = []
    for t in territories:
        for s in source_ids(t, atlas.registry):
            if s not in ids:
                ids.append(s)
    srcs = sorted(ids, key=lambda s: (atlas.registry.sources[s].date, s))
    docs = " ; ".join(short_source(s, atlas.registry) for s in srcs) or "aucune"
    return (f"Contours : IGN ADMIN EXPRESS ; INSEE COG {cog}, populations légales {pop} ; "
            f"registre des CPTS (sources : {docs}) — carte du {fr_date(today)}")


# --------------------------------------------------------------------------- geometry -> matplotlib


def _ring_codes(n: int) -> np.ndarray:
    codes = np.full(n, MplPath.LINETO, dtype=np.uint8)
    codes[0] = MplPath.MOVETO
    codes[-1] = MplPath.CLOSEPOLY
    return codes


def _rings(gj: dict) -> list[list]:
    """Every ring of a GeoJSON (Multi)Polygon, exteriors and holes."""
    t, c = gj["type"], gj["coordinates"]
    if t == "Polygon":
        return list(c)
    if t == "MultiPolygon":
        return [ring for poly in c for ring in poly]
    return []


def _lines(gj: dict) -> list[list]:
    """Every line of a GeoJSON geometry: rings of polygons, (multi)linestrings."""
    t, c = gj["type"], gj.get("coordinates")
    if t in ("Polygon", "MultiPolygon"):
        return _rings(gj)
    if t == "LineString":
        return [c]
    if t == "MultiLineString":
        return list(c)
    if t == "GeometryCollection":
        return [line for g in gj["geometries"] for line in _lines(g)]
    return []


def polygon_path(gj: dict) -> MplPath | None:
    """A GeoJSON (Multi)Polygon as one compound matplotlib path (holes drawn as holes)."""
    rings = [np.asarray(r, dtype=float) for r in _rings(gj) if len(r) >= 4]
    if not rings:
        return None
    return MplPath(np.concatenate(rings), np.concatenate([_ring_codes(len(r)) for r in rings]))


def line_path(gj: dict) -> MplPath | None:
    """The lines (or polygon outlines) of a GeoJSON geometry as one open path."""
    lines = [np.asarray(ln, dtype=float) for ln in _lines(gj) if len(ln) >= 2]
    if not lines:
        return None
    codes = []
    for ln in lines:
        c = np.full(len(ln), MplPath.LINETO, dtype=np.uint8)
        c[0] = MplPath.MOVETO
        codes.append(c)
    return MplPath(np.concatenate(lines), np.concatenate(codes))


def _bounds(gj: dict) -> tuple[float, float, float, float]:
    xy = np.concatenate([np.asarray(r, dtype=float) for r in _lines(gj)])
    return float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())


# --------------------------------------------------------------------------- rendering


def _check_size(width: int, height: int) -> None:
    for name, v in (("largeur", width), ("hauteur", height)):
        if not isinstance(v, int) or not MIN_SIZE <= v <= MAX_SIZE:
            raise RenderError(f"{name} invalide ({v}) : donnez un nombre de pixels entre {MIN_SIZE} et {MAX_SIZE}")


def _resolve(atlas, indicator: str, cpts_id: str | None):
    try:
        ind = get_indicator(indicator)
    except KeyError as e:
        raise RenderError(e.args[0]) from None
    territory = None
    if cpts_id is not None:
        territory = atlas.territory(cpts_id)
        if territory is None:
            ids = ", ".join(t.id for t in atlas.territories)
            raise RenderError(f"CPTS inconnue « {cpts_id} » (identifiants : {ids})")
    return ind, territory


def render_map_figure(atlas, *, indicator: str = "cpts", cpts_id: str | None = None,
                      width: int = DEFAULT_WIDTH, height: int = DEFAULT_HEIGHT,
                      today: _dt.date | None = None, map_data: MapData | None = None,
                      classification: Classification | None = None, title: str | None = None,
                      bare: bool = False, label_scale: float = 1.0) -> Figure:
    """The matplotlib Figure (not yet drawn). ``map_data`` and ``classification`` may be passed
    when the caller has them cached (the app). ``bare``: the map alone, edge to edge (no title,
    legend nor source line: the caller prints them, e.g. the PDF fiche); ``label_scale``
    enlarges the commune names."""
    _check_size(width, height)
    ind, territory = _resolve(atlas, indicator, cpts_id)
    today = today or _dt.date.today()
    md = map_data or build_map_data(atlas.communes, atlas.territories)
    cl = classification or classify(ind, atlas.territories, atlas.registry)
    by_code = cl.commune_classes(atlas.territories)

    scale = min(width / DEFAULT_WIDTH, height / DEFAULT_HEIGHT)
    fs = lambda pt: max(6.0, pt * scale)  # noqa: E731  font size in points
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)

    # --- layout (figure fractions): title band, map on the left, legend on the right, sources at the bottom
    portrait = width < height * 1.1   # legend under the map instead of beside it
    legend_w = 0.30
    px = DPI / 72  # pixels per point
    if title is None:
        where = territory.nom if territory is not None else "CPTS de Bretagne"
        title = where if ind.key == "cpts" and territory is not None else f"{where} — {cl.title}"
        if ind.key == "cpts" and territory is None:
            title = "CPTS de Bretagne — territoires documentés"
    title_lines = textwrap.wrap(title, int(width / (fs(22) * 0.68 * px)), break_on_hyphens=False)[:2]
    title_h = fs(22) * px * (1.6 + 1.15 * (len(title_lines) - 1))
    subtitle = ind.description
    if territory is not None:
        v = cl.values[territory.id]
        if not territory.perimetre_connu:
            subtitle = "Périmètre non documenté dans les sources : la CPTS ne peut pas être cartographiée."
        elif ind.key != "cpts":
            subtitle = (f"{ind.label} : {v.text}" + (f" ({v.nature}, {v.origin})" if v.nature and v.origin else ""))
        else:
            subtitle = (f"{plural(territory.n_communes, 'commune')} (COG), {fr_int(territory.population)} habitants "
                        f"(calculé : INSEE, populations légales {territory.population_millesime})"
                        + (" — périmètre approché" if territory.approximatif else ""))
    sub_chars = int(width / (fs(13) * 0.56 * px))
    subtitle_lines = textwrap.wrap(subtitle, sub_chars, break_on_hyphens=False)
    if len(subtitle_lines) > 2:
        subtitle_lines = [subtitle_lines[0], textwrap.shorten(" ".join(subtitle_lines[1:]), sub_chars, placeholder=" …")]
    top_band = (14 + title_h + fs(13) * 1.25 * px * len(subtitle_lines) + fs(13) * 0.6 * px + 8) / height
    bottom_band = (3 * fs(10.5) * 1.35 + 10) * DPI / 72 / height
    legend_h = 0.30 if portrait else 0.0   # portrait: the legend takes the bottom of the page
    if bare:
        ax = fig.add_axes((0, 0, 1, 1))
    elif portrait:
        ax = fig.add_axes((0.01, bottom_band + legend_h, 0.98, 1 - top_band - bottom_band - legend_h))
    else:
        ax = fig.add_axes((0.01, bottom_band, 0.99 - legend_w - 0.01, 1 - top_band - bottom_band))
    ax.set_axis_off()

    # --- communes, by class (one collection per class; hatched "non renseigné")
    codes = list(md.commune_shapes)
    focus_codes = set(territory.codes) if territory and territory.perimetre_connu else set()
    faded = bool(focus_codes)
    groups: dict[str, tuple] = {}
    for code in codes:
        p = polygon_path(md.commune_shapes[code])
        if p is None:
            continue
        cls = cl.class_for_commune(code, by_code)
        inside = not faded or code in focus_codes
        key = (cls.key, inside)
        groups.setdefault(key, (cls, inside, []))[2].append(p)
    lw = 0.25 * scale
    for (key, inside), (cls, _, ps) in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        alpha = 1.0 if inside else 0.35
        if cls.hatch:
            coll = PathCollection(ps, facecolors=cls.color, edgecolors=HATCH_COLOR, linewidths=lw, hatch=cls.hatch,
                                  alpha=alpha, zorder=1)
        else:
            coll = PathCollection(ps, facecolors=cls.color, edgecolors="white", linewidths=lw, alpha=alpha, zorder=1)
        ax.add_collection(coll)

    # --- département borders, CPTS outlines, the highlighted CPTS
    dep_paths = [p for f in md.departements["features"] if (p := line_path(f["geometry"])) is not None]
    ax.add_collection(PathCollection(dep_paths, facecolors="none", edgecolors="#4d4d4d", linewidths=1.1 * scale,
                                     zorder=2))
    terr_paths = []
    for f in md.territories["features"]:
        p = line_path(f["geometry"])
        if p is not None:
            terr_paths.append(p)
    ax.add_collection(PathCollection(terr_paths, facecolors="none", edgecolors="#1a1a1a", linewidths=1.6 * scale,
                                     zorder=3))
    if territory is not None and territory.id in md.territory_shapes:
        hp = line_path(md.territory_shapes[territory.id])
        ax.add_collection(PathCollection([hp], facecolors="none", edgecolors="white", linewidths=6 * scale, zorder=4))
        ax.add_collection(PathCollection([hp], facecolors="none", edgecolors="black", linewidths=3.2 * scale, zorder=5))

    # --- extent and aspect (equirectangular with cos(latitude) correction)
    if focus_codes:
        minx, miny, maxx, maxy = _bounds(md.territory_shapes[territory.id])
        padx, pady = (maxx - minx) * 0.12 + 0.02, (maxy - miny) * 0.12 + 0.02
        minx, maxx, miny, maxy = minx - padx, maxx + padx, miny - pady, maxy + pady
    else:
        (south, west), (north, east) = md.bounds
        minx, miny, maxx, maxy = west - 0.05, south - 0.05, east + 0.05, north + 0.05
    # grow the extent to the axes' shape so that 1 km is as long east-west as north-south
    k = 1 / math.cos(math.radians((miny + maxy) / 2))
    box = ax.get_position()
    box_w, box_h = box.width * width, box.height * height
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    dx, dy = maxx - minx, maxy - miny
    if dx / box_w > dy * k / box_h:
        dy = dx * box_h / box_w / k
    else:
        dx = dy * k * box_w / box_h
    ax.set_xlim(cx - dx / 2, cx + dx / 2)
    ax.set_ylim(cy - dy / 2, cy + dy / 2)

    halo = [patheffects.withStroke(linewidth=3 * scale, foreground="white")]
    if focus_codes and len(focus_codes) <= 90:
        names = dict(zip(atlas.communes["code"], atlas.communes["nom"]))
        pops = dict(zip(atlas.communes["code"], atlas.communes["population"].fillna(0)))
        renderer = fig.canvas.get_renderer()
        placed = []
        # largest communes first; a label that would overlap one already placed is left out
        for code in sorted(focus_codes, key=lambda c: (-pops.get(c, 0), c)):
            if code in md.centroids:
                lat, lon = md.centroids[code]
                txt = _text(ax, lon, lat, names[code], fontsize=fs(7.5) * label_scale, ha="center", va="center", color=TEXT_COLOR,
                              path_effects=halo, zorder=6, clip_on=True)
                bb = txt.get_window_extent(renderer).expanded(1.05, 1.15)
                if any(bb.overlaps(o) for o in placed):
                    txt.remove()
                else:
                    placed.append(bb)
    elif not focus_codes:
        deps = atlas.communes[atlas.communes["departement"].isin(BRETON_DEPARTEMENTS)]
        for dep, grp in deps.groupby("departement"):
            pts = [md.centroids[c] for c in grp["code"] if c in md.centroids]
            if pts:
                lat = float(np.median([p[0] for p in pts]))
                lon = float(np.median([p[1] for p in pts]))
                _text(ax, lon, lat, str(grp["departement_nom"].iloc[0]).upper(), fontsize=fs(11), ha="center",
                        va="center", color="#4d4d4d", style="italic", alpha=0.85, path_effects=halo, zorder=6)

    if bare:
        return fig
    _text(fig, 0.015, 1 - 14 / height, "\n".join(title_lines), fontsize=fs(22), fontweight="bold", color=TEXT_COLOR,
             va="top", linespacing=1.15)
    _text(fig, 0.015, 1 - (14 + title_h) / height, "\n".join(subtitle_lines), fontsize=fs(13),
             color="#404040", va="top", linespacing=1.25)

    # --- legend (drawn by hand so that its layout is fixed and wraps French labels)
    if portrait:
        lx, legend_w, y = 0.015, 0.48, bottom_band + legend_h - 0.005
    else:
        lx, y = 1 - legend_w, 1 - top_band - 0.01
    line_h = fs(12) * 1.9 * DPI / 72 / height
    title_lines = textwrap.wrap(cl.title, max(18, int(legend_w * width / (fs(13) * 0.65 * px))))
    _text(fig, lx, y, "\n".join(title_lines), fontsize=fs(13), fontweight="bold", color=TEXT_COLOR, va="top",
             linespacing=1.2)
    y -= line_h * (0.75 * len(title_lines) + 0.6)
    box_w, box_h = 28 / width * scale * 1.4, fs(12) * 1.2 * DPI / 72 / height
    chars = max(18, int(legend_w * width / (fs(12) * 0.62 * DPI / 72)) - 5)
    own = cl.classes.get(territory.id) if territory is not None else None
    for cls in cl.legend:
        text = legend_label(cl, cls) + ("  ◀" if cls == own else "")
        lines = textwrap.wrap(text, chars, break_on_hyphens=False) or [text]
        fig.patches.append(Rectangle((lx, y - box_h), box_w, box_h, transform=fig.transFigure, facecolor=cls.color,
                                     edgecolor=HATCH_COLOR if cls.hatch else "#7f7f7f", hatch=cls.hatch,
                                     linewidth=0.8))
        _text(fig, lx + box_w + 0.008, y - box_h / 2, lines[0], fontsize=fs(12), color=TEXT_COLOR, va="center",
                 fontweight="bold" if cls == own else "normal")
        for i, extra in enumerate(lines[1:], start=1):
            _text(fig, lx + box_w + 0.008, y - box_h / 2 - i * line_h * 0.72, extra, fontsize=fs(12), color=TEXT_COLOR,
                     va="center", fontweight="bold" if cls == own else "normal")
        y -= line_h * (1 + 0.72 * (len(lines) - 1))
    outline_y = y - line_h * 0.2
    fig.lines.append(Line2D([lx, lx + box_w], [outline_y - box_h / 2] * 2, transform=fig.transFigure,
                                             color="#1a1a1a", linewidth=1.6 * scale))
    _text(fig, lx + box_w + 0.008, outline_y - box_h / 2, "Contour d'une CPTS", fontsize=fs(12), va="center",
             color=TEXT_COLOR)
    y = outline_y - line_h * 1.4
    if portrait:
        lx, legend_w, y = 0.52, 0.46, bottom_band + legend_h - 0.005
    note_chars = max(24, int(legend_w * width / (fs(10) * 0.62 * DPI / 72)) - 4)
    notes = textwrap.fill(" ".join(cl.notes), note_chars, break_on_hyphens=False)
    _text(fig, lx, y, notes, fontsize=fs(10), color="#404040", va="top", linespacing=1.25)

    # --- source line
    src_chars = int(width / (fs(10) * 0.62 * DPI / 72))
    _text(fig, 0.015, 8 / height, textwrap.fill(source_line(atlas, atlas.territories if territory is None else [territory],
                                                          today), src_chars),
             fontsize=fs(10), color="#404040", va="bottom", linespacing=1.25)
    return fig


def figure_png_bytes(fig: Figure, width: int, height: int) -> bytes:
    """Rasterise with Agg and encode with Pillow: exact size, no metadata, deterministic bytes."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    img = Image.fromarray(rgba[..., :3].copy(), "RGB")
    if img.size != (width, height):  # Agg rounds the canvas size; never expected at 100 dpi
        canvas_img = Image.new("RGB", (width, height), "white")
        canvas_img.paste(img.crop((0, 0, min(width, img.width), min(height, img.height))), (0, 0))
        img = canvas_img
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()


def render_map_png(atlas, *, indicator: str = "cpts", cpts_id: str | None = None,
                   width: int = DEFAULT_WIDTH, height: int = DEFAULT_HEIGHT, today: _dt.date | None = None,
                   map_data: MapData | None = None, classification: Classification | None = None,
                   bare: bool = False, label_scale: float = 1.0) -> bytes:
    fig = render_map_figure(atlas, indicator=indicator, cpts_id=cpts_id, width=width, height=height, today=today,
                            map_data=map_data, classification=classification, bare=bare, label_scale=label_scale)
    return figure_png_bytes(fig, width, height)


__all__ = ["render_map_png", "render_map_figure", "figure_png_bytes", "source_line", "millesimes", "RenderError",
           "write_atomic", "polygon_path", "line_path", "DEFAULT_WIDTH", "DEFAULT_HEIGHT"]
