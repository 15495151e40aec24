"""The Importer page (streamlit AppTest) on a COPY of the registry: preview without a secret, no
publish without a signed-in editor (tests/auth/test_auth_page.py covers the sign-in itself), fixes
picked from suggestions, publish once signed in; file text is escaped; formula cells are
neutralised in the tables."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from geo.auth import hash_password
from tests.import_support import csv_bytes, snapshot
from tests.importer_page_support import EDITOR, PAGE, frame_with, publish_button, root  # noqa: F401 - root: fixture
HEADER = ["CPTS", "Commune"]
LISTING = csv_bytes([
    HEADER,
    ["CPTS du Pays de Vitré", "Vitré"],
    ["CPTS du Pays de Vitré", "Domgané"],
    ["CPTS <script>alert(1)</script> **gras**", "Saint-Armel"],
    ["CPTS <script>alert(1)</script> **gras**", "Xyzzyville"],
    ["CPTS <script>alert(1)</script> **gras**", "=HYPERLINK(\"http://evil\")"],
], encoding="cp1252")


# Every test works on a copy: the committed registry must come out byte-identical.
pytestmark = pytest.mark.usefixtures("real_registry_untouched")


def page(secret: str | None) -> AppTest:
    """The page; with ``secret``, an editor account « Testeur » whose password it is."""
    at = AppTest.from_file(PAGE, default_timeout=180)
    if secret is not None:
        at.secrets["editeurs"] = {EDITOR: {"hash": hash_password(secret.ljust(10, "-"))}}
    return at


def sign_in(at: AppTest, secret: str) -> AppTest:
    at.text_input(key="auth_nom").input(EDITOR)
    at.text_input(key="auth_mdp").input(secret.ljust(10, "-"))
    return next(b for b in at.button if b.label == "Se connecter").click().run()


def upload(at: AppTest, data: bytes = LISTING, name: str = "liste.csv") -> AppTest:
    at.file_uploader(key="imp_file").set_value((name, data, "text/csv"))
    return at.run()


def texts(at: AppTest) -> list[str]:
    out = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    out += [w.value for w in at.warning] + [i.value for i in at.info] + [s.value for s in at.success]
    out += [s.label for s in at.selectbox]
    return out


def test_without_secret_the_page_only_previews(root):
    before = snapshot(root)
    at = page(None).run()
    assert not at.exception
    assert any("Aperçu seulement" in t for t in texts(at))
    at = upload(at)
    assert not at.exception
    assert publish_button(at) is None
    assert not [t for t in at.text_input if t.key in ("auth_mdp", "imp_password")]
    rows = frame_with(at, "Commune (fichier)")
    assert list(rows["Ligne"]) == [2, 3, 4, 5, 6]
    assert snapshot(root) == before


def test_file_text_is_escaped_and_formulas_neutralised(root):
    at = upload(page(None).run())
    shown = texts(at)
    assert not any("<script>" in t for t in shown)
    assert any("&lt;script&gt;" in t and "\\*\\*gras\\*\\*" in t for t in shown)
    rows = frame_with(at, "Commune (fichier)")
    assert "'=HYPERLINK(\"http://evil\")" in list(rows["Commune (fichier)"])
    assert not any(str(v).startswith("=") for v in rows["Commune (fichier)"])
    diff = frame_with(at, "Changement")
    assert set(diff["Changement"]) == {"périmètre réduit : −44 commune(s) (confirmation demandée)",
                                       "nouvelle CPTS — lignes à corriger"}


def test_unusable_file_shows_a_french_error(root):
    at = upload(page("pw").run(), b"\x00\x01binaire\x00" * 20, "liste.csv")
    assert not at.exception
    assert any("inutilisable" in e.value and "Fichier binaire" in e.value for e in at.error)


def test_fix_rows_then_publish_with_the_password(root):
    before = snapshot(root)
    at = upload(page("le-bon-mot").run())
    assert not at.exception
    assert publish_button(at) is None  # not signed in: no publish control at all
    at = sign_in(at, "le-bon-mot")
    assert not at.exception
    button = publish_button(at)
    assert button is not None and button.disabled  # three rows to fix first

    armel = at.selectbox(key=next(s.key for s in at.selectbox if "Saint" in s.label))
    assert set(armel.options) >= {"Saint-Armel (35250, dép. 35)", "Saint-Armel (56205, dép. 56)"}
    armel.select("35250").run()
    for s in list(at.selectbox):
        if "Xyzzyville" in s.label or "HYPERLINK" in s.label:
            s.select("__ignorer__").run()
    assert not at.exception
    button = publish_button(at)
    assert button is not None and not button.disabled

    assert snapshot(root) == before

    # Vitré goes from 46 communes to 2: the diff says so and publishing needs the confirmation box
    diff = frame_with(at, "Changement")
    assert "périmètre réduit : −44 commune(s) (confirmation demandée)" in list(diff["Changement"])
    assert any("Suppressions à confirmer" in w.value and "perd 44 communes sur 46" in w.value for w in at.warning)
    publish_button(at).click().run()
    assert any("Suppressions non confirmées" in e.value for e in at.error)
    assert snapshot(root) == before

    at.checkbox(key="imp_confirm_removals").check()
    publish_button(at).click().run()
    assert not at.exception
    assert any("Registre publié" in s.value and "Publié par" in s.value and EDITOR in s.value for s in at.success), texts(at)
    assert "Rien à publier" in " ".join(i.value for i in at.info)  # redrawn against the published registry
    vitre = yaml.safe_load((root / "cpts" / "pays-de-vitre.yaml").read_text())
    assert vitre["perimetre"]["codes_insee"] == ["35360", "35096"]
    new = [p for p in (root / "cpts").glob("*.yaml") if f"cpts/{p.name}" not in before]
    assert len(new) == 1
    doc = yaml.safe_load(new[0].read_text())
    assert doc["nom"] == "CPTS <script>alert(1)</script> **gras**"
    assert doc["perimetre"]["codes_insee"] == ["35250"]
    assert len(list(Path(root.parent / "backups").iterdir())) == 1


def test_help_tooltips_show_file_text_literally(root):
    """Issue 12.4: « À corriger » tooltips are built from the file: Markdown there must not render."""
    data = csv_bytes([HEADER, ["CPTS du Pays de Vitré", "Vitré"],
                      ["CPTS du Pays de Vitré", "[clic](http://evil.example/x.png) **Vitrée** $x^2$"]])
    at = upload(page(None).run(), data)
    assert not at.exception
    box = next(s for s in at.selectbox if "clic" in s.label)
    assert "[clic](http" not in box.help and "**Vitrée**" not in box.help and "$x^2$" not in box.help
    assert "\\[clic\\]" in box.help and "\\*\\*Vitrée\\*\\*" in box.help


def test_over_limit_file_is_refused_in_french_before_reading(root):
    data = b"CPTS;Commune\n" + b"CPTS X;Vitre\n" * 200_001
    at = upload(page(None).run(), data, "enorme.csv")
    assert not at.exception
    msg = " ".join(e.value for e in at.error)
    assert "inutilisable" in msg and "plus de 200\u202f000 lignes" in msg and "la limite est 200\u202f000" in msg
