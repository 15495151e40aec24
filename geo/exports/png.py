"""A PNG map of the CPTS of Brittany, drawn offline with matplotlib (Agg): no browser, no tiles.

Communes are coloured by an indicator of geo/views/indicators.py (default "cpts"), with
département borders, CPTS outlines, a title, the « registre partiel » line when the registry maps
fewer CPTS than its sources count, a legend (with "Non renseigné" and "Aucune CPTS documentée"),
the classes' explanation and a source line with the millésimes and the date of the map.
Geometries are the app's simplified coverage (geo/mapdata.py), so the PNG and the app agree.

Layout: the legend goes beside the map or under it, whichever lets the map be drawn larger (a
wide region on a 4:3 page gets its legend underneath instead of a quarter of the page left blank).
The indicator is named once, in the title (the legend does not repeat it).

Every text is drawn literally (:func:`_text`: never mathtext, never LaTeX). The image has exactly
the requested size in pixels, and the same inputs give the same bytes (Pillow writes the PNG: no
timestamp, no software tag; the only date is the visible one).

    from geo.exports.png import render_map_png
    png = render_map_png(atlas, indicator="population", cpts_id="pays-de-vitre", width=1600, height=1200)
"""
from __future__ import annotations

import datetime as _dt
import io
import math
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # before any pyplot import anywhere; we never import pyplot ourselves

import numpy as np  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from ..formatting import fr_date, fr_int, plural  # noqa: E402
from ..mapdata import MapData, build_map_data  # noqa: E402
from ..scope import drawn_region, scope_of  # noqa: E402
from ..views.facts import short_source, source_ids  # noqa: E402
from ..views.indicators import HATCH, OUTLINE_COLOR, THEMATIC_OPACITY, Classification, classify, get_indicator  # noqa: E402
from .common import DEFAULT_HEIGHT, DEFAULT_WIDTH, RenderError, millesimes, partial_registry_line  # noqa: E402
from .fonts import printable  # noqa: E402
from .geometry import bounds, line_path, polygon_path  # noqa: E402
from .legend import Legend, draw_legend, legend_size  # noqa: E402

DPI = 100
PX = DPI / 72            # pixels per point
MIN_SIZE, MAX_SIZE = 400, 8000
TEXT_COLOR = "#1a1a1a"
PARTIAL_COLOR = "#a50f15"
LITERAL = {"parse_math": False, "usetex": False}


def _text(target, x, y, s, **kw):
    """Every text of the map goes through here: registry and file text is drawn literally
    (never matplotlib mathtext: a name with « $…$ » once broke every map, nor LaTeX), with only
    the characters the font can draw (geo/exports/fonts.py)."""
    return target.text(x, y, printable(s), **LITERAL, **kw)


def source_line(atlas, territories, today: _dt.date) -> str:
    """'Contours : IGN ADMIN EXPRESS ; INSEE COG 2026, populations légales 2023 ; registre des CPTS
    (sources : …) — carte du 22 novembre 2025'."""
    cog, pop = millesimes()
    ids: list[str] = []
    for t in territories:
        for s in source_ids(t, atlas.registry):
            if s not in ids:
                ids.append(s)
    srcs = sorted(ids, key=lambda s: (str(atlas.registry.sources[s].date), s))
    docs = " ; ".join(short_source(s, atlas.registry) for s in srcs) or "aucune"
    return (f"Contours : IGN ADMIN EXPRESS ; INSEE COG {cog}, populations légales {pop} ; "
            f"registre des CPTS (sources : {docs}) — carte du {fr_date(today)}")


# --------------------------------------------------------------------------- request


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


