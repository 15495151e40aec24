"""The editor's fields, drawn from the registry model (geo/registry/edit_form.py): one widget per
field of the chosen fact, « Ajouter » / « Retirer » for blocks and list items, and the French
message of a field that cannot be read or validated right under it.

The form tree lives in session_state (values survive switching facts); each widget is keyed by
the uid of its node and its field, seeded from the tree before it is drawn and written back
after. Labels are our constants; values from the registry are widget values (plain text) and
every registry text shown as Markdown goes through md().
"""
from __future__ import annotations

import streamlit as st

from geo.registry.edit_form import UID, Leaf, choice_label, field_specs, label_of, new_item

from .text import md

S = st.session_state
_LONG = {"citation", "note", "libelle", "action", "couvre"}
_HELP = {
    "date": "JJ/MM/AAAA, MM/AAAA, « sept. 2022 » ou AAAA",
    "int": "nombre entier, ex. 81 205",
    "year": "année, ex. 2024",
    "number": "nombre, ex. 196 875 ou 12,7",
    "lines": "un élément par ligne",
    "pairs": "une correction par ligne : « nom enregistré = graphie de la source »",
    "groups": "une commune par ligne : « 35 : nom de la commune »",
    "url": "adresse commençant par https://",
}


def _key(node: dict, name: str) -> str:
    return f"ed:{node[UID]}:{name}"


def _add(container, name: str, cls) -> None:
    if isinstance(container, list):
        container.append(new_item(cls))
    else:
        container[name] = new_item(cls)


def _remove(container, index_or_name) -> None:
    if isinstance(container, list):
        container.pop(index_or_name)
    else:
        container[index_or_name] = None


def _errors_at(errors: dict[str, list[str]], path: str) -> None:
    for message in errors.get(path, []):
        st.error(md(message))


def leaf_widget(node: dict, leaf: Leaf, path: str, errors: dict[str, list[str]], source_label) -> None:
    """One field: its widget (seeded from the tree, written back to it) and its messages."""
    key = _key(node, leaf.name)
    label = label_of(leaf.name) + ("" if leaf.optional or leaf.kind in ("bool", "source") else " *")
    if leaf.kind == "fixed":
        value = node.get(leaf.name) if node.get(leaf.name) is not None else (node.get("_original") or {}).get(leaf.name)
        if value:
            shown = f"{len(value)} codes" if isinstance(value, list) else "fichier importé"
            st.caption(f"{md(label_of(leaf.name))} : {md(shown)} (calculé, non modifiable ici)")
        return
    if leaf.kind == "source":
        current = node.get(leaf.name)
        st.caption("Source : " + (md(source_label(current)) if current else "la source de cette modification"))
        _errors_at(errors, path)
        return
    if key not in S:
        S[key] = node.get(leaf.name)
    if leaf.kind == "bool":
        S[key] = bool(S[key])
        st.checkbox(label, key=key)
    elif leaf.kind == "choice":
        options = ([None] if leaf.optional else []) + list(leaf.choices)
        if S[key] not in options:
            S[key] = options[0]
        st.selectbox(label, options, key=key, format_func=choice_label)
    elif leaf.kind in ("lines", "pairs", "groups") or leaf.name in _LONG:
        S[key] = "" if S[key] is None else str(S[key])
        st.text_area(label, key=key, help=_HELP.get(leaf.kind), height=68 if leaf.name in _LONG else 120)
    else:
        S[key] = "" if S[key] is None else str(S[key])
        st.text_input(label, key=key, help=_HELP.get(leaf.kind))
    node[leaf.name] = S[key]
    _errors_at(errors, path)


def field(node: dict, leaf: Leaf, path: str, errors: dict[str, list[str]], source_label) -> None:
    """A field of any kind: a leaf, a block (with « Ajouter » / « Retirer ») or a list of items."""
    label = label_of(leaf.name)
    if leaf.kind == "block":
        sub = node.get(leaf.name)
        with st.container(border=True):
            st.markdown(f"**{md(label)}**")
            if sub is None:
                st.button(f"Ajouter : {label}", key=f"ed:add:{node[UID]}:{leaf.name}", on_click=_add,
                          args=(node, leaf.name, leaf.cls))
            else:
                block(leaf.cls, sub, path, errors, source_label)
                if leaf.optional:
                    st.button(f"Retirer : {label}", key=f"ed:del:{sub[UID]}", on_click=_remove,
                              args=(node, leaf.name))
        _errors_at(errors, path)
        return
    if leaf.kind == "items":
        items = node.setdefault(leaf.name, [])
        st.markdown(f"**{md(label)}** ({len(items)})")
        for i, item in enumerate(items):
            with st.container(border=True):
                st.caption(f"{md(label)} n° {i + 1}")
                block(leaf.cls, item, f"{path}[{i}]", errors, source_label)
                st.button("Retirer cet élément", key=f"ed:del:{item[UID]}", on_click=_remove, args=(items, i))
        st.button(f"Ajouter : {label}", key=f"ed:add:{node[UID]}:{leaf.name}", on_click=_add,
                  args=(items, leaf.name, leaf.cls))
        _errors_at(errors, path)
        return
    leaf_widget(node, leaf, path, errors, source_label)


def block(cls, node: dict, path: str, errors: dict[str, list[str]], source_label) -> None:
    for leaf in field_specs(cls):
        field(node, leaf, f"{path}.{leaf.name}" if path else leaf.name, errors, source_label)


def sync(cls, node: dict) -> None:
    """Copy the widgets' current values into the tree before it is read (a widget changed by the
    user holds its new value in session_state before the page draws it again)."""
    for leaf in field_specs(cls):
        value = node.get(leaf.name)
        if leaf.kind == "block" and isinstance(value, dict):
            sync(leaf.cls, value)
        elif leaf.kind == "items" and isinstance(value, list):
            for item in value:
                sync(leaf.cls, item)
        elif _key(node, leaf.name) in S and leaf.kind not in ("fixed", "source"):
            node[leaf.name] = S[_key(node, leaf.name)]
