"""Former home of the table exports, now geo/exports/ (the ``map``/``fiche``/``export`` commands:
geo/cli/exports.py). Kept only for ``from geo.export_tables import neutralize`` in
app_pages/2_Comparer.py until that page's pending edit (→ ``from geo.exports import neutralize``)
is committed; then delete this file."""
from geo.exports.cells import neutralize  # noqa: F401
