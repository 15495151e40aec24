"""The « Éditer » page: signed-in editors create a CPTS, change, add or remove any of its facts
(every field of the registry model, perimeter communes included) or remove it; each change names
its source document; the page checks every field as it is typed (French messages under the
field), shows what will change, asks to confirm what takes data away, and publishes through the
registry's atomic store as a new version of the history.

Visitors get no control at all, and the publishing action checks the editor on the server
(``require_editor()``) right before writing, whatever the browser sent. The pure part is
geo/registry/edit*.py; the fields are ui/editor_form.py, the source ui/editor_source.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.registry import RegistryError, load_registry
from geo.registry.documents import DocumentError, read_document
from geo.registry.edit import (IDENTITY, assign_sources, changed_keys, check_doc, citation_warnings, cpts_yaml,
                               free_id, load_yaml, plain)
from geo.registry.edit import dump as yaml_dump
from geo.registry.edit_diff import field_changes
from geo.registry.edit_form import from_form, label_of, to_form, field_specs
from geo.registry.edit_perimeter import resolve_perimeter, with_codes
from geo.registry.edit_publish import EditPlan, destructive, file_sha, preview_edit, publish_edit
from geo.registry.edit_sources import document_files
from geo.registry.history_diff import summary
from geo.registry.labels import field_label
from geo.registry.models import Cpts
from geo.registry.problems import ERROR, PublishError
from geo.registry.restore import RemovalsNotConfirmed

from . import editor_form
from .auth import EditorRequired, require_editor, sign_in_panel
from .editor_source import SourceChoice, after_publish, chooser, label as source_label
from .text import md, safe_frame

S = st.session_state
NEW = "__nouvelle__"
DELETE, IDENT = "__supprimer__", "__identite__"
_PLACEHOLDER = "source-de-la-modification"


@dataclass
class Base:
    cid: str
    text: str
    doc: dict
    sha: str | None
    tree: dict


def render(root: Path, backups: Path) -> None:
    st.title("Éditer le registre")
    st.caption("Créer une CPTS, modifier, ajouter ou retirer un fait (statut et dates, population, financement, "
               "missions, périmètre…), chaque modification citant son document source. Rien n'est écrit avant "
               "« Publier » ; chaque publication devient une version de l'Historique, restaurable.")
    editor = sign_in_panel()
    if editor is None:
        st.info("Page réservée aux éditeurs connectés (barre latérale). Les visiteurs consultent la carte et les "
                "fiches : ils ne peuvent jamais modifier les données.")
        return
    if S.get("ed_done"):
        st.success(md(S.pop("ed_done")))
    try:
        registry = _registry(str(root), _stamp(root))
    except RegistryError as e:
        st.error("Le registre actuel est invalide : modification impossible.\n\n" + md(e))
        return
    if "ed_goto" in S:
        S["ed_cpts"] = S.pop("ed_goto")
    if "ed_after" in S:  # after a publication: no confirmation ticked in advance, the new document chosen
        after_publish(S.pop("ed_after"))
    names = {c.id: c.nom for c in registry.cpts}
    cid = st.selectbox("CPTS", [NEW] + list(names), key="ed_cpts",
                       format_func=lambda i: "+ Nouvelle CPTS" if i == NEW else f"{names[i]} ({i})")
    base = _base(root, cid)
    sections = [IDENT] + [leaf.name for leaf in field_specs(Cpts) if leaf.name not in IDENTITY
                          and leaf.kind != "fixed"] + ([DELETE] if cid != NEW else [])
    section = st.selectbox("Fait à modifier", sections, key="ed_section", format_func=_section_label)
    if section == DELETE:
        _delete(root, backups, base, names[cid])
        return
    editor_form.sync(Cpts, base.tree)
    source = chooser(registry, editor)
    draft = _draft(base, source, registry, set(names))
    for message in draft.errors.get("source", []):
        st.error(md(message))
    st.subheader(_section_label(section))
    labeller = lambda sid: source_label(registry, sid, source)  # noqa: E731
    leaves = {leaf.name: leaf for leaf in field_specs(Cpts)}
    for name in (IDENTITY if section == IDENT else (section,)):
        editor_form.field(base.tree, leaves[name], name, draft.errors, labeller)
    for note in draft.notes:
        st.caption(md(note))
    _preview(root, backups, base, draft)


def _stamp(root: Path) -> tuple:
    """Changes when a registry file changes (a publication swaps cpts/: new inode)."""
    files = [root / "sources.yaml", root / "context.yaml", root / "cpts", *sorted((root / "cpts").glob("*.yaml"))]
    return tuple((p.name, s.st_ino, s.st_mtime_ns, s.st_size) for p in files if (s := _stat(p)) is not None)


def _stat(path: Path):
    try:
        return path.stat()
    except FileNotFoundError:
        return None


@st.cache_resource(show_spinner=False, max_entries=4)
def _registry(root: str, stamp: tuple):
    """The registry, read again only when one of its files changed (every widget change reruns the page)."""
    return load_registry(Path(root))


def _section_label(key: str) -> str:
    if key == IDENT:
        return "Identité (nom, départements, notes)"
    if key == DELETE:
        return "Supprimer cette CPTS"
    return label_of(key)


def _base(root: Path, cid: str) -> Base:
    """The CPTS as published when the editor picked it (kept across reruns until published)."""
    base = S.get("ed_base")
    if base is not None and base.cid == cid:
        return base
    if cid == NEW:
        base = Base(NEW, "", {}, None, to_form(Cpts, {"nom_connu": True, "departements": [],
                                                       "statut": {"etape": None, "jalons": []},
                                                       "perimetre": {"regle": "inconnu"}}))
        base.tree["_original"] = {}
    else:
        path = root / "cpts" / f"{cid}.yaml"
        text = path.read_text(encoding="utf-8")
        doc = load_yaml(text) or {}
        base = Base(cid, text, doc, file_sha(path), to_form(Cpts, doc))
    S["ed_base"] = base
    return base


@dataclass
class Draft:
    plan: EditPlan | None
    doc: dict
    errors: dict[str, list[str]]
    warnings: list[str]
    notes: list[str]


def _draft(base: Base, source: SourceChoice, registry, taken: set[str]) -> Draft:
    """The CPTS as the form says now: its data, its field errors, its plan of publication."""
    doc, parse_errors = from_form(Cpts, base.tree)
    is_new = base.cid == NEW
    cid = free_id(str(doc.get("nom") or "cpts"), taken) if is_new else base.cid
    doc = {"id": cid, **{k: v for k, v in doc.items() if k != "id"}}
    errors: dict[str, list[str]] = {}
    for path, message in parse_errors:
        errors.setdefault(path, []).append(message)
    notes: list[str] = []
    per_old, per_new = base.doc.get("perimetre"), doc.get("perimetre")
    if isinstance(per_new, dict) and plain(per_new) != plain(per_old):
        from .data import get_atlas
        check = resolve_perimeter(per_new, [str(d) for d in doc.get("departements") or []], get_atlas().matcher)
        for path, message in check.errors:
            errors.setdefault(path, []).append(message)
        notes += check.notes
        doc["perimetre"] = with_codes(per_new, check, per_old, is_new)
    marked = assign_sources(Cpts, base.doc, doc, _PLACEHOLDER)
    needs_source = _PLACEHOLDER in repr(marked)
    if needs_source and not source.ok:
        errors.setdefault("source", []).append("choisir ou décrire le document source de cette modification")
    final = assign_sources(Cpts, base.doc, doc, source.source_id) if source.source_id else marked
    extra = {source.source_id} if source.new is not None and source.source_id else set()
    before = {(p.path, p.message) for p in check_doc(base.doc, cid, registry)} if base.doc else set()
    warnings = []
    for p in check_doc(final, cid, registry, extra):
        if p.path in errors or _PLACEHOLDER in p.message:
            continue
        if p.severity == ERROR:
            errors.setdefault(p.path, []).append(p.message)
        elif (p.path, p.message) not in before:
            warnings.append(f"{field_label(p.path)} : {p.message}")
    for path, message in citation_warnings(base.doc, final, _texts(registry, source)):
        warnings.append(f"{field_label(path)} : {message}")
    changed = changed_keys(base.doc, final)
    if not changed:
        return Draft(None, final, errors, warnings, notes)
    text = ("# CPTS créée dans l'éditeur de l'application (page Éditer).\n" + yaml_dump(final) if is_new
            else cpts_yaml(base.text, base.doc, final))
    nom = final.get("nom") or cid
    libelle = (f"Création de la CPTS « {nom} »" if is_new else
               f"Modification de « {nom} » : " + ", ".join(field_label(k).lower() for k in changed))
    new_source = source.new is not None and needs_source
    plan = EditPlan(cid, text, base.sha, libelle, source.entry if new_source else None,
                    document_files(registry.root, source.new) if new_source else {})
    return Draft(plan, final, errors, warnings, notes)


def _texts(registry, source: SourceChoice):
    """source id -> the text of its document (None when it has none readable: a PDF, a link only)."""
    def text(sid: str) -> str | None:
        if source.new is not None and sid == source.source_id:
            data = source.new.data
            try:
                return data.decode("utf-8") if data and b"\x00" not in data[:4096] else None
            except UnicodeDecodeError:
                return None
        try:
            return read_document(registry, sid)
        except DocumentError:
            return None
    return text


def _preview(root: Path, backups: Path, base: Base, draft: Draft) -> None:
    st.subheader("Aperçu avant publication")
    if draft.plan is None:
        st.info("Aucune modification à publier.")
        return
    rows = [{"Champ": f, "Avant": a, "Après": b} for f, a, b in field_changes(base.doc, draft.doc)]
    st.dataframe(safe_frame(pd.DataFrame(rows)), hide_index=True, width="stretch", key="ed_changes")
    diff = preview_edit(root, draft.plan)
    st.markdown(f"**{md(draft.plan.libelle)}** — {md(summary(diff))}.")
    for w in draft.warnings:
        st.warning(md(w))
    count = sum(len(v) for v in draft.errors.values())
    if count:
        st.error(md(f"{count} champ(s) à corriger avant de publier : " + " ; ".join(
            f"{field_label(p) if p != 'source' else 'Source'} : {m}" for p, ms in draft.errors.items() for m in ms)))
        return
    _publish_box(root, backups, draft.plan, destructive(root, draft.plan, diff), "Publier la modification")


def _publish_box(root: Path, backups: Path, plan: EditPlan, gone: list[str], button: str) -> None:
    if gone:
        st.warning("**Suppressions à confirmer** : cette modification retire " + md(" ; ".join(gone)) + ".")
    confirmed = st.checkbox("Je confirme ces suppressions", key="ed_confirm") if gone else True
    if st.button(button, type="primary", key="ed_publish"):
        publish_action(root, backups, plan, confirmed)


def _delete(root: Path, backups: Path, base: Base, nom: str) -> None:
    st.subheader(f"Supprimer « {md(nom)} »")
    st.caption("La CPTS disparaît de la carte et des pages ; sa version précédente reste restaurable "
               "depuis l'Historique.")
    plan = EditPlan(base.cid, None, base.sha, f"Suppression de la CPTS « {nom} »")
    _publish_box(root, backups, plan, destructive(root, plan), "Supprimer la CPTS")


def publish_action(root: Path, backups: Path, plan: EditPlan, confirmed: bool) -> bool:
    """The publication itself: the editor is checked on the server first; True if published."""
    try:
        editor = require_editor()
    except EditorRequired as e:
        st.error(md(e))
        return False
    try:
        meta = publish_edit(root, plan, editeur=editor, backups=backups, confirm_removals=bool(confirmed))
    except RemovalsNotConfirmed:
        st.error("Suppressions non confirmées : cochez la case de confirmation. Rien n'a été modifié.")
        return False
    except PublishError as e:
        st.error(md(e))
        return False
    S["ed_done"] = (f"Publié par {editor} : version {meta['numero']} de l'historique ({meta['libelle']}). "
                    f"Changements : {meta['resume']}.")
    S["ed_after"] = plan.source_entry["id"] if plan.source_entry else None  # the new document, now in the registry
    S.pop("ed_base", None)
    S["ed_goto"] = NEW if plan.new_text is None else plan.cpts_id
    st.rerun()
    return True
