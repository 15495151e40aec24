"""The région selector and ``?region=`` in the app (ui/scope.py, issue 10.1), headless (AppTest):
an unknown or unbuilt région in a link is said in French and the default scope is shown; the selector
appears only when several scopes are built; pages follow the session's scope."""
from __future__ import annotations

import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.scope_fixtures import data_dir, multi  # noqa: F401 -- fixtures

ROOT = Path(__file__).resolve().parents[1]


def _page(page: str, region: str | None = None, scope: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=300)
    if region is not None:
        at.query_params["region"] = region
    if scope is not None:
        at.session_state["scope"] = scope
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_bretagne_alone_has_no_selector_and_a_bad_link_says_so(data_dir, tmp_path):
    for name in ("communes.parquet", "communes_france.parquet"):
        shutil.copy2(ROOT / "data" / name, tmp_path / name)
    data_dir(tmp_path)
    at = _page("app.py")
    assert [t.value for t in at.title] == ["Carte des CPTS de Bretagne"]
    assert "Territoire" not in [s.label for s in at.sidebar.selectbox]       # one scope built: nothing to choose
    at = _page("app.py", region="france")
    errors = " ".join(e.value for e in at.error)
    assert "n'est pas construit" in errors and "build\\-data \\-\\-region france" in errors
    assert [t.value for t in at.title] == ["Carte des CPTS de Bretagne"]
    at = _page("app.py", region="<b>99</b>")
    errors = " ".join(e.value for e in at.error)
    assert "Région inconnue" in errors and "<b>" not in errors                  # the link's text is escaped


def test_selector_lists_the_built_scopes_and_pages_follow(data_dir, multi):
    data_dir(multi)
    at = _page("app.py", region="93")
    box = next(s for s in at.sidebar.selectbox if s.label == "Territoire")
    assert box.options == ["France entière", "Bretagne (53)", "Provence-Alpes-Côte d'Azur (93)"]
    assert box.value == "93" and at.session_state["scope"] == "93"
    assert [t.value for t in at.title] == ["Carte des CPTS de Provence-Alpes-Côte d'Azur"]
    assert at.query_params["region"] == "93"
    at = _page("app_pages/3_Couverture.py", scope="93")
    assert [t.value for t in at.title][0] == "Couverture de la Provence-Alpes-Côte d'Azur"
    at = _page("app_pages/1_Fiches_CPTS.py", scope="93")
    assert any("aucune CPTS de Provence" in i.value.replace("\\", "") for i in at.info)
    at = _page("app_pages/2_Comparer.py", scope="france")
    assert not at.exception
