"""The data-quality report: registry warnings and every territory discrepancy, in French.

Shared by ``python -m geo check`` and the app's Sources page. A row names its CPTS and field in
French for the app (« CPTS du Pays de Vitré », « Périmètre › communes : … »); a registry finding also
keeps its file and YAML path (``fichier``, ``champ``), which only the CLI text shows."""
from __future__ import annotations

from dataclasses import dataclass

from geo.formatting import plural
from geo.territories import ECART, ERREUR, INFO, Discrepancy

from .labels import field_label, file_label

SEVERITY_LABELS = {ERREUR: "Erreur", ECART: "Écart", INFO: "Information"}


@dataclass
class QualityReport:
    rows: list[dict]           # {cpts_id, cpts_nom, gravite, type, message, fichier, champ}
    errors: list[dict]

    @property
    def text(self) -> str:
        """The report for the command line: French labels, and the file › path of registry findings."""
        lines = ["Rapport de qualité des données"]
        current = None
        for r in self.rows:
            if r["cpts_nom"] != current:
                current = r["cpts_nom"]
                lines.append(f"\n{current}")
            where = f" ({r['fichier']} › {r['champ']})" if r.get("fichier") else ""
            lines.append(f"  [{SEVERITY_LABELS[r['gravite']]}] {r['message']}{where}")
        counts = {s: sum(1 for r in self.rows if r["gravite"] == s) for s in SEVERITY_LABELS}
        names = {ERREUR: ("erreur", "erreurs"), ECART: ("écart", "écarts"), INFO: ("information", "informations")}
        lines.append("\n" + ", ".join(plural(n, *names[s]) for s, n in counts.items()))
        return "\n".join(lines)


def quality_report(atlas) -> QualityReport:
    reg = atlas.registry
    ids = {c.file: c.id for c in reg.cpts}
    rows = []
    for w in reg.warnings:
        label = field_label(w.path)
        rows.append({"cpts_id": ids.get(w.file), "cpts_nom": file_label(w.file, reg), "gravite": ECART,
                     "type": "registre", "message": f"{label} : {w.message}" if label else w.message,
                     "fichier": w.file, "champ": w.path})
    for t in atlas.territories:
        for d in t.discrepancies:
            rows.append({"cpts_id": t.id, "cpts_nom": t.nom, "gravite": d.severity, "type": d.kind, "message": d.message,
                         "fichier": None, "champ": None})
    return QualityReport(rows=rows, errors=[r for r in rows if r["gravite"] == ERREUR])


__all__ = ["QualityReport", "quality_report", "Discrepancy", "SEVERITY_LABELS"]
