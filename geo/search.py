"""Alias of :mod:`geo.referential.search` (moved there, issue 13), kept only while ``ui/home.py``
still imports it from here."""
from .referential.search import CommuneSearch, Hit  # noqa: F401
