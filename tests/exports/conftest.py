import pytest

from geo.exports.pdf import MAP_PX
from geo.exports.png import render_map_png
from geo.mapdata import build_map_data
from tests.exports.support import DAY


@pytest.fixture(scope="session")
def md(atlas):
    return build_map_data(atlas.communes, atlas.territories)


@pytest.fixture(scope="session")
def map_png(atlas, md):
    """One embedded map for layout tests: the page layout does not depend on the map's pixels."""
    return render_map_png(atlas, cpts_id="pays-de-vitre", width=MAP_PX[0], height=MAP_PX[1], today=DAY,
                          map_data=md, bare=True)
