"""Publishing a tracking table (issue 8.1, 8.2): the table becomes a source document (title, publisher,
date, editor, sha256, the file kept in documents/), each fact it sets cites its cell and is shown with
that source by the card's views; a table and a press release that disagree are both shown, the newer
one said and used by the map; restoring the version before the import brings the registry back
byte for byte. Every test publishes into its own copy of the registry."""
from __future__ import annotations

import hashlib

import pytest

from geo.importing import cpts_key, registry_codes
from geo.importing.facts_analysis import analyze_facts
from geo.registry import check_citations, load_registry
from geo.registry.documents import document_text
from geo.registry.facts_publish import publish_facts
from geo.registry.files import fingerprints
from geo.registry.history import versions_dir_for
from geo.registry.problems import PublishError
from geo.registry.restore import restore_version
from geo.territories import build_territories
from geo.views import facts as views
from geo.views.declared import declared_facts
from tests.facts_support import EMERAUDE, FOUGERES, REDON, TOTAL, VITRE, tracking_workbook
from tests.import_support import registry_copy, snapshot

TODAY = "2025-06-01"
FIX = {cpts_key("CPTS du Pays de Fougere"): "pays-de-fougeres"}


@pytest.fixture
def root(tmp_path):
    return registry_copy(tmp_path)


def _analyze(data, root, communes, matcher, **kw):
    reg = load_registry(root)
    return analyze_facts(data, "suivi_cpts.xlsx", communes, matcher, reg, registry_codes(reg, communes, matcher),
                         today=TODAY, cpts_fixes=FIX, **kw)


def _publish(data, root, communes, matcher, tmp_path, **kw):
    prints = fingerprints(root)
    result = _analyze(data, root, communes, matcher, **kw)
    assert not result.blocking
    return result, publish_facts(result, data, root, tmp_path / "backups", editeur="Claire Martin (ARS)",
                                 expected=prints, today=TODAY)


def test_publish_creates_source_document_and_cited_facts(root, tmp_path, communes, matcher):
    data = tracking_workbook()
    result, report = _publish(data, root, communes, matcher, tmp_path)
    assert report.created == ["cote-emeraude"] and set(report.updated) == {"pays-de-vitre", "pays-de-fougeres",
                                                                            "pays-de-redon"}
    reg = load_registry(root)
    src = reg.sources[report.source]
    assert src.type == "tableau de suivi" and src.editeur == "ARS Bretagne" and src.date == "2025-03-15"
    assert src.sha256 == hashlib.sha256(data).hexdigest() and src.importe_par == "Claire Martin (ARS)"
    assert src.date_import == TODAY
    assert (root / "documents" / src.fichier).read_bytes() == data          # the file kept beside the others
    # every citation of the table is one of its cells, found in its text (« voir la source »)
    ours = [p for p in check_citations(reg, root / "documents") if report.source in p.message]
    assert ours == []
    # the new CPTS's card: its figures with their source
    t = next(x for x in build_territories(reg, communes, matcher) if x.id == "cote-emeraude")
    assert len(t.codes) == 7 and t.perimetre_connu
    (communes_fig,) = [f for f in views.commune_figures(t, reg) if f.nature == views.DECLARE]
    assert communes_fig.value == "7" and communes_fig.source == report.source
    assert communes_fig.origin == "tableau de suivi du 15 mars 2025"
    assert communes_fig.citation == "Feuille « Suivi CPTS », ligne 5, colonne L : 7"
    assert document_text(reg, report.source, communes_fig.citation).spans        # the cell is marked in the document
    assert views.status_line(t).startswith("Projet de santé validé")
    engaged = views.engagement_figures(t, reg)
    assert [(f.label[:20], f.value) for f in engaged][:2] == [("Améliorer l'accès au", "engagée"),
                                                              ("Organiser des parcou", "non engagée")]
    assert views.contact_figures(t, reg)[0].value == "coordination@cpts-emeraude.bzh"
    # ... and the card shows them: missions engaged counted, the e-mail as text (never a live link)
    from geo.atlas import Atlas
    from ui.cards import card_plan
    plan = card_plan(Atlas.load(registry_root=root), t)
    (engaged_block,) = [item for item in plan if item[0] == "expander" and item[1].startswith("Missions engagées")]
    assert engaged_block[1] == f"Missions engagées ({sum(f.value == 'engagée' for f in engaged)} sur {len(engaged)})"
    card_text = "\n".join(item[1] for item in plan if item[0] == "md")
    assert "Adresse électronique" in card_text and "mailto" not in card_text
    assert "coordination@\u2060cpts" in card_text  # Streamlit would autolink a bare e-mail address
    facts = declared_facts(t.cpts, reg)
    assert {f["source"] for f in facts if f["champ"] != "perimetre"} == {report.source}
    # the history records the import, its editor and the new source
    assert report.version == 2


