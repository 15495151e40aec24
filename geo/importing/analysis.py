"""analyze(): read a listing and resolve it against the referential and the registry, without
writing anything (geo/registry/store.py publishes).
"""
from __future__ import annotations

import functools
import re
from collections import defaultdict
from typing import Any, Mapping

import pandas as pd
import shapely

from ..matching import Matcher, normalize_name
from . import limits as _limits
from .checks import _attach_polygons, _overlaps, _representative_points, _similar_cpts
from .errors import ImportFileError
from .limits import ImportLimits, too_many
from .readers import read_table
from .rows import bad_id, bad_name, footer_reason, says_unknown_perimeter
from .resolve import explain_outside, national_index, _apply_fix, _cand, _resolve_row, _Resolver, _row_problem, _set_resolved
from .results import BLOCKING_STATUSES, ImportedTerritory, ImportProblem, ImportResult, NEW_CPTS, RowResult
from .table import Table
from .values import clean_cell, cpts_key, _dep_of, _dep_parser, _is_empty, parse_date, slugify, status_step


def registry_codes(registry, communes: pd.DataFrame, matcher: Matcher) -> dict[str, list[str]]:
    """Current INSEE codes of every CPTS of the registry (what the map shows today)."""
    from ..territories import build_territories  # noqa: PLC0415 - avoids a cycle at import time
    # codes only: the attribute table, so that no territory is dissolved nor any geometry column
    # reindexed (a national registry of 800 CPTS over 35 000 communes spent most of its time there)
    table = pd.DataFrame(communes.drop(columns="geometry")) if "geometry" in communes.columns else communes
    return {t.id: list(t.codes) for t in build_territories(registry, table, matcher)}


