"""Sign-in through OpenID Connect, end to end in Chromium (issue 8.5): a local mock provider
(PyPI oidc-provider-mock) and the app with ``[auth]`` + ``[editeurs_oidc]`` in its secrets, on free
loopback ports. A user of the editors' group signs in, sees the publish control and publishes; a
user without the group signs in too but stays a visitor (no publish control). The version the
publish adds to the history names the editor (its e-mail claim)."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app_server import copy_data, data_env, geo_cli
from conftest import APP_EXCEPTION, REPO_ROOT, SERVER_START_TIMEOUT, _free_port, _stop, http_get, wait_for_idle
from tests.deploy_support import NEW_CPTS_ROWS

pytestmark = pytest.mark.e2e

GROUP = "ars-bretagne-cpts"
USERS = [{"sub": "jeanne", "email": "jeanne@ars-bretagne.fr", "groups": [GROUP]},
         {"sub": "paul", "email": "paul@exemple.fr", "groups": ["autre-service"]}]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def _wait_http(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if http_get(url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"{url} did not answer:\n" + log.read_text(errors="replace")[-3000:], pytrace=False)


@pytest.fixture(scope="module")
def oidc_app(tmp_path_factory):
    """(app base URL, data dir): the mock provider and the app, both on 127.0.0.1. One pair for the
    module: each test signs in from its own page (the page fixture clears cookies between tests), and the visitor test
    compares the registry before and after its own upload."""
    tmp_path = tmp_path_factory.mktemp("oidc")
    env = data_env(copy_data(tmp_path / "data")) | {"AUTHLIB_INSECURE_TRANSPORT": "1"}  # plain http on loopback
    provider_port, app_port = _free_port(), _free_port()
    provider = f"http://127.0.0.1:{provider_port}"
    app = f"http://127.0.0.1:{app_port}"
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'''
[auth]
redirect_uri = "{app}/oauth2callback"
cookie_secret = "cle-de-test-assez-longue-pour-signer-le-cookie"
client_id = "carte-cpts"
client_secret = "secret-du-client"
server_metadata_url = "{provider}/.well-known/openid-configuration"

[editeurs_oidc]
claim = "groups"
valeurs = ["{GROUP}"]
''', encoding="utf-8")
    procs = []
    try:
        plog = tmp_path / "provider.log"
        with open(plog, "wb") as out:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "oidc_provider_mock", "--port", str(provider_port),
                 *[a for u in USERS for a in ("--user-claims", json.dumps(u))]],
                env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        _wait_http(provider + "/.well-known/openid-configuration", procs[0], plog)
        alog = tmp_path / "app.log"
        with open(alog, "wb") as out:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(app_port),
                 "--server.address", "127.0.0.1", "--secrets.files", str(secrets)],
                cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                env=env | {"STREAMLIT_SERVER_HEADLESS": "true", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
                           "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}))
        _wait_http(app + "/_stcore/health", procs[1], alog)
        yield app, tmp_path / "data"
    finally:
        for p in reversed(procs):
            _stop(p)


def _sign_in(page, app: str, sub: str) -> None:
    page.goto(app + "/Importer", wait_until="commit")
    page.wait_for_selector(IDLE + ' [data-testid="stHeading"]')
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Se connecter").click()
    # the provider's authorization page (the mock lists its predefined users)
    page.locator(f'button[name="sub"][value="{sub}"]').click()
    page.wait_for_url(app + "/**")
    page.goto(app + "/Importer", wait_until="commit")
    page.wait_for_selector(IDLE + ' [data-testid="stHeading"]')
    wait_for_idle(page)  # the sidebar's sign-in texts and buttons are all drawn


def _upload(page, tmp_path: Path) -> None:
    csv = tmp_path / "liste.csv"
    csv.write_text("\r\n".join(";".join(r) for r in [["Nom CPTS", "Libellé commune", "Code INSEE"], *NEW_CPTS_ROWS]),
                   encoding="utf-8")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(csv))
    page.locator('[data-testid="stMetric"]').filter(has_text="Lignes utilisées").wait_for()
    page.wait_for_selector(IDLE)


def test_editor_group_member_publishes(oidc_app, page, network_log, tmp_path):
    app, data = oidc_app
    _sign_in(page, app, "jeanne")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Connecté : jeanne@ars-bretagne.fr").wait_for()
    assert sidebar.get_by_role("button", name="Se déconnecter").count() == 1
    _upload(page, tmp_path)
    before = sorted(p.name for p in (data / "registry" / "cpts").glob("*.yaml"))
    page.get_by_role("button", name="Publier dans le registre").click()
    success = page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="Registre publié")
    success.wait_for()
    assert "jeanne@ars-bretagne.fr" in success.inner_text().replace("\u2060", "")  # md() keeps @ from autolinking
    after = sorted(p.name for p in (data / "registry" / "cpts").glob("*.yaml"))
    assert len(after) == len(before) + 1
    history = geo_cli(data, "history", "--json")  # the new version names its editor
    assert history.returncode == 0, history.stderr
    versions = json.loads(history.stdout)["versions"]
    assert max(versions, key=lambda v: v["numero"])["editeur"] == "jeanne@ars-bretagne.fr", versions
    assert page.locator(APP_EXCEPTION).count() == 0
    assert not network_log.page_errors, network_log.page_errors
    # the only request that left the loopback was the mock provider's own stylesheet (blocked)
    assert all("cdn.jsdelivr.net" in u for u in network_log.external()), network_log.external()


def test_signed_in_user_without_the_group_stays_a_visitor(oidc_app, page, tmp_path):
    app, data = oidc_app
    _sign_in(page, app, "paul")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("ce compte n'est pas éditeur").wait_for()
    assert sidebar.get_by_text("Compte : paul@exemple.fr").count() == 1
    before = sorted(p.name for p in (data / "registry" / "cpts").glob("*.yaml"))
    _upload(page, tmp_path)
    assert page.get_by_text("Aperçu seulement").count() >= 1
    assert page.get_by_role("button", name="Publier dans le registre").count() == 0
    assert sorted(p.name for p in (data / "registry" / "cpts").glob("*.yaml")) == before
