"""Tiles stay true after a publication (geo/tiles_refresh.py, ui/tiles_refresh.py, geo/cli/tiles.py).

A tiny scope (the communes of Ille-et-Vilaine and Mayenne, a copy of the registry) is tiled by the
real tippecanoe in seconds. What users rely on: tiles whose data changed are never shown as current
(the map says so, in French, as text); a publication queues one rebuild, after which the manifest
names tiles of the new data; a failing tippecanoe leaves the previous tiles in place and the map and
the CLI say « Mise à jour de la carte impossible : … »."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from geo import tiles
from geo import tiles_refresh as gtr
from geo.atlas import Atlas
from geo.importing import analyze, registry_codes
from geo.matching import Matcher
from geo.paths import DATA_DIR
from geo.registry import history, load_registry
from geo.registry.store import publish
from geo.scope import Scope
from tests.import_support import csv_bytes, registry_copy

pytestmark = pytest.mark.usefixtures("real_registry_untouched")

VITRE_SHRUNK = csv_bytes([["CPTS", "Commune", "Code INSEE"],
                          ["CPTS du Pays de Vitré", "Vitré", "35360"],
                          ["CPTS du Pays de Vitré", "Balazé", ""]])


@pytest.fixture
def small(atlas, tmp_path, monkeypatch):
    """A data folder of two départements with its own registry copy and tiles folder."""
    data = tmp_path / "data"
    data.mkdir()
    communes = atlas.communes[atlas.communes["departement"].isin(["35", "53"])].reset_index(drop=True)
    communes.to_parquet(data / "communes.parquet")
    os.symlink(DATA_DIR / "communes_france.parquet", data / "communes_france.parquet")
    reg = registry_copy(data)
    scope = Scope("53", "Bretagne", ("35",), data)
    static = tmp_path / "static"
    monkeypatch.setattr(tiles, "TILES_DIR", static)
    return scope, reg, static


def _digest(scope, reg) -> str:
    a = Atlas.load(registry_root=reg, scope=scope)
    return tiles.data_digest(a.communes, a.territories)


def _publish_vitre(reg: Path, scope) -> None:
    a = Atlas.load(registry_root=reg, scope=scope)
    m = Matcher(a.communes)
    r = load_registry(reg)
    result = analyze(VITRE_SHRUNK, "liste.csv", a.communes, m, r, registry_codes(r, a.communes, m))
    publish(result, reg, reg.parent / "backups", today="2026-12-01")


def test_refresh_builds_once_then_finds_the_tiles_current(small):
    scope, reg, static = small
    info = gtr.refresh(scope, log=lambda s: None, registry_root=reg)
    assert info is not None and info.path.parent == static / "53"
    assert tiles.read_manifest(scope, static).digest == _digest(scope, reg)
    assert gtr.refresh(scope, log=lambda s: None, registry_root=reg) is None   # same data: nothing rebuilt
    assert gtr.read_status(scope).state == gtr.CURRENT


@pytest.fixture
def app_side(small, monkeypatch):
    """ui/tiles_refresh.py reading the small scope: its atlas, its registry, its tiles, a real refresher."""
    import ui.data
    import ui.tiles_refresh as utr

    scope, reg, static = small
    monkeypatch.setattr(ui.data, "get_atlas", lambda s=None: Atlas.load(registry_root=reg, scope=scope))
    monkeypatch.setattr(utr, "REGISTRY_DIR", reg)
    monkeypatch.setattr(utr, "tile_scopes", lambda: [scope])
    refresher = utr.Refresher(runner=lambda s: gtr.refresh(s, log=lambda t: None, registry_root=reg))
    monkeypatch.setattr(utr, "REFRESHER", refresher)
    return utr, refresher


def test_stale_tiles_are_drawn_with_a_french_notice_until_rebuilt(small, app_side):
    scope, reg, static = small
    utr, refresher = app_side
    old = gtr.refresh(scope, log=lambda s: None, registry_root=reg)
    assert utr.tiles_notice(scope, old, refresher) is None          # current tiles: no notice
    refresher_runs = list(refresher.runs)

    utr.published.unsubscribe(utr._on_publication)                  # this test drives the queue itself
    try:
        _publish_vitre(reg, scope)
    finally:
        utr.published.subscribe(utr._on_publication)
    notice = utr.tiles_notice(scope, old, refresher)
    assert notice.startswith("Carte en cours de mise à jour après la publication du ")
    assert "UTC : les contours affichés peuvent dater d'avant." in notice
    assert refresher.wait(300)
    assert refresher.runs == refresher_runs + ["53"]                 # the notice queued one rebuild
    new = tiles.read_manifest(scope, static)
    assert new.digest == _digest(scope, reg) != old.digest and new.path != old.path
    assert utr.tiles_notice(scope, new, refresher) is None


def test_a_publication_queues_one_rebuild_and_the_manifest_then_matches(small, app_side):
    scope, reg, static = small
    utr, refresher = app_side
    old = gtr.refresh(scope, log=lambda s: None, registry_root=reg)
    _publish_vitre(reg, scope)                     # geo/registry/store.py notifies ui/tiles_refresh.py
    assert refresher.wait(300)
    assert refresher.runs == ["53"]
    assert tiles.read_manifest(scope, static).digest == _digest(scope, reg) != old.digest
    assert history.numbers(history.versions_dir_for(reg))[-1] == 2


def test_publications_elsewhere_queue_nothing(small, app_side, tmp_path):
    scope, reg, static = small
    utr, refresher = app_side
    other = registry_copy(tmp_path / "autre")
    _publish_vitre(other, scope)                   # not the registry the map reads
    assert refresher.wait(60) and refresher.runs == []


@pytest.fixture
def failing_tippecanoe(tmp_path, monkeypatch):
    fake = tmp_path / "tippecanoe"
    fake.write_text("#!/bin/sh\necho 'disque plein (simulé)' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(tiles, "tippecanoe_binary", lambda: str(fake))


def test_a_failed_tippecanoe_keeps_the_old_tiles_and_says_so(small, app_side, monkeypatch, request):
    scope, reg, static = small
    utr, refresher = app_side
    old = gtr.refresh(scope, log=lambda s: None, registry_root=reg)
    request.getfixturevalue("failing_tippecanoe")
    _publish_vitre(reg, scope)
    assert refresher.wait(300) and refresher.runs == ["53"]
    kept = tiles.read_manifest(scope, static)
    assert kept == old and kept.path.exists()                      # the previous tiles still served
    status = gtr.read_status(scope)
    assert status.state == gtr.FAILED and "tippecanoe a échoué (code 3)" in status.error
    notice = utr.tiles_notice(scope, old, refresher)
    assert notice.startswith("Mise à jour de la carte impossible : tippecanoe a échoué (code 3)")
    assert "disque plein (simulé)" in notice and "les contours affichés datent d'avant" in notice
    assert refresher.runs == ["53"]                                # no retry loop on every rerun
    with pytest.raises(tiles.TilesError, match="tippecanoe a échoué"):
        gtr.refresh(scope, log=lambda s: None, registry_root=reg)


def test_the_notice_is_text_on_the_map_never_markup():
    import folium
    from ui.tiles_refresh import TilesNotice

    hostile = "Mise à jour de la carte impossible : <img src=x onerror=alert(1)> {{ config }} **gras**"
    m = folium.Map(tiles=None)
    TilesNotice(hostile).add_to(m)
    html = m.get_root().render()
    assert "<img src=x" not in html and "{{ config }}" not in html   # JSON-escaped data, not a template
    assert "box.textContent = d.text" in html and 'data-tiles-stale' in html
    payload = json.dumps(hostile, ensure_ascii=False)
    assert "onerror" in html and payload not in html                # present only in escaped form


def test_the_cli_rebuilds_after_a_publication_and_reports_failures(small, monkeypatch, capsys, request):
    import geo.paths
    from geo.cli import tiles as cli_tiles

    scope, reg, static = small
    monkeypatch.setattr(geo.paths, "REGISTRY_DIR", reg)
    monkeypatch.setattr(gtr, "tile_scopes", lambda root=None: [scope])
    old = gtr.refresh(scope, log=lambda s: None)
    _publish_vitre(reg, scope)
    request.getfixturevalue("failing_tippecanoe")
    cli_tiles.rebuild_after_publication([history.versions_dir_for(reg)])
    err = capsys.readouterr().err
    assert "Mise à jour de la carte impossible : tippecanoe a échoué (code 3)" in err
    assert "python -m geo tiles --region 53" in err and tiles.read_manifest(scope, static) == old
    monkeypatch.undo()   # the real tippecanoe again, same small scope
    monkeypatch.setattr(tiles, "TILES_DIR", static)
    monkeypatch.setattr(geo.paths, "REGISTRY_DIR", reg)
    monkeypatch.setattr(gtr, "tile_scopes", lambda root=None: [scope])
    cli_tiles.rebuild_after_publication([history.versions_dir_for(reg)])
    assert "tuiles mises à jour" in capsys.readouterr().err
    assert tiles.read_manifest(scope, static).digest == _digest(scope, reg)


def test_fiches_small_map_of_a_tile_scope_carries_only_its_cptss_communes(atlas):
    """The Fiches map of a tile-drawn scope (no GeoJSON layer files): the CPTS's communes with their
    names, its outline and its départements, as small static files — not the scope's communes."""
    from geo.tiles_mapdata import tile_map_data
    from ui.fiche_map import small_layers
    from ui.map import territory_map

    md = tile_map_data(atlas.communes, atlas.territories)
    t = atlas.territory("pays-de-vitre")
    urls = small_layers(atlas, md, t)

    def read(url):
        from ui.data import GENERATED
        assert url.startswith("/app/static/generated/fiches/")   # same origin: the deployment's CSP allows it
        return json.loads((GENERATED / "fiches" / url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))

    communes = read(urls["communes"])["features"]
    assert sorted(f["properties"]["code"] for f in communes) == sorted(t.codes)
    assert {"code": "35360", "nom": "Vitré", "n": 1} in [f["properties"] for f in communes]
    assert [f["properties"]["id"] for f in read(urls["territoires"])["features"]] == ["pays-de-vitre"]
    deps = {f["properties"]["code"] for f in read(urls["departements"])["features"]}
    assert deps == set(atlas.communes.loc[atlas.communes["code"].isin(t.codes), "departement"])
    html = territory_map(md, urls, t.id, list(t.codes), "#0072B2").get_root().render()
    from ui.map_elements import js_data
    assert js_data(urls["communes"]) in html and "Vitré" not in html   # names only in the fetched file
    assert len(html) < 100_000


