"""Hand-written schema engine of the registry YAML files (to be replaced by pydantic models)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

from .models import (MISSION_KEYS, OTHER_MILESTONE, PERIMETER_RULES, SOURCE_TYPES, STEP_KEYS, Comparaison,
                     ContextFigure, Cpts, Financement, Indicateur, Jalon, MissionAction, Missions, Perimetre,
                     Professionnels, SansMedecinTraitant, Source, SourceImport, Statut, TailleAci,
                     ValeurDeclaree, _DATE_RE, _DEPT_RE, _SLUG_RE)
from .problems import ERROR, WARNING, Problem, shown as _shown

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

