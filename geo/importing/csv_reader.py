"""CSV / text listings: separator detection, records with their own line numbers.
"""
from __future__ import annotations

import contextlib
import csv
import io

from ..formatting import fr_int
from .columns import detect_columns, _missing_fields, _missing_message
from .decoding import decode
from .errors import ImportFileError
from .limits import ImportLimits, too_many
from .table import _DELIMS, _find_header, _HEADER_SEARCH_ROWS, _strip_trailing_empty, Table
from .values import _is_empty


# The longest cell an import reads (csv's default). csv.field_size_limit is process-wide and the
# referential build raises it to 1 GiB for its WKB column: an import in the same process would then
# read an unclosed quote's 100 000 following lines as one cell instead of refusing the file.
MAX_CELL_CHARS = 131_072


@contextlib.contextmanager
def _cell_limit():
    previous = csv.field_size_limit(MAX_CELL_CHARS)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _csv_records(text: str, delim: str, limit: int | None = None,
                 max_cells: int | None = None) -> list[tuple[int, list[str]]]:
    with _cell_limit():
        return _read_records(text, delim, limit, max_cells)


def _read_records(text: str, delim: str, limit: int | None, max_cells: int | None) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, quotechar='"', strict=False)
    out: list[tuple[int, list[str]]] = []
    prev = 0
    cells = 0
    try:
        for rec in reader:
            out.append((prev + 1, rec))
            prev = reader.line_num
            cells += len(rec)
            if max_cells is not None and cells > max_cells:
                raise ImportFileError(too_many("cellules", max_cells))
            if limit is not None and len(out) >= limit:
                break
    except csv.Error as e:
        if "field limit" in str(e):
            raise ImportFileError(
                f"Cellule de plus de {fr_int(MAX_CELL_CHARS)} caractères à partir de la ligne {prev + 1} : "
                "un guillemet « \" » ouvert n'est sans doute jamais fermé, et la suite du fichier est lue comme "
                "une seule cellule. Vérifiez les guillemets de cette ligne.") from None
        raise ImportFileError(f"CSV illisible à la ligne {prev + 1} : {e}. Vérifiez les guillemets.") from None
    return out


def _swallowed(rows: list[tuple[int, list[str]]], delim: str) -> dict[int, str]:
    """Records where an unclosed quote swallowed the following lines: a cell spanning several lines
    whose continuation holds the separator (a legitimate multi-line cell, an address, has none)."""
    out = {}
    for line, cells in rows:
        for cell in cells:
            if "\n" in cell and delim in cell.split("\n", 1)[1]:
                last = line + sum(c.rstrip("\r\n").count("\n") for c in cells)
                out[line] = (f"Guillemet « \" » non fermé : les lignes {line} à {last} du fichier sont lues comme une "
                             f"seule cellule. Fermez ou supprimez le guillemet de la ligne {line}.")
                break
    return out


def _read_csv(data: bytes, name: str, limits: ImportLimits) -> Table:
    decoded = decode(data)
    text, encoding, notes = decoded.text, decoded.label, decoded.notes
    if not text.strip():
        raise ImportFileError("Fichier vide : aucune ligne à importer.")
    if text.count("\n") + (not text.endswith("\n")) > limits.max_rows:
        raise ImportFileError(too_many("lignes", limits.max_rows))
    head = text[:20000]
    first_line = next((ln for ln in head.splitlines() if ln.strip()), "")
    order = sorted(_DELIMS, key=lambda d: -first_line.count(d))
    failures = None
    for delim in order:
        sample = _csv_records(text[:200000], delim, limit=_HEADER_SEARCH_ROWS * 2)
        idx, headers, chosen, hnotes = _find_header(sample)
        if idx is None:
            if failures is None:
                failures = headers
            continue
        records = _csv_records(text, delim, max_cells=limits.max_cells)
        header_line = records[idx][0]
        pre = [(ln, c) for ln, c in records[:idx] if not _is_empty(c)]
        rows = records[idx + 1:]
        rows, trailing = _strip_trailing_empty(rows)
        width = len(headers)
        if width < 2 and len(chosen) < 2:
            continue
        return Table("csv", header_line, headers, rows, chosen, encoding=encoding, delimiter=delim,
                     pre_header=pre, notes=notes + hnotes, trailing_empty=trailing, repaired=decoded.repaired,
                     broken=_swallowed(rows, delim))
    line, headers = failures or (1, [])
    missing = ["cpts", "commune"]
    if headers:
        chosen, _ = detect_columns(headers)
        missing = _missing_fields(chosen) or missing
    raise ImportFileError(_missing_message(missing, headers, f"ligne {line}, encodage {encoding}"))
