"""Registry data model: the constants of the CPTS domain (missions, lifecycle steps, perimeter rules)
and one frozen pydantic dataclass per kind of fact — the one definition of every field, from which
the loader validates the YAML files and ``python -m geo schema`` prints the JSON Schema
(data/registry/schema.json). Attributes mirror the YAML keys (French, as the data is).

The classes are pydantic *dataclasses*, so they stay ordinary frozen dataclasses for the code that
uses them (attribute access, ``dataclasses.replace``, ``dataclasses.asdict``). Dates are ISO strings
with year, month or day precision: "2021", "2023-09", "2022-09-29". Class docstrings are in French:
they are the descriptions editors show from the JSON Schema.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal, NamedTuple, Optional, get_args

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass as model
from pydantic.json_schema import SkipJsonSchema

from geo.paths import REGISTRY_DIR

from .fields import Block, Bool, Date, Dept, HttpUrlText, InseeCode, Int, Number, OptText, PolygonPath, Slug, SourceRef, Text, Year
from .models_facts import AutreValeur, Contact, MissionEngagee, MissionKey, MissionsEngagees, Sha256  # noqa: F401 - re-exported
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
assert MISSION_KEYS == get_args(MissionKey), "models_facts.MissionKey must list MISSIONS' keys in order"


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

SOURCE_TYPES: tuple[str, ...] = ("communiqué de presse", "dépliant", "page web", "tableau de suivi")

StepKey = Literal[STEP_KEYS]
MilestoneKey = Literal[STEP_KEYS + (OTHER_MILESTONE,)]
PerimeterRule = Literal[PERIMETER_RULES]
SourceType = Literal[SOURCE_TYPES]

_CONFIG = ConfigDict(extra="forbid")


def _model(cls):
    """Frozen pydantic dataclass, unknown keys refused. Keyword-only, so fields are declared in the
    order a YAML file writes them (the JSON Schema and the « permises » lists follow it)."""
    return model(frozen=True, kw_only=True, config=_CONFIG)(cls)


@_model
class Source:
    """Document source (sources.yaml) : communiqué de presse, dépliant ou page web."""

    id: Slug
    fichier: OptText  # file in data/registry/documents/, or null
    titre: Text
    editeur: Text
    date: Date
    lieu: OptText = None
    type: SourceType
    note: OptText = None
    infere: Bool = False
    url: Optional[HttpUrlText] = None  # where the original is published (shown, never fetched)
    # an imported file (tableau de suivi): its fingerprint, who imported it and when
    sha256: Optional[Sha256] = None
    importe_par: OptText = None
    date_import: Optional[Date] = None


@_model
class Jalon:
    """Étape datée du cycle de vie de la CPTS, citée de sa source."""

    etape: MilestoneKey
    libelle: Text
    date: Optional[Date]
    source: SourceRef
    citation: Text
    note: OptText = None
    infere: Bool = False


@_model
class Statut:
    """Étape courante du cycle de vie et jalons qui l'attestent."""

    etape: Optional[StepKey]
    jalons: list[Jalon] = field(default_factory=list)
    note: OptText = None
    infere: Bool = False


@_model
class ValeurDeclaree:
    """Chiffre déclaré par une source (population, nombre de communes…), avec sa citation."""

    valeur: Int(1)
    date: Optional[Date] = None
    source: SourceRef
    citation: Text
    note: OptText = None
    infere: Bool = False


@_model
class TailleAciDeclaree(ValeurDeclaree):
    """Taille ACI déclarée (1 à 4), avec sa citation."""

    valeur: Int(1, 4)


@_model
class Professionnels:
    """Nombre de professionnels ou d'adhérents déclaré, avec sa citation."""

    valeur: Int(0)
    qualificatif: OptText = None
    libelle: Text
    date: Optional[Date] = None
    source: SourceRef
    citation: Text
    note: OptText = None
    infere: Bool = False


@_model
class Financement:
    """Financement (ACI…) déclaré, avec sa citation."""

    montant: Number(0)
    unite: Literal["€", "€/an"]
    annee: Optional[Year] = None
    couvre: Text
    source: SourceRef
    citation: Text
    note: OptText = None
    infere: Bool = False


@_model
class Comparaison:
    """Valeur de comparaison d'un indicateur (autre périmètre)."""

    valeur: Number()
    perimetre: Text
    population: OptText = None
    note: OptText = None


@_model
class SansMedecinTraitant:
    """Part des patients sans médecin traitant, avec sa citation."""

    valeur: Number(0)
    qualificatif: OptText = None
    unite: Literal["%"]
    population: Text
    annee: Optional[Year] = None
    date: Optional[Date] = None  # date of the figure when the source gives it (tableau de suivi)
    perimetre: Text
    comparaisons: list[Comparaison] = field(default_factory=list)
    source: SourceRef
    citation: Text
    note: OptText = None
    infere: Bool = False


