"""Bounds on what an import may cost, checked BEFORE a file is parsed (issue 12.5).

An anonymous visitor can upload a file to the Importer preview: a 1.5 Mo XLSX can declare a
million rows, a CSV a million lines. Every reader counts first (bytes, lines, XML ``<row>`` and
``<c>`` tags, JSON nesting) and refuses early, in French, with the limit in plain words.

The limits are settings (environment variables, read once at import; documented in README):

=============================  ==========  =================================================
variable                       default     what
=============================  ==========  =================================================
CPTS_IMPORT_MAX_MB             20          file size, in Mo (a 100 000-row CSV is ~5 Mo)
CPTS_IMPORT_MAX_ROWS           200000      lines of a CSV, rows of all XLSX sheets, features
CPTS_IMPORT_MAX_CELLS          4000000     cells (rows × columns, all sheets)
CPTS_IMPORT_MAX_CPTS           5000        distinct CPTS in one file (France has ~800)
CPTS_IMPORT_MAX_DEPTH          64          nesting of a GeoJSON ([ and {); real files: < 10
CPTS_PREVIEW_CPU_SECONDS       60          CPU time of one preview (page only)
CPTS_PREVIEW_MEMORY_MB         1500        memory of one preview beyond its start (page only)
CPTS_PREVIEW_TIMEOUT_SECONDS   120         wall-clock time of one preview (page only)
CPTS_PREVIEW_PARALLEL          2           previews computed at the same time (page only)
=============================  ==========  =================================================

The real need is ~1 300 commune rows per region × 18 regions (≈ 25 000 rows): the defaults leave
a wide margin and still bound a preview to seconds and a few hundred Mo.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from ..formatting import fr_int

__all__ = ["ImportLimits", "LIMITS", "limits_from_env", "too_many"]


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int = 20_000_000
    max_rows: int = 200_000
    max_cells: int = 4_000_000
    max_cpts: int = 5_000
    max_depth: int = 64
    preview_cpu_seconds: int = 60
    preview_memory_mb: int = 1_500
    preview_timeout_seconds: int = 120
    preview_parallel: int = 2


_ENV = {
    "max_bytes": ("CPTS_IMPORT_MAX_MB", 1_000_000),
    "max_rows": ("CPTS_IMPORT_MAX_ROWS", 1),
    "max_cells": ("CPTS_IMPORT_MAX_CELLS", 1),
    "max_cpts": ("CPTS_IMPORT_MAX_CPTS", 1),
    "max_depth": ("CPTS_IMPORT_MAX_DEPTH", 1),
    "preview_cpu_seconds": ("CPTS_PREVIEW_CPU_SECONDS", 1),
    "preview_memory_mb": ("CPTS_PREVIEW_MEMORY_MB", 1),
    "preview_timeout_seconds": ("CPTS_PREVIEW_TIMEOUT_SECONDS", 1),
    "preview_parallel": ("CPTS_PREVIEW_PARALLEL", 1),
}


def limits_from_env(environ: os._Environ | dict | None = None) -> ImportLimits:
    """The limits, with the environment's positive integers overriding the defaults (a value that
    is not a positive number is ignored: a typo must not remove a guard)."""
    environ = os.environ if environ is None else environ
    values = {}
    for name, (var, unit) in _ENV.items():
        raw = str(environ.get(var, "")).strip().replace("_", "").replace(" ", "")
        if raw.isdigit() and int(raw) > 0:
            values[name] = int(raw) * unit
    return ImportLimits(**values)


LIMITS = limits_from_env()


def too_many(what: str, limit: int, where: str = "") -> str:
    """« Le fichier compte plus de 200 000 lignes ; la limite est 200 000. » (+ where / advice)."""
    return (f"Le fichier compte plus de {fr_int(limit)} {what}{where} ; la limite est {fr_int(limit)}. "
            "Découpez la liste (par exemple une par département) ou supprimez les lignes vides en bas "
            "de la feuille.")


def mega(n: int) -> str:
    """Bytes in Mo, French style, one decimal when it matters: 50 300 000 -> « 50,3 Mo »."""
    x = n / 1_000_000
    text = f"{x:.1f}".replace(".", ",")
    return (text[:-2] if text.endswith(",0") else text) + " Mo"
