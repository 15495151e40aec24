"""geo.registry.store: publishing an import into a COPY of the registry (tmp_path), atomically,
after a backup; concurrent publications; failures that leave the registry byte-identical; export to
CSV/XLSX without formula injection, and export → import round trips."""
from __future__ import annotations

import csv
import io
import multiprocessing as mp
from pathlib import Path

import openpyxl
import pytest
import yaml

from geo.registry import files as registry_files
from geo.registry import store as registry_store
from geo.registry import yaml_write
from geo.importing import analyze, registry_codes
from geo.matching import Matcher
from geo.registry import load_registry, validate_registry
from geo.registry.store import (LOCK_NAME, PublishError, export_bytes, export_rows, fingerprints, neutralize,
                                publish, replace_block, to_csv_bytes, to_xlsx_bytes)
from geo.territories import build_territories
from tests.import_support import (csv_bytes, geojson_bytes, registry_copy, snapshot,
                                  union_of)

HEADER = ["CPTS", "Commune", "Code INSEE", "Statut", "Date de signature"]


@pytest.fixture(scope="module")
def names(communes):
    return dict(zip(communes["code"], communes["nom"]))


# Every test works on a copy: the committed registry must come out byte-identical.
pytestmark = pytest.mark.usefixtures("real_registry_untouched")


def analyze_on(root, data, communes, matcher, name="liste.csv", **kw):
    reg = load_registry(root)
    return analyze(data, name, communes, matcher, reg, registry_codes(reg, communes, matcher), **kw)


def territories_of(root, communes, matcher):
    return {t.id: t for t in build_territories(load_registry(root), communes, matcher)}


LISTING = csv_bytes([
    HEADER,
    ["CPTS du Pays de Vitré", "Vitré", "35360", "", ""],
    ["CPTS du Pays de Vitré", "Domgané", "", "", ""],
    ["CPTS du Pays de Vitré", "Balazé", "", "", ""],
    ["CPTS de Brocéliande", "Montfort-sur-Meu", "", "ACI signé", "12/03/2023"],
    ["CPTS de Brocéliande", "Iffendic", "", "", ""],
    ["CPTS de Brocéliande", "Saint-Armel", "", "", ""],   # homonym: 35 from the others
], encoding="cp1252")


# --------------------------------------------------------------------------- publish


def test_publish_replaces_perimeter_creates_cpts_and_leaves_the_rest(root, backups, communes, matcher):
    before = snapshot(root)
    result = analyze_on(root, LISTING, communes, matcher)
    assert not result.blocking
    report = publish(result, root, backups, today="2024-06-30", expected=fingerprints(root))
    assert report.updated == ["pays-de-vitre"] and report.created == ["broceliande"]
    after = snapshot(root)
    changed = {k for k in after if before.get(k) != after[k]}
    assert changed == {"cpts/pays-de-vitre.yaml", "cpts/broceliande.yaml"}
    assert not [p for p in validate_registry(root) if p.severity == "erreur"]

    # every other fact of Vitré is unchanged, byte for byte outside the perimetre block
    old = yaml.safe_load(before["cpts/pays-de-vitre.yaml"])
    new = yaml.safe_load(after["cpts/pays-de-vitre.yaml"])
    assert {k: v for k, v in old.items() if k != "perimetre"} == {k: v for k, v in new.items() if k != "perimetre"}
    old_text = before["cpts/pays-de-vitre.yaml"].decode()
    assert old_text.split("\nperimetre:")[0] in after["cpts/pays-de-vitre.yaml"].decode()
    assert new["perimetre"]["communes"] == ["Vitré", "Domgané", "Balazé"]
    assert new["perimetre"]["codes_insee"] == ["35360", "35096", "35015"]
    assert new["perimetre"]["source_import"] == {"fichier": "liste.csv", "date_import": "2024-06-30", "format": "csv"}

    created = yaml.safe_load(after["cpts/broceliande.yaml"])
    assert created["perimetre"]["codes_insee"] == ["35188", "35133", "35250"]
    assert created["statut"]["etape"] == "aci_signe" and created["statut"]["infere"] is True
    assert "12 mars 2023" in created["statut"]["note"]

    # the map reads the codes: territories follow the import
    terr = territories_of(root, communes, matcher)
    assert terr["pays-de-vitre"].codes == ["35015", "35096", "35360"]
    assert terr["broceliande"].codes == ["35133", "35188", "35250"]
    assert any(d.kind == "perimetre_importe" for d in terr["broceliande"].discrepancies)

    # the backup is the registry as it was
    assert report.backup.parent == backups
    assert snapshot(report.backup) == before
    assert not list(root.glob(".staging-*"))


