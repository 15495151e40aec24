"""Edits made in the app, published (geo/registry/edit.py, edit_sources.py, edit_publish.py) on a COPY
of the registry: only the changed block of a CPTS file is rewritten, a changed fact cites the
change's source, a new source document lands in sources.yaml and documents/, the model's French
messages name the field, the publication is a history version that restores byte for byte, a
conflicting or unconfirmed destructive edit writes nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from geo.registry import history, load_registry
from geo.registry.edit import assign_sources, check_doc, citation_warnings, cpts_yaml, new_cpts, plain, read_cpts
from geo.registry.edit_perimeter import resolve_perimeter, with_codes
from geo.registry.edit_publish import EditPlan, destructive, file_sha, publish_edit
from geo.registry.edit_sources import NewSource, append_source, check_source, document_files, source_entry, source_id
from geo.registry.models import Cpts
from geo.registry.problems import PublishError
from geo.registry.restore import RemovalsNotConfirmed, restore_version
from tests.import_support import snapshot

pytestmark = pytest.mark.usefixtures("real_registry_untouched")

VITRE = "pays-de-vitre"
DOC = b"Tableau de suivi des CPTS (mars 2024)\nPays de Vitre ; financement ACI 2024 : 250 000 euros\n"
NEW_SOURCE = NewSource(titre="Tableau de suivi des CPTS", editeur="ARS Bretagne", date="2024-03-01",
                       type="page web", url="https://www.bretagne.ars.sante.fr/cpts", filename="suivi mars.txt",
                       data=DOC)


def _funding_edit(root: Path, source: str) -> tuple[str, dict, dict]:
    text, old = read_cpts(root, VITRE)
    new = yaml.safe_load(text)
    new["financement"][0].update(montant=250000, annee=2024, citation="financement ACI 2024 : 250 000 euros")
    return text, old, assign_sources(Cpts, old, new, source)


def _plan(root: Path, text: str, old: dict, new: dict, entry=None, documents=None) -> EditPlan:
    return EditPlan(VITRE, cpts_yaml(text, old, new), file_sha(root / "cpts" / f"{VITRE}.yaml"),
                    "Modification de « CPTS du Pays de Vitré » : financement", entry, documents or {})


def test_only_the_changed_block_is_rewritten(root):
    text, old, new = _funding_edit(root, "cp-vitre-2022-09-29")
    out = cpts_yaml(text, old, new)
    before, after = text.split("financement:"), out.split("financement:")
    assert after[0] == before[0]                                    # comments and facts above: byte for byte
    assert after[1].split("sans_medecin_traitant:")[1] == before[1].split("sans_medecin_traitant:")[1]
    assert "  - montant: 250000\n" in out and "    annee: 2024\n" in out
    assert plain(yaml.safe_load(out)) == plain(new)


def test_added_block_goes_where_the_model_puts_it_and_removed_block_disappears(root):
    text, old = read_cpts(root, "auray")
    new = dict(old)
    new["financement"] = [{"montant": 80000, "unite": "€/an", "couvre": "fonctionnement", "citation": "80 000 €"}]
    new = assign_sources(Cpts, old, new, "cp-vitre-2022-09-29")
    out = cpts_yaml(text, old, new)
    assert out.index("financement:") < out.index("perimetre:")
    assert new["financement"][0]["source"] == "cp-vitre-2022-09-29"
    assert list(new["financement"][0]) == ["montant", "unite", "couvre", "source", "citation"]  # model order
    assert cpts_yaml(out, yaml.safe_load(out), old) == text        # removing it gives the file back


def test_only_changed_facts_take_the_new_source(root):
    _, old = read_cpts(root, VITRE)
    new = yaml.safe_load(yaml.safe_dump(old, allow_unicode=True))
    new["professionnels"][1]["valeur"] = 32
    new["professionnels"][0]["note"] = "Note ajoutée."
    new["missions"]["prevention"].append({"action": "Dépistage", "citation": "dépistage"})
    got = assign_sources(Cpts, old, new, "nouvelle")
    assert got["professionnels"][0]["source"] == "cp-vitre-2022-09-29"  # only its note changed
    assert got["professionnels"][1]["source"] == "nouvelle"
    assert got["missions"]["source"] == "nouvelle"                     # a block has one source
    assert got["financement"] == old["financement"]


def test_model_messages_in_french_at_the_field(root):
    registry = load_registry(root)
    _, doc = read_cpts(root, VITRE)
    doc["taille_aci_declaree"]["valeur"] = 5
    doc["financement"][0]["montant"] = -3
    doc["financement"][0]["source"] = "inconnue"
    del doc["population_declaree"]["citation"]
    errors = {p.path: p.message for p in check_doc(doc, VITRE, registry) if p.severity == "erreur"}
    assert errors["taille_aci_declaree.valeur"] == "doit être inférieur ou égal à 4 (valeur : 5)"
    assert errors["financement[0].montant"] == "doit être supérieur ou égal à 0 (valeur : -3)"
    assert "source inconnue « inconnue »" in errors["financement[0].source"]
    assert errors["population_declaree.citation"] == "clé obligatoire « citation » manquante"


def test_new_source_entry_and_its_file(root):
    registry = load_registry(root)
    sid = source_id(NEW_SOURCE, set(registry.sources))
    assert sid == "tableau-de-suivi-des-cpts-2024-03-01"
    assert source_id(NEW_SOURCE, set(registry.sources) | {sid}) == sid + "-2"
    entry = source_entry(NEW_SOURCE, sid, "Agnès", today="2026-12-01")
    assert entry["fichier"].endswith(".txt") and entry["type"] == "page web" and entry["url"].startswith("https://")
    assert check_source(entry, NEW_SOURCE) == []
    bad = NewSource(titre="", editeur="ARS", date="2024", type="tract", url="ftp://x")
    problems = dict(check_source(source_entry(bad, "x-2024", "Agnès"), bad))
    assert problems["titre"] == "ne doit pas être un texte vide"
    assert "valeur « tract » non permise" in problems["type"]
    assert "adresse web attendue" in problems["url"]
    text = (root / "sources.yaml").read_text(encoding="utf-8")
    out = append_source(text, entry)
    assert out.startswith(text)
    assert yaml.safe_load(out)["sources"][-1]["id"] == sid
    assert document_files(root, NEW_SOURCE) == {f"documents/{entry['fichier']}": DOC}


def test_publish_with_a_new_source_then_restore_is_byte_identical(root, backups):
    initial = snapshot(root)
    registry = load_registry(root)
    sid = source_id(NEW_SOURCE, set(registry.sources))
    entry = source_entry(NEW_SOURCE, sid, "Agnès")
    text, old, new = _funding_edit(root, sid)
    plan = _plan(root, text, old, new, entry, document_files(root, NEW_SOURCE))
    meta = publish_edit(root, plan, editeur="Agnès", backups=backups)
    assert meta["numero"] == 2 and meta["operation"] == "modification" and meta["editeur"] == "Agnès"
    assert meta["sources"] == [{"id": sid, "titre": "Tableau de suivi des CPTS"}]
    assert meta["documents"] == [f"documents/{entry['fichier']}"]
    assert "financement" in meta["resume"]
    reg = load_registry(root)
    fin = reg.get(VITRE).financement[0]
    assert (fin.montant, fin.annee, fin.source) == (250000, 2024, sid)
    assert (root / "documents" / entry["fichier"]).read_bytes() == DOC
    assert reg.sources[sid].editeur == "ARS Bretagne"
    vdir = history.versions_dir_for(root)
    restore_version(root, 1, editeur="Bruno", backups=backups, vdir=vdir)
    assert snapshot(root) == initial
    assert history.numbers(vdir) == [1, 2, 3]


def test_edit_refused_when_the_file_changed_since(root, backups):
    text, old, new = _funding_edit(root, "cp-vitre-2022-09-29")
    plan = _plan(root, text, old, new)
    path = root / "cpts" / f"{VITRE}.yaml"
    path.write_text(text + "\n# changé par quelqu'un d'autre\n", encoding="utf-8")
    before = snapshot(root)
    with pytest.raises(PublishError, match="modifiée entre-temps") as exc:
        publish_edit(root, plan, editeur="Agnès", backups=backups)
    assert exc.value.exit_code == PublishError.CONFLICT
    assert snapshot(root) == before


def test_invalid_result_writes_nothing(root, backups):
    text, old, new = _funding_edit(root, "source-qui-n-existe-pas")
    before = snapshot(root)
    with pytest.raises(PublishError, match="registre obtenu serait invalide"):
        publish_edit(root, _plan(root, text, old, new), editeur="Agnès", backups=backups)
    assert snapshot(root) == before


def test_removing_a_cpts_needs_a_confirmation(root, backups):
    plan = EditPlan("auray", None, file_sha(root / "cpts" / "auray.yaml"), "Suppression de la CPTS « Auray »")
    gone = destructive(root, plan)
    assert len(gone) == 1 and "supprimée" in gone[0]
    before = snapshot(root)
    with pytest.raises(RemovalsNotConfirmed):
        publish_edit(root, plan, editeur="Agnès", backups=backups)
    assert snapshot(root) == before
    publish_edit(root, plan, editeur="Agnès", backups=backups, confirm_removals=True)
    assert load_registry(root).get("auray") is None


def test_perimeter_resolved_by_the_matcher_and_shrinking_is_destructive(root, backups, matcher):
    text, old = read_cpts(root, VITRE)
    per = dict(old["perimetre"])
    per["communes"] = [n for n in per["communes"] if n not in ("Vitré", "Bais")] + ["Xyzzyville"]
    check = resolve_perimeter(per, ["35"], matcher)
    assert [m for p, m in check.errors if p == "perimetre.communes"][0].startswith("« Xyzzyville » :")
    assert any(n.startswith("« Domgané » → Domagné (35096)") for n in check.notes), check.notes
    per["communes"] = per["communes"][:-1]
    check = resolve_perimeter(per, ["35"], matcher)
    assert check.complete and len(check.codes) == 43
    new = dict(old, perimetre=with_codes(per, check, old["perimetre"], new_cpts=False))
    assert "codes_insee" not in new["perimetre"]   # a hand-written perimeter without codes stays without
    plan = _plan(root, text, old, assign_sources(Cpts, old, new, "cp-vitre-2022-09-29"))
    gone = destructive(root, plan)
    assert gone and "perd 2 communes" in gone[0] and "Vitré" in gone[0]


def test_new_cpts_with_its_perimeter_codes(root, backups, matcher):
    text, data = new_cpts("CPTS du Pays de Brocéliande", ["35"], "pays-de-broceliande")
    per = {"regle": "communes", "communes": ["Montfort-sur-Meu", "Iffendic", "Breteil"]}
    check = resolve_perimeter(per, ["35"], matcher)
    data["perimetre"] = with_codes({**per, "citation": "Montfort-sur-Meu, Iffendic, Breteil"}, check, None, new_cpts=True)
    data = assign_sources(Cpts, {}, data, "cp-vitre-2022-09-29")
    assert data["perimetre"]["codes_insee"] == ["35188", "35133", "35040"]
    assert [p for p in check_doc(data, "pays-de-broceliande", load_registry(root)) if p.severity == "erreur"] == []
    plan = EditPlan("pays-de-broceliande", text.split("\n", 1)[0] + "\n" + yaml.safe_dump(data, allow_unicode=True,
                    sort_keys=False), None, "Création de la CPTS « CPTS du Pays de Brocéliande »")
    meta = publish_edit(root, plan, editeur="Agnès", backups=backups)
    assert "1 CPTS ajoutée" in meta["resume"]
    assert load_registry(root).get("pays-de-broceliande").perimetre.codes_insee == ["35188", "35133", "35040"]
    with pytest.raises(PublishError, match="créée entre-temps"):   # the same creation again: refused
        publish_edit(root, plan, editeur="Agnès", backups=backups)


def test_a_citation_not_in_its_document_is_said(root):
    from geo.registry.documents import read_document
    registry = load_registry(root)
    _, old = read_cpts(root, VITRE)
    new = yaml.safe_load(yaml.safe_dump(old, allow_unicode=True))
    new["financement"][0]["citation"] = "un financement de 250 000 euros"         # not in the press release
    new["professionnels"][0]["citation"] = "Plus de 60 professionnels de santé libéraux,\nhospitaliers"  # it is
    new["missions"]["prevention"].append({"action": "Vaccination", "citation": "une phrase inventée"})
    got = dict(citation_warnings(old, new, lambda sid: read_document(registry, sid)))
    assert set(got) == {"financement[0].citation", "missions.prevention[4].citation"}
    assert "introuvable telle quelle" in got["financement[0].citation"]
    assert citation_warnings(old, new, lambda sid: None) == []                     # no text: nothing to check
