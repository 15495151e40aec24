"""Publish the import of a tracking table (geo/importing/facts_analysis.py): the facts of each CPTS,
the perimeters of its commune sheet, and the table itself as a new source document — one
publication, one version of the history.

Same guarantees as every publication (published through store.py publication(), like an import, an
edit and a restore): under the registry lock, after settling what a killed publication left; a CPTS
changed or created since the preview stops it (PublishError.CONFLICT, nothing written); a timestamped backup; the new registry is
assembled in ``<root>/.staging-*`` — the file copied into ``documents/``, its entry appended to
``sources.yaml`` (title, publisher, date, sha256, who imported it), the perimeter blocks written as
a commune-list import writes them (store._stage), then only the top-level blocks of each CPTS file
that the table changes (edit.cpts_yaml: the rest of a hand-edited file stays byte for byte) —
validated, and every citation of the table checked against the table's text (table_text.py); the
version is prepared, each changed top-level entry (``documents/``, ``sources.yaml``, ``cpts/`` last)
replaced by one atomic rename and put back if anything fails; the version is committed.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import yaml

from geo.formatting import fr_date, plural
from geo.paths import BACKUPS_DIR

from .citations import check_citations, iter_citations
from .documents import DOCUMENTS_DIR
from .edit import cpts_yaml, dump
from .edit_sources import append_source
from .files import copy_tree, fingerprints
from .labels import field_label, file_label
from .load import load_registry, validate_registry
from .models import Cpts
from .problems import ERROR, PublishError
from .store import Publication, PublishReport, _conflicts, _stage, publication

__all__ = ["FactsPublishReport", "publish_facts", "document_name"]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


@dataclasses.dataclass
class FactsPublishReport(PublishReport):
    source: str = ""                 # id of the table in sources.yaml
    document: str | None = None      # its file in documents/ (None: already there)
    faits: int = 0                   # facts written

    def text(self) -> str:
        parts = []
        if self.created:
            parts.append(f"{plural(len(self.created), 'CPTS créée', 'CPTS créées')} ({', '.join(self.created)})")
        if self.updated:
            parts.append(f"{plural(len(self.updated), 'CPTS modifiée', 'CPTS modifiées')} ({', '.join(self.updated)})")
        parts.append(f"{plural(self.faits, 'fait écrit', 'faits écrits')}, source « {self.source} »"
                     + (f" (document {self.document})" if self.document else ""))
        version = f" Version {self.version} de l'historique." if self.version else ""
        return "Tableau de suivi publié : " + " ; ".join(parts) + f". Sauvegarde : {self.backup}.{version}"


def document_name(root: Path, sha: str, ext: str) -> str:
    """« 005_3c0a76bc2dccf5aa.xlsx »: the next number of documents/ and the start of the file's sha256."""
    numbers = [int(m.group(1)) for p in (Path(root) / DOCUMENTS_DIR).glob("*") if (m := re.match(r"^(\d+)_", p.name))]
    return f"{(max(numbers) + 1 if numbers else 0):03d}_{sha[:16]}{ext}"


def publish_facts(result, data: bytes, root: Path, backups: Path = BACKUPS_DIR, *, editeur: str | None,
                  expected: dict[str, str] | None = None, today: str | None = None,
                  versions: Path | None = None) -> FactsPublishReport:
    """Write what ``result`` (a FactsResult of ``data``) sets into the registry at ``root``. Raises
    PublishError (registry unchanged) with a French message and an exit code."""
    if result.blocking:
        raise PublishError(f"{plural(len(result.blocking), 'problème bloquant')} à corriger avant de publier : "
                           "rien n'a été écrit.")
    today = today or dt.date.today().isoformat()
    return publication(root, backups, versions, lambda pub: _locked(result, data, pub, editeur, expected, today))


def _check(result, current, expected, root: Path) -> None:
    moved = _conflicts(result.perimeter_changes, current, expected, root) if result.perimeter is not None else []
    now = fingerprints(root)
    for c in result.changes:
        if c.nouvelle and current.get(c.id) is not None and not any(t.id == c.id for t in result.perimeter_changes):
            moved.append(f"« {current.get(c.id).nom} » ({c.id}) créée entre-temps")
        elif not c.nouvelle and expected is not None and expected.get(c.id) != now.get(c.id):
            moved.append(c.id)
    if moved:
        raise PublishError("Registre modifié depuis l'aperçu (CPTS " + ", ".join(dict.fromkeys(moved)) + ") : rien "
                           "n'a été écrit ; rechargez le fichier pour voir les différences, puis publiez.",
                           PublishError.CONFLICT)


def _source_entry(doc: dict, fichier: str, editeur: str | None, today: str) -> dict:
    note = f"Fichier importé « {doc['fichier_importe']} » le {fr_date(today)} (python -m geo import / page Importer)."
    if doc.get("note"):
        note += " " + doc["note"]
    return {"id": doc["id"], "fichier": fichier, "titre": doc["titre"], "editeur": doc["editeur"], "date": doc["date"],
            "type": "tableau de suivi", "note": note, "infere": bool(doc.get("infere")), "sha256": doc["sha256"],
            "importe_par": editeur or "non renseigné", "date_import": today}


