"""Values typed in the editor's form, read the French way, and registry values shown back for editing.

A form field is text: « 196 875 € », « 12,7 % », « 81 205 hab. », « 29/09/2022 », « sept. 2022 »,
« 2021 ». :func:`parse_number` and :func:`parse_date` turn them into the registry's values (an int
when the number has no decimal part, as the YAML files write them; ISO dates with their precision)
or raise :class:`ValueError` with a French message shown next to the field. :func:`show_number` and
:func:`show_date` are their inverse, so a value read from the registry and written back unchanged
stays byte-identical.

Hand-written on purpose: what users type in a French form (units after the figure, spaces and
no-break spaces between digit groups, abbreviated month names) is our convention; Babel parses
a locale's *own* formats only (it refuses « 81 205 hab. » and does not know partial dates).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from ..formatting import fr_int, fr_num
from .fields import normalize_date

__all__ = ["parse_number", "parse_date", "show_number", "show_date"]

# Units people write after a figure (case-insensitive, dots optional): removed before reading it.
_UNITS = re.compile(r"(?i)\s*(€\s*(?:/\s*an)?|eur(?:os?)?|%|pour\s*cent|hab(?:itants?)?\.?|communes?|ans?)\s*$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_MONTHS = {
    "janv": 1, "janvier": 1, "fevr": 2, "fev": 2, "fevrier": 2, "mars": 3, "avr": 4, "avril": 4, "mai": 5,
    "juin": 6, "juil": 7, "juillet": 7, "aout": 8, "sept": 9, "sep": 9, "septembre": 9, "oct": 10,
    "octobre": 10, "nov": 11, "novembre": 11, "dec": 12, "decembre": 12,
}


def parse_number(text: str, *, integer: bool = False) -> int | float:
    """« 196 875 € » -> 196875, « 12,7 % » -> 12.7, « 81 205 hab. » -> 81205. ``integer``: a decimal
    part is refused. Raises ValueError (French message) for anything else."""
    raw = str(text).strip()
    s = _UNITS.sub("", raw)
    s = _SPACES.sub("", s).replace(",", ".").replace("\u2212", "-")
    if not s:
        raise ValueError("nombre attendu (ex. 196 875 ou 12,7)")
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", s):
        raise ValueError(f"« {raw} » n'est pas un nombre : écrire par exemple 196 875 ou 12,7")
    try:
        value = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the pattern above already checked it
        raise ValueError(f"« {raw} » n'est pas un nombre") from None
    if value == value.to_integral_value():
        return int(value)
    if integer:
        raise ValueError(f"nombre entier attendu, pas « {raw} »")
    return float(value)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_date(text: str, today: dt.date | None = None) -> str:
    """« 29/09/2022 » -> "2022-09-29", « 09/2022 » or « sept. 2022 » -> "2022-09", « 2021 » -> "2021";
    ISO dates as they are. A date after ``today`` is refused (a fact is reported, not planned).
    Raises ValueError (French message)."""
    raw = str(text).strip()
    s = _fold(raw)
    iso = None
    if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", s):
        day, month, year = (int(x) for x in m.groups())
        iso = f"{year:04d}-{month:02d}-{day:02d}"
    elif m := re.fullmatch(r"(\d{1,2})[/.-](\d{4})", s):
        iso = f"{int(m.group(2)):04d}-{int(m.group(1)):02d}"
    elif m := re.fullmatch(r"(?:(\d{1,2})(?:er)?\s+)?([a-z]+)\.?\s+(\d{4})", s):
        month = _MONTHS.get(m.group(2))
        if month is not None:
            iso = f"{int(m.group(3)):04d}-{month:02d}" + (f"-{int(m.group(1)):02d}" if m.group(1) else "")
    else:
        iso = s
    result = normalize_date(iso) if iso else None
    if result is None:
        raise ValueError(f"date invalide « {raw} » : écrire par exemple 29/09/2022, 09/2022, sept. 2022 ou 2021")
    if result[:len(result)] > (today or dt.date.today()).isoformat()[:len(result)]:
        raise ValueError(f"date dans le futur « {raw} » : seule une étape passée peut être enregistrée")
    return result


def show_number(value: int | float | None) -> str:
    """The form text of a number: 196875 -> « 196 875 », 12.7 -> « 12,7 » (as many decimals as stored)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or float(value).is_integer() and not isinstance(value, float):
        return fr_int(value)
    decimals = len(repr(float(value)).split(".")[1]) if "e" not in repr(float(value)) else 6
    return fr_num(value, decimals)


def show_date(value: str | None) -> str:
    """The form text of a registry date: "2022-09-29" -> « 29/09/2022 », "2022-09" -> « 09/2022 »."""
    if not value:
        return ""
    parts = str(value).split("-")
    return "/".join(reversed(parts))
