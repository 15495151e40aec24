"""OpenID Connect editors: when the secrets configure ``[auth]`` (Streamlit's st.login), the
editors are the signed-in users whose ID-token claim named by ``[editeurs_oidc]`` holds one of
the listed values::

    [editeurs_oidc]
    claim = "groups"                      # or "email", "roles"…
    valeurs = ["ars-bretagne-cpts"]       # a user is an editor when the claim (a string or a list) holds one
    fournisseur = "agence"                # optional: the provider of st.login("agence") ([auth.agence])

Comparison is exact for values, case-insensitive for e-mail addresses (claim ``email``). Without an
``[editeurs_oidc]`` section nobody is an editor (signing in is not enough): a deployment names its
editors explicitly.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SECTION = "editeurs_oidc"


@dataclass(frozen=True)
class OidcRule:
    claim: str
    values: frozenset[str]
    provider: str | None = None

    def allows(self, claims: Mapping) -> bool:
        value = claims.get(self.claim)
        found = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        found = {str(v) for v in found if v is not None and v != ""}
        if self.claim == "email":
            if claims.get("email_verified") is False:  # a provider saying the address is unproven
                return False
            return bool({v.casefold() for v in found} & {v.casefold() for v in self.values})
        return bool(found & self.values)


def oidc_configured(secrets: Mapping) -> bool:
    """True when the secrets hold an ``[auth]`` section (Streamlit's OpenID Connect)."""
    return isinstance(secrets.get("auth"), Mapping) and bool(secrets.get("auth"))


def oidc_rule(secrets: Mapping) -> OidcRule | None:
    """The ``[editeurs_oidc]`` rule, or None when absent or incomplete (then no OIDC user is an editor)."""
    section = secrets.get(SECTION)
    if not isinstance(section, Mapping):
        return None
    claim = section.get("claim")
    values = section.get("valeurs")
    if isinstance(values, str):
        values = [values]
    if not isinstance(claim, str) or not claim or not isinstance(values, (list, tuple)) or not values:
        return None
    provider = section.get("fournisseur")
    return OidcRule(claim, frozenset(str(v) for v in values), str(provider) if provider else None)


def oidc_editor_name(claims: Mapping, rule: OidcRule | None) -> str | None:
    """The name recorded for a signed-in user if the rule makes them an editor (e-mail, else name,
    else subject), or None."""
    if rule is None or not rule.allows(claims):
        return None
    for key in ("email", "name", "preferred_username", "sub"):
        if claims.get(key):
            return str(claims[key])
    return None
