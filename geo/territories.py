"""CPTS territories: registry perimeters -> current INSEE codes, computed totals, dissolved geometry,
and every discrepancy with what the sources declare, spelled out in French.

``build_territories`` is pure: it takes the registry, the referential and a matcher, and returns
one ``Territory`` per CPTS of the registry (a CPTS with no documented perimeter gets an empty
territory that says so). Nothing is dropped silently: every name of a perimeter ends up either in
``codes`` (with how it was resolved) or in a discrepancy of severity "erreur".

The referential may be the GeoDataFrame (territories get their dissolved geometry) or the attribute
table of ``load_communes_table`` (geometry None, everything else identical: ``python -m geo
territories`` then imports neither geopandas nor shapely).
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # imported where used: python -m geo territories reads no geometry
    import geopandas as gpd
    import shapely

from .formatting import fr_date, fr_int, fr_signed_int, fr_signed_pct, plural
from .matching import Matcher, Resolution, normalize_name
from .registry import Cpts, Registry

ERREUR = "erreur"   # a name that could not be resolved: the territory is incomplete
ECART = "ecart"     # the computed figure differs from the declared one
INFO = "info"       # how a name was corrected or interpreted

# Words that carry no meaning in an EPCI name ("CC de l'Oust à Brocéliande" ~ "Oust Brocéliande Communauté").
_EPCI_STOPWORDS = {
    "ca", "cc", "cu", "communaute", "communautes", "agglomeration", "agglo", "metropole", "de", "des", "du",
    "d", "l", "la", "le", "les", "a", "au", "aux", "et", "en", "communes", "urbaine", "pays",
}


@dataclass(frozen=True)
class Discrepancy:
    kind: str          # machine-readable: nom_non_resolu, nom_corrige, ancien_nom, liste_incomplete, …
    severity: str      # ERREUR | ECART | INFO
    message: str       # French, shown as is to users


@dataclass(frozen=True)
class EpciResolution:
    query: str
    siren: str | None
    nom: str | None
    codes: tuple[str, ...]
    message: str


@dataclass
class Territory:
    id: str
    nom: str
    cpts: Cpts
    codes: list[str]                       # current INSEE codes, sorted
    population: int                        # computed: sum of populations municipales
    population_millesime: int | None
    departements: list[str]
    geometry: shapely.Geometry | None      # dissolved; None when the perimeter is unknown
    perimetre_connu: bool
    approximatif: bool
    resolutions: list[Resolution] = field(default_factory=list)
    epci: list[EpciResolution] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)
    taille_aci_calculee: int | None = None

    @property
    def population_declaree(self) -> int | None:
        return self.cpts.population_declaree.valeur if self.cpts.population_declaree else None

    @property
    def n_communes(self) -> int:
        return len(self.codes)

    @property
    def errors(self) -> list[Discrepancy]:
        return [d for d in self.discrepancies if d.severity == ERREUR]

    def to_dict(self, with_communes: bool = True) -> dict:
        d = {
            "id": self.id,
            "nom": self.nom,
            "nom_connu": self.cpts.nom_connu,
            "statut": self.cpts.statut.etape,
            "perimetre_connu": self.perimetre_connu,
            "approximatif": self.approximatif,
            "population": self.population,
            "population_millesime": self.population_millesime,
            "population_declaree": self.population_declaree,
            "population_declaree_date": self.cpts.population_declaree.date if self.cpts.population_declaree else None,
            "n_communes": self.n_communes,
            "communes_declarees": self.cpts.communes_declarees.valeur if self.cpts.communes_declarees else None,
            "departements": self.departements,
            "taille_aci_calculee": self.taille_aci_calculee,
            "ecarts": [{"type": x.kind, "gravite": x.severity, "message": x.message} for x in self.discrepancies],
        }
        if with_communes:
            d["communes"] = list(self.codes)
        return d


def epci_key(name: str) -> frozenset[str]:
    return frozenset(t for t in normalize_name(name).replace("-", " ").split() if t not in _EPCI_STOPWORDS)


def epci_members(communes: pd.DataFrame) -> pd.Series:
    """(SIREN, name) of every EPCI of the referential -> the sorted INSEE codes of its communes."""
    return communes.dropna(subset=["epci_siren"]).groupby(["epci_siren", "epci_nom"])["code"].apply(sorted)


def resolve_epci(name: str, communes: pd.DataFrame, members: pd.Series | None = None) -> EpciResolution:
    """An EPCI name as written ("Vitré communauté") -> the EPCI of the referential and its member communes.

    Resolved only when exactly one EPCI has the same significant words; otherwise unresolved with the
    closest names in the message. ``members``: ``epci_members(communes)`` when already computed."""
    epcis = epci_members(communes) if members is None else members
    key = epci_key(name)
    hits = [(siren, nom) for (siren, nom) in epcis.index if epci_key(nom) == key]
    if len(hits) == 1:
        siren, nom = hits[0]
        codes = tuple(epcis.loc[(siren, nom)])
        return EpciResolution(name, siren, nom, codes, f"« {name} » = {nom} (SIREN {siren}, {plural(len(codes), 'commune')} au 1er janvier 2026)")
    close = sorted(epcis.index, key=lambda sn: -len(epci_key(sn[1]) & key))[:3]
    why = "plusieurs EPCI correspondent" if hits else "aucun EPCI ne correspond"
    return EpciResolution(name, None, None, (), f"EPCI « {name} » non résolu : {why} (proches : {', '.join(n for _, n in close)})")


def _named(codes, by_code: pd.DataFrame) -> str:
    return ", ".join(f"{by_code.loc[c, 'nom']} ({c})" for c in codes)


def _name_groups(cpts: Cpts) -> list[tuple[str, list[str]]]:
    """(name, départements to search) for every commune name of the perimeter, in file order."""
    p = cpts.perimetre
    deps = list(cpts.departements)
    groups = [(n, deps) for n in p.communes]
    for dep, names in p.communes_par_departement.items():
        groups += [(n, [dep]) for n in names]
    return groups


def _resolution_discrepancy(r: Resolution, source_name: str) -> Discrepancy | None:
    if not r.ok:
        return Discrepancy("nom_non_resolu", ERREUR, f"Commune « {source_name} » non retrouvée : {r.message}")
    if r.method == "fuzzy":
        return Discrepancy("nom_corrige", INFO, r.message)
    if r.method in ("ancien_nom", "ancien_code"):
        return Discrepancy("ancien_nom", INFO, r.message)
    if r.method == "homonyme_departement":
        return Discrepancy("homonyme", INFO, r.message)
    return None


@dataclass(frozen=True)
class _Lookups:
    """Indexes of the referential that every territory uses, built once per ``build_territories``."""
    by_code: pd.DataFrame
    epcis: pd.Series

    @classmethod
    def of(cls, communes: pd.DataFrame) -> "_Lookups":
        return cls(communes.set_index("code"), epci_members(communes))


def build_territory(cpts: Cpts, communes: pd.DataFrame, matcher: Matcher, registry: Registry | None = None,
                    lookups: _Lookups | None = None) -> Territory:
    lookups = lookups or _Lookups.of(communes)
    p = cpts.perimetre
    by_code = lookups.by_code
    disc: list[Discrepancy] = []
    resolutions: list[Resolution] = []
    list_codes: list[str] = []
    given = p.codes_insee  # an imported perimeter carries its resolved codes, one per name
    for i, (name, deps) in enumerate(_name_groups(cpts)):
        if given:
            r = dataclasses.replace(matcher.resolve(given[i], departements=deps or None), query=name)
        else:
            r = matcher.resolve(name, departements=deps or None)
        resolutions.append(r)
        shown = next((orig for fixed, orig in p.corrections.items() if fixed == name), name)
        d = _resolution_discrepancy(r, shown)
        if d:
            disc.append(d)
        if r.ok:
            list_codes.append(r.code)

    epcis = [resolve_epci(n, communes, lookups.epcis) for n in p.epci]
    epci_codes: list[str] = []
    for e in epcis:
        if e.siren is None:
            disc.append(Discrepancy("epci_non_resolu", ERREUR, e.message))
        else:
            disc.append(Discrepancy("epci", INFO, e.message))
            epci_codes.extend(e.codes)

    # Several names of the list that are the same commune today (merged communes, duplicates).
    counts = Counter(list_codes)
    for code, n in sorted(counts.items()):
        if n > 1:
            names = [r.query.strip() for r in resolutions if r.ok and r.code == code]
            disc.append(Discrepancy(
                "noms_fusionnes", INFO,
                f"{n} noms de la liste ({', '.join('« ' + x + ' »' for x in names)}) désignent aujourd'hui une seule commune : "
                f"{by_code.loc[code, 'nom']} ({code})"))

    codes = sorted(set(list_codes) | set(epci_codes))
    perimetre_connu = p.regle != "inconnu" and bool(codes)

    if p.regle == "epci_et_communes" and epci_codes and list_codes:
        missing = sorted(set(epci_codes) - set(list_codes))
        extra = sorted(set(list_codes) - set(epci_codes))
        epci_names = ", ".join(e.nom for e in epcis if e.nom)
        if missing:
            disc.append(Discrepancy(
                "liste_incomplete", ECART,
                f"La source définit le territoire par {epci_names} ({plural(len(set(epci_codes)), 'commune')}) ; "
                f"sa liste nominative n'en nomme que {len(set(list_codes) & set(epci_codes))} : "
                f"manque {_named(missing, by_code)}, "
                "incluse d'après l'EPCI."))
        if extra:
            disc.append(Discrepancy(
                "hors_epci", ECART,
                f"{plural(len(extra), 'commune')} de la liste hors de {epci_names} : "
                + _named(extra, by_code)))

    declared_n = cpts.communes_declarees.valeur if cpts.communes_declarees else None
    names_n = len(resolutions)
    if declared_n is not None and perimetre_connu:
        if names_n and names_n != declared_n:
            disc.append(Discrepancy(
                "compte_liste", ECART,
                f"La source annonce {plural(declared_n, 'commune')} mais sa liste compte {plural(names_n, 'nom')}."))
        if len(codes) != declared_n:
            why = []
            if any(n > 1 for n in counts.values()):
                why.append("des communes de la liste ont fusionné depuis")
            if p.approximatif:
                why.append("le périmètre est approché")
            disc.append(Discrepancy(
                "compte_communes", ECART,
                f"{plural(len(codes), 'commune')} au COG 2026 contre {declared_n} annoncées"
                + (f" ({' ; '.join(why)})" if why else "") + "."))

    sub = by_code.loc[codes] if codes else by_code.iloc[0:0]
    population = int(sub["population"].fillna(0).sum()) if codes else 0
    millesime = int(sub["population_millesime"].iloc[0]) if codes else None
    departements = sorted(set(sub["departement"])) if codes else list(cpts.departements)
    geometry = None
    if codes and "geometry" in sub.columns:  # an attribute table (load_communes_table) has none
        import shapely  # only here: the commands that need no geometry do not import it

        geoms = [g for g in sub.geometry.values if g is not None]
        geometry = shapely.coverage_union_all(geoms) if geoms else None

    pd_ = cpts.population_declaree
    if pd_ is not None and perimetre_connu:
        gap = population - pd_.valeur
        rel = 100.0 * gap / pd_.valeur if pd_.valeur else 0.0
        disc.append(Discrepancy(
            "population", ECART if abs(rel) >= 1 else INFO,
            f"Population calculée {fr_int(population)} hab. (INSEE, populations légales {millesime}) contre "
            f"{fr_int(pd_.valeur)} déclarés le {fr_date(pd_.date)} : écart {fr_signed_int(gap)} ({fr_signed_pct(rel)})"
            + (" ; le périmètre est approché, l'écart en dépend." if p.approximatif else ".")))

    if p.source_import is not None:
        disc.append(Discrepancy("perimetre_importe", INFO,
                                f"Périmètre importé du fichier « {p.source_import.fichier} » le {fr_date(p.source_import.date_import)}"
                                + (" (polygone du fichier conservé)." if p.source_import.polygone else ".")))
    if p.approximatif:
        disc.append(Discrepancy("perimetre_approche", ECART,
                                p.note or "Périmètre approché : la source ne nomme pas toutes les communes."))
    if not perimetre_connu:
        disc.append(Discrepancy("perimetre_inconnu", INFO,
                                "Périmètre non documenté dans les sources : la CPTS n'apparaît pas sur la carte."))

    taille = registry.taille_aci_for(population) if (registry and perimetre_connu) else None
    if taille is not None and cpts.taille_aci_declaree and cpts.taille_aci_declaree.valeur != taille:
        disc.append(Discrepancy("taille_aci", ECART,
                                f"Taille ACI déclarée {cpts.taille_aci_declaree.valeur}, taille {taille} d'après la population calculée."))

    return Territory(
        id=cpts.id, nom=cpts.nom, cpts=cpts, codes=codes, population=population, population_millesime=millesime,
        departements=departements, geometry=geometry, perimetre_connu=perimetre_connu, approximatif=p.approximatif,
        resolutions=resolutions, epci=epcis, discrepancies=disc, taille_aci_calculee=taille,
    )


def build_territories(registry: Registry, communes: pd.DataFrame, matcher: Matcher | None = None) -> list[Territory]:
    matcher = matcher or Matcher(communes)
    lookups = _Lookups.of(communes) if registry.cpts else None
    territories = [build_territory(c, communes, matcher, registry, lookups) for c in registry.cpts]
    _add_overlaps(territories, communes)
    return territories


def _add_overlaps(territories: list[Territory], communes: pd.DataFrame) -> None:
    owners: dict[str, list[Territory]] = {}
    for t in territories:
        for c in t.codes:
            owners.setdefault(c, []).append(t)
    names = dict(zip(communes["code"], communes["nom"]))
    for t in territories:
        shared: dict[str, list[str]] = {}
        for c in t.codes:
            for other in owners[c]:
                if other is not t:
                    shared.setdefault(other.nom, []).append(c)
        for other_nom, cs in sorted(shared.items()):
            t.discrepancies.append(Discrepancy(
                "chevauchement", ECART,
                f"{plural(len(cs), 'commune')} aussi dans {other_nom} : " + ", ".join(f"{names[c]} ({c})" for c in cs)))


def cpts_by_commune(territories: list[Territory]) -> dict[str, list[Territory]]:
    """INSEE code -> the territories that contain it (a commune may be in several CPTS)."""
    out: dict[str, list[Territory]] = {}
    for t in territories:
        for c in t.codes:
            out.setdefault(c, []).append(t)
    return out


def territories_frame(territories: list[Territory]) -> gpd.GeoDataFrame:
    """One row per mapped territory (known perimeter), for maps and downloads."""
    import geopandas as gpd

    rows = [t.to_dict(with_communes=False) | {"geometry": t.geometry} for t in territories if t.perimetre_connu]
    if not rows:  # a scope without any mapped CPTS (a région the registry does not cover yet)
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
