"""The one post-publish place (geo/registry/store.py publication() -> geo/registry/published.py):
every kind of publication — an import, an edit, a restore — notifies the listeners once it has swapped
a new registry in and released the lock; a refused or failed publication, or one that changes
nothing, notifies nobody; a listener that fails leaves the publication standing. On a COPY of the
registry."""
from __future__ import annotations

import pytest
import yaml

from geo.importing import analyze, registry_codes
from geo.registry import history, load_registry, published
from geo.registry import store as registry_store
from geo.registry.edit import assign_sources, cpts_yaml, read_cpts
from geo.registry.edit_publish import EditPlan, file_sha, publish_edit
from geo.registry.files import registry_lock
from geo.registry.models import Cpts
from geo.registry.restore import Unchanged, restore_version
from geo.registry.store import PublishError, publish
from tests.import_support import csv_bytes, snapshot

pytestmark = pytest.mark.usefixtures("real_registry_untouched")

LISTING = csv_bytes([["CPTS", "Commune"], ["CPTS du Pays de Vitré", "Vitré"], ["CPTS du Pays de Vitré", "Balazé"]])


@pytest.fixture
def calls(root):
    """(versions folder, version meta) told to a listener; it also takes the registry lock (must be free)."""
    seen = []

    def record(vdir, meta):
        with registry_lock(root, timeout=0.5):  # released before the listeners are told
            seen.append((vdir, meta))
    published.subscribe(record)
    yield seen
    published.unsubscribe(record)


def _analyze(root, communes, matcher, data=LISTING):
    reg = load_registry(root)
    return analyze(data, "liste.csv", communes, matcher, reg, registry_codes(reg, communes, matcher))


def test_import_edit_and_restore_each_call_the_hooks_once(root, backups, calls, communes, matcher):
    report = publish(_analyze(root, communes, matcher), root, backups, editeur="Alice")
    assert [(v, m["operation"], m["numero"], m["editeur"]) for v, m in calls] == [
        (history.versions_dir_for(root), "import", report.version, "Alice")]

    text, old = read_cpts(root, "pays-de-vitre")
    new = yaml.safe_load(text)
    new["financement"][0].update(montant=250000, annee=2024)
    new = assign_sources(Cpts, old, new, "cp-vitre-2022-09-29")
    plan = EditPlan("pays-de-vitre", cpts_yaml(text, old, new), file_sha(root / "cpts" / "pays-de-vitre.yaml"),
                    "Modification de « CPTS du Pays de Vitré » : financement")
    meta = publish_edit(root, plan, editeur="Bruno", backups=backups)
    assert (calls[-1][1]["operation"], calls[-1][1]["numero"]) == ("modification", meta["numero"])

    meta = restore_version(root, 1, editeur="Chloé", backups=backups, confirm_removals=True)
    assert (calls[-1][1]["operation"], calls[-1][1]["numero"]) == ("restauration", meta["numero"])
    assert len(calls) == 3


def test_no_hook_when_nothing_is_published(root, backups, calls, communes, matcher, monkeypatch):
    with pytest.raises(Unchanged):
        restore_version(root, 1, editeur="x", backups=backups)  # version 1 is the live registry
    publish(_analyze(root, communes, matcher), root, backups)
    calls.clear()
    assert publish(_analyze(root, communes, matcher), root, backups).version is None  # same perimeter again

    def boom(step):
        if step == "swapped_cpts":
            raise OSError(28, "No space left on device")
    monkeypatch.setattr(registry_store, "_hook", boom)
    before = snapshot(root)
    with pytest.raises(PublishError):
        restore_version(root, 1, editeur="x", backups=backups, confirm_removals=True)
    assert snapshot(root) == before and calls == []


def test_a_failing_listener_leaves_the_publication_standing(root, backups, communes, matcher, calls, caplog):
    def broken(vdir, meta):
        raise RuntimeError("tuiles")
    published.subscribe(broken)
    try:
        report = publish(_analyze(root, communes, matcher), root, backups)
    finally:
        published.unsubscribe(broken)
    assert report.version == 2 and history.numbers(history.versions_dir_for(root)) == [1, 2]
    assert [m["numero"] for _, m in calls] == [2]  # the other listener is still told
    assert "tuiles" in caplog.text