def test_geojson_publish_keeps_the_polygon(root, backups, communes, matcher):
    poly = union_of(communes, ["35115", "35150", "35137"])
    data = geojson_bytes([({"nom_cpts": "CPTS Essai Polygone"}, poly)])
    result = analyze_on(root, data, communes, matcher, name="cpts.geojson")
    report = publish(result, root, backups, today="2024-06-30")
    cid = report.created[0]
    doc = yaml.safe_load((root / "cpts" / f"{cid}.yaml").read_text())
    assert doc["perimetre"]["source_import"]["polygone"] == f"perimetres/{cid}.geojson"
    kept = (root / "perimetres" / f"{cid}.geojson").read_text()
    import json
    import shapely
    from shapely.geometry import shape
    g = shape(json.loads(kept)["features"][0]["geometry"])
    assert shapely.equals_exact(shapely.normalize(g), shapely.normalize(poly), tolerance=1e-9)
    assert not [p for p in validate_registry(root) if p.severity == "erreur"]
    (root / "perimetres" / f"{cid}.geojson").unlink()
    assert any("introuvable" in p.message for p in validate_registry(root))


def test_blocking_rows_and_stale_preview_are_refused(root, backups, communes, matcher):
    before = snapshot(root)
    bad = analyze_on(root, csv_bytes([HEADER, ["CPTS du Pays de Vitré", "Xyzzyville", "", "", ""]]), communes, matcher)
    with pytest.raises(PublishError, match="à corriger"):
        publish(bad, root, backups)
    result = analyze_on(root, LISTING, communes, matcher)
    prints = fingerprints(root)
    (root / "cpts" / "pays-de-vitre.yaml").write_text((root / "cpts" / "pays-de-vitre.yaml").read_text() + "# edit\n")
    edited = snapshot(root)
    with pytest.raises(PublishError, match="modifié depuis l'aperçu"):
        publish(result, root, backups, expected=prints)
    assert snapshot(root) == edited
    assert before.keys() == edited.keys()


@pytest.mark.parametrize("step", ["staged", "swapped_perimetres", "swapped_cpts"])
def test_failure_at_any_step_leaves_the_registry_byte_identical(root, backups, communes, matcher, monkeypatch, step):
    poly = union_of(communes, ["35115", "35150"])
    data = geojson_bytes([({"nom": "CPTS du Pays de Vitré"}, union_of(communes, ["35360", "35015"])),
                          ({"nom": "CPTS Nouvelle Essai"}, poly)])
    result = analyze_on(root, data, communes, matcher, name="x.geojson")
    before = snapshot(root)

    def boom(name):
        if name == step:
            raise OSError("disque plein (simulé)")

    monkeypatch.setattr(registry_store, "_hook", boom)
    with pytest.raises(PublishError, match="disque plein"):
        publish(result, root, backups)
    assert snapshot(root) == before
    assert not list(root.glob(".staging-*"))
    assert not (root / "perimetres").exists()


def test_failure_inside_the_directory_swap(root, backups, communes, matcher, monkeypatch):
    result = analyze_on(root, LISTING, communes, matcher)
    before = snapshot(root)
    real_rename = registry_store.os.rename
    calls = []

    def flaky_rename(a, b):
        calls.append((a, b))
        if str(b).endswith("cpts.old"):
            raise OSError("rename interrompu (simulé)")
        return real_rename(a, b)

    monkeypatch.setattr(registry_files, "_renameat2_exchange", lambda a, b: False)  # the two-rename path
    monkeypatch.setattr(registry_store.os, "rename", flaky_rename)
    with pytest.raises(PublishError):
        publish(result, root, backups)
    monkeypatch.setattr(registry_store.os, "rename", real_rename)
    assert calls and snapshot(root) == before


def test_invalid_result_is_never_swapped_in(root, backups, communes, matcher, monkeypatch):
    result = analyze_on(root, LISTING, communes, matcher)
    before = snapshot(root)
    monkeypatch.setattr(registry_store, "perimetre_doc", lambda *a, **k: {"regle": "communes", "communes": []})
    with pytest.raises(PublishError, match="invalide"):
        publish(result, root, backups)
    assert snapshot(root) == before


def _publish_in_process(args):
    root, backups, rows, barrier = args
    from geo.referential import load_communes
    communes = load_communes()
    m = Matcher(communes)
    result = analyze_on(Path(root), csv_bytes(rows), communes, m)
    barrier.wait(timeout=120)
    report = publish(result, Path(root), Path(backups))
    return report.created + report.updated


