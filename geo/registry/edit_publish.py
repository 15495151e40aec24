"""Publish an edit made in the app (geo/registry/edit.py) with the guarantees of every publication.

Published through geo/registry/store.py publication(), like an import and a restore:
under the registry lock, after settling what a killed publication left; the CPTS file must still
be the one the editor started from (else PublishError.CONFLICT, nothing written); a timestamped
backup; the new registry is assembled and validated in ``<root>/.staging-*``; the change becomes a
numbered version of the history (geo/registry/history.py, operation « modification », with the
editor's name) prepared before the swap and committed right after; each top-level entry that
changed (``documents/``, ``sources.yaml``, ``cpts/`` last) is replaced by one atomic rename, and
put back by renames if anything fails. A change that removes a CPTS or takes communes away needs
``confirm_removals`` (RemovalsNotConfirmed otherwise, like a restore).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from . import history_diff
from .edit import load_yaml
from .edit_sources import append_source
from .files import copy_tree
from .labels import field_label, file_label
from .load import validate_registry
from .problems import ERROR, PublishError
from .restore import RemovalsNotConfirmed
from .store import Publication, publication

__all__ = ["EditPlan", "publish_edit", "preview_edit", "destructive", "file_sha"]


@dataclass
class EditPlan:
    """One edit to publish: the new text of one CPTS file (None: the CPTS is removed), the hash of
    that file when the editor loaded it (None: a new CPTS), and a new source document if any."""

    cpts_id: str
    new_text: str | None
    expected: str | None
    libelle: str
    source_entry: dict | None = None
    documents: dict[str, bytes] = field(default_factory=dict)  # relative path -> bytes

    @property
    def rel(self) -> str:
        return f"cpts/{self.cpts_id}.yaml"


def file_sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _planned(root: Path, plan: EditPlan) -> dict[str, bytes | None]:
    """{relative path: new bytes (None: removed)} of every file the plan touches."""
    out: dict[str, bytes | None] = {plan.rel: None if plan.new_text is None else plan.new_text.encode("utf-8")}
    if plan.source_entry is not None:
        text = (Path(root) / "sources.yaml").read_text(encoding="utf-8")
        out["sources.yaml"] = append_source(text, plan.source_entry).encode("utf-8")
    out.update(plan.documents)
    return out


def preview_edit(root: Path, plan: EditPlan) -> dict:
    """What publishing ``plan`` would change in the live registry (history_diff.tree_diff JSON)."""
    root = Path(root)
    planned = _planned(root, plan)
    old = {rel: file_sha(root / rel) for rel in planned}
    old = {rel: sha for rel, sha in old.items() if sha is not None}
    new = {rel: hashlib.sha256(data).hexdigest() for rel, data in planned.items() if data is not None}
    return history_diff.tree_diff(old, new, lambda rel: (root / rel).read_bytes(), lambda rel: planned[rel])


def destructive(root: Path, plan: EditPlan, diff: dict | None = None) -> list[str]:
    """French phrases for what the change takes away: CPTS removed, communes withdrawn, a CPTS
    left without any commune (its perimeter emptied)."""
    diff = preview_edit(root, plan) if diff is None else diff
    out = history_diff.removals(diff)
    if plan.new_text is not None and (Path(root) / plan.rel).is_file():
        before = load_yaml((Path(root) / plan.rel).read_text(encoding="utf-8")) or {}
        after = load_yaml(plan.new_text) or {}
        if history_diff._communes(before) and not history_diff._communes(after):
            out.append(f"« {after.get('nom', plan.cpts_id)} » n'a plus aucune commune (périmètre vidé)")
    return out


def publish_edit(root: Path, plan: EditPlan, *, editeur: str | None, backups: Path, vdir: Path | None = None,
                 confirm_removals: bool = False, today: str | None = None) -> dict:
    """Publish ``plan`` (see module doc); returns the meta of the version recorded. Raises
    PublishError (registry unchanged; RemovalsNotConfirmed when removals were not confirmed)."""
    return publication(root, backups, vdir, lambda pub: _publish_locked(pub, plan, editeur, confirm_removals))


def _check_conflicts(root: Path, plan: EditPlan) -> None:
    now = file_sha(root / plan.rel)
    if now != plan.expected:
        what = ("a été créée entre-temps" if plan.expected is None else
                "a été supprimée entre-temps" if now is None else "a été modifiée entre-temps")
        raise PublishError(f"La CPTS « {plan.cpts_id} » {what} (autre publication) : rien n'a été écrit ; "
                           "rechargez la page pour repartir de son état actuel.", PublishError.CONFLICT)
    if plan.source_entry is not None:
        data = load_yaml((root / "sources.yaml").read_text(encoding="utf-8")) or {}
        ids = {s.get("id") for s in data.get("sources") or [] if isinstance(s, dict)}
        if plan.source_entry["id"] in ids:
            raise PublishError(f"Une source « {plan.source_entry['id']} » a été ajoutée entre-temps : rien n'a été "
                               "écrit ; rechargez la page.", PublishError.CONFLICT)


def _publish_locked(pub: Publication, plan: EditPlan, editeur, confirm: bool) -> dict:
    root = pub.root
    _check_conflicts(root, plan)
    planned = _planned(root, plan)
    gone = destructive(root, plan)
    if gone and not confirm:
        raise RemovalsNotConfirmed("Suppressions non confirmées : cette modification retire " + " ; ".join(gone)
                                   + ". Rien n'a été écrit.", gone)

    def build(new: Path, saved: Path) -> set[str]:
        copy_tree(root, new)
        for rel, data in planned.items():
            path = new / rel
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        errors = [p for p in validate_registry(new) if p.severity == ERROR]
        if errors:
            raise PublishError("Publication refusée, le registre obtenu serait invalide : " + " ; ".join(
                f"{file_label(p.file)} › {field_label(p.path)} : {p.message}" for p in errors[:5]))
        return {rel.split("/")[0] for rel in planned}

    meta, saved = pub.swap(build, kind="edit", cancelled="Publication annulée ({error}) ; le registre est inchangé.",
                           version={"operation": "modification", "libelle": plan.libelle, "editeur": editeur})
    meta["sauvegarde"] = str(saved)
    return meta
