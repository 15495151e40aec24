"""Tables of the CPTS behind the app's pages (pure: pandas, no Streamlit).

- ``commune_table``: the communes of one CPTS and how each name of the source was resolved;
- ``comparison_table``: one row per CPTS, declared and computed indicators side by side;
- ``missions_matrix`` / ``mission_actions``: ACI missions × CPTS.

Coverage of Brittany is in geo/views/coverage.py, the datasets and source documents in
geo/views/sources.py, the CSV/GeoJSON downloads in geo/views/downloads.py.

Values stay raw (ints, floats, ISO dates, ``None`` when a source gives nothing — never 0): pages
format them in French.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..registry import MISSIONS, STEPS, Registry
from ..territories import Territory
from .facts import short_source, source_ids
from .timeline import signature_of

NON_RENSEIGNE = "non renseigné"

# --------------------------------------------------------------------------- one CPTS: its communes

_METHOD_LABELS = {
    "exact": "nom exact",
    "code_insee": "code INSEE",
    "homonyme_departement": "nom exact (homonyme d'un autre département écarté)",
}


def resolution_label(r, source_spelling: str) -> str:
    """How one name of the source became an INSEE code, in a few French words.

    ``source_spelling`` is the name as the source writes it (the registry may record a fixed
    spelling, see ``perimetre.corrections``)."""
    if r.method == "fuzzy":
        return f"corrigé de « {source_spelling} »"
    if r.method in ("ancien_nom", "ancien_code"):
        return f"ancien nom « {source_spelling} »" if r.method == "ancien_nom" else f"ancien code « {source_spelling} »"
    if source_spelling != r.query:
        return f"corrigé de « {source_spelling} » (nom tronqué ou mal écrit dans la source)"
    if r.method == "normalise":
        return f"nom exact, écrit « {source_spelling} »"
    return _METHOD_LABELS.get(r.method, r.method)


def commune_table(t: Territory, communes: pd.DataFrame) -> pd.DataFrame:
    """One row per commune of the territory: code, nom, département, EPCI, population, résolution.

    ``resolution`` lists every way the commune entered the perimeter (several names of the list
    may designate one merged commune; a commune may come from the EPCI only)."""
    cols = ["code", "nom", "departement", "epci", "population", "resolution"]
    if not t.codes:
        return pd.DataFrame(columns=cols)
    corrections = t.cpts.perimetre.corrections
    how: dict[str, list[str]] = {c: [] for c in t.codes}
    for r in t.resolutions:
        if r.ok and r.code in how:
            how[r.code].append(resolution_label(r, corrections.get(r.query, r.query)))
    for e in t.epci:
        for c in e.codes:
            if c in how and not how[c]:
                how[c].append(f"d'après l'EPCI {e.nom}")
    cols_ref = ["code", "nom", "departement", "departement_nom", "epci_nom", "population"]
    sub = pd.DataFrame(communes[cols_ref]).set_index("code").loc[t.codes]
    return pd.DataFrame({
        "code": list(t.codes),
        "nom": sub["nom"].tolist(),
        "departement": [f"{n} ({d})" for d, n in zip(sub["departement"], sub["departement_nom"])],
        "epci": [None if pd.isna(e) else e for e in sub["epci_nom"]],
        "population": pd.array([None if pd.isna(p) else int(p) for p in sub["population"]], dtype="Int64"),
        "resolution": [" ; ".join(dict.fromkeys(how[c])) or "—" for c in t.codes],
    }, columns=cols)


# --------------------------------------------------------------------------- all CPTS side by side

STEP_SHORT = {"lettre_intention_validee": "lettre d'intention validée", "projet_sante_valide": "projet de santé validé",
              "aci_signe": "ACI signé"}


def step_label(key: str | None, short: bool = False) -> str:
    if key is None:
        return "étape non précisée"
    if short and key in STEP_SHORT:
        return STEP_SHORT[key]
    return next((s.label for s in STEPS if s.key == key), key)


def aci_date(t: Territory) -> str | None:
    """ISO date (or year-month) of the ACI signature milestone, None when the sources give none."""
    s = signature_of(t)
    return s.date if s else None


def _source_labels(ids: Iterable[str], registry: Registry) -> str:
    return " ; ".join(dict.fromkeys(short_source(s, registry) for s in ids)) or NON_RENSEIGNE


COMPARISON_COLUMNS = [
    "id", "nom", "statut", "date_aci", "population_declaree", "population_declaree_date", "population_calculee",
    "population_millesime", "ecart_pct", "communes_declarees", "communes_calculees", "financement",
    "financement_annee", "eur_par_habitant", "sans_medecin_traitant_pct", "sans_medecin_traitant_qualificatif",
    "taille_aci_declaree", "taille_aci_calculee", "perimetre", "sources"]


def comparison_table(territories: list[Territory], registry: Registry) -> pd.DataFrame:
    """One row per CPTS of the registry; ``None`` wherever the sources say nothing.

    Declared figures come from the registry (with their date); computed ones from the referential
    (INSEE populations légales, COG 2026) over the documented perimeter. ``eur_par_habitant`` is
    the first financing divided by the declared population (two figures of the same document)."""
    rows = []
    for t in territories:
        c = t.cpts
        pdec = c.population_declaree
        mapped = t.perimetre_connu
        ecart = (100.0 * (t.population - pdec.valeur) / pdec.valeur) if (pdec and pdec.valeur and mapped) else None
        fin = c.financement[0] if c.financement else None
        smt = c.sans_medecin_traitant[0] if c.sans_medecin_traitant else None
        rows.append({
            "id": t.id,
            "nom": t.nom,
            "statut": step_label(c.statut.etape, short=True),
            "date_aci": aci_date(t),
            "population_declaree": pdec.valeur if pdec else None,
            "population_declaree_date": pdec.date if pdec else None,
            "population_calculee": t.population if mapped else None,
            "population_millesime": t.population_millesime if mapped else None,
            "ecart_pct": ecart,
            "communes_declarees": c.communes_declarees.valeur if c.communes_declarees else None,
            "communes_calculees": t.n_communes if mapped else None,
            "financement": float(fin.montant) if fin else None,
            "financement_annee": fin.annee if fin else None,
            "eur_par_habitant": (float(fin.montant) / pdec.valeur) if (fin and pdec and pdec.valeur) else None,
            "sans_medecin_traitant_pct": float(smt.valeur) if (smt and smt.unite == "%") else None,
            "sans_medecin_traitant_qualificatif": smt.qualificatif if smt else None,
            "taille_aci_declaree": c.taille_aci_declaree.valeur if c.taille_aci_declaree else None,
            "taille_aci_calculee": t.taille_aci_calculee if (mapped and not t.approximatif) else None,
            "perimetre": "non documenté" if not mapped else "approché" if t.approximatif else "documenté",
            "sources": _source_labels(source_ids(t, registry), registry),
        })
    df = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)   # the same columns for a scope without any CPTS
    for col in ("population_declaree", "population_calculee", "population_millesime", "communes_declarees",
                "communes_calculees", "financement_annee", "taille_aci_declaree", "taille_aci_calculee"):
        df[col] = pd.array(df[col].tolist(), dtype="Int64")
    for col in ("ecart_pct", "financement", "eur_par_habitant", "sans_medecin_traitant_pct"):
        df[col] = pd.array(df[col].tolist(), dtype="Float64")
    return df


def missions_matrix(territories: list[Territory]) -> pd.DataFrame:
    """Rows: the 6 ACI missions (``mission``, ``type`` socle/complémentaire); one column per CPTS whose
    missions the sources describe (its name), holding the number of actions cited (0 = none cited).
    CPTS without described missions get no column (see ``cpts_without_missions``)."""
    with_missions = [t for t in territories if t.cpts.missions is not None]
    data = {"mission": [m.label for m in MISSIONS], "type": [m.kind for m in MISSIONS]}
    for t in with_missions:
        data[t.nom] = [len(t.cpts.missions.actions(m.key)) for m in MISSIONS]
    return pd.DataFrame(data, index=[m.key for m in MISSIONS])


def cpts_without_missions(territories: list[Territory]) -> list[Territory]:
    return [t for t in territories if t.cpts.missions is None]


def mission_actions(territories: list[Territory], mission_key: str, registry: Registry) -> list[dict]:
    """Every action cited for one mission: {cpts, action, note, source} (source formatted short)."""
    out = []
    for t in territories:
        m = t.cpts.missions
        if m is None:
            continue
        for a in m.actions(mission_key):
            out.append({"cpts_id": t.id, "cpts": t.nom, "action": a.action, "note": a.note,
                        "source": short_source(m.source, registry)})
    return out
