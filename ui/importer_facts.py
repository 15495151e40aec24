"""The Importer page for an ARS tracking table (« tableau de suivi des CPTS »): the source document it
becomes, per CPTS the facts it would set (old → new, where read), the CPTS to confirm, every cell not
used, the commune sheet, and the publication (signed-in editors only, checked on the server).

geo/importing/facts_*.py reads and compares (in the page's limited child process, like a commune
list), geo/registry/facts_publish.py writes; this module only renders. Text from the file goes
through md() or st.dataframe (plain text, formula-neutralised cells).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pandas as pd
import streamlit as st

from geo.exports.cells import neutralize
from geo.formatting import fr_date, fr_int, plural
from geo.importing import NEW_CPTS, cpts_key
from geo.importing.facts_results import CELL_STATUSES, FACT_STATUSES, FactsResult
from geo.registry.facts_publish import publish_facts

from .importer_publish import publish_box
from .text import md

S = st.session_state

__all__ = ["document_fields", "render_facts"]


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].map(lambda v: neutralize(v) if isinstance(v, str) else v)
    return df


def document_fields(h: str) -> dict[str, str]:
    """The source document's title, publisher and date as the editor set them (empty: read from the table)."""
    return {k: S.get(f"impf_doc_{k}_{h}", "").strip() for k in ("titre", "editeur", "date")
            if S.get(f"impf_doc_{k}_{h}", "").strip()}


def render_facts(result: FactsResult, data: bytes, h: str, root: Path, backups: Path, editor: str | None,
                 prints: dict, perimeter_diff: Callable) -> None:
    doc = result.document
    s = result.summary()
    st.markdown(f"**{md(result.fichier)}** — tableau de suivi des CPTS ({md(s['format'].upper())}"
                + (f", feuille « {md(s['feuille'])} »" if s["feuille"] else "")
                + f", en-tête ligne(s) {md(', '.join(map(str, s['lignes_entete'])))})")
    st.caption(md(result.columns_text()))
    for note in result.notes:
        st.caption(md(note))
    with st.expander("Document source créé par l'import" + (" (déjà dans le registre)" if doc.get("existe") else ""),
                     expanded=not doc.get("existe")):
        st.markdown(f"« {md(doc['titre'])} » — {md(doc['editeur'])}, {md(fr_date(doc['date']))}"
                    + (" *(date déduite : celle de l'import)*" if doc.get("infere") else "")
                    + f"  \nIdentifiant : `{md(doc['id'])}` · empreinte SHA-256 {md(doc['sha256'][:16])}…")
        if not doc.get("existe"):
            st.caption("Chaque fait importé cite ce document par sa feuille, sa ligne et sa colonne ; le fichier est "
                       "conservé dans le registre. Corrigez le titre, l'éditeur ou la date si besoin :")
            c = st.columns(3)
            c[0].text_input("Titre", key=f"impf_doc_titre_{h}", placeholder=doc["titre"][:80])
            c[1].text_input("Éditeur (qui publie le tableau)", key=f"impf_doc_editeur_{h}", placeholder=doc["editeur"])
            c[2].text_input("Date du tableau (AAAA-MM-JJ ou JJ/MM/AAAA)", key=f"impf_doc_date_{h}",
                            placeholder=doc["date"])
    m = st.columns(5)
    m[0].metric("CPTS lues", fr_int(s["cpts"]))
    m[1].metric("CPTS nouvelles", fr_int(s["cpts_nouvelles"]))
    m[2].metric("CPTS modifiées", fr_int(s["cpts_modifiees"]))
    m[3].metric("Faits à écrire", fr_int(s["faits_ecrits"]))
    m[4].metric("À corriger", fr_int(len(result.blocking)))
    labels = ["Faits par CPTS", f"À corriger ({fr_int(len(result.blocking))})",
              f"Cellules non utilisées ({fr_int(sum(1 for c in result.cells if c.status in ('signalee', 'ignoree', 'a_corriger')))})",
              f"Problèmes ({fr_int(len(result.problems))})"]
    if result.perimeter is not None:
        labels.append(f"Communes (feuille « {result.perimeter.sheet} »)")
    tabs = st.tabs(labels)
    with tabs[0]:
        _facts_table(result)
    with tabs[1]:
        _to_fix(result, h)
    with tabs[2]:
        _cells(result)
    with tabs[3]:
        _problems(result)
    if result.perimeter is not None:
        with tabs[4]:
            perimeter_diff(result.perimeter)
    _publish(result, data, root, backups, editor, prints)


