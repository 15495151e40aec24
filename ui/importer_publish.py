"""The « Publier » box of the Importer page, the same for a commune list (ui/importer.py,
geo/registry/store.py publish) and a tracking table (ui/importer_facts.py, facts_publish.py): preview
only for a visitor; what blocks or why there is nothing to publish; removals shown and confirmed by a
ticked box; the editor and the confirmation checked on the server; the publication's message kept
for the next run (shown above the uploader), or its French error.
"""
from __future__ import annotations

from typing import Callable

import streamlit as st

from geo.registry.problems import PublishError

from .auth import EditorRequired, require_editor
from .text import md

S = st.session_state

__all__ = ["publish_box"]


def publish_box(editor: str | None, *, blocking: str | None, nothing: str | None, summary: str | None,
                removals: str | None, form: str, confirm_key: str, unconfirmed: str,
                publish: Callable[[str], object]) -> None:
    """``blocking``: the warning when something is to fix (publication disabled); ``nothing``: the note
    when nothing changes (disabled); ``summary``: what will be published (Markdown, already escaped);
    ``removals``: the removals to confirm (plain text) or None; ``form``, ``confirm_key``: widget keys;
    ``unconfirmed``: the error when the box is not ticked; ``publish(editor)`` returns a report with
    ``text()`` and ``backup`` or raises PublishError."""
    st.subheader("Publier")
    if editor is None:
        st.caption("Aperçu seulement : connectez-vous comme éditeur pour publier.")
        return
    if blocking:
        st.warning(blocking)
    elif nothing:
        st.info(nothing)
    elif summary:
        st.markdown(summary)
    if removals and not blocking:
        st.warning("**Suppressions à confirmer** : " + md(removals) + ".")
    with st.form(form, clear_on_submit=True):
        confirmed = st.checkbox("Je confirme le retrait de ces communes de leur CPTS", key=confirm_key) if removals \
            else False
        go = st.form_submit_button("Publier dans le registre", type="primary", disabled=bool(blocking or nothing))
    if not go:
        return
    try:
        editor = require_editor()  # checked here, on the server, whatever the browser sent
    except EditorRequired as e:
        st.error(md(e))
        return
    if removals and not confirmed:  # checked here, on the server, whatever the browser sent
        st.error(unconfirmed)
        return
    try:
        report = publish(editor)
    except PublishError as e:
        st.error(md(e))
        return
    # the version history (geo/registry/history.py) records the editor too
    S["imp_published"] = report.text().replace(str(report.backup), report.backup.name) + f"\n\nPublié par : {editor}."
    S.pop("imp_result", None)
    st.rerun()  # redraw against the published registry; the message is shown above the uploader
