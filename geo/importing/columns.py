"""Header detection: which column holds the CPTS, the commune, the INSEE code… (:data:`FIELDS`).

Header cells are compared after folding case, accents, spaces and punctuation and dropping
« de, du, des, la, le, les, l', d' »; when no synonym matches, a few keyword rules apply, and
the result says which rule picked each column.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from .values import _fold, _s, _STOP


#: field -> (French label, synonyms). Compared with :func:`header_key` (case, accents, spaces,
#: punctuation and « de/du/des/la/le/les/l'/d' » ignored). Order = priority when two headers match.
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cpts_id": ("identifiant de la CPTS", (
        "identifiant cpts", "id cpts", "id_cpts", "identifiant", "code cpts", "cpts id",
    )),
    "cpts": ("nom de la CPTS", (
        "cpts", "nom cpts", "libellé cpts", "nom_cpts", "territoire", "nom de la cpts", "libelle cpts",
        "lib cpts", "lib_cpts", "intitulé cpts", "cpts ou projet", "cpts projet", "nom du territoire",
        "communauté professionnelle territoriale de santé", "territoire cpts", "nom territoire",
        "raison sociale", "nom structure",
    )),
    "commune": ("nom de la commune", (
        "commune", "nom commune", "libcom", "nom_com", "nom de la commune", "libellé commune",
        "libelle commune", "lib commune", "libgeo", "nom_commune", "communes", "ville", "localité",
        "commune nom", "nom com",
    )),
    "insee": ("code INSEE", (
        "code insee", "insee", "codgeo", "code commune", "com", "depcom", "code_insee", "insee_com",
        "code insee commune", "code commune insee", "cog", "code officiel géographique", "codecommune",
        "code_commune", "insee commune", "num insee", "code géographique",
    )),
    "departement": ("département", (
        "département", "departement", "dep", "dept", "code département", "code departement", "code dep",
        "num dep", "numéro département", "dpt", "département code", "code_dep", "nom département",
    )),
    "statut": ("statut", (
        "statut", "état", "etat", "état d'avancement", "stade", "avancement", "statut cpts", "étape",
        "situation", "statut juridique", "état cpts", "type", "catégorie", "nature",
    )),
    "date_signature": ("date de signature", (
        "date de signature", "date signature", "date aci", "date de signature aci", "date signature aci",
        "signature aci", "date_signature", "date de reconnaissance", "date signature contrat",
        "date de contractualisation", "date contrat", "signature",
    )),
    # a CPTS listed without commune on purpose (issue 11.3): « oui » / « x » in this column
    "perimetre_inconnu": ("périmètre non connu", (
        "périmètre non connu", "perimetre non connu", "périmètre inconnu", "sans périmètre", "périmètre",
        "perimetre", "périmètre à définir",
    )),
}


FIELD_LABELS = {k: v[0] for k, v in FIELDS.items()}


#: Extra names of the CPTS-name property in GeoJSON exports (whose field names vary).
GEOJSON_NAME_SYNONYMS = (
    "nom", "name", "libelle", "libellé", "lib", "intitulé", "intitule", "dénomination", "denomination",
    "nom_structure", "nom_cpts_projet", "nom_projet", "lib_structure", "label", "titre",
)


#: Export layout (geo/registry/export.py writes it, this module reads it back).
LAYOUT = ("Identifiant CPTS", "CPTS", "Commune", "Code INSEE", "Département", "Statut", "Date de signature")


def header_key(text: object) -> str:
    """« Nom de la CPTS » -> "nomcpts": no case, accents, spaces, punctuation, articles."""
    words = [w for w in _fold(_s(text)).split() if w not in _STOP]
    return "".join(words)


_SYN_KEYS: dict[str, list[str]] = {f: [header_key(x) for x in syns] for f, (_, syns) in FIELDS.items()}


def _keyword_field(key_words: list[str]) -> tuple[str, str] | None:
    """Fallback rules when no synonym matches: (field, rule in French)."""
    w = set(key_words)
    joined = "".join(key_words)
    if "insee" in joined or "codgeo" in joined:
        return "insee", "contient « insee »"
    if "cpts" in joined:
        if w & {"id", "identifiant", "code"}:
            return "cpts_id", "contient « cpts » et « id »"
        if not w & {"nb", "nombre", "date", "statut", "population", "siren", "siret", "finess"}:
            return "cpts", "contient « cpts »"
    if "commune" in joined or "communes" in w:
        if w & {"code", "num", "numero", "cog"}:
            return "insee", "contient « commune » et « code »"
        if not w & {"nb", "nombre", "population", "epci"}:
            return "commune", "contient « commune »"
    if w & {"departement", "dep", "dept"}:
        return "departement", "contient « département »"
    if "date" in w and w & {"signature", "aci", "contrat"}:
        return "date_signature", "contient « date » et « signature »"
    return None


@dataclass(frozen=True)
class ColumnChoice:
    field: str
    index: int
    header: str
    rule: str  # "synonyme « … »" or a keyword rule


def detect_columns(headers: list[str], extra_name_synonyms: Iterable[str] = ()) -> tuple[dict[str, ColumnChoice], list[str]]:
    """Map fields to header cells. Returns (field -> ColumnChoice, notes about ignored headers)."""
    keys = [header_key(h) for h in headers]
    extra = [header_key(x) for x in extra_name_synonyms]
    chosen: dict[str, ColumnChoice] = {}
    taken: set[int] = set()
    notes: list[str] = []
    # 1. synonyms, by field priority then synonym priority
    for f in FIELDS:
        syns = _SYN_KEYS[f] + (extra if f == "cpts" else [])
        for syn in syns:
            hits = [i for i, k in enumerate(keys) if k == syn and i not in taken]
            if hits:
                i = hits[0]
                chosen[f] = ColumnChoice(f, i, headers[i], f"synonyme « {syn} »")
                taken.add(i)
                break
    # 2. keyword rules for what is still missing
    for i, h in enumerate(headers):
        if i in taken or not keys[i]:
            continue
        rule = _keyword_field([w for w in _fold(_s(h)).split() if w not in _STOP])
        if rule is None:
            continue
        f, why = rule
        if f in chosen:
            notes.append(f"colonne « {h} » ignorée : « {chosen[f].header} » est déjà utilisée pour le {FIELD_LABELS[f]}")
            continue
        chosen[f] = ColumnChoice(f, i, h, why)
        taken.add(i)
    return chosen, notes


def _missing_fields(chosen: Mapping[str, ColumnChoice], geo: bool = False) -> list[str]:
    missing = []
    if "cpts" not in chosen and "cpts_id" not in chosen:
        missing.append("cpts")
    if not geo and "commune" not in chosen and "insee" not in chosen:
        missing.append("commune")
    return missing


def _missing_message(missing: list[str], headers: list[str], where: str, geo: bool = False) -> str:
    what = {"cpts": "le nom de la CPTS", "commune": "la commune (nom ou code INSEE)"}
    shown = ", ".join(f"« {h[:60]}{'…' if len(h) > 60 else ''} »" for h in headers[:20] if h) or (
        "aucune propriété dans les entités" if geo else "aucun (ligne vide ou illisible)")
    lines = [f"Colonnes introuvables : {' et '.join(what[m] for m in missing)}.",
             f"En-têtes lus ({where}) : {shown}."]
    if "cpts" in missing:
        syns = FIELDS["cpts"][1] + (GEOJSON_NAME_SYNONYMS if geo else ())
        lines.append("Noms reconnus pour la CPTS : " + ", ".join(syns[:12]) + "…")
    if "commune" in missing:
        lines.append("Noms reconnus pour la commune : " + ", ".join(FIELDS["commune"][1][:8])
                     + "… ; pour le code INSEE : " + ", ".join(FIELDS["insee"][1][:8]) + "…")
    lines.append("Renommez les colonnes (majuscules, accents et espaces indifférents) ou ajoutez une ligne d'en-tête.")
    return "\n".join(lines)
