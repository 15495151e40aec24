"""Tables, aggregates and export files behind the app's pages (pure: pandas/geopandas, no Streamlit).

- ``commune_table``: the communes of one CPTS and how each name of the source was resolved;
- ``comparison_table``: one row per CPTS, declared and computed indicators side by side;
- ``missions_matrix`` / ``mission_actions``: ACI missions × CPTS;
- ``coverage_table`` / ``communes_outside`` / ``signature_timeline`` / ``context_rows``: how much of
  Brittany the *documented* CPTS cover, computed from the referential, beside the sources' figures;
- ``datasets_table`` / ``source_documents_table`` / ``attribution``: where every dataset comes from;
- ``commune_cpts_csv`` / ``quality_csv`` / ``territories_geojson``: the downloads.

Values stay raw (ints, floats, ISO dates, ``None`` when a source gives nothing — never 0): pages
format them in French. CSV files are written for Excel FR (UTF-8 with BOM, ``;``) by ``geo.registry_store.to_csv_bytes``,
which neutralises every cell a spreadsheet would take for a formula.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

from .formatting import fr_eur, fr_int, fr_num, fr_pct
from .registry import MISSIONS, STEPS, Registry, iter_citations
from .territories import Territory, territories_frame

REGION_BRETAGNE = "53"
DEPARTEMENTS_BRETAGNE = ("22", "29", "35", "56")
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
    from .timeline import signature_of

    s = signature_of(t)
    return s.date if s else None


def _source_labels(ids: Iterable[str], registry: Registry) -> str:
    from .facts import short_source

    return " ; ".join(dict.fromkeys(short_source(s, registry) for s in ids)) or NON_RENSEIGNE


def comparison_table(territories: list[Territory], registry: Registry) -> pd.DataFrame:
    """One row per CPTS of the registry; ``None`` wherever the sources say nothing.

    Declared figures come from the registry (with their date); computed ones from the referential
    (INSEE populations légales, COG 2026) over the documented perimeter. ``eur_par_habitant`` is
    the first financing divided by the declared population (two figures of the same document)."""
    from .facts import source_ids

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
    df = pd.DataFrame(rows)
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
    from .facts import short_source

    out = []
    for t in territories:
        m = t.cpts.missions
        if m is None:
            continue
        for a in m.actions(mission_key):
            out.append({"cpts_id": t.id, "cpts": t.nom, "action": a.action, "note": a.note,
                        "source": short_source(m.source, registry)})
    return out


# --------------------------------------------------------------------------- coverage of Brittany

def _owners(territories: list[Territory]) -> dict[str, list[Territory]]:
    out: dict[str, list[Territory]] = {}
    for t in territories:
        if t.perimetre_connu:
            for c in t.codes:
                out.setdefault(c, []).append(t)
    return out


def coverage_table(communes: pd.DataFrame, territories: list[Territory]) -> pd.DataFrame:
    """Brittany, then each of its départements: communes and population inside at least one
    documented CPTS and outside (a commune in two CPTS counts once). Computed from the referential."""
    owners = _owners(territories)
    bzh = communes[communes["region"] == REGION_BRETAGNE]
    inside = bzh["code"].isin(owners.keys())
    pop = bzh["population"].fillna(0).astype("int64")
    scopes = [("53", "Bretagne", pd.Series(True, index=bzh.index))]
    for dep in DEPARTEMENTS_BRETAGNE:
        mask = bzh["departement"] == dep
        name = bzh.loc[mask, "departement_nom"].iloc[0] if mask.any() else dep
        scopes.append((dep, f"{name} ({dep})", mask))
    rows = []
    for code, label, mask in scopes:
        n_in = int((mask & inside).sum())
        n_out = int((mask & ~inside).sum())
        p_in = int(pop[mask & inside].sum())
        p_out = int(pop[mask & ~inside].sum())
        total = p_in + p_out
        rows.append({
            "code": code, "territoire": label,
            "communes_dans_cpts": n_in, "communes_hors_cpts": n_out, "communes": n_in + n_out,
            "population_dans_cpts": p_in, "population_hors_cpts": p_out, "population": total,
            "part_population_pct": (100.0 * p_in / total) if total else None,
            "cpts": sum(1 for t in territories if t.perimetre_connu and (code == "53" and any(
                d in DEPARTEMENTS_BRETAGNE for d in t.departements) or code in t.departements)),
        })
    return pd.DataFrame(rows)


def communes_outside(communes: pd.DataFrame, territories: list[Territory], departement: str | None = None) -> pd.DataFrame:
    """The Breton communes in no documented CPTS (optionally one département), largest first."""
    owners = _owners(territories)
    bzh = communes[(communes["region"] == REGION_BRETAGNE) & ~communes["code"].isin(owners.keys())]
    if departement:
        bzh = bzh[bzh["departement"] == departement]
    out = pd.DataFrame({
        "code": bzh["code"].tolist(),
        "nom": bzh["nom"].tolist(),
        "departement": [f"{n} ({d})" for d, n in zip(bzh["departement"], bzh["departement_nom"])],
        "epci": [None if pd.isna(e) else e for e in bzh["epci_nom"]],
        "population": pd.array([None if pd.isna(p) else int(p) for p in bzh["population"]], dtype="Int64"),
    })
    return out.sort_values(["population", "nom"], ascending=[False, True], na_position="last").reset_index(drop=True)


def filter_communes(df: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows whose name contains ``query`` (accents, case, hyphens ignored) or whose code starts with it."""
    from .matching import normalize_name

    q = (query or "").strip()
    if not q:
        return df
    key = normalize_name(q)
    mask = df["code"].str.startswith(q.upper()) | df["nom"].map(lambda n: key in normalize_name(n))
    return df[mask]


