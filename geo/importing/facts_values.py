"""French values of a tracking table: « 81 205 hab. », « 12,7 % », « 196 875 € », « 29/09/2022 »,
« sept. 2022 », « 2021 », « oui », « x », lists of missions, web sites and e-mail addresses.

Numbers are parsed by Babel (CLDR French: « 81 205 », « 81 205 », « 12,7 »), month names come
from Babel's CLDR calendar data (« septembre », « sept. »), so only the domain part is written here:
which units a figure may carry, which words mean yes or no, which date shapes a spreadsheet holds.
Every parser returns ``(value, None)`` or ``(None, French reason)``; nothing raises.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import InvalidOperation

from babel.dates import get_month_names
from babel.numbers import NumberFormatError, parse_decimal

from ..registry.fields import URL_PATTERN, normalize_date
from ..registry.models_facts import EMAIL_PATTERN
from .values import _fold, parse_date

__all__ = ["parse_number", "parse_count", "parse_percent", "parse_euros", "parse_fr_date", "parse_year",
           "parse_yes_no", "parse_url", "parse_email", "split_list", "is_future"]

_SPACES = "\u00a0\u202f\u2009 "
# units a figure may carry after its number (folded, without punctuation)
_UNITS = {
    "count": ("habitants", "habitant", "hab", "communes", "commune", "professionnels", "membres", "adherents", "ps"),
    "percent": ("%", "pourcent", "pour cent"),
    "euros": ("€", "euros", "euro", "eur", "€/an", "euros/an", "€ par an", "euros par an"),
}
_NUMBER = re.compile(r"^[^\d\-+−]*?([\-+−]?\s*\d[\d\s\u00a0\u202f\u2009.,]*)(.*)$")


def _number_part(text: str) -> tuple[str, str, str] | None:
    """(prefix, number, unit) of « env. 81 205 hab. »; None without a number."""
    m = _NUMBER.match(text.strip())
    if not m:
        return None
    prefix = text.strip()[: m.start(1)].strip()
    return prefix, m.group(1).replace("−", "-").strip(), m.group(2).strip()


def parse_number(value: object, kind: str = "count") -> tuple[float | int | None, str | None]:
    """A number written the French way (Babel), with an optional unit of its kind."""
    if isinstance(value, bool):
        return None, "nombre attendu, pas une case à cocher"
    if isinstance(value, (int, float)):
        return (int(value) if float(value).is_integer() else float(value)), None
    text = str(value).strip()
    parts = _number_part(text)
    if parts is None:
        return None, f"« {text[:40]} » n'est pas un nombre"
    prefix, number, unit = parts
    unit_key = unit.lower().rstrip(".").strip()
    allowed = set(_UNITS[kind]) | {_fold(u) for u in _UNITS[kind] if _fold(u)}
    if unit_key and unit_key not in allowed and not (_fold(unit_key) and _fold(unit_key) in allowed):
        return None, f"« {text[:40]} » : unité « {unit[:20]} » inattendue"
    if prefix:
        return None, f"« {text[:40]} » : texte « {prefix[:20]} » devant le nombre (écrire le nombre seul)"
    number = re.sub(f"[{_SPACES}]", "\u202f", number)
    try:
        d = parse_decimal(number, locale="fr_FR")
    except (NumberFormatError, InvalidOperation, ValueError):
        return None, f"« {text[:40]} » n'est pas un nombre écrit en français (ex. 81 205 ou 12,7)"
    return (int(d) if d == d.to_integral_value() else float(d)), None


def parse_count(value: object) -> tuple[int | None, str | None]:
    """A whole number: « 81 205 », « 81 205 hab. », « 46 communes »."""
    n, why = parse_number(value, "count")
    if why:
        return None, why
    if not float(n).is_integer():
        return None, f"nombre entier attendu, lu {n}"
    return int(n), None


def parse_percent(value: object, percent_format: bool = False) -> tuple[float | int | None, str | None]:
    """« 12,7 % » -> 12.7; a cell formatted as a percentage holds 0.127 -> 12.7."""
    n, why = parse_number(value, "percent")
    if why:
        return None, why
    if percent_format and isinstance(value, (int, float)):
        n = round(float(n) * 100, 6)
        n = int(n) if float(n).is_integer() else n
    return n, None


def parse_euros(value: object) -> tuple[float | int | None, str | None]:
    """« 196 875 € », « 196 875,00 euros » -> 196875."""
    n, why = parse_number(value, "euros")
    if why:
        return None, why
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    return n, None


@functools.lru_cache(maxsize=1)
def _months() -> dict[str, int]:
    """Folded French month names (CLDR wide and abbreviated, from Babel) -> month number."""
    out: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for n, name in get_month_names(width, locale="fr").items():
            out[_fold(name)] = n
    return out


def _month(word: str) -> int | None:
    w = _fold(word)
    months = _months()
    if w in months:
        return months[w]
    hits = {n for name, n in months.items() if len(w) >= 3 and name.startswith(w)}
    return hits.pop() if len(hits) == 1 else None   # « sep » -> septembre, « jui » is ambiguous


_WORDS_DATE = re.compile(r"^(?:(\d{1,2})(?:er)?\s+)?([a-zéûèêôîç.]+)\s+(\d{4})$", re.IGNORECASE)


def parse_fr_date(value: object) -> tuple[str | None, str | None]:
    """« 29/09/2022 », « 2022-09-29 », a date cell, « sept. 2022 », « 1er septembre 2022 », « 09/2022 »,
    « 2021 » -> ISO with its precision (« 2022-09-29 », « 2022-09 », « 2021 »)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return parse_date(value), None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return (f"{value}", None) if 1900 <= value <= 2100 else (None, f"« {value} » n'est pas une date")
    text = " ".join(str(value).split())
    iso = parse_date(text)
    if iso:
        return iso, None
    m = _WORDS_DATE.match(text)
    if m:
        day, word, year = m.groups()
        month = _month(word)
        if month is not None:
            iso = f"{int(year):04d}-{month:02d}" + (f"-{int(day):02d}" if day else "")
            if normalize_date(iso) == iso:
                return iso, None
    return None, f"date « {text[:40]} » illisible (attendu JJ/MM/AAAA, « sept. 2022 » ou AAAA)"


