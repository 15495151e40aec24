"""Indicators to colour the map by (thematic maps), with their classes, colours and legend.

The six indicators (CPTS, population, share without médecin traitant, funding per inhabitant,
lifecycle step, signature year) and ``classify``; the vocabulary they share (Class, Value,
Indicator, Classification, palettes) is geo/views/indicator_model.py, re-exported here.

Pure Python: no Streamlit, no folium. Shared by the app (map colouring, legend), the PNG map
(geo/exports/), the PDF fiche and the exported tables.

Every indicator says what it measures, its unit, its kind (categorical | numeric | ordinal), and
whether its value is *déclaré* (from a source document) or *calculé* (from INSEE data). A CPTS
with no value gets the "Non renseigné" class; a commune in no documented CPTS gets "Aucune CPTS
documentée". Class breaks are explained in ``Indicator.breaks_note`` (shown under the legend).

    from geo.views.indicators import INDICATORS, classify
    c = classify("population", atlas.territories, atlas.registry)
    c.classes["pays-de-vitre"].label      # '80 000 – 175 000 hab. (taille 3)'
    c.values["pays-de-vitre"].text        # '83 737 hab.'
    c.legend                               # [Class, …, NON_RENSEIGNE, AUCUNE_CPTS] in display order
    c.commune_classes(atlas.territories)   # {INSEE code: Class} for every commune of a mapped CPTS
"""
from __future__ import annotations

from dataclasses import dataclass

from ..formatting import fr_date, fr_int, fr_num, fr_pct, plural
from ..mapdata import short_label, territory_colors
from ..registry import STEPS, Registry
from ..territories import Territory
from .facts import CALCULE, DECLARE, insee_origin, short_source
from .indicator_model import (AUCUNE_CPTS, BLUES, CATEGORICAL, HATCH, NON_RENSEIGNE, NUMERIC, ORDINAL, OUTLINE_COLOR,
                              OUTLINE_LABEL, PURPLES, THEMATIC_OPACITY, YLGNBU, YLORBR, YLORRD, Class, Classification,
                              Indicator, Value, bin_classes, class_by_key, drawn_legend, missing, qualifier_note,
                              sequential)


def signature_jalon(t: Territory):
    """The jalon of the ACI signature (step 'aci_signe') with a date, or None. If a file lists
    several (never seen), the first one is the signature."""
    return next((j for j in t.cpts.statut.jalons if j.etape == "aci_signe" and j.date), None)


# --------------------------------------------------------------------------- cpts (categorical)


def _cpts_value(t: Territory, registry: Registry) -> Value:
    if not t.perimetre_connu:
        return Value(t.id, t.nom, note="périmètre non documenté : la CPTS n'est pas cartographiée")
    return Value(t.id, t.nom, note="périmètre approché" if t.approximatif else None)


def _cpts_classes(territories: list[Territory], registry: Registry) -> list[Class]:
    colors = territory_colors(territories)
    mapped = sorted((t for t in territories if t.perimetre_connu), key=lambda t: t.nom)
    return [Class(t.id, short_label(t) + (" (périmètre approché)" if t.approximatif else ""), colors[t.id])
            for t in mapped]


def _cpts_note(registry: Registry) -> str:
    return ("Une couleur par CPTS dont le périmètre est documenté (palette Okabe–Ito, lisible par les "
            "daltoniens) ; les CPTS sans périmètre documenté ne peuvent pas être dessinées.")


# --------------------------------------------------------------------------- population (numeric, calculé)


def _population_value(t: Territory, registry: Registry) -> Value:
    if not t.perimetre_connu:
        return missing("périmètre non documenté : population non calculable")
    return Value(t.population, f"{fr_int(t.population)} hab.", CALCULE, insee_origin(t),
                 note="périmètre approché : valeur indicative" if t.approximatif else None)


def _population_breaks(registry: Registry) -> list[int]:
    return [s.min for s in registry.tailles_aci if s.min is not None]


def _population_classes(territories: list[Territory], registry: Registry) -> list[Class]:
    labels = []
    for s in registry.tailles_aci:
        if s.min is None:
            rng = f"moins de {fr_int(s.max)} hab."
        elif s.max is None:
            rng = f"{fr_int(s.min)} hab. et plus"
        else:
            rng = f"{fr_int(s.min)} – {fr_int(s.max)} hab."
        labels.append(f"{rng} (taille {s.taille})")
    breaks = _population_breaks(registry)
    return bin_classes(breaks, labels, list(sequential(BLUES, len(labels))), "population")


