"""The history of the registry (geo/registry/history.py, restore.py) on a COPY of the registry:
every publish is a numbered version with its editor and summary; restoring brings back every file
byte for byte and is itself a version; the history survives a new process; a reader during a
publication never sees a half-written version; a killed publication leaves no partial version."""
from __future__ import annotations

import json
import multiprocessing as mp
import subprocess
import sys

import pytest

from geo.importing import analyze, registry_codes
from geo.registry import history, load_registry
from geo.registry.restore import RemovalsNotConfirmed, Unchanged, preview_restore, restore_version
from geo.registry.store import PublishError, publish
from geo.registry import store as registry_store
from geo.paths import REPO_ROOT
from tests.import_support import csv_bytes, snapshot

pytestmark = pytest.mark.usefixtures("real_registry_untouched")

HEADER = ["CPTS", "Commune"]
FIRST = csv_bytes([HEADER, ["CPTS du Pays de Vitré", "Vitré"], ["CPTS du Pays de Vitré", "Balazé"],
                   ["CPTS de Brocéliande", "Montfort-sur-Meu"], ["CPTS de Brocéliande", "Iffendic"]])
SECOND = csv_bytes([HEADER, ["CPTS de Brocéliande", "Montfort-sur-Meu"], ["CPTS de Brocéliande", "Iffendic"],
                    ["CPTS de Brocéliande", "Bédée"]])


def do_publish(root, backups, data, communes, matcher, name="liste.csv", editeur="Alice"):
    reg = load_registry(root)
    result = analyze(data, name, communes, matcher, reg, registry_codes(reg, communes, matcher))
    assert not result.blocking
    return publish(result, root, backups, editeur=editeur)


def test_versions_live_beside_the_registry_copy(root):
    assert history.versions_dir_for(root) == root.parent / "versions"
    assert history.versions_dir_for(REPO_ROOT / "data" / "registry") == REPO_ROOT / "data" / "versions"


def test_publish_twice_gives_three_versions_with_editor_and_summary(root, backups, communes, matcher):
    initial = snapshot(root)
    r1 = do_publish(root, backups, FIRST, communes, matcher, editeur="Alice")
    r2 = do_publish(root, backups, SECOND, communes, matcher, name="ajout.csv", editeur="Bruno")
    assert (r1.version, r2.version) == (2, 3)
    assert "Version 3 de l'historique" in r2.text()
    vdir = history.versions_dir_for(root)
    total, metas = history.list_versions(vdir)
    assert total == 3 and [m["numero"] for m in metas] == [3, 2, 1]
    v3, v2, v1 = metas
    assert v1["operation"] == "initial" and v1["libelle"] == "État initial"
    assert v2["editeur"] == "Alice" and v2["libelle"] == "Import de « liste.csv »"
    assert v3["editeur"] == "Bruno" and v3["libelle"] == "Import de « ajout.csv »"
    assert v2["date"].endswith("Z") and v2["date"][:4].isdigit()
    # v2: Brocéliande created, Vitré's perimeter replaced; v3: Brocéliande gains Bédée (35023)
    d2 = history.read_diff(vdir, 2)
    assert [c["nom"] for c in d2["cpts_ajoutees"]] == ["CPTS de Brocéliande"]
    assert "CPTS ajoutée" in v2["resume"] and "Brocéliande" in v2["resume"]
    assert "fichier importé : liste.csv" in v2["sources_citees"]
    d3 = history.read_diff(vdir, 3)
    [b] = d3["cpts_modifiees"]
    assert b["communes_ajoutees"] == [{"code": "35023", "nom": "Bédée"}] and b["communes_retirees"] == []
    assert "+1 / −0 communes" in v3["resume"]
    # version 1 is the registry as it was, file for file
    files = {rel: history.read_object(vdir, h) for rel, h in history.read_manifest(vdir, 1).items()}
    assert files == {k: v for k, v in initial.items() if k not in ("README.md", "schema.json")}


def test_restore_initial_is_byte_identical_and_a_new_version(root, backups, communes, matcher):
    initial = snapshot(root)
    do_publish(root, backups, FIRST, communes, matcher)
    do_publish(root, backups, SECOND, communes, matcher)
    assert snapshot(root) != initial
    vdir = history.versions_dir_for(root)
    preview = preview_restore(root, 1)
    assert [c["nom"] for c in preview["cpts_supprimees"]] == ["CPTS de Brocéliande"]
    with pytest.raises(RemovalsNotConfirmed) as e:  # Brocéliande would disappear: confirm first
        restore_version(root, 1, editeur="Chloé", backups=backups)
    assert e.value.exit_code == 8 and "Brocéliande" in str(e.value)
    assert history.numbers(vdir) == [1, 2, 3]
    meta = restore_version(root, 1, editeur="Chloé", backups=backups, confirm_removals=True)
    assert snapshot(root) == initial  # every file, byte for byte (perimeters folder gone too)
    assert meta["numero"] == 4 and meta["libelle"] == "Restauration de la version 1"
    assert meta["editeur"] == "Chloé" and meta["restaure"] == 1
    assert history.read_manifest(vdir, 4) == history.read_manifest(vdir, 1)
    with pytest.raises(Unchanged):
        restore_version(root, 1, editeur="Chloé", backups=backups)
    # and forward again: version 3 comes back too
    restore_version(root, 3, editeur="Chloé", backups=backups, confirm_removals=True)
    files = {rel: history.read_object(vdir, h) for rel, h in history.read_manifest(vdir, 3).items()}
    assert {k: v for k, v in snapshot(root).items() if k not in ("README.md", "schema.json")} == files