def analyze(
    data: bytes,
    filename: str,
    communes: pd.DataFrame,
    matcher: Matcher,
    registry=None,
    current_codes: Mapping[str, list[str]] | None = None,
    fixes: Mapping[int, str] | None = None,
    cpts_fixes: Mapping[str, str] | None = None,
    table: Table | None = None,
    limits: ImportLimits | None = None,
) -> ImportResult:
    """Read and resolve a listing. Never writes anything.

    ``registry``/``current_codes``: the registry to compare with (``registry_codes``); without it
    every CPTS is new. ``fixes``: {line: INSEE code or IGNORE} chosen by the user;
    ``cpts_fixes``: {CPTS name as written: registry id or NEW_CPTS}.
    Raises ImportFileError when the file is unusable."""
    limits = limits or _limits.LIMITS
    table = table or read_table(data, filename, limits)
    _check_cpts_count(table, limits)
    fixes = dict(fixes or {})
    cpts_fixes = dict(cpts_fixes or {})
    current_codes = dict(current_codes or {})
    resolve = _Resolver(matcher)
    norm = functools.lru_cache(maxsize=None)(normalize_name)
    parse_dep, known_deps = _dep_parser(communes)
    names = dict(zip(communes["code"], communes["nom"]))
    problems: list[ImportProblem] = []
    rows: list[RowResult] = []

    index = {f: c.index for f, c in table.columns.items()}

    def col(cells: list[object], f: str) -> str:
        i = index.get(f)
        return clean_cell(cells[i]) if i is not None and i < len(cells) else ""

    for line, cells in table.pre_header:
        text = " | ".join(clean_cell(c) for c in cells if clean_cell(c))
        rows.append(RowResult(line, "", "", "", "", "avant_entete", message="Ligne avant l'en-tête, ignorée."))
        problems.append(ImportProblem(line, text, f"Ligne avant l'en-tête (ligne {table.header_line}), ignorée.",
                                      kind="avant_entete"))
    for title, message, blocking in table.sheets:
        problems.append(ImportProblem(0, title, message, kind="feuille_ignoree" if blocking else "feuille_non_lue",
                                      blocking=blocking))
    for line, why in sorted(table.repaired.items()):
        problems.append(ImportProblem(line, "", f"Encodage : {why}. Vérifiez les accents de cette ligne.",
                                      kind="encodage_repare"))

    # ---- CPTS of the registry, by key
    reg_by_key: dict[str, list] = defaultdict(list)
    reg_by_id: dict[str, Any] = {}
    if registry is not None:
        for c in registry.cpts:
            reg_by_key[cpts_key(c.nom)].append(c)
            reg_by_id[c.id] = c

    # ---- pass 1: read rows, resolve with the row's own département
    raw_rows: list[tuple[RowResult, dict]] = []
    geo = table.format == "geojson"
    reps = None
    if geo:
        reps = _representative_points(communes)
    last_cpts = ""
    for line, cells in table.rows:
        cpts_name = col(cells, "cpts")
        cpts_id = col(cells, "cpts_id")
        if cpts_name or cpts_id:
            last_cpts = cpts_name or cpts_id
        commune = col(cells, "commune")
        code = col(cells, "insee").lstrip("'")
        dep_txt = col(cells, "departement")
        row = RowResult(line, cpts_name or cpts_id, commune, code, dep_txt, "resolue")
        if line in table.broken:
            row.status, row.message = "illisible", table.broken[line]
            problems.append(ImportProblem(line, cpts_name or commune, row.message, kind="guillemet", blocking=True))
            rows.append(row)
            continue
        extra = {"cpts_id": cpts_id, "statut": col(cells, "statut"), "date": cells[table.columns["date_signature"].index]
                 if "date_signature" in table.columns and table.columns["date_signature"].index < len(cells) else None}
        if geo and not cpts_name and not cpts_id:
            row.status = "sans_cpts"
            row.message = "Entité sans nom de CPTS : son polygone ne peut être attribué."
            problems.append(ImportProblem(line, "", row.message, kind="cpts_manquante", blocking=True))
            rows.append(row)
            continue
        if _is_empty(cells):
            row.status = "vide"
            row.message = "Ligne vide."
            problems.append(ImportProblem(line, "", "Ligne vide, ignorée.", kind="ligne_vide"))
            rows.append(row)
            continue
        if not code and not geo:
            footer = footer_reason([clean_cell(c) for c in cells])
            if footer:
                row.status = "pied"
                row.message = f"Ligne ignorée : {footer}, pas une CPTS."
                problems.append(ImportProblem(line, " | ".join(t for t in (clean_cell(c) for c in cells) if t)[:80],
                                              row.message, kind="pied_de_tableau"))
                rows.append(row)
                continue
        bad = (bad_name(cpts_name) if cpts_name else None) or (bad_id(cpts_id) if cpts_id else None)
        if bad:
            row.status = "sans_cpts"
            row.message = bad
            problems.append(ImportProblem(line, cpts_name or cpts_id, bad, kind="nom_cpts_invalide", blocking=True))
            rows.append(row)
            continue
        if not cpts_name and not cpts_id:
            row.status = "sans_cpts"
            hint = (f" (la ligne précédente porte « {last_cpts} » : cellule fusionnée ou nom à recopier ?)"
                    if last_cpts else "")
            row.message = "Nom de CPTS vide" + hint + "."
            problems.append(ImportProblem(line, commune or code, row.message, kind="cpts_manquante", blocking=True))
            rows.append(row)
            continue
        dep = parse_dep(dep_txt) if dep_txt else None
        if dep_txt and (dep is None or dep not in known_deps):
            problems.append(ImportProblem(line, dep_txt, f"Département « {dep_txt} » non reconnu : ignoré pour cette ligne.",
                                          kind="departement_inconnu"))
            dep = None
        extra["dep"] = dep
        if geo:
            feat = table.features[line - 1]
            g = feat["geometry"]
            if g is None or g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
                why = feat["error"] or ("pas de géométrie" if g is None or g.is_empty else f"géométrie {g.geom_type}, pas un polygone")
                row.status = "sans_geometrie"
                row.message = f"Entité sans polygone exploitable ({why}) : la CPTS est listée sans périmètre."
                problems.append(ImportProblem(line, row.cpts, row.message, kind="sans_polygone"))
                extra["polygon"] = None
            else:
                if not g.is_valid:
                    g = shapely.make_valid(g)
                extra["polygon"] = g
            raw_rows.append((row, extra))
            continue
        if not code and (says_unknown_perimeter(commune, "") or
                         (not commune and says_unknown_perimeter("", col(cells, "perimetre_inconnu")))):
            row.status = "cpts_seule"
            row.message = "CPTS déclarée sans périmètre connu."
            raw_rows.append((row, extra))
            continue
        if not commune and not code:
            row.status = "sans_commune"
            row.message = (f"Ligne de la CPTS « {row.cpts} » sans commune ni code INSEE : ignorée. Pour déclarer une "
                           "CPTS dont le périmètre n'est pas connu, écrivez « périmètre non connu » à la place de "
                           "la commune.")
            problems.append(ImportProblem(line, row.cpts, row.message, kind="sans_commune"))
            raw_rows.append((row, extra))
            continue
        if line in fixes:
            _apply_fix(row, fixes[line], names)
            raw_rows.append((row, extra))
            continue
        _resolve_row(row, commune, code, dep, resolve, matcher)
        raw_rows.append((row, extra))

    # ---- group rows by CPTS
    groups: dict[str, list[tuple[RowResult, dict]]] = {}
    spelled: dict[str, str] = {}
    group_id: dict[str, str | None] = {}
    for row, extra in raw_rows:
        cid = extra["cpts_id"]
        written = row.cpts
        fixed = cpts_fixes.get(cpts_key(written)) if written else None
        if fixed and fixed != NEW_CPTS and fixed in reg_by_id:
            key, rid = f"id:{fixed}", fixed
        elif cid and cid in reg_by_id and not fixed:
            key, rid = f"id:{cid}", cid
            if written and written != cid and cpts_key(written) != cpts_key(reg_by_id[cid].nom):
                _id_name_mismatch(row, cid, reg_by_id[cid].nom, problems)
        else:
            k = cpts_key(written) if (written and written != cid) else (cid or "")
            hits = reg_by_key.get(k, []) if fixed != NEW_CPTS else []
            if len(hits) == 1:
                key, rid = f"id:{hits[0].id}", hits[0].id
            else:
                key, rid = f"new:{k or written}", None
        row.group = key
        groups.setdefault(key, []).append((row, extra))
        spelled.setdefault(key, written)
        group_id.setdefault(key, rid)
        if not extra.get("id_hint") and cid and rid is None:
            extra["id_hint"] = cid

    # ---- pass 2: settle homonyms / typos with the départements of the other communes of the CPTS
    for key, members in groups.items():
        deps = {r.code and _dep_of(r.code) for r, _ in members if r.used and r.code}
        deps.discard(None)
        if not deps:
            continue
        for row, extra in members:
            if row.status not in ("non_resolue", "ambigue") or extra.get("dep") or not row.commune:
                continue
            r = resolve(row.commune, deps)
            if r.ok:
                before = row.message
                _set_resolved(row, r)
                if row.status == "resolue":
                    row.status, row.method = "corrigee", "homonyme_cpts"
                row.message = (f"{r.message} (départements {', '.join(sorted(deps))} déduits des autres communes "
                               f"de la CPTS ; sans eux : {before})")
            elif r.candidates:
                row.suggestions = [_cand(c) for c in r.candidates]

    # ---- real communes outside the loaded territory (national index, when the data has it)
    if any(r.status == "non_resolue" for r, _ in raw_rows) and (national := national_index()) is not None:
        explain_outside([r for r, _ in raw_rows], national, set(communes["code"]),
                        national.scope_label(set(communes["departement"])))

    # ---- problems for each row
    for key, members in groups.items():
        for row, extra in members:
            _row_problem(row, problems)

    # ---- territories
    territories: list[ImportedTerritory] = []
    taken_ids = set(reg_by_id)
    for key, members in groups.items():
        rid = group_id[key]
        written = spelled[key]
        t = ImportedTerritory(key=key, nom=written, id=rid or "", nouvelle=rid is None)
        if rid is not None:
            t.current = list(current_codes.get(rid, []))
            t.registry_nom = reg_by_id[rid].nom
        else:
            hint = next((e["id_hint"] for _, e in members if e.get("id_hint")), "")
            base = hint if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", hint or "") else (slugify(written) or "cpts-importee")
            new_id, n = base, 2
            while new_id in taken_ids:
                new_id, n = f"{base}-{n}", n + 1
            taken_ids.add(new_id)
            t.id = new_id
        seen_codes: dict[str, RowResult] = {}
        polys = []
        for row, extra in members:
            t.lines.append(row.line)
            if extra.get("statut") and not t.statut:
                t.statut = extra["statut"]
            if extra.get("date") not in (None, "") and t.date_signature is None:
                d = parse_date(extra["date"])
                if d is None:
                    problems.append(ImportProblem(row.line, clean_cell(extra["date"]),
                                                  f"Date de signature « {clean_cell(extra['date'])} » illisible (attendu JJ/MM/AAAA) : ignorée.",
                                                  kind="date_illisible"))
                t.date_signature = d
            if geo and extra.get("polygon") is not None:
                polys.append((row, extra["polygon"]))
                continue
            if not row.used or not row.code:
                continue
            if row.code in seen_codes:
                first_row = seen_codes[row.code]
                first = first_row.line
                same_name = norm(first_row.commune) == norm(row.commune)
                why = ("" if same_name or not row.commune or not first_row.commune else
                       f" (« {first_row.commune} » et « {row.commune} » désignent aujourd'hui la même commune)")
                row.status = "doublon"
                row.message = f"Doublon : {names.get(row.code, row.code)} ({row.code}) déjà listée ligne {first} pour cette CPTS{why}."
                problems.append(ImportProblem(row.line, row.commune or row.code_saisi, row.message, kind="doublon"))
                continue
            seen_codes[row.code] = row
            t.communes.append(row.commune or names.get(row.code, row.code))
            t.codes.append(row.code)
        if geo and polys:
            _attach_polygons(t, polys, reps, names, problems)
        t.etape = status_step(t.statut)
        t.declared = any(r.status in ("cpts_seule", "sans_geometrie") for r, _ in members)
        t.blocking = sum(1 for r, _ in members if r.status in BLOCKING_STATUSES)
        territories.append(t)

    _similar_cpts(territories, groups, registry, cpts_fixes, problems, rows_by_line={r.line: r for r, _ in raw_rows})
    _overlaps(territories, groups, current_codes, reg_by_id, names, problems, geo)

    for row, _ in raw_rows:
        rows.append(row)
    rows.sort(key=lambda r: r.line)
    territories.sort(key=lambda t: t.lines[0] if t.lines else 0)
    return ImportResult(
        fichier=filename, format=table.format, columns=table.columns, rows=rows, territories=territories,
        problems=problems, encoding=table.encoding, delimiter=table.delimiter, sheet=table.sheet,
        header_line=table.header_line, ignored_headers=_ignored(table), notes=list(table.notes),
        trailing_empty=table.trailing_empty,
    )