def test_concurrent_publications_both_land(root, backups, communes, matcher):
    ctx = mp.get_context("fork")
    barrier = ctx.Manager().Barrier(2)
    jobs = [
        (str(root), str(backups), [HEADER, ["CPTS du Pays de Vitré", "Vitré", "", "", ""],
                                   ["CPTS du Pays de Vitré", "Balazé", "", "", ""]], barrier),
        (str(root), str(backups), [HEADER, ["CPTS du Pays de Fougères", "Fougères", "", "", ""],
                                   ["CPTS Nouvelle Concurrente", "Lécousse", "", "", ""]], barrier),
    ]
    with ctx.Pool(2) as pool:
        done = pool.map(_publish_in_process, jobs)
    assert sorted(sum(done, [])) == ["nouvelle-concurrente", "pays-de-fougeres", "pays-de-vitre"]
    assert not [p for p in validate_registry(root) if p.severity == "erreur"]
    terr = territories_of(root, communes, matcher)
    assert terr["pays-de-vitre"].codes == ["35015", "35360"]
    assert terr["pays-de-fougeres"].codes == ["35115"]
    assert terr["nouvelle-concurrente"].codes == ["35150"]
    assert len(list(backups.iterdir())) == 2
    assert (root / LOCK_NAME).exists() and not list(root.glob(".staging-*"))


def test_lock_serialises(root):
    import threading
    import time
    order = []

    def hold():
        with registry_store.registry_lock(root):
            order.append("a-in")
            time.sleep(0.3)
            order.append("a-out")

    t = threading.Thread(target=hold)
    t.start()
    time.sleep(0.05)
    with registry_store.registry_lock(root):
        order.append("b-in")
    t.join()
    assert order == ["a-in", "a-out", "b-in"]


# --------------------------------------------------------------------------- schema


def test_schema_codes_insee_must_match_the_names(root):
    path = root / "cpts" / "non-nommee-amanlis-vern.yaml"
    text = path.read_text()
    doc = yaml.safe_load(text)
    per = doc["perimetre"]
    per["codes_insee"] = ["35003"]
    path.write_text(replace_block(text, "perimetre", yaml.safe_dump({"perimetre": per}, allow_unicode=True)))
    assert any(p.path == "perimetre.codes_insee" and p.severity == "erreur" for p in validate_registry(root))
    per["codes_insee"] = ["3500X"] * len(per["communes"])
    path.write_text(replace_block(text, "perimetre", yaml.safe_dump({"perimetre": per}, allow_unicode=True)))
    assert any("code INSEE à 5 caractères" in p.message for p in validate_registry(root))


def test_replace_block_keeps_every_other_byte(root):
    for path in sorted((root / "cpts").glob("*.yaml")):
        text = path.read_text()
        per = yaml.safe_load(text)["perimetre"]
        out = replace_block(text, "perimetre", yaml_write.dump({"perimetre": per}))
        lines_before = [ln for ln in text.splitlines() if ln]
        head = text.split("\nperimetre:")[0]
        assert out.startswith(head)
        assert yaml.safe_load(out) == yaml.safe_load(text)
        tail_key = next((ln for ln in text.split("\nperimetre:")[1].splitlines() if ln[:1].isalpha()), None)
        if tail_key:
            assert out.split(tail_key, 1)[1] == text.split(tail_key, 1)[1]
        assert lines_before


# --------------------------------------------------------------------------- export


@pytest.mark.parametrize("value", ["=1+1", "+33 6", "-Vitré", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\")"])
def test_formula_injection_is_neutralised_in_csv_and_xlsx(value):
    assert neutralize(value) == "'" + value
    rows = [["cpts", value, "35360"]]
    text = to_csv_bytes(["a", "b", "c"], rows).decode("utf-8-sig")
    cells = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert cells[1][1] == "'" + value
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(["a", "b", "c"], rows)))
    cell = wb.active.cell(2, 2)
    assert cell.data_type == "s" and cell.value.startswith("'") and cell.value[1:].strip() == value.strip()
    assert wb.active.cell(2, 3).value == "35360"  # codes stay text


