"""read_table(): the entry point of the readers; the format is detected from the content first,
the extension second, and the size is checked before anything is parsed.
"""
from __future__ import annotations

from pathlib import Path

from . import limits as _limits
from .csv_reader import _read_csv
from .errors import ImportFileError
from .geojson_reader import _read_geojson
from .limits import ImportLimits, mega
from .table import Table
from .xlsx_reader import _read_xlsx


#: Largest file accepted (bytes): a 100 000-row listing is ~5 Mo (setting CPTS_IMPORT_MAX_MB).
MAX_BYTES = _limits.LIMITS.max_bytes


def read_table(data: bytes, name: str = "", limits: ImportLimits | None = None) -> Table:
    """Read a listing (bytes) into a Table; raise ImportFileError (French) when unusable.
    Sizes are checked before parsing (``limits``, default: the settings of limits.py)."""
    limits = limits or _limits.LIMITS
    if data is None or len(data) == 0:
        raise ImportFileError("Fichier vide : aucune ligne à importer.")
    if len(data) > limits.max_bytes:
        size = mega(len(data))
        size = f"pèse {size}" if size != mega(limits.max_bytes) else f"dépasse {size}"
        raise ImportFileError(f"Le fichier {size} ; la limite est {mega(limits.max_bytes)}. Découpez la liste "
                              "(par exemple une par département) ou enregistrez-la en CSV.")
    ext = Path(name).suffix.lower()
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, name, limits)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("Classeur Excel 97-2003 (.xls) non pris en charge : enregistrez-le en .xlsx ou en CSV.")
    if data.startswith(b"%PDF"):
        raise ImportFileError("Fichier PDF : la liste doit être un tableau (CSV ou XLSX) ou un GeoJSON.")
    if ext == ".xlsx":
        raise ImportFileError("Ce fichier porte l'extension .xlsx mais n'est pas un classeur Excel valide.")
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if ext in (".geojson", ".json") or stripped.startswith((b"{", b"[")):
        if stripped.startswith((b"{", b"[")):
            return _read_geojson(data, name, limits)
        if ext in (".geojson", ".json"):
            raise ImportFileError("Ce fichier porte l'extension GeoJSON mais ne contient pas de JSON.")
    return _read_csv(data, name, limits)
