"""How much of Brittany the *documented* CPTS cover, computed from the referential, beside the
sources' own figures (pure: pandas, no Streamlit).

``coverage_table`` / ``communes_outside`` / ``signature_timeline`` / ``context_rows``, plus the
commune filter and the map view of a scope used by the Couverture page.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..formatting import fr_eur, fr_int, fr_num, fr_pct
from ..matching import normalize_name
from ..registry import Registry
from ..territories import Territory
from .facts import short_source
from .timeline import signatures

REGION_BRETAGNE = "53"
DEPARTEMENTS_BRETAGNE = ("22", "29", "35", "56")


def owners_by_commune(territories: list[Territory]) -> dict[str, list[Territory]]:
    """INSEE code -> the documented CPTS whose perimeter holds it."""
    out: dict[str, list[Territory]] = {}
    for t in territories:
        if t.perimetre_connu:
            for c in t.codes:
                out.setdefault(c, []).append(t)
    return out


def _in_region(communes: pd.DataFrame, region: str | None) -> pd.DataFrame:
    return communes if region is None else communes[communes["region"] == region]


def coverage_table(communes: pd.DataFrame, territories: list[Territory], region: str | None = REGION_BRETAGNE,
                   nom: str = "Bretagne", departements: Iterable[str] = DEPARTEMENTS_BRETAGNE,
                   code: str | None = None) -> pd.DataFrame:
    """The région (geo/scope.py; ``region=None``: every commune, France), then each of its
    ``departements``: communes and population inside at least one documented CPTS and outside (a
    commune in two CPTS counts once). Computed from the referential. The first row's code is
    ``code`` (default: the région's code)."""
    owners = owners_by_commune(territories)
    bzh = _in_region(communes, region)
    inside = bzh["code"].isin(owners.keys())
    pop = bzh["population"].fillna(0).astype("int64")
    departements = tuple(departements)
    whole = code or region or "france"
    scopes = [(whole, nom, pd.Series(True, index=bzh.index))]
    for dep in departements:
        mask = bzh["departement"] == dep
        name = bzh.loc[mask, "departement_nom"].iloc[0] if mask.any() else dep
        scopes.append((dep, f"{name} ({dep})", mask))
    rows = []
    for code, label, mask in scopes:
        n_in = int((mask & inside).sum())
        n_out = int((mask & ~inside).sum())
        p_in = int(pop[mask & inside].sum())
        p_out = int(pop[mask & ~inside].sum())
        total = p_in + p_out
        rows.append({
            "code": code, "territoire": label,
            "communes_dans_cpts": n_in, "communes_hors_cpts": n_out, "communes": n_in + n_out,
            "population_dans_cpts": p_in, "population_hors_cpts": p_out, "population": total,
            "part_population_pct": (100.0 * p_in / total) if total else None,
            "cpts": sum(1 for t in territories if t.perimetre_connu and (code == whole and any(
                d in departements for d in t.departements) or code in t.departements)),
        })
    return pd.DataFrame(rows)


def communes_outside(communes: pd.DataFrame, territories: list[Territory], departement: str | None = None,
                     region: str | None = REGION_BRETAGNE) -> pd.DataFrame:
    """The communes of the région (None: all) in no documented CPTS (optionally one département),
    largest first."""
    owners = owners_by_commune(territories)
    bzh = _in_region(communes, region)
    bzh = bzh[~bzh["code"].isin(owners.keys())]
    if departement:
        bzh = bzh[bzh["departement"] == departement]
    out = pd.DataFrame({
        "code": bzh["code"].tolist(),
        "nom": bzh["nom"].tolist(),
        "departement": [f"{n} ({d})" for d, n in zip(bzh["departement"], bzh["departement_nom"])],
        "epci": [None if pd.isna(e) else e for e in bzh["epci_nom"]],
        "population": pd.array([None if pd.isna(p) else int(p) for p in bzh["population"]], dtype="Int64"),
    })
    return out.sort_values(["population", "nom"], ascending=[False, True], na_position="last").reset_index(drop=True)


# The « communes hors CPTS » table of the Couverture page lists at most this many rows, the most populous
# first (a search or a département reaches the others): styling every row in French costs ~75 µs a row on
# each rerun, 2.6 s CPU for France's ~34 700 communes; 2 000 keeps every région whole (Bretagne: 1 038).
OUTSIDE_SHOWN = 2000


def filter_communes(df: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows whose name contains ``query`` (accents, case, hyphens ignored) or whose code starts with it."""
    q = (query or "").strip()
    if not q:
        return df
    key = normalize_name(q)
    mask = df["code"].str.startswith(q.upper()) | df["nom"].map(lambda n: key in normalize_name(n))
    return df[mask]


def scope_view(communes: pd.DataFrame, code: str, region: str | None = REGION_BRETAGNE,
               whole: str | None = None) -> tuple[tuple[float, float], float]:
    """(center lat/lon, zoom) showing the région (``code == whole``, default the région's code;
    ``region=None``: metropolitan France, as the home map opens — the overseas départements 97x put
    the centre of all communes' bounds in the Atlantic off West Africa) or one département on the map."""
    whole = whole or region or "france"
    if code == whole:
        sub = _in_region(communes, region)
        zoom = 5.5 if region is None else 7.5
        metro = sub[~sub["departement"].astype(str).str.startswith("97")]
        if region is None and len(metro):
            sub = metro
    else:
        sub, zoom = communes[communes["departement"] == code], 8.5
    minx, miny, maxx, maxy = sub.total_bounds
    return (round((miny + maxy) / 2, 4), round((minx + maxx) / 2, 4)), zoom


def signature_timeline(communes: pd.DataFrame, territories: list[Territory], region: str | None = REGION_BRETAGNE) -> pd.DataFrame:
    """ACI signatures in date order (``geo.views.timeline.signatures``: milestones of the registry, a partial
    date counted from the end of its period), with the cumulative population of the documented
    perimeters signed so far — communes counted once, only those of ``region`` (None: all). A signed
    CPTS without a documented perimeter is listed with ``population_ajoutee`` None (not computable)."""
    pop_of = dict(zip(communes["code"], communes["population"].fillna(0).astype("int64")))
    in_scope = set(communes["code"] if region is None else communes.loc[communes["region"] == region, "code"])
    mapped = {t.id: t for t in territories}
    covered: set[str] = set()
    rows = []
    for s in signatures(territories):
        t = mapped[s.cpts_id]
        if s.mapped:
            new = [c for c in s.codes if c in in_scope and c not in covered]
            covered.update(new)
            added = int(sum(pop_of[c] for c in new))
        else:
            added = None
        rows.append({
            "date": s.end, "date_iso": s.date, "date_deduite": s.infere, "cpts_id": s.cpts_id, "cpts": s.nom,
            "perimetre": "non documenté" if not t.perimetre_connu else "approché" if t.approximatif else "documenté",
            "population_ajoutee": added,
            "population_cumulee": int(sum(pop_of[c] for c in covered)),
            "communes_cumulees": len(covered),
        })
    df = pd.DataFrame(rows, columns=["date", "date_iso", "date_deduite", "cpts_id", "cpts", "perimetre",
                                     "population_ajoutee", "population_cumulee", "communes_cumulees"])
    df["population_ajoutee"] = pd.array(df["population_ajoutee"].tolist(), dtype="Int64")
    return df


def format_context_value(f) -> str:
    """A context figure's value as the source gives it: '80 %', '29 CPTS', '22 000 habitants'."""
    if f.unite == "%":
        v = fr_pct(f.valeur)
    elif f.unite in ("€", "€/an"):
        v = fr_eur(f.valeur) + (" par an" if f.unite == "€/an" else "")
    else:
        unit = f.unite[:-1] if (abs(f.valeur) < 2 and f.unite.endswith("s") and f.unite != "CPTS") else f.unite
        v = f"{fr_int(f.valeur) if float(f.valeur).is_integer() else fr_num(f.valeur)} {unit}"
    return f"{f.qualificatif} {v}" if getattr(f, "qualificatif", None) else v


def context_rows(registry: Registry, perimetres: Iterable[str]) -> list[dict]:
    """The sources' own figures for the given perimeters ("Bretagne", "Ille-et-Vilaine"…), newest first."""
    wanted = set(perimetres)
    rows = [{"id": f.id, "perimetre": f.perimetre, "libelle": f.libelle, "valeur": format_context_value(f),
             "date": f.date, "infere": bool(getattr(f, "infere", False)), "note": getattr(f, "note", None),
             "source": short_source(f.source, registry), "source_id": f.source}
            for f in registry.context if f.perimetre in wanted]
    return sorted(rows, key=lambda r: (r["date"] or ""), reverse=True)


def quiet_territories(cov: pd.DataFrame, with_sources: Iterable[str], keep: str) -> list[str]:
    """Codes of the rows of :func:`coverage_table` that have nothing to say: no commune in a documented
    CPTS and no figure of the sources (``with_sources``: codes that have one); ``keep`` (the whole
    scope) is never quiet. The Couverture page says them in one line instead of one paragraph each,
    which in the France scope was a hundred identical paragraphs."""
    said = set(with_sources)
    return [r.code for r in cov.itertuples() if r.code != keep and not r.communes_dans_cpts and r.code not in said]
