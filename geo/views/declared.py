"""Every declared fact of a CPTS as one flat record: value, date, source id, where it sits in the
registry — what ``python -m geo territories --json`` lists under ``faits`` so that a script can
check what an import or an edit set (issue 8, item 6).

One record per fact, in registry order:

- ``champ``: the registry field (``statut.jalons``, ``population_declaree``, ``communes_declarees``,
  ``taille_aci_declaree``, ``professionnels``, ``financement``, ``sans_medecin_traitant``,
  ``autres_indicateurs``, ``missions``, ``missions_engagees``, ``contact``, ``perimetre``); ``chemin``: its
  exact place (``financement[0]``, ``missions.prevention[2]``, ``autres_valeurs[0]``: the other source's
  value of a single figure, flagged ``valeur_retenue: false`` — the map uses the field's own value);
- ``valeur``: the value as the registry stores it (number, step key, action text…);
- ``date``: the fact's own date when it has one, else the date of its source document;
  ``date_origine`` says which (``fait`` | ``source``; None when neither gives one);
- ``source``: the id of the source document (data/registry/sources.yaml), ``citation`` the quote;
- every other field of the fact as the registry names it (``unite``, ``annee``, ``couvre``,
  ``qualificatif``, ``infere``, ``note``…).
"""
from __future__ import annotations

import dataclasses

from ..registry import MISSIONS, Cpts, Registry

# field of the registry -> attribute holding its value (the others are ``valeur``)
_VALUE_ATTR = {"statut.jalons": "etape", "financement": "montant", "missions": "action"}


def _fields(obj) -> dict:
    """The fields of one registry object as plain JSON-able data (dataclass or pydantic model)."""
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    return dict(vars(obj))


def _dated(own_date: str | None, source: str | None, registry: Registry) -> dict:
    doc = registry.sources.get(source) if source else None
    date, origin = (own_date, "fait") if own_date else (doc.date, "source") if doc else (None, None)
    return {"date": date, "date_origine": origin, "source": source}


def _record(champ: str, chemin: str, obj, registry: Registry, source: str | None = None, **extra) -> dict:
    data = _fields(obj)
    value = data.pop(_VALUE_ATTR.get(champ, "valeur"), None)
    dated = _dated(data.pop("date", None), source or data.pop("source", None), registry)
    return {"champ": champ, "chemin": chemin, "valeur": value, **dated, **extra, **data}


def declared_facts(cpts: Cpts, registry: Registry) -> list[dict]:
    """The declared facts of one CPTS with their value, date and source id (see the module doc)."""
    out = [_record("statut.jalons", f"statut.jalons[{i}]", j, registry) for i, j in enumerate(cpts.statut.jalons)]
    for key in ("population_declaree", "communes_declarees", "taille_aci_declaree"):
        fact = getattr(cpts, key)
        if fact is not None:
            out.append(_record(key, key, fact, registry))
    for key in ("professionnels", "financement", "sans_medecin_traitant", "autres_indicateurs"):
        out += [_record(key, f"{key}[{i}]", fact, registry) for i, fact in enumerate(getattr(cpts, key))]
    if cpts.missions is not None:
        for m in MISSIONS:
            out += [_record("missions", f"missions.{m.key}[{i}]", a, registry, source=cpts.missions.source,
                            mission=m.key, mission_type=m.kind)
                    for i, a in enumerate(cpts.missions.actions(m.key))]
    for i, other in enumerate(cpts.autres_valeurs):  # a second source's value of a single figure
        out.append(_record(other.champ, f"autres_valeurs[{i}]", other, registry, valeur_retenue=False))
    if cpts.missions_engagees is not None:
        block = cpts.missions_engagees
        for i, m in enumerate(block.missions):
            out.append({"champ": "missions_engagees", "chemin": f"missions_engagees.missions[{i}]", "valeur": m.engagee,
                        **_dated(block.date, block.source, registry), "mission": m.mission, "citation": m.citation,
                        "note": m.note})
    if cpts.contact is not None:
        c = cpts.contact
        out.append({"champ": "contact", "chemin": "contact", "valeur": {"site_web": c.site_web, "courriel": c.courriel},
                    **_dated(None, c.source, registry), "citations": list(c.citations), "note": c.note})
    p = cpts.perimetre
    if p.source:
        out.append({"champ": "perimetre", "chemin": "perimetre", "valeur": p.regle, **_dated(None, p.source, registry),
                    "citation": p.citation, "approximatif": p.approximatif})
    return out
