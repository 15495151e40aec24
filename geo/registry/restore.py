"""Restore a version of the history (geo/registry/history.py): the registry becomes byte for byte
what it was, and the restore is itself a new version « Restauration de la version N ».

Same safety as an import's publication (geo/registry/store.py): under the registry lock, after a
backup; the tree of version N is rebuilt from the history's objects (each checked by its sha256)
in ``<root>/.staging-*`` and validated; then each top-level entry of the registry (``documents/``,
``sources.yaml``, ``context.yaml``, …, ``perimetres/``, ``cpts/`` last) is replaced by one atomic
rename (``renameat2`` exchange for folders, ``rename`` for files); on any error the entries already
replaced are put back by renames. A restore that would remove CPTS or take communes away needs
``confirm_removals`` (CLI ``--confirmer-suppressions``, exit code 8 otherwise), like an import.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from . import history, history_diff
from .files import STAGING_PREFIX, backup, clean_stale, os_error_fr, registry_lock, swap_in
from .load import validate_registry
from .problems import PublishError

__all__ = ["RemovalsNotConfirmed", "Unchanged", "restore_version", "preview_restore"]

EXIT_REMOVALS = 8  # same code as ``python -m geo import`` without --confirmer-suppressions


class RemovalsNotConfirmed(PublishError):
    """The restore would remove CPTS or communes and was not confirmed (nothing written)."""

    def __init__(self, message: str, removals: list[str]):
        super().__init__(message, EXIT_REMOVALS)
        self.removals = removals


class Unchanged(Exception):
    """The registry already is version N: nothing to restore."""


def _check_number(vdir: Path, numero: int) -> None:
    if not history.exists(vdir, numero):
        known = history.numbers(vdir)
        span = f" (versions 1 à {known[-1]})" if known else " (aucune version enregistrée)"
        raise PublishError(f"Version {numero} introuvable dans l'historique{span} : rien n'a été modifié.")


def preview_restore(root: Path, numero: int, vdir: Path | None = None) -> dict:
    """The changes restoring version ``numero`` would make to the live registry (tree_diff JSON),
    without the lock: for a page or a confirmation message."""
    vdir = Path(vdir) if vdir is not None else history.versions_dir_for(root)
    _check_number(vdir, numero)
    target = history.read_manifest(vdir, numero)
    files = history.tree(root)
    live = history.manifest_of(files)
    return history_diff.tree_diff(live, target, lambda rel: files[rel].read_bytes(),
                                  lambda rel: history.read_object(vdir, target[rel]))


def restore_version(root: Path, numero: int, *, editeur: str | None, backups: Path,
                    vdir: Path | None = None, confirm_removals: bool = False) -> dict:
    """Make the registry at ``root`` exactly version ``numero`` again and record that as a new version;
    returns the new version's meta. Raises PublishError (registry unchanged; RemovalsNotConfirmed
    with exit code 8) or Unchanged."""
    root, backups = Path(root), Path(backups)
    vdir = Path(vdir) if vdir is not None else history.versions_dir_for(root)
    try:
        with registry_lock(root):
            clean_stale(root, backups)
            history.recover(root, vdir)
            history.ensure_initial(root, vdir)
            return _restore_locked(root, numero, editeur, backups, vdir, confirm_removals)
    except OSError as e:
        raise os_error_fr(e, root, backups) from e


def _restore_locked(root: Path, numero: int, editeur, backups: Path, vdir: Path, confirm: bool) -> dict:
    _check_number(vdir, numero)
    target = history.read_manifest(vdir, numero)
    files = history.tree(root)
    live = history.manifest_of(files)
    if live == target:
        raise Unchanged(f"Le registre est déjà identique à la version {numero} : rien à restaurer.")
    diff = history_diff.tree_diff(live, target, lambda rel: files[rel].read_bytes(),
                                  lambda rel: history.read_object(vdir, target[rel]))
    gone = history_diff.removals(diff)
    if gone and not confirm:
        raise RemovalsNotConfirmed(
            "Suppressions non confirmées : restaurer la version " f"{numero} retire " + " ; ".join(gone)
            + ". Rien n'a été écrit. Relancez avec --confirmer-suppressions pour restaurer.", gone)
    saved = backup(root, backups)
    staging = root / f"{STAGING_PREFIX}restore-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    done: list[tuple[str, bool, bool]] = []  # (name, was live, is in target)
    pending = None
    try:
        new = staging / "new"
        for rel, digest in target.items():
            path = new / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(history.read_object(vdir, digest))
        new.mkdir(exist_ok=True)
        errors = [p for p in validate_registry(new) if p.severity == "erreur"]
        if errors:
            raise PublishError(f"Restauration refusée : la version {numero} n'est plus un registre valide pour "
                               "cette version du programme : " + " ; ".join(str(p) for p in errors[:5]))
        pending = history.prepare_version(vdir, new, operation="restauration",
                                          libelle=f"Restauration de la version {numero}",
                                          editeur=editeur, restaure=numero)
        for name in _order({r.split("/")[0] for r in target} | {r.split("/")[0] for r in live}):
            was, want = (root / name).exists(), (new / name).exists()
            done.append((name, was, want))
            _replace(root / name, new / name, staging / f"{name}.old", was, want)
        meta = pending.commit()
    except BaseException as e:
        try:
            _undo(root, staging, done)
        except OSError:
            from .files import restore as copy_back
            copy_back(root, saved)
        if pending is not None:
            pending.discard()
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(e, (PublishError, OSError)) or not isinstance(e, Exception):
            raise
        raise PublishError(f"Restauration annulée ({type(e).__name__} : {e}) ; le registre est inchangé.",
                           PublishError.IO) from e
    shutil.rmtree(staging, ignore_errors=True)
    return meta


def _order(names: set[str]) -> list[str]:
    """Sources and documents first, the CPTS files last (the app reloads when cpts/ changes)."""
    last = ["perimetres", "cpts"]
    return sorted(n for n in names if n not in last) + [n for n in last if n in names]


def _replace(live: Path, new: Path, old: Path, was: bool, want: bool) -> None:
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
    for name, was, want in reversed(done):
        live, old, gone = root / name, staging / f"{name}.old", staging / f"{name}.undone"
        if was and old.exists():
            if old.is_dir() and live.exists():
                swap_in(old, live, gone)
            else:
                os.replace(old, live)
        elif not was and want and live.exists():
            os.rename(live, gone)
