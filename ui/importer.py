"""The Importer page: upload a regional listing, see how every row resolved, fix rows, see the
differences with the registry, publish (signed-in editors only: ui/auth.py, checked on the server).

geo/importing/ does the reading and resolving, geo/registry/store.py the writing; this module
only renders. Every text that comes from the file goes through md() (Markdown/HTML escaped) or
st.dataframe (plain text); every cell of a table or download is formula-neutralised.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.formatting import fr_int, plural
from geo.importing import IGNORE, MAX_BYTES, NEW_CPTS, STATUS_LABELS, ImportFileError, ImportResult, cpts_key
from geo.importing.limits import mega
from geo.importing.facts_analysis import analyze_upload
from geo.importing import limits as import_limits
from geo.importing.sandbox import run_limited, warm_up
from geo.registry import RegistryError, load_registry
from geo.exports.cells import neutralize
from geo.registry.export import export_bytes, to_csv_bytes
from geo.registry.files import fingerprints
from geo.registry.store import publish
from geo.territories import build_territories

from .auth import sign_in_panel
from .data import get_atlas
from .scope import current_scope
from .importer_facts import document_fields, render_facts
from .importer_publish import publish_box
from .text import md

S = st.session_state
# Plain symbols (no emoji: headless and offline browsers often lack an emoji font).
_STATUS_MARK = {"resolue": "✓", "corrigee": "✓", "ancien_nom": "✓", "choisie": "✓", "cpts_seule": "✓",
                "sans_commune": "–", "pied": "–",
                "non_resolue": "✗", "ambigue": "✗", "conflit": "✗", "sans_cpts": "✗", "cpts_a_preciser": "✗"}
_FIXABLE_KINDS = {"nom_inconnu", "homonyme", "conflit_nom_code", "hors_territoire"}
_REVIEW_KINDS = {"nom_corrige", "homonyme_regle", "nom_non_reconnu", "code_ecarte"}
_MAX_FIX_WIDGETS = 60


def _version(root: Path) -> tuple:
    files = sorted((root / "cpts").glob("*.yaml")) + [root / "sources.yaml", root / "context.yaml"]
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.exists())


def _file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells neutralised: st.dataframe's own CSV download must not carry formulas."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: neutralize(v) if isinstance(v, str) else v)
    return out


# --------------------------------------------------------------------------- page


def _ars() -> str:
    """« l'ARS Bretagne » for the scope shown (ui/scope.py), « une ARS » for France."""
    scope = current_scope()
    return "une ARS" if scope.is_france else f"l'ARS {md(scope.nom)}"


