"""Checks over the whole file once rows are grouped by CPTS: polygons -> communes, new CPTS close
to an existing one (a typo would create a second CPTS), communes in two CPTS.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import shapely

from ..matching import similarity
from .results import ImportedTerritory, ImportProblem, NEW_CPTS, USED_STATUSES
from .values import cpts_key, _ranges


class CommunePoints:
    """The representative point of every commune (shapely ``point_on_surface``) in an STRtree, built
    once per import: each polygon of a GeoJSON then finds its communes by one index query (a few
    candidates from the tree, then the exact test), not by testing every commune of the referential
    (800 CPTS × 35 000 communes for a national layer)."""

    def __init__(self, communes: pd.DataFrame):
        geoms = np.asarray(communes.geometry.values)
        has = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
        self.codes = communes["code"].to_numpy()[has]
        self.points = shapely.point_on_surface(geoms[has])
        self.tree = shapely.STRtree(self.points)

    def inside(self, poly) -> np.ndarray:
        """INSEE codes of the communes whose representative point is in ``poly`` (sorted)."""
        return np.sort(self.codes[self.tree.query(poly, predicate="contains")])


def _representative_points(communes: pd.DataFrame) -> CommunePoints:
    return CommunePoints(communes)


def _attach_polygons(t: ImportedTerritory, polys, reps: CommunePoints, names, problems) -> None:
    geoms = []
    for row, poly in polys:
        inside = reps.inside(poly)
        geoms.append(poly)
        if len(inside) == 0:
            row.status = "non_resolue"
            row.message = ("Aucune commune du référentiel dans ce polygone (point représentatif) : "
                           "polygone hors de la zone couverte, ou mauvaise projection.")
            problems.append(ImportProblem(row.line, row.cpts, row.message, kind="polygone_vide", blocking=True))
            t.blocking += 1
            continue
        row.status = "resolue"
        row.method = "polygone"
        row.message = f"{len(inside)} commune(s) dont le point représentatif est dans le polygone."
        for c in inside:
            if c not in t.codes:
                t.codes.append(str(c))
                t.communes.append(names[c])
    t.polygon = shapely.union_all(geoms) if geoms else None


#: Name similarity above which a new CPTS is taken for a typo of another one.
_CPTS_CLOSE = 0.88


#: score >= 0.88 (equal to Indel, except one adjacent swap in a key of length L >= 5, scored
#: 1 - 1/(2L) where Indel gives 1 - 1/L >= 0.8); the candidates are then scored with similarity().
_CPTS_PREFILTER = 0.79


def _similar_cpts(territories, groups, registry, cpts_fixes, problems, rows_by_line) -> None:
    """A new CPTS whose name is close to an existing one (or to another of the file, listed on more
    lines) is blocking: a typo would create a second CPTS.

    rapidfuzz (C, score cutoff) finds the candidates: linear in practice, where comparing every
    CPTS with every other in Python was quadratic (issue 12.5: 388 s for a 1 000 000-row CSV)."""
    from rapidfuzz import process  # noqa: PLC0415
    from rapidfuzz.distance import Indel  # noqa: PLC0415

    choices: list[tuple[str, str, str, int]] = []   # (key, id, name, lines: registry = unbounded)
    for c in (registry.cpts if registry is not None else []):
        choices.append((cpts_key(c.nom), c.id, c.nom, 1 << 62))
    for o in territories:
        choices.append((cpts_key(o.nom), o.id, o.nom, len(o.lines)))
    keys = [c[0] for c in choices]
    for t in territories:
        if not t.nouvelle or cpts_fixes.get(cpts_key(t.nom)) == NEW_CPTS:
            continue
        k = cpts_key(t.nom)
        if not k:
            continue
        hits = process.extract(k, keys, scorer=Indel.normalized_similarity, score_cutoff=_CPTS_PREFILTER,
                               limit=None, processor=None)
        close = sorted({(similarity(k, ok), choices[i][1], choices[i][2]) for ok, _, i in hits
                        if ok and ok != k and choices[i][3] > len(t.lines)}, reverse=True)
        close = [x for x in close if x[0] >= _CPTS_CLOSE]
        if not close:
            continue
        line = t.lines[0]
        sugg = [{"id": oid, "nom": onom} for _, oid, onom in close[:3]]
        problems.append(ImportProblem(
            line, t.nom,
            f"CPTS « {t.nom} » absente du registre mais proche de « {close[0][2]} » (lignes {_ranges(t.lines)}) : "
            "faute de frappe ? Corrigez le nom, ou confirmez qu'il s'agit d'une nouvelle CPTS.",
            sugg, kind="cpts_proche", blocking=True))
        t.blocking += 1
        for ln in t.lines:
            r = rows_by_line.get(ln)
            if r is not None and r.status in USED_STATUSES:
                r.message = f"{r.message} [CPTS à préciser : proche de « {close[0][2]} »]"


def _overlaps(territories, groups, current_codes, reg_by_id, names, problems, geo) -> None:
    """Communes in two CPTS of the file, or in a CPTS of the registry that the file leaves alone."""
    owner: dict[str, tuple[ImportedTerritory, int]] = {}
    line_of: dict[tuple[str, str], int] = {}
    for t in territories:
        members = groups[t.key]
        for row, extra in members:
            if row.used and row.code and not geo:
                line_of.setdefault((t.key, row.code), row.line)
        for c in t.codes:
            line_of.setdefault((t.key, c), t.lines[0] if t.lines else 0)
    in_file = {t.id for t in territories}
    reg_owners: dict[str, list[str]] = defaultdict(list)
    for cid, codes in current_codes.items():
        if cid not in in_file:
            for c in codes:
                reg_owners[c].append(cid)
    for t in territories:
        for c in t.codes:
            line = line_of[(t.key, c)]
            if c in owner and owner[c][0] is not t:
                other, oline = owner[c]
                problems.append(ImportProblem(
                    line, names.get(c, c),
                    f"Commune dans deux CPTS : {names.get(c, c)} ({c}) est aussi dans « {other.nom} » (ligne {oline}).",
                    kind="chevauchement"))
            else:
                owner.setdefault(c, (t, line))
            for cid in reg_owners.get(c, []):
                problems.append(ImportProblem(
                    line, names.get(c, c),
                    f"Commune dans deux CPTS : {names.get(c, c)} ({c}) est aussi dans « {reg_by_id[cid].nom} » "
                    "(registre, CPTS absente du fichier, inchangée).",
                    kind="chevauchement"))