def _id_name_mismatch(row: RowResult, cid: str, registry_name: str, problems: list[ImportProblem]) -> None:
    """A row whose identifier is a CPTS of the registry but whose name is another one: which is right?"""
    row.status = "cpts_a_preciser"
    row.message = (f"L'identifiant « {cid} » désigne « {registry_name} » dans le registre, mais la ligne porte le nom "
                   f"« {row.cpts} » : corrigez l'identifiant ou le nom.")
    problems.append(ImportProblem(row.line, row.cpts, row.message, kind="id_nom_different", blocking=True))


def _check_cpts_count(table: Table, limits: ImportLimits) -> None:
    """Refuse a file naming more distinct CPTS than the limit (before any resolution)."""
    idx = [c.index for f, c in table.columns.items() if f in ("cpts", "cpts_id")]
    seen: set[str] = set()
    for _, cells in table.rows:
        for i in idx:
            if i < len(cells):
                v = clean_cell(cells[i])
                if v:
                    seen.add(v)
                    break
        if len(seen) > limits.max_cpts:
            raise ImportFileError(too_many("CPTS différentes", limits.max_cpts))


def _ignored(table: Table) -> list[str]:
    used = {c.index for c in table.columns.values()}
    return [h for i, h in enumerate(table.headers) if i not in used and h]
