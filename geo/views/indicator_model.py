"""The vocabulary of the thematic indicators: classes, values, the ``Indicator`` definition and the
``Classification`` of the CPTS it yields, with the colour palettes and binning helpers.

The six indicators themselves and ``classify`` are in geo/views/indicators.py.
"""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field
from typing import Callable

from ..registry import Registry
from ..territories import Territory

CATEGORICAL = "categorical"
NUMERIC = "numeric"
ORDINAL = "ordinal"

# Fill opacity of the thematic maps, the same in the browser (ui/map.py) and the PNG (geo/exports/png.py):
# opaque, so that a class reads as its legend swatch whatever lies under it (issue 9.3: at 0.55 the
# fills were washed out and neighbouring classes looked alike).
THEMATIC_OPACITY = 1.0

# Sequential palettes: matplotlib's samples of the ColorBrewer (Blues, YlOrRd, YlGnBu, Purples,
# YlOrBr) ramps, from ``lo`` to ``hi`` so that the lightest class stays clear of the greys of the
# "no data" classes and the darkest one keeps white borders readable. Adjacent classes are at least
# ΔE2000 15 apart for the registry's classes (tests/views/test_indicator_colours.py).
BLUES = ("Blues", 0.35, 1.0)
YLORRD = ("YlOrRd", 0.3, 0.95)
YLGNBU = ("YlGnBu", 0.3, 0.95)
PURPLES = ("Purples", 0.35, 1.0)
YLORBR = ("YlOrBr", 0.3, 0.95)


@functools.lru_cache(maxsize=64)
def sequential(palette: tuple[str, float, float], n: int) -> tuple[str, ...]:
    """n colours '#rrggbb', light to dark, evenly sampled from a matplotlib colormap
    (matplotlib is imported here, on first use: the app's pages that draw no thematic map never load it)."""
    if n <= 0:
        return ()
    import matplotlib
    from matplotlib.colors import to_hex
    name, lo, hi = palette
    cmap = matplotlib.colormaps[name]
    steps = [(lo + hi) / 2] if n == 1 else [lo + i * (hi - lo) / (n - 1) for i in range(n)]
    return tuple(to_hex(cmap(x)) for x in steps)


@dataclass(frozen=True)
class Hatch:
    """The diagonal hatch of « Non renseigné », drawn alike by the PNG (matplotlib's hatch ``pattern``)
    and the browser (an SVG pattern of the same period, line width and colours, ui/map_elements.py).

    matplotlib draws ``density`` (6) lines per inch for each « / » of the pattern, going up to the
    right, ``line_pt`` points wide; at the PNG's 100 dpi that is a period of 100 / 18 px."""
    pattern: str = "///"
    color: str = "#525252"
    line_pt: float = 1.0
    density: int = 6

    def period_px(self, dpi: float = 100) -> float:
        return dpi / (self.density * self.pattern.count("/"))

    def line_px(self, dpi: float = 100) -> float:
        return self.line_pt * dpi / 72


HATCH = Hatch()
OUTLINE_COLOR = "#1a1a1a"        # CPTS outlines on a thematic map (one colour: the legend says what it is)
OUTLINE_LABEL = "Contour d'une CPTS"


@dataclass(frozen=True)
class Class:
    key: str
    label: str                 # French, shown in the legend
    color: str                 # fill colour, "#rrggbb" (the background of a hatched class)
    hatch: str | None = None   # matplotlib hatch pattern (HATCH.pattern) for « Non renseigné »


# Hatched mid grey (a CPTS on the map, value unknown) vs plain light grey (no documented CPTS):
# told apart by the hatch and by luminance (issue 9.3).
NON_RENSEIGNE = Class("non_renseigne", "Non renseigné", "#bdbdbd", hatch=HATCH.pattern)
AUCUNE_CPTS = Class("aucune_cpts", "Aucune CPTS documentée", "#efefef")


@dataclass(frozen=True)
class Value:
    """The value of an indicator for one CPTS, as shown to users."""
    value: float | int | str | None    # raw value (number, step key, CPTS id) or None = non renseigné
    text: str                          # French display: '12,7 %', '83 737 hab.', 'non renseigné'
    nature: str | None = None          # DECLARE | CALCULE
    origin: str | None = None          # source document or INSEE millésime
    qualifier: str | None = None       # 'plus de', 'environ' … as the source writes it
    note: str | None = None


MISSING_TEXT = "non renseigné"


