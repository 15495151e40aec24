"""What the Importer page's AppTest tests share (a commune list: tests/test_importer_page.py; a
tracking table: tests/importing/test_facts_page.py): the page, the registry copy it publishes into,
its tables and its publish button."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from geo.paths import REPO_ROOT
from tests.import_support import registry_copy

PAGE = str(REPO_ROOT / "app_pages" / "5_Importer.py")
EDITOR = "Testeur"


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A registry copy the page reads and publishes into (backups beside it)."""
    root = registry_copy(tmp_path)
    monkeypatch.setenv("CPTS_REGISTRY_DIR", str(root))
    monkeypatch.setenv("CPTS_BACKUP_DIR", str(tmp_path / "backups"))
    return root


def frame_with(at: AppTest, column: str):
    """The st.dataframe (as pandas) that has this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def publish_button(at: AppTest):
    """The « Publier dans le registre » button, None when the page shows none (a visitor)."""
    return next((b for b in at.button if b.label == "Publier dans le registre"), None)
