"""Downloaded files are named after the scope they hold (ui/scope.py file_slug): the XLSX of the France
scope was « cpts-bretagne-<date>.xlsx », and the region PNG « carte-cpts-bretagne-… »."""
from __future__ import annotations

from pathlib import Path

from geo.scope import Scope
from ui.scope import file_slug


def _scope(code: str, nom: str) -> Scope:
    return Scope(code=code, nom=nom, departements=(), root=Path("."))


def test_file_names_follow_the_scope():
    assert file_slug(_scope("france", "France entière")) == "france"
    assert file_slug(_scope("53", "Bretagne")) == "bretagne"
    assert file_slug(_scope("93", "Provence-Alpes-Côte d'Azur")) == "provence-alpes-cote-d-azur"
    assert file_slug(_scope("94", "Corse")) == "corse"


def test_outside_a_session_the_default_scope_names_the_files(monkeypatch):
    monkeypatch.delenv("CPTS_REGION", raising=False)
    assert file_slug() == "bretagne"
