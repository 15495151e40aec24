"""The « Historique » page (streamlit AppTest) on a COPY of the registry: versions newest first with
editor and summary; a visitor sees no restore button and a crafted restore call is refused on the
server; a signed-in editor restores version 1 (with the removals confirmed) and the registry comes
back byte for byte; a hostile CPTS name in a version's summary is shown literally."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.auth import hash_password
from geo.importing import analyze, registry_codes
from geo.paths import REPO_ROOT
from geo.registry import history, load_registry
from geo.registry.store import publish
from tests.import_support import csv_bytes, registry_copy, snapshot

PAGE = str(REPO_ROOT / "app_pages" / "7_Historique.py")
EDITOR = "Testeur"
PASSWORD = "mot-de-passe-solide"
HOSTILE = "CPTS <script>alert(1)</script> **gras** [lien](http://evil)"

pytestmark = pytest.mark.usefixtures("real_registry_untouched")


@pytest.fixture
def env(tmp_path, monkeypatch, communes, matcher):
    root = registry_copy(tmp_path)
    backups = tmp_path / "backups"
    monkeypatch.setenv("CPTS_REGISTRY_DIR", str(root))
    monkeypatch.setenv("CPTS_BACKUP_DIR", str(backups))
    initial = snapshot(root)
    data = csv_bytes([["CPTS", "Commune"], [HOSTILE, "Montfort-sur-Meu"], [HOSTILE, "Iffendic"]])
    reg = load_registry(root)
    result = analyze(data, "liste.csv", communes, matcher, reg, registry_codes(reg, communes, matcher))
    publish(result, root, backups, editeur="Agnès")
    return root, backups, initial


def page(with_editor: bool) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    if with_editor:
        at.secrets["editeurs"] = {EDITOR: {"hash": hash_password(PASSWORD)}}
    return at


def texts(at: AppTest) -> list[str]:
    out = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    out += [w.value for w in at.warning] + [i.value for i in at.info] + [s.value for s in at.success]
    return out


def restore_buttons(at: AppTest):
    return [b for b in at.button if b.label == "Restaurer cette version"]


def test_visitor_sees_versions_but_no_restore(env):
    root, _, _ = env
    at = page(with_editor=True).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Éditeur" in d.value.columns)
    assert list(table["Version"]) == [2, 1]
    assert list(table["Éditeur"]) == ["Agnès", "non renseigné"]
    assert "CPTS ajoutée" in table["Changements"][0] and "<script>" in table["Changements"][0]  # plain text cell
    assert not restore_buttons(at)
    assert any("réservée aux éditeurs connectés" in t for t in texts(at))
    # the hostile name is escaped in the Markdown detail: no raw HTML, no link, no bold
    detail = "\n".join(m.value for m in at.markdown)
    assert "<script>" not in detail and "&lt;script&gt;" in detail and "\\*\\*gras\\*\\*" in detail
    assert "](http" not in detail
    # the initial version has no editor: said as such, not « … par non renseigné »
    at.selectbox[0].select(1).run()
    detail = "\n".join(m.value for m in at.markdown)
    assert "UTC, éditeur non renseigné." in detail and "par non renseigné" not in detail


def _crafted(root: str, backups: str, vdir: str):
    """A restore call made by a visitor's session (as if the browser had sent the button's event)."""
    from pathlib import Path
    from ui.history import restore_action
    restore_action(Path(root), Path(backups), Path(vdir), 1, True)


def test_crafted_restore_by_a_visitor_is_refused(env):
    root, backups, _ = env
    before = snapshot(root)
    vdir = history.versions_dir_for(root)
    at = AppTest.from_function(_crafted, args=(str(root), str(backups), str(vdir)), default_timeout=60)
    at.secrets["editeurs"] = {EDITOR: {"hash": hash_password(PASSWORD)}}
    at.run()
    assert any("réservée aux éditeurs connectés" in e.value for e in at.error), texts(at)
    assert snapshot(root) == before and history.numbers(vdir) == [1, 2]


def test_editor_restores_version_one(env):
    root, backups, initial = env
    at = page(with_editor=True).run()
    at.text_input(key="auth_nom").input(EDITOR)
    at.text_input(key="auth_mdp").input(PASSWORD)
    at = next(b for b in at.button if b.label == "Se connecter").click().run()
    assert not at.exception
    at.selectbox(key="hist_version").set_value(1).run()
    assert any("Suppressions à confirmer" in w.value for w in at.warning), texts(at)
    restore_buttons(at)[0].click().run()   # not confirmed: refused, nothing written
    assert any("Suppressions non confirmées" in e.value for e in at.error), texts(at)
    assert history.numbers(history.versions_dir_for(root)) == [1, 2]
    at.checkbox(key="hist_confirm").check()
    restore_buttons(at)[0].click().run()
    assert not at.exception
    assert snapshot(root) == initial
    assert any("Version 1 restaurée par Testeur" in s.value for s in at.success), texts(at)
    table = next(d.value for d in at.dataframe if "Éditeur" in d.value.columns)
    assert list(table["Version"]) == [3, 2, 1] and table["Éditeur"][0] == EDITOR
