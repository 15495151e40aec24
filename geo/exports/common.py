"""What every export shares: errors, default sizes, millésimes, the source citations and the
« registre partiel » line, and the atomic file write.

A leaf of geo/exports/: it imports no other export module (png, pdf and tables all import it),
and nothing heavy (no matplotlib, no pandas), so the CLI can build its parser cheaply."""
from __future__ import annotations

import os
from pathlib import Path

from ..atomic import current_umask, write_bytes

# Shared with the app (which must not import the exports): re-exported here for the exports' callers.
from ..registry.sources import document_citation  # noqa: F401
from ..views.registry_scope import KNOWN_CPTS_FIGURES, partial_registry_line  # noqa: F401

# Default PNG size (pixels). Here, not in png.py, so that the CLI parser does not import matplotlib.
DEFAULT_WIDTH, DEFAULT_HEIGHT = 1600, 1200


class ExportError(ValueError):
    """Bad export request: French message."""


class RenderError(ValueError):
    """Bad rendering request (unknown CPTS or indicator, bad size): French message."""


def millesimes() -> tuple[str | None, str | None]:
    """(COG, populations légales) millésimes declared in geo/referential/sources.yaml."""
    from ..referential.download import load_sources
    src = load_sources()
    cog = next((str(s.meta["millesime_cog"]) for s in src.values() if s.meta.get("millesime_cog")), None)
    pop = next((str(s.meta["millesime_population"]) for s in src.values() if s.meta.get("millesime_population")), None)
    return cog, pop


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder, then os.replace: a failed
    export leaves the previous file untouched. The file gets the permissions of an ordinary new
    file (0o666 minus the umask; mkstemp alone would leave it readable by its owner only), or keeps
    those of the file it replaces."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ExportError(f"dossier inexistant : {path.parent}")
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~current_umask()
    return write_bytes(path, data, mode)


__all__ = ["DEFAULT_WIDTH", "DEFAULT_HEIGHT", "ExportError", "RenderError", "millesimes", "document_citation",
           "partial_registry_line", "write_atomic"]
