"""Restore a version of the history (geo/registry/history.py): the registry becomes byte for byte
what it was, and the restore is itself a new version « Restauration de la version N ».

Same safety as every publication (geo/registry/store.py publication(), which does the swap): under
the registry lock, after a backup; the tree of version N is rebuilt from the history's objects (each
checked by its sha256) in ``<root>/.staging-*`` and validated; then each top-level entry of the registry (``documents/``,
``sources.yaml``, ``context.yaml``, …, ``perimetres/``, ``cpts/`` last) is replaced by one atomic
rename (``renameat2`` exchange for folders, ``rename`` for files); on any error the entries already
replaced are put back by renames. A restore that would remove CPTS or take communes away needs
``confirm_removals`` (CLI ``--confirmer-suppressions``, exit code 8 otherwise), like an import.
"""
from __future__ import annotations

from pathlib import Path

from . import history, history_diff
from .load import validate_registry
from .problems import PublishError
from .store import Publication, publication

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
    return publication(root, backups, vdir, lambda pub: _restore_locked(pub, numero, editeur, confirm_removals),
                       need_cpts=False)  # a registry that lost its cpts/ folder can be restored


def _restore_locked(pub: Publication, numero: int, editeur, confirm: bool) -> dict:
    root, vdir = pub.root, pub.vdir
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

    def build(new: Path, saved: Path) -> set[str]:
        for rel, digest in target.items():
            path = new / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(history.read_object(vdir, digest))
        new.mkdir(exist_ok=True)
        errors = [p for p in validate_registry(new) if p.severity == "erreur"]
        if errors:
            raise PublishError(f"Restauration refusée : la version {numero} n'est plus un registre valide pour "
                               "cette version du programme : " + " ; ".join(str(p) for p in errors[:5]))
        return {r.split("/")[0] for r in target} | {r.split("/")[0] for r in live}

    meta, _ = pub.swap(build, kind="restore", cancelled="Restauration annulée ({error}) ; le registre est inchangé.",
                       version={"operation": "restauration", "libelle": f"Restauration de la version {numero}",
                                "editeur": editeur, "restaure": numero})
    return meta
