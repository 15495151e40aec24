"""Every non-empty cell of the imported file and what became of it (issue 8: « every row and every
non-empty cell used or reported with sheet, line and column»): the facts sheet cell by cell, the
commune sheet from the perimeter import's row statuses, the sheets not read as a whole.
"""
from __future__ import annotations

from ..registry.table_text import cell_display, column_letter
from .facts_results import CellNote, FactsProblem
from .results import BLOCKING_STATUSES, STATUS_LABELS, USED_STATUSES

__all__ = ["Ledger"]


class Ledger:
    def __init__(self, sheet: str | None):
        self.sheet = sheet
        self.cells: list[CellNote] = []
        self._headers: list[str] = []
        self._known: set[int] = set()
        self._unknown: dict[int, int] = {}   # column -> data cells in it

    def _add(self, sheet, line, col, value, status, field=None, message="", header=""):
        text = cell_display(value)
        if text:
            self.cells.append(CellNote(sheet, line, col, header, text, status, field, message))

    def header(self, facts, title_line: int | None) -> None:
        self._headers = facts.headers
        self._known = {c.index for c in facts.columns.values()}
        self._field = {c.index: f for f, c in facts.columns.items()}
        for line, cells in facts.pre_header:
            for col, v in enumerate(cells):
                if line == title_line:
                    self._add(self.sheet, line, col, v, "titre", message="titre du document source")
                else:
                    self._add(self.sheet, line, col, v, "ignoree", message="ligne au-dessus de l'en-tête, ignorée")
        self._header_rows = set(facts.header_lines)

    def header_cells(self, records) -> None:
        for line, cells in records:
            if line in self._header_rows:
                for col, v in enumerate(cells):
                    known = col in self._known
                    self._add(self.sheet, line, col, v, "entete", self._field.get(col),
                              "" if known else "colonne non reconnue : ses cellules sont ignorées",
                              self._headers[col] if col < len(self._headers) else "")

    def row(self, line: int, cells: list, statuses: dict, default: str, message: str, identity=None) -> None:
        for col, v in enumerate(cells):
            header = self._headers[col] if col < len(self._headers) else ""
            if not cell_display(v):
                continue
            if default != "utilisee":
                self._add(self.sheet, line, col, v, default, self._field.get(col), message, header)
            elif col in statuses:
                status, msg = statuses[col]
                self._add(self.sheet, line, col, v, status, self._field.get(col), msg, header)
            elif col in self._known:
                self._add(self.sheet, line, col, v, "utilisee", self._field.get(col), "", header)
            else:
                self._unknown[col] = self._unknown.get(col, 0) + 1
                self._add(self.sheet, line, col, v, "ignoree", None,
                          f"colonne « {header or column_letter(col)} » non reconnue, ignorée", header)

    def unused_columns(self, facts, problems: list[FactsProblem]) -> None:
        for col, n in sorted(self._unknown.items()):
            header = self._headers[col] if col < len(self._headers) else ""
            problems.append(FactsProblem(self.sheet, facts.header_lines[-1], col, header,
                                         f"Colonne « {header or column_letter(col)} » non reconnue : ses {n} cellule(s) "
                                         "sont ignorées (renommez-la pour l'importer).", "colonne_ignoree"))

    def whole_sheet(self, title, records, why: str) -> None:
        for line, cells in records:
            for col, v in enumerate(cells):
                self._add(title, line, col, v, "ignoree", message=why)

    def commune_sheet(self, table, result) -> None:
        """The commune list: each cell takes the status of its row in the perimeter import."""
        mapped = {c.index: f for f, c in table.columns.items()}
        for line, cells in table.pre_header:
            for col, v in enumerate(cells):
                self._add(table.sheet, line, col, v, "ignoree", message="ligne au-dessus de l'en-tête, ignorée")
        for col, h in enumerate(table.headers):
            self._add(table.sheet, table.header_line, col, h, "entete", mapped.get(col),
                      "" if col in mapped else "colonne non reconnue : ses cellules sont ignorées", h)
        rows = {r.line: r for r in result.rows}
        for line, cells in table.rows:
            r = rows.get(line)
            for col, v in enumerate(cells):
                header = table.headers[col] if col < len(table.headers) else ""
                if col not in mapped:
                    self._add(table.sheet, line, col, v, "ignoree", None, f"colonne « {header} » non reconnue, ignorée",
                              header)
                elif r is None:
                    self._add(table.sheet, line, col, v, "ignoree", mapped[col], "ligne non lue", header)
                elif r.status in USED_STATUSES:
                    self._add(table.sheet, line, col, v, "utilisee", mapped[col], r.message or "", header)
                else:
                    status = "a_corriger" if r.status in BLOCKING_STATUSES else "signalee"
                    self._add(table.sheet, line, col, v, status, mapped[col],
                              r.message or STATUS_LABELS.get(r.status, r.status), header)
