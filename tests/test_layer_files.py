"""The map's static layer files (ui/data.py): never removed while a page or a process may use them
(issue 11: a second server's publish left the first one's pages with a blank map), rewritten when
missing, old ones pruned only after days unused."""
from __future__ import annotations

import os
import time
import types

import pytest

from geo.mapdata import MapData
from ui import data

DAY = 86400


def _md(tag: str) -> MapData:
    fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None, "properties": {"nom": tag}}]}
    return MapData(communes=fc, territories=fc, departements=fc, legend=[], bounds=[[0, 0], [1, 1]],
                   centroids={}, commune_shapes={}, territory_shapes={})


@pytest.fixture
def layers(tmp_path, monkeypatch):
    """ui.data writing into tmp_path, with a map data per version tag."""
    monkeypatch.setattr(data, "GENERATED", tmp_path)
    monkeypatch.setattr(data, "_map_data", lambda version: _md(version.rsplit('-', 1)[1]))
    data._published_layers.clear()
    data._last_touch.clear()

    def urls(tag: str) -> dict[str, str]:
        version = f"{tmp_path}-{tag}"
        monkeypatch.setattr(data, "_data_version", lambda scope=None: version)
        return data.get_layer_urls()
    yield urls
    data._published_layers.clear()


def _file(tmp_path, url: str):
    return tmp_path / url.rsplit("/", 1)[1]


def test_layer_file_is_content_hashed_atomic_and_readable(tmp_path):
    a = data.write_layer(tmp_path, "communes", b'{"a":1}')
    assert a == data.write_layer(tmp_path, "communes", b'{"a":1}')          # same content, same file
    assert a != data.write_layer(tmp_path, "communes", b'{"a":2}')
    assert a.read_bytes() == b'{"a":1}' and (a.stat().st_mode & 0o777) == 0o644
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_new_version_never_removes_the_files_another_process_serves(layers, tmp_path):
    """Server 1 serves version A; server 2 publishes B: A's files stay, both sets are served."""
    a = layers("A")
    b = layers("B")
    assert a != b
    for url in [*a.values(), *b.values()]:
        assert _file(tmp_path, url).exists(), url


def test_a_removed_layer_file_is_rewritten_on_the_next_rerun(layers, tmp_path):
    urls = layers("A")
    path = _file(tmp_path, urls["communes"])
    body = path.read_bytes()
    path.unlink()
    assert layers("A") == urls            # same URL: the page's retry finds it again
    assert path.read_bytes() == body


def test_prune_only_old_unused_versions_beyond_the_newest(tmp_path):
    now = time.time()
    files = []
    for i in range(8):  # communes-0 newest … communes-7 oldest, one day apart
        p = data.write_layer(tmp_path, "communes", f'{{"v":{i}}}'.encode())
        os.utime(p, (now - i * DAY, now - i * DAY))
        files.append(p)
    current = files[7]  # the oldest one is still some process's current file
    removed = data.prune_layers(tmp_path, keep={current}, now=now, keep_days=3, keep_versions=2)
    # kept: the 2 newest, every file used in the last 3 days, and the current one
    assert set(removed) == {files[4], files[5], files[6]}
    assert all(p.exists() for p in files[:4] + [current])


def test_serving_a_file_keeps_it_from_being_pruned(layers, tmp_path, monkeypatch):
    urls = layers("A")
    path = _file(tmp_path, urls["communes"])
    old = time.time() - 30 * DAY
    os.utime(path, (old, old))
    data._last_touch.clear()
    layers("A")
    assert path.stat().st_mtime > time.time() - 60


def test_data_version_sees_a_publish_at_once_and_an_edit_within_a_second(tmp_path, monkeypatch):
    """The version scan is memoised (it ran 6 times per click) but a publish (the registry's cpts/
    folder swapped) changes it on the next call, and an edit in place within VERSION_TTL_S."""
    reg = tmp_path / "registry"
    (reg / "cpts").mkdir(parents=True)
    (reg / "cpts" / "a.yaml").write_text("nom: A\n")
    parquet = tmp_path / "communes.parquet"
    parquet.write_bytes(b"x")
    monkeypatch.setattr(data, "REGISTRY_DIR", reg)
    scope = types.SimpleNamespace(code="53", communes_path=parquet)  # the scope's referential file
    data._version_memo.clear()
    v1 = data._data_version(scope)
    assert data._data_version(scope) == v1
    new = reg / ".staging" / "cpts"
    new.mkdir(parents=True)
    (new / "a.yaml").write_text("nom: A bis\n")
    (reg / "cpts").rename(reg / "old")
    new.rename(reg / "cpts")
    v2 = data._data_version(scope)
    assert v2 != v1
    (reg / "cpts" / "a.yaml").write_text("nom: A ter, plus long\n")
    monkeypatch.setattr(data, "VERSION_TTL_S", 0.0)
    assert data._data_version(scope) not in (v1, v2)
    data._version_memo.clear()
