"""Derived facts for a CPTS panel, computed from the registry and the territory (pure, testable).

Each figure carries its nature: ``declare`` (from a source document, with its date) or ``calcule``
(from INSEE data, with its millésime), so the UI can always say where it comes from.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..formatting import fr_date, fr_eur, fr_int, fr_num, fr_pct, fr_signed_int, fr_signed_pct
from ..registry import MISSIONS, STEPS, Registry, format_source, iter_citations
from ..registry.dated import date_key, effective_date
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


def declared_values(cpts, champ: str, registry: Registry) -> list:
    """The values two sources give of one single figure (``population_declaree``, ``communes_declarees``,
    ``taille_aci_declaree``): the field's value first — the one the map uses, the newest when an import
    wrote it — then ``autres_valeurs`` of that figure, newest first."""
    main = getattr(cpts, champ)
    others = sorted((a for a in cpts.autres_valeurs if a.champ == champ),
                    key=lambda a: _date_sort(a, registry), reverse=True)
    return ([main] if main is not None else []) + others


def _date_sort(fact, registry: Registry) -> tuple:
    return date_key(effective_date(fact, registry.sources))


def _when(fact, registry: Registry) -> str:
    """« au 1er janvier 2024 » (the fact's own date) or « au 29 septembre 2022 » (its source's)."""
    date = effective_date(fact, registry.sources)
    return f"au {fr_date(date)}" if date else "date inconnue"


def _rivals(facts: list, registry: Registry, shown) -> list[tuple[object, str | None, str]]:
    """(fact, note, label suffix) for values of the same figure from two sources: which is newer."""
    if len(facts) < 2:
        return [(f, None, "") for f in facts]
    newest = max(facts, key=lambda f: _date_sort(f, registry))
    out = []
    for f in facts:
        if f is newest:
            out.append((f, f"{_when(f, registry)} ; la plus récente des {len(facts)} valeurs déclarées "
                           "(c'est elle que la carte utilise)", ""))
        else:
            out.append((f, f"{_when(f, registry)} ; plus ancienne que {shown(newest)} ({short_source(newest.source, registry)}, "
                           f"{_when(newest, registry)})", " (valeur plus ancienne)"))
    return out


def population_figures(t: Territory, registry: Registry) -> tuple[list[Figure], str | None]:
    """(figures, gap sentence) for the population: déclarée (every source's value when they disagree,
    the newer said), calculée, and the gap between the declared value the map uses and the computed one."""
    figs: list[Figure] = []
    values = declared_values(t.cpts, "population_declaree", registry)
    pdec = values[0] if values else None
    for v, rank, suffix in _rivals(values, registry, lambda f: f"{fr_int(f.valeur)} hab."):
        note = "; ".join(x for x in (rank, ("valeur déduite — " + (v.note or "")) if v.infere else v.note) if x)
        figs.append(Figure("Population déclarée" + suffix, f"{fr_int(v.valeur)} hab.", DECLARE,
                           short_source(v.source, registry), note or None, v.source, v.citation))
    if t.perimetre_connu:
        figs.append(Figure("Population calculée", f"{fr_int(t.population)} hab.", CALCULE, insee_origin(t),
                           "périmètre approché : valeur indicative" if t.approximatif else None))
    gap = None
    if pdec and t.perimetre_connu and pdec.valeur:
        d = t.population - pdec.valeur
        gap = (f"Écart calculé − déclaré : {fr_signed_int(d)} hab. ({fr_signed_pct(100 * d / pdec.valeur)}) "
               f"entre le {fr_date(effective_date(pdec, registry.sources))} et les populations légales {t.population_millesime}"
               + (" — le périmètre étant approché, l'écart n'est pas interprétable seul." if t.approximatif else "."))
    return figs, gap


def commune_figures(t: Territory, registry: Registry) -> list[Figure]:
    figs = []
    values = declared_values(t.cpts, "communes_declarees", registry)
    for v, rank, suffix in _rivals(values, registry, lambda f: fr_int(f.valeur)):
        figs.append(Figure("Communes déclarées" + suffix, fr_int(v.valeur), DECLARE,
                           short_source(v.source, registry), rank, v.source, v.citation))
    if t.perimetre_connu:
        figs.append(Figure("Communes (COG 2026)", fr_int(t.n_communes), CALCULE, "INSEE, COG 2026"))
    return figs


def _same_figure_notes(items: list, key, registry: Registry, shown) -> dict[int, tuple[str | None, str]]:
    """id(fact) -> (note, label suffix) for facts of a list that give the same figure (same ``key``)."""
    groups: dict = {}
    for f in items:
        groups.setdefault(key(f), []).append(f)
    out = {}
    for group in groups.values():
        for f, note, suffix in _rivals(group, registry, shown):
            out[id(f)] = (note, suffix)
    return out


def funding_figures(t: Territory, registry: Registry) -> list[Figure]:
    """Funding figures, newest first; two sources giving the same year are both shown, the newer said."""
    out = []
    pdec = t.cpts.population_declaree
    items = sorted(t.cpts.financement, key=lambda f: _date_sort(f, registry), reverse=True)
    ranks = _same_figure_notes(items, lambda f: (f.annee, f.unite), registry, lambda f: fr_eur(f.montant))
    for f in items:
        per = []
        if pdec and pdec.valeur:
            per.append(f"{fr_num(f.montant / pdec.valeur, 2)} € par habitant déclaré")
        if t.perimetre_connu and t.population and not t.approximatif:
            per.append(f"{fr_num(f.montant / t.population, 2)} € par habitant (population {t.population_millesime}, calculé)")
        rank, suffix = ranks.get(id(f), (None, ""))
        out.append(Figure(
            f"Financement {f.annee or ''}".strip() + suffix, fr_eur(f.montant), DECLARE,
            short_source(f.source, registry),
            " ; ".join([f"couvre : {f.couvre}", *per] + ([rank] if rank else []) + ([f.note] if f.note else [])),
            f.source, f.citation))
    return out


def smt_figures(t: Territory, registry: Registry) -> list[Figure]:
    """Share of patients without médecin traitant, as the sources give it, newest first; two values of
    the same population from two sources are both shown, the newer said."""
    out = []
    items = sorted(t.cpts.sans_medecin_traitant, key=lambda s: _date_sort(s, registry), reverse=True)
    ranks = _same_figure_notes(items, lambda s: (s.population, s.perimetre, s.unite), registry,
                               lambda s: fr_pct(s.valeur) if s.unite == "%" else fr_num(s.valeur))
    for s in items:
        value = ((s.qualificatif + " ") if s.qualificatif else "") + (fr_pct(s.valeur) if s.unite == "%" else f"{fr_num(s.valeur)} {s.unite}")
        comps = "; ".join(f"{fr_pct(c.valeur)} en {c.perimetre}" + (f" ({c.population})" if c.population and c.population != s.population else "")
                          for c in s.comparaisons)
        note = f"{s.population}, {s.perimetre}" + (f", {fr_date(s.date)}" if s.date else f", {s.annee}" if s.annee else "") \
            + (f" — comparaison : {comps}" if comps else "")
        rank, suffix = ranks.get(id(s), (None, ""))
        if rank:
            note += f" — {rank}"
        if s.note:
            note += f" — {s.note}"
        out.append(Figure("Patients sans médecin traitant" + suffix, value, DECLARE, short_source(s.source, registry),
                          note, s.source, s.citation))
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
    for d, rank, suffix in _rivals(declared_values(t.cpts, "taille_aci_declaree", registry), registry,
                                   lambda f: f"taille {f.valeur}"):
        out.append(Figure("Taille ACI déclarée" + suffix, str(d.valeur), DECLARE, short_source(d.source, registry), rank,
                          d.source, d.citation))
    if t.taille_aci_calculee is not None and not t.approximatif:
        src = registry.tailles_aci[0].source if registry.tailles_aci else None
        out.append(Figure("Taille ACI d'après la population calculée", str(t.taille_aci_calculee), CALCULE,
                          f"{insee_origin(t)} ; classes de l'ACI : {format_source(src, registry) if src else 'ACI'}"))
    return out


def engagement_figures(t: Territory, registry: Registry) -> list[Figure]:
    """Missions engaged (tracking table): one figure per mission, « engagée » or « non engagée »."""
    block = t.cpts.missions_engagees
    if block is None:
        return []
    labels = {m.key: m.label for m in MISSIONS}
    kinds = {m.key: m.kind for m in MISSIONS}
    return [Figure(labels[m.mission], "engagée" if m.engagee else "non engagée", DECLARE,
                   short_source(block.source, registry), f"mission {kinds[m.mission]}"
                   + (f" ; {fr_date(block.date)}" if block.date else "") + (f" — {m.note}" if m.note else ""),
                   block.source, m.citation) for m in block.missions]


def contact_figures(t: Territory, registry: Registry) -> list[Figure]:
    """Public contact of the CPTS (web site, generic e-mail address), as text (never a live link)."""
    c = t.cpts.contact
    if c is None:
        return []
    out = []
    for label, value, citation in (("Site web", c.site_web, c.citations[0]),
                                   ("Adresse électronique", c.courriel, c.citations[-1])):
        if value:
            out.append(Figure(label, value, DECLARE, short_source(c.source, registry), c.note, c.source, citation))
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