def _facts_table(result: FactsResult) -> None:
    only = st.toggle("Seulement ce qui change", value=True, key="impf_only_changes")
    rows = [{"CPTS": c.nom, "Identifiant": c.id or "—", "Fait": f.libelle, "Registre aujourd'hui": f.ancien or "—",
             "Tableau": f.nouveau, "Effet": FACT_STATUSES[f.statut] + (f" ({f.message})" if f.message else ""),
             "Lu dans": " ; ".join(f.lu)}
            for c in result.cpts for f in c.facts if f.writes or not only]
    if not rows:
        st.info("Aucun fait à écrire : le registre dit déjà ce que dit le tableau.")
        return
    st.dataframe(_frame(rows), hide_index=True, width="stretch", key="impf_facts_df")


def _to_fix(result: FactsResult, h: str) -> None:
    fixes: dict[str, str] = S.setdefault("imp_cpts_fixes", {})
    close = [p for p in result.problems if p.kind == "cpts_proche"]
    other = [p for p in result.blocking if getattr(p, "kind", "") != "cpts_proche"]
    if not close and not other:
        st.success("Rien à corriger.")
        return

    def on_pick(k: str, widget: str) -> None:
        value = S.get(widget)
        if value in (None, ""):
            fixes.pop(k, None)
        else:
            fixes[k] = value

    for p in close:
        widget = f"impf_cfix_{h}_{p.line}"
        options = [x["id"] for x in p.suggestions] + [NEW_CPTS]
        names = {x["id"]: f"même CPTS que « {x['nom']} »" for x in p.suggestions} | {NEW_CPTS: "c'est une nouvelle CPTS"}
        st.selectbox(f"{md(p.place)} — CPTS « {md(p.value)} »", options, index=None, key=widget,
                     format_func=lambda o, names=names: names.get(o, o), placeholder="— à préciser —",
                     on_change=on_pick, args=(cpts_key(p.value), widget), help=md(p.message))
    for p in other:
        where = getattr(p, "place", None) or (f"Feuille des communes, ligne {p.line}" if p.line else "Classeur")
        st.error(f"{md(where)} : {md(p.message)}")


def _cells(result: FactsResult) -> None:
    show_all = st.toggle("Toutes les cellules non vides", key="impf_all_cells")
    rows = [{"Où": c.place, "En-tête": c.header, "Valeur": c.value, "État": CELL_STATUSES[c.status],
             "Détail": c.message} for c in result.cells
            if show_all or c.status in ("signalee", "ignoree", "a_corriger")]
    st.caption(f"{plural(len(result.cells), 'cellule non vide', 'cellules non vides')} dans le classeur ; chacune est "
               "utilisée, identique au registre, ou signalée ici avec sa feuille, sa ligne et sa colonne.")
    if rows:
        st.dataframe(_frame(rows), hide_index=True, width="stretch", key="impf_cells_df")


def _problems(result: FactsResult) -> None:
    if not result.problems:
        st.success("Aucun problème dans la feuille des faits.")
        return
    rows = [{"Où": p.place, "Gravité": "à corriger" if p.blocking else "information", "Valeur": p.value,
             "Message": p.message} for p in result.problems]
    st.dataframe(_frame(rows), hide_index=True, width="stretch", key="impf_probs_df")


def _publish(result: FactsResult, data: bytes, root: Path, backups: Path, editor: str | None, prints: dict) -> None:
    perimeter = result.perimeter
    publish_box(
        editor,
        blocking=f"{plural(len(result.blocking), 'problème')} à corriger avant de publier (onglet « À corriger »)."
        if result.blocking else None,
        nothing=None if result.has_changes else "Rien à publier : le registre correspond déjà au tableau.",
        summary=None,
        removals=perimeter.destructive_text() if perimeter is not None and perimeter.destructive else None,
        form="impf_publish", confirm_key="impf_confirm",
        unconfirmed="Suppressions non confirmées : cochez la case de confirmation. Rien n'a été publié.",
        publish=lambda editor: publish_facts(result, data, root, backups, expected=prints, editeur=editor))