def test_repeated_publications_coalesce_into_one_more_rebuild():
    """While a rebuild runs, three more requests for the same scope make one more run, not three;
    never two at once."""
    import threading

    from ui.tiles_refresh import Refresher

    started, release, running, overlap = threading.Event(), threading.Event(), [], []

    def runner(scope):
        overlap.append(len(running))
        running.append(scope.code)
        started.set()
        release.wait(30)
        running.remove(scope.code)

    scope = Scope("france", "France entière", (), Path("/nonexistent"))
    r = Refresher(runner=runner)
    r.request(scope)
    assert started.wait(30) and r.busy(scope)
    for _ in range(3):
        r.request(scope)
    release.set()
    assert r.wait(30)
    assert r.runs == ["france", "france"] and overlap == [0, 0] and not r.busy(scope)


def test_a_rebuild_that_dies_without_a_status_is_shown_and_not_restarted_on_every_rerun(small, app_side):
    """A child process killed before it could write its status (out of memory…): the map says the
    update failed, and the next reruns do not start it again; a new publication does."""
    scope, reg, static = small
    utr, _ = app_side
    old = gtr.refresh(scope, log=lambda s: None, registry_root=reg)

    def dies(s):
        raise RuntimeError("processus arrêté (signal 9)")

    r = utr.Refresher(runner=dies)
    utr.published.unsubscribe(utr._on_publication)
    try:
        _publish_vitre(reg, scope)
    finally:
        utr.published.subscribe(utr._on_publication)
    assert utr.tiles_notice(scope, old, r).startswith("Carte en cours de mise à jour")
    assert r.wait(60) and r.runs == ["53"]
    for _ in range(3):
        notice = utr.tiles_notice(scope, old, r)
        assert notice.startswith("Mise à jour de la carte impossible : processus arrêté (signal 9)")
    assert r.wait(60) and r.runs == ["53"]
    r.request(scope)                       # what a new publication does
    assert r.wait(60) and r.runs == ["53", "53"]


