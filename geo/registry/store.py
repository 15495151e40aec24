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

Every publication of the registry — this import, a tracking table (facts_publish.py), an edit in the
app (edit_publish.py), a restore (restore.py) — runs through :func:`publication` and
:meth:`Publication.swap` below, the one place of the lock, the settling of leftovers, the backup, the
staging folder, the history version and the atomic swap with its undo.

After a successful publication — a new registry swapped in and its version recorded — and once the
registry lock is released, :func:`publication` calls ``published.notify(vdir, meta)``
(geo/registry/published.py): the one post-publish place. Whoever must follow the registry (the vector
tiles: ui/tiles_refresh.py, geo/cli/tiles.py) subscribes there; a refused, failed or empty
publication notifies nobody, and a listener's exception is logged, never raised.

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
from typing import Callable, Iterable, TypeVar

import yaml

from geo.importing import ImportedTerritory, ImportResult, cpts_key
from geo.formatting import plural
from geo.paths import BACKUPS_DIR

from . import history, published
from .export import export_bytes, export_rows, neutralize, to_csv_bytes, to_xlsx_bytes
from .files import (LOCK_NAME, STAGING_PREFIX, backup, clean_stale, copy_tree, fingerprints, os_error_fr,
                    registry_lock, restore, swap_in, write)
from .load import load_registry, validate_registry
from .problems import PublishError
from .yaml_write import clean_text, dump, new_cpts_document, perimetre_doc, replace_block

__all__ = [
    "DEFAULT_BACKUPS", "LOCK_NAME", "Publication", "PublishError", "PublishReport", "neutralize",
    "to_csv_bytes", "to_xlsx_bytes", "export_rows", "export_bytes", "fingerprints", "registry_lock",
    "publication", "publish", "replace_block", "new_cpts_document",
]

DEFAULT_BACKUPS = BACKUPS_DIR
T = TypeVar("T")


# --------------------------------------------------------------------------- every publication


def _hook(name: str) -> None:
    """Test seam: tests monkeypatch this to fail at a given step ("staged", then "swapped_<entry>" after
    each top-level entry replaced: "swapped_perimetres", "swapped_cpts"…)."""


class Publication:
    """One publication holding the registry lock (made by :func:`publication`)."""

    def __init__(self, root: Path, backups: Path, vdir: Path):
        self.root, self.backups, self.vdir = root, backups, vdir
        self.version: dict | None = None   # meta of the version recorded, once swapped in

    def swap(self, build: Callable[[Path, Path], Iterable[str]], *, kind: str, version: dict,
             cancelled: str) -> tuple[dict, Path]:
        """Back the registry up, let ``build(new, saved)`` write (and validate: PublishError) the whole
        new registry into the fresh folder ``new`` and return the top-level entries it changed, prepare
        the history version (``version``: prepare_version's keywords), replace each changed entry by one
        atomic rename (``cpts/`` last), commit the version. On any error every entry already replaced is
        put back (a copy from the backup if renames fail) and the version dropped: an OSError becomes
        os_error_fr's message, another error ``cancelled.format(error=…, backup=…)``. Returns (version
        meta, backup folder)."""
        root = self.root
        saved = backup(root, self.backups)
        staging = root / f"{STAGING_PREFIX}{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        done: list[tuple[str, bool, bool]] = []  # (name, was live, is in the new registry)
        pending = None
        try:
            new = staging / "new"
            names = set(build(new, saved))
            new.mkdir(exist_ok=True)
            pending = history.prepare_version(self.vdir, new, **version)
            _hook("staged")
            for name in _order(names):
                was, want = (root / name).exists(), (new / name).exists()
                done.append((name, was, want))
                _replace(root / name, new / name, staging / f"{name}.old", was, want)
                _hook(f"swapped_{name}")
            meta = pending.commit()
        except BaseException as e:
            try:
                _undo(root, staging, done)
            except OSError:
                restore(root, saved)
            if pending is not None:
                pending.discard()
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(e, OSError):
                raise os_error_fr(e, root, self.backups) from e
            if isinstance(e, Exception) and not isinstance(e, PublishError):
                raise PublishError(cancelled.format(error=f"{type(e).__name__} : {e}", backup=saved),
                                   PublishError.IO) from e
            raise
        shutil.rmtree(staging, ignore_errors=True)
        self.version = meta
        return meta, saved


