"""Field types of the registry model (pydantic v2): one annotated type per kind of YAML value.

Every type is strict — YAML already gives typed values, so « 35 » written without quotes, « 12,7 » or
« oui » are reported instead of being coerced — and carries its JSON Schema (pattern, bounds).
What pydantic has no built-in rule for is kept here, each in a few lines:

- dates of year, month or day precision (« 2021 », « 2023-09 », « 2022-09-29 »; YAML dates and
  4-digit years accepted, normalised to the ISO text);
- references to a source of sources.yaml, checked against the ids passed in the validation context
  (``{"sources": set_of_ids}``; no check without a context, e.g. in ``dataclasses.replace``);
- département codes, whose most common mistake (an unquoted number) gets its own hint.

French messages for the built-in error types are made in geo/registry/validation.py.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Generic, Optional, TypeVar, Union

from pydantic import (BeforeValidator, Field, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationInfo,
                      WithJsonSchema)
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from .problems import shown, type_fr

NON_BLANK = r"\S"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DEPT_PATTERN = r"^(?:0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$"
INSEE_PATTERN = r"^(?:\d{5}|2[AB]\d{3})$"
POLYGON_PATTERN = r"^perimetres/[a-z0-9]+(?:-[a-z0-9]+)*\.geojson$"
URL_PATTERN = r"^https?://[^\s<>\"'`]+$"
DATE_PATTERN = r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$"
_DATE_RE = re.compile(DATE_PATTERN)

#: What each pattern means, for the message « valeur « x » invalide : … ».
PATTERN_MESSAGES = {
    SLUG_PATTERN: "identifiant attendu en minuscules ASCII et tirets (ex. pays-de-vitre)",
    DEPT_PATTERN: "code département attendu, entre guillemets (ex. \"35\")",
    INSEE_PATTERN: "code INSEE à 5 caractères attendu, entre guillemets (ex. \"35360\")",
    POLYGON_PATTERN: "chemin attendu perimetres/<id>.geojson",
    URL_PATTERN: "adresse web attendue, commençant par https:// ou http://, sans espace",
}

# ---------------------------------------------------------------------------------------- texts

Text = Annotated[StrictStr, Field(pattern=NON_BLANK)]
OptText = Optional[Text]
Slug = Annotated[StrictStr, Field(pattern=SLUG_PATTERN)]
InseeCode = Annotated[StrictStr, Field(pattern=INSEE_PATTERN)]
PolygonPath = Annotated[StrictStr, Field(pattern=POLYGON_PATTERN)]
# The address of a source's original (http or https only: the app shows it as a link, never fetches it).
HttpUrlText = Annotated[StrictStr, Field(pattern=URL_PATTERN)]


def _dept_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError(
            "departement_type",
            "doit être un texte, pas {type} (valeur : {value}) ; mettre le code département entre guillemets, ex. \"35\"",
            {"type": type_fr(value), "value": shown(value)})
    return value


Dept = Annotated[StrictStr, BeforeValidator(_dept_text), Field(pattern=DEPT_PATTERN)]

# -------------------------------------------------------------------------------------- numbers


def Int(minimum: int | None = None, maximum: int | None = None):  # noqa: N802 - a type factory
    """A whole number (never a boolean or a decimal), optionally bounded (inclusive)."""
    return Annotated[StrictInt, Field(ge=minimum, le=maximum)]


def Number(minimum: float | None = None):  # noqa: N802 - a type factory
    """An integer or a decimal (kept as written: 81205 stays an int), optionally >= minimum."""
    schema: dict = {"type": "number"}
    if minimum is not None:
        schema["minimum"] = minimum
    return Annotated[Union[Annotated[StrictInt, Field(ge=minimum)], Annotated[StrictFloat, Field(ge=minimum)]],
                     Field(union_mode="left_to_right"), WithJsonSchema(schema)]


Year = Int(1900, 2100)
Bool = StrictBool

# ---------------------------------------------------------------------------------------- dates


def normalize_date(value: Any) -> str | None:
    """ISO text of a date of year, month or day precision, or None if ``value`` is not one."""
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


def _date(value: Any) -> str:
    result = normalize_date(value)
    if result is None:
        raise PydanticCustomError(
            "date_invalide",
            "date invalide « {value} » : format attendu AAAA, AAAA-MM ou AAAA-MM-JJ (ex. 2022-09-29)",
            {"value": shown(value)})
    return result


Date = Annotated[StrictStr, BeforeValidator(_date), WithJsonSchema({
    "anyOf": [{"type": "string", "pattern": DATE_PATTERN}, {"type": "integer", "minimum": 1900, "maximum": 2100}],
    "description": "AAAA, AAAA-MM ou AAAA-MM-JJ (ex. 2022-09-29)",
})]

# -------------------------------------------------------------------------------------- sources


def _source_text(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError("source_type", "doit être l'identifiant d'une source (texte), pas {type}",
                                  {"type": type_fr(value)})
    return value


def _known_source(value: str, info: ValidationInfo) -> str:
    known = (info.context or {}).get("sources")
    if known is not None and value not in known:
        raise PydanticCustomError("source_inconnue", "source inconnue « {value} » (absente de sources.yaml)",
                                  {"value": value})
    return value


SourceRef = Annotated[StrictStr, BeforeValidator(_source_text), AfterValidator(_known_source),
                      Field(pattern=NON_BLANK, description="identifiant d'une source de sources.yaml")]

# --------------------------------------------------------------------------- optional blocks


def _not_null(value: Any, info: ValidationInfo) -> Any:
    # A block may be left out, not written « null »; Python code (dataclasses.replace) may pass None.
    if value is None and info.context is not None:
        raise PydanticCustomError("bloc_null", "doit être un dictionnaire (clé: valeur), pas vide (null)")
    return value


_T = TypeVar("_T")


class Block(Generic[_T]):
    """``Block[X]``: an optional block of the YAML (absent = None), never written as null."""

    def __class_getitem__(cls, tp):
        return Annotated[Optional[tp], BeforeValidator(_not_null), Field(json_schema_extra=_drop_null)]


def _drop_null(schema: dict) -> None:
    """JSON Schema of a Block: the block itself, without the « null » alternative."""
    rest = [s for s in schema.get("anyOf", ()) if s.get("type") != "null"]
    if len(rest) == 1:
        del schema["anyOf"]
        schema.update(rest[0])
