"""Who is editing: sign-in of named editors, and the server-side check every editing action makes.

Two modes, chosen by the Streamlit secrets:

* OpenID Connect — when the secrets have an ``[auth]`` section, Streamlit's ``st.login`` /
  ``st.user`` sign people in through the organisation's provider; the editors are the users
  whose claim matches ``[editeurs_oidc]`` (geo/auth/oidc.py). Passwords are not used then.
* Named accounts — otherwise, ``[editeurs.NOM] hash = "$argon2id$…"`` written by
  ``python -m geo editeurs ajouter NOM``; the sign-in form checks the password against the hash
  (geo/auth/passwords.py) and remembers the name in this session only.

Failed sign-ins slow down: each failure makes the next attempt of the same session AND for the
same name wait twice as long (geo/auth/throttle.py, one Throttle per server process); the failing
request itself is held for that delay (up to ``MAX_HOLD`` seconds). Messages never say whether
the name exists.

Every editing action calls ``require_editor()`` on the server right before acting, whatever the
page showed: a visitor, a signed-out session or an account removed meanwhile gets EditorRequired.
"""
from __future__ import annotations

import secrets as _random
import time
from collections.abc import Mapping

import streamlit as st

from geo.auth import (
    Throttle, editor_hashes, find_editor, normalize_name, oidc_configured, oidc_editor_name, oidc_rule,
    verify_password,
)
from geo.auth.passwords import warm_up
from geo.auth.secrets_file import SecretsFileError

S = st.session_state
EDITOR_KEY = "auth_editeur"  # session_state: the signed-in editor's stored name (password mode)
MAX_HOLD = 5.0  # seconds a failing request is held at most (the wait before the next attempt can be longer)
LEGACY_MESSAGE = ("Le secret « admin_password » n'est plus utilisé : créez des comptes avec "
                  "python -m geo editeurs ajouter NOM, puis retirez-le des secrets.")
REFUSED = "Nom ou mot de passe incorrect."

# Seams for tests (AppTest runs the page in this process): the throttle's clock and the hold.
_now = time.monotonic
_sleep = time.sleep


class EditorRequired(PermissionError):
    """An editing action was asked for by someone who is not a signed-in editor (French message)."""

    def __init__(self, message: str = "Action réservée aux éditeurs connectés : rien n'a été modifié."):
        super().__init__(message)


def secrets_dict() -> dict:
    """The Streamlit secrets as a plain dict ({} when there is no secrets file)."""
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets.toml: StreamlitSecretNotFoundError / FileNotFoundError
        return {}


@st.cache_resource
def _throttle() -> Throttle:
    """One Throttle per server process, shared by every session (per-name delays must be)."""
    warm_up()  # before any sign-in is checked: unknown names cost the same from the first attempt
    return Throttle(base=1.0, cap=300.0, clock=lambda: _now())


def _session_key() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx()
    if ctx is not None and getattr(ctx, "session_id", None):
        return "session:" + ctx.session_id
    return "session:" + S.setdefault("auth_session_token", _random.token_hex(16))


def _name_key(name: str) -> str:
    try:
        clean = normalize_name(name)
    except SecretsFileError:
        clean = " ".join(name.split())[:64]
    return "nom:" + clean.casefold()


def _oidc_user_claims() -> dict | None:
    try:
        if not st.user.is_logged_in:
            return None
        return dict(st.user.to_dict())
    except Exception:  # st.user unavailable (no [auth] section, old session)
        return None


def current_editor(secrets: Mapping | None = None) -> str | None:
    """The name of the editor of this session, checked now against the secrets, or None."""
    secrets = secrets_dict() if secrets is None else secrets
    if oidc_configured(secrets):
        claims = _oidc_user_claims()
        return oidc_editor_name(claims, oidc_rule(secrets)) if claims else None
    name = S.get(EDITOR_KEY)
    if not name:
        return None
    found = find_editor(editor_hashes(secrets), name)
    if found is None:  # account removed since the sign-in
        S.pop(EDITOR_KEY, None)
        return None
    return found[0]


def require_editor() -> str:
    """The signed-in editor's name; raises EditorRequired otherwise. Call it on the server right
    before every editing action (publish, edit, restore), not only to hide buttons."""
    name = current_editor()
    if name is None:
        raise EditorRequired()
    return name


def attempt_sign_in(name: str, password: str, secrets: Mapping) -> tuple[bool, str]:
    """Check a password sign-in for this session: (True, stored name) or (False, French message).
    A too-early attempt is refused without checking; a failure is held and makes the next wait longer."""
    throttle = _throttle()
    keys = [_session_key(), _name_key(name)]
    wait = throttle.wait_time(keys)
    if wait > 0:
        return False, f"Trop de tentatives : réessayez dans {max(1, round(wait))} s."
    found = find_editor(editor_hashes(secrets), name)
    if found is not None and verify_password(found[1], password):
        throttle.success(keys)
        S[EDITOR_KEY] = found[0]
        return True, found[0]
    if found is None:
        verify_password(None, password)  # same work as for a real account
    delay = throttle.failure(keys)
    _sleep(min(delay, MAX_HOLD))
    return False, f"{REFUSED} Prochain essai possible dans {max(1, round(delay))} s."


def sign_out() -> None:
    S.pop(EDITOR_KEY, None)


def sign_in_panel() -> str | None:
    """The sign-in box in the sidebar; returns the current editor's name or None (visitor)."""
    secrets = secrets_dict()
    box = st.sidebar
    box.subheader("Éditeurs")
    if secrets.get("admin_password"):
        st.warning(LEGACY_MESSAGE)  # in the page itself: whoever set it up must see it
    if oidc_configured(secrets):
        return _oidc_panel(box, secrets)
    editor = current_editor(secrets)
    if editor is not None:
        box.text(f"Connecté : {editor}")
        if box.button("Se déconnecter", key="auth_logout"):
            sign_out()
            st.rerun()
        return editor
    if not editor_hashes(secrets):
        box.caption("Aucun compte éditeur n'est configuré : la carte est en consultation seulement.")
        return None
    _throttle()  # created (and the dummy hash computed) before the first attempt, once per process
    with box.form("auth_signin", clear_on_submit=True):
        name = st.text_input("Nom d'éditeur", key="auth_nom")
        password = st.text_input("Mot de passe", type="password", key="auth_mdp")
        go = st.form_submit_button("Se connecter")
    if go:
        ok, message = attempt_sign_in(name, password, secrets)
        if ok:
            st.rerun()
        box.error(message)
    return None


def _oidc_panel(box, secrets: Mapping) -> str | None:
    claims = _oidc_user_claims()
    rule = oidc_rule(secrets)
    if claims is None:
        if box.button("Se connecter", key="auth_oidc_login"):
            if rule is not None and rule.provider:
                st.login(rule.provider)
            else:
                st.login()
        return None
    editor = oidc_editor_name(claims, rule)
    who = editor or str(claims.get("email") or claims.get("name") or claims.get("sub") or "")
    if editor is not None:
        box.text(f"Connecté : {editor}")
    else:
        box.warning("Connecté, mais ce compte n'est pas éditeur : consultation seulement.")
        box.text(f"Compte : {who}")
    if box.button("Se déconnecter", key="auth_logout"):
        st.logout()
    return editor
