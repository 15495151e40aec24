"""Former home of the table exports and of the ``map``/``fiche``/``export`` commands, now in
geo/exports/ (frames, spreadsheet, tables) and geo/cli/exports.py. Kept only so that code written
against the old path keeps working while it moves; import from geo.exports instead."""
from geo.cli.exports import register  # noqa: F401
from geo.exports.cells import neutralize  # noqa: F401
