"""Offline exports for ARS meetings: PNG map, one-page PDF fiche, CSV/XLSX/GeoJSON tables.

One concern per module, imported in this order (no module imports one listed after it):

- ``cells``        the formula-neutralisation rule of every table (:func:`neutralize`)
- ``fonts``        the shipped fonts and :func:`printable` (what they can draw)
- ``common``       errors, default sizes, millésimes, source citations, the « registre partiel »
                   line, atomic writes that follow the umask
- ``frames``       the tables as pandas frames with French columns; the territories GeoJSON
- ``spreadsheet``  CSV (Excel FR) and XLSX encodings
- ``tables``       one export file: ``export_bytes(atlas, "csv" | "xlsx" | "geojson")``
- ``geometry``     GeoJSON → matplotlib paths
- ``legend``       the PNG map's legend
- ``png``          ``render_map_png``: the map (matplotlib, Agg)
- ``pdf``          ``render_fiche_pdf``: the fiche (fpdf2), with the map of png.py

The command line (``python -m geo map | fiche | export --format``) is geo/cli/exports.py.
Importing this package is cheap (no matplotlib, pandas or fpdf2): the names below are loaded on
first use, e.g. ``from geo.exports import render_map_png``.
"""
from __future__ import annotations

import importlib

from .cells import neutralize  # noqa: F401  (the public rule: geo.exports.neutralize)

_LAZY = {
    "render_map_png": "png", "render_map_figure": "png",
    "render_fiche_pdf": "pdf",
    "export_bytes": "tables",
    "ExportError": "common", "RenderError": "common", "write_atomic": "common",
    "partial_registry_line": "common", "document_citation": "common",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["neutralize", *_LAZY]
