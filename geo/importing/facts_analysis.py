"""analyze_facts(): read a tracking table (and its commune sheet), identify each CPTS against the
registry and say, per CPTS, which facts it would set — without writing anything
(geo/registry/facts_publish.py publishes).

Every non-empty cell ends up in ``FactsResult.cells`` (used, identical, reported, ignored, header,
title), every problem in ``FactsResult.problems`` with its sheet, line and column. Blocking: a CPTS
that cannot be identified (no name, a name close to another CPTS: a typo would create a second
one, an identifier naming another CPTS, a CPTS listed twice) and whatever the perimeter import
finds blocking in the commune sheet. Impossible or unreadable values are reported and not kept.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Mapping

import pandas as pd
import yaml

from ..matching import Matcher
from ..registry.table_text import cell_display
from . import limits as _limits
from .analysis import analyze
from .facts_document import document_meta
from .facts_ledger import Ledger
from .facts_merge import merge_row
from .facts_reader import read_workbook
from .facts_results import FactsCpts, FactsProblem, FactsResult
from .facts_rows import read_row
from .limits import ImportLimits
from .results import NEW_CPTS
from .rows import bad_id, bad_name, footer_reason
from .values import _dep_parser, _fold, clean_cell, cpts_key, slugify

__all__ = ["analyze_facts", "analyze_upload"]

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CLOSE = 0.88


def _similar(name: str, registry) -> list[dict]:
    from rapidfuzz import process  # noqa: PLC0415
    from ..matching import similarity  # noqa: PLC0415
    if registry is None or not cpts_key(name):
        return []
    keys = {cpts_key(c.nom): c for c in registry.cpts}
    hits = process.extract(cpts_key(name), list(keys), limit=5, processor=None)
    close = sorted(((similarity(cpts_key(name), k), keys[k]) for k, _, _ in hits if k), key=lambda x: -x[0])
    return [{"id": c.id, "nom": c.nom} for s, c in close if s >= _CLOSE]


def analyze_facts(data: bytes, filename: str, communes: pd.DataFrame, matcher: Matcher, registry=None,
                  current_codes: Mapping[str, list[str]] | None = None, fixes: Mapping[int, str] | None = None,
                  cpts_fixes: Mapping[str, str] | None = None, document: Mapping[str, str] | None = None,
                  today: str | None = None, limits: ImportLimits | None = None) -> FactsResult:
    """Read and compare a tracking table with the registry. Never writes anything; raises
    ImportFileError (French) when the file is unusable. ``document``: the source's titre, editeur,
    date chosen by the user (else read from the table's title row, or the import date)."""
    limits = limits or _limits.LIMITS
    today_d = dt.date.fromisoformat(today) if today else dt.date.today()
    cpts_fixes = dict(cpts_fixes or {})
    current_codes = dict(current_codes or {})
    book = read_workbook(data, filename, limits)
    sheet = book.facts
    perimeter = None
    if book.communes is not None:
        perimeter = analyze(data, filename, communes, matcher, registry, current_codes, fixes, cpts_fixes,
                            table=book.communes, limits=limits)
    doc = document_meta(book, filename, data, registry, dict(document or {}), today_d)
    sources = dict(registry.sources) if registry is not None else {}
    sources[doc["id"]] = _SourceView(doc["date"], "tableau de suivi")
    ledger = Ledger(sheet.title)
    problems: list[FactsProblem] = []
    ledger.header(sheet, doc.get("titre_ligne"))
    ledger.header_cells(book.sheets[sheet.title].records)
    for title, n in book.other_sheets:
        problems.append(FactsProblem(title, 0, None, title, f"Feuille « {title} » non lue ({n} ligne(s) non vide(s)) : "
                                     "ni tableau de suivi ni liste de communes.", "feuille_non_lue"))
        ledger.whole_sheet(title, book.sheets[title or None].records, f"feuille « {title} » non lue")
    if perimeter is not None:
        ledger.commune_sheet(book.communes, perimeter)

    parse_dep, known_deps = _dep_parser(communes)
    pops = dict(zip(communes["code"], communes["population"])) if "population" in communes.columns else {}
    reg_by_id = {c.id: c for c in registry.cpts} if registry is not None else {}
    reg_by_key: dict[str, list] = {}
    for c in reg_by_id.values():
        reg_by_key.setdefault(cpts_key(c.nom), []).append(c)
    per_by_key = {cpts_key(t.nom): t for t in (perimeter.territories if perimeter else [])}
    taken = set(reg_by_id) | {t.id for t in (perimeter.territories if perimeter else [])}
    seen: dict[str, int] = {}
    out: list[FactsCpts] = []
    icol = {f: c.index for f, c in sheet.columns.items()}

    for line, cells in sheet.rows:
        texts = [cell_display(v) for v in cells]
        if not any(texts):
            continue
        name = clean_cell(cells[icol["cpts"]]) if "cpts" in icol and icol["cpts"] < len(cells) else ""
        cid = clean_cell(cells[icol["cpts_id"]]) if "cpts_id" in icol and icol["cpts_id"] < len(cells) else ""
        first = next(t for t in texts if t)
        if _fold(first).startswith(("total", "sous total", "ensemble", "somme")) or footer_reason(texts):
            why = "ligne de total" if _fold(first).startswith(("total", "sous total", "ensemble", "somme")) else \
                footer_reason(texts)
            problems.append(FactsProblem(sheet.title, line, None, first, f"Ligne ignorée : {why}, pas une CPTS.",
                                         "ligne_total"))
            ledger.row(line, cells, {}, "ignoree", f"{why}, ignorée")
            continue
        bad = (bad_name(name) if name else None) or (bad_id(cid) if cid else None)
        if bad or not (name or cid):
            msg = bad or "Nom de CPTS vide : la ligne ne peut être rattachée à aucune CPTS."
            problems.append(FactsProblem(sheet.title, line, icol.get("cpts"), name or cid, msg, "cpts_manquante", True))
            ledger.row(line, cells, {}, "a_corriger", msg)
            continue
        row = read_row(line, cells, sheet.columns, sheet.title, sheet.percent, parse_dep, known_deps, today_d)
        for col, text, message, kind in row.problems:
            problems.append(FactsProblem(sheet.title, line, col, text, message[:1].upper() + message[1:] + ".", kind))
        written = name or cid
        key = cpts_key(written)
        fixed = cpts_fixes.get(key)
        existing = None
        if fixed and fixed != NEW_CPTS:
            existing = reg_by_id.get(fixed)
        elif cid in reg_by_id and not fixed:
            existing = reg_by_id[cid]
            if name and cpts_key(name) != cpts_key(existing.nom):
                msg = (f"L'identifiant « {cid} » désigne « {existing.nom} » dans le registre, mais la ligne porte le nom "
                       f"« {name} » : corrigez l'identifiant ou le nom.")
                problems.append(FactsProblem(sheet.title, line, icol.get("cpts_id"), cid, msg, "id_nom_different", True))
                ledger.row(line, cells, row.statuses, "a_corriger", msg, identity=icol)
                continue
        elif fixed != NEW_CPTS and len(reg_by_key.get(key, [])) == 1:
            existing = reg_by_key[key][0]
        ident = existing.id if existing is not None else f"new:{key}"
        if ident in seen:
            msg = f"CPTS « {written} » déjà listée ligne {seen[ident]} : une ligne par CPTS."
            problems.append(FactsProblem(sheet.title, line, icol.get("cpts"), written, msg, "doublon", True))
            ledger.row(line, cells, row.statuses, "a_corriger", msg, identity=icol)
            continue
        seen[ident] = line
        if existing is None and fixed != NEW_CPTS and (close := _similar(written, registry)):
            msg = (f"CPTS « {written} » absente du registre mais proche de « {close[0]['nom']} » : faute de frappe ? "
                   "Corrigez le nom, ou confirmez qu'il s'agit d'une nouvelle CPTS.")
            problems.append(FactsProblem(sheet.title, line, icol.get("cpts"), written, msg, "cpts_proche", True, close))
            fc = FactsCpts(ident, written, "", True, line, blocking=True)
            out.append(fc)
            ledger.row(line, cells, row.statuses, "a_corriger", msg, identity=icol)
            continue
        if existing is not None:
            fc = FactsCpts(ident, written, existing.id, False, line, registry_nom=existing.nom)
            old = yaml.load((Path(registry.root) / existing.file).read_text(encoding="utf-8"),
                            Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        else:
            t = per_by_key.get(key)
            new_id = t.id if t is not None and t.nouvelle else _free(cid if _SLUG.match(cid or "") else slugify(written)
                                                                      or "cpts-importee", taken)
            taken.add(new_id)
            fc = FactsCpts(ident, written, new_id, True, line)
            old = {}
        _population_check(fc, row, per_by_key.get(key), current_codes, pops, problems, sheet.title)
        merge_row(fc, old, row, doc["id"], sources, doc["libelle"])
        out.append(fc)
        ledger.row(line, cells, row.statuses, "utilisee", "", identity=icol)
    ledger.unused_columns(sheet, problems)
    notes = []
    if sheet.merged:
        notes.append(f"{sheet.merged} cellule(s) fusionnée(s) remplie(s) avec la valeur de leur première cellule.")
    if len(sheet.header_lines) > 1:
        notes.append(f"En-tête sur {len(sheet.header_lines)} lignes ({', '.join(map(str, sheet.header_lines))}) : "
                     "chaque colonne est lue avec le titre du groupe au-dessus.")
    return FactsResult(filename, book.format, sheet.title, sheet.header_lines, sheet.columns, out, problems,
                       ledger.cells, doc, perimeter, notes)


class _SourceView:
    """The table as a source, for date comparisons before it is in sources.yaml."""

    def __init__(self, date: str, type_: str):
        self.date, self.type = date, type_


def _free(base: str, taken: set[str]) -> str:
    cid, n = base, 2
    while cid in taken:
        cid, n = f"{base}-{n}", n + 1
    return cid


def _population_check(fc, row, territory, current_codes, pops, problems, sheet_title) -> None:
    """A declared population larger than twice its communes' population is impossible: reported, not kept."""
    r = row.values.get("population")
    if r is None or not pops:
        return
    codes = list(territory.codes) if territory is not None and territory.codes else list(current_codes.get(fc.id, []))
    total = sum(int(pops.get(c) or 0) for c in codes)
    if codes and total and r.value > 2 * total:
        msg = (f"Population déclarée {r.text} supérieure au double de celle de ses {len(codes)} communes "
               f"({total:,} hab.".replace(",", "\u202f") + ") : impossible, non importée.")
        problems.append(FactsProblem(sheet_title, row.line, r.column, r.text, msg, "impossible"))
        row.statuses[r.column] = ("signalee", msg)
        row.values.pop("population")
        row.values.pop("population_date", None)



def analyze_upload(data: bytes, filename: str, communes: pd.DataFrame, matcher: Matcher, registry=None,
                   current_codes: Mapping[str, list[str]] | None = None, fixes: Mapping[int, str] | None = None,
                   cpts_fixes: Mapping[str, str] | None = None, document: Mapping[str, str] | None = None,
                   limits: ImportLimits | None = None):
    """What the Importer page runs in its limited child process (geo/importing/sandbox.py): a tracking
    table gives a FactsResult, anything else the perimeter import's ImportResult — the detection itself
    reads the uploaded file, so it runs in the child too."""
    from .facts_reader import looks_like_facts  # noqa: PLC0415
    if looks_like_facts(data, filename):
        return analyze_facts(data, filename, communes, matcher, registry, current_codes, fixes, cpts_fixes,
                             document, limits=limits)
    return analyze(data, filename, communes, matcher, registry, current_codes, fixes, cpts_fixes, limits=limits)
