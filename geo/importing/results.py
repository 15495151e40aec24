"""What an analysis returns: rows with their status, problems, territories (the diff with the
registry) and the summary.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .columns import ColumnChoice, FIELD_LABELS
from .table import _DELIMS
from .values import _dep_of, _ranges


#: User choices (page Importer): ignore a row / confirm a new CPTS.
IGNORE = "__ignorer__"


NEW_CPTS = "__nouvelle__"


@dataclass
class ImportProblem:
    line: int
    value: str
    message: str
    suggestions: list[dict] = field(default_factory=list)
    kind: str = ""            # nom_inconnu, homonyme, ligne_vide, doublon, chevauchement, ancien_nom, …
    blocking: bool = False    # True: the row is not used and must be fixed before publishing

    def to_json(self) -> dict:
        return {"line": self.line, "value": self.value, "message": self.message, "suggestions": self.suggestions}


#: Row statuses (page Importer table).
STATUS_LABELS = {
    "resolue": "résolue",
    "corrigee": "corrigée",
    "ancien_nom": "ancien nom",
    "choisie": "choisie à la main",
    "doublon": "doublon",
    "cpts_seule": "CPTS sans commune",
    "non_resolue": "non résolue",
    "ambigue": "homonyme à préciser",
    "conflit": "nom et code en conflit",
    "sans_cpts": "CPTS manquante",
    "cpts_a_preciser": "CPTS à préciser",
    "vide": "ligne vide",
    "ignoree": "ignorée",
    "avant_entete": "avant l'en-tête",
    "sans_geometrie": "sans polygone",
    "sans_commune": "sans commune (ignorée)",
    "pied": "pied de tableau",
    "hors_territoire": "hors du territoire chargé",
    "illisible": "ligne illisible",
}


USED_STATUSES = frozenset({"resolue", "corrigee", "ancien_nom", "choisie", "cpts_seule"})


BLOCKING_STATUSES = frozenset({"non_resolue", "ambigue", "conflit", "sans_cpts", "cpts_a_preciser",
                               "hors_territoire", "illisible"})


@dataclass
class RowResult:
    line: int
    cpts: str          # as written
    commune: str       # as written
    code_saisi: str    # INSEE code as written
    departement: str
    status: str
    code: str | None = None
    nom: str | None = None    # official name of the resolved commune
    message: str = ""
    suggestions: list[dict] = field(default_factory=list)
    group: str | None = None  # territory key
    method: str = ""

    @property
    def used(self) -> bool:
        return self.status in USED_STATUSES


@dataclass
class ImportedTerritory:
    key: str
    nom: str                       # as written in the file (first spelling)
    id: str                        # registry id (existing) or the id to create
    nouvelle: bool
    lines: list[int] = field(default_factory=list)
    communes: list[str] = field(default_factory=list)   # names as written (official name when only a code)
    codes: list[str] = field(default_factory=list)      # parallel to communes
    statut: str = ""               # as written
    etape: str | None = None
    date_signature: str | None = None
    polygon: Any = None            # shapely geometry (GeoJSON imports)
    current: list[str] | None = None  # codes in the registry today (None: new CPTS)
    registry_nom: str | None = None
    blocking: int = 0              # blocking rows of this CPTS
    declared: bool = False         # listed without commune on purpose (row without commune, feature without polygon)

    @property
    def departements(self) -> list[str]:
        return sorted({_dep_of(c) for c in self.codes})

    @property
    def added(self) -> list[str]:
        return sorted(set(self.codes) - set(self.current or []))

    @property
    def removed(self) -> list[str]:
        return sorted(set(self.current or []) - set(self.codes))

    @property
    def changed(self) -> bool:
        """True when publishing writes this CPTS (new, or a different set of communes)."""
        if self.nouvelle:  # created if it has communes, or if the file lists it without perimeter on purpose
            return bool(self.codes) or self.declared
        return bool(self.codes) and set(self.codes) != set(self.current or [])

    @property
    def destructive(self) -> bool:
        """True when publishing takes communes away from this CPTS of the registry (issue 11.4): shown as
        such and published only after an explicit confirmation. (An import never empties a CPTS: one
        listed without communes keeps its perimeter, see ``changed``.)"""
        return self.changed and not self.nouvelle and bool(self.removed)

    def to_json(self) -> dict:
        return {
            "nom": self.nom,
            "communes": list(self.codes),
            "id": self.id,
            "nouvelle": self.nouvelle,
            "nom_registre": self.registry_nom,
            "noms": list(self.communes),
            "departements": self.departements,
            "statut": self.statut or None,
            "date_signature": self.date_signature,
            "lignes": _ranges(self.lines),
            "ajoutees": self.added if not self.nouvelle else list(self.codes),
            "retirees": self.removed if not self.nouvelle else [],
            "modifiee": self.changed,
            "polygone": self.polygon is not None,
            "suppression": self.destructive,
        }


@dataclass
class ImportResult:
    fichier: str
    format: str
    columns: dict[str, ColumnChoice]
    rows: list[RowResult]
    territories: list[ImportedTerritory]
    problems: list[ImportProblem]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_line: int = 1
    ignored_headers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    trailing_empty: int = 0

    @property
    def blocking(self) -> list[ImportProblem]:
        return [p for p in self.problems if p.blocking]

    @property
    def changes(self) -> list[ImportedTerritory]:
        return [t for t in self.territories if t.changed]

    @property
    def destructive(self) -> list[ImportedTerritory]:
        """CPTS of the registry that would lose communes: publish only after an explicit confirmation."""
        return [t for t in self.territories if t.destructive]

    def destructive_text(self) -> str:
        """« CPTS du Pays de Vitré (pays-de-vitre) perd 45 communes sur 46 ; … »."""
        from ..formatting import plural  # noqa: PLC0415
        return " ; ".join(f"{t.nom} ({t.id}) perd {plural(len(t.removed), 'commune')} sur {len(t.current or [])}"
                          + (f", n'en garde que {len(t.codes)}" if len(t.codes) < len(t.removed) else "")
                          for t in self.destructive)

    def columns_text(self) -> str:
        parts = [f"{FIELD_LABELS[f]} ← « {c.header} »" for f, c in sorted(self.columns.items(), key=lambda x: x[1].index)]
        return "Colonnes utilisées : " + "; ".join(parts) + "."

    def summary(self) -> dict:
        counts = Counter(r.status for r in self.rows)
        kinds = Counter(p.kind for p in self.problems)
        s = {
            "fichier": self.fichier,
            "format": self.format,
            "encodage": self.encoding,
            "separateur": _DELIMS.get(self.delimiter) if self.delimiter else None,
            "feuille": self.sheet,
            "ligne_entete": self.header_line if self.format != "geojson" else None,
            "colonnes": {f: c.header for f, c in self.columns.items()},
            "colonnes_regles": {f: c.rule for f, c in self.columns.items()},
            "colonnes_ignorees": self.ignored_headers,
            "lignes": len(self.rows),
            "lignes_utilisees": sum(1 for r in self.rows if r.used),
            "lignes_non_utilisees": sum(1 for r in self.rows if not r.used),
            "lignes_bloquantes": sorted({p.line for p in self.blocking}),
            "statuts": dict(sorted(counts.items())),
            "problemes": dict(sorted(kinds.items())),
            "cpts": len(self.territories),
            "cpts_nouvelles": sum(1 for t in self.territories if t.nouvelle and t.changed),
            "cpts_modifiees": sum(1 for t in self.territories if t.changed and not t.nouvelle),
            "cpts_inchangees": sum(1 for t in self.territories if not t.changed),
            "communes": len({c for t in self.territories for c in t.codes}),
            "publiable": not self.blocking and bool(self.changes),
            "suppressions_a_confirmer": [{"id": t.id, "nom": t.nom, "retirees": len(t.removed),
                                          "avant": len(t.current or []), "apres": len(t.codes)}
                                         for t in self.destructive],
            "notes": self.notes,
        }
        if self.trailing_empty:
            s["lignes_vides_finales"] = self.trailing_empty
        if self.format == "geojson":
            s["numerotation"] = ("Les numéros de ligne d'un GeoJSON sont les numéros d'entité (feature) : "
                                 "1 = première entité du fichier.")
        else:
            s["numerotation"] = ("Numéros de ligne du fichier (l'en-tête est la ligne "
                                 f"{self.header_line}{' de la feuille' if self.format == 'xlsx' else ''}).")
        return s

    def to_json(self) -> dict:
        return {
            "territories": [t.to_json() for t in self.territories],
            "problems": [p.to_json() for p in sorted(self.problems, key=lambda p: (p.line, p.kind))],
            "summary": self.summary(),
        }
