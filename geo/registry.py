"""CPTS registry: loader and validator for the human-edited YAML files in data/registry/.

Pure Python (PyYAML + dataclasses): no Streamlit, no geopandas.

Layout of a registry root (see data/registry/README.md for the schema):

    sources.yaml        source documents (``sources:`` list)
    context.yaml        context figures (``chiffres:``) and ACI size classes (``tailles_aci:``)
    cpts/<id>.yaml      one file per CPTS

Dataclass attributes mirror the YAML keys (which are French, as the data is); code
identifiers are English. Dates are normalised to ISO strings with year, month or day
precision: "2021", "2023-09", "2022-09-29".

Public API:
    load_registry(root) -> Registry            (raises RegistryError on any "erreur")
    validate_registry(root) -> list[Problem]   (errors and warnings, never raises)
    check_citations(registry, seeds_dir) -> list[Problem]
    iter_citations(registry) -> Iterator[CitationRef]
    format_source(source_id, registry) -> str
    format_date_fr(date) -> str
    normalize_text(text) -> str
    MISSIONS, MISSION_KEYS, STEPS, STEP_KEYS, OTHER_MILESTONE, PERIMETER_RULES
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple

import yaml

from .formatting import fr_date

from geo.paths import REGISTRY_DIR

__all__ = [
    "DEFAULT_ROOT",
    "ERROR",
    "WARNING",
    "MISSIONS",
    "MISSION_KEYS",
    "STEPS",
    "STEP_KEYS",
    "OTHER_MILESTONE",
    "PERIMETER_RULES",
    "Mission",
    "Step",
    "Problem",
    "RegistryError",
    "Source",
    "Jalon",
    "Statut",
    "ValeurDeclaree",
    "Professionnels",
    "Financement",
    "Comparaison",
    "SansMedecinTraitant",
    "Indicateur",
    "MissionAction",
    "Missions",
    "SourceImport",
    "Perimetre",
    "Cpts",
    "ContextFigure",
    "TailleAci",
    "Registry",
    "CitationRef",
    "load_registry",
    "validate_registry",
    "check_citations",
    "iter_citations",
    "format_source",
    "format_date_fr",
    "normalize_text",
]

DEFAULT_ROOT = REGISTRY_DIR  # <repo>/data/registry

ERROR = "erreur"
WARNING = "avertissement"


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


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One validation finding. ``file`` is relative to the registry root, ``path`` is e.g.
    ``financement[0].montant`` ("" for the whole file)."""

    file: str
    path: str
    message: str
    severity: str = ERROR  # "erreur" | "avertissement"

    def __str__(self) -> str:
        where = f"{self.file} › {self.path}" if self.path else self.file
        return f"[{self.severity}] {where} : {self.message}"