@_model
class Indicateur:
    """Autre indicateur chiffré, avec sa citation."""

    libelle: Text
    valeur: Number()
    qualificatif: OptText = None
    unite: Text
    population: OptText = None
    annee: Optional[Year] = None
    perimetre: OptText = None
    comparaisons: list[Comparaison] = field(default_factory=list)
    source: SourceRef
    citation: Text
    note: OptText = None
    infere: Bool = False


@_model
class MissionAction:
    """Action d'une mission, citée de la source du bloc « missions »."""

    action: Text
    citation: Text
    note: OptText = None
    infere: Bool = False


@_model
class Missions:
    """Actions par mission de l'ACI, toutes citées d'une même source."""

    unknown_key_label: ClassVar[str] = "mission ou clé"

    source: SourceRef
    note: OptText = None
    acces_aux_soins: list[MissionAction] = field(default_factory=list)
    parcours_pluriprofessionnels: list[MissionAction] = field(default_factory=list)
    prevention: list[MissionAction] = field(default_factory=list)
    crises_sanitaires: list[MissionAction] = field(default_factory=list)
    qualite_pertinence: list[MissionAction] = field(default_factory=list)
    accompagnement_professionnels: list[MissionAction] = field(default_factory=list)

    def actions(self, key: str) -> list[MissionAction]:
        if key not in MISSION_KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def items(self) -> list[tuple[Mission, list[MissionAction]]]:
        """(mission, actions) in MISSIONS order, including missions without action."""
        return [(m, getattr(self, m.key)) for m in MISSIONS]


@_model
class SourceImport:
    """Fichier importé d'où vient le périmètre (python -m geo import / page Importer)."""

    fichier: Text  # name of the imported file, as uploaded
    date_import: Date  # ISO date of the publication
    format: Optional[Literal["csv", "xlsx", "geojson"]] = None
    polygone: Optional[PolygonPath] = None  # imported polygon kept beside the registry


@_model
class Perimetre:
    """Périmètre de la CPTS : règle, communes (telles qu'écrites dans la source), EPCI, codes INSEE résolus."""

    regle: PerimeterRule
    approximatif: Bool = False
    communes: list[Text] = field(default_factory=list)
    epci: list[Text] = field(default_factory=list)
    communes_par_departement: dict[Dept, list[Text]] = field(default_factory=dict)
    corrections: dict[Text, Text] = field(default_factory=dict)  # recorded name -> spelling in the source
    note: OptText = None
    source: Optional[SourceRef] = None
    citation: OptText = None
    codes_insee: list[InseeCode] = field(default_factory=list)  # resolved codes, parallel to all_communes
    source_import: Block[SourceImport] = None

    @property
    def all_communes(self) -> list[str]:
        """Commune names as recorded: ``communes`` then ``communes_par_departement`` (file order)."""
        names = list(self.communes)
        for dept_names in self.communes_par_departement.values():
            names.extend(dept_names)
        return names


@_model
class Cpts:
    """Une CPTS : le fichier cpts/<id>.yaml."""

    id: Slug
    nom: Text
    nom_connu: Bool
    departements: list[Dept]
    statut: Statut
    population_declaree: Block[ValeurDeclaree] = None
    communes_declarees: Block[ValeurDeclaree] = None
    taille_aci_declaree: Block[TailleAciDeclaree] = None
    professionnels: list[Professionnels] = field(default_factory=list)
    financement: list[Financement] = field(default_factory=list)
    sans_medecin_traitant: list[SansMedecinTraitant] = field(default_factory=list)
    autres_indicateurs: list[Indicateur] = field(default_factory=list)
    missions: Block[Missions] = None
    missions_engagees: Block[MissionsEngagees] = None
    contact: Block[Contact] = None
    autres_valeurs: list[AutreValeur] = field(default_factory=list)  # a second source's value of a single figure
    perimetre: Perimetre
    notes: list[Text] = field(default_factory=list)
    # Set by the loader (relative to the root), not a YAML key: the loader refuses it in a file.
    file: SkipJsonSchema[str] = Field(default="", exclude=True)


@_model
class ContextFigure:
    """Chiffre de contexte (France, région, département), avec sa citation."""

    id: Slug
    libelle: Text
    valeur: Number()
    qualificatif: OptText = None
    unite: Text
    perimetre: Text
    date: Date
    source: SourceRef
    citation: Text
    note: OptText = None
    infere: Bool = False


@_model
class TailleAci:
    """Classe de taille de l'ACI selon la population (min inclus, max exclu)."""

    taille: Int(1)
    min: Optional[Int(0)]  # inclusive, None = no lower bound
    max: Optional[Int(1)]  # exclusive, None = no upper bound
    source: SourceRef
    note: OptText = None

    def contains(self, population: int) -> bool:
        return (self.min is None or population >= self.min) and (self.max is None or population < self.max)


@_model
class SourcesFile:
    """Le fichier sources.yaml."""

    sources: list[Source]


@_model
class ContextFile:
    """Le fichier context.yaml."""

    chiffres: list[ContextFigure]
    tailles_aci: list[TailleAci]


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