def _population_note(registry: Registry) -> str:
    src = registry.sources.get(registry.tailles_aci[0].source) if registry.tailles_aci else None
    where = f"{src.type} {src.editeur}, {fr_date(src.date)}" if src else "ACI"
    return (f"Classes = les {len(registry.tailles_aci)} tailles de CPTS de l'accord conventionnel interprofessionnel (ACI), qui "
            f"fixent son financement ({where}). Population municipale INSEE des communes du périmètre.")


# --------------------------------------------------------------------------- sans médecin traitant (numeric, déclaré)

SMT_BREAKS = [10.0, 12.0]


def _smt_value(t: Territory, registry: Registry) -> Value:
    s = next((s for s in t.cpts.sans_medecin_traitant if s.unite == "%"), None)
    if s is None:
        return missing()
    text = (f"{s.qualificatif} " if s.qualificatif else "") + fr_pct(s.valeur)
    note = f"{s.population}, {s.perimetre}" + (f", {s.annee}" if s.annee else "")
    return Value(float(s.valeur), text, DECLARE, short_source(s.source, registry), s.qualificatif, note)


def _smt_classes(territories: list[Territory], registry: Registry) -> list[Class]:
    return bin_classes(SMT_BREAKS, ["moins de 10 %", "10 % à moins de 12 %", "12 % et plus"],
                       list(sequential(YLORRD, 3)), "smt")


def smt_reference(registry: Registry) -> tuple[float, str] | None:
    """The Brittany figure the sources compare with (value, source), if any."""
    for c in registry.cpts:
        for s in c.sans_medecin_traitant:
            for comp in s.comparaisons:
                if comp.perimetre.lower() == "bretagne":
                    return comp.valeur, short_source(s.source, registry)
    return None


def _smt_note(registry: Registry) -> str:
    ref = smt_reference(registry)
    base = (f"Bretagne : {fr_pct(ref[0])} des plus de 17 ans sans médecin traitant ({ref[1]}). "
            if ref else "")
    return (base + "Classes : moins de 10 % ≈ niveau régional ; 10 à 12 % = jusqu'à 2 points au-dessus ; "
            "12 % et plus = nettement au-dessus. Valeurs déclarées par les diagnostics des CPTS "
            "(dates et tranches d'âge propres à chaque source).")


# --------------------------------------------------------------------------- financement par habitant (numeric, déclaré)

FUNDING_BREAKS = [2.0, 3.0, 4.0]


def _funding_value(t: Territory, registry: Registry) -> Value:
    f = next((f for f in t.cpts.financement if f.unite.startswith("€")), None)
    pdec = t.cpts.population_declaree
    if f is None:
        return missing()
    if pdec is None or not pdec.valeur:
        return missing(f"financement de {fr_int(f.montant)} € déclaré, mais pas de population déclarée")
    per = f.montant / pdec.valeur
    unit = "€ / hab." + (" / an" if f.unite == "€/an" else "")
    note = (f"{fr_int(f.montant)} € ({f.couvre}" + (f", {f.annee}" if f.annee else "") +
            f") ÷ {fr_int(pdec.valeur)} hab. déclarés le {fr_date(pdec.date)}")
    return Value(per, f"{fr_num(per, 2)} {unit}", DECLARE, short_source(f.source, registry), note=note)


def _funding_classes(territories: list[Territory], registry: Registry) -> list[Class]:
    labels = ["moins de 2 €", "2 € à moins de 3 €", "3 € à moins de 4 €", "4 € et plus"]
    return bin_classes(FUNDING_BREAKS, labels, list(sequential(YLGNBU, len(labels))), "financement")


def _funding_note(registry: Registry) -> str:
    lo = registry.context_figure("aci-financement-min-2020")
    hi = registry.context_figure("aci-financement-max-2020")
    sizes = {s.taille: s for s in registry.tailles_aci}
    parts = []
    if hi and sizes and sizes[max(sizes)].min:
        parts.append(f"{fr_int(hi.valeur)} €/an pour les plus grandes CPTS (plus de {fr_int(sizes[max(sizes)].min)} hab.) "
                     f"≈ {fr_num(hi.valeur / sizes[max(sizes)].min, 2)} €/hab. au plus")
    if lo and sizes and sizes[min(sizes)].max:
        parts.append(f"{fr_int(lo.valeur)} €/an pour les plus petites (moins de {fr_int(sizes[min(sizes)].max)} hab.) "
                     f"≈ {fr_num(lo.valeur / sizes[min(sizes)].max, 2)} €/hab. au moins")
    why = (" ; ".join(parts) + f" ({short_source(lo.source, registry)}) : classes d'un euro couvrant cette plage. ") if parts else ""
    return (why + "Premier financement déclaré ÷ population déclarée ; les montants ne couvrent pas "
            "toujours la même période (première année, versement à la signature).")