def scope_view(communes: pd.DataFrame, code: str) -> tuple[tuple[float, float], float]:
    """(center lat/lon, zoom) showing Brittany (``"53"``) or one département on the map."""
    sub = communes[communes["region"] == code] if code == REGION_BRETAGNE else communes[communes["departement"] == code]
    minx, miny, maxx, maxy = sub.total_bounds
    return (round((miny + maxy) / 2, 4), round((minx + maxx) / 2, 4)), (7.5 if code == REGION_BRETAGNE else 8.5)


def signature_timeline(communes: pd.DataFrame, territories: list[Territory], region: str | None = REGION_BRETAGNE) -> pd.DataFrame:
    """ACI signatures in date order (``geo.timeline.signatures``: milestones of the registry, a partial
    date counted from the end of its period), with the cumulative population of the documented
    perimeters signed so far — communes counted once, only those of ``region`` (None: all). A signed
    CPTS without a documented perimeter is listed with ``population_ajoutee`` None (not computable)."""
    from .timeline import signatures

    pop_of = dict(zip(communes["code"], communes["population"].fillna(0).astype("int64")))
    in_scope = set(communes["code"] if region is None else communes.loc[communes["region"] == region, "code"])
    mapped = {t.id: t for t in territories}
    covered: set[str] = set()
    rows = []
    for s in signatures(territories):
        t = mapped[s.cpts_id]
        if s.mapped:
            new = [c for c in s.codes if c in in_scope and c not in covered]
            covered.update(new)
            added = int(sum(pop_of[c] for c in new))
        else:
            added = None
        rows.append({
            "date": s.end, "date_iso": s.date, "date_deduite": s.infere, "cpts_id": s.cpts_id, "cpts": s.nom,
            "perimetre": "non documenté" if not t.perimetre_connu else "approché" if t.approximatif else "documenté",
            "population_ajoutee": added,
            "population_cumulee": int(sum(pop_of[c] for c in covered)),
            "communes_cumulees": len(covered),
        })
    df = pd.DataFrame(rows, columns=["date", "date_iso", "date_deduite", "cpts_id", "cpts", "perimetre",
                                     "population_ajoutee", "population_cumulee", "communes_cumulees"])
    df["population_ajoutee"] = pd.array(df["population_ajoutee"].tolist(), dtype="Int64")
    return df


