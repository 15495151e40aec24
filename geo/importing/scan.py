"""Cheap counts taken BEFORE parsing a file, so that a hostile file is refused in a fraction of a
second instead of being parsed into gigabytes (issue 12.5; the limits are in limits.py).

- XLSX: the worksheets' XML is streamed out of the zip (never all in memory) and its ``<row>``
  and ``<c>`` tags are counted with a regular expression; the count stops as soon as a limit is
  passed. ``sharedStrings.xml`` entries count as cells (openpyxl loads them all, even read-only).
  Counting tags, not trusting the ``<dimension>`` element: a file can lie about it.
- JSON: the nesting depth of ``[``/``{`` outside strings, with numpy (no recursion, no parse).
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field

import numpy as np

from .errors import ImportFileError
from .limits import ImportLimits, too_many

__all__ = ["XlsxCounts", "scan_xlsx", "json_depth_exceeds"]

_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
_CHUNK = 1 << 20


@dataclass
class XlsxCounts:
    rows: int = 0
    cells: int = 0
    shared_strings: int = 0
    rows_by_part: dict[str, int] = field(default_factory=dict)   # "xl/worksheets/sheet1.xml" -> rows


def _count_tags(z: zipfile.ZipFile, info: zipfile.ZipInfo, patterns: list[re.Pattern], stop) -> list[int]:
    """Occurrences of each pattern in one zip member, streamed; ``stop(counts)`` ends early."""
    counts = [0] * len(patterns)
    tail = b""
    with z.open(info) as f:
        while True:
            chunk = f.read(_CHUNK)
            buf = tail + chunk
            if not chunk:
                end = len(buf)
            else:
                # a match starting before the last '<' ends before it: count up to there, keep the rest
                end = buf.rfind(b"<")
                end = len(buf) if end < 0 else end
            part = buf[:end]
            for i, rx in enumerate(patterns):
                counts[i] += len(rx.findall(part))
            tail = buf[end:]
            if not chunk or stop(counts):
                return counts


def scan_xlsx(z: zipfile.ZipFile, limits: ImportLimits) -> XlsxCounts:
    """Count rows and cells of every worksheet; ImportFileError (French) past a limit."""
    out = XlsxCounts()
    for info in z.infolist():
        name = info.filename
        if name == "xl/sharedStrings.xml":
            (n,) = _count_tags(z, info, [_SI], lambda c: c[0] > limits.max_cells)
            out.shared_strings = n
            if n > limits.max_cells:
                raise ImportFileError(too_many("cellules de texte", limits.max_cells))
            continue
        if not _SHEET.fullmatch(name):
            continue
        rows0, cells0 = out.rows, out.cells
        rows, cells = _count_tags(z, info, [_ROW, _CELL],
                                  lambda c: rows0 + c[0] > limits.max_rows or cells0 + c[1] > limits.max_cells)
        out.rows += rows
        out.cells += cells
        out.rows_by_part[name] = rows
        if out.rows > limits.max_rows:
            raise ImportFileError(too_many("lignes", limits.max_rows, " (toutes feuilles du classeur)"))
        if out.cells > limits.max_cells:
            raise ImportFileError(too_many("cellules", limits.max_cells, " (toutes feuilles du classeur)"))
    return out


_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_OPEN = (ord("["), ord("{"))
_CLOSE = (ord("]"), ord("}"))


def json_depth_exceeds(data: bytes, limit: int) -> bool:
    """True when ``[``/``{`` nest deeper than ``limit`` (outside strings). Linear, no recursion:
    escapes are dropped, quotes toggle « inside a string », brackets outside strings add ±1."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    data = _ESCAPE.sub(b"", data)
    depth = 0
    in_string = False
    for start in range(0, len(data), 4 * _CHUNK):
        a = np.frombuffer(data, dtype=np.uint8, count=min(4 * _CHUNK, len(data) - start), offset=start)
        quotes = np.cumsum(a == ord('"'), dtype=np.int64)
        inside = (quotes + int(in_string)) % 2 == 1
        delta = np.isin(a, _OPEN).astype(np.int32) - np.isin(a, _CLOSE).astype(np.int32)
        delta[inside] = 0
        levels = depth + np.cumsum(delta, dtype=np.int64)
        if len(levels) and int(levels.max()) > limit:
            return True
        if len(levels):
            depth = int(levels[-1])
            in_string = bool((int(quotes[-1]) + int(in_string)) % 2)
    return False
