"""Resolution of one row (commune name and/or INSEE code, optional département) with geo.matching,
and the problems that a row's status implies.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from ..matching import Matcher, Resolution
from .results import IGNORE, ImportProblem, RowResult
from .values import _dep_of


def _cand(c) -> dict:
    return {"code": c.code, "nom": c.nom, "departement": c.departement}


class _Resolver:
    def __init__(self, matcher: Matcher):
        self.matcher = matcher
        self.cache: dict[tuple[str, frozenset | None], Resolution] = {}

    def __call__(self, value: str, deps: Iterable[str] | None) -> Resolution:
        key = (value, frozenset(deps) if deps else None)
        r = self.cache.get(key)
        if r is None:
            r = self.cache[key] = self.matcher.resolve(value, departements=key[1])
        return r


def _set_resolved(row: RowResult, r: Resolution) -> None:
    row.code, row.nom, row.method = r.code, r.nom, r.method
    row.message = r.message
    row.suggestions = [_cand(c) for c in r.candidates]
    if r.method == "fuzzy":
        row.status = "corrigee"
    elif r.method in ("ancien_nom", "ancien_code"):
        row.status = "ancien_nom"
    else:
        row.status = "resolue"


def _set_failed(row: RowResult, r: Resolution, message: str | None = None) -> None:
    row.code = row.nom = None
    row.method = r.method
    row.status = "ambigue" if r.method == "ambigu" else "non_resolue"
    row.message = message or r.message
    row.suggestions = [_cand(c) for c in r.candidates]


def _apply_fix(row: RowResult, choice: str, names: Mapping[str, str]) -> None:
    if choice == IGNORE:
        row.status = "ignoree"
        row.message = "Ligne ignorée à la demande de l'utilisateur."
        return
    if choice in names:
        row.code, row.nom, row.method = choice, names[choice], "choix"
        row.status = "choisie"
        row.message = f"« {row.commune or row.code_saisi} » : {names[choice]} ({choice}), choisie à la main."
    else:
        row.status = "non_resolue"
        row.message = f"Code choisi « {choice} » inconnu du référentiel."


def _resolve_row(row: RowResult, commune: str, code: str, dep: str | None, resolve: _Resolver, matcher: Matcher) -> None:
    deps = [dep] if dep else None
    rc = resolve(code, None) if code else None
    rn = resolve(commune, deps) if commune else None
    if rc is not None and rc.ok:
        if rn is None or (rn.ok and rn.code == rc.code):
            _set_resolved(row, rn if (rn is not None and rn.method in ("ancien_nom", "fuzzy")) else rc)
            if rn is not None and rn.ok and rn.method == "fuzzy":
                # the code confirms the correction: nothing to report
                row.status, row.method = "resolue", "code_insee"
                row.message = f"{rc.message} (nom écrit « {commune} »)"
        elif rn.ok:
            row.status = "conflit"
            row.code = row.nom = None
            row.message = (f"Le code INSEE {code} désigne {rc.nom} ({rc.code}) mais le nom « {commune} » désigne "
                           f"{rn.nom} ({rn.code}) : choisissez.")
            row.suggestions = [{"code": rc.code, "nom": rc.nom, "departement": rc.departement},
                               {"code": rn.code, "nom": rn.nom, "departement": rn.departement}]
        elif rn.method == "ambigu" and rc.code not in {c.code for c in rn.candidates}:
            # « Saint-Armel » + 35230: the name is known (two homonyms), the code is another commune
            # (35230 = INSEE code of Poilley, postal code of Saint-Armel): the user decides.
            row.status = "conflit"
            row.code = row.nom = None
            row.message = (f"Le code INSEE {code} désigne {rc.nom} ({rc.code}), qui ne porte pas le nom « {commune} » "
                           f"({rn.message}) : code postal saisi à la place du code INSEE ? Choisissez.")
            row.suggestions = [_cand(c) for c in rn.candidates] + [
                {"code": rc.code, "nom": rc.nom, "departement": rc.departement}]
        else:
            _set_resolved(row, rc)
            if rc.code not in {c.code for c in rn.candidates}:
                row.status = "corrigee"
                row.method = "code_retenu"
                row.message = f"Nom « {commune} » non reconnu ({rn.message}) ; code INSEE retenu : {rc.nom} ({rc.code})."
        if dep and row.code and _dep_of(row.code) != dep and row.status != "conflit":
            row.message += f" Attention : département indiqué {dep}, la commune est dans le {_dep_of(row.code)}."
        return
    if rn is not None and rn.ok:
        _set_resolved(row, rn)
        if rc is not None:
            if row.status != "ancien_nom":
                row.status, row.method = "corrigee", "nom_retenu"
            row.message = f"{rn.message} Code « {code} » écarté : {rc.message}"
        return
    if rn is not None and rc is not None:
        # a postal code and an ambiguous name may settle each other
        both = {c.code for c in rn.candidates} & {c.code for c in rc.candidates}
        if len(both) == 1:
            c = both.pop()
            r = matcher.resolve(c)
            _set_resolved(row, r)
            row.status = "corrigee"
            row.method = "nom_et_code_postal"
            row.message = f"« {commune} » avec le code postal {code} : {r.nom} ({c})."
            return
        _set_failed(row, rn, f"{rn.message} Code « {code} » : {rc.message}")
        row.suggestions = [_cand(x) for x in rn.candidates] or [_cand(x) for x in rc.candidates]
        return
    _set_failed(row, rn or rc)


_CORRECTIONS = {  # method -> (problem kind, French label) for rows used after a correction
    "fuzzy": ("nom_corrige", "Nom corrigé"),
    "homonyme_cpts": ("homonyme_regle", "Homonyme réglé"),
    "nom_et_code_postal": ("homonyme_regle", "Homonyme réglé par le code postal"),
    "code_retenu": ("nom_non_reconnu", "Nom non reconnu, code INSEE retenu"),
    "nom_retenu": ("code_ecarte", "Code INSEE écarté"),
}


_KIND_OF = {"non_resolue": "nom_inconnu", "ambigue": "homonyme", "conflit": "conflit_nom_code",
            "hors_territoire": "hors_territoire"}


def _row_problem(row: RowResult, problems: list[ImportProblem]) -> None:
    value = row.commune or row.code_saisi
    if row.status in ("non_resolue", "ambigue", "conflit", "hors_territoire"):
        label = {"non_resolue": "Commune inconnue", "ambigue": "Homonyme à préciser",
                 "conflit": "Nom et code en conflit", "hors_territoire": "Commune hors du territoire chargé"}[row.status]
        problems.append(ImportProblem(row.line, value, f"{label} : {row.message}", row.suggestions,
                                      kind=_KIND_OF[row.status], blocking=True))
    elif row.status == "ancien_nom":
        problems.append(ImportProblem(row.line, value, f"Ancien nom (commune fusionnée) : {row.message}",
                                      kind="ancien_nom"))
    elif row.status == "corrigee":
        kind, label = _CORRECTIONS.get(row.method, ("nom_corrige", "Nom corrigé"))
        alts = [s for s in row.suggestions if s.get("code") != row.code]
        problems.append(ImportProblem(row.line, value, f"{label} : {row.message}", alts, kind=kind))
    elif row.status == "ignoree":
        problems.append(ImportProblem(row.line, value, row.message, kind="ignoree"))


def national_index():
    """The national index of every French commune (geo/referential/national.py, shipped with the
    referential), or None when this data directory has none: then unknown codes stay « inconnus »."""
    global _NATIONAL
    if _NATIONAL is None:
        try:
            from ..referential.national import NationalIndex  # noqa: PLC0415 - read on first use only
        except ImportError:
            _NATIONAL = False
        else:
            try:
                index = NationalIndex()
                _NATIONAL = index if index else False
            except Exception:  # noqa: BLE001 - an unreadable index (being rebuilt?) must not stop an import
                _NATIONAL = False
    return _NATIONAL or None


_NATIONAL = None


def explain_outside(rows: list[RowResult], national, in_scope: set[str], scope: str) -> None:
    """Unresolved rows naming a real commune outside the loaded territory say so (issue 11.8: Paris
    75056 was « ni un code INSEE ni un code postal connu »). Still blocking: the referential has no
    geometry for it; the user removes the row or loads that territory."""
    for row in rows:
        if row.status != "non_resolue":
            continue
        why = next((w for w in (national.outside(x, in_scope, scope) for x in (row.code_saisi, row.commune) if x)
                    if w), None)
        if why:
            row.status = "hors_territoire"
            row.message = f"{why} Retirez la ligne, ou chargez le référentiel de ce territoire."
            row.suggestions = []
