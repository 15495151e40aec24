"""Sign-in of named editors in the app (AppTest, ui/auth.py) and the server-side check of the
Importer's publish: a visitor never gets an editing control, a crafted publish without a signed-in
editor is refused on the server and writes nothing, a wrong password is refused and the next
attempt must wait longer and longer (the throttle's clock is advanced, nothing sleeps)."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import ui.auth
from geo.auth import hash_password
from geo.paths import REPO_ROOT
from tests.import_support import snapshot
from tests.importer_page_support import root  # noqa: F401 -- fixture: a registry copy the page publishes into

PAGE = str(REPO_ROOT / "app_pages" / "5_Importer.py")
PASSWORD = "mot-de-passe-de-jeanne"
HASHES = {"Jeanne": {"hash": hash_password(PASSWORD)}}

pytestmark = pytest.mark.usefixtures("real_registry_untouched")


class Clock:
    def __init__(self):
        self.now = 10_000.0
        self.held: list[float] = []

    def __call__(self):
        return self.now

    def sleep(self, seconds: float):  # the hold of a failed attempt: recorded, time advances
        self.held.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(ui.auth, "_now", c)
    monkeypatch.setattr(ui.auth, "_sleep", lambda s: c.sleep(s))
    ui.auth._throttle.clear()
    yield c
    ui.auth._throttle.clear()


def page(**secrets) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    for k, v in secrets.items():
        at.secrets[k] = v
    return at


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="auth_nom").input(name)
    at.text_input(key="auth_mdp").input(password)
    return next(b for b in at.button if b.label == "Se connecter").click().run()


def errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.sidebar.error) + " ".join(e.value for e in at.error)


def test_visitor_sees_no_editing_control(root, clock):
    at = page(editeurs=HASHES).run()
    assert not at.exception
    assert not [b for b in at.button if b.label in ("Publier dans le registre", "Se déconnecter")]
    assert [t.key for t in at.sidebar.text_input] == ["auth_nom", "auth_mdp"]
    assert any("Aperçu seulement" in i.value for i in at.info)


def test_sign_in_then_out(root, clock):
    at = sign_in(page(editeurs=HASHES).run(), "  jeanne ", PASSWORD)
    assert not at.exception and not errors(at)
    assert any(t.value == "Connecté : Jeanne" for t in at.sidebar.text)
    assert not any("Aperçu seulement" in i.value for i in at.info)
    at.button(key="auth_logout").click().run()
    assert not any("Connecté" in t.value for t in at.sidebar.text)
    assert any("Aperçu seulement" in i.value for i in at.info)


def test_wrong_password_refused_and_slowed_down(root, clock):
    at = sign_in(page(editeurs=HASHES).run(), "Jeanne", "pas le bon mot de passe")
    assert "Nom ou mot de passe incorrect" in errors(at)
    assert not any("Connecté" in t.value for t in at.sidebar.text)
    # an unknown name gets the very same answer (the name's existence is never revealed)
    at = sign_in(at, "Personne", "pas le bon mot de passe")
    assert "Nom ou mot de passe incorrect" in errors(at)
    # each failure of this session doubles the delay; the failing request is held (at most MAX_HOLD)
    at = sign_in(at, "Jeanne", "encore faux !")
    at = sign_in(at, "Jeanne", "toujours faux")
    assert clock.held == [1.0, 2.0, 4.0, ui.auth.MAX_HOLD]  # the 4th failure imposes 8 s
    assert ui.auth._throttle().wait_time(["nom:autre"]) == 0
    # the rest of the 8 s must pass before ANY attempt is checked, even with the right password
    at = sign_in(at, "Jeanne", PASSWORD)
    assert "Trop de tentatives : réessayez dans 3 s" in errors(at)
    assert not any("Connecté" in t.value for t in at.sidebar.text)
    clock.now += 3
    at = sign_in(at, "Jeanne", PASSWORD)
    assert any(t.value == "Connecté : Jeanne" for t in at.sidebar.text), errors(at)


def test_other_sessions_wait_for_a_guessed_name(root, clock):
    clock.sleep = clock.held.append  # the failing request is still held when the other session tries
    sign_in(page(editeurs=HASHES).run(), "Jeanne", "faux faux faux")
    other = sign_in(page(editeurs=HASHES).run(), "jeanne", PASSWORD)  # a new session, same name
    assert "Trop de tentatives" in errors(other)


def test_removed_account_is_signed_out(root, clock):
    at = sign_in(page(editeurs=HASHES).run(), "Jeanne", PASSWORD)
    assert any(t.value == "Connecté : Jeanne" for t in at.sidebar.text)
    at.secrets["editeurs"] = {"Autre": {"hash": hash_password("un autre mot de passe")}}
    at.run()
    assert not any("Connecté" in t.value for t in at.sidebar.text)


def test_old_admin_password_secret_is_called_out(root, clock):
    at = page(admin_password="ancien-secret").run()
    assert any("admin_password n'est plus utilisé" in w.value.replace("« ", "").replace(" »", "")
               for w in at.warning)
    assert not [b for b in at.button if b.label == "Publier dans le registre"]


def _crafted_publish(editor_shown_by_the_page: str | None):
    """A page whose UI believes someone is an editor (a crafted or stale state): it renders the
    Importer's publish form for a valid new CPTS; whether it publishes is up to the server check."""
    import os
    from pathlib import Path

    from geo.importing import analyze
    from geo.registry import load_registry
    from geo.registry.files import fingerprints
    from geo.territories import build_territories
    from tests.deploy_support import NEW_CPTS_ROWS
    from tests.import_support import csv_bytes
    from ui.data import get_atlas
    from ui.importer import _publish_box

    import streamlit as st
    if st.session_state.get("imp_published"):  # after the publish, the Importer reruns to show this
        st.success(st.session_state["imp_published"])
        return
    root, backups = Path(os.environ["CPTS_REGISTRY_DIR"]), Path(os.environ["CPTS_BACKUP_DIR"])
    atlas = get_atlas()
    registry = load_registry(root)
    current = {t.id: list(t.codes) for t in build_territories(registry, atlas.communes, atlas.matcher)}
    result = analyze(csv_bytes([["CPTS", "Commune", "Code INSEE"], *NEW_CPTS_ROWS]), "liste.csv",
                     atlas.communes, atlas.matcher, registry, current)
    _publish_box(result, root, backups, editor_shown_by_the_page, fingerprints(root))


