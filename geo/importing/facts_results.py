"""What the analysis of a tracking table returns: per CPTS the facts it would set (field, old value,
new value, where read), every non-empty cell with what became of it, the problems, the source
document the table becomes, and the perimeter analysis of its commune sheet when it has one.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..registry.table_text import cell_place, column_letter
from .facts_columns import FACT_LABELS, FactColumn
from .results import ImportResult

__all__ = ["CELL_STATUSES", "FACT_STATUSES", "CellNote", "FactChange", "FactsCpts", "FactsProblem", "FactsResult"]

#: What became of a non-empty cell.
CELL_STATUSES = {
    "entete": "en-tête", "titre": "titre du document", "utilisee": "utilisée", "inchangee": "identique au registre",
    "signalee": "signalée (non importée)", "ignoree": "ignorée", "a_corriger": "à corriger",
}
#: What a fact does to the registry.
FACT_STATUSES = {
    "nouveau": "nouveau", "modifie": "modifié", "ajoute": "ajouté", "inchange": "inchangé",
    "plus_recent": "remplace (plus récent), l'ancien reste affiché", "plus_ancien": "ajouté comme valeur plus ancienne",
}
WRITING = frozenset({"nouveau", "modifie", "ajoute", "plus_recent", "plus_ancien"})


@dataclass
class CellNote:
    sheet: str | None
    line: int
    column: int                 # 0-based
    header: str
    value: str
    status: str                 # CELL_STATUSES
    field: str | None = None
    message: str = ""

    @property
    def place(self) -> str:
        return cell_place(self.sheet, self.line, self.column)

    def to_json(self) -> dict:
        return {"feuille": self.sheet, "ligne": self.line, "colonne": column_letter(self.column),
                "entete": self.header, "valeur": self.value, "etat": self.status, "champ": self.field,
                "message": self.message}


@dataclass
class FactsProblem:
    sheet: str | None
    line: int                   # 0: the whole file or sheet
    column: int | None
    value: str
    message: str
    kind: str = ""
    blocking: bool = False
    suggestions: list[dict] = field(default_factory=list)

    @property
    def place(self) -> str:
        if self.column is not None:
            return cell_place(self.sheet, self.line, self.column)
        if self.line:
            return (f"Feuille « {self.sheet} », ligne {self.line}" if self.sheet else f"Ligne {self.line}")
        return f"Feuille « {self.sheet} »" if self.sheet else "Fichier"

    def to_json(self) -> dict:
        return {"ou": self.place, "feuille": self.sheet, "ligne": self.line,
                "colonne": column_letter(self.column) if self.column is not None else None, "valeur": self.value,
                "message": self.message, "type": self.kind, "bloquant": self.blocking,
                "suggestions": self.suggestions}


@dataclass
class FactChange:
    champ: str                  # registry field: population_declaree, financement, statut.jalons…
    libelle: str                # French label
    ancien: str | None          # old value as shown (None: no value today)
    nouveau: str                # new value as shown
    statut: str                 # FACT_STATUSES
    lu: list[str]               # where read: « Feuille « Suivi », ligne 7, colonne F »
    message: str = ""

    @property
    def writes(self) -> bool:
        return self.statut in WRITING

    def to_json(self) -> dict:
        return {"champ": self.champ, "libelle": self.libelle, "ancien": self.ancien, "nouveau": self.nouveau,
                "statut": self.statut, "lu": self.lu, "message": self.message}


@dataclass
class FactsCpts:
    key: str                    # grouping key (« id:pays-de-vitre » or « new:… »)
    nom: str                    # as written in the table
    id: str
    nouvelle: bool
    line: int
    registry_nom: str | None = None
    facts: list[FactChange] = field(default_factory=list)
    blocks: dict[str, Any] = field(default_factory=dict)   # top-level YAML key -> new value (publication)
    blocking: bool = False

    @property
    def changed(self) -> bool:
        return not self.blocking and any(f.writes for f in self.facts)

    def to_json(self) -> dict:
        return {"id": self.id, "nom": self.nom, "nom_registre": self.registry_nom, "nouvelle": self.nouvelle,
                "ligne": self.line, "a_corriger": self.blocking, "faits": [f.to_json() for f in self.facts]}


@dataclass
class FactsResult:
    fichier: str
    format: str
    sheet: str | None
    header_lines: list[int]
    columns: dict[str, FactColumn]
    cpts: list[FactsCpts]
    problems: list[FactsProblem]
    cells: list[CellNote]
    document: dict              # the source the table becomes: id, titre, editeur, date, sha256, infere, existe
    perimeter: ImportResult | None = None
    notes: list[str] = field(default_factory=list)
    kind: str = "faits"          # tells the CLI and the page this is not a perimeter ImportResult

    @property
    def blocking(self) -> list:
        own = [p for p in self.problems if p.blocking]
        return own + (list(self.perimeter.blocking) if self.perimeter is not None else [])

    @property
    def changes(self) -> list[FactsCpts]:
        return [c for c in self.cpts if c.changed]

    @property
    def perimeter_changes(self) -> list:
        return list(self.perimeter.changes) if self.perimeter is not None else []

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.perimeter_changes)

    def columns_text(self) -> str:
        return "Colonnes reconnues : " + "; ".join(
            f"{FACT_LABELS.get(f, f)} = « {c.header} » (colonne {column_letter(c.index)})"
            for f, c in sorted(self.columns.items(), key=lambda kv: kv[1].index)) + "."

    def summary(self) -> dict:
        cells = Counter(c.status for c in self.cells)
        facts = Counter(f.statut for c in self.cpts for f in c.facts)
        return {
            "format": self.format, "feuille": self.sheet, "lignes_entete": self.header_lines,
            "cpts": len(self.cpts), "cpts_nouvelles": sum(1 for c in self.cpts if c.nouvelle and c.changed),
            "cpts_modifiees": sum(1 for c in self.cpts if c.changed and not c.nouvelle),
            "faits": dict(facts), "faits_ecrits": sum(n for s, n in facts.items() if s in WRITING),
            "cellules": len(self.cells), "cellules_par_etat": dict(cells),
            "problemes": len(self.problems), "bloquants": len(self.blocking),
        }

    def to_json(self) -> dict:
        return {
            "type": "tableau_de_suivi",
            "document": self.document,
            "colonnes": {f: {"entete": c.header, "colonne": column_letter(c.index), "regle": c.rule}
                         for f, c in self.columns.items()},
            "cpts": [c.to_json() for c in self.cpts],
            "problems": [p.to_json() for p in self.problems],
            "cellules": [c.to_json() for c in self.cells if c.status not in ("utilisee", "inchangee", "entete")],
            "perimetre": self.perimeter.to_json() if self.perimeter is not None else None,
            "summary": self.summary(),
        }
