"""The one error of the import: the file cannot be used at all (French message for the user)."""
from __future__ import annotations

__all__ = ["ImportFileError"]


class ImportFileError(Exception):
    """The file cannot be used at all (empty, binary, unreadable, too large, no usable header).
    French message."""