def _titles(ind, cl, territory, scope_de: str = "de Bretagne") -> tuple[str, str]:
    """(title, subtitle). The indicator is named in the title only; ``scope_de`` names the scope
    (geo/scope.py: « de Bretagne », « de France »)."""
    where = territory.nom if territory is not None else f"CPTS {scope_de}"
    if ind.key == "cpts":
        title = where if territory is not None else f"CPTS {scope_de} — territoires documentés"
    else:
        title = f"{where} — {cl.title}"
    subtitle = ind.description
    if territory is not None:
        v = cl.values[territory.id]
        if not territory.perimetre_connu:
            subtitle = "Périmètre non documenté dans les sources : la CPTS ne peut pas être cartographiée."
        elif ind.key != "cpts":
            subtitle = f"Valeur : {v.text}" + (f" ({v.nature}, {v.origin})" if v.nature and v.origin else "")
        else:
            subtitle = (f"{plural(territory.n_communes, 'commune')} (COG), {fr_int(territory.population)} habitants "
                        f"(calculé : INSEE, populations légales {territory.population_millesime})"
                        + (" — périmètre approché" if territory.approximatif else ""))
    return title, subtitle


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Box:
    """A rectangle in figure fractions."""
    x: float
    y: float
    w: float
    h: float


def _extent(md: MapData, territory, focus: bool) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) to show, in degrees, before fitting to the axes."""
    if focus:
        minx, miny, maxx, maxy = bounds(md.territory_shapes[territory.id])
        padx, pady = (maxx - minx) * 0.12 + 0.02, (maxy - miny) * 0.12 + 0.02
        return minx - padx, miny - pady, maxx + padx, maxy + pady
    (south, west), (north, east) = md.bounds
    return west - 0.05, south - 0.05, east + 0.05, north + 0.05


def _fit(ax, extent, width: int, height: int) -> None:
    """Grow the extent to the axes' shape so that 1 km is as long east-west as north-south
    (equirectangular with a cos(latitude) correction)."""
    minx, miny, maxx, maxy = extent
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


def _map_scale(extent, w_px: float, h_px: float) -> float:
    """Pixels per degree of latitude the map gets in a w × h box."""
    minx, miny, maxx, maxy = extent
    k = 1 / math.cos(math.radians((miny + maxy) / 2))
    return min(w_px / ((maxx - minx) / k), h_px / (maxy - miny))


# --------------------------------------------------------------------------- drawing


def _draw_communes(ax, md: MapData, cl: Classification, by_code, focus_codes: set[str], scale: float) -> None:
    """One collection per class (hatched "non renseigné"); outside the focused CPTS, faded."""
    groups: dict[tuple, tuple] = {}
    for code, shape in md.commune_shapes.items():
        p = polygon_path(shape)
        if p is None:
            continue
        cls = cl.class_for_commune(code, by_code)
        inside = not focus_codes or code in focus_codes
        groups.setdefault((cls.key, inside), (cls, inside, []))[2].append(p)
    lw = 0.25 * scale
    for (_, inside), (cls, _, ps) in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        alpha = THEMATIC_OPACITY if inside else 0.35
        # the hatch of geo.views.indicator_model.HATCH, which the browser map draws as an SVG pattern
        hatch = dict(hatch=cls.hatch, hatchcolor=HATCH.color, hatch_linewidth=HATCH.line_pt) if cls.hatch else {}
        ax.add_collection(PathCollection(ps, facecolors=cls.color, edgecolors="white", linewidths=lw, alpha=alpha,
                                         zorder=1, **hatch))


def _draw_outlines(ax, md: MapData, territory, scale: float) -> None:
    """Département borders, CPTS outlines, the highlighted CPTS."""
    dep_paths = [p for f in md.departements["features"] if (p := line_path(f["geometry"])) is not None]
    ax.add_collection(PathCollection(dep_paths, facecolors="none", edgecolors="#4d4d4d", linewidths=1.1 * scale,
                                     zorder=2))
    terr_paths = [p for f in md.territories["features"] if (p := line_path(f["geometry"])) is not None]
    ax.add_collection(PathCollection(terr_paths, facecolors="none", edgecolors=OUTLINE_COLOR, linewidths=1.6 * scale,
                                     zorder=3))
    if territory is not None and territory.id in md.territory_shapes:
        hp = line_path(md.territory_shapes[territory.id])
        ax.add_collection(PathCollection([hp], facecolors="none", edgecolors="white", linewidths=6 * scale, zorder=4))
        ax.add_collection(PathCollection([hp], facecolors="none", edgecolors="black", linewidths=3.2 * scale, zorder=5))


def _draw_commune_names(fig, ax, atlas, md: MapData, focus_codes: set[str], size: float, halo) -> None:
    """Commune names, largest communes first; a name whose box (with a margin of a third of its
    height all round, so that halos never touch) meets one already placed is left out."""
    names = dict(zip(atlas.communes["code"], atlas.communes["nom"]))
    pops = dict(zip(atlas.communes["code"], atlas.communes["population"].fillna(0)))
    renderer = fig.canvas.get_renderer()
    placed = []
    for code in sorted(focus_codes, key=lambda c: (-pops.get(c, 0), c)):
        if code not in md.centroids:
            continue
        lat, lon = md.centroids[code]
        txt = _text(ax, lon, lat, names[code], fontsize=size, ha="center", va="center", color=TEXT_COLOR,
                    path_effects=halo, zorder=6, clip_on=True)
        bb = txt.get_window_extent(renderer)
        pad = bb.height / 3
        bb = bb.padded(pad)
        axes_bb = ax.get_window_extent(renderer)
        if any(bb.overlaps(o) for o in placed) or not axes_bb.contains(bb.x0, bb.y0) \
                or not axes_bb.contains(bb.x1, bb.y1):
            txt.remove()
        else:
            placed.append(bb)


def _draw_departement_names(fig, ax, atlas, md: MapData, size: float, halo) -> None:
    """The names of the scope's own départements (geo/scope.py: Bretagne's four, every one for
    France), most populous first; like commune names, a name whose padded box meets one already
    placed, or leaves the map, is left out (a national map cannot hold 101 names at this size)."""
    own = set(scope_of(atlas).departements)
    deps = atlas.communes[atlas.communes["departement"].isin(own)]
    renderer = fig.canvas.get_renderer()
    axes_bb = ax.get_window_extent(renderer)
    placed = []
    groups = sorted(deps.groupby("departement"), key=lambda kv: (-float(kv[1]["population"].fillna(0).sum()), kv[0]))
    for _, grp in groups:
        pts = [md.centroids[c] for c in grp["code"] if c in md.centroids]
        if not pts:
            continue
        lat = float(np.median([p[0] for p in pts]))
        lon = float(np.median([p[1] for p in pts]))
        txt = _text(ax, lon, lat, str(grp["departement_nom"].iloc[0]).upper(), fontsize=size, ha="center",
                    va="center", color="#4d4d4d", style="italic", alpha=0.85, path_effects=halo, zorder=6)
        bb = txt.get_window_extent(renderer)
        bb = bb.padded(bb.height / 3)
        if any(bb.overlaps(o) for o in placed) or not axes_bb.contains(bb.x0, bb.y0) \
                or not axes_bb.contains(bb.x1, bb.y1):
            txt.remove()
        else:
            placed.append(bb)


# --------------------------------------------------------------------------- the figure


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
    md = map_data or build_map_data(atlas.communes, atlas.territories,
                                    region=drawn_region(getattr(atlas, "scope", None), len(atlas.communes)))
    cl = classification or classify(ind, atlas.territories, atlas.registry)
    by_code = cl.commune_classes(atlas.territories)

    scale = min(width / DEFAULT_WIDTH, height / DEFAULT_HEIGHT)
    fs = lambda pt: max(6.0, pt * scale)  # noqa: E731  font size in points
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    focus_codes = set(territory.codes) if territory and territory.perimetre_connu else set()
    extent = _extent(md, territory, bool(focus_codes))

    if bare:
        ax = fig.add_axes((0, 0, 1, 1))
    else:
        # --- text bands: title (+ subtitle, + « registre partiel »), sources at the bottom
        auto_title, subtitle = _titles(ind, cl, territory, scope_of(atlas).de_nom)
        title_lines = textwrap.wrap(title or auto_title, int(width / (fs(22) * 0.68 * PX)),
                                    break_on_hyphens=False)[:2]
        title_h = fs(22) * PX * (1.6 + 1.15 * (len(title_lines) - 1))
        sub_chars = int(width / (fs(13) * 0.56 * PX))
        subtitle_lines = textwrap.wrap(subtitle, sub_chars, break_on_hyphens=False)
        if len(subtitle_lines) > 2:
            subtitle_lines = [subtitle_lines[0],
                              textwrap.shorten(" ".join(subtitle_lines[1:]), sub_chars, placeholder=" …")]
        partial = partial_registry_line(atlas)
        sub_h = fs(13) * 1.25 * PX * (len(subtitle_lines) + (1 if partial else 0))
        top_band = (14 + title_h + sub_h + fs(13) * 0.6 * PX + 8) / height
        src_chars = int(width / (fs(10) * 0.62 * PX))
        src_lines = textwrap.wrap(source_line(atlas, atlas.territories if territory is None else [territory], today),
                                  src_chars)
        bottom_band = (len(src_lines) * fs(10) * 1.25 * PX + 16) / height

        # --- the legend beside the map or under it: whichever draws the map larger
        legend = Legend(cl, territory, fs, width, height)
        side_w = 0.30
        side_box = Box(0.01, bottom_band, 0.99 - side_w - 0.01, 1 - top_band - bottom_band)
        below_h = legend_size(legend, below=True) + 0.01
        below_box = Box(0.01, bottom_band + below_h, 0.98, 1 - top_band - bottom_band - below_h)
        below = below_box.h > 0.25 and _map_scale(extent, below_box.w * width, below_box.h * height) > \
            _map_scale(extent, side_box.w * width, side_box.h * height)
        box = below_box if below else side_box
        ax = fig.add_axes((box.x, box.y, box.w, box.h))

        _text(fig, 0.015, 1 - 14 / height, "\n".join(title_lines), fontsize=fs(22), fontweight="bold",
              color=TEXT_COLOR, va="top", linespacing=1.15)
        y = 1 - (14 + title_h) / height
        _text(fig, 0.015, y, "\n".join(subtitle_lines), fontsize=fs(13), color="#404040", va="top",
              linespacing=1.25)
        if partial:
            y -= fs(13) * 1.25 * PX * len(subtitle_lines) / height
            _text(fig, 0.015, y, partial, fontsize=fs(13), fontweight="bold", color=PARTIAL_COLOR, va="top")
        if below:
            draw_legend(fig, legend, _text, x=0.015, top=bottom_band + below_h - 0.005, below=True)
        else:
            draw_legend(fig, legend, _text, x=1 - side_w, top=1 - top_band - 0.01, below=False)
        _text(fig, 0.015, 8 / height, "\n".join(src_lines), fontsize=fs(10), color="#404040", va="bottom",
              linespacing=1.25)
    ax.set_axis_off()

    _draw_communes(ax, md, cl, by_code, focus_codes, scale)
    _draw_outlines(ax, md, territory, scale)
    _fit(ax, extent, width, height)
    halo = [patheffects.withStroke(linewidth=3 * scale * label_scale ** 0.5, foreground="white")]
    if focus_codes and len(focus_codes) <= 90:
        _draw_commune_names(fig, ax, atlas, md, focus_codes, fs(7.5) * label_scale, halo)
    elif not focus_codes:
        _draw_departement_names(fig, ax, atlas, md, fs(11), halo)
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


__all__ = ["render_map_png", "render_map_figure", "figure_png_bytes", "source_line", "RenderError",
           "DEFAULT_WIDTH", "DEFAULT_HEIGHT"]
