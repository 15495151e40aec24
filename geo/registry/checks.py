"""Domain checks of a registry file once its structure is valid: lifecycle order, perimeter rules,
declared figures that disagree, ACI size classes. What no field type can say on its own."""
from __future__ import annotations

from typing import Callable

from .models import MISSION_KEYS, OTHER_MILESTONE, STEP_KEYS, Cpts, TailleAci
from .problems import Findings

__all__ = ["check_cpts", "check_tailles", "taille_for"]


def _step_index(step: str) -> int:
    return STEP_KEYS.index(step)


def check_cpts(item: Cpts, stem: str, ctx: Findings, size_for: Callable[[int], int | None]) -> None:
    if item.id != stem:
        ctx.error("id", f"l'identifiant « {item.id} » ne correspond pas au nom du fichier « {stem}.yaml »")

    # Lifecycle.
    statut = item.statut
    step_jalons = [(i, j) for i, j in enumerate(statut.jalons) if j.etape != OTHER_MILESTONE]
    if statut.etape is None and step_jalons:
        ctx.warn("statut.etape", "étape courante vide alors que des jalons du cycle de vie sont renseignés")
    if statut.etape is not None:
        current = _step_index(statut.etape)
        for i, jalon in step_jalons:
            if _step_index(jalon.etape) > current:
                ctx.error(f"statut.jalons[{i}].etape",
                          f"jalon « {jalon.etape} » postérieur à l'étape courante « {statut.etape} »")
        if not any(j.etape == statut.etape for _, j in step_jalons) and not statut.infere:
            ctx.warn("statut.etape", f"étape « {statut.etape} » sans jalon qui l'atteste ; "
                                     "ajouter le jalon ou marquer statut.infere: true avec une note")
    dated = [(i, j) for i, j in step_jalons if j.date]
    for (i, a), (k, b) in zip(dated, dated[1:]):
        if _step_index(a.etape) < _step_index(b.etape) and b.date < a.date[: len(b.date)]:
            ctx.warn(f"statut.jalons[{k}].date", f"date {b.date} antérieure au jalon précédent ({a.date})")

    # Perimeter.
    per = item.perimetre
    has_list, has_by_dept = bool(per.communes), bool(per.communes_par_departement)
    if has_list and has_by_dept:
        ctx.error("perimetre.communes_par_departement",
                  "ne pas renseigner à la fois « communes » et « communes_par_departement » (doublon)")
    if per.regle == "inconnu":
        if has_list or has_by_dept or per.epci:
            ctx.error("perimetre.regle", "règle « inconnu » mais des communes ou EPCI sont renseignés")
    elif per.source_import is None:  # an imported perimeter cites its file instead
        if not per.source:
            ctx.error("perimetre.source", f"source obligatoire pour la règle « {per.regle} »")
        if not per.citation:
            ctx.error("perimetre.citation", f"citation obligatoire pour la règle « {per.regle} »")
    if per.codes_insee and len(per.codes_insee) != len(per.all_communes):
        ctx.error("perimetre.codes_insee",
                  f"{len(per.codes_insee)} codes pour {len(per.all_communes)} communes : un code par commune, dans l'ordre")
    if per.regle == "communes" and not (has_list or has_by_dept):
        ctx.error("perimetre.communes", "règle « communes » mais aucune commune n'est listée")
    if per.regle in ("epci", "epci_et_communes") and not per.epci:
        ctx.error("perimetre.epci", f"règle « {per.regle} » mais aucun EPCI n'est listé")
    if per.regle == "epci" and (has_list or has_by_dept):
        ctx.error("perimetre.regle", "règle « epci » mais des communes sont listées : utiliser « epci_et_communes »")
    if per.regle == "epci_et_communes" and not (has_list or has_by_dept) and not per.approximatif:
        ctx.error("perimetre.communes",
                  "règle « epci_et_communes » sans commune listée : marquer approximatif: true et l'expliquer")
    for dept in per.communes_par_departement:
        if dept not in item.departements:
            ctx.warn(f"perimetre.communes_par_departement.{dept}",
                     f"département « {dept} » absent de « departements »")
    names = per.all_communes
    seen: set[str] = set()
    for name in names:
        if name != name.strip():
            ctx.error("perimetre.communes", f"espaces superflus autour de « {name} »")
        if name in seen:
            ctx.warn("perimetre.communes", f"commune « {name} » listée deux fois")
        seen.add(name)
    for recorded in per.corrections:
        if recorded not in seen:
            ctx.error(f"perimetre.corrections.{recorded}", f"« {recorded} » n'est pas une commune listée")
    if (item.communes_declarees is not None and names and not per.approximatif
            and len(names) != item.communes_declarees.valeur):
        ctx.warn("perimetre.communes",
                 f"la liste compte {len(names)} noms pour {item.communes_declarees.valeur} communes déclarées")

    # Declared ACI size vs declared population.
    if item.taille_aci_declaree is not None and item.population_declaree is not None:
        expected = size_for(item.population_declaree.valeur)
        if expected is not None and expected != item.taille_aci_declaree.valeur:
            ctx.warn("taille_aci_declaree.valeur",
                     f"taille {item.taille_aci_declaree.valeur} déclarée, mais {item.population_declaree.valeur} "
                     f"habitants correspondent à la taille {expected}")

    if item.missions is not None and not any(item.missions.actions(k) for k in MISSION_KEYS):
        ctx.warn("missions", "bloc « missions » sans aucune action")
    for i, other in enumerate(item.autres_valeurs):
        if other.champ == "taille_aci_declaree" and not 1 <= other.valeur <= 4:
            ctx.error(f"autres_valeurs[{i}].valeur", f"taille ACI {other.valeur} hors de 1 à 4")
    if not item.nom_connu and not item.notes:
        ctx.warn("notes", "nom inconnu : expliquer dans « notes » pourquoi")


def check_tailles(tailles: list[TailleAci], ctx: Findings) -> None:
    if not tailles:
        ctx.error("tailles_aci", "au moins une classe de taille est attendue")
        return
    ordered = sorted(tailles, key=lambda t: t.taille)
    for expected, size in enumerate(ordered, start=1):
        if size.taille != expected:
            ctx.error("tailles_aci", f"tailles attendues consécutives à partir de 1 (trouvé {size.taille})")
            return
    if ordered[0].min is not None:
        ctx.error("tailles_aci[0].min", "la première classe doit avoir min: null")
    if ordered[-1].max is not None:
        ctx.error(f"tailles_aci[{len(ordered) - 1}].max", "la dernière classe doit avoir max: null")
    for i, size in enumerate(ordered):
        if size.min is not None and size.max is not None and size.min >= size.max:
            ctx.error(f"tailles_aci[{i}]", f"min ({size.min}) doit être inférieur à max ({size.max})")
        if i and ordered[i - 1].max != size.min:
            ctx.error(f"tailles_aci[{i}].min",
                      f"classes non contiguës : max de la taille {ordered[i - 1].taille} "
                      f"({ordered[i - 1].max}) ≠ min de la taille {size.taille} ({size.min})")


def taille_for(tailles: list[TailleAci], population: int) -> int | None:
    for size in tailles:
        if size.contains(population):
            return size.taille
    return None
