"""Offline exports (ARS meeting kit). ``geo.exports.cells`` holds the formula-neutralisation rule
shared by every table writer; the rest of the package is added by the layout change (issue 13)."""
from .cells import neutralize  # noqa: F401  (the public rule: geo.exports.neutralize)
