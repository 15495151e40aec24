"""End-to-end (issue 8.4): on a copy of data/, ``python -m geo import --editeur`` publishes a listing
with a hostile CPTS name; the app's « Historique » page shows the versions newest first with the
editor and the literal name, in French, and a visitor gets no « Restaurer cette version » button.
``python -m geo restore 1`` then brings the registry back byte for byte, and the page lists the
restore as version 3 without a restart."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app_server import copy_data, geo_cli, running_app
from conftest import APP_EXCEPTION, wait_for_idle

pytestmark = pytest.mark.e2e  # (it ran with -m "not e2e" before: a server and Chromium)

NAME = "CPTS <b>gras</b> **étoile** {{ 7*7 }}"


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".lock"}


@pytest.fixture(scope="module")
def history_data(tmp_path_factory):
    data = copy_data(tmp_path_factory.mktemp("history") / "data")
    shutil.rmtree(data / "versions", ignore_errors=True)  # a history the repo's data/ may have locally
    initial = _files(data / "registry")
    listing = data.parent / "liste.csv"
    listing.write_text(f"CPTS;Commune\n{NAME};Montfort-sur-Meu\n{NAME};Iffendic\n", encoding="utf-8")
    out = geo_cli(data, "import", str(listing), "--editeur", "Agnès Martin")
    assert out.returncode == 0, out.stderr
    return data, initial


def test_visitor_sees_the_history_without_restore(history_data, tmp_path_factory, page, network_log):
    data, initial = history_data
    with running_app(data, tmp_path_factory.mktemp("history-log") / "streamlit.log") as base:
        page.goto(base + "/Historique")
        page.get_by_text("Historique du registre").first.wait_for()
        page.get_by_text("réservée aux éditeurs connectés").first.wait_for()
        wait_for_idle(page)  # the whole page is drawn: the absence of the restore button means something
        body = page.locator("body").inner_text()
        assert "Agnès Martin" in body and "Version 2" in body  # the table itself is a canvas grid
        assert NAME in body and "49" not in body.replace("2049", "")  # literal, no template ran
        assert page.locator("b:text('gras')").count() == 0
        assert page.get_by_role("button", name="Restaurer cette version").count() == 0
        assert page.locator(APP_EXCEPTION).count() == 0

        out = geo_cli(data, "restore", "1", "--editeur", "Bruno", "--confirmer-suppressions")
        assert out.returncode == 0, out.stderr
        assert _files(data / "registry") == initial
        page.reload()
        page.get_by_text("Restauration de la version 1").first.wait_for()
        wait_for_idle(page)
        assert "Bruno" in page.locator("body").inner_text()
        network_log.assert_only_local()
