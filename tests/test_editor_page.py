"""The « Éditer » page (streamlit AppTest) on a COPY of the registry: a visitor sees no editing
control and a crafted publish call from a visitor's session is refused on the server; a signed-in
editor gets the French message of a bad value under its field, then changes Vitré's funding with
a new source document and publishes it as a version of the history; a hostile text stays literal."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.auth import hash_password
from geo.paths import REPO_ROOT
from geo.registry import history, load_registry
from tests.import_support import registry_copy, snapshot

PAGE = str(REPO_ROOT / "app_pages" / "6_Editer.py")
EDITOR = "Testeur"
PASSWORD = "mot-de-passe-solide"
HOSTILE = "ARS <script>alert(1)</script> **gras** [lien](http://evil)"

pytestmark = pytest.mark.usefixtures("real_registry_untouched")


@pytest.fixture
def env(tmp_path, monkeypatch):
    root = registry_copy(tmp_path)
    backups = tmp_path / "backups"
    monkeypatch.setenv("CPTS_REGISTRY_DIR", str(root))
    monkeypatch.setenv("CPTS_BACKUP_DIR", str(backups))
    return root, backups


def page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.secrets["editeurs"] = {EDITOR: {"hash": hash_password(PASSWORD)}}
    return at


def texts(at: AppTest) -> list[str]:
    out = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    out += [w.value for w in at.warning] + [i.value for i in at.info] + [s.value for s in at.success]
    return out


def sign_in(at: AppTest) -> AppTest:
    at.text_input(key="auth_nom").input(EDITOR)
    at.text_input(key="auth_mdp").input(PASSWORD)
    return next(b for b in at.button if b.label == "Se connecter").click().run()


def widget_key(widgets, suffix: str) -> str:
    return next(w.key for w in widgets if w.key and w.key.endswith(suffix))


def test_visitor_sees_no_editing_control(env):
    root, _ = env
    before = snapshot(root)
    at = page().run()
    assert not at.exception
    assert any("réservée aux éditeurs connectés" in i.value for i in at.info)
    assert [b.label for b in at.button] == ["Se connecter"]          # the sign-in form only
    assert not at.selectbox and not at.text_area and not at.file_uploader and not at.checkbox
    assert {t.key for t in at.text_input} == {"auth_nom", "auth_mdp"}
    assert snapshot(root) == before


def _crafted(root: str, backups: str):
    """A publish call made by a visitor's session (as if the browser had sent the button's event)."""
    from pathlib import Path
    from geo.registry.edit_publish import EditPlan, file_sha
    from ui.editor import publish_action
    path = Path(root) / "cpts" / "pays-de-vitre.yaml"
    plan = EditPlan("pays-de-vitre", path.read_text(encoding="utf-8").replace("196875", "999999"), file_sha(path),
                    "Modification forgée")
    publish_action(Path(root), Path(backups), plan, True)
    removal = EditPlan("auray", None, file_sha(Path(root) / "cpts" / "auray.yaml"), "Suppression forgée")
    publish_action(Path(root), Path(backups), removal, True)


def test_crafted_publish_by_a_visitor_is_refused(env):
    root, backups = env
    before = snapshot(root)
    at = AppTest.from_function(_crafted, args=(str(root), str(backups)), default_timeout=60)
    at.secrets["editeurs"] = {EDITOR: {"hash": hash_password(PASSWORD)}}
    at.run()
    refused = [e.value for e in at.error if "réservée aux éditeurs connectés" in e.value]
    assert len(refused) == 2, texts(at)
    assert snapshot(root) == before
    assert history.numbers(history.versions_dir_for(root)) == []


def test_editor_changes_vitre_funding_with_a_new_source(env):
    root, _ = env
    at = sign_in(page().run())
    assert not at.exception
    at.selectbox(key="ed_cpts").set_value("pays-de-vitre").run()
    at = at.selectbox(key="ed_section").set_value("financement").run()
    montant = widget_key(at.text_input, ":montant")
    assert at.text_input(key=montant).value == "196\u202f875"
    at = at.text_input(key=montant).input("beaucoup").run()
    assert any("« beaucoup » n'est pas un nombre" in e.value for e in at.error), texts(at)
    assert not [b for b in at.button if b.label == "Publier la modification"]
    at.text_input(key=montant).input("250 000 €")
    at.text_area(key=widget_key(at.text_area, ":citation")).input("Financement ACI 2024 : 250 000 €")
    at = at.run()
    assert any("choisir ou décrire le document source" in e.value for e in at.error), texts(at)
    at = at.radio(key="ed_src_mode").set_value("Un nouveau document").run()
    at.text_input(key="ed_src_titre").input("Tableau de suivi des CPTS")
    at.text_input(key="ed_src_editeur").input(HOSTILE)
    at.text_input(key="ed_src_date").input("31/02/2024")
    at = at.run()
    assert any("date invalide « 31/02/2024 »" in e.value for e in at.error), texts(at)
    at.text_input(key="ed_src_date").input("01/03/2024")
    at = at.run()
    assert any("donner l'adresse du document ou joindre le fichier" in e.value for e in at.error), texts(at)
    at.file_uploader(key="ed_src_file").set_value(("suivi.txt", b"Financement ACI 2024 : 250 000 \xe2\x82\xac\n",
                                                   "text/plain"))
    at = at.run()
    assert not at.exception
    assert not any("citation introuvable" in w.value for w in at.warning), texts(at)  # it is in the file
    changes = next(d.value for d in at.dataframe if "Champ" in d.value.columns)
    row = changes[changes["Champ"] == "Financement n° 1 › montant"].iloc[0]
    assert (row["Avant"], row["Après"]) == ("196\u202f875", "250\u202f000")
    at = next(b for b in at.button if b.label == "Publier la modification").click().run()
    assert not at.exception
    assert any("Publié par Testeur : version 2" in s.value.replace("\\", "") for s in at.success), texts(at)
    reg = load_registry(root)
    fin = reg.get("pays-de-vitre").financement[0]
    source = reg.sources[fin.source]
    assert fin.montant == 250000 and source.titre == "Tableau de suivi des CPTS" and source.editeur == HOSTILE
    assert (root / "documents" / source.fichier).read_bytes().startswith(b"Financement ACI 2024")
    # the new document is now one of the registry's: proposed as such for the next change, not created twice
    assert at.radio(key="ed_src_mode").value == "Un document du registre"
    assert at.selectbox(key="ed_src_id").value == fin.source
    meta = history.read_meta(history.versions_dir_for(root), 2)
    assert meta["editeur"] == EDITOR and meta["operation"] == "modification"
    shown = "\n".join(m.value for m in at.markdown)
    assert "<script>" not in shown


def test_editor_creates_a_cpts_with_a_hostile_name(env):
    root, _ = env
    at = sign_in(page().run())
    assert at.selectbox(key="ed_cpts").value == "__nouvelle__"
    at.text_input(key=widget_key(at.text_input, ":nom")).input(HOSTILE)
    at.text_area(key=widget_key(at.text_area, ":departements")).input("35")
    at = at.run()
    assert any("choisir ou décrire le document source" in e.value for e in at.error), texts(at)
    at = at.selectbox(key="ed_src_id").set_value("cp-vitre-2022-09-29").run()
    assert not at.exception
    at = next(b for b in at.button if b.label == "Publier la modification").click().run()
    assert not at.exception
    created = [c for c in load_registry(root).cpts if c.nom == HOSTILE]
    assert len(created) == 1 and created[0].departements == ["35"] and created[0].perimetre.regle == "inconnu"
    assert at.selectbox(key="ed_cpts").value == created[0].id    # the page goes on with the new CPTS
    shown = "\n".join(texts(at))
    assert "<script>" not in shown and "&lt;script&gt;" in shown and "](http" not in shown


def test_perimeter_edit_resolves_names_and_confirms_a_shrink(env):
    root, _ = env
    at = sign_in(page().run())
    at.selectbox(key="ed_cpts").set_value("pays-de-vitre").run()
    at = at.selectbox(key="ed_section").set_value("perimetre").run()
    communes = widget_key(at.text_area, ":communes")
    names = at.text_area(key=communes).value.splitlines()
    assert len(names) == 45 and "Domgané" in names
    at = at.text_area(key=communes).input("\n".join([n for n in names if n != "Bais"] + ["Xyzzyville"])).run()
    assert any(e.value.startswith("« Xyzzyville »") for e in at.error), texts(at)
    assert not [b for b in at.button if b.label == "Publier la modification"]
    at = at.text_area(key=communes).input("\n".join(n for n in names if n != "Bais")).run()
    assert any("Domgané" in c.value and "Domagné" in c.value for c in at.caption), texts(at)  # correction said
    at = at.selectbox(key="ed_src_id").set_value("cp-vitre-2022-09-29").run()
    assert any("Suppressions à confirmer" in w.value and "perd 1 commune" in w.value for w in at.warning), texts(at)
    before = snapshot(root)
    at = next(b for b in at.button if b.label == "Publier la modification").click().run()
    assert any("Suppressions non confirmées" in e.value for e in at.error), texts(at)
    assert snapshot(root) == before
    at.checkbox(key="ed_confirm").check()
    at = next(b for b in at.button if b.label == "Publier la modification").click().run()
    assert not at.exception
    per = load_registry(root).get("pays-de-vitre").perimetre
    assert "Bais" not in per.communes and len(per.communes) == 44 and per.source == "cp-vitre-2022-09-29"
