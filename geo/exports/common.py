"""What every export shares: errors, default sizes, millésimes, the source citations and the
« registre partiel » line, and the atomic file write.

A leaf of geo/exports/: it imports no other export module (png, pdf and tables all import it),
and nothing heavy (no matplotlib, no pandas), so the CLI can build its parser cheaply."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..formatting import fr_date, plural

# Default PNG size (pixels). Here, not in png.py, so that the CLI parser does not import matplotlib.
DEFAULT_WIDTH, DEFAULT_HEIGHT = 1600, 1200

# Context figures of the registry (data/registry/context.yaml) that count the CPTS known in the
# region: recognised CPTS + projects being supported, at the date of their source.
KNOWN_CPTS_FIGURES = ("bretagne-cpts-reconnues-2024", "bretagne-projets-2024")


class ExportError(ValueError):
    """Bad export request: French message."""


class RenderError(ValueError):
    """Bad rendering request (unknown CPTS or indicator, bad size): French message."""


def millesimes() -> tuple[str | None, str | None]:
    """(COG, populations légales) millésimes declared in geo/sources.yaml."""
    try:
        from ..referential.download import load_sources
    except ImportError:   # before the referential package lands (issue 13 moves it)
        from ..referential.download import load_sources
    src = load_sources()
    cog = next((str(s.meta["millesime_cog"]) for s in src.values() if s.meta.get("millesime_cog")), None)
    pop = next((str(s.meta["millesime_population"]) for s in src.values() if s.meta.get("millesime_population")), None)
    return cog, pop


def document_citation(source_id: str, registry) -> str:
    """A source document as a reader can find it again: its own title, kind, publisher, place and
    date — « Un nouveau contrat signé … » (communiqué de presse, CPTS du Pays de Vitré, ARS
    Bretagne, CPAM d'Ille-et-Vilaine, Rennes, 29 septembre 2022) — never our internal file name."""
    s = registry.sources.get(source_id)
    if s is None:
        return source_id
    when = fr_date(s.date) + (" [date déduite]" if s.infere else "")
    parts = [s.type, s.editeur, s.lieu, when]
    url = getattr(s, "url", None)
    text = f"« {s.titre} » ({', '.join(p for p in parts if p)})"
    return text + (f" — {url}" if url else "")


def partial_registry_line(atlas) -> str | None:
    """« Registre partiel : 5 CPTS cartographiées sur 37 connues en 2024 » — from the registry's
    own figures (mapped CPTS, and the context figures counting the CPTS known in the region), so a
    screenshot shown in a meeting cannot pass for complete. None when the registry maps at least
    as many CPTS as its sources count, or does not give the count."""
    figures = [atlas.registry.context_figure(fid) for fid in KNOWN_CPTS_FIGURES]
    figures = [f for f in figures if f is not None]
    if not figures:
        return None
    known = int(sum(f.valeur for f in figures))
    mapped = sum(1 for t in atlas.territories if t.perimetre_connu)
    if mapped >= known:
        return None
    years = sorted({str(f.date)[:4] for f in figures if f.date})
    when = f" en {' et '.join(years)}" if years else ""
    return (f"Registre partiel : {plural(mapped, 'CPTS cartographiée', 'CPTS cartographiées')} "
            f"sur {known} connues{when}")


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder, then os.replace: a failed
    export leaves the previous file untouched. The file gets the permissions of an ordinary new
    file (0o666 minus the umask; mkstemp alone would leave it readable by its owner only), or keeps
    those of the file it replaces."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ExportError(f"dossier inexistant : {path.parent}")
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def _umask() -> int:
    """The process umask, read without changing it (os.umask would set it, which is not safe while
    other threads create files); 0o022 where /proc does not say."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


__all__ = ["DEFAULT_WIDTH", "DEFAULT_HEIGHT", "ExportError", "RenderError", "millesimes", "document_citation",
           "partial_registry_line", "write_atomic"]
