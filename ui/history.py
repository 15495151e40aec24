"""The « Historique » page: the numbered versions of the registry, newest first (20 per page), the
detail of one version with what changed since the previous one, and « Restaurer cette version »
for signed-in editors only (ui/auth.py; ``require_editor()`` is called on the server right before
the restore, whatever the browser sent).

Fast with hundreds of versions: the list reads only the meta.json of the versions shown, the detail
only that version's diff.json (geo/registry/history.py); the registry files are read only to preview
a restore, for an editor. Every text from the registry goes through md() or plain-text widgets.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from geo.formatting import plural
from geo.registry import history
from geo.registry.history import fr_datetime
from geo.registry.problems import PublishError
from geo.registry.restore import Unchanged, preview_restore, restore_version
from geo.registry.history_diff import removals
from geo.views.tables import NON_RENSEIGNE

from .auth import EditorRequired, require_editor, sign_in_panel
from .text import md, safe_frame

S = st.session_state
PAGE_SIZE = 20
OPERATIONS = {"initial": "État initial", "import": "Import", "modification": "Modification",
              "restauration": "Restauration"}


def render(root: Path, backups: Path) -> None:
    st.title("Historique du registre")
    st.caption("Chaque publication (import, modification, restauration) est une version numérotée : date, "
               "éditeur, résumé des changements. Une version restaurée redonne au registre exactement son "
               "contenu d'alors, et la restauration devient elle-même une nouvelle version.")
    editor = sign_in_panel()
    vdir = history.start(root)
    if S.get("hist_done"):
        st.success(md(S.pop("hist_done")))
    total = len(history.numbers(vdir))
    if not total:
        st.info("Aucune version enregistrée : le registre est introuvable ou en lecture seule.")
        return
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = 1
    if pages > 1:
        page = st.selectbox(f"Page (versions les plus récentes d'abord, {plural(total, 'version')})",
                            list(range(1, pages + 1)), key="hist_page",
                            format_func=lambda p: f"{p} / {pages}")
    _, metas = history.list_versions(vdir, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    _table(metas)
    chosen = st.selectbox("Version à afficher", [m["numero"] for m in metas], key="hist_version",
                          format_func=lambda n: _label(next(m for m in metas if m["numero"] == n)))
    meta = next(m for m in metas if m["numero"] == chosen)
    _detail(meta, history.read_diff(vdir, chosen))
    _restore_box(root, backups, vdir, meta, editor, latest=total)


def _label(meta: dict) -> str:
    return f"Version {meta['numero']} — {meta['libelle']} ({fr_datetime(meta['date'])}, {meta['editeur']})"


def _table(metas: list[dict]) -> None:
    rows = [{"Version": m["numero"], "Date": fr_datetime(m["date"]), "Éditeur": m["editeur"],
             "Opération": OPERATIONS.get(m["operation"], m["operation"]), "Changements": m["resume"]}
            for m in metas]
    st.dataframe(safe_frame(pd.DataFrame(rows)), hide_index=True, width="stretch", key="hist_table")


def _detail(meta: dict, diff: dict) -> None:
    st.subheader(f"Version {meta['numero']}")
    # the initial version has no editor: its meta says « non renseigné », which read « … par non renseigné »
    who = (f"par {md(meta['editeur'])}" if meta["editeur"] != NON_RENSEIGNE else f"éditeur {NON_RENSEIGNE}")
    lines = [f"**{md(meta['libelle'])}**, le {md(fr_datetime(meta['date']))}, {who}.",
             f"Résumé : {md(meta['resume'])}."]
    if meta["numero"] == 1:
        lines.append(md(f"État initial : {plural(meta['fichiers'], 'fichier')} du registre."))
    for c in diff["cpts_ajoutees"]:
        lines.append(f"- CPTS ajoutée : {md(c['nom'])} ({md(c['id'])}), {md(plural(c['communes'], 'commune'))}")
    for c in diff["cpts_supprimees"]:
        lines.append(f"- CPTS supprimée : {md(c['nom'])} ({md(c['id'])})")
    for c in diff["cpts_modifiees"]:
        what = []
        if c["communes_ajoutees"]:
            what.append("communes ajoutées : " + md(_communes(c["communes_ajoutees"])))
        if c["communes_retirees"]:
            what.append("communes retirées : " + md(_communes(c["communes_retirees"])))
        if c["faits"]:
            what.append("faits modifiés : " + md(", ".join(c["faits"])))
        lines.append(f"- {md(c['nom'])} ({md(c['id'])}) : " + " ; ".join(what))
    if meta["numero"] > 1:
        lines += [f"- Source ajoutée : {md(s['titre'])} ({md(s['id'])})" for s in diff["sources_ajoutees"]]
        lines += [f"- Source retirée : {md(s['titre'])} ({md(s['id'])})" for s in diff["sources_retirees"]]
        if diff.get("sources_citees"):
            lines.append("- Sources citées : " + md(", ".join(diff["sources_citees"])))
        lines += [f"- Document ajouté : {md(d)}" for d in diff["documents_ajoutes"]]
        lines += [f"- Document retiré : {md(d)}" for d in diff["documents_retires"]]
        lines += [f"- Autre fichier modifié : {md(d)}" for d in diff["autres_fichiers"]]
    st.markdown("\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:]))


def _communes(items: list[dict], limit: int = 30) -> str:
    text = ", ".join(f"{x['nom']} ({x['code']})" if x["code"] != x["nom"] else x["nom"] for x in items[:limit])
    return text + (f" et {len(items) - limit} autre(s)" if len(items) > limit else "")


def _restore_box(root: Path, backups: Path, vdir: Path, meta: dict, editor: str | None, latest: int) -> None:
    st.subheader("Restaurer")
    if editor is None:
        st.caption("La restauration d'une version est réservée aux éditeurs connectés (barre latérale).")
        return
    numero = meta["numero"]
    try:
        preview = preview_restore(root, numero, vdir)
    except (OSError, PublishError) as e:
        st.error(md(f"Aperçu de la restauration impossible : {e}"))
        return
    gone = removals(preview)
    if gone:
        st.warning("**Suppressions à confirmer** : restaurer cette version retire " + md(" ; ".join(gone)) + ".")
    with st.form("hist_restore_form", clear_on_submit=True):
        confirmed = st.checkbox("Je confirme ces suppressions", key="hist_confirm") if gone else True
        go = st.form_submit_button("Restaurer cette version", type="primary")
    if go:
        restore_action(root, backups, vdir, numero, confirmed)


def restore_action(root: Path, backups: Path, vdir: Path, numero: int, confirmed: bool) -> bool:
    """The restore itself: checks the editor on the server first, then the confirmation; True if done."""
    try:
        editor = require_editor()
    except EditorRequired as e:
        st.error(md(e))
        return False
    try:
        meta = restore_version(root, numero, editeur=editor, backups=backups, vdir=vdir,
                               confirm_removals=bool(confirmed))
    except Unchanged as e:
        st.info(md(e))
        return False
    except PublishError as e:
        st.error(md(e) if e.exit_code != 8 else "Suppressions non confirmées : cochez la case de confirmation. "
                 "Rien n'a été modifié.")
        return False
    S["hist_done"] = (f"Version {numero} restaurée par {editor} : enregistrée comme version {meta['numero']}. "
                      f"Changements : {meta['resume']}.")
    st.rerun()
    return True
