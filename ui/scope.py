"""The territory the app shows (issue 10.1): a région or the whole of France, chosen in the sidebar
and kept in the URL (``?region=france``, ``?region=93``), for every page.

The session's scope is ``st.session_state["scope"]`` (a code from geo/scope.py), read once from
``?region=`` when the session starts; the URL then follows the selector (no ``region`` for the
default scope, so Bretagne's links stay as they were). ui/data.py loads the atlas and the map of
:func:`current_scope`. An unknown or unbuilt région in a link is said in French and the default
scope is shown instead. The selector only appears when more than one scope is built.
"""
from __future__ import annotations

import re
import unicodedata

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from geo.scope import Scope, ScopeError, available_scopes, default_code, get_scope

from .text import md

KEY = "scope"              # session state: the chosen scope's code
WIDGET = "scope_choice"    # the selector's own key
ERROR = "scope_error"      # French message about the ?region= of the link, shown once
PARAM = "region"


def _from_link(value: str | None) -> tuple[Scope, str | None]:
    try:
        return get_scope(value, built=True), None
    except ScopeError as e:
        return get_scope(None), f"Lien : {e} Carte affichée : {get_scope(None).nom}."


def current_scope() -> Scope:
    """The scope of this session (from ``?region=`` on its first run), or the default scope outside a
    Streamlit session (a warm-up thread, a script)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return get_scope(None)
    S = st.session_state
    code = S.get(KEY)
    if code is None:
        scope, error = _from_link(st.query_params.get(PARAM))
        S[KEY] = scope.code
        if error:
            S[ERROR] = error
        return scope
    return get_scope(code)


def scope_params() -> dict[str, str]:
    """``{"region": code}`` for a page that rewrites its whole URL (``st.query_params.from_dict``);
    empty for the default scope."""
    code = current_scope().code
    return {} if code == default_code() else {PARAM: code}


def keep_in_url() -> None:
    """The URL's ``region`` is the session's scope (absent for the default)."""
    want = scope_params().get(PARAM)
    if st.query_params.get(PARAM) != want:
        if want is None:
            del st.query_params[PARAM]
        else:
            st.query_params[PARAM] = want


def _changed() -> None:
    S = st.session_state
    S[KEY] = S[WIDGET]
    # The map page starts again from the URL (its ?commune= / ?cpts= in the new scope), refitted.
    S.pop("init", None)


def scope_selector() -> Scope:
    """The sidebar selector (when several scopes are built) and the link's error; returns the scope."""
    scope = current_scope()
    error = st.session_state.pop(ERROR, None)
    if error:
        st.error(md(error))
    scopes = available_scopes()
    codes = [s.code for s in scopes]
    if scope.code not in codes:
        codes.insert(0, scope.code)
    if len(codes) > 1:
        labels = {s.code: s.label for s in scopes} | {scope.code: scope.label}
        if st.session_state.get(WIDGET) != scope.code:
            st.session_state[WIDGET] = scope.code
        # selectbox options are shown without Markdown (plain text): names from the COG are safe here
        st.sidebar.selectbox("Territoire", codes, key=WIDGET, format_func=lambda c: labels.get(c, c),
                             on_change=_changed, help="Une région, ou la France entière : toutes les pages le suivent.")
    keep_in_url()
    return scope


def file_slug(scope: Scope | None = None) -> str:
    """The scope in a downloaded file's name (« cpts-france-2026-12-01.xlsx »): « bretagne », « france »,
    « provence-alpes-cote-d-azur » (ASCII, lower case, hyphens). Default: this session's scope — the
    exports of the France scope were named « cpts-bretagne-… » whatever they held."""
    s = scope or current_scope()
    if s.is_france:
        return "france"
    ascii_ = unicodedata.normalize("NFKD", s.nom).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-") or s.key
