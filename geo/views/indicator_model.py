"""The vocabulary of the thematic indicators: classes, values, the ``Indicator`` definition and the
``Classification`` of the CPTS it yields, with the colour palettes and binning helpers.

The six indicators themselves and ``classify`` are in geo/views/indicators.py.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Callable

from ..mapdata import NO_CPTS_COLOR
from ..registry import Registry
from ..territories import Territory

CATEGORICAL = "categorical"
NUMERIC = "numeric"
ORDINAL = "ordinal"

# ColorBrewer sequential palettes (colour-blind safe), without their lightest step so that every
# class stays distinct from the white/grey "no data" classes on a projector.
BLUES_4 = ["#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
YLORRD_3 = ["#fed976", "#fd8d3c", "#e31a1c"]
YLGNBU_4 = ["#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
PURPLES_3 = ["#bcbddc", "#807dba", "#54278f"]
ORANGES_7 = ["#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#a63603", "#7f2704"]


@dataclass(frozen=True)
class Class:
    key: str
    label: str                 # French, shown in the legend
    color: str                 # fill colour, "#rrggbb"
    hatch: str | None = None   # matplotlib hatch pattern for "no data" classes


NON_RENSEIGNE = Class("non_renseigne", "Non renseigné", "#bdbdbd", hatch="///")
AUCUNE_CPTS = Class("aucune_cpts", "Aucune CPTS documentée", NO_CPTS_COLOR)


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
    legend: list[Class]                # display order, ending with NON_RENSEIGNE and AUCUNE_CPTS
    counts: dict[str, int]             # class key -> number of CPTS in it
    notes: list[str] = field(default_factory=list)   # why these classes; qualifiers; unmapped CPTS
    unmapped: list[str] = field(default_factory=list)   # CPTS ids without a documented perimeter

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


def spread(palette: list[str], n: int) -> list[str]:
    """n colours taken evenly from a sequential palette (light to dark)."""
    if n <= 0:
        return []
    if n == 1:
        return [palette[len(palette) // 2]]
    if n <= len(palette):
        return [palette[round(i * (len(palette) - 1) / (n - 1))] for i in range(n)]
    return [palette[min(len(palette) - 1, i * len(palette) // n)] for i in range(n)]
