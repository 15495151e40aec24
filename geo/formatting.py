"""French number, money, percentage and date formats (81 205 habitants, 196 875 €, 12,7 %)."""
from __future__ import annotations

import datetime as _dt
import re

NBSP = "\u202f"  # narrow no-break space, the French thousands separator

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]


def fr_int(n: int | float | None, sep: str = NBSP) -> str:
    if n is None:
        return "—"
    return f"{round(n):,}".replace(",", sep)


def fr_num(x: float | None, decimals: int = 1, sep: str = NBSP) -> str:
    if x is None:
        return "—"
    s = f"{x:,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", sep)
    return s


def fr_pct(x: float | None, decimals: int | None = None) -> str:
    """12.7 -> '12,7 %'; 11 -> '11 %' (decimals as given by the source unless ``decimals`` is set)."""
    if x is None:
        return "—"
    if decimals is None:
        decimals = 0 if float(x).is_integer() else len(repr(float(x)).split(".")[1])
    return f"{fr_num(x, decimals)}{NBSP}%"


def fr_eur(x: float | None, decimals: int = 0) -> str:
    return "—" if x is None else f"{fr_num(x, decimals) if decimals else fr_int(x)}{NBSP}€"


def fr_signed_int(n: int) -> str:
    return ("+" if n > 0 else "−" if n < 0 else "") + fr_int(abs(n))


def fr_signed_pct(x: float, decimals: int = 1) -> str:
    return ("+" if x > 0 else "−" if x < 0 else "") + fr_pct(abs(x), decimals)


_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def fr_date(value: str | _dt.date | None) -> str:
    """'2022-09-29' -> '29 septembre 2022'; '2023-09' -> 'septembre 2023'; '2021' -> '2021'.

    None or '' -> 'date inconnue'; any other text is returned unchanged."""
    if value is None or value == "":
        return "date inconnue"
    s = value.isoformat() if isinstance(value, _dt.date) else str(value)
    m = _ISO_DATE.match(s)
    if not m:
        return s
    year, month, day = m.groups()
    if month is None:
        return year
    if day is None:
        return f"{MONTHS[int(month) - 1]} {year}"
    return f"{'1er' if int(day) == 1 else int(day)} {MONTHS[int(month) - 1]} {year}"


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    return f"{fr_int(n)} {singular if abs(n) < 2 else (plural_form or singular + 's')}"
