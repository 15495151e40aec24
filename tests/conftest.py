import pytest

from geo.referential import load_communes


@pytest.fixture(scope="session")
def communes():
    """The committed referential (data/communes.parquet)."""
    return load_communes()
