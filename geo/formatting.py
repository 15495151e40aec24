"""French number, money, percentage and date formats (81 205 habitants, 196 875 €, 12,7 %).

Babel (CLDR locale data, fr_FR) does the locale work: digit grouping, decimal comma and month
names, and rounds the number as written (its shortest repr), half up, as people round: 2,675 €
gives « 2,68 € » where Python's float formatting gave « 2,67 » (2.675 is 2.67499… in binary).

Kept hand-written on purpose, because it is our convention and not the locale's:
- one separator everywhere: U+202F (narrow no-break space) groups digits (CLDR's choice for fr)
  *and* precedes « € » and « % » (CLDR puts U+00A0 there): one character that never breaks a
  figure across lines, the same in the app, the tables and the PDF, as the tests assert;
- « — » for a missing value (« non renseigné » is shown as such, never 0);
- a percentage keeps the precision its source gave (« 11 % », « 12,7 % », « 70,64 % »);
- signed gaps use « + » and the typographic minus « − » (U+2212);
- « 1er » for the first day of a month, and the registry's partial dates (« 2023-09 » → « septembre
  2023 », « 2021 »), which CLDR date patterns do not cover;
- :func:`plural`: French words, not CLDR plural categories (0 and 1 take the singular).
"""
from __future__ import annotations

import datetime as _dt
import decimal
import functools
import re

from babel import Locale
from babel.dates import format_date
from babel.numbers import parse_pattern

NBSP = "\u202f"  # narrow no-break space: digit groups, and before € and %
MINUS = "\u2212"
LOCALE = Locale.parse("fr_FR")


@functools.lru_cache(maxsize=32)
def _pattern(decimals: int):
    return parse_pattern("#,##0" + ("." + "0" * decimals if decimals else ""))


def _number(x: float, decimals: int, sep: str) -> str:
    with decimal.localcontext(rounding=decimal.ROUND_HALF_UP):   # 4,45 -> 4,5 as people round
        s = _pattern(decimals).apply(x, LOCALE)
    return s if sep == NBSP else s.replace(NBSP, sep)


def fr_int(n: int | float | None, sep: str = NBSP) -> str:
    """81205 -> '81 205' (U+202F); None -> '—'."""
    if n is None:
        return "—"
    return _number(n, 0, sep)


def fr_num(x: float | None, decimals: int = 1, sep: str = NBSP) -> str:
    """2.4245 -> '2,4' (``decimals`` digits, decimal comma); None -> '—'."""
    if x is None:
        return "—"
    return _number(x, decimals, sep)


def fr_pct(x: float | None, decimals: int | None = None) -> str:
    """12.7 -> '12,7 %'; 11 -> '11 %' (decimals as given by the source unless ``decimals`` is set).
    ``x`` is already a percentage (12.7, not 0.127)."""
    if x is None:
        return "—"
    if decimals is None:
        decimals = 0 if float(x).is_integer() else len(repr(float(x)).split(".")[1])
    return f"{fr_num(x, decimals)}{NBSP}%"


def fr_eur(x: float | None, decimals: int = 0) -> str:
    """196875 -> '196 875 €' (no cents unless ``decimals``); None -> '—'."""
    return "—" if x is None else f"{fr_num(x, decimals)}{NBSP}€"


def fr_signed_int(n: int) -> str:
    return ("+" if n > 0 else MINUS if n < 0 else "") + fr_int(abs(n))


def fr_signed_pct(x: float, decimals: int = 1) -> str:
    return ("+" if x > 0 else MINUS if x < 0 else "") + fr_pct(abs(x), decimals)


_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def fr_date(value: str | _dt.date | None) -> str:
    """'2022-09-29' -> '29 septembre 2022'; '2022-09-01' -> '1er septembre 2022';
    '2023-09' -> 'septembre 2023'; '2021' -> '2021'.

    None or '' -> 'date inconnue'; any other text is returned unchanged."""
    if value is None or value == "":
        return "date inconnue"
    s = value.isoformat() if isinstance(value, _dt.date) else str(value)
    m = _ISO_DATE.match(s[:10] if isinstance(value, _dt.datetime) else s)
    if not m:
        return s
    year, month, day = m.groups()
    if month is None:
        return year
    try:
        d = _dt.date(int(year), int(month), int(day or 1))
    except ValueError:
        return s
    if day is None:
        return format_date(d, "MMMM y", locale=LOCALE)
    if d.day == 1:
        return "1er " + format_date(d, "MMMM y", locale=LOCALE)
    return format_date(d, "d MMMM y", locale=LOCALE)


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    return f"{fr_int(n)} {singular if abs(n) < 2 else (plural_form or singular + 's')}"


__all__ = ["NBSP", "fr_int", "fr_num", "fr_pct", "fr_eur", "fr_signed_int", "fr_signed_pct", "fr_date", "plural"]