def test_table_newer_than_press_release_both_shown_newest_used(root, tmp_path, communes, matcher):
    _, report = _publish(tracking_workbook(), root, communes, matcher, tmp_path)
    reg = load_registry(root)
    t = next(x for x in build_territories(reg, communes, matcher) if x.id == "pays-de-vitre")
    figs, gap = views.population_figures(t, reg)
    declared = [f for f in figs if f.nature == views.DECLARE]
    assert [f.label for f in declared] == ["Population déclarée", "Population déclarée (valeur plus ancienne)"]
    assert declared[0].value == "82\u202f412 hab." and "la plus récente" in declared[0].note
    assert declared[0].source == report.source
    assert declared[1].value == "81\u202f205 hab." and declared[1].source == "cp-vitre-2022-09-29"
    assert "plus ancienne que 82\u202f412 hab." in declared[1].note and "29 septembre 2022" in declared[1].note
    assert t.population_declaree == 82412                                   # what the map and indicators use
    assert "1er janvier 2024" in gap
    smt = views.smt_figures(t, reg)
    assert [f.value for f in smt] == ["14,1\u202f%", "12,7\u202f%"]
    assert smt[1].label.endswith("(valeur plus ancienne)") and "la plus récente" in smt[0].note
    assert t.cpts.sans_medecin_traitant[0].valeur == 14.1                  # the map reads the first share
    assert [f.label for f in views.funding_figures(t, reg)] == ["Financement 2024", "Financement 2022"]
    # python -m geo territories --json: both values with their source, the other one flagged
    pops = [f for f in declared_facts(t.cpts, reg) if f["champ"] == "population_declaree"]
    assert [(f["valeur"], f["source"], f.get("valeur_retenue", True)) for f in pops] == [
        (82412, report.source, True), (81205, "cp-vitre-2022-09-29", False)]


def test_table_older_than_press_release_keeps_the_press_value(root, tmp_path, communes, matcher):
    old_table_vitre = list(VITRE)
    old_table_vitre[10] = None                                 # no own date: the table's date (2020) applies
    data = tracking_workbook(rows=[old_table_vitre], title="Tableau de suivi des CPTS — ARS Bretagne — 15/01/2020",
                             communes=[])
    result, report = _publish(data, root, communes, matcher, tmp_path)
    vitre = next(c for c in result.cpts if c.id == "pays-de-vitre")
    (pop,) = [f for f in vitre.facts if f.champ == "population_declaree"]
    assert pop.statut == "plus_ancien"
    reg = load_registry(root)
    t = next(x for x in build_territories(reg, communes, matcher) if x.id == "pays-de-vitre")
    assert t.population_declaree == 81205
    figs, _ = views.population_figures(t, reg)
    declared = [f for f in figs if f.nature == views.DECLARE]
    assert declared[0].source == "cp-vitre-2022-09-29" and "la plus récente" in declared[0].note
    assert declared[1].source == report.source and "15 janvier 2020" in declared[1].note


def test_restore_previous_version_is_byte_identical(root, tmp_path, communes, matcher):
    before = snapshot(root)
    _, report = _publish(tracking_workbook(), root, communes, matcher, tmp_path)
    assert snapshot(root) != before
    restore_version(root, report.version - 1, editeur="test", backups=tmp_path / "backups", confirm_removals=True)
    after = snapshot(root)
    assert after == before
    assert versions_dir_for(root).is_dir()


def test_reimport_same_file_changes_nothing(root, tmp_path, communes, matcher):
    data = tracking_workbook()
    _publish(data, root, communes, matcher, tmp_path)
    again = _analyze(data, root, communes, matcher)
    assert again.document["existe"] and not again.changes and not again.perimeter_changes
    assert all(f.statut == "inchange" for c in again.cpts for f in c.facts)


def test_blocking_or_changed_registry_writes_nothing(root, tmp_path, communes, matcher):
    data = tracking_workbook(rows=[VITRE, EMERAUDE, FOUGERES, REDON, TOTAL])
    reg = load_registry(root)
    blocked = analyze_facts(data, "suivi.xlsx", communes, matcher, reg, registry_codes(reg, communes, matcher),
                            today=TODAY)
    before = snapshot(root)
    with pytest.raises(PublishError, match="bloquant"):
        publish_facts(blocked, data, root, tmp_path / "b", editeur="x")
    prints = fingerprints(root)
    result = _analyze(data, root, communes, matcher)
    vitre = root / "cpts" / "pays-de-vitre.yaml"
    vitre.write_text(vitre.read_text(encoding="utf-8") + "\n# modifié entre-temps\n", encoding="utf-8")
    changed = snapshot(root)
    with pytest.raises(PublishError) as e:
        publish_facts(result, data, root, tmp_path / "b", editeur="x", expected=prints, today=TODAY)
    assert e.value.exit_code == PublishError.CONFLICT
    assert snapshot(root) == changed and changed != before


def test_csv_tracking_table_with_a_missions_list(root, tmp_path, communes, matcher):
    from tests.import_support import csv_bytes
    data = csv_bytes([["Suivi des CPTS, ARS Bretagne, 02/02/2025"],
                      ["Nom de la CPTS", "Population déclarée", "Missions engagées", "Financement ACI", "Année"],
                      ["CPTS du Pays de Redon", "81 246 habitants", "Accès aux soins / prévention, parcours",
                       "150 000 €", "2024"]], encoding="cp1252")
    result, report = _publish(data, root, communes, matcher, tmp_path)
    assert result.format == "csv" and result.document["date"] == "2025-02-02"
    reg = load_registry(root)
    assert reg.sources[report.source].fichier.endswith(".csv")
    assert [p for p in check_citations(reg, root / "documents") if report.source in p.message] == []
    redon = reg.get("pays-de-redon")
    assert [(m.mission, m.engagee) for m in redon.missions_engagees.missions] == [
        ("acces_aux_soins", True), ("parcours_pluriprofessionnels", True), ("prevention", True)]
    assert redon.missions_engagees.missions[0].citation == "Ligne 3, colonne C : Accès aux soins / prévention, parcours"
    assert redon.financement[0].montant == 150000 and redon.financement[0].source == report.source
