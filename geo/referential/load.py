"""Reading the committed referential (``data/communes.parquet``).

``load_communes`` gives the GeoDataFrame with the contours (map, locator, exports);
``load_communes_table`` the same attribute columns without geometry, read by pyarrow alone, for the
commands that only need codes, names, populations and départements (``python -m geo territories``
then imports neither geopandas nor shapely)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..paths import COMMUNES_PARQUET

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

_LISTS = ("codes_postaux", "anciens_codes", "anciens_noms")


def _check(path: Path) -> None:
    if not path.exists():
        raise FileNotFoundError(f"Référentiel absent : {path}. Lancez « python -m geo build-data ».")


def _lists_as_python(frame):
    for col in _LISTS:
        frame[col] = frame[col].map(lambda v: [str(x) for x in v] if v is not None else [])
    return frame


def load_communes(path: Path = COMMUNES_PARQUET) -> gpd.GeoDataFrame:
    """The committed referential. Raises a French error if it has not been built."""
    import geopandas as gpd

    _check(path)
    return _lists_as_python(gpd.read_parquet(path))


def load_communes_table(path: Path = COMMUNES_PARQUET) -> pd.DataFrame:
    """The referential's attribute columns (every column but ``geometry``), same values and dtypes as
    :func:`load_communes`. Raises the same French error if it has not been built."""
    import pyarrow.parquet as pq

    _check(path)
    columns = [c for c in pq.read_schema(path).names if c != "geometry"]
    return _lists_as_python(pq.read_table(path, columns=columns).to_pandas())
