"""Named editors (issue 8.5): who may change the registry, and how they prove it.

Pure Python, no Streamlit (ui/auth.py renders the sign-in and calls these):

* passwords.py -- argon2id hashes (argon2-cffi) and their check, with the same cost whether the
  name exists or not;
* secrets_file.py -- the editor accounts in the Streamlit secrets file (``[editeurs.NOM] hash``),
  read and rewritten atomically with tomlkit so that every other secret survives byte for byte;
* throttle.py -- exponential delays after failed sign-ins, per session and per editor name, on an
  injectable clock;
* oidc.py -- with OpenID Connect (``[auth]`` + ``[editeurs_oidc]``), which users are editors.
"""
from __future__ import annotations

from .oidc import OidcRule, oidc_configured, oidc_editor_name, oidc_rule
from .passwords import MIN_PASSWORD_LENGTH, PasswordError, check_password, hash_password, verify_password
from .secrets_file import (
    DEFAULT_SECRETS, SecretsFileError, add_editor, editor_hashes, find_editor, list_editors, normalize_name,
    read_secrets, remove_editor,
)
from .throttle import Throttle

__all__ = [
    "DEFAULT_SECRETS", "MIN_PASSWORD_LENGTH", "OidcRule", "PasswordError", "SecretsFileError", "Throttle",
    "add_editor", "check_password", "editor_hashes", "find_editor", "hash_password", "list_editors",
    "normalize_name", "oidc_configured", "oidc_editor_name", "oidc_rule", "read_secrets", "remove_editor", "verify_password",
]