def missing(note: str | None = None) -> Value:
    return Value(None, MISSING_TEXT, note=note)


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str                  # French, e.g. 'Population (calculée)'
    unit: str | None            # 'hab.', '%', '€ / hab.', None
    kind: str                   # CATEGORICAL | NUMERIC | ORDINAL
    nature: str                 # DECLARE | CALCULE | 'registre'
    description: str            # what it measures, in French
    value_of: Callable[[Territory, Registry], Value]
    classes_for: Callable[[list[Territory], Registry], list[Class]]
    class_of: Callable[[Value, list[Class]], Class] | None   # None for numeric: binned by ``breaks``
    breaks_note: Callable[[Registry], str]
    breaks: Callable[[Registry], list[float]] | None = None  # numeric: lower bounds of classes 2..n
    fmt: Callable[[float], str] | None = None                # numeric: French format of a bound

    def class_for(self, v: Value, classes: list[Class], registry: Registry) -> Class:
        if self.breaks is not None:
            if v.value is None:
                return NON_RENSEIGNE
            return classes[bisect.bisect_right(self.breaks(registry), float(v.value))]
        return self.class_of(v, classes)


@dataclass
class Classification:
    indicator: Indicator
    classes: dict[str, Class]          # CPTS id -> class (NON_RENSEIGNE when the value is missing)
    values: dict[str, Value]           # CPTS id -> value
    legend: list[Class]                # what the map draws, in display order (see ``drawn_legend``)
    counts: dict[str, int]             # class key -> number of MAPPED CPTS in it (what the map draws)
    notes: list[str] = field(default_factory=list)   # why these classes; qualifiers; unmapped CPTS
    unmapped: list[str] = field(default_factory=list)   # CPTS ids without a documented perimeter
    all_classes: list[Class] = field(default_factory=list)   # every class of the indicator, drawn or not

    @property
    def unmapped_line(self) -> str | None:
        """« 6 CPTS sans périmètre cartographié (non comptées) », said apart from the classes."""
        n = len(self.unmapped)
        if not n:
            return None
        return f"{n} CPTS sans périmètre cartographié (non comptée{'s' if n > 1 else ''})"

    def commune_classes(self, territories: list[Territory]) -> dict[str, Class]:
        """INSEE code -> class, for every commune of a mapped CPTS. A commune in several CPTS takes
        the class of the first one by name that has a value (the map draws every outline)."""
        out: dict[str, Class] = {}
        for t in sorted((t for t in territories if t.perimetre_connu), key=lambda t: t.nom):
            cls = self.classes.get(t.id, NON_RENSEIGNE)
            for code in t.codes:
                if code not in out or (out[code] is NON_RENSEIGNE and cls is not NON_RENSEIGNE):
                    out[code] = cls
        return out

    def class_for_commune(self, code: str, commune_classes: dict[str, Class]) -> Class:
        return commune_classes.get(code, AUCUNE_CPTS)

    @property
    def title(self) -> str:
        ind = self.indicator
        return f"{ind.label}, en {ind.unit}" if ind.unit else ind.label


def bin_classes(breaks: list[float], labels: list[str], colors: list[str], key: str) -> list[Class]:
    assert len(labels) == len(colors) == len(breaks) + 1
    return [Class(f"{key}_{i}", lab, col) for i, (lab, col) in enumerate(zip(labels, colors))]


def qualifier_note(v: Value, breaks: list[float], fmt: Callable[[float], str]) -> str | None:
    """A source saying 'plus de 11 %' gives a lower bound: the class is the one of the bound,
    the true value may lie in a higher class. Say so."""
    q = (v.qualifier or "").strip().lower()
    if v.value is None or not q:
        return None
    x = float(v.value)
    if q in ("plus de", "au moins", "supérieur à", "plus d'"):
        if bisect.bisect_right(breaks, x) < len(breaks):
            return (f"« {q} {fmt(x)} » : classé d'après la borne basse ({fmt(x)}) ; "
                    "la valeur réelle peut relever d'une classe supérieure")
        return None
    if q in ("moins de", "au plus", "inférieur à", "moins d'"):
        if bisect.bisect_right(breaks, x) > 0:
            return (f"« {q} {fmt(x)} » : classé d'après la borne haute ({fmt(x)}) ; "
                    "la valeur réelle peut relever d'une classe inférieure")
        return None
    return f"« {q} {fmt(x)} » : valeur approchée donnée par la source"


def class_by_key(v: Value, classes: list[Class]) -> Class:
    """The class whose key is the value (categorical and ordinal indicators), else « Non renseigné »."""
    return next((c for c in classes if c.key == v.value), NON_RENSEIGNE)


def drawn_legend(classes: list[Class], counts: dict[str, int]) -> list[Class]:
    """The legend of what the map draws: the classes holding at least one mapped CPTS, « Non
    renseigné » if a mapped CPTS has no value, then « Aucune CPTS documentée » (communes outside every
    mapped CPTS). A class only an unmapped CPTS falls in is not on the map, hence not in the legend."""
    shown = [c for c in classes if counts.get(c.key, 0)]
    if counts.get(NON_RENSEIGNE.key, 0):
        shown.append(NON_RENSEIGNE)
    return [*shown, AUCUNE_CPTS]
