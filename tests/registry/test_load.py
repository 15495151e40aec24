"""Tests of the CPTS registry (data/registry) and of its loader/validator (geo/registry/)."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from geo.registry import (
    DEFAULT_ROOT,
    ERROR,
    MISSION_KEYS,
    MISSIONS,
    STEP_KEYS,
    STEPS,
    WARNING,
    Problem,
    RegistryError,
    check_citations,
    format_date_fr,
    format_source,
    iter_citations,
    load_registry,
    normalize_text,
    validate_registry,
)

# The registry's source documents are versioned with it (data/registry/documents/); CPTS_SEEDS_DIR
# can point at another copy (e.g. the team's shared/seeds) to check it too.
SEEDS_DIR = Path(os.environ.get("CPTS_SEEDS_DIR", str(DEFAULT_ROOT / "documents")))
needs_seeds = pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason=f"source documents absent ({SEEDS_DIR})")
SHARED_SEEDS = DEFAULT_ROOT.parents[2] / "shared" / "seeds"   # the team's originals, beside the clone


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="shared/seeds not beside this clone")
def test_versioned_documents_are_exact_copies_of_the_seeds():
    for original in sorted(SHARED_SEEDS.glob("*.txt")):
        copy = DEFAULT_ROOT / "documents" / original.name
        assert copy.read_bytes() == original.read_bytes(), original.name

EXPECTED_IDS = {
    "pays-de-vitre",
    "non-nommee-amanlis-vern",
    "pays-de-fougeres",
    "pays-de-redon",
    "pays-de-ploermel-coeur-de-bretagne",
    "marches-de-bretagne",
    "auray",
    "gwened",
    "centre-morbihan",
    "pays-des-rohan",
    "rade-a-ria",
}
OTHER_MORBIHAN = ("auray", "gwened", "centre-morbihan", "pays-des-rohan", "rade-a-ria")


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def _seed_text(name: str) -> str:
    return (SEEDS_DIR / name).read_text(encoding="utf-8")


def _split_names(text: str) -> list[str]:
    """Split a comma-separated commune list of a seed, as a human would read it (names
    come back normalised by normalize_text: straight apostrophes, joined line breaks)."""
    text = normalize_text(text)
    names = [part.strip() for part in text.split(",")]
    names = [re.sub(r"^et ", "", n) for n in names]
    names = [re.sub(r"\s+et\s+(?=[A-Z])", ",", n) for n in names]  # "X et Y" at the end of a list
    out: list[str] = []
    for n in names:
        out.extend(part.strip() for part in n.split(","))
    return [n.rstrip(".").strip() for n in out if n.strip()]


# --------------------------------------------------------------------------- the real registry


def test_real_registry_has_no_errors_and_only_known_warnings():
    problems = validate_registry()
    errors = [p for p in problems if p.severity == ERROR]
    assert errors == [], "\n".join(map(str, errors))
    warnings = [(p.file, p.path, p.message) for p in problems if p.severity == WARNING]
    # The only accepted warning: the Vitré list has one name fewer than the 46 declared communes.
    assert warnings == [
        ("cpts/pays-de-vitre.yaml", "perimetre.communes", "la liste compte 45 noms pour 46 communes déclarées")
    ]


def test_registry_contents(registry):
    assert {c.id for c in registry.cpts} == EXPECTED_IDS
    noms = [c.nom for c in registry.cpts]
    assert len(set(noms)) == len(noms)
    assert registry.get("pays-de-vitre").nom == "CPTS du Pays de Vitré"
    assert registry.get("nope") is None
    for item in registry.cpts:
        assert item.file == f"cpts/{item.id}.yaml"
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", item.id)


def test_cpts_sorted_by_name(registry):
    import unicodedata

    def key(s: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).casefold()

    noms = [c.nom for c in registry.cpts]
    assert noms == sorted(noms, key=key)


def test_every_fact_source_exists(registry):
    cited = {ref.source for ref in iter_citations(registry)}
    cited |= {c.missions.source for c in registry.cpts if c.missions}
    cited |= {c.perimetre.source for c in registry.cpts if c.perimetre.source}
    cited |= {t.source for t in registry.tailles_aci}
    assert cited <= set(registry.sources)
    # and every source is used
    assert set(registry.sources) <= cited
    # every CPTS fact carries a source and a non-empty citation
    for ref in iter_citations(registry):
        assert ref.citation.strip(), ref


def test_every_cpts_fact_has_source_and_citation(registry):
    for item in registry.cpts:
        facts: list[Any] = list(item.statut.jalons)
        facts += [f for f in (item.population_declaree, item.communes_declarees, item.taille_aci_declaree) if f]
        facts += item.professionnels + item.financement + item.sans_medecin_traitant + item.autres_indicateurs
        for fact in facts:
            assert fact.source in registry.sources, (item.id, fact)
            assert fact.citation, (item.id, fact)


def test_vitre(registry):
    vitre = registry.get("pays-de-vitre")
    assert vitre.nom_connu is True
    assert vitre.departements == ["35"]
    assert vitre.population_declaree.valeur == 81205
    assert vitre.communes_declarees.valeur == 46
    assert vitre.taille_aci_declaree.valeur == 3
    assert registry.taille_aci_for(vitre.population_declaree.valeur) == 3
    [fin] = vitre.financement
    assert (fin.montant, fin.unite, fin.annee) == (196875, "€", 2022)
    [smt] = vitre.sans_medecin_traitant
    assert smt.valeur == 12.7 and smt.unite == "%"
    assert vitre.statut.etape == "aci_signe"
    assert [j.date for j in vitre.statut.jalons if j.etape == "aci_signe"] == ["2022-09-29"]
    per = vitre.perimetre
    assert per.regle == "epci_et_communes" and per.approximatif is False
    assert per.epci == ["Vitré communauté"]
    assert len(per.communes) == 45
    assert {"Domgané", "Etrelles", "Saint M’Hervé", "Vitré"} <= set(per.communes)
    assert any("45 noms" in n and "46" in n for n in vitre.notes)
    assert vitre.missions.parcours_pluriprofessionnels and vitre.missions.prevention


def test_unnamed_cpts(registry):
    item = registry.get("non-nommee-amanlis-vern")
    assert item.nom_connu is False
    assert "non nommée" in item.nom
    communes = item.perimetre.all_communes
    assert len(communes) == 16
    assert communes[0] == "Amanlis"
    assert communes[-1] == "Vern sur Seiche"
    assert item.perimetre.corrections == {"Amanlis": "nlis"}
    assert any("nlis" in n for n in item.notes)
    assert any("sans le nom" in n for n in item.notes)
    assert item.population_declaree is None and item.communes_declarees is None


def test_fougeres(registry):
    item = registry.get("pays-de-fougeres")
    assert item.population_declaree.valeur == 48924
    assert item.communes_declarees.valeur == 22
    assert [f.montant for f in item.financement] == [189375]
    assert len(item.perimetre.communes) == 22
    assert item.perimetre.regle == "communes"
    assert item.missions.accompagnement_professionnels  # « attractivité du territoire »
    assert [j.date for j in item.statut.jalons if j.etape == "aci_signe"] == ["2024-04-16"]


def test_redon(registry):
    item = registry.get("pays-de-redon")
    assert item.population_declaree.valeur == 81246
    assert item.communes_declarees.valeur == 39
    assert item.departements == ["35", "44", "56"]
    per = item.perimetre
    assert per.communes == []  # grouped by département only, not duplicated
    counts = {dept: len(names) for dept, names in per.communes_par_departement.items()}
    assert counts == {"35": 13, "44": 9, "56": 17}
    assert len(per.all_communes) == 39
    assert "Saint-Nicolas de-Redon" in per.communes_par_departement["44"]
    [jalon] = [j for j in item.statut.jalons if j.etape == "aci_signe"]
    assert jalon.date == "2021-07-08" and jalon.infere is True and "2021" in jalon.note
    [smt] = item.sans_medecin_traitant
    assert (smt.valeur, smt.qualificatif) == (11, "plus de")
    assert [(c.valeur, c.perimetre) for c in smt.comparaisons] == [(9.8, "Bretagne")]
    indicators = {i.valeur: [c.valeur for c in i.comparaisons] for i in item.autres_indicateurs}
    assert indicators[25.1] == [23.4]
    assert indicators[7.7] == [5.4]


def test_ploermel(registry):
    item = registry.get("pays-de-ploermel-coeur-de-bretagne")
    assert item.population_declaree.valeur == 72520
    assert item.communes_declarees.valeur == 53
    per = item.perimetre
    assert per.regle == "epci_et_communes"
    assert per.approximatif is True
    assert per.epci == ["Oust Brocéliande Communauté", "Ploërmel Communauté"]
    assert "Ille-Et-Vilaine" in per.citation
    assert item.departements == ["35", "56"]
    steps = {j.etape: j.date for j in item.statut.jalons if j.etape != "autre"}
    assert steps == {"lettre_intention_validee": "2023-09", "projet_sante_valide": "2024-09", "aci_signe": "2024-10-09"}
    # The release numbers its themes 1-6: every ACI mission has at least one action.
    assert all(actions for _, actions in item.missions.items())
    assert item.financement == []


def test_marches_de_bretagne(registry):
    item = registry.get("marches-de-bretagne")
    assert [j.date for j in item.statut.jalons if j.etape == "aci_signe"] == ["2020-11-06"]
    assert item.perimetre.regle == "inconnu"
    assert item.perimetre.all_communes == [] and item.perimetre.epci == []
    assert item.population_declaree.infere is True


@pytest.mark.parametrize("cpts_id", OTHER_MORBIHAN)
def test_other_morbihan_cpts_known_by_name_only(registry, cpts_id):
    item = registry.get(cpts_id)
    assert item.departements == ["56"]
    assert item.statut.etape is None
    assert item.perimetre.regle == "inconnu"
    assert item.population_declaree is None and item.missions is None
    [jalon] = item.statut.jalons
    assert jalon.etape == "autre" and jalon.source == "cp-ploermel-2024-10-09"
    assert "6ème CPTS constituée du Morbihan" in jalon.citation


def test_context_figures(registry):
    values = {(f.perimetre, f.unite, f.date[:4]): f.valeur for f in registry.context if "couverture" not in f.id}
    assert values[("France", "CPTS", "2022")] == 284
    assert values[("France", "CPTS", "2024")] == 573
    assert values[("Bretagne", "CPTS", "2024")] == 29
    assert values[("Bretagne", "projets", "2024")] == 8
    assert values[("France", "contrats", "2020")] == 31
    assert values[("France", "projets", "2020")] == 578
    assert values[("France", "habitants", "2020")] == 2_900_000
    assert values[("Bretagne", "contrats", "2020")] == 1
    assert values[("Bretagne", "projets", "2020")] == 8
    assert values[("Bretagne", "habitants", "2020")] == 22_000
    assert values[("Ille-et-Vilaine", "CPTS", "2022")] == 5
    assert values[("Ille-et-Vilaine", "CPTS", "2024")] == 12
    assert values[("Morbihan", "CPTS", "2024")] == 6
    coverage = {(f.perimetre, f.date[:4]): f.valeur for f in registry.context if f.unite == "%"}
    assert coverage == {
        ("France", "2022"): 36.9,
        ("Ille-et-Vilaine", "2022"): 43.6,
        ("France", "2024"): 69.35,
        ("Bretagne", "2024"): 80,
        ("Ille-et-Vilaine", "2024"): 70.64,
    }
    funding = sorted(f.valeur for f in registry.context if f.unite == "€/an")
    assert funding == [185000, 380000]
    assert registry.context_figure("aci-duree").valeur == 5


def test_aci_size_classes(registry):
    assert [(t.taille, t.min, t.max) for t in registry.tailles_aci] == [
        (1, None, 40000), (2, 40000, 80000), (3, 80000, 175000), (4, 175000, None)
    ]
    assert {t.source for t in registry.tailles_aci} == {"ars-hdf-paps-aci-cpts-2023"}
    assert registry.sources["ars-hdf-paps-aci-cpts-2023"].fichier is None
    cases = {0: 1, 39_999: 1, 40_000: 2, 79_999: 2, 80_000: 3, 174_999: 3, 175_000: 4, 10**7: 4}
    for population, size in cases.items():
        assert registry.taille_aci_for(population) == size, population
    assert registry.taille_aci_for(-1) is None
    assert registry.taille_aci_for(None) is None


def test_missions_and_steps_constants(registry):
    assert MISSION_KEYS == (
        "acces_aux_soins", "parcours_pluriprofessionnels", "prevention", "crises_sanitaires",
        "qualite_pertinence", "accompagnement_professionnels",
    )
    assert [m.kind for m in MISSIONS] == ["socle"] * 4 + ["complémentaire"] * 2
    assert all(isinstance(label, str) and label for _, label, _ in MISSIONS)
    assert STEP_KEYS == ("lettre_intention_validee", "projet_sante_valide", "aci_signe")
    assert len(STEPS) == 3
    for item in registry.cpts:
        for jalon in item.statut.jalons:
            assert jalon.etape in STEP_KEYS + ("autre",)


def test_format_source(registry):
    # the document's own kind, place, date, title and publisher — never the internal file name (issue 9.6)
    assert format_source("cp-vitre-2022-09-29", registry) == (
        "Communiqué de presse, Rennes, 29 septembre 2022 — Un nouveau contrat signé entre les professionnels de "
        "santé du territoire du pays de Vitré l’ARS et la CPAM pour une meilleure prise en charge de la population "
        "(CPTS du Pays de Vitré, ARS Bretagne, CPAM d'Ille-et-Vilaine)"
    )
    assert all(".txt" not in format_source(s, registry) for s in registry.sources)
    assert "[date déduite]" in format_source("cp-redon-2021-07-08", registry)
    assert format_source("ars-hdf-paps-aci-cpts-2023", registry).startswith("Page web, 2023 — ARS Hauts-de-France")
    with pytest.raises(KeyError):
        format_source("inconnue", registry)


def test_format_date_fr():
    assert format_date_fr("2022-09-29") == "29 septembre 2022"
    assert format_date_fr("2020-11-01") == "1er novembre 2020"
    assert format_date_fr("2023-09") == "septembre 2023"
    assert format_date_fr("2021") == "2021"
    assert format_date_fr(None) == "date inconnue"


def test_normalize_text():
    assert normalize_text("Noyal-Chatillon-sur-\nSeiche") == "Noyal-Chatillon-sur-Seiche"
    assert normalize_text("l’ARS\u00a0:  a\n\n b") == "l'ARS : a b"


def test_module_is_pure_python():
    code = (
        "import sys, geo.registry; "
        "bad = [m for m in ('streamlit', 'geopandas') if m in sys.modules]; "
        "assert not bad, bad"
    )
    repo = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=repo)


# --------------------------------------------------------------------------- against the seeds


@needs_seeds
def test_every_citation_is_in_its_seed(registry):
    problems = check_citations(registry, SEEDS_DIR)
    errors = [p for p in problems if p.severity == ERROR]
    assert errors == [], "\n".join(map(str, errors))


@needs_seeds
def test_check_citations_catches_a_typo(registry):
    vitre = registry.get("pays-de-vitre")
    jalons = list(vitre.statut.jalons)
    jalons[-1] = dataclasses.replace(jalons[-1], citation=jalons[-1].citation.replace("29 septembre", "28 septembre"))
    broken = dataclasses.replace(vitre, statut=dataclasses.replace(vitre.statut, jalons=jalons))
    other = dataclasses.replace(registry, cpts=[broken if c.id == "pays-de-vitre" else c for c in registry.cpts])
    errors = [p for p in check_citations(other, SEEDS_DIR) if p.severity == ERROR]
    assert [(p.file, p.path) for p in errors] == [("cpts/pays-de-vitre.yaml", "statut.jalons[2].citation")]
    assert "citation introuvable dans 000_7be94897bc143df0.txt" in errors[0].message


@needs_seeds
def test_check_citations_catches_a_misspelt_commune(registry):
    redon = registry.get("pays-de-redon")
    per = redon.perimetre
    by_dept = {k: list(v) for k, v in per.communes_par_departement.items()}
    by_dept["44"][-2] = "Saint-Nicolas-de-Redon"  # the "correct" spelling is NOT what the source says
    broken = dataclasses.replace(redon, perimetre=dataclasses.replace(per, communes_par_departement=by_dept))
    other = dataclasses.replace(registry, cpts=[broken if c.id == "pays-de-redon" else c for c in registry.cpts])
    errors = [p for p in check_citations(other, SEEDS_DIR) if p.severity == ERROR]
    assert len(errors) == 1 and "Saint-Nicolas-de-Redon" in errors[0].message


@needs_seeds
def test_vitre_lists_match_the_seed():
    text = _seed_text("000_7be94897bc143df0.txt")
    vitre_part = text[text.index("*Argentr") + 1: text.index("nlis,")]
    other_part = text[text.index("nlis,"): text.index("Qu’est-ce qu’une")]
    vitre_names = _split_names(vitre_part)
    assert len(vitre_names) == 45  # fewer than the 46 declared communes
    registry = load_registry()
    assert [normalize_text(n) for n in registry.get("pays-de-vitre").perimetre.communes] == vitre_names
    other_names = _split_names(other_part)
    assert len(other_names) == 16 and other_names[0] == "nlis"
    recorded = registry.get("non-nommee-amanlis-vern").perimetre.all_communes
    assert [normalize_text(n) for n in recorded] == ["Amanlis"] + other_names[1:]


@needs_seeds
def test_redon_and_fougeres_lists_match_the_seed(registry):
    text = normalize_text(_seed_text("004_c042c7589bb07818.txt"))
    footnote = text[text.index("(1) Ille-et-Vilaine :"):]
    groups = re.split(r"\s*;\s*", footnote)
    by_label = {}
    for group in groups:
        label, names = group.split(" : ", 1)
        by_label[label.replace("(1) ", "")] = _split_names(names)
    assert {k: len(v) for k, v in by_label.items()} == {"Ille-et-Vilaine": 13, "Loire Atlantique": 9, "Morbihan": 17}
    cpd = registry.get("pays-de-redon").perimetre.communes_par_departement
    cpd = {k: [normalize_text(n) for n in v] for k, v in cpd.items()}
    assert cpd == {"35": by_label["Ille-et-Vilaine"], "44": by_label["Loire Atlantique"], "56": by_label["Morbihan"]}

    text = normalize_text(_seed_text("002_72ddf9e760ef5eb5.txt"))
    sentence = text[text.index("22 communes :") + len("22 communes :"):]
    sentence = sentence[: sentence.index(".") + 1]
    names = _split_names(sentence)
    assert len(names) == 22
    assert [normalize_text(n) for n in registry.get("pays-de-fougeres").perimetre.communes] == names


# --------------------------------------------------------------------------- broken copies


def _copy_registry(tmp_path: Path) -> Path:
    root = tmp_path / "registry"
    shutil.copytree(DEFAULT_ROOT, root)
    return root


def _edit(root: Path, rel: str, mutate: Callable[[dict], None]) -> None:
    path = root / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _set(data: dict, dotted: str, value: Any) -> None:
    keys = re.findall(r"[^.\[\]]+", dotted)
    target = data
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value


def _del(data: dict, dotted: str) -> None:
    keys = re.findall(r"[^.\[\]]+", dotted)
    target = data
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    del target[keys[-1]]


def _errors(root: Path) -> list[Problem]:
    return [p for p in validate_registry(root) if p.severity == ERROR]


BROKEN_CASES = [
    # (file, mutation, expected path, expected words in the French message)
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "financement[0].source", "cp-inexistant"),
     "financement[0].source", "source inconnue « cp-inexistant »"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "statut.jalons[2].date", "2022-13-45"),
     "statut.jalons[2].date", "date invalide"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "statut.jalons[0].date", "début 2021"),
     "statut.jalons[0].date", "date invalide"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "financement[0].montants", 3),
     "financement[0].montants", "clé inconnue « montants »"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "population", 3),
     "population", "clé inconnue « population »"),
    ("cpts/pays-de-vitre.yaml", lambda d: _del(d, "nom"),
     "nom", "clé obligatoire « nom » manquante"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "financement[0].montant", "196 875"),
     "financement[0].montant", "doit être un nombre"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "departements", [35]),
     "departements[0]", "doit être un texte"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "id", "pays-de-vitré"),
     "id", "identifiant attendu"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "id", "vitre"),
     "id", "ne correspond pas au nom du fichier « pays-de-vitre.yaml »"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "missions.attractivite", []),
     "missions.attractivite", "mission ou clé inconnue « attractivite »"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "statut.etape", "aci_signé"),
     "statut.etape", "non permise"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "statut.jalons[1].etape", "recrutement"),
     "statut.jalons[1].etape", "non permise"),
    ("cpts/pays-de-ploermel-coeur-de-bretagne.yaml", lambda d: _set(d, "statut.etape", "lettre_intention_validee"),
     "statut.jalons[7].etape", "postérieur à l'étape courante"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "perimetre.regle", "commune"),
     "perimetre.regle", "non permise"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "nom_connu", "oui"),
     "nom_connu", "doit être true ou false"),
    ("cpts/pays-de-redon.yaml", lambda d: _set(d, "perimetre.communes", ["Redon"]),
     "perimetre.communes_par_departement", "doublon"),
    ("cpts/pays-de-ploermel-coeur-de-bretagne.yaml", lambda d: _set(d, "perimetre.approximatif", False),
     "perimetre.communes", "approximatif"),
    ("cpts/non-nommee-amanlis-vern.yaml", lambda d: _set(d, "perimetre.corrections", {"Amanlys": "nlis"}),
     "perimetre.corrections.Amanlys", "n'est pas une commune listée"),
    ("cpts/pays-de-vitre.yaml", lambda d: _set(d, "taille_aci_declaree.valeur", 5),
     "taille_aci_declaree.valeur", "inférieur ou égal à 4"),
    ("sources.yaml", lambda d: _set(d, "sources[1].id", "cp-vitre-2022-09-29"),
     "sources[1].id", "en double"),
    ("sources.yaml", lambda d: _set(d, "sources[0].type", "article"),
     "sources[0].type", "non permise"),
    ("context.yaml", lambda d: _set(d, "chiffres[1].id", "france-cpts-2022"),
     "chiffres[1].id", "en double"),
    ("context.yaml", lambda d: _set(d, "chiffres[0].date", "29/09/2022"),
     "chiffres[0].date", "date invalide"),
    ("context.yaml", lambda d: _set(d, "tailles_aci[1].min", 45000),
     "tailles_aci[1].min", "non contiguës"),
]


@pytest.mark.parametrize("rel, mutate, path, words", BROKEN_CASES, ids=[f"{c[0]}:{c[2]}" for c in BROKEN_CASES])
def test_validation_catches_broken_copy(tmp_path, rel, mutate, path, words):
    root = _copy_registry(tmp_path)
    assert _errors(root) == []  # the copy is valid before the edit
    _edit(root, rel, mutate)
    errors = _errors(root)
    matching = [p for p in errors if p.file == rel and p.path == path and words in p.message]
    assert matching, "\n".join(map(str, errors)) or "no error"
    with pytest.raises(RegistryError) as excinfo:
        load_registry(root)
    message = str(excinfo.value)
    assert message.startswith("Registre CPTS invalide")
    assert f"{rel} › {path}" in message and words in message


def test_duplicate_yaml_key_is_an_error(tmp_path):
    root = _copy_registry(tmp_path)
    path = root / "cpts" / "pays-de-vitre.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nnom: Autre nom\n", encoding="utf-8")
    [problem] = _errors(root)
    assert problem.file == "cpts/pays-de-vitre.yaml"
    assert "clé « nom » en double" in problem.message and "ligne" in problem.message


def test_unreadable_yaml_and_missing_file(tmp_path):
    root = _copy_registry(tmp_path)
    (root / "cpts" / "pays-de-redon.yaml").write_text("id: [pays-de-redon\n", encoding="utf-8")
    (root / "context.yaml").unlink()
    errors = _errors(root)
    assert any(p.file == "cpts/pays-de-redon.yaml" and "YAML invalide" in p.message for p in errors)
    assert any(p.file == "context.yaml" and p.message == "fichier manquant" for p in errors)


def test_new_cpts_file_is_picked_up_and_checked(tmp_path):
    root = _copy_registry(tmp_path)
    (root / "cpts" / "exemple.yaml").write_text(
        "id: exemple\nnom: CPTS Exemple\nnom_connu: true\ndepartements: ['29']\n"
        "statut: {etape: aci_signe, jalons: []}\nperimetre: {regle: inconnu}\n",
        encoding="utf-8",
    )
    problems = validate_registry(root)
    assert [p for p in problems if p.severity == ERROR] == []
    assert any(p.file == "cpts/exemple.yaml" and p.path == "statut.etape" and p.severity == WARNING
               for p in problems)  # a step without a milestone that attests it
    assert load_registry(root).get("exemple").nom == "CPTS Exemple"
