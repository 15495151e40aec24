"""The home page with the national index (issues 9.12, 11.8): a link to a former INSEE code opens the
current commune and says why; a search for a former name explains it; Paris says it is outside."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
FLEURIGNE = "Fleurigné fait partie de La Chapelle-Fleurigné depuis le 1er janvier 2024."


def _plain(elements) -> list[str]:
    return [e.value.replace("\\", "") for e in elements]  # md() escapes Markdown characters


@pytest.fixture()
def app():
    def run(**query):
        at = AppTest.from_file(APP, default_timeout=120)
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    return run


def test_link_to_a_former_code_opens_the_current_commune_and_says_why(app):
    at = app(commune="35112")
    assert at.session_state["commune"] == "35062"
    assert FLEURIGNE in _plain(at.info)
    assert at.query_params["commune"] == "35062"


def test_paris_is_a_real_commune_outside_the_scope(app):
    at = app(commune="75056")
    assert _plain(at.error) == ["Paris (75056, Paris, Île-de-France) est une commune réelle, hors du territoire "
                                "chargé (Bretagne, Loire-Atlantique, Manche et Mayenne)."]
    at.text_input(key="q").set_value("Fleurigné").run()
    assert at.session_state["commune"] == "35062" and FLEURIGNE in _plain(at.info)
    at.text_input(key="q").set_value("35112").run()
    assert at.session_state["commune"] == "35062" and FLEURIGNE in _plain(at.info)
    at.text_input(key="q").set_value("Paris").run()
    assert any("hors du territoire chargé" in w for w in _plain(at.warning))
