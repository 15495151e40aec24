"""Fixtures of the pages' multi-region tests, imported by their test files (pytest uses an imported
fixture as its own): the multi-region data directory of tests/region_support.py, built once per
module, and ``data_dir`` to point geo.scope at it (the registry stays the committed one)."""
from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st

import geo.paths
from tests.region_support import multi_region_dir


@pytest.fixture(scope="module")
def multi(tmp_path_factory):
    return multi_region_dir(tmp_path_factory.mktemp("multi") / "data")


@pytest.fixture
def data_dir(monkeypatch):
    """Point geo.scope at a data directory (the registry stays the committed one)."""
    def use(path: Path) -> None:
        monkeypatch.setattr(geo.paths, "DATA_DIR", path)
        st.cache_resource.clear()
    monkeypatch.delenv("CPTS_REGION", raising=False)
    yield use
    st.cache_resource.clear()
