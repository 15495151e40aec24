"""End-to-end (issue 8.3) in Chromium, on a copy of data/ (CPTS_DATA_DIR) and an editor account in a
secrets file of the test: sign in on « Éditer », change Vitré's funding with a new source document,
(title, publisher, date, link and the file itself), see the new amount on the map's CPTS card (?cpts=pays-de-vitre) without a restart, see the change
in « Historique », restore the previous version there, and see the old amount on the card again.
The registry comes back byte for byte. Every wait is on the app's state, never a fixed sleep."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from app_server import copy_data, running_app
from conftest import APP_EXCEPTION, run_and_wait_for_rerun

pytestmark = pytest.mark.e2e

EDITOR, PASSWORD = "Testeur", "mot-de-passe-solide"
SIDEBAR = '[data-testid="stSidebar"]'
NEW_AMOUNT, OLD_AMOUNT = "250\u202f000\u202f€", "196\u202f875\u202f€"


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".lock"}


@pytest.fixture
def editor_app(tmp_path):
    """(base URL, data dir): the app on a copy of data/, with one editor account in its secrets."""
    from geo.auth import hash_password
    data = copy_data(tmp_path / "data")
    shutil.rmtree(data / "versions", ignore_errors=True)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[editeurs.{EDITOR}]\nhash = "{hash_password(PASSWORD)}"\n', encoding="utf-8")
    with running_app(data, tmp_path / "app.log", secrets=secrets) as base:
        yield base, data


def _choose(page, label: str, option: str | re.Pattern) -> None:
    page.get_by_label(label, exact=True).click()
    run_and_wait_for_rerun(page, lambda: page.get_by_role("option", name=option).click())


def _type(page, label: str, text: str, key: str = "Enter") -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    run_and_wait_for_rerun(page, lambda: box.press(key))


def _card_text(page, base: str, amount: str) -> str:
    """The map page of Vitré (a fresh session) once its card shows ``amount``; returns the card's text."""
    page.goto(base + "/?cpts=pays-de-vitre", wait_until="commit")
    page.locator(f'{APP_EXCEPTION}, [data-testid="stMain"] h4:has-text("CPTS du Pays de Vitré")').first.wait_for()
    if page.locator(APP_EXCEPTION).count():
        pytest.fail("the map page raised:\n" + page.locator(APP_EXCEPTION).first.inner_text()[:3000], pytrace=False)
    page.wait_for_function("(amount) => document.querySelector('[data-testid=\"stMain\"]').innerText.includes(amount)",
                           arg=amount)
    assert page.locator(APP_EXCEPTION).count() == 0
    return page.locator('[data-testid="stMain"]').inner_text()


def test_editor_changes_funding_then_restores(editor_app, page, network_log, tmp_path):
    base, data = editor_app
    initial = _files(data / "registry")
    document = tmp_path / "suivi <CPTS> mars 2024.txt"
    document.write_bytes("Pays de Vitré — Financement ACI 2024 : 250 000 €\n".encode("utf-8"))
    page.goto(base + "/Editer", wait_until="commit")
    page.get_by_text("réservée aux éditeurs connectés").wait_for()
    assert page.get_by_label("CPTS", exact=True).count() == 0          # a visitor gets no control
    sidebar = page.locator(SIDEBAR)
    sidebar.get_by_label("Nom d'éditeur").fill(EDITOR)
    sidebar.get_by_label("Mot de passe").fill(PASSWORD)
    run_and_wait_for_rerun(page, lambda: sidebar.get_by_role("button", name="Se connecter").click())
    sidebar.get_by_text(f"Connecté : {EDITOR}").wait_for()

    _choose(page, "CPTS", "CPTS du Pays de Vitré (pays-de-vitre)")
    _choose(page, "Fait à modifier", "Financement")
    assert page.get_by_label("Montant *", exact=True).input_value() == "196\u202f875"
    _type(page, "Montant *", "250 000 €", "Tab")
    _type(page, "Citation *", "Financement ACI 2024 : 250 000 €", "Tab")
    run_and_wait_for_rerun(page, lambda: page.get_by_text("Un nouveau document", exact=True).click())
    _type(page, "Titre du document *", "Tableau de suivi des CPTS — mars 2024")
    _type(page, "Éditeur (qui publie le document) *", "ARS Bretagne")
    _type(page, "Date du document *", "01/03/2024")
    _type(page, "Adresse du document (lien)", "https://www.bretagne.ars.sante.fr/cpts")
    upload = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    run_and_wait_for_rerun(page, lambda: upload.set_input_files(str(document)))
    publish = page.get_by_role("button", name="Publier la modification")
    publish.wait_for()
    run_and_wait_for_rerun(page, publish.click)
    page.get_by_text(re.compile(f"Publié par {EDITOR} : version 2")).wait_for()
    kept = [p for p in (data / "registry" / "documents").iterdir() if p.read_bytes() == document.read_bytes()]
    assert len(kept) == 1 and kept[0].suffix == ".txt"                # the file, beside the other documents

    card = page.context.new_page()
    text = _card_text(card, base, NEW_AMOUNT)
    assert OLD_AMOUNT not in text
    assert "Tableau de suivi des CPTS" in text                          # the card names the new source

    sidebar.get_by_role("link", name="Historique").click()   # same session: still signed in
    page.get_by_text("Historique du registre").first.wait_for()
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.get_by_text(re.compile("Modification de « CPTS du Pays de Vitré » : financement")).first.wait_for()
    assert EDITOR in page.locator('[data-testid="stMain"]').inner_text()
    _choose(page, "Version à afficher", re.compile(r"^Version 1 — État initial"))
    restore = page.get_by_role("button", name="Restaurer cette version")
    run_and_wait_for_rerun(page, restore.click)
    page.get_by_text(re.compile(f"Version 1 restaurée par {EDITOR}")).wait_for()
    assert _files(data / "registry") == initial

    text = _card_text(card, base, OLD_AMOUNT)
    assert NEW_AMOUNT not in text
    assert not network_log.page_errors
    network_log.assert_only_local()
