"""Editor passwords: argon2id hashes (argon2-cffi, its default RFC 9106 "low memory" profile),
salted per account, checked in constant time by the library.

``verify_password`` also runs for a name that has no account (against a fixed dummy hash), so the
time a wrong sign-in takes never tells whether the name exists.
"""
from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4, 16-byte random salt


class PasswordError(ValueError):
    """A password that cannot be used (French message)."""


def check_password(password: str) -> None:
    """Raise PasswordError (French) for a password too weak to protect the registry."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"Mot de passe trop court : au moins {MIN_PASSWORD_LENGTH} caractères.")
    if password.strip() != password:
        raise PasswordError("Le mot de passe ne doit pas commencer ni finir par une espace.")


def hash_password(password: str) -> str:
    """The argon2id PHC string (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``) of a usable password."""
    check_password(password)
    return _HASHER.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash("compte-inexistant-" + "x" * 16)


def warm_up() -> None:
    """Compute the dummy hash now (once per process), so that the first sign-in with an unknown
    name does not take twice as long as with a known one."""
    _dummy_hash()


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``. ``stored_hash`` None (unknown name) or not a
    valid argon2 hash: False, after the same amount of work as a real check."""
    if not stored_hash:
        try:
            _HASHER.verify(_dummy_hash(), password)
        except VerificationError:
            pass
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except VerifyMismatchError:
        return False
    except (VerificationError, InvalidHashError):
        return verify_password(None, password)
