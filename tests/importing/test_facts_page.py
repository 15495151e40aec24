"""The Importer page on a tracking table (streamlit AppTest, registry copy): the preview lists per CPTS
the facts it would set (old → new, where read) computed in the page's limited child process, the
misspelled CPTS is settled by the editor, and a signed-in editor publishes facts, perimeters and the
source document at once; a visitor only previews."""
from __future__ import annotations

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from geo.auth import hash_password
from tests.facts_support import tracking_workbook
from tests.import_support import snapshot
from tests.importer_page_support import EDITOR, PAGE, frame_with, publish_button, root  # noqa: F401 - root: fixture
SECRET = "mot-de-passe-solide"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

pytestmark = pytest.mark.usefixtures("real_registry_untouched")


def _page(editor: bool) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=240)
    if editor:
        at.secrets["editeurs"] = {EDITOR: {"hash": hash_password(SECRET)}}
    return at


def test_visitor_previews_facts_and_writes_nothing(root):
    before = snapshot(root)
    at = _page(False).run()
    at.file_uploader(key="imp_file").set_value(("suivi.xlsx", tracking_workbook(), XLSX))
    at.run()
    assert not at.exception
    facts = frame_with(at, "Lu dans")
    vitre = facts[(facts["Identifiant"] == "pays-de-vitre") & (facts["Fait"] == "population déclarée")]
    assert list(vitre["Tableau"]) == ["82\u202f412 hab."]
    assert list(vitre["Lu dans"])[0].startswith("Feuille « Suivi CPTS », ligne 4, colonne J")
    assert "cote-emeraude" in set(facts["Identifiant"])
    assert any("CPTS du Pays de Fougere" in s.label for s in at.selectbox)
    assert publish_button(at) is None
    assert snapshot(root) == before


def test_editor_settles_the_misspelled_cpts_and_publishes(root):
    at = _page(True).run()
    at.text_input(key="auth_nom").input(EDITOR)
    at.text_input(key="auth_mdp").input(SECRET)
    next(b for b in at.button if b.label == "Se connecter").click().run()
    at.file_uploader(key="imp_file").set_value(("suivi.xlsx", tracking_workbook(), XLSX))
    at.run()
    assert publish_button(at).disabled                       # the misspelled CPTS blocks
    box = next(s for s in at.selectbox if "CPTS du Pays de Fougere" in s.label)
    box.select("pays-de-fougeres").run()
    assert not at.exception
    assert not publish_button(at).disabled
    publish_button(at).click().run()
    assert not at.exception
    assert any("Tableau de suivi publié" in s.value and EDITOR in s.value for s in at.success)
    new = yaml.safe_load((root / "cpts" / "cote-emeraude.yaml").read_text(encoding="utf-8"))
    assert len(new["perimetre"]["codes_insee"]) == 7 and new["statut"]["etape"] == "projet_sante_valide"
    fougeres = yaml.safe_load((root / "cpts" / "pays-de-fougeres.yaml").read_text(encoding="utf-8"))
    assert any(f["montant"] == 180000 for f in fougeres["financement"])
    sources = yaml.safe_load((root / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    table = next(s for s in sources if s["type"] == "tableau de suivi")
    assert table["importe_par"] == EDITOR and (root / "documents" / table["fichier"]).is_file()