def test_cli_import_rebuilds_the_tiles_after_publishing(atlas, tmp_path):
    """``python -m geo import`` in a new process (CPTS_DATA_DIR): the publication, then the tiles of the
    scope rebuilt and said on stderr; stdout stays the command's JSON."""
    import subprocess
    import sys

    from geo.paths import REPO_ROOT

    data = tmp_path / "data"
    data.mkdir()
    atlas.communes[atlas.communes["departement"].isin(["35", "53"])].reset_index(drop=True).to_parquet(
        data / "communes.parquet")
    os.symlink(DATA_DIR / "communes_france.parquet", data / "communes_france.parquet")
    reg = registry_copy(data)
    scope = Scope("53", "Bretagne", ("35",), data)
    old = gtr.refresh(scope, log=lambda s: None, registry_root=reg)   # the served tiles folder, like the CLI
    listing = tmp_path / "liste.csv"
    listing.write_bytes(VITRE_SHRUNK)
    env = dict(os.environ, CPTS_DATA_DIR=str(data))
    for k in ("CPTS_REGISTRY_DIR", "CPTS_BACKUP_DIR"):
        env.pop(k, None)
    done = subprocess.run([sys.executable, "-m", "geo", "import", str(listing), "--json", "--confirmer-suppressions"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    json.loads(done.stdout)                                            # the report, untouched
    assert "Carte de Bretagne : tuiles mises à jour en" in done.stderr, done.stderr
    new = tiles.read_manifest(scope)
    assert new.digest == _digest(scope, reg) != old.digest and new.path.exists() and old.path.exists()


def test_the_child_rebuild_reports_its_french_error():
    """The app's rebuild runs ``python -m geo tiles`` in a child process: its failure comes back as
    the child's French message (here an unknown scope), for the log and the map."""
    from ui.tiles_refresh import run_in_child

    with pytest.raises(RuntimeError, match="zz") as e:
        run_in_child(Scope("zz", "Nulle part", (), Path("/nonexistent")))
    assert "Traceback" not in str(e.value)