def test_unknown_version_is_refused(root, backups):
    with pytest.raises(PublishError) as e:
        restore_version(root, 42, editeur="x", backups=backups)
    assert "Version 42 introuvable" in str(e.value) and e.value.exit_code == 2


def test_history_survives_a_new_process(root, backups, communes, matcher):
    do_publish(root, backups, FIRST, communes, matcher, editeur="Alice")
    code = ("import sys, json; from geo.registry import history; "
            "t, m = history.list_versions(history.versions_dir_for(sys.argv[1])); "
            "print(json.dumps([t, [x['editeur'] for x in m]]))")
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True,
                         cwd=REPO_ROOT)
    assert json.loads(out.stdout) == [2, ["Alice", "non renseigné"]]


def test_failed_publish_records_no_version(root, backups, communes, matcher, monkeypatch):
    do_publish(root, backups, FIRST, communes, matcher)
    before = snapshot(root)

    def boom(step):
        if step == "swapped_cpts":
            raise OSError(28, "No space left on device")
    monkeypatch.setattr(registry_store, "_hook", boom)
    with pytest.raises(PublishError):
        do_publish(root, backups, SECOND, communes, matcher)
    vdir = history.versions_dir_for(root)
    assert snapshot(root) == before and history.numbers(vdir) == [1, 2]
    assert not list(vdir.glob(".partial-*"))


def test_kill_between_swap_and_rename_keeps_a_whole_version(root, backups, communes, matcher, monkeypatch):
    """A publication killed after its swap but before the version's rename: the next lock holder
    finds the complete partial version matching the live registry and keeps it; a partial version
    that does not match (killed before the swap) is dropped. A reader never lists a partial one."""
    vdir = history.versions_dir_for(root)
    history.start(root)
    monkeypatch.setattr(history.PendingVersion, "commit", lambda self: (_ for _ in ()).throw(SystemExit))
    reg = load_registry(root)
    result = analyze(FIRST, "liste.csv", communes, matcher, reg, registry_codes(reg, communes, matcher))
    monkeypatch.setattr(registry_store, "_undo", lambda *a: None)  # killed: nothing undone
    monkeypatch.setattr(history.PendingVersion, "discard", lambda self: None)
    with pytest.raises(SystemExit):
        publish(result, root, backups, editeur="Alice")
    monkeypatch.undo()
    assert history.numbers(vdir) == [1] and len(list(vdir.glob(".partial-*"))) == 1
    assert history.list_versions(vdir)[0] == 1
    assert history.recover(root, vdir) == ["gardée 2"]
    assert history.read_meta(vdir, 2)["editeur"] == "Alice"
    # a partial version whose content is not the live registry is removed
    stale = vdir / ".partial-0003-1-abc"
    stale.mkdir()
    (stale / "manifest.json").write_text('{"fichiers": {}}')
    assert history.recover(root, vdir) == ["retirée .partial-0003-1-abc"] and not stale.exists()


def _publish_in_child(root, backups, data, q):
    from geo.matching import Matcher
    from geo.referential import load_communes
    communes = load_communes()
    try:
        r = do_publish(root, backups, data, communes, Matcher(communes), editeur="Concurrent")
        q.put(r.version)
    except Exception as e:  # pragma: no cover - shown by the assertion
        q.put(repr(e))


def test_concurrent_publish_and_history_reads(root, backups, communes, matcher):
    history.start(root)
    vdir = history.versions_dir_for(root)
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    child = ctx.Process(target=_publish_in_child, args=(root, backups, FIRST, q))
    child.start()
    seen = set()
    while child.is_alive():
        total, metas = history.list_versions(vdir)  # never a half-written version
        assert total == len(metas) and all(m["numero"] and m["resume"] for m in metas)
        seen.add(total)
    child.join()
    assert q.get(timeout=5) == 2
    assert history.list_versions(vdir)[0] == 2 and seen <= {1, 2}


def test_failed_restore_changes_nothing(root, backups, communes, matcher, monkeypatch):
    """A restore failing after some entries were already replaced (here: the cpts/ swap, the last one)
    puts every entry back: the registry stays byte-identical and no version is recorded."""
    do_publish(root, backups, FIRST, communes, matcher)
    before = snapshot(root)
    real_swap = registry_store.swap_in

    def failing(new, live, old):
        if live.name == "cpts":
            raise OSError(28, "No space left on device", str(live))
        return real_swap(new, live, old)
    monkeypatch.setattr(registry_store, "swap_in", failing)  # the swap of every publication
    with pytest.raises(PublishError) as e:
        restore_version(root, 1, editeur="x", backups=backups, confirm_removals=True)
    assert e.value.exit_code == 6 and "disque" in str(e.value)
    vdir = history.versions_dir_for(root)
    assert snapshot(root) == before and history.numbers(vdir) == [1, 2]
    assert not list(vdir.glob(".partial-*")) and not list(root.glob(".staging-*"))
