"""Why two pages give two covered populations (issue 9.4): the home map counts every commune of
the documented CPTS, the Couverture page only those of the region — the Pays de Redon reaches into
Loire-Atlantique. ``region_split`` computes the difference (never typed in) and the two sentences
say it where each figure stands, the region named by a parameter (geo/scope.py gives it).

Pure Python (pandas), no Streamlit.

    split = region_split(codes, atlas.communes, atlas.territories, "53")
    split.inside, split.outside, split.n_outside    # 350 204, 23 010, 9 for the committed registry
    map_note(split, "de Bretagne")                  # under the home map's figure
    coverage_note(split, "de Bretagne")             # on the Couverture page
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..formatting import fr_int, plural
from ..territories import Territory

REGION_BRETAGNE = "53"


@dataclass(frozen=True)
class RegionSplit:
    population: int                          # every covered commune (home map)
    inside: int                              # those of the region (Couverture)
    outside: int                             # population - inside
    n_inside: int
    n_outside: int
    departements: tuple[str, ...]            # départements of the communes outside, « Loire-Atlantique »
    cpts: tuple[str, ...]                    # the CPTS those communes belong to

    @property
    def n_communes(self) -> int:
        return self.n_inside + self.n_outside


def region_split(codes: Iterable[str], communes, territories: list[Territory],
                 region_code: str | None = REGION_BRETAGNE) -> RegionSplit:
    """Population (INSEE, each commune once) of ``codes``, inside and outside ``region_code``
    (None: a scope without border, e.g. France: nothing is outside)."""
    codes = set(codes)
    rows = communes[communes["code"].isin(codes)]
    pop = rows["population"].fillna(0).astype("int64")
    inside_mask = rows["region"] == region_code if region_code is not None else rows["region"] == rows["region"]
    out_rows = rows[~inside_mask]
    deps = sorted({str(n) for n in out_rows["departement_nom"]})
    out_codes = set(out_rows["code"])
    names = sorted({t.nom for t in territories if t.perimetre_connu and out_codes & set(t.codes)})
    inside = int(pop[inside_mask].sum())
    total = int(pop.sum())
    return RegionSplit(total, inside, total - inside, int(inside_mask.sum()), len(out_rows), tuple(deps), tuple(names))


def _where(split: RegionSplit) -> str:
    return ", ".join([*split.departements, *split.cpts])


def map_note(split: RegionSplit, region_de: str = "de Bretagne", page: str = "la page Couverture") -> str | None:
    """Said under the home map's covered population; None when no commune lies outside the region.
    Holds names from files (CPTS, départements): escape it before any Markdown."""
    if not split.n_outside:
        return None
    return (f"Dont {plural(split.outside, 'habitant')} dans {plural(split.n_outside, 'commune')} hors {region_de} "
            f"({_where(split)}) : {page}, qui ne compte que les communes {region_de}, en donne "
            f"{fr_int(split.inside)}.")


def coverage_note(split: RegionSplit, region_de: str = "de Bretagne", page: str = "la page Carte") -> str | None:
    """Said on the Couverture page beside its regional figure; None when nothing lies outside.
    Holds names from files: escape it before any Markdown."""
    if not split.n_outside:
        return None
    return (f"Seules les communes {region_de} sont comptées ici ({fr_int(split.inside)} habitants). "
            f"Les CPTS documentées comptent aussi {plural(split.n_outside, 'commune')} hors {region_de} "
            f"({_where(split)}), {plural(split.outside, 'habitant')} : {page} donne donc "
            f"{fr_int(split.population)} habitants ({fr_int(split.inside)} + {fr_int(split.outside)}).")


__all__ = ["RegionSplit", "region_split", "map_note", "coverage_note", "REGION_BRETAGNE"]
