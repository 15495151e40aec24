"""The legend of the PNG map, drawn by hand so that its layout is fixed and wraps French labels:
the items of geo.views.indicators.legend_items (the browser map's legend too): one coloured (or
hatched) box per drawn class with its number of CPTS, the CPTS outline, the CPTS without a mapped
perimeter, then the classes' explanation. Beside the map (one column) or under it (legend and
explanation side by side); :func:`legend_size` gives the height it needs so that png.py can choose."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..views.indicators import HATCH, legend_items

DPI = 100
PX = DPI / 72
TEXT_COLOR = "#1a1a1a"
SIDE_W, BELOW_W, BELOW_NOTES_X = 0.30, 0.48, 0.52


@dataclass
class Legend:
    cl: object                 # Classification
    territory: object          # the highlighted CPTS or None
    fs: object                 # font size in points for a nominal size (scaled to the image)
    width: int
    height: int
    own: object = field(init=False)

    def __post_init__(self):
        self.own = self.cl.classes.get(self.territory.id) if self.territory is not None else None

    @property
    def line_h(self) -> float:
        return self.fs(12) * 1.9 * PX / self.height

    def entries(self, column_w: float) -> list[tuple[object, list[str]]]:
        chars = max(18, int(column_w * self.width / (self.fs(12) * 0.62 * PX)) - 5)
        out = []
        for item in legend_items(self.cl):
            text = item.label + ("  ◀" if self.own is not None and item.key == self.own.key else "")
            out.append((item, textwrap.wrap(text, chars, break_on_hyphens=False) or [text]))
        return out

    def notes(self, column_w: float) -> list[str]:
        chars = max(24, int(column_w * self.width / (self.fs(10) * 0.62 * PX)) - 4)
        return textwrap.wrap(" ".join(self.cl.notes), chars, break_on_hyphens=False)

    def entries_h(self, column_w: float) -> float:
        lines = sum(1 + 0.72 * (len(ls) - 1) for _, ls in self.entries(column_w))
        return self.line_h * (lines + 0.6)

    def notes_h(self, column_w: float) -> float:
        return len(self.notes(column_w)) * self.fs(10) * 1.25 * PX / self.height


def legend_size(legend: Legend, below: bool) -> float:
    """Height (figure fraction) the legend takes."""
    if below:
        return max(legend.entries_h(BELOW_W), legend.notes_h(1 - BELOW_NOTES_X - 0.02))
    return legend.entries_h(SIDE_W) + legend.notes_h(SIDE_W)


def draw_legend(fig, legend: Legend, text, *, x: float, top: float, below: bool) -> None:
    """Draw the legend with its top-left corner at (x, top); ``text`` draws a literal text."""
    fs, line_h = legend.fs, legend.line_h
    column_w = BELOW_W if below else SIDE_W
    box_w = 28 / legend.width * min(legend.width / 1600, legend.height / 1200) * 1.4
    box_h = fs(12) * 1.2 * PX / legend.height
    y = top
    line_w = 1.6 * min(legend.width / 1600, legend.height / 1200)
    for item, lines in legend.entries(column_w):
        bold = "bold" if legend.own is not None and item.key == legend.own.key else "normal"
        if item.kind in ("fill", "hatch"):
            hatch = dict(hatch=HATCH.pattern, hatchcolor=HATCH.color, hatch_linewidth=HATCH.line_pt) \
                if item.kind == "hatch" else {}
            fig.patches.append(Rectangle((x, y - box_h), box_w, box_h, transform=fig.transFigure,
                                         facecolor=item.color, edgecolor="#7f7f7f", linewidth=0.8, **hatch))
        elif item.kind == "line":
            fig.lines.append(Line2D([x, x + box_w], [y - box_h / 2] * 2, transform=fig.transFigure,
                                    color=item.color, linewidth=line_w))
        tx = x if item.kind == "text" else x + box_w + 0.008
        for i, line in enumerate(lines):
            text(fig, tx, y - box_h / 2 - i * line_h * 0.72, line, fontsize=fs(12), color=TEXT_COLOR,
                 va="center", fontweight=bold, style="italic" if item.kind == "text" else "normal")
        y -= line_h * (1 + 0.72 * (len(lines) - 1))
    outline_y = y + line_h * 0.8
    if below:
        nx, ny, notes_w = BELOW_NOTES_X, top, 1 - BELOW_NOTES_X - 0.02
    else:
        nx, ny, notes_w = x, outline_y - line_h * 1.4, SIDE_W
    text(fig, nx, ny, "\n".join(legend.notes(notes_w)), fontsize=fs(10), color="#404040", va="top",
         linespacing=1.25)


__all__ = ["Legend", "legend_size", "draw_legend"]