@pytest.mark.parametrize("signed_in", [False, True])
def test_publish_is_checked_on_the_server(root, clock, signed_in):
    at = AppTest.from_function(_crafted_publish, args=("Mallory",), default_timeout=180)
    at.secrets["editeurs"] = HASHES
    if signed_in:
        at.session_state[ui.auth.EDITOR_KEY] = "Jeanne"  # what a real sign-in leaves
    at.run()
    assert not at.exception
    before = snapshot(root)
    button = next(b for b in at.button if b.label == "Publier dans le registre")
    assert not button.disabled  # a valid new CPTS: only the editor check can stop it
    button.click().run()
    assert not at.exception
    if signed_in:
        assert snapshot(root) != before
        assert any("Registre publié" in s.value and "Jeanne" in s.value for s in at.success), [e.value for e in at.error]
    else:
        assert any("réservée aux éditeurs connectés" in e.value for e in at.error)
        assert snapshot(root) == before


OIDC = {"auth": {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "carte", "client_secret": "s", "server_metadata_url": "http://127.0.0.1:9/.well-known"},
        "editeurs_oidc": {"claim": "groups", "valeurs": ["ars-bretagne-cpts"]}}


@pytest.mark.parametrize("groups, allowed", [(["ars-bretagne-cpts"], True), (["autre"], False)])
def test_oidc_claims_decide_who_publishes(root, clock, groups, allowed):
    at = AppTest.from_function(_crafted_publish, args=("Mallory",), default_timeout=180)
    for k, v in OIDC.items():
        at.secrets[k] = v
    at.user = {"is_logged_in": True, "email": "jeanne@ars.fr", "sub": "jeanne", "groups": groups}
    at.run()
    before = snapshot(root)
    next(b for b in at.button if b.label == "Publier dans le registre").click().run()
    assert not at.exception
    if allowed:
        assert any("Registre publié" in s.value and "jeanne@ars.fr" in s.value for s in at.success)
    else:
        assert any("réservée aux éditeurs connectés" in e.value for e in at.error)
        assert snapshot(root) == before


def test_oidc_sign_in_panel(root, clock):
    at = page(**OIDC)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert [b.label for b in at.sidebar.button] == ["Se connecter"]
    assert not [t for t in at.text_input if t.key == "auth_mdp"]  # no password with OIDC
    at = page(**OIDC)
    at.user = {"is_logged_in": True, "email": "paul@ars.fr", "sub": "paul", "groups": ["autre"]}
    at.run()
    assert any("pas éditeur" in w.value for w in at.sidebar.warning)
    assert any("Aperçu seulement" in i.value for i in at.info)