def publication(root: Path, backups: Path, versions: Path | None, locked: Callable[[Publication], T], *,
                need_cpts: bool = True) -> T:
    """Run ``locked(Publication)`` holding the registry lock, after removing what a killed publication
    left (staging folders, partial backups, partial versions: history.recover) and recording version 1
    if the history is new; an OSError (lock file, backup…) becomes a French PublishError. Then, if a new
    registry was swapped in, the listeners of geo/registry/published.py are told (see the module doc)."""
    root, backups = Path(root), Path(backups)
    if need_cpts and not (root / "cpts").is_dir():
        raise PublishError(f"Registre introuvable : {root / 'cpts'}.")
    vdir = Path(versions) if versions is not None else history.versions_dir_for(root)
    pub = Publication(root, backups, vdir)
    try:
        with registry_lock(root):
            clean_stale(root, backups)  # we hold the lock: what is there was left by a killed publication
            history.recover(root, vdir)
            history.ensure_initial(root, vdir)
            out = locked(pub)
    except OSError as e:  # lock file, backup: nothing was changed in the registry
        raise os_error_fr(e, root, backups) from e
    if pub.version is not None:  # THE post-publish place: a new registry is live, the lock released
        published.notify(vdir, pub.version)
    return out


def _order(names: Iterable[str]) -> list[str]:
    """Sources and documents first, the CPTS files last (the app reloads when cpts/ changes)."""
    last = ["perimetres", "cpts"]
    return sorted(n for n in set(names) if n not in last) + [n for n in last if n in names]


def _replace(live: Path, new: Path, old: Path, was: bool, want: bool) -> None:
    """Put ``new`` at ``live`` by one rename (a folder: atomic exchange); the previous entry ends at ``old``."""
    if want and new.is_dir():
        if was:
            swap_in(new, live, old)
        else:
            os.rename(new, live)
    elif want:
        if was:
            os.link(live, old) if live.is_file() else os.rename(live, old)
        os.replace(new, live)
    elif was:
        os.rename(live, old)


def _undo(root: Path, staging: Path, done: list[tuple[str, bool, bool]]) -> None:
    """Put back, by renames, the entries a failed publication already replaced (last first)."""
    for name, was, want in reversed(done):
        live, old, gone = root / name, staging / f"{name}.old", staging / f"{name}.undone"
        if was and old.exists():
            if old.is_dir() and live.exists():
                swap_in(old, live, gone)
            else:
                os.replace(old, live)
        elif not was and want and live.exists():
            os.rename(live, gone)


# --------------------------------------------------------------------------- an import's publication


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
    if result.blocking:
        raise PublishError(f"{len(result.blocking)} ligne(s) à corriger avant de publier "
                           f"(lignes {', '.join(str(p.line) for p in result.blocking[:10])}"
                           f"{'…' if len(result.blocking) > 10 else ''}) : rien n'a été écrit.")
    today = today or dt.date.today().isoformat()
    return publication(root, backups, versions, lambda pub: _publish_locked(result, pub, today, expected, editeur))


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


def _publish_locked(result: ImportResult, pub: Publication, today: str, expected: dict[str, str] | None,
                    editeur: str | None) -> PublishReport:
    root = pub.root
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
    unchanged = [t.id for t in result.territories if not t.changed]
    if not changes:
        return PublishReport(backup=backup(root, pub.backups), unchanged=unchanged)
    report = PublishReport(backup=Path(), unchanged=unchanged)

    def build(new: Path, saved: Path) -> set[str]:
        report.backup = saved
        copy_tree(root, new)
        (new / "perimetres").mkdir(exist_ok=True)
        _stage(changes, current, new, fichier, result.format, today, report)
        errors = [p for p in validate_registry(new) if p.severity == "erreur"]
        if errors:
            raise PublishError("Publication refusée, le registre obtenu serait invalide : "
                               + " ; ".join(str(p) for p in errors[:5]))
        return {p.split("/")[0] for p in report.files}

    meta, _ = pub.swap(build, kind="import", cancelled="Publication annulée ({error}) ; le registre est inchangé "
                       "(sauvegarde : {backup}).",
                       version={"operation": "import", "libelle": f"Import de « {fichier} »", "editeur": editeur})
    report.version = meta["numero"]
    return report


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