def render(root: Path, backups: Path) -> None:
    st.title("Importer la liste régionale des CPTS")
    st.markdown(
        f"Chargez la liste des CPTS et de leurs communes tenue par {_ars()} — tableur **CSV** "
        "(séparateur « ; », « , » ou tabulation ; UTF-8 ou Windows-1252) ou **XLSX**, une ligne par commune "
        "avec le nom de la CPTS — ou la couche **GeoJSON** « CPTS et projets de CPTS » (Santégraphie, DGOS) — "
        "ou le **tableau de suivi des CPTS** (une ligne par CPTS : étapes et dates, population, financement, "
        "missions…, avec ou sans une feuille des communes). "
        "La page montre comment chaque ligne a été comprise, ce qui changerait dans le registre, et les "
        "problèmes à corriger. Rien n'est écrit avant la publication.")
    warm_up()  # the preview worker imports its modules while the visitor picks a file
    editor = sign_in_panel()  # sidebar: named editors or the organisation's sign-in (ui/auth.py)
    if editor is None:
        st.info("**Aperçu seulement** : la publication est réservée aux éditeurs connectés (barre latérale). "
                "Les visiteurs de la carte ne peuvent jamais modifier les données.")

    atlas = get_atlas()
    communes, matcher = atlas.communes, atlas.matcher
    names = dict(zip(communes["code"], communes["nom"]))
    try:
        registry = load_registry(root)
    except RegistryError as e:
        st.error("Le registre actuel est invalide : import impossible.\n\n" + md(e))
        return
    territories = build_territories(registry, communes, matcher)
    current = {t.id: list(t.codes) for t in territories}

    with st.expander("Télécharger le registre actuel (même format que l'import)"):
        st.caption("Une ligne par commune de chaque CPTS ; ce fichier, modifié puis réimporté, met le registre à jour.")
        c1, c2 = st.columns(2)
        c1.download_button("Registre (CSV)", export_bytes(registry, territories, names, "csv"),
                           file_name="registre_cpts.csv", mime="text/csv", key="imp_export_csv")
        c2.download_button("Registre (XLSX)", export_bytes(registry, territories, names, "xlsx"),
                           file_name="registre_cpts.xlsx", key="imp_export_xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    if S.get("imp_published"):
        st.success(md(S["imp_published"]))

    upload = st.file_uploader("Fichier à importer", type=["csv", "txt", "xlsx", "geojson", "json"], key="imp_file",
                              help=f"Au plus {mega(MAX_BYTES)}.")
    if upload is None:
        return
    data = upload.getvalue()
    h = _file_hash(data)
    if S.get("imp_hash") != h:  # a new file: forget the fixes of the previous one
        S["imp_hash"] = h
        S["imp_fixes"] = {}
        S["imp_cpts_fixes"] = {}
        S.pop("imp_published", None)
    fixes: dict[int, str] = S.setdefault("imp_fixes", {})
    cpts_fixes: dict[str, str] = S.setdefault("imp_cpts_fixes", {})
    document = document_fields(h)  # a tracking table: the source document's fields (ui/importer_facts.py)
    key = (h, tuple(sorted(fixes.items())), tuple(sorted(cpts_fixes.items())), _version(root),
           tuple(sorted(document.items())))
    cached = S.get("imp_result")
    if cached is None or cached[0] != key:
        try:
            # in a child process with CPU, memory and time limits (geo/importing/sandbox.py): an
            # anonymous visitor's file cannot starve the other sessions nor keep memory afterwards;
            # a tracking table (facts per CPTS) or a commune list, told apart by its columns, in the child
            with st.spinner("Lecture et résolution des communes…"):
                result = run_limited(analyze_upload, (data, upload.name, communes, matcher, registry, current, fixes,
                                                      cpts_fixes, document), {"limits": import_limits.LIMITS},
                                     limits=import_limits.LIMITS)
        except ImportFileError as e:
            S.pop("imp_result", None)
            st.error(f"**Fichier « {md(upload.name)} » inutilisable.**\n\n"
                     + "  \n".join(md(line) for line in str(e).split("\n")))
            return
        S["imp_result"] = (key, result, fingerprints(root))
    _, result, prints = S["imp_result"]
    if getattr(result, "kind", None) == "faits":
        render_facts(result, data, h, root, backups, editor, prints, lambda r: _diff(r, names))
        return

    _header(result)
    tabs = st.tabs(["Lignes", f"À corriger ({fr_int(len(result.blocking))})", "Différences avec le registre",
                    f"Problèmes ({fr_int(len(result.problems))})"])
    with tabs[0]:
        _rows_table(result)
    with tabs[1]:
        _fixes(result, names, h)
    with tabs[2]:
        _diff(result, names)
    with tabs[3]:
        _problems(result)
    _publish_box(result, root, backups, editor, prints)


def _header(result: ImportResult) -> None:
    s = result.summary()
    what = [s["format"].upper()]
    if s["encodage"]:
        what.append(f"encodage {s['encodage']}")
    if s["separateur"]:
        what.append(f"séparateur {s['separateur']}")
    if s["feuille"]:
        what.append(f"feuille « {s['feuille']} »")
    if s.get("ligne_entete"):
        what.append(f"en-tête ligne {s['ligne_entete']}")
    st.markdown(f"**{md(result.fichier)}** — {md(', '.join(what))}")
    st.caption(md(result.columns_text()))
    if result.ignored_headers:
        st.caption("Colonnes ignorées : " + md(", ".join(f"« {x} »" for x in result.ignored_headers)))
    for note in result.notes:
        st.caption(md(note))
    c = st.columns(5)
    c[0].metric("Lignes lues", fr_int(s["lignes"]))
    c[1].metric("Lignes utilisées", fr_int(s["lignes_utilisees"]))
    c[2].metric("Lignes à corriger", fr_int(len(s["lignes_bloquantes"])))
    c[3].metric("CPTS nouvelles", fr_int(s["cpts_nouvelles"]))
    c[4].metric("CPTS modifiées", fr_int(s["cpts_modifiees"]))
    if result.format == "geojson":
        st.caption(md(s["numerotation"]))


def _rows_table(result: ImportResult) -> None:
    only = st.toggle("Seulement les lignes non utilisées ou corrigées", key="imp_only_issues")
    rows = result.rows
    if only:
        rows = [r for r in rows if r.status != "resolue"]
    df = pd.DataFrame({
        "Ligne": [r.line for r in rows],
        "État": [f"{_STATUS_MARK.get(r.status, '–')} {STATUS_LABELS.get(r.status, r.status)}" for r in rows],
        "CPTS (fichier)": [r.cpts for r in rows],
        "Commune (fichier)": [r.commune for r in rows],
        "Code (fichier)": [r.code_saisi for r in rows],
        "Commune retenue": [r.nom or "" for r in rows],
        "Code INSEE": [r.code or "" for r in rows],
        "Détail": [r.message for r in rows],
    })
    st.dataframe(_safe_frame(df), hide_index=True, width="stretch", key="imp_rows_df")


def _label(x: dict) -> str:
    if "code" in x:
        return f"{x['nom']} ({x['code']}, dép. {x['departement']})"
    return f"{x['nom']} (CPTS du registre)"


def _fixes(result: ImportResult, names: dict[str, str], h: str) -> None:
    fixes: dict[int, str] = S["imp_fixes"]
    cpts_fixes: dict[str, str] = S["imp_cpts_fixes"]
    todo = [p for p in result.problems if p.kind in _FIXABLE_KINDS]
    chosen_lines = [line for line in fixes]
    review = [p for p in result.problems if p.kind in _REVIEW_KINDS]
    cpts_todo = [p for p in result.problems if p.kind == "cpts_proche"]
    other_blocking = [p for p in result.blocking if p.kind not in _FIXABLE_KINDS | {"cpts_proche"}]
    if not (todo or chosen_lines or review or cpts_todo or other_blocking):
        st.success("Aucune ligne à corriger.")
        return
    st.caption("Choisissez la bonne commune parmi les suggestions, tapez un code INSEE, ou ignorez la ligne. "
               "Les choix s'appliquent à l'aperçu ; rien n'est écrit avant la publication.")

    def on_fix(line: int, widget: str) -> None:
        value = S.get(widget)
        if value in (None, ""):
            fixes.pop(line, None)
        else:
            fixes[line] = str(value).strip()

    def on_cpts(k: str, widget: str) -> None:
        value = S.get(widget)
        if value in (None, ""):
            cpts_fixes.pop(k, None)
        else:
            cpts_fixes[k] = value

    for p in cpts_todo:
        k = cpts_key(p.value)
        widget = f"imp_cfix_{h}_{p.line}"
        options = [x["id"] for x in p.suggestions] + [NEW_CPTS]
        labels = {x["id"]: f"même CPTS que « {x['nom']} »" for x in p.suggestions} | {NEW_CPTS: "c'est une nouvelle CPTS"}
        st.selectbox(f"Ligne {p.line} — CPTS « {md(p.value)} »", options, index=None, key=widget,
                     format_func=lambda o, labels=labels: labels.get(o, o), placeholder="— à préciser —",
                     on_change=on_cpts, args=(k, widget), help=md(p.message))
    rows = {r.line: r for r in result.rows}
    shown = sorted({p.line for p in todo} | set(chosen_lines))
    for line in shown[:_MAX_FIX_WIDGETS]:
        r = rows.get(line)
        if r is None:
            continue
        p = next((x for x in todo if x.line == line), None)
        sugg = p.suggestions if p else r.suggestions
        options = [x["code"] for x in sugg if "code" in x]
        current = fixes.get(line)
        if current and current not in options and current != IGNORE:
            options.append(current)
        options.append(IGNORE)
        labels = {x["code"]: _label(x) for x in sugg if "code" in x} | {IGNORE: "ignorer cette ligne"}
        if current and current not in labels:
            labels[current] = f"{names.get(current, 'code inconnu')} ({current})"
        widget = f"imp_fix_{h}_{line}"
        if widget not in S and current:
            S[widget] = current
        value = r.commune or r.code_saisi
        st.selectbox(f"Ligne {line} — « {md(value)} » ({md(r.cpts)})", options, index=None, key=widget,
                     format_func=lambda o, labels=labels: labels.get(o, f"{names.get(o, 'code inconnu')} ({o})"),
                     placeholder="— choisir la commune —", accept_new_options=True,
                     on_change=on_fix, args=(line, widget), help=md(p.message if p else r.message))
    if len(shown) > _MAX_FIX_WIDGETS:
        st.warning(f"{fr_int(len(shown) - _MAX_FIX_WIDGETS)} autres lignes à corriger : corrigez le fichier et "
                   "rechargez-le (la liste complète est dans l'onglet Problèmes).")
    for p in other_blocking:  # line 0: a whole sheet of the workbook
        st.error(f"{f'Ligne {p.line}' if p.line else 'Classeur'} : {md(p.message)}")
    if review:
        with st.expander(f"Corrections automatiques à vérifier ({fr_int(len(review))})"):
            for p in review[:200]:
                st.markdown(f"- Ligne {p.line} : {md(p.message)}")


def _diff(result: ImportResult, names: dict[str, str]) -> None:
    def listing(codes: list[str]) -> str:
        text = ", ".join(f"{names.get(c, c)} ({c})" for c in codes[:30])
        return text + (f" … (+{len(codes) - 30})" if len(codes) > 30 else "")

    data = []
    for t in result.territories:
        if t.nouvelle and not t.changed:
            change = ("nouvelle CPTS — lignes à corriger" if t.blocking
                      else "nouvelle, non créée (aucune commune retenue)")
        elif t.nouvelle:
            change = "nouvelle CPTS"
        elif t.destructive:
            change = f"périmètre réduit : −{len(t.removed)} commune(s) (confirmation demandée)"
        elif t.changed:
            change = "périmètre remplacé"
        elif not t.codes:
            change = "inchangée (aucune commune dans le fichier)"
        else:
            change = "inchangée"
        data.append({
            "CPTS (fichier)": t.nom,
            "Identifiant": t.id,
            "Changement": change,
            "Communes (fichier)": len(t.codes),
            "Communes (registre)": None if t.nouvelle else len(t.current or []),
            "Ajoutées": listing(t.codes if t.nouvelle else t.added),
            "Retirées": "" if t.nouvelle else listing(t.removed),
            "Lignes à corriger": t.blocking,
        })
    n_new = sum(1 for t in result.territories if t.nouvelle and t.changed)
    n_mod = sum(1 for t in result.territories if t.changed and not t.nouvelle)
    st.markdown(f"{plural(n_new, 'CPTS nouvelle', 'CPTS nouvelles')}, {plural(n_mod, 'périmètre remplacé', 'périmètres remplacés')} ; "
                "les CPTS du registre absentes du fichier ne changent pas.")
    if result.destructive:
        st.warning("**Suppressions** : " + md(result.destructive_text())
                   + ". Ces communes sortiraient de leur CPTS : la publication demandera une confirmation.")
    st.dataframe(_safe_frame(pd.DataFrame(data)), hide_index=True, width="stretch", key="imp_diff_df",
                 placeholder="—")


def _problems(result: ImportResult) -> None:
    probs = sorted(result.problems, key=lambda p: (p.line, p.kind))
    if not probs:
        st.success("Aucun problème : toutes les lignes sont utilisées.")
        return
    table = [[p.line or None, "à corriger" if p.blocking else "information", p.value, p.message,
              ", ".join(_label(x) for x in p.suggestions[:5])] for p in probs]
    header = ["Ligne", "Gravité", "Valeur", "Message", "Suggestions"]
    st.dataframe(_safe_frame(pd.DataFrame(table, columns=header)), hide_index=True, width="stretch", key="imp_probs_df")
    st.download_button("Télécharger les problèmes (CSV)", to_csv_bytes(header, table),
                       file_name="problemes_import.csv", mime="text/csv", key="imp_probs_csv")


def _publish_box(result: ImportResult, root: Path, backups: Path, editor: str | None, prints: dict) -> None:
    changes = result.changes
    kinds = [plural(sum(1 for t in changes if t.nouvelle), "CPTS créée", "CPTS créées") if any(t.nouvelle for t in changes)
             else "",
             plural(sum(1 for t in changes if not t.nouvelle), "périmètre remplacé", "périmètres remplacés")
             if any(not t.nouvelle for t in changes) else ""]
    publish_box(
        editor,
        blocking=f"{plural(len(result.blocking), 'ligne')} à corriger avant de publier (onglet « À corriger »)."
        if result.blocking else None,
        nothing=None if changes else "Rien à publier : le registre correspond déjà au fichier.",
        summary="À publier : " + md(", ".join(x for x in kinds if x)) + " ; une sauvegarde du registre est faite avant.",
        removals=result.destructive_text() if result.destructive else None,
        form="imp_publish", confirm_key="imp_confirm_removals",
        unconfirmed="Suppressions non confirmées : cochez la case de confirmation pour retirer ces communes. "
                    "Rien n'a été publié.",
        publish=lambda editor: publish(result, root, backups, expected=prints, editeur=editor))