def test_html_in_names_survives_as_text_in_downloads(root, backups, communes, matcher, names):
    data = csv_bytes([HEADER, ["<script>alert('x')</script> CPTS", "Vitré", "", "", ""],
                      ["=cmd|' /C calc'!A0", "Balazé", "", "", ""]])
    result = analyze_on(root, data, communes, matcher)
    publish(result, root, backups)
    reg = load_registry(root)
    terr = build_territories(reg, communes, matcher)
    out = export_bytes(reg, terr, names, "csv").decode("utf-8-sig")
    assert "<script>alert('x')</script> CPTS" in out
    assert ";'=cmd|' /C calc'!A0;" in out and ";=cmd" not in out
    wb = openpyxl.load_workbook(io.BytesIO(export_bytes(reg, terr, names, "xlsx")))
    values = [c.value for row in wb.active.iter_rows() for c in row]
    assert "'=cmd|' /C calc'!A0" in values
    assert all(c.data_type == "s" for row in wb.active.iter_rows() for c in row if c.value)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_leaves_the_registry_identical(root, backups, communes, matcher, names, fmt):
    reg = load_registry(root)
    data = export_bytes(reg, build_territories(reg, communes, matcher), names, fmt)
    before = snapshot(root)
    result = analyze_on(root, data, communes, matcher, name=f"registre.{fmt}")
    assert not result.blocking
    assert {t.id for t in result.territories} == {c.id for c in reg.cpts}
    assert not result.changes
    publish(result, root, backups)
    assert snapshot(root) == before


def test_export_carries_imported_perimeters(tmp_path, communes, matcher, names):
    """Registry A = original + an import; export A; import that export into a fresh copy of the
    original: the result has A's CPTS with A's communes."""
    a = registry_copy(tmp_path / "a")
    publish(analyze_on(a, LISTING, communes, matcher), a, tmp_path / "bk")
    reg_a = load_registry(a)
    terr_a = build_territories(reg_a, communes, matcher)
    exported = export_bytes(reg_a, terr_a, names, "xlsx")

    b = registry_copy(tmp_path / "b")
    result = analyze_on(b, exported, communes, matcher, name="registre.xlsx")
    assert not result.blocking
    publish(result, b, tmp_path / "bk")
    terr_b = territories_of(b, communes, matcher)
    assert {t.id: t.codes for t in terr_a} == {i: t.codes for i, t in terr_b.items()}
    doc_a, doc_b = (yaml.safe_load((r / "cpts" / "broceliande.yaml").read_text()) for r in (a, b))
    assert doc_b["nom"] == doc_a["nom"] and doc_b["statut"]["etape"] == doc_a["statut"]["etape"] == "aci_signe"
    for key in ("regle", "communes", "codes_insee"):
        assert doc_b["perimetre"][key] == doc_a["perimetre"][key]
    # and a second round trip changes nothing
    again = analyze_on(b, export_bytes(load_registry(b), list(terr_b.values()), names, "csv"), communes, matcher)
    assert not again.changes


def test_export_rows_layout(root, communes, matcher, names):
    reg = load_registry(root)
    rows = export_rows(reg, build_territories(reg, communes, matcher), names)
    by_id = {}
    for r in rows:
        by_id.setdefault(r[0], []).append(r)
    assert len(by_id["pays-de-vitre"]) == 46  # the 45 names of the source + Montreuil-des-Landes from the EPCI
    assert ["auray", "CPTS d'Auray", "", "", "", "", ""] in rows  # no perimeter: one row, no commune
    vitre = by_id["pays-de-vitre"][0]
    assert vitre[5].startswith("Accord conventionnel") and vitre[6] == "2022-09-29"


def test_new_cpts_without_communes(root, backups, communes, matcher):
    """A CPTS listed without commune on purpose (« périmètre non connu », issue 11.3) is created with an
    unknown perimeter; one whose only
    row was ignored by the user is not created at all."""
    data = csv_bytes([HEADER, ["CPTS Projet Sans Périmètre", "périmètre non connu", "", "Projet de CPTS", ""],
                      ["CPTS Fantôme", "Xyzzyville", "", "", ""]])
    result = analyze_on(root, data, communes, matcher, fixes={3: "__ignorer__"})
    assert not result.blocking and result.summary()["cpts_nouvelles"] == 1
    report = publish(result, root, backups, today="2024-06-30")
    assert report.created == ["sans-perimetre"]  # « CPTS », « projet » and articles are not part of the id
    doc = yaml.safe_load((root / "cpts" / "sans-perimetre.yaml").read_text())
    assert doc["perimetre"]["regle"] == "inconnu" and doc["statut"]["etape"] is None
    assert "Projet de CPTS" in doc["statut"]["note"]
    assert not (root / "cpts" / "fantome.yaml").exists()
    assert not [p for p in validate_registry(root) if p.severity == "erreur"]
