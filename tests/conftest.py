import pytest

from geo.atlas import Atlas
from geo.matching import Matcher
from geo.referential import load_communes
from tests.import_support import real_registry_snapshot


@pytest.fixture(scope="session")
def communes():
    """The committed referential (data/communes.parquet)."""
    return load_communes()


@pytest.fixture(scope="session")
def atlas():
    """Referential, registry, territories and locator, loaded once (tests must not mutate it)."""
    return Atlas.load()


@pytest.fixture(scope="session")
def matcher(communes):
    return Matcher(communes)


@pytest.fixture(scope="module")
def real_registry_untouched():
    """Use in modules that publish to a registry copy: fails if the committed registry changed."""
    before = real_registry_snapshot()
    yield
    assert real_registry_snapshot() == before
