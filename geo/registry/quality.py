"""The data-quality report: registry warnings and every territory discrepancy, in French.

Shared by ``python -m geo check`` and the app's Sources page."""
from __future__ import annotations

from dataclasses import dataclass

from geo.territories import ECART, ERREUR, INFO, Discrepancy

SEVERITY_LABELS = {ERREUR: "Erreur", ECART: "Écart", INFO: "Information"}


@dataclass
class QualityReport:
    rows: list[dict]           # {cpts_id, cpts_nom, gravite, type, message}
    errors: list[dict]

    @property
    def text(self) -> str:
        lines = ["Rapport de qualité des données"]
        current = None
        for r in self.rows:
            if r["cpts_nom"] != current:
                current = r["cpts_nom"]
                lines.append(f"\n{current}")
            lines.append(f"  [{SEVERITY_LABELS[r['gravite']]}] {r['message']}")
        counts = {s: sum(1 for r in self.rows if r["gravite"] == s) for s in SEVERITY_LABELS}
        lines.append("\n" + ", ".join(f"{n} {SEVERITY_LABELS[s].lower()}(s)" for s, n in counts.items()))
        return "\n".join(lines)


def quality_report(atlas) -> QualityReport:
    rows = []
    for w in atlas.registry.warnings:
        rows.append({"cpts_id": None, "cpts_nom": f"Registre ({w.file})", "gravite": ECART, "type": "registre",
                     "message": f"{w.path} : {w.message}"})
    for t in atlas.territories:
        for d in t.discrepancies:
            rows.append({"cpts_id": t.id, "cpts_nom": t.nom, "gravite": d.severity, "type": d.kind, "message": d.message})
    return QualityReport(rows=rows, errors=[r for r in rows if r["gravite"] == ERREUR])


__all__ = ["QualityReport", "quality_report", "Discrepancy", "SEVERITY_LABELS"]
