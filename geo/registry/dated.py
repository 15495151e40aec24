"""The date of a declared fact and the newest of two: a fact's own date when it has one, else the date
of its source document. Used by the tracking-table import (which value of a figure goes first) and by
the views (the card shows both values of a figure two sources disagree on, and says which is newer).

Dates are ISO texts of year, month or day precision; a less precise date counts as its first day
(« 2022 » is before « 2022-03 »), so two dates compare as the sources give them.
"""
from __future__ import annotations

from typing import Any, Mapping

__all__ = ["date_key", "effective_date", "newer"]


def date_key(iso: object) -> tuple[int, int, int]:
    """« 2022-09-29 » -> (2022, 9, 29); « 2022 » -> (2022, 0, 0); anything else -> (0, 0, 0)."""
    text = str(iso) if iso is not None else ""
    parts = text.split("-")
    try:
        y = int(parts[0])
        m = int(parts[1]) if len(parts) > 1 else 0
        d = int(parts[2]) if len(parts) > 2 else 0
    except (ValueError, IndexError):
        return (0, 0, 0)
    return (y, m, d)


def _get(fact: Any, key: str):
    return fact.get(key) if isinstance(fact, Mapping) else getattr(fact, key, None)


def effective_date(fact: Any, sources: Mapping[str, Any]) -> str | None:
    """A fact's own date (``date``, else ``annee``), else the date of its source; None if neither."""
    own = _get(fact, "date") or _get(fact, "annee")
    if own:
        return str(own)
    source = sources.get(_get(fact, "source")) if _get(fact, "source") else None
    if source is None:
        return None
    date = _get(source, "date")
    return str(date) if date else None


def newer(a: Any, b: Any, sources: Mapping[str, Any]) -> bool:
    """True when fact ``a`` is strictly more recent than fact ``b`` (own dates first, then sources')."""
    ka, kb = date_key(effective_date(a, sources)), date_key(effective_date(b, sources))
    if ka != kb:
        return ka > kb
    sa = sources.get(_get(a, "source")) if _get(a, "source") else None
    sb = sources.get(_get(b, "source")) if _get(b, "source") else None
    return date_key(_get(sa, "date") if sa is not None else None) > date_key(_get(sb, "date") if sb is not None else None)
