"""The communes of a perimeter typed in the editor, resolved by the importer's matcher (geo/matching).

Each name is resolved like a row of an imported listing — within the CPTS's départements (the
département of its group for ``communes_par_departement``), exact, normalised, former names,
typos only when unambiguous. A name that cannot be resolved is reported next to the field with
the matcher's French message and its suggestions; a corrected typo is said, not hidden.

``codes_insee`` (parallel to the names) is written when every name resolved and the perimeter
already kept its codes, or belongs to a new CPTS; a hand-written perimeter without codes stays
without (the app resolves its names with the same matcher when it loads the registry), so the
history compares it name by name.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["PerimeterCheck", "resolve_perimeter", "with_codes"]


@dataclass
class PerimeterCheck:
    codes: list[str | None] = field(default_factory=list)   # parallel to the names, None when unresolved
    names: list[str] = field(default_factory=list)           # official names of the resolved communes
    errors: list[tuple[str, str]] = field(default_factory=list)   # (field path, French message)
    notes: list[str] = field(default_factory=list)           # corrections the matcher made

    @property
    def complete(self) -> bool:
        return not self.errors and all(self.codes)


def _groups(per: dict, departements: list[str]) -> list[tuple[str, list[str], list[str]]]:
    """(field path, names, départements to search) in the order of ``Perimetre.all_communes``."""
    out = [("perimetre.communes", [str(n) for n in per.get("communes") or []], list(departements))]
    for dept, names in (per.get("communes_par_departement") or {}).items():
        out.append((f"perimetre.communes_par_departement.{dept}", [str(n) for n in names or []], [str(dept)]))
    return out


def resolve_perimeter(per: dict, departements: list[str], matcher) -> PerimeterCheck:
    """Resolve every commune name of a perimeter's data with ``matcher`` (a geo.matching.Matcher)."""
    check = PerimeterCheck()
    for path, names, deps in _groups(per, departements):
        if not names:
            continue
        for name, res in zip(names, matcher.resolve_many(names, deps or None)):
            check.codes.append(res.code)
            check.names.append(res.nom or name)
            if res.code is None:
                hint = ", ".join(f"{c.nom} ({c.code})" for c in res.candidates[:4])
                check.errors.append((path, f"« {name} » : {res.message}" + (f" — suggestions : {hint}" if hint else "")))
            elif res.method not in ("exact", "code_insee"):
                check.notes.append(f"« {name} » → {res.nom} ({res.code}) : {res.message}")
    return check


def with_codes(per: dict, check: PerimeterCheck, old_per: dict | None, new_cpts: bool) -> dict:
    """``per`` with its ``codes_insee`` set from ``check`` when they are kept (see module doc)."""
    out = {k: v for k, v in per.items() if k != "codes_insee"}
    keep = new_cpts or bool((old_per or {}).get("codes_insee"))
    if keep and check.complete and check.codes:
        out["codes_insee"] = list(check.codes)
    return out
