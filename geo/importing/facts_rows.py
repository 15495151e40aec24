"""One row of a tracking table read into typed values, each with the cell it came from; what cannot
be read or is impossible (negative, % > 100, a date in the future, a size outside 1 to 4…) is
reported with its cell and not kept.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from ..registry.table_text import cell_citation, cell_display
from .facts_columns import FACT_LABELS, MISSION_FIELDS, FactColumn, mission_of
from .facts_values import (is_future, parse_count, parse_email, parse_euros, parse_fr_date, parse_percent,
                           parse_url, parse_year, parse_yes_no, split_list)
from .values import _fold, status_step

__all__ = ["Read", "ReadRow", "read_row", "DEPENDENT"]

#: A field that only qualifies another one (read only when the other one is).
DEPENDENT = {"population_date": "population", "financement_annee": "financement", "smt_date": "smt",
             "smt_scope": "smt"}


@dataclass
class Read:
    value: Any
    column: int
    citation: str               # « Feuille « S », ligne 7, colonne F : 81 205 hab. »
    text: str
    header: str


@dataclass
class ReadRow:
    line: int
    values: dict[str, Read] = field(default_factory=dict)
    missions: list[tuple[str, bool, Read]] = field(default_factory=list)   # (mission key, engaged, cell)
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)  # (column, text, message, kind)
    statuses: dict[int, tuple[str, str]] = field(default_factory=dict)     # column -> (cell status, message)


def _bad(row: ReadRow, col: int, text: str, message: str, kind: str = "valeur_illisible") -> None:
    row.problems.append((col, text, message, kind))
    row.statuses[col] = ("signalee", message)


def read_row(line: int, cells: list[object], columns: dict[str, FactColumn], sheet: str | None,
             percent: set[tuple[int, int]], parse_dep: Callable[[str], str | None], known_deps: set[str],
             today: dt.date) -> ReadRow:
    """Typed values of one data row (see the module doc). Columns cpts/cpts_id are read by the caller."""
    row = ReadRow(line)

    def cell(f: str):
        c = columns.get(f)
        if c is None or c.index >= len(cells):
            return None, None
        v = cells[c.index]
        text = cell_display(v)
        return (v, c) if text else (None, None)

    def keep(f: str, value: Any, v: object, c: FactColumn) -> None:
        row.values[f] = Read(value, c.index, cell_citation(sheet, line, c.index, v), cell_display(v), c.header)
        row.statuses[c.index] = ("utilisee", "")

    def label(f: str) -> str:
        return FACT_LABELS.get(f, f)

    for f in columns:
        if f in ("cpts", "cpts_id"):
            continue
        v, c = cell(f)
        if c is None:
            continue
        text = cell_display(v)
        if f == "departements":
            codes, unknown = [], []
            for part in split_list(text.replace(" - ", ";")) or [text]:
                code = parse_dep(part)
                (codes if code and code in known_deps else unknown).append(code if code and code in known_deps else part)
            if unknown:
                _bad(row, c.index, text, f"département(s) non reconnu(s) : {', '.join(unknown)[:80]}", "departement_inconnu")
            if codes:
                keep(f, sorted(set(codes)), v, c)
                if unknown:
                    row.statuses[c.index] = ("utilisee", "en partie : " + ", ".join(unknown)[:80] + " non reconnu(s)")
        elif f == "etape":
            k = _fold(text)
            step = status_step(text)
            if step is None and "lettre" in k:
                step = "lettre_intention_validee"
            if step is None and "projet de sante" in k:
                step = "projet_sante_valide"
            if step is None:
                _bad(row, c.index, text, f"étape « {text[:40]} » hors des étapes du registre (lettre d'intention "
                                         "validée, projet de santé validé, ACI signé) : non importée", "etape_inconnue")
            else:
                keep(f, step, v, c)
        elif f.startswith("date_") or f in ("population_date", "smt_date"):
            iso, why = parse_fr_date(v)
            if why:
                _bad(row, c.index, text, f"{label(f)} : {why}")
            elif is_future(iso, today):
                _bad(row, c.index, text, f"{label(f)} « {text} » dans le futur : impossible, non importée", "impossible")
            else:
                keep(f, iso, v, c)
        elif f == "financement_annee":
            year, why = parse_year(v)
            if why:
                _bad(row, c.index, text, why)
            elif year > today.year:
                _bad(row, c.index, text, f"année de financement {year} dans le futur : impossible, non importée", "impossible")
            else:
                keep(f, year, v, c)
        elif f in ("population", "communes_nb", "professionnels", "taille_aci"):
            n, why = parse_count(v)
            low, high = {"population": (1, None), "communes_nb": (1, None), "professionnels": (0, None),
                         "taille_aci": (1, 4)}[f]
            if why:
                _bad(row, c.index, text, f"{label(f)} : {why}")
            elif n < low or (high is not None and n > high):
                what = "négative" if n < 0 else "nulle" if n == 0 else f"hors de {low} à {high}"
                _bad(row, c.index, text, f"{label(f)} {what} ({text}) : impossible, non importée", "impossible")
            else:
                keep(f, n, v, c)
        elif f == "financement":
            n, why = parse_euros(v)
            if why:
                _bad(row, c.index, text, f"{label(f)} : {why}")
            elif n < 0:
                _bad(row, c.index, text, f"financement négatif ({text}) : impossible, non importé", "impossible")
            else:
                keep(f, n, v, c)
        elif f == "smt":
            n, why = parse_percent(v, (line, c.index) in percent)
            if why:
                _bad(row, c.index, text, f"{label(f)} : {why}")
            elif n < 0 or n > 100:
                _bad(row, c.index, text, f"part de patients sans médecin traitant {text} hors de 0 à 100 % : "
                                         "impossible, non importée", "impossible")
            else:
                keep(f, n, v, c)
        elif f == "smt_scope":
            keep(f, text, v, c)
        elif f in MISSION_FIELDS:
            yes, why = parse_yes_no(v)
            if why:
                _bad(row, c.index, text, f"{label(f)} : {why}")
            else:
                row.missions.append((MISSION_FIELDS[f], yes, Read(yes, c.index, cell_citation(sheet, line, c.index, v),
                                                                  text, c.header)))
                row.statuses[c.index] = ("utilisee", "")
        elif f == "missions":
            found, unknown = [], []
            for item in split_list(text):
                m = mission_of(item)
                (found if m else unknown).append(m or item)
            if not found:
                _bad(row, c.index, text, f"aucune mission reconnue dans « {text[:60]} »")
                continue
            r = Read(found, c.index, cell_citation(sheet, line, c.index, v), text, c.header)
            for m in dict.fromkeys(found):
                row.missions.append((m, True, r))
            row.statuses[c.index] = ("utilisee", "en partie : « " + "», «".join(unknown)[:80] + " » non reconnue(s)"
                                     if unknown else "")
            if unknown:
                row.problems.append((c.index, text, "mission(s) non reconnue(s) : " + ", ".join(unknown)[:80],
                                     "mission_inconnue"))
        elif f in ("site_web", "courriel"):
            parsed, why = (parse_url if f == "site_web" else parse_email)(v)
            if why:
                _bad(row, c.index, text, why)
            else:
                keep(f, parsed, v, c)
        elif f == "notes":
            keep(f, text, v, c)
    for f, main in DEPENDENT.items():
        if f in row.values and main not in row.values:
            r = row.values.pop(f)
            row.statuses[r.column] = ("ignoree", f"{label(f)} sans {label(main)} lisible sur la ligne : ignorée")
    return row