# --------------------------------------------------------------------------- statut (ordinal)


def _status_value(t: Territory, registry: Registry) -> Value:
    st = t.cpts.statut
    if st.etape is None:
        return missing("étape du cycle de vie non précisée par les sources")
    label = next(s.label for s in STEPS if s.key == st.etape)
    dated = [j for j in st.jalons if j.etape == st.etape and j.date]
    j = dated[-1] if dated else None
    return Value(st.etape, label, DECLARE, short_source(j.source, registry) if j else None,
                 note=(f"{fr_date(j.date)}" + (" (date déduite)" if j.infere else "")) if j else None)


_STEP_SHORT = {"lettre_intention_validee": "Lettre d'intention validée",
               "projet_sante_valide": "Projet de santé validé",
               "aci_signe": "ACI signé"}


def _status_classes(territories: list[Territory], registry: Registry) -> list[Class]:
    return [Class(s.key, _STEP_SHORT.get(s.key, s.label), c) for s, c in zip(STEPS, sequential(PURPLES, len(STEPS)))]


def _status_note(registry: Registry) -> str:
    return ("Dernière étape atteinte du cycle de vie d'une CPTS, dans l'ordre : lettre d'intention validée "
            "par l'ARS, projet de santé validé, accord conventionnel interprofessionnel (ACI) signé.")


# --------------------------------------------------------------------------- année de signature (ordinal)


def _year_value(t: Territory, registry: Registry) -> Value:
    j = signature_jalon(t)
    if j is None:
        return missing("pas de signature d'ACI documentée")
    year = int(j.date[:4])
    when = f"signé le {fr_date(j.date)}" if len(j.date) == 10 else f"signé en {fr_date(j.date)}"
    return Value(year, str(year), DECLARE, short_source(j.source, registry),
                 note=when + (" (date déduite)" if j.infere else ""))


def _year_classes(territories: list[Territory], registry: Registry) -> list[Class]:
    """One class per year from the first signature to the last, so that the colour scale reads as
    time. The ramp spans the years of the MAPPED CPTS (what the map draws: clear steps between them);
    a year only an unmapped CPTS signed in keeps its class (tables) with the nearest end colour."""
    signed = {int(j.date[:4]) for t in territories if (j := signature_jalon(t))}
    drawn = {int(j.date[:4]) for t in territories if t.perimetre_connu and (j := signature_jalon(t))} or signed
    if not signed:
        return []
    first, last = min(drawn), max(drawn)
    colors = sequential(YLORBR, last - first + 1)
    return [Class(f"annee_{y}", str(y), colors[min(max(y, first), last) - first])
            for y in range(min(signed), max(signed) + 1)]


def _year_class_of(v: Value, classes: list[Class]) -> Class:
    return next((c for c in classes if v.value is not None and c.key == f"annee_{v.value}"), NON_RENSEIGNE)


def _year_note(registry: Registry) -> str:
    return ("Année de signature de l'ACI (jalon « ACI signé » du registre), une classe par année, "
            "de la plus ancienne (clair) à la plus récente (foncé).")


# --------------------------------------------------------------------------- registry


# Labels fit the sidebar's « Colorer la carte par » box (~31 characters): longer ones were cut before
# their déclaré/calculé tag (« Patients sans médecin traitant (d… », « Financement par habitant (décla… »).
LABEL_MAX = 31
INDICATORS: dict[str, Indicator] = {
    ind.key: ind for ind in [
        Indicator("cpts", "CPTS", None, CATEGORICAL, "registre",
                  "La CPTS dont la commune fait partie (périmètres du registre, communes au COG 2026).",
                  _cpts_value, _cpts_classes, class_by_key, _cpts_note),
        Indicator("population", "Population couverte (calculée)", "habitants", NUMERIC, CALCULE,
                  "Somme des populations municipales INSEE des communes du périmètre de la CPTS.",
                  _population_value, _population_classes, None, _population_note,
                  breaks=_population_breaks, fmt=lambda x: f"{fr_int(x)} hab."),
        Indicator("sans_medecin_traitant", "Sans médecin traitant (déclaré)", "%", NUMERIC, DECLARE,
                  "Part des patients sans médecin traitant selon le diagnostic de la CPTS.",
                  _smt_value, _smt_classes, None, _smt_note,
                  breaks=lambda r: SMT_BREAKS, fmt=fr_pct),
        Indicator("financement_par_habitant", "Financement par hab. (déclaré)", "€ par habitant", NUMERIC, DECLARE,
                  "Premier financement déclaré de la CPTS divisé par sa population déclarée.",
                  _funding_value, _funding_classes, None, _funding_note,
                  breaks=lambda r: FUNDING_BREAKS, fmt=lambda x: f"{fr_num(x, 2)} €"),
        Indicator("statut", "Étape du cycle de vie", None, ORDINAL, DECLARE,
                  "Dernière étape atteinte : lettre d'intention, projet de santé, ACI signé.",
                  _status_value, _status_classes, class_by_key, _status_note),
        Indicator("annee_signature", "Année de signature de l'ACI", None, ORDINAL, DECLARE,
                  "Année du jalon « ACI signé » du registre.",
                  _year_value, _year_classes, _year_class_of, _year_note),
    ]
}