def parse_year(value: object) -> tuple[int | None, str | None]:
    iso, why = parse_fr_date(value)
    if why:
        return None, f"année « {str(value)[:20]} » illisible (attendu AAAA)"
    return int(iso[:4]), None


_YES = {"oui", "o", "x", "vrai", "yes", "y", "1", "engagee", "engage", "engagees", "ok", "true"}
_NO = {"non", "n", "faux", "no", "0", "non engagee", "non engage", "false"}
_CHECKS = {"✓", "✔", "☑", "✅"}


def parse_yes_no(value: object) -> tuple[bool | None, str | None]:
    """« oui », « x », « ✓ », VRAI -> True; « non », « 0 » -> False."""
    if isinstance(value, bool):
        return value, None
    text = str(value).strip()
    if text in _CHECKS:
        return True, None
    key = _fold(text)
    if key in _YES:
        return True, None
    if key in _NO or text in {"-", "–", "—"}:
        return False, None
    return None, f"« {text[:40]} » : oui ou non attendu"


_URL = re.compile(URL_PATTERN)
_EMAIL = re.compile(EMAIL_PATTERN)


def parse_url(value: object) -> tuple[str | None, str | None]:
    """A web site; « www.cpts.fr » gets « https:// » (said by the caller from the value)."""
    text = str(value).strip()
    if text.lower().startswith("www."):
        text = "https://" + text
    if _URL.match(text) and "." in text.split("//", 1)[1]:
        return text, None
    return None, f"« {str(value)[:60]} » n'est pas une adresse web (https://…)"


def parse_email(value: object) -> tuple[str | None, str | None]:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if _EMAIL.match(text):
        return text, None
    return None, f"« {str(value)[:60]} » n'est pas une adresse électronique"


def split_list(text: str) -> list[str]:
    """« Accès aux soins ; prévention, parcours » -> its items."""
    return [x.strip() for x in re.split(r"[;,\n/+•]| et ", text) if x.strip()]


def is_future(iso: str, today: dt.date) -> bool:
    """True when a date of year, month or day precision starts after ``today``."""
    y = int(iso[:4])
    m = int(iso[5:7]) if len(iso) >= 7 else 1
    d = int(iso[8:10]) if len(iso) >= 10 else 1
    try:
        return dt.date(y, m, d) > today
    except ValueError:
        return False
