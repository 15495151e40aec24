"""Publish an import into the CPTS registry.

Pure Python (PyYAML, openpyxl; no Streamlit). Every function takes the registry root as a
parameter (tests work on a copy; the app and the CLI pass geo.paths.REGISTRY_DIR).

Publishing (:func:`publish`) — what an import changes, and nothing else:

- a CPTS of the file that is already in the registry gets the file's perimeter: only its
  ``perimetre:`` block is replaced, textually, so every other fact, comment and blank line of its
  YAML file stays byte for byte; a CPTS whose communes are the same as today is not touched;
- a new CPTS gets a minimal valid file (``perimetre.regle: communes``, the commune names as
  written in the file and their resolved ``codes_insee``, ``source_import``); a GeoJSON polygon
  is kept in ``perimetres/<id>.geojson``;
- CPTS absent from the file are untouched.

Safety: publications are serialised by ``fcntl.flock`` on ``<root>/.lock``. Under the lock, what a
killed publication left is removed first (``<root>/.staging-*``, ``backups/.partial-*``: only the
lock holder writes them, so none belongs to a live process); the registry is re-read, and a CPTS
that another publication changed or created since the analysis stops the publication (two
publications of different CPTS both land; two creating the same CPTS: the second is refused,
PublishError.CONFLICT). Then a timestamped copy is made under ``backups`` (``data/backups/``,
git-ignored; written as ``.partial-…`` and renamed when whole), the new ``cpts/`` (and
``perimetres/``) directories are written and validated in ``<root>/.staging-*``, then swapped in
with an atomic directory exchange (``renameat2(RENAME_EXCHANGE)``; two renames where the kernel
cannot). On any error the swapped directories are put back by renames (a copy from the backup if
that fails) and :class:`PublishError` says what happened in French, with an exit code per cause
(read-only folder, disk full, conflict, busy…: geo/registry/problems.py). Old polygons are never
deleted during a publication (a reader may still hold the previous YAML files). A kill between the
``perimetres/`` and the ``cpts/`` swaps (GeoJSON imports only) leaves the new polygon folder beside
the old CPTS files: still a valid registry, as benchmarks/bench_publish_faults.py measures.

The listing export is geo/registry/export.py, the YAML text geo/registry/yaml_write.py, the
filesystem steps geo/registry/files.py.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from geo.importing import ImportedTerritory, ImportResult, cpts_key
from geo.formatting import plural
from geo.paths import BACKUPS_DIR

from . import history
from .export import export_bytes, export_rows, neutralize, to_csv_bytes, to_xlsx_bytes
from .files import (LOCK_NAME, STAGING_PREFIX, backup, clean_stale, copy_tree, fingerprints, os_error_fr,
                    registry_lock, restore, swap_in, write)
from .load import load_registry, validate_registry
from .problems import PublishError
from .yaml_write import clean_text, dump, new_cpts_document, perimetre_doc, replace_block

__all__ = [
    "DEFAULT_BACKUPS",
    "LOCK_NAME",
    "PublishError",
    "PublishReport",
    "neutralize",
    "to_csv_bytes",
    "to_xlsx_bytes",
    "export_rows",
    "export_bytes",
    "fingerprints",
    "registry_lock",
    "publish",
    "replace_block",
    "new_cpts_document",
]

DEFAULT_BACKUPS = BACKUPS_DIR


@dataclass
class PublishReport:
    backup: Path
    created: list[str] = field(default_factory=list)   # CPTS ids
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)     # relative paths written
    version: int | None = None                          # number of the version recorded (history)

    def text(self) -> str:
        parts = []
        if self.created:
            parts.append(f"{plural(len(self.created), 'CPTS créée', 'CPTS créées')} ({', '.join(self.created)})")
        if self.updated:
            parts.append(f"{plural(len(self.updated), 'périmètre remplacé', 'périmètres remplacés')} "
                         f"({', '.join(self.updated)})")
        if not parts:
            parts.append("aucune modification")
        version = f" Version {self.version} de l'historique." if self.version else ""
        return "Registre publié : " + " ; ".join(parts) + f". Sauvegarde : {self.backup}.{version}"


def _hook(name: str) -> None:
    """Test seam: tests monkeypatch this to fail at a given step ("staged", "swapped_perimetres", "swapped")."""


def publish(result: ImportResult, root: Path, backups: Path = DEFAULT_BACKUPS, *, today: str | None = None,
            expected: dict[str, str] | None = None, editeur: str | None = None,
            versions: Path | None = None) -> PublishReport:
    """Merge the changed territories of ``result`` into the registry at ``root`` (see module doc).

    ``expected``: fingerprints(root) taken when the preview was computed; a CPTS changed since
    makes the publication fail (nothing written). A CPTS the analysis saw as new but that exists
    now (created by another publication meanwhile) fails too. Raises PublishError (registry
    unchanged) with a French message and ``exit_code`` (PublishError.CONFLICT, READ_ONLY, …).

    Every publication that changes something becomes a numbered version of the history
    (geo/registry/history.py, in ``versions``, default ``<data dir>/versions`` beside ``root``),
    recorded under the same lock with ``editeur`` (the signed-in editor, or the CLI's --editeur /
    OS user); the first one also records version 1, the registry as it was."""
    root = Path(root)
    backups = Path(backups)
    if result.blocking:
        raise PublishError(f"{len(result.blocking)} ligne(s) à corriger avant de publier "
                           f"(lignes {', '.join(str(p.line) for p in result.blocking[:10])}"
                           f"{'…' if len(result.blocking) > 10 else ''}) : rien n'a été écrit.")
    if not (root / "cpts").is_dir():
        raise PublishError(f"Registre introuvable : {root / 'cpts'}.")
    try:
        with registry_lock(root):
            clean_stale(root, backups)  # we hold the lock: what is there was left by a killed publication
            vdir = Path(versions) if versions is not None else history.versions_dir_for(root)
            history.recover(root, vdir)
            history.ensure_initial(root, vdir)
            return _publish_locked(result, root, backups, today or dt.date.today().isoformat(), expected,
                                   _Record(vdir, editeur))
    except OSError as e:  # lock file, backup: nothing was changed in the registry
        raise os_error_fr(e, root, backups) from e


def _conflicts(changes, current, expected: dict[str, str] | None, root: Path) -> list[str]:
    """CPTS of the analysis that another publication changed, or created, since. A new CPTS's id was
    free when the analysis chose it; with ``expected`` (the ids and hashes the analysis saw), a CPTS of
    the same name created since counts too (not one that was already there: the user may have asked
    for a new CPTS beside a similar name)."""
    now = fingerprints(root) if expected is not None else {}
    by_key = {cpts_key(c.nom): c for c in current.cpts}
    out = []
    for t in changes:
        if t.nouvelle:
            same = current.get(t.id)
            if same is None and expected is not None and cpts_key(t.nom):
                same = by_key.get(cpts_key(t.nom))
                same = same if same is not None and same.id not in expected else None
            if same is not None:
                out.append(f"« {same.nom} » ({same.id}) créée entre-temps")
        elif expected is not None and expected.get(t.id) != now.get(t.id):
            out.append(t.id)
    return out


@dataclass
class _Record:
    vdir: Path
    editeur: str | None


def _publish_locked(result: ImportResult, root: Path, backups: Path, today: str,
                    expected: dict[str, str] | None, record: _Record) -> PublishReport:
    fichier = clean_text(Path(result.fichier.replace("\\", "/")).name or "fichier importé")
    changes = [t for t in result.territories if t.changed]
    try:
        current = load_registry(root)
    except Exception as e:  # RegistryError: do not publish on top of a broken registry
        raise PublishError(f"Le registre actuel est invalide, publication refusée : {e}") from None
    moved = _conflicts(changes, current, expected, root)
    if moved:
        raise PublishError("Registre modifié depuis l'aperçu (CPTS " + ", ".join(moved) + ") : rien n'a été "
                           "écrit ; rechargez le fichier pour voir les différences, puis publiez.",
                           PublishError.CONFLICT)
    report = PublishReport(backup=backup(root, backups))
    report.unchanged = [t.id for t in result.territories if not t.changed]
    if not changes:
        return report
    staging = root / f"{STAGING_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    had = {sub: (root / sub).exists() for sub in _SWAPPED}
    pending = None
    try:
        copy_tree(root, staging)
        (staging / "perimetres").mkdir(exist_ok=True)
        _stage(changes, current, staging, fichier, result.format, today, report)
        errors = [p for p in validate_registry(staging) if p.severity == "erreur"]
        if errors:
            raise PublishError("Publication refusée, le registre obtenu serait invalide : "
                               + " ; ".join(str(p) for p in errors[:5]))
        pending = history.prepare_version(record.vdir, staging, operation="import",
                                          libelle=f"Import de « {fichier} »", editeur=record.editeur)
        _hook("staged")
        if any(p.startswith("perimetres/") for p in report.files):
            swap_in(staging / "perimetres", root / "perimetres", staging / "perimetres.old")
            _hook("swapped_perimetres")
        swap_in(staging / "cpts", root / "cpts", staging / "cpts.old")
        _hook("swapped")
        report.version = pending.commit()["numero"]
    except BaseException as e:
        try:
            _undo(root, staging, had, report.backup)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if pending is not None:
                pending.discard()
        if isinstance(e, PublishError):
            raise
        if isinstance(e, OSError):
            raise os_error_fr(e, root, backups) from e
        if isinstance(e, Exception):
            raise PublishError(f"Publication annulée ({type(e).__name__} : {e}) ; le registre est inchangé "
                               f"(sauvegarde : {report.backup}).", PublishError.IO) from e
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return report


_SWAPPED = ("perimetres", "cpts")


def _undo(root: Path, staging: Path, had: dict[str, bool], saved: Path) -> None:
    """Put back the directories a failed publication swapped in: the previous ones wait in
    ``staging/<sub>.old`` (renames only, no disk space needed); a copy from the backup if that fails."""
    try:
        for sub in _SWAPPED:
            live, old, gone = root / sub, staging / f"{sub}.old", staging / f"{sub}.undone"
            if old.exists():
                if live.exists():
                    swap_in(old, live, gone)
                else:
                    os.rename(old, live)
            elif not had[sub] and live.exists():
                os.rename(live, gone)
    except OSError:
        restore(root, saved)


def _stage(changes, current, staging: Path, fichier: str, fmt: str, today: str, report: PublishReport) -> None:
    """Write the new and changed CPTS files (and polygons) into the staging copy."""
    taken = {c.id for c in current.cpts}
    for t in changes:
        existing = current.get(t.id) if not t.nouvelle else None
        cpts_id = existing.id if existing is not None else _free_id(t.id, taken)
        taken.add(cpts_id)
        polygone = f"perimetres/{cpts_id}.geojson" if t.polygon is not None and t.codes else None
        if polygone:
            write(staging / polygone, _polygon_geojson(t, cpts_id, fichier, today))
        path = staging / "cpts" / f"{cpts_id}.yaml"
        if existing is None:
            write(path, new_cpts_document(t, cpts_id, fichier, fmt, today, polygone))
            report.created.append(cpts_id)
        else:
            if not path.is_file():
                raise PublishError(f"Fichier de la CPTS « {existing.nom} » introuvable ({path.name}).")
            old_text = path.read_text(encoding="utf-8")
            per = perimetre_doc(t, fichier, fmt, today, polygone, existing.perimetre, report.backup.name)
            new_text = replace_block(old_text, "perimetre", dump({"perimetre": per}))
            _check_only_perimeter_changed(old_text, new_text, per, path.name)
            write(path, new_text)
            report.updated.append(cpts_id)
        report.files.append(f"cpts/{cpts_id}.yaml")
        if polygone:
            report.files.append(polygone)


def _free_id(base: str, taken: set[str]) -> str:
    cid, n = base, 2
    while cid in taken:
        cid, n = f"{base}-{n}", n + 1
    return cid


def _check_only_perimeter_changed(old_text: str, new_text: str, per: dict, name: str) -> None:
    old = yaml.safe_load(old_text)
    new = yaml.safe_load(new_text)
    expected = dict(old)
    expected["perimetre"] = per
    if new != expected or list(new) != list(expected):
        raise PublishError(f"Réécriture du périmètre impossible sans toucher au reste de {name} : "
                           "modifiez ce fichier à la main.")


def _polygon_geojson(t: ImportedTerritory, cpts_id: str, fichier: str, today: str) -> str:
    import shapely  # noqa: PLC0415
    geom = json.loads(shapely.to_geojson(t.polygon))
    doc = {"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"id": cpts_id, "nom": t.nom, "fichier": fichier, "date_import": today,
                       "entites": t.lines},
        "geometry": geom,
    }]}
    return json.dumps(doc, ensure_ascii=False)