def _new_cpts(c, doc: dict, today: str) -> dict:
    order = [f.name for f in dataclasses.fields(Cpts) if f.name != "file"]
    data = {"id": c.id, "nom": c.nom, "nom_connu": True, "departements": c.blocks.get("departements", []),
            "statut": c.blocks.get("statut", {"etape": None, "jalons": []})}
    for key in order:
        if key in c.blocks and key not in data and key != "notes":
            data[key] = c.blocks[key]
    data["perimetre"] = {"regle": "inconnu", "note": f"Périmètre non connu : le tableau de suivi (« {doc['titre'][:80]} ») "
                                                     "ne liste pas ses communes."}
    data["notes"] = [f"CPTS créée par l'import du tableau de suivi « {doc['fichier_importe']} » le {fr_date(today)}."] + \
        list(c.blocks.get("notes", []))
    return data


def _write_facts(result, staging: Path, report: FactsPublishReport, today: str) -> None:
    for c in result.changes:
        path = staging / "cpts" / f"{c.id}.yaml"
        report.faits += sum(1 for f in c.facts if f.writes)
        if path.is_file():  # an existing CPTS, or one the commune sheet just created
            text = path.read_text(encoding="utf-8")
            old = yaml.load(text, Loader=_LOADER) or {}
            new = dict(old)
            for key, value in c.blocks.items():
                if key == "notes" and c.nouvelle:
                    value = list(old.get("notes") or []) + [n for n in value if n not in (old.get("notes") or [])]
                new[key] = value
            if c.nouvelle:  # written by this publication a moment ago: no hand-written layout to keep
                order = [f.name for f in dataclasses.fields(Cpts) if f.name != "file"]
                head = "".join(ln for ln in text.splitlines(keepends=True)[:1] if ln.startswith("#"))
                path.write_text(head + dump({k: new[k] for k in sorted(new, key=order.index)}), encoding="utf-8")
            else:
                path.write_text(cpts_yaml(text, old, new), encoding="utf-8")
            if c.id not in report.created and c.id not in report.updated:
                report.updated.append(c.id)
        else:
            head = f"# CPTS créée par l'import du tableau de suivi « {result.document['fichier_importe']} » le {today}.\n"
            path.write_text(head + dump(_new_cpts(c, result.document, today)), encoding="utf-8")
            report.created.append(c.id)
        rel = f"cpts/{c.id}.yaml"
        if rel not in report.files:
            report.files.append(rel)


def _locked(result, data: bytes, pub: Publication, editeur, expected, today: str):
    root = pub.root
    try:
        current = load_registry(root)
    except Exception as e:  # RegistryError: never publish on top of a broken registry
        raise PublishError(f"Le registre actuel est invalide, publication refusée : {e}") from None
    _check(result, current, expected, root)
    doc = result.document
    report = FactsPublishReport(backup=Path(), source=doc["id"])

    def build(new: Path, saved: Path) -> set[str]:
        report.backup = saved
        copy_tree(root, new)
        touched = {"cpts"}
        if not doc.get("existe"):
            name = document_name(new, doc["sha256"], doc["extension"])
            (new / DOCUMENTS_DIR).mkdir(exist_ok=True)
            (new / DOCUMENTS_DIR / name).write_bytes(data)
            sources = (new / "sources.yaml").read_text(encoding="utf-8")
            (new / "sources.yaml").write_text(append_source(sources, _source_entry(doc, name, editeur, today)),
                                              encoding="utf-8")
            report.document = name
            report.files += [f"{DOCUMENTS_DIR}/{name}", "sources.yaml"]
            touched |= {DOCUMENTS_DIR, "sources.yaml"}
        if result.perimeter_changes:
            (new / "perimetres").mkdir(exist_ok=True)
            _stage(result.perimeter_changes, current, new, doc["fichier_importe"], result.format, today, report)
            touched |= {p.split("/")[0] for p in report.files}
        _write_facts(result, new, report, today)
        _validate(new, doc["id"])
        return touched

    meta, _ = pub.swap(build, kind="facts", cancelled="Publication annulée ({error}) ; le registre est inchangé.",
                       version={"operation": "import", "editeur": editeur,
                                "libelle": f"Import du tableau de suivi « {doc['fichier_importe']} »"})
    report.version = meta["numero"]
    return report


def _validate(new: Path, source_id: str) -> None:
    errors = [p for p in validate_registry(new) if p.severity == ERROR]
    if not errors:  # every citation of the table must be a cell of the table
        registry = load_registry(new)
        ours = {(ref.file, ref.path) for ref in iter_citations(registry) if ref.source == source_id}
        errors = [p for p in check_citations(registry, new / DOCUMENTS_DIR)
                  if p.severity == ERROR and (p.file, p.path) in ours]
    if errors:
        raise PublishError("Publication refusée, le registre obtenu serait invalide : " + " ; ".join(
            f"{file_label(p.file)} › {field_label(p.path)} : {p.message}" for p in errors[:5]))