def format_context_value(f) -> str:
    """A context figure's value as the source gives it: '80 %', '29 CPTS', '22 000 habitants'."""
    if f.unite == "%":
        v = fr_pct(f.valeur)
    elif f.unite in ("€", "€/an"):
        v = fr_eur(f.valeur) + (" par an" if f.unite == "€/an" else "")
    else:
        unit = f.unite[:-1] if (abs(f.valeur) < 2 and f.unite.endswith("s") and f.unite != "CPTS") else f.unite
        v = f"{fr_int(f.valeur) if float(f.valeur).is_integer() else fr_num(f.valeur)} {unit}"
    return f"{f.qualificatif} {v}" if getattr(f, "qualificatif", None) else v


def context_rows(registry: Registry, perimetres: Iterable[str]) -> list[dict]:
    """The sources' own figures for the given perimeters ("Bretagne", "Ille-et-Vilaine"…), newest first."""
    from .facts import short_source

    wanted = set(perimetres)
    rows = [{"id": f.id, "perimetre": f.perimetre, "libelle": f.libelle, "valeur": format_context_value(f),
             "date": f.date, "infere": bool(getattr(f, "infere", False)), "note": getattr(f, "note", None),
             "source": short_source(f.source, registry), "source_id": f.source}
            for f in registry.context if f.perimetre in wanted]
    return sorted(rows, key=lambda r: (r["date"] or ""), reverse=True)


# --------------------------------------------------------------------------- sources

def datasets_table(sources: dict) -> pd.DataFrame:
    """geo/sources.yaml (``geo.download.load_sources()``) as one row per package."""
    rows = []
    for s in sources.values():
        m = s.meta
        mill = [f"COG {m['millesime_cog']}" if m.get("millesime_cog") else None,
                f"populations légales {m['millesime_population']}" if m.get("millesime_population") else None]
        rows.append({
            "paquet": s.package, "version": s.version, "client": s.client,
            "fichiers_lus": ", ".join(s.files.values()),
            "fournit": m.get("provides"), "producteur": m.get("producteur"),
            "millesimes": ", ".join(x for x in mill if x) or None,
            "licence_donnees": m.get("licence_donnees"), "licence_paquet": m.get("licence_paquet"),
            "sha256": s.sha256,
        })
    return pd.DataFrame(rows)


def attribution(sources: dict) -> str:
    """The attribution line of the referential, built from geo/sources.yaml's millésimes."""
    cog = next((s.meta["millesime_cog"] for s in sources.values() if s.meta.get("millesime_cog")), None)
    pop = next((s.meta["millesime_population"] for s in sources.values() if s.meta.get("millesime_population")), None)
    return (f"Contours des communes : IGN — ADMIN EXPRESS ; communes : INSEE — Code officiel géographique {cog} ; "
            f"populations : INSEE — populations légales {pop} ; EPCI : DGCL — composition des EPCI {cog}. "
            "Données sous Licence Ouverte / Open Licence 2.0.")


def source_usage(registry: Registry) -> dict[str, list[str]]:
    """Source id -> who uses it: CPTS names, « chiffres de contexte », « classes de taille ACI »."""
    names = {c.file: c.nom for c in registry.cpts}
    use: dict[str, list[str]] = {s: [] for s in registry.sources}

    def add(src, who):
        if src in use and who not in use[src]:
            use[src].append(who)

    for ref in iter_citations(registry):
        add(ref.source, names.get(ref.file, "chiffres de contexte"))
    for c in registry.cpts:
        if c.missions is not None:
            add(c.missions.source, c.nom)
        if c.perimetre.source:
            add(c.perimetre.source, c.nom)
    for t in registry.tailles_aci:
        add(t.source, "classes de taille de l'ACI")
    return use


def source_documents_table(registry: Registry) -> pd.DataFrame:
    use = source_usage(registry)
    rows = [{"id": s.id, "titre": s.titre, "editeur": s.editeur, "type": s.type, "lieu": s.lieu, "date": s.date,
             "date_deduite": s.infere, "fichier": s.fichier, "utilisee_par": " ; ".join(use[s.id]) or None,
             "note": s.note} for s in registry.sources.values()]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- downloads

