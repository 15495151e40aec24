"""French number, money, percentage and date formats (81 205 habitants, 196 875 €, 12,7 %)."""
from __future__ import annotations

import datetime as _dt

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


def fr_date(value: str | _dt.date | None) -> str:
    """'2022-09-29' -> '29 septembre 2022'; '2023-09' -> 'septembre 2023'; '2021' -> '2021'."""
    if value is None or value == "":
        return "date inconnue"
    s = value.isoformat() if isinstance(value, _dt.date) else str(value)
    parts = s.split("-")
    if len(parts) == 3:
        day = int(parts[2])
        return f"{'1er' if day == 1 else day} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return parts[0]


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    return f"{fr_int(n)} {singular if abs(n) < 2 else (plural_form or singular + 's')}"
