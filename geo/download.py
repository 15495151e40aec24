"""Alias of :mod:`geo.referential.download` (moved there, issue 13), kept only while
``app_pages/4_Sources.py`` and ``geo/exports/common.py`` still import it from here."""
from .referential.download import Source, SourceError, fetch, load_sources, read_member, sha256_of  # noqa: F401
