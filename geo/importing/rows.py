"""Rules for single rows that are not communes: footers, placeholder or overlong CPTS names, and a
CPTS declared on purpose without a known perimeter (issue 11.3, 11.5, 11.6).

Hand-written: these are the habits of the regional spreadsheets (a « Source : ARS » or « Total »
line under the table, « #N/A » or « NaN » left by a formula or a pandas export, « périmètre non
connu » typed in the commune column).
"""
from __future__ import annotations

import re

from .values import _fold

__all__ = ["MAX_NAME", "MAX_ID", "footer_reason", "bad_name", "bad_id", "says_unknown_perimeter"]

#: Longest CPTS name accepted (the longest real one is ~90 characters).
MAX_NAME = 150
#: Longest identifier accepted (ids become file names; slugify() stops at 60).
MAX_ID = 60

_FOOTER = re.compile(
    r"^(sources?|total|totaux|sous total|note|notes|nb|nombre|mise a jour|maj|date d extraction|extrait le|"
    r"extraction|genere le|realise par|copyright|legende|remarques?|commentaires?|fin)\b")
_SYMBOLS = re.compile(r"^[\W_]+$")
_PLACEHOLDERS = {"nan", "none", "null", "n/a", "na", "#n/a", "#na", "#ref!", "#valeur!", "#value!", "#nom?",
                 "#name?", "#div/0!", "#nombre!", "#num!", "#null!", "undefined", "?", "-", "--", "0"}
_UNKNOWN = {"perimetre non connu", "perimetre inconnu", "non connu", "inconnu", "a definir", "a venir",
            "perimetre a definir", "perimetre a venir", "perimetre en cours de definition", "en cours de definition"}
_YES = {"oui", "o", "x", "vrai", "1", "yes", "true"}


def footer_reason(texts: list[str]) -> str | None:
    """Why the row (its non-empty cell texts) is a footer or a separator, or None.

    « Source : ARS Bretagne », « Total : 2 communes », « #### », « ----- »: the first non-empty
    cell starts with a footer word, or every non-empty cell is only symbols."""
    cells = [t for t in texts if t]
    if not cells:
        return None
    if all(_SYMBOLS.match(t) for t in cells):
        return "ligne de séparation (symboles seulement)"
    first = _fold(cells[0])
    if _FOOTER.match(first) and (":" in cells[0] or len(cells) == 1):
        return f"pied de tableau (« {cells[0][:40]}{'…' if len(cells[0]) > 40 else ''} »)"
    return None


def bad_name(name: str) -> str | None:
    """A French reason when a CPTS name cannot be a name (placeholder, too long), else None."""
    if name.strip().lower() in _PLACEHOLDERS:
        return (f"Nom de CPTS « {name} » : c'est une valeur manquante de tableur, pas un nom. "
                "Écrivez le nom de la CPTS.")
    if len(name) > MAX_NAME:
        return (f"Nom de CPTS de {len(name)} caractères ; la limite est {MAX_NAME}. "
                "Vérifiez la cellule (plusieurs cellules collées ?).")
    return None


def bad_id(cpts_id: str) -> str | None:
    """A French reason when an identifier typed in the file cannot be used, else None."""
    if cpts_id.strip().lower() in _PLACEHOLDERS:
        return f"Identifiant de CPTS « {cpts_id} » : c'est une valeur manquante de tableur, pas un identifiant."
    if len(cpts_id) > MAX_ID:
        return f"Identifiant de CPTS de {len(cpts_id)} caractères ; la limite est {MAX_ID}."
    return None


def says_unknown_perimeter(commune: str, flag: str) -> bool:
    """True when the row declares a CPTS whose perimeter is not known: « périmètre non connu »
    (or « inconnu », « à définir ») written in the commune column, or a « Périmètre non connu »
    column holding oui / x / vrai / 1 (or the same words)."""
    c, f = _fold(commune), _fold(flag)
    return c in _UNKNOWN or f in _UNKNOWN or f in _YES