def indicator_names() -> str:
    return ", ".join(INDICATORS)


def get_indicator(key: str) -> Indicator:
    """The indicator ``key``; KeyError with a French message listing the valid names."""
    try:
        return INDICATORS[key]
    except KeyError:
        raise KeyError(f"indicateur inconnu « {key} » (indicateurs disponibles : {indicator_names()})") from None


def classify(indicator: str | Indicator, territories: list[Territory], registry: Registry) -> Classification:
    ind = get_indicator(indicator) if isinstance(indicator, str) else indicator
    classes = ind.classes_for(territories, registry)
    breaks = ind.breaks(registry) if ind.breaks else None
    values: dict[str, Value] = {}
    assigned: dict[str, Class] = {}
    notes = [ind.breaks_note(registry)]
    for t in territories:
        v = ind.value_of(t, registry)
        if breaks is not None:
            qn = qualifier_note(v, breaks, ind.fmt)
            if qn:
                v = Value(v.value, v.text, v.nature, v.origin, v.qualifier, "; ".join(x for x in (v.note, qn) if x))
                notes.append(f"{t.nom} : {qn}.")
        values[t.id] = v
        assigned[t.id] = ind.class_for(v, classes, registry)
    counts = {c.key: 0 for c in [*classes, NON_RENSEIGNE]}
    for t in territories:   # what the map draws: an unmapped CPTS is in no class of the legend
        if t.perimetre_connu:
            counts[assigned[t.id].key] = counts.get(assigned[t.id].key, 0) + 1
    unmapped = [t.id for t in territories if not t.perimetre_connu]
    if unmapped:
        names = ", ".join(t.nom for t in territories if not t.perimetre_connu)
        notes.append(f"Non cartographiées (périmètre non documenté), donc dans aucune classe : {names}.")
    return Classification(ind, assigned, values, drawn_legend(classes, counts), counts, notes, unmapped,
                          [*classes, NON_RENSEIGNE])


@dataclass(frozen=True)
class LegendItem:
    """One line of a thematic map's legend, the same in the browser (ui/map.py) and the PNG."""
    kind: str            # "fill" | "hatch" (HATCH over ``color``) | "line" (CPTS outline) | "text"
    color: str | None    # '#rrggbb' (None for "text")
    label: str
    key: str | None = None   # the class key (fill/hatch)


def legend_items(c: Classification) -> list[LegendItem]:
    """The legend of what the map draws: its classes (with their number of mapped CPTS), the CPTS
    outline (one dark colour on every thematic map) and, apart, how many CPTS have no mapped
    perimeter. One definition for the browser map and the PNG (issue 9.3)."""
    items = [LegendItem("hatch" if cls.hatch else "fill", cls.color, legend_label(c, cls), cls.key) for cls in c.legend]
    items.append(LegendItem("line", OUTLINE_COLOR, OUTLINE_LABEL))
    if c.unmapped_line:
        items.append(LegendItem("text", None, c.unmapped_line))
    return items


def legend_label(c: Classification, cls: Class) -> str:
    """Legend text with the number of CPTS in the class (the 'Aucune CPTS' class has none)."""
    if cls.key == AUCUNE_CPTS.key or (c.indicator.kind == CATEGORICAL and cls.key != NON_RENSEIGNE.key):
        return cls.label
    n = c.counts.get(cls.key, 0)
    return f"{cls.label} ({plural(n, 'CPTS', 'CPTS')})"


__all__ = ["INDICATORS", "Indicator", "Class", "Value", "Classification", "classify", "get_indicator",
           "indicator_names", "legend_label", "legend_items", "LegendItem", "NON_RENSEIGNE", "AUCUNE_CPTS",
           "THEMATIC_OPACITY", "HATCH", "OUTLINE_COLOR", "OUTLINE_LABEL", "CATEGORICAL", "NUMERIC",
           "ORDINAL", "signature_jalon", "smt_reference"]