def to_excel_csv(rows: Iterable[Iterable[object]], header: list[str]) -> bytes:
    """UTF-8 with BOM, ';' separator, CRLF (what Excel FR opens directly), every cell neutralised against
    formula injection — the writer of ``geo.registry_store``, shared by every CSV download."""
    from .registry_store import to_csv_bytes

    return to_csv_bytes(header, ([None if (v is not None and not isinstance(v, str) and pd.isna(v)) else v for v in row]
                                 for row in rows))


COMMUNE_CPTS_HEADER = ["code_insee", "commune", "departement", "epci", "population_municipale",
                       "millesime_population", "cpts_id", "cpts_nom", "perimetre_cpts", "resolution"]


def commune_cpts_rows(communes: pd.DataFrame, territories: list[Territory]) -> list[list[object]]:
    """One row per (commune, documented CPTS), then every Breton commune in no documented CPTS
    (empty CPTS columns). Ordered by INSEE code, then CPTS name."""
    tables = {t.id: commune_table(t, communes).set_index("code")["resolution"] for t in territories if t.perimetre_connu}
    owners = _owners(territories)
    ref = pd.DataFrame(communes[["code", "nom", "departement", "epci_nom", "population", "population_millesime", "region"]])
    keep = ref[(ref["region"] == REGION_BRETAGNE) | ref["code"].isin(owners.keys())].sort_values("code")
    rows = []
    for r in keep.itertuples(index=False):
        base = [r.code, r.nom, r.departement, None if pd.isna(r.epci_nom) else r.epci_nom,
                None if pd.isna(r.population) else int(r.population), int(r.population_millesime)]
        ts = sorted(owners.get(r.code, []), key=lambda t: t.nom)
        if not ts:
            rows.append(base + [None, None, None, None])
        for t in ts:
            rows.append(base + [t.id, t.nom, "approché" if t.approximatif else "documenté", tables[t.id][r.code]])
    return rows


def commune_cpts_csv(communes: pd.DataFrame, territories: list[Territory]) -> bytes:
    return to_excel_csv(commune_cpts_rows(communes, territories), COMMUNE_CPTS_HEADER)


QUALITY_HEADER = ["cpts_id", "cpts_nom", "gravite", "type", "message"]

#: French words for the machine kinds of geo.territories.Discrepancy (unknown kinds show as is).
QUALITY_KIND_LABELS = {
    "registre": "avertissement du registre", "nom_non_resolu": "commune non retrouvée",
    "epci_non_resolu": "EPCI non retrouvé", "nom_corrige": "nom corrigé", "ancien_nom": "ancien nom",
    "homonyme": "homonyme écarté", "noms_fusionnes": "communes fusionnées", "epci": "EPCI reconnu",
    "liste_incomplete": "liste incomplète", "hors_epci": "commune hors EPCI", "compte_liste": "compte de la liste",
    "compte_communes": "nombre de communes", "population": "population", "perimetre_approche": "périmètre approché",
    "perimetre_inconnu": "périmètre non documenté", "perimetre_importe": "périmètre importé",
    "chevauchement": "chevauchement", "taille_aci": "taille ACI",
}


def quality_kind_label(kind: str) -> str:
    return QUALITY_KIND_LABELS.get(kind, kind)


def quality_csv(rows: list[dict]) -> bytes:
    """geo.quality.quality_report(...).rows as CSV (gravité in French words)."""
    from .quality import SEVERITY_LABELS

    return to_excel_csv(([r["cpts_id"], r["cpts_nom"], SEVERITY_LABELS.get(r["gravite"], r["gravite"]), r["type"],
                          r["message"]] for r in rows), QUALITY_HEADER)


def territories_geojson(territories: list[Territory]) -> str:
    """GeoJSON FeatureCollection (EPSG:4326), one feature per mapped territory: its figures
    (``Territory.to_dict``), its INSEE codes and its dissolved contour."""
    gdf = territories_frame(territories)
    fc = json.loads(gdf.to_json(na="null", drop_id=True, ensure_ascii=False))
    codes = {t.id: list(t.codes) for t in territories}
    for f in fc["features"]:
        p = f["properties"]
        for k in ("population_declaree", "communes_declarees"):
            if isinstance(p.get(k), float) and p[k].is_integer():
                p[k] = int(p[k])
        p["communes"] = codes[p["id"]]
    return json.dumps(fc, ensure_ascii=False)
