"""Validate the data of one registry file with the pydantic model, and word every error in French.

pydantic checks the structure (required and unknown keys, types, bounds, patterns, lists, maps,
nesting) and gives each error a type, a location and the value read; :func:`french_problems` turns
each one into a Problem « file › path : message », e.g. « cpts/pays-de-vitre.yaml ›
financement[0].montant : doit être un nombre, pas un texte (valeur : 196 875) ; écrire le nombre
avec un point décimal, sans espace (ex. 12.7) ». The wording is the registry's own (French, with
the YAML path as a user wrote it), so it is kept here rather than in pydantic's English messages.
"""
from __future__ import annotations

import dataclasses
import re
import typing
from functools import lru_cache
from typing import Any, Union

from pydantic import TypeAdapter, ValidationError

from .fields import NON_BLANK, PATTERN_MESSAGES, Dept
from .models import ContextFile, Cpts, SourcesFile
from .problems import Findings, shown, type_fr

# Union members of a number and map keys, as pydantic names them in error locations.
_INT_TAGS = {"int", "constrained-int"}
_FLOAT_TAGS = {"float", "constrained-float"}
_TAGS = _INT_TAGS | _FLOAT_TAGS | {"[key]"}


@lru_cache(maxsize=None)
def adapter(cls) -> TypeAdapter:
    return TypeAdapter(cls)


def validate(cls, data: Any, findings: Findings, sources: set[str] | None = None):
    """An instance of ``cls`` (Cpts, SourcesFile, ContextFile) from YAML data, or None with every
    problem added to ``findings``. ``sources``: the ids of sources.yaml (None: not checked)."""
    try:
        return adapter(cls).validate_python(data, context={"sources": sources})
    except ValidationError as exc:
        for path, message in french_problems(cls, exc.errors()):
            findings.error(path, message)
        return None


# ------------------------------------------------------------------------- walking the model


def _strip(tp):
    """The type under Annotated/Optional (a number union stays a union)."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin is Union and type(None) in typing.get_args(tp):
            rest = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = rest[0] if len(rest) == 1 else Union[tuple(rest)]
        else:
            return tp


def _fields(cls) -> dict[str, Any]:
    hints = typing.get_type_hints(cls, include_extras=True)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.name != "file" or cls is not Cpts}


def _walk(cls, loc: tuple) -> list[Any]:
    """The declared type at each prefix of ``loc`` (types[i] is the type of loc[:i])."""
    types = [cls]
    tp = cls
    for part in loc:
        base = _strip(tp) if tp is not None else None
        origin = typing.get_origin(base)
        if base is not None and dataclasses.is_dataclass(base) and isinstance(part, str):
            tp = _fields(base).get(part)
        elif origin is list:
            tp = typing.get_args(base)[0]
        elif origin is dict:
            tp = typing.get_args(base)[1]
        else:
            tp = None
        types.append(tp)
    return types


def _path(loc: tuple, types: list[Any]) -> str:
    out = ""
    for i, part in enumerate(loc):
        parent = _strip(types[i]) if types[i] is not None else None
        if isinstance(part, int) and typing.get_origin(parent) is list:
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out


# ------------------------------------------------------------------------------ the wording


def _bound(x):
    return int(x) if isinstance(x, float) and x.is_integer() else x


def _choices(ctx: dict) -> list[str]:
    return re.findall(r"'((?:[^'\\]|\\.)*)'", ctx.get("expected", ""))


def _message(kind: str, err: dict, types: list[Any], loc: tuple, is_number: bool) -> str:
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return f"clé obligatoire « {loc[-1]} » manquante"
    if kind in ("unexpected_keyword_argument", "extra_forbidden", "invalid_key"):
        owner = _strip(types[-2]) if len(types) > 1 else None
        allowed = ", ".join(_fields(owner)) if dataclasses.is_dataclass(owner) else ""
        label = getattr(owner, "unknown_key_label", "clé")
        return f"{label} inconnue « {loc[-1]} » (permises : {allowed})"
    if kind in ("dataclass_type", "dataclass_args_type", "model_type"):
        return f"doit être un dictionnaire (clé: valeur), pas {type_fr(value)}"
    if kind == "list_type":
        return f"doit être une liste, pas {type_fr(value)}"
    if kind == "dict_type":
        return f"doit être un dictionnaire, pas {type_fr(value)}"
    if kind == "bool_type":
        return f"doit être true ou false, pas {type_fr(value)} (valeur : {shown(value)})"
    if is_number and kind in ("int_type", "float_type"):
        hint = " ; écrire le nombre avec un point décimal, sans espace (ex. 12.7)" if isinstance(value, str) else ""
        return f"doit être un nombre, pas {type_fr(value)} (valeur : {shown(value)}){hint}"
    if kind == "int_type":
        return f"doit être un nombre entier, pas {type_fr(value)} (valeur : {shown(value)})"
    if kind == "greater_than_equal":
        return f"doit être supérieur ou égal à {_bound(ctx['ge'])} (valeur : {value})"
    if kind == "less_than_equal":
        return f"doit être inférieur ou égal à {_bound(ctx['le'])} (valeur : {value})"
    if kind in ("string_type", "literal_error", "string_pattern_mismatch"):
        if not isinstance(value, str):
            hint = " ; mettre le code département entre guillemets, ex. \"35\"" if types[-1] is Dept else ""
            return f"doit être un texte, pas {type_fr(value)} (valeur : {shown(value)}){hint}"
        if not value.strip():
            return "ne doit pas être un texte vide"
        if kind == "literal_error":
            return f"valeur « {value} » non permise (valeurs permises : {', '.join(_choices(ctx))})"
        if kind == "string_pattern_mismatch" and ctx.get("pattern") != NON_BLANK:
            return f"valeur « {value} » invalide : {PATTERN_MESSAGES.get(ctx.get('pattern'), ctx.get('pattern'))}"
    return err["msg"]  # our own PydanticCustomError messages are already in French


def french_problems(cls, errors: list[dict]) -> list[tuple[str, str]]:
    """(path, French message) for each pydantic error of a ``cls`` validation, in error order;
    the two branches of a number (int | float) make one message."""
    out: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    numbers = {tuple(p for p in e["loc"] if p not in _TAGS) for e in errors
               if e["loc"] and e["loc"][-1] in _FLOAT_TAGS}
    for err in errors:
        loc = tuple(p for p in err["loc"] if p not in _TAGS)
        types = _walk(cls, loc)
        message = _message(err["type"], err, types, loc, loc in numbers)
        item = (_path(loc, types), message)
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


__all__ = ["validate", "french_problems", "adapter", "Cpts", "SourcesFile", "ContextFile"]
