"""Issue 8.5: a visitor (no sign-in) reaches no editing action on any page of the app, while
editor accounts exist. Every editing action of the app is a form (publish, restore…): as a
visitor, the only form a page may show is the sign-in. And a session that signs in does get the
editing form (so this test sees forms when there are some)."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import ui.auth
from geo.auth import hash_password
from geo.paths import REPO_ROOT
from tests.import_support import registry_copy

PAGES = sorted(p.name for p in (REPO_ROOT / "app_pages").glob("[0-9]*_*.py"))
EDITORS = {"Jeanne": {"hash": hash_password("mot-de-passe-de-jeanne")}}
EDIT_LABELS = {"Publier dans le registre", "Restaurer cette version"}

pytestmark = pytest.mark.usefixtures("real_registry_untouched")


@pytest.fixture(autouse=True)
def data_copy(tmp_path, monkeypatch):
    # pages that write (Importer, Historique) work on a copy; the versions live beside it
    monkeypatch.setenv("CPTS_REGISTRY_DIR", str(registry_copy(tmp_path)))
    monkeypatch.setenv("CPTS_BACKUP_DIR", str(tmp_path / "backups"))
    ui.auth._throttle.clear()


def forms(at: AppTest) -> set[str]:
    return {b.proto.form_id for b in at.button if b.proto.form_id}


def labels(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


@pytest.mark.parametrize("name", PAGES)
def test_visitor_gets_no_editing_form(name):
    at = AppTest.from_file(str(REPO_ROOT / "app_pages" / name), default_timeout=180)
    at.secrets["editeurs"] = EDITORS
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert forms(at) <= {"auth_signin"}, (name, forms(at))
    assert not labels(at) & EDIT_LABELS


def test_signed_in_editor_gets_the_restore_form():
    at = AppTest.from_file(str(REPO_ROOT / "app_pages" / "7_Historique.py"), default_timeout=180)
    at.secrets["editeurs"] = EDITORS
    at.session_state[ui.auth.EDITOR_KEY] = "Jeanne"
    at.run()
    assert not at.exception
    assert "Restaurer cette version" in labels(at) and forms(at) - {"auth_signin"}
