"""« Source de cette modification »: a document of the registry, or a new one (title, publisher,
date, type, place, link and/or the file itself, kept beside the other documents). Messages in
French under the field they concern (geo/registry/edit_sources.py validates with the model)."""
from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from geo.registry.edit_sources import MAX_DOCUMENT_BYTES, NewSource, check_source, source_entry, source_id
from geo.registry.edit_values import parse_date
from geo.registry.models import SOURCE_TYPES, Registry
from geo.registry.sources import document_label

from .text import md

S = st.session_state
EXISTING, NEW = "Un document du registre", "Un nouveau document"


@dataclass
class SourceChoice:
    source_id: str | None = None
    new: NewSource | None = None
    entry: dict | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.source_id is not None and not self.errors


def label(registry: Registry, sid: str | None, choice: SourceChoice | None = None) -> str:
    if choice is not None and choice.new is not None and sid == choice.source_id:
        return f"nouveau document « {choice.new.titre} »"
    s = registry.sources.get(sid or "")
    return f"{document_label(s)} — {s.titre}" if s else str(sid)


def after_publish(new_source_id: str | None) -> None:
    """Before the widgets are drawn again after a publication: forget the confirmation and the new
    document typed (it is in the registry now: chosen as an existing one, not proposed again)."""
    for key in ("ed_confirm", "ed_src_titre", "ed_src_editeur", "ed_src_date", "ed_src_lieu", "ed_src_url",
                "ed_src_file"):
        S.pop(key, None)
    if new_source_id:
        S["ed_src_mode"], S["ed_src_id"] = EXISTING, new_source_id


def chooser(registry: Registry, editor: str) -> SourceChoice:
    st.subheader("Source de cette modification")
    st.caption("Chaque fait ajouté ou modifié cite ce document ; la citation (extrait du document) se saisit "
               "avec le fait.")
    mode = st.radio("Document", [EXISTING, NEW], key="ed_src_mode", horizontal=True, label_visibility="collapsed")
    if mode == EXISTING:
        ids = sorted(registry.sources, key=lambda i: registry.sources[i].date, reverse=True)
        sid = st.selectbox("Document source", [None] + ids, key="ed_src_id",
                           format_func=lambda i: "— choisir —" if i is None else label(registry, i))
        return SourceChoice(source_id=sid, errors=[] if sid else [("source", "choisir le document source")])
    errors: list[tuple[str, str]] = []
    c1, c2 = st.columns(2)
    titre = c1.text_input("Titre du document *", key="ed_src_titre")
    editeur = c2.text_input("Éditeur (qui publie le document) *", key="ed_src_editeur")
    c3, c4, c5 = st.columns(3)
    date_text = c3.text_input("Date du document *", key="ed_src_date", help="JJ/MM/AAAA, MM/AAAA ou AAAA")
    kind = c4.selectbox("Type *", list(SOURCE_TYPES), key="ed_src_type")
    lieu = c5.text_input("Lieu", key="ed_src_lieu")
    url = st.text_input("Adresse du document (lien)", key="ed_src_url", help="https://…")
    upload = st.file_uploader("Fichier du document (conservé avec les autres documents du registre)",
                              key="ed_src_file", help=f"Au plus {MAX_DOCUMENT_BYTES // 1_000_000} Mo.")
    date = ""
    if not date_text.strip():
        errors.append(("date", "à renseigner"))
    else:
        try:
            date = parse_date(date_text)
        except ValueError as e:
            errors.append(("date", str(e)))
    new = NewSource(titre=titre, editeur=editeur, date=date, type=kind, lieu=lieu, url=url,
                    filename=upload.name if upload is not None else "",
                    data=upload.getvalue() if upload is not None else b"")
    sid = source_id(new, set(registry.sources))
    entry = source_entry(new, sid, editor)
    errors += [(p, m) for p, m in check_source(entry, new) if not (p == "date" and errors)]
    for path, message in errors:
        st.error(md(f"{_FIELD.get(path.split('.')[0], path)} : {message}"))
    return SourceChoice(source_id=sid, new=new, entry=entry, errors=errors)


_FIELD = {"titre": "Titre", "editeur": "Éditeur", "date": "Date", "type": "Type", "lieu": "Lieu", "url": "Adresse",
          "fichier": "Fichier", "id": "Identifiant"}
