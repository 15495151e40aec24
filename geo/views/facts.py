"""Derived facts for a CPTS panel, computed from the registry and the territory (pure, testable).

Each figure carries its nature: ``declare`` (from a source document, with its date) or ``calcule``
(from INSEE data, with its millésime), so the UI can always say where it comes from.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..formatting import fr_date, fr_eur, fr_int, fr_num, fr_pct, fr_signed_int, fr_signed_pct
from ..registry import STEPS, Registry, format_source, iter_citations
from ..territories import Territory

DECLARE = "déclaré"
CALCULE = "calculé"


@dataclass(frozen=True)
class Figure:
    label: str
    value: str            # formatted in French
    nature: str           # DECLARE | CALCULE
    origin: str           # "Communiqué de presse, Rennes, 29 septembre 2022 …" or "INSEE, populations légales 2023"
    note: str | None = None
    source: str | None = None     # id of the source document of a déclaré figure (« voir la source »)
    citation: str | None = None   # the registry's verbatim quote of that figure in its document


def short_source(source_id: str, registry: Registry) -> str:
    """'communiqué de presse du 29 septembre 2022' — the full reference is listed once per card."""
    s = registry.sources.get(source_id)
    if s is None:
        return source_id
    return f"{s.type.lower()} du {fr_date(s.date)}" + (" (date déduite)" if s.infere else "")


def insee_origin(t: Territory) -> str:
    return f"INSEE, populations légales {t.population_millesime} (COG 2026), périmètre recalculé"


def population_figures(t: Territory, registry: Registry) -> tuple[list[Figure], str | None]:
    """(figures, gap sentence) for the population: déclarée, calculée, and the gap between them."""
    figs: list[Figure] = []
    pdec = t.cpts.population_declaree
    if pdec:
        figs.append(Figure("Population déclarée", f"{fr_int(pdec.valeur)} hab.", DECLARE,
                           short_source(pdec.source, registry),
                           ("valeur déduite — " + (pdec.note or "")) if pdec.infere else pdec.note,
                           pdec.source, pdec.citation))
    if t.perimetre_connu:
        figs.append(Figure("Population calculée", f"{fr_int(t.population)} hab.", CALCULE, insee_origin(t),
                           "périmètre approché : valeur indicative" if t.approximatif else None))
    gap = None
    if pdec and t.perimetre_connu and pdec.valeur:
        d = t.population - pdec.valeur
        gap = (f"Écart calculé − déclaré : {fr_signed_int(d)} hab. ({fr_signed_pct(100 * d / pdec.valeur)}) "
               f"entre le {fr_date(pdec.date)} et les populations légales {t.population_millesime}"
               + (" — le périmètre étant approché, l'écart n'est pas interprétable seul." if t.approximatif else "."))
    return figs, gap


def commune_figures(t: Territory, registry: Registry) -> list[Figure]:
    figs = []
    cdec = t.cpts.communes_declarees
    if cdec:
        figs.append(Figure("Communes déclarées", fr_int(cdec.valeur), DECLARE,
                           short_source(cdec.source, registry), None, cdec.source, cdec.citation))
    if t.perimetre_connu:
        figs.append(Figure("Communes (COG 2026)", fr_int(t.n_communes), CALCULE, "INSEE, COG 2026"))
    return figs


def funding_figures(t: Territory, registry: Registry) -> list[Figure]:
    out = []
    pdec = t.cpts.population_declaree
    for f in t.cpts.financement:
        per = []
        if pdec and pdec.valeur:
            per.append(f"{fr_num(f.montant / pdec.valeur, 2)} € par habitant déclaré")
        if t.perimetre_connu and t.population and not t.approximatif:
            per.append(f"{fr_num(f.montant / t.population, 2)} € par habitant (population {t.population_millesime}, calculé)")
        out.append(Figure(
            f"Financement {f.annee or ''}".strip(), fr_eur(f.montant), DECLARE,
            short_source(f.source, registry),
            " ; ".join([f"couvre : {f.couvre}", *per] + ([f.note] if f.note else [])), f.source, f.citation))
    return out


def smt_figures(t: Territory, registry: Registry) -> list[Figure]:
    """Share of patients without médecin traitant, as the sources give it."""
    out = []
    for s in t.cpts.sans_medecin_traitant:
        value = ((s.qualificatif + " ") if s.qualificatif else "") + (fr_pct(s.valeur) if s.unite == "%" else f"{fr_num(s.valeur)} {s.unite}")
        comps = "; ".join(f"{fr_pct(c.valeur)} en {c.perimetre}" + (f" ({c.population})" if c.population and c.population != s.population else "")
                          for c in s.comparaisons)
        note = f"{s.population}, {s.perimetre}" + (f", {s.annee}" if s.annee else "") + (f" — comparaison : {comps}" if comps else "")
        if s.note:
            note += f" — {s.note}"
        out.append(Figure("Patients sans médecin traitant", value, DECLARE, short_source(s.source, registry), note,
                          s.source, s.citation))
    return out


def other_indicator_figures(t: Territory, registry: Registry) -> list[Figure]:
    out = []
    for i in t.cpts.autres_indicateurs:
        if i.unite == "%":
            value = fr_pct(i.valeur)
        else:
            value = f"{fr_num(i.valeur, 0 if float(i.valeur).is_integer() else 1)} {i.unite}"
        if i.qualificatif:
            value = f"{i.qualificatif} {value}"
        comps = "; ".join(f"{fr_pct(c.valeur) if i.unite == '%' else fr_num(c.valeur)} en {c.perimetre}" for c in i.comparaisons)
        note = "; ".join(x for x in [i.population, f"comparaison : {comps}" if comps else None, i.note] if x)
        out.append(Figure(i.libelle, value, DECLARE, short_source(i.source, registry), note or None,
                          i.source, i.citation))
    return out


def aci_size_figures(t: Territory, registry: Registry) -> list[Figure]:
    out = []
    d = t.cpts.taille_aci_declaree
    if d:
        out.append(Figure("Taille ACI déclarée", str(d.valeur), DECLARE, short_source(d.source, registry), None,
                          d.source, d.citation))
    if t.taille_aci_calculee is not None and not t.approximatif:
        src = registry.tailles_aci[0].source if registry.tailles_aci else None
        out.append(Figure("Taille ACI d'après la population calculée", str(t.taille_aci_calculee), CALCULE,
                          f"{insee_origin(t)} ; classes de l'ACI : {format_source(src, registry) if src else 'ACI'}"))
    return out


def status_line(t: Territory) -> str:
    st_ = t.cpts.statut
    if st_.etape is None:
        return "Étape du cycle de vie non précisée par les sources"
    label = next(s.label for s in STEPS if s.key == st_.etape)
    dated = [j for j in st_.jalons if j.etape == st_.etape and j.date]
    return label + (f" le {fr_date(dated[-1].date)}" if dated and len(dated[-1].date) == 10 else
                    f" en {fr_date(dated[-1].date)}" if dated else "")


def source_ids(t: Territory, registry: Registry) -> list[str]:
    """The source documents this CPTS's facts come from, in first-use order."""
    seen: list[str] = []
    for ref in iter_citations(registry):
        if ref.file == t.cpts.file and ref.source and ref.source not in seen:
            seen.append(ref.source)
    return seen
