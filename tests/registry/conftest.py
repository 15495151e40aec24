"""Fixtures shared by the publication tests (store, faults, history): each works on its own copy."""
from __future__ import annotations

import pytest

from tests.import_support import registry_copy


@pytest.fixture
def root(tmp_path):
    """A copy of the committed registry: tests publish into it, never into data/registry."""
    return registry_copy(tmp_path)


@pytest.fixture
def backups(tmp_path):
    return tmp_path / "backups"
