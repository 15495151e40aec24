"""Header detection of an ARS tracking table (« tableau de suivi des CPTS »): which column holds the
population, the date of the ACI, the share without médecin traitant, each mission…

Headers are compared as the perimeter import does (geo/importing/columns.py: case, accents,
punctuation and articles folded): exact synonyms first, then keyword rules on the folded text
(« Population déclarée (date) » is the date of the population). A header under a merged group
cell (« Sans médecin traitant » over « Part », « Date », « Périmètre ») is read with its group:
« Sans médecin traitant Date ». Hand-written: the vocabulary of the regional tracking tables.

A sheet is a *facts table* when it names the CPTS and has at least two columns of facts specific
to it (population, dates of steps, funding, missions…) and no commune column: that is how the
import tells a tracking table from a commune list (:func:`is_facts_header`).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry.models import MISSIONS
from .columns import FIELDS as PERIMETER_FIELDS, detect_columns, header_key
from .values import _fold

__all__ = ["FACT_FIELDS", "FACT_LABELS", "SPECIFIC", "MISSION_FIELDS", "FactColumn", "detect_fact_columns",
           "fact_field", "is_facts_header", "mission_of"]

MISSION_FIELDS = {f"mission_{m.key}": m.key for m in MISSIONS}

#: field -> French label (shown in the column report and the preview).
FACT_LABELS: dict[str, str] = {
    "cpts_id": "identifiant de la CPTS", "cpts": "nom de la CPTS", "departements": "département(s)",
    "etape": "étape du cycle de vie", "date_lettre_intention": "date de la lettre d'intention",
    "date_pre_projet": "date du pré-projet", "date_projet_sante": "date de validation du projet de santé",
    "date_aci": "date de signature de l'ACI", "date_avenant": "date d'avenant",
    "population": "population déclarée", "population_date": "date de la population",
    "communes_nb": "nombre de communes déclaré", "financement": "financement annuel de l'ACI",
    "financement_annee": "année du financement", "taille_aci": "taille ACI",
    "smt": "part des patients sans médecin traitant", "smt_date": "date (sans médecin traitant)",
    "smt_scope": "champ (sans médecin traitant)", "professionnels": "nombre de professionnels ou d'adhérents",
    "missions": "missions engagées (liste)", "site_web": "site web", "courriel": "adresse électronique",
    "notes": "notes",
    **{f: f"mission « {m.label} »" for f, k in MISSION_FIELDS.items() for m in MISSIONS if m.key == k},
}

#: Exact synonyms (folded with header_key), by field.
FACT_FIELDS: dict[str, tuple[str, ...]] = {
    "cpts_id": PERIMETER_FIELDS["cpts_id"][1],
    "cpts": PERIMETER_FIELDS["cpts"][1] + ("nom", "dénomination", "projet"),
    "departements": PERIMETER_FIELDS["departement"][1] + ("départements", "département(s)", "dép.", "deps"),
    "etape": ("étape", "statut", "état d'avancement", "stade", "avancement", "étape actuelle", "état", "phase"),
    "notes": ("notes", "note", "commentaires", "commentaire", "observations", "observation", "remarques", "remarque"),
}

#: Fields that only a tracking table has (two of them make a sheet a facts table).
SPECIFIC = frozenset(FACT_LABELS) - {"cpts_id", "cpts", "departements", "etape", "notes"}


def mission_of(text: str) -> str | None:
    """The mission named by a header or a list item (« Accès aux soins », « prévention »…)."""
    t = f" {_fold(text)} "
    rules = (("acces_aux_soins", (" acces ", "soins non programmes", " medecin traitant")),
             ("parcours_pluriprofessionnels", (" parcours",)),
             ("prevention", (" prevention",)),
             ("crises_sanitaires", (" crise",)),
             ("qualite_pertinence", (" qualite", " pertinence")),
             ("accompagnement_professionnels", (" accompagnement", " attractivite")))
    for key, words in rules:
        if any(w in t for w in words):
            return key
    return None


def _has(t: str, *words: str) -> bool:
    return any(f" {w}" in t for w in words)


def fact_field(text: str) -> tuple[str, str] | None:
    """(field, rule in French) for one header, or None. Order matters: the most specific rules first."""
    key = header_key(text)
    if not key:
        return None
    for f, syns in FACT_FIELDS.items():
        if key in {header_key(s) for s in syns}:
            return f, f"synonyme « {text} »"
    t = f" {_fold(text)} "
    if _has(t, "commentaire", "observation", "remarque", "notes "):
        return "notes", "contient « commentaire » ou « notes »"
    if _has(t, "courriel", "mail", "e mail", "email", "adresse electronique", "mel "):
        return "courriel", "contient « courriel » ou « mail »"
    if _has(t, "site", "url", "internet", "web "):
        return "site_web", "contient « site » ou « url »"
    if _has(t, "sans medecin traitant", "sans mt", "smt ", "sans mt"):
        if _has(t, "date", "au ", "annee", "millesime"):
            return "smt_date", "« sans médecin traitant » et « date »"
        if _has(t, "perimetre", "champ", "population", "portee", "patients concernes", "perim"):
            return "smt_scope", "« sans médecin traitant » et « champ »"
        return "smt", "contient « sans médecin traitant »"
    if _has(t, "financement", "montant", "dotation", "remuneration", "subvention"):
        if _has(t, "annee", "exercice", "date", "millesime"):
            return "financement_annee", "« financement » et « année »"
        return "financement", "contient « financement » ou « montant »"
    if _has(t, "taille"):
        return "taille_aci", "contient « taille »"
    if _has(t, "population", "habitants", "nb hab", "nombre hab"):
        if _has(t, "date", "au ", "millesime", "annee"):
            return "population_date", "« population » et « date »"
        return "population", "contient « population » ou « habitants »"
    if _has(t, "commune") and _has(t, "nombre", "nb", "declare", "total"):
        return "communes_nb", "« nombre » et « communes »"
    m = mission_of(text)
    if m is not None and (_has(t, "mission", "accompagnement")) and not _has(t, "missions engagees", "liste"):
        return f"mission_{m}", f"mission « {text} »"
    if _has(t, "professionnel", "adherent", "membre", "effectif"):
        return "professionnels", "contient « professionnels » ou « adhérents »"
    if _has(t, "lettre") and _has(t, "intention"):
        return "date_lettre_intention", "contient « lettre d'intention »"
    if _has(t, "pre projet", "preprojet", "avant projet"):
        return "date_pre_projet", "contient « pré-projet »"
    if _has(t, "projet de sante", "projet sante", "ps valide"):
        return "date_projet_sante", "contient « projet de santé »"
    if _has(t, "avenant"):
        return "date_avenant", "contient « avenant »"
    if (_has(t, "aci") and _has(t, "sign", "date")) or _has(t, "signature", "contrat"):
        return "date_aci", "« ACI » et « signature »"
    if m is not None and not _has(t, "missions engagees", "liste"):
        return f"mission_{m}", f"mission « {text} »"
    if _has(t, "missions") or (_has(t, "mission") and _has(t, "engag", "socle", "complementaire")):
        return "missions", "contient « missions »"
    if _has(t, "etape", "statut", "avancement", "stade", "etat", "phase"):
        return "etape", "contient « étape » ou « statut »"
    if _has(t, "departement", "dep ", "dpt", "dept"):
        return "departements", "contient « département »"
    if _has(t, "cpts", "nom ", "territoire"):
        if _has(t, "id ", "identifiant", "code"):
            return "cpts_id", "« CPTS » et « identifiant »"
        return "cpts", "contient « CPTS »"
    return None


@dataclass(frozen=True)
class FactColumn:
    field: str
    index: int
    header: str      # as read (with its merged group: « Sans médecin traitant Date »)
    rule: str


def detect_fact_columns(headers: list[str]) -> tuple[dict[str, FactColumn], list[tuple[int, str]]]:
    """field -> FactColumn, and the (index, header) of non-empty headers not used (a second column of a
    field already taken, or an unknown header)."""
    chosen: dict[str, FactColumn] = {}
    unused: list[tuple[int, str]] = []
    for i, h in enumerate(headers):
        if not h:
            continue
        hit = fact_field(h)
        if hit is None or hit[0] in chosen:
            unused.append((i, h))
            continue
        chosen[hit[0]] = FactColumn(hit[0], i, h, hit[1])
    return chosen, unused


def is_facts_header(headers: list[str]) -> bool:
    """A facts table: the CPTS, two specific fact columns, and no commune or INSEE column."""
    chosen, _ = detect_fact_columns(headers)
    if "cpts" not in chosen and "cpts_id" not in chosen:
        return False
    if len(SPECIFIC.intersection(chosen)) < 2:
        return False
    claimed = {c.index for c in chosen.values()}
    perimeter, _ = detect_columns(headers)
    return not any(c.index not in claimed for f, c in perimeter.items() if f in ("commune", "insee"))
