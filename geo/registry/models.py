"""Registry data model: the constants of the CPTS domain (missions, lifecycle steps, perimeter rules)
and one frozen dataclass per kind of fact. Attributes mirror the YAML keys (French, as the data is).

Dates are ISO strings with year, month or day precision: "2021", "2023-09", "2022-09-29".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from geo.paths import REGISTRY_DIR

from .problems import Problem

DEFAULT_ROOT = REGISTRY_DIR  # <repo>/data/registry



class Mission(NamedTuple):
    key: str
    label: str
    kind: str  # "socle" | "complémentaire"


# Missions of the ACI CPTS, in display order (4 socle missions since the 2022 ACI, 2 complementary).
MISSIONS: tuple[Mission, ...] = (
    Mission("acces_aux_soins", "Améliorer l'accès aux soins (médecin traitant, soins non programmés)", "socle"),
    Mission("parcours_pluriprofessionnels", "Organiser des parcours pluriprofessionnels autour du patient", "socle"),
    Mission("prevention", "Développer des actions territoriales de prévention", "socle"),
    Mission("crises_sanitaires", "Se préparer à répondre aux crises sanitaires graves", "socle"),
    Mission("qualite_pertinence", "Développer la qualité et la pertinence des soins", "complémentaire"),
    Mission(
        "accompagnement_professionnels",
        "Accompagner les professionnels de santé (attractivité du territoire)",
        "complémentaire",
    ),
)
MISSION_KEYS: tuple[str, ...] = tuple(m.key for m in MISSIONS)


class Step(NamedTuple):
    key: str
    label: str


# Lifecycle of a CPTS, in order.
STEPS: tuple[Step, ...] = (
    Step("lettre_intention_validee", "Lettre d'intention validée par l'ARS"),
    Step("projet_sante_valide", "Projet de santé validé par l'ARS"),
    Step("aci_signe", "Accord conventionnel interprofessionnel (ACI) signé"),
)
STEP_KEYS: tuple[str, ...] = tuple(s.key for s in STEPS)
OTHER_MILESTONE = "autre"  # jalon that is not a lifecycle step (initiation, AG constitutive, ...)

PERIMETER_RULES: tuple[str, ...] = ("communes", "epci", "epci_et_communes", "inconnu")

SOURCE_TYPES: tuple[str, ...] = ("communiqué de presse", "dépliant", "page web")

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DEPT_RE = re.compile(r"^(?:0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

@dataclass(frozen=True)
class Source:
    id: str
    fichier: str | None
    titre: str
    editeur: str
    date: str
    type: str
    lieu: str | None = None
    note: str | None = None
    infere: bool = False


@dataclass(frozen=True)
class Jalon:
    etape: str  # one of STEP_KEYS or OTHER_MILESTONE
    libelle: str
    date: str | None
    source: str
    citation: str
    note: str | None = None
    infere: bool = False


@dataclass(frozen=True)
class Statut:
    etape: str | None
    jalons: list[Jalon] = field(default_factory=list)
    note: str | None = None
    infere: bool = False


@dataclass(frozen=True)
class ValeurDeclaree:
    valeur: int
    source: str
    citation: str
    date: str | None = None
    note: str | None = None
    infere: bool = False


@dataclass(frozen=True)
class Professionnels:
    valeur: int
    libelle: str
    source: str
    citation: str
    qualificatif: str | None = None
    date: str | None = None
    note: str | None = None
    infere: bool = False


@dataclass(frozen=True)
class Financement:
    montant: float
    unite: str
    couvre: str
    source: str
    citation: str
    annee: int | None = None
    note: str | None = None
    infere: bool = False


@dataclass(frozen=True)
class Comparaison:
    valeur: float
    perimetre: str
    population: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class SansMedecinTraitant:
    valeur: float
    unite: str
    population: str
    perimetre: str
    source: str
    citation: str
    qualificatif: str | None = None
    annee: int | None = None
    comparaisons: list[Comparaison] = field(default_factory=list)
    note: str | None = None
    infere: bool = False


@dataclass(frozen=True)
class Indicateur:
    libelle: str
    valeur: float
    unite: str
    source: str
    citation: str
    qualificatif: str | None = None
    population: str | None = None
    annee: int | None = None
    perimetre: str | None = None
    comparaisons: list[Comparaison] = field(default_factory=list)
    note: str | None = None
    infere: bool = False


@dataclass(frozen=True)
class MissionAction:
    action: str
    citation: str
    note: str | None = None
    infere: bool = False


@dataclass(frozen=True)
class Missions:
    source: str
    acces_aux_soins: list[MissionAction] = field(default_factory=list)
    parcours_pluriprofessionnels: list[MissionAction] = field(default_factory=list)
    prevention: list[MissionAction] = field(default_factory=list)
    crises_sanitaires: list[MissionAction] = field(default_factory=list)
    qualite_pertinence: list[MissionAction] = field(default_factory=list)
    accompagnement_professionnels: list[MissionAction] = field(default_factory=list)
    note: str | None = None

    def actions(self, key: str) -> list[MissionAction]:
        if key not in MISSION_KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def items(self) -> list[tuple[Mission, list[MissionAction]]]:
        """(mission, actions) in MISSIONS order, including missions without action."""
        return [(m, getattr(self, m.key)) for m in MISSIONS]


@dataclass(frozen=True)
class SourceImport:
    """Where an imported perimeter comes from (``python -m geo import`` / page Importer)."""

    fichier: str  # name of the imported file, as uploaded
    date_import: str  # ISO date of the publication
    format: str | None = None  # "csv" | "xlsx" | "geojson"
    polygone: str | None = None  # imported polygon kept beside the registry: perimetres/<id>.geojson


@dataclass(frozen=True)
class Perimetre:
    regle: str  # one of PERIMETER_RULES
    approximatif: bool = False
    communes: list[str] = field(default_factory=list)
    epci: list[str] = field(default_factory=list)
    communes_par_departement: dict[str, list[str]] = field(default_factory=dict)
    corrections: dict[str, str] = field(default_factory=dict)  # recorded name -> spelling in the source
    note: str | None = None
    source: str | None = None
    citation: str | None = None
    codes_insee: list[str] = field(default_factory=list)  # resolved codes, parallel to all_communes (imports)
    source_import: SourceImport | None = None

    @property
    def all_communes(self) -> list[str]:
        """Commune names as recorded: ``communes`` then ``communes_par_departement`` (file order)."""
        names = list(self.communes)
        for dept_names in self.communes_par_departement.values():
            names.extend(dept_names)
        return names


@dataclass(frozen=True)
class Cpts:
    id: str
    nom: str
    nom_connu: bool
    departements: list[str]
    statut: Statut
    perimetre: Perimetre
    population_declaree: ValeurDeclaree | None = None
    communes_declarees: ValeurDeclaree | None = None
    taille_aci_declaree: ValeurDeclaree | None = None
    professionnels: list[Professionnels] = field(default_factory=list)
    financement: list[Financement] = field(default_factory=list)
    sans_medecin_traitant: list[SansMedecinTraitant] = field(default_factory=list)
    autres_indicateurs: list[Indicateur] = field(default_factory=list)
    missions: Missions | None = None
    notes: list[str] = field(default_factory=list)
    file: str = ""  # set by the loader (relative to the root), not a YAML key


@dataclass(frozen=True)
class ContextFigure:
    id: str
    libelle: str
    valeur: float
    unite: str
    perimetre: str
    date: str
    source: str
    citation: str
    qualificatif: str | None = None
    note: str | None = None
    infere: bool = False


@dataclass(frozen=True)
class TailleAci:
    taille: int
    min: int | None  # inclusive, None = no lower bound
    max: int | None  # exclusive, None = no upper bound
    source: str
    note: str | None = None

    def contains(self, population: int) -> bool:
        return (self.min is None or population >= self.min) and (self.max is None or population < self.max)


@dataclass
class Registry:
    root: Path
    cpts: list[Cpts]  # sorted by nom
    sources: dict[str, Source]
    context: list[ContextFigure]
    tailles_aci: list[TailleAci]  # sorted by taille
    warnings: list[Problem] = field(default_factory=list)

    def get(self, cpts_id: str) -> Cpts | None:
        for item in self.cpts:
            if item.id == cpts_id:
                return item
        return None

    def taille_aci_for(self, population: int) -> int | None:
        """ACI size class (1..4) for a population, or None if no class applies."""
        if population is None or isinstance(population, bool) or population < 0:
            return None
        for size in self.tailles_aci:
            if size.contains(population):
                return size.taille
        return None

    def context_figure(self, figure_id: str) -> ContextFigure | None:
        for figure in self.context:
            if figure.id == figure_id:
                return figure
        return None