class RegistryError(Exception):
    """Raised by load_registry when the registry has at least one error."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == ERROR]
        lines = [f"Registre CPTS invalide : {len(errors)} erreur(s)."]
        lines += [f"- {p}" for p in errors]
        super().__init__("\n".join(lines))


# --------------------------------------------------------------------------- data model


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


# --------------------------------------------------------------------------- schema engine

_INVALID = object()


class _Ctx:
    def __init__(self, file: str, known_sources: set[str] | None):
        self.file = file
        self.known_sources = known_sources
        self.problems: list[Problem] = []

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, path, message, ERROR))

    def warn(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, path, message, WARNING))


def _type_fr(value: Any) -> str:
    if value is None:
        return "vide (null)"
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, int):
        return "un nombre entier"
    if isinstance(value, float):
        return "un nombre décimal"
    if isinstance(value, str):
        return "un texte"
    if isinstance(value, (dt.date, dt.datetime)):
        return "une date"
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, dict):
        return "un dictionnaire"
    return type(value).__name__


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "…"


class _Spec:
    def convert(self, value: Any, ctx: _Ctx, path: str) -> Any:  # pragma: no cover - interface
        raise NotImplementedError


class _Str(_Spec):
    def __init__(self, choices: tuple[str, ...] | None = None, pattern: re.Pattern | None = None,
                 pattern_msg: str = "", hint: str = ""):
        self.choices = choices
        self.pattern = pattern
        self.pattern_msg = pattern_msg
        self.hint = hint

    def convert(self, value, ctx, path):
        if not isinstance(value, str):
            ctx.error(path, f"doit être un texte, pas {_type_fr(value)} (valeur : {_shown(value)}){self.hint}")
            return _INVALID
        if not value.strip():
            ctx.error(path, "ne doit pas être un texte vide")
            return _INVALID
        if self.choices is not None and value not in self.choices:
            ctx.error(path, f"valeur « {value} » non permise (valeurs permises : {', '.join(self.choices)})")
            return _INVALID
        if self.pattern is not None and not self.pattern.match(value):
            ctx.error(path, f"valeur « {value} » invalide : {self.pattern_msg}")
            return _INVALID
        return value


class _SourceRef(_Spec):
    def convert(self, value, ctx, path):
        if not isinstance(value, str) or not value.strip():
            ctx.error(path, f"doit être l'identifiant d'une source (texte), pas {_type_fr(value)}")
            return _INVALID
        if ctx.known_sources is not None and value not in ctx.known_sources:
            ctx.error(path, f"source inconnue « {value} » (absente de sources.yaml)")
            return _INVALID
        return value


class _Int(_Spec):
    def __init__(self, minimum: int | None = None, maximum: int | None = None):
        self.minimum = minimum
        self.maximum = maximum

    def convert(self, value, ctx, path):
        if isinstance(value, bool) or not isinstance(value, int):
            ctx.error(path, f"doit être un nombre entier, pas {_type_fr(value)} (valeur : {_shown(value)})")
            return _INVALID
        if self.minimum is not None and value < self.minimum:
            ctx.error(path, f"doit être supérieur ou égal à {self.minimum} (valeur : {value})")
            return _INVALID
        if self.maximum is not None and value > self.maximum:
            ctx.error(path, f"doit être inférieur ou égal à {self.maximum} (valeur : {value})")
            return _INVALID
        return value


class _Num(_Spec):
    def __init__(self, minimum: float | None = None):
        self.minimum = minimum

    def convert(self, value, ctx, path):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            hint = " ; écrire le nombre avec un point décimal, sans espace (ex. 12.7)" if isinstance(value, str) else ""
            ctx.error(path, f"doit être un nombre, pas {_type_fr(value)} (valeur : {_shown(value)}){hint}")
            return _INVALID
        if self.minimum is not None and value < self.minimum:
            ctx.error(path, f"doit être supérieur ou égal à {self.minimum} (valeur : {value})")
            return _INVALID
        return value


class _Bool(_Spec):
    def convert(self, value, ctx, path):
        if not isinstance(value, bool):
            ctx.error(path, f"doit être true ou false, pas {_type_fr(value)} (valeur : {_shown(value)})")
            return _INVALID
        return value


class _Date(_Spec):
    """ISO date with year, month or day precision; YAML dates and 4-digit years are accepted."""

    def convert(self, value, ctx, path):
        result = _normalize_date(value)
        if result is None:
            ctx.error(
                path,
                f"date invalide « {_shown(value)} » : format attendu AAAA, AAAA-MM ou AAAA-MM-JJ (ex. 2022-09-29)",
            )
            return _INVALID
        return result


class _Nullable(_Spec):
    def __init__(self, inner: _Spec):
        self.inner = inner

    def convert(self, value, ctx, path):
        if value is None:
            return None
        return self.inner.convert(value, ctx, path)


class _List(_Spec):
    def __init__(self, inner: _Spec):
        self.inner = inner

    def convert(self, value, ctx, path):
        if not isinstance(value, list):
            ctx.error(path, f"doit être une liste, pas {_type_fr(value)}")
            return _INVALID
        out, ok = [], True
        for i, item in enumerate(value):
            converted = self.inner.convert(item, ctx, f"{path}[{i}]")
            ok = ok and converted is not _INVALID
            out.append(converted)
        return out if ok else _INVALID


class _Map(_Spec):
    def __init__(self, key: _Spec, value: _Spec):
        self.key = key
        self.value = value

    def convert(self, value, ctx, path):
        if not isinstance(value, dict):
            ctx.error(path, f"doit être un dictionnaire, pas {_type_fr(value)}")
            return _INVALID
        out, ok = {}, True
        for k, v in value.items():
            sub = _join(path, str(k))
            ck = self.key.convert(k, ctx, sub)
            cv = self.value.convert(v, ctx, sub)
            if ck is _INVALID or cv is _INVALID:
                ok = False
            else:
                out[ck] = cv
        return out if ok else _INVALID


class _Obj(_Spec):
    def __init__(self, build: Callable[..., Any], fields: dict[str, tuple[_Spec, bool]],
                 unknown_label: str = "clé"):
        self.build = build
        self.fields = fields  # name -> (spec, required)
        self.unknown_label = unknown_label

    def convert(self, value, ctx, path):
        if not isinstance(value, dict):
            ctx.error(path, f"doit être un dictionnaire (clé: valeur), pas {_type_fr(value)}")
            return _INVALID
        kwargs, ok = {}, True
        for key in value:
            if key not in self.fields:
                allowed = ", ".join(self.fields)
                ctx.error(_join(path, str(key)), f"{self.unknown_label} inconnue « {key} » (permises : {allowed})")
                ok = False
        for name, (spec, required) in self.fields.items():
            sub = _join(path, name)
            if name not in value:
                if required:
                    ctx.error(sub, f"clé obligatoire « {name} » manquante")
                    ok = False
                continue
            converted = spec.convert(value[name], ctx, sub)
            if converted is _INVALID:
                ok = False
            else:
                kwargs[name] = converted
        if not ok:
            return _INVALID
        return self.build(**kwargs)


def _normalize_date(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return None  # a time of day is never expected
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:04d}" if 1900 <= value <= 2100 else None
    if not isinstance(value, str):
        return None
    match = _DATE_RE.match(value.strip())
    if not match:
        return None
    year, month, day = match.groups()
    if not 1900 <= int(year) <= 2100:
        return None
    if month is not None and not 1 <= int(month) <= 12:
        return None
    if day is not None:
        try:
            dt.date(int(year), int(month), int(day))
        except ValueError:
            return None
    return value.strip()


# Reusable specs ------------------------------------------------------------------------

_TEXT = _Str()
_OPT_TEXT = _Nullable(_Str())
_SRC = _SourceRef()
_NOTE = (_OPT_TEXT, False)
_INFERE = (_Bool(), False)
_DEPT = _Str(pattern=_DEPT_RE, pattern_msg="code département attendu, entre guillemets (ex. \"35\")",
             hint=" ; mettre le code département entre guillemets, ex. \"35\"")
_SLUG = _Str(pattern=_SLUG_RE, pattern_msg="identifiant attendu en minuscules ASCII et tirets (ex. pays-de-vitre)")

_COMPARAISON = _Obj(Comparaison, {
    "valeur": (_Num(), True),
    "perimetre": (_TEXT, True),
    "population": (_OPT_TEXT, False),
    "note": _NOTE,
})

_JALON = _Obj(Jalon, {
    "etape": (_Str(choices=STEP_KEYS + (OTHER_MILESTONE,)), True),
    "libelle": (_TEXT, True),
    "date": (_Nullable(_Date()), True),
    "source": (_SRC, True),
    "citation": (_TEXT, True),
    "note": _NOTE,
    "infere": _INFERE,
})

_STATUT = _Obj(Statut, {
    "etape": (_Nullable(_Str(choices=STEP_KEYS)), True),
    "jalons": (_List(_JALON), False),
    "note": _NOTE,
    "infere": _INFERE,
})


def _declared(minimum: int = 0, maximum: int | None = None) -> _Obj:
    return _Obj(ValeurDeclaree, {
        "valeur": (_Int(minimum, maximum), True),
        "date": (_Nullable(_Date()), False),
        "source": (_SRC, True),
        "citation": (_TEXT, True),
        "note": _NOTE,
        "infere": _INFERE,
    })


_PROFESSIONNELS = _Obj(Professionnels, {
    "valeur": (_Int(0), True),
    "qualificatif": (_OPT_TEXT, False),
    "libelle": (_TEXT, True),
    "date": (_Nullable(_Date()), False),
    "source": (_SRC, True),
    "citation": (_TEXT, True),
    "note": _NOTE,
    "infere": _INFERE,
})

_FINANCEMENT = _Obj(Financement, {
    "montant": (_Num(0), True),
    "unite": (_Str(choices=("€", "€/an")), True),
    "annee": (_Nullable(_Int(1900, 2100)), False),
    "couvre": (_TEXT, True),
    "source": (_SRC, True),
    "citation": (_TEXT, True),
    "note": _NOTE,
    "infere": _INFERE,
})

_SANS_MT = _Obj(SansMedecinTraitant, {
    "valeur": (_Num(0), True),
    "qualificatif": (_OPT_TEXT, False),
    "unite": (_Str(choices=("%",)), True),
    "population": (_TEXT, True),
    "annee": (_Nullable(_Int(1900, 2100)), False),
    "perimetre": (_TEXT, True),
    "comparaisons": (_List(_COMPARAISON), False),
    "source": (_SRC, True),
    "citation": (_TEXT, True),
    "note": _NOTE,
    "infere": _INFERE,
})

_INDICATEUR = _Obj(Indicateur, {
    "libelle": (_TEXT, True),
    "valeur": (_Num(), True),
    "qualificatif": (_OPT_TEXT, False),
    "unite": (_TEXT, True),
    "population": (_OPT_TEXT, False),
    "annee": (_Nullable(_Int(1900, 2100)), False),
    "perimetre": (_OPT_TEXT, False),
    "comparaisons": (_List(_COMPARAISON), False),
    "source": (_SRC, True),
    "citation": (_TEXT, True),
    "note": _NOTE,
    "infere": _INFERE,
})

_ACTION = _Obj(MissionAction, {
    "action": (_TEXT, True),
    "citation": (_TEXT, True),
    "note": _NOTE,
    "infere": _INFERE,
})

_MISSIONS = _Obj(
    Missions,
    {"source": (_SRC, True), "note": _NOTE, **{key: (_List(_ACTION), False) for key in MISSION_KEYS}},
    unknown_label="mission ou clé",
)

_SOURCE_IMPORT = _Obj(SourceImport, {
    "fichier": (_TEXT, True),
    "date_import": (_Date(), True),
    "format": (_Nullable(_Str(choices=("csv", "xlsx", "geojson"))), False),
    "polygone": (_Nullable(_Str(pattern=re.compile(r"^perimetres/[a-z0-9]+(?:-[a-z0-9]+)*\.geojson$"),
                                pattern_msg="chemin attendu perimetres/<id>.geojson")), False),
})

_PERIMETRE = _Obj(Perimetre, {
    "regle": (_Str(choices=PERIMETER_RULES), True),
    "approximatif": (_Bool(), False),
    "communes": (_List(_TEXT), False),
    "epci": (_List(_TEXT), False),
    "communes_par_departement": (_Map(_DEPT, _List(_TEXT)), False),
    "corrections": (_Map(_TEXT, _TEXT), False),
    "note": _NOTE,
    "source": (_Nullable(_SRC), False),
    "citation": (_OPT_TEXT, False),
    "codes_insee": (_List(_Str(pattern=re.compile(r"^(?:\d{5}|2[AB]\d{3})$"),
                               pattern_msg="code INSEE à 5 caractères attendu, entre guillemets (ex. \"35360\")")), False),
    "source_import": (_SOURCE_IMPORT, False),
})

_CPTS = _Obj(Cpts, {
    "id": (_SLUG, True),
    "nom": (_TEXT, True),
    "nom_connu": (_Bool(), True),
    "departements": (_List(_DEPT), True),
    "statut": (_STATUT, True),
    "population_declaree": (_declared(1), False),
    "communes_declarees": (_declared(1), False),
    "taille_aci_declaree": (_declared(1, 4), False),
    "professionnels": (_List(_PROFESSIONNELS), False),
    "financement": (_List(_FINANCEMENT), False),
    "sans_medecin_traitant": (_List(_SANS_MT), False),
    "autres_indicateurs": (_List(_INDICATEUR), False),
    "missions": (_MISSIONS, False),
    "perimetre": (_PERIMETRE, True),
    "notes": (_List(_TEXT), False),
})

_SOURCE = _Obj(Source, {
    "id": (_SLUG, True),
    "fichier": (_OPT_TEXT, True),
    "titre": (_TEXT, True),
    "editeur": (_TEXT, True),
    "date": (_Date(), True),
    "lieu": (_OPT_TEXT, False),
    "type": (_Str(choices=SOURCE_TYPES), True),
    "note": _NOTE,
    "infere": _INFERE,
})

_SOURCES_FILE = _Obj(lambda **kw: kw, {"sources": (_List(_SOURCE), True)})

_CONTEXT_FIGURE = _Obj(ContextFigure, {
    "id": (_SLUG, True),
    "libelle": (_TEXT, True),
    "valeur": (_Num(), True),
    "qualificatif": (_OPT_TEXT, False),
    "unite": (_TEXT, True),
    "perimetre": (_TEXT, True),
    "date": (_Date(), True),
    "source": (_SRC, True),
    "citation": (_TEXT, True),
    "note": _NOTE,
    "infere": _INFERE,
})

_TAILLE = _Obj(TailleAci, {
    "taille": (_Int(1), True),
    "min": (_Nullable(_Int(0)), True),
    "max": (_Nullable(_Int(1)), True),
    "source": (_SRC, True),
    "note": _NOTE,
})

_CONTEXT_FILE = _Obj(lambda **kw: kw, {
    "chiffres": (_List(_CONTEXT_FIGURE), True),
    "tailles_aci": (_List(_TAILLE), True),
})


# --------------------------------------------------------------------------- YAML reading


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"clé « {key} » en double", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path, ctx: _Ctx) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        ctx.error("", "fichier manquant")
        return _INVALID
    except (OSError, UnicodeDecodeError) as exc:
        ctx.error("", f"fichier illisible ({exc})")
        return _INVALID
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (ligne {mark.line + 1}, colonne {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        ctx.error("", f"YAML invalide{where} : {problem}")
        return _INVALID
    if not isinstance(data, dict):
        ctx.error("", f"le fichier doit contenir un dictionnaire (clé: valeur), pas {_type_fr(data)}")
        return _INVALID
    return data


# --------------------------------------------------------------------------- loading + checks


def _step_index(step: str) -> int:
    return STEP_KEYS.index(step)


def _check_cpts(item: Cpts, stem: str, ctx: _Ctx, size_for: Callable[[int], int | None]) -> None:
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
    if not item.nom_connu and not item.notes:
        ctx.warn("notes", "nom inconnu : expliquer dans « notes » pourquoi")


def _check_tailles(tailles: list[TailleAci], ctx: _Ctx) -> None:
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


def _taille_for(tailles: list[TailleAci], population: int) -> int | None:
    for size in tailles:
        if size.contains(population):
            return size.taille
    return None


def _french_sort_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _load(root: Path) -> tuple[Registry | None, list[Problem]]:
    root = Path(root)
    problems: list[Problem] = []

    # sources.yaml first: the other files reference its ids.
    ctx = _Ctx("sources.yaml", None)
    sources: dict[str, Source] = {}
    data = _read_yaml(root / "sources.yaml", ctx)
    known: set[str] | None = None
    if data is not _INVALID:
        parsed = _SOURCES_FILE.convert(data, ctx, "")
        raw_items = data.get("sources") if isinstance(data.get("sources"), list) else []
        # Collect ids even if some entries are invalid, so references are still checked.
        known = {s["id"] for s in raw_items if isinstance(s, dict) and isinstance(s.get("id"), str)}
        if parsed is not _INVALID:
            for i, source in enumerate(parsed["sources"]):
                if source.id in sources:
                    ctx.error(f"sources[{i}].id", f"identifiant de source « {source.id} » en double")
                sources[source.id] = source
    problems += ctx.problems

    # context.yaml
    ctx = _Ctx("context.yaml", known)
    context: list[ContextFigure] = []
    tailles: list[TailleAci] = []
    data = _read_yaml(root / "context.yaml", ctx)
    if data is not _INVALID:
        parsed = _CONTEXT_FILE.convert(data, ctx, "")
        if parsed is not _INVALID:
            context, tailles = parsed["chiffres"], sorted(parsed["tailles_aci"], key=lambda t: t.taille)
            seen_ids: set[str] = set()
            for i, figure in enumerate(context):
                if figure.id in seen_ids:
                    ctx.error(f"chiffres[{i}].id", f"identifiant « {figure.id} » en double")
                seen_ids.add(figure.id)
            _check_tailles(parsed["tailles_aci"], ctx)
    problems += ctx.problems

    # cpts/*.yaml
    cpts_dir = root / "cpts"
    items: list[Cpts] = []
    if not cpts_dir.is_dir():
        problems.append(Problem("cpts/", "", "dossier « cpts » manquant", ERROR))
    else:
        for other in sorted(cpts_dir.iterdir()):
            if other.is_file() and other.suffix != ".yaml" and not other.name.startswith("."):
                problems.append(Problem(f"cpts/{other.name}", "", "fichier ignoré : seuls les fichiers .yaml sont lus",
                                        WARNING))
        seen_cpts: dict[str, str] = {}
        for path in sorted(cpts_dir.glob("*.yaml")):
            rel = f"cpts/{path.name}"
            ctx = _Ctx(rel, known)
            data = _read_yaml(path, ctx)
            if data is not _INVALID:
                item = _CPTS.convert(data, ctx, "")
                if item is not _INVALID:
                    item = dataclasses.replace(item, file=rel)
                    if item.id in seen_cpts:
                        ctx.error("id", f"identifiant « {item.id} » déjà utilisé par {seen_cpts[item.id]}")
                    seen_cpts[item.id] = rel
                    _check_cpts(item, path.stem, ctx, lambda pop: _taille_for(tailles, pop))
                    polygone = item.perimetre.source_import.polygone if item.perimetre.source_import else None
                    if polygone and not (root / polygone).is_file():
                        ctx.error("perimetre.source_import.polygone", f"fichier « {polygone} » introuvable")
                    items.append(item)
            problems += ctx.problems

    # Sources never cited.
    registry = Registry(
        root=root,
        cpts=sorted(items, key=lambda c: (_french_sort_key(c.nom), c.id)),
        sources=sources,
        context=context,
        tailles_aci=tailles,
    )
    used = {ref.source for ref in iter_citations(registry)} | {t.source for t in tailles}
    for item in items:
        if item.missions is not None:
            used.add(item.missions.source)
        if item.perimetre.source:
            used.add(item.perimetre.source)
    for i, source_id in enumerate(sources):
        if source_id not in used:
            problems.append(Problem("sources.yaml", f"sources[{i}]", f"source « {source_id} » jamais citée", WARNING))

    problems.sort(key=lambda p: (p.severity != ERROR, p.file, p.path))
    if any(p.severity == ERROR for p in problems):
        return None, problems
    registry.warnings = problems
    return registry, problems


def validate_registry(root: Path = DEFAULT_ROOT) -> list[Problem]:
    """All problems (errors first, then warnings) of the registry at ``root``. Never raises."""
    return _load(Path(root))[1]


def load_registry(root: Path = DEFAULT_ROOT) -> Registry:
    """Load the registry at ``root``; raise RegistryError (French message) if it has errors.
    Warnings are kept in ``Registry.warnings``."""
    registry, problems = _load(Path(root))
    if registry is None:
        raise RegistryError(problems)
    return registry


# --------------------------------------------------------------------------- citations


class CitationRef(NamedTuple):
    file: str  # registry file, e.g. "cpts/pays-de-vitre.yaml"
    path: str  # e.g. "financement[0].citation"
    source: str
    citation: str


def iter_citations(registry: Registry) -> Iterator[CitationRef]:
    """Every (source, verbatim quote) pair of the registry: context figures and CPTS facts."""
    for i, figure in enumerate(registry.context):
        yield CitationRef("context.yaml", f"chiffres[{i}].citation", figure.source, figure.citation)
    for item in registry.cpts:
        f = item.file
        for i, jalon in enumerate(item.statut.jalons):
            yield CitationRef(f, f"statut.jalons[{i}].citation", jalon.source, jalon.citation)
        for key in ("population_declaree", "communes_declarees", "taille_aci_declaree"):
            value = getattr(item, key)
            if value is not None:
                yield CitationRef(f, f"{key}.citation", value.source, value.citation)
        for key in ("professionnels", "financement", "sans_medecin_traitant", "autres_indicateurs"):
            for i, fact in enumerate(getattr(item, key)):
                yield CitationRef(f, f"{key}[{i}].citation", fact.source, fact.citation)
        if item.missions is not None:
            for key in MISSION_KEYS:
                for i, action in enumerate(item.missions.actions(key)):
                    yield CitationRef(f, f"missions.{key}[{i}].citation", item.missions.source, action.citation)
        if item.perimetre.source and item.perimetre.citation:
            yield CitationRef(f, "perimetre.citation", item.perimetre.source, item.perimetre.citation)


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " ", "\u202f": " "})


def normalize_text(text: str) -> str:
    """Text normalisation used to compare a quote with its source: NFC, typographic
    apostrophes -> ', no-break spaces -> spaces, a hyphen at a line end joined to the next
    line ("sur-\\nSeiche" -> "sur-Seiche"), all whitespace runs collapsed to one space."""
    text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES)
    text = re.sub(r"-[ \t]*\r?\n\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def check_citations(registry: Registry, seeds_dir: Path) -> list[Problem]:
    """Check every citation (and every listed commune name) against the text of its source
    file in ``seeds_dir``, after normalize_text. Returns errors (quote or name not found,
    missing file) and warnings (quote on a source that has no file)."""
    seeds_dir = Path(seeds_dir)
    texts: dict[str, str | None] = {}
    problems: list[Problem] = []

    def text_of(source_id: str) -> str | None:
        if source_id not in texts:
            source = registry.sources.get(source_id)
            if source is None or source.fichier is None:
                texts[source_id] = None
            else:
                try:
                    texts[source_id] = normalize_text((seeds_dir / source.fichier).read_text(encoding="utf-8"))
                except OSError:
                    texts[source_id] = ""
        return texts[source_id]

    for ref in iter_citations(registry):
        text = text_of(ref.source)
        if text is None:
            problems.append(Problem(ref.file, ref.path,
                                    f"citation non vérifiable : la source « {ref.source} » n'a pas de fichier", WARNING))
        elif text == "":
            problems.append(Problem(ref.file, ref.path,
                                    f"fichier de la source « {ref.source} » introuvable dans {seeds_dir}", ERROR))
        elif normalize_text(ref.citation) not in text:
            fichier = registry.sources[ref.source].fichier
            problems.append(Problem(ref.file, ref.path,
                                    f"citation introuvable dans {fichier} : « {_shown(ref.citation)} »", ERROR))

    for item in registry.cpts:
        per = item.perimetre
        if not per.source or not per.all_communes:
            continue
        text = text_of(per.source)
        if not text:
            continue
        for name in per.all_communes:
            written = per.corrections.get(name, name)
            if normalize_text(written) not in text:
                problems.append(Problem(item.file, "perimetre.communes",
                                        f"commune « {written} » introuvable telle quelle dans la source", ERROR))
    return problems


# --------------------------------------------------------------------------- display helpers


def format_date_fr(date: str | None) -> str:
    """"2022-09-29" -> "29 septembre 2022", "2023-09" -> "septembre 2023", "2021" -> "2021"."""
    return fr_date(date)


def format_source(source_id: str, registry: Registry) -> str:
    """Citation line for display, e.g.
    "Communiqué de presse, Rennes, 29 septembre 2022 (CPTS du Pays de Vitré, ARS Bretagne,
    CPAM d'Ille-et-Vilaine) — 000_7be94897bc143df0.txt". Raises KeyError for an unknown id."""
    source = registry.sources[source_id]
    parts = [source.type[:1].upper() + source.type[1:]]
    if source.lieu:
        parts.append(source.lieu)
    date = format_date_fr(source.date)
    if source.infere:
        date += " [date déduite]"
    parts.append(date)
    text = f"{', '.join(parts)} ({source.editeur})"
    if source.fichier:
        text += f" — {source.fichier}"
    else:
        text += f" — {source.titre}"
    return text
